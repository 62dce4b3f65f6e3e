#!/usr/bin/env bash
# The REST API held to its description (issue 22): a `fieldrelay serve` on loopback (first start:
# the demo registry seeded, recording on), its served description (GET /api/v1/openapi.yaml)
# checked by openapi-spec-validator and compared with docs/openapi.yaml, then schemathesis (PyPI)
# against it with the admin token and with an organisation token (issued by the admin for township
# 520602001, so incidents, sessions and their commands are really taken): examples, coverage,
# fuzzing and stateful phases (links: an incident, then its session, then commands on it), checks
# not_a_server_error, status_code_conformance, content_type_conformance and
# response_schema_conformance. Then the gateway must still be alive and its joint-reporting record
# must verify (`fieldrelay audit verify`): whatever was sent, the chain is intact.
#
# The event stream (GET /api/v1/sessions/{id}/events/stream) is left out: it stays open by design.
#
# usage: scripts/faults/api-fuzz.sh [--short]
#   --short   a few examples per operation (CI, under ~3 minutes); default: 100 per operation,
#             the figures in docs/reliability.md
# Environment: FIELDRELAY_BIN (a built binary), API_FUZZ_RESULTS (default artifacts/faults),
#   API_FUZZ_VENV (the Python venv, default in the bench cache; made and filled from PyPI if
#   missing), API_FUZZ_EXAMPLES (override the examples per operation), API_FUZZ_SEED, BENCH_KEEP=1.
set -euo pipefail
source "$(dirname "$0")/../bench/common.sh"

short=0
[ "${1:-}" = "--short" ] && short=1
RESULTS="${API_FUZZ_RESULTS:-$REPO/artifacts/faults}"
mkdir -p "$RESULTS"
examples="${API_FUZZ_EXAMPLES:-$([ "$short" = 1 ] && echo 5 || echo 100)}"
seed="${API_FUZZ_SEED:-22}"
mode_name="$([ "$short" = 1 ] && echo short || echo long)"

# Pinned: the versions these figures were made with (a newer schemathesis may add checks or change
# what a phase generates).
VENV="${API_FUZZ_VENV:-$BENCH_CACHE/api-fuzz-venv}"
# Debian's python3 makes venvs only with python3-venv (ensurepip); a fresh CI machine lacks it.
need_packages python3 python3-venv curl
if [ ! -x "$VENV/bin/schemathesis" ] || [ ! -x "$VENV/bin/openapi-spec-validator" ]; then
  log "making the Python venv $VENV (schemathesis, openapi-spec-validator)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==4.32.5" "openapi-spec-validator==0.9.0" >&2
fi

build_fieldrelay
srt_port="$(free_port udp)"
http_port="$(free_port tcp)"
base="http://127.0.0.1:$http_port"
config="$WORK/api-fuzz.yml"
cat >"$config" <<YML
log:
  level: notice
recording:
  enabled: true
  minFreeMiB: 64
YML
start_server "$WORK/data" "$srt_port" "$http_port" --config "$config"
log "fieldrelay serve pid $SERVER_PID (HTTP $http_port), $examples examples per operation ($mode_name)"

admin_token="$(cat "$WORK/data/admin.token")"
org=520602001
org_token="$(curl -fsS -X POST -H "Authorization: Bearer $admin_token" "$base/api/v1/orgs/$org/tokens" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')" || die "no organisation token for $org"

status=0
# 1. The served description: valid OpenAPI 3.1, and the bytes of docs/openapi.yaml.
curl -fsS -D "$WORK/openapi.headers" "$base/api/v1/openapi.yaml" -o "$WORK/openapi.yaml" || die "GET /api/v1/openapi.yaml failed"
grep -qi '^content-type: application/yaml' "$WORK/openapi.headers" || { log "openapi.yaml: content type is not application/yaml"; status=1; }
cmp -s "$WORK/openapi.yaml" "$REPO/docs/openapi.yaml" || { log "the served description is not docs/openapi.yaml (stale binary?)"; status=1; }
validator="ok"
if ! "$VENV/bin/openapi-spec-validator" "$WORK/openapi.yaml" >"$WORK/validator.txt" 2>&1; then
  validator="FAILED"
  status=1
  cat "$WORK/validator.txt" >&2
fi
log "openapi-spec-validator: $validator"

# 2. schemathesis, once per token. Generated security parameters are off: the token is the header.
# No example database (a run is decided by the seed alone, and nothing is written into the
# repository); filter_too_much is off because a feed path of the DELETE route (the rest of the URL)
# rejects many generated strings that cannot be a URL path, which is the generator's business.
run_schemathesis() {
  local who="$1" token="$2"
  local started=$SECONDS rc=0
  # From the scratch directory: schemathesis keeps a cache (.schemathesis/) in the working directory.
  (cd "$WORK" && "$VENV/bin/schemathesis" run "$base/api/v1/openapi.yaml" --url "$base" \
    -H "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing,stateful --max-examples "$examples" --seed "$seed" \
    --exclude-operation-id sessionEventStream \
    --generation-with-security-parameters false --generation-database none \
    --suppress-health-check filter_too_much --request-timeout 20 --workers 2 --no-color \
    --report junit,ndjson --report-dir "$WORK/schemathesis-$who" \
    >"$WORK/schemathesis-$who.txt" 2>&1) || rc=$?
  tail -40 "$WORK/schemathesis-$who.txt" >&2
  log "schemathesis as $who: exit $rc in $((SECONDS - started)) s"
  printf '%s %s %s\n' "$who" "$rc" "$((SECONDS - started))" >>"$WORK/runs.txt"
  cp "$WORK/schemathesis-$who.txt" "$RESULTS/api-fuzz-$who.txt"
  [ "$rc" = 0 ] || status=1
}
: >"$WORK/runs.txt"
# The organisation first: the admin's run may revoke tokens (DELETE /orgs/{id}/tokens/{token}).
run_schemathesis "org-$org" "$org_token"
run_schemathesis admin "$admin_token"

# 3. Still alive, and the record intact.
alive=yes
kill -0 "$SERVER_PID" 2>/dev/null || { alive="no: $(crash_note "$SERVER_LOG")"; status=1; }
server_errors="$(grep -c -i 'Program crashed\|fatal error' "$SERVER_LOG" || true)"
stop_pid "$SERVER_PID"
audit="ok"
"$FIELDRELAY" audit verify --data "$WORK/data" >"$WORK/audit.txt" 2>&1 || { audit="FAILED: $(tail -1 "$WORK/audit.txt")"; status=1; }
log "server alive at the end: $alive; record: $audit"

# The Markdown fragment for docs/reliability.md, from each run's NDJSON events: operations, test
# cases (requests), responses by status, failed checks (the four checks above; a schemathesis
# error such as a failed health check shows as a non-zero exit).
python3 - "$WORK" "$RESULTS/api-fuzz-$mode_name.md" "$mode_name" "$examples" "$seed" "$validator" "$alive" "$server_errors" \
  "$audit" "$(machine_line)" <<'PY' >&2
import collections, glob, json, sys
work, target, mode, examples, seed, validator, alive, crashes, audit, machine = sys.argv[1:]
lines = [f"### API fuzzing ({mode}: {examples} examples per operation, seed {seed})", "",
         f"Machine: {machine}.", "",
         f"- `openapi-spec-validator` on the served description: {validator}"]
for row in open(f"{work}/runs.txt"):
    who, rc, seconds = row.split()
    operations, statuses, failures, cases = set(), collections.Counter(), collections.Counter(), 0
    for path in glob.glob(f"{work}/schemathesis-{who}/*.ndjson"):
        for line in open(path):
            finished = json.loads(line).get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished["recorder"]
            if recorder["label"].split(" ")[0].isupper():  # "GET /path"; not the stateful phase's label
                operations.add(recorder["label"])
            for interaction in recorder.get("interactions", {}).values():
                response = interaction.get("response")
                cases += 1
                statuses[response["status_code"] if response else "no response"] += 1
            for checks in recorder.get("checks", {}).values():
                for check in checks:
                    if check["status"] != "success":
                        failures[check["name"]] += 1
    by_status = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items(), key=lambda item: str(item[0])))
    failed = ", ".join(f"{name} {count}" for name, count in sorted(failures.items())) or "none"
    lines.append(f"- schemathesis as {who}: exit {rc} in {seconds} s; {len(operations)} operations, {cases} requests "
                 f"({by_status}); failed checks: {failed}")
lines.append(f"- gateway alive at the end: {alive}; crashes in its log: {crashes}; `fieldrelay audit verify`: {audit}")
text = "\n".join(lines) + "\n"
open(target, "w").write(text)
print(text)
PY
exit "$status"

#!/usr/bin/env bash
# Runs every benchmark one after the other. With --smoke (CI) each runs for a few seconds, so the
# scripts never rot; without it, the full runs of docs/performance.md (long: about 30 minutes).
# Each script's summary goes to standard output and its Markdown fragment to artifacts/bench/.
#
# usage: scripts/bench/run-all.sh [--smoke]
set -uo pipefail
cd "$(dirname "$0")"
mode=()
[ "${1:-}" = "--smoke" ] && mode=(--smoke)
failed=()
for script in ingest.sh scale.sh serve.sh latency.sh wall-delay.sh; do
  echo "=== $script ${mode[*]}"
  started=$SECONDS
  # Bounded: a smoke run that hangs fails CI instead of holding it.
  limit=$([ ${#mode[@]} -gt 0 ] && echo 300 || echo 3600)
  extra=()
  # Ingest runs the recorded case too (r), beside the others.
  [ "$script" = ingest.sh ] && extra=(--record --only arbc)
  if timeout --kill-after=10 "$limit" bash "./$script" "${mode[@]}" "${extra[@]}"; then
    echo "=== $script passed in $((SECONDS - started)) s"
  else
    echo "=== $script FAILED after $((SECONDS - started)) s"
    failed+=("$script")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
echo "all benchmarks ran"

#!/usr/bin/env bash
# Crash consistency: kill -9 the gateway at random moments while the registry, joint-reporting
# sessions and the record are being written (device and key changes over the API and the CLI,
# organisation tokens, whole joint-reporting stories, CSV imports of hundreds of rows, live status
# from `fieldrelay loadgen`) and while the body camera cam/bc-520602001 publishes with ffmpeg and is
# recorded to fMP4, restart it on the same data directory, and check that it opens, that everything
# it acknowledged is there, that every import is all-or-nothing and that `fieldrelay audit verify`
# passes. Recordings: every fragment the index held before the kill (the writer indexes only after
# fdatasync) is still indexed with the same offset, length and hash and its bytes still hash to it,
# `fieldrelay recordings verify` passes (on the killed directory and with the restarted server
# recording), every file on disk at the kill is indexed and sealed by recovery and only files the
# restarted server made are open. Some kills are timed to a fragment write (file grown past its
# index), and some restarts are killed again at once, while recording recovery may run. Also kills
# the very first start (seeding) at random moments.
# The work is done by crash_driver.py (Python, standard library only); see its docstring.
#
# usage: scripts/faults/crash.sh [--short] [--rounds N] [--first-start-kills N] [--seed N]
#   full: 100 kills of a running gateway + 10 first-start kills; --short (CI): 10 + 3.
# Writes artifacts/faults/crash.md (figures, violations; recording: kills while recording, files
# and fragments recovered, bytes cut) and artifacts/faults/crash-journal.jsonl (every acknowledged
# action and recording fragment). Exits non-zero on any violation; the scratch directory (data
# directory, server log) is kept then. FIELDRELAY_BIN picks the binary (default: release build;
# with --short an existing debug build is used when there is no release build).
source "$(cd "$(dirname "$0")" && pwd)/../bench/common.sh"

short=0
driver_args=()
rounds=100
first=10
while [ $# -gt 0 ]; do
  case "$1" in
    --short) short=1; rounds=10; first=3; shift ;;
    --rounds) rounds="$2"; shift 2 ;;
    --first-start-kills) first="$2"; shift 2 ;;
    --seed) driver_args+=(--seed "$2"); shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done

need_packages sqlite3 ffmpeg python3
if [ "$short" = 1 ]; then
  build_fieldrelay smoke
  driver_args+=(--short --max-delay 3)
else
  build_fieldrelay
fi
clip="$(make_clip 640x360 600 64 10 1)"
out="$REPO/artifacts/faults"
mkdir -p "$out"

log "kill -9 x $rounds (+ $first first-start kills) with $FIELDRELAY; scratch in $WORK"
status=0
python3 "$BENCH_DIR/../faults/crash_driver.py" --bin "$FIELDRELAY" --clip "$clip" --work "$WORK" --out "$out" \
  --rounds "$rounds" --first-start-kills "$first" "${driver_args[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  BENCH_KEEP=1
  log "failed (exit $status); see $out/crash.md"
fi
exit "$status"

#!/usr/bin/env bash
# Runs every fault harness one after the other. With --short (CI) each runs in its short mode;
# without it, the full runs whose figures are in docs/reliability.md (long). api-fuzz.sh
# (schemathesis against the OpenAPI description, issue 22) installs its tools from PyPI in a venv.
#
# usage: scripts/faults/run-all.sh [--short]
set -uo pipefail
cd "$(dirname "$0")"
mode=()
[ "${1:-}" = "--short" ] && mode=(--short)
failed=()
scripts=(lossy.sh flap.sh crash.sh abuse.sh api-fuzz.sh)
# The test suite already runs lossy.sh --short (Tests/EndToEndTests/LossyLinkTests.swift).
[ ${#mode[@]} -gt 0 ] && scripts=(flap.sh crash.sh abuse.sh api-fuzz.sh)
# One release build for every harness, before and outside their time limits (each would otherwise
# build it inside its own: 5-8 minutes of a short mode's 10 on two cores).
if [ -z "${FIELDRELAY_BIN:-}" ]; then
  echo "=== building the release binary"
  (cd ../.. && nice -n 5 swift build -c release --product fieldrelay) || { echo "cannot build fieldrelay"; exit 1; }
  FIELDRELAY_BIN="$(cd ../.. && pwd)/.build/release/fieldrelay"
  export FIELDRELAY_BIN
fi
for script in "${scripts[@]}"; do
  echo "=== $script ${mode[*]}"
  started=$SECONDS
  limit=$([ ${#mode[@]} -gt 0 ] && echo 600 || echo 7200)
  if timeout --kill-after=10 "$limit" bash "./$script" "${mode[@]}"; then
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
echo "all fault harnesses passed"

#!/usr/bin/env bash
# Installs what the tests need and runs the whole suite: unit tests and the end-to-end suite that
# publishes with the real ffmpeg over SRT and reads HLS over HTTP on loopback ports chosen at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test
swift build --build-tests
swift test --skip-build "$@"

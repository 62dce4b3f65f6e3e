#!/usr/bin/env bash
# Installs what the tests need and runs the whole suite: unit tests and the end-to-end suite that
# publishes with the real ffmpeg over SRT and reads HLS over HTTP on loopback ports chosen at run time.
#
# Two passes. First everything but the browser tests, in parallel. Then the browser tests one at
# a time: each drives a real headless Chromium decoding live video beside its gateway and cameras,
# and on two cores several of them at once, beside the rest of the suite, starve each other into
# stalls no hall would see (a wall tile "restarting" because its decoder got no CPU). With
# arguments, they are passed to one `swift test` as they are (e.g. --filter ConsoleWallTests).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test
swift build --build-tests
if [ $# -gt 0 ]; then
  exec swift test --skip-build "$@"
fi
browser='EndToEndTests\.(Console[A-Za-z]*Tests|EarlyPlaybackTests|LongGOPTests|WallDelayBenchmark)'
swift test --skip-build --skip "$browser"
swift test --skip-build --no-parallel --filter "$browser"

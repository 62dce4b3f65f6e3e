#!/usr/bin/env bash
# Registry timings (issue 3): the filtered room list over 2,911 rooms, the area tree with live
# counts, an SRT admission lookup, and 2,911 status changes coalesced into one SQLite flush;
# p50/p99 over repeated runs of a release build against a real SQLite file.
#
# usage: scripts/bench/registry.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
REGISTRY_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter "RoomRegistryTests.Performance" 2>&1 \
  | grep -E "seed demo|rooms\?|area tree|admission lookup|flush of" | sed 's/^/  /'

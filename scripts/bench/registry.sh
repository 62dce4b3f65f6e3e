#!/usr/bin/env bash
# Registry timings.
#
# rooms (issue 3): the filtered room list over 2,911 rooms, the area tree with live counts, an SRT
# admission lookup, and 2,911 status changes coalesced into one SQLite flush; p50/p99 over repeated
# runs of a release build against a real SQLite file (`swift test -c release` of
# RoomRegistryTests.Performance).
#
# points (issue 15): 108,000 synthetic surveillance points (`registry seed-demo --points`) seeded
# into a temporary data directory with the release binary, timed; the same points exported to CSV
# and imported into a fresh registry, timed; then, against a running `fieldrelay serve`, 1,000
# `GET /api/v1/points?township=…&limit=50` and 1,000 `near` requests (random township / random
# place near a point, radius 5 km, limit 50) over one keep-alive connection, p50/p99. The issue
# asks for the import under a minute and the township list under 5 ms p99.
#
# usage: scripts/bench/registry.sh [rooms|points]   (both without an argument)
#   POINTS=N     how many points (default 108000)
#   REQUESTS=N   requests per kind (default 1000)
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$REPO"
what="${1:-all}"
echo "machine: $(machine_line)"

if [ "$what" = all ] || [ "$what" = rooms ]; then
  REGISTRY_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter "RoomRegistryTests.Performance" 2>&1 \
    | grep -E "seed demo|rooms\?|area tree|admission lookup|flush of" | sed 's/^/  /'
fi

if [ "$what" = all ] || [ "$what" = points ]; then
  POINTS="${POINTS:-108000}"
  REQUESTS="${REQUESTS:-1000}"
  build_fieldrelay
  DATA="$WORK/data"
  started=$(date +%s.%N)
  "$FIELDRELAY" registry seed-demo --points "$POINTS" --data "$DATA" >"$WORK/seed.log"
  seeded=$(date +%s.%N)
  echo "  seed-demo with $POINTS points (rooms, keys and points, one process): $(python3 -c "print(f'{$seeded - $started:.2f}')") s"

  "$FIELDRELAY" points export "$WORK/points.csv" --data "$DATA" >/dev/null
  "$FIELDRELAY" registry seed-demo --data "$WORK/copy" >/dev/null
  started=$(date +%s.%N)
  "$FIELDRELAY" points import "$WORK/points.csv" --data "$WORK/copy" >"$WORK/import.log"
  imported=$(date +%s.%N)
  echo "  CSV import of $POINTS points ($(du -h "$WORK/points.csv" | cut -f1)) into a fresh registry: $(python3 -c "print(f'{$imported - $started:.2f}')") s"

  srt=$(free_port udp)
  http=$(free_port tcp)
  start_server "$DATA" "$srt" "$http"
  TOKEN="$(cat "$DATA/admin.token")" PORT="$http" REQUESTS="$REQUESTS" python3 - <<'PY'
import http.client, json, os, random, statistics, time

port, token, requests = int(os.environ["PORT"]), os.environ["TOKEN"], int(os.environ["REQUESTS"])
headers = {"Authorization": f"Bearer {token}"}
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

def get(path):
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: {response.status} {body[:200]!r}")
    return body

def walk(nodes, level, found):
    for node in nodes:
        if node["level"] == level:
            found.append(node["code"])
        walk(node.get("children", []), level, found)

townships = []
walk(json.loads(get("/api/v1/areas?depth=township"))["areas"], "township", townships)
places = [(p["latitude"], p["longitude"]) for p in json.loads(get("/api/v1/points?limit=500"))["points"]]
random.seed(15)

def timed(paths):
    for path in paths[:20]:
        get(path)  # warm up
    times, rows = [], 0
    for path in paths:
        started = time.perf_counter()
        body = get(path)
        times.append((time.perf_counter() - started) * 1000)
        rows += body.count(b'"areaCode"')
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    return p(0.50), p(0.99), times[-1], rows / len(paths)

listing = [f"/api/v1/points?township={random.choice(townships)}&limit=50" for _ in range(requests)]
near = []
for _ in range(requests):
    lat, lon = random.choice(places)
    near.append(f"/api/v1/points?near={lat + random.uniform(-0.02, 0.02):.5f},{lon + random.uniform(-0.02, 0.02):.5f}&radiusKm=5&limit=50")
for name, paths in [("township list (limit 50)", listing), ("near (5 km, limit 50)", near)]:
    p50, p99, worst, rows = timed(paths)
    print(f"  {len(paths)} x GET {name}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.2f} ms, {rows:.0f} points per answer")
PY
  stop_pid "$SERVER_PID"
fi

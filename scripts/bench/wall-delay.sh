#!/usr/bin/env bash
# The delay a hall sees on its video wall (issue "The console, fit for duty", item 11): nine
# feeds published by ffmpeg over SRT (latency 200 ms, 640x360, GOP 2 s) on a township's 9-tile wall
# in headless Chromium; each tile's delay is the picture's EXT-X-PROGRAM-DATE-TIME against the
# clock (one machine), sampled four times a second. Then, in the same run, the same feeds through
# the console's player as it was before this issue (from git), for the before/after ratio.
# Run it on a quiet machine (no build or test beside it): the load average is printed before and
# after. Needs the test build (`swift build --build-tests`).
#
# usage: scripts/bench/wall-delay.sh [--seconds 300] [--tiles 9] [--before <git rev>] [--smoke]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=300 tiles=9 before=d639c7a
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --tiles) tiles="$2"; shift 2 ;;
    --before) before="$2"; shift 2 ;;
    --smoke) seconds=15 tiles=4; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
out_dir="${BENCH_RESULTS:-artifacts/bench}"
mkdir -p "$out_dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FIELDRELAY_WALL_DELAY_SECONDS="$seconds" FIELDRELAY_WALL_DELAY_TILES="$tiles" FIELDRELAY_WALL_DELAY_OUT="$work/result.json"
if git cat-file -e "$before:Sources/RelayAPI/Console/llhls.js" 2>/dev/null; then
  git show "$before:Sources/RelayAPI/Console/llhls.js" > "$work/llhls-before.js"
  export FIELDRELAY_WALL_DELAY_BEFORE="$work/llhls-before.js"
else
  echo "[wall-delay] no llhls.js at $before (a shallow clone?): measuring the current player only"
fi
echo "[wall-delay] $tiles tiles for ${seconds}s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
swift test --skip-build --filter WallDelayBenchmark > "$work/test.log" 2>&1 || { tail -40 "$work/test.log"; exit 1; }
echo "[wall-delay] done; load average $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$work/result.json" "$out_dir/wall-delay.md" "$before" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
lines = [f"Wall delay: {r['tiles']} tiles, {r['seconds']} s sampled 4/s after 10 s settling, {r['size']} GOP {r['gopSeconds']} s, SRT latency {r['srtLatencyMs']} ms",
         "", "| player | p50 (s) | p90 | p99 | max | samples not playing | restarts |", "|---|---|---|---|---|---|---|"]
def row(name, m):
    return f"| {name} | {m['p50']:.2f} | {m['p90']:.2f} | {m['p99']:.2f} | {m['max']:.2f} | {m['notPlaying']} of {m['samples'] * r['tiles']} | {sum(m['restarts'])} |"
lines.append(row("console player (this tree)", r["after"]))
if "before" in r:
    lines.append(row(f"console player at {sys.argv[3]}", r["before"]))
    lines += ["", f"after/before: p50 {r['after']['p50'] / r['before']['p50']:.2f}, p99 {r['after']['p99'] / r['before']['p99']:.2f}"]
lines += ["", "goal: p50 <= 1.0 s, p99 <= 1.5 s"]
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY

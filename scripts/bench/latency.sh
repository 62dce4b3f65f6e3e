#!/usr/bin/env bash
# Ingest-to-playlist availability for classic HLS: for every new segment, the time from when the
# last byte of its last access unit was sent to when the segment first appears in the playlist.
#
# `fieldrelay loadgen --send-log` records the wall-clock send time of every video PES start with its
# PTS; a viewer polls each playlist every --interval seconds and, for every new segment, notes when
# it first appeared and the PTS of its first video frame. A segment ends where the next one's first
# keyframe begins, so its last access unit had been sent completely when the PES of the next
# segment's keyframe started: availability(N) = first seen(N) - send time(first video PES of N+1).
# The figure therefore includes the SRT latency (--latency, default 200 ms), the receiver's wait
# for the whole keyframe, and up to one poll interval.
#
# Low-Latency HLS does not exist yet: the script says so instead of printing a number.
#
# usage: scripts/bench/latency.sh [--streams 4] [--duration 60] [--kbps 3000] [--size 1280x720]
#                                 [--gop 2] [--latency 200] [--interval 0.05] [--smoke]
source "$(dirname "$0")/common.sh"

streams=4 duration=60 kbps=3000 size=1280x720 gop=2 latency=200 interval=0.05 smoke=0 clip_seconds=30
while [ $# -gt 0 ]; do
  case "$1" in
    --streams) streams="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --kbps) kbps="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    --gop) gop="$2"; shift 2 ;;
    --latency) latency="$2"; shift 2 ;;
    --interval) interval="$2"; shift 2 ;;
    --smoke) smoke=1; streams=1; duration=9; kbps=1000; size=640x360; gop=1; clip_seconds=6; shift ;;
    *) die "unknown argument $1 (see the header of $0)" ;;
  esac
done

need_packages ffmpeg curl python3 procps
build_fieldrelay "$([ "$smoke" = 1 ] && echo smoke)"
clip="$(make_clip "$size" $((kbps - 64)) 64 "$clip_seconds" "$gop")"
srt="$(free_port udp)"; http="$(free_port tcp)"
# The gateway's own SRT latency must match: both ends use the larger of the two.
printf 'srt:\n  latencyMs: %s\n' "$latency" >"$WORK/latency.yml"
start_server "$WORK/data" "$srt" "$http" --open-ingest --config "$WORK/latency.yml"
log "$streams streams x $kbps kbps, GOP ${gop}s, SRT latency ${latency} ms, polled every ${interval}s for ${duration}s; $(load_line)"

"$FIELDRELAY" loadgen --url "srt://127.0.0.1:$srt" --file "$clip" --streams "$streams" --stream-id 'lab/latency-{i}' \
  --latency "$latency" --duration "$((duration + 4))" --send-log "$WORK/send.csv" --send-log-streams "$streams" --quiet \
  >"$WORK/loadgen.txt" 2>&1 &
load_pid=$!; track "$load_pid"
sources=(); for i in $(seq 0 $((streams - 1))); do sources+=("http://127.0.0.1:$http/hls/lab/latency-$i/ts.m3u8"); done
python3 "$BENCH_DIR/viewer.py" --pts --duration "$duration" --interval "$interval" "${sources[@]}" >"$WORK/viewer.json" 2>"$WORK/viewer.err"
waited=0; while kill -0 "$load_pid" 2>/dev/null && [ "$waited" -lt 200 ]; do sleep 0.1; waited=$((waited + 1)); done
stop_pid "$load_pid"
[ -s "$WORK/send.csv" ] || { cat "$WORK/loadgen.txt" >&2; die "loadgen wrote no send log"; }

python3 - "$WORK/send.csv" "$WORK/viewer.json" "$BENCH_RESULTS/latency.md" "$(machine_line)" "$streams" "$kbps" "$gop" "$latency" "$interval" "$smoke" <<'PY'
import collections, csv, json, sys
send_path, viewer_path, out, machine, streams, kbps, gop, latency, interval, smoke = sys.argv[1:]
WRAP = 1 << 33
sends = collections.defaultdict(list)            # path -> [(wall seconds, pts)]
for row in csv.DictReader(open(send_path)):
    sends[row["path"]].append((int(row["wall_ns"]) / 1e9, int(row["pts"])))
view = json.load(open(viewer_path))
# The gateway's muxer may shift timestamps by a constant (libavformat's mpegts muxer adds its
# max_delay); find it as the most common difference between segment and sent PTS.
differences = collections.Counter()
for source in view["sources"]:
    path = source["source"].split("/hls/")[1].rsplit("/", 1)[0]
    sent = {pts for _, pts in sends.get(path, [])}
    for segment in source.get("segment_log", []):
        if segment.get("pts") is None:
            continue
        for pts in sent:
            difference = (segment["pts"] - pts) % WRAP
            if difference < 90000 * 5:
                differences[difference] += 1
shift = differences.most_common(1)[0][0] if differences else 0
samples, unmatched = [], 0
for source in view["sources"]:
    path = source["source"].split("/hls/")[1].rsplit("/", 1)[0]
    sent = {pts: wall for wall, pts in sends.get(path, [])}
    log = source.get("segment_log", [])
    for current, following in zip(log, log[1:]):
        if current.get("initial") or following["msn"] != current["msn"] + 1 or following.get("pts") is None:
            continue
        wall = sent.get((following["pts"] - shift) % WRAP)
        if wall is None:
            unmatched += 1
            continue
        samples.append((current["seen"] - wall) * 1000)
samples.sort()
def percentile(p):
    if not samples:
        return float("nan")
    return samples[min(len(samples) - 1, int(round(p / 100 * (len(samples) - 1))))]
lines = [
    f"Latency: {streams} stream(s) x {kbps} kbps, GOP {gop} s, SRT latency {latency} ms, playlist polled every {float(interval) * 1000:.0f} ms"
    + (" — SMOKE RUN, figures meaningless" if smoke == "1" else ""),
    f"Machine: {machine}",
    "",
    "| HLS | segments measured | p50 ms | p99 ms | min ms | max ms |",
    "|---|---|---|---|---|---|",
    f"| classic (MPEG-TS, ts.m3u8) | {len(samples)} | {percentile(50):.0f} | {percentile(99):.0f} | "
    f"{(samples[0] if samples else float('nan')):.0f} | {(samples[-1] if samples else float('nan')):.0f} |",
    "| Low-Latency (ll.m3u8) | TODO: not measured — Low-Latency HLS is not implemented yet | | | | |",
    "",
    f"Availability = first seen in the playlist - send time of the last access unit (the next segment's keyframe PES start);"
    f" muxer timestamp shift found: {shift} ticks; segments without a matching send: {unmatched}.",
]
text = "\n".join(lines)
print(text)
open(out, "w").write(text + "\n")
PY
log "Markdown fragment: $BENCH_RESULTS/latency.md"

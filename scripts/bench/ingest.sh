#!/usr/bin/env bash
# Ingest cost: the same camera load through three receivers, one after the other:
#   (a) FieldRelay remuxing to HLS, every camera on one SRT port;
#   (b) the do-it-yourself peer: one `ffmpeg -i srt://...?mode=listener -c copy -f hls` per camera;
#   (c) the floor: one `srt-live-transmit` per camera writing to /dev/null.
# The cameras are one `fieldrelay loadgen` process in every case (the same sender; for (b) and (c)
# stream i goes to port P+i), and a viewer polls every camera's playlist and fetches its new
# segments throughout, for (a) over HTTP and for (b) from ffmpeg's files.
# Reports CPU-seconds per stream-minute and peak RSS per stream of the receivers, the ratios a/b and
# a/c, and playlist continuity (missing media sequence numbers) for (a) and (b).
#
# usage: scripts/bench/ingest.sh [--streams 20] [--duration 60] [--kbps 3000] [--size 1280x720]
#                                [--latency 1000] [--ramp 10] [--only abc] [--pacing pcr|burst] [--smoke]
# --pacing burst sends each access unit's packets together (as ffmpeg -re does) instead of spreading
# them by the PCR; receivers then wake less often and cost less per packet.
source "$(dirname "$0")/common.sh"

streams=20 duration=60 kbps=3000 size=1280x720 latency=1000 ramp=10 only=abc warmup=5 smoke=0 clip_seconds=30 pacing=pcr
while [ $# -gt 0 ]; do
  case "$1" in
    --streams) streams="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --kbps) kbps="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    --latency) latency="$2"; shift 2 ;;
    --ramp) ramp="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --pacing) pacing="$2"; shift 2 ;;
    --smoke) smoke=1; streams=2; duration=2; kbps=1000; size=640x360; warmup=1; clip_seconds=6; shift ;;
    *) die "unknown argument $1 (see the header of $0)" ;;
  esac
done

need_packages ffmpeg srt-tools curl python3 procps
build_fieldrelay "$([ "$smoke" = 1 ] && echo smoke)"
# 30 s (smoke: 6 s) of 720p25 H.264 at the camera rate plus 64 kbps AAC, 2 s GOP (the segment target), looped.
clip="$(make_clip "$size" $((kbps - 64)) 64 "$clip_seconds" 2)"
ramp_seconds=$(( (streams + ramp - 1) / ramp ))
settle=$((ramp_seconds + warmup))
total=$((settle + duration + 3))
log "$streams cameras x $kbps kbps ($size) for ${duration}s measured after ${settle}s of ramp and warm-up; $(load_line)"

# run_case NAME RECEIVER_PIDS... : loadgen and viewer already configured via globals; measures.
measure() {
  local name="$1"; shift
  local receivers=("$@")
  sleep "$settle"
  local before after
  local drops_before drops_after
  before="$(cpu_ticks "${receivers[@]}")"
  read -r drops_before _ < <(udp_drops)
  sleep "$duration"
  after="$(cpu_ticks "${receivers[@]}")"
  read -r drops_after _ < <(udp_drops)
  local rss; rss="$(peak_rss_kb "${receivers[@]}")"
  echo "$name $((after - before)) $rss $((drops_after - drops_before))" >>"$WORK/measurements"
}

start_load() {  # start_load NAME PORT [loadgen args...]
  local name="$1" port="$2"; shift 2
  "$FIELDRELAY" loadgen --url "srt://127.0.0.1:$port" --file "$clip" --streams "$streams" --ramp "$ramp" \
    --latency "$latency" --duration "$total" --pacing "$pacing" --json "$@" >"$WORK/loadgen-$name.jsonl" 2>"$WORK/loadgen-$name.err" &
  LOAD_PID=$!; track "$LOAD_PID"
}

start_viewer() {  # start_viewer NAME SOURCES...
  local name="$1"; shift
  python3 "$BENCH_DIR/viewer.py" --duration "$((total - 1))" --interval 1 "$@" >"$WORK/viewer-$name.json" 2>"$WORK/viewer-$name.err" &
  VIEWER_PID=$!; track "$VIEWER_PID"
}

finish_case() {  # waits for the load and the viewer (bounded), then stops the receivers
  local pid
  for pid in "$LOAD_PID" ${VIEWER_PID:+"$VIEWER_PID"}; do
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
    stop_pid "$pid"
  done
  for pid in "$@"; do stop_pid "$pid"; done
}

: >"$WORK/measurements"

if [[ "$only" == *a* ]]; then
  log "(a) FieldRelay, one SRT port"
  srt="$(free_port udp)"; http="$(free_port tcp)"
  start_server "$WORK/data-a" "$srt" "$http" --open-ingest
  sources=(); for i in $(seq 0 $((streams - 1))); do sources+=("http://127.0.0.1:$http/hls/lab/bench-$i/ts.m3u8"); done
  start_viewer a "${sources[@]}"
  start_load a "$srt" --stream-id 'lab/bench-{i}'
  measure a "$SERVER_PID"
  echo "threads_a $(threads_of "$SERVER_PID")" >>"$WORK/measurements"
  finish_case "$SERVER_PID"
fi

if [[ "$only" == *b* ]]; then
  log "(b) one ffmpeg -c copy -f hls per camera"
  base="$(free_port udp "$streams")"
  pids=(); sources=()
  for i in $(seq 0 $((streams - 1))); do
    out="$WORK/b/cam$i"; mkdir -p "$out"
    ffmpeg -nostdin -hide_banner -loglevel error \
      -i "srt://127.0.0.1:$((base + i))?mode=listener&latency=$((latency * 1000))" \
      -c copy -f hls -hls_time 2 -hls_list_size 6 -hls_flags delete_segments "$out/index.m3u8" 2>"$out/ffmpeg.err" &
    pids+=($!); track $!
    sources+=("$out/index.m3u8")
  done
  sleep 1
  start_viewer b "${sources[@]}"
  start_load b "$base" --port-per-stream
  measure b "${pids[@]}"
  finish_case "${pids[@]}"
fi

if [[ "$only" == *c* ]]; then
  log "(c) one srt-live-transmit per camera to /dev/null"
  base="$(free_port udp "$streams")"
  pids=()
  for i in $(seq 0 $((streams - 1))); do
    srt-live-transmit -q "srt://127.0.0.1:$((base + i))?mode=listener&latency=$latency" file://con >/dev/null 2>"$WORK/slt-$i.err" &
    pids+=($!); track $!
  done
  sleep 1
  VIEWER_PID=""  # no playlist to watch
  start_load c "$base" --port-per-stream
  measure c "${pids[@]}"
  finish_case "${pids[@]}"
fi

python3 - "$WORK" "$streams" "$duration" "$CLK_TCK" "$BENCH_RESULTS/ingest.md" "$(machine_line)" "$kbps" "$size" "$smoke" "$pacing" <<'PY'
import json, os, sys
work, streams, duration, tck, out, machine, kbps, size, smoke, pacing = sys.argv[1:]
streams, duration, tck = int(streams), float(duration), int(tck)
measured, threads = {}, None
for line in open(os.path.join(work, "measurements")):
    name, *values = line.split()
    if name == "threads_a":
        threads = int(values[0])
    else:
        measured[name] = (int(values[0]) / tck, int(values[1]), int(values[2]))
def jsonl_summary(name):
    path = os.path.join(work, f"loadgen-{name}.jsonl")
    if not os.path.exists(path):
        return None
    lines = [json.loads(l) for l in open(path) if l.strip().startswith("{")]
    ticks = [l for l in lines if l.get("type") == "tick"]
    summary = next((l for l in lines if l.get("type") == "summary"), None)
    if summary is not None:
        summary["maxLagMs"] = max((t["lagMs"] for t in ticks), default=0)
    return summary
def viewer(name):
    path = os.path.join(work, f"viewer-{name}.json")
    try:
        return json.load(open(path))["totals"]
    except (OSError, ValueError, KeyError):
        return None
labels = {"a": "(a) FieldRelay, one port", "b": "(b) ffmpeg -c copy -f hls per camera", "c": "(c) srt-live-transmit per camera to /dev/null"}
rows, per = [], {}
for name in "abc":
    if name not in measured:
        continue
    cpu, rss, drops = measured[name]
    per[name] = cpu / (streams * duration / 60)
    load = jsonl_summary(name) or {}
    view = viewer(name)
    continuity = "n/a" if name == "c" or view is None else f"{view['missing']} missing, {view['discontinuities']} disc., {view['fetch_errors']} fetch errors ({view['segments']} segments)"
    rows.append(f"| {labels[name]} | {per[name]:.3f} | {rss / 1024 / streams:.1f} | {continuity} | "
                f"{load.get('connected', '?')}/{streams} | {load.get('packetsLost', '?')} / {load.get('packetsRetransmitted', '?')} | {drops} | {load.get('maxLagMs', 0):.1f} |")
ratios = []
if "a" in per and "b" in per and per["b"] > 0:
    ratios.append(f"a/b = {per['a'] / per['b']:.2f} (goal: at most 0.5)")
if "a" in per and "c" in per and per["c"] > 0:
    ratios.append(f"a/c = {per['a'] / per['c']:.2f} (goal: at most 1.5)")
header = [
    f"Ingest: {streams} cameras x {kbps} kbps H.264+AAC {size}, {duration:.0f} s measured, loadgen pacing {pacing}" + (" — SMOKE RUN, figures meaningless" if smoke == "1" else ""),
    f"Machine: {machine}",
    "",
    "| receiver | CPU-s per stream-minute | peak RSS per stream (MiB) | playlist continuity (viewer) | connected | SRT lost / retransmitted | UDP buffer drops (measured window) | loadgen max lag (ms) |",
    "|---|---|---|---|---|---|---|---|",
]
text = "\n".join(header + rows + [""] + ratios)
if threads is not None:
    text += f"\nFieldRelay threads at the end of (a): {threads}"
print(text)
open(out, "w").write(text + "\n")
PY
log "Markdown fragment: $BENCH_RESULTS/ingest.md"

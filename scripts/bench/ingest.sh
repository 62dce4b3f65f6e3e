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
#                                [--latency 1000] [--ramp 10] [--only abc] [--pacing pcr|burst] [--runs 1]
#                                [--gateway-config FILE] [--record] [--smoke]
# --runs N repeats the three cases N times (interleaved: a b c a b c ...) and reports the median of
# each figure and of each run's ratios. --gateway-config passes a YAML file to `fieldrelay serve`
# (for example srt.publisherDelivery: tsbpd, to compare with libsrt's default delivery).
# --pacing burst sends each access unit's packets together (as ffmpeg -re does) instead of spreading
# them by the PCR; receivers then wake less often and cost less per packet.
# --record adds case (r): FieldRelay as in (a) with every camera recorded (a `lab/*: always` rule,
# files under the case's data directory), run beside (a) so the report gives r/a (goal: at most
# 1.15) and the fragments written and dropped (goal: none dropped). It implies --only ar unless
# --only says otherwise.
source "$(dirname "$0")/common.sh"

streams=20 duration=60 kbps=3000 size=1280x720 latency=1000 ramp=10 only=abc warmup=5 smoke=0 clip_seconds=30 pacing=pcr runs=1 gateway_config="" record=0
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
    --runs) runs="$2"; shift 2 ;;
    --gateway-config) gateway_config="$(realpath "$2")"; shift 2 ;;
    --record) record=1; shift ;;
    --smoke) smoke=1; streams=2; duration=2; kbps=1000; size=640x360; warmup=1; clip_seconds=6; shift ;;
    *) die "unknown argument $1 (see the header of $0)" ;;
  esac
done

if [ "$record" = 1 ] && [ "$only" = abc ]; then only=ar; fi
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
  echo "$name $((after - before)) $rss $((drops_after - drops_before)) $run" >>"$WORK/measurements"
}

start_load() {  # start_load NAME PORT [loadgen args...]
  local name="$1" port="$2"; shift 2
  "$FIELDRELAY" loadgen --url "srt://127.0.0.1:$port" --file "$clip" --streams "$streams" --ramp "$ramp" \
    --latency "$latency" --duration "$total" --pacing "$pacing" --json "$@" >"$WORK/loadgen-$name-$run.jsonl" 2>"$WORK/loadgen-$name-$run.err" &
  LOAD_PID=$!; track "$LOAD_PID"
}

start_viewer() {  # start_viewer NAME SOURCES...
  local name="$1"; shift
  python3 "$BENCH_DIR/viewer.py" --duration "$((total - 1))" --interval 1 "$@" >"$WORK/viewer-$name-$run.json" 2>"$WORK/viewer-$name-$run.err" &
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

for run in $(seq 1 "$runs"); do
[ "$runs" -gt 1 ] && log "run $run of $runs"
if [[ "$only" == *a* ]]; then
  log "(a) FieldRelay, one SRT port"
  srt="$(free_port udp)"; http="$(free_port tcp)"
  rm -rf "$WORK/data-a"
  start_server "$WORK/data-a" "$srt" "$http" --open-ingest ${gateway_config:+--config "$gateway_config"}
  sources=(); for i in $(seq 0 $((streams - 1))); do sources+=("http://127.0.0.1:$http/hls/lab/bench-$i/ts.m3u8"); done
  start_viewer a "${sources[@]}"
  start_load a "$srt" --stream-id 'lab/bench-{i}'
  measure a "$SERVER_PID"
  echo "threads_a $(threads_of "$SERVER_PID") 0 0 $run" >>"$WORK/measurements"
  finish_case "$SERVER_PID"
fi

if [[ "$only" == *r* ]]; then
  log "(r) FieldRelay, one SRT port, every camera recorded"
  srt="$(free_port udp)"; http="$(free_port tcp)"
  rm -rf "$WORK/data-r"; mkdir -p "$WORK/data-r"
  # The rules of the given config (if any) would be replaced; recording's own keys are all this needs.
  record_config="$WORK/record.yaml"
  { [ -n "$gateway_config" ] && grep -v '^recording:' "$gateway_config"
    printf 'recording:\n  rules:\n    - {match: "lab/*", mode: always}\n  minFreeMiB: 512\n'; } >"$record_config"
  start_server "$WORK/data-r" "$srt" "$http" --open-ingest --config "$record_config"
  sources=(); for i in $(seq 0 $((streams - 1))); do sources+=("http://127.0.0.1:$http/hls/lab/bench-$i/ts.m3u8"); done
  start_viewer r "${sources[@]}"
  start_load r "$srt" --stream-id 'lab/bench-{i}'
  measure r "$SERVER_PID"
  # Written and dropped fragments, read before the server stops (seals are not counted as drops).
  echo "recorded_r $(metric "$http" fieldrelay_recording_fragments_written_total) $(metric "$http" fieldrelay_recording_fragments_dropped_total) $(metric "$http" fieldrelay_recording_bytes_written_total) $run" >>"$WORK/measurements"
  finish_case "$SERVER_PID"
fi

if [[ "$only" == *b* ]]; then
  log "(b) one ffmpeg -c copy -f hls per camera"
  base="$(free_port udp "$streams")"
  pids=(); sources=()
  for i in $(seq 0 $((streams - 1))); do
    out="$WORK/b$run/cam$i"; mkdir -p "$out"
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
done

harness_python - "$WORK" "$streams" "$duration" "$CLK_TCK" "$BENCH_RESULTS/ingest.md" "$(machine_line)" "$kbps" "$size" "$smoke" "$pacing" "$runs" "$gateway_config" <<'PY'
import json, os, statistics, sys
from harness import read_loadgen_json
work, streams, duration, tck, out, machine, kbps, size, smoke, pacing, runs, config = sys.argv[1:]
streams, duration, tck, runs = int(streams), float(duration), int(tck), int(runs)
measured, threads, recorded = {}, [], []   # measured[name][run] = (cpu seconds, peak rss kB, udp drops)
for line in open(os.path.join(work, "measurements")):
    name, a, b, c, run = line.split()
    if name == "threads_a":
        threads.append(int(a))
    elif name == "recorded_r":
        recorded.append((int(float(a)), int(float(b)), int(float(c))))
    else:
        measured.setdefault(name, {})[int(run)] = (int(a) / tck, int(b), int(c))
def jsonl_summary(name, run):
    path = os.path.join(work, f"loadgen-{name}-{run}.jsonl")
    if not os.path.exists(path):
        return {}
    ticks, summary = read_loadgen_json(open(path))
    summary["maxLagMs"] = max((t["lagMs"] for t in ticks), default=0)
    return summary
def viewer(name, run):
    try:
        return json.load(open(os.path.join(work, f"viewer-{name}-{run}.json")))["totals"]
    except (OSError, ValueError, KeyError):
        return None
med = statistics.median
labels = {"a": "(a) FieldRelay, one port", "r": "(r) FieldRelay, one port, every camera recorded", "b": "(b) ffmpeg -c copy -f hls per camera", "c": "(c) srt-live-transmit per camera to /dev/null"}
rows, per = [], {}
for name in "arbc":
    if name not in measured:
        continue
    byrun = measured[name]
    cpus = [cpu / (streams * duration / 60) for cpu, _, _ in byrun.values()]
    per[name] = {run: cpu / (streams * duration / 60) for run, (cpu, _, _) in byrun.items()}
    rss = med([r for _, r, _ in byrun.values()]) / 1024 / streams
    drops = sum(d for _, _, d in byrun.values())
    loads = [jsonl_summary(name, run) for run in byrun]
    connected = min((l.get("connected", 0) for l in loads), default=0)
    lost = sum(l.get("packetsLost", 0) for l in loads); rexmit = sum(l.get("packetsRetransmitted", 0) for l in loads)
    lag = max((l.get("maxLagMs", 0) for l in loads), default=0)
    views = [viewer(name, run) for run in byrun]
    if name == "c" or any(v is None for v in views):
        continuity = "n/a"
    else:
        continuity = (f"{sum(v['missing'] for v in views)} missing, {sum(v['discontinuities'] for v in views)} disc., "
                      f"{sum(v['fetch_errors'] for v in views)} fetch errors ({sum(v['segments'] for v in views)} segments)")
    spread = f" ({min(cpus):.3f}–{max(cpus):.3f})" if len(cpus) > 1 else ""
    rows.append(f"| {labels[name]} | {med(cpus):.3f}{spread} | {rss:.1f} | {continuity} | "
                f"{connected}/{streams} | {lost} / {rexmit} | {drops} | {lag:.1f} |")
ratios = []
for top, bottom, goal in (("a", "b", "at most 0.5"), ("a", "c", "at most 1.5"), ("r", "a", "at most 1.15")):
    if top in per and bottom in per:
        each = [per[top][r] / per[bottom][r] for r in per[top] if r in per[bottom] and per[bottom][r] > 0]
        if each:
            detail = f" (runs: {', '.join(f'{x:.2f}' for x in each)})" if len(each) > 1 else ""
            ratios.append(f"{top}/{bottom} = {med(each):.2f}{detail} (goal: {goal})")
header = [
    f"Ingest: {streams} cameras x {kbps} kbps H.264+AAC {size}, {duration:.0f} s measured, loadgen pacing {pacing}, "
    + (f"median of {runs} interleaved runs" if runs > 1 else "one run")
    + (f", gateway config {os.path.basename(config)}" if config else "")
    + (" — SMOKE RUN, figures meaningless" if smoke == "1" else ""),
    f"Machine: {machine}",
    "",
    "| receiver | CPU-s per stream-minute (median; range) | peak RSS per stream (MiB, median) | playlist continuity (viewer, all runs) | connected (worst run) | SRT lost / retransmitted (all runs) | UDP buffer drops (all runs) | loadgen max lag (ms) |",
    "|---|---|---|---|---|---|---|---|",
]
text = "\n".join(header + rows + [""] + ratios)
if threads:
    text += f"\nFieldRelay threads at the end of (a): {', '.join(map(str, threads))}"
if recorded:
    text += ("\nRecording (r): " + "; ".join(f"{w} fragments written ({b / 1048576:.0f} MiB), {d} dropped" for w, d, b in recorded)
             + " (goal: none dropped)")
print(text)
open(out, "w").write(text + "\n")
PY
log "Markdown fragment: $BENCH_RESULTS/ingest.md"

#!/usr/bin/env bash
# Ingest-to-playlist availability, classic and Low-Latency HLS side by side on the same streams,
# plus the blocking-reload answer time and the memory held by waiting requests.
#
# `fieldrelay loadgen --send-log` records the wall-clock send time of every video PES start with its
# PTS. During the run, on every stream at once:
# - classic (ts.m3u8): viewer.py polls every --interval seconds and, for every new segment, notes
#   when it first appeared and the PTS of its first video frame. A segment ends where the next one's
#   keyframe begins, so availability(N) = first seen(N) - send time(first video PES of N+1);
# - Low-Latency (ll.m3u8): llclient.py follows the live edge with blocking reloads for the part the
#   preload hint names and notes when each part first appeared; latency_report.py ties each part to
#   its frames (keyframe PTS + EXT-X-PROGRAM-DATE-TIME, then the parts' frame counts), so
#   availability(part) = first seen - send time of the end of its last access unit.
# Both include the SRT latency (--latency, default 200 ms; reported with and without it). At the end:
# /metrics' fieldrelay_hls_part_latency_seconds (the gateway's own arrival-to-availability figure),
# then, with the publishers gone (no media growth to blur the figure), --hold blocking reloads for a
# part two segments ahead held at once while the gateway's VmRSS is sampled; each must be answered.
#
# usage: scripts/bench/latency.sh [--streams 4] [--duration 60] [--kbps 3000] [--size 1280x720]
#                                 [--gop 2] [--latency 200] [--interval 0.05] [--hold 2000]
#                                 [--delivery on-arrival|tsbpd] [--smoke]
# --delivery sets the gateway's srt.publisherDelivery (default tsbpd, the gateway's default);
# with tsbpd every packet reaches the remuxer exactly the SRT latency after it was sent.
source "$(dirname "$0")/common.sh"

streams=4 duration=60 kbps=3000 size=1280x720 gop=2 latency=200 interval=0.05 hold=2000 smoke=0 clip_seconds=30 delivery=tsbpd
while [ $# -gt 0 ]; do
  case "$1" in
    --streams) streams="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --kbps) kbps="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    --gop) gop="$2"; shift 2 ;;
    --latency) latency="$2"; shift 2 ;;
    --delivery) delivery="$2"; shift 2 ;;
    --interval) interval="$2"; shift 2 ;;
    --hold) hold="$2"; shift 2 ;;
    --smoke) smoke=1; streams=1; duration=14; kbps=1000; size=640x360; gop=1; clip_seconds=16; hold=200; shift ;;
    *) die "unknown argument $1 (see the header of $0)" ;;
  esac
done

need_packages ffmpeg curl python3 procps
build_fieldrelay "$([ "$smoke" = 1 ] && echo smoke)"
clip="$(make_clip "$size" $((kbps - 64)) 64 "$clip_seconds" "$gop")"
srt="$(free_port udp)"; http="$(free_port tcp)"
# The gateway's own SRT latency must match: both ends use the larger of the two.
printf 'srt:\n  latencyMs: %s\n  publisherDelivery: %s\n' "$latency" "$delivery" >"$WORK/latency.yml"
start_server "$WORK/data" "$srt" "$http" --open-ingest --config "$WORK/latency.yml"
log "$streams streams x $kbps kbps, GOP ${gop}s, SRT latency ${latency} ms, delivery $delivery, polled every ${interval}s for ${duration}s; $(load_line)"

"$FIELDRELAY" loadgen --url "srt://127.0.0.1:$srt" --file "$clip" --streams "$streams" --stream-id 'lab/latency-{i}' \
  --latency "$latency" --duration "$((duration + 4))" --send-log "$WORK/send.csv" --send-log-streams "$streams" --quiet \
  >"$WORK/loadgen.txt" 2>&1 &
load_pid=$!; track "$load_pid"
classic=() lowlatency=()
for i in $(seq 0 $((streams - 1))); do
  classic+=("http://127.0.0.1:$http/hls/lab/latency-$i/ts.m3u8")
  lowlatency+=("http://127.0.0.1:$http/hls/lab/latency-$i/ll.m3u8")
done
python3 "$BENCH_DIR/viewer.py" --pts --duration "$duration" --interval "$interval" "${classic[@]}" >"$WORK/viewer.json" 2>"$WORK/viewer.err" &
viewer_pid=$!; track "$viewer_pid"
python3 "$BENCH_DIR/llclient.py" follow --duration "$duration" "${lowlatency[@]}" >"$WORK/ll.json" 2>"$WORK/ll.err" &
ll_pid=$!; track "$ll_pid"
wait "$viewer_pid" || { cat "$WORK/viewer.err" >&2; die "the classic viewer failed"; }
wait "$ll_pid" || { cat "$WORK/ll.err" >&2; die "the Low-Latency client failed"; }
curl -fsS --max-time 5 "http://127.0.0.1:$http/metrics" >"$WORK/metrics.txt" || die "no /metrics"
waited=0; while kill -0 "$load_pid" 2>/dev/null && [ "$waited" -lt 200 ]; do sleep 0.1; waited=$((waited + 1)); done
stop_pid "$load_pid"
[ -s "$WORK/send.csv" ] || { cat "$WORK/loadgen.txt" >&2; die "loadgen wrote no send log"; }
kill -0 "$SERVER_PID" 2>/dev/null || die "fieldrelay serve died: $(crash_note "$SERVER_LOG")"
log "holding $hold blocking reloads at once (publishers gone: they end in 503 after three target durations)"
timeout 60 python3 "$BENCH_DIR/llclient.py" hold --requests "$hold" --pid "$SERVER_PID" "${lowlatency[0]}" >"$WORK/hold.json" 2>"$WORK/hold.err" ||
  { cat "$WORK/hold.err" >&2; die "the waiting-requests check failed"; }
kill -0 "$SERVER_PID" 2>/dev/null || die "fieldrelay serve died: $(crash_note "$SERVER_LOG")"

python3 "$BENCH_DIR/latency_report.py" "$WORK/send.csv" "$WORK/viewer.json" "$WORK/ll.json" "$WORK/hold.json" "$WORK/metrics.txt" \
  "$BENCH_RESULTS/latency.md" "$(machine_line)" "$streams" "$kbps" "$gop" "$latency" "$interval" "$smoke" "$delivery"
log "Markdown fragment: $BENCH_RESULTS/latency.md"

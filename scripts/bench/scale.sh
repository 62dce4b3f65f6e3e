#!/usr/bin/env bash
# Scale: many publishers on one SRT port. Ramps towards every village room of the demo registry
# (2,911) at a low bitrate (256 kbps) plus body cameras at 3 Mbps, with each room's own stream id
# and key from the registry, and reports how many were admitted, how many of a sample of playlists
# stayed continuous, the gateway's CPU and memory, and the largest count it sustained.
#
# The gateway starts on a fresh data directory (which seeds the demo registry); the rooms' load
# generator reads stream ids and keys from that registry, the admin token from <data>/admin.token.
#
# usage: scripts/bench/scale.sh [--streams 2911] [--cameras 20] [--room-kbps 256] [--camera-kbps 3000]
#                               [--ramp 50] [--hold 60] [--sample 50] [--latency 1000] [--profile] [--smoke]
source "$(dirname "$0")/common.sh"

rooms=2911 cameras=20 room_kbps=256 camera_kbps=3000 ramp=50 hold=60 sample=50 latency=1000 profile=0 smoke=0
settle=10 clip_seconds=30 camera_size=1280x720
while [ $# -gt 0 ]; do
  case "$1" in
    --streams) rooms="$2"; shift 2 ;;
    --cameras) cameras="$2"; shift 2 ;;
    --room-kbps) room_kbps="$2"; shift 2 ;;
    --camera-kbps) camera_kbps="$2"; shift 2 ;;
    --ramp) ramp="$2"; shift 2 ;;
    --hold) hold="$2"; shift 2 ;;
    --sample) sample="$2"; shift 2 ;;
    --latency) latency="$2"; shift 2 ;;
    --profile) profile=1; shift ;;
    --smoke) smoke=1; rooms=6; cameras=1; ramp=20; hold=3; sample=6; settle=3; clip_seconds=6; camera_kbps=1000; camera_size=640x360; shift ;;
    *) die "unknown argument $1 (see the header of $0)" ;;
  esac
done
[ "$rooms" -le 2911 ] || die "--streams: the demo registry has 2,911 rooms"

packages=(ffmpeg curl python3 procps)
[ "$profile" = 1 ] && packages+=(linux-perf)
need_packages "${packages[@]}"
build_fieldrelay "$([ "$smoke" = 1 ] && echo smoke)"
# A village room: 320x180 video and mono AAC, 256 kbps together before MPEG-TS overhead.
room_clip="$(make_clip 320x180 $((room_kbps - 32)) 32 "$clip_seconds" 2)"
camera_clip="$(make_clip "$camera_size" $((camera_kbps - 64)) 64 "$clip_seconds" 2)"

srt="$(free_port udp)"; http="$(free_port tcp)"
data="$WORK/data"
# Every room here calls from 127.0.0.1, where in the field each has an address of its own: the cap
# on pending handshakes per source address (srt.maxPendingHandshakesPerSource) is lifted.
printf 'srt:\n  maxPendingHandshakesPerSource: 0\n' >"$WORK/scale.yml"
start_server "$data" "$srt" "$http" --open-ingest --config "$WORK/scale.yml"
token="$(cat "$data/admin.token")"
log "gateway pid $SERVER_PID on udp $srt / tcp $http; $(load_line)"

# The open-file limit the gateway runs with. libsrt multiplexes every connection over the one UDP
# socket, so SRT itself needs few descriptors; HTTP viewers and the database need one each.
nofile="$(awk '/^Max open files/ {print $4 "/" $5}' /proc/"$SERVER_PID"/limits)"
if grep -qi "open-file\|nofile\|RLIMIT" "$SERVER_LOG"; then
  nofile_note="gateway log mentions its open-file limit: $(grep -i "open-file\|nofile\|RLIMIT" "$SERVER_LOG" | head -1)"
else
  nofile_note="the gateway's open-file limit (soft/hard $nofile) already covered its configured capacity: it logs only when it raises the limit or the system caps it"
fi

ramp_seconds=$(( (rooms + ramp - 1) / ramp ))
total=$((ramp_seconds + settle + hold + 5))
log "ramping $rooms rooms at $ramp/s (${ramp_seconds}s) + $cameras cameras, then holding ${hold}s"

"$FIELDRELAY" loadgen --url "srt://127.0.0.1:$srt" --file "$camera_clip" --streams "$cameras" --stream-id 'lab/cam-{i}' \
  --latency "$latency" --duration "$total" --json >"$WORK/loadgen-cameras.jsonl" 2>"$WORK/loadgen-cameras.err" &
cameras_pid=$!; track "$cameras_pid"
"$FIELDRELAY" loadgen --url "srt://127.0.0.1:$srt" --file "$room_clip" --streams "$rooms" --data "$data" --ramp "$ramp" \
  --latency "$latency" --duration "$total" --connect-timeout 5000 --json >"$WORK/loadgen-rooms.jsonl" 2>"$WORK/loadgen-rooms.err" &
rooms_pid=$!; track "$rooms_pid"

# A timeline every 2 s: publishers, gateway CPU (cores busy), RSS, threads; loadgen CPU.
timeline="$WORK/timeline.csv"
echo "t,publishers,server_cores,server_rss_mib,server_threads,loadgen_cores" >"$timeline"
sampler() {
  local t=0 last last_load now now_load
  last="$(cpu_ticks "$SERVER_PID")"; last_load="$(cpu_ticks "$rooms_pid" "$cameras_pid")"
  while kill -0 "$SERVER_PID" 2>/dev/null && kill -0 "$rooms_pid" 2>/dev/null; do
    sleep 2; t=$((t + 2))
    now="$(cpu_ticks "$SERVER_PID")"; now_load="$(cpu_ticks "$rooms_pid" "$cameras_pid")"
    echo "$t,$(metric "$http" fieldrelay_publishers_active),$(python3 -c "print(f'{($now - $last) / $CLK_TCK / 2:.2f}')"),$(awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' /proc/"$SERVER_PID"/status),$(threads_of "$SERVER_PID"),$(python3 -c "print(f'{($now_load - $last_load) / $CLK_TCK / 2:.2f}')")" >>"$timeline"
    last="$now"; last_load="$now_load"
  done
}
sampler 2>/dev/null &
sampler_pid=$!; track "$sampler_pid"

sleep $((ramp_seconds + settle))
# The hold window: CPU over it, a viewer on a sample of room playlists (spread over the rooms) and on every camera.
mapfile -t sampled < <(python3 - "$data" "$rooms" "$sample" <<'PY'
import sqlite3, sys
data, rooms, sample = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
codes = [r[0] for r in sqlite3.connect(f"file:{data}/registry.sqlite?mode=ro", uri=True).execute("SELECT code FROM room ORDER BY code LIMIT ?", (rooms,))]
step = max(1, len(codes) // max(1, sample))
for code in codes[::step][:sample]:
    print(f"room/{code}")
PY
)
sources=()
for path in "${sampled[@]}"; do sources+=("http://127.0.0.1:$http/hls/$path/ts.m3u8?token=$token"); done
for i in $(seq 0 $((cameras - 1))); do sources+=("http://127.0.0.1:$http/hls/lab/cam-$i/ts.m3u8"); done
python3 "$BENCH_DIR/viewer.py" --duration "$hold" --interval 2 --workers 8 "${sources[@]}" >"$WORK/viewer.json" 2>"$WORK/viewer.err" &
viewer_pid=$!; track "$viewer_pid"
hold_start="$(cpu_ticks "$SERVER_PID")"
read -r drops_start _ < <(udp_drops)
publishers_start="$(metric "$http" fieldrelay_publishers_active)"
if [ "$profile" = 1 ]; then
  perf record -F 99 -g -o "$WORK/perf.data" -p "$SERVER_PID" -- sleep "$(( hold < 20 ? hold : 20 ))" >/dev/null 2>&1 || log "perf record failed"
  sleep "$(( hold < 20 ? 0 : hold - 20 ))"
else
  sleep "$hold"
fi
server_note="ran to the end"
kill -0 "$SERVER_PID" 2>/dev/null || server_note="CRASHED: $(crash_note "$SERVER_LOG")"
hold_end="$(cpu_ticks "$SERVER_PID")"
read -r drops_end _ < <(udp_drops)
publishers_end="$(metric "$http" fieldrelay_publishers_active)"
rss_peak="$(peak_rss_kb "$SERVER_PID")"
threads="$(threads_of "$SERVER_PID")"
curl -fsS "http://127.0.0.1:$http/metrics" >"$WORK/metrics.txt" 2>/dev/null || true
for pid in "$viewer_pid" "$rooms_pid" "$cameras_pid"; do
  waited=0; while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
  stop_pid "$pid"
done
stop_pid "$sampler_pid"
if [ "$profile" = 1 ] && [ -s "$WORK/perf.data" ]; then
  {
    echo "Where the gateway's CPU time went during the hold (perf, 99 Hz), by library:"
    perf report -i "$WORK/perf.data" --stdio --no-children --sort dso -g none 2>/dev/null | grep -v "^#" | grep -v "^$" | head -12
    echo
    echo "Top symbols:"
    perf report -i "$WORK/perf.data" --stdio --no-children --sort dso,symbol -g none 2>/dev/null | grep -v "^#" | grep -v "^$" | head -40
  } >"$BENCH_RESULTS/scale-profile.txt" || true
  log "profile: $BENCH_RESULTS/scale-profile.txt"
fi
cp "$timeline" "$BENCH_RESULTS/scale-timeline.csv"

harness_python - "$WORK" "$rooms" "$cameras" "$hold" "$CLK_TCK" "$((hold_end - hold_start))" "$rss_peak" "$threads" \
  "$publishers_start" "$publishers_end" "$BENCH_RESULTS/scale.md" "$(machine_line)" "$nofile_note" "$room_kbps" "$camera_kbps" "$smoke" \
  "$((drops_end - drops_start))" "$(rmem_line)" "$server_note" <<'PY'
import csv, json, os, sys
from harness import read_loadgen_json
(work, rooms, cameras, hold, tck, hold_ticks, rss_kb, threads, pub_start, pub_end, out, machine, nofile_note,
 room_kbps, camera_kbps, smoke, drops, rmem, server_note) = sys.argv[1:]
crashed = server_note.startswith("CRASHED")
rooms, cameras, hold, tck = int(rooms), int(cameras), float(hold), int(tck)
def loadgen(name):
    ticks, summary = read_loadgen_json(open(os.path.join(work, f"loadgen-{name}.jsonl")))
    summary["maxLagMs"] = max((t["lagMs"] for t in ticks[len(ticks) // 2:]), default=0)
    return summary
room, cam = loadgen("rooms"), loadgen("cameras")
try:
    view = json.load(open(os.path.join(work, "viewer.json")))
except (OSError, ValueError):
    view = {"totals": {}, "sources": []}
room_views = [s for s in view["sources"] if "/hls/room/" in s["source"]]
cam_views = [s for s in view["sources"] if "/hls/lab/" in s["source"]]
def continuous(items):
    return sum(1 for s in items if s["segments"] >= 2 and s["missing"] == 0 and s["discontinuities"] == 0)
timeline = list(csv.DictReader(open(os.path.join(work, "timeline.csv"))))
peak = max((int(float(r["publishers"])) for r in timeline), default=0)
saturated = next((r for r in timeline if float(r["server_cores"]) >= 0.95 * os.cpu_count()), None)
hold_cores = int(hold_ticks) / tck / hold if not crashed else float("nan")
pub_start, pub_end = int(float(pub_start)), int(float(pub_end))
lines = [
    f"Scale: {rooms} rooms x {room_kbps} kbps (registry keys) + {cameras} cameras x {camera_kbps} kbps on one port, {hold:.0f} s hold"
    + (" — SMOKE RUN, figures meaningless" if smoke == "1" else ""),
    f"Machine: {machine}",
    "",
    "| figure | value |",
    "|---|---|",
    f"| rooms admitted (connected) | {room.get('connected', '?')} of {rooms} |",
    f"| rooms rejected | {room.get('rejected', '?')} {room.get('rejections', {}) or ''} |",
    f"| rooms broken after connecting | {room.get('broken', '?')} {room.get('breaks', {}) or ''} |",
    f"| cameras admitted | {cam.get('connected', '?')} of {cameras} |",
    f"| publishers active at start / end of hold | {pub_start} / {pub_end} |",
    f"| largest count sustained (publishers at end of hold) | {'none: the gateway crashed' if crashed else min(pub_start, pub_end)} |",
    f"| peak publishers seen | {peak} |",
    f"| continuous playlists, sampled rooms | {continuous(room_views)} of {sum(1 for s in room_views if s['segments'] > 0)} publishing"
    f" ({len(room_views)} sampled evenly over the {rooms}) |",
    f"| continuous playlists, cameras | {continuous(cam_views)} of {len(cam_views)} |",
    f"| missing segments in sample (rooms + cameras) | {view['totals'].get('missing', '?')} |",
    f"| gateway CPU during hold (cores busy, of {os.cpu_count()}) | {hold_cores:.2f} |",
    f"| gateway CPU per publisher-minute (s) | {(hold_cores * 60 / max(1, pub_end)):.3f} |",
    f"| gateway peak RSS (MiB) / per publisher (KiB) | {int(rss_kb) / 1024:.0f} / {int(rss_kb) / max(1, peak):.0f} |",
    f"| gateway threads at end of hold | {threads} |",
    f"| SRT packets lost / retransmitted (rooms) | {room.get('packetsLost', '?')} / {room.get('packetsRetransmitted', '?')} |",
    f"| UDP datagrams dropped by full socket buffers during hold ({rmem}) | {drops} |",
    f"| loadgen max lag in 2nd half (ms, rooms) | {room.get('maxLagMs', 0):.1f} |",
    "",
    f"Gateway: {server_note}" + (f" (last timeline sample before it: {timeline[-2]['publishers'] if len(timeline) > 1 else '?'} publishers)" if crashed else ""),
    f"Gateway first at >= 95% of all {os.cpu_count()} cores: " + (f"t={saturated['t']} s with {saturated['publishers']} publishers" if saturated else "never"),
    f"Open files: {nofile_note}",
    "Timeline (every 2 s): scale-timeline.csv",
]
text = "\n".join(lines)
print(text)
open(out, "w").write(text + "\n")
PY
log "Markdown fragment: $BENCH_RESULTS/scale.md"

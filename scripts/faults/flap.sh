#!/usr/bin/env bash
# Flapping cameras (issue 8, item 2): disconnect/reconnect cycles of real ffmpeg SRT publishers
# against a release-built `fieldrelay serve --open-ingest` on loopback, while a viewer checks that
# every playlist stays continuous and the gateway's memory, open files and threads come back.
# The driver is flap.py (its docstring lists the kinds of cycle and every check).
#
# usage: scripts/faults/flap.sh [--short] [--paths N] [--cycles N] [--seed N]
#   full:    1,000 cycles over 50 paths (about 10 minutes on a loaded 2-core machine)
#   --short: 50 cycles over 10 paths (CI, about 3 minutes)
# Environment: FIELDRELAY_BIN (use this binary), FAULTS_RESULTS (default artifacts/faults),
# BENCH_KEEP=1 (keep the scratch directory with the gateway's log).
# Output: a summary on stdout, artifacts/faults/flap.md and flap.json. Exit 1 on any failure.
set -euo pipefail
source "$(dirname "$0")/../bench/common.sh"

short=0 paths=50 cycles=1000 seed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --short) short=1 paths=10 cycles=50; shift ;;
    --paths) paths="$2"; shift 2 ;;
    --cycles) cycles="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) die "unknown option $1 (see the header of $0)" ;;
  esac
done
RESULTS="${FAULTS_RESULTS:-$REPO/artifacts/faults}"
mkdir -p "$RESULTS"

need_packages ffmpeg curl python3
build_fieldrelay

# clip CODEC SIZE : a cached 20 s clip, 25 fps with a keyframe every second, 800 kbps video and
# 64 kbps AAC, like a body camera. H.264 or H.265.
clip() {
  local codec="$1" size="$2" file="$BENCH_CACHE/flap-$1-$2.ts" encoder=(-c:v libx264)
  if [ ! -s "$file" ]; then
    log "making clip $(basename "$file")"
    [ "$codec" = hevc ] && encoder=(-c:v libx265 -x265-params log-level=error:keyint=25:min-keyint=25:scenecut=0)
    nice -n 10 ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=$size:rate=25" \
      -f lavfi -i sine=frequency=440:sample_rate=48000 -t 20 "${encoder[@]}" -preset veryfast -pix_fmt yuv420p \
      -g 25 -keyint_min 25 -sc_threshold 0 -b:v 800k -maxrate 800k -bufsize 400k -c:a aac -b:a 64k -ac 1 \
      -f mpegts "$file.tmp" && mv "$file.tmp" "$file"
  fi
  echo "$file"
}
clip_h264="$(clip h264 640x360)"
clip_hevc="$(clip hevc 640x360)"
clip_h264_540="$(clip h264 960x540)"

# The default reconnect grace (30 s; every reconnect here comes back within 8 s) and
# a short retention, so the paths end and are forgotten soon after the last camera: the resource
# figures are taken then.
grace=30
cat >"$WORK/flap.yml" <<EOF
log:
  level: info
paths:
  reconnectGraceSeconds: $grace
  retentionSeconds: 5
EOF
srt_port="$(free_port udp)"
http_port="$(free_port tcp)"
log "starting the gateway (SRT $srt_port, HTTP $http_port)"
start_server "$WORK/data" "$srt_port" "$http_port" --open-ingest --config "$WORK/flap.yml"

command="scripts/faults/flap.sh"
[ "$short" = 1 ] && command+=" --short"
[ "$short" = 0 ] && [ "$paths" != 50 -o "$cycles" != 1000 ] && command+=" --paths $paths --cycles $cycles"
[ "$seed" != 1 ] && command+=" --seed $seed"
args=(--srt-port "$srt_port" --http-port "$http_port" --pid "$SERVER_PID"
      --clip-h264 "$clip_h264" --clip-hevc "$clip_hevc" --clip-h264-540 "$clip_h264_540"
      --paths "$paths" --cycles "$cycles" --seed "$seed" --grace "$grace" --scratch "$WORK"
      --server-log "$SERVER_LOG" --json "$RESULTS/flap.json" --markdown "$RESULTS/flap.md" --command "$command")
if [ "$short" = 1 ]; then
  # The short run's growth is mostly the allocator's high-water mark (32-67 MB measured on a
  # loaded machine); a leak per cycle would show in the full run, whose figure is in the docs.
  args+=(--ll-every 3 --decode-every 3 --phase-timeout 240 --rss-growth-limit-mb 96)
fi
log "cycling: $cycles reconnects over $paths paths"
status=0
python3 "$BENCH_DIR/../faults/flap.py" "${args[@]}" || status=$?
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  log "the gateway died: $(crash_note "$SERVER_LOG")"
  status=1
fi
log "report: $RESULTS/flap.md"
[ "$status" = 0 ] || { log "FAILED (gateway log: $SERVER_LOG; BENCH_KEEP=1 keeps it)"; tail -5 "$SERVER_LOG" >&2; }
exit "$status"

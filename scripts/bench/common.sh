#!/usr/bin/env bash
# Shared helpers for the benchmark scripts (sourced, not run). Everything binds to 127.0.0.1, every
# process a script starts is registered and stopped on exit, and every wait is bounded.
#
# Environment:
#   FIELDRELAY_BIN   use this fieldrelay binary instead of building .build/release/fieldrelay
#   BENCH_RESULTS    where summaries and Markdown fragments go (default: artifacts/bench)
#   BENCH_KEEP=1     keep the scratch directory (logs, playlists) after the run
#   BENCH_NICE       niceness for the release build (default 15: the machine may be shared)

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCRIPTS_DIR="$(cd "$BENCH_DIR/.." && pwd)"
REPO="$(cd "$SCRIPTS_DIR/.." && pwd)"
BENCH_RESULTS="${BENCH_RESULTS:-$REPO/artifacts/bench}"
BENCH_CACHE="${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fieldrelay-bench}"
mkdir -p "$BENCH_RESULTS" "$BENCH_CACHE"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fieldrelay-bench.XXXXXX")"
chmod 755 "$WORK"   # nginx workers (another user) read files from here
CLK_TCK="$(getconf CLK_TCK)"
BENCH_PIDS=()

log() { printf '[%s %s] %s\n' "$(basename "$0" .sh)" "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# harness_python ARGS... : python3 with scripts/harness importable (`from harness import ...`, for
# the `python3 - <<'PY'` reports) and no __pycache__ written into the repository.
harness_python() { PYTHONPATH="$SCRIPTS_DIR${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 python3 "$@"; }

# --- cleanup --------------------------------------------------------------------------------------

# Registers a process to be stopped on exit (TERM, then KILL after 5 s).
track() { BENCH_PIDS+=("$1"); }

stop_pid() {
  local pid="$1" waited=0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  local pid
  for pid in "${BENCH_PIDS[@]}"; do stop_pid "$pid"; done
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "scratch kept in $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- packages -------------------------------------------------------------------------------------

# need_packages PKG... : installs the Debian packages that are missing (root or sudo).
need_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "installing: ${missing[*]}"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; } >"$WORK/apt.log" 2>&1; then
    tail -20 "$WORK/apt.log" >&2
    die "could not install ${missing[*]}"
  fi
}

# --- the binary -----------------------------------------------------------------------------------

# Sets FIELDRELAY to a built binary: $FIELDRELAY_BIN, else the release build (built if needed).
# With "smoke" as argument an existing debug build is accepted (CI has just built it for the tests).
build_fieldrelay() {
  if [ -n "${FIELDRELAY_BIN:-}" ]; then
    FIELDRELAY="$FIELDRELAY_BIN"
  elif [ "${1:-}" = smoke ] && [ ! -x "$REPO/.build/release/fieldrelay" ] && [ -x "$REPO/.build/debug/fieldrelay" ]; then
    FIELDRELAY="$REPO/.build/debug/fieldrelay"
    log "smoke mode: using the debug build (figures meaningless, the point is that the script runs)"
  else
    log "building the release binary"
    (cd "$REPO" && nice -n "${BENCH_NICE:-15}" swift build -c release --product fieldrelay >&2)
    FIELDRELAY="$REPO/.build/release/fieldrelay"
  fi
  [ -x "$FIELDRELAY" ] || die "no fieldrelay binary at $FIELDRELAY"
}

# --- clips ----------------------------------------------------------------------------------------

# make_clip SIZE VIDEO_KBPS AUDIO_KBPS SECONDS GOP_SECONDS : prints the path of a cached H.264(+AAC)
# MPEG-TS clip made with ffmpeg -f lavfi. Video is constant-rate (x264 nal-hrd=cbr with filler), so
# a "3 Mbps camera" really sends 3 Mbps; AUDIO_KBPS 0 means no audio.
make_clip() {
  local size="$1" vkbps="$2" akbps="$3" seconds="$4" gop="$5" rate=25
  local file="$BENCH_CACHE/clip-${size}-v${vkbps}k-a${akbps}k-${seconds}s-gop${gop}.ts"
  if [ ! -s "$file" ]; then
    log "making clip $(basename "$file")"
    local inputs=(-f lavfi -i "testsrc2=size=${size}:rate=${rate}")
    local audio=(-an)
    if [ "$akbps" -gt 0 ]; then
      inputs+=(-f lavfi -i "sine=frequency=440:sample_rate=48000")
      audio=(-c:a aac -b:a "${akbps}k" -ac 1)
    fi
    nice -n 10 ffmpeg -nostdin -hide_banner -loglevel error -y "${inputs[@]}" -t "$seconds" \
      -c:v libx264 -preset veryfast -pix_fmt yuv420p -g $((rate * gop)) -keyint_min $((rate * gop)) -sc_threshold 0 \
      -b:v "${vkbps}k" -minrate "${vkbps}k" -maxrate "${vkbps}k" -bufsize "$((vkbps / 2))k" -x264-params nal-hrd=cbr \
      "${audio[@]}" -f mpegts "$file.tmp" && mv "$file.tmp" "$file"
  fi
  echo "$file"
}

# --- ports and processes --------------------------------------------------------------------------

# free_port [udp|tcp] [COUNT] : the first of COUNT consecutive free loopback ports (harness/ports.py).
free_port() { python3 "$SCRIPTS_DIR/harness/ports.py" "${1:-tcp}" "${2:-1}"; }

# The process and all its descendants.
tree_pids() {
  local pid="$1" child
  echo "$pid"
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do tree_pids "$child"; done
}

# cpu_ticks PID... : utime+stime of the processes and their reaped children (/proc/PID/stat), in
# clock ticks, summed over each process tree. Sample before the processes end.
cpu_ticks() {
  local total=0 pid p fields
  for pid in "$@"; do
    for p in $(tree_pids "$pid"); do
      # Fields after "(comm) ": state is 1, utime 12, stime 13, cutime 14, cstime 15.
      fields="$(sed 's/^.*) //' /proc/"$p"/stat 2>/dev/null)" || continue
      [ -n "$fields" ] || continue
      total=$((total + $(echo "$fields" | awk '{print $12 + $13 + $14 + $15}')))
    done
  done
  echo "$total"
}

# peak_rss_kb PID... : the sum of VmHWM (peak resident set) over the processes and their trees.
peak_rss_kb() {
  local total=0 pid p value
  for pid in "$@"; do
    for p in $(tree_pids "$pid"); do
      value="$(awk '/^VmHWM:/ {print $2}' /proc/"$p"/status 2>/dev/null)" || continue
      total=$((total + ${value:-0}))
    done
  done
  echo "$total"
}

threads_of() { awk '/^Threads:/ {print $2}' /proc/"$1"/status 2>/dev/null || echo 0; }

# ticks_to_seconds TICKS
ticks_to_seconds() { python3 -c "print(f'{$1 / $CLK_TCK:.2f}')"; }

# --- the gateway ----------------------------------------------------------------------------------

# start_server DATA_DIR SRT_PORT HTTP_PORT [extra serve args...] : starts fieldrelay serve on loopback
# and waits (at most 60 s) for /healthz. Sets SERVER_PID and SERVER_LOG.
start_server() {
  local data="$1" srt="$2" http="$3"
  shift 3
  SERVER_LOG="$WORK/server-$srt.log"
  "$FIELDRELAY" serve --host 127.0.0.1 --srt-port "$srt" --http-port "$http" --data "$data" "$@" >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  track "$SERVER_PID"
  local waited=0
  until curl -fsS "http://127.0.0.1:$http/healthz" >/dev/null 2>&1; do
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$SERVER_LOG" >&2; die "fieldrelay serve exited"; }
    [ "$waited" -lt 600 ] || die "fieldrelay serve did not answer /healthz within 60 s"
    sleep 0.1
    waited=$((waited + 1))
  done
}

# metric HTTP_PORT NAME : one sample's value from /metrics (0 if absent).
metric() {
  { curl -fsS --max-time 5 "http://127.0.0.1:$1/metrics" 2>/dev/null || true; } |
    awk -v name="$2" '$1 == name {print $2; found=1} END {if (!found) print 0}'
}

# crash_note LOG : one line saying where a crashed fieldrelay stopped (Swift's backtrace in its log).
crash_note() {
  local what where
  what="$(grep -m1 -o 'Program crashed: .*\*\*\*' "$1" 2>/dev/null | sed 's/ \*\*\*$//')" || true
  where="$(grep -m1 -o ' at /[^ ]*Sources/[^ ]*' "$1" 2>/dev/null | sed 's|^ at .*/Sources/|Sources/|')" || true
  echo "${what:-exited} ${where:+at $where}"
}

# The machine, for the reports.
machine_line() {
  local model
  model="$(lscpu 2>/dev/null | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')"
  printf '%s cores, %s, %s GiB RAM, %s' "$(nproc)" "${model:-unknown CPU}" \
    "$(awk '/MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)" "$(uname -r)"
}

# The machine's load when the run started: benchmarks on a shared machine must say so.
load_line() { awk '{print "load average " $1 " " $2 " " $3}' /proc/loadavg; }

# udp_drops : "receive-buffer-errors send-buffer-errors" of this network namespace (/proc/net/snmp).
# Datagrams the kernel dropped because a UDP socket's buffer was full: on loopback, that is where
# SRT loss comes from when a receiver cannot keep up.
udp_drops() {
  awk '/^Udp:/ { if (!header) { for (i = 2; i <= NF; i++) col[$i] = i; header = 1 } else { print $col["RcvbufErrors"], $col["SndbufErrors"] } }' /proc/net/snmp
}

# The kernel's cap on a socket's receive buffer (libsrt asks for 12 MB per UDP socket and gets this).
rmem_line() { echo "net.core.rmem_max $(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo '?')"; }

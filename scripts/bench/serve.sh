#!/usr/bin/env bash
# HLS serving: `wrk` fetching one segment and one playlist of a live lab path from FieldRelay, and
# the same bytes from `nginx` serving files on loopback; requests per second and latency
# percentiles, and the ratio FieldRelay/nginx. Each figure is the median of --runs runs.
#
# The path is published by `fieldrelay loadgen` throughout (so FieldRelay serves while it ingests,
# as in the field). Each segment run uses the newest segment, which stays in the live window for
# about 12 s, so a run lasts at most 15 s.
#
# usage: scripts/bench/serve.sh [--duration 10] [--connections 32] [--threads 2] [--runs 3] [--smoke]
source "$(dirname "$0")/common.sh"

duration=10 connections=32 threads=2 runs=3 smoke=0 kbps=3000 size=1280x720 clip_seconds=30
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --smoke) smoke=1; duration=2; connections=4; runs=1; kbps=1000; size=640x360; clip_seconds=6; shift ;;
    *) die "unknown argument $1 (see the header of $0)" ;;
  esac
done
[ "$duration" -le 15 ] || die "--duration at most 15: a segment leaves the live window after about 12 s"

need_packages wrk nginx curl python3 ffmpeg
build_fieldrelay "$([ "$smoke" = 1 ] && echo smoke)"
clip="$(make_clip "$size" $((kbps - 64)) 64 "$clip_seconds" 2)"

srt="$(free_port udp)"; http="$(free_port tcp)"; nginx_port="$(free_port tcp)"
start_server "$WORK/data" "$srt" "$http" --open-ingest
path=lab/serve-0
total=$(( (duration + 3) * 4 * runs + 40 ))
"$FIELDRELAY" loadgen --url "srt://127.0.0.1:$srt" --file "$clip" --streams 1 --stream-id 'lab/serve-{i}' --latency 200 \
  --duration "$total" --quiet >"$WORK/loadgen.txt" 2>&1 &
track $!

base="http://127.0.0.1:$http/hls/$path"
# A full live window (6 segments by default), so the playlist is the size halls fetch.
window=$([ "$smoke" = 1 ] && echo 2 || echo 6)
waited=0
until [ "$(curl -fsS "$base/ts.m3u8" 2>/dev/null | grep -c '\.ts')" -ge "$window" ]; do
  [ "$waited" -lt 400 ] || die "no playlist with $window segments within 40 s"
  sleep 0.1; waited=$((waited + 1))
done

# nginx on loopback, serving copies of the same bytes from disk.
mkdir -p "$WORK/nginx/logs" "$WORK/www/hls/$path"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  server { listen 127.0.0.1:$nginx_port; root $WORK/www; }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx/logs/start.err" &
nginx_pid=$!; track "$nginx_pid"
waited=0
echo ok >"$WORK/www/ping"
until curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/ping" 2>/dev/null; do
  kill -0 "$nginx_pid" 2>/dev/null || { cat "$WORK/nginx/logs/start.err" >&2; die "nginx exited"; }
  [ "$waited" -lt 100 ] || die "nginx did not start"
  sleep 0.1; waited=$((waited + 1))
done
log "FieldRelay on $http, nginx on $nginx_port; wrk -t$threads -c$connections -d${duration}s x $runs runs; $(load_line)"

run_wrk() {  # run_wrk LABEL URL
  echo "=== $1" >>"$WORK/wrk.txt"
  wrk -t"$threads" -c"$connections" -d"${duration}s" --latency "$2" >>"$WORK/wrk.txt" 2>&1 || echo "wrk failed" >>"$WORK/wrk.txt"
}

for run in $(seq 1 "$runs"); do
  # The newest segment: the longest time left in the window.
  segment="$(curl -fsS "$base/ts.m3u8" | grep '\.ts' | tail -1)"
  curl -fsS "$base/$segment" -o "$WORK/www/hls/$path/$segment"
  curl -fsS "$base/ts.m3u8" -o "$WORK/www/hls/$path/index.m3u8"
  run_wrk "segment fieldrelay $run $(stat -c %s "$WORK/www/hls/$path/$segment")" "$base/$segment"
  run_wrk "segment nginx $run" "http://127.0.0.1:$nginx_port/hls/$path/$segment"
  run_wrk "playlist fieldrelay $run $(stat -c %s "$WORK/www/hls/$path/index.m3u8")" "$base/ts.m3u8"
  run_wrk "playlist nginx $run" "http://127.0.0.1:$nginx_port/hls/$path/index.m3u8"
done

python3 - "$WORK/wrk.txt" "$BENCH_RESULTS/serve.md" "$(machine_line)" "$threads" "$connections" "$duration" "$runs" "$smoke" "$kbps" <<'PY'
import re, statistics, sys
source, out, machine, threads, connections, duration, runs, smoke, kbps = sys.argv[1:]
def ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
results, current, sizes = {}, None, {}
for line in open(source):
    if line.startswith("=== "):
        kind, server, _run, *size = line[4:].split()
        current = results.setdefault((kind, server), {"rps": [], "p50": [], "p90": [], "p99": [], "errors": 0, "requests": 0})
        if size:
            sizes[kind] = int(size[0])
        continue
    line = line.strip()
    if line.startswith("Requests/sec:"):
        current["rps"].append(float(line.split()[1]))
    elif re.match(r"^(50|90|99)%\s", line):
        current["p" + line.split("%")[0]].append(ms(line.split()[1]))
    elif line.startswith("Non-2xx"):
        current["errors"] += int(line.split()[-1])
    elif "requests in" in line:
        current["requests"] += int(line.split()[0])
    elif line.startswith("Socket errors"):
        current["errors"] += sum(int(n) for n in re.findall(r"\d+", line))
def med(values):
    return statistics.median(values) if values else float("nan")
lines = [
    f"Serving: wrk -t{threads} -c{connections} -d{duration}s, median of {runs} run(s), FieldRelay ingesting one {kbps} kbps path meanwhile"
    + (" — SMOKE RUN, figures meaningless" if smoke == "1" else ""),
    f"Machine: {machine} (wrk and the server share it)",
    "",
    "| object | server | requests/s | p50 ms | p90 ms | p99 ms | errors (non-2xx, socket) | FieldRelay / nginx req/s |",
    "|---|---|---|---|---|---|---|---|",
]
for kind in ("segment", "playlist"):
    fr, ng = results.get((kind, "fieldrelay")), results.get((kind, "nginx"))
    for server, r in (("FieldRelay", fr), ("nginx", ng)):
        if not r:
            continue
        ratio = ""
        if server == "FieldRelay" and ng and med(ng["rps"]) > 0:
            ratio = f"{med(fr['rps']) / med(ng['rps']):.2f}"
        lines.append(f"| {kind} ({sizes.get(kind, '?')} B) | {server} | {med(r['rps']):.0f} | {med(r['p50']):.2f} | {med(r['p90']):.2f} | "
                     f"{med(r['p99']):.2f} | {r['errors']} | {ratio} |")
lines.append("")
lines.append("Goal: FieldRelay at least nginx's requests/s for segments (ratio >= 1.00).")
text = "\n".join(lines)
print(text)
open(out, "w").write(text + "\n")
PY
log "Markdown fragment: $BENCH_RESULTS/serve.md"

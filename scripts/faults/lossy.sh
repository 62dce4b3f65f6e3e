#!/usr/bin/env bash
# Lossy links, for real: FieldRelay and its cameras in two network namespaces of their own, joined by
# a veth pair, with packets dropped at random in the kernel (nftables `numgen random`) in both
# directions, delay, jitter and reordering added by scripts/faults/udp_impair.py, and a 5 s blackout.
#
#   camera namespace (10.77.0.1)                      gateway namespace (10.77.0.2 + its own loopback)
#   camera.py -> fieldrelay loadgen (1 stream each)    udp_impair.py 10.77.0.2:7000 -> 127.0.0.1:9000
#     SRT caller to 10.77.0.2:7000  ---- veth ---->      fieldrelay serve (127.0.0.1:9000 SRT, :8080 HTTP)
#     nftables: loss on the veth, both ways              viewer.py polls 127.0.0.1:8080/hls/lab/lossy-N/ts.m3u8
#
# Neither namespace has a route anywhere else, and an nftables guard in each drops (and counts)
# anything addressed outside 127.0.0.0/8 and 10.77.0.0/24. Every scenario starts a fresh gateway
# whose srt.latencyMs equals the cameras' SRT latency, set from the loss as in DOMAIN.md: about 3x
# RTT at 1 % loss up to 6x RTT at 10 % (linear in between), never below 120 ms.
#
# Per scenario: playlist continuity (segments seen / missing, discontinuities), decode errors
# (ffmpeg -v error on every segment fetched), libsrt sender figures (loadgen) and receiver figures
# per room (the gateway logs them when a publisher disconnects), and end-to-end delay (see
# lossy_report.py). Writes artifacts/faults/lossy.md and prints a summary; exits 1 when a scenario
# fails its bar, 77 when network namespaces cannot be made here (not root, no CAP_SYS_ADMIN).
#
# usage: scripts/faults/lossy.sh [--short] [--cameras N] [--seconds S] [--only NAME[,NAME...]]
#                               [--delivery on-arrival|tsbpd]   (the gateway's srt.publisherDelivery)
#   --short: 1 % and 10 % loss and a 5 s blackout, 2 cameras, 16-22 s each (under 3 minutes).
#   full (default): 1 %, 5 %, 10 %, blackout and 150 ms delay + jitter + reordering, 4 cameras, 60 s each.
# Environment: FIELDRELAY_BIN (the binary; default: the release build, built if needed), BENCH_KEEP=1.
source "$(dirname "$0")/../bench/common.sh"
FAULTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RESULTS="${FAULTS_RESULTS:-$REPO/artifacts/faults}"

short=0 cameras="" seconds="" only="" delivery=""
while [ $# -gt 0 ]; do
  case "$1" in
    --short) short=1; shift ;;
    --cameras) cameras="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --delivery) delivery="$2"; shift 2 ;;
    *) die "unknown argument $1 (see the header of $0)" ;;
  esac
done
if [ "$short" = 1 ]; then cameras="${cameras:-2}"; seconds="${seconds:-16}"; else cameras="${cameras:-4}"; seconds="${seconds:-60}"; fi

# --- namespaces -----------------------------------------------------------------------------------

ID="$(printf '%d%04x' $(($$ % 100000)) "$RANDOM")"
NS_CAM="frl-lossy-$ID-cam"
NS_GW="frl-lossy-$ID-gw"
VETH_CAM="flc$ID"
VETH_GW="flg$ID"
CAM_IP=10.77.0.1
GW_IP=10.77.0.2
RELAY_PORT=7000 SRT_PORT=9000 HTTP_PORT=8080
NAMESPACES=()

cam() { ip netns exec "$NS_CAM" "$@"; }
gw() { ip netns exec "$NS_GW" "$@"; }
# For processes started in the background: `ip netns exec` execs the command, so $! is its pid (a
# shell function run with & would put a subshell in between).
IN_CAM=(ip netns exec "$NS_CAM")
IN_GW=(ip netns exec "$NS_GW")

# alive PID : running and not yet a zombie (kill -0 succeeds on an unreaped child).
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; }
# stop_proc PID [SECONDS] : TERM, up to SECONDS (default 5) for it to go, then KILL; reaps it.
stop_proc() {
  local pid="$1" limit=$((${2:-5} * 10)) waited=0
  alive "$pid" && { kill -TERM "$pid" 2>/dev/null || true; }
  while alive "$pid" && [ "$waited" -lt "$limit" ]; do sleep 0.1; waited=$((waited + 1)); done
  alive "$pid" && { kill -KILL "$pid" 2>/dev/null || true; }
  wait "$pid" 2>/dev/null || true
}

# Stops what runs inside our namespaces (only processes this run started can be in them), then
# removes them. Runs on every exit path.
remove_namespaces() {
  local ns pid waited
  for pid in "${BENCH_PIDS[@]}"; do stop_proc "$pid"; done
  for ns in "${NAMESPACES[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
    waited=0
    while [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && [ "$waited" -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || log "warning: could not delete namespace $ns"
  done
  NAMESPACES=()
}
lossy_cleanup() {
  local status=$?
  set +e
  remove_namespaces
  (exit "$status")
  cleanup
}
trap lossy_cleanup EXIT

cannot_run() {
  log "cannot run: $*"
  log "the lossy-link harness needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) to make network namespaces"
  exit 77
}

make_namespaces() {
  ip netns add "$NS_CAM" 2>"$WORK/netns.err" || cannot_run "ip netns add: $(cat "$WORK/netns.err")"
  NAMESPACES+=("$NS_CAM")
  ip netns add "$NS_GW" 2>"$WORK/netns.err" || cannot_run "ip netns add: $(cat "$WORK/netns.err")"
  NAMESPACES+=("$NS_GW")
  ip link add "$VETH_CAM" netns "$NS_CAM" type veth peer name "$VETH_GW" netns "$NS_GW" 2>"$WORK/netns.err" ||
    cannot_run "ip link add veth: $(cat "$WORK/netns.err")"
  cam ip addr add "$CAM_IP/24" dev "$VETH_CAM"
  gw ip addr add "$GW_IP/24" dev "$VETH_GW"
  # No IPv6 on the link (no router solicitations or MLD reports): only our own traffic crosses it.
  cam sysctl -qw "net.ipv6.conf.$VETH_CAM.disable_ipv6=1" 2>/dev/null || true
  gw sysctl -qw "net.ipv6.conf.$VETH_GW.disable_ipv6=1" 2>/dev/null || true
  cam ip link set lo up; gw ip link set lo up
  cam ip link set "$VETH_CAM" up; gw ip link set "$VETH_GW" up
  # Guards: nothing leaves for an address outside the namespaces (there is no route anyway).
  local ns label
  for ns in cam gw; do
    label="guard-$ns"
    $ns nft -f - <<EOF || die "nftables guard in $ns"
table inet guard {
  chain out {
    type filter hook output priority 0; policy accept;
    meta nfproto ipv4 ip daddr != { 127.0.0.0/8, 10.77.0.0/24 } counter drop comment "$label"
    meta nfproto ipv6 oifname != "lo" counter drop comment "$label-v6"
  }
}
EOF
  done
}

# set_loss PERCENT : random drops in both directions on the camera's side of the veth, with
# counters of all packets and of the drops (the measured loss). Replaces any earlier rules.
set_loss() {
  local percent="$1"
  cam nft delete table inet lossy 2>/dev/null || true
  local up_drop="" down_drop=""
  if [ "$percent" -gt 0 ]; then
    up_drop="ip daddr $GW_IP udp dport $RELAY_PORT numgen random mod 100 < $percent counter drop comment \"up-drop\""
    down_drop="ip saddr $GW_IP udp sport $RELAY_PORT numgen random mod 100 < $percent counter drop comment \"down-drop\""
  fi
  cam nft -f - <<EOF || die "nftables loss rules"
table inet lossy {
  chain cut_up { type filter hook output priority -10; policy accept; }
  chain cut_down { type filter hook input priority -10; policy accept; }
  chain up {
    type filter hook output priority 0; policy accept;
    ip daddr $GW_IP udp dport $RELAY_PORT counter comment "up-total"
    $up_drop
  }
  chain down {
    type filter hook input priority 0; policy accept;
    ip saddr $GW_IP udp sport $RELAY_PORT counter comment "down-total"
    $down_drop
  }
}
EOF
}

# The blackout: every packet between camera and gateway dropped, both ways, then the rules removed.
blackout_on() {
  cam nft add rule inet lossy cut_up ip daddr "$GW_IP" counter drop comment '"cut-up"'
  cam nft add rule inet lossy cut_down ip saddr "$GW_IP" counter drop comment '"cut-down"'
}
blackout_off() {
  # The cut rules' counters are read before the flush (they go with the rules).
  cam nft -j list table inet lossy >"$1" 2>/dev/null || true
  cam nft flush chain inet lossy cut_up
  cam nft flush chain inet lossy cut_down
}

# latency_for LOSS RTT_MS : DOMAIN.md's rule, 3x RTT at 1 % loss to 6x RTT at 10 %, at least 120 ms.
latency_for() {
  python3 -c "import sys; loss, rtt = float(sys.argv[1]), float(sys.argv[2]); f = 3 + 3 * (min(max(loss, 1), 10) - 1) / 9; print(max(120, int(round(f * rtt / 10.0)) * 10))" "$1" "$2"
}

# --- one scenario ---------------------------------------------------------------------------------

SCENARIO_DIRS=()
FAILED=()

# run_scenario NAME KIND LOSS DELAY_MS JITTER_MS REORDER_PERCENT SECONDS STRICT [CONTROL]
# CONTROL 1: one more camera publishes straight to the gateway on its loopback (no loss, no delay),
# held to the strict bar: the other rooms must not suffer from the lossy ones.
run_scenario() {
  local name="$1" kind="$2" loss="$3" delay="$4" jitter="$5" reorder="$6" secs="$7" strict="$8" control="${9:-0}"
  local dir="$WORK/$name"
  mkdir -p "$dir/segments"
  chmod 755 "$dir"
  local rtt=$((2 * delay + jitter))
  local latency
  latency="$(latency_for "$loss" "$rtt")"
  log "scenario $name: loss $loss % each way, one-way delay $delay ms ± $jitter ms, reorder $reorder %, RTT ~$rtt ms -> SRT latency $latency ms; $cameras cameras, $secs s; $(load_line)"

  printf 'srt:\n  latencyMs: %s\n%blog:\n  level: info\n' "$latency" "${delivery:+  publisherDelivery: $delivery\n}" >"$dir/gateway.yml"
  "${IN_GW[@]}" "$FIELDRELAY" serve --host 127.0.0.1 --srt-port "$SRT_PORT" --http-port "$HTTP_PORT" --data "$dir/data" --open-ingest \
    --config "$dir/gateway.yml" >"$dir/gateway.log" 2>&1 &
  local server_pid=$!
  track "$server_pid"
  local waited=0
  until gw curl -fsS --max-time 2 "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1; do
    alive "$server_pid" || { tail -20 "$dir/gateway.log" >&2; die "fieldrelay serve exited"; }
    [ "$waited" -lt 600 ] || die "fieldrelay serve did not answer /healthz within 60 s"
    sleep 0.1; waited=$((waited + 1))
  done

  # The relay is the link: it runs at a higher priority than everything else (the machine may be shared).
  "${IN_GW[@]}" nice -n -10 python3 "$FAULTS_DIR/udp_impair.py" --listen "$GW_IP:$RELAY_PORT" --target "127.0.0.1:$SRT_PORT" \
    --delay-ms "$delay" --jitter-ms "$jitter" --reorder-percent "$reorder" --reorder-ms 20 --stats "$dir/relay.json" \
    >"$dir/relay.out" 2>&1 &
  local relay_pid=$!
  track "$relay_pid"
  set_loss "$loss"

  local camera_pids=() i sources=()
  local started
  started="$(date +%s.%N)"
  for i in $(seq 0 $((cameras - 1))); do
    "${IN_CAM[@]}" python3 "$FAULTS_DIR/camera.py" --fieldrelay "$FIELDRELAY" --url "srt://$GW_IP:$RELAY_PORT" --file "$CLIP" \
      --stream-id "lab/lossy-$i" --latency "$latency" --duration "$((secs + 15))" --out "$dir/cam-$i" >"$dir/cam-$i.out" 2>&1 &
    camera_pids+=($!)
    track "$!"
    sources+=("http://127.0.0.1:$HTTP_PORT/hls/lab/lossy-$i/ts.m3u8")
  done
  if [ "$control" = 1 ]; then
    "${IN_GW[@]}" python3 "$FAULTS_DIR/camera.py" --fieldrelay "$FIELDRELAY" --url "srt://127.0.0.1:$SRT_PORT" --file "$CLIP" \
      --stream-id "lab/control-0" --latency "$latency" --duration "$((secs + 15))" --out "$dir/control-0" >"$dir/control-0.out" 2>&1 &
    camera_pids+=($!)
    track "$!"
    sources+=("http://127.0.0.1:$HTTP_PORT/hls/lab/control-0/ts.m3u8")
  fi
  "${IN_GW[@]}" python3 "$REPO/scripts/bench/viewer.py" --pts --duration "$secs" --interval 0.1 --save "$dir/segments" "${sources[@]}" \
    >"$dir/viewer.json" 2>"$dir/viewer.err" &
  local viewer_pid=$!
  track "$viewer_pid"

  local blackout_json="null"
  if [ "$kind" = blackout ]; then
    local at
    at="$(python3 -c "print(max(6, round($secs * 0.3)))")"
    sleep "$(python3 -c "import time; print(max(0, $started + $at - time.time()))")"
    local cut_start cut_end
    cut_start="$(date +%s.%N)"
    blackout_on
    log "blackout: nothing passes for 5 s"
    sleep 5
    cut_end="$(date +%s.%N)"
    blackout_off "$dir/nft-blackout.json"
    log "blackout over"
    blackout_json="[$cut_start, $cut_end]"
  fi

  # The viewer ends on its own after $secs; bounded anyway.
  waited=0
  while alive "$viewer_pid" && [ "$waited" -lt $(((secs + 60) * 10)) ]; do sleep 0.1; waited=$((waited + 1)); done
  stop_proc "$viewer_pid"
  local alive=false
  alive "$server_pid" && gw curl -fsS --max-time 5 "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1 && alive=true
  gw curl -fsS --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" >"$dir/metrics.txt" 2>/dev/null || true
  # Cameras stop (SIGTERM: each loadgen prints its summary and writes its send log), then the
  # gateway logs every publisher's receiver figures as it sees them go.
  for i in "${camera_pids[@]}"; do kill -TERM "$i" 2>/dev/null || true; done
  for i in "${camera_pids[@]}"; do stop_proc "$i" 15; done
  sleep 1
  cam nft -j list ruleset >"$dir/nft.json" 2>/dev/null || true
  if [ -s "$dir/nft-blackout.json" ]; then
    # The blackout's counters were read before its rules went; merge them in.
    python3 - "$dir/nft.json" "$dir/nft-blackout.json" <<'PY'
import json, sys
main, cut = (json.load(open(p)) for p in sys.argv[1:])
main["nftables"] += [item for item in cut["nftables"] if item.get("rule", {}).get("comment", "").startswith("cut-")]
json.dump(main, open(sys.argv[1], "w"))
PY
  fi
  gw nft -j list ruleset >"$dir/nft-gw.json" 2>/dev/null || true
  python3 - "$dir/nft.json" "$dir/nft-gw.json" <<'PY' || true
import json, sys
# The gateway namespace's guard counters (comments guard-gw*) go into the same file.
main, other = (json.load(open(p)) for p in sys.argv[1:])
for item in other["nftables"]:
    rule = item.get("rule")
    if rule and rule.get("comment", "").startswith("guard-"):
        main["nftables"].append(item)
json.dump(main, open(sys.argv[1], "w"))
PY
  stop_proc "$server_pid" 10
  stop_proc "$relay_pid"
  cam nft delete table inet lossy 2>/dev/null || true

  cat >"$dir/scenario.json" <<EOF
{"name": "$name", "kind": "$kind", "loss_percent": $loss, "delay_ms": $delay, "jitter_ms": $jitter,
 "reorder_percent": $reorder, "rtt_ms": $rtt, "latency_ms": $latency, "cameras": $cameras, "seconds": $secs,
 "segment_seconds": 2, "strict": $strict, "blackout": $blackout_json, "gateway_alive": $alive}
EOF
  SCENARIO_DIRS+=("$dir")
  if ! python3 "$FAULTS_DIR/lossy_report.py" scenario "$dir" | tee "$dir/summary.txt"; then
    FAILED+=("$name")
    tail -5 "$dir/gateway.log" >&2
  fi
}

# --- main -----------------------------------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || cannot_run "not root"
command -v ip >/dev/null || need_packages iproute2
need_packages nftables ffmpeg curl python3
make_namespaces
build_fieldrelay "$([ "$short" = 1 ] && echo smoke)"
CLIP="$(make_clip 1280x720 1436 64 30 1)"   # 1.5 Mbps 720p H.264 + AAC, keyframe every second
mkdir -p "$RESULTS"
log "namespaces $NS_CAM and $NS_GW; $(machine_line); $(rmem_line)"

want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }
total_started=$SECONDS
if [ "$short" = 1 ]; then
  want loss-1 && run_scenario loss-1 loss 1 50 10 0 "$seconds" true
  want loss-10 && run_scenario loss-10 loss 10 50 10 0 "$seconds" false 1
  want blackout && run_scenario blackout blackout 1 25 5 0 $((seconds + 6)) false
else
  want loss-1 && run_scenario loss-1 loss 1 50 10 0 "$seconds" true
  want loss-5 && run_scenario loss-5 loss 5 50 10 0 "$seconds" true
  want loss-10 && run_scenario loss-10 loss 10 50 10 0 "$seconds" false 1
  want blackout && run_scenario blackout blackout 1 25 5 0 "$seconds" false 1
  want delay-jitter-reorder && run_scenario delay-jitter-reorder loss 1 150 30 2 "$seconds" true
fi

mode="$([ "$short" = 1 ] && echo "short mode" || echo "full mode")"
python3 "$FAULTS_DIR/lossy_report.py" table "$RESULTS/lossy.md" \
  "Lossy links ($mode, $(date -u +%Y-%m-%d), $cameras cameras x 1.5 Mbps 720p H.264+AAC, GOP 1 s, $(basename "$FIELDRELAY") $( [[ "$FIELDRELAY" == */debug/* ]] && echo debug || echo release) build; $(machine_line); $(load_line) at the end)" \
  "${SCENARIO_DIRS[@]}" >/dev/null
echo
echo "lossy links, $mode: ${#SCENARIO_DIRS[@]} scenarios in $((SECONDS - total_started)) s; table in $RESULTS/lossy.md"
cat "${SCENARIO_DIRS[@]/%//summary.txt}"
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "FAILED: ${FAILED[*]}"
  exit 1
fi
echo "all scenarios passed"

#!/usr/bin/env bash
# Capture real BGP messages sent by FRR and turn them into test vectors.
#
#   sudo tools/capture-frr-vectors/capture.sh [OUTPUT.jsonl]      (default: test/vectors/frr-messages.jsonl)
#
# Offline tool, run by hand as root on a Debian 12 machine with the packages
#   frr bird2 gobgpd tshark tcpdump python3
# It builds throw-away network namespaces (tcap-<pid>-*), runs FRR's zebra + bgpd in one of them
# against BIRD 2, GoBGP and a small Python peer (bgp_peer.py) in the others, captures with tcpdump
# in FRR's namespace, then bgp_vectors.py splits the TCP streams into BGP messages, keeps those
# sent by FRR, decodes them with tshark and writes JSON lines.
#
# Nothing outside the namespaces is touched: no /etc/frr, no system frr service, no routes in the
# root namespace. Addresses: 10.77.x.x and fd77::/16, only inside the namespaces. Every namespace
# is deleted and every process started here is killed (by PID) on exit, also on failure or ^C.
#
# Environment: KEEP=1 keeps the work directory (pcaps, configs, daemon logs) for inspection;
# PHASES="main confed frrpeer" selects phases; DEDUPE=hex+session keeps a message once per
# distinct negotiated session instead of once per distinct hex.

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="${1:-$REPO/test/vectors/frr-messages.jsonl}"
PHASES="${PHASES:-main confed frrpeer}"
RUN="tcap-$$"
FRR_BIN=/usr/lib/frr

[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces)" >&2; exit 1; }
for b in ip tcpdump tshark bird birdc gobgpd gobgp vtysh python3 "$FRR_BIN/bgpd" "$FRR_BIN/zebra"; do
  command -v "$b" >/dev/null || { echo "missing $b (apt-get install frr bird2 gobgpd tshark tcpdump)" >&2; exit 1; }
done

OUT="$(realpath -m "$OUT")"
WORK="$(mktemp -d "/tmp/$RUN.XXXXXX")"
chmod 755 "$WORK"
cd "$WORK"  # daemons inherit this working directory
PIDS=()        # every process started by this script, in start order
NAMESPACES=()  # every namespace created by this script

log() { printf '%s [%s] %s\n' "$(date +%T)" "${PHASE:-setup}" "$*" >&2; }

# mine PID : true if PID is a live child of this script (never signal a recycled PID)
mine() {
  local st
  st="$(ps -o ppid=,stat= -p "$1" 2>/dev/null)" || return 1
  read -r ppid stat <<<"$st"
  [ "$ppid" = "$$" ] && [ "${stat#Z}" = "$stat" ]
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM HUP
  local i pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid="${PIDS[$i]}"
    mine "$pid" || continue
    kill -CONT "$pid" 2>/dev/null
    kill -TERM "$pid" 2>/dev/null
  done
  sleep 1
  for pid in "${PIDS[@]}"; do
    mine "$pid" && kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for ns in "${NAMESPACES[@]}"; do
    ip netns del "$ns" 2>/dev/null
  done
  if [ "${KEEP:-0}" = 1 ]; then
    log "work directory kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# start NAMESPACE LOGFILE CMD... : run CMD in the background inside a namespace, remember its PID
start() {
  local ns="$1" logf="$2"
  shift 2
  ip netns exec "$RUN-$ns" "$@" >"$logf" 2>&1 &
  PIDS+=("$!")
  LAST_PID=$!
}

# stop PID : stop one process this script started and reap it
stop() {
  local pid="$1" p keep=()
  if mine "$pid"; then
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do mine "$pid" || break; sleep 0.1; done
    mine "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

ns_add() {
  local ns="$RUN-$1"
  ip netns add "$ns"
  NAMESPACES+=("$ns")
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.default.addr_gen_mode=0
}

# link IDX PEER [EXTRA_V4_HOSTS...] : veth between FRR's namespace "f" and PEER.
#   FRR side: p<IDX>, 10.77.IDX.1/24, fd77:IDX::1/64, MAC 02:77:00:00:<IDX>:01
#   peer side: f<IDX>, 10.77.IDX.2/24 (+ .N for each extra), fd77:IDX::2/64, MAC ...:<IDX>:02
link() {
  local idx="$1" peer="$2"
  shift 2
  local hx
  hx=$(printf '%02x' "$idx")
  ip -n "$RUN-f" link add "p$idx" address "02:77:00:00:$hx:01" type veth \
    peer name "f$idx" address "02:77:00:00:$hx:02" netns "$RUN-$peer"
  ip -n "$RUN-f" addr add "10.77.$idx.1/24" dev "p$idx"
  ip -n "$RUN-f" addr add "fd77:$idx::1/64" dev "p$idx" nodad
  ip -n "$RUN-$peer" addr add "10.77.$idx.2/24" dev "f$idx"
  ip -n "$RUN-$peer" addr add "fd77:$idx::2/64" dev "f$idx" nodad
  local h
  for h in "$@"; do ip -n "$RUN-$peer" addr add "10.77.$idx.$h/24" dev "f$idx"; done
  ip -n "$RUN-f" link set "p$idx" up
  ip -n "$RUN-$peer" link set "f$idx" up
}

# --- FRR -------------------------------------------------------------------------------------------

# frr_start DIR : zebra + bgpd with everything under DIR (bgpd.conf must exist there)
frr_start() {
  local d="$1"
  mkdir -p "$d/run"
  chown frr:frr "$d/run"
  chmod 755 "$d"
  [ -f "$d/zebra.conf" ] || printf 'hostname tcap-frr\n' >"$d/zebra.conf"
  printf 'service integrated-vtysh-config\n' >"$d/vtysh.conf"
  chmod 644 "$d"/*.conf
  if [ -z "${ZEBRA_PID:-}" ] || ! kill -0 "$ZEBRA_PID" 2>/dev/null; then
    rm -f "$d/run/zebra.vty" "$d/run/zserv.api"
    start f "$d/zebra.out" "$FRR_BIN/zebra" -f "$d/zebra.conf" -i "$d/run/zebra.pid" \
      -z "$d/run/zserv.api" --vty_socket "$d/run" -P 0
    ZEBRA_PID=$LAST_PID
    for _ in $(seq 50); do [ -S "$d/run/zserv.api" ] && break; sleep 0.1; done
  fi
  rm -f "$d/run/bgpd.vty"
  start f "$d/bgpd.$(date +%s).out" "$FRR_BIN/bgpd" -f "$d/bgpd.conf" -i "$d/run/bgpd.pid" \
    -z "$d/run/zserv.api" --vty_socket "$d/run" -P 0
  BGPD_PID=$LAST_PID
  for _ in $(seq 50); do [ -S "$d/run/bgpd.vty" ] && break; sleep 0.1; done
  sleep 1
  if grep -h -E 'Config Failed|No such command|Unknown command' "$d"/bgpd.*.out >&2; then
    log "WARNING: bgpd rejected configuration lines (above)"
  fi
}

vty() {  # vty CMD... : run vtysh commands against this phase's FRR
  local args=() c
  for c in "$@"; do args+=(-c "$c"); done
  vtysh --vty_socket "$FRR_DIR/run" --config_dir "$FRR_DIR" "${args[@]}" 2>&1 | grep -v -e '^$' >&2 || true
}

vtycfg() {  # vtycfg LINE... : apply configuration lines (vtysh -f starts in configure mode)
  local f="$WORK/vtyconf.$RANDOM"
  printf '%s\n' "$@" >"$f"
  vtysh --vty_socket "$FRR_DIR/run" --config_dir "$FRR_DIR" -f "$f" 2>&1 | grep -v -e '^$' >&2 || true
}

vtyconf() {  # vtyconf LINE... : configuration lines inside "router bgp"
  vtycfg "router bgp $FRR_AS" "$@" "exit"
}

# frr_wait NEIGHBOR... : wait until these neighbors are Established (max 60 s, then warn)
frr_wait() {
  local want="$*" state
  for _ in $(seq 120); do
    state=$(vtysh --vty_socket "$FRR_DIR/run" --config_dir "$FRR_DIR" -c 'show bgp neighbors json' 2>/dev/null |
      python3 -c '
import json, sys
want = sys.argv[1].split()
try:
    d = json.load(sys.stdin)
except Exception:
    d = {}
print(" ".join(n for n in want if d.get(n, {}).get("bgpState") != "Established"))' "$want") || state="$want"
    [ -z "$state" ] && { log "established: $want"; return 0; }
    sleep 0.5
  done
  log "WARNING: not established after 60 s: $state"
}

# --- BIRD / GoBGP -----------------------------------------------------------------------------------

bird_start() {  # bird_start NS : config in $WORK/$NS/bird.conf
  local ns="$1" d="$WORK/$1"
  start "$ns" "$d/bird.out" bird -f -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid"
}
birdc_() { local ns="$1"; shift; birdc -s "$WORK/$ns/bird.ctl" "$@" >&2 || true; }

bird_head() {  # bird_head NS ROUTER_ID : common part of a BIRD config
  cat <<EOF
log "$WORK/$1/bird.log" all;
router id $2;
protocol device {}
template bgp T {
  strict bind on;
  connect delay time 1; connect retry time 2; error wait time 1, 3; error forget time 10;
  hold time 30;
  graceful restart on;
}
EOF
}

gobgp_start() {  # gobgp_start NS : config in $WORK/$NS/gobgpd.toml
  local ns="$1" d="$WORK/$1"
  start "$ns" "$d/gobgpd.out" gobgpd -f "$d/gobgpd.toml" -t toml -p --api-hosts 127.0.0.1:50051 --pprof-disable
  for _ in $(seq 50); do
    ip netns exec "$RUN-$ns" gobgp global >/dev/null 2>&1 && break
    sleep 0.2
  done
}
gobgp_() { local ns="$1"; shift; ip netns exec "$RUN-$ns" gobgp "$@" >&2 || log "gobgp $* failed"; }

peer_py() { echo python3 "$HERE/bgp_peer.py"; }

capture_start() {  # capture_start NAME : tcpdump in FRR's namespace
  PCAP="$WORK/$1.pcap"
  start f "$WORK/$1.tcpdump.out" tcpdump -i any -n -U -s 0 -Z root -w "$PCAP" 'tcp port 179'
  TCPDUMP_PID=$LAST_PID
  sleep 1
}

capture_stop() {  # capture_stop NAME FRR_ADDRESSES
  sleep 1
  stop "$TCPDUMP_PID"
  printf '%s\t%s\t%s\n' "$1" "$PCAP" "$2" >>"$WORK/manifest.tsv"
}

phase_end() {  # stop every process still running and delete this phase's namespaces
  local pid ns
  for pid in "${PIDS[@]}"; do stop "$pid"; done
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  NAMESPACES=()
  ZEBRA_PID=""
}

frr_addrs() {  # all addresses of FRR's namespace, comma separated
  ip -n "$RUN-f" -o addr show | awk '{print $4}' | cut -d/ -f1 | grep -v -e '^127\.' -e '^::1$' | paste -sd,
}

# shellcheck source=phases.sh
. "$HERE/phases.sh"

: >"$WORK/manifest.tsv"
for PHASE in $PHASES; do
  log "phase start"
  "phase_$PHASE"
  phase_end
  log "phase done"
done
PHASE=build

mkdir -p "$(dirname "$OUT")"
python3 "$HERE/bgp_vectors.py" build --manifest "$WORK/manifest.tsv" --out "$OUT" \
  --scenario-log "$WORK/kept.tsv" --dedupe "${DEDUPE:-hex}"
python3 "$HERE/bgp_vectors.py" verify "$OUT"
python3 "$HERE/bgp_vectors.py" crosscheck --manifest "$WORK/manifest.tsv" "$OUT"
log "wrote $OUT"

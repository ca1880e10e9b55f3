# shellcheck shell=bash
# Scenario phases for capture.sh (sourced). Each phase builds its namespaces, runs FRR against
# its peers, drives FRR through the events that make it send the messages we want, and stops.
#
# Link N always joins FRR's namespace "f" (10.77.N.1, fd77:N::1, interface pN) to one peer
# namespace (10.77.N.2, fd77:N::2 and optional extra 10.77.N.x addresses, interface fN).

# ================================================================================================
# phase "main": FRR AS 4200000001 (4-octet), eBGP/iBGP/RR/2-octet/roles/add-path/ext-nexthop
# ================================================================================================
#
#   link 1  b1  BIRD AS 65002: session over IPv4 (ipv4, add-path rx, extended messages, GR, LLGR)
#               and over IPv6 (ipv6 + ipv4 with RFC 8950 extended next hop, add-path rx)
#   link 2  p2  bgp_peer.py AS 65005 without the 4-octet AS capability (BIRD 2.0.12 with
#               `enable as4 off` still checks FRR's AS4 capability and refuses the session):
#               FRR sends AS_TRANS, AS4_PATH, AS4_AGGREGATOR; later SIGSTOPped: hold timer expiry
#   link 3  b3  BIRD iBGP route-reflector client (ipv4 + ipv6 over IPv4)
#   link 4  g1  GoBGP AS 65004 (ipv4 + ipv6 over IPv4, GR with N-bit, LLGR, add-path rx)
#   link 5  g2  GoBGP iBGP route-reflector client
#   link 6  b4  BIRD AS 65007, several sessions, BIRD 10.77.6.N <-> FRR 10.77.6.1N (BIRD runs only
#               one session at a time per neighbor address, so each needs its own FRR address):
#                 .2 role customer (FRR provider: bgp-role capability, OTC attribute)
#                 .3 sends 10 prefixes to FRR's `maximum-prefix 5`
#                 .4 role peer vs FRR provider strict-mode: role mismatch
#                 .5 is AS 65099 while FRR expects 65008: bad peer AS
#                 .6 FRR `dont-capability-negotiate`: OPEN without optional parameters
#                 .7 FRR `strict-capability-match` with an AF BIRD does not offer
#                 .8 FRR `extended-optional-parameters` (RFC 9072) and dynamic capability
#                 .9 FRR `local-as 65010` and the ORF capability
#                    (not on .8: FRR 8.4 writes a wrong parameter length for ORF in RFC 9072 format)
#   link 7  p1  bgp_peer.py: .2 holds a session and announces crafted routes; .10... one probe each
#
#   FRR sets the GR restart-state (R) bit during the first 120 s after bgpd starts, so the OPENs
#   before and right after the bgpd restart have R=1; the phase waits so that later ones have R=0.

MAIN_AS=4200000001
BULK4=600   # IPv4 /24s packed into UPDATEs (4.8 kB with add-path: needs extended messages)
BULK6=200   # IPv6 /64s

main_frr_conf() {
  local d="$1" ncases="$2" i
  cat <<EOF
frr defaults traditional
hostname tcap-frr
domainname lab.example
log stdout informational
!
bgp route-map delay-timer 1
!
ip prefix-list BULK4 seq 5 permit 10.50.0.0/15 le 32
ip prefix-list BULK4 seq 10 permit 10.52.0.0/16 le 32
ipv6 prefix-list BULK6 seq 5 permit 2001:db8:50::/48 le 128
!
route-map NOBULK deny 10
 match ip address prefix-list BULK4
exit
route-map NOBULK permit 20
exit
route-map NOBULK6 deny 10
 match ipv6 address prefix-list BULK6
exit
route-map NOBULK6 permit 20
exit
route-map N-EGP permit 10
 set origin egp
 set metric 50
exit
route-map N-INCOMPLETE permit 10
 set origin incomplete
exit
route-map N-COMM permit 10
 set community 65001:100 65001:200 4200:1
 set large-community 4200000001:1:1 4200000001:2:3
exit
route-map N-EXT permit 10
 set extcommunity rt 65001:100 10.77.0.1:5 4200000001:7
 set extcommunity soo 65001:9
exit
route-map N-BW permit 10
 set extcommunity bandwidth 100
exit
route-map N-AGGR permit 10
 set atomic-aggregate
 set aggregator as 65009 10.77.0.9
exit
route-map N-PREPEND permit 10
 set as-path prepend 65100 65100 65101
 set local-preference 250
exit
route-map N-WELLKNOWN permit 10
 set community blackhole graceful-shutdown no-llgr accept-own internet 65535:65284
exit
route-map N-ALL permit 10
 set origin egp
 set metric 1234
 set local-preference 300
 set community 65001:1 65001:2
 set large-community 1:2:3
 set extcommunity rt 1:1
 set as-path prepend 65111
 set atomic-aggregate
 set aggregator as 4200000009 10.77.0.9
exit
route-map CONNECTED permit 10
 match interface lo
exit
!
router bgp $MAIN_AS
 bgp router-id 10.77.0.1
 bgp cluster-id 10.77.255.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp graceful-restart
 bgp graceful-restart preserve-fw-state
 bgp graceful-restart restart-time 30
 bgp long-lived-graceful-restart stale-time 3600
 bgp bestpath as-path multipath-relax
 timers bgp 10 30
 neighbor 10.77.1.2 remote-as 65002
 neighbor 10.77.1.2 description b1-v4
 neighbor fd77:1::2 remote-as 65002
 neighbor fd77:1::2 description b1-v6
 neighbor fd77:1::2 capability extended-nexthop
 neighbor 10.77.2.2 remote-as 65005
 neighbor 10.77.2.2 description p2-as2
 neighbor 10.77.2.2 passive
 neighbor 10.77.2.2 timers 1 3
 neighbor 10.77.3.2 remote-as $MAIN_AS
 neighbor 10.77.3.2 description b3-ibgp
 neighbor 10.77.4.2 remote-as 65004
 neighbor 10.77.4.2 description g1
 neighbor 10.77.5.2 remote-as $MAIN_AS
 neighbor 10.77.5.2 description g2-ibgp
 neighbor 10.77.6.2 remote-as 65007
 neighbor 10.77.6.2 update-source 10.77.6.12
 neighbor 10.77.6.2 local-role provider
 neighbor 10.77.6.3 remote-as 65007
 neighbor 10.77.6.3 update-source 10.77.6.13
 neighbor 10.77.6.4 remote-as 65007
 neighbor 10.77.6.4 update-source 10.77.6.14
 neighbor 10.77.6.4 local-role provider strict-mode
 neighbor 10.77.6.5 remote-as 65008
 neighbor 10.77.6.5 update-source 10.77.6.15
 neighbor 10.77.6.6 remote-as 65007
 neighbor 10.77.6.6 update-source 10.77.6.16
 neighbor 10.77.6.6 dont-capability-negotiate
 neighbor 10.77.6.7 remote-as 65007
 neighbor 10.77.6.7 update-source 10.77.6.17
 neighbor 10.77.6.7 strict-capability-match
 neighbor 10.77.6.8 remote-as 65007
 neighbor 10.77.6.8 update-source 10.77.6.18
 neighbor 10.77.6.8 extended-optional-parameters
 neighbor 10.77.6.8 capability dynamic
 neighbor 10.77.6.9 remote-as 65007
 neighbor 10.77.6.9 update-source 10.77.6.19
 neighbor 10.77.6.9 local-as 65010
 neighbor 10.77.7.2 remote-as 65006
 neighbor 10.77.7.2 passive
EOF
  for ((i = 0; i < ncases; i++)); do
    echo " neighbor 10.77.7.$((10 + i)) remote-as 65006"
    echo " neighbor 10.77.7.$((10 + i)) description probe-${PROBE_CASES[$i]}"
    echo " neighbor 10.77.7.$((10 + i)) passive"
    echo " neighbor 10.77.7.$((10 + i)) enforce-first-as"
  done
  cat <<EOF
 address-family ipv4 unicast
  network 10.60.1.0/24
  network 10.60.2.0/24 route-map N-EGP
  network 10.60.3.0/24 route-map N-INCOMPLETE
  network 10.60.4.0/24 route-map N-COMM
  network 10.60.5.0/24 route-map N-EXT
  network 10.60.6.0/24 route-map N-AGGR
  network 10.60.7.0/24 route-map N-PREPEND
  network 10.60.8.0/24 route-map N-BW
  network 10.60.9.0/24 route-map N-WELLKNOWN
  network 10.60.10.0/24 route-map N-ALL
  redistribute connected route-map CONNECTED
  aggregate-address 10.10.0.0/16 as-set
  aggregate-address 10.20.0.0/16 summary-only
  neighbor 10.77.1.2 addpath-tx-all-paths
  neighbor 10.77.3.2 route-reflector-client
  neighbor 10.77.4.2 addpath-tx-bestpath-per-AS
  neighbor 10.77.5.2 route-reflector-client
  neighbor 10.77.6.3 maximum-prefix 5
  neighbor 10.77.6.9 capability orf prefix-list both
EOF
  for n in 10.77.3.2 10.77.4.2 10.77.5.2 10.77.6.2 10.77.6.3 10.77.6.4 10.77.6.5 10.77.6.6 10.77.6.7 10.77.6.8 10.77.6.9 10.77.7.2; do
    echo "  neighbor $n route-map NOBULK out"
  done
  for ((i = 0; i < ncases; i++)); do
    echo "  neighbor 10.77.7.$((10 + i)) route-map NOBULK out"
  done
  for ((i = 0; i < ncases; i++)); do
    [ "${PROBE_CASES[$i]}" = max-prefix ] && echo "  neighbor 10.77.7.$((10 + i)) maximum-prefix 5"
  done
  cat <<EOF
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:60:1::/64
  network 2001:db8:60:2::/64 route-map N-EGP
  network 2001:db8:60:3::/64 route-map N-INCOMPLETE
  network 2001:db8:60:4::/64 route-map N-COMM
  network 2001:db8:60:5::/64 route-map N-EXT
  network 2001:db8:60:a::/64 route-map N-ALL
  aggregate-address 2001:db8:10::/48 as-set
  neighbor fd77:1::2 activate
  neighbor fd77:1::2 addpath-tx-all-paths
  neighbor 10.77.3.2 activate
  neighbor 10.77.3.2 route-reflector-client
  neighbor 10.77.3.2 route-map NOBULK6 out
  neighbor 10.77.4.2 activate
  neighbor 10.77.4.2 route-map NOBULK6 out
  neighbor 10.77.5.2 activate
  neighbor 10.77.5.2 route-reflector-client
  neighbor 10.77.5.2 route-map NOBULK6 out
  neighbor 10.77.6.7 activate
 exit-address-family
exit
EOF
}

main_bird_b1() {
  bird_head b1 10.77.0.12
  cat <<EOF
protocol static s4 {
  ipv4;
  route 10.10.1.0/24 blackhole { bgp_community.add((65002,1)); bgp_large_community.add((65002,1,1)); bgp_med = 7; };
  route 10.20.1.0/24 blackhole;
  route 10.30.0.0/24 blackhole { bgp_path.prepend(65020); };
}
protocol static s6 {
  ipv6;
  route 2001:db8:10:1::/64 blackhole;
  route 2001:db8:30::/64 blackhole { bgp_community.add((65002,6)); };
}
protocol bgp f4 from T {
  local 10.77.1.2 as 65002; neighbor 10.77.1.1 as $MAIN_AS;
  enable extended messages on;
  long lived graceful restart on;
  ipv4 { import all; export all; add paths rx; };
}
protocol bgp f6 from T {
  local fd77:1::2 as 65002; neighbor fd77:1::1 as $MAIN_AS;
  interface "f1";
  ipv4 { import all; export none; extended next hop on; add paths rx; };
  ipv6 { import all; export all; add paths rx; };
}
EOF
}

main_bird_b3() {
  bird_head b3 10.77.0.15
  cat <<EOF
protocol static s4 {
  ipv4;
  route 10.40.0.0/24 blackhole { bgp_local_pref = 300; bgp_community.add((65003,40)); };
}
protocol static s6 {
  ipv6;
  route 2001:db8:40::/64 blackhole { bgp_local_pref = 310; };
}
protocol bgp ibgp1 from T {
  local 10.77.3.2 as $MAIN_AS; neighbor 10.77.3.1 as $MAIN_AS;
  ipv4 { import all; export all; next hop self; };
  ipv6 { import all; export all; next hop address fd77:3::2; };
}
EOF
}

main_bird_b4() {
  bird_head b4 10.77.0.17
  cat <<EOF
protocol static s4 {
  ipv4;
  route 10.42.0.0/24 blackhole;
}
protocol static s4many {
  ipv4;
$(for i in $(seq 0 9); do echo "  route 10.43.$i.0/24 blackhole;"; done)
}
filter only42 { if net ~ [10.42.0.0/16+] then accept; reject; }
filter only43 { if net ~ [10.43.0.0/16+] then accept; reject; }
protocol bgp prcust from T {
  local 10.77.6.2 as 65007; neighbor 10.77.6.12 as $MAIN_AS;
  local role customer;
  ipv4 { import all; export filter only42; };
}
protocol bgp pmaxpfx from T {
  local 10.77.6.3 as 65007; neighbor 10.77.6.13 as $MAIN_AS;
  ipv4 { import all; export filter only43; };
}
protocol bgp prpeer from T {
  local 10.77.6.4 as 65007; neighbor 10.77.6.14 as $MAIN_AS;
  local role peer;
  ipv4 { import all; export none; };
}
protocol bgp pbadas from T {
  local 10.77.6.5 as 65099; neighbor 10.77.6.15 as $MAIN_AS;
  ipv4 { import all; export none; };
}
protocol bgp pnocap from T {
  local 10.77.6.6 as 65007; neighbor 10.77.6.16 as $MAIN_AS;
  ipv4 { import all; export none; };
}
protocol bgp pstrict from T {
  local 10.77.6.7 as 65007; neighbor 10.77.6.17 as $MAIN_AS;
  ipv4 { import all; export none; };
}
protocol bgp pextopt from T {
  local 10.77.6.8 as 65007; neighbor 10.77.6.18 as $MAIN_AS;
  ipv4 { import all; export none; };
}
protocol bgp plocalas from T {
  local 10.77.6.9 as 65007; neighbor 10.77.6.19 as 65010;
  ipv4 { import all; export none; };
}
EOF
}

gobgp_conf() {  # gobgp_conf AS ROUTER_ID LOCAL NEIGHBOR PEER_AS NBIT [confed lines]
  cat <<EOF
[global.config]
  as = $1
  router-id = "$2"
  local-address-list = ["$3"]
EOF
  [ -n "${7:-}" ] && printf '%s\n' "$7"
  cat <<EOF
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$4"
    peer-as = $5
  [neighbors.timers.config]
    connect-retry = 2
    hold-time = 30
    keepalive-interval = 10
    idle-hold-time-after-reset = 1
  [neighbors.transport.config]
    local-address = "$3"
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 90
    notification-enabled = $6
    long-lived-enabled = true
EOF
  local af
  for af in ipv4-unicast ipv6-unicast; do
    cat <<EOF
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "$af"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
    [neighbors.afi-safis.long-lived-graceful-restart.config]
      enabled = true
      restart-time = 600
    [neighbors.afi-safis.add-paths.config]
      receive = true
EOF
  done
}

hold_start() {  # the two long-lived bgp_peer.py sessions (p1: crafted routes, p2: no AS4)
  start p1 "$WORK/p1/hold-$1.out" $(peer_py) hold --local 10.77.7.2 --remote 10.77.7.1 --asn 65006 \
    --router-id 10.77.0.18
  HOLD_PID=$LAST_PID
  start p2 "$WORK/p2/hold-$1.out" $(peer_py) hold --no-as4 --routes as2 --local 10.77.2.2 --remote 10.77.2.1 --asn 65005 \
    --router-id 10.77.0.13
  HOLD2_PID=$LAST_PID
}

phase_main() {
  FRR_AS=$MAIN_AS
  FRR_DIR="$WORK/frr-main"
  mkdir -p "$FRR_DIR" "$WORK"/{b1,p2,b3,b4,g1,g2,p1}
  local ncases i
  mapfile -t PROBE_CASES < <(python3 "$HERE/bgp_peer.py" cases)
  ncases=${#PROBE_CASES[@]}

  for n in f b1 p2 b3 b4 g1 g2 p1; do ns_add "$n"; done
  link 1 b1
  link 2 p2
  link 3 b3
  link 4 g1
  link 5 g2
  link 6 b4 3 4 5 6 7 8 9
  for i in 2 3 4 5 6 7 8 9; do ip -n "$RUN-f" addr add "10.77.6.1$i/24" dev p6; done
  link 7 p1 $(seq 10 $((10 + ncases - 1)))
  ip -n "$RUN-f" addr add 10.77.0.1/32 dev lo
  ip -n "$RUN-f" addr add fd77::1/128 dev lo

  main_frr_conf "$FRR_DIR" "$ncases" >"$FRR_DIR/bgpd.conf"
  main_bird_b1 >"$WORK/b1/bird.conf"
  main_bird_b3 >"$WORK/b3/bird.conf"
  main_bird_b4 >"$WORK/b4/bird.conf"
  gobgp_conf 65004 10.77.0.14 10.77.4.2 10.77.4.1 "$MAIN_AS" true >"$WORK/g1/gobgpd.toml"
  gobgp_conf "$MAIN_AS" 10.77.0.16 10.77.5.2 10.77.5.1 "$MAIN_AS" false >"$WORK/g2/gobgpd.toml"

  capture_start main
  for n in b1 b3 b4; do bird_start "$n"; done
  gobgp_start g1
  gobgp_start g2
  gobgp_ g1 global rib add -a ipv4 10.10.4.0/24 nexthop 10.77.4.2 origin egp med 10 community 65004:1 \
    large-community 65004:1:1 aspath "65044 {65045,65046}" rt 65004:5
  gobgp_ g1 global rib add -a ipv4 10.20.4.0/24 nexthop 10.77.4.2 origin incomplete
  gobgp_ g1 global rib add -a ipv4 10.30.0.0/24 nexthop 10.77.4.2 aggregator 65004:10.77.0.14
  gobgp_ g1 global rib add -a ipv6 2001:db8:10:4::/64 nexthop fd77:4::2 community 65004:6
  gobgp_ g1 global rib add -a ipv6 2001:db8:30::/64 nexthop fd77:4::2 med 66
  gobgp_ g2 global rib add -a ipv4 10.41.0.0/24 nexthop 10.77.5.2 local-pref 200 community 65016:1
  gobgp_ g2 global rib add -a ipv6 2001:db8:41::/64 nexthop fd77:5::2 local-pref 210

  frr_start "$FRR_DIR"
  hold_start 1
  local up="10.77.1.2 fd77:1::2 10.77.2.2 10.77.3.2 10.77.4.2 10.77.5.2 10.77.6.2 10.77.6.9 10.77.7.2"
  frr_wait $up
  sleep 6

  log "restart bgpd (graceful restart: R bit)"
  stop "$BGPD_PID"
  stop "$HOLD_PID"
  stop "$HOLD2_PID"
  sleep 2
  frr_start "$FRR_DIR"
  RESTARTED_AT=$SECONDS
  hold_start 2
  frr_wait $up
  sleep 6

  log "bulk announcements"
  {
    echo "address-family ipv4 unicast"
    for ((i = 0; i < BULK4; i++)); do echo " network 10.$((50 + i / 256)).$((i % 256)).0/24"; done
    echo "exit-address-family"
    echo "address-family ipv6 unicast"
    for ((i = 0; i < BULK6; i++)); do printf ' network 2001:db8:50:%x::/64\n' "$i"; done
    echo "exit-address-family"
  } >"$WORK/bulk-add.txt"
  mapfile -t lines <"$WORK/bulk-add.txt"
  vtyconf "${lines[@]}"
  sleep 8

  log "attribute change, single withdrawals"
  vtycfg "route-map N-EGP permit 10" "set metric 60" "exit"
  sleep 4
  vtyconf "address-family ipv4 unicast" "no network 10.60.1.0/24" "exit-address-family" \
    "address-family ipv6 unicast" "no network 2001:db8:60:1::/64" "exit-address-family"
  sleep 3
  gobgp_ g1 global rib del -a ipv4 10.30.0.0/24
  gobgp_ g1 global rib del -a ipv6 2001:db8:30::/64
  sleep 3

  log "route refresh"
  vty "clear bgp ipv4 unicast 10.77.1.2 soft in" "clear bgp ipv6 unicast fd77:1::2 soft in" \
    "clear bgp ipv4 unicast fd77:1::2 soft in" "clear bgp ipv4 unicast 10.77.2.2 soft in" \
    "clear bgp ipv6 unicast 10.77.4.2 soft in" "clear bgp ipv4 unicast 10.77.3.2 soft in"
  sleep 2
  birdc_ b1 reload in f4
  birdc_ b1 reload in f6
  birdc_ b3 reload in ibgp1
  gobgp_ g1 neighbor 10.77.4.1 softresetin
  sleep 4

  log "graceful shutdown on/off"
  vtyconf "bgp graceful-shutdown"
  sleep 5
  vtyconf "no bgp graceful-shutdown"
  sleep 5

  log "bulk withdrawals"
  sed 's/^ network/ no network/' "$WORK/bulk-add.txt" >"$WORK/bulk-del.txt"
  mapfile -t lines <"$WORK/bulk-del.txt"
  vtyconf "${lines[@]}"
  sleep 6

  # bgpd sets the R bit for the first 120 s of its life (bgp->t_startup is armed with the default
  # restart time when the instance is created): let that pass so the OPENs that follow have R=0
  log "waiting for bgpd's GR startup timer (120 s after the restart)"
  while ((SECONDS - RESTARTED_AT < 125)); do sleep 1; done

  log "probes: bgp_peer.py against FRR"
  for ((i = 0; i < ncases; i++)); do
    ip netns exec "$RUN-p1" $(peer_py) probe --local "10.77.7.$((10 + i))" --remote 10.77.7.1 \
      --asn 65006 --router-id 10.77.0.19 --case "${PROBE_CASES[$i]}" >&2 || log "probe ${PROBE_CASES[$i]} failed"
  done

  log "session teardown notifications"
  vtyconf 'neighbor 10.77.1.2 shutdown message tern vectors: maintenance, back in 10 minutes'
  vty "clear bgp fd77:1::2"
  vty "clear bgp 10.77.4.2"
  vtyconf "neighbor 10.77.5.2 capability extended-nexthop"
  vtyconf "no neighbor 10.77.3.2"
  vty "clear bgp 10.77.6.9"
  vtyconf "neighbor 10.77.6.2 shutdown"
  log "hold timer expiry: SIGSTOP the 2-octet peer"
  mine "$HOLD2_PID" && kill -STOP "$HOLD2_PID" || true
  sleep 6
  mine "$HOLD2_PID" && kill -CONT "$HOLD2_PID" || true
  sleep 3
  vty "show bgp summary"
  log "stop bgpd"
  stop "$BGPD_PID"
  capture_stop main "$(frr_addrs)"
}

# ================================================================================================
# phase "confed": FRR in sub-AS 65101 of confederation 4200000100
# ================================================================================================
#
#   link 21 c1  BIRD AS 65102, confederation member (AS_CONFED_SEQUENCE / AS_CONFED_SET from FRR)
#   link 22 c2  BIRD AS 65200, external
#   link 23 c3  GoBGP AS 65103, confederation member
#   link 24 c4  BIRD AS 65101, iBGP inside FRR's sub-AS
#   link 25 c5  bgp_peer.py AS 65005 without the 4-octet AS capability (OPEN my_as AS_TRANS)
#   link 26 c6  bgp_peer.py AS 65104, confederation member sending AS_CONFED_SET, which FRR
#               passes on (FRR's own aggregation puts confederation members into AS_SET)

CONFED_ID=4200000100

confed_frr_conf() {
  cat <<EOF
frr defaults traditional
hostname tcap-frr-confed
log stdout informational
!
route-map C-MED permit 10
 set metric 77
 set community 65101:7
exit
!
router bgp 65101
 bgp router-id 10.77.0.2
 bgp confederation identifier $CONFED_ID
 bgp confederation peers 65102 65103 65104
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.77.21.2 remote-as 65102
 neighbor 10.77.22.2 remote-as 65200
 neighbor 10.77.25.2 remote-as 65005
 neighbor 10.77.25.2 passive
 neighbor 10.77.26.2 remote-as 65104
 neighbor 10.77.26.2 passive
 neighbor 10.77.23.2 remote-as 65103
 neighbor 10.77.24.2 remote-as 65101
 address-family ipv4 unicast
  network 10.80.1.0/24
  network 10.80.9.0/24 route-map C-MED
  aggregate-address 10.81.0.0/16 as-set
  aggregate-address 10.82.0.0/16 as-set summary-only
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:80:1::/64
  neighbor 10.77.21.2 activate
  neighbor 10.77.23.2 activate
 exit-address-family
exit
EOF
}

phase_confed() {
  FRR_AS=65101
  FRR_DIR="$WORK/frr-confed"
  mkdir -p "$FRR_DIR" "$WORK"/{c1,c2,c3,c4,c5,c6}
  for n in f c1 c2 c3 c4 c5 c6; do ns_add "$n"; done
  link 21 c1
  link 22 c2
  link 23 c3
  link 24 c4
  link 25 c5
  link 26 c6
  confed_frr_conf >"$FRR_DIR/bgpd.conf"
  {
    bird_head c1 10.77.0.21
    cat <<EOF
protocol static s4 {
  ipv4;
  route 10.81.1.0/24 blackhole;
  route 10.82.1.0/24 blackhole;
  route 10.83.1.0/24 blackhole { bgp_local_pref = 150; };
}
protocol static s6 { ipv6; route 2001:db8:81:1::/64 blackhole; }
protocol bgp pconfed from T {
  local 10.77.21.2 as 65102; neighbor 10.77.21.1 as 65101;
  confederation $CONFED_ID; confederation member yes;
  ipv4 { import all; export all; };
  ipv6 { import all; export all; next hop address fd77:21::2; };
}
EOF
  } >"$WORK/c1/bird.conf"
  {
    bird_head c2 10.77.0.22
    cat <<EOF
protocol static s4 {
  ipv4;
  route 10.81.2.0/24 blackhole { bgp_path.prepend(65201); };
  route 10.82.2.0/24 blackhole;
  route 10.84.2.0/24 blackhole { bgp_med = 20; bgp_community.add((65200,2)); };
}
protocol bgp pext4 from T {
  local 10.77.22.2 as 65200; neighbor 10.77.22.1 as $CONFED_ID;
  ipv4 { import all; export all; };
}
EOF
  } >"$WORK/c2/bird.conf"
  {
    bird_head c4 10.77.0.24
    cat <<EOF
protocol static s4 { ipv4; route 10.85.4.0/24 blackhole { bgp_local_pref = 120; }; }
protocol bgp pibgp from T {
  local 10.77.24.2 as 65101; neighbor 10.77.24.1 as 65101;
  confederation $CONFED_ID; confederation member yes;
  ipv4 { import all; export all; next hop self; };
}
EOF
  } >"$WORK/c4/bird.conf"
  gobgp_conf 65103 10.77.0.23 10.77.23.2 10.77.23.1 65101 false \
    "$(printf '[global.confederation.config]\n  enabled = true\n  identifier = %s\n  member-as-list = [65101, 65102]' "$CONFED_ID")" \
    >"$WORK/c3/gobgpd.toml"

  capture_start confed
  bird_start c1
  bird_start c2
  bird_start c4
  gobgp_start c3
  ip netns exec "$RUN-c3" gobgp global rib add -a ipv4 10.81.3.0/24 nexthop 10.77.23.2 aspath 65300 >&2 || true
  ip netns exec "$RUN-c3" gobgp global rib add -a ipv4 10.82.3.0/24 nexthop 10.77.23.2 >&2 || true
  ip netns exec "$RUN-c3" gobgp global rib add -a ipv4 10.86.3.0/24 nexthop 10.77.23.2 med 5 local-pref 170 >&2 || true
  frr_start "$FRR_DIR"
  start c5 "$WORK/c5/hold.out" $(peer_py) hold --no-as4 --routes as2 --local 10.77.25.2 --remote 10.77.25.1 \
    --asn 65005 --router-id 10.77.0.25
  start c6 "$WORK/c6/hold.out" $(peer_py) hold --routes confed --local 10.77.26.2 --remote 10.77.26.1 \
    --asn 65104 --router-id 10.77.0.26
  frr_wait 10.77.21.2 10.77.22.2 10.77.23.2 10.77.24.2 10.77.25.2 10.77.26.2
  sleep 8
  vtyconf "address-family ipv4 unicast" "no network 10.80.1.0/24" "exit-address-family"
  sleep 3
  vty "clear bgp 10.77.21.2" "clear bgp 10.77.25.2"
  sleep 2
  stop "$BGPD_PID"
  capture_stop confed "$(frr_addrs)"
}

# ================================================================================================
# phase "frrpeer": a second FRR as the peer, for what only FRR understands: ORF (ROUTE-REFRESH
# with prefix-list entries) and the dynamic capability (CAPABILITY messages); also the
# multicast SAFI (2) for IPv4 and IPv6
# ================================================================================================

phase_frrpeer() {
  FRR_AS=4200000031
  FRR_DIR="$WORK/frr-subject"
  local peer_dir="$WORK/frr-peer"
  mkdir -p "$FRR_DIR" "$peer_dir"
  ns_add f
  ns_add r
  link 31 r
  cat >"$FRR_DIR/bgpd.conf" <<EOF
frr defaults traditional
hostname tcap-frr
log stdout informational
ip prefix-list ORF seq 5 permit 10.91.0.0/16 le 24
ip prefix-list ORF seq 10 deny 0.0.0.0/0 le 32
router bgp $FRR_AS
 bgp router-id 10.77.0.31
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.77.31.2 remote-as 4200000032
 neighbor 10.77.31.2 capability dynamic
 neighbor 10.77.31.2 timers connect 2
 address-family ipv4 unicast
  network 10.90.1.0/24
  neighbor 10.77.31.2 capability orf prefix-list both
  neighbor 10.77.31.2 prefix-list ORF in
 exit-address-family
 address-family ipv4 multicast
  network 10.93.1.0/24
  neighbor 10.77.31.2 activate
 exit-address-family
 address-family ipv6 multicast
  network 2001:db8:93::/64
  neighbor 10.77.31.2 activate
 exit-address-family
exit
EOF
  cat >"$peer_dir/bgpd.conf" <<EOF
frr defaults traditional
hostname tcap-frr-peer
log stdout informational
router bgp 4200000032
 bgp router-id 10.77.0.32
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.77.31.1 remote-as $FRR_AS
 neighbor 10.77.31.1 capability dynamic
 neighbor 10.77.31.1 timers connect 2
 address-family ipv4 unicast
  network 10.91.1.0/24
  network 10.92.1.0/24
  neighbor 10.77.31.1 capability orf prefix-list both
 exit-address-family
 address-family ipv4 multicast
  neighbor 10.77.31.1 activate
 exit-address-family
 address-family ipv6 multicast
  neighbor 10.77.31.1 activate
 exit-address-family
exit
EOF
  capture_start frrpeer
  # the peer FRR: its own zebra + bgpd in namespace r
  mkdir -p "$peer_dir/run"
  chown frr:frr "$peer_dir/run"
  printf 'hostname tcap-frr-peer\n' >"$peer_dir/zebra.conf"
  printf 'service integrated-vtysh-config\n' >"$peer_dir/vtysh.conf"
  chmod 644 "$peer_dir"/*.conf
  start r "$peer_dir/zebra.out" "$FRR_BIN/zebra" -f "$peer_dir/zebra.conf" -i "$peer_dir/run/zebra.pid" \
    -z "$peer_dir/run/zserv.api" --vty_socket "$peer_dir/run" -P 0
  sleep 1
  start r "$peer_dir/bgpd.out" "$FRR_BIN/bgpd" -f "$peer_dir/bgpd.conf" -i "$peer_dir/run/bgpd.pid" \
    -z "$peer_dir/run/zserv.api" --vty_socket "$peer_dir/run" -P 0
  frr_start "$FRR_DIR"
  frr_wait 10.77.31.2
  sleep 4
  log "dynamic capability: activate/deactivate ipv6"
  vtyconf "address-family ipv6 unicast" "neighbor 10.77.31.2 activate" "exit-address-family"
  sleep 3
  vtyconf "address-family ipv6 unicast" "no neighbor 10.77.31.2 activate" "exit-address-family"
  sleep 3
  # last: the peer bgpd 8.4 sometimes crashes (SIGSEGV in prefix_list_apply_ext) after an ORF
  log "ORF: clear with prefix-filter"
  vty "clear bgp ipv4 unicast 10.77.31.2 in prefix-filter"
  sleep 3
  vtyconf "address-family ipv4 unicast" "no neighbor 10.77.31.2 prefix-list ORF in" "exit-address-family"
  sleep 1
  vty "clear bgp ipv4 unicast 10.77.31.2 in prefix-filter"
  sleep 3
  stop "$BGPD_PID"
  capture_stop frrpeer "10.77.31.1,fd77:31::1"
}

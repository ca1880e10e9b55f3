#!/usr/bin/env python3
"""A deliberately simple BGP speaker used only to make FRR send particular messages.

BIRD and GoBGP cannot send malformed messages or arbitrary path attributes, so this script
plays the peer for two things (it never appears in the output: only what FRR sends is kept):

  bgp_peer.py hold  --local A --remote B --asn N --router-id X [--no-as4] [--routes SET]
      establish a session, announce routes that FRR then re-advertises to its other peers, send
      a KEEPALIVE every second until killed. SET: crafted (unknown optional transitive
      attributes, an AS_PATH longer than 255 ASNs, AS_SET, AGGREGATOR with a 4-octet AS, various
      extended communities), as2 (2-octet AS_PATH with AS_TRANS + AS4_PATH/AS4_AGGREGATOR, for
      a session without the 4-octet AS capability: use with --no-as4), confed
      (AS_CONFED_SEQUENCE / AS_CONFED_SET, for a confederation member).

  bgp_peer.py probe --local A --remote B --asn N --router-id X --case NAME
      open one connection, send one kind of bad input, wait for FRR's NOTIFICATION, close.
      `bgp_peer.py cases` lists the cases. (Inputs that FRR 8.4 handles as treat-as-withdraw
      under RFC 7606, such as a wrong first AS or a missing ORIGIN, are not probed: FRR sends
      nothing for them.)
"""

import argparse
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(mtype, body, length=None, marker=MARKER):
    ln = 19 + len(body) if length is None else length
    return marker + struct.pack("!HB", ln, mtype) + body


def cap(code, value=b""):
    return struct.pack("!BB", code, len(value)) + value


def open_body(asn, router_id, hold=90, version=4, caps=None, extra_params=b""):
    if caps is None:
        caps = (cap(1, struct.pack("!HBB", 1, 0, 1)) + cap(2) +
                cap(65, struct.pack("!I", asn)))
    params = (struct.pack("!BB", 2, len(caps)) + caps if caps else b"") + extra_params
    my_as = asn if asn < 65536 else 23456
    return struct.pack("!BHH4sB", version, my_as, hold, socket.inet_aton(router_id), len(params)) + params


def attr(flags, code, value):
    if len(value) > 255:
        flags |= 0x10
    if flags & 0x10:
        return struct.pack("!BBH", flags, code, len(value)) + value
    return struct.pack("!BBB", flags, code, len(value)) + value


def seg(stype, asns):
    return struct.pack("!BB", stype, len(asns)) + b"".join(struct.pack("!I", a) for a in asns)


def seg2(stype, asns):
    return struct.pack("!BB", stype, len(asns)) + b"".join(struct.pack("!H", a) for a in asns)


def prefix(p):
    addr, plen = p.split("/")
    plen = int(plen)
    return bytes([plen]) + socket.inet_aton(addr)[:(plen + 7) // 8]


def update(attrs, nlri=(), withdrawn=()):
    w = b"".join(prefix(p) for p in withdrawn)
    a = b"".join(attrs)
    n = b"".join(prefix(p) for p in nlri)
    return msg(2, struct.pack("!H", len(w)) + w + struct.pack("!H", len(a)) + a + n)


def origin(v=0):
    return attr(0x40, 1, bytes([v]))


def nexthop(ip):
    return attr(0x40, 3, socket.inet_aton(ip))


def aspath(*segments):
    return attr(0x40, 2, b"".join(segments))


class Peer:
    def __init__(self, args):
        self.args = args
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.bind((args.local, 0))
        self.sock.settimeout(20)
        self.buf = b""

    def connect(self):
        self.sock.connect((self.args.remote, 179))

    def send(self, data):
        self.sock.sendall(data)

    def recv_msg(self, timeout=10):
        """Return (type, body) or None on timeout / close."""
        deadline = time.time() + timeout
        while True:
            if len(self.buf) >= 19:
                ln = struct.unpack("!H", self.buf[16:18])[0]
                if len(self.buf) >= ln:
                    m, self.buf = self.buf[:ln], self.buf[ln:]
                    return m[18], m[19:]
            left = deadline - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except (socket.timeout, ConnectionResetError):
                return None
            if not data:
                return None
            self.buf += data

    def wait_for(self, mtype, timeout=10):
        while True:
            m = self.recv_msg(timeout)
            if m is None:
                return None
            if m[0] == mtype or m[0] == 3:
                return m

    def establish(self, hold=90):
        self.connect()
        self.wait_for(1)
        caps = None
        if getattr(self.args, "no_as4", False):
            caps = cap(1, struct.pack("!HBB", 1, 0, 1)) + cap(2)
        self.send(msg(1, open_body(self.args.asn, self.args.router_id, hold=hold, caps=caps)))
        self.send(msg(4, b""))
        return self.wait_for(4)

    def drain_until_notification(self, timeout=15):
        while True:
            m = self.recv_msg(timeout)
            if m is None or m[0] == 3:
                return m


def held_routes(args):
    me = args.asn
    nh = args.local
    long_path = [me] + [4200001000 + i for i in range(1, 300)]  # 300 ASNs: two segments
    ext = b"".join([
        struct.pack("!BBHI", 0x00, 0x02, 65006, 700),                  # RT 2-octet AS
        struct.pack("!BB4sH", 0x01, 0x02, socket.inet_aton("10.77.0.70"), 7),  # RT IPv4
        struct.pack("!BBIH", 0x02, 0x02, 4200000070, 9),               # RT 4-octet AS
        struct.pack("!BBHI", 0x00, 0x03, 65006, 12),                   # SoO 2-octet AS
        struct.pack("!BBIH", 0x03, 0x0c, 0, 8),                        # encapsulation: VXLAN
        struct.pack("!BBHf", 0x40, 0x04, 65006, 125000000.0),          # link bandwidth (non-trans.)
    ])
    return [
        update([origin(0), aspath(seg(2, [me, 4200000070]), seg(1, [64512, 64513])), nexthop(nh),
                attr(0x80, 4, struct.pack("!I", 5)),
                attr(0xC0, 8, struct.pack("!HH", me, 1) + struct.pack("!HH", 0xFFFF, 0xFF04)),
                attr(0xC0, 32, struct.pack("!III", me, 7, 7)),
                attr(0xC0, 240, bytes.fromhex("deadbeef"))],
               ["10.70.1.0/24"]),
        update([origin(0), aspath(seg(2, [me, 4200000070])), nexthop(nh),
                attr(0x40, 6, b""), attr(0xC0, 7, struct.pack("!I4s", 4200000070, socket.inet_aton("10.77.0.70"))),
                attr(0xC0, 16, ext),
                attr(0xD0, 241, bytes(range(1, 9)))],
               ["10.70.2.0/24"]),
        update([origin(1), aspath(seg(2, long_path[:255]), seg(2, long_path[255:])), nexthop(nh)],
               ["10.70.3.0/24"]),
        update([origin(2), aspath(seg(2, [me, 4200000070, 65070])), nexthop(nh),
                attr(0xC0, 8, struct.pack("!HH", me, 77))],
               ["10.10.7.0/24", "10.30.0.0/24", "10.20.7.0/24"]),
        update([origin(0), aspath(seg(2, [me]), seg(1, [4200000071, 4200000072])), nexthop(nh),
                attr(0xE0, 240, b"\x01\x02")],
               ["10.70.4.0/24", "10.70.5.0/24"]),
    ]


def held_routes_as2(args):
    """Routes of a peer without the 4-octet AS capability: 2-octet AS_PATH + AS4_PATH."""
    me, nh = args.asn, args.local
    return [
        update([origin(0), aspath(seg2(2, [me, 23456])), nexthop(nh),
                attr(0xC0, 17, seg(2, [me, 4200000055]))], ["10.10.5.0/24"]),
        update([origin(0), aspath(seg2(2, [me, 65050])), nexthop(nh), attr(0x80, 4, struct.pack("!I", 30))],
               ["10.30.0.0/24"]),
        update([origin(0), aspath(seg2(2, [me, 23456]), seg2(1, [64600, 23456])), nexthop(nh),
                attr(0x40, 6, b""), attr(0xC0, 7, struct.pack("!H4s", 23456, socket.inet_aton("10.77.0.55"))),
                attr(0xC0, 17, seg(2, [me, 4200000055]) + seg(1, [64600, 4200000056])),
                attr(0xC0, 18, struct.pack("!I4s", 4200000055, socket.inet_aton("10.77.0.55")))],
               ["10.70.9.0/24"]),
    ]


def held_routes_confed(args):
    """Routes of a confederation member: AS_CONFED_SEQUENCE and AS_CONFED_SET segments."""
    me, nh = args.asn, args.local
    lp = attr(0x40, 5, struct.pack("!I", 140))
    return [
        update([origin(0), aspath(seg(3, [me]), seg(4, [65105, 65106]), seg(2, [65400])), nexthop(nh),
                attr(0x80, 4, struct.pack("!I", 9)), lp], ["10.87.1.0/24"]),
        update([origin(0), aspath(seg(3, [me]), seg(2, [65400, 65401])), nexthop(nh), lp],
               ["10.87.2.0/24", "10.81.7.0/24"]),
    ]


ROUTE_SETS = {"crafted": held_routes, "as2": held_routes_as2, "confed": held_routes_confed}


def run_hold(args):
    p = Peer(args)
    # FRR may still be starting: retry the connection for a while
    for _ in range(60):
        try:
            got = p.establish(args.hold)
            break
        except OSError:
            p.sock.close()
            time.sleep(1)
            p = Peer(args)
    else:
        sys.exit("could not connect")
    if got is None or got[0] != 4:
        sys.exit(f"session not established: {got}")
    for u in ROUTE_SETS[args.routes](args):
        p.send(u)
    p.send(update([]))  # End-of-RIB
    p.sock.settimeout(1)
    last = time.time()
    while True:
        try:
            data = p.sock.recv(65536)
            if not data:
                return
        except socket.timeout:
            pass
        if time.time() - last >= 1:  # FRR may use a 3 s hold time (timers 1 3)
            p.send(msg(4, b""))
            last = time.time()


# --- probes -------------------------------------------------------------------------------------

def probe_open(body_fn):
    def run(p, a):
        p.connect()
        p.wait_for(1)
        p.send(body_fn(a))
        return p.drain_until_notification()
    return run


def probe_established(send_fn, hold=90):
    def run(p, a):
        got = p.establish(hold)
        if got is None or got[0] != 4:
            return got
        time.sleep(0.5)
        send_fn(p, a)
        return p.drain_until_notification()
    return run


def ok_update(a, nlri=("10.71.0.0/24",)):
    return [origin(0), aspath(seg(2, [a.asn])), nexthop(a.local)], list(nlri)


CASES = {
    "bad-version": probe_open(lambda a: msg(1, open_body(a.asn, a.router_id, version=5))),
    "bad-peer-as": probe_open(lambda a: msg(1, open_body(65099, a.router_id))),
    "bad-as4-peer-as": probe_open(lambda a: msg(1, open_body(4200000099, a.router_id))),
    "bad-hold-time": probe_open(lambda a: msg(1, open_body(a.asn, a.router_id, hold=2))),
    "bad-bgp-id": probe_open(lambda a: msg(1, open_body(a.asn, "0.0.0.0"))),
    "bad-opt-param": probe_open(lambda a: msg(1, open_body(a.asn, a.router_id,
                                                           extra_params=b"\x01\x02\x00\x00"))),
    "bad-marker": probe_open(lambda a: msg(1, open_body(a.asn, a.router_id), marker=b"\x00" * 16)),
    "bad-length": probe_open(lambda a: msg(1, open_body(a.asn, a.router_id), length=5000)
                             + b"\0" * 4000),
    "short-open": probe_open(lambda a: msg(1, open_body(a.asn, a.router_id)[:5])),
    "keepalive-long": probe_established(lambda p, a: p.send(msg(4, b"\0"))),
    "bad-type": probe_established(lambda p, a: p.send(msg(42, b""))),
    "update-in-opensent": probe_open(lambda a: update(*ok_update(a))),
    "keepalive-in-opensent": probe_open(lambda a: msg(4, b"")),
    "update-in-openconfirm": probe_open(lambda a: msg(1, open_body(a.asn, a.router_id)) + update(*ok_update(a))),
    "attr-length-overrun": probe_established(lambda p, a: p.send(
        msg(2, b"\x00\x00\x00\x07" + b"\x40\x01\x09\x00" + b"\x40\x02\x00"))),
    "duplicate-attr": probe_established(lambda p, a: p.send(
        update([origin(0), origin(0), aspath(seg(2, [a.asn])), nexthop(a.local)], ["10.71.1.0/24"]))),
    "unknown-well-known": probe_established(lambda p, a: p.send(
        update(ok_update(a)[0] + [attr(0x40, 99, b"\x01\x02\x03")], ["10.71.2.0/24"]))),
    "bad-nlri-length": probe_established(lambda p, a: p.send(
        msg(2, b"\x00\x00" + struct.pack("!H", len(b"".join(ok_update(a)[0]))) + b"".join(ok_update(a)[0])
            + b"\x28\x0a\x47\x04\x00\x00\x00"))),
    "origin-flags": probe_established(lambda p, a: p.send(
        update([attr(0xC0, 1, b"\x00"), aspath(seg(2, [a.asn])), nexthop(a.local)], ["10.71.5.0/24"]))),
    "mp-reach-bad": probe_established(lambda p, a: p.send(
        update([origin(0), aspath(seg(2, [a.asn])),
                attr(0x80, 14, b"\x00\x02\x01\x20" + b"\x00" * 8)], []))),
    "as-path-bad-segment": probe_established(lambda p, a: p.send(
        update([origin(0), attr(0x40, 2, b"\x07\x01" + struct.pack("!I", a.asn)), nexthop(a.local)],
               ["10.71.8.0/24"]))),
    "route-refresh-bad-length": probe_established(lambda p, a: p.send(msg(5, b"\x00\x01\x00\x01\x00"))),
    "hold-timer-expiry": probe_established(lambda p, a: time.sleep(6), hold=3),
    "max-prefix": probe_established(lambda p, a: p.send(
        update(ok_update(a)[0], [f"10.72.{i}.0/24" for i in range(8)]))),
}


def run_probe(args):
    p = Peer(args)
    try:
        got = CASES[args.case](p, args)
    except OSError as e:
        got = f"socket error {e}"
    print(f"{args.case}: {'NOTIFICATION ' + got[1][:2].hex() if isinstance(got, tuple) and got[0] == 3 else got}")
    p.sock.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["hold", "probe", "cases"])
    ap.add_argument("--local")
    ap.add_argument("--remote")
    ap.add_argument("--asn", type=int)
    ap.add_argument("--router-id")
    ap.add_argument("--hold", type=int, default=90)
    ap.add_argument("--case")
    ap.add_argument("--no-as4", action="store_true", help="hold: do not offer the 4-octet AS capability")
    ap.add_argument("--routes", choices=sorted(ROUTE_SETS), default="crafted", help="hold: what to announce")
    args = ap.parse_args()
    if args.mode == "cases":
        print("\n".join(CASES))
    elif args.mode == "hold":
        run_hold(args)
    else:
        run_probe(args)


if __name__ == "__main__":
    main()

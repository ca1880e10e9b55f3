#!/usr/bin/env python3
"""Turn tcpdump captures of BGP sessions into test vectors.

Offline tool, run by capture.sh (see README.md next to it). Standard library only.

  bgp_vectors.py build  --manifest M --out FILE [--source frr] [--id-prefix f]
  bgp_vectors.py verify FILE

`build` reads a manifest (one line per capture: "<scenario>\t<pcap>\t<addr>,<addr>,..." where the
addresses are those of the implementation under test), then:

1. parses each pcap (Ethernet, Linux cooked v1/v2), reassembles every TCP connection per direction
   from the sequence numbers (retransmissions and overlaps are dropped, a new SYN starts a new
   connection), and splits each direction into BGP messages using the header length field;
2. works out what the two OPENs of each connection negotiated (`session`);
3. keeps the messages sent from one of the listed addresses, deduplicated on (hex, session);
4. decodes every kept message with tshark: each message is written to a synthetic pcap as its own
   TCP stream (split into 1400-byte segments, so tshark reassembles it like on the wire) and
   `tshark -T json --no-duplicate-keys` is run once per ASN width (bgp.asn_len is set to 4 octets
   when both OPENs carried the 4-octet AS capability, 2 octets when both OPENs were seen without
   it, auto-detect otherwise);
5. normalises tshark's tree into the schema of /work/shared/vectors/messages.jsonl and writes one
   JSON object per line, ids <prefix>00001... in capture order.

Raw bytes are used only for what tshark does not expose as a field (capability `value`,
MP_REACH `next_hop_raw`, NOTIFICATION `data` when tshark has no data field); every decoded field
is cross-checked against the raw message and a mismatch aborts the build.
"""

import argparse
import collections
import ipaddress
import json
import os
import struct
import subprocess
import sys
import tempfile

TYPE_NAMES = {1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "ROUTE-REFRESH",
              6: "CAPABILITY"}

CAP_NAMES = {
    1: "multiprotocol", 2: "route-refresh", 3: "outbound-route-filtering",
    5: "extended-next-hop", 6: "extended-message", 9: "bgp-role",
    64: "graceful-restart", 65: "four-octet-as", 66: "dynamic-capability-old",
    67: "dynamic-capability", 69: "add-path", 70: "enhanced-route-refresh",
    71: "long-lived-graceful-restart", 73: "fqdn", 75: "software-version",
    128: "route-refresh-cisco", 130: "outbound-route-filtering-cisco",
}

ATTR_NAMES = {
    1: "ORIGIN", 2: "AS_PATH", 3: "NEXT_HOP", 4: "MULTI_EXIT_DISC", 5: "LOCAL_PREF",
    6: "ATOMIC_AGGREGATE", 7: "AGGREGATOR", 8: "COMMUNITIES", 9: "ORIGINATOR_ID",
    10: "CLUSTER_LIST", 14: "MP_REACH_NLRI", 15: "MP_UNREACH_NLRI", 16: "EXTENDED_COMMUNITIES",
    17: "AS4_PATH", 18: "AS4_AGGREGATOR", 22: "PMSI_TUNNEL", 23: "TUNNEL_ENCAPSULATION",
    25: "IPV6_ADDRESS_SPECIFIC_EXTENDED_COMMUNITY", 26: "AIGP", 29: "BGP_LS", 32: "LARGE_COMMUNITY",
    33: "BGPSEC_PATH", 35: "OTC", 40: "PREFIX_SID", 128: "ATTR_SET",
}

ORIGIN_NAMES = {0: "IGP", 1: "EGP", 2: "INCOMPLETE"}
SEGMENT_NAMES = {1: "AS_SET", 2: "AS_SEQUENCE", 3: "AS_CONFED_SEQUENCE", 4: "AS_CONFED_SET"}
RAW_DATA_NOTE = "raw bytes (tshark shows no generic data field for this code/subcode)"
TSHARK_DATA_NOTE = "tshark bgp.notify.minor_data"


class BuildError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# pcap reading and TCP reassembly

def read_pcap(path):
    """Yield (ts, linktype, frame bytes) for a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise BuildError(f"{path}: not a classic pcap file (use tcpdump -w)")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        frame = data[off:off + incl]
        off += incl
        yield sec + frac / (1e9 if nano else 1e6), linktype, frame


def l3_of(linktype, frame):
    """Return (ethertype, payload) of a frame, or None."""
    if linktype == 1:  # Ethernet
        if len(frame) < 14:
            return None
        etype = struct.unpack("!H", frame[12:14])[0]
        off = 14
        while etype in (0x8100, 0x88A8) and len(frame) >= off + 4:
            etype = struct.unpack("!H", frame[off + 2:off + 4])[0]
            off += 4
        return etype, frame[off:]
    if linktype == 113:  # Linux cooked v1
        return struct.unpack("!H", frame[14:16])[0], frame[16:]
    if linktype == 276:  # Linux cooked v2
        return struct.unpack("!H", frame[0:2])[0], frame[20:]
    if linktype == 101:  # raw IP
        return (0x0800 if frame[0] >> 4 == 4 else 0x86DD), frame
    raise BuildError(f"unsupported pcap link type {linktype}")


def tcp_segments(path):
    """Yield (ts, src, sport, dst, dport, seq, flags, payload)."""
    for ts, lt, frame in read_pcap(path):
        got = l3_of(lt, frame)
        if not got:
            continue
        etype, pkt = got
        if etype == 0x0800 and len(pkt) >= 20:
            ihl = (pkt[0] & 15) * 4
            total = struct.unpack("!H", pkt[2:4])[0]
            if pkt[9] != 6:
                continue
            src = str(ipaddress.IPv4Address(pkt[12:16]))
            dst = str(ipaddress.IPv4Address(pkt[16:20]))
            seg = pkt[ihl:total]
        elif etype == 0x86DD and len(pkt) >= 40:
            plen = struct.unpack("!H", pkt[4:6])[0]
            if pkt[6] != 6:  # no extension headers expected on these links
                continue
            src = str(ipaddress.IPv6Address(pkt[8:24]))
            dst = str(ipaddress.IPv6Address(pkt[24:40]))
            seg = pkt[40:40 + plen]
        else:
            continue
        if len(seg) < 20:
            continue
        sport, dport, seq = struct.unpack("!HHI", seg[0:8])
        doff = (seg[12] >> 4) * 4
        flags = seg[13]
        yield ts, src, sport, dst, dport, seq, flags, seg[doff:]


class Direction:
    def __init__(self):
        self.isn = None
        self.chunks = []  # (ts, seq, payload)

    def stream(self):
        """Return list of (ts, offset, bytes) contiguous pieces starting at offset 0."""
        if not self.chunks:
            return []
        base = (self.isn + 1) if self.isn is not None else min(c[1] for c in self.chunks)
        pieces = []
        for ts, seq, payload in self.chunks:
            rel = (seq - base) & 0xFFFFFFFF
            if rel > 0x7FFFFFFF:
                continue
            pieces.append((rel, ts, payload))
        pieces.sort(key=lambda p: (p[0], p[1]))
        out, pos = [], 0
        for rel, ts, payload in pieces:
            end = rel + len(payload)
            if end <= pos:
                continue  # retransmission
            if rel > pos:
                break  # gap: stop here
            out.append((ts, pos, payload[pos - rel:]))
            pos = end
        return out


class Connection:
    def __init__(self, a, b, first_ts):
        self.ends = (a, b)  # (addr, port) tuples; a is the side that sent the first packet
        self.first_ts = first_ts
        self.dirs = {a: Direction(), b: Direction()}


def connections(path):
    conns, current = [], {}
    for ts, src, sport, dst, dport, seq, flags, payload in tcp_segments(path):
        a, b = (src, sport), (dst, dport)
        key = frozenset((a, b))
        syn, ack = flags & 0x02, flags & 0x10
        conn = current.get(key)
        if syn and not ack:
            if conn is None or conn.dirs[a].isn not in (None, seq):
                conn = Connection(a, b, ts)
                current[key] = conn
                conns.append(conn)
        if conn is None:
            conn = Connection(a, b, ts)
            current[key] = conn
            conns.append(conn)
        d = conn.dirs[a]
        if syn:
            d.isn = seq
        elif payload:
            d.chunks.append((ts, seq, payload))
    return conns


def split_messages(direction):
    """Return list of (ts, bytes) BGP messages, ts = time of the segment completing each."""
    pieces = direction.stream()
    buf = bytearray()
    ends = []  # (stream offset after piece, ts)
    for ts, off, data in pieces:
        buf += data
        ends.append((off + len(data), ts))
    msgs, pos, ei = [], 0, 0
    while pos + 19 <= len(buf):
        if buf[pos:pos + 16] != b"\xff" * 16:
            break
        length = struct.unpack("!H", buf[pos + 16:pos + 18])[0]
        if length < 19 or pos + length > len(buf):
            break
        end = pos + length
        while ei < len(ends) and ends[ei][0] < end:
            ei += 1
        ts = ends[ei][1] if ei < len(ends) else ends[-1][1]
        msgs.append((ts, bytes(buf[pos:end])))
        pos = end
    return msgs


# ---------------------------------------------------------------------------------------------
# raw OPEN parsing (for capability values and session negotiation)

def open_capabilities(msg):
    """Return [(code, value bytes)] in wire order, handling RFC 9072 extended opt params."""
    body = msg[19:]
    if len(body) < 10:
        return []
    opt_len = body[9]
    params = body[10:10 + opt_len]
    ext = False
    if opt_len == 255 and len(body) >= 13 and body[10] == 255:
        ext = True
        opt_len = struct.unpack("!H", body[11:13])[0]
        params = body[13:13 + opt_len]
    caps, i = [], 0
    while i < len(params):
        ptype = params[i]
        if ext:
            plen = struct.unpack("!H", params[i + 1:i + 3])[0]
            pval = params[i + 3:i + 3 + plen]
            i += 3 + plen
        else:
            plen = params[i + 1]
            pval = params[i + 2:i + 2 + plen]
            i += 2 + plen
        if ptype != 2:
            continue
        j = 0
        while j + 2 <= len(pval):
            code, clen = pval[j], pval[j + 1]
            caps.append((code, bytes(pval[j + 2:j + 2 + clen])))
            j += 2 + clen
    return caps


def afi_safi_key(afi, safi):
    return f"{afi}/{safi}"


def sort_afs(afs):
    return sorted(afs, key=lambda s: tuple(int(x) for x in s.split("/")))


def negotiate(sender_open, peer_open):
    empty = {"both_opens_seen": False, "as4": False, "addpath_tx": [], "afs": [],
             "extended_nexthop": False, "extended_message": False}
    if sender_open is None or peer_open is None:
        return empty
    s, p = open_capabilities(sender_open), open_capabilities(peer_open)

    def codes(caps):
        return {c for c, _ in caps}

    def mp(caps):
        return {afi_safi_key(*struct.unpack("!HxB", v[:4])) for c, v in caps if c == 1 and len(v) >= 4}

    def addpath(caps):
        out = {}
        for c, v in caps:
            if c != 69:
                continue
            for k in range(0, len(v) - 3, 4):
                afi, safi, sr = struct.unpack("!HBB", v[k:k + 4])
                out[afi_safi_key(afi, safi)] = sr
        return out

    def enh(caps):
        out = set()
        for c, v in caps:
            if c != 5:
                continue
            for k in range(0, len(v) - 5, 6):
                out.add(struct.unpack("!HHH", v[k:k + 6]))
        return out

    smp, pmp = mp(s), mp(p)
    if not smp and not pmp:
        afs = ["1/1"]
    else:
        afs = sort_afs((smp or {"1/1"}) & (pmp or {"1/1"}))
    sap, pap = addpath(s), addpath(p)
    tx = [k for k in afs if sap.get(k, 0) & 2 and pap.get(k, 0) & 1]
    return {
        "both_opens_seen": True,
        "as4": 65 in codes(s) and 65 in codes(p),
        "addpath_tx": sort_afs(tx),
        "afs": afs,
        "extended_nexthop": bool(enh(s) & enh(p)),
        "extended_message": 6 in codes(s) and 6 in codes(p),
    }


# ---------------------------------------------------------------------------------------------
# extraction

def extract(manifest):
    """Return list of dicts {ts, scenario, hex, session} for messages sent by the subject."""
    out = []
    with open(manifest) as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for scenario, pcap, addrs in rows:
        subject = {str(ipaddress.ip_address(a)) for a in addrs.split(",") if a}
        for conn in connections(pcap):
            a, b = conn.ends
            msgs = {end: split_messages(conn.dirs[end]) for end in (a, b)}
            opens = {end: next((m for _, m in msgs[end] if m[18] == 1), None) for end in (a, b)}
            for end, other in ((a, b), (b, a)):
                if end[0] not in subject:
                    continue
                sess = negotiate(opens[end], opens[other])
                for ts, m in msgs[end]:
                    out.append({"ts": ts, "scenario": scenario, "hex": m.hex(), "session": sess,
                                "conn": f"{end[0]}:{end[1]}->{other[0]}:{other[1]}"})
    out.sort(key=lambda r: r["ts"])
    return out


# ---------------------------------------------------------------------------------------------
# synthetic pcap + tshark

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def synth_pcap(path, messages):
    """One TCP stream per message: 10.0.x.y:port -> 10.255.0.1:179, seq from 1."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        t = 0
        for idx, raw in enumerate(messages):
            src = bytes([10, 1 + idx // 60000 // 250, 1 + (idx // 60000) % 250, 1])
            dst = bytes([10, 255, 0, 1])
            sport = 1024 + idx % 60000
            seq = 1000
            for off in range(0, len(raw), 1400):
                payload = raw[off:off + 1400]
                tcp = struct.pack("!HHIIBBHHH", sport, 179, seq, 1, 5 << 4, 0x18, 65535, 0, 0)
                pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
                csum = checksum(pseudo + tcp + payload)
                tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
                ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), idx & 0xFFFF,
                                 0x4000, 64, 6, 0, src, dst)
                ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
                eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
                frame = eth + ip + tcp + payload
                t += 1
                f.write(struct.pack("<IIII", t // 1000, (t % 1000) * 1000, len(frame), len(frame)))
                f.write(frame)
                seq += len(payload)


def tshark_decode(messages, asn_len, workdir):
    """Return list (same order as messages) of tshark's `bgp` layer dicts."""
    if not messages:
        return []
    pcap = os.path.join(workdir, f"synth-{asn_len.replace(' ', '')}.pcap")
    synth_pcap(pcap, messages)
    cmd = ["tshark", "-r", pcap, "-n", "-o", f"bgp.asn_len:{asn_len}",
           "-o", "tcp.desegment_tcp_streams:TRUE", "-o", "bgp.desegment:TRUE",
           "-Y", "bgp", "-T", "json", "--no-duplicate-keys", "-J", "ip tcp bgp"]
    res = subprocess.run(cmd, capture_output=True, check=False)
    if res.returncode != 0:
        raise BuildError(f"tshark failed: {res.stderr.decode(errors='replace')}")
    packets = json.loads(res.stdout)
    by_idx = {}
    for p in packets:
        layers = p["_source"]["layers"]
        ip_src = layers["ip"]["ip.src"]
        a = [int(x) for x in ip_src.split(".")]
        block = ((a[1] - 1) * 250 + (a[2] - 1))
        idx = block * 60000 + int(layers["tcp"]["tcp.srcport"]) - 1024
        bgp = layers["bgp"]
        if isinstance(bgp, list):
            raise BuildError(f"message {idx}: tshark saw {len(bgp)} BGP messages in one stream")
        if idx in by_idx:
            raise BuildError(f"message {idx}: decoded twice")
        by_idx[idx] = bgp
    missing = [i for i in range(len(messages)) if i not in by_idx]
    if missing:
        raise BuildError(f"tshark did not decode messages {missing[:10]}")
    return [by_idx[i] for i in range(len(messages))]


# ---------------------------------------------------------------------------------------------
# normalisation helpers

def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def walk(node):
    """Yield (key, value) for every key in a tshark json tree, depth first, in order."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def experts(node):
    out = []
    for k, v in walk(node):
        if k == "_ws.expert":
            for e in as_list(v):
                msg = e.get("_ws.expert.message")
                if msg is not None:
                    out.append(msg)
    return out


def find_all(node, key):
    return [v for k, v in walk(node) if k == key]


def find_one(node, key, default=None):
    vals = find_all(node, key)
    return vals[0] if vals else default


def to_int(s):
    if isinstance(s, int):
        return s
    s = str(s)
    return int(s, 16) if s.lower().startswith("0x") else int(s)


def tbool(s):
    return str(s) in ("1", "True", "true")


def check(cond, what):
    if not cond:
        raise BuildError(what)


def prefix_entries(tree, addr_keys, ctx):
    """tshark prefix subtrees ({"10.0.0.0/24 PathId 1 ": {...}}) -> [{prefix, path_id?}]."""
    out = []
    if tree is None:
        return out
    for label, sub in tree.items():
        for s in as_list(sub):
            if not isinstance(s, dict):
                continue
            addr = None
            for k in addr_keys:
                if k in s:
                    addr = s[k]
                    break
            plen = s.get("bgp.prefix_length")
            check(addr is not None and plen is not None, f"{ctx}: cannot read prefix {label!r}: {s}")
            e = {"prefix": f"{addr}/{int(plen)}"}
            if "bgp.nlri_path_id" in s:
                e["path_id"] = int(s["bgp.nlri_path_id"])
            out.append(e)
    return out


def raw_prefixes(data, afi, addpath):
    """Parse raw NLRI bytes; used only to cross-check tshark."""
    out, i = [], 0
    size = 4 if afi == 1 else 16
    while i < len(data):
        pid = None
        if addpath:
            pid = struct.unpack("!I", data[i:i + 4])[0]
            i += 4
        plen = data[i]
        n = (plen + 7) // 8
        addr = data[i + 1:i + 1 + n] + b"\0" * (size - n)
        i += 1 + n
        ip = ipaddress.ip_address(addr)
        e = {"prefix": f"{ip}/{plen}"}
        if pid is not None:
            e["path_id"] = pid
        out.append(e)
    return out


def raw_attrs(body):
    """Parse UPDATE body -> (withdrawn bytes, [(flags, code, value)], nlri bytes)."""
    wlen = struct.unpack("!H", body[0:2])[0]
    withdrawn = body[2:2 + wlen]
    alen = struct.unpack("!H", body[2 + wlen:4 + wlen])[0]
    attrs_b = body[4 + wlen:4 + wlen + alen]
    nlri = body[4 + wlen + alen:]
    attrs, i = [], 0
    while i < len(attrs_b):
        flags, code = attrs_b[i], attrs_b[i + 1]
        if flags & 0x10:
            ln = struct.unpack("!H", attrs_b[i + 2:i + 4])[0]
            hdr = 4
        else:
            ln = attrs_b[i + 2]
            hdr = 3
        attrs.append((flags, code, attrs_b[i + hdr:i + hdr + ln]))
        i += hdr + ln
    return withdrawn, attrs, nlri


# ---------------------------------------------------------------------------------------------
# per message type

def norm_open(bgp, raw, ctx):
    d = {
        "type": 1, "length": int(bgp["bgp.length"]),
        "version": int(bgp["bgp.open.version"]),
        "my_as": int(bgp["bgp.open.myas"]),
        "hold_time": int(bgp["bgp.open.holdtime"]),
        "bgp_id": bgp["bgp.open.identifier"],
        "opt_params_length": int(bgp["bgp.open.opt.len"]),
    }
    if "bgp.open.opt.extended.len" in bgp:
        d["extended_opt_params_length"] = int(bgp["bgp.open.opt.extended.len"])
    tcaps = find_all(bgp.get("bgp.open.opt", {}), "bgp.cap")
    tcaps = [c for group in tcaps for c in as_list(group)]
    rcaps = open_capabilities(raw)
    check(len(tcaps) == len(rcaps), f"{ctx}: tshark shows {len(tcaps)} capabilities, raw has {len(rcaps)}")
    caps = []
    for t, (code, value) in zip(tcaps, rcaps):
        check(int(t["bgp.cap.type"]) == code, f"{ctx}: capability order differs")
        check(int(t["bgp.cap.length"]) == len(value), f"{ctx}: capability length differs")
        c = {"code": code, "name": CAP_NAMES.get(code, "unknown"), "length": len(value)}
        if code == 1:
            c["afi"] = int(t["bgp.cap.mp.afi"])
            c["safi"] = int(t["bgp.cap.mp.safi"])
        elif code == 64:
            timers = t.get("bgp.cap.gr.timers_tree", {})
            c["restart_state"] = tbool(timers.get("bgp.cap.gr.timers.restart_flag"))
            c["notification"] = tbool(timers.get("bgp.cap.gr.timers.notification_flag"))
            c["restart_time"] = int(timers.get("bgp.cap.gr.timers.restart_time"))
            afis, safis = as_list(t.get("bgp.cap.gr.afi")), as_list(t.get("bgp.cap.gr.safi"))
            flags = as_list(t.get("bgp.cap.gr.flag"))
            ftrees = as_list(t.get("bgp.cap.gr.flag_tree"))
            c["afs"] = [{"afi": int(a), "safi": int(s), "flags": to_int(fl),
                         "forwarding_state": tbool(ft.get("bgp.cap.gr.flag.pfs"))}
                        for a, s, fl, ft in zip(afis, safis, flags, ftrees)]
            check(len(c["afs"]) == (len(value) - 2) // 4, f"{ctx}: GR afs")
        elif code == 65:
            c["asn"] = int(t["bgp.cap.4as"])
        elif code == 69:
            c["afs"] = [{"afi": int(a), "safi": int(s), "send_receive": int(sr)}
                        for a, s, sr in zip(as_list(t.get("bgp.cap.ap.afi")),
                                            as_list(t.get("bgp.cap.ap.safi")),
                                            as_list(t.get("bgp.cap.ap.sendreceive")))]
            check(len(c["afs"]) == len(value) // 4, f"{ctx}: add-path afs")
        elif code == 5:
            c["entries"] = [{"afi": int(a), "safi": int(s), "nexthop_afi": int(n)}
                            for a, s, n in zip(as_list(t.get("bgp.cap.enh.afi")),
                                               as_list(t.get("bgp.cap.enh.safi")),
                                               as_list(t.get("bgp.cap.enh.nextafi")))]
            check(len(c["entries"]) == len(value) // 6, f"{ctx}: extended next hop entries {t}")
        elif code == 73:
            c["hostname"] = t.get("bgp.cap.orf.fqdn.hostname", "")
            c["domain"] = t.get("bgp.cap.orf.fqdn.domain_name", "")
        elif code in (3, 130) and "bgp.cap.orf.afi" in t:
            c["afi"] = int(t["bgp.cap.orf.afi"])
            c["safi"] = int(t["bgp.cap.orf.safi"])
            c["orfs"] = [{"type": int(ty), "send_receive": int(sr)}
                         for ty, sr in zip(as_list(t.get("bgp.cap.orf.type")),
                                           as_list(t.get("bgp.cap.orf.sendreceive")))]
        c["value"] = value.hex()
        caps.append(c)
    d["capabilities"] = caps
    ex = experts(bgp)
    if ex:
        d["tshark_expert"] = ex
    return d


ATTR_COMMON = {"bgp.update.path_attribute.flags", "bgp.update.path_attribute.flags_tree",
               "bgp.update.path_attribute.type_code", "bgp.update.path_attribute.length"}


def segments_of(t, ctx):
    segs = []
    for seg in as_list(t.get("bgp.update.path_attribute.as_path_segment")):
        st = int(seg["bgp.update.path_attribute.as_path_segment.type"])
        count = int(seg["bgp.update.path_attribute.as_path_segment.length"])
        if "bgp.update.path_attribute.as_path_segment.as4" in seg:
            asns, width = seg["bgp.update.path_attribute.as_path_segment.as4"], 4
        else:
            asns, width = seg.get("bgp.update.path_attribute.as_path_segment.as2"), 2
        asns = [int(x) for x in as_list(asns)]
        check(len(asns) == count, f"{ctx}: AS path segment count")
        segs.append({"type": SEGMENT_NAMES.get(st, str(st)), "count": count, "asns": asns,
                     "asn_width": width})
    return segs


def raw_segments(value, width):
    segs, i = [], 0
    while i < len(value):
        st, n = value[i], value[i + 1]
        fmt = "!" + ("I" if width == 4 else "H") * n
        asns = list(struct.unpack(fmt, value[i + 2:i + 2 + n * width]))
        segs.append({"type": SEGMENT_NAMES.get(st, str(st)), "count": n, "asns": asns,
                     "asn_width": width})
        i += 2 + n * width
    return segs


def leaf_fields(node, strip):
    """Flatten a tshark subtree into {short name: value} (subtrees `*_tree` are skipped)."""
    out = {}
    for k, v in node.items():
        if k.endswith("_tree") or isinstance(v, dict):
            continue
        name = k
        for p in strip:
            if name.startswith(p):
                name = name[len(p):]
                break
        out[name] = v
    return out


def norm_attr(t, raw_attr, session, ctx):
    rflags, rcode, rvalue = raw_attr
    code = int(t["bgp.update.path_attribute.type_code"])
    check(code == rcode, f"{ctx}: attribute order differs ({code} vs {rcode})")
    flags = to_int(t["bgp.update.path_attribute.flags"])
    check(flags == rflags, f"{ctx}: attribute flags differ")
    ft = t.get("bgp.update.path_attribute.flags_tree", {})
    a = {"type_code": code, "name": ATTR_NAMES.get(code, "unknown"), "flags": flags,
         "optional": tbool(ft.get("bgp.update.path_attribute.flags.optional")),
         "transitive": tbool(ft.get("bgp.update.path_attribute.flags.transitive")),
         "partial": tbool(ft.get("bgp.update.path_attribute.flags.partial")),
         "extended_length": tbool(ft.get("bgp.update.path_attribute.flags.extended_length")),
         "length": int(t["bgp.update.path_attribute.length"])}
    check(a["length"] == len(rvalue), f"{ctx}: attribute length differs")
    used = set(ATTR_COMMON)
    P = "bgp.update.path_attribute."
    if code == 1 and P + "origin" in t:
        o = int(t[P + "origin"])
        a["origin"] = ORIGIN_NAMES.get(o, str(o))
        used.add(P + "origin")
        check(rvalue[0] == o, f"{ctx}: origin")
    elif code in (2, 17) and P + "as_path_segment" in t:
        a["segments"] = segments_of(t, ctx)
        used.add(P + "as_path_segment")
        width = a["segments"][0]["asn_width"] if a["segments"] else (4 if session["as4"] or code == 17 else 2)
        check(a["segments"] == raw_segments(rvalue, width), f"{ctx}: AS path differs from raw")
    elif code == 2 and not rvalue:
        a["segments"] = []
    elif code == 3 and P + "next_hop" in t:
        a["next_hop"] = t[P + "next_hop"]
        used.add(P + "next_hop")
        check(str(ipaddress.IPv4Address(rvalue)) == a["next_hop"], f"{ctx}: next hop")
    elif code == 4 and P + "multi_exit_disc" in t:
        a["med"] = int(t[P + "multi_exit_disc"])
        used.add(P + "multi_exit_disc")
        check(struct.unpack("!I", rvalue)[0] == a["med"], f"{ctx}: med")
    elif code == 5 and P + "local_pref" in t:
        a["local_pref"] = int(t[P + "local_pref"])
        used.add(P + "local_pref")
        check(struct.unpack("!I", rvalue)[0] == a["local_pref"], f"{ctx}: local pref")
    elif code == 6:
        a["atomic_aggregate"] = True
    elif code in (7, 18) and P + "aggregator_as" in t:
        a["aggregator_as"] = int(t[P + "aggregator_as"])
        a["aggregator_address"] = t[P + "aggregator_origin"]
        used.update({P + "aggregator_as", P + "aggregator_origin"})
        w = len(rvalue) - 4
        check(int.from_bytes(rvalue[:w], "big") == a["aggregator_as"], f"{ctx}: aggregator")
    elif code == 8 and P + "communities" in t:
        comms = []
        for c in as_list(t[P + "communities"].get(P + "community")):
            if P + "community_as" in c:
                comms.append(f"{int(c[P + 'community_as'])}:{int(c[P + 'community_value'])}")
            else:
                v = to_int(c[P + "community_wellknown"])
                comms.append(f"{v >> 16}:{v & 0xFFFF}")
        raw = [f"{x >> 16}:{x & 0xFFFF}" for x in struct.unpack(f"!{len(rvalue) // 4}I", rvalue)]
        check(comms == raw, f"{ctx}: communities {comms} vs {raw}")
        a["communities"] = comms
        used.add(P + "communities")
    elif code == 9 and P + "originator_id" in t:
        a["originator_id"] = t[P + "originator_id"]
        used.add(P + "originator_id")
    elif code == 10 and "bgp.path_attribute.cluster_list" in t:
        a["cluster_list"] = [str(x) for x in as_list(
            t["bgp.path_attribute.cluster_list"].get("bgp.path_attribute.cluster_id"))]
        used.add("bgp.path_attribute.cluster_list")
        check(len(a["cluster_list"]) == len(rvalue) // 4, f"{ctx}: cluster list")
    elif code == 14:
        afi, safi, nhlen = struct.unpack("!HBB", rvalue[:4])
        a["afi"] = int(t[P + "mp_reach_nlri.afi"])
        a["safi"] = int(t[P + "mp_reach_nlri.safi"])
        check((a["afi"], a["safi"]) == (afi, safi), f"{ctx}: MP_REACH afi/safi")
        a["next_hop_raw"] = rvalue[3:4 + nhlen].hex()
        a["next_hop_len"] = nhlen
        nh = t.get(P + "mp_reach_nlri.next_hop_tree", {})
        hops = []
        for k in (P + "mp_reach_nlri.next_hop.ipv4", P + "mp_reach_nlri.next_hop.ipv6",
                  P + "mp_reach_nlri.next_hop.ipv6.link_local"):
            hops += as_list(nh.get(k))
        a["next_hops"] = hops
        nl = t.get(P + "mp_reach_nlri", {})
        a["nlri"] = prefix_entries(nl, ("bgp.mp_reach_nlri_ipv4_prefix", "bgp.mp_reach_nlri_ipv6_prefix",
                                        "bgp.nlri_prefix", "bgp.mp_reach_nlri_ipv6_prefix"), ctx)
        rest = rvalue[4 + nhlen:]
        nsnpa = rest[0]
        check(nsnpa == 0, f"{ctx}: SNPA present")
        addpath = afi_safi_key(afi, safi) in session["addpath_tx"]
        check(a["nlri"] == raw_prefixes(rest[1:], afi, addpath), f"{ctx}: MP_REACH NLRI differs: {a['nlri'][:3]} vs {raw_prefixes(rest[1:], afi, addpath)[:3]}")
        used.update({P + "mp_reach_nlri.afi", P + "mp_reach_nlri.safi", P + "mp_reach_nlri.next_hop",
                     P + "mp_reach_nlri.next_hop_tree", P + "mp_reach_nlri",
                     P + "mp_reach_nlri.nbr_snpa"})
    elif code == 15:
        afi, safi = struct.unpack("!HB", rvalue[:3])
        a["afi"] = int(t[P + "mp_unreach_nlri.afi"])
        a["safi"] = int(t[P + "mp_unreach_nlri.safi"])
        check((a["afi"], a["safi"]) == (afi, safi), f"{ctx}: MP_UNREACH afi/safi")
        wl = t.get(P + "mp_unreach_nlri", {})
        a["withdrawn"] = prefix_entries(wl, ("bgp.mp_unreach_nlri_ipv4_prefix", "bgp.mp_unreach_nlri_ipv6_prefix",
                                             "bgp.nlri_prefix"), ctx)
        addpath = afi_safi_key(afi, safi) in session["addpath_tx"]
        check(a["withdrawn"] == raw_prefixes(rvalue[3:], afi, addpath), f"{ctx}: MP_UNREACH differs")
        used.update({P + "mp_unreach_nlri.afi", P + "mp_unreach_nlri.safi", P + "mp_unreach_nlri"})
    elif code == 16 and "bgp.ext_communities" in t:
        ecs = []
        for e in as_list(t["bgp.ext_communities"].get("bgp.ext_community")):
            ecs.append(leaf_fields(e, ("bgp.ext_com.", "bgp.ext_com_", "bgp.")))
        check(len(ecs) == len(rvalue) // 8, f"{ctx}: ext communities")
        for e, k in zip(ecs, range(0, len(rvalue), 8)):
            check(to_int(e.get("type", "-1")) == rvalue[k], f"{ctx}: ext community type")
        a["ext_communities"] = ecs
        used.add("bgp.ext_communities")
    elif code == 32 and P + "large_communities" in t:
        lcs = []
        for lc in as_list(t[P + "large_communities"].get("bgp.large_communities")):
            lcs.append(str(lc) if not isinstance(lc, dict) else None)
        raw = [f"{x}:{y}:{z}" for x, y, z in
               (struct.unpack("!III", rvalue[k:k + 12]) for k in range(0, len(rvalue), 12))]
        ga = as_list(find_all(t, "bgp.large_communities.ga"))
        if ga:
            lcs = [f"{int(g)}:{int(l1)}:{int(l2)}" for g, l1, l2 in zip(
                find_all(t, "bgp.large_communities.ga"), find_all(t, "bgp.large_communities.ldp1"),
                find_all(t, "bgp.large_communities.ldp2"))]
        check(lcs == raw, f"{ctx}: large communities {lcs} vs {raw}")
        a["large_communities"] = lcs
        used.add(P + "large_communities")
    other = {k: v for k, v in t.items() if k not in used}
    if other:
        a["tshark_other"] = other
    return a


def norm_update(bgp, raw, session, ctx):
    body = raw[19:]
    rw, rattrs, rnlri = raw_attrs(body)
    d = {"type": 2, "length": int(bgp["bgp.length"]),
         "withdrawn_routes_length": int(bgp["bgp.update.withdrawn_routes.length"])}
    addpath4 = "1/1" in session["addpath_tx"]
    d["withdrawn"] = prefix_entries(bgp.get("bgp.update.withdrawn_routes"),
                                    ("bgp.withdrawn_prefix", "bgp.nlri_prefix"), ctx)
    check(d["withdrawn"] == raw_prefixes(rw, 1, addpath4), f"{ctx}: withdrawn differs")
    d["path_attributes_length"] = int(bgp["bgp.update.path_attributes.length"])
    tattrs = as_list(bgp.get("bgp.update.path_attributes", {}).get("bgp.update.path_attribute"))
    check(len(tattrs) == len(rattrs), f"{ctx}: tshark shows {len(tattrs)} attributes, raw has {len(rattrs)}")
    d["path_attributes"] = [norm_attr(t, r, session, f"{ctx} attr {i}")
                            for i, (t, r) in enumerate(zip(tattrs, rattrs))]
    d["nlri"] = prefix_entries(bgp.get("bgp.update.nlri"), ("bgp.nlri_prefix",), ctx)
    check(d["nlri"] == raw_prefixes(rnlri, 1, addpath4), f"{ctx}: NLRI differs")
    ex = experts(bgp)
    if ex:
        d["tshark_expert"] = ex
    eor = None
    if not rw and not rattrs and not rnlri:
        eor = {"afi": 1, "safi": 1}
    elif not rw and not rnlri and len(rattrs) == 1 and rattrs[0][1] == 15 and len(rattrs[0][2]) == 3:
        afi, safi = struct.unpack("!HB", rattrs[0][2])
        eor = {"afi": afi, "safi": safi}
    return d, eor


def norm_notification(bgp, raw, ctx):
    d = {"type": 3, "length": int(bgp["bgp.length"]),
         "code": int(bgp["bgp.notify.major_error"])}
    check(d["code"] == raw[19], f"{ctx}: code")
    minor = [v for k, v in bgp.items() if k.startswith("bgp.notify.minor_error") and
             not k.endswith("_tree") and not isinstance(v, dict)]
    check(len(minor) == 1, f"{ctx}: minor error fields {minor}")
    d["subcode"] = int(minor[0])
    check(d["subcode"] == raw[20], f"{ctx}: subcode")
    data = raw[21:]
    if "bgp.notify.error_open.bad_peer_as" in bgp:
        d["bad_peer_as"] = int(bgp["bgp.notify.error_open.bad_peer_as"])
    if "bgp.notify.communication" in bgp:
        d["shutdown_communication"] = bgp["bgp.notify.communication"]
    d["data"] = data.hex()
    if "bgp.notify.minor_data" in bgp:
        check(bgp["bgp.notify.minor_data"].replace(":", "") == data.hex(), f"{ctx}: notify data")
        d["data_from"] = TSHARK_DATA_NOTE
    else:
        d["data_from"] = RAW_DATA_NOTE
    ex = experts(bgp)
    if ex:
        d["tshark_expert"] = ex
    return d


def norm_route_refresh(bgp, raw, ctx):
    d = {"type": 5, "length": int(bgp["bgp.length"]),
         "afi": int(bgp["bgp.route_refresh.afi"]), "safi": int(bgp["bgp.route_refresh.safi"]),
         "subtype": int(bgp["bgp.route_refresh.subtype"])}
    check((d["afi"], d["subtype"], d["safi"]) == struct.unpack("!HBB", raw[19:23]), f"{ctx}: route refresh")
    if len(raw) > 23:
        d["orf_raw"] = raw[23:].hex()
        orf = bgp.get("bgp.route_refresh.orf")
        if orf is not None:
            d["tshark_orf"] = orf
    ex = experts(bgp)
    if ex:
        d["tshark_expert"] = ex
    return d


def normalise(bgp, raw, session, ctx):
    mtype = raw[18]
    check(int(bgp["bgp.type"]) == mtype, f"{ctx}: type")
    check(int(bgp["bgp.length"]) == len(raw), f"{ctx}: length")
    eor = None
    if mtype == 1:
        d = norm_open(bgp, raw, ctx)
    elif mtype == 2:
        d, eor = norm_update(bgp, raw, session, ctx)
    elif mtype == 3:
        d = norm_notification(bgp, raw, ctx)
    elif mtype == 5:
        d = norm_route_refresh(bgp, raw, ctx)
    else:
        d = {"type": mtype, "length": len(raw)}
        other = {k: v for k, v in bgp.items() if k not in ("bgp.marker", "bgp.length", "bgp.type")}
        if other:
            d["tshark_other"] = other
    return d, eor


def asn_len_pref(session):
    if not session["both_opens_seen"]:
        return "Auto-detect"
    return "4 octet" if session["as4"] else "2 octet"


def build(args):
    rows = extract(args.manifest)
    seen, kept = set(), []
    for r in rows:
        key = (r["hex"], json.dumps(r["session"], sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        kept.append(r)
    groups = collections.defaultdict(list)
    for i, r in enumerate(kept):
        groups[asn_len_pref(r["session"])].append(i)
    decoded = [None] * len(kept)
    with tempfile.TemporaryDirectory(prefix="bgpvec-") as tmp:
        for pref, idxs in groups.items():
            bgps = tshark_decode([bytes.fromhex(kept[i]["hex"]) for i in idxs], pref, tmp)
            for i, b in zip(idxs, bgps):
                decoded[i] = b
    lines, errors = [], 0
    n = 0
    for r, bgp in zip(kept, decoded):
        raw = bytes.fromhex(r["hex"])
        ctx = f"{r['scenario']} {r['conn']} {r['hex'][32:80]}"
        try:
            d, eor = normalise(bgp, raw, r["session"], ctx)
        except BuildError as e:
            errors += 1
            print(f"ERROR: {e}", file=sys.stderr)
            continue
        n += 1
        obj = {"id": f"{args.id_prefix}{n:05d}", "source": args.source,
               "type_name": TYPE_NAMES.get(raw[18], str(raw[18])), "length": len(raw),
               "hex": r["hex"], "session": r["session"], "decoded": d}
        if eor:
            obj["end_of_rib"] = eor
        lines.append(json.dumps(obj, ensure_ascii=False))
    if errors:
        raise BuildError(f"{errors} messages could not be normalised")
    with open(args.out, "w") as f:
        for line in lines:
            f.write(line + "\n")
    counts = collections.Counter(json.loads(x)["type_name"] for x in lines)
    print(f"{len(rows)} messages sent by the subject, {len(lines)} distinct (hex, session): "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if args.scenario_log:
        with open(args.scenario_log, "w") as f:
            for r in kept:
                f.write(f"{r['scenario']}\t{r['conn']}\t{r['hex'][36:38]}\t{r['hex'][:120]}\n")


def verify(args):
    ok = True
    n = 0
    ids = set()
    with open(args.file) as f:
        for lineno, line in enumerate(f, 1):
            o = json.loads(line)
            n += 1
            raw = bytes.fromhex(o["hex"])
            problems = []
            if len(raw) != o["length"]:
                problems.append("hex length != length")
            if raw[:16] != b"\xff" * 16:
                problems.append("marker")
            if struct.unpack("!H", raw[16:18])[0] != o["length"]:
                problems.append("header length")
            if o["decoded"]["length"] != o["length"] or o["decoded"]["type"] != raw[18]:
                problems.append("decoded type/length")
            if o["id"] in ids:
                problems.append("duplicate id")
            ids.add(o["id"])
            if problems:
                ok = False
                print(f"line {lineno} ({o['id']}): {', '.join(problems)}")
    print(f"{n} lines checked: {'OK' if ok else 'PROBLEMS'}")
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--manifest", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--source", default="frr")
    b.add_argument("--id-prefix", default="f")
    b.add_argument("--scenario-log")
    v = sub.add_parser("verify")
    v.add_argument("file")
    args = ap.parse_args()
    try:
        if args.cmd == "build":
            build(args)
            return 0
        return verify(args)
    except BuildError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Turn tcpdump captures of BGP sessions into test vectors.

Offline tool, run by capture.sh (see README.md next to it). Standard library only.

  bgp_vectors.py build  --manifest M --out FILE [--source frr] [--id-prefix f] [--dedupe hex]
  bgp_vectors.py verify FILE

`build` reads a manifest (one line per capture: "<scenario>\t<pcap>\t<addr>,<addr>,..." where the
addresses are those of the implementation under test), then:

1. parses each pcap (Ethernet, Linux cooked v1/v2), reassembles every TCP connection per direction
   from the sequence numbers (retransmissions and overlaps are dropped, a new SYN starts a new
   connection), and splits each direction into BGP messages using the header length field;
2. works out what the two OPENs of each connection negotiated (`session`);
3. keeps the messages sent from one of the listed addresses, the first of each distinct hex
   (--dedupe hex+session keeps one per distinct (hex, session) instead);
4. decodes every kept message with tshark: each message is written to a synthetic pcap as its own
   TCP stream (split into 1400-byte segments, so tshark reassembles it like on the wire) and
   `tshark -T json --no-duplicate-keys` is run once per ASN width (bgp.asn_len is set to 4 octets
   when both OPENs carried the 4-octet AS capability, 2 octets when both OPENs were seen without
   it, auto-detect otherwise);
5. normalises tshark's tree into the schema of /work/shared/vectors/messages.jsonl and writes one
   JSON object per line, ids <prefix>00001... in capture order.

Raw bytes are used only for what tshark does not expose as a field (capability `value`,
MP_REACH `next_hop_raw`, NOTIFICATION `data` when tshark has no data field, the wire order of
COMMUNITIES) and where tshark 4.0 cannot decode at all, each marked in the output: OPENs with RFC
9072 extended optional parameters (`capabilities_from`), ROUTE-REFRESH ORF entries (`orf_from`),
CAPABILITY messages (`decoded_from`). UPDATEs longer than 4096 octets, which tshark 4.0 refuses,
are split into smaller UPDATEs that are decoded by tshark and joined (`decoded_from`). Every
decoded field is cross-checked against the raw message and a mismatch aborts the build.

  bgp_vectors.py crosscheck --manifest M FILE   decode the original captures with tshark's own
                                                TCP reassembly and compare with FILE
  bgp_vectors.py tshark HEX [--asn-len "2 octet"]   debug: tshark's tree for one message
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
    if not isinstance(tree, dict):
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

def raw_cap_fields(code, value):
    """Decode a capability value from raw bytes (cross-check, and RFC 9072 OPENs tshark 4.0 misparses)."""
    c = {}
    try:
        if code == 1:
            afi, safi = struct.unpack("!HxB", value[:4])
            c = {"afi": afi, "safi": safi}
        elif code == 64:
            flags_time = struct.unpack("!H", value[:2])[0]
            c = {"restart_state": bool(flags_time & 0x8000), "notification": bool(flags_time & 0x4000),
                 "restart_time": flags_time & 0x0FFF, "afs": []}
            for k in range(2, len(value) - 3, 4):
                afi, safi, fl = struct.unpack("!HBB", value[k:k + 4])
                c["afs"].append({"afi": afi, "safi": safi, "flags": fl, "forwarding_state": bool(fl & 0x80)})
        elif code == 65:
            c = {"asn": struct.unpack("!I", value[:4])[0]}
        elif code == 69:
            c = {"afs": [dict(zip(("afi", "safi", "send_receive"), struct.unpack("!HBB", value[k:k + 4])))
                         for k in range(0, len(value) - 3, 4)]}
        elif code == 5:
            c = {"entries": [dict(zip(("afi", "safi", "nexthop_afi"), struct.unpack("!HHH", value[k:k + 6])))
                             for k in range(0, len(value) - 5, 6)]}
        elif code == 73:
            hl = value[0]
            c = {"hostname": value[1:1 + hl].decode(errors="replace")}
            dl = value[1 + hl]
            c["domain"] = value[2 + hl:2 + hl + dl].decode(errors="replace")
        elif code in (3, 130):
            afi, safi, n = struct.unpack("!HxBB", value[:5])
            c = {"afi": afi, "safi": safi,
                 "orfs": [{"type": value[5 + 2 * k], "send_receive": value[6 + 2 * k]} for k in range(n)]}
    except (struct.error, IndexError):
        return {}
    return c


RFC9072_NOTE = ("raw bytes (tshark 4.0 does not parse RFC 9072 extended optional parameters; "
                "its tree for this OPEN is wrong and was not used)")


def norm_open(bgp, raw, ctx):
    d = {
        "type": 1, "length": int(bgp["bgp.length"]),
        "version": int(bgp["bgp.open.version"]),
        "my_as": int(bgp["bgp.open.myas"]),
        "hold_time": int(bgp["bgp.open.holdtime"]),
        "bgp_id": bgp["bgp.open.identifier"],
        "opt_params_length": int(bgp["bgp.open.opt.len"]),
    }
    rcaps = open_capabilities(raw)
    body = raw[19:]
    extended = len(body) >= 13 and body[9] == 255 and body[10] == 255
    if extended:
        d["extended_opt_params_length"] = struct.unpack("!H", body[11:13])[0]
        tcaps = [None] * len(rcaps)
        d["capabilities_from"] = RFC9072_NOTE
    else:
        tcaps = find_all(bgp.get("bgp.open.opt", {}), "bgp.cap")
        tcaps = [c for group in tcaps for c in as_list(group)]
        check(len(tcaps) == len(rcaps), f"{ctx}: tshark shows {len(tcaps)} capabilities, raw has {len(rcaps)}")
    caps = []
    for t, (code, value) in zip(tcaps, rcaps):
        c = {"code": code, "name": CAP_NAMES.get(code, "unknown"), "length": len(value)}
        rawf = raw_cap_fields(code, value)
        if t is None:
            c.update(rawf)
            c["value"] = value.hex()
            caps.append(c)
            continue
        check(int(t["bgp.cap.type"]) == code, f"{ctx}: capability order differs")
        check(int(t["bgp.cap.length"]) == len(value), f"{ctx}: capability length differs")
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
        elif code == 65:
            c["asn"] = int(t["bgp.cap.4as"])
        elif code == 69:
            c["afs"] = [{"afi": int(a), "safi": int(s), "send_receive": int(sr)}
                        for a, s, sr in zip(as_list(t.get("bgp.cap.ap.afi")),
                                            as_list(t.get("bgp.cap.ap.safi")),
                                            as_list(t.get("bgp.cap.ap.sendreceive")))]
        elif code == 5:
            c["entries"] = [{"afi": int(a), "safi": int(s), "nexthop_afi": int(n)}
                            for a, s, n in zip(as_list(t.get("bgp.cap.enh.afi")),
                                               as_list(t.get("bgp.cap.enh.safi")),
                                               as_list(t.get("bgp.cap.enh.nhafi")))]
        elif code == 73:
            c["hostname"] = t.get("bgp.cap.orf.fqdn.hostname", "")
            c["domain"] = t.get("bgp.cap.orf.fqdn.domain_name", "")
        elif code in (3, 130) and "bgp.cap.orf.afi" in t:
            c["afi"] = int(t["bgp.cap.orf.afi"])
            c["safi"] = int(t["bgp.cap.orf.safi"])
            c["orfs"] = [{"type": int(ty), "send_receive": int(sr)}
                         for ty, sr in zip(as_list(t.get("bgp.cap.orf.type")),
                                           as_list(t.get("bgp.cap.orf.sendreceive")))]
        for k, v in c.items():
            if k in rawf:
                check(v == rawf[k], f"{ctx}: capability {code} field {k}: tshark {v} vs raw {rawf[k]}")
        c["value"] = value.hex()
        caps.append(c)
    d["capabilities"] = caps
    ex = experts(bgp)
    if ex and not extended:
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
        # tshark lists ordinary and well-known communities under different keys, so the JSON loses
        # their relative order: take the order from the raw attribute, the values from both
        ct = t[P + "communities"]
        tvals = [f"{int(c[P + 'community_as'])}:{int(c[P + 'community_value'])}"
                 for c in as_list(ct.get(P + "community"))]
        tvals += [f"{to_int(v) >> 16}:{to_int(v) & 0xFFFF}" for v in as_list(ct.get(P + "community_wellknown"))]
        raw = [f"{x >> 16}:{x & 0xFFFF}" for x in struct.unpack(f"!{len(rvalue) // 4}I", rvalue)]
        check(sorted(tvals) == sorted(raw), f"{ctx}: communities {tvals} vs {raw}")
        a["communities"] = raw
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
                                        "bgp.nlri_prefix"), ctx)
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
    elif code == 32 and "bgp.large_communities_tree" in t:
        lcs = [f"{int(g)}:{int(l1)}:{int(l2)}" for g, l1, l2 in zip(
            [v for x in find_all(t, "bgp.large_communities.ga") for v in as_list(x)],
            [v for x in find_all(t, "bgp.large_communities.ldp1") for v in as_list(x)],
            [v for x in find_all(t, "bgp.large_communities.ldp2") for v in as_list(x)])]
        raw = [f"{x}:{y}:{z}" for x, y, z in
               (struct.unpack("!III", rvalue[k:k + 12]) for k in range(0, len(rvalue), 12))]
        check(lcs == raw, f"{ctx}: large communities {lcs} vs {raw}")
        a["large_communities"] = lcs
        used.update({"bgp.large_communities", "bgp.large_communities_tree"})
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
    return d, norm_update_eor(raw)[1]


def norm_update_eor(raw):
    """(None, {afi, safi}) if the UPDATE is an End-of-RIB marker, else (None, None)."""
    rw, rattrs, rnlri = raw_attrs(raw[19:])
    eor = None
    if not rw and not rattrs and not rnlri:
        eor = {"afi": 1, "safi": 1}
    elif not rw and not rnlri and len(rattrs) == 1 and rattrs[0][1] == 15 and len(rattrs[0][2]) == 3:
        afi, safi = struct.unpack("!HB", rattrs[0][2])
        eor = {"afi": afi, "safi": safi}
    return None, eor


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


def raw_orf(data, afi):
    """ROUTE-REFRESH ORF part (RFC 5291/5292): when-to-refresh, then ORF type/length/entries."""
    out = {"when_to_refresh": data[0], "orfs": []}
    i = 1
    while i + 3 <= len(data):
        otype, olen = data[i], struct.unpack("!H", data[i + 1:i + 3])[0]
        body = data[i + 3:i + 3 + olen]
        i += 3 + olen
        entries, j = [], 0
        while j < len(body):
            first = body[j]
            e = {"action": first >> 6, "match": (first >> 5) & 1}
            j += 1
            if otype == 64 and e["action"] != 3 and j + 7 <= len(body):
                seq, mn, mx, plen = struct.unpack("!IBBB", body[j:j + 7])
                n = (plen + 7) // 8
                addr = body[j + 7:j + 7 + n] + b"\0" * ((4 if afi == 1 else 16) - n)
                e.update({"sequence": seq, "min_len": mn, "max_len": mx,
                          "prefix": f"{ipaddress.ip_address(addr)}/{plen}"})
                j += 7 + n
            entries.append(e)
        out["orfs"].append({"type": otype, "length": olen, "entries": entries})
    return out


def norm_capability_msg(bgp, raw, ctx):
    """CAPABILITY message (dynamic capability draft: action, then one capability, repeated)."""
    d = {"type": 6, "length": len(raw), "capabilities": []}
    i, body = 0, raw[19:]
    while i + 3 <= len(body):
        action, code, clen = body[i], body[i + 1], body[i + 2]
        value = body[i + 3:i + 3 + clen]
        c = {"action": action, "code": code, "name": CAP_NAMES.get(code, "unknown"), "length": clen}
        c.update(raw_cap_fields(code, value))
        c["value"] = value.hex()
        d["capabilities"].append(c)
        i += 3 + clen
    d["decoded_from"] = ("raw bytes (tshark 4.0 expects another layout for CAPABILITY messages "
                         "and its tree for this message is wrong)")
    return d


def norm_route_refresh(bgp, raw, ctx):
    d = {"type": 5, "length": int(bgp["bgp.length"]),
         "afi": int(bgp["bgp.route_refresh.afi"]), "safi": int(bgp["bgp.route_refresh.safi"]),
         "subtype": int(bgp["bgp.route_refresh.subtype"])}
    check((d["afi"], d["subtype"], d["safi"]) == struct.unpack("!HBB", raw[19:23]), f"{ctx}: route refresh")
    if len(raw) > 23:
        d["orf"] = raw_orf(raw[23:], d["afi"])
        d["orf_from"] = ("raw bytes (tshark 4.0 shows ORF type 64, the RFC 5292 address-prefix ORF, "
                         "as ORFEntry-Unknown)")
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
    elif mtype == 6:
        d = norm_capability_msg(bgp, raw, ctx)
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


TSHARK_MAX = 4096  # tshark 4.0 flags any longer BGP message as invalid and decodes nothing


def prefix_boundaries(data, afi, addpath):
    """Byte offsets where each raw NLRI entry ends."""
    ends, i = [], 0
    while i < len(data):
        if addpath:
            i += 4
        i += 1 + (data[i] + 7) // 8
        ends.append(i)
    return ends


def chunk_prefixes(data, afi, addpath, budget):
    chunks, start, last = [], 0, 0
    for end in prefix_boundaries(data, afi, addpath):
        if end - start > budget:
            chunks.append(data[start:last])
            start = last
        last = end
    if last > start:
        chunks.append(data[start:last])
    return chunks


def update_msg(withdrawn, attrs, nlri):
    body = struct.pack("!H", len(withdrawn)) + withdrawn + struct.pack("!H", len(attrs)) + attrs + nlri
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), 2) + body


def split_for_tshark(raw, session):
    """Split an UPDATE longer than tshark's limit into UPDATEs tshark can decode.

    The withdrawn routes go into withdraw-only UPDATEs; the NLRI go into UPDATEs that each carry
    all of the original path attributes. Returns None if that cannot make the pieces small enough.
    """
    if len(raw) <= TSHARK_MAX:
        return [raw]
    if raw[18] != 2:
        return None
    body = raw[19:]
    wlen = struct.unpack("!H", body[0:2])[0]
    withdrawn = body[2:2 + wlen]
    alen = struct.unpack("!H", body[2 + wlen:4 + wlen])[0]
    attrs = body[4 + wlen:4 + wlen + alen]
    nlri = body[4 + wlen + alen:]
    addpath4 = "1/1" in session["addpath_tx"]
    pieces = []
    for w in chunk_prefixes(withdrawn, 1, addpath4, TSHARK_MAX - 23):
        pieces.append(update_msg(w, b"", b""))
    if attrs and not nlri:
        pieces.append(update_msg(b"", attrs, b""))
    budget = TSHARK_MAX - 23 - len(attrs)
    if nlri:
        if budget < 64:
            return None
        for n in chunk_prefixes(nlri, 1, addpath4, budget):
            pieces.append(update_msg(b"", attrs, n))
    if any(len(p) > TSHARK_MAX for p in pieces):
        return None
    return pieces


def merge_pieces(parts, raw, ctx):
    """Join the normalised pieces of a split UPDATE back into one decoded UPDATE."""
    body = raw[19:]
    wlen = struct.unpack("!H", body[0:2])[0]
    alen = struct.unpack("!H", body[2 + wlen:4 + wlen])[0]
    d = {"type": 2, "length": len(raw), "withdrawn_routes_length": wlen, "withdrawn": [],
         "path_attributes_length": alen, "path_attributes": [], "nlri": []}
    experts_all = []
    for p in parts:
        d["withdrawn"] += p["withdrawn"]
        d["nlri"] += p["nlri"]
        if p["path_attributes"]:
            if d["path_attributes"]:
                check(p["path_attributes"] == d["path_attributes"], f"{ctx}: pieces decode differently")
            d["path_attributes"] = p["path_attributes"]
        for e in p.get("tshark_expert", []):
            if e not in experts_all:
                experts_all.append(e)
    if experts_all:
        d["tshark_expert"] = experts_all
    d["decoded_from"] = (f"tshark, in {len(parts)} pieces: tshark 4.0 rejects BGP messages longer than "
                         f"{TSHARK_MAX} octets (RFC 8654), so the withdrawn routes and NLRI were split into "
                         "UPDATEs of at most 4096 octets (NLRI pieces each carrying all the path attributes), "
                         "decoded separately and joined; lengths are those of the real message")
    return d


def build(args):
    rows = extract(args.manifest)
    seen, kept = set(), []
    for r in rows:
        key = r["hex"] if args.dedupe == "hex" else (r["hex"], json.dumps(r["session"], sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        kept.append(r)
    skipped = []
    pieces_of = []
    for r in kept:
        pieces = split_for_tshark(bytes.fromhex(r["hex"]), r["session"])
        if pieces is None:
            skipped.append(r)
        pieces_of.append(pieces or [])
    groups = collections.defaultdict(list)
    for i, r in enumerate(kept):
        for j in range(len(pieces_of[i])):
            groups[asn_len_pref(r["session"])].append((i, j))
    decoded = [[None] * len(p) for p in pieces_of]
    with tempfile.TemporaryDirectory(prefix="bgpvec-") as tmp:
        for pref, idxs in groups.items():
            bgps = tshark_decode([pieces_of[i][j] for i, j in idxs], pref, tmp)
            for (i, j), b in zip(idxs, bgps):
                decoded[i][j] = b
    for r in skipped:
        print(f"WARNING: {r['scenario']} {r['conn']}: {len(r['hex']) // 2}-octet message left out: "
              f"too long for tshark and cannot be split", file=sys.stderr)
    lines, errors = [], 0
    n = 0
    for r, bgps, pieces in zip(kept, decoded, pieces_of):
        if not pieces:
            continue
        raw = bytes.fromhex(r["hex"])
        ctx = f"{r['scenario']} {r['conn']} {r['hex'][32:80]}"
        try:
            if len(pieces) == 1 and pieces[0] == raw:
                d, eor = normalise(bgps[0], raw, r["session"], ctx)
            else:
                parts = [normalise(b, p, r["session"], f"{ctx} piece {k}")[0]
                         for k, (b, p) in enumerate(zip(bgps, pieces))]
                d = merge_pieces(parts, raw, ctx)
                _, eor = norm_update_eor(raw)
        except (BuildError, KeyError, ValueError, TypeError, IndexError) as e:
            errors += 1
            print(f"ERROR: {ctx}: {type(e).__name__} {e}\n  hex {r['hex'][:400]}", file=sys.stderr)
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
    print(f"{len(rows)} messages sent by the subject, {len(lines)} kept (distinct {args.dedupe}): "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if args.scenario_log:
        with open(args.scenario_log, "w") as f:
            for r in kept:
                f.write(f"{r['scenario']}\t{r['conn']}\t{r['hex'][36:38]}\t{r['hex'][:120]}\n")


def verify(args):
    ok = True
    n = 0
    ids = set()
    hexes, types = collections.Counter(), collections.Counter()
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
            if TYPE_NAMES.get(raw[18]) != o["type_name"]:
                problems.append("type_name")
            if set(o["session"]) != {"both_opens_seen", "as4", "addpath_tx", "afs", "extended_nexthop",
                                     "extended_message"}:
                problems.append("session keys")
            hexes[o["hex"]] += 1
            types[o["type_name"]] += 1
            if problems:
                ok = False
                print(f"line {lineno} ({o['id']}): {', '.join(problems)}")
    dup = sum(1 for v in hexes.values() if v > 1)
    print(f"{n} lines checked: {'OK' if ok else 'PROBLEMS'}; {len(hexes)} distinct hex ({dup} repeated "
          f"with another session); " + ", ".join(f"{k} {v}" for k, v in sorted(types.items())))
    return 0 if ok else 1


def summary_from_tshark(bgp):
    """A few fields of one message, as tshark shows them (for crosscheck)."""
    P = "bgp.update.path_attribute."
    attrs = as_list(bgp.get("bgp.update.path_attributes", {}).get("bgp.update.path_attribute"))
    def first(a, k):
        return a.get(P + k)
    s = {"type": int(bgp["bgp.type"]), "length": int(bgp["bgp.length"]),
         "attr_codes": [int(a["bgp.update.path_attribute.type_code"]) for a in attrs]}
    for a in attrs:
        for k in ("origin", "next_hop", "multi_exit_disc", "local_pref", "originator_id"):
            if first(a, k) is not None:
                s[k] = str(first(a, k))
    if "bgp.notify.major_error" in bgp:
        s["code"] = int(bgp["bgp.notify.major_error"])
    if "bgp.open.myas" in bgp:
        s["my_as"] = int(bgp["bgp.open.myas"])
        s["hold_time"] = int(bgp["bgp.open.holdtime"])
    if "bgp.route_refresh.subtype" in bgp:
        s["subtype"] = int(bgp["bgp.route_refresh.subtype"])
    return json.dumps(s, sort_keys=True)


def summary_from_vector(o):
    d = o["decoded"]
    s = {"type": d["type"], "length": d["length"],
         "attr_codes": [a["type_code"] for a in d.get("path_attributes", [])]}
    names = {"origin": "origin", "next_hop": "next_hop", "med": "multi_exit_disc",
             "local_pref": "local_pref", "originator_id": "originator_id"}
    for a in d.get("path_attributes", []):
        for k, tk in names.items():
            if k in a:
                v = a[k]
                if k == "origin":
                    v = {"IGP": 0, "EGP": 1, "INCOMPLETE": 2}[v]
                s[tk] = str(v)
    if d["type"] == 3:
        s["code"] = d["code"]
    if d["type"] == 1:
        s["my_as"] = d["my_as"]
        s["hold_time"] = d["hold_time"]
    if d["type"] == 5:
        s["subtype"] = d["subtype"]
    return json.dumps(s, sort_keys=True)


def crosscheck(args):
    """Decode the original captures with tshark's own TCP reassembly (no splitting by this
    script) and check that every message the subject sent there is in the vectors file with
    the same type, length, attribute list and main attribute values, and vice versa."""
    vectors = [json.loads(line) for line in open(args.file)]
    have = collections.Counter(summary_from_vector(o) for o in vectors
                               if o["type_name"] not in ("CAPABILITY",) and "decoded_from" not in o["decoded"]
                               and "capabilities_from" not in o["decoded"])
    seen = collections.Counter()
    skipped = 0
    with open(args.manifest) as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for scenario, pcap, addrs in rows:
        subject = {str(ipaddress.ip_address(a)) for a in addrs.split(",") if a}
        res = subprocess.run(["tshark", "-r", pcap, "-n", "-Y", "bgp", "-T", "json", "--no-duplicate-keys",
                              "-J", "ip ipv6 bgp"], capture_output=True, check=True)
        for p in json.loads(res.stdout):
            layers = p["_source"]["layers"]
            src = layers.get("ip", {}).get("ip.src") or layers.get("ipv6", {}).get("ipv6.src")
            if src is None or str(ipaddress.ip_address(src)) not in subject:
                continue
            for bgp in as_list(layers["bgp"]):
                if "bgp.type" not in bgp or int(bgp["bgp.type"]) == 6 or bgp.get("bgp.open.opt.len") == "255":
                    skipped += 1  # >4096 octets, CAPABILITY, RFC 9072 OPEN: tshark cannot decode them
                    continue
                seen[summary_from_tshark(bgp)] += 1
    missing = [k for k in seen if k not in have]
    unused = [k for k in have if k not in seen]
    print(f"{sum(seen.values())} messages from the subject decoded by tshark in the original captures "
          f"({len(seen)} distinct summaries, {skipped} skipped); {len(have)} distinct summaries in {args.file}")
    for k in missing[:20]:
        print("  in capture, not in vectors:", k)
    for k in unused[:20]:
        print("  in vectors, not in capture:", k)
    ok = not missing and not unused
    print("crosscheck:", "OK" if ok else "DIFFERENCES")
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
    b.add_argument("--dedupe", choices=["hex", "hex+session"], default="hex",
                   help="hex: keep the first occurrence of each message (default); hex+session: also keep "
                        "a message again when it was seen on a session that negotiated something else "
                        "(the policy of /work/shared/vectors/messages.jsonl)")
    v = sub.add_parser("verify")
    v.add_argument("file")
    c = sub.add_parser("crosscheck", help="compare the vectors with tshark's decoding of the original captures")
    c.add_argument("--manifest", required=True)
    c.add_argument("file")
    t = sub.add_parser("tshark", help="debug: print tshark's bgp tree for one message")
    t.add_argument("hex")
    t.add_argument("--asn-len", default="4 octet")
    args = ap.parse_args()
    try:
        if args.cmd == "build":
            build(args)
            return 0
        if args.cmd == "crosscheck":
            return crosscheck(args)
        if args.cmd == "tshark":
            with tempfile.TemporaryDirectory(prefix="bgpvec-") as tmp:
                print(json.dumps(tshark_decode([bytes.fromhex(args.hex)], args.asn_len, tmp)[0], indent=1))
            return 0
        return verify(args)
    except BuildError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""facts - check the golden files against hand-derived facts from docs/flows.md.

Usage: facts.py [EXPECTED_DIR] [NAME...]

`run_golden.sh -g` blesses whatever segwatch prints. This file is the second
opinion: for every golden test it lists what the documented rules say the
output must contain (initiator, state, end, packets, bytes = IP lengths, flags,
counters and malformed reasons), worked out by hand from the frames that
tools/gen_fixtures.py writes. Only the listed keys are checked, so the golden
files can grow fields (docs/flows.md: fields are only ever added).

A flow fact is a dict of expected values for keys of the flow record; "fwd"
and "rev" are (packets, bytes, tcp_flags) tuples (tcp_flags None: not
checked). Flows are listed in document order (by first_seen, then tuple).
"""

import json
import os
import sys

A4, B4, C4, D4 = "10.77.0.2", "10.77.0.3", "10.77.0.4", "10.77.0.10"
A6, B6 = "fd00:77::2", "fd00:77::3"
DAY = "2026-11-22T13:52:"


def ts(sec, usec):
    """Timestamp @sec seconds and @usec µs after the fixtures' T0 (…:52:03Z)."""
    total = 3 * 1000000 + sec * 1000000 + usec
    minute, rest = divmod(total, 60 * 1000000)
    s, us = divmod(rest, 1000000)
    return "2026-11-22T13:%02d:%02d.%06dZ" % (52 + minute, s, us)


def tcp(src, sport, dst, dport, state, fwd, rev, initiator="observed", end="flush", **kw):
    d = dict(proto="tcp", proto_num=6, src=src, sport=sport, dst=dst, dport=dport,
             state=state, initiator=initiator, end=end, fwd=fwd, rev=rev)
    d["family"] = 6 if ":" in src else 4
    d.update(kw)
    return d


def udp(src, sport, dst, dport, state, fwd, rev, initiator="observed", end="flush", **kw):
    d = tcp(src, sport, dst, dport, state, fwd, rev, initiator, end, **kw)
    d.update(proto="udp", proto_num=17)
    return d


def icmp(src, dst, state, fwd, rev, v6=False, **kw):
    d = dict(proto="icmpv6" if v6 else "icmp", proto_num=58 if v6 else 1, src=src, dst=dst,
             state=state, initiator="observed", end="flush", fwd=fwd, rev=rev,
             family=6 if v6 else 4)
    d.update(kw)
    return d


NONE = (0, 0, "")

# A full_tcp() connection over IPv4: fwd SYN ACK req(27) ACK FIN ACK, rev SYN-ACK ACK resp(24) FIN.
FULL_FWD, FULL_REV = (6, 267, "FSPA"), (4, 184, "FSPA")


def full(sport, dport=80, **kw):
    return tcp(A4, sport, B4, dport, "closed", FULL_FWD, FULL_REV, **kw)


def counters(frames, decoded, malformed=None, **kw):
    c = {"packets_seen": frames, "decoded": decoded, "malformed": sum((malformed or {}).values()),
         "malformed_by_reason": malformed or {}}
    c.update(kw)
    return c


def nt(arp=0, non_ip=0, unsupported=0):
    return {"arp": arp, "non_ip": non_ip, "unsupported_linktype": unsupported}


def bad(reason):
    return {"flows": [], "counters": counters(1, 0, {reason: 1}, not_tracked=nt())}


FACTS = {
    "tcp_handshake_close": {
        "flows": [full(43210, first_seen=ts(0, 0), last_seen=ts(0, 9000), duration_s=0.009,
                       continued=False, fragments=False, icmp_error=False)],
        "counters": counters(10, 10, duplicates=0, not_tracked=nt(),
                             flow={"flows": 1, "created": 1, "evicted": 0, "frag_orphans": 0})},
    "tcp_handshake_close_quiet": {"counters": counters(10, 10)},
    "tcp_refused": {
        "flows": [tcp(A4, 43211, B4, 81, "refused", (1, 40, "S"), (1, 40, "RA"))],
        "counters": counters(2, 2)},
    "tcp_unanswered": {
        "flows": [tcp(A4, 43212, B4, 8080, "attempted", (4, 160, "S"), NONE,
                      first_seen=ts(0, 0), last_seen=ts(7, 0))],
        "counters": counters(4, 4)},
    "tcp_midstream": {
        "flows": [tcp(A4, 43213, B4, 5432, "established", (2, 110, "PA"), (1, 100, "PA"),
                      initiator="inferred"),
                  # the server spoke first: the higher port (the client) is inferred
                  # to be the initiator (docs/flows.md, mid-stream rules)
                  tcp(C4, 43214, B4, 6379, "closed", (3, 126, "FPA"), (3, 127, "FPA"),
                      initiator="inferred")],
        "counters": counters(9, 9)},
    "tcp_synack_first": {
        # The SYN-ACK comes from port 80: the client (receiver of the SYN-ACK,
        # higher port) is the initiator. See the report: docs/flows.md wording.
        "flows": [tcp(A4, 43215, B4, 80, "established", (3, 138, "PA"), (2, 107, "SPA"),
                      initiator="inferred")],
        "counters": counters(5, 5)},
    "tcp_port_reuse": {
        "flows": [full(43216, end="reused"),
                  tcp(A4, 43216, B4, 80, "established", (3, 125, "SPA"), (2, 80, "SA"))],
        "counters": counters(15, 15, flow={"flows": 2, "created": 2})},
    "tcp_rst_after_established": {
        "flows": [tcp(A4, 43217, B4, 443, "closed", (3, 123, "SPA"), (2, 80, "SRA"))],
        "counters": counters(5, 5)},
    "udp_request_response": {
        "flows": [udp(A4, 53001, D4, 53, "established", (1, 49, ""), (1, 65, "")),
                  udp(A4, 53002, D4, 53, "established", (1, 49, ""), (1, 65, ""))],
        "counters": counters(4, 4)},
    "udp_unanswered": {
        "flows": [udp(A4, 40001, B4, 9999, "attempted", (3, 99, ""), NONE)],
        "counters": counters(3, 3)},
    "udp_port_unreachable": {
        "flows": [udp(A4, 40002, B4, 7777, "refused", (1, 34, ""), (1, 62, ""), icmp_error=True),
                  icmp(C4, A4, "attempted", (1, 56, ""), NONE, icmp_type=3, icmp_code=3)],
        "counters": counters(3, 3)},
    "icmp_echo": {
        "flows": [icmp(A4, B4, "established", (2, 88, ""), (2, 88, ""), icmp_type=8, icmp_code=0,
                       icmp_id=0x1234, sport=0x1234, dport=0x1234),
                  icmp(A4, B4, "established", (1, 44, ""), (1, 44, ""), icmp_type=8, icmp_code=0,
                       icmp_id=0x5678)],
        "counters": counters(6, 6)},
    "icmp_timestamp": {
        # not echo: keyed by type and code, the reply mapped to the request type
        "flows": [icmp(A4, B4, "established", (1, 40, ""), (1, 40, ""), icmp_type=13, icmp_code=0)],
        "counters": counters(2, 2)},
    "udp_port_unreachable_filter": {
        # --filter udp: the ICMP errors never reach the decoder
        "flows": [udp(A4, 40002, B4, 7777, "attempted", (1, 34, ""), NONE, icmp_error=False)],
        "counters": counters(1, 1)},
    "icmpv6_echo": {
        "flows": [icmp(A6, B6, "established", (2, 128, ""), (2, 128, ""), v6=True, icmp_type=128,
                       icmp_code=0, icmp_id=0x0777)],
        "counters": counters(4, 4)},
    "ipv6_tcp": {
        "flows": [tcp(A6, 50000, B6, 443, "closed", (6, 387, "FSPA"), (4, 264, "FSPA"))],
        "counters": counters(10, 10)},
    "ipv6_ext_headers": {
        "flows": [tcp(A6, 50001, B6, 8443, "established", (2, 176, "SA"), (1, 60, "SA"))],
        "counters": counters(3, 3)},
    "ipv6_ext_eight": {
        "flows": [udp(A6, 50011, B6, 9, "attempted", (1, 117, ""), NONE)],
        "counters": counters(1, 1)},
    "ipv6_fragments": {
        "flows": [udp(A6, 50002, B6, 4789, "established", (3, 296, ""), (1, 50, ""),
                      fragments=True)],
        "counters": counters(4, 4)},
    "ipv4_fragments": {
        "flows": [udp(A4, 5000, B4, 6000, "established", (3, 168, ""), (1, 31, ""),
                      fragments=True),
                  # its middle fragment came first: the flow starts there
                  udp(A4, 5001, B4, 6001, "attempted", (3, 168, ""), NONE, fragments=True,
                      first_seen=ts(0, 100000), last_seen=ts(0, 100020))],
        "counters": counters(7, 7, flow={"frag_orphans": 0})},
    "ipv4_frag_orphan": {
        # The orphan is counted in frag_orphans and, so that every decoded
        # packet is in one flow, in a flow without ports.
        "flows": [udp(A4, 0, B4, 0, "attempted", (1, 52, ""), NONE, fragments=True),
                  udp(A4, 5003, B4, 6003, "attempted", (1, 29, ""), NONE, fragments=False)],
        "counters": counters(2, 2, flow={"frag_orphans": 1})},
    "ipv4_options": {
        "flows": [tcp(A4, 43218, B4, 80, "established", (2, 84, "SA"), (1, 52, "SA"))],
        "counters": counters(3, 3)},
    "vlan_8021q": {
        "flows": [tcp(A4, 43219, B4, 80, "closed", (3, 120, "SRA"), (1, 40, "SA")),
                  udp(A6, 50003, B6, 53, "attempted", (1, 55, ""), NONE)],
        "counters": counters(5, 5)},
    "qinq_8021ad": {
        "flows": [udp(A4, 40004, B4, 161, "established", (1, 39, ""), (1, 37, ""))],
        "counters": counters(2, 2)},
    "vlan_too_deep": {
        "flows": [udp(A4, 40014, B4, 9000, "attempted", (1, 32, ""), NONE)],
        "counters": counters(3, 1, {"vlan_too_deep": 2})},
    "arp": {"flows": [], "counters": counters(4, 0, not_tracked=nt(arp=4))},
    "non_ip": {"flows": [], "counters": counters(2, 0, not_tracked=nt(non_ip=2))},
    "sll_v1": {"flows": [full(43220)], "counters": counters(10, 10)},
    "sll_v2": {"flows": [full(43221)], "counters": counters(10, 10, duplicates=0)},
    "sll_v2_duplicates": {
        # 10 packets crossing 3 interfaces + the request resent on all 3 +
        # the response resent on veth-b only: 34 frames, 12 packets.
        "flows": [tcp(A4, 43222, B4, 8080, "closed", (7, 328, "FSPA"), (5, 232, "FSPA"))],
        "counters": counters(34, 12, duplicates=22)},
    "sll_v2_duplicates_nodedup": {
        "flows": [tcp(A4, 43222, B4, 8080, "closed", (21, 984, "FSPA"), (13, 584, "FSPA"))],
        "counters": counters(34, 34, duplicates=0)},
    "raw_ip": {
        "flows": [tcp(A4, 43223, B4, 80, "established", (2, 80, "SA"), (1, 40, "SA")),
                  udp(A6, 50004, B6, 123, "established", (1, 96, ""), (1, 96, ""))],
        "counters": counters(5, 5)},
    "linktype_ipv4": {
        "flows": [udp(A4, 40005, B4, 514, "attempted", (1, 37, ""), NONE)],
        "counters": counters(1, 1)},
    "linktype_ipv6": {
        "flows": [udp(A6, 50005, B6, 514, "attempted", (1, 57, ""), NONE)],
        "counters": counters(1, 1)},
    "pcapng_basic": {"flows": [full(43224)], "counters": counters(10, 10)},
    "pcap_nsec": {
        "flows": [tcp(A4, 43225, B4, 80, "refused", (1, 40, "S"), (1, 40, "RA"),
                      first_seen=ts(0, 123456), last_seen=ts(0, 123556))],
        "counters": counters(2, 2)},
    "snaplen_cut": {
        "flows": [tcp(A4, 43226, B4, 80, "established", (3, 1120, "SPA"), (3, 1520, "SPA"))],
        "counters": counters(6, 6)},
    "mixed_malformed": {
        "flows": [full(43232)],
        "counters": counters(20, 10, {r: 1 for r in (
            "link_truncated", "vlan_truncated", "ipv4_bad_version", "ipv4_bad_ihl",
            "ipv4_bad_total_length", "ipv4_truncated", "tcp_bad_offset", "tcp_truncated",
            "udp_bad_length", "udp_truncated")})},
    "udp_idle_gap": {
        "flows": [udp(A4, 40030, B4, 8125, "established", (2, 76, ""), (2, 60, ""), end="idle"),
                  udp(A4, 40030, B4, 8125, "established", (1, 38, ""), (1, 30, ""))],
        "counters": counters(6, 6)},
    "udp_idle_gap_long_timeout": {
        "flows": [udp(A4, 40030, B4, 8125, "established", (3, 114, ""), (3, 90, ""))],
        "counters": counters(6, 6)},
    "udp_active_cut": {
        "flows": [udp(A4, 40050, B4, 8000, "established", (4, 128, ""), (4, 128, ""), end="active",
                      continued=False, last_seen=ts(3, 100)),
                  udp(A4, 40050, B4, 8000, "established", (4, 128, ""), (4, 128, ""), end="active",
                      continued=True, first_seen=ts(4, 0), last_seen=ts(7, 100)),
                  udp(A4, 40050, B4, 8000, "established", (2, 64, ""), (2, 64, ""),
                      continued=True, first_seen=ts(8, 0))],
        "counters": counters(20, 20, flow={"flows": 3, "active_cuts": 2})},
    "tcp_midstream_oneway": {
        # mid-stream data one way, nothing back: no answer, so not established
        "flows": [tcp(A4, 43250, B4, 9200, "attempted", (3, 180, "PA"), NONE,
                      initiator="inferred")],
        "counters": counters(3, 3)},
    "udp_response_first": {
        # from port 53 to an ephemeral port: an answer, so the receiver is the
        # inferred initiator (docs/flows.md)
        "flows": [udp(A4, 53005, D4, 53, "established", (1, 47, ""), (2, 94, ""),
                      initiator="inferred")],
        "counters": counters(3, 3)},
    "icmp_reply_first": {
        # an echo reply first: its receiver is the inferred initiator
        "flows": [icmp(A4, B4, "established", (1, 32, ""), (2, 64, ""), icmp_type=0,
                       icmp_code=0, icmp_id=0x4242, initiator="inferred")],
        "counters": counters(3, 3)},
    "icmp_errors": {
        "flows": [tcp(A4, 43240, B4, 80, "attempted", (1, 40, "S"), (1, 56, ""), icmp_error=True),
                  udp(A4, 40043, C4, 5000, "refused", (1, 32, ""), (1, 56, ""), icmp_error=True),
                  udp(A4, 40044, C4, 5000, "refused", (1, 32, ""), (1, 56, ""), icmp_error=True),
                  udp(A4, 40045, D4, 6000, "attempted", (1, 32, ""), (1, 56, ""),
                      icmp_error=True),
                  udp(A6, 50043, B6, 7000, "refused", (1, 53, ""), (1, 101, ""), icmp_error=True),
                  udp(A6, 50044, B6, 7000, "refused", (1, 53, ""), (1, 101, ""), icmp_error=True),
                  tcp(A6, 50045, B6, 443, "attempted", (1, 60, "S"), (1, 108, ""),
                      icmp_error=True)],
        "counters": counters(14, 14)},
    "sll_v2_routed": {
        # 3 packets x 4 interfaces; the last request's copies on br1 and
        # veth-e come 80 ms late, so they count once more.
        "flows": [udp(A4, 40060, "10.88.0.5", 8080, "established", (3, 96, ""), (1, 33, ""))],
        "counters": counters(12, 4, duplicates=8)},
    "many_flows": {
        "flows": [udp(A4, 41000 + i, B4, 9000, "attempted", (1, 29, ""), NONE)
                  for i in range(10)],
        "counters": counters(10, 10, flow={"flows": 10, "evicted": 0})},
    "many_flows_evict": {
        "flows": [udp(A4, 41000 + i, B4, 9000, "attempted", (1, 29, ""), NONE,
                      end="evicted" if i < 6 else "flush") for i in range(10)],
        "counters": counters(10, 10, flow={"flows": 10, "evicted": 6, "max_flows": 4,
                                           "peak_live": 4})},
}
for _reason in ("link_truncated", "vlan_truncated", "ipv4_bad_version", "ipv4_bad_ihl",
                "ipv4_bad_total_length", "ipv4_truncated", "tcp_bad_offset", "tcp_truncated",
                "udp_bad_length", "udp_truncated", "ipv6_truncated", "ipv6_bad_version",
                "ipv6_ext_truncated", "ipv6_ext_too_many", "icmp_truncated",
                "ip_truncated_by_capture"):
    FACTS["malformed_" + _reason] = bad(_reason)
# 8 extension headers are fine, 9 are not: the 9 case is its own fixture.


def check_dir(label, want, got, errs):
    packets, nbytes, flags = want
    if not isinstance(got, dict):
        errs.append("%s: missing" % label)
        return
    if got.get("packets") != packets or got.get("bytes") != nbytes:
        errs.append("%s: %s packets / %s bytes, want %d / %d" % (
            label, got.get("packets"), got.get("bytes"), packets, nbytes))
    if flags is not None and "tcp_flags" in got and got["tcp_flags"] != flags:
        errs.append("%s.tcp_flags: %r, want %r" % (label, got["tcp_flags"], flags))
    if packets == 0 and ("first_seen" in got or "last_seen" in got):
        errs.append("%s: first_seen/last_seen present with no packet" % label)
    if packets and not ("first_seen" in got and "last_seen" in got):
        errs.append("%s: first_seen/last_seen missing" % label)


def check_flow(i, want, got, errs):
    for key, value in want.items():
        label = "flows[%d].%s" % (i, key)
        if value is None:  # not checked: the documented rule does not decide it
            continue
        if key in ("fwd", "rev"):
            check_dir(label, value, got.get(key), errs)
        elif key == "duration_s":
            if abs(got.get(key, -1) - value) > 1e-6:
                errs.append("%s: %r, want %r" % (label, got.get(key), value))
        elif got.get(key) != value:
            errs.append("%s: %r, want %r" % (label, got.get(key), value))


def check_subset(label, want, got, errs):
    if isinstance(want, dict) and isinstance(got, dict):
        for k, v in want.items():
            if k == "malformed_by_reason":
                nonzero = {r: n for r, n in got.get(k, {}).items() if n}
                if nonzero != v:
                    errs.append("%s.%s: %r, want %r" % (label, k, nonzero, v))
            else:
                check_subset("%s.%s" % (label, k), v, got.get(k), errs)
    elif want != got:
        errs.append("%s: %r, want %r" % (label, got, want))


def check(name, doc):
    fact, errs = FACTS[name], []
    if doc.get("type") != "capture" or doc.get("version") != 1:
        errs.append("not a version 1 capture document")
    flows = doc.get("flows", [])
    if "flows" in fact:
        if len(flows) != len(fact["flows"]):
            errs.append("%d flows, want %d" % (len(flows), len(fact["flows"])))
        for i, (w, g) in enumerate(zip(fact["flows"], flows)):
            check_flow(i, w, g, errs)
    c = doc.get("counters", {})
    check_subset("counters", fact.get("counters", {}), c, errs)
    # Invariants that hold for every document (docs/flows.md, "Counters").
    if "flows" in fact:
        total = sum(f["fwd"]["packets"] + f["rev"]["packets"] for f in flows)
        if total != c.get("decoded"):
            errs.append("decoded %r != sum of flow packets %d" % (c.get("decoded"), total))
        if c.get("flow", {}).get("flows") != len(flows):
            errs.append("counters.flow.flows %r != %d records" % (
                c.get("flow", {}).get("flows"), len(flows)))
    if c.get("malformed") != sum(c.get("malformed_by_reason", {}).values()):
        errs.append("malformed != sum of malformed_by_reason")
    keys = [(f.get("first_seen"), f.get("family")) for f in flows]
    if [k[0] for k in keys] != sorted(k[0] for k in keys):
        errs.append("flows not ordered by first_seen")
    return errs


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    expdir = argv[1] if len(argv) > 1 else os.path.join(here, "expected")
    names = argv[2:] or sorted(FACTS)
    failed = 0
    for name in names:
        path = os.path.join(expdir, name + ".json")
        if not os.path.exists(path):
            print("skip %s: no %s" % (name, path))
            continue
        with open(path, encoding="utf-8") as f:
            errs = check(name, json.load(f))
        for e in errs:
            print("FAIL %s: %s" % (name, e))
        if not errs:
            print("ok   %s" % name)
        failed += bool(errs)
    print("facts: %d of %d failed" % (failed, len(names)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

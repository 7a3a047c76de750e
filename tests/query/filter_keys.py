#!/usr/bin/env python3
"""filter_keys.py WANT KIND=FILE... - the flows each output holds, as lines
(source, destination, protocol/port) x how many flows: what `segwatch flows
--json` (KIND flows), `graph --json` (graph), `report --json` (report) and
`capture --json` documents (capture) must agree on for the same filter
(tests/query/filters_cli.sh). Exit 1, saying how, when they differ or when the
first does not hold WANT flows. One run for all: Python starts slowly."""
import collections
import json
import sys

PORTS = {"tcp", "udp", "sctp", "udplite"}


def flow_key(r):
    def end(e):
        wl = r.get(e + "_workload") or {}
        return wl.get("name") or r[e]
    port = r.get("dport") if r.get("proto") in PORTS else r.get("icmp_type")
    return f"{end('src')} {end('dst')} {r.get('proto')}/{port}"


def edge_key(e, names):
    port = e.get("port", e.get("icmp_type"))
    src = e.get("src_name") or names.get(e["src"], e["src"])
    dst = e.get("dst_name") or names.get(e["dst"], e["dst"])
    return f"{src} {dst} {e['proto']}/{port}"


def keys_of(kind, text):
    keys = collections.Counter()
    if kind == "flows":
        for line in text.splitlines():
            if line.strip():
                keys[flow_key(json.loads(line))] += 1
    elif kind == "capture":
        dec, i = json.JSONDecoder(), 0
        while i < len(text.rstrip()):
            doc, i = dec.raw_decode(text, i)
            while i < len(text) and text[i].isspace():
                i += 1
            for r in doc.get("flows", []):
                keys[flow_key(r)] += 1
    elif kind == "graph":
        doc = json.loads(text)
        names = {n["id"]: n.get("name", n["id"]) for n in doc["nodes"]}
        for e in doc["edges"]:
            keys[edge_key(e, names)] += e["flows"]
    elif kind == "report":
        doc = json.loads(text)
        for edges in doc["edges"].values():
            for e in edges:
                keys[edge_key(e, {})] += e["flows"]
    else:
        sys.exit(f"unknown kind {kind}")
    return keys


def show(keys):
    return "; ".join(f"{k} x{keys[k]}" for k in sorted(keys)) or "(none)"


def main():
    want = int(sys.argv[1])
    outs = []
    for arg in sys.argv[2:]:
        kind, path = arg.split("=", 1)
        outs.append((kind, keys_of(kind, open(path).read())))
    first_kind, first = outs[0]
    bad = 0
    if sum(first.values()) != want:
        print(f"{first_kind}: {sum(first.values())} flows, want {want}: {show(first)}")
        bad = 1
    for kind, keys in outs[1:]:
        if keys != first:
            print(f"{kind} differs from {first_kind}:\n  {show(keys)}\n  {show(first)}")
            bad = 1
    sys.exit(bad)


main()

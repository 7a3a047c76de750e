#!/usr/bin/env python3
"""filter_keys.py KIND < OUTPUT - the flows an output holds, one line per
(source, destination, protocol/port) with how many flows, sorted: what
`segwatch flows --json` (KIND flows), `graph --json` (graph), `report --json`
(report) and `capture --json` documents, one after another (capture), must agree on
for the same filter (tests/query/filters_cli.sh)."""
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


def main():
    kind = sys.argv[1]
    text = sys.stdin.read()
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
    for k in sorted(keys):
        print(f"{k} x{keys[k]}")


main()

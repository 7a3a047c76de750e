#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen_flows - flow records (docs/flows.md JSON lines) between workloads, for
`segwatch learn` and `segwatch policy test` in the netpol export tests.

Usage: gen_flows.py WORKLOADS.json [--matrix PORTS] [--edges]

WORKLOADS.json: {"workloads": [{"name": "shop/web-1", "namespace": "shop",
"addr": "10.1.0.1", "labels": {"app": "web"}}, ...], "edges": [["shop/web-1",
"shop/api-1", "tcp", 8080], ...]}

--edges writes one answered flow per listed edge (what learn reads);
--matrix "tcp/80,tcp/8080,udp/53,icmp/8" writes one flow from every workload to
every other for each protocol/port (what policy test judges).
"""
import json
import sys

PROTO = {"tcp": 6, "udp": 17, "sctp": 132, "icmp": 1}


def endpoint(w):
    return {"name": w["name"], "namespace": w.get("namespace"), "id": w["name"],
            "source": "inventory", "labels": w.get("labels", {})}


def flow(src, dst, proto, port, state="established"):
    rec = {"type": "flow", "family": 4, "proto": proto, "proto_num": PROTO[proto],
           "src": src["addr"], "dst": dst["addr"], "initiator": "observed", "state": state,
           "first_seen": "2026-12-01T10:00:00.000000Z", "last_seen": "2026-12-01T10:00:01.000000Z",
           "packets": 4, "bytes": 400, "packets_rev": 3, "bytes_rev": 300,
           "src_kind": "workload", "src_workload": endpoint(src),
           "dst_kind": "workload", "dst_workload": endpoint(dst)}
    if proto == "icmp":
        rec["icmp_type"] = port
        rec["icmp_code"] = 0
    else:
        rec["sport"] = 40000
        rec["dport"] = port
    return rec


def main():
    spec = json.load(open(sys.argv[1]))
    by_name = {w["name"]: w for w in spec["workloads"]}
    out = []
    if "--edges" in sys.argv:
        for s, d, proto, port in spec["edges"]:
            out.append(flow(by_name[s], by_name[d], proto, port))
    if "--matrix" in sys.argv:
        ports = [p.split("/") for p in sys.argv[sys.argv.index("--matrix") + 1].split(",")]
        for s in spec["workloads"]:
            for d in spec["workloads"]:
                if s is d:
                    continue
                for proto, port in ports:
                    out.append(flow(s, d, proto, int(port)))
    for rec in out:
        print(json.dumps(rec, sort_keys=True))


if __name__ == "__main__":
    main()

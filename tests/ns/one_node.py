#!/usr/bin/env python3
"""one_node.py GRAPH GRAPH_ALL NAME... - issue 13's "one true picture" check.

GRAPH is `segwatch graph --json` of some flows, GRAPH_ALL the same with --all.
  - every container NAME is exactly one workload node, and no other workload
    node is drawn (a kernel netns name or pid:N/comm beside the engine's or
    the inventory's name would be a second node for one container);
  - no infrastructure node by default: no multicast, unspecified (::,
    0.0.0.0) or link-local node, and no edge judged on ND/MLD/IGMP/DAD/DHCP;
  - with --all nothing is lost: the flows on the edges of GRAPH_ALL are the
    flows of GRAPH plus the infrastructure tally GRAPH printed, and its
    workload nodes are the same but for containers that only did
    infrastructure traffic (the tally names them).
Prints a summary line; exits 1 with the reason when a point does not hold.
"""
import ipaddress
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def edge_flows(doc):
    return sum(int(e.get("flows", 0)) for e in doc.get("edges", []))


def is_noise_address(text):
    try:
        a = ipaddress.ip_address(text)
    except ValueError:
        return False
    return a.is_multicast or a.is_unspecified or a.is_link_local


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    g, g_all, names = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3:]
    workloads = [n for n in g["nodes"] if n.get("kind") == "workload"]
    seen = {}
    for n in workloads:
        seen.setdefault(n.get("name"), []).append(n["id"])
    twice = {k: v for k, v in seen.items() if len(v) > 1}
    assert not twice, f"containers drawn as more than one node: {twice}"
    missing = sorted(set(names) - set(seen))
    extra = sorted(set(seen) - set(names))
    assert not missing, f"containers without a node: {missing} (nodes: {sorted(seen)})"
    assert not extra, f"workload nodes that are no container of the lab: {extra}"
    noise = [n["id"] for n in g["nodes"]
             if n.get("kind") == "multicast" or is_noise_address(n.get("name") or n["id"])]
    assert not noise, f"infrastructure nodes drawn by default: {noise}"
    infra = g.get("infrastructure") or {}
    tally = int(infra.get("flows", 0))
    assert edge_flows(g_all) == edge_flows(g) + tally, \
        f"--all draws {edge_flows(g_all)} flows, default {edge_flows(g)} + tally {tally}"
    all_workloads = [n.get("name") for n in g_all["nodes"] if n.get("kind") == "workload"]
    assert len(all_workloads) == len(set(all_workloads)), f"--all: a container twice: {all_workloads}"
    # a container that only did infrastructure traffic is drawn with --all
    # alone, and then the tally names it
    quiet = {n.get("name") for n in infra.get("by_node", [])}
    extra = sorted(set(all_workloads) - set(names) - quiet)
    assert set(names) <= set(all_workloads) and not extra, \
        f"--all workload nodes {sorted(all_workloads)}: missing or unexplained ({extra})"
    print(f"ok: {len(names)} containers, one node each; {len(g['nodes'])} nodes, "
          f"{len(g['edges'])} edges, {edge_flows(g)} flows; infrastructure counted: {tally} flows "
          f"{infra.get('kinds', {})}; --all: {len(g_all['nodes'])} nodes, {edge_flows(g_all)} flows")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"one_node.py: {e}", file=sys.stderr)
        sys.exit(1)

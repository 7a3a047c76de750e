#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks for podman_identity.sh on engine_probe's JSON lines.

  probe_check.py ready PROBE_OUT TIMEOUT
      wait for the {"type":"ready"} line
  probe_check.py listing PROBE_OUT INSPECT_JSON EXPECT_JSON BRIDGE LINKS_JSON
      every expected container is listed once with podman's own labels,
      addresses and MACs (INSPECT_JSON: `podman inspect` of them), the
      expected namespace, and a host-side veth enslaved to BRIDGE
      (LINKS_JSON: `ip -j link show`); nothing else is listed
  probe_check.py change PROBE_OUT KIND NAME TIMEOUT [INSPECT_JSON]
      wait for a change line (start/stop) for NAME; for a start, check it
      resolves, its addresses against INSPECT_JSON, and print the latency
  probe_check.py stats PROBE_OUT MIN_RECONNECTS
      the final stats line; no parse errors among the error lines
"""
import json
import sys
import time


def lines(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            raw = raw.strip()
            if raw.startswith("{"):
                try:
                    out.append(json.loads(raw))
                except json.JSONDecodeError:
                    pass  # a line being written
    return out


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def podman_truth(inspect_path):
    """name -> (labels, addrs, macs) from `podman inspect`."""
    truth = {}
    with open(inspect_path, encoding="utf-8") as f:
        for c in json.load(f):
            nets = (c.get("NetworkSettings") or {}).get("Networks") or {}
            addrs, macs = set(), set()
            for n in nets.values():
                for k in ("IPAddress", "GlobalIPv6Address"):
                    if n.get(k):
                        addrs.add(n[k])
                if n.get("MacAddress"):
                    macs.add(n["MacAddress"])
            truth[c["Name"].lstrip("/")] = ((c.get("Config") or {}).get("Labels") or {}, addrs, macs)
    return truth


def wait_for(path, pred, timeout):
    end = time.time() + timeout
    while True:
        for o in lines(path):
            if pred(o):
                return o
        if time.time() > end:
            return None
        time.sleep(0.1)


def cmd_ready(path, timeout):
    if not wait_for(path, lambda o: o.get("type") == "ready", float(timeout)):
        fail(f"engine_probe printed no ready line within {timeout} s")


def check_workload(w, name, truth, expect, masters):
    labels, addrs, macs = truth[name]
    if w["labels"] != labels:
        fail(f"{name}: labels {w['labels']} != podman's {labels}")
    for k, v in expect.get("labels", {}).items():
        if w["labels"].get(k) != v:
            fail(f"{name}: label {k}={w['labels'].get(k)!r}, expected {v!r}")
    if set(w["addrs"]) != addrs:
        fail(f"{name}: addresses {sorted(w['addrs'])} != podman's {sorted(addrs)}")
    if set(w["macs"]) != macs:
        fail(f"{name}: MACs {w['macs']} != podman's {sorted(macs)}")
    if w["namespace"] != expect.get("namespace"):
        fail(f"{name}: namespace {w['namespace']!r}, expected {expect.get('namespace')!r}")
    if w["source"] != "engine":
        fail(f"{name}: source {w['source']}")
    return w["iface"], masters.get(w["iface"])


def cmd_listing(path, inspect_path, expect_path, bridge, links_path):
    truth = podman_truth(inspect_path)
    with open(expect_path, encoding="utf-8") as f:
        expect = json.load(f)
    with open(links_path, encoding="utf-8") as f:
        masters = {l["ifname"]: l.get("master") for l in json.load(f)}
    listed = [o for o in lines(path) if o.get("type") == "workload"]
    names = [w["name"] for w in listed]
    if sorted(names) != sorted(expect):
        fail(f"listed {sorted(names)}, expected exactly {sorted(expect)}")
    for w in listed:
        iface, master = check_workload(w, w["name"], truth, expect[w["name"]], masters)
        if not iface or master != bridge:
            fail(f"{w['name']}: host-side veth {iface!r} (master {master!r}), expected a port of {bridge}")
        print(f"  {w['name']:8} ns={w['namespace'] or '-':6} {','.join(sorted(w['addrs']))} "
              f"{w['macs'][0]} via {iface} labels={w['labels']}")


def cmd_change(path, kind, name, timeout, inspect_path=None):
    o = wait_for(path, lambda o: o.get("type") == "change" and o.get("kind") == kind
                 and o.get("name") == name, float(timeout))
    if not o:
        fail(f"no {kind} of {name} within {timeout} s")
    if kind == "start":
        if not o.get("resolves"):
            fail(f"{name}: the registry does not resolve its addresses/veth to it")
        if inspect_path:
            _, addrs, macs = podman_truth(inspect_path)[name]
            w = o["workload"]
            if set(w["addrs"]) != addrs or set(w["macs"]) != macs:
                fail(f"{name}: {w['addrs']} {w['macs']} != podman's {sorted(addrs)} {sorted(macs)}")
            if not w["iface"]:
                fail(f"{name}: no host-side veth")
    lat = o.get("latency_ms")
    print(f"{lat:.0f}" if lat is not None else "sync")


def cmd_stats(path, min_reconnects):
    objs = lines(path)
    st = [o for o in objs if o.get("type") == "stats"]
    if not st:
        fail("engine_probe printed no stats line")
    st = st[-1]
    print("  stats: " + ", ".join(f"{k}={v}" for k, v in st.items() if k != "type"))
    bad = [o["message"] for o in objs if o.get("type") == "error" and ": error:" in o["message"]]
    if bad:
        fail(f"engine reported malformed documents: {bad[:3]}")
    if st["reconnects"] < int(min_reconnects):
        fail(f"reconnects {st['reconnects']} < {min_reconnects}")
    if not st["connected"]:
        fail("the events stream is not connected at the end")


def main(argv):
    cmds = {"ready": cmd_ready, "listing": cmd_listing, "change": cmd_change, "stats": cmd_stats}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    cmds[argv[1]](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

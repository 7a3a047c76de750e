#!/usr/bin/env python3
"""kernel_check.py - assertions on kernel_probe's JSON lines (see kernel_view.sh).

  scan FILE capture=N,N.. absent=N,N.. wl=UID|NAME|IFACE|MAC|ADDR,ADDR ...
  wait FILE EXPR SECONDS        until a line `e` satisfies the Python EXPR
  latency FILE IFNAME T0_US MAX_US
  final FILE RUNNING_UIDS STOPPED_UIDS
"""
import json
import sys
import time


def lines(path):
    out = []
    with open(path) as f:
        for raw in f:
            raw = raw.strip()
            if raw.startswith("{"):
                try:
                    out.append(json.loads(raw))
                except ValueError:
                    pass  # a line being written
    return out


def check_scan(path, args):
    ev = lines(path)
    errors = [e for e in ev if e["event"] == "error"]
    if errors:
        return f"probe reported errors: {errors}"
    capture = [e["name"] for e in ev if e["event"] == "capture_iface"]
    wls = {e["uid"]: e for e in ev if e["event"] == "workload" and e["running"]}
    nss = {e["uid"]: e for e in ev if e["event"] == "netns" and e["uid"]}
    for a in args:
        key, _, val = a.partition("=")
        if key == "capture":
            if sorted(capture) != sorted(val.split(",")):
                return f"capture interfaces {capture}, expected {val}"
        elif key == "absent":
            bad = set(capture) & set(val.split(","))
            if bad:
                return f"{bad} must not be capture interfaces"
        elif key == "wl":
            uid, name, iface, mac, addrs = val.split("|")
            w = wls.get(uid)
            if not w:
                return f"no workload {uid}; found {list(wls)}"
            if w["name"] != name or w["iface"] != iface or w["source"] != "kernel":
                return f"workload {uid}: {w}, expected name {name} iface {iface}"
            if mac not in w["macs"]:
                return f"workload {uid}: MACs {w['macs']}, expected {mac}"
            missing = set(addrs.split(",")) - set(w["addrs"])
            if missing:
                return f"workload {uid}: addresses {w['addrs']} lack {missing}"
            if any(x.startswith("127.") or x == "::1" for x in w["addrs"]):
                return f"workload {uid}: loopback addresses in {w['addrs']}"
            ns = nss.get(uid)
            eth0 = [i for i in (ns or {}).get("ifaces", []) if i["name"] == "eth0"]
            if not eth0 or eth0[0]["mac"] != mac or eth0[0]["host_ifindex"] != w["ifindex"]:
                return f"namespace {uid}: eth0 should be the peer of {iface}: {ns}"
            print(f"found {uid} {name} on {iface}: {w['macs']} {w['addrs']}")
    print(f"capture interfaces: {capture}")
    return None


def matches(path, code):
    n = 0
    for e in lines(path):
        try:
            n += bool(eval(code, {}, {"e": e}))
        except (KeyError, TypeError):
            continue
    return n


def wait(path, expr, seconds):
    deadline = time.monotonic() + float(seconds)
    code = compile(expr, "expr", "eval")
    while not matches(path, code):
        if time.monotonic() > deadline:
            return f"timed out after {seconds}s waiting for: {expr}"
        time.sleep(0.05)
    return None


def latency(path, ifname, t0, max_us):
    adds = [e for e in lines(path) if e["event"] == "port_added" and e["ifname"] == ifname]
    lat = adds[0]["t_us"] - int(t0)
    print(f"port_added latency for {ifname}: {lat / 1000:.1f} ms (limit {int(max_us) / 1000:.0f} ms)")
    return None if 0 <= lat <= int(max_us) else f"latency {lat} us"


def final(path, running, stopped):
    ev = lines(path)
    errors = [e for e in ev if e["event"] == "error"]
    if errors:
        return f"probe reported errors: {errors}"
    fin = {e["uid"]: e for e in ev if e["event"] == "workload" and e.get("final")}
    for uid in filter(None, running.split(",")):
        if uid not in fin or not fin[uid]["running"]:
            return f"{uid} should still be running: {fin.get(uid)}"
    for uid in filter(None, stopped.split(",")):
        if uid not in fin or fin[uid]["running"]:
            return f"{uid} should be stopped in the registry: {fin.get(uid)}"
    for e in ev:
        if e["event"] in ("stats", "poll_cost"):
            print(e["event"] + ":", {k: v for k, v in e.items() if k != "event"})
    return None


def main():
    cmd, path, *args = sys.argv[1:]
    if cmd == "scan":
        err = check_scan(path, args)
    elif cmd == "wait":
        err = wait(path, *args)
    elif cmd == "latency":
        err = latency(path, *args)
    elif cmd == "final":
        err = final(path, *args)
    else:
        err = f"unknown command {cmd}"
    if err:
        print("kernel_check:", err)
        sys.exit(1)


if __name__ == "__main__":
    main()

"""What nfdump should list for segwatch's flow records, and what it did list.

Shared by tests/ipfix/nfcapd.sh, tests/ns/agent_lab.sh and
tests/ns/agent_multihost.sh. A flow is keyed on
(src, dst, sport, dport, proto, packets, bytes, reverse packets, reverse
bytes); ICMP has no ports in the key (nfdump shows type.code there).
"""
import collections

# nfdump's names for the protocols a container host sends (IGMP: a namespace
# joining a multicast group reports it, now and then, in the middle of a test)
NAMES = {1: "ICMP", 2: "IGMP", 6: "TCP", 17: "UDP", 58: "ICMP6"}


def want(records, mode="biflow"):
    """The nfdump rows segwatch's flow records (dicts of the JSON lines) make."""
    out = collections.Counter()
    for r in records:
        if r.get("type") != "flow":
            continue
        icmp = r["proto_num"] in (1, 58)
        sp, dp = (None, None) if icmp else (r["sport"], r["dport"])
        pr = NAMES.get(r["proto_num"], str(r["proto_num"]))
        f, b = r["fwd"], r["rev"]
        if mode == "biflow":
            out[(r["src"], r["dst"], sp, dp, pr, f["packets"], f["bytes"], b["packets"], b["bytes"])] += 1
            continue
        if f["packets"]:
            out[(r["src"], r["dst"], sp, dp, pr, f["packets"], f["bytes"], 0, 0)] += 1
        if b["packets"]:
            out[(r["dst"], r["src"], dp, sp, pr, b["packets"], b["bytes"], 0, 0)] += 1
    return out


def got(csv_path, router=None):
    """The rows of `nfdump -o csv` (its header line names the columns); with
    router, only those nfcapd received from that exporter address (`ra`)."""
    rows = []
    for line in open(csv_path):
        if not line.strip() or line.startswith("Summary"):
            break
        rows.append(line.rstrip("\n").split(","))
    out = collections.Counter()
    if not rows:
        return out
    col = {k: i for i, k in enumerate(rows[0])}
    for row in rows[1:]:
        v = lambda k: row[col[k]].strip()
        if router is not None and v("ra") != router:
            continue
        pr = v("pr")
        icmp = pr in ("ICMP", "ICMP6")
        out[(v("sa"), v("da"), None if icmp else int(v("sp")), None if icmp else int(v("dp")), pr,
             int(v("ipkt")), int(v("ibyt")), int(v("opkt")), int(v("obyt")))] += 1
    return out


def report(w, g, what):
    """True when they agree; otherwise print the difference."""
    if w == g and w:
        return True
    print("FAIL: nfdump and %s disagree" % what)
    print("  only in %s:" % what, sorted((w - g).elements(), key=str)[:10])
    print("  only in nfdump:  ", sorted((g - w).elements(), key=str)[:10])
    return False


def totals(w):
    """(records, packets, bytes) of want()'s rows."""
    rows = list(w.elements())
    return len(rows), sum(k[5] + k[7] for k in rows), sum(k[6] + k[8] for k in rows)

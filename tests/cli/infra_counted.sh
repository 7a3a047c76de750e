#!/usr/bin/env bash
# infra_counted.sh SEGWATCH - infrastructure traffic is counted, not drawn
# (docs/flows.md, "Infrastructure traffic"). A pcap of two workloads talking
# TCP, mixed with ND, RS, DAD, MLD, IGMP, DHCP, DHCPv6 and ARP
# (infra_pcap.py), goes through capture (table), graph (table, JSON, merge),
# report, learn and alerts. The expected counts come from the raw flow
# records, classified here on their own: no infrastructure node or edge by
# default, the tally right, --all gives every node and edge back.
set -u
SEGWATCH=${1:?usage: infra_counted.sh SEGWATCH}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
sw() { "$SEGWATCH" "$@"; }

python3 "$(dirname "$0")/infra_pcap.py" "$tmp/t.pcap" "$tmp/inv.json" || fail "cannot write the pcap"
inv=(--inventory "$tmp/inv.json")

sw capture -r "$tmp/t.pcap" "${inv[@]}" --json >"$tmp/cap.json" || fail "capture --json"
sw capture -r "$tmp/t.pcap" "${inv[@]}" -q -w "$tmp/f.jsonl" >/dev/null || fail "capture -w"
sw capture -r "$tmp/t.pcap" "${inv[@]}" >"$tmp/cap.txt" || fail "capture table"
sw capture -r "$tmp/t.pcap" "${inv[@]}" --all >"$tmp/cap_all.txt" || fail "capture --all"
sw graph "$tmp/f.jsonl" --json >"$tmp/g.json" || fail "graph --json"
sw graph "$tmp/f.jsonl" --json --all >"$tmp/g_all.json" || fail "graph --json --all"
sw graph "$tmp/f.jsonl" >"$tmp/g.txt" || fail "graph"
sw graph "$tmp/f.jsonl" --all >"$tmp/g_all.txt" || fail "graph --all"
sw graph merge "$tmp/g.json" "$tmp/g.json" >"$tmp/merged.json" || fail "graph merge"
sw learn "$tmp/f.jsonl" -o "$tmp/p.json" --baseline "$tmp/b.json" 2>"$tmp/learn.err" ||
	fail "learn: $(cat "$tmp/learn.err")"
sw learn "$tmp/f.jsonl" --all -o "$tmp/p_all.json" 2>/dev/null || fail "learn --all"
# the learned policy, applied, would let everything seen through: ND by the
# ruleset's own accept, the rest of the infrastructure is unmanaged
sw policy test "$tmp/p.json" --flows "$tmp/f.jsonl" >"$tmp/ptest.txt" 2>&1 ||
	fail "policy test of the learned policy: $(cat "$tmp/ptest.txt")"
sw report --policy "$tmp/p.json" "$tmp/f.jsonl" --json >"$tmp/r.json"; rc=$?
[ $rc = 0 ] || fail "report on the learned policy: exit $rc (violations?)"
sw report --policy "$tmp/p.json" "$tmp/f.jsonl" >"$tmp/r.txt" || fail "report (text)"
sw report --policy "$tmp/p.json" "$tmp/f.jsonl" --json --all >"$tmp/r_all.json"
for setting in ignore alert; do
	echo "{\"alerts\": {\"infrastructure\": \"$setting\"}}" >"$tmp/ac_$setting.json"
	sw capture -r "$tmp/t.pcap" "${inv[@]}" -q --alerts "$tmp/alerts_$setting.jsonl" \
		--baseline "$tmp/b.json" --alert-config "$tmp/ac_$setting.json" >/dev/null ||
		fail "capture --alerts ($setting)"
done

python3 - "$tmp" <<'PY' || exit 1
import collections, ipaddress, json, os, re, sys
tmp = sys.argv[1]
def load(n): return json.load(open(os.path.join(tmp, n)))
def text(n): return open(os.path.join(tmp, n)).read()
def fail(m): print("FAIL: " + m); sys.exit(1)

# the classification, written again from docs/flows.md
def kind(f):
    p, t = f["proto_num"], f.get("icmp_type")
    fam = 6 if ":" in f["src"] else 4
    ports = {f.get("sport"), f.get("dport")}
    if fam == 4 and p == 2: return "igmp"
    if p == 17 and fam == 4 and ports <= {67, 68}: return "dhcp"
    if p == 17 and fam == 6 and ports <= {546, 547}: return "dhcp"
    if fam == 6 and p == 58:
        if t == 135 and ipaddress.ip_address(f["src"]).is_unspecified: return "dad"
        if 133 <= t <= 137: return "nd"
        if t in (130, 131, 132, 143): return "mld"
    return None

cap = load("cap.json")
flows = cap["flows"]
kinds = collections.Counter(k for k in map(kind, flows) if k)
n_infra, n_real = sum(kinds.values()), len([f for f in flows if not kind(f)])
arp = cap["counters"]["not_tracked"]["arp"]
for k in ("nd", "mld", "igmp", "dad", "dhcp"):
    if not kinds[k]: fail("the pcap has no %s flow: %s" % (k, dict(kinds)))
for f in flows:  # each record names its kind ("infra"), the real ones none
    if f.get("infra") != kind(f): fail("record says infra %r, want %r: %s" % (f.get("infra"), kind(f), f))
if n_real != 2 or arp != 2: fail("expected 2 real flows and 2 ARP frames, got %d, %d" % (n_real, arp))

def tally_line(t, verb, nodes=None):
    m = re.search(r"^infrastructure: (\d+) flows \(([^)]*)\)( of (\d+) nodes)? not %s" % verb, t, re.M)
    if not m: fail("no infrastructure line (%s) in:\n%s" % (verb, t))
    got = {k: int(v) for k, v in (x.split() for x in m.group(2).split(", "))}
    if int(m.group(1)) != n_infra or got != dict(kinds):
        fail("tally line %s, want %d %s" % (m.group(0), n_infra, dict(kinds)))
    if nodes is not None and int(m.group(4) or 0) != nodes:
        fail("tally line %s: want %d nodes" % (m.group(0), nodes))

def rows(t):  # table rows: lines between the header and the first line that is no row
    ls = t.splitlines()
    return [l for l in ls[1:] if re.match(r"^(\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\s", l)]

# capture: the table leaves them out and counts them; --all lists every flow; --json has all
ct, cta = text("cap.txt"), text("cap_all.txt")
if len(rows(ct)) != n_real: fail("capture table: %d rows, want %d" % (len(rows(ct)), n_real))
tally_line(ct, "listed")
if len(rows(cta)) != len(flows) or "infrastructure:" in cta:
    fail("capture --all: %d rows, want %d, and no tally" % (len(rows(cta)), len(flows)))

# graph: only the two workloads, the two TCP edges; the tally by kind and node
g, ga = load("g.json"), load("g_all.json")
ids = sorted(n["id"] for n in g["nodes"])
if len(ids) != 2 or not all(i.startswith("wl:") for i in ids): fail("graph nodes %s" % ids)
if sorted((e["proto"], e.get("port")) for e in g["edges"]) != [("tcp", 80), ("tcp", 443)]:
    fail("graph edges %s" % [e["id"] for e in g["edges"]])
inf = g.get("infrastructure") or fail("graph: no infrastructure object")
if inf["flows"] != n_infra or inf["kinds"] != dict(kinds) or inf["arp_frames"] != arp:
    fail("graph infrastructure %s, want %d %s arp %d" % (inf, n_infra, dict(kinds), arp))
if sum(n["flows"] for n in inf["by_node"]) != n_infra: fail("by_node does not add up: %s" % inf)
web = [n for n in inf["by_node"] if n["name"] == "shop/web-1"]
web_want = collections.Counter(kind(f) for f in flows if kind(f) and
                               f.get("src_workload", {}).get("name") == "shop/web-1")
if not web or web[0]["kinds"] != dict(web_want): fail("web's tally %s, want %s" % (web, dict(web_want)))
tally_line(text("g.txt"), "drawn", len(inf["by_node"]))
# --all: every node and edge back, no tally
if "infrastructure" in ga: fail("graph --all has a tally")
all_ids = {n["id"] for n in ga["nodes"]}
for want in ("unspec:::", "unspec:0.0.0.0", "mc:ff02::16", "mc:224.0.0.22"):
    if want not in all_ids: fail("graph --all lacks %s: %s" % (want, sorted(all_ids)))
keys = {(f["src"], f["dst"], f["proto_num"], f.get("icmp_type", f.get("dport"))) for f in flows if kind(f)}
if len(ga["edges"]) != len(g["edges"]) + len(keys) or sum(e["flows"] for e in ga["edges"]) != len(flows):
    fail("graph --all: %d edges, %d flows" % (len(ga["edges"]), sum(e["flows"] for e in ga["edges"])))
if "infrastructure:" in text("g_all.txt"): fail("graph --all table has a tally")
if "%d nodes" % len(ga["nodes"]) not in text("g_all.txt"): fail("graph --all table")
# merge sums the tallies
m = load("merged.json")["infrastructure"]
if m["flows"] != 2 * n_infra or m["arp_frames"] != 2 * arp: fail("merge: %s" % m)

# learn: no rule for infrastructure, the tally on stderr; --all learns them
p, pa = json.dumps(load("p.json")), json.dumps(load("p_all.json"))
if "icmpv6" in p or '"ff02' in p or "0.0.0.0" in p: fail("learned policy has infrastructure: %s" % p)
if "icmpv6" not in pa: fail("learn --all learned no ND rule")
tally_line(text("learn.err"), "learned")
b = json.dumps(load("b.json"))
if "icmpv6" in b: fail("baseline has infrastructure edges")

# report: nothing unmanaged by default; --all judges them again
r, ra = load("r.json"), load("r_all.json")
if r["summary"].get("unmanaged", 0) or r["summary"].get("violation", 0):
    fail("report: %s" % r["summary"])
if r["infrastructure"]["flows"] != n_infra: fail("report infrastructure %s" % r["infrastructure"])
# not drawn, but said: what the policy would deny (the unicast DHCP renewal between two
# workloads the learned policy has no rule for; ND passes, the rest is unmanaged)
denied = len([f for f in flows if kind(f) and kind(f) != "nd" and "src_workload" in f and "dst_workload" in f])
if denied != 1 or r["infrastructure"].get("denied") != denied:
    fail("report infrastructure denied %s, want %d" % (r["infrastructure"].get("denied"), denied))
if "the policy would deny %d of them" % denied not in text("r.txt"): fail("report text:\n" + text("r.txt"))
tally_line(text("r.txt"), "drawn")
if not ra["summary"].get("unmanaged") or "infrastructure" in ra: fail("report --all: %s" % ra["summary"])
# --all judges ND as the ruleset does: accepted before any rule
nd = [e for e in ra["edges"].get("allowed", []) if e.get("rule") == "neighbour_discovery"]
# (the learned policy is in monitor mode: what it would deny is "monitor")
if not nd or ra["summary"].get("violation") or ra["summary"].get("monitor") != denied:
    fail("report --all: ND not allowed by neighbour_discovery, or monitor != %d: %s" % (denied, ra["summary"]))

# alerts: the baseline knows the TCP edges; infrastructure raises new_edge only when asked
def alerts(n):
    p = os.path.join(tmp, n)
    return [json.loads(l) for l in open(p)] if os.path.exists(p) else []
if [a for a in alerts("alerts_ignore.jsonl") if a.get("kind") == "new_edge"]:
    fail("new_edge alerts for infrastructure: %s" % alerts("alerts_ignore.jsonl"))
if not [a for a in alerts("alerts_alert.jsonl") if a.get("kind") == "new_edge"]:
    fail("\"infrastructure\": \"alert\" raised no new_edge")
print("ok: %d real flows, %d infrastructure %s, %d ARP frames" % (n_real, n_infra, dict(kinds), arp))
PY

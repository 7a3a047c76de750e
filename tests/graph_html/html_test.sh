#!/bin/bash
# The HTML flow graph page in a real headless Chromium.
#   html_test.sh HTML_DRIVER TESTDIR
# For each fixture graph: write the page, load it (with #selftest, which clicks
# a node and an edge, wheels and drags through the real event handlers), and
# read the status the page writes into its own DOM. Checks: no console errors
# (in-page count and Chromium's own console log), nothing fetched, the drawn
# node/edge counts and per-verdict counts equal those in the JSON, hostile
# strings stay inert. Exit 77 (skip) when chromium is missing or cannot start.
set -u
driver=$1 dir=$2
fail=0
chromium=$(command -v chromium || command -v chromium-browser) || { echo "SKIP: chromium not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 needed to read the results"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_chromium() { # URL OUT ERR
	timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d -p "$work")" \
		--enable-logging=stderr --v=0 --window-size=1280,800 --dump-dom "$1" >"$2" 2>"$3"
}
echo '<html><body>ok</body></html>' >"$work/probe.html"
if ! run_chromium "file://$work/probe.html" "$work/probe.out" "$work/probe.err" || ! grep -q ok "$work/probe.out"; then
	echo "SKIP: chromium cannot run here:"; tail -5 "$work/probe.err"; exit 77
fi

check() { # NAME GRAPH.json
	local name=$1 graph=$2 page="$work/$1.html"
	if ! "$driver" "$graph" "$page" "segwatch test: $name </title><script>window.pwned=1</script>"; then
		echo "FAIL $name: driver failed"; fail=1; return
	fi
	run_chromium "file://$page#selftest" "$work/$name.dom" "$work/$name.err"
	python3 - "$name" "$graph" "$page" "$work/$name.dom" "$work/$name.err" <<'PY' || fail=1
import html, json, re, sys
name, graph_path, page_path, dom_path, err_path = sys.argv[1:]
graph = json.load(open(graph_path, encoding="utf-8"))
page = open(page_path, encoding="utf-8").read()
dom = open(dom_path, encoding="utf-8").read()
err = open(err_path, encoding="utf-8", errors="replace").read()
problems = []
m = re.search(r'<pre id="sw-status"[^>]*>(.*?)</pre>', dom, re.S)
if not m or not m.group(1).strip():
    print(f"FAIL {name}: the page wrote no status"); sys.exit(1)
st = json.loads(html.unescape(m.group(1)))
ids = {str(n["id"]) for n in graph.get("nodes", [])}
implicit = {str(e[k]) for e in graph.get("edges", []) for k in ("src", "dst")} - ids
verdicts = {}
for e in graph.get("edges", []):
    v = e.get("verdict") if e.get("verdict") in ("allowed", "violation", "unmanaged", "monitor", "none") else "none"
    verdicts[v] = verdicts.get(v, 0) + 1
# What the page should draw, worked out here independently of page.js:
# collapsed (auto) above 150 nodes; a collapsed group is one node; ungrouped
# externals/multicast fold into one node per kind when more than 30; edges
# between two single nodes stay, the rest merge per ordered pair (worst verdict).
RANK = ["none", "monitor", "allowed", "unmanaged", "violation"]
def model(g):
    ns, seen = [], set()
    for n in g.get("nodes", []):
        if isinstance(n, dict) and n.get("id") is not None and str(n["id"]) not in seen:
            seen.add(str(n["id"])); ns.append(n)
    es = []
    for e in g.get("edges", []):
        for k in ("src", "dst"):
            if str(e[k]) not in seen:
                seen.add(str(e[k])); ns.append({"id": str(e[k]), "kind": "external"})
        v = e.get("verdict") if e.get("verdict") in RANK else "none"
        es.append((str(e["src"]), str(e["dst"]), v))
    return ns, es
def drawn(g, by="group", collapsed=None):
    ns, es = model(g)
    if collapsed is None:
        collapsed = len(ns) > 150
    def kind(n): return n.get("kind") if n.get("kind") in ("host", "external", "multicast") else "workload"
    key = {}
    for n in ns:
        if by == "group":
            gk = "g:" + str(n["groups"][0]) if isinstance(n.get("groups"), list) and n["groups"] else None
        else:
            v = (n.get("labels") or {}).get(by)
            gk = None if v is None else "g:" + str(v)
        key[str(n["id"])] = gk
    kinds = {}
    for n in ns:
        if key[str(n["id"])] is None: kinds[kind(n)] = kinds.get(kind(n), 0) + 1
    for n in ns:
        if key[str(n["id"])] is None and kind(n) in ("external", "multicast") and kinds[kind(n)] > 30:
            key[str(n["id"])] = "k:" + kind(n)
    vk = {i: (k if (k is not None and collapsed) else "n:" + i) for i, k in key.items()}
    agg, single = {}, []
    for s, d, v in es:
        a, b = vk[s], vk[d]
        if a.startswith("n:") and b.startswith("n:"):
            single.append(v)
        else:
            agg[(a, b)] = max(agg.get((a, b), "none"), v, key=RANK.index)
    verdicts = {}
    for v in single + list(agg.values()):
        verdicts[v] = verdicts.get(v, 0) + 1
    groups = {k for k in vk.values() if not k.startswith("n:")}
    return {"nodes": len(set(vk.values())), "edges": len(single) + len(agg), "verdicts": verdicts,
            "groups": len(groups), "collapsed": collapsed}
ids = {str(n["id"]) for n in graph.get("nodes", [])}
implicit = {str(e[k]) for e in graph.get("edges", []) for k in ("src", "dst")} - ids
d = drawn(graph)
want = {"ready": True, "errors": 0, "nodes": d["nodes"], "edges": d["edges"], "verdicts": d["verdicts"],
        "groups_drawn": d["groups"], "collapsed": d["collapsed"], "implicit_nodes": len(implicit)}
for k, v in want.items():
    if st.get(k) != v:
        problems.append(f"{k}: page says {st.get(k)!r}, graph has {v!r}")
for k, v in (st.get("selftest") or {}).items():
    if v is False:
        problems.append(f"selftest {k} failed")
sel = st.get("selftest") or {}
need = []
if want["nodes"]:
    need += ["click_node", "on_select", "load_keeps_position", "load_keeps_selection", "load_new_node", "load_no_callback", "api_select"]
if graph.get("edges"):
    need += ["click_edge", "on_select_edge"]
if d["collapsed"] and d["groups"]:
    need += ["group_panel", "expand_group", "collapse_group", "expand_all", "collapse_all"]
    if d["groups"] > 1:
        need.append("dblclick_expand")
for k in need:
    if sel.get(k) is not True:
        problems.append(f"selftest {k}: {sel.get(k)!r} {sel.get('expand_detail', '')}")
gb = sel.get("groupby")
if gb:
    w = drawn(graph, gb["key"], gb["collapsed"])
    got = {"nodes": gb["drawn_nodes"], "edges": gb["drawn_edges"], "groups": gb["groups"]}
    if got != {k: w[k] for k in got}:
        problems.append(f"group by {gb['key']!r}: page drew {got}, expected {w}")
if want["nodes"] and ("<b>node</b>" in dom or "&lt;b&gt;node&lt;/b&gt;" not in dom):
    problems.append("a new node's name loaded by swViewer.load() is not shown as text")
if st.get("messages"):
    problems.append(f"console: {st['messages']}")
console = [l for l in err.splitlines() if ":CONSOLE" in l]
if console:
    problems.append(f"chromium console: {console[:3]}")
if "<script>window.pwned" in dom:
    problems.append("title or data broke out into markup")
if page.count("</script") != 3 or "<!--" in page:
    problems.append(f"page has {page.count('</script')} '</script' (3 expected) or a '<!--'")
if re.search(r"https?://", page):
    problems.append("page mentions an http(s) URL (must work offline)")
if "Content-Security-Policy" not in page:
    problems.append("no Content-Security-Policy")
if problems:
    print(f"FAIL {name}:"); [print("  " + p) for p in problems]; sys.exit(1)
print(f"ok   {name}: drew {st['nodes']} nodes ({st['groups_drawn']} collapsed groups), {st['edges']} edges {st['verdicts']}, render {st['render_ms']} ms")
print(f"     selftest {st.get('selftest')}")
PY
}

check demo "$dir/demo_graph.json"
check tricky "$dir/tricky_graph.json"
echo '{"type":"graph","version":1,"nodes":[],"edges":[]}' >"$work/empty.json"
check empty "$work/empty.json"
echo '{"type":"graph","version":1}' >"$work/bare.json"
check bare "$work/bare.json"
python3 - >"$work/mid.json" <<'PY'
import json, random
r = random.Random(1)
nodes = [{"id": "n%d" % i, "name": "w%d" % i, "kind": "workload", "groups": ["g%d" % (i % 7)]} for i in range(300)]
edges = [{"src": "n%d" % r.randrange(300), "dst": "n%d" % r.randrange(300), "proto": "tcp", "port": 80 + i % 5,
          "verdict": r.choice(["allowed", "violation", "unmanaged", "monitor", "none"])} for i in range(3500)]
print(json.dumps({"type": "graph", "version": 1, "nodes": nodes, "edges": edges}))
PY
check mid "$work/mid.json"
# Above 150 nodes groups start collapsed: 8 groups (one with a hostile name),
# 12 ungrouped workloads, 40 externals (folded into one node), labels on most.
python3 - >"$work/big.json" <<'PY'
import json, random
r = random.Random(2)
groups = ["web", "api", "db", "cache", "queue", "auth", "batch", "g<img src=x onerror=window.pwned=1>"]
nodes = [{"id": "w%d" % i, "name": "wl-%d" % i, "kind": "workload", "groups": [groups[i % 8]],
          "labels": {"app": "app%d" % (i % 6), "zone": "z%d" % (i % 3)} if i % 10 else {"zone": "z%d" % (i % 3)}}
         for i in range(360)]
nodes += [{"id": "u%d" % i, "name": "loose-%d" % i, "kind": "workload"} for i in range(12)]
nodes += [{"id": "x%d" % i, "name": "203.0.113.%d" % i, "kind": "external"} for i in range(40)]
ids = [n["id"] for n in nodes]
edges = [{"src": r.choice(ids), "dst": r.choice(ids), "proto": "tcp", "port": r.choice((80, 443, 5432)),
          "flows": {"established": 2, "refused": i % 2}, "packets": [10, 9], "bytes": [1000, 5000],
          "verdict": r.choice(["allowed", "allowed", "allowed", "violation", "unmanaged", "monitor", "none"])}
         for i in range(3000)]
edges += [{"src": "u%d" % i, "dst": "u%d" % ((i + 1) % 12), "proto": "udp", "port": 53, "verdict": "allowed"} for i in range(12)]
print(json.dumps({"type": "graph", "version": 1, "nodes": nodes, "edges": edges}))
PY
check big "$work/big.json"

# SW_SCREENSHOT_DIR=docs/screenshots: the pictures in docs/graph-html.md, from
# the same driver and the real page (look at them before committing).
shot() { # PAGE OUT.png [HASH]
	timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d -p "$work")" \
		--hide-scrollbars --window-size=1280,720 --screenshot="$2" "file://$1${3:-}" >/dev/null 2>&1 ||
		{ echo "FAIL screenshot $2"; fail=1; }
}
if [ -n "${SW_SCREENSHOT_DIR:-}" ]; then
	"$driver" "$dir/demo_graph.json" "$work/shot-demo.html" "segwatch demo: lab flow graph"
	shot "$work/shot-demo.html" "$SW_SCREENSHOT_DIR/graph-html-demo.png"
	shot "$work/shot-demo.html" "$SW_SCREENSHOT_DIR/graph-html-details.png" "#select=c:web-1"
	bench_graph="$(dirname "$0")/../../tools/bench/html_bench.sh"
	HTML_BENCH_KEEP="$work/g2000.json" HTML_BENCH_MODES=none bash "$bench_graph" "$driver" 2000 20000 1 >/dev/null
	"$driver" "$work/g2000.json" "$work/shot-2000.html" "2,000 workloads in 40 groups"
	shot "$work/shot-2000.html" "$SW_SCREENSHOT_DIR/graph-html-collapsed.png"
	shot "$work/shot-2000.html" "$SW_SCREENSHOT_DIR/graph-html-expanded-one.png" "#select=w5"
	echo "screenshots in $SW_SCREENSHOT_DIR"
fi
exit $fail

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
want = {"ready": True, "errors": 0, "nodes": len(ids) + len(implicit), "edges": len(graph.get("edges", [])),
        "verdicts": verdicts, "implicit_nodes": len(implicit)}
for k, v in want.items():
    if st.get(k) != v:
        problems.append(f"{k}: page says {st.get(k)!r}, graph has {v!r}")
for k, v in (st.get("selftest") or {}).items():
    if v is False:
        problems.append(f"selftest {k} failed")
if want["nodes"] and not (st.get("selftest") or {}).get("click_node"):
    problems.append("selftest did not click a node")
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
print(f"ok   {name}: {st['nodes']} nodes, {st['edges']} edges {st['verdicts']}, render {st['render_ms']} ms, selftest {st.get('selftest')}")
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
exit $fail

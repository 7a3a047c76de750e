#!/bin/bash
# Time to first complete render of the HTML flow graph in headless Chromium.
#   tools/bench/html_bench.sh HTML_DRIVER [NODES [EDGES [RUNS]]]
# HTML_DRIVER is build/tests/graph_html/html_driver. The graph is synthetic and
# deterministic: NODES workloads in 40 groups, EDGES edges (mostly within and
# between neighbouring groups, 5% violations, 3% unmanaged). The page reports
# performance.now() after the first draw plus a pixel read-back (so the canvas
# has really been rasterised): navigation start -> complete picture, which
# includes parsing the JSON and the layout. Then it times swViewer.load() of a
# changed document (1% new nodes with an edge each, 1% of edges gone, 1% with
# another verdict) until its picture is rasterised.
# Two modes: "collapsed" (the default page: above 150 nodes, one node per
# group) and "expanded" (#expanded: every workload drawn). Target for the
# collapsed first render: under 1000 ms.
#   HTML_BENCH_MODES   modes to run (default "collapsed expanded"; "none": only the graph)
#   HTML_BENCH_KEEP    copy the generated graph JSON to this file
#   HTML_BENCH_BASELINE another build's html_driver (e.g. main's): its page
#                      runs as mode "baseline", alternating with the others
#   HTML_BENCH_LIMIT_MS exit 1 when the collapsed median is above this (the
#                      ctest graph_html_scale sets a generous 3000)
set -eu
driver=${1:?usage: html_bench.sh HTML_DRIVER [NODES [EDGES [RUNS]]]}
nodes=${2:-2000} edges=${3:-20000} runs=${4:-3}
command -v chromium >/dev/null || { echo "html_bench: chromium not installed (apt-get install chromium)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$nodes" "$edges" >"$work/graph.json" <<'PY'
import json, random, sys
n, m = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(5)
groups = ["g%02d" % i for i in range(40)]
nodes = [{"id": "w%d" % i, "name": "wl-%d" % i, "kind": "workload",
          "labels": {"app": groups[i % 40], "idx": str(i)}, "groups": [groups[i % 40]]} for i in range(n)]
seen, edges = set(), []
while len(edges) < m:
    s = rnd.randrange(n)
    g = (s % 40 + rnd.choice((0, 0, 1, 39))) % 40   # same or neighbouring group
    d = g + 40 * rnd.randrange(max(1, n // 40))
    if d >= n or d == s:
        continue
    port = rnd.choice((80, 443, 5432, 6379, 8080, 9100))
    if (s, d, port) in seen:
        continue
    seen.add((s, d, port))
    r = rnd.random()
    v = "violation" if r < 0.05 else "unmanaged" if r < 0.08 else "allowed"
    edges.append({"src": "w%d" % s, "dst": "w%d" % d, "proto": "tcp", "port": port,
                  "flows": {"established": 3, "attempted": 0, "refused": 0, "closed": 3},
                  "packets": [30, 28], "bytes": [4000, 90000], "verdict": v})
# compact, as segwatch graph --format html embeds it (json_dumps JSON_COMPACT)
json.dump({"type": "graph", "version": 1, "nodes": nodes, "edges": edges}, sys.stdout, separators=(",", ":"))
PY
[ -z "${HTML_BENCH_KEEP:-}" ] || cp "$work/graph.json" "$HTML_BENCH_KEEP" # the screenshots use the same graph
"$driver" "$work/graph.json" "$work/graph.html" "bench $nodes/$edges"
echo "html_bench: $nodes nodes, $edges edges, page $(($(stat -c %s "$work/graph.html") / 1024)) KiB"

modes=${HTML_BENCH_MODES:-collapsed expanded}
limit=${HTML_BENCH_LIMIT_MS:-}
if [ -n "${HTML_BENCH_BASELINE:-}" ]; then # another build's driver: its page, as it draws by default
	"$HTML_BENCH_BASELINE" "$work/graph.json" "$work/baseline.html" "bench $nodes/$edges"
	modes="baseline $modes"
fi
rc=0
declare -A times
# runs outer, modes inner: the modes alternate, so a change in the host's load
# hits all of them alike
for i in $(seq "$runs"); do
	for mode in $modes; do
		[ "$mode" != none ] || continue
		page="$work/graph.html#bench"
		[ "$mode" = expanded ] && page="$work/graph.html#bench&expanded"
		[ "$mode" = baseline ] && page="$work/baseline.html#bench"
		t0=$(date +%s%N)
		dom=$(timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
			--disable-component-update --disable-sync --no-first-run --user-data-dir="$work/profile-$mode$i" \
			--window-size=1280,800 --dump-dom "file://$page" 2>/dev/null)
		wall=$((($(date +%s%N) - t0) / 1000000))
		status=$(grep -o '<pre id="sw-status"[^>]*>[^<]*' <<<"$dom" | sed 's/^[^>]*>//')
		line=$(python3 -c '
import html, json, sys
s = json.loads(html.unescape(sys.argv[1]))
assert s["ready"] and s["errors"] == 0, s
g = lambda k: s.get(k, "-")
split = ""
if "script_ms" in s:
    split = " = page read by the browser %s ms + JSON.parse %s ms + viewer load() %s ms + raster" % (
        s["script_ms"], s["parse_ms"] - s["script_ms"], s["load_ms"])
print(s["render_ms"], "first complete render %s ms%s (layout %s ms, %s iterations; drew %s nodes, %s edges), pan/zoom frame %s ms, load() of a changed graph %s ms (%s layout)" % (
    s["render_ms"], split, g("layout_ms"), g("layout_iterations"), s["nodes"], s["edges"], g("redraw_ms"), g("reload_ms"), g("reload_layout")))
' "$status")
		echo "$mode run $i (load $(cut -d' ' -f1 /proc/loadavg)): ${line#* }; chromium wall ${wall} ms"
		times[$mode]+="${line%% *} "
	done
done
for mode in $modes; do
	[ "$mode" != none ] || continue
	# the median (of two runs: the better one)
	median=$(printf '%s\n' ${times[$mode]} | sort -n | sed -n "$(((runs + 1) / 2))p")
	if [ "$mode" = collapsed ]; then
		verdict=PASS; [ "$median" -lt 1000 ] || verdict="over the 1000 ms target"
		echo "html_bench: collapsed: median first complete render ${median} ms (target < 1000 ms): $verdict"
		if [ -n "$limit" ] && [ "$median" -gt "$limit" ]; then
			echo "html_bench: FAIL: ${median} ms is above the limit of ${limit} ms"; rc=1
		fi
	else
		echo "html_bench: $mode: median first complete render ${median} ms"
	fi
done
exit $rc

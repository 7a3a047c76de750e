#!/usr/bin/env bash
# export_roundtrip.sh SEGWATCH - the semantic test of `policy export`: for
# policies whose every rule Kubernetes can express, export them and judge one
# flow file (every workload to every other, on a set of protocols and ports)
# two ways, each compared with `policy test` on the original policy:
#   - Kubernetes' verdicts on the exported NetworkPolicy YAML, by
#     tests/netpol/k8s_eval.py (an evaluator written from the Kubernetes
#     documentation on the import branch; this test has none of its own);
#   - `policy test` on the policy `segwatch policy import` makes of the YAML
#     (both formats; a kind the importer does not read yet is a skip).
# The connections denied must be the same. Skipped (77) while neither
# k8s_eval.py nor `policy import` is there. IMPORT_ARGS adds options to the
# import command.
set -u
SEGWATCH=${1:?usage: export_roundtrip.sh SEGWATCH}
here=$(cd "$(dirname "$0")" && pwd)
dir=$here/export
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0 skipped=0
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

have_import=0 have_eval=0
"$SEGWATCH" policy import --help >/dev/null 2>&1 && have_import=1
[ -f "$here/k8s_eval.py" ] && python3 -c 'import yaml' 2>/dev/null && have_eval=1
if [ $have_import -eq 0 ] && [ $have_eval -eq 0 ]; then
	echo "SKIP: neither 'policy import' nor tests/netpol/k8s_eval.py (branch netpol-import) is here"
	exit 77
fi

# compare NAME ORIG.json OTHER KIND: the denials of `policy test --json` ORIG
# against OTHER, a second `policy test --json` (KIND import) or k8s_eval.py's
# lines (KIND k8s)
compare() {
	python3 - "$@" <<'PY'
import json, sys
name, orig, other, kind = sys.argv[1:5]
a = json.load(open(orig))
da = {(x["src"], x["dst"], x["proto"], x.get("dport")) for x in a.get("denials", [])}
if kind == "import":
    b = json.load(open(other))
    db = {(x["src"], x["dst"], x["proto"], x.get("dport")) for x in b.get("denials", [])}
    assert a["flows"] == b["flows"], (a["flows"], b["flows"])
else:
    rows = [json.loads(l) for l in open(other) if l.strip()]
    db = {(r["src"], r["dst"], r["proto"], r["port"]) for r in rows if not r["allowed"]}
    assert len(rows) == a["flows"], (len(rows), a["flows"])
what = "the policy imported back" if kind == "import" else "Kubernetes (k8s_eval.py)"
for k in sorted(da - db, key=str):
    print("%s: segwatch denies %s, %s allows it" % (name, k, what))
for k in sorted(db - da, key=str):
    print("%s: %s denies %s, segwatch allows it" % (name, what, k))
if da != db:
    sys.exit(1)
assert 0 < len(da) < a["flows"], "a matrix that is all allowed or all denied proves little: %r" % a
print("%s (%s): %d flows, %d denied by both" % (name, kind, a["flows"], len(da)))
PY
}

MATRIX="tcp/80,tcp/5432,tcp/6379,tcp/6380,tcp/7000,tcp/8080,tcp/8086,tcp/9005,tcp/9100,udp/53,udp/5432,sctp/9999"

# roundtrip NAME POLICY WORKLOADS FORMAT NAMESPACE
roundtrip() {
	local name=$1 policy=$2 wl=$3 format=$4 ns=$5 t=$tmp/$1
	mkdir -p "$t"
	python3 "$here/gen_flows.py" "$wl" --matrix "$MATRIX" >"$t/flows.jsonl" || { bad "$name: gen_flows"; return; }
	if ! "$SEGWATCH" policy export "$policy" --format "$format" --namespace "$ns" -o "$t/out.yaml" 2>"$t/export.err"; then
		bad "$name: export: $(cat "$t/export.err")"; return
	fi
	# the premise: nothing was left out (the default's note aside)
	if grep ': warning: ' "$t/export.err" | grep -v ' /default: warning: ' | grep -q .; then
		bad "$name: the policy is not fully expressible: $(cat "$t/export.err")"; return
	fi
	"$SEGWATCH" policy test "$policy" --flows "$t/flows.jsonl" --json >"$t/orig.json" 2>"$t/test.err"
	if [ $have_eval -eq 1 ] && [ "$format" = networkpolicy ]; then
		python3 - "$wl" "$t/pods.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
json.dump({"version": 1, "workloads": [{"name": w["name"], "namespace": w["namespace"],
           "labels": w["labels"], "ips": [w["addr"]]} for w in s["workloads"]]},
          open(sys.argv[2], "w"))
PY
		if python3 "$here/k8s_eval.py" --pods "$t/pods.json" --ports "${MATRIX//\//:}" \
			"$t/out.yaml" >"$t/k8s.jsonl" 2>"$t/k8s.err" &&
		   compare "$name" "$t/orig.json" "$t/k8s.jsonl" k8s; then
			pass=$((pass + 1))
		else
			bad "$name: Kubernetes' verdicts differ ($(cat "$t/k8s.err"))"
		fi
	fi
	[ $have_import -eq 1 ] || return
	# shellcheck disable=SC2086
	if ! "$SEGWATCH" policy import "$t/out.yaml" ${IMPORT_ARGS:-} -o "$t/back.json" 2>"$t/import.err"; then
		bad "$name: import: $(cat "$t/import.err")"; return
	fi
	# an importer that does not read this kind yet (AdminNetworkPolicy) leaves it out:
	# nothing to compare, which is a skip, not a pass
	if grep -q 'is not imported' "$t/import.err"; then
		echo "SKIP: $name: $(grep -m1 'is not imported' "$t/import.err")"
		skipped=$((skipped + 1)); return
	fi
	"$SEGWATCH" policy test "$t/back.json" --flows "$t/flows.jsonl" --json >"$t/back.out" 2>>"$t/test.err"
	if compare "$name" "$t/orig.json" "$t/back.out" import; then pass=$((pass + 1)); else
		bad "$name: verdicts of the policy imported back differ"
	fi
}

for format in networkpolicy adminnetworkpolicy; do
	roundtrip "labels-$format" "$dir/rt_labels.json" "$dir/rt_labels.workloads.json" "$format" default
	roundtrip "namespaces-$format" "$dir/rt_namespaces.json" "$dir/rt_namespaces.workloads.json" "$format" default
	# a learned policy: what learn writes from the labelled, TCP/UDP part of the edges
	python3 - "$dir/learned.workloads.json" "$tmp/rt_learned.workloads.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["workloads"] = [w for w in s["workloads"] if w["labels"]]
names = {w["name"] for w in s["workloads"]}
s["edges"] = [e for e in s["edges"] if e[2] != "icmp" and e[0] in names and e[1] in names]
json.dump(s, open(sys.argv[2], "w"))
PY
	python3 "$here/gen_flows.py" "$tmp/rt_learned.workloads.json" --edges >"$tmp/edges.jsonl"
	"$SEGWATCH" learn "$tmp/edges.jsonl" --enforce --name learned -o "$tmp/learned.json" 2>/dev/null ||
		bad "learn"
	roundtrip "learned-$format" "$tmp/learned.json" "$tmp/rt_learned.workloads.json" "$format" shop
done
echo "netpol_export_roundtrip: $pass passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || exit 1
[ "$pass" -gt 0 ] || exit 77

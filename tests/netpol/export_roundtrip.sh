#!/usr/bin/env bash
# export_roundtrip.sh SEGWATCH - the semantic test of `policy export`: for
# policies whose every rule Kubernetes can express, export (networkpolicy and
# adminnetworkpolicy), import the YAML back (`segwatch policy import`), and
# judge one flow file (every workload to every other, on a set of protocols
# and ports) with `policy test` against the original and the round-tripped
# policy: the connections denied must be the same. Kubernetes' semantics are
# the importer's (tests/netpol/k8s_eval.py checks those independently); this
# test needs no evaluator of its own.
#
# Skipped (77) while this segwatch has no `policy import`. IMPORT_ARGS adds
# options to the import command (for example a namespaces file).
set -u
SEGWATCH=${1:?usage: export_roundtrip.sh SEGWATCH}
here=$(cd "$(dirname "$0")" && pwd)
dir=$here/export
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

if ! "$SEGWATCH" policy import --help >/dev/null 2>&1; then
	echo "SKIP: this segwatch has no 'policy import' (branch netpol-import): nothing to round-trip through"
	exit 77
fi

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
	# shellcheck disable=SC2086
	if ! "$SEGWATCH" policy import "$t/out.yaml" ${IMPORT_ARGS:-} -o "$t/back.json" 2>"$t/import.err" &&
	   ! "$SEGWATCH" policy import "$t/out.yaml" ${IMPORT_ARGS:-} >"$t/back.json" 2>"$t/import.err"; then
		bad "$name: import: $(cat "$t/import.err")"; return
	fi
	"$SEGWATCH" policy test "$policy" --flows "$t/flows.jsonl" --json >"$t/orig.json" 2>"$t/test.err"
	"$SEGWATCH" policy test "$t/back.json" --flows "$t/flows.jsonl" --json >"$t/back.out" 2>>"$t/test.err"
	if python3 - "$t/orig.json" "$t/back.out" "$name" <<'PY'; then pass=$((pass + 1)); else bad "$name: verdicts differ ($t)"; fi
import json, sys
a, b, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
def denied(d):
    return {(x["src"], x["dst"], x["proto"], x.get("dport")) for x in d.get("denials", [])}
da, db = denied(a), denied(b)
if da != db:
    for k in sorted(da - db, key=str):
        print("%s: segwatch denies %s, the exported YAML allows it" % (name, k))
    for k in sorted(db - da, key=str):
        print("%s: the exported YAML denies %s, segwatch allows it" % (name, k))
    sys.exit(1)
assert a["flows"] == b["flows"] and a["denied"] == b["denied"], (a, b)
assert 0 < a["denied"] < a["flows"], "a matrix that is all allowed or all denied proves little: %r" % a
print("%s: %d flows, %d denied by both" % (name, a["flows"], a["denied"]))
PY
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
echo "netpol_export_roundtrip: $pass passed, $failed failed"
[ "$failed" -eq 0 ]

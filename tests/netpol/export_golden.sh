#!/usr/bin/env bash
# export_golden.sh SEGWATCH [-g] - `segwatch policy export` and `learn --format`
# against golden files: every TESTLIST row's YAML and warnings
# (tests/netpol/export/NAME.yaml, NAME.err), every document structurally valid
# Kubernetes (k8s_validate.py, itself checked on known-bad documents), YAML-ish
# label values kept as strings, the --json summary, and the exit codes.
# -g rewrites the golden files: review the diff.
set -u
SEGWATCH=${1:?usage: export_golden.sh SEGWATCH [-g]}
SEGWATCH=$(cd "$(dirname "$SEGWATCH")" && pwd)/$(basename "$SEGWATCH")
GEN=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=$here/export
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: python3-yaml is not installed"; exit 77; }

python3 "$here/gen_flows.py" "$dir/learned.workloads.json" --edges >"$tmp/learned.jsonl" ||
	{ echo "FAIL: gen_flows"; exit 1; }

# golden: the YAML and what was said on stderr
while read -r name input format ns; do
	case $name in "#"* | "") continue ;; esac
	if [ "$input" = @learned ]; then
		(cd "$tmp" && "$SEGWATCH" learn learned.jsonl --enforce --name shop-learned \
			--format "$format" --namespace "$ns" >"$tmp/$name.yaml" 2>"$tmp/$name.err")
	else
		# run beside the input so that messages name it as people type it
		(cd "$top/$(dirname "$input")" && "$SEGWATCH" policy export "$(basename "$input")" \
			--format "$format" --namespace "$ns" >"$tmp/$name.yaml" 2>"$tmp/$name.err")
	fi
	rc=$?
	[ $rc -eq 0 ] || bad "$name: exit $rc: $(cat "$tmp/$name.err")"
	for ext in yaml err; do
		if [ "$GEN" = -g ]; then
			cp "$tmp/$name.$ext" "$dir/$name.$ext"
		elif ! diff -u "$dir/$name.$ext" "$tmp/$name.$ext" >"$tmp/diff"; then
			bad "$name.$ext differs:"; cat "$tmp/diff"
		else
			ok
		fi
	done
	if python3 "$here/k8s_validate.py" "$tmp/$name.yaml" >"$tmp/valid" 2>&1; then ok; else
		bad "$name: not valid Kubernetes:"; cat "$tmp/valid"
	fi
done <"$dir/TESTLIST"

# the validator finds what is wrong (a check that cannot fail proves nothing)
if python3 "$here/k8s_validate.py" "$dir/invalid.yaml" >"$tmp/invalid.out" 2>&1; then
	bad "k8s_validate.py accepts invalid.yaml"
elif [ "$GEN" = -g ]; then
	sed "s|$dir/||" "$tmp/invalid.out" >"$dir/invalid.expected"
elif ! diff -u "$dir/invalid.expected" <(sed "s|$dir/||" "$tmp/invalid.out"); then
	bad "k8s_validate.py on invalid.yaml: not the problems expected"
else
	ok
fi

# label values a YAML reader would take for booleans, null or numbers stay strings,
# and a value that cannot be a label never reaches the YAML at all
python3 - "$top/tests/netpol/export/hostile.json" "$tmp/hostile-np.yaml" "$tmp/hostile-anp.yaml" <<'PY' && ok || bad "hostile labels"
import json, sys, yaml
pol = json.load(open(sys.argv[1]))
want = pol["groups"]["yes"]["labels"]
np = list(yaml.safe_load_all(open(sys.argv[2])))
sel = [d["spec"]["podSelector"].get("matchLabels") for d in np if d["metadata"]["name"].endswith("-yes")]
assert sel == [want], (sel, want)
text = open(sys.argv[2]).read() + open(sys.argv[3]).read()
for g in ("nl", "colon", "uni", "longv"):
    v = pol["groups"][g]["labels"]["app"]
    assert v not in text and "evil: true" not in text, g
for d in np + list(yaml.safe_load_all(open(sys.argv[3]))):
    assert len(d["metadata"]["name"]) <= 63, d["metadata"]["name"]
PY

# hostile labels from containers, through learn: the learned policy names them,
# the export leaves out what Kubernetes cannot hold and writes valid YAML
python3 - "$tmp/hostile.workloads.json" <<'PY'
import json, sys
bad = ["x\n- evil: true", "a: b", "yes", "'; kubectl delete", "\u202eevil", "on"]
wl = [{"name": "shop/h-%d" % i, "namespace": "shop", "addr": "10.9.0.%d" % (i + 1),
       "labels": {"app": v}} for i, v in enumerate(bad)]
edges = [[wl[i]["name"], wl[(i + 1) % len(wl)]["name"], "tcp", 80] for i in range(len(wl))]
edges.append([wl[2]["name"], wl[5]["name"], "tcp", 443])  # yes -> on: both valid label values
json.dump({"workloads": wl, "edges": edges}, open(sys.argv[1], "w"))
PY
python3 "$here/gen_flows.py" "$tmp/hostile.workloads.json" --edges >"$tmp/hostile.jsonl"
for format in networkpolicy adminnetworkpolicy; do
	"$SEGWATCH" learn "$tmp/hostile.jsonl" --enforce --format "$format" --namespace shop \
		-o "$tmp/hl.yaml" 2>"$tmp/hl.err" || bad "learn hostile $format: exit $?"
	python3 "$here/k8s_validate.py" "$tmp/hl.yaml" >"$tmp/valid" && ok || { bad "learn hostile $format:"; cat "$tmp/valid"; }
	python3 - "$tmp/hl.yaml" <<'PY' && ok || bad "learn hostile $format: a hostile value reached the YAML"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
text = open(sys.argv[1]).read()
assert "evil" not in text and "kubectl" not in text and "a: b" not in text, text
vals = [v for d in docs for v in str(d).split("'app': ")[1:]]
# the two valid values (yes, on) are there, as strings
assert any(v.startswith("'yes'") for v in vals) and any(v.startswith("'on'") for v in vals), vals
PY
	[ "$(grep -c 'is not valid in Kubernetes' "$tmp/hl.err")" -eq 4 ] && ok ||
		bad "learn hostile $format: want 4 label warnings: $(cat "$tmp/hl.err")"
done

# --json: the summary agrees with the YAML and the warnings
"$SEGWATCH" policy export "$top/tests/netpol/export/lossy.json" --format networkpolicy \
	-o "$tmp/out.yaml" --json >"$tmp/sum.json" 2>"$tmp/sum.err" || bad "--json: exit $?"
python3 - "$tmp/sum.json" "$tmp/out.yaml" "$tmp/lossy-np.err" <<'PY' && ok || bad "--json summary"
import json, sys, yaml
s = json.load(open(sys.argv[1]))
docs = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
warn = [l for l in open(sys.argv[3]) if ": warning: " in l and "shadowed" not in l]
assert s["type"] == "policy_export" and s["version"] == 1 and s["format"] == "networkpolicy", s
assert s["documents"] == len(docs) == s["policies"] + s["baseline"], s
assert s["warnings"] == len(warn) == len(s["diagnostics"]), (s["warnings"], len(warn))
assert all(d["severity"] == "warning" and d["pointer"].startswith("/") for d in s["diagnostics"])
PY
ls -a "$tmp" | grep -q '^\.out\.yaml\.' && bad "a temporary file was left beside -o"

# exit codes (docs/exit-codes.md)
expect() { # expect RC DESCRIPTION ARGS...
	local want=$1 what=$2
	shift 2
	"$@" >"$tmp/x.out" 2>"$tmp/x.err"
	local rc=$?
	if [ $rc -ne "$want" ]; then bad "$what: exit $rc, want $want: $(cat "$tmp/x.err")"; else ok; fi
}
P=$top/policy/examples/shop.json
expect 2 "no --format" "$SEGWATCH" policy export "$P"
expect 2 "bad --format" "$SEGWATCH" policy export "$P" --format yaml
expect 2 "bad --namespace" "$SEGWATCH" policy export "$P" --format networkpolicy --namespace Bad_NS
expect 2 "--json without -o" "$SEGWATCH" policy export "$P" --format networkpolicy --json
expect 2 "-o onto the input" "$SEGWATCH" policy export "$P" --format networkpolicy -o "$P"
expect 2 "an option of another verb" "$SEGWATCH" policy export "$P" --format networkpolicy --flows x
expect 2 "no FILE" "$SEGWATCH" policy export --format networkpolicy
expect 3 "missing FILE" "$SEGWATCH" policy export "$tmp/nope.json" --format networkpolicy
expect 3 "-o in a missing directory" "$SEGWATCH" policy export "$P" --format networkpolicy -o "$tmp/no/dir.yaml"
echo '{"version": 1, "groups": {}, "rules": [{"from": "x"}]}' >"$tmp/bad.json"
expect 2 "a bad policy" "$SEGWATCH" policy export "$tmp/bad.json" --format networkpolicy
grep -q "bad.json: /rules/0" "$tmp/x.err" || bad "a bad policy: its errors are not placed: $(cat "$tmp/x.err")"
expect 0 "help" "$SEGWATCH" policy export --help
grep -q "examples:" "$tmp/x.out" || bad "policy export --help has no examples"
expect 2 "learn --namespace alone" "$SEGWATCH" learn "$tmp/learned.jsonl" --namespace shop
expect 2 "learn bad --format" "$SEGWATCH" learn "$tmp/learned.jsonl" --format nft
expect 0 "learn --format segwatch" "$SEGWATCH" learn "$tmp/learned.jsonl" --format segwatch -o "$tmp/l1.json"
"$SEGWATCH" learn "$tmp/learned.jsonl" -o "$tmp/l2.json" 2>/dev/null
cmp -s "$tmp/l1.json" "$tmp/l2.json" && ok || bad "learn --format segwatch is not the default"
# -o replaces an old file whole
echo old >"$tmp/keep.yaml"
expect 0 "-o over a file" "$SEGWATCH" learn "$tmp/learned.jsonl" --format networkpolicy -o "$tmp/keep.yaml"
python3 "$here/k8s_validate.py" "$tmp/keep.yaml" >/dev/null && ok || bad "learn -o YAML"

echo "netpol_export_golden: $pass passed, $failed failed"
[ "$failed" -eq 0 ]

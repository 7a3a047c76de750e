#!/bin/bash
# netpol_matrix.sh SEGWATCH - Kubernetes NetworkPolicy imported and enforced
# on real packets: five network namespaces on one bridge act as the pods of
# tests/netpol/pods.json (two Kubernetes namespaces, labels, addresses), each
# serving tcp 80, 5432, 8005 and udp 53. For every fixture in
# tests/netpol/fixtures: `policy import` (with the namespaces' labels),
# `policy apply` (workloads from the inventory only), then every (client,
# server, port) is tried for real, all at once; the reachability matrix must
# equal the one tests/netpol/k8s_eval.py computes from Kubernetes semantics.
# Then all fixtures at once, and with tests/netpol/anp/anp.yaml in front
# (AdminNetworkPolicy, a Pass, a baseline).
# `policy remove` at the end leaves the ruleset as it was.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}
NP=$(cd "$HERE/../netpol" && pwd)
PORTS=tcp:80,tcp:5432,tcp:8005,udp:53

ns_require "$SEGWATCH" nft
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed"
# the interpreter itself, not a version manager's shim: one start per pod and round
PY=$(python3 -c 'import sys; print(sys.executable)')
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# the host side: one bridge, no addresses
lab_names "" 231
ip netns add "$NS_H" || fail "ip netns add $NS_H"
LAB_NS=("$NS_H")
nsx "$NS_H" ip link set lo up
sysctl_set "$NS_H" net.ipv6.conf.all.disable_ipv6 1
nsx "$NS_H" ip link add "$BR" type bridge mcast_snooping 0 || fail "bridge $BR" # as topo_up (lib.sh)
nsx "$NS_H" ip link set "$BR" up

# one network namespace per pod of the inventory, named pN
mapfile -t PODS < <(python3 -c '
import json, sys
for w in json.load(open(sys.argv[1]))["workloads"]:
    print(w["name"], w["ips"][0])' "$NP/pods.json")
declare -A POD_NS
i=0
for row in "${PODS[@]}"; do
	name=${row% *} ip=${row#* }
	ns=swt$ID-p$i
	POD_NS[$name]=$ns
	add_container "$ns" "swpp$ID$i" "$ip" "fd00:231::$((i + 10))"
	ip netns exec "$ns" "$PY" "$NP/nsprobe.py" serve 80,5432,8005 53 >"$TMP/serve$i.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	i=$((i + 1))
done
for j in $(seq 0 $((i - 1))); do
	wait_for_file "$TMP/serve$j.log" ready 5 || fail "the servers of pod $j did not start"
done

# every pod's targets: every other pod on every port
for row in "${PODS[@]}"; do
	name=${row% *}
	python3 - "$NP/pods.json" "$name" "$PORTS" >"$TMP/targets-${POD_NS[$name]}.json" <<'PY'
import json, sys
pods = json.load(open(sys.argv[1]))["workloads"]
ports = [(p.split(":")[0], int(p.split(":")[1])) for p in sys.argv[3].split(",")]
print(json.dumps([{"dst": w["name"], "ip": w["ips"][0], "proto": pr, "port": po}
                  for w in pods if w["name"] != sys.argv[2] for pr, po in ports]))
PY
done

sw() { nsx "$NS_H" "$SEGWATCH" "$@"; }
# matrix FILE - every probe from every pod at once, as JSON lines
matrix() {
	local row name pids=
	for row in "${PODS[@]}"; do
		name=${row% *}
		ip netns exec "${POD_NS[$name]}" "$PY" "$NP/nsprobe.py" probe "$name" \
			"$TMP/targets-${POD_NS[$name]}.json" >"$TMP/m-${POD_NS[$name]}.jsonl" &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	cat "$TMP"/m-*.jsonl >"$1"
}

before=$(nsx "$NS_H" nft -j list ruleset)
matrix "$TMP/open.jsonl"
python3 - "$TMP/open.jsonl" <<'PY' || fail "without a policy not every pod reaches every port"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
bad = [r for r in rows if not r["ok"]]
assert rows and not bad, bad
PY
echo "no policy: all $(wc -l <"$TMP/open.jsonl") probes answered"

start=$SECONDS
for f in "$NP"/fixtures/*.yaml all anp; do
	case $f in
	all) set -- "$NP"/fixtures/*.yaml ;;
	anp) set -- "$NP"/anp/anp.yaml "$NP"/fixtures/*.yaml ;; # admin tiers around all of them
	*) set -- "$f" ;;
	esac
	label=$(basename "$f" .yaml)
	sw policy import "$@" --namespaces "$NP/namespaces.json" -o "$TMP/$label.json" \
		2>"$TMP/import-$label.err" || fail "import $label: $(cat "$TMP/import-$label.err")"
	# --cut: a UDP probe may reuse the source port an earlier fixture's probe
	# had (conntrack keeps it 30 s) and pass as established; the likeliest
	# reading of one UDP probe in 80 passing against the policy in CI. The
	# matrix is about new connections, as Kubernetes' is
	sw policy apply "$TMP/$label.json" --cut --inventory "$NP/pods.json" --no-engine --no-kernel \
		>"$TMP/apply-$label.out" 2>&1 || fail "apply $label: $(cat "$TMP/apply-$label.out")"
	if [ "$(nsx "$NS_H" cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" != 1 ]; then
		echo "SKIP: br_netfilter is not available here: bridged traffic cannot be judged"
		exit 77
	fi
	matrix "$TMP/got-$label.jsonl"
	"$PY" "$NP/k8s_eval.py" --pods "$NP/pods.json" --namespaces "$NP/namespaces.json" \
		--ports "$PORTS" "$@" >"$TMP/want-$label.jsonl" || fail "k8s_eval.py $label"
	"$PY" - "$TMP/want-$label.jsonl" "$TMP/got-$label.jsonl" "$label" <<'PY' || fail "$label: the kernel's matrix is not Kubernetes'"
import json, sys
key = lambda r: (r["src"], r["dst"], r["proto"], r["port"])
want = {key(r): r["allowed"] for r in map(json.loads, open(sys.argv[1]))}
got = {key(r): r["ok"] for r in map(json.loads, open(sys.argv[2]))}
assert set(want) == set(got), (len(want), len(got))
wrong = sorted((k, want[k], got[k]) for k in want if want[k] != got[k])
for k, w, g in wrong:
    print(f"  {k}: Kubernetes {'allows' if w else 'denies'}, the kernel {'passed' if g else 'dropped'} it")
denied = sum(1 for v in want.values() if not v)
print(f"{sys.argv[3]}: {len(want) - len(wrong)}/{len(want)} probes as Kubernetes says ({denied} denied)")
sys.exit(1 if wrong else 0)
PY
done
echo "matrices of $(ls "$NP"/fixtures/*.yaml | wc -l) fixtures, all of them at once, and with AdminNetworkPolicy: $((SECONDS - start)) s"

sw policy remove >/dev/null || fail "policy remove"
after=$(nsx "$NS_H" nft -j list ruleset)
[ "$before" = "$after" ] || fail "remove left a trace: $after"
echo "remove: ruleset as before"

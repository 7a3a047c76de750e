#!/bin/bash
# alert_nflog.sh SEGWATCH - with a policy enforced, a denied connection is
# dropped by the kernel, logged to NFLOG, read back by the capture
# (--nflog) and reported as a policy violation naming both workloads, and
# `segwatch report` lists the violation.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}

ns_require "$SEGWATCH" nft
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

topo_up
start_servers
cat >"$TMP/p.json" <<JSON
{ "version": 1, "name": "nflog", "default": "deny",
  "groups": { "a": { "names": ["$NS_A"] }, "b": { "names": ["$NS_B"] }, "c": { "names": ["$NS_C"] } },
  "rules": [ { "name": "a-to-b", "from": "a", "to": "b", "proto": "tcp", "ports": [7001], "action": "allow" } ] }
JSON
nsx "$NS_H" "$SEGWATCH" policy apply "$TMP/p.json" --no-engine >/dev/null || fail "apply"
if [ "$(nsx "$NS_H" cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" != 1 ]; then
	echo "SKIP: br_netfilter is not available here: bridged traffic cannot be judged"
	exit 77
fi
start_segwatch 4 --duration 60 -q --no-engine -w "$TMP/flows.jsonl" \
	--alerts "$TMP/alerts.jsonl" --policy "$TMP/p.json" --nflog
# allowed, then denied (c may not reach b)
nsx "$NS_A" python3 -c "import socket; socket.create_connection(('$SWT_B4', 7001), timeout=2).close()" ||
	fail "allowed a -> b did not pass"
nsx "$NS_C" python3 -c "import socket; socket.create_connection(('$SWT_B4', 7001), timeout=1.5).close()" 2>/dev/null &&
	fail "denied c -> b passed"
sleep 1
wait_segwatch stop

python3 - "$TMP/alerts.jsonl" "$NS_C" "$NS_B" <<'PY' || fail "the denied connection was not reported from the kernel's log"
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
src, dst = sys.argv[2:]
viol = [a for a in alerts if a["kind"] == "policy_violation"]
assert viol, [a["kind"] for a in alerts]
assert any(a["src"].get("name") == src and a["dst"].get("name") == dst for a in viol), viol
kernel = [a for a in viol if a.get("origin") == "kernel" or "kernel" in json.dumps(a)]
assert kernel, f"no violation from the kernel's log: {viol}"
assert not any(a["src"].get("name") != src for a in viol), f"allowed traffic alerted: {viol}"
print(len(viol), "violation alert(s), from the kernel's log too")
PY
nsx "$NS_H" "$SEGWATCH" report --policy "$TMP/p.json" "$TMP/flows.jsonl" >"$TMP/report.txt"
rc=$?
[ "$rc" -eq 1 ] || fail "report exit $rc, want 1 (a violation): $(cat "$TMP/report.txt")"
grep -q "violation" "$TMP/report.txt" || fail "report: $(cat "$TMP/report.txt")"
# the kernel's side: the denied SYNs (and retries) counted by the default rule
grep -Eq "^ +[0-9]+ packets  default deny" "$TMP/report.txt" ||
	fail "the report does not show the kernel's drops: $(cat "$TMP/report.txt")"
nsx "$NS_H" "$SEGWATCH" policy remove >/dev/null
echo "PASS"

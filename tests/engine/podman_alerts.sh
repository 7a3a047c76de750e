#!/usr/bin/env bash
# podman_alerts.sh SEGWATCH - lateral movement between real containers
# (podman, runc, netavark), end to end: a label policy enforced with
# `policy apply --engine`, a capture with alerts and the kernel's log, normal
# traffic that raises nothing, one container scanning another that raises
# fan_out and policy_violation alerts naming both containers, and a report
# that shows the scan's packets as dropped by the kernel.
set -u
SEGWATCH=${1:?usage: podman_alerts.sh SEGWATCH}
# shellcheck source=tests/engine/podman_lib.sh
. "$(dirname "$0")/podman_lib.sh" palert
LOG=$TMP/cap.err
CAP_PID=
sw() { "$LAB" exec "$SEGWATCH" "$@"; }
podman_up

"$LAB" run db1 --label app=db -- sh -c "$SERVE" >/dev/null || fail "run db1"
"$LAB" run web1 --label app=web -- sleep 600 >/dev/null || fail "run web1"
"$LAB" run intruder --label app=web -- sleep 600 >/dev/null || fail "run intruder"
DB=$(ip_of db1)
cat >"$TMP/policy.json" <<'EOF'
{ "version": 1, "name": "podman-alerts", "mode": "enforce", "default": "deny",
  "intra_group": "allow",
  "groups": { "web": { "labels": { "app": "web" } }, "db": { "labels": { "app": "db" } } },
  "rules": [ { "name": "web-to-db", "from": "web", "to": "db", "proto": "tcp", "ports": [80],
               "action": "allow" } ] }
EOF
sw policy apply "$TMP/policy.json" --engine "$SW_PODMAN_DIR/podman.sock" >/dev/null ||
	fail "policy apply"

# not through sw(): $! must be segwatch itself for the stop to reach it
nsenter --net="/run/netns/$SW_PODMAN_NETNS" "$SEGWATCH" capture --engine "$SW_PODMAN_DIR/podman.sock" \
	--duration 120 -q -w "$TMP/flows.jsonl" \
	--alerts "$TMP/alerts.jsonl" --policy "$TMP/policy.json" --nflog >"$TMP/cap.out" 2>"$TMP/cap.err" &
CAP_PID=$!
BG_PIDS="$BG_PIDS $CAP_PID"
for _ in $(seq 50); do
	n=$(nsenter --net="/run/netns/$SW_PODMAN_NETNS" cat /proc/net/packet | tail -n +2 | wc -l)
	[ "$n" -ge 4 ] && break
	kill -0 "$CAP_PID" 2>/dev/null || fail "segwatch exited at start"
	sleep 0.1
done
sleep 0.5

# normal traffic: web1 and intruder fetch the page, as their group may
reach web1 "$DB" || fail "web1 -> db1:80 should pass"
reach intruder "$DB" || fail "intruder -> db1:80 should pass"
sleep 1
[ -s "$TMP/alerts.jsonl" ] && fail "normal traffic raised alerts: $(cat "$TMP/alerts.jsonl")"
ok "normal traffic between containers: no alert"

# the intruder scans db1: 60 ports at once, each attempt dropped by the policy
"$LAB" podman exec intruder sh -c \
	"for p in \$(seq 1000 1059); do nc -w 1 $DB \$p </dev/null >/dev/null 2>&1 & done; wait"
sleep 1
kill -TERM "$CAP_PID"
wait "$CAP_PID" || fail "capture exited with $?"
CAP_PID=

python3 - "$TMP/alerts.jsonl" <<'PY' || fail "alerts"
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1])]
kinds = {}
for a in alerts:
    kinds.setdefault(a["kind"], []).append(a)
assert "fan_out" in kinds, f"no fan_out: {[a['kind'] for a in alerts]}"
assert all(a["src"]["name"] == "intruder" for a in kinds["fan_out"]), kinds["fan_out"]
assert kinds["fan_out"][0]["src"]["labels"].get("app") == "web", kinds["fan_out"][0]
pv = kinds.get("policy_violation", [])
assert pv and all(a["src"]["name"] == "intruder" and a["dst"]["name"] == "db1" for a in pv), pv
assert any(a.get("origin") == "kernel" and a.get("dropped") for a in pv), \
    f"the kernel's drops were not reported: {pv}"
assert all(a["src"]["name"] != "web1" for a in alerts), "web1 raised an alert"
assert len(alerts) <= 20, f"{len(alerts)} alerts for one scan"
print(f"ok: the scan raised {len(alerts)} alerts: " +
      ", ".join(f"{k} {len(v)}" for k, v in sorted(kinds.items())) + ", all naming intruder -> db1")
PY

sw report --policy "$TMP/policy.json" "$TMP/flows.jsonl" --json >"$TMP/report.json"
[ $? -eq 1 ] || fail "report should exit 1 on violations"
python3 - "$TMP/report.json" <<'PY' || fail "report"
import json, sys
r = json.load(open(sys.argv[1]))
viol = r["edges"]["violation"]
assert viol and all(e["src_name"] == "intruder" and e["dst_name"] == "db1" for e in viol), viol
allowed = {(e["src_name"], e["dst_name"]) for e in r["edges"]["allowed"]}
assert ("web1", "db1") in allowed and ("intruder", "db1") in allowed, allowed
k = r["kernel_log"]
peer = [p for p in k["peers"] if p["src_name"] == "intruder" and p["dst_name"] == "db1"]
assert k["dropped"] >= 60 and peer and peer[0]["ports"] == 60, (k["dropped"], k["peers"])
print(f"ok: report: {len(viol)} violation edges, the kernel dropped {k['dropped']} packets "
      f"(intruder -> db1, {peer[0]['ports']} ports)")
PY
echo PASS

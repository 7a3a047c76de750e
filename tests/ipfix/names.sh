#!/usr/bin/env bash
# libfixbuf's ipfixDump names segwatch's enterprise elements from the RFC
# 5610 type records in the stream (a TCP collector writes the stream to a
# file): without those records it could only call them alien elements.
# The enterprise number is the one asked for. With a policy, each record
# carries the groups of its ends, the rule that decided it and its verdict;
# --ipfix-labels keeps only the label keys asked for.
#   names.sh SEGWATCH FIXTURE_DIR
set -euo pipefail
sw=$1 fx=$2
for t in ipfixDump socat ss setsid; do
	command -v "$t" >/dev/null || { echo "skipped: $t not installed (tools/deps.sh)"; exit 77; }
done
. "$(dirname "$0")/lib.sh"

cat >"$ipfix_work/inv.json" <<'JSON'
{ "version": 1, "workloads": [
  { "name": "shop/client-1", "namespace": "shop", "labels": { "app": "client", "tier": "front" },
    "ips": ["10.77.0.2"] },
  { "name": "shop/web-1", "namespace": "shop", "labels": { "app": "web" }, "ips": ["10.77.0.3"] } ] }
JSON

cat >"$ipfix_work/policy.json" <<'JSON'
{ "version": 1, "name": "names", "mode": "enforce", "default": "deny",
  "groups": { "front": { "labels": { "tier": "front" } }, "webs": { "names": ["shop/web-*"] } },
  "rules": [ { "name": "front-to-web", "from": "front", "to": "webs", "proto": "tcp", "action": "allow" } ] }
JSON

fail() { echo "FAIL: $*" >&2; exit 1; }

for pen in default 4242; do
	port=$(ipfix_port tcp)
	ipfix_daemon socat -u "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" "OPEN:$ipfix_work/$pen.ipfix,creat,trunc"
	col=$ipfix_last
	ipfix_wait_listen tcp "$port"
	args=()
	[ "$pen" = default ] ||
		args=(--ipfix-pen "$pen" --policy "$ipfix_work/policy.json" --ipfix-labels tier)
	"$sw" capture -r "$fx/tcp_handshake_close.pcap" --inventory "$ipfix_work/inv.json" \
		--ipfix "tcp://127.0.0.1:$port" "${args[@]}" --json -q >"$ipfix_work/$pen.json"
	# socat ends when segwatch closes the connection
	for _ in $(seq 30); do kill -0 "$col" 2>/dev/null || break; sleep 0.1; done
	ipfix_stop "$col"
	n=$([ "$pen" = default ] && echo 32473 || echo "$pen")
	# the Community ID segwatch's JSON lines give the same flow
	"$sw" capture -r "$fx/tcp_handshake_close.pcap" -w "$ipfix_work/flows.jsonl" -q >/dev/null
	cid=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["community_id"])' \
		"$ipfix_work/flows.jsonl")
	[ -n "$cid" ] || fail "no community_id in segwatch's JSON lines"
	ipfixDump --rfc5610 --in "$ipfix_work/$pen.ipfix" >"$ipfix_work/$pen.txt" 2>&1
	if [ "$pen" = default ]; then
		policy=("($n/12) sourceWorkloadLabels : (len: 21) app=client,tier=front"
			"($n/8) policyVerdict : (len: 0)")
	else
		policy=("($n/12) sourceWorkloadLabels : (len: 10) tier=front"
			"($n/13) destinationWorkloadLabels : (len: 0)"
			"($n/5) sourceWorkloadGroup : (len: 5) front"
			"($n/6) destinationWorkloadGroup : (len: 4) webs"
			"($n/7) policyRule : (len: 12) front-to-web"
			"($n/8) policyVerdict : (len: 7) allowed")
	fi
	for want in "${policy[@]}" "($n/1) sourceWorkloadName : (len: 13) shop/client-1" \
		    "($n/2) destinationWorkloadName : (len: 10) shop/web-1" \
		    "($n/3) sourceWorkloadNamespace : (len: 4) shop" \
		    "($n/4) destinationWorkloadNamespace : (len: 4) shop" \
		    "($n/10) sourceEndpointKind : (len: 8) workload" \
		    "($n/14) flowState : (len: 6) closed" \
		    "(29305/2) reversePacketDeltaCount : 4" \
		    "(239) biflowDirection : 1" \
		    "($n/9) communityId : (len: 30) $cid"; do
		tr -s ' ' <"$ipfix_work/$pen.txt" | grep -qF -- "$want" ||
			fail "ipfixDump (PEN $n) has no \"$want\""
	done
	# the names come from the type records, not from ipfixDump's own tables
	ipfixDump --in "$ipfix_work/$pen.ipfix" 2>&1 | tr -s ' ' | grep -qF "($n/1) _alienInformationElement" ||
		fail "without --rfc5610 ipfixDump already knew element $n/1"
	echo "ok: PEN $n: enterprise elements named by their RFC 5610 records"
done

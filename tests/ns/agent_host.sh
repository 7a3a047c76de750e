#!/bin/bash
# agent_host.sh SEGWATCH - the host changes under a running `segwatch agent`
# and none of it needs a restart:
#   - the bridge is deleted and created again: captured again;
#   - an inventory file is rewritten: flows after it carry the new names,
#     flows before keep the old ones; a broken rewrite changes nothing;
#   - the history's disk fills up: capture goes on, what could not be
#     written is counted and alerted (history_loss), and writing resumes
#     when space comes back.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}

ns_require "$SEGWATCH" nft
AGENT_PID= MNT=
host_cleanup() {
	[ -n "$AGENT_PID" ] && kill -KILL "$AGENT_PID" 2>/dev/null
	sleep 0.2
	[ -n "$MNT" ] && umount -l "$MNT" 2>/dev/null
	cleanup
}
trap host_cleanup EXIT
trap 'host_cleanup; exit 130' INT TERM

topo_up
start_servers
tcp_to_b() { # tcp_to_b SPORT
	nsx "$NS_A" python3 -c "
import socket
s = socket.socket(); s.bind(('', $1)); s.settimeout(2); s.connect(('$SWT_B4', 7001)); s.close()" 2>/dev/null
}
inventory() { # inventory NAME_OF_B
	cat >"$TMP/inv.json.new" <<-JSON
	{ "version": 1, "workloads": [
	  { "name": "$1", "namespace": "shop", "labels": { "app": "api" }, "ips": ["$SWT_B4"] } ] }
	JSON
	mv "$TMP/inv.json.new" "$TMP/inv.json" # a new inode, as editors and config managers do
}
history_has() { # history_has SPORT [NAME]: a flow from that port, naming b NAME when given
	sw_flows --json | python3 -c "
import json, sys
sport, name = int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None
for line in sys.stdin:
    r = json.loads(line)
    if r.get('sport') == sport and (name is None or (r.get('dst_workload') or {}).get('name') == name):
        sys.exit(0)
sys.exit(1)" "$@"
}
sw_flows() { "$SEGWATCH" flows "$MNT" --since 1h "$@"; }

# the history on a small filesystem of its own, to fill it up later
MNT=$TMP/history
mkdir -p "$MNT"
mount -t tmpfs -o size=2m tmpfs "$MNT" || skip "cannot mount a tmpfs here"
inventory shop/api-1
cat >"$TMP/agent.json" <<-JSON
{
  "identity": { "engine": "off", "inventories": ["inv.json"] },
  "history": { "dir": "history", "compress": false, "rotate_every": "1h" },
  "alerts": { "output": "alerts.jsonl" },
  "capture": { "timeouts": { "udp": "1s", "tcp": "2s", "tcp_closed": "1s" } },
  "log": { "target": "stderr" }
}
JSON
ip netns exec "$NS_H" "$SEGWATCH" agent --config "$TMP/agent.json" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
wait_for_file "$TMP/agent.err" "started: capturing on 4 interfaces" 10 ||
	fail "the agent did not start on the bridge and its 3 ports: $(cat "$TMP/agent.err")"

# the inventory names b
tcp_to_b 42001 || fail "a -> b:7001"
for _ in $(seq 40); do history_has 42001 shop/api-1 && break; sleep 0.25; done
history_has 42001 shop/api-1 || fail "the flow to b is not named shop/api-1 from the inventory"

# rewritten: the next flows carry the new name, the old one keeps its own
inventory shop/api-2
sleep 1.5
tcp_to_b 42002 || fail "a -> b:7001 after the rewrite"
for _ in $(seq 40); do history_has 42002 shop/api-2 && break; sleep 0.25; done
history_has 42002 shop/api-2 || fail "after the inventory was rewritten, b is not named shop/api-2"
history_has 42001 shop/api-1 || fail "the earlier flow lost its name"
echo "inventory rewritten: new flows named shop/api-2, earlier ones still shop/api-1"

# a broken rewrite changes nothing
echo '{ "version": 1, "workloads": [ {' >"$TMP/inv.json"
sleep 1.5
tcp_to_b 42003 || fail "a -> b:7001 after a broken rewrite"
for _ in $(seq 40); do history_has 42003 shop/api-2 && break; sleep 0.25; done
history_has 42003 shop/api-2 || fail "a broken inventory changed who b is"
kill -0 "$AGENT_PID" || fail "the agent died on a broken inventory"
echo "broken inventory: ignored, the agent goes on"

# the bridge deleted and created again, its ports enslaved again
nsx "$NS_H" ip link del "$BR"
sleep 0.5
nsx "$NS_H" ip link add "$BR" type bridge mcast_snooping 0 || fail "bridge again" # as topo_up
nsx "$NS_H" ip link set "$BR" up
for p in "$PA" "$PB" "$PC"; do nsx "$NS_H" ip link set "$p" master "$BR" up; done
# the agent hears of them from the kernel and opens a ring on each (a few
# tens of ms each): traffic sent before that is not seen by anyone
ifaces_now() { agent_metric segwatch_capture_interfaces; }
for _ in $(seq 50); do [ "$(ifaces_now)" = 4 ] && break; sleep 0.1; done
[ "$(ifaces_now)" = 4 ] || fail "the bridge came back, its ports joined: capturing on $(ifaces_now) interfaces, not 4"
for _ in $(seq 30); do tcp_to_b 42004 && break; sleep 0.2; done
for _ in $(seq 40); do history_has 42004 && break; sleep 0.25; done
history_has 42004 || fail "after the bridge came back, a -> b was not captured"
kill -0 "$AGENT_PID" || fail "the agent died when the bridge went"
echo "bridge deleted and created again: captured again"

# the disk fills up: capture goes on, the loss is counted and alerted
dd if=/dev/zero of="$MNT/filler" bs=64k 2>/dev/null
# 300 flows from one process: a few hundred KiB of records
nsx "$NS_A" python3 -c "
import socket
for port in range(43001, 43301):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('', port))
    s.sendto(b'x' * 50, ('$SWT_B4', 7003)); s.close()"
for _ in $(seq 150); do grep -q '"history_loss"' "$TMP/alerts.jsonl" 2>/dev/null && break; sleep 0.2; done
grep -q '"history_loss"' "$TMP/alerts.jsonl" 2>/dev/null ||
	fail "a full disk raised no history_loss alert: $(tail -5 "$TMP/agent.err")"
grep -q "flow history: .* records lost" "$TMP/agent.err" || fail "the loss is not logged"
kill -0 "$AGENT_PID" || fail "the agent died on a full disk"
echo "disk full: $(grep -o 'flow history: [0-9]* records lost ([^)]*)' "$TMP/agent.err" | head -1)"

# space comes back: writing resumes
rm -f "$MNT/filler"
sleep 1.5
tcp_to_b 42005 || fail "a -> b:7001 after the disk came back"
for _ in $(seq 60); do history_has 42005 && break; sleep 0.25; done
history_has 42005 || fail "after space came back, new flows are not written"
echo "space back: writing resumed"

kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
[ "$rc" = 0 ] || fail "the agent exited with $rc on SIGTERM"
echo PASS

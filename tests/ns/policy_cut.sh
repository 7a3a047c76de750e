#!/bin/bash
# policy_cut.sh SEGWATCH - connections opened before a policy: answers pass
# as "established", so a connection the new policy denies lives on after a
# plain `policy apply`; `policy apply --cut` ends it (its conntrack entry is
# deleted, its next packet meets the policy and is dropped) and leaves the
# connections the policy allows alone.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}

ns_require "$SEGWATCH" nft
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
topo_up
sw() { nsx "$NS_H" "$SEGWATCH" "$@"; }

# c: two line-echo servers that keep their connections open
ip netns exec "$NS_C" python3 -c '
import socket, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(4)
    while True:
        c, _ = s.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()
def echo(c):
    while True:
        d = c.recv(100)
        if not d: return
        c.sendall(d)
threading.Thread(target=serve, args=(6000,), daemon=True).start()
serve(5432)' &
BG_PIDS="$BG_PIDS $!"
sleep 0.3

policy() { # policy FILE PORTS: a may open connections to c on PORTS
	cat >"$1" <<-JSON
	{ "version": 1, "name": "cut-test", "mode": "enforce", "default": "deny",
	  "groups": { "clients": { "names": ["$NS_A"] }, "dbs": { "names": ["$NS_C"] } },
	  "rules": [ { "name": "clients-to-dbs", "from": "clients", "to": "dbs",
	               "proto": "tcp", "ports": $2, "action": "allow" } ] }
	JSON
}
policy "$TMP/both.json" "[5432, 6000]"
policy "$TMP/one.json" "[6000]"
sw policy apply "$TMP/both.json" --no-engine >/dev/null || fail "apply both"
[ "$(nsx "$NS_H" cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" = 1 ] ||
	skip "br_netfilter is not available here: bridged traffic cannot be judged"

# a: one connection to each port, a line every 0.2 s, each answer (or its absence) logged
ip netns exec "$NS_A" python3 -u -c '
import socket, sys, time
conns = {p: socket.create_connection(("'"$SWT_C4"'", p), timeout=2) for p in (5432, 6000)}
for p in conns: conns[p].settimeout(0.5)
end = time.time() + 40
while time.time() < end:
    for p, s in conns.items():
        try:
            s.sendall(b"x\n"); ok = s.recv(100) == b"x\n"
        except OSError:
            ok = False
        print(p, "ok" if ok else "lost", flush=True)
    time.sleep(0.2)' >"$TMP/client.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
wait_for_file "$TMP/client.log" "6000 ok" 5 || fail "the client did not connect: $(cat "$TMP/client.log")"

last() { grep "^$1 " "$TMP/client.log" | tail -n "$2" | awk '{print $2}' | sort -u | tr '\n' ' '; }
sleep 1

# a plain apply: the connection to 5432, now denied, lives on (established)
sw policy apply "$TMP/one.json" --no-engine >/dev/null || fail "apply one"
sleep 1.5
[ "$(last 5432 3)" = "ok " ] || fail "the open connection to 5432 died without --cut: $(last 5432 3)"
echo "without --cut: the connection opened before the policy lives on"

# --cut: it ends; the allowed one does not
sw policy apply "$TMP/one.json" --no-engine --cut >"$TMP/cut.out" || fail "apply --cut: $(cat "$TMP/cut.out")"
cat "$TMP/cut.out"
grep -Eq "^cut [1-9][0-9]* open connections" "$TMP/cut.out" || fail "nothing was cut"
sleep 1.5
[ "$(last 5432 2)" = "lost " ] || fail "the denied connection still answers: $(last 5432 4)"
[ "$(last 6000 3)" = "ok " ] || fail "the allowed connection was cut too: $(last 6000 4)"
nsx "$NS_A" python3 -c "import socket; socket.create_connection(('$SWT_C4', 5432), timeout=1)" 2>/dev/null &&
	fail "a new connection to 5432 was let in"
echo "with --cut: the denied connection ended, the allowed one goes on"
sw policy remove >/dev/null
echo PASS

#!/bin/bash
# policy_l2guard.sh SEGWATCH - the L2 guard (docs/policy.md "L2 guard"): with
# "l2_guard": "enforce", a container port sends only from the MAC and the
# addresses bound to it. Three containers on a bridge; normal TCP, UDP and
# ping over IPv4 and IPv6 pass untouched, neighbour discovery and DAD keep
# working (no drop counter moves); then container a forges ARP replies (for
# b's address; with b's MAC as sender), IPv4 and IPv6 sources, a source MAC
# and a neighbour advertisement for b's address: each is dropped (c's
# neighbour table unchanged, nothing reaches b or c per tcpdump, each rule's
# counter says 3) and raises a spoofed_source alert naming a. In monitor
# mode the same frames are counted and logged but delivered (c's ARP cache
# is then poisoned: the check above can fail).
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}
FORGE="$HERE/l2forge.py"
FORGED4=${SWT_A4%.*}.99 FORGED6=${SWT_A6%::*}::99 FORGED_MAC=02:66:6f:72:67:65

ns_require "$SEGWATCH" ping tcpdump nft
cleanup_l2() {
	nsx "$NS_H" nft delete table bridge segwatch 2>/dev/null
	nsx "$NS_H" nft delete table inet segwatch 2>/dev/null
	cleanup
}
trap cleanup_l2 EXIT
trap 'cleanup_l2; exit 130' INT TERM
SECONDS=0

topo_up
macof() { nsx "$1" cat /sys/class/net/eth0/address; }
MA=$(macof "$NS_A") MB=$(macof "$NS_B") MC=$(macof "$NS_C")
B6X=${SWT_B6%::*}::22	# bound to b, configured later: DAD runs under the guard
# every address settled (link-local DAD done) before anything is judged
for _ in $(seq 50); do
	t=0
	for ns in "$NS_A" "$NS_B" "$NS_C"; do
		nsx "$ns" ip -6 addr show dev eth0 | grep -q tentative && t=1
	done
	[ "$t" = 0 ] && break
	sleep 0.1
done

cat >"$TMP/inv.json" <<JSON
{"version": 1, "workloads": [
 {"name": "l2/a", "labels": {"app": "a"}, "ips": ["$SWT_A4", "$SWT_A6"], "macs": ["$MA"], "interface": "$PA"},
 {"name": "l2/b", "labels": {"app": "b"}, "ips": ["$SWT_B4", "$SWT_B6", "$B6X"], "macs": ["$MB"], "interface": "$PB"},
 {"name": "l2/c", "labels": {"app": "c"}, "ips": ["$SWT_C4", "$SWT_C6"], "macs": ["$MC"], "interface": "$PC"}]}
JSON
policy() { # policy MODE
	cat >"$TMP/pol-$1.json" <<JSON
{"version": 1, "name": "l2guard-test", "default": "allow", "l2_guard": "$1",
 "groups": {"lab": {"labels": {"app": "a"}}}, "rules": []}
JSON
	nsx "$NS_H" "$SEGWATCH" policy apply "$TMP/pol-$1.json" --no-engine --no-kernel \
		--inventory "$TMP/inv.json" >"$TMP/apply-$1.log" 2>&1 || fail "policy apply ($1)"
}
# counters of the L2 guard's rules, "comment packets" per line
counters() {
	nsx "$NS_H" "$SEGWATCH" policy status --json | python3 -c '
import json, sys
g = json.load(sys.stdin)["l2_guard"]
for r in g["rules"]:
    print(r["comment"].replace(" ", "_"), r["packets"])'
}

policy enforce
nsx "$NS_H" nft list table bridge segwatch >"$TMP/table.nft" || fail "no table bridge segwatch"
grep -q "\"$PA\" . $MA" "$TMP/table.nft" || fail "a's port is not bound to its MAC"

# the alerts: spoofed_source from the kernel's log, named by the inventory
cat >"$TMP/alert-config.json" <<'JSON'
{"alerts": {"summary_interval_s": 1}}
JSON
ip netns exec "$NS_H" "$SEGWATCH" capture -i "$BR" --nflog --no-engine --no-kernel -q --duration 80 \
	--inventory "$TMP/inv.json" --alerts "$TMP/alerts.jsonl" \
	--alert-config "$TMP/alert-config.json" >"$TMP/capture.log" 2>"$TMP/capture.err" &
CAP_PID=$!
BG_PIDS="$BG_PIDS $CAP_PID"
for _ in $(seq 50); do
	[ "$(nsx "$NS_H" cat /proc/net/packet | tail -n +2 | wc -l)" -ge 1 ] && break
	kill -0 "$CAP_PID" 2>/dev/null || fail "segwatch capture exited at start"
	sleep 0.1
done
sleep 0.5

# ---- normal traffic: untouched ----
ip netns exec "$NS_B" python3 -c '
import socket, threading
def serve_tcp(s):
    while True:
        c, _ = s.accept(); c.sendall(c.recv(100)); c.close()
def serve_udp(s):
    while True:
        d, p = s.recvfrom(100); s.sendto(d, p)
for f, a in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    for kind, fn in ((socket.SOCK_STREAM, serve_tcp), (socket.SOCK_DGRAM, serve_udp)):
        s = socket.socket(f, kind)
        if f == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((a, 7101 if kind == socket.SOCK_STREAM else 7103))
        if kind == socket.SOCK_STREAM:
            s.listen(8)
        threading.Thread(target=fn, args=(s,), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()' >"$TMP/echo.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
wait_for_file "$TMP/echo.log" ready 5 || fail "echo servers in b did not start"
nsx "$NS_A" python3 - "$SWT_B4" "$SWT_B6" <<'PY' || fail "TCP/UDP a -> b (v4, v6) under the guard"
import socket, sys
for addr in sys.argv[1:]:
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    c = socket.create_connection((addr, 7101), timeout=3); c.sendall(b"tcp-ok"); assert c.recv(100) == b"tcp-ok"
    u = socket.socket(fam, socket.SOCK_DGRAM); u.settimeout(3); u.sendto(b"udp-ok", (addr, 7103))
    assert u.recvfrom(100)[0] == b"udp-ok"
PY
nsx "$NS_A" ping -c 2 -i 0.2 -W 2 "$SWT_B4" >/dev/null || fail "ping a -> b"
nsx "$NS_C" ping -c 2 -i 0.2 -W 2 "$SWT_A4" >/dev/null || fail "ping c -> a"
nsx "$NS_A" ping -6 -c 2 -i 0.2 -W 2 "$SWT_C6" >/dev/null || fail "ping6 a -> c"
# neighbour discovery from scratch, and DAD of a new (bound) address of b
for ns in "$NS_A" "$NS_B" "$NS_C"; do nsx "$ns" ip neigh flush dev eth0; done
nsx "$NS_B" ip -6 addr add "$B6X/64" dev eth0 || fail "address $B6X on b"
for _ in $(seq 40); do
	nsx "$NS_B" ip -6 addr show dev eth0 | grep -q tentative || break
	sleep 0.1
done
nsx "$NS_B" ip -6 addr show dev eth0 | grep -q dadfailed && fail "DAD of $B6X failed"
nsx "$NS_A" ping -6 -c 2 -i 0.2 -W 2 "$B6X" >/dev/null || fail "ping6 a -> b's new address (ND, DAD)"
nsx "$NS_A" ping -6 -c 2 -i 0.2 -W 2 "$SWT_B6" >/dev/null || fail "ping6 a -> b after the flush (ND)"
nsx "$NS_A" ip -6 neigh show "$B6X" dev eth0 | grep -qi "$MB" || fail "a did not resolve $B6X"
moved=$(counters | awk '$1 != "l2_unguarded_port" && $2 != 0')
[ -z "$moved" ] || fail "normal traffic hit the guard's drop rules: $moved"
echo "normal TCP, UDP, ping (v4, v6), ND and DAD: untouched"

# ---- forged frames from a: dropped ----
# c: no ARP entry for b, and one taken from any ARP reply (arp_accept): a forged
# reply that arrives makes one; c knows b's MAC for b's IPv6 address (an NA
# with the override flag that arrives replaces it)
prime_c() {
	sysctl_set "$NS_C" net.ipv4.conf.eth0.arp_accept 1
	nsx "$NS_C" ip neigh del "$SWT_B4" dev eth0 2>/dev/null
	nsx "$NS_C" ping -6 -c 1 -W 2 "$SWT_B6" >/dev/null || fail "ping6 c -> b"
}
start_dumps() {
	for n in b c; do
		ns=NS_${n^^}
		ip netns exec "${!ns}" tcpdump -Z root -i eth0 -nn -U --immediate-mode -w "$TMP/$n-$1.pcap" \
			2>"$TMP/tcpdump-$n-$1.log" &
		eval "DUMP_$n=$!"
		BG_PIDS="$BG_PIDS $!"
	done
	wait_for_file "$TMP/tcpdump-b-$1.log" "listening on" 5 || fail "tcpdump in b"
	wait_for_file "$TMP/tcpdump-c-$1.log" "listening on" 5 || fail "tcpdump in c"
}
stop_dumps() {
	sleep 0.5
	kill -TERM "$DUMP_b" "$DUMP_c" 2>/dev/null
	wait "$DUMP_b" "$DUMP_c" 2>/dev/null
}
# forged frames seen in a capture: "KIND COUNT" per line (independent of segwatch: raw pcap)
seen_all() { # seen_all PCAP
	python3 - "$1" "$MA" "$MB" "$SWT_B4" "$SWT_B6" "$FORGED_MAC" <<'PY'
import socket, struct, sys
path, ma, mb, b4, b6, fmac = sys.argv[1:]
m = lambda t: bytes(int(x, 16) for x in t.split(":"))
ma, mb, fmac, b4, b6 = m(ma), m(mb), m(fmac), socket.inet_aton(b4), socket.inet_pton(socket.AF_INET6, b6)
data = open(path, "rb").read()
n = dict.fromkeys(("arp_sender_ip", "arp_sender_mac", "source_ip", "source_ip6", "source_mac", "na_target"), 0)
off = 24
while off + 16 <= len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    f = data[off + 16:off + 16 + incl]
    off += 16 + incl
    src, et = f[6:12], f[12:14]
    n["arp_sender_ip"] += et == b"\x08\x06" and f[20:22] == b"\x00\x02" and src == ma and f[28:32] == b4
    n["arp_sender_mac"] += et == b"\x08\x06" and src == ma and f[22:28] == mb
    if b"l2forge" in f:
        kind = "source_mac" if src == fmac else "source_ip" if et == b"\x08\x00" else "source_ip6"
        n[kind] += 1
    n["na_target"] += et == b"\x86\xdd" and len(f) >= 78 and f[20] == 58 and f[54] == 136 and \
        f[62:78] == b6 and src == ma
for k, v in n.items():
    print(k, v)
PY
}
# seen PCAP KIND: the count of one kind
seen() { seen_all "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
forge_all() {
	nsx "$NS_A" python3 "$FORGE" arp eth0 "$MA" "$MA" "$SWT_B4" "$MC" "$SWT_C4" 3 &&
	nsx "$NS_A" python3 "$FORGE" arp eth0 "$MA" "$MB" "$SWT_A4" "$MC" "$SWT_C4" 3 &&
	nsx "$NS_A" python3 "$FORGE" udp4 eth0 "$MA" "$MB" "$FORGED4" "$SWT_B4" 7109 3 &&
	nsx "$NS_A" python3 "$FORGE" udp6 eth0 "$MA" "$MB" "$FORGED6" "$SWT_B6" 7109 3 &&
	nsx "$NS_A" python3 "$FORGE" udp4 eth0 "$FORGED_MAC" "$MB" "$SWT_A4" "$SWT_B4" 7109 3 &&
	nsx "$NS_A" python3 "$FORGE" na eth0 "$MA" "$MC" "$SWT_A6" "$SWT_C6" "$SWT_B6" "$MA" 3 ||
		fail "could not send forged frames"
}
neigh_mac() { nsx "$NS_C" ip neigh show "$1" dev eth0 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }

prime_c
start_dumps enforce
forge_all
stop_dumps
[ "$(neigh_mac "$SWT_B4")" != "$MA" ] || fail "c's ARP entry for b points to a"
[ "$(neigh_mac "$SWT_B6")" = "$MB" ] || fail "c's neighbour entry for b6 changed: $(neigh_mac "$SWT_B6")"
got=$(seen_all "$TMP/c-enforce.pcap"; seen_all "$TMP/b-enforce.pcap")
[ -z "$(echo "$got" | awk '$2 != 0')" ] || fail "forged frames reached b or c: $(echo "$got" | tr '\n' ' ')"
got=$(counters)
for kind in arp_sender_ip arp_sender_mac source_ip source_ip6 source_mac na_target; do
	n=$(echo "$got" | awk -v k="l2_$kind" '$1 == k { print $2 }')
	[ "$n" = 3 ] || fail "rule $kind counted ${n:-nothing}, want 3"
done
echo "forged ARP (sender IP, sender MAC), IPv4 and IPv6 sources, source MAC, NA: dropped, 3 each"
nsx "$NS_A" ping -c 1 -W 2 "$SWT_B4" >/dev/null || fail "a's own traffic after its forgeries"

# ---- monitor mode: counted and logged, delivered ----
policy monitor
prime_c
start_dumps monitor
nsx "$NS_A" python3 "$FORGE" arp eth0 "$MA" "$MA" "$SWT_B4" "$MC" "$SWT_C4" 3 ||
	fail "could not send forged ARP (monitor)"
# before b's own ARP traffic (its answer to the datagram below) corrects it
[ "$(neigh_mac "$SWT_B4")" = "$MA" ] ||
	fail "monitor: c's ARP entry for b is '$(neigh_mac "$SWT_B4")', the forged reply should have won"
nsx "$NS_A" python3 "$FORGE" udp4 eth0 "$MA" "$MB" "$FORGED4" "$SWT_B4" 7109 3 ||
	fail "could not send forged frames (monitor)"
stop_dumps
[ "$(seen "$TMP/c-monitor.pcap" arp_sender_ip)" = 3 ] || fail "monitor: forged ARP not delivered to c"
[ "$(seen "$TMP/b-monitor.pcap" source_ip)" = 3 ] || fail "monitor: forged IPv4 not delivered to b"
got=$(counters)
[ "$(echo "$got" | awk '$2 != 0 { print $1, $2 }' | sort | tr '\n' ' ')" = "l2_arp_sender_ip 3 l2_source_ip 3 " ] ||
	fail "monitor: counters $(echo "$got" | tr '\n' ' ')"
echo "monitor mode: forged frames counted and delivered (c's ARP cache poisoned)"

sleep 1.5
kill -TERM "$CAP_PID"
wait "$CAP_PID" || fail "segwatch capture exited with $?"
python3 - "$TMP/alerts.jsonl" "$PA" "$MA" "$SWT_B4" "$FORGED4" "$FORGED6" "$SWT_B6" "$FORGED_MAC" "$MB" <<'PY' ||
import json, sys
path, pa, ma, b4, f4, f6, b6, fmac, mb = sys.argv[1:]
alerts = [json.loads(l) for l in open(path) if l.strip()]
sp = [a for a in alerts if a["kind"] == "spoofed_source" and a["origin"] == "kernel"]
assert sp, "no spoofed_source alert from the kernel: %s" % alerts
for a in sp:
    assert a["src"].get("name") == "l2/a" and a["interface"] == pa, a
by = {}
for a in sp:
    by.setdefault((a["forged"], a["dropped"]), a)
want = {("arp_sender_ip", True): (b4, ma), ("arp_sender_mac", True): (None, mb),
        ("source_ip", True): (f4, ma), ("source_ip6", True): (f6, ma),
        ("source_mac", True): (None, fmac), ("na_target", True): (b6, ma),
        ("arp_sender_ip", False): (b4, ma)}
for k, (addr, mac) in want.items():
    assert k in by, "no alert for %s (dropped %s): %s" % (k[0], k[1], sorted(by))
    a = by[k]
    assert a["mac"] == mac, a
    assert addr is None or a["src"]["address"] == addr, a
    assert a["mode"] == ("enforce" if k[1] else "monitor"), a
# one key per thing forged: its count is every frame of that kind
for kind, n in (("arp_sender_ip", 6), ("source_ip", 6), ("arp_sender_mac", 3), ("na_target", 3)):
    assert max(a["count"] for a in sp if a["forged"] == kind) >= n, (kind, [a["count"] for a in sp])
print("spoofed_source alerts name l2/a on", pa, "for", ", ".join(sorted({k[0] for k in by})))
PY
	fail "spoofed_source alerts not as expected"

# ---- bindings follow containers (--watch: the kernel's view of namespaces) ----
NS_D=swt$ID-d PD=swpd$ID D4=${SWT_A4%.*}.4 D6=${SWT_A6%::*}::4
nsx "$NS_H" "$SEGWATCH" policy apply "$TMP/pol-enforce.json" --no-engine --inventory "$TMP/inv.json" \
	--watch >"$TMP/watch.log" 2>&1 &
WATCH_PID=$!
BG_PIDS="$BG_PIDS $WATCH_PID"
wait_for_file "$TMP/watch.log" watching 10 || fail "policy apply --watch did not start"
in_set() { nsx "$NS_H" nft list set bridge segwatch "$1" 2>/dev/null | grep -c "$2"; }
add_container "$NS_D" "$PD" "$D4" "$D6"
MD=$(macof "$NS_D")
for _ in $(seq 100); do
	[ "$(in_set l2_mac "\"$PD\" . $MD")" = 1 ] && [ "$(in_set l2_ip4 "\"$PD\" . $D4")" = 1 ] && break
	sleep 0.1
done
[ "$(in_set l2_mac "\"$PD\" . $MD")" = 1 ] || fail "d's port was not bound to its MAC: $(cat "$TMP/watch.log")"
[ "$(in_set l2_ip4 "\"$PD\" . $D4")" = 1 ] || fail "d's port was not bound to $D4"
nsx "$NS_D" ping -c 1 -W 2 "$SWT_A4" >/dev/null || fail "ping d -> a (a new container, bound)"
nsx "$NS_D" ping -6 -c 1 -W 2 "$SWT_A6" >/dev/null || fail "ping6 d -> a (a new container, bound)"
nsx "$NS_D" python3 "$FORGE" udp4 eth0 "$MD" "$MA" "$FORGED4" "$SWT_A4" 7109 2 || fail "forging from d"
n=$(counters | awk '$1 == "l2_source_ip" { print $2 }')
[ "$n" = 2 ] || fail "d's forged source: rule source_ip counted ${n:-nothing}, want 2"
ip netns del "$NS_D"
for _ in $(seq 100); do
	[ "$(in_set l2_ports "$PD")" = 0 ] && break
	sleep 0.1
done
[ "$(in_set l2_ports "$PD")" = 0 ] || fail "d's port stayed bound after it went: $(cat "$TMP/watch.log")"
[ "$(in_set l2_ports "$PA")" = 1 ] || fail "a's port lost its binding"
kill -TERM "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null
echo "watch: a new container's port bound, its forgery dropped; unbound when it went"
grep "^membership" "$TMP/watch.log"
# the guard turned off goes in the same commit; remove takes both tables
policy off
nsx "$NS_H" nft list table bridge segwatch >/dev/null 2>&1 && fail "l2_guard off left the bridge table"
nsx "$NS_H" nft list table inet segwatch >/dev/null 2>&1 || fail "l2_guard off: no inet table"
policy enforce
nsx "$NS_H" "$SEGWATCH" policy remove | grep -q "table bridge segwatch" || fail "remove did not name the bridge table"
[ -z "$(nsx "$NS_H" nft list tables)" ] || fail "remove left: $(nsx "$NS_H" nft list tables)"
echo "l2_guard off: bridge table gone; remove: both tables gone"
[ "$SECONDS" -lt 90 ] || fail "took $SECONDS s (bound: 90)"
echo "PASS ($SECONDS s)"

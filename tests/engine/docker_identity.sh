#!/usr/bin/env bash
# docker_identity.sh SEGWATCH - workload identity from a real Docker engine
# (docker.io from Debian: dockerd, containerd, runc), started by hand in a
# network namespace of its own (docker_lib.sh), with labeled busybox
# containers on a user-defined IPv4+IPv6 bridge network:
#   1. `segwatch workloads --engine SOCK --json` lists every running
#      container with Docker's name, id, labels, compose project as namespace,
#      IPv4 and IPv6 addresses, MAC and its host-side veth on the bridge; a
#      stopped container is not listed
#   2. `segwatch capture --engine SOCK -i BRIDGE -w FILE --json` names both
#      ends of every flow between containers (TCP, ICMP, ICMPv6) with their
#      names and labels, in the JSON document and in the JSON lines
#   3. a container started after the capture began is named (late joiner)
#   4. a container removed and another started on its very address (and so
#      its MAC: Docker derives it from the IPv4 address) is not taken for the
#      first: each flow is named after the container that held the address
#      when the flow began, even though both flows end only at the final flush
#   5. with engine_probe (PROBE, optional): containers started while it
#      watches are known within 1 s of their start, with the addresses docker
#      inspect gives, bound from their StartedAt although Docker's first
#      event about them is the network's connect, up to a second earlier;
#      a stop and a removal release them; dockerd restarts (--live-restore)
#      while a container ends: the events stream is reopened, the listing
#      done again releases it, and a container started then is known as
#      quickly; no document failed to parse
# Exit: 0 pass, 1 fail, 77 skip (not root, or dockerd cannot run here).
set -u
SEGWATCH=${1:?usage: docker_identity.sh SEGWATCH [ENGINE_PROBE]}
PROBE=${2:-}
LATENCY_LIMIT_MS=1000
# shellcheck source=tests/engine/docker_lib.sh
. "$(dirname "$0")/docker_lib.sh" ident
NET=swdk-ident
BR=swdi$$
SUB4=10.213.41.0/24 SUB6=fd42:213:41::/64
REUSED=10.213.41.200
LOG=$TMP/capture.err
CAP_PID=
[ -x "$SEGWATCH" ] || fail "no segwatch at $SEGWATCH"
docker_up
docker_net "$NET" "$BR" "$SUB4" "$SUB6"

dk_run web1 "$NET" --label app=web --label tier=front -- sh -c "$SERVE" || fail "run web1"
dk_run db1 "$NET" --label app=db --label tier=data -- nc -ll -p 5432 -e /bin/cat || fail "run db1"
dk_run cache1 "$NET" --label app=cache --label com.docker.compose.project=shop \
	--label com.docker.compose.service=cache -- sleep 600 || fail "run cache1"
# a label as an attacker who can start containers would set it: a terminal
# title change, a bell and a right-to-left override
HOSTILE_LABEL=$'\e]0;pwned\a\u202egpj.exe'
dk_run client1 "$NET" --label app=client --label "note=$HOSTILE_LABEL" -- sleep 600 ||
	fail "run client1"
dk_run gone1 "$NET" --label app=gone -- sleep 600 || fail "run gone1"
dk stop -t 0 gone1 >/dev/null || fail "stop gone1"
WEB=$(ip_of web1 "$NET") WEB6=$(ip_of web1 "$NET" GlobalIPv6Address) DB=$(ip_of db1 "$NET")
[ -n "$WEB6" ] || fail "web1 has no IPv6 address on $NET"
reach client1 "$WEB" || fail "client1 cannot fetch from web1 before anything"

echo "== segwatch workloads --engine"
in_ns "$SEGWATCH" workloads --engine "$DK_SOCK" --json >"$TMP/workloads.json" 2>"$TMP/workloads.err" ||
	{ LOG=$TMP/workloads.err; fail "segwatch workloads exited with $?"; }
dk inspect web1 db1 cache1 client1 >"$TMP/inspect.json"
in_ns ip -j link show >"$TMP/links.json"
python3 - "$TMP/workloads.json" "$TMP/inspect.json" "$TMP/links.json" "$NET" "$BR" "$DK_SOCK" <<'PY' ||
import json, sys
doc, inspect, links = (json.load(open(p)) for p in sys.argv[1:4])
net, bridge, sock = sys.argv[4:]
assert doc["type"] == "workloads" and doc["engine"] == sock, (doc["type"], doc.get("engine"))
engine = {w["name"]: w for w in doc["workloads"] if w["source"] == "engine"}
assert "gone1" not in engine, "a stopped container is listed"
by_index = {l["ifindex"]: l for l in links}
expect_ns = {"cache1": "shop"}
for c in inspect:
    name = c["Name"].lstrip("/")
    w = engine.get(name)
    assert w, f"{name} is not listed: {sorted(engine)}"
    ep = c["NetworkSettings"]["Networks"][net]
    assert w["id"] == c["Id"], (name, w["id"])
    assert w["labels"] == (c["Config"]["Labels"] or {}), (name, w["labels"])
    # the kernel's view of its namespace adds the fe80:: address (one workload, engine+kernel)
    assert sorted(ip for ip in w["ips"] if not ip.startswith("fe80:")) == sorted([ep["IPAddress"], ep["GlobalIPv6Address"]]), (name, w["ips"])
    assert w["sources"][0] == "engine", (name, w["sources"])
    assert w["macs"] == [ep["MacAddress"]], (name, w["macs"])
    assert w.get("namespace") == expect_ns.get(name), (name, w.get("namespace"))
    veth = next((l for l in links if l["ifname"] == w.get("interface")), None)
    assert veth and veth.get("master") == bridge, (name, w.get("interface"), veth)
    print(f"ok: {name}: {w['ips']} {w['macs']} {w['labels']} on {w['interface']}"
          + (f" namespace {w['namespace']}" if "namespace" in w else ""))
# one container, one row: the kernel's view of its namespace is merged into it
ips = {ip for w in engine.values() for ip in w["ips"]}
dup = [w["name"] for w in doc["workloads"] if w["sources"] == ["kernel"] and ips & set(w["ips"])]
assert not dup, f"kernel rows next to the engine's containers: {dup}"
PY
	fail "segwatch workloads does not list Docker's containers as docker inspect shows them"
ok "workloads: 4 running containers as Docker sees them, the stopped one not listed"
# the table people read: the hostile label escaped, nothing raw on the terminal
in_ns "$SEGWATCH" workloads --engine "$DK_SOCK" >"$TMP/workloads.txt" 2>&1 ||
	{ LOG=$TMP/workloads.txt; fail "segwatch workloads (table) exited with $?"; }
grep -qF 'note=\x1b]0;pwned\x07\xe2\x80\xaegpj.exe' "$TMP/workloads.txt" ||
	{ LOG=$TMP/workloads.txt; fail "the hostile label is not shown escaped"; }
python3 "$(dirname "$0")/../hostile/inputs/text/text-noraw.py" <"$TMP/workloads.txt" >/dev/null ||
	{ LOG=$TMP/workloads.txt; fail "segwatch workloads prints a control character raw"; }
ok "workloads: a label with ESC, BEL and U+202E from Docker is escaped in the table, exact in JSON"
DOCKER_HOST=unix://$DK_SOCK in_ns "$SEGWATCH" workloads --json >"$TMP/detected.json" 2>&1 ||
	fail "segwatch workloads with DOCKER_HOST: $(tail -2 "$TMP/detected.json")"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["engine"] == sys.argv[2], d["engine"]
assert any(w["name"] == "web1" and w["source"] == "engine" for w in d["workloads"])' \
	"$TMP/detected.json" "$DK_SOCK" || fail "DOCKER_HOST=unix://$DK_SOCK was not used"
ok "the engine socket is found through \$DOCKER_HOST"

echo "== segwatch capture --engine -i $BR"
# nsenter itself, not in_ns: $! must be segwatch (nsenter execs it) for kill -TERM
nsenter --net="/run/netns/$DK_NETNS" "$SEGWATCH" capture --engine "$DK_SOCK" -i "$BR" --duration 150 --json \
	--timeout tcp-closed=300 --timeout icmp=300 -w "$TMP/flows.jsonl" \
	>"$TMP/capture.json" 2>"$TMP/capture.err" &
CAP_PID=$!
BG_PIDS="$BG_PIDS $CAP_PID"
capturing() { [ "$(in_ns cat /proc/net/packet | tail -n +2 | wc -l)" -ge 1 ]; }
wait_for 30 capturing || fail "the capture did not open $BR"
kill -0 "$CAP_PID" 2>/dev/null || fail "segwatch capture exited at start"
sleep 0.5

reach client1 "$WEB" || fail "client1 -> web1"
reach client1 "$WEB6" || fail "client1 -> web1 (IPv6)"
[ "$(echo ping | dk exec -i client1 nc -w 2 "$DB" 5432)" = ping ] || fail "db1 does not echo"
dk exec client1 ping -c 1 -W 2 "$WEB" >/dev/null || fail "client1 cannot ping web1"
dk exec client1 ping -c 1 -W 2 "$WEB6" >/dev/null || fail "client1 cannot ping web1 over IPv6"

# a late joiner, talking both ways
dk_run late1 "$NET" --label app=late --label team=blue -- sh -c "$SERVE" || fail "run late1"
LATE=$(ip_of late1 "$NET")
sleep 1.5	# its start event is inspected, its veth joins the bridge
reach client1 "$LATE" || fail "client1 -> late1"
reach late1 "$WEB" || fail "late1 -> web1"

# an address reused: old1 goes, new1 comes on its address (and MAC)
dk_run old1 "$NET" --ip "$REUSED" --label app=old -- sh -c "$SERVE" || fail "run old1"
sleep 1.5
reach client1 "$REUSED" || fail "client1 -> old1"
OLD_MAC=$(ip_of old1 "$NET" MacAddress)
dk rm -f old1 >/dev/null || fail "rm old1"
dk_run new1 "$NET" --ip "$REUSED" --label app=new -- sh -c "$SERVE" || fail "run new1"
[ "$(ip_of new1 "$NET" MacAddress)" = "$OLD_MAC" ] || echo "note: new1 got another MAC than old1"
sleep 1.5
reach client1 "$REUSED" || fail "client1 -> new1"
sleep 0.5
kill -TERM "$CAP_PID"
wait "$CAP_PID" || fail "segwatch capture exited with $?"
CAP_PID=
BG_PIDS=

dk inspect web1 db1 client1 late1 new1 >"$TMP/inspect.json"
python3 - "$TMP/capture.json" "$TMP/flows.jsonl" "$TMP/inspect.json" "$NET" "$REUSED" <<'PY' ||
import ipaddress, json, sys
doc = json.load(open(sys.argv[1]))
lines = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
inspect = json.load(open(sys.argv[3]))
net, reused = sys.argv[4], sys.argv[5]
owner, labels = {}, {}
for c in inspect:
    name = c["Name"].lstrip("/")
    ep = c["NetworkSettings"]["Networks"][net]
    labels[name] = c["Config"]["Labels"] or {}
    for a in (ep["IPAddress"], ep["GlobalIPv6Address"]):
        if a != reused:
            owner[str(ipaddress.ip_address(a))] = name
labels["old1"] = {"app": "old"}
gateways = {"10.213.41.1", "fd42:213:41::1"}
nets = [ipaddress.ip_network("10.213.41.0/24"), ipaddress.ip_network("fd42:213:41::/64")]
def inside(a):
    a = ipaddress.ip_address(a)
    return any(a in n for n in nets) and str(a) not in gateways
def check(flows, what):
    between = [f for f in flows if inside(f["src"]) and inside(f["dst"])]
    for f in between:
        for end in ("src", "dst"):
            wl = f.get(end + "_workload") or {}
            assert f[end + "_kind"] == "workload" and wl.get("source") == "engine", (what, end, f)
            want = owner.get(str(ipaddress.ip_address(f[end])))
            if want:
                assert wl["name"] == want, (what, end, f[end], wl["name"], want)
            assert wl["labels"] == labels[wl["name"]], (what, end, wl)
    seen = {(f["src_workload"]["name"], f["dst_workload"]["name"], f["proto"], f.get("dport"))
            for f in between}
    for edge in [("client1", "web1", "tcp", 80), ("client1", "db1", "tcp", 5432),
                 ("client1", "late1", "tcp", 80), ("late1", "web1", "tcp", 80),
                 ("client1", "old1", "tcp", 80), ("client1", "new1", "tcp", 80)]:
        assert edge in seen, (what, "missing", edge, sorted(seen))
    protos = {f["proto"] for f in between if f["src_workload"]["name"] == "client1"
              and f["dst_workload"]["name"] == "web1"}
    assert {"tcp", "icmp", "icmpv6"} <= protos, (what, protos)
    fams = {f["family"] for f in between if f["dst_workload"]["name"] == "web1" and f["proto"] == "tcp"}
    assert fams == {4, 6}, (what, "web1 over tcp in families", fams)
    to_reused = sorted((f["first_seen"], f["dst_workload"]["name"]) for f in between
                       if f["dst"] == reused and f["proto"] == "tcp")
    assert [n for _, n in to_reused] == ["old1", "new1"], (what, to_reused)
    return between
flows = check(doc["flows"], "document")
check([l for l in lines if l.get("type") == "flow"], "json lines")
c = doc["counters"]
assert c["kernel_drops"] == 0 and c["malformed"] == 0, c
for f in sorted(flows, key=lambda f: f["first_seen"]):
    s, d = f["src_workload"], f["dst_workload"]
    port = f" port {f['dport']}" if f["proto"] in ("tcp", "udp") else ""
    print(f"ok: {f['proto']:6} {s['name']} {s['labels']} -> {d['name']} {d['labels']}{port}")
PY
	fail "flows are not named as expected"
ok "every flow between containers names both ends; late1 named; old1 and new1 told apart on $REUSED"

echo "== segwatch graph: one node per container, no infrastructure noise"
in_ns "$SEGWATCH" graph "$TMP/flows.jsonl" --json >"$TMP/graph.json" || fail "segwatch graph exited with $?"
in_ns "$SEGWATCH" graph "$TMP/flows.jsonl" --json --all >"$TMP/graph-all.json" ||
	fail "segwatch graph --all exited with $?"
python3 "$(dirname "$0")/../ns/one_node.py" "$TMP/graph.json" "$TMP/graph-all.json" \
	client1 web1 db1 late1 old1 new1 || fail "the Docker lab's graph is not one node per container without noise"
if [ -n "$PROBE" ]; then
	echo "== engine_probe: start and stop events"
	[ -x "$PROBE" ] || fail "no engine_probe at $PROBE"
	CHECK="python3 $(dirname "$0")/probe_check.py"
	LOG=$TMP/probe.err
	nsenter --net="/run/netns/$DK_NETNS" "$PROBE" --socket "$DK_SOCK" --watch 120 \
		>"$TMP/probe.out" 2>"$TMP/probe.err" &
	PROBE_PID=$!
	BG_PIDS="$BG_PIDS $PROBE_PID"
	$CHECK ready "$TMP/probe.out" 30 || fail "engine_probe is not ready"
	max=0
	for n in 1 2 3; do
		dk_run "ev$n" "$NET" --label app=ev --label seq="$n" -- sleep 600 || fail "run ev$n"
		dk inspect "ev$n" >"$TMP/inspect-ev.json"
		ms=$($CHECK change "$TMP/probe.out" start "ev$n" 10 "$TMP/inspect-ev.json") || fail "ev$n"
		echo "  ev$n: known $ms ms after it started (limit $LATENCY_LIMIT_MS ms)"
		[ "$ms" -lt "$LATENCY_LIMIT_MS" ] || fail "ev$n known only after $ms ms"
		if ((ms > max)); then max=$ms; fi
	done
	dk stop -t 0 ev1 >/dev/null || fail "stop ev1"
	$CHECK change "$TMP/probe.out" stop ev1 10 >/dev/null || fail "ev1 not released at its stop"
	dk rm -f ev2 >/dev/null || fail "rm ev2"
	$CHECK change "$TMP/probe.out" stop ev2 10 >/dev/null || fail "ev2 not released at its removal"
	ok "start events applied within $max ms at most; a stop and a removal released"

	# dockerd restarts (--live-restore: containers run on); ev3 ends meanwhile
	EV3_PID=$(dk inspect -f '{{.State.Pid}}' ev3)
	dk_daemon_stop
	kill -KILL "$EV3_PID" || fail "kill ev3's process"
	sleep 1
	dk_daemon_start || fail "dockerd did not start again"
	$CHECK change "$TMP/probe.out" stop ev3 20 >/dev/null ||
		fail "ev3, ended while dockerd was down, not released after the reconnect"
	dk_run ev4 "$NET" --label app=ev --label seq=4 -- sleep 600 || fail "run ev4"
	dk inspect ev4 >"$TMP/inspect-ev.json"
	ms=$($CHECK change "$TMP/probe.out" start ev4 10 "$TMP/inspect-ev.json") || fail "ev4"
	[ "$ms" -lt "$LATENCY_LIMIT_MS" ] || fail "ev4 known only after $ms ms"
	kill -TERM "$PROBE_PID"
	wait "$PROBE_PID" || fail "engine_probe exited with $? (sanitizer report in its stderr?)"
	BG_PIDS=
	$CHECK stats "$TMP/probe.out" 1 || fail "engine_probe stats"
	ok "dockerd restarted: reconnected, ev3 (ended meanwhile) released, ev4 known after $ms ms"
fi
echo "PASS: docker identity ($(dk version -f '{{.Server.Version}}'))"

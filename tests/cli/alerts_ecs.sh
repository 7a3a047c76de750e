#!/usr/bin/env bash
# alerts_ecs.sh SEGWATCH - --alert-format ecs: a scan read from a pcap is
# alerted in segwatch's format and in ECS, to a file, to stdout, to RFC 5424
# syslog on a local datagram socket and to a webhook on loopback. Every ECS
# line is JSON with @timestamp, event.kind "alert", source.ip and the
# network.community_id of the segwatch line of the same alert, and every field
# of the segwatch line is found at its place in the ECS line (docs/alerts.md
# "Elastic Common Schema"): nothing is lost. Syslog keeps its structured data,
# its MSG is the ECS line; the webhook receives the ECS line. Another value is
# a usage error naming the option.
set -u
SEGWATCH=${1:?usage: alerts_ecs.sh SEGWATCH}
tmp=$(mktemp -d)
RECV_PIDS=
trap 'for p in $RECV_PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

python3 "$(dirname "$0")/scan_pcap.py" "$tmp/scan.pcap" || fail "cannot write the scan pcap"

"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts "$tmp/seg.jsonl" >/dev/null 2>"$tmp/err" ||
	fail "segwatch format: $(cat "$tmp/err")"
"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts "$tmp/ecs.jsonl" --alert-format ecs \
	>/dev/null 2>"$tmp/err" || fail "ecs to a file: $(cat "$tmp/err")"
"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts - --alert-format ecs 2>"$tmp/err" |
	grep '^{' >"$tmp/ecs.stdout" || fail "ecs to stdout: $(cat "$tmp/err")"
"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts "$tmp/seg2.jsonl" --alert-format segwatch \
	>/dev/null 2>"$tmp/err" || fail "--alert-format segwatch: $(cat "$tmp/err")"
cmp -s "$tmp/seg.jsonl" "$tmp/seg2.jsonl" || fail "--alert-format segwatch is not the default"

# receivers: a unix datagram socket (syslog) and an HTTP server (webhook), each writing what it gets
python3 - "$tmp" <<'PY' &
import http.server, os, socket, sys, threading, time
tmp = sys.argv[1]
u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); u.bind(os.path.join(tmp, "log.sock"))
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(os.path.join(tmp, "hook.msgs"), "ab") as f:
            f.write(body + b"\n")
        self.send_response(204); self.end_headers()
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
open(os.path.join(tmp, "http.port.tmp"), "w").write(str(srv.server_address[1]))
os.rename(os.path.join(tmp, "http.port.tmp"), os.path.join(tmp, "http.port"))
u.settimeout(0.1)
deadline = time.time() + 20
with open(os.path.join(tmp, "unix.msgs"), "ab") as fu:
    while time.time() < deadline:
        try:
            fu.write(u.recv(65536) + b"\n"); fu.flush()
        except socket.timeout:
            pass
PY
RECV_PIDS="$RECV_PIDS $!"
for _ in $(seq 50); do [ -f "$tmp/http.port" ] && break; sleep 0.1; done
[ -f "$tmp/http.port" ] || fail "the receivers did not start"

"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts "syslog+unix://$tmp/log.sock" --alert-format ecs \
	>/dev/null 2>"$tmp/err" || fail "ecs to syslog+unix: $(cat "$tmp/err")"
"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts "http://127.0.0.1:$(cat "$tmp/http.port")/hook" \
	--alert-format ecs >/dev/null 2>"$tmp/err" || fail "ecs to a webhook: $(cat "$tmp/err")"
sleep 0.5

python3 - "$tmp" <<'PY' || fail "the ECS lines are not what they should be"
import json, os, re, sys
tmp = sys.argv[1]
def lines(name):
    return [l.rstrip("\n") for l in open(os.path.join(tmp, name)) if l.strip()]
seg = [json.loads(l) for l in lines("seg.jsonl")]
assert seg, "no alert for a scan of 30 ports"

def get(o, path):
    for k in path.split("."):
        if not isinstance(o, dict) or k not in o:
            return None
        o = o[k]
    return o

def dedot(labels):
    out = {}
    for k, v in labels.items():
        out.setdefault(k.replace(".", "_"), v)
    return out

# docs/alerts.md "Elastic Common Schema": where each field of the record goes
WHERE = {"type": "event.kind", "time": "@timestamp", "kind": "event.action",
         "origin": "event.provider", "first_seen": "event.start", "last_seen": "event.end",
         "message": "message", "port": "destination.port", "community_id": "network.community_id",
         "rule": "rule.name", "event": "event.code", "detail": "event.reason",
         "severity": "segwatch.severity"}
TRANSPORT = {"icmpv6": "ipv6-icmp"}
SEVERITY = {"low": 21, "medium": 47, "high": 73}

def check(s, e):
    assert isinstance(e.get("@timestamp"), str) and e["ecs"]["version"].startswith("8."), e
    assert get(e, "event.kind") == "alert" and get(e, "event.category") in (["network"], ["host"]), e
    assert get(e, "event.severity") == SEVERITY[s["severity"]], e
    for k, v in s.items():
        if k in ("src", "dst"):
            side = "source" if k == "src" else "destination"
            if v is None:
                assert side not in e.get("segwatch", {}) and get(e, side + ".ip") is None, (k, e)
                continue
            assert get(e, side + ".ip") == v["address"], (k, e)
            rest = {x: y for x, y in v.items() if x != "address"}
            rest["labels"] = dedot(v["labels"])
            assert get(e, "segwatch." + side) == rest, (k, e)
        elif k == "proto":
            assert get(e, "network.transport") == TRANSPORT.get(v, v), e
            assert get(e, "network.iana_number") == {"tcp": "6", "udp": "17", "icmp": "1",
                                                     "icmpv6": "58", "sctp": "132"}.get(v, v), e
        elif k in WHERE:
            if v is None:
                assert get(e, WHERE[k]) is None, (k, e)
            else:
                assert get(e, WHERE[k]) == v, (k, v, get(e, WHERE[k]))
        else:
            assert get(e, "segwatch." + k) == v, (k, v, e)

for name in ("ecs.jsonl", "ecs.stdout", "hook.msgs"):
    ecs = [json.loads(l) for l in lines(name)]
    assert len(ecs) == len(seg), (name, len(ecs), len(seg))
    for s, e in zip(seg, ecs):
        assert e["source"]["ip"] == "10.0.0.2", e
        assert get(e, "network.community_id") == s["community_id"] and s["community_id"].startswith("1:"), e
        check(s, e)
want = lines("ecs.jsonl")
# the webhook and stdout carry the very lines of the file
assert lines("ecs.stdout") == want and lines("hook.msgs") == want, "stdout or webhook differ"

# syslog: the structured data as in segwatch's format, the MSG the ECS line
hdr = re.compile(r'<(\d+)>1 (\S+) (\S+) segwatch (\d+) (\S+) \[segwatch@32473((?: [a-z_]+="(?:[^"\\\]]|\\["\\\]])*")+)\] (.*)$')
msgs = lines("unix.msgs")
assert len(msgs) == len(seg), (len(msgs), len(seg))
for m, s, w in zip(msgs, seg, want):
    r = hdr.match(m)
    assert r, m
    params = dict(re.findall(r' ([a-z_]+)="((?:[^"\\\]]|\\["\\\]])*)"', r.group(6)))
    assert params["kind"] == s["kind"] and params["src"] == s["src"]["address"], params
    assert params["community_id"] == s["community_id"] and params["port"] == str(s["port"]), params
    assert r.group(7) == w, (r.group(7), w)
print("alerts_ecs: %d alert(s) with ECS names to a file, stdout, syslog and a webhook" % len(seg))
PY

# usage errors name the option
"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts - --alert-format elastic >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- '--alert-format: "elastic" is not segwatch or ecs' "$tmp/err" ||
	fail "bad --alert-format: $(cat "$tmp/err")"
"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alert-format ecs >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- '--alert-format go with --alerts' "$tmp/err" ||
	fail "--alert-format without --alerts: $(cat "$tmp/err")"
"$SEGWATCH" capture --help | grep -q -- '--alert-format ecs' || fail "no --alert-format example in --help"
echo "alerts_ecs: passed"

#!/usr/bin/env bash
# alerts_webhook.sh SEGWATCH - alerts POSTed to a webhook: a local HTTP
# receiver that fails its first two requests (503) gets every alert of a
# scan read from a pcap exactly once, each body the JSON line the file
# destination writes; a receiver that is not there costs the capture no
# more than the few seconds the queue gets at close, and the run says the
# alerts were lost (exit 3).
set -u
SEGWATCH=${1:?usage: alerts_webhook.sh SEGWATCH}
tmp=$(mktemp -d)
RECV_PID=
trap '[ -n "$RECV_PID" ] && kill "$RECV_PID" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

python3 "$(dirname "$0")/scan_pcap.py" "$tmp/scan.pcap" || fail "cannot write the scan pcap"
"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts "$tmp/alerts.jsonl" >/dev/null 2>"$tmp/err" ||
	fail "file destination: $(cat "$tmp/err")"
[ -s "$tmp/alerts.jsonl" ] || fail "no alert for a scan of 30 ports"

python3 - "$tmp" <<'PY' &
import http.server, json, os, sys, time
tmp = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    n = 0
    def do_POST(self):
        H.n += 1
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = H.n > 2
        with open(os.path.join(tmp, "requests"), "a") as f:
            f.write(json.dumps({"ok": ok, "t": time.monotonic(), "path": self.path, "type": self.headers["Content-Type"],
                                "body": body.decode()}) + "\n")
        self.send_response(200 if ok else 503)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(os.path.join(tmp, "port.tmp"), "w").write(str(s.server_address[1]))
os.rename(os.path.join(tmp, "port.tmp"), os.path.join(tmp, "port"))
s.serve_forever()
PY
RECV_PID=$!
for _ in $(seq 50); do [ -f "$tmp/port" ] && break; sleep 0.1; done
[ -f "$tmp/port" ] || fail "the receiver did not start"
port=$(cat "$tmp/port")

"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts "http://127.0.0.1:$port/hook" >/dev/null 2>"$tmp/err" ||
	fail "webhook: exit $? $(cat "$tmp/err")"
python3 - "$tmp" <<'PY' || fail "the webhook did not get what it should"
import json, os, sys
tmp = sys.argv[1]
want = [json.loads(l) for l in open(os.path.join(tmp, "alerts.jsonl"))]
reqs = [json.loads(l) for l in open(os.path.join(tmp, "requests"))]
assert [r["ok"] for r in reqs[:2]] == [False, False], reqs
got = [json.loads(r["body"]) for r in reqs if r["ok"]]
assert all(r["path"] == "/hook" and r["type"] == "application/json" for r in reqs), reqs
strip = lambda a: {k: v for k, v in a.items() if k != "time"}
assert [strip(a) for a in got] == [strip(a) for a in want], (got, want)
assert json.loads(reqs[0]["body"]) == json.loads(reqs[2]["body"]), "the failed alert was not the one retried"
# backoff: 0.5 s, then 1 s
assert reqs[1]["t"] - reqs[0]["t"] >= 0.45 and reqs[2]["t"] - reqs[1]["t"] >= 0.95, [r["t"] for r in reqs]
print("webhook: %d alert(s) delivered once each after 2 failed attempts" % len(got))
PY

# nobody listening: the run ends within the drain time and says it lost alerts
kill "$RECV_PID"; wait "$RECV_PID" 2>/dev/null; RECV_PID=
start=$(date +%s)
"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts "http://127.0.0.1:$port/hook" >/dev/null 2>"$tmp/err"
rc=$?
took=$(($(date +%s) - start))
[ "$rc" = 3 ] || fail "an unreachable webhook: exit $rc, want 3: $(cat "$tmp/err")"
[ "$took" -ge 4 ] && [ "$took" -le 12 ] ||
	fail "an unreachable webhook held the run $took s (its queue gets 5 s at close)"
grep -q "http://127.0.0.1:$port/hook: write failed" "$tmp/err" || fail "the loss is not named: $(cat "$tmp/err")"
echo "unreachable: exit 3 after $took s: $(head -c 200 "$tmp/err")"
echo "alerts_webhook: passed"

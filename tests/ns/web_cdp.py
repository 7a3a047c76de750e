#!/usr/bin/python3
# web_cdp.py - drive headless Chromium over the DevTools protocol against the
# agent's live graph (tests/ns/agent_web.sh). Run by Debian's python3 (it
# needs python3-websocket), in the namespace where the agent listens.
#
#   web_cdp.py CHROMIUM URL ORIGIN CONNECT_CMD PORT FILTER_PORT NODE
#
# 1. loads URL with every request, console message and exception recorded;
# 2. waits for two good polls, notes the page's clock, runs CONNECT_CMD (a new
#    connection in the lab, printing the wall clock in ms at its connect) and
#    times how long from then until the page has an edge to tcp/PORT it did
#    not have (printed, must be at most 2 s);
# 3. types FILTER_PORT in the port filter: every edge then drawn has that
#    port, and fewer edges are drawn than before;
# 4. the details of the node named NODE (what a click adds: its recent
#    flows from /api/flows) list flows to tcp/PORT;
# 5. no console error, no exception, no request but to ORIGIN.
# With SW_SCREENSHOTS=DIR it also saves DIR/live-graph.png (the docs' picture).
# Prints one JSON line of what it measured; exit 0 when all held.
import json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request
import websocket

chromium, url, origin, connect_cmd, port, fport, node = sys.argv[1:8]
problems, events = [], []

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

dport = free_port()
profile = tempfile.mkdtemp(prefix="sw-cdp-")
proc = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
                         "--window-size=1280,800", "--remote-debugging-address=127.0.0.1",
                         "--remote-debugging-port=%d" % dport, "about:blank"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    ws_url = None
    for _ in range(300):
        try:
            for t in json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % dport, timeout=1)):
                if t.get("type") == "page":
                    ws_url = t["webSocketDebuggerUrl"]
            if ws_url:
                break
        except Exception:
            pass
        time.sleep(0.1)
    if not ws_url:
        print("SKIP: chromium's DevTools endpoint did not come up"); sys.exit(77)
    ws = websocket.create_connection(ws_url, timeout=10, suppress_origin=True)
    ids = [0]

    def note(ev):
        m, p = ev.get("method"), ev.get("params", {})
        if m == "Network.requestWillBeSent":
            events.append(("request", p["request"]["url"]))
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            events.append(("console", json.dumps(p.get("args", []))[:300]))
        elif m == "Runtime.exceptionThrown":
            events.append(("exception", json.dumps(p.get("exceptionDetails", {}))[:300]))
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            events.append(("log", p["entry"].get("text", "")[:300]))

    def call(method, **params):
        ids[0] += 1
        ws.send(json.dumps({"id": ids[0], "method": method, "params": params}))
        while True:
            msg = json.loads(ws.recv())
            if msg.get("id") == ids[0]:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            note(msg)

    def js(expr):
        r = call("Runtime.evaluate", expression=expr, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate %s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait(expr, limit):
        end = time.time() + limit
        while time.time() < end:
            v = js(expr)
            if v:
                return v
            time.sleep(0.05)
        return None

    for d in ("Network.enable", "Runtime.enable", "Log.enable", "Page.enable"):
        call(d)
    call("Page.navigate", url=url)
    if not wait("window.swLive && window.swLive.ok >= 2", 15):
        problems.append("the page did not poll twice: %s" % js("JSON.stringify(window.swLive || null)"))
        raise SystemExit
    has_edge = "Object.keys(swLive.edgeSeen).filter(function (k) { return / tcp\\/%s$/.test(k); })" % port
    before = js(has_edge)
    if before:
        problems.append("an edge to tcp/%s before the connection: %s" % (port, before))
    # CONNECT_CMD prints the wall clock (ms) of its connect: the page's Date.now() is the same clock
    t_start = js("Date.now()")
    out = subprocess.run(connect_cmd, shell=True, check=True, timeout=10, capture_output=True, text=True).stdout
    t0 = float(out.split()[-1]) if out.split() else t_start
    seen = wait("(function () { var k = %s; return k.length ? swLive.edgeSeen[k[0]] : 0; })()" % has_edge, 5)
    delay = (seen - t0) if seen else None
    if delay is None or delay > 2000:
        problems.append("the new edge to tcp/%s took %s ms (at most 2000)" % (port, delay))
    all_edges = js("swLive.edgeKeys.length")
    drawn_all = js("swViewer.stats().drawn.edges")
    ok_before = js("swLive.ok")
    js("(function () { var i = document.getElementById('sw-live-port'); i.value = '%s'; "
       "i.dispatchEvent(new Event('change')); })()" % fport)
    wait("swLive.query.indexOf('port=%s') >= 0 && swLive.ok > %d" % (fport, ok_before + 1), 5)
    keys = js("swLive.edgeKeys")
    drawn_f = js("swViewer.stats().drawn.edges")
    if not keys or any(not k.endswith("/" + fport) for k in keys):
        problems.append("filter port=%s: edges %s" % (fport, keys))
    if not len(keys) < all_edges or not drawn_f < drawn_all:
        problems.append("filter port=%s drew %d edges (API %d), unfiltered %d (API %d)" %
                        (fport, drawn_f, len(keys), drawn_all, all_edges))
    # a node's details, as a click shows them (the unfiltered graph has every node)
    js("(function () { var i = document.getElementById('sw-live-port'); i.value = ''; "
       "i.dispatchEvent(new Event('change')); })()")
    wait("swLive.query.indexOf('port=') < 0 && swLive.edgeKeys.length === %d" % all_edges, 5)
    shown = js("(function () { var n = swLive.nodeList.filter(function (x) { return x.name === %s; })[0]; "
               "if (!n) return false; return swViewer.select(String(n.id)); })()"
               % json.dumps(node))
    rows = wait("(function () { var r = document.querySelectorAll('#sw-live-node tr'); "
                "return r.length ? Array.prototype.map.call(r, function (x) { return x.textContent; }) : null; })()", 5)
    if not shown or not rows or not any("/" + port in r for r in rows):
        problems.append("node %s: shown %s, flows %s" % (node, shown, rows))
    # the viewer redraws its panel on every poll: the node's flows stay
    ok_now = js("swLive.ok")
    wait("swLive.ok > %d" % (ok_now + 1), 5)
    if not js("document.querySelectorAll('#sw-live-node tr').length"):
        problems.append("node %s: its flows vanished at the next poll" % node)
    shots = os.environ.get("SW_SCREENSHOTS")
    if shots:  # the live page as the docs show it: a node selected, its flows listed
        import base64
        png = base64.b64decode(call("Page.captureScreenshot", format="png")["data"])
        with open(os.path.join(shots, "live-graph.png"), "wb") as f:
            f.write(png)
    status_errors = js("window.swStatus.errors")
    time.sleep(0.3)
    try:
        ws.settimeout(0.2)
        while True:
            note(json.loads(ws.recv()))
    except Exception:
        pass
    requests = [u for k, u in events if k == "request"]
    foreign = [u for u in requests if not (u.startswith(origin + "/") or u == origin)]
    errors = [(k, v) for k, v in events if k != "request"]
    if foreign:
        problems.append("requests elsewhere than %s: %s" % (origin, foreign[:5]))
    if errors or status_errors:
        problems.append("console errors (%s in page): %s" % (status_errors, errors[:5]))
    print(json.dumps({"new_edge_ms": delay, "edges": all_edges, "drawn": drawn_all,
                      "filtered_edges": len(keys), "filtered_drawn": drawn_f,
                      "node_flows": len(rows or []),
                      "requests": len(requests), "foreign_requests": len(foreign),
                      "console_errors": len(errors)}))
except SystemExit:
    pass
finally:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(profile, ignore_errors=True)
for p in problems:
    print("PROBLEM: " + p)
sys.exit(1 if problems else 0)

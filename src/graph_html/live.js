/* segwatch live graph: the page the agent serves (docs/web.md). It polls the
 * agent's API once a second (the graph of the window, new alerts) and hands
 * each graph to the viewer through window.swViewer; it talks to nothing but
 * the origin it came from (the page's CSP says connect-src 'self').
 * Everything shown comes from the network: text is set with textContent. */
(function () {
  'use strict';
  var POLL_MS = 1000, FEED_MAX = 200, FLOWS_SHOWN = 20;
  var WINDOWS = [['1m', '1 min'], ['5m', '5 min'], ['15m', '15 min'], ['1h', '1 h']];
  var STATES = ['', 'attempted', 'refused', 'established', 'closed'];
  var VERDICTS = ['', 'allowed', 'denied', 'monitored', 'unmanaged'];
  var $ = function (id) { return document.getElementById(id); };
  var viewer = window.swViewer;
  var st = window.swStatus || { errors: 0, messages: [] };
  var params = new URLSearchParams(location.search);
  var token = params.get('token');
  /* what the tests read (and a person debugging): window.swLive */
  var live = window.swLive = { polls: 0, ok: 0, failed: 0, lastError: null, nodes: 0, edges: 0,
                               edgeSeen: {}, alerts: 0, lastSeq: 0, requests: [], query: '' };
  function el(tag, text, cls) { var x = document.createElement(tag); if (text !== undefined) x.textContent = text; if (cls) x.className = cls; return x; }

  /* ---- controls: in the viewer's #sw-controls slot, or made here ---- */
  var controls = $('sw-controls');
  if (!controls) { controls = el('div'); controls.id = 'sw-controls'; $('sw-header').appendChild(controls); }
  controls.style.display = 'flex'; controls.style.gap = '6px'; controls.style.alignItems = 'center';
  function select(id, values, label, def) {
    var s = el('select'); s.id = id; s.title = label;
    values.forEach(function (v) { var o = el('option', Array.isArray(v) ? v[1] : (v || label + ': any')); o.value = Array.isArray(v) ? v[0] : v; s.appendChild(o); });
    if (def !== undefined) s.value = def;
    controls.appendChild(s); return s;
  }
  function input(id, ph, width) {
    var i = el('input'); i.id = id; i.type = 'text'; i.placeholder = ph; i.title = ph; i.style.width = width;
    i.autocomplete = 'off'; controls.appendChild(i); return i;
  }
  var f = {
    since: select('sw-live-window', WINDOWS, 'window', '5m'),
    from: input('sw-live-from', 'from', '90px'),
    to: input('sw-live-to', 'to', '90px'),
    port: input('sw-live-port', 'port', '60px'),
    proto: input('sw-live-proto', 'proto', '55px'),
    state: select('sw-live-state', STATES, 'state'),
    verdict: select('sw-live-verdict', VERDICTS, 'verdict')
  };
  var status = el('span', 'connecting\u2026'); status.id = 'sw-live-state-text'; status.style.color = '#b8c0cc'; status.style.whiteSpace = 'nowrap'; controls.appendChild(status);

  /* ---- the alert feed: the viewer's #sw-feed slot, or made here ---- */
  var feed = $('sw-feed');
  if (!feed) { feed = el('section'); feed.id = 'sw-feed'; ($('sw-side') || $('sw-panel').parentNode).appendChild(feed); }
  feed.style.padding = '0 12px 10px'; feed.style.background = '#fff';
  var feedHead = el('h3', 'Alert feed (every workload)'), feedList = el('div');
  feedHead.style.cssText = 'font-size:12px;text-transform:uppercase;color:#5a6475;margin:12px 0 4px';
  feed.appendChild(feedHead); feed.appendChild(feedList);
  var alerts = []; /* newest last, at most FEED_MAX */

  function query() {
    var q = new URLSearchParams();
    Object.keys(f).forEach(function (k) { var v = f[k].value.trim(); if (v) q.append(k, v); });
    return q.toString();
  }
  function get(path) {
    var h = {}; if (token) h.Authorization = 'Bearer ' + token;
    if (live.requests.length < 50) live.requests.push(path);
    return fetch(path, { headers: h, cache: 'no-store', credentials: 'same-origin' }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error((body && body.error) || ('HTTP ' + r.status));
        return body;
      }, function () { throw new Error('HTTP ' + r.status + ': not JSON'); });
    });
  }

  /* ---- the graph ---- */
  var panel = $('sw-panel'), asked = 0, nodeSec = null, nodeSecId = null; /* a node's flows, shown on click */
  function edgeKey(e) { return e.src + ' > ' + e.dst + ' ' + e.proto + '/' + (e.port === undefined ? '' : e.port); }
  function showGraph(doc) {
    var now = Date.now();
    (doc.edges || []).forEach(function (e) { var k = edgeKey(e); if (!(k in live.edgeSeen)) live.edgeSeen[k] = now; });
    var drawn = viewer ? viewer.load(doc) : null;
    /* load() rewrites the details panel: a node still selected gets its flows back */
    if (nodeSec && !document.body.contains(nodeSec)) {
      var cur = viewer && viewer.stats ? viewer.stats().selected : null;
      if (cur && cur.kind === 'node' && cur.id === nodeSecId) panel.appendChild(nodeSec); else nodeSec = null;
    }
    live.nodes = (doc.nodes || []).length; live.edges = (doc.edges || []).length; live.drawn = drawn;
    live.edgeKeys = (doc.edges || []).map(edgeKey); live.nodeList = doc.nodes || [];
    var lv = doc.live || {};
    status.textContent = live.edges + ' edges from ' + (lv.flows || 0) + ' flows (' + (lv.open || 0) + ' open) \u00b7 ' +
      new Date().toLocaleTimeString();
    status.style.color = '#b8c0cc';
  }
  function fail(err) {
    live.failed++; live.lastError = String(err && err.message || err);
    status.textContent = live.lastError; status.style.color = '#ffb4a8';
  }

  /* ---- alerts ---- */
  function who(end) { return end ? String(end.name || end.node || end.address || end.kind || '?') : '-'; }
  function alertLine(a) {
    var d = el('div'); d.style.cssText = 'border-bottom:1px solid #eef0f3;padding:2px 0;font-size:12px';
    var sev = el('span', String(a.severity || ''), 'sw-chip');
    sev.style.background = a.severity === 'high' ? '#d62728' : a.severity === 'medium' ? '#f0a30a' : '#7a8394';
    d.appendChild(sev); d.appendChild(document.createTextNode(' ' + String(a.kind || 'alert') + ' ' + who(a.src) + ' \u2192 ' + who(a.dst) +
      (a.port !== undefined && a.port !== null ? ' ' + String(a.proto || '') + '/' + a.port : '')));
    var t = el('div', String(a.time || '').replace('T', ' ').slice(0, 19) + '  ' + String(a.message || '')); t.style.color = '#7a8394';
    d.appendChild(t); return d;
  }
  function showAlerts(doc) {
    (doc.alerts || []).forEach(function (x) { if (x && x.alert) alerts.push(x.alert); });
    if (alerts.length > FEED_MAX) alerts = alerts.slice(alerts.length - FEED_MAX);
    if (typeof doc.last_seq === 'number') live.lastSeq = doc.last_seq;
    live.alerts = alerts.length;
    if (!(doc.alerts || []).length && feedList.childNodes.length) return;
    feedList.textContent = '';
    if (!alerts.length) { feedList.appendChild(el('p', 'No alert in memory.', 'sw-hint')); return; }
    for (var i = alerts.length - 1; i >= 0 && i >= alerts.length - 50; i--) feedList.appendChild(alertLine(alerts[i]));
  }

  /* ---- one poll a second, never two at once ---- */
  var timer = null, busy = false, again = false;
  function poll() {
    if (busy) { again = true; return; }
    busy = true; clearTimeout(timer); live.polls++;
    var q = query(); live.query = q;
    get('/api/graph?' + q).then(showGraph).then(function () { live.ok++; })
      .catch(fail)
      .then(function () { return get('/api/alerts?after=' + live.lastSeq + '&limit=' + FEED_MAX).then(showAlerts, fail); })
      .then(function () {
        busy = false;
        if (again) { again = false; poll(); } else timer = setTimeout(poll, POLL_MS);
      });
  }
  Object.keys(f).forEach(function (k) { f[k].addEventListener('change', poll); });

  /* ---- a node's recent flows and alerts, on click ---- */
  function globEscape(s) { return String(s).replace(/[\\*?[\]]/g, '\\$&'); }
  /* the API's endpoint form for a node (include/segwatch/query.h), or null */
  function peerOf(info) {
    var d = info.data || {}, id = String(info.id);
    if (d.members && d.group !== undefined) /* a collapsed group */
      return d.by === 'group' ? 'group:' + d.group : d.by && d.by !== 'kind' ? 'label:' + d.by + '=' + d.group : null;
    if (d.kind === 'workload' && d.name) return 'name:' + globEscape(d.name);
    var m = /^(ext|mc|unspec|addr):(.+)$/.exec(id); if (m) return m[2];
    m = /^label:(.+)$/.exec(id); if (m) return 'label:' + m[1];
    m = /^group:([^+]+)$/.exec(id); if (m && m[1] !== '(none)') return 'group:' + m[1];
    return null;
  }
  function flowRow(r) {
    var tr = el('tr'), sw = r.src_workload || {}, dw = r.dst_workload || {};
    var t = String(r.last_seen || r.first_seen || '').slice(11, 19);
    tr.appendChild(el('td', t));
    tr.appendChild(el('td', String(sw.name || r.src || '?') + ' \u2192 ' + String(dw.name || r.dst || '?') + ' ' +
      String(r.proto || '') + (r.dport ? '/' + r.dport : '') +
      '  ' + String(r.state || '') + (r.open ? ' (open)' : '') + (r.verdict ? '  ' + r.verdict : '')));
    return tr;
  }
  function showNodeExtras(info) {
    var peer = peerOf(info), mine = ++asked;
    if (nodeSec && nodeSec.parentNode) nodeSec.parentNode.removeChild(nodeSec); /* one node's details at a time */
    var sec = el('section'); sec.id = 'sw-live-node'; panel.appendChild(sec);
    nodeSec = sec; nodeSecId = info.id;
    sec.appendChild(el('h3', 'Recent flows'));
    if (!peer) { sec.appendChild(el('p', 'No flow query for this node.', 'sw-hint')); return; }
    var flowsBox = el('div'); sec.appendChild(flowsBox); /* filled when /api/flows answers, above the alerts */
    var q = new URLSearchParams(); q.append('peer', peer); q.append('since', f.since.value); q.append('limit', String(FLOWS_SHOWN));
    get('/api/flows?' + q.toString()).then(function (doc) {
      if (mine !== asked) return;
      var t = el('table'); (doc.flows || []).forEach(function (r) { t.appendChild(flowRow(r)); });
      if (!(doc.flows || []).length) flowsBox.appendChild(el('p', 'None in the window.', 'sw-hint')); else flowsBox.appendChild(t);
      live.nodeFlows = (doc.flows || []).length;
    }, function (err) { if (mine === asked) flowsBox.appendChild(el('p', String(err.message || err), 'sw-hint')); });
    var d = info.data || {}, name = d.name, addrs = d.addresses || d.addrs || [];
    var mineAlerts = alerts.filter(function (a) {
      return [a.src, a.dst].some(function (e) { return e && ((name && e.name === name) || (e.address && addrs.indexOf(e.address) >= 0)); });
    });
    sec.appendChild(el('h3', 'Its alerts'));
    if (!mineAlerts.length) sec.appendChild(el('p', 'None in memory.', 'sw-hint'));
    mineAlerts.slice(-20).reverse().forEach(function (a) { sec.appendChild(alertLine(a)); });
  }
  live.showNode = showNodeExtras; /* what a click on a node adds to the panel (the tests call it) */
  if (viewer && viewer.onSelect) viewer.onSelect(function (info) { if (info && info.kind === 'node') showNodeExtras(info); });
  if (!viewer) { st.errors++; st.messages.push('live: the viewer has no window.swViewer'); }

  poll();
})();

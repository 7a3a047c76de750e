/* segwatch flow graph viewer: plain canvas, no dependencies, no network.
 * Layout: Fruchterman-Reingold seeded by group; repulsion is exact for small
 * graphs and grid-bounded (cells of 2k, the classic FR grid variant) above
 * EXACT_MAX nodes, with a time budget so large graphs stay under 2 s. */
(function () {
  'use strict';
  var EXACT_MAX = 400, LAYOUT_BUDGET_MS = 700, K;
  var VERDICTS = ['none', 'monitor', 'allowed', 'unmanaged', 'violation']; /* draw order: worst on top */
  var VERDICT_COLOR = { allowed: '#2ca02c', violation: '#d62728', unmanaged: '#f0a30a', monitor: '#7b5ea7', none: '#9aa0a6' };
  var PALETTE = ['#4e79a7', '#f28e2b', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f',
                 '#a0cbe8', '#86bcb6', '#d4a6c8', '#bab0ac', '#499894'];
  var KIND_COLOR = { host: '#5a6475', external: '#e8e8e8', multicast: '#c9b3e6', workload: '#cfd6df' };
  var st = window.swStatus || { errors: 0, messages: [] };
  var $ = function (id) { return document.getElementById(id); };

  /* ---- model ---- */
  var raw = JSON.parse($('sw-graph').textContent || '{}');
  var nodes = Array.isArray(raw.nodes) ? raw.nodes.slice() : [];
  var edgesIn = Array.isArray(raw.edges) ? raw.edges : [];
  var index = new Map(), implicit = 0;
  nodes.forEach(function (n, i) { index.set(String(n.id), i); });
  function nodeFor(id) {
    id = String(id);
    if (!index.has(id)) { /* an edge names a node the list lacks: show it rather than drop the edge */
      index.set(id, nodes.length); nodes.push({ id: id, name: id, kind: 'external', implicit: true }); implicit++;
    }
    return index.get(id);
  }
  var edges = edgesIn.map(function (e) {
    var v = VERDICT_COLOR[e.verdict] ? e.verdict : 'none';
    return { raw: e, s: nodeFor(e.src), d: nodeFor(e.dst), v: v };
  });
  var N = nodes.length, E = edges.length;
  K = N <= 60 ? 90 : (N <= EXACT_MAX ? 60 : 40); /* ideal edge length: roomier when labels can show */
  var nodeGroup = nodes.map(function (n) {
    return Array.isArray(n.groups) && n.groups.length ? String(n.groups[0]) : null;
  });
  var groupNames = Array.from(new Set(nodeGroup.filter(function (g) { return g !== null; }))).sort();
  var groupColor = new Map();
  groupNames.forEach(function (g, i) {
    /* sorted names, so a group keeps its colour for the same set of groups;
     * past the palette, golden-angle hues stay apart from their neighbours */
    if (i < PALETTE.length) { groupColor.set(g, PALETTE[i]); return; }
    groupColor.set(g, 'hsl(' + Math.round((i * 137.508) % 360) + ',' + (45 + (i % 3) * 12) + '%,' + (52 + (i % 4) * 7) + '%)');
  });
  function kindOf(n) { return KIND_COLOR[n.kind] ? n.kind : 'workload'; }
  var nodeColor = nodes.map(function (n, i) {
    return nodeGroup[i] !== null ? groupColor.get(nodeGroup[i]) : KIND_COLOR[kindOf(n)];
  });
  var degree = new Int32Array(N), outE = [], inE = [];
  for (var i0 = 0; i0 < N; i0++) { outE.push([]); inE.push([]); }
  edges.forEach(function (e, i) { degree[e.s]++; degree[e.d]++; outE[e.s].push(i); inE[e.d].push(i); });
  var radius = new Float64Array(N);
  for (var r0 = 0; r0 < N; r0++) radius[r0] = (N > EXACT_MAX ? 4 : 7) + (N > EXACT_MAX ? 1.2 : 2.2) * Math.log2(1 + degree[r0]);

  /* unordered pairs: one spring each; parallel edges get a slot so they curve apart */
  var pairOf = new Map(), pairA = [], pairB = [], pairCount = [];
  edges.forEach(function (e) {
    var a = Math.min(e.s, e.d), b = Math.max(e.s, e.d), key = a * N + b, p = pairOf.get(key);
    if (p === undefined) { p = pairA.length; pairOf.set(key, p); pairA.push(a); pairB.push(b); pairCount.push(0); }
    e.slot = pairCount[p]++; e.pair = p;
  });

  /* ---- layout ---- */
  var X = new Float64Array(N), Y = new Float64Array(N), layoutIters = 0;
  function seed() {
    var keys = nodes.map(function (n, i) { return nodeGroup[i] !== null ? 'g:' + nodeGroup[i] : 'k:' + kindOf(n); });
    var order = Array.from(new Set(keys)).sort(), members = new Map();
    order.forEach(function (k) { members.set(k, []); });
    keys.forEach(function (k, i) { members.get(k).push(i); });
    var rad = order.map(function (k) { return K * 0.9 * Math.sqrt(members.get(k).length) + K; });
    var perim = rad.reduce(function (s, r) { return s + 2 * r; }, 0);
    var ring = order.length > 1 ? Math.max(perim / (2 * Math.PI), Math.max.apply(null, rad) * 1.2) : 0, ang = 0;
    order.forEach(function (k, gi) {
      ang += rad[gi] / (ring || 1);
      var cx = ring * Math.cos(ang), cy = ring * Math.sin(ang);
      ang += rad[gi] / (ring || 1);
      members.get(k).forEach(function (n, j) { /* sunflower disc around the group centre */
        var r = K * 0.9 * Math.sqrt(j + 0.5), t = j * 2.399963;
        X[n] = cx + r * Math.cos(t); Y[n] = cy + r * Math.sin(t);
      });
    });
  }
  function repelExact(dx, dy) {
    var k2 = K * K;
    for (var i = 0; i < N; i++) for (var j = i + 1; j < N; j++) {
      var ddx = X[i] - X[j], ddy = Y[i] - Y[j], d2 = ddx * ddx + ddy * ddy;
      if (d2 < 0.01) { ddx = 0.1 * (i - j); ddy = 0.1; d2 = ddx * ddx + ddy * ddy; }
      var f = k2 / d2; dx[i] += ddx * f; dy[i] += ddy * f; dx[j] -= ddx * f; dy[j] -= ddy * f;
    }
  }
  var cellStart, cellNext;
  function repelGrid(dx, dy) {
    var c = 2 * K, k2 = K * K, minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, i;
    for (i = 0; i < N; i++) {
      if (X[i] < minX) minX = X[i]; if (X[i] > maxX) maxX = X[i];
      if (Y[i] < minY) minY = Y[i]; if (Y[i] > maxY) maxY = Y[i];
    }
    var gw = Math.min(1024, Math.floor((maxX - minX) / c) + 1), gh = Math.min(1024, Math.floor((maxY - minY) / c) + 1);
    if (!cellStart || cellStart.length < gw * gh) cellStart = new Int32Array(gw * gh);
    if (!cellNext) cellNext = new Int32Array(N);
    cellStart.fill(-1, 0, gw * gh);
    var cx = new Int32Array(N), cy = new Int32Array(N);
    for (i = 0; i < N; i++) {
      cx[i] = Math.min(gw - 1, Math.floor((X[i] - minX) / c)); cy[i] = Math.min(gh - 1, Math.floor((Y[i] - minY) / c));
      var cell = cy[i] * gw + cx[i]; cellNext[i] = cellStart[cell]; cellStart[cell] = i;
    }
    var c2 = c * c;
    for (i = 0; i < N; i++) {
      for (var oy = -1; oy <= 1; oy++) {
        var yy = cy[i] + oy; if (yy < 0 || yy >= gh) continue;
        for (var ox = -1; ox <= 1; ox++) {
          var xx = cx[i] + ox; if (xx < 0 || xx >= gw) continue;
          for (var j = cellStart[yy * gw + xx]; j !== -1; j = cellNext[j]) {
            if (j <= i) continue;
            var ddx = X[i] - X[j], ddy = Y[i] - Y[j], d2 = ddx * ddx + ddy * ddy;
            if (d2 > c2) continue;
            if (d2 < 0.01) { ddx = 0.1 * (i - j); ddy = 0.1; d2 = ddx * ddx + ddy * ddy; }
            var f = k2 / d2; dx[i] += ddx * f; dy[i] += ddy * f; dx[j] -= ddx * f; dy[j] -= ddy * f;
          }
        }
      }
    }
  }
  function layout() {
    seed();
    if (N < 2) return;
    var dx = new Float64Array(N), dy = new Float64Array(N), P = pairA.length;
    var springW = new Float64Array(P);
    for (var q = 0; q < P; q++) springW[q] = 2 / Math.sqrt(Math.max(1, degree[pairA[q]]) * Math.max(1, degree[pairB[q]])) + 0.02;
    var exact = N <= EXACT_MAX, maxIt = exact ? 300 : 200, t0 = performance.now();
    var temp = K * Math.max(2, Math.sqrt(N) / 4), cool = Math.pow(0.5 / temp, 1 / maxIt), grav = exact ? 0.02 : 0.01;
    for (var it = 0; it < maxIt; it++) {
      if (!exact && performance.now() - t0 > LAYOUT_BUDGET_MS) break;
      dx.fill(0); dy.fill(0);
      if (exact) repelExact(dx, dy); else repelGrid(dx, dy);
      for (var p = 0; p < P; p++) {
        var a = pairA[p], b = pairB[p]; if (a === b) continue;
        /* springs on busy nodes are weakened (as ForceAtlas2 does for hubs), else
         * a node with 30 peers is pulled into a tight knot */
        var ddx = X[a] - X[b], ddy = Y[a] - Y[b], d = Math.sqrt(ddx * ddx + ddy * ddy) || 0.01, f = d / K * springW[p];
        dx[a] -= ddx * f; dy[a] -= ddy * f; dx[b] += ddx * f; dy[b] += ddy * f;
      }
      for (var i = 0; i < N; i++) {
        var fx = dx[i] - X[i] * grav * K, fy = dy[i] - Y[i] * grav * K, m = Math.sqrt(fx * fx + fy * fy);
        if (m > temp) { fx *= temp / m; fy *= temp / m; }
        X[i] += fx; Y[i] += fy;
      }
      temp *= cool; layoutIters = it + 1;
    }
  }

  /* ---- view ---- */
  var canvas = $('sw-canvas'), ctx = canvas.getContext('2d'), dpr = window.devicePixelRatio || 1;
  var view = { s: 1, tx: 0, ty: 0 }, W = 0, H = 0, sel = null, hover = -1, pending = false;
  function resize() {
    var r = canvas.getBoundingClientRect();
    W = Math.max(1, r.width); H = Math.max(1, r.height);
    canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
  }
  function fit() {
    if (!N) { view = { s: 1, tx: W / 2, ty: H / 2 }; return; }
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (var i = 0; i < N; i++) {
      minX = Math.min(minX, X[i] - radius[i]); maxX = Math.max(maxX, X[i] + radius[i]);
      minY = Math.min(minY, Y[i] - radius[i]); maxY = Math.max(maxY, Y[i] + radius[i]);
    }
    var pad = 30, left = W > 700 ? 170 : pad; /* keep clear of the legend */
    var s = Math.min((W - left - pad) / Math.max(1, maxX - minX), (H - 2 * pad) / Math.max(1, maxY - minY), 1.6);
    view.s = s; view.tx = left + (W - left - pad) / 2 - s * (minX + maxX) / 2; view.ty = H / 2 - s * (minY + maxY) / 2;
  }
  /* edge geometry in world units: endpoints and quadratic control point (null when straight) */
  function geom(e) {
    var x1 = X[e.s], y1 = Y[e.s], x2 = X[e.d], y2 = Y[e.d];
    if (e.s === e.d) return { loop: true, x: x1, y: y1 - radius[e.s] * 1.6, r: radius[e.s] * 0.9 };
    var cnt = pairCount[e.pair], off = (e.slot - (cnt - 1) / 2) * K * 0.45;
    if (off === 0) return { x1: x1, y1: y1, x2: x2, y2: y2 };
    var a = pairA[e.pair], b = pairB[e.pair], ux = X[b] - X[a], uy = Y[b] - Y[a], l = Math.sqrt(ux * ux + uy * uy) || 1;
    return { x1: x1, y1: y1, x2: x2, y2: y2, cx: (x1 + x2) / 2 - uy / l * off * 2, cy: (y1 + y2) / 2 + ux / l * off * 2 };
  }
  function pathEdge(g) {
    if (g.loop) { ctx.moveTo(g.x + g.r, g.y); ctx.arc(g.x, g.y, g.r, 0, 2 * Math.PI); return; }
    ctx.moveTo(g.x1, g.y1);
    if (g.cx === undefined) ctx.lineTo(g.x2, g.y2); else ctx.quadraticCurveTo(g.cx, g.cy, g.x2, g.y2);
  }
  function pathArrow(g, e, size) {
    if (g.loop) return;
    var fx = g.cx === undefined ? g.x1 : g.cx, fy = g.cy === undefined ? g.y1 : g.cy;
    var ux = g.x2 - fx, uy = g.y2 - fy, l = Math.sqrt(ux * ux + uy * uy); if (l < 1e-6) return;
    ux /= l; uy /= l;
    var tx = g.x2 - ux * radius[e.d], ty = g.y2 - uy * radius[e.d];
    ctx.moveTo(tx, ty);
    ctx.lineTo(tx - ux * size - uy * size * 0.5, ty - uy * size + ux * size * 0.5);
    ctx.lineTo(tx - ux * size + uy * size * 0.5, ty - uy * size - ux * size * 0.5);
    ctx.closePath();
  }
  function pathNode(i, grow) {
    var x = X[i], y = Y[i], r = radius[i] + (grow || 0), k = nodes[i].kind;
    if (k === 'host') { ctx.moveTo(x - r, y - r); ctx.rect(x - r, y - r, 2 * r, 2 * r); }
    else if (k === 'external') { ctx.moveTo(x, y - r * 1.25); ctx.lineTo(x + r * 1.25, y); ctx.lineTo(x, y + r * 1.25); ctx.lineTo(x - r * 1.25, y); ctx.closePath(); }
    else if (k === 'multicast') { ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.1, y + r * 0.8); ctx.lineTo(x - r * 1.1, y + r * 0.8); ctx.closePath(); }
    else { ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI); }
  }
  function selectedEdges() {
    if (!sel) return [];
    return sel.kind === 'edge' ? [sel.i] : outE[sel.i].concat(inE[sel.i]);
  }
  function draw() {
    pending = false;
    var drawn = { nodes: 0, edges: 0, verdicts: {} }, s = view.s, i, j;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, H);
    ctx.setTransform(dpr * s, 0, 0, dpr * s, dpr * view.tx, dpr * view.ty);
    var dense = E > 3000, arrows = E <= 6000 || s > 1.5, thin = dense && s < 2;
    /* Dense and zoomed out: lines under one device pixel, which Skia draws as
     * hairlines, 10-20x faster than wider strokes (20,000 edges: ~30 ms, not ~500) */
    var lw = thin ? 0.9 / (s * dpr) : Math.max(1.4, 0.7 / s);
    var byV = {}; VERDICTS.forEach(function (v) { byV[v] = []; });
    for (i = 0; i < E; i++) byV[edges[i].v].push(i);
    ctx.globalAlpha = sel ? 0.25 : (dense ? 0.45 : 0.85);
    VERDICTS.forEach(function (v) {
      var list = byV[v]; if (!list.length) return;
      ctx.beginPath(); for (j = 0; j < list.length; j++) pathEdge(geom(edges[list[j]]));
      ctx.strokeStyle = VERDICT_COLOR[v]; ctx.lineWidth = v === 'violation' && !thin ? lw * 1.6 : lw; ctx.stroke();
      if (arrows) {
        ctx.beginPath(); for (j = 0; j < list.length; j++) pathArrow(geom(edges[list[j]]), edges[list[j]], Math.max(7, 7 / s));
        ctx.fillStyle = VERDICT_COLOR[v]; ctx.fill();
      }
      drawn.edges += list.length; drawn.verdicts[v] = list.length;
    });
    ctx.globalAlpha = 1;
    selectedEdges().forEach(function (ei) {
      var e = edges[ei], g = geom(e);
      ctx.beginPath(); pathEdge(g); ctx.strokeStyle = VERDICT_COLOR[e.v]; ctx.lineWidth = lw * 2.5; ctx.stroke();
      ctx.beginPath(); pathArrow(g, e, Math.max(9, 9 / s)); ctx.fillStyle = VERDICT_COLOR[e.v]; ctx.fill();
    });
    var byColor = new Map();
    for (i = 0; i < N; i++) { var c = nodeColor[i]; if (!byColor.has(c)) byColor.set(c, []); byColor.get(c).push(i); }
    ctx.lineWidth = Math.max(1, 0.8 / s); ctx.strokeStyle = '#2b3240';
    var outline = N <= 200 || s * 8 > 4; /* outlines of tiny nodes would only darken them */
    byColor.forEach(function (list, color) {
      ctx.beginPath(); for (j = 0; j < list.length; j++) pathNode(list[j]);
      ctx.fillStyle = color; ctx.fill(); if (outline) ctx.stroke(); drawn.nodes += list.length;
    });
    if (sel && sel.kind === 'node') {
      ctx.beginPath(); pathNode(sel.i, 4 / s); ctx.lineWidth = 3 / s; ctx.strokeStyle = '#1d2330'; ctx.stroke();
    }
    drawLabels();
    return drawn;
  }
  function drawLabels() {
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = '12px system-ui, "DejaVu Sans", sans-serif'; ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    ctx.lineWidth = 3; ctx.strokeStyle = 'rgba(255,255,255,0.9)'; ctx.fillStyle = '#1d2330';
    var show = [], budget = 300;
    if (N <= 80 || view.s > 0.9) {
      for (var i = 0; i < N && show.length < budget; i++) {
        var sx = X[i] * view.s + view.tx, sy = Y[i] * view.s + view.ty;
        if (sx > -50 && sx < W + 50 && sy > -20 && sy < H + 20) show.push(i);
      }
    }
    if (sel && sel.kind === 'node' && show.indexOf(sel.i) < 0) show.push(sel.i);
    if (hover >= 0 && show.indexOf(hover) < 0) show.push(hover);
    show.forEach(function (n) {
      var x = X[n] * view.s + view.tx, y = (Y[n] + radius[n]) * view.s + view.ty + 3, t = label(n);
      ctx.strokeText(t, x, y); ctx.fillText(t, x, y);
    });
  }
  function label(i) { var n = nodes[i]; return String(n.name || n.id); }
  function redraw() { if (!pending) { pending = true; requestAnimationFrame(draw); } }

  /* ---- hit testing ---- */
  function toWorld(px, py) { return { x: (px - view.tx) / view.s, y: (py - view.ty) / view.s }; }
  function segDist2(px, py, x1, y1, x2, y2) {
    var vx = x2 - x1, vy = y2 - y1, l2 = vx * vx + vy * vy, t = l2 ? ((px - x1) * vx + (py - y1) * vy) / l2 : 0;
    t = Math.max(0, Math.min(1, t));
    var dx = px - x1 - t * vx, dy = py - y1 - t * vy; return dx * dx + dy * dy;
  }
  function hitNode(w) {
    var best = -1, bd = Infinity, slack = 4 / view.s;
    for (var i = 0; i < N; i++) {
      var dx = X[i] - w.x, dy = Y[i] - w.y, d = Math.sqrt(dx * dx + dy * dy) - radius[i] * 1.25;
      if (d <= slack && d < bd) { bd = d; best = i; }
    }
    return best;
  }
  function hitEdge(w) {
    var best = -1, bd = Math.pow(6 / view.s, 2);
    for (var i = 0; i < E; i++) {
      var g = geom(edges[i]), d2;
      if (g.loop) { var r = Math.sqrt(Math.pow(w.x - g.x, 2) + Math.pow(w.y - g.y, 2)) - g.r; d2 = r * r; }
      else if (g.cx === undefined) d2 = segDist2(w.x, w.y, g.x1, g.y1, g.x2, g.y2);
      else {
        d2 = Infinity; var px = g.x1, py = g.y1;
        for (var k = 1; k <= 10; k++) {
          var t = k / 10, u = 1 - t, qx = u * u * g.x1 + 2 * u * t * g.cx + t * t * g.x2, qy = u * u * g.y1 + 2 * u * t * g.cy + t * t * g.y2;
          d2 = Math.min(d2, segDist2(w.x, w.y, px, py, qx, qy)); px = qx; py = qy;
        }
      }
      if (d2 < bd) { bd = d2; best = i; }
    }
    return best;
  }
  function pick(px, py) {
    var w = toWorld(px, py), n = hitNode(w);
    if (n >= 0) return { kind: 'node', i: n };
    var e = hitEdge(w);
    return e >= 0 ? { kind: 'edge', i: e } : null;
  }

  /* ---- details panel (textContent only: names and labels are untrusted) ---- */
  var panel = $('sw-panel');
  function el(tag, text, cls) { var x = document.createElement(tag); if (text !== undefined) x.textContent = text; if (cls) x.className = cls; return x; }
  function table(rows) {
    var t = el('table');
    rows.forEach(function (r) {
      if (r[1] === undefined || r[1] === null || r[1] === '') return;
      var tr = el('tr'); tr.appendChild(el('td', r[0]));
      var td = el('td'); if (r[1] instanceof Node) td.appendChild(r[1]); else td.textContent = String(r[1]);
      tr.appendChild(td); t.appendChild(tr);
    });
    return t;
  }
  function human(b) {
    if (typeof b !== 'number') return undefined;
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0; while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
    return (i ? b.toFixed(1) : String(b)) + ' ' + u[i];
  }
  function pairStr(a, f) { return Array.isArray(a) ? f(a[0]) + ' \u2192 / ' + f(a[1]) + ' \u2190' : undefined; }
  function chip(v) { var c = el('span', v, 'sw-chip'); c.style.background = VERDICT_COLOR[v]; return c; }
  function edgeTitle(e) { var r = e.raw; return label(e.s) + ' \u2192 ' + label(e.d) + '  ' + (r.proto || '?') + (r.port !== undefined ? '/' + r.port : ''); }
  function linkTo(target, text) {
    var b = el('button', text, 'sw-link');
    b.addEventListener('click', function () { select(target, true); });
    return b;
  }
  function showNode(i) {
    var n = nodes[i], tags = el('span');
    (n.groups || []).forEach(function (g) { var t = el('span', g, 'sw-tag'); t.style.background = groupColor.get(String(g)) || '#eef0f3'; tags.appendChild(t); });
    panel.appendChild(el('h2', label(i)));
    panel.appendChild(table([['id', n.id], ['kind', n.kind || 'workload'], ['groups', tags.childNodes.length ? tags : undefined],
      ['outgoing', outE[i].length + ' edges'], ['incoming', inE[i].length + ' edges'], ['note', n.implicit ? 'not in the node list' : undefined]]));
    var labels = n.labels && typeof n.labels === 'object' ? Object.keys(n.labels).sort() : [];
    if (labels.length) { panel.appendChild(el('h3', 'Labels')); panel.appendChild(table(labels.map(function (k) { return [k, String(n.labels[k])]; }))); }
    [['Outgoing', outE[i]], ['Incoming', inE[i]]].forEach(function (sec) {
      if (!sec[1].length) return;
      panel.appendChild(el('h3', sec[0]));
      sec[1].slice(0, 100).forEach(function (ei) { panel.appendChild(linkTo({ kind: 'edge', i: ei }, edgeTitle(edges[ei]) + '  [' + edges[ei].v + ']')); });
      if (sec[1].length > 100) panel.appendChild(el('p', '\u2026 and ' + (sec[1].length - 100) + ' more', 'sw-hint'));
    });
  }
  function showEdge(i) {
    var e = edges[i], r = e.raw, f = r.flows || {};
    panel.appendChild(el('h2', edgeTitle(e)));
    panel.appendChild(table([['verdict', chip(e.v)], ['rule', r.rule], ['from', linkTo({ kind: 'node', i: e.s }, label(e.s))],
      ['to', linkTo({ kind: 'node', i: e.d }, label(e.d))], ['protocol', r.proto], ['port', r.port]]));
    panel.appendChild(el('h3', 'Flows'));
    panel.appendChild(table([['established', f.established], ['attempted', f.attempted], ['refused', f.refused], ['closed', f.closed],
      ['packets', pairStr(r.packets, String)], ['bytes', pairStr(r.bytes, human)], ['first seen', r.first_seen], ['last seen', r.last_seen]]));
  }
  function select(s, center) {
    sel = s; panel.textContent = '';
    if (!s) panel.appendChild(el('p', 'Click a node or an edge for details. Drag to pan, wheel to zoom.', 'sw-hint'));
    else if (s.kind === 'node') showNode(s.i); else showEdge(s.i);
    if (s && center) {
      var x = s.kind === 'node' ? X[s.i] : (X[edges[s.i].s] + X[edges[s.i].d]) / 2;
      var y = s.kind === 'node' ? Y[s.i] : (Y[edges[s.i].s] + Y[edges[s.i].d]) / 2;
      view.tx = W / 2 - x * view.s; view.ty = H / 2 - y * view.s;
    }
    redraw();
  }

  /* ---- interaction ---- */
  var drag = null;
  function local(ev) { var r = canvas.getBoundingClientRect(); return { x: ev.clientX - r.left, y: ev.clientY - r.top }; }
  function zoomAt(px, py, f) {
    var s = Math.max(0.01, Math.min(40, view.s * f)); f = s / view.s;
    view.tx = px - (px - view.tx) * f; view.ty = py - (py - view.ty) * f; view.s = s; redraw();
  }
  canvas.addEventListener('mousedown', function (ev) {
    if (ev.button !== 0) return;
    var p = local(ev); drag = { x: p.x, y: p.y, tx: view.tx, ty: view.ty, moved: false };
    canvas.classList.add('sw-dragging'); ev.preventDefault();
  });
  window.addEventListener('mousemove', function (ev) {
    var p = local(ev);
    if (drag) {
      if (Math.abs(p.x - drag.x) + Math.abs(p.y - drag.y) > 3) drag.moved = true;
      if (drag.moved) { view.tx = drag.tx + p.x - drag.x; view.ty = drag.ty + p.y - drag.y; redraw(); }
    } else if (ev.target === canvas && N <= 5000) {
      var h = hitNode(toWorld(p.x, p.y)); if (h !== hover) { hover = h; canvas.title = h >= 0 ? label(h) : ''; redraw(); }
    }
  });
  window.addEventListener('mouseup', function (ev) {
    if (!drag) return;
    var d = drag, p = local(ev); drag = null; canvas.classList.remove('sw-dragging');
    if (!d.moved) select(pick(p.x, p.y), false);
  });
  canvas.addEventListener('wheel', function (ev) {
    ev.preventDefault(); var p = local(ev);
    zoomAt(p.x, p.y, Math.exp(-ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.0015)));
  }, { passive: false });
  $('sw-zoom-in').addEventListener('click', function () { zoomAt(W / 2, H / 2, 1.4); });
  $('sw-zoom-out').addEventListener('click', function () { zoomAt(W / 2, H / 2, 1 / 1.4); });
  $('sw-fit').addEventListener('click', function () { fit(); redraw(); });
  window.addEventListener('keydown', function (ev) {
    if (ev.target && ev.target.tagName === 'INPUT') return;
    if (ev.key === '+' || ev.key === '=') zoomAt(W / 2, H / 2, 1.4);
    else if (ev.key === '-') zoomAt(W / 2, H / 2, 1 / 1.4);
    else if (ev.key === '0') { fit(); redraw(); }
    else if (ev.key === 'Escape') select(null);
  });
  window.addEventListener('resize', function () { resize(); redraw(); });
  $('sw-search').addEventListener('change', function (ev) {
    var q = ev.target.value.trim().toLowerCase(); if (!q) return;
    var hit = -1;
    for (var i = 0; i < N && hit < 0; i++) if (label(i).toLowerCase() === q || String(nodes[i].id).toLowerCase() === q) hit = i;
    for (i = 0; i < N && hit < 0; i++) if (label(i).toLowerCase().indexOf(q) >= 0) hit = i;
    if (hit >= 0) { if (view.s < 1) zoomAt(W / 2, H / 2, 1 / view.s); select({ kind: 'node', i: hit }, true); }
  });

  /* ---- legend and header ---- */
  function legend() {
    var lg = $('sw-legend'), vc = {}, gc = new Map();
    edges.forEach(function (e) { vc[e.v] = (vc[e.v] || 0) + 1; });
    nodeGroup.forEach(function (g) { if (g !== null) gc.set(g, (gc.get(g) || 0) + 1); });
    function row(sw, text, count) {
      var d = el('div'); d.appendChild(sw); d.appendChild(el('span', text));
      if (count !== undefined) d.appendChild(el('span', String(count), 'sw-count'));
      lg.appendChild(d);
    }
    lg.appendChild(el('h2', 'Edges'));
    VERDICTS.slice().reverse().forEach(function (v) {
      if (!vc[v] && v !== 'allowed' && v !== 'violation' && v !== 'unmanaged') return;
      var sw = el('span', undefined, 'sw-line'); sw.style.borderColor = VERDICT_COLOR[v]; row(sw, v, vc[v] || 0);
    });
    if (groupNames.length) {
      lg.appendChild(el('h2', 'Groups'));
      groupNames.slice(0, 16).forEach(function (g) { var sw = el('span', undefined, 'sw-dot'); sw.style.background = groupColor.get(g); row(sw, g, gc.get(g)); });
      if (groupNames.length > 16) lg.appendChild(el('div', '\u2026 ' + (groupNames.length - 16) + ' more groups'));
    }
    var kinds = new Set(nodes.map(function (n) { return n.kind; }));
    if (kinds.has('host') || kinds.has('external') || kinds.has('multicast')) {
      lg.appendChild(el('h2', 'Shapes'));
      row(el('span', '\u25cf'), 'workload'); row(el('span', '\u25a0'), 'host'); row(el('span', '\u25c6'), 'external'); row(el('span', '\u25b2'), 'multicast');
    }
    var viol = vc.violation || 0;
    $('sw-stats').textContent = N + ' nodes \u00b7 ' + E + ' edges \u00b7 ' + viol + ' violation' + (viol === 1 ? '' : 's') + ((vc.unmanaged || 0) ? ' \u00b7 ' + vc.unmanaged + ' unmanaged' : '');
    /* infrastructure traffic (ND, MLD, IGMP, DAD, DHCP) is counted, not drawn: say how much */
    var inf = raw.infrastructure;
    if (inf && inf.flows) {
      var ks = Object.keys(inf.kinds || {}).map(function (k) { return k + ' ' + inf.kinds[k]; }).join(', ');
      lg.appendChild(el('h2', 'Not drawn'));
      lg.appendChild(el('div', inf.flows + ' infrastructure flow' + (inf.flows === 1 ? '' : 's') + (ks ? ' (' + ks + ')' : '')));
      $('sw-stats').textContent += ' \u00b7 ' + inf.flows + ' infrastructure not drawn';
    }
    var dl = $('sw-names'), frag = document.createDocumentFragment();
    for (var i = 0; i < N && i < 5000; i++) { var o = document.createElement('option'); o.value = label(i); frag.appendChild(o); }
    dl.appendChild(frag);
  }

  /* ---- self test (#selftest): drive the real handlers, record what happened ---- */
  function selftest() {
    var res = {}, r = canvas.getBoundingClientRect();
    function fire(type, x, y, target) {
      (target || canvas).dispatchEvent(new MouseEvent(type, { clientX: r.left + x, clientY: r.top + y, button: 0, bubbles: true }));
    }
    function click(x, y) { fire('mousedown', x, y); fire('mouseup', x, y, window); }
    if (N) {
      var n = 0; click(X[n] * view.s + view.tx, Y[n] * view.s + view.ty);
      res.click_node = !!(sel && sel.kind === 'node' && sel.i === n && panel.querySelector('h2').textContent === label(n));
    }
    res.click_edge = E ? false : null;
    for (var i = 0; i < E && i < 200 && !res.click_edge; i++) {
      var e = edges[i], g = geom(e); if (g.loop) continue;
      var mx = g.cx === undefined ? (g.x1 + g.x2) / 2 : 0.25 * g.x1 + 0.5 * g.cx + 0.25 * g.x2;
      var my = g.cy === undefined ? (g.y1 + g.y2) / 2 : 0.25 * g.y1 + 0.5 * g.cy + 0.25 * g.y2;
      click(mx * view.s + view.tx, my * view.s + view.ty);
      res.click_edge = !!(sel && sel.kind === 'edge' && panel.textContent.indexOf(e.v) >= 0 && panel.querySelector('h2').textContent === edgeTitle(edges[sel.i]));
    }
    var s0 = view.s;
    canvas.dispatchEvent(new WheelEvent('wheel', { clientX: r.left + W / 2, clientY: r.top + H / 2, deltaY: -200, bubbles: true, cancelable: true }));
    res.wheel_zoom = view.s > s0;
    var tx0 = view.tx; fire('mousedown', 10, 10); fire('mousemove', 70, 10, window); fire('mouseup', 70, 10, window);
    res.drag_pan = Math.abs(view.tx - tx0 - 60) < 1e-6;
    select(null); fit(); draw();
    return res;
  }

  /* ---- go ---- */
  var tParsed = performance.now();
  layout();
  var tLayout = performance.now();
  resize(); fit(); legend();
  var drawn = draw();
  ctx.getImageData(0, 0, 1, 1); /* forces the canvas to rasterise: the time below is a complete render */
  var tRender = performance.now();
  var tRedraw;
  if (location.hash === '#bench') { /* what one pan or zoom frame costs (a second read-back makes Chromium warn) */
    draw(); ctx.getImageData(0, 0, 1, 1); tRedraw = Math.round(performance.now() - tRender);
  }
  var out = { ready: true, nodes: drawn.nodes, edges: drawn.edges, verdicts: drawn.verdicts, groups: groupNames.length,
              input_nodes: (raw.nodes || []).length, input_edges: edgesIn.length, implicit_nodes: implicit,
              layout_iterations: layoutIters, parse_ms: Math.round(tParsed), layout_ms: Math.round(tLayout - tParsed),
              render_ms: Math.round(tRender), redraw_ms: tRedraw, canvas: [Math.round(W), Math.round(H)] };
  if (location.hash === '#selftest') out.selftest = selftest();
  else if (location.hash.indexOf('#select=') === 0) { /* link to a node: #select=<id or name> */
    var want = decodeURIComponent(location.hash.slice(8));
    for (var si = 0; si < N; si++) if (String(nodes[si].id) === want || label(si) === want) { select({ kind: 'node', i: si }); break; }
  }
  out.errors = st.errors; out.messages = st.messages;
  $('sw-status').textContent = JSON.stringify(out);

  /* ---- window.swViewer: the thinnest live API (load, onSelect, stats) for
   * live.js until the viewer's own lands (docs/web.md); it rebuilds the model
   * above from a new document and keeps the positions of nodes that stay.
   * Inert once the viewer defines its own (names prefixed: no clash) ---- */
  if (!window.swViewer) swThinApi();
  function swThinApi() {
  var thinListeners = [], baseSelect = select;
  function thinDescribe(s) {
    if (!s) return null;
    if (s.kind === 'node') return { kind: 'node', id: String(nodes[s.i].id), data: nodes[s.i] };
    var e = edges[s.i].raw; return { kind: 'edge', id: String(e.src) + '>' + String(e.dst) + ' ' + e.proto + '/' + e.port, data: e };
  }
  select = function (s, center) {
    baseSelect(s, center);
    var info = thinDescribe(s);
    thinListeners.forEach(function (fn) { try { fn(info); } catch (err) { console.error('swViewer onSelect listener: ' + (err && err.message)); } });
  };
  var thinDrawn = drawn;
  function thinLoad(doc) {
    if (typeof doc === 'string') doc = JSON.parse(doc);
    var old = new Map(), selId = sel && sel.kind === 'node' ? String(nodes[sel.i].id) : null, i;
    for (i = 0; i < N; i++) old.set(String(nodes[i].id), [X[i], Y[i]]);
    raw = doc && typeof doc === 'object' ? doc : {};
    nodes = Array.isArray(raw.nodes) ? raw.nodes.slice() : []; edgesIn = Array.isArray(raw.edges) ? raw.edges : [];
    index = new Map(); implicit = 0;
    nodes.forEach(function (n, j) { index.set(String(n.id), j); });
    edges = edgesIn.map(function (e) { return { raw: e, s: nodeFor(e.src), d: nodeFor(e.dst), v: VERDICT_COLOR[e.verdict] ? e.verdict : 'none' }; });
    N = nodes.length; E = edges.length; K = N <= 60 ? 90 : (N <= EXACT_MAX ? 60 : 40);
    nodeGroup = nodes.map(function (n) { return Array.isArray(n.groups) && n.groups.length ? String(n.groups[0]) : null; });
    groupNames = Array.from(new Set(nodeGroup.filter(function (g) { return g !== null; }))).sort();
    groupColor = new Map();
    groupNames.forEach(function (g, j) { groupColor.set(g, j < PALETTE.length ? PALETTE[j] : 'hsl(' + Math.round((j * 137.508) % 360) + ',50%,60%)'); });
    nodeColor = nodes.map(function (n, j) { return nodeGroup[j] !== null ? groupColor.get(nodeGroup[j]) : KIND_COLOR[kindOf(n)]; });
    degree = new Int32Array(N); outE = []; inE = [];
    for (i = 0; i < N; i++) { outE.push([]); inE.push([]); }
    edges.forEach(function (e, j) { degree[e.s]++; degree[e.d]++; outE[e.s].push(j); inE[e.d].push(j); });
    radius = new Float64Array(N);
    for (i = 0; i < N; i++) radius[i] = (N > EXACT_MAX ? 4 : 7) + (N > EXACT_MAX ? 1.2 : 2.2) * Math.log2(1 + degree[i]);
    pairOf = new Map(); pairA = []; pairB = []; pairCount = [];
    edges.forEach(function (e) {
      var a = Math.min(e.s, e.d), b = Math.max(e.s, e.d), key = a * N + b, p = pairOf.get(key);
      if (p === undefined) { p = pairA.length; pairOf.set(key, p); pairA.push(a); pairB.push(b); pairCount.push(0); }
      e.slot = pairCount[p]++; e.pair = p;
    });
    X = new Float64Array(N); Y = new Float64Array(N); cellStart = null; cellNext = null;
    var kept = 0; for (i = 0; i < N; i++) if (old.has(String(nodes[i].id))) kept++;
    if (kept < N) layout();
    for (i = 0; i < N; i++) { var p0 = old.get(String(nodes[i].id)); if (p0) { X[i] = p0[0]; Y[i] = p0[1]; } }
    if (kept && kept < N) for (i = 0; i < N; i++) { /* a new node next to a peer that stays, else where the layout put it */
      if (old.has(String(nodes[i].id))) continue;
      var nb = outE[i].map(function (j) { return edges[j].d; }).concat(inE[i].map(function (j) { return edges[j].s; }))
        .filter(function (j) { return old.has(String(nodes[j].id)); })[0];
      if (nb !== undefined) { var t = i * 2.399963; X[i] = X[nb] + K * Math.cos(t); Y[i] = Y[nb] + K * Math.sin(t); }
    }
    hover = -1; sel = null;
    if (!old.size || !kept) fit();
    $('sw-legend').textContent = ''; $('sw-names').textContent = ''; legend();
    if (selId !== null && index.has(selId)) baseSelect({ kind: 'node', i: index.get(selId) });
    else baseSelect(null);
    thinDrawn = draw();
    return thinDrawn;
  }
  window.swViewer = {
    load: thinLoad,
    onSelect: function (fn) { if (typeof fn === 'function') thinListeners.push(fn); },
    stats: function () { return { drawn: thinDrawn, nodes: N, edges: E, selected: thinDescribe(sel) }; }
  };
  }
})();

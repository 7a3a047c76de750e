/* segwatch flow graph viewer: plain canvas, no dependencies, no network.
 *
 * Two graphs: the model (the document's nodes and edges) and the drawn graph.
 * The drawn graph folds every collapsed group into one node, with one edge
 * per ordered pair of drawn nodes carrying the worst verdict and summed
 * counts, so 2,000 workloads in 40 groups draw as 40 nodes. Positions are
 * kept per drawn node (key "n:ID" or the group's key) across rebuilds, so
 * load() of a changed document, expanding a group or switching the grouping
 * moves only what is new.
 * Layout: Fruchterman-Reingold seeded by group; repulsion is exact for small
 * graphs and grid-bounded (cells of 2k, the classic FR grid variant) above
 * EXACT_MAX nodes, with a time budget so large graphs stay under 1 s.
 * window.swViewer = { load(doc), onSelect(fn), select(id), stats() } is the interface
 * of the live page (live.js, docs/graph-html.md). */
(function () {
  'use strict';
  var tStart = performance.now(); /* navigation to here: the browser reading the page */
  var EXACT_MAX = 400, LAYOUT_BUDGET_MS = 700, INCR_BUDGET_MS = 250;
  var COLLAPSE_OVER = 150;   /* more nodes than this: groups start collapsed */
  var FOLD_KIND_OVER = 30;   /* more ungrouped externals (or multicast) than this: one node for them */
  var VERDICTS = ['none', 'monitor', 'allowed', 'unmanaged', 'violation']; /* draw order: worst on top */
  var VERDICT_COLOR = { allowed: '#2ca02c', violation: '#d62728', unmanaged: '#f0a30a', monitor: '#7b5ea7', none: '#9aa0a6' };
  var PALETTE = ['#4e79a7', '#f28e2b', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f',
                 '#a0cbe8', '#86bcb6', '#d4a6c8', '#bab0ac', '#499894'];
  var KIND_COLOR = { host: '#5a6475', external: '#e8e8e8', multicast: '#c9b3e6', workload: '#cfd6df' };
  var st = window.swStatus || { errors: 0, messages: [] };
  var $ = function (id) { return document.getElementById(id); };
  function count(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); } /* 1 edge, 2 edges */
  /* #selftest, #bench, #expanded, #select=ID; several joined with '&' */
  var opts = {};
  location.hash.slice(1).split('&').forEach(function (t) {
    var eq = t.indexOf('='); if (t) opts[eq < 0 ? t : t.slice(0, eq)] = eq < 0 ? true : decodeURIComponent(t.slice(eq + 1));
  });

  /* ---- model: the document as given ---- */
  var raw = {}, nodes = [], edges = [], index = new Map(), implicit = 0, labelKeys = [];
  function setDoc(doc) {
    raw = doc && typeof doc === 'object' ? doc : {};
    nodes = []; index = new Map(); implicit = 0;
    (Array.isArray(raw.nodes) ? raw.nodes : []).forEach(function (n) {
      if (!n || typeof n !== 'object' || n.id === undefined || n.id === null) return;
      var id = String(n.id); if (index.has(id)) return; /* first one wins */
      index.set(id, nodes.length); nodes.push(n);
    });
    function nodeFor(id) {
      id = String(id);
      if (!index.has(id)) { /* an edge names a node the list lacks: show it rather than drop the edge */
        index.set(id, nodes.length); nodes.push({ id: id, name: id, kind: 'external', implicit: true }); implicit++;
      }
      return index.get(id);
    }
    edges = [];
    (Array.isArray(raw.edges) ? raw.edges : []).forEach(function (e) {
      if (!e || typeof e !== 'object') return;
      edges.push({ raw: e, s: nodeFor(e.src), d: nodeFor(e.dst), v: VERDICT_COLOR[e.verdict] ? e.verdict : 'none' });
    });
    var keys = new Set();
    nodes.forEach(function (n) { if (n.labels && typeof n.labels === 'object') Object.keys(n.labels).forEach(function (k) { keys.add(k); }); });
    labelKeys = Array.from(keys).sort();
  }
  function kindOf(n) { return KIND_COLOR[n.kind] ? n.kind : 'workload'; }
  function nodeName(n) { return String(n.name || n.id); }

  /* ---- grouping: which drawn node each model node folds into ----
   * A group is collapsed when grouping.all differs from its membership in
   * grouping.except; "auto" (no user choice yet) re-decides on every load. */
  var grouping = { by: 'group', all: false, auto: true, except: new Set() };
  function groupOf(n) {
    if (grouping.by === 'group') return Array.isArray(n.groups) && n.groups.length ? 'g:' + String(n.groups[0]) : null;
    var v = n.labels && typeof n.labels === 'object' ? n.labels[grouping.by] : undefined;
    return v === undefined || v === null ? null : 'g:' + String(v);
  }
  function isCollapsed(g) { return grouping.all !== grouping.except.has(g); }
  function groupTitle(g) { return g.charAt(0) === 'k' ? g.slice(2) + ' (ungrouped)' : g.slice(2); }

  /* ---- the drawn graph ---- */
  var vn = [], ve = [], vIndex = new Map(), N = 0, E = 0, K = 90, groupNames = [], groupColor = new Map(), gkOf = [];
  var degree, outE, inE, radius, pairA, pairB, pairCount, X = new Float64Array(0), Y = new Float64Array(0);
  function build() {
    var M = nodes.length, kindCount = {}, gsize = new Map(), i, g;
    gkOf = new Array(M);
    for (i = 0; i < M; i++) {
      gkOf[i] = groupOf(nodes[i]);
      if (gkOf[i] === null) { var k = kindOf(nodes[i]); kindCount[k] = (kindCount[k] || 0) + 1; }
    }
    for (i = 0; i < M; i++) {
      if (gkOf[i] !== null) continue;
      var kk = kindOf(nodes[i]);
      if ((kk === 'external' || kk === 'multicast') && kindCount[kk] > FOLD_KIND_OVER) gkOf[i] = 'k:' + kk;
    }
    for (i = 0; i < M; i++) if (gkOf[i] !== null) gsize.set(gkOf[i], (gsize.get(gkOf[i]) || 0) + 1);
    groupNames = Array.from(gsize.keys()).filter(function (x) { return x.charAt(0) === 'g'; }).sort();
    groupColor = new Map();
    groupNames.forEach(function (x, j) {
      /* sorted names, so a group keeps its colour for the same set of groups;
       * past the palette, golden-angle hues stay apart from their neighbours */
      groupColor.set(x, j < PALETTE.length ? PALETTE[j]
        : 'hsl(' + Math.round((j * 137.508) % 360) + ',' + (45 + (j % 3) * 12) + '%,' + (52 + (j % 4) * 7) + '%)');
    });
    function colorOf(gk, kind) { return gk !== null && groupColor.has(gk) ? groupColor.get(gk) : KIND_COLOR[kind]; }
    vn = []; vIndex = new Map();
    var vOf = new Int32Array(M), key, vi;
    for (i = 0; i < M; i++) {
      g = gkOf[i];
      if (g !== null && isCollapsed(g)) {
        key = 'G' + (g.charAt(0) === 'k' ? '' : grouping.by) + '\u0000' + g; vi = vIndex.get(key);
        if (vi === undefined) {
          vi = vn.length; vIndex.set(key, vi);
          var gkind = g.charAt(0) === 'k' ? g.slice(2) : 'workload';
          vn.push({ key: key, group: true, gkey: g, kind: gkind, name: groupTitle(g), members: [], color: colorOf(g, gkind) });
        }
        vn[vi].members.push(i);
      } else {
        key = 'n:' + String(nodes[i].id); vi = vn.length; vIndex.set(key, vi);
        vn.push({ key: key, group: false, gkey: g, i: i, raw: nodes[i], kind: kindOf(nodes[i]), color: colorOf(g, kindOf(nodes[i])) });
      }
      vOf[i] = vi;
    }
    N = vn.length;
    /* edges: model edges between two drawn single nodes stay as they are;
     * any edge touching a collapsed group joins its pair's aggregate */
    /* (the sums of a merged edge are worked out when it is shown: summing
     * 20,000 edges' counters on every load would be most of its time) */
    ve = [];
    var agg = new Map(), rank = {};
    VERDICTS.forEach(function (v, j) { rank[v] = j; });
    for (var ei = 0; ei < edges.length; ei++) {
      var e = edges[ei], a = vOf[e.s], b = vOf[e.d];
      if (!vn[a].group && !vn[b].group) { ve.push({ s: a, d: b, v: e.v, raw: e.raw }); continue; }
      var k2 = a * N + b, x = agg.get(k2);
      if (x === undefined) { x = { s: a, d: b, v: 'none', members: [] }; agg.set(k2, x); ve.push(x); }
      x.members.push(ei);
      if (rank[e.v] > rank[x.v]) x.v = e.v;
    }
    E = ve.length;
    K = N <= 60 ? 90 : (N <= EXACT_MAX ? 60 : 40); /* ideal edge length: roomier when labels can show */
    degree = new Int32Array(N); outE = []; inE = []; radius = new Float64Array(N);
    for (i = 0; i < N; i++) { outE.push([]); inE.push([]); }
    ve.forEach(function (e, j) { degree[e.s]++; degree[e.d]++; outE[e.s].push(j); inE[e.d].push(j); });
    var big = N > EXACT_MAX;
    for (i = 0; i < N; i++) {
      radius[i] = (big ? 4 : 7) + (big ? 1.2 : 2.2) * Math.log2(1 + degree[i]);
      if (vn[i].group) radius[i] = Math.max(radius[i], 9 + 2.4 * Math.sqrt(vn[i].members.length));
    }
    /* unordered pairs: one spring each; parallel edges get a slot so they curve apart */
    var pairOf = new Map(); pairA = []; pairB = []; pairCount = [];
    ve.forEach(function (e) {
      var a = Math.min(e.s, e.d), b = Math.max(e.s, e.d), k3 = a * N + b, p = pairOf.get(k3);
      if (p === undefined) { p = pairA.length; pairOf.set(k3, p); pairA.push(a); pairB.push(b); pairCount.push(0); }
      e.slot = pairCount[p]++; e.pair = p;
    });
  }

  /* ---- layout ---- */
  var pos = new Map(), layoutIters = 0, layoutKind = '';
  function seed() {
    var keys = vn.map(function (n) { return n.gkey !== null ? 'g:' + n.gkey : 'k:' + n.kind; });
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
  /* Repulsion on the nodes marked in mob (all when mob is null). Each pair is
   * visited once; a pinned node pushes but does not move. */
  function repelExact(dx, dy, mob) {
    var k2 = K * K;
    for (var i = 0; i < N; i++) for (var j = i + 1; j < N; j++) {
      if (mob && !mob[i] && !mob[j]) continue;
      var ddx = X[i] - X[j], ddy = Y[i] - Y[j], d2 = ddx * ddx + ddy * ddy;
      if (d2 < 0.01) { ddx = 0.1 * (i - j); ddy = 0.1; d2 = ddx * ddx + ddy * ddy; }
      var f = k2 / d2; dx[i] += ddx * f; dy[i] += ddy * f; dx[j] -= ddx * f; dy[j] -= ddy * f;
    }
  }
  var cellStart, cellNext, cellX, cellY;
  function repelGrid(dx, dy, mob) {
    var c = 2 * K, k2 = K * K, minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, i;
    for (i = 0; i < N; i++) {
      if (X[i] < minX) minX = X[i]; if (X[i] > maxX) maxX = X[i];
      if (Y[i] < minY) minY = Y[i]; if (Y[i] > maxY) maxY = Y[i];
    }
    var gw = Math.min(1024, Math.floor((maxX - minX) / c) + 1), gh = Math.min(1024, Math.floor((maxY - minY) / c) + 1);
    if (!cellStart || cellStart.length < gw * gh) cellStart = new Int32Array(gw * gh);
    if (!cellNext || cellNext.length < N) cellNext = new Int32Array(N);
    cellStart.fill(-1, 0, gw * gh);
    if (!cellX || cellX.length < N) { cellX = new Int32Array(N); cellY = new Int32Array(N); }
    var cx = cellX, cy = cellY;
    for (i = 0; i < N; i++) {
      cx[i] = Math.min(gw - 1, Math.floor((X[i] - minX) / c)); cy[i] = Math.min(gh - 1, Math.floor((Y[i] - minY) / c));
      var cell = cy[i] * gw + cx[i]; cellNext[i] = cellStart[cell]; cellStart[cell] = i;
    }
    var c2 = c * c;
    for (i = 0; i < N; i++) {
      if (mob && !mob[i]) continue;
      for (var oy = -1; oy <= 1; oy++) {
        var yy = cy[i] + oy; if (yy < 0 || yy >= gh) continue;
        for (var ox = -1; ox <= 1; ox++) {
          var xx = cx[i] + ox; if (xx < 0 || xx >= gw) continue;
          for (var j = cellStart[yy * gw + xx]; j !== -1; j = cellNext[j]) {
            /* both mobile: the lower index does the pair; pinned j: i does it */
            if (j === i || (j < i && (!mob || mob[j]))) continue;
            var ddx = X[i] - X[j], ddy = Y[i] - Y[j], d2 = ddx * ddx + ddy * ddy;
            if (d2 > c2) continue;
            if (d2 < 0.01) { ddx = 0.1 * (i - j); ddy = 0.1; d2 = ddx * ddx + ddy * ddy; }
            var f = k2 / d2; dx[i] += ddx * f; dy[i] += ddy * f; dx[j] -= ddx * f; dy[j] -= ddy * f;
          }
        }
      }
    }
  }
  /* mob null: a full layout from the seed; else only marked nodes move, for
   * fewer rounds, from a lower temperature and without gravity */
  function runLayout(mob) {
    if (N < 2) return;
    var dx = new Float64Array(N), dy = new Float64Array(N), P = pairA.length;
    var springW = new Float64Array(P), pl = [];
    for (var q = 0; q < P; q++) {
      springW[q] = 2 / Math.sqrt(Math.max(1, degree[pairA[q]]) * Math.max(1, degree[pairB[q]])) + 0.02;
      if (!mob || mob[pairA[q]] || mob[pairB[q]]) pl.push(q); /* springs that can move something */
    }
    /* a small graph settles in ~100 rounds; more only cost time while this
     * code still runs interpreted (a busy machine compiles it late) */
    var exact = N <= EXACT_MAX, maxIt = mob ? 80 : (N <= 100 ? 120 : (exact ? 300 : 200)), t0 = performance.now();
    var budget = mob ? INCR_BUDGET_MS : LAYOUT_BUDGET_MS;
    var temp = mob ? K * 1.5 : K * Math.max(2, Math.sqrt(N) / 4), cool = Math.pow(0.5 / temp, 1 / maxIt);
    var grav = mob ? 0 : (exact ? 0.02 : 0.01);
    layoutIters = 0;
    for (var it = 0; it < maxIt; it++) {
      if ((mob || !exact) && performance.now() - t0 > budget) break;
      dx.fill(0); dy.fill(0);
      if (exact) repelExact(dx, dy, mob); else repelGrid(dx, dy, mob);
      for (var pi = 0; pi < pl.length; pi++) {
        var p = pl[pi], a = pairA[p], b = pairB[p]; if (a === b) continue;
        /* springs on busy nodes are weakened (as ForceAtlas2 does for hubs), else
         * a node with 30 peers is pulled into a tight knot */
        var ddx = X[a] - X[b], ddy = Y[a] - Y[b], d = Math.sqrt(ddx * ddx + ddy * ddy) || 0.01, f = d / K * springW[p];
        dx[a] -= ddx * f; dy[a] -= ddy * f; dx[b] += ddx * f; dy[b] += ddy * f;
      }
      var moved = 0;
      for (var i = 0; i < N; i++) {
        if (mob && !mob[i]) continue;
        var fx = dx[i] - X[i] * grav * K, fy = dy[i] - Y[i] * grav * K, m = Math.sqrt(fx * fx + fy * fy);
        if (m > temp) { fx *= temp / m; fy *= temp / m; m = temp; }
        X[i] += fx; Y[i] += fy; if (m > moved) moved = m;
      }
      temp *= cool; layoutIters = it + 1;
      /* settled: no node moved a hundredth of an edge length. Deterministic,
       * and most of a small graph's rounds (run before the JIT has compiled
       * this loop, ~0.2 ms each) are spared */
      if (moved < 0.01 * K) break;
    }
  }
  /* Positions for the drawn graph: known ones kept; a collapsed group sits at
   * its known members' centre; new nodes start next to their group's members
   * or the group node they came out of, else next to their placed neighbours,
   * and only they move. Mostly new (first load, expand all): full layout. */
  function place(allowFull) {
    X = new Float64Array(N); Y = new Float64Array(N);
    var known = new Uint8Array(N), nKnown = 0, i, j, p;
    for (i = 0; i < N; i++) {
      /* a group sits at its known members' centre (they were drawn once), else where it was */
      p = vn[i].group ? null : pos.get(vn[i].key);
      if (vn[i].group) {
        var sx = 0, sy = 0, c = 0;
        vn[i].members.forEach(function (m) { var q = pos.get('n:' + String(nodes[m].id)); if (q) { sx += q[0]; sy += q[1]; c++; } });
        p = c ? [sx / c, sy / c] : pos.get(vn[i].key);
      }
      if (p) { X[i] = p[0]; Y[i] = p[1]; known[i] = 1; nKnown++; }
    }
    if (nKnown < N && (nKnown === 0 || (allowFull && N - nKnown > 20 && N - nKnown > nKnown))) {
      seed(); runLayout(null); layoutKind = 'full';
    } else if (nKnown < N) {
      var mob = new Uint8Array(N), placed = known.slice(), byGroup = new Map(), n2 = 0;
      for (i = 0; i < N; i++) mob[i] = known[i] ? 0 : 1;
      /* centres of the expanded groups: their placed members, else the group node's last place */
      for (i = 0; i < N; i++) {
        var g = vn[i].gkey; if (g === null || vn[i].group) continue;
        var b = byGroup.get(g); if (!b) { b = { x: 0, y: 0, c: 0, n: 0 }; byGroup.set(g, b); }
        if (known[i]) { b.x += X[i]; b.y += Y[i]; b.c++; b.n++; }
      }
      byGroup.forEach(function (b, g) {
        if (b.c) { b.x /= b.c; b.y /= b.c; return; }
        var q = pos.get('G' + (g.charAt(0) === 'k' ? '' : grouping.by) + '\u0000' + g);
        if (q) { b.x = q[0]; b.y = q[1]; b.c = 1; }
      });
      for (var pass = 0; pass < 3; pass++) {
        for (i = 0; i < N; i++) {
          if (placed[i]) continue;
          var bg = vn[i].gkey !== null && !vn[i].group ? byGroup.get(vn[i].gkey) : null, cx2, cy2, k;
          if (bg && bg.c) { cx2 = bg.x; cy2 = bg.y; k = bg.n++; }
          else {
            var sx2 = 0, sy2 = 0, c2 = 0, nb = outE[i].concat(inE[i]);
            for (j = 0; j < nb.length; j++) {
              var o = ve[nb[j]].s === i ? ve[nb[j]].d : ve[nb[j]].s;
              if (placed[o] && o !== i) { sx2 += X[o]; sy2 += Y[o]; c2++; }
            }
            if (!c2 && pass < 2) continue;
            if (c2) { cx2 = sx2 / c2; cy2 = sy2 / c2; k = 1 + (n2++ % 7); }
            else { /* nothing placed nearby: a ring around everything */
              var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
              for (j = 0; j < N; j++) if (placed[j]) { minX = Math.min(minX, X[j]); maxX = Math.max(maxX, X[j]); minY = Math.min(minY, Y[j]); maxY = Math.max(maxY, Y[j]); }
              var rr = Math.max(maxX - minX, maxY - minY) / 2 + K, t = (n2++) * 2.399963;
              X[i] = (minX + maxX) / 2 + rr * Math.cos(t); Y[i] = (minY + maxY) / 2 + rr * Math.sin(t); placed[i] = 1; continue;
            }
          }
          var r0 = K * 0.9 * Math.sqrt(k + 0.5), t0 = k * 2.399963;
          X[i] = cx2 + r0 * Math.cos(t0); Y[i] = cy2 + r0 * Math.sin(t0); placed[i] = 1;
        }
      }
      runLayout(mob); layoutKind = 'incremental';
    } else {
      layoutIters = 0; layoutKind = 'kept';
    }
    for (i = 0; i < N; i++) pos.set(vn[i].key, [X[i], Y[i]]);
    if (pos.size > 4 * (nodes.length + N) + 1000) { /* a long live session: forget what is long gone */
      var keep = new Set(vIndex.keys());
      nodes.forEach(function (n) { keep.add('n:' + String(n.id)); });
      Array.from(pos.keys()).forEach(function (k) { if (!keep.has(k)) pos.delete(k); });
    }
  }

  /* ---- view ---- */
  var canvas = $('sw-canvas'), ctx = canvas.getContext('2d'), dpr = window.devicePixelRatio || 1;
  var view = { s: 1, tx: 0, ty: 0 }, W = 0, H = 0, sel = null, hover = -1, pending = false, lastDrawn = null;
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
    var x = X[i], y = Y[i], r = radius[i] + (grow || 0), k = vn[i].kind;
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
    var drawn = { nodes: 0, edges: 0, groups: 0, verdicts: {} }, s = view.s, i, j;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, H);
    ctx.setTransform(dpr * s, 0, 0, dpr * s, dpr * view.tx, dpr * view.ty);
    var dense = E > 3000, arrows = E <= 6000 || s > 1.5, thin = dense && s < 2;
    /* Dense and zoomed out: lines under one device pixel, which Skia draws as
     * hairlines, 10-20x faster than wider strokes (20,000 edges: ~30 ms, not ~500) */
    var lw = thin ? 0.9 / (s * dpr) : Math.max(1.4, 0.7 / s);
    var byV = {}; VERDICTS.forEach(function (v) { byV[v] = []; });
    for (i = 0; i < E; i++) byV[ve[i].v].push(i);
    ctx.globalAlpha = sel ? 0.25 : (dense ? 0.45 : 0.85);
    VERDICTS.forEach(function (v) {
      var list = byV[v]; if (!list.length) return;
      ctx.beginPath(); for (j = 0; j < list.length; j++) pathEdge(geom(ve[list[j]]));
      ctx.strokeStyle = VERDICT_COLOR[v]; ctx.lineWidth = v === 'violation' && !thin ? lw * 1.6 : lw; ctx.stroke();
      if (arrows) {
        ctx.beginPath(); for (j = 0; j < list.length; j++) pathArrow(geom(ve[list[j]]), ve[list[j]], Math.max(7, 7 / s));
        ctx.fillStyle = VERDICT_COLOR[v]; ctx.fill();
      }
      drawn.edges += list.length; drawn.verdicts[v] = list.length;
    });
    ctx.globalAlpha = 1;
    selectedEdges().forEach(function (ei) {
      var e = ve[ei], g = geom(e);
      ctx.beginPath(); pathEdge(g); ctx.strokeStyle = VERDICT_COLOR[e.v]; ctx.lineWidth = lw * 2.5; ctx.stroke();
      ctx.beginPath(); pathArrow(g, e, Math.max(9, 9 / s)); ctx.fillStyle = VERDICT_COLOR[e.v]; ctx.fill();
    });
    var byColor = new Map(), groups = [];
    for (i = 0; i < N; i++) {
      var c = vn[i].color; if (!byColor.has(c)) byColor.set(c, []); byColor.get(c).push(i);
      if (vn[i].group) groups.push(i);
    }
    ctx.lineWidth = Math.max(1, 0.8 / s); ctx.strokeStyle = '#2b3240';
    var outline = N <= 200 || s * 8 > 4; /* outlines of tiny nodes would only darken them */
    byColor.forEach(function (list, color) {
      ctx.beginPath(); for (j = 0; j < list.length; j++) pathNode(list[j]);
      ctx.fillStyle = color; ctx.fill(); if (outline) ctx.stroke(); drawn.nodes += list.length;
    });
    if (groups.length) { /* a group node wears a second ring */
      ctx.beginPath(); for (j = 0; j < groups.length; j++) pathNode(groups[j], 3.5 / s);
      ctx.lineWidth = 1.5 / s; ctx.stroke(); drawn.groups = groups.length;
    }
    if (sel && sel.kind === 'node') {
      ctx.beginPath(); pathNode(sel.i, (vn[sel.i].group ? 7 : 4) / s); ctx.lineWidth = 3 / s; ctx.strokeStyle = '#1d2330'; ctx.stroke();
    }
    drawLabels(groups);
    lastDrawn = drawn;
    return drawn;
  }
  function drawLabels(groups) {
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = '12px system-ui, "DejaVu Sans", sans-serif'; ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    ctx.lineWidth = 3; ctx.strokeStyle = 'rgba(255,255,255,0.9)'; ctx.fillStyle = '#1d2330';
    var show = groups.slice(0, 300), budget = 300;
    if (N <= 80 || view.s > 0.9) {
      for (var i = 0; i < N && show.length < budget; i++) {
        if (vn[i].group) continue;
        var sx = X[i] * view.s + view.tx, sy = Y[i] * view.s + view.ty;
        if (sx > -50 && sx < W + 50 && sy > -20 && sy < H + 20) show.push(i);
      }
    }
    if (sel && sel.kind === 'node' && show.indexOf(sel.i) < 0) show.push(sel.i);
    if (hover >= 0 && show.indexOf(hover) < 0) show.push(hover);
    show.forEach(function (n) {
      var x = X[n] * view.s + view.tx, y = (Y[n] + radius[n]) * view.s + view.ty + (vn[n].group ? 6 : 3), t = label(n);
      ctx.strokeText(t, x, y); ctx.fillText(t, x, y);
    });
  }
  function label(i) { var n = vn[i]; return n.group ? n.name + ' (' + n.members.length + ')' : nodeName(n.raw); }
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
      var g = geom(ve[i]), d2;
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

  /* a merged edge's counters, summed over its model edges */
  function sumOf(x) {
    if (x.sum) return x.sum;
    var s = { edges: 0, verdicts: {}, flows: {}, packets: [0, 0], bytes: [0, 0], ports: new Map() };
    x.members.forEach(function (ei) {
      var e = edges[ei], r = e.raw, f = r.flows;
      s.edges++; s.verdicts[e.v] = (s.verdicts[e.v] || 0) + 1;
      if (f && typeof f === 'object') Object.keys(f).forEach(function (fk) { if (typeof f[fk] === 'number') s.flows[fk] = (s.flows[fk] || 0) + f[fk]; });
      ['packets', 'bytes'].forEach(function (pk) {
        if (Array.isArray(r[pk])) { s[pk][0] += +r[pk][0] || 0; s[pk][1] += +r[pk][1] || 0; }
      });
      if (r.first_seen && (!s.first_seen || r.first_seen < s.first_seen)) s.first_seen = r.first_seen;
      if (r.last_seen && (!s.last_seen || r.last_seen > s.last_seen)) s.last_seen = r.last_seen;
      var pp = (r.proto || '?') + (r.port !== undefined ? '/' + r.port : '');
      s.ports.set(pp, (s.ports.get(pp) || 0) + 1);
    });
    x.sum = s;
    return s;
  }
  /* an edge's key, stable across rebuilds (selection): its ends' keys and, for
   * a model edge, protocol and port */
  function edgeKey(e) {
    if (e.raw) return 'e:' + vn[e.s].key + '>' + vn[e.d].key + ' ' + (e.raw.proto || '') + '/' + (e.raw.port === undefined ? '' : e.raw.port);
    return 'a:' + vn[e.s].key + '>' + vn[e.d].key;
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
  function edgeTitle(e) {
    if (!e.raw) { var n = e.members.length; return label(e.s) + ' \u2192 ' + label(e.d) + '  ' + n + ' edge' + (n === 1 ? '' : 's'); }
    var r = e.raw; return label(e.s) + ' \u2192 ' + label(e.d) + '  ' + (r.proto || '?') + (r.port !== undefined ? '/' + r.port : '');
  }
  function button(text, fn, cls) { var b = el('button', text, cls || 'sw-link'); b.addEventListener('click', fn); return b; }
  function linkTo(target, text) { return button(text, function () { select(target, true, true); }); }
  function edgeLinks(list) {
    [['Outgoing', list[0]], ['Incoming', list[1]]].forEach(function (sec) {
      if (!sec[1].length) return;
      panel.appendChild(el('h3', sec[0]));
      sec[1].slice(0, 100).forEach(function (ei) { panel.appendChild(linkTo({ kind: 'edge', i: ei }, edgeTitle(ve[ei]) + '  [' + ve[ei].v + ']')); });
      if (sec[1].length > 100) panel.appendChild(el('p', '\u2026 and ' + (sec[1].length - 100) + ' more', 'sw-hint'));
    });
  }
  function showNode(i) {
    var v = vn[i], n = v.raw, tags = el('span');
    (n.groups || []).forEach(function (g) { var t = el('span', g, 'sw-tag'); t.style.background = groupColor.get('g:' + String(g)) || '#eef0f3'; tags.appendChild(t); });
    panel.appendChild(el('h2', label(i)));
    panel.appendChild(table([['id', n.id], ['kind', n.kind || 'workload'], ['groups', tags.childNodes.length ? tags : undefined],
      ['outgoing', count(outE[i].length, 'edge')], ['incoming', count(inE[i].length, 'edge')], ['note', n.implicit ? 'not in the node list' : undefined]]));
    if (v.gkey !== null) {
      var g = v.gkey;
      panel.appendChild(button('Collapse ' + groupTitle(g), function () { setCollapsed(g, true); }, 'sw-action'));
    }
    var labels = n.labels && typeof n.labels === 'object' ? Object.keys(n.labels).sort() : [];
    if (labels.length) { panel.appendChild(el('h3', 'Labels')); panel.appendChild(table(labels.map(function (k) { return [k, String(n.labels[k])]; }))); }
    edgeLinks([outE[i], inE[i]]);
  }
  function showGroup(i) {
    var v = vn[i], g = v.gkey;
    panel.appendChild(el('h2', label(i)));
    panel.appendChild(table([['grouped by', g.charAt(0) === 'k' ? 'kind' : grouping.by], ['members', v.members.length],
      ['outgoing', count(outE[i].length, 'edge')], ['incoming', count(inE[i].length, 'edge')]]));
    panel.appendChild(button('Expand this group', function () { setCollapsed(g, false); }, 'sw-action'));
    panel.appendChild(el('h3', 'Members'));
    v.members.slice(0, 200).forEach(function (m) {
      var id = String(nodes[m].id);
      panel.appendChild(button(nodeName(nodes[m]), function () { setCollapsed(g, false); selectKey('n:' + id, true); }));
    });
    if (v.members.length > 200) panel.appendChild(el('p', '\u2026 and ' + (v.members.length - 200) + ' more', 'sw-hint'));
    edgeLinks([outE[i], inE[i]]);
  }
  function showEdge(i) {
    var e = ve[i], r = e.raw || {}, f = r.flows || {};
    panel.appendChild(el('h2', edgeTitle(e)));
    if (!e.raw) {
      var s = sumOf(e), vs = el('span');
      VERDICTS.slice().reverse().forEach(function (v) { if (s.verdicts[v]) { vs.appendChild(chip(v + ' ' + s.verdicts[v])); vs.appendChild(document.createTextNode(' ')); } });
      var ports = Array.from(s.ports.entries()).sort(function (a, b) { return b[1] - a[1]; });
      f = s.flows; r = { packets: s.packets, bytes: s.bytes, first_seen: s.first_seen, last_seen: s.last_seen };
      panel.appendChild(table([['verdict', chip(e.v)], ['edges', vs], ['from', linkTo({ kind: 'node', i: e.s }, label(e.s))],
        ['to', linkTo({ kind: 'node', i: e.d }, label(e.d))],
        ['ports', ports.slice(0, 12).map(function (p) { return p[0] + (p[1] > 1 ? ' \u00d7' + p[1] : ''); }).join(', ') + (ports.length > 12 ? ', \u2026' : '')]]));
    } else {
      panel.appendChild(table([['verdict', chip(e.v)], ['rule', r.rule], ['from', linkTo({ kind: 'node', i: e.s }, label(e.s))],
        ['to', linkTo({ kind: 'node', i: e.d }, label(e.d))], ['protocol', r.proto], ['port', r.port]]));
    }
    panel.appendChild(el('h3', 'Flows'));
    panel.appendChild(table([['established', f.established], ['attempted', f.attempted], ['refused', f.refused], ['closed', f.closed],
      ['packets', pairStr(r.packets, String)], ['bytes', pairStr(r.bytes, human)], ['first seen', r.first_seen], ['last seen', r.last_seen]]));
  }
  /* what onSelect listeners get: {kind, id, data} */
  function describe(s) {
    if (!s) return null;
    if (s.kind === 'node') {
      var v = vn[s.i];
      if (!v.group) return { kind: 'node', id: String(v.raw.id), data: v.raw };
      var g = v.gkey, by = g.charAt(0) === 'k' ? 'kind' : grouping.by;
      return { kind: 'node', id: (g.charAt(0) === 'k' ? 'kind:' : 'group:') + g.slice(2),
               data: { group: g.slice(2), by: by, members: v.members.map(function (m) { return String(nodes[m].id); }) } };
    }
    var e = ve[s.i];
    if (e.raw) return { kind: 'edge', id: edgeKey(e).slice(2), data: e.raw };
    var sm = sumOf(e);
    return { kind: 'edge', id: edgeKey(e).slice(2), data: { src: describe({ kind: 'node', i: e.s }).id, dst: describe({ kind: 'node', i: e.d }).id,
      verdict: e.v, edges: sm.edges, verdicts: sm.verdicts, flows: sm.flows, packets: sm.packets, bytes: sm.bytes,
      first_seen: sm.first_seen, last_seen: sm.last_seen } };
  }
  var listeners = [];
  function select(s, center, byUser) {
    sel = s ? { kind: s.kind, i: s.i, key: s.kind === 'node' ? vn[s.i].key : edgeKey(ve[s.i]) } : null;
    panel.textContent = '';
    if (!sel) panel.appendChild(el('p', 'Click a node or an edge for details. Drag to pan, wheel to zoom.', 'sw-hint'));
    else if (sel.kind === 'node') { if (vn[sel.i].group) showGroup(sel.i); else showNode(sel.i); }
    else showEdge(sel.i);
    if (sel && center) {
      var x = sel.kind === 'node' ? X[sel.i] : (X[ve[sel.i].s] + X[ve[sel.i].d]) / 2;
      var y = sel.kind === 'node' ? Y[sel.i] : (Y[ve[sel.i].s] + Y[ve[sel.i].d]) / 2;
      view.tx = W / 2 - x * view.s; view.ty = H / 2 - y * view.s;
    }
    redraw();
    if (byUser) {
      var info = describe(sel);
      listeners.forEach(function (fn) {
        try { fn(info); } catch (err) { console.error('swViewer onSelect listener: ' + (err && err.message)); }
      });
    }
  }
  function selectKey(key, byUser) {
    var vi = vIndex.get(key); if (vi !== undefined) select({ kind: 'node', i: vi }, true, byUser);
  }
  /* after a rebuild: the same node or edge by key; when it is gone,
   * listeners hear null so they can drop what they show about it */
  function reselect() {
    if (!sel) { select(null); return; }
    var i = -1;
    if (sel.kind === 'node') { var vi = vIndex.get(sel.key); if (vi !== undefined) i = vi; }
    else for (var j = 0; j < E; j++) if (edgeKey(ve[j]) === sel.key) { i = j; break; }
    if (i >= 0) select({ kind: sel.kind, i: i }); else select(null, false, true);
  }

  /* ---- rebuilding: load, collapse, group by ---- */
  var timing = {};
  /* refit: fit the view afterwards; allowFull: a full re-layout is fine when
   * most drawn nodes are new (expand all, group by) */
  function rebuild(refit, allowFull) {
    var t0 = performance.now();
    build(); var t1 = performance.now();
    place(allowFull); var t2 = performance.now();
    timing = { build_ms: Math.round(t1 - t0), layout_ms: Math.round(t2 - t1), layout: layoutKind, layout_iterations: layoutIters };
    if (refit) fit();
    controls(); legend(); reselect(); var t3 = performance.now();
    var d = draw(), t4 = performance.now();
    timing.panel_ms = Math.round(t3 - t2); timing.draw_ms = Math.round(t4 - t3); timing.total_ms = Math.round(t4 - t0);
    return d;
  }
  function setCollapsed(g, on) {
    grouping.auto = false;
    if (on === grouping.all) grouping.except.delete(g); else grouping.except.add(g);
    rebuild(false);
  }
  function setAll(on) { grouping.auto = false; grouping.all = on; grouping.except.clear(); rebuild(true, true); }
  var loads = 0;
  function load(doc) {
    if (typeof doc === 'string') doc = JSON.parse(doc);
    setDoc(doc);
    if (grouping.auto) grouping.all = nodes.length > COLLAPSE_OVER;
    if (grouping.by !== 'group' && labelKeys.indexOf(grouping.by) < 0) { grouping.by = 'group'; grouping.except.clear(); }
    var first = loads++ === 0 || !lastDrawn || lastDrawn.nodes === 0;
    return rebuild(first);
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
    if (!d.moved) select(pick(p.x, p.y), false, true);
  });
  canvas.addEventListener('dblclick', function (ev) { /* double-click a group: expand it in place */
    var p = local(ev), h = hitNode(toWorld(p.x, p.y));
    if (h >= 0 && vn[h].group) setCollapsed(vn[h].gkey, false);
  });
  canvas.addEventListener('wheel', function (ev) {
    ev.preventDefault(); var p = local(ev);
    zoomAt(p.x, p.y, Math.exp(-ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.0015)));
  }, { passive: false });
  $('sw-zoom-in').addEventListener('click', function () { zoomAt(W / 2, H / 2, 1.4); });
  $('sw-zoom-out').addEventListener('click', function () { zoomAt(W / 2, H / 2, 1 / 1.4); });
  $('sw-fit').addEventListener('click', function () { fit(); redraw(); });
  $('sw-collapse').addEventListener('click', function () { setAll(!grouping.all); });
  $('sw-groupby').addEventListener('change', function (ev) {
    grouping.by = ev.target.value; grouping.except.clear(); rebuild(true, true);
  });
  window.addEventListener('keydown', function (ev) {
    if (ev.target && (ev.target.tagName === 'INPUT' || ev.target.tagName === 'SELECT')) return;
    if (ev.key === '+' || ev.key === '=') zoomAt(W / 2, H / 2, 1.4);
    else if (ev.key === '-') zoomAt(W / 2, H / 2, 1 / 1.4);
    else if (ev.key === '0') { fit(); redraw(); }
    else if (ev.key === 'Escape') select(null, false, true);
  });
  window.addEventListener('resize', function () { resize(); redraw(); });
  /* a model node, shown: expands its group if that is collapsed */
  function reveal(m, byUser) {
    var g = gkOf[m];
    if (g !== null && isCollapsed(g)) setCollapsed(g, false);
    selectKey('n:' + String(nodes[m].id), byUser);
  }
  $('sw-search').addEventListener('focus', fillNames);
  $('sw-search').addEventListener('change', function (ev) {
    var q = ev.target.value.trim().toLowerCase(); if (!q) return;
    var hit = -1, M = nodes.length, i;
    for (i = 0; i < M && hit < 0; i++) if (nodeName(nodes[i]).toLowerCase() === q || String(nodes[i].id).toLowerCase() === q) hit = i;
    for (i = 0; i < M && hit < 0; i++) if (nodeName(nodes[i]).toLowerCase().indexOf(q) >= 0) hit = i;
    if (hit >= 0) { if (view.s < 1) zoomAt(W / 2, H / 2, 1 / view.s); reveal(hit, true); }
  });

  /* ---- header controls, legend ---- */
  function controls() {
    var gb = $('sw-groupby'), want = ['group'].concat(labelKeys), have = Array.prototype.map.call(gb.options, function (o) { return o.value; });
    if (have.join('\u0000') !== want.join('\u0000')) {
      gb.textContent = '';
      want.forEach(function (k, i) { var o = el('option', i ? 'label: ' + k : 'policy group'); o.value = k; gb.appendChild(o); });
    }
    gb.value = grouping.by;
    var any = gkOf.some(function (g) { return g !== null; });
    $('sw-collapse').textContent = grouping.all ? 'Expand all' : 'Collapse all';
    $('sw-collapse').disabled = !any && grouping.by === 'group';
  }
  var namesShown = null, namesDirty = true;
  function legend() {
    var lg = $('sw-legend'), vc = {}, gc = new Map();
    lg.textContent = '';
    edges.forEach(function (e) { vc[e.v] = (vc[e.v] || 0) + 1; });
    gkOf.forEach(function (g) { if (g !== null) gc.set(g, (gc.get(g) || 0) + 1); });
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
      lg.appendChild(el('h2', grouping.by === 'group' ? 'Groups' : grouping.by));
      groupNames.slice(0, 16).forEach(function (g) { var sw = el('span', undefined, 'sw-dot'); sw.style.background = groupColor.get(g); row(sw, g.slice(2), gc.get(g)); });
      if (groupNames.length > 16) lg.appendChild(el('div', '\u2026 ' + (groupNames.length - 16) + ' more'));
    }
    var kinds = new Set(vn.map(function (n) { return n.kind; }));
    if (kinds.has('host') || kinds.has('external') || kinds.has('multicast')) {
      lg.appendChild(el('h2', 'Shapes'));
      row(el('span', '\u25cf'), 'workload'); row(el('span', '\u25a0'), 'host'); row(el('span', '\u25c6'), 'external'); row(el('span', '\u25b2'), 'multicast');
    }
    var viol = vc.violation || 0, ng = vn.filter(function (n) { return n.group; }).length;
    var stats = nodes.length + ' nodes \u00b7 ' + edges.length + ' edges \u00b7 ' + viol + ' violation' + (viol === 1 ? '' : 's') +
      ((vc.unmanaged || 0) ? ' \u00b7 ' + vc.unmanaged + ' unmanaged' : '') +
      (ng ? ' \u00b7 ' + ng + ' group' + (ng === 1 ? '' : 's') + ' collapsed' : '');
    /* infrastructure traffic (ND, MLD, IGMP, DAD, DHCP) is counted, not drawn: say how much */
    var inf = raw.infrastructure;
    if (inf && inf.flows) {
      var ks = Object.keys(inf.kinds || {}).map(function (k) { return k + ' ' + inf.kinds[k]; }).join(', ');
      lg.appendChild(el('h2', 'Not drawn'));
      lg.appendChild(el('div', inf.flows + ' infrastructure flow' + (inf.flows === 1 ? '' : 's') + (ks ? ' (' + ks + ')' : '')));
      stats += ' \u00b7 ' + inf.flows + ' infrastructure not drawn';
    }
    $('sw-stats').textContent = stats; $('sw-stats').title = stats;
    namesDirty = true;
  }
  /* the search box's suggestions: filled when it is first used after a load,
   * not on the way to the first picture (2,000 options cost ~100 ms) */
  function fillNames() {
    if (!namesDirty) return;
    namesDirty = false;
    var names = nodes.slice(0, 5000).map(nodeName), joined = names.join('\u0000');
    if (joined === namesShown) return;
    var dl = $('sw-names'), frag = document.createDocumentFragment();
    dl.textContent = ''; namesShown = joined;
    names.forEach(function (nm) { var o = document.createElement('option'); o.value = nm; frag.appendChild(o); });
    dl.appendChild(frag);
  }

  /* ---- the interface for the live page (live.js) ---- */
  window.swViewer = {
    /* re-draw with a new {"type":"graph",...} document (object or JSON text);
     * returns what was drawn: {nodes, edges, groups, verdicts} */
    load: function (doc) { return load(doc); },
    /* fn({kind: 'node'|'edge', id, data}) on every selection by the user, or
     * fn(null) when it is cleared; the details panel is filled first */
    onSelect: function (fn) { if (typeof fn === 'function') listeners.push(fn); },
    /* select a node by id (expanding its group when collapsed) and centre it,
     * as a click would, listeners included; false when there is no such node */
    select: function (id) {
      var m = index.get(String(id)); if (m === undefined) return false;
      reveal(m, true); return true;
    },
    stats: function () {
      return { drawn: lastDrawn, nodes: nodes.length, edges: edges.length, groupBy: grouping.by, collapsed: grouping.all,
               selected: describe(sel), timing: timing };
    }
  };

  /* ---- self test (#selftest): drive the real handlers, record what happened ---- */
  function selftest() {
    var res = {}, r = canvas.getBoundingClientRect();
    function fire(type, x, y, target) {
      (target || canvas).dispatchEvent(new MouseEvent(type, { clientX: r.left + x, clientY: r.top + y, button: 0, bubbles: true }));
    }
    function click(x, y) { fire('mousedown', x, y); fire('mouseup', x, y, window); }
    function sx(i) { return X[i] * view.s + view.tx; }
    function sy(i) { return Y[i] * view.s + view.ty; }
    var got = [];
    window.swViewer.onSelect(function (info) { got.push(info); });
    /* a single node if there is one (its panel title is its name) */
    var n = 0; for (var q = 0; q < N; q++) if (!vn[q].group) { n = q; break; }
    if (N) {
      click(sx(n), sy(n));
      res.click_node = !!(sel && sel.kind === 'node' && sel.i === n && panel.querySelector('h2').textContent === label(n));
      res.on_select = got.length === 1 && got[0] && got[0].kind === 'node' && got[0].id === describe({ kind: 'node', i: n }).id;
    }
    res.click_edge = E ? false : null;
    for (var i = 0; i < E && i < 200 && !res.click_edge; i++) {
      var e = ve[i], g = geom(e); if (g.loop) continue;
      var mx = g.cx === undefined ? (g.x1 + g.x2) / 2 : 0.25 * g.x1 + 0.5 * g.cx + 0.25 * g.x2;
      var my = g.cy === undefined ? (g.y1 + g.y2) / 2 : 0.25 * g.y1 + 0.5 * g.cy + 0.25 * g.y2;
      click(mx * view.s + view.tx, my * view.s + view.ty);
      res.click_edge = !!(sel && sel.kind === 'edge' && panel.textContent.indexOf(ve[sel.i].v) >= 0 && panel.querySelector('h2').textContent === edgeTitle(ve[sel.i]));
    }
    if (E) res.on_select_edge = got.length >= 2 && got[got.length - 1].kind === 'edge' && typeof got[got.length - 1].id === 'string';
    var s0 = view.s;
    canvas.dispatchEvent(new WheelEvent('wheel', { clientX: r.left + W / 2, clientY: r.top + H / 2, deltaY: -200, bubbles: true, cancelable: true }));
    res.wheel_zoom = view.s > s0;
    var tx0 = view.tx; fire('mousedown', 10, 10); fire('mousemove', 70, 10, window); fire('mouseup', 70, 10, window);
    res.drag_pan = Math.abs(view.tx - tx0 - 60) < 1e-6;
    select(null); fit(); draw();
    res.initial = { drawn_nodes: lastDrawn.nodes, groups: lastDrawn.groups, collapsed: grouping.all };

    /* groups: click one, expand it with the panel's button; double-click another */
    var gi = -1; for (q = 0; q < N; q++) if (vn[q].group) { gi = q; break; }
    if (gi >= 0) {
      var gk = vn[gi].gkey, members = vn[gi].members.length, before = lastDrawn.nodes, gkey = vn[gi].key, gx = X[gi], gy = Y[gi];
      click(sx(gi), sy(gi));
      var btn = Array.prototype.filter.call(panel.querySelectorAll('button.sw-action'), function (b) { return b.textContent === 'Expand this group'; })[0];
      res.group_panel = !!(sel && sel.i === gi && btn && panel.querySelector('h2').textContent === label(gi));
      if (btn) btn.click();
      var inPlace = true, far = 0;
      for (q = 0; q < N; q++) if (vn[q].gkey === gk && !vn[q].group) far = Math.max(far, Math.hypot(X[q] - gx, Y[q] - gy));
      inPlace = far < K * (3 + 2 * Math.sqrt(members));
      res.expand_group = !vIndex.has(gkey) && lastDrawn.nodes === before - 1 + members && inPlace;
      res.expand_detail = { before: before, members: members, after: lastDrawn.nodes, farthest: Math.round(far) };
      var g2 = -1; for (q = 0; q < N; q++) if (vn[q].group) { g2 = q; break; }
      if (g2 >= 0) {
        var k2 = vn[g2].key, m2 = vn[g2].members.length, b2 = lastDrawn.nodes;
        fire('dblclick', sx(g2), sy(g2));
        res.dblclick_expand = !vIndex.has(k2) && lastDrawn.nodes === b2 - 1 + m2;
      }
      /* a member's panel offers to collapse its group again */
      var mi = -1; for (q = 0; q < N; q++) if (vn[q].gkey === gk && !vn[q].group) { mi = q; break; }
      if (mi >= 0) select({ kind: 'node', i: mi });
      var cb = panel.querySelector('button.sw-action'); if (cb) cb.click();
      res.collapse_group = mi >= 0 && vIndex.has(gkey) && vn[vIndex.get(gkey)].members.length === members;
      $('sw-collapse').click();
      res.expand_all = !grouping.all && lastDrawn.groups === 0 && lastDrawn.nodes === nodes.length;
      $('sw-collapse').click();
      res.collapse_all = grouping.all && lastDrawn.groups > 0;
    }
    /* group by the first label key (through the select's change handler), then back */
    if (labelKeys.length) {
      var gb = $('sw-groupby'); gb.value = labelKeys[0]; gb.dispatchEvent(new Event('change'));
      res.groupby = { key: labelKeys[0], drawn_nodes: lastDrawn.nodes, drawn_edges: lastDrawn.edges, groups: lastDrawn.groups, collapsed: grouping.all };
      gb.value = 'group'; gb.dispatchEvent(new Event('change'));
      res.groupby_back = lastDrawn.nodes === res.initial.drawn_nodes;
    }
    /* load(): a changed document keeps a drawn node where it was, keeps the
     * selection and adds the new node next to its neighbour with its edge */
    if (N) {
      click(sx(n), sy(n));
      var key = vn[n].key, px = X[n], py = Y[n], doc = JSON.parse(JSON.stringify(raw));
      var nid = vn[n].group ? null : String(vn[n].raw.id);
      doc.nodes = (doc.nodes || []).slice(); doc.edges = (doc.edges || []).slice();
      var hostile = 'new <' + 'b>node<' + '/b>'; /* split: the test looks for the markup in the DOM */
      doc.nodes.push({ id: 'sw-selftest-new', name: hostile, kind: 'workload' });
      if (nid !== null) doc.edges.push({ src: 'sw-selftest-new', dst: nid, proto: 'tcp', port: 4242, verdict: 'violation' });
      var edges0 = lastDrawn.edges, calls = got.length;
      window.swViewer.load(doc);
      var ni = vIndex.get(key), nn = vIndex.get('n:sw-selftest-new');
      res.load_keeps_position = ni !== undefined && X[ni] === px && Y[ni] === py;
      res.load_keeps_selection = !!(sel && sel.kind === 'node' && sel.key === key && panel.querySelector('h2').textContent === label(ni));
      res.load_new_node = nn !== undefined && label(nn) === hostile;
      if (nid !== null) {
        res.load_new_edge = lastDrawn.edges === edges0 + 1 && ve.some(function (x) { return x.s === nn && x.d === ni && x.raw && x.raw.port === 4242; });
        res.load_new_near = nn !== undefined && Math.hypot(X[nn] - px, Y[nn] - py) < K * 6;
      }
      res.load_layout = timing.layout;
      res.load_no_callback = got.length === calls;
      if (nn !== undefined) { /* its name in the panel, as text; select() tells listeners */
        var c0 = got.length;
        res.api_select = window.swViewer.select('sw-selftest-new') && got.length === c0 + 1 && got[c0].id === 'sw-selftest-new' &&
          panel.querySelector('h2').textContent === hostile && !window.swViewer.select('sw-no-such-node');
      }
    }
    return res;
  }

  /* ---- go ---- */
  var tParsed, tRender, tRedraw, tReload, reloadTiming, drawn, graphEl = $('sw-graph');
  if (opts.expanded) { grouping.auto = false; grouping.all = false; }
  resize();
  var text = graphEl ? graphEl.textContent.trim() : '';
  var doc0 = text ? JSON.parse(text) : { type: 'graph', version: 1, nodes: [], edges: [] };
  tParsed = performance.now();
  drawn = load(doc0); /* the embedded graph goes through the same path as live updates */
  var loadTiming = timing, implicit0 = implicit;
  ctx.getImageData(0, 0, 1, 1); /* forces the canvas to rasterise: the time below is a complete render */
  tRender = performance.now();
  if (opts.bench) { /* what one pan or zoom frame costs (a second read-back makes Chromium warn) */
    draw(); ctx.getImageData(0, 0, 1, 1); tRedraw = Math.round(performance.now() - tRender);
    /* and a live update: 1% new nodes with edges to old ones, 1% of edges gone, 1% changed verdict */
    var d2 = { type: 'graph', version: 1, nodes: nodes.slice(), edges: edges.map(function (e) { return e.raw; }) };
    var M0 = d2.nodes.length, add = Math.max(1, Math.round(M0 / 100));
    for (var a = 0; a < add; a++) {
      var peer = d2.nodes[(a * 7919) % M0];
      d2.nodes.push({ id: 'bench-new-' + a, name: 'bench-new-' + a, kind: 'workload', groups: peer.groups, labels: peer.labels });
      d2.edges.push({ src: 'bench-new-' + a, dst: peer.id, proto: 'tcp', port: 80, verdict: 'violation' });
    }
    d2.edges = d2.edges.filter(function (e, j) { return j % 100 !== 1; }).map(function (e, j) {
      return j % 100 === 2 ? Object.assign({}, e, { verdict: 'violation' }) : e;
    });
    var t3 = performance.now();
    window.swViewer.load(d2); ctx.getImageData(1, 1, 1, 1);
    tReload = Math.round(performance.now() - t3); reloadTiming = timing;
  }
  var out = { ready: true, nodes: drawn.nodes, edges: drawn.edges, groups_drawn: drawn.groups, verdicts: drawn.verdicts,
              groups: groupNames.length, collapsed: grouping.all, group_by: grouping.by,
              input_nodes: (doc0.nodes || []).length, input_edges: (doc0.edges || []).length, implicit_nodes: implicit0,
              layout: loadTiming.layout, layout_iterations: loadTiming.layout_iterations, script_ms: Math.round(tStart), parse_ms: Math.round(tParsed),
              build_ms: loadTiming.build_ms, layout_ms: loadTiming.layout_ms, render_ms: Math.round(tRender),
              redraw_ms: tRedraw, reload_ms: tReload, reload_layout: reloadTiming && reloadTiming.layout, reload_timing: reloadTiming,
              load_ms: loadTiming.total_ms, panel_ms: loadTiming.panel_ms, draw_ms: loadTiming.draw_ms,
              canvas: [Math.round(W), Math.round(H)] };
  if (opts.selftest) out.selftest = selftest();
  else if (opts.select !== undefined) { /* link to a node: #select=<id or name> */
    for (var si = 0; si < nodes.length; si++) if (String(nodes[si].id) === opts.select || nodeName(nodes[si]) === opts.select) { reveal(si, false); break; }
  }
  document.dispatchEvent(new Event('sw-viewer-ready'));
  out.errors = st.errors; out.messages = st.messages;
  $('sw-status').textContent = JSON.stringify(out);

})();

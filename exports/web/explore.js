/* ccare map page: reading the map (issue 13).
 * - the page opens on a readable view: products, needs and values; every other kind is
 *   one click away (its box in the legend, or "show every type");
 * - focus: a node and its neighbours to a chosen depth, the rest faded, and a way back;
 * - filters re-fit the view to what they leave on the map;
 * - search offers near matches as the command line does (difflib's ratio >= 0.5 over ids
 *   and zh/en names, then names containing the query or contained in it);
 * - the node panel lists the user and data flows in and out, each with its evidence.
 * Runs after map.js and uses only what it exposes (window.ccareMap). Text from the data
 * goes in as text (textContent through ccareMap.el), never as markup.
 */
(function () {
  "use strict";

  var M0 = window.ccareMap;
  if (!M0) return;
  var DATA = M0.data, N = DATA.nodes, E = DATA.edges, network = M0.network;

  /* the page's language is its <html lang>, which map.js sets on every switch */
  function pageLang() { return /^zh/i.test(document.documentElement.lang) ? "zh" : "en"; }

  function el(tag, attrs) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "cls") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c !== null && c !== undefined) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }
  var byId0 = Object.create(null);
  N.forEach(function (n, i) { byId0[n[0]] = i; });
  function labelOf(id) {
    var n = N[byId0[id]];
    if (!n) return id;
    return (pageLang() === "zh" ? (n[3] || n[4]) : (n[4] || n[3])) || n[0];
  }
  function relLabel(key) { var r = DATA.relations[key]; return (r && (r[pageLang()] || r.en)) || key; }
  function sourceName(id) { var s = DATA.sources && DATA.sources[id]; return (s && (s[pageLang()] || s.en || s.zh)) || id; }
  function quote(ev) {  /* openday 文章 第 25 行 “…” / openday article, line 25 “…” (as map.js) */
    var zh = pageLang() === "zh", where;
    if (ev[1] === null || ev[1] === undefined) where = sourceName(ev[0]);
    else if (ev[0]) where = zh ? sourceName(ev[0]) + " 第 " + ev[1] + " 行" : sourceName(ev[0]) + ", line " + ev[1];
    else where = zh ? "第 " + ev[1] + " 行" : "line " + ev[1];
    return where + " \u201c" + ev[2] + "\u201d";
  }
  function why(text) { var r = DATA.rationales && DATA.rationales[text]; return (r && (r[pageLang()] || text)) || text; }
  function kindName(k) { return DATA.kinds[k][pageLang()]; }
  var M = { nodes: M0.nodes, edges: M0.edges, select: M0.select, lang: pageLang, labelOf: labelOf,
    relLabel: relLabel, quote: quote, why: why, kindName: kindName };

  var UI = {
    en: {
      readable: "Readable view", readableHint: "products, needs and values", all: "Show every type",
      near: "No exact match; near matches:", nearMore: "Near matches:",
      focus: "Focus", depth: "neighbours to depth", back: "Back to the whole map",
      focused: "Focused on {name}, {n} nodes within {d} {steps}", flowsIn: "Flows in", flowsOut: "Flows out",
      noFlows: "none", inferred: "inferred"
    },
    zh: {
      readable: "精简视图", readableHint: "产品、诉求与价值", all: "显示全部类型",
      near: "没有完全匹配；相近的名称：", nearMore: "相近的名称：",
      focus: "聚焦", depth: "邻居深度", back: "返回整张地图",
      focused: "聚焦于{name}：{d} 步之内的 {n} 个节点", flowsIn: "流入", flowsOut: "流出",
      noFlows: "无", inferred: "推断"
    }
  };
  function t(key) { return UI[M.lang()][key]; }

  var byId = Object.create(null);
  N.forEach(function (n, i) { byId[n[0]] = i; });
  var READABLE = { product: true, need: true, value: true };
  var FLOWS = { userFlowsTo: true, dataFlowsTo: true };
  var FADED_EDGE = "#e6e9ed";

  /* ------------------------------------------------------------ readable view */

  function legendBoxes() { return Array.prototype.slice.call(document.querySelectorAll("#legend input[data-kind]")); }

  function setKinds(show) {  /* show(kind) -> whether its nodes are drawn */
    legendBoxes().forEach(function (box) {
      var want = !!show(box.getAttribute("data-kind"));
      if (box.checked !== want) {
        box.checked = want;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }
  var batch = false;  /* several boxes at once: fit once at the end, not after each */
  function readableView() { batch = true; setKinds(function (k) { return READABLE[k]; }); batch = false; afterFilter(); }
  function everyKind() { batch = true; setKinds(function () { return true; }); batch = false; afterFilter(); }

  var viewBar = el("div", { id: "views" });
  function buildViewBar() {
    viewBar.textContent = "";
    var a = el("button", { type: "button", id: "view-readable", title: t("readableHint"), text: t("readable") });
    var b = el("button", { type: "button", id: "view-all", text: t("all") });
    a.addEventListener("click", readableView);
    b.addEventListener("click", everyKind);
    viewBar.appendChild(a);
    viewBar.appendChild(b);
  }
  var legend = document.getElementById("legend");
  legend.parentNode.insertBefore(viewBar, legend);

  /* ------------------------------------------------------------ fit to what is shown */

  function visibleIds() { return network.body.nodeIndices.slice(); }

  function refit() {
    var ids = focusSet ? visibleIds().filter(function (id) { return focusSet[id]; }) : visibleIds();
    if (ids.length) network.fit({ nodes: ids, animation: false });
  }

  /* a filter changed: map.js has restyled (its listener ran first); fade again if focused, then fit */
  function afterFilter() {
    if (batch) return;
    if (focusSet) applyFocus();
    refit();
  }
  document.getElementById("need").addEventListener("change", afterFilter);
  legend.addEventListener("change", afterFilter);

  /* ------------------------------------------------------------ focus */

  var adj = N.map(function () { return []; });
  E.forEach(function (e) { adj[e[0]].push(e[1]); adj[e[1]].push(e[0]); });

  function within(i0, depth) {  /* node ids at most `depth` steps from node index i0, either way */
    var seen = Object.create(null), frontier = [i0];
    seen[N[i0][0]] = true;
    for (var d = 0; d < depth; d++) {
      var next = [];
      frontier.forEach(function (i) {
        adj[i].forEach(function (j) { if (!seen[N[j][0]]) { seen[N[j][0]] = true; next.push(j); } });
      });
      frontier = next;
    }
    return seen;
  }

  var focusSet = null, focusOn = null, focusDepth = 1;
  var savedNodes = Object.create(null), savedEdges = Object.create(null);

  function restoreLooks() {
    var ns = Object.keys(savedNodes).map(function (id) { return { id: id, group: savedNodes[id] }; });
    var es = Object.keys(savedEdges).map(function (j) { var s = savedEdges[j]; return { id: +j, color: s.color, width: s.width }; });
    savedNodes = Object.create(null); savedEdges = Object.create(null);
    if (ns.length) M.nodes.update(ns);
    if (es.length) M.edges.update(es);
  }

  /* the rest of the map faded: nodes by their kind's faded group, edges grey */
  function applyFocus() {
    restoreLooks();
    var ns = [], es = [];
    M.nodes.get().forEach(function (it) {
      if (focusSet[it.id] || it.hidden || !it.group || /~faded$/.test(it.group)) return;
      savedNodes[it.id] = it.group;
      ns.push({ id: it.id, group: it.group + "~faded" });
    });
    var items = Object.create(null);
    M.edges.get().forEach(function (it) { items[it.id] = it; });
    E.forEach(function (e, j) {
      if (focusSet[N[e[0]][0]] && focusSet[N[e[1]][0]]) return;
      var it = items[j] || {};
      savedEdges[j] = { color: it.color === undefined ? null : it.color, width: it.width === undefined ? null : it.width };
      es.push({ id: j, color: { color: FADED_EDGE, highlight: FADED_EDGE, hover: FADED_EDGE }, width: 1 });
    });
    if (ns.length) M.nodes.update(ns);
    if (es.length) M.edges.update(es);
  }

  function focus(id, depth) {
    if (byId[id] === undefined) return false;
    focusOn = id;
    focusDepth = Math.max(1, Math.min(5, depth | 0 || 1));
    focusSet = within(byId[id], focusDepth);
    applyFocus();
    refit();
    showFocusBar();
    return true;
  }

  function back() {
    focusSet = null; focusOn = null;
    restoreLooks();
    showFocusBar();
    refit();
  }

  var focusBar = el("div", { id: "focus-bar", hidden: "" });
  document.getElementById("map").appendChild(focusBar);
  function showFocusBar() {
    focusBar.textContent = "";
    if (!focusSet) { focusBar.hidden = true; return; }
    focusBar.hidden = false;
    var n = visibleIds().filter(function (x) { return focusSet[x]; }).length;
    focusBar.appendChild(el("span", { text: t("focused").replace("{name}", M.labelOf(focusOn)).replace("{n}", String(n))
      .replace("{d}", String(focusDepth)).replace("{steps}", focusDepth === 1 ? "step" : "steps") }));
    var b = el("button", { type: "button", id: "focus-back", text: t("back") });
    b.addEventListener("click", back);
    focusBar.appendChild(b);
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && focusSet && ev.target === document.body) back();
  });

  /* ------------------------------------------------------------ node panel: focus and flows */

  var detail = document.getElementById("detail");

  function flowItem(j, other) {
    var e = E[j];
    var li = el("li", null, el("strong", { text: M.labelOf(N[other][0]) }), " ",
      el("span", { cls: "rel", text: M.relLabel(e[2]) }),
      e[3] ? el("span", { cls: "badge", text: t("inferred") }) : null);
    if (e[4]) li.appendChild(el("p", { cls: "why", text: M.why(e[4]) }));
    e[5].forEach(function (ev) { li.appendChild(el("blockquote", { text: M.quote(ev) })); });
    return li;
  }

  function panelFor(id) {
    var i = byId[id];
    var box = el("div", { id: "explore-node", "data-node": id });
    var depth = el("select", { id: "focus-depth", "aria-label": t("depth") });
    [1, 2, 3].forEach(function (d) {
      var o = el("option", { value: String(d), text: String(d) });
      if (d === focusDepth) o.selected = true;
      depth.appendChild(o);
    });
    var go = el("button", { type: "button", id: "focus-go", text: t("focus") });
    go.addEventListener("click", function () { focus(id, +depth.value); });
    box.appendChild(el("div", { cls: "focus-row" }, go, el("label", null, " " + t("depth") + " ", depth)));
    [["flowsIn", 1, 0], ["flowsOut", 0, 1]].forEach(function (spec) {
      var list = el("ul", { cls: "flows", "data-dir": spec[0] });
      E.forEach(function (e, j) { if (FLOWS[e[2]] && e[spec[1]] === i) list.appendChild(flowItem(j, e[spec[2]])); });
      if (!list.childNodes.length) list.appendChild(el("li", { cls: "muted", text: t("noFlows") }));
      box.appendChild(el("h3", { text: t(spec[0]) }));
      box.appendChild(list);
    });
    return box;
  }

  /* map.js rebuilds the panel on every selection and language switch: add ours after it */
  function decorate() {
    var sel = network.getSelectedNodes();
    var shown = detail.querySelector(".name");
    var mine = document.getElementById("explore-node");
    if (!shown || sel.length !== 1 || byId[sel[0]] === undefined) { if (mine) mine.remove(); return; }
    if (mine && mine.getAttribute("data-node") === sel[0] && mine.getAttribute("data-lang") === M.lang()) return;
    if (mine) mine.remove();
    var box = panelFor(sel[0]);
    box.setAttribute("data-lang", M.lang());
    detail.appendChild(box);
  }
  new MutationObserver(decorate).observe(detail, { childList: true });

  /* ------------------------------------------------------------ search: near matches */

  /* Python's difflib.SequenceMatcher(None, a, b).ratio() over code points, as
     difflib.get_close_matches scores a name a (the query is b; no junk: queries are short) */
  function ratio(a, b) {
    var b2j = Object.create(null);
    b.forEach(function (c, j) { (b2j[c] = b2j[c] || []).push(j); });
    var matched = 0, queue = [[0, a.length, 0, b.length]];
    while (queue.length) {
      var q = queue.pop(), alo = q[0], ahi = q[1], blo = q[2], bhi = q[3];
      var besti = alo, bestj = blo, best = 0, j2len = Object.create(null);
      for (var i = alo; i < ahi; i++) {
        var next = Object.create(null), js = b2j[a[i]] || [];
        for (var x = 0; x < js.length; x++) {
          var j = js[x];
          if (j < blo) continue;
          if (j >= bhi) break;
          var k = next[j] = (j2len[j - 1] || 0) + 1;
          if (k > best) { besti = i - k + 1; bestj = j - k + 1; best = k; }
        }
        j2len = next;
      }
      if (best) {
        matched += best;
        if (alo < besti && blo < bestj) queue.push([alo, besti, blo, bestj]);
        if (besti + best < ahi && bestj + best < bhi) queue.push([besti + best, ahi, bestj + best, bhi]);
      }
    }
    var total = a.length + b.length;
    return total ? 2 * matched / total : 1;
  }

  /* name (lower case) -> the first node it names, as kb._names: ids win over labels */
  var names = new Map();
  N.forEach(function (n) { [n[3], n[4]].forEach(function (s) { s = (s || "").trim().toLowerCase(); if (s && !names.has(s)) names.set(s, n[0]); }); });
  N.forEach(function (n) { names.set(n[0].trim().toLowerCase(), n[0]); });
  var chars = new Map();
  names.forEach(function (_, k) { chars.set(k, Array.from(k)); });

  /* the node ids the command line would offer for `query`, best first */
  function near(query, limit) {
    var key = String(query).trim().toLowerCase().slice(0, 100);
    if (!key) return [];
    var b = Array.from(key), scored = [];
    names.forEach(function (_, k) {
      var a = chars.get(k);
      if (2 * Math.min(a.length, b.length) / (a.length + b.length) < 0.5) return;  /* real_quick_ratio */
      var r = ratio(a, b);
      if (r >= 0.5) scored.push([r, k]);
    });
    /* heapq.nlargest over (score, name): higher score, then the larger name in code-point order */
    scored.sort(function (x, y) { return y[0] - x[0] || (x[1] < y[1] ? 1 : x[1] > y[1] ? -1 : 0); });
    var keys = scored.slice(0, 5).map(function (s) { return s[1]; });
    names.forEach(function (_, k) { if ((k.indexOf(key) >= 0 || key.indexOf(k) >= 0) && keys.indexOf(k) < 0) keys.push(k); });
    var out = [];
    keys.forEach(function (k) { var id = names.get(k); if (out.indexOf(id) < 0) out.push(id); });
    return out.slice(0, limit || 8);
  }

  var search = document.getElementById("search"), results = document.getElementById("results");
  var nearIds = [];

  function addNear() {
    Array.prototype.forEach.call(results.querySelectorAll(".near, .near-head"), function (x) { x.remove(); });
    nearIds = [];
    if (!search.value.trim()) return;
    var exact = Array.prototype.map.call(results.querySelectorAll("button[data-id]"), function (b) { return b.getAttribute("data-id"); });
    nearIds = near(search.value).filter(function (id) { return exact.indexOf(id) < 0; });
    if (!nearIds.length) return;
    var none = results.querySelector(".none");
    if (none) none.remove();
    results.appendChild(el("li", { cls: "near-head", text: exact.length ? t("nearMore") : t("near") }));
    nearIds.forEach(function (id) {
      var i = byId[id], other = M.lang() === "zh" ? (N[i][4] || N[i][3]) : (N[i][3] || N[i][4]);
      var b = el("button", { type: "button", "data-id": id, "data-near": "1" }, M.labelOf(id) + " ",
        el("small", { text: (other && other !== M.labelOf(id) ? other + " \u00b7 " : "") + M.kindName(N[i][1]) }));
      b.addEventListener("click", function () { M.select(id); });
      results.appendChild(el("li", { cls: "near" }, b));
    });
    results.hidden = false;
  }
  search.addEventListener("input", addNear);
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && nearIds.length && !results.querySelector("button[data-id]:not([data-near])")) {
      ev.preventDefault();
      M.select(nearIds[0]);
    }
  });

  /* ------------------------------------------------------------ language */

  function relang() {
    buildViewBar();
    if (search.value) addNear();
    showFocusBar();
    decorate();
  }
  var lastLang = pageLang();
  new MutationObserver(function () { if (pageLang() !== lastLang) { lastLang = pageLang(); relang(); } })
    .observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  buildViewBar();

  /* the page opens on the readable view (a map with no products shows everything) */
  if (N.some(function (n) { return DATA.kinds[n[1]].kind === "product"; })) readableView();
  else refit();

  window.ccareExplore = { focus: focus, back: back, near: near, ratio: function (a, b) { return ratio(Array.from(a), Array.from(b)); },
    readable: readableView, all: everyKind, focused: function () { return focusSet ? Object.keys(focusSet).sort() : null; } };
})();

/* ccare map page.
 * Reads the map from the JSON element #ccare-data and draws it with vis-network.
 * Data only ever reaches the page as text: textContent, vis labels (canvas) and vis
 * tooltips given as strings (vis sets them with innerText), never parsed as markup.
 */
(function () {
  "use strict";

  var mark = function (name) { if (window.performance && performance.mark) performance.mark("ccare:" + name); };
  mark("start");
  var DATA = JSON.parse(document.getElementById("ccare-data").textContent);
  mark("parsed");

  var UI = {
    en: {
      search: "Search labels (中文 or English)…", answer: "Query result", fade: "Fade the rest of the map",
      types: "Node types", needFilter: "Need", allNeeds: "All needs", selected: "Selected",
      hint: "Click a node or an edge to see its evidence.", noMatch: "No match",
      type: "type", needs: "needs", values: "values", domains: "domains", evidence: "evidence",
      inferred: "inferred", why: "why", relation: "relation", id: "id",
      loop: "Operating loop", path: "Path", prescription: "Prescription", add: "Add",
      products: "products", keyHas: "green ring: products the merchant has", keyAdd: "orange dashed ring: products to add",
      keyLoop: "black ring: the loop's other products",
      alreadyCloses: "the merchant's products already close this loop",
      userFlow: "users flow", dataFlow: "data flows", otherRel: "other relations", dashed: "dashed: inferred",
      more: "more", colon: ": ", line: "line {n}", sourceLine: "{source}, line {n}"
    },
    zh: {
      search: "搜索名称（中文或英文）…", answer: "查询结果", fade: "淡化地图其余部分",
      types: "节点类型", needFilter: "诉求", allNeeds: "全部诉求", selected: "选中",
      hint: "点击节点或连线查看证据。", noMatch: "无匹配",
      type: "类型", needs: "诉求", values: "价值", domains: "所在域", evidence: "证据",
      inferred: "推断", why: "理由", relation: "关系", id: "编号",
      loop: "经营闭环", path: "路径", prescription: "处方", add: "新增",
      products: "个产品", keyHas: "绿圈：商家已有的产品", keyAdd: "橙色虚线圈：需新增的产品",
      keyLoop: "黑圈：闭环上的其他产品",
      alreadyCloses: "商家现有产品已闭合此环",
      userFlow: "用户流向", dataFlow: "数据流向", otherRel: "其他关系", dashed: "虚线：推断",
      more: "更多", colon: "：", line: "第 {n} 行", sourceLine: "{source} 第 {n} 行"
    }
  };

  var FLOW_COLOURS = { userFlowsTo: "#1677ff", dataFlowsTo: "#2ca02c" };
  var OTHER_EDGE = "#c3c9d1";
  var FADED = { node: { background: "#eef0f3", border: "#dfe3e8" }, font: "#c5cad1", edge: "#e6e9ed" };
  var HL = { border: "#111111", edge: "#e8590c", added: "#e8590c", has: "#1a7f37", dropped: "#cf222e" };

  var lang = DATA.lang === "zh" ? "zh" : "en";
  var kinds = DATA.kinds;
  var N = DATA.nodes, E = DATA.edges;
  var hl = null;
  var hlNodes, hlAdded, hlHas, hlDropped;
  var byId = Object.create(null);
  N.forEach(function (n, i) { byId[n[0]] = i; });
  /* the edge a step of the highlight follows, by "from\0to\0relation" */
  var edgeOf = new Map();
  E.forEach(function (e, j) { edgeOf.set(N[e[0]][0] + "\u0000" + N[e[1]][0] + "\u0000" + e[2], j); });
  var stepOf = E.map(function (e) { return e[6]; });

  /* what a result emphasises: its nodes, the products to add (orange, dashed) and the
     merchant's own products (green), each step's edge numbered */
  function useHighlight(h) {
    hl = h || null;
    hlNodes = Object.create(null); hlAdded = Object.create(null); hlHas = Object.create(null);
    hlDropped = Object.create(null);
    stepOf = E.map(function () { return -1; });
    if (!hl) return;
    hl.nodes.forEach(function (id) { hlNodes[id] = true; });
    (hl.added || []).forEach(function (id) { hlNodes[id] = true; hlAdded[id] = true; });
    /* a prescription's loop holds only what the merchant has (or takes for granted, as
       payment) and what it adds: a saved one (ccare prescribe --html) rings the rest green */
    var has = hl.has || (hl.kind === "prescription" ? hl.nodes.filter(function (id) { return !hlAdded[id]; }) : []);
    has.forEach(function (id) { if (byId[id] !== undefined) { hlNodes[id] = true; hlHas[id] = true; } });
    (hl.dropped || []).forEach(function (id) { if (byId[id] !== undefined) { hlNodes[id] = true; hlDropped[id] = true; } });
    hl.steps.forEach(function (s, i) {
      var j = edgeOf.get(s.from + "\u0000" + s.to + "\u0000" + s.relation);
      if (j === undefined && s.relation === "combinesWith") j = edgeOf.get(s.to + "\u0000" + s.from + "\u0000" + s.relation);
      if (j !== undefined && stepOf[j] < 0) stepOf[j] = i;
    });
  }
  useHighlight(DATA.highlight);
  stepOf = E.map(function (e) { return e[6]; });

  /* ---------------------------------------------------------------- helpers */

  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") e.textContent = attrs[k];
        else if (k === "cls") e.className = attrs[k];
        else e.setAttribute(k, attrs[k]);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }

  function t(key) { return UI[lang][key]; }

  function nodeLabel(i, l) {
    var n = N[i];
    var zh = n[3], en = n[4];
    return ((l || lang) === "zh" ? (zh || en) : (en || zh)) || n[0];
  }

  /* long labels broken into lines on the canvas, so neighbours do not overlap */
  function wrap(text, width) {
    if (text.length <= width || text.indexOf(" ") < 0) return text;
    var out = [], line = "";
    text.split(" ").forEach(function (w) {
      if (line && (line + " " + w).length > width) { out.push(line); line = w; }
      else line = line ? line + " " + w : w;
    });
    if (line) out.push(line);
    return out.join("\n");
  }

  function labelOf(id) { return (byId[id] !== undefined) ? nodeLabel(byId[id]) : id; }

  function relLabel(key) {
    var r = DATA.relations[key];
    return (r && (r[lang] || r.en)) || key;
  }

  /* a source by its short name in the page's language ("openday 文章"), else its id */
  function sourceName(id) {
    var s = DATA.sources && DATA.sources[id];
    return (s && (s[lang] || s.en || s.zh)) || id;
  }

  /* evidence as a reader cites it: openday 文章 第 25 行 “…” / openday article, line 25 “…” */
  function quote(ev) {
    var where;
    if (ev[1] === null || ev[1] === undefined) where = sourceName(ev[0]);
    else if (ev[0]) where = t("sourceLine").replace("{source}", sourceName(ev[0])).replace("{n}", ev[1]);
    else where = t("line").replace("{n}", ev[1]);
    return where + " \u201c" + ev[2] + "\u201d";
  }

  /* a rationale in the page's language, where the map gives it in both */
  function why(text) {
    var r = DATA.rationales && DATA.rationales[text];
    return (r && (r[lang] || text)) || text;
  }

  function kindName(k) { return kinds[k][lang]; }

  /* ---------------------------------------------------------------- tooltips */

  function nodeTitle(i) {
    var n = N[i], lines = [nodeLabel(i)];
    var other = nodeLabel(i, lang === "zh" ? "en" : "zh");
    if (other !== lines[0]) lines.push(other);
    lines.push(t("type") + t("colon") + kindName(n[1]) + (n[2] ? " (" + n[2] + ")" : ""));
    if (n[5].length) lines.push(t("needs") + t("colon") + n[5].join(", "));
    if (n[6].length) lines.push(t("values") + t("colon") + n[6].map(labelOf).join(", "));
    if (n[7].length) lines.push(t("domains") + t("colon") + n[7].map(labelOf).join(", "));
    if (n[8].length) {
      lines.push(t("evidence") + t("colon").trim());
      n[8].slice(0, 4).forEach(function (ev) { lines.push("  " + quote(ev)); });
      if (n[8].length > 4) lines.push("  … +" + (n[8].length - 4) + " " + t("more"));
    }
    return lines.join("\n");
  }

  function edgeTitle(j) {
    var e = E[j];
    var lines = [nodeLabel(e[0]) + " \u2192 " + nodeLabel(e[1]),
      relLabel(e[2]) + (e[3] ? " [" + t("inferred") + "]" : "")];
    if (e[4]) lines.push(t("why") + t("colon") + why(e[4]));
    e[5].slice(0, 4).forEach(function (ev) { lines.push("  " + quote(ev)); });
    return lines.join("\n");
  }

  /* ---------------------------------------------------------------- styles */

  var fade = !!hl;
  var hiddenKinds = {};
  var needFilter = "";

  /* Kinds are vis "groups" (a faded twin for each), so most nodes carry no style of
     their own: vis merges per-node options one by one, which is what makes big maps slow. */
  var groups = {};
  kinds.forEach(function (k) {
    var hover = { background: k.color, border: "#111" };
    groups[k.kind] = { shape: k.shape, size: k.size, borderWidth: 1.5, font: { size: k.font, color: "#1f2328" },
      color: { background: k.color, border: k.color, highlight: hover, hover: hover } };
    groups[k.kind + "~faded"] = { shape: k.shape, size: k.size, borderWidth: 1.5, font: { size: k.font, color: FADED.font },
      color: { background: FADED.node.background, border: FADED.node.border, highlight: hover, hover: hover } };
  });

  function isHidden(i) {
    var n = N[i];
    return !(hl && hlNodes[n[0]]) && (!!hiddenKinds[n[1]] || (needFilter !== "" && n[11].indexOf(needFilter) < 0));
  }

  /* the node's look: its group, or the emphasis of a query result */
  function nodeStyle(i) {
    var n = N[i], k = kinds[n[1]], id = n[0];
    var s = { id: id, group: k.kind, hidden: isHidden(i) };
    if (hl && hlNodes[id]) {
      var ring = hlDropped[id] ? HL.dropped : hlAdded[id] ? HL.added : hlHas[id] ? HL.has : HL.border;
      s.borderWidth = 5;
      s.size = k.size * 1.35;
      s.font = { color: "#111", size: k.font + 3, bold: true };
      s.color = { background: k.color, border: ring, highlight: { background: k.color, border: ring },
        hover: { background: k.color, border: ring } };
      if (hlAdded[id] || hlDropped[id]) s.shapeProperties = { borderDashes: hlDropped[id] ? [2, 3] : [6, 4] };
    } else if (hl && fade) {
      s.group = k.kind + "~faded";
    }
    return s;
  }

  var pairCount = {}, pairSeen = {};
  if (DATA.smooth) {
    E.forEach(function (e) {
      var key = Math.min(e[0], e[1]) + "-" + Math.max(e[0], e[1]);
      pairCount[key] = (pairCount[key] || 0) + 1;
    });
  }

  /* on big maps only flows and a result's steps carry arrowheads: drawing an arrowhead
     costs vis-network more than drawing its edge, and the other relations read one way */
  var big = N.length > 1500;
  var ARROW = { to: { enabled: true, scaleFactor: 0.55 } };

  /* the edge's look: other relations take the network's default (faded with the map) */
  function edgeStyle(j) {
    var e = E[j], flow = FLOW_COLOURS[e[2]];
    var s = { id: j };
    if (big && (flow || stepOf[j] >= 0)) s.arrows = ARROW;
    if (stepOf[j] >= 0) {
      s.width = 4.5;
      s.color = { color: HL.edge, highlight: HL.edge, hover: HL.edge };
      s.label = (stepOf[j] + 1) + ". " + relLabel(e[2]);
      s.font = { size: 20, color: "#b3400a", strokeWidth: 0, background: "rgba(255,255,255,0.9)", align: "horizontal" };
    } else if (flow) {
      s.width = 1.8;
      s.color = { color: hl && fade ? FADED.edge : flow, highlight: flow, hover: flow };
    }
    return s;
  }

  function otherEdgeColour() {
    return { color: hl && fade ? FADED.edge : OTHER_EDGE, highlight: "#6e7781", hover: "#6e7781" };
  }

  function smoothFor(j) {
    if (!DATA.smooth) return false;
    var e = E[j], key = Math.min(e[0], e[1]) + "-" + Math.max(e[0], e[1]);
    if (pairCount[key] < 2) return false;
    var i = pairSeen[key] = (pairSeen[key] || 0) + 1;
    var cw = (i % 2 === 1) === (e[0] < e[1]);
    return { enabled: true, type: cw ? "curvedCW" : "curvedCCW", roundness: 0.14 * Math.ceil(i / 2) };
  }

  /* ---------------------------------------------------------------- network */

  /* On big maps labels come when the view gets close enough to read them: measuring
     every label is half of what vis-network spends before a big map is first drawn. */
  var lazyLabels = big, labelled = Object.create(null);  // by id: "__proto__" is an id like any other
  function labelFor(i) { return wrap(nodeLabel(i), 18); }

  var shown = {};  /* node index -> "group[/hidden]" as last drawn */
  var nodeItems = N.map(function (n, i) {
    var s = nodeStyle(i);
    shown[i] = s.group + (s.hidden ? "/hidden" : "");
    if (!lazyLabels || (hl && hlNodes[n[0]])) { s.label = labelFor(i); labelled[n[0]] = true; }
    s.x = n[9]; s.y = n[10]; s.title = nodeTitle(i);
    if (!s.hidden) delete s.hidden;
    return s;
  });
  var edgeItems = E.map(function (e, j) {
    var s = edgeStyle(j);
    s.from = N[e[0]][0]; s.to = N[e[1]][0]; s.title = edgeTitle(j);
    if (e[3]) s.dashes = true;
    var sm = smoothFor(j);
    if (sm) s.smooth = sm;
    return s;
  });
  mark("items");
  var nodes = new vis.DataSet(nodeItems);
  var edges = new vis.DataSet(edgeItems);
  mark("datasets");
  var container = document.getElementById("map");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, {
    autoResize: true,
    physics: { enabled: false },
    layout: { improvedLayout: false, randomSeed: 1 },
    interaction: { hover: !big, tooltipDelay: 150, hideEdgesOnDrag: big, hideEdgesOnZoom: big,
      keyboard: false, multiselect: false, navigationButtons: false },
    groups: groups,
    nodes: { font: { face: DATA.font, strokeWidth: 3, strokeColor: "#ffffff" } },
    edges: { arrows: big ? { to: { enabled: false } } : ARROW, selectionWidth: 1.5, hoverWidth: 0.8,
      smooth: false, width: 1, color: otherEdgeColour(), font: { face: DATA.font } }
  });

  mark("network");
  var readyOnce = false;
  network.on("afterDrawing", function () {
    if (readyOnce) return;
    readyOnce = true;
    mark("drawn");
    window.ccareReadyAt = performance.now();
    window.ccareReady = true;
    document.body.setAttribute("data-ready", "1");
  });

  /* label the nodes inside the view (at most 3,000 at a time) once it is zoomed in */
  var LABEL_SCALE = 0.3;
  function labelView() {
    if (!lazyLabels || network.getScale() < LABEL_SCALE) return;
    var a = network.DOMtoCanvas({ x: 0, y: 0 });
    var b = network.DOMtoCanvas({ x: container.clientWidth, y: container.clientHeight });
    var changed = [];
    for (var i = 0; i < N.length && changed.length < 3000; i++) {
      var n = N[i];
      if (!labelled[n[0]] && n[9] >= a.x && n[9] <= b.x && n[10] >= a.y && n[10] <= b.y) {
        labelled[n[0]] = true;
        changed.push({ id: n[0], label: labelFor(i) });
      }
    }
    if (changed.length) nodes.update(changed);
  }
  var labelTimer = null;
  function labelSoon() { clearTimeout(labelTimer); labelTimer = setTimeout(labelView, 120); }
  network.on("zoom", labelSoon);
  network.on("dragEnd", labelSoon);
  network.on("animationFinished", labelView);

  function fitView() {
    if (hl && N.length > 300) network.fit({ nodes: Object.keys(hlNodes), animation: false });
    else network.fit({ animation: false });
  }
  fitView();

  /* ---------------------------------------------------------------- restyling */

  /* update only the nodes whose group or visibility changed (big maps stay quick) */
  function restyleNodes() {
    var changed = [];
    N.forEach(function (n, i) {
      var s = nodeStyle(i), key = s.group + (s.hidden ? "/hidden" : "");
      if (shown[i] !== key) { shown[i] = key; changed.push(s); }
    });
    if (changed.length) nodes.update(changed);
  }

  function restyleEdges() {
    network.setOptions({ edges: { color: otherEdgeColour() } });
    var changed = [];
    E.forEach(function (e, j) { if (stepOf[j] < 0 && FLOW_COLOURS[e[2]]) changed.push(edgeStyle(j)); });
    edges.update(changed);
  }

  function relabel() {
    nodes.update(N.map(function (n, i) {
      var u = { id: n[0], title: nodeTitle(i) };
      if (labelled[n[0]]) u.label = labelFor(i);
      return u;
    }));
    edges.update(E.map(function (e, j) {
      var u = { id: j, title: edgeTitle(j) };
      if (stepOf[j] >= 0) u.label = (stepOf[j] + 1) + ". " + relLabel(e[2]);
      return u;
    }));
  }

  /* Draw another result on the map (or none): nodes and edges it touches, before or
     after, get their look again; options a node had only as part of a result are reset
     with null, so its group's look comes back. */
  function setHighlight(h) {
    var before = hlNodes, beforeSteps = stepOf;
    useHighlight(h);
    fade = !!hl;
    document.getElementById("fade").checked = fade;
    var touched = [];
    N.forEach(function (n, i) {
      var id = n[0];
      var s = nodeStyle(i);
      shown[i] = s.group + (s.hidden ? "/hidden" : "");
      if (before[id] || hlNodes[id]) {
        if (!hlNodes[id]) { s.borderWidth = null; s.size = null; s.font = null; s.color = null; s.shapeProperties = null; }
        if (hlNodes[id] && !labelled[id]) { labelled[id] = true; s.label = labelFor(i); }
        s.hidden = !!s.hidden;
      }
      touched.push(s);
    });
    nodes.update(touched);
    network.setOptions({ edges: { color: otherEdgeColour() } });
    var changed = [];
    E.forEach(function (e, j) {
      if (beforeSteps[j] < 0 && stepOf[j] < 0 && !FLOW_COLOURS[e[2]]) return;
      var s = edgeStyle(j);
      if (stepOf[j] < 0) {
        s.label = null; s.font = null;
        if (!FLOW_COLOURS[e[2]]) { s.width = null; s.color = null; }
        if (!big) s.arrows = null;
      }
      changed.push(s);
    });
    edges.update(changed);
    buildAnswer();
    if (hl) {
      var ids = Object.keys(hlNodes);
      network.fit({ nodes: ids, animation: false });
      if (network.getScale() > 1.6) network.moveTo({ scale: 1.6 });
      labelView();
    }
  }

  /* ---------------------------------------------------------------- side panel */

  var SVG = "http://www.w3.org/2000/svg";
  function swatch(k) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "18"); svg.setAttribute("height", "18"); svg.setAttribute("viewBox", "0 0 18 18");
    var shapes = {
      dot: ["circle", { cx: 9, cy: 9, r: 7 }],
      diamond: ["polygon", { points: "9,1 17,9 9,17 1,9" }],
      square: ["rect", { x: 2, y: 2, width: 14, height: 14 }],
      triangle: ["polygon", { points: "9,1 17,16 1,16" }],
      triangleDown: ["polygon", { points: "1,2 17,2 9,17" }],
      hexagon: ["polygon", { points: "5,2 13,2 17,9 13,16 5,16 1,9" }],
      star: ["polygon", { points: "9,1 11,7 17,7 12,11 14,17 9,13 4,17 6,11 1,7 7,7" }]
    };
    var sh = shapes[k.shape] || shapes.dot;
    var s = document.createElementNS(SVG, sh[0]);
    Object.keys(sh[1]).forEach(function (a) { s.setAttribute(a, sh[1][a]); });
    s.setAttribute("fill", k.color);
    svg.appendChild(s);
    return svg;
  }

  function lineSwatch(colour, dashed) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "26"); svg.setAttribute("height", "10");
    var l = document.createElementNS(SVG, "line");
    [["x1", 1], ["y1", 5], ["x2", 25], ["y2", 5], ["stroke", colour], ["stroke-width", 2]].forEach(function (a) { l.setAttribute(a[0], a[1]); });
    if (dashed) l.setAttribute("stroke-dasharray", "4 3");
    svg.appendChild(l);
    return svg;
  }

  function buildLegend() {
    var ul = document.getElementById("legend");
    ul.textContent = "";
    kinds.forEach(function (k, i) {
      if (!k.count) return;
      var box = el("input", { type: "checkbox", "data-kind": k.kind });
      box.checked = !hiddenKinds[i];
      box.addEventListener("change", function () {
        if (box.checked) delete hiddenKinds[i]; else hiddenKinds[i] = true;
        restyleNodes();
      });
      ul.appendChild(el("li", null, el("label", null, box, swatch(k), el("span", { text: k[lang] }),
        el("span", { cls: "count", text: String(k.count) }))));
    });
    var el2 = document.getElementById("edge-legend");
    el2.textContent = "";
    el2.appendChild(el("li", null, lineSwatch(FLOW_COLOURS.userFlowsTo), el("span", { text: t("userFlow") })));
    el2.appendChild(el("li", null, lineSwatch(FLOW_COLOURS.dataFlowsTo), el("span", { text: t("dataFlow") })));
    el2.appendChild(el("li", null, lineSwatch(OTHER_EDGE), el("span", { text: t("otherRel") })));
    el2.appendChild(el("li", null, lineSwatch("#57606a", true), el("span", { text: t("dashed") })));
  }

  function buildNeedSelect() {
    var sel = document.getElementById("need");
    sel.textContent = "";
    sel.appendChild(el("option", { value: "", text: t("allNeeds") }));
    DATA.needs.forEach(function (nd) {
      var o = el("option", { value: nd.code, text: nd.code + " \u00b7 " + (nd[lang] || nd.code) });
      sel.appendChild(o);
    });
    sel.value = needFilter;
  }
  document.getElementById("need").addEventListener("change", function (ev) {
    needFilter = ev.target.value;
    restyleNodes();
  });

  function evidenceBlock(list) {
    var frag = document.createDocumentFragment();
    list.forEach(function (ev) { frag.appendChild(el("blockquote", { text: quote(ev) })); });
    return frag;
  }

  function buildAnswer() {
    var box = document.getElementById("answer");
    box.hidden = !hl;
    if (!hl) return;
    var sum = document.getElementById("answer-summary");
    sum.textContent = "";
    var head = t(hl.kind) + " \u00b7 " + hl.nodes.length + " " + t("products");
    if (hl.needs.length) head += " \u00b7 " + t("needs") + t("colon") + hl.needs.join(", ");
    sum.appendChild(el("strong", { text: head }));
    if (hl.kind === "prescription") {
      sum.appendChild(el("br"));
      sum.appendChild(document.createTextNode(hl.added.length
        ? t("add") + t("colon") + hl.added.map(labelOf).join(lang === "zh" ? "\u3001" : ", ")
        : t("alreadyCloses")));
      sum.appendChild(el("br"));
      sum.appendChild(el("small", { text: t("keyHas") + " \u00b7 " + t("keyAdd") + " \u00b7 " + t("keyLoop") }));
    }
    var ol = document.getElementById("steps");
    ol.textContent = "";
    hl.steps.forEach(function (s, i) {
      var li = el("li", { "data-step": String(i) },
        el("div", null, el("strong", { text: labelOf(s.from) + " \u2192 " + labelOf(s.to) })),
        el("div", { cls: "rel" }, relLabel(s.relation), s.inferred ? el("span", { cls: "badge", text: t("inferred") }) : null));
      if (s.rationale) li.appendChild(el("p", { cls: "why", text: why(s.rationale) }));
      li.appendChild(evidenceBlock(s.evidence.map(function (e) { return [e.source, e.line, e.quote]; })));
      li.addEventListener("click", function () {
        var ids = edges.getIds({ filter: function (it) { return stepOf[it.id] === i; } });
        network.setSelection({ nodes: [s.from, s.to], edges: ids });
        network.fit({ nodes: [s.from, s.to], animation: { duration: 300 } });
      });
      ol.appendChild(li);
    });
  }
  document.getElementById("fade").addEventListener("change", function (ev) {
    fade = ev.target.checked;
    restyleNodes();
    restyleEdges();
  });

  var selected = null;
  function showDetail(kind, key) {
    selected = kind ? [kind, key] : null;
    var box = document.getElementById("detail");
    box.textContent = "";
    if (!kind) { box.appendChild(el("p", { cls: "hint", text: t("hint") })); return; }
    if (kind === "node") {
      var i = byId[key], n = N[i];
      var other = nodeLabel(i, lang === "zh" ? "en" : "zh");
      box.appendChild(el("div", { cls: "name", text: nodeLabel(i) }));
      if (other !== nodeLabel(i)) box.appendChild(el("div", { text: other }));
      var dl = el("dl");
      function row(k, v) { if (v) { dl.appendChild(el("dt", { text: t(k) })); dl.appendChild(el("dd", { text: v })); } }
      row("id", n[0]);
      row("type", kindName(n[1]) + (n[2] ? " (" + n[2] + ")" : ""));
      row("needs", n[5].join(", "));
      row("values", n[6].map(labelOf).join(", "));
      row("domains", n[7].map(labelOf).join(", "));
      box.appendChild(dl);
      box.appendChild(evidenceBlock(n[8]));
    } else {
      var e = E[key];
      box.appendChild(el("div", { cls: "name", text: nodeLabel(e[0]) + " \u2192 " + nodeLabel(e[1]) }));
      box.appendChild(el("div", null, relLabel(e[2]), e[3] ? el("span", { cls: "badge", text: t("inferred") }) : null));
      if (e[4]) box.appendChild(el("p", { cls: "why", text: why(e[4]) }));
      box.appendChild(evidenceBlock(e[5]));
    }
  }
  network.on("click", function (p) {
    if (p.nodes.length) showDetail("node", p.nodes[0]);
    else if (p.edges.length) showDetail("edge", p.edges[0]);
    else showDetail(null);
  });

  /* ---------------------------------------------------------------- search */

  var hay = N.map(function (n) { return (n[0] + "\u0000" + n[3] + "\u0000" + n[4]).toLowerCase(); });
  var search = document.getElementById("search");
  var results = document.getElementById("results");
  var matches = [];

  function select(id) {
    if (!(byId[id] !== undefined)) return;
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 1.1), animation: false });
    labelView();
    showDetail("node", id);
    results.hidden = true;
  }

  function runSearch() {
    var q = search.value.trim().toLowerCase();
    results.textContent = "";
    matches = [];
    if (!q) { results.hidden = true; return; }
    for (var i = 0; i < hay.length && matches.length < 12; i++) {
      if (hay[i].indexOf(q) >= 0) matches.push(i);
    }
    if (!matches.length) results.appendChild(el("li", { cls: "none", text: t("noMatch") }));
    matches.forEach(function (i) {
      var n = N[i];
      var b = el("button", { type: "button", "data-id": n[0] }, nodeLabel(i) + " ",
        el("small", { text: nodeLabel(i, lang === "zh" ? "en" : "zh") + " \u00b7 " + kindName(n[1]) }));
      b.addEventListener("click", function () { select(n[0]); });
      results.appendChild(el("li", null, b));
    });
    results.hidden = false;
  }
  search.addEventListener("input", runSearch);
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && matches.length) { ev.preventDefault(); select(N[matches[0]][0]); }
    if (ev.key === "Escape") { results.hidden = true; }
  });

  /* ---------------------------------------------------------------- language */

  function setLang(l, initial) {
    lang = l === "zh" ? "zh" : "en";
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    Array.prototype.forEach.call(document.querySelectorAll("[data-t]"), function (e) {
      e.textContent = t(e.getAttribute("data-t"));
    });
    Array.prototype.forEach.call(document.querySelectorAll("#langs button"), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === lang));
    });
    search.placeholder = t("search");
    if (DATA.titles && DATA.titles[lang]) {
      document.title = DATA.titles[lang];
      document.getElementById("title").textContent = DATA.titles[lang];
    }
    container.setAttribute("aria-label", document.title);
    buildLegend();
    buildNeedSelect();
    buildAnswer();
    if (!initial) relabel();
    if (search.value) runSearch();
    if (selected) showDetail(selected[0], selected[1]); else showDetail(null);
  }
  Array.prototype.forEach.call(document.querySelectorAll("#langs button"), function (b) {
    b.addEventListener("click", function () { setLang(b.getAttribute("data-lang")); });
  });

  var langListeners = [];
  Array.prototype.forEach.call(document.querySelectorAll("#langs button"), function (b) {
    b.addEventListener("click", function () { langListeners.forEach(function (f) { f(lang); }); });
  });

  setLang(lang, true);

  /* what the question panel (ask.js) uses to draw and to cite */
  window.ccareMap = { network: network, nodes: nodes, edges: edges, select: select,
    setLang: function (l) { setLang(l); langListeners.forEach(function (f) { f(lang); }); },
    highlight: hl, data: DATA, setHighlight: setHighlight, el: el, labelOf: labelOf, quote: quote, why: why,
    relLabel: relLabel, kindName: kindName, lang: function () { return lang; },
    onLang: function (f) { langListeners.push(f); },
    current: function () { return hl; } };
})();

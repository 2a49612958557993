/* ccare question engine: the library's prescribe, path, loops and whatif, in the page.
 *
 * A port of ccare.graph.loops / search / walks / prescribe / paths / whatif (Python) that
 * gives the same answers in the same order: every tie is broken by ids compared in
 * code-point order (cmp below), as Python compares str, never by localeCompare.  It reads
 * the page's own data (the #ccare-data JSON: nodes, edges, and "engine": raw kinds, roles
 * and the need of each value) and makes no request.  Plain ES2017, no dependencies.
 *
 * The whole engine is the function ccareEngineFactory, so the page can start it in a
 * Worker from a blob of its own source text (Function.prototype.toString), never eval.
 */
function ccareEngineFactory(scope) {
  "use strict";

  var NEED_CODES = ["SCALE", "ACTIVE", "WORTH", "EFFICIENCY"];
  var FLOW_RELATIONS = ["userFlowsTo", "dataFlowsTo"];
  var USER_ROUTE = ["userFlowsTo"];
  var ATTACHING = ["supports", "incentivises", "combinesWith"];
  var OFFERING_KINDS = ["product", "programme", "practice"];
  var BACKING = ["incentivises", "supports"];
  var PUBLIC = "public-domain", PRIVATE = "private-domain";
  var DEFAULT_MAX_LENGTH = 8, MAX_LENGTH = 20;
  var MAX_DP_BITS = 14;
  var ACQUIRE = "a|acquire";
  var SCALES = ["small", "medium", "large"], STAGES = ["exploring", "mature"];

  /* ------------------------------------------------------------ ordering */

  /* UTF-16 code units remapped so that comparing them orders strings by code point */
  function unit(c) { return c >= 0xD800 && c <= 0xDFFF ? c + 0x2000 : c >= 0xE000 ? c - 0x800 : c; }

  /* strings in code-point order, as Python compares str */
  function cmp(a, b) {
    if (a === b) return 0;
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n; i++) {
      var x = a.charCodeAt(i), y = b.charCodeAt(i);
      if (x !== y) return unit(x) < unit(y) ? -1 : 1;
    }
    return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
  }

  /* sort keys as Python compares tuples: numbers, booleans, strings, nested arrays */
  function cmpKey(a, b) {
    if (Array.isArray(a)) {
      var n = Math.min(a.length, b.length);
      for (var i = 0; i < n; i++) {
        var c = cmpKey(a[i], b[i]);
        if (c) return c;
      }
      return a.length - b.length;
    }
    if (typeof a === "string") return cmp(a, b);
    a = +a; b = +b;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function sorted(list, f) { return list.slice().sort(f || cmp); }
  function byKey(key) { return function (x, y) { return cmpKey(key(x), key(y)); }; }
  function popcount(m) { var c = 0; while (m) { m &= m - 1; c++; } return c; }

  /* ------------------------------------------------------------ errors and budget */

  function EngineError(code, message, id) {
    this.name = "EngineError";
    this.code = code;
    this.message = message;
    this.id = id;
  }
  EngineError.prototype = Object.create(Error.prototype);

  /* time (ms) and step limits shared by one search; cutShort says one was reached */
  function Budget(timeoutMs, maxSteps) {
    this.deadline = timeoutMs ? Date.now() + timeoutMs : null;
    this.maxSteps = maxSteps || null;
    this.steps = 0;
    this.cutShort = false;
    this.reason = null;
  }
  Budget.prototype.tick = function () {
    if (this.cutShort) return false;
    this.steps++;
    if (this.maxSteps !== null && this.steps > this.maxSteps) return this.stop("steps");
    if (this.deadline !== null && this.steps % 256 === 0 && Date.now() > this.deadline) return this.stop("time");
    return true;
  };
  Budget.prototype.expired = function () {
    if (!this.cutShort && this.deadline !== null && Date.now() > this.deadline) this.stop("time");
    return this.cutShort;
  };
  Budget.prototype.stop = function (reason) {
    this.cutShort = true;
    this.reason = this.reason || reason;
    return false;
  };

  /* ------------------------------------------------------------ the map */

  /* The map graph from the page data: nodes [id, kind index, type, zh, en, needs, values,
     domains, evidence, ...], edges [from, to, relation, inferred, rationale, evidence, ...]
     and data.engine {kind: [raw kind per node], roles: {id: [...]}, valueNeed: {id: code}}. */
  function Graph(data) {
    var X = data.engine || {};
    var self = this;
    this.ids = [];
    this.node = new Map();
    this.out = new Map();  // u -> Map(v -> Map(key -> edge))
    this.inn = new Map();  // v -> [[u, key, edge], ...]
    var roles = X.roles || {};
    data.nodes.forEach(function (n, i) {
      var id = String(n[0]);
      var r = Object.prototype.hasOwnProperty.call(roles, id) ? roles[id] : [];
      self.ids.push(id);
      self.node.set(id, {
        id: id, kind: X.kind ? X.kind[i] : null, roles: Array.isArray(r) ? r : [],
        zh: n[3] || "", en: n[4] || "", needs: n[5] || [], values: n[6] || [], domains: n[7] || [],
        evidence: n[8] || []
      });
      self.out.set(id, new Map());
      self.inn.set(id, []);
    });
    data.edges.forEach(function (e) {
      var u = self.ids[e[0]], v = self.ids[e[1]], key = String(e[2]);
      var edge = { key: key, inferred: !!e[3], rationale: e[4] === undefined ? null : e[4], evidence: e[5] || [] };
      var m = self.out.get(u);
      if (!m.has(v)) m.set(v, new Map());
      m.get(v).set(key, edge);
      self.inn.get(v).push([u, key, edge]);
    });
    this.valueNeed = new Map();
    var vn = X.valueNeed || {};
    Object.keys(vn).forEach(function (k) { self.valueNeed.set(k, vn[k]); });
    this.products = sorted(this.ids.filter(function (id) { return self.node.get(id).kind === "product"; }));
    this.provided = new Map();
    this.productSet = new Set(this.products);
  }
  Graph.prototype.has = function (id) { return this.node.has(id); };
  Graph.prototype.edges = function (u, v) { var m = this.out.get(u); return (m && m.get(v)) || null; };
  Graph.prototype.edge = function (u, v, key) { var m = this.edges(u, v); return (m && m.get(key)) || null; };
  Graph.prototype.label = function (id, lang) {
    var d = this.node.get(id);
    if (!d) return id;
    return (lang === "zh" ? d.zh : d.en) || d.en || d.zh || id;
  };

  function require(G, ids, kind) {
    ids.forEach(function (id) {
      if (!G.has(id)) throw new EngineError("unknown", "unknown " + (kind || "product") + " " + id, id);
    });
  }

  function evidenceOf(list) {
    return list.map(function (e) { return { source: e[0], line: e[1], quote: e[2] }; });
  }

  /* ------------------------------------------------------------ loop specs */

  function uniq(list) { var seen = new Set(); return list.filter(function (x) { if (seen.has(x)) return false; seen.add(x); return true; }); }

  function asList(v, name) {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new EngineError("usage", name + " must be a list of ids");
    return v.map(String);
  }

  /* a LoopSpec, checked and with defaults (needs in any case, deduplicated) */
  function loopSpec(o) {
    o = o || {};
    var needs = o.needs === undefined ? NEED_CODES.slice() : asList(o.needs, "needs").map(function (c) {
      var code = c.trim().toUpperCase();
      if (NEED_CODES.indexOf(code) < 0) throw new EngineError("usage", "unknown need " + c);
      return code;
    });
    var ml = o.maxLength === undefined ? DEFAULT_MAX_LENGTH : o.maxLength;
    if (typeof ml !== "number" || Math.floor(ml) !== ml || ml < 1 || ml > MAX_LENGTH) {
      throw new EngineError("usage", "max_length must be a whole number from 1 to " + MAX_LENGTH);
    }
    return {
      needs: uniq(needs), payment: o.payment === undefined ? true : !!o.payment,
      domains: o.domains === undefined ? true : !!o.domains,
      through: asList(o.through, "through"), without: asList(o.without, "without"), maxLength: ml,
      hub: o.hub ? String(o.hub) : null,
      relations: o.relations === undefined ? FLOW_RELATIONS.slice() : asList(o.relations, "relations"),
      profiles: asList(o.profiles, "profiles")
    };
  }

  function checkSpec(G, spec) {
    require(G, spec.through.concat(spec.without, spec.hub ? [spec.hub] : []));
    return spec;
  }

  function requiredOf(spec) {
    var out = new Set(spec.needs.map(function (c) { return "n|" + c; }));
    if (spec.domains) { out.add("d|" + PRIVATE); out.add(ACQUIRE); }
    return out;
  }

  function hubOf(G, spec) {
    if (spec && spec.hub) return spec.hub;
    if (G.hub === undefined) {
      var hubs = sorted(G.ids.filter(function (id) { return G.node.get(id).roles.indexOf("hub") >= 0; }));
      G.hub = hubs.length ? hubs[0] : null;
    }
    return G.hub;
  }

  /* what n brings to a loop (a set of items, kept per node: callers never change it) */
  function provides(G, n) {
    var known = G.provided.get(n);
    if (known) return known;
    var d = G.node.get(n);
    var out = new Set();
    G.provided.set(n, out);
    d.needs.forEach(function (c) { out.add("n|" + c); });
    d.domains.forEach(function (x) { out.add("d|" + x); });
    if (d.domains.indexOf(PUBLIC) >= 0 || d.roles.indexOf("entry") >= 0) out.add(ACQUIRE);
    return out;
  }

  function dataEnters(G, v) { return G.node.get(v).roles.indexOf("reach") >= 0; }

  function available(G, x, profiles, owned) {
    var suits = [];
    G.out.get(x).forEach(function (keys, v) { if (keys.has("suits")) suits.push(v); });
    return !suits.length || owned.has(x) || suits.some(function (v) { return profiles.indexOf(v) >= 0; });
  }

  function attachment(x, product, key, edge) {
    return { offering: x, product: product, relation: key, evidence: evidenceOf(edge.evidence),
      inferred: edge.inferred, rationale: edge.rationale };
  }

  /* the offerings that may be attached to product on a loop, by offering id */
  function attachments(G, product, spec, owned, cycleNodes) {
    var edges = [];
    G.inn.get(product).forEach(function (e) {
      if (ATTACHING.indexOf(e[1]) >= 0) edges.push([e[0], e[1], e[2], 0]);
    });
    var outs = G.out.get(product);
    outs.forEach(function (keys, x) { if (keys.has("combinesWith")) edges.push([x, "combinesWith", keys.get("combinesWith"), 1]); });
    edges.sort(byKey(function (e) { return [e[0], ATTACHING.indexOf(e[1]), e[3]]; }));
    var without = new Set(spec.without);
    var found = new Map();
    edges.forEach(function (e) {
      var x = e[0];
      if (x === product || without.has(x) || cycleNodes.has(x) || OFFERING_KINDS.indexOf(G.node.get(x).kind) < 0
          || !available(G, x, spec.profiles, owned)) return;
      var a = attachment(x, product, e[1], e[2]);
      var best = found.get(x);
      if (!best || cmpKey([a.inferred, -a.evidence.length], [best.inferred, -best.evidence.length]) < 0) found.set(x, a);
    });
    return sorted(Array.from(found.keys())).map(function (x) { return found.get(x); });
  }

  /* ------------------------------------------------------------ walks */

  function bestEdge(G, u, v, relations) {
    var m = G.edges(u, v);
    if (!m) return null;
    var best = null;
    m.forEach(function (edge, key) {
      if (relations.indexOf(key) < 0) return;
      var rank = [edge.inferred, -edge.evidence.length, relations.indexOf(key), key];
      if (!best || cmpKey(rank, best[0]) < 0) best = [rank, key, edge];
    });
    if (!best) return null;
    return { source: u, target: v, relation: best[1], evidence: evidenceOf(best[2].evidence),
      inferred: best[2].inferred, rationale: best[2].rationale };
  }

  function moves(step) { return step.relation === "userFlowsTo" ? "users" : step.relation === "dataFlowsTo" ? "data" : "other"; }

  function needsOf(G, nodes) {
    var have = new Set();
    nodes.forEach(function (n) { G.node.get(n).needs.forEach(function (c) { have.add(c); }); });
    return NEED_CODES.filter(function (c) { return have.has(c); });
  }

  function rotate(nodes, first) {
    if (!nodes.length) return nodes.slice();
    var i = first !== null && first !== undefined ? nodes.indexOf(first) : -1;
    if (i < 0) i = nodes.indexOf(sorted(nodes)[0]);
    return nodes.slice(i).concat(nodes.slice(0, i));
  }

  function Walk(nodes, steps, needs, closed, attached) {
    this.nodes = nodes; this.steps = steps; this.needs = needs; this.closed = closed; this.attached = attached || [];
    this.products = nodes.concat(this.attached.map(function (a) { return a.offering; }));
    this.inferredSteps = steps.filter(function (s) { return s.inferred; }).length;
    this.quotes = steps.reduce(function (q, s) { return q + s.evidence.length; }, 0);
  }

  function walk(G, nodes, closed, relations, attached) {
    relations = relations || FLOW_RELATIONS;
    attached = attached || [];
    var pairs = [];
    for (var i = 0; i + 1 < nodes.length; i++) pairs.push([nodes[i], nodes[i + 1]]);
    if (closed && nodes.length) pairs.push([nodes[nodes.length - 1], nodes[0]]);
    var steps = pairs.map(function (p) {
      var rels = dataEnters(G, p[1]) ? relations : relations.filter(function (r) { return r !== "dataFlowsTo"; });
      var st = bestEdge(G, p[0], p[1], rels);
      if (!st) throw new EngineError("internal", "no edge from " + p[0] + " to " + p[1]);
      return st;
    });
    return new Walk(nodes.slice(), steps, needsOf(G, nodes.concat(attached.map(function (a) { return a.offering; }))),
      !!closed, attached);
  }

  function loopRank(w) {
    var inferred = w.inferredSteps + w.attached.filter(function (a) { return a.inferred; }).length;
    var quotes = w.quotes + w.attached.reduce(function (q, a) { return q + a.evidence.length; }, 0);
    return [w.products.length, inferred, -quotes, w.nodes, w.attached.map(function (a) { return [a.offering, a.product]; })];
  }

  function distinct(loops) {
    var keyed = loops.map(function (w) { return [loopRank(w), w]; });
    keyed.sort(function (x, y) { return cmpKey(x[0], y[0]); });
    var out = [], seen = new Set();
    keyed.forEach(function (kw) {
      var w = kw[1];
      var key = JSON.stringify([w.nodes, sorted(w.attached.map(function (a) { return a.offering; }))]);
      if (!seen.has(key)) { seen.add(key); out.push(w); }
    });
    return out;
  }

  /* ------------------------------------------------------------ the cycle search */

  function CycleSearch(nodes, succ, prov, required, anchors, weight, members) {
    // nodes: variants, each with .str; succ/prov/weight/members: Maps by variant
    var self = this;
    this.order = nodes.slice().sort(function (a, b) { return cmp(a.str, b.str); });
    this.rank = new Map();
    this.order.forEach(function (n, i) { self.rank.set(n, i); });
    this.succ = new Map();
    this.pred = new Map();
    this.order.forEach(function (n) { self.pred.set(n, []); });
    this.order.forEach(function (n) {
      var vs = Array.from(new Set(succ.get(n) || [])).sort(function (a, b) { return self.rank.get(a) - self.rank.get(b); });
      self.succ.set(n, vs);
    });
    this.order.forEach(function (u) { self.succ.get(u).forEach(function (v) { self.pred.get(v).push(u); }); });
    var all = new Set(this.order);
    this.anchors = anchors.map(function (a) { return new Set(Array.from(a).filter(function (n) { return all.has(n); })); });
    var items = Array.from(required);
    var bit = new Map();
    items.forEach(function (it, i) { bit.set(it, 1 << i); });
    var nb = items.length;
    if (nb + this.anchors.length > 30) throw new EngineError("usage", "too many conditions for one loop search");
    this.anchorBits = this.anchors.map(function (_, j) { return 1 << (nb + j); });
    this.R = (1 << (nb + this.anchors.length)) - 1;
    this.mask = new Map();
    this.weight = new Map();
    this.members = new Map();
    this.order.forEach(function (n) {
      var m = 0;
      (prov.get(n) || new Set()).forEach(function (it) { m |= bit.get(it) || 0; });
      self.anchors.forEach(function (a, j) { if (a.has(n)) m |= self.anchorBits[j]; });
      self.mask.set(n, m);
      self.weight.set(n, (weight && weight.get(n)) || 0);
      self.members.set(n, members.get(n));
    });
    this.minCount = this.coverTable(function () { return 1; });
    this.minCost = this.coverTable(function (n) { return self.weight.get(n); });
  }

  CycleSearch.prototype.coverTable = function (cost) {
    var R = this.R, self = this;
    if (popcount(R) > MAX_DP_BITS) return null;
    var bestQ = new Map();
    this.order.forEach(function (n) {
      var q = self.mask.get(n) & R;
      if (q) bestQ.set(q, Math.min(bestQ.has(q) ? bestQ.get(q) : Infinity, cost(n)));
    });
    var qs = Array.from(bestQ.entries());
    var table = new Array(R + 1);
    table[0] = 0;
    for (var m = 1; m <= R; m++) {
      var low = m & -m, best = Infinity;
      for (var i = 0; i < qs.length; i++) {
        if (qs[i][0] & low) best = Math.min(best, qs[i][1] + table[m & ~qs[i][0]]);
      }
      table[m] = best;
    }
    return table;
  };

  CycleSearch.prototype.minNodes = function (missing) {
    if (this.minCount !== null) return this.minCount[missing];
    var R = this.R, self = this, widest = 0;
    this.order.forEach(function (n) { widest = Math.max(widest, popcount(self.mask.get(n) & R)); });
    widest = widest || 1;
    return Math.ceil(popcount(missing) / widest);
  };

  CycleSearch.prototype.minWeight = function (missing) { return this.minCost !== null ? this.minCost[missing] : 0; };

  CycleSearch.prototype.distancesTo = function (s, allowed, depth) {
    var dist = new Map([[s, 0]]), queue = [s], head = 0;
    while (head < queue.length) {
      var v = queue[head++], d = dist.get(v) + 1;
      if (d > depth) continue;
      var ps = this.pred.get(v);
      for (var i = 0; i < ps.length; i++) {
        var u = ps[i];
        if (allowed.has(u) && !dist.has(u)) { dist.set(u, d); queue.push(u); }
      }
    }
    return dist;
  };

  /* the smallest anchor set (of two as small, the one given last: a question's own
     condition, such as the merchant's products), else every node */
  CycleSearch.prototype.starts = function () {
    var self = this;
    if (this.anchors.length) {
      var smallest = null;
      this.anchors.forEach(function (a) { if (smallest === null || a.size <= smallest.size) smallest = a; });
      return Array.from(smallest).sort(function (a, b) { return self.rank.get(a) - self.rank.get(b); });
    }
    return this.order.slice();
  };

  /* every qualifying cycle once, in the order of the depth-first search */
  CycleSearch.prototype.cycles = function (o, budget) {
    var hi = o.maxLength, lo = o.minLength || 1;
    var cmax = o.maxCost === undefined ? null : o.maxCost, cmin = o.minCost === undefined ? null : o.minCost;
    var R = this.R, out = [], self = this;
    this.cutByCost = false;  /* whether cmax left a branch out: when not, no cycle costs more */
    if (this.anchors.some(function (a) { return a.size === 0; }) || this.minNodes(R) > hi) return out;
    if (cmax !== null && this.minWeight(R) > cmax) { this.cutByCost = true; return out; }
    var starts = this.starts();
    var startSet = new Set(starts);
    var avail = new Array(starts.length + 1).fill(0);
    this.order.forEach(function (n) { if (!startSet.has(n)) avail[starts.length] |= self.mask.get(n); });
    for (var i = starts.length - 1; i >= 0; i--) avail[i] = avail[i + 1] | this.mask.get(starts[i]);
    var allowed = new Set(this.order);
    for (i = 0; i < starts.length; i++) {
      if (budget.cutShort) return out;
      var s = starts[i];
      if (!(R & ~avail[i])) {
        var dist = this.distancesTo(s, allowed, hi - 1);
        this.dfs(s, allowed, dist, hi, lo, cmax, cmin, budget, out);
      }
      allowed.delete(s);
    }
    return out;
  };

  CycleSearch.prototype.dfs = function (s, allowed, dist, hi, lo, cmax, cmin, budget, out) {
    var R = this.R, members = this.members;
    var path = [s];
    var used = new Set(members.get(s));
    var stack = [[this.succ.get(s), 0, this.mask.get(s), this.weight.get(s)]];
    while (stack.length) {
      var top = stack[stack.length - 1];
      if (top[1] >= top[0].length) {
        stack.pop();
        members.get(path.pop()).forEach(function (m) { used.delete(m); });
        continue;
      }
      var w = top[0][top[1]++], mask = top[2], cost = top[3];
      if (!budget.tick()) return;
      var m = path.length;
      if (w === s) {
        if (lo <= m && (mask & R) === R && (cmin === null || cost >= cmin)) out.push(path.slice());
        continue;
      }
      if (!allowed.has(w) || !dist.has(w)) continue;
      var mw = members.get(w), clash = false;
      mw.forEach(function (x) { if (used.has(x)) clash = true; });
      if (clash) continue;
      var left = hi - (m + 1);
      if (left < 0 || dist.get(w) - 1 > left) continue;
      var mask2 = mask | this.mask.get(w);
      var missing = R & ~mask2;
      if (missing && this.minNodes(missing) > left) continue;
      var cost2 = cost + this.weight.get(w);
      if (cmax !== null && cost2 + (missing ? this.minWeight(missing) : 0) > cmax) { this.cutByCost = true; continue; }
      path.push(w);
      mw.forEach(function (x) { used.add(x); });
      stack.push([this.succ.get(w), 0, mask2, cost2]);
    }
  };

  /* ------------------------------------------------------------ loop search */

  function combinations(list, size) {
    var out = [], idx = [];
    for (var i = 0; i < size; i++) idx.push(i);
    if (size > list.length) return out;
    for (;;) {
      out.push(idx.map(function (j) { return list[j]; }));
      var k = size - 1;
      while (k >= 0 && idx[k] === k + list.length - size) k--;
      if (k < 0) return out;
      idx[k]++;
      for (var j = k + 1; j < size; j++) idx[j] = idx[j - 1] + 1;
    }
  }

  function inter(a, b) { var out = new Set(); a.forEach(function (x) { if (b.has(x)) out.add(x); }); return out; }
  function minus(a, b) { var out = new Set(); a.forEach(function (x) { if (!b.has(x)) out.add(x); }); return out; }
  function union(sets) { var out = new Set(); sets.forEach(function (s) { s.forEach(function (x) { out.add(x); }); }); return out; }
  function subset(a, b) { var ok = true; a.forEach(function (x) { if (!b.has(x)) ok = false; }); return ok; }

  function LoopSearch(G, spec, weight, extraAnchors, owned) {
    this.G = G; this.spec = spec;
    var hub = this.hub = hubOf(G, spec);
    var without = new Set(spec.without), rels = new Set(spec.relations);
    var required = this.required = requiredOf(spec);
    owned = new Set(owned || []);
    var succ = new Map();
    G.products.forEach(function (n) {
      if (without.has(n)) return;
      var vs = new Set();
      G.out.get(n).forEach(function (keys, v) {
        if (!G.productSet.has(v) || without.has(v) || v === n) return;
        keys.forEach(function (_, k) { if (rels.has(k) && (k !== "dataFlowsTo" || dataEnters(G, v))) vs.add(v); });
      });
      succ.set(n, sorted(Array.from(vs)));
    });
    var onFlows = new Set();
    succ.forEach(function (vs, n) { if (vs.length) onFlows.add(n); vs.forEach(function (v) { onFlows.add(v); }); });
    var variants = this.variants = new Map();
    var provOf = new Map();
    function prov(n) { if (!provOf.has(n)) provOf.set(n, provides(G, n)); return provOf.get(n); }
    sorted(Array.from(onFlows)).forEach(function (n) {
      var own = inter(prov(n), required);
      var useful = attachments(G, n, spec, owned, onFlows).filter(function (a) {
        return minus(inter(prov(a.offering), required), own).size > 0;
      });
      var vs = [{ product: n, attached: [], str: n }];
      for (var size = 1; size <= Math.min(useful.length, required.size); size++) {
        combinations(useful, size).forEach(function (combo) {
          var ok = combo.every(function (a) {
            var others = union(combo.filter(function (b) { return b !== a; }).map(function (b) { return prov(b.offering); }));
            return minus(minus(inter(prov(a.offering), required), own), others).size > 0;
          });
          if (ok) vs.push({ product: n, attached: combo, str: n + combo.map(function (a) { return "+" + a.offering; }).join("") });
        });
      }
      variants.set(n, vs);
    });
    var nodes = [];
    variants.forEach(function (vs) { nodes.push.apply(nodes, vs); });
    var vsucc = new Map(), vprov = new Map(), members = new Map(), vweight = weight ? new Map() : null;
    nodes.forEach(function (v) {
      var list = [];
      (succ.get(v.product) || []).forEach(function (m) { if (variants.has(m)) list.push.apply(list, variants.get(m)); });
      vsucc.set(v, list);
      vprov.set(v, union([prov(v.product)].concat(v.attached.map(function (a) { return prov(a.offering); }))));
      var mem = [v.product].concat(v.attached.map(function (a) { return a.offering; }));
      members.set(v, mem);
      if (vweight) vweight.set(v, mem.reduce(function (s, x) { return s + (weight.get(x) || 0); }, 0));
    });
    function lift(products) {
      var out = new Set();
      products.forEach(function (p) { (variants.get(p) || []).forEach(function (v) { out.add(v); }); });
      return out;
    }
    /* the nodes holding one of ids: as the product, or attached */
    function meet(ids) {
      var out = lift(ids), want = new Set(ids);
      nodes.forEach(function (v) { if (v.attached.some(function (a) { return want.has(a.offering); })) out.add(v); });
      return out;
    }
    var anchors = spec.through.map(function (p) { return lift([p]); });
    if (spec.payment) anchors.push(hub ? lift([hub]) : new Set());
    (extraAnchors || []).forEach(function (a) { anchors.push(meet(Array.from(a))); });
    this.search = new CycleSearch(nodes, vsucc, vprov, required, anchors, vweight, members);
  }

  LoopSearch.prototype.mostCost = function (length) {
    var s = this.search;
    var costs = s.order.map(function (v) { return s.weight.get(v); }).sort(function (a, b) { return b - a; });
    return costs.slice(0, length).reduce(function (x, y) { return x + y; }, 0);
  };

  /* the loops of the search within the bounds, as walks from the hub, each minimal */
  LoopSearch.prototype.cycles = function (o, budget) {
    var G = this.G, spec = this.spec, required = this.required, hub = this.hub;
    var out = [];
    this.search.cycles(o, budget).forEach(function (c) {
      var attached = [];
      c.forEach(function (v) { attached.push.apply(attached, v.attached); });
      if (attached.length) {
        var base = union(c.map(function (v) { return provides(G, v.product); }));
        var extra = attached.map(function (a) { return provides(G, a.offering); });
        for (var i = 0; i < attached.length; i++) {
          if (subset(required, union([base].concat(extra.filter(function (_, j) { return j !== i; }))))) return;
        }
      }
      var nodes = rotate(c.map(function (v) { return v.product; }), hub);
      var users = spec.relations.indexOf("userFlowsTo") >= 0 && nodes.some(function (u, i) {
        return !!G.edge(u, nodes[(i + 1) % nodes.length], "userFlowsTo");
      });
      if (!users) return;
      attached = attached.slice().sort(byKey(function (a) { return [nodes.indexOf(a.product), a.offering]; }));
      out.push(walk(G, nodes, true, spec.relations, attached));
    });
    return out;
  };

  /* ------------------------------------------------------------ the questions */

  /* a limit on how many answers to give: none (0) or a whole number from 1 */
  function positive(v, name) {
    if (v === undefined || v === null) return 0;
    if (typeof v !== "number" || Math.floor(v) !== v || v < 1) throw new EngineError("usage", name + " must be a whole number from 1");
    return v;
  }

  /* operating loops meeting the spec, ranked; {loops, cutShort}; with a limit, the first
     `limit` of them (searched one length at a time, as the library does, until enough) */
  function operatingLoops(G, spec, budget, limit) {
    spec = checkSpec(G, loopSpec(spec));
    limit = positive(limit, "limit");
    budget = budget || new Budget();
    var search = new LoopSearch(G, spec);
    var loops = [], more = false;
    for (var length = 1; length <= spec.maxLength; length++) {
      var level = search.cycles({ maxLength: length, minLength: length }, budget);
      loops = loops.concat(distinct(level));  // not push.apply: a level may hold 100,000 loops, over a Worker's stack
      if (budget.cutShort) break;
      if (limit && loops.length >= limit) { more = loops.length > limit || length < spec.maxLength; break; }
    }
    return { loops: limit ? loops.slice(0, limit) : loops, more: more, cutShort: budget.cutShort, reason: budget.reason };
  }

  function profileNodes(G, scale, stage) {
    var names = (scale ? ["scale-" + scale] : []).concat(stage ? ["stage-" + stage] : []);
    return names.filter(function (n) { return G.has(n); });
  }

  function profileSupport(G, product, profiles) {
    var out = [];
    profiles.forEach(function (prof) {
      var ins = G.inn.get(prof).slice().sort(byKey(function (e) { return [e[0], e[1]]; }));
      ins.forEach(function (e) {
        var o = e[0], suits = e[2];
        if (e[1] !== "suits") return;
        var ev = evidenceOf(suits.evidence);
        if (o === product) {
          out.push({ offering: o, profile: prof, product: product, relation: null, evidence: ev, inferred: suits.inferred });
          return;
        }
        var m = G.edges(o, product);
        if (!m) return;
        sorted(Array.from(m.keys())).forEach(function (rel) {
          if (BACKING.indexOf(rel) < 0) return;
          var d = m.get(rel);
          out.push({ offering: o, profile: prof, product: product, relation: rel,
            evidence: ev.concat(evidenceOf(d.evidence)), inferred: suits.inferred || d.inferred });
        });
      });
    });
    return out;
  }

  function reasonText(G, r, lang) {
    var L = function (n) { return G.label(n, lang); };
    var zh = lang === "zh";
    if (r.kind === "payment") {
      return zh ? "经营闭环都要经过" + L(r.product) + "，而这个商家还没有开通支付宝支付"
        : "every operating loop passes through " + L(r.product) + ", which this merchant does not take yet";
    }
    if (r.kind === "entry") {
      return zh ? "闭环中唯一的获客入口：顾客经由" + L(r.product) + "进来"
        : "the loop's only entry channel: customers come in through " + L(r.product);
    }
    if (r.kind === "attached") {
      var a = r.attachment;
      var rel = { supports: ["支撑", "supports"], incentivises: ["激励", "incentivises"],
        combinesWith: ["与之组合", "combines with"] }[a.relation] || [a.relation, a.relation];
      return zh ? L(a.offering) + rel[0] + "闭环上的" + L(a.product) + "，不占闭环的长度"
        : L(a.offering) + " " + rel[1] + " " + L(a.product) + " on the loop, off the cycle";
    }
    if (r.kind === "need") {
      var via = r.value ? L(r.value) : "";
      if (zh) return "服务 " + r.need + " 诉求" + (via ? "（" + via + "）" : "") + (r.only ? "，是闭环中唯一服务 " + r.need + " 的产品" : "");
      return "serves " + r.need + (via ? " through " + via : "") + (r.only ? ", the loop's only source of " + r.need : "");
    }
    if (r.kind === "domain") return zh ? "闭环中唯一位于" + L(r.domain) + "的产品" : "the loop's only product in the " + L(r.domain);
    if (r.kind === "flow") {
      var s = r.step, mv = { users: ["用户", "users"], data: ["数据", "data"] }[moves(s)] || [s.relation, s.relation];
      return zh ? L(s.source) + " \u2192 " + L(s.target) + "（" + mv[0] + "）" : L(s.source) + " \u2192 " + L(s.target) + " (" + mv[1] + ")";
    }
    var sp = r.support;
    if (sp.relation === null) return zh ? "适合" + L(sp.profile) : "suits the " + L(sp.profile);
    if (zh) return L(sp.offering) + "适合" + L(sp.profile) + "，并" + ({ supports: "支撑", incentivises: "激励" }[sp.relation] || sp.relation) + "它";
    return L(sp.offering) + " suits the " + L(sp.profile) + " and " + sp.relation + " it";
  }

  function reason(G, kind, product, evidence, inferred, extra) {
    var r = { kind: kind, product: product, evidence: evidence, inferred: !!inferred, need: null, value: null,
      only: false, domain: null, step: null, support: null, attachment: null };
    Object.keys(extra || {}).forEach(function (k) { r[k] = extra[k]; });
    r.text = { en: reasonText(G, r, "en"), zh: reasonText(G, r, "zh") };
    return r;
  }

  function reasons(G, p, loop, spec, profiles) {
    var out = [];
    var d = G.node.get(p);
    if (spec.payment && p === hubOf(G, spec)) out.push(reason(G, "payment", p, evidenceOf(d.evidence), false));
    var others = loop.products.filter(function (n) { return n !== p; });
    spec.needs.forEach(function (code) {
      if (d.needs.indexOf(code) < 0) return;
      var only = !others.some(function (n) { return G.node.get(n).needs.indexOf(code) >= 0; });
      var values = d.values.filter(function (v) { return G.valueNeed.get(v) === code; });
      (values.length ? values : [null]).forEach(function (v) {
        var edge = v ? G.edge(p, v, "serves") : null;
        out.push(reason(G, "need", p, edge ? evidenceOf(edge.evidence) : [], edge && edge.inferred,
          { need: code, value: v, only: only }));
      });
    });
    if (spec.domains) {
      var mine = provides(G, p);
      [PUBLIC, PRIVATE].forEach(function (dom) {
        if (mine.has("d|" + dom) && !others.some(function (n) { return provides(G, n).has("d|" + dom); })) {
          var edge = G.edge(p, dom, "livesIn");
          out.push(reason(G, "domain", p, edge ? evidenceOf(edge.evidence) : [], edge && edge.inferred, { domain: dom }));
        }
      });
      if (d.roles.indexOf("entry") >= 0 && !others.some(function (n) { return provides(G, n).has(ACQUIRE); })) {
        out.push(reason(G, "entry", p, evidenceOf(d.evidence), false));
      }
    }
    loop.steps.forEach(function (st) {
      if (p === st.source || p === st.target) out.push(reason(G, "flow", p, st.evidence, st.inferred, { step: st }));
    });
    loop.attached.forEach(function (a) {
      if (p === a.offering) out.push(reason(G, "attached", p, a.evidence, a.inferred, { attachment: a }));
    });
    profileSupport(G, p, profiles).forEach(function (s) {
      out.push(reason(G, "profile", p, s.evidence, s.inferred, { support: s }));
    });
    return out;
  }

  function preference(G, w, stage, supported) {
    var vals = new Set();
    w.products.forEach(function (n) { G.node.get(n).values.forEach(function (v) { vals.add(v); }); });
    var breadth = vals.size;
    return stage === "mature" ? [-supported, -breadth, w.products.length] : [-supported, w.products.length, -breadth];
  }

  function baseline(G, alipayPayment) {
    var hub = hubOf(G, null);
    return alipayPayment !== false && hub !== null ? [hub] : [];
  }

  /* minimal sets of offerings to add so the merchant's loop closes, ranked;
     q: {has, spec, scale, stage, alipayPayment}; returns {prescriptions, cutShort} */
  function prescriptions(G, q, budget) {
    budget = budget || new Budget();
    var has = asList(q.has, "has");
    require(G, has);
    var spec = checkSpec(G, loopSpec(q.spec));
    if (q.scale && SCALES.indexOf(q.scale) < 0) throw new EngineError("usage", "unknown scale " + q.scale);
    if (q.stage && STAGES.indexOf(q.stage) < 0) throw new EngineError("usage", "unknown stage " + q.stage);
    var limit = positive(q.limit, "limit");
    var base = baseline(G, q.alipayPayment);
    var H = new Set(has.concat(base));
    var profiles = profileNodes(G, q.scale, q.stage);
    spec.profiles = uniq(spec.profiles.concat(profiles));
    var weight = new Map();
    G.ids.forEach(function (n) { weight.set(n, H.has(n) ? 0 : 1); });
    /* the loop goes through what the merchant names; through the payment hub only when
       nothing it names can be on a loop (a practice, a product no flow reaches) */
    var own = new Set(has.filter(function (n) { return base.indexOf(n) < 0; }));
    var anchorSets = own.size ? [own, H] : [H], answer = null;
    for (var i = 0; i < anchorSets.length; i++) {
      answer = minimalSets(G, q, spec, H, base, profiles, limit, anchorSets[i], weight, budget);
      if (answer.prescriptions.length || budget.cutShort) break;
    }
    /* the products the merchant runs that have nothing to do with the loop: not on it, not
       attached, tied to none of its products (supports, incentivises, combines with) */
    answer.prescriptions.forEach(function (p) {
      var on = new Set(p.loop.products), cycle = new Set(p.loop.nodes);
      p.outside = sorted(Array.from(own)).filter(function (n) {
        if (on.has(n) || !G.productSet.has(n)) return false;
        var tied = false;
        G.out.get(n).forEach(function (keys, v) {
          if (cycle.has(v) && ATTACHING.some(function (k) { return keys.has(k); })) tied = true;
        });
        G.inn.get(n).forEach(function (e) { if (e[1] === "combinesWith" && cycle.has(e[0])) tied = true; });
        return !tied;
      });
    });
    return answer;
  }

  function minimalSets(G, q, spec, H, base, profiles, limit, anchor, weight, budget) {
    var more = false;
    var search = new LoopSearch(G, spec, weight, anchor.size ? [anchor] : [], H);
    /* the sets that closed a loop at a lower cost, each as its node numbers in order */
    var found = new Set(), foundSets = [], result = [];
    var number = new Map();
    G.ids.forEach(function (id, i) { number.set(id, i); });
    function keyOf(ids) { return ids.map(function (id) { return number.get(id); }).join(","); }
    /* whether some set of found is a subset of the sorted ids add: through add's subsets
       (at most 2^max_length), or through found when that is shorter */
    function containsFound(add) {
      if (!found.size) return false;
      var n = add.length;
      if (n > 12 || (1 << n) > foundSets.length) {
        var addSet = new Set(add);
        return foundSets.some(function (f) { return f.every(function (x) { return addSet.has(x); }); });
      }
      var nums = add.map(function (id) { return number.get(id); });
      for (var m = 1; m < (1 << n); m++) {
        var sub = [];
        for (var i = 0; i < n; i++) if (m & (1 << i)) sub.push(nums[i]);
        if (found.has(sub.join(","))) return true;
      }
      return false;
    }
    var top = search.mostCost(spec.maxLength);
    var supportMemo = new Map();
    function supportedBy(n) {
      if (!supportMemo.has(n)) supportMemo.set(n, profileSupport(G, n, profiles).length > 0);
      return supportMemo.get(n);
    }
    for (var cost = 0; cost <= top; cost++) {
      var groups = new Map(), order = [];
      search.cycles({ maxLength: spec.maxLength, maxCost: cost, minCost: cost }, budget).forEach(function (w) {
        var add = sorted(uniq(w.products.filter(function (n) { return !H.has(n); })));
        var key = JSON.stringify(add);
        if (!groups.has(key) && containsFound(add)) return;
        if (!groups.has(key)) { groups.set(key, { add: add, loops: [] }); order.push(key); }
        groups.get(key).loops.push(w);
      });
      var ranked = [];
      order.forEach(function (key) {
        var g = groups.get(key), best = null;
        g.loops.forEach(function (w) {
          var supported = w.products.filter(supportedBy).length;
          var owned = w.products.filter(function (n) { return H.has(n); }).length;
          var k = [-owned].concat(preference(G, w, q.stage, supported), [w.inferredSteps, -w.quotes, w.nodes]);
          if (best === null || cmpKey(k, best[0]) < 0) best = [k, w];
        });
        ranked.push([best[0].slice(0, -1).concat([g.add, best[0][best[0].length - 1]]), g.add, best[1]]);
      });
      order.forEach(function (key) { var add = groups.get(key).add; found.add(keyOf(add)); foundSets.push(add); });
      ranked.sort(function (x, y) { return cmpKey(x[0], y[0]); });
      ranked.forEach(function (r) {
        var loop = r[2], why = Object.create(null);  // ids such as "__proto__" are keys like any other
        r[1].forEach(function (p) { why[p] = reasons(G, p, loop, spec, profiles); });
        var support = [];
        loop.products.forEach(function (n) { support.push.apply(support, profileSupport(G, n, profiles)); });
        result.push({ add: r[1], loop: loop, why: why, support: support, baseline: base });
      });
      /* out of budget, the loop closes already, or no loop costs more (no branch was cut by cost) */
      var last = !search.search.cutByCost;
      if (budget.cutShort || groups.has("[]") || last) { more = !!limit && result.length > limit; break; }
      if (limit && result.length >= limit) { more = result.length > limit || cost < top; break; }
    }
    // the first `limit` of the library's answers: it yields them cost by cost, in this order
    return { prescriptions: limit ? result.slice(0, limit) : result, more: more, cutShort: budget.cutShort,
      reason: budget.reason, spec: spec };
  }

  /* ------------------------------------------------------------ paths */

  function relationsOf(G) {
    var keys = new Set();
    G.out.forEach(function (m) { m.forEach(function (ks) { ks.forEach(function (_, k) { keys.add(k); }); }); });
    return sorted(Array.from(keys));
  }

  function pathRank(w) { return [w.steps.length, w.inferredSteps, -w.quotes, w.nodes]; }

  /* the shortest path from source to target and up to k alternatives (all simple paths
     in order of length, each length by evidence then ids, as ccare path gives them) */
  function productPaths(G, q, budget) {
    budget = budget || new Budget();
    var k = q.k === undefined ? 3 : q.k;
    if (typeof k !== "number" || k < 0 || Math.floor(k) !== k) throw new EngineError("usage", "k must be 0 or more");
    var relations;
    if (q.via && q.via.length) {
      var known = relationsOf(G);
      relations = asList(q.via, "via");
      relations.forEach(function (r) { if (known.indexOf(r) < 0) throw new EngineError("usage", "unknown relation " + r); });
    } else relations = USER_ROUTE.slice();
    var source = String(q.source), target = String(q.target);
    require(G, [source, target], "entity");
    var productsOnly = relations.every(function (r) { return FLOW_RELATIONS.indexOf(r) >= 0; });
    var inD = function (n) { return productsOnly ? G.productSet.has(n) : G.has(n); };
    var out = [];
    if (!inD(source) || !inD(target)) return { paths: out, cutShort: false };
    var succ = new Map(), pred = new Map();
    G.ids.forEach(function (u) { if (inD(u)) { succ.set(u, []); pred.set(u, []); } });
    sorted(Array.from(succ.keys())).forEach(function (u) {
      var vs = [];
      G.out.get(u).forEach(function (keys, v) {
        if (!inD(v)) return;
        var ok = false;
        keys.forEach(function (_, key) { if (relations.indexOf(key) >= 0 && (key !== "dataFlowsTo" || dataEnters(G, v))) ok = true; });
        if (ok) vs.push(v);
      });
      succ.set(u, sorted(vs));
      vs.forEach(function (v) { pred.get(v).push(u); });
    });
    // distance to the target, to cut branches that cannot arrive in time
    var dist = new Map([[target, 0]]), queue = [target], head = 0;
    while (head < queue.length) {
      var v = queue[head++];
      pred.get(v).forEach(function (u) { if (!dist.has(u)) { dist.set(u, dist.get(v) + 1); queue.push(u); } });
    }
    if (!dist.has(source)) return { paths: out, cutShort: false };
    var wanted = k + 1, limit = succ.size - 1;
    for (var L = dist.get(source); L <= limit && out.length < wanted && !budget.cutShort; L++) {
      var group = [], path = [source], on = new Set([source]);
      var rec = function (u) {
        if (!budget.tick()) return;
        var left = L - (path.length - 1);
        if (left === 0) { if (u === target) group.push(path.slice()); return; }
        if (u === target) return;
        succ.get(u).forEach(function (w) {
          if (budget.cutShort || on.has(w) || !dist.has(w) || dist.get(w) > left - 1) return;
          path.push(w); on.add(w);
          rec(w);
          path.pop(); on.delete(w);
        });
      };
      rec(source);
      var walks = group.map(function (p) { return walk(G, p, false, relations); });
      walks.sort(function (x, y) { return cmpKey(pathRank(x), pathRank(y)); });
      out.push.apply(out, walks.slice(0, wanted - out.length));
      if (source === target) break;
    }
    return { paths: out, cutShort: budget.cutShort, reason: budget.reason };
  }

  /* ------------------------------------------------------------ whatif */

  function whatif(G, q, budget) {
    budget = budget || new Budget();
    var drop = String(q.drop);
    require(G, [drop]);
    var res = operatingLoops(G, q.spec, budget);
    var spec = loopSpec(q.spec);
    var lost = [], kept = [];
    res.loops.forEach(function (w) { (w.products.indexOf(drop) >= 0 ? lost : kept).push(w); });
    var rels = new Set(spec.relations);
    var pred = new Map();
    G.products.forEach(function (u) { pred.set(u, []); });
    G.products.forEach(function (u) {
      G.out.get(u).forEach(function (keys, v) {
        if (!G.productSet.has(v)) return;
        var ok = false;
        keys.forEach(function (_, key) { if (rels.has(key) && (key !== "dataFlowsTo" || dataEnters(G, v))) ok = true; });
        if (ok) pred.get(v).push(u);
      });
    });
    function ancestors(hub, gone) {
      var seen = new Set([hub]), queue = [hub], head = 0;
      while (head < queue.length) {
        pred.get(queue[head++]).forEach(function (u) { if (u !== gone && !seen.has(u)) { seen.add(u); queue.push(u); } });
      }
      seen.delete(hub);
      return seen;
    }
    var stranded = [];
    var hub = hubOf(G, spec);
    if (hub !== null && G.productSet.has(hub) && drop !== hub) {
      var before = ancestors(hub, null), after = ancestors(hub, drop);
      stranded = sorted(Array.from(before).filter(function (n) { return !after.has(n) && n !== drop; }));
    }
    return { dropped: drop, lost: lost, kept: kept, stranded: stranded, cutShort: res.cutShort, reason: res.reason };
  }

  /* ------------------------------------------------------------ entry point */

  /* one question {q: "prescribe" | "path" | "loops" | "whatif", ...} with limits
     {timeoutMs, maxSteps}: the answer, or {error: {code, message, id}} */
  function ask(G, question, limits) {
    limits = limits || {};
    var budget = new Budget(limits.timeoutMs, limits.maxSteps);
    try {
      var q = question || {};
      if (q.q === "prescribe") return prescriptions(G, q, budget);
      if (q.q === "path") return productPaths(G, q, budget);
      if (q.q === "loops") return operatingLoops(G, q.spec, budget, q.limit);
      if (q.q === "whatif") return whatif(G, q, budget);
      throw new EngineError("usage", "unknown question");
    } catch (e) {
      if (e instanceof EngineError) return { error: { code: e.code, message: e.message, id: e.id || null } };
      throw e;
    }
  }

  var api = {
    Graph: Graph, Budget: Budget, EngineError: EngineError, cmp: cmp, cmpKey: cmpKey,
    loopSpec: loopSpec, operatingLoops: operatingLoops, prescriptions: prescriptions,
    productPaths: productPaths, whatif: whatif, ask: ask, hubOf: hubOf, baseline: baseline,
    NEED_CODES: NEED_CODES, factory: ccareEngineFactory
  };
  if (scope) scope.ccareEngine = api;
  return api;
}
ccareEngineFactory(typeof window !== "undefined" ? window : self);
/* the page as delivered, before any script changed it (the scripts after this one are
   added when a copy is saved): "save this answer" writes it with the answer's state */
if (typeof document !== "undefined" && document.documentElement) {
  window.ccarePristine = document.documentElement.cloneNode(true);
}

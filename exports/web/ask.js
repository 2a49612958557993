/* ccare map page: the question panel.
 *
 * The reader asks the page what `ccare prescribe`, `path`, `loops` and `whatif` would
 * answer; the question engine (engine.js) computes it in a Worker started from a blob of
 * its own source (CSP: worker-src blob:), under a time and step limit, and the page says
 * when an answer was cut short.  Without a Worker the engine runs on the main thread with
 * a shorter time limit.  The question, the merchant's selection and the language live in
 * the URL fragment; an invalid fragment is ignored.  "Save this answer" downloads a copy
 * of the page that opens on the answer.  Data reaches the page only as text.
 */
(function () {
  "use strict";

  var M = window.ccareMap, ENGINE = window.ccareEngine;
  if (!M || !ENGINE) return;
  var DATA = M.data, el = M.el;
  var N = DATA.nodes;
  var LIMITS = { timeoutMs: 8000, maxSteps: 20000000 };
  var MAIN_LIMITS = { timeoutMs: 1500, maxSteps: 5000000 };
  var SHOWN = 20;

  var UI = {
    en: {
      ask: "Ask the map", prescribe: "Prescribe", path: "Path", loops: "Loops", whatif: "What if",
      merchantHas: "The merchant's products", offerings: "Programmes and practices", needs: "Needs",
      scale: "Scale", stage: "Stage", any: "any", alipay: "takes Alipay payment",
      small: "small", medium: "medium", large: "large", exploring: "exploring", mature: "mature",
      go: "Find what closes the loop", from: "From", to: "To", findPath: "Find paths",
      product: "Product", through: "through it", without: "without it", all: "all loops", findLoops: "Find loops",
      drop: "Drop", findWhatif: "What breaks?", save: "Save this answer",
      working: "Working…", none: "No answer: nothing closes such a loop.", noPath: "No path.",
      noLoops: "No loop.", cut: "Cut short: the search reached its limit ({why}); these are the answers found so far.",
      time: "time", steps: "steps", error: "This question cannot be answered: {msg}",
      add: "Add", closes: "the merchant's products already close a loop", loop: "Loop", supporting: "with",
      whyTitle: "Why each product is there", answers: "Answers: {n}", more: "There are more answers; the first {n} are shown.",
      lost: "Loops lost: {n}", kept: "Loops kept: {n}", stranded: "No longer reach payment: {list}",
      strandedNone: "Every product still reaches payment.", dropKey: "red dotted ring: the product dropped", pickHint: "Click an answer to draw it on the map.",
      baseline: "Payment counts as present (every merchant on Alipay takes it).", outside: "Already run, not on this loop: {list}", noNeeds: "no need",
      saved: "Saved.", filter: "Filter products (中文 or English)…"
    },
    zh: {
      ask: "向地图提问", prescribe: "开处方", path: "路径", loops: "闭环", whatif: "假如去掉",
      merchantHas: "商家已有的产品", offerings: "计划与做法", needs: "诉求",
      scale: "规模", stage: "阶段", any: "不限", alipay: "已开通支付宝支付",
      small: "小型", medium: "中型", large: "大型", exploring: "探索期", mature: "成熟期",
      go: "找出闭合经营闭环的最少产品", from: "从", to: "到", findPath: "查找路径",
      product: "产品", through: "经过它", without: "不经过它", all: "全部闭环", findLoops: "查找闭环",
      drop: "去掉", findWhatif: "会失去什么？", save: "保存此答案",
      working: "计算中…", none: "无解：没有产品组合能闭合这样的闭环。", noPath: "没有路径。",
      noLoops: "没有闭环。", cut: "答案不完整：搜索达到上限（{why}），以下为已找到的答案。",
      time: "时间", steps: "步数", error: "无法回答这个问题：{msg}",
      add: "新增", closes: "商家现有产品已闭合经营闭环", loop: "闭环", supporting: "配合",
      whyTitle: "每个产品为何在此", answers: "共 {n} 个答案", more: "还有更多答案，这里只列出前 {n} 个。",
      lost: "失去的闭环：{n} 个", kept: "保留的闭环：{n} 个", stranded: "不再能到达支付：{list}",
      strandedNone: "所有产品仍能到达支付。", dropKey: "红色点线圈：被去掉的产品", pickHint: "点击答案，在地图上显示。",
      baseline: "支付视为已有（支付宝上的商家都已开通）。", outside: "已有但不在这个环上：{list}", noNeeds: "无诉求",
      saved: "已保存。", filter: "筛选产品（中文或英文）…"
    }
  };
  var QUESTIONS = ["prescribe", "path", "loops", "whatif"];
  var SCALES = ["small", "medium", "large"], STAGES = ["exploring", "mature"];

  function lang() { return M.lang(); }
  function t(key, vars) {
    var s = UI[lang()][key];
    Object.keys(vars || {}).forEach(function (k) { s = s.split("{" + k + "}").join(String(vars[k])); });
    return s;
  }
  function sep() { return lang() === "zh" ? "\u3001" : ", "; }
  function names(ids) { return ids.map(M.labelOf).join(sep()); }

  /* ---------------------------------------------------------------- the map's offerings */

  var kindOf = Object.create(null);
  N.forEach(function (n, i) { kindOf[n[0]] = DATA.engine ? DATA.engine.kind[i] : null; });
  var known = new Set(N.map(function (n) { return n[0]; }));
  var products = N.filter(function (n) { return kindOf[n[0]] === "product"; }).map(function (n) { return n[0]; });
  var offerings = N.filter(function (n) { return kindOf[n[0]] === "programme" || kindOf[n[0]] === "practice"; })
    .map(function (n) { return n[0]; });
  /* a map with more products than this gets a filter box over the merchant's products */
  var FILTER_FROM = 24;
  var searchText = Object.create(null);
  N.forEach(function (n) { searchText[n[0]] = [n[0], n[3] || "", n[4] || ""].join("\n").toLowerCase(); });
  var needCodes = DATA.needs.map(function (n) { return n.code; }).filter(function (c) { return ENGINE.NEED_CODES.indexOf(c) >= 0; });

  /* ---------------------------------------------------------------- state */

  function fresh() {
    return { q: "prescribe", has: [], needs: needCodes.slice(), scale: "", stage: "", pay: true,
      from: products[0] || "", to: products[1] || products[0] || "", product: products[0] || "", mode: "through",
      drop: products[0] || "", pick: 0, asked: false };
  }
  var state = fresh();

  /* the state from a fragment or saved object; anything unknown or malformed is left out */
  function readState(params) {
    var s = fresh();
    var get = function (k) { var v = params.get(k); return typeof v === "string" && v.length <= 20000 ? v : null; };
    var ids = function (v, allowed) {
      return v === null ? [] : v.split(",").filter(function (x, i, a) { return allowed.has(x) && a.indexOf(x) === i; });
    };
    var q = get("q");
    if (q !== null && QUESTIONS.indexOf(q) >= 0) s.q = q;
    var owned = new Set(products.concat(offerings));
    s.has = ids(get("has"), owned).slice(0, 50);
    var needs = get("needs");
    if (needs !== null) s.needs = needs === "" ? [] : needs.split(",").filter(function (c, i, a) {
      return needCodes.indexOf(c) >= 0 && a.indexOf(c) === i;
    });
    if (SCALES.indexOf(get("scale")) >= 0) s.scale = get("scale");
    if (STAGES.indexOf(get("stage")) >= 0) s.stage = get("stage");
    if (get("pay") === "0") s.pay = false;
    var prod = new Set(products);
    ["from", "to", "product", "drop"].forEach(function (k) { var v = get(k); if (v !== null && prod.has(v)) s[k] = v; });
    if (get("mode") === "without" || get("mode") === "all") s.mode = get("mode");
    var pick = get("pick");
    if (pick !== null && /^[0-9]{1,4}$/.test(pick)) s.pick = +pick;
    s.asked = get("ask") === "1";
    var l = get("lang");
    return { state: s, lang: l === "zh" || l === "en" ? l : null };
  }

  function writeParams() {
    var p = new URLSearchParams();
    p.set("q", state.q);
    if (state.q === "prescribe") {
      p.set("has", state.has.join(","));
      p.set("needs", state.needs.join(","));
      if (state.scale) p.set("scale", state.scale);
      if (state.stage) p.set("stage", state.stage);
      if (!state.pay) p.set("pay", "0");
    } else if (state.q === "path") { p.set("from", state.from); p.set("to", state.to); }
    else if (state.q === "loops") { p.set("product", state.product); p.set("mode", state.mode); }
    else p.set("drop", state.drop);
    if (state.asked) { p.set("ask", "1"); p.set("pick", String(state.pick)); }
    p.set("lang", lang());
    return p;
  }

  function saveFragment() {
    var hash = "#" + writeParams().toString();
    try { history.replaceState(null, "", hash); } catch (e) { /* a page that may not change its URL */ }
  }

  /* ---------------------------------------------------------------- running the engine */

  var worker = null, pending = null, seq = 0, watchdog = null;
  function startWorker() {
    try {
      var src = "(" + ENGINE.factory.toString() + ")(self);\n" +
        "var G = null;\n" +
        "self.onmessage = function (m) {\n" +
        "  var d = m.data;\n" +
        "  if (d.data) { G = new self.ccareEngine.Graph(d.data); return; }\n" +
        "  var answer;\n" +
        "  try { answer = self.ccareEngine.ask(G, d.question, d.limits); }\n" +
        "  catch (e) { answer = { error: { code: 'internal', message: String(e && e.message || e) } }; }\n" +
        "  self.postMessage({ id: d.id, answer: answer });\n" +
        "};\n";
      var url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
      worker = new Worker(url);
      worker.onmessage = function (m) {
        if (!pending || m.data.id !== pending.id) return;
        clearTimeout(watchdog);
        var done = pending.done;
        pending = null;
        done(m.data.answer);
      };
      worker.onerror = function (ev) {  // the Worker failed: this question, and the next, on the main thread
        if (ev && ev.preventDefault) ev.preventDefault();
        var p = pending;
        pending = null;
        clearTimeout(watchdog);
        stopWorker();
        if (p) onMainThread(p.question, p.done);
      };
      worker.postMessage({ data: DATA });
    } catch (e) {
      worker = null;
    }
  }
  function stopWorker() {
    if (worker) { try { worker.terminate(); } catch (e) { /* gone already */ } }
    worker = null;
  }

  var mainGraph = null;
  function run(question, done) {
    if (worker && pending) {  // still busy with an earlier question: start afresh
      stopWorker();
      pending = null;
      startWorker();
    }
    if (worker) {
      pending = { id: ++seq, done: done, question: question };
      worker.postMessage({ id: seq, question: question, limits: LIMITS });
      clearTimeout(watchdog);
      watchdog = setTimeout(function () {  // the engine checks its clock; this is the last resort
        stopWorker();
        var d = pending && pending.done;
        pending = null;
        startWorker();
        if (d) d({ cutShort: true, reason: "time", prescriptions: [], paths: [], loops: [], lost: [], kept: [], stranded: [] });
      }, LIMITS.timeoutMs + 4000);
      return;
    }
    onMainThread(question, done);
  }

  function onMainThread(question, done) {
    setTimeout(function () {
      if (!mainGraph) mainGraph = new ENGINE.Graph(DATA);
      var answer;
      try { answer = ENGINE.ask(mainGraph, question, MAIN_LIMITS); }
      catch (e) { answer = { error: { code: "internal", message: String(e && e.message || e) } }; }
      done(answer);
    }, 0);
  }

  /* ---------------------------------------------------------------- the panel */

  var box = document.getElementById("ask");
  var answer = null, answerFor = null;

  function option(value, text, selected) {
    var o = el("option", { value: value, text: text });
    if (selected) o.selected = true;
    return o;
  }

  function checkbox(name, value, checked, text, cls) {
    var b = el("input", { type: "checkbox", name: name, value: value });
    b.checked = !!checked;
    return el("label", { cls: "check" + (cls ? " " + cls : "") }, b, el("span", { text: text }));
  }

  function productSelect(name, value) {
    var s = el("select", { name: name, id: "ask-" + name });
    products.forEach(function (p) { s.appendChild(option(p, M.labelOf(p), p === value)); });
    return s;
  }

  function field(labelText, control) {
    return el("label", { cls: "field" }, el("span", { text: labelText }), control);
  }

  function buildForm() {
    var form = el("form", { id: "ask-form" });
    if (state.q === "prescribe") {
      var has = el("fieldset", { id: "ask-has" }, el("legend", { text: t("merchantHas") }));
      if (products.length > FILTER_FROM) {
        var filter = el("input", { type: "search", id: "ask-filter", placeholder: t("filter"), "aria-label": t("filter") });
        filter.addEventListener("input", function () { filterProducts(has, filter.value); });
        has.appendChild(filter);
      }
      products.forEach(function (p) { has.appendChild(checkbox("has", p, state.has.indexOf(p) >= 0, M.labelOf(p))); });
      form.appendChild(has);
      if (offerings.length) {
        var offs = el("details", { id: "ask-offerings" }, el("summary", { text: t("offerings") }));
        offerings.forEach(function (p) { offs.appendChild(checkbox("has", p, state.has.indexOf(p) >= 0, M.labelOf(p))); });
        if (offerings.some(function (p) { return state.has.indexOf(p) >= 0; })) offs.open = true;
        form.appendChild(offs);
      }
      var needs = el("fieldset", { id: "ask-needs", cls: "row" }, el("legend", { text: t("needs") }));
      DATA.needs.forEach(function (nd) {
        if (needCodes.indexOf(nd.code) < 0) return;
        needs.appendChild(checkbox("needs", nd.code, state.needs.indexOf(nd.code) >= 0, nd.code + " " + (nd[lang()] || ""), "need"));
      });
      form.appendChild(needs);
      var scale = el("select", { name: "scale", id: "ask-scale" }, option("", t("any"), !state.scale));
      SCALES.forEach(function (s) { scale.appendChild(option(s, t(s), state.scale === s)); });
      var stage = el("select", { name: "stage", id: "ask-stage" }, option("", t("any"), !state.stage));
      STAGES.forEach(function (s) { stage.appendChild(option(s, t(s), state.stage === s)); });
      form.appendChild(el("div", { cls: "row" }, field(t("scale"), scale), field(t("stage"), stage)));
      var pay = el("input", { type: "checkbox", name: "pay", id: "ask-pay" });
      pay.checked = state.pay;
      form.appendChild(el("label", { cls: "check" }, pay, el("span", { text: t("alipay") })));
      form.appendChild(el("button", { type: "submit", id: "ask-go", text: t("go") }));
    } else if (state.q === "path") {
      form.appendChild(el("div", { cls: "row" }, field(t("from"), productSelect("from", state.from)),
        field(t("to"), productSelect("to", state.to))));
      form.appendChild(el("button", { type: "submit", id: "ask-go", text: t("findPath") }));
    } else if (state.q === "loops") {
      var mode = el("select", { name: "mode", id: "ask-mode" }, option("through", t("through"), state.mode === "through"),
        option("without", t("without"), state.mode === "without"), option("all", t("all"), state.mode === "all"));
      form.appendChild(el("div", { cls: "row" }, field(t("product"), productSelect("product", state.product)), field("\u00a0", mode)));
      form.appendChild(el("button", { type: "submit", id: "ask-go", text: t("findLoops") }));
    } else {
      form.appendChild(field(t("drop"), productSelect("drop", state.drop)));
      form.appendChild(el("button", { type: "submit", id: "ask-go", text: t("findWhatif") }));
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      readForm(form);
      state.pick = 0;
      ask();
    });
    form.addEventListener("change", function () { readForm(form); saveFragment(); });
    return form;
  }

  /* show the products whose id or Chinese or English label holds the words typed (each
     of them, in any case); a ticked product stays in view */
  function filterProducts(fieldset, text) {
    var words = text.toLowerCase().split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(fieldset.querySelectorAll("label.check"), function (label) {
      var box = label.querySelector("input");
      var hay = searchText[box.value] || "";
      label.hidden = !box.checked && !words.every(function (w) { return hay.indexOf(w) >= 0; });
    });
  }

  function readForm(form) {
    var checked = function (name) {
      return Array.prototype.filter.call(form.querySelectorAll("input[name=" + name + "]"), function (b) { return b.checked; })
        .map(function (b) { return b.value; });
    };
    if (state.q === "prescribe") {
      state.has = checked("has");
      state.needs = checked("needs");
      state.scale = form.querySelector("#ask-scale").value;
      state.stage = form.querySelector("#ask-stage").value;
      state.pay = form.querySelector("#ask-pay").checked;
    } else if (state.q === "path") {
      state.from = form.querySelector("#ask-from").value; state.to = form.querySelector("#ask-to").value;
    } else if (state.q === "loops") {
      state.product = form.querySelector("#ask-product").value; state.mode = form.querySelector("#ask-mode").value;
    } else state.drop = form.querySelector("#ask-drop").value;
  }

  function question() {
    if (state.q === "prescribe") {
      return { q: "prescribe", has: state.has, spec: { needs: state.needs }, scale: state.scale || null,
        stage: state.stage || null, alipayPayment: state.pay, limit: SHOWN + 1 };
    }
    if (state.q === "path") return { q: "path", source: state.from, target: state.to, k: 3 };
    if (state.q === "loops") {
      return { q: "loops", limit: SHOWN + 1, spec: state.mode === "all" ? {} : state.mode === "without"
        ? { without: [state.product] } : { through: [state.product] } };
    }
    return { q: "whatif", drop: state.drop };
  }

  function ask() {
    state.asked = true;
    saveFragment();
    var q = question();
    answer = null;
    answerFor = JSON.stringify(q);
    render();
    run(q, function (a) {
      if (JSON.stringify(question()) !== answerFor) return;  // a newer question was asked
      answer = a;
      render();
      draw();
    });
  }

  /* the results of the current answer, each drawable */
  function items() {
    if (!answer || answer.error) return [];
    if (state.q === "prescribe") return answer.prescriptions || [];
    if (state.q === "path") return answer.paths || [];
    if (state.q === "loops") return answer.loops || [];
    return (answer.lost || []).concat(answer.kept || []);
  }

  function highlightOf(item) {
    var loop = state.q === "prescribe" ? item.loop : item;
    var steps = loop.steps.map(function (s) {
      return { from: s.source, to: s.target, relation: s.relation, evidence: s.evidence, inferred: s.inferred,
        rationale: s.rationale };
    });
    loop.attached.forEach(function (a) {
      steps.push({ from: a.offering, to: a.product, relation: a.relation, evidence: a.evidence, inferred: a.inferred,
        rationale: a.rationale });
    });
    return {
      kind: state.q === "prescribe" ? "prescription" : state.q === "path" ? "path" : "loop",
      nodes: loop.products, steps: steps, needs: loop.needs,
      added: state.q === "prescribe" ? item.add : [],
      has: state.q === "prescribe" ? state.has.concat(item.baseline) : [],
      dropped: state.q === "whatif" ? [state.drop] : []
    };
  }

  function draw() {
    var list = items();
    if (!list.length) { M.setHighlight(null); return; }
    if (state.pick >= list.length) state.pick = 0;
    M.setHighlight(highlightOf(list[state.pick]));
    Array.prototype.forEach.call(box.querySelectorAll("#ask-results > li"), function (li) {
      li.classList.toggle("picked", +li.getAttribute("data-i") === state.pick);
    });
  }

  function loopLine(w) {
    var text = w.nodes.map(M.labelOf).join(" \u2192 ");
    if (w.closed && w.nodes.length) text += " \u2192 " + M.labelOf(w.nodes[0]);
    if (w.attached.length) text += (lang() === "zh" ? "（" : " (") + t("supporting") + (lang() === "zh" ? "" : " ") + names(w.attached.map(function (a) { return a.offering; })) + (lang() === "zh" ? "）" : ")");
    return text;
  }

  function evidenceList(list) {
    var frag = document.createDocumentFragment();
    list.forEach(function (e) { frag.appendChild(el("blockquote", { text: M.quote([e.source, e.line, e.quote]) })); });
    return frag;
  }

  function itemView(item, i) {
    var li = el("li", { "data-i": String(i), tabindex: "0" });
    if (state.q === "prescribe") {
      li.appendChild(el("div", { cls: "head" }, item.add.length
        ? el("strong", { text: t("add") + (lang() === "zh" ? "：" : ": ") + names(item.add) })
        : el("strong", { text: t("closes") })));
      li.appendChild(el("div", { cls: "loopline", text: t("loop") + (lang() === "zh" ? "：" : ": ") + loopLine(item.loop) }));
      if (item.outside && item.outside.length) li.appendChild(el("small", { cls: "outside", text: t("outside", { list: names(item.outside) }) }));
      if (item.add.length) {
        var why = el("details", { cls: "why-box" }, el("summary", { text: t("whyTitle") }));
        if (i === state.pick) why.open = true;
        item.add.forEach(function (p) {
          var ul = el("ul");
          (item.why[p] || []).forEach(function (r) {
            var rli = el("li", null, el("span", { text: r.text[lang()] }),
              r.inferred ? el("span", { cls: "badge", text: lang() === "zh" ? "推断" : "inferred" }) : null);
            rli.appendChild(evidenceList(r.evidence));
            ul.appendChild(rli);
          });
          why.appendChild(el("div", { cls: "why-product" }, el("strong", { text: M.labelOf(p) }), ul));
        });
        li.appendChild(why);
      }
    } else {
      var prefix = "";
      if (state.q === "whatif") prefix = i < answer.lost.length ? "\u2716 " : "\u2714 ";
      li.appendChild(el("div", { cls: "loopline", text: prefix + loopLine(item) }));
      if (item.needs && item.needs.length) li.appendChild(el("small", { text: item.needs.join(" \u00b7 ") }));
    }
    var pick = function () {
      if (state.pick === i && M.current()) return;
      state.pick = i;
      saveFragment();
      draw();
    };
    li.addEventListener("click", pick);
    li.addEventListener("keydown", function (ev) { if (ev.key === "Enter") pick(ev); });
    return li;
  }

  function render() {
    box.textContent = "";
    box.appendChild(el("h2", { text: t("ask") }));
    var tabs = el("div", { id: "ask-tabs", role: "tablist" });
    QUESTIONS.forEach(function (q) {
      var b = el("button", { type: "button", role: "tab", "data-q": q, "aria-selected": String(q === state.q), text: t(q) });
      b.addEventListener("click", function () {
        if (state.q === q) return;
        state.q = q; state.pick = 0; state.asked = false; answer = null;
        M.setHighlight(null);
        saveFragment();
        render();
      });
      tabs.appendChild(b);
    });
    box.appendChild(tabs);
    box.appendChild(buildForm());
    var status = el("p", { id: "ask-status", role: "status" });
    box.appendChild(status);
    var list = el("ol", { id: "ask-results" });
    box.appendChild(list);
    if (!state.asked) return;
    if (!answer) { status.textContent = t("working"); return; }
    if (answer.error) { status.textContent = t("error", { msg: answer.error.message }); return; }
    var found = items();
    var lines = [];
    if (answer.cutShort) {
      lines.push(["cut", t("cut", { why: t(answer.reason === "steps" ? "steps" : "time") })]);
    }
    if (state.q === "whatif") {
      lines.push(["", t("lost", { n: answer.lost.length }) + " \u00b7 " + t("kept", { n: answer.kept.length })]);
      lines.push(["", answer.stranded.length ? t("stranded", { list: names(answer.stranded) }) : t("strandedNone")]);
      lines.push(["", t("dropKey")]);
    } else if (!found.length) {
      lines.push(["", t(state.q === "prescribe" ? "none" : state.q === "path" ? "noPath" : "noLoops")]);
    } else {
      lines.push(["", t("answers", { n: Math.min(found.length, SHOWN) + (found.length > SHOWN ? "+" : "") }) + " \u00b7 " + t("pickHint")]);
    }
    if (state.q === "prescribe" && found.length && found[0].baseline.length) lines.push(["", t("baseline")]);
    lines.forEach(function (l, i) {
      if (i) status.appendChild(el("br"));
      status.appendChild(l[0] ? el("strong", { cls: l[0], text: l[1] }) : document.createTextNode(l[1]));
    });
    found.slice(0, SHOWN).forEach(function (item, i) { list.appendChild(itemView(item, i)); });
    if (found.length > SHOWN) box.appendChild(el("p", { cls: "more", text: t("more", { n: SHOWN }) }));
    if (state.pick >= SHOWN) state.pick = 0;
    var saveBtn = el("button", { type: "button", id: "ask-save", text: t("save") });
    saveBtn.addEventListener("click", saveAnswer);
    box.appendChild(saveBtn);
    Array.prototype.forEach.call(list.children, function (li) {
      li.classList.toggle("picked", +li.getAttribute("data-i") === state.pick);
    });
  }

  /* ---------------------------------------------------------------- saving */

  /* the page as it was delivered (a copy taken before map.js ran, plus the scripts that
     came after it), with the state it should open on as JSON text, escaped like the
     map's data; what the scripts drew at run time is not in it */
  function pageCopy() {
    var pristine = window.ccarePristine;
    var root = pristine.cloneNode(true);
    var body = root.querySelector("body");
    var live = document.querySelectorAll("script");
    for (var i = root.querySelectorAll("script").length; i < live.length; i++) body.appendChild(live[i].cloneNode(true));
    var old = root.querySelector("#ccare-state");  // a saved page saved again
    if (old) old.parentNode.removeChild(old);
    var s = document.createElement("script");
    s.type = "application/json";
    s.id = "ccare-state";
    var params = Object.create(null);
    writeParams().forEach(function (v, k) { params[k] = v; });
    s.textContent = JSON.stringify(params).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
    var data = root.querySelector("#ccare-data");
    data.parentNode.insertBefore(s, data.nextSibling);
    return "<!DOCTYPE html>\n" + root.outerHTML;
  }

  function saveAnswer() {
    var url = URL.createObjectURL(new Blob([pageCopy()], { type: "text/html;charset=utf-8" }));
    var a = el("a", { href: url, download: "ccare-" + state.q + ".html" });
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  /* ---------------------------------------------------------------- start */

  function load(params) {
    var got = readState(params);
    state = got.state;
    answer = null;  // an answer to another question must not be read as this one's
    answerFor = null;
    if (got.lang && got.lang !== lang()) M.setLang(got.lang);
  }

  function fromFragment() {
    var hash = location.hash ? location.hash.slice(1) : "";
    if (!hash || hash.length > 20000) return false;
    try { load(new URLSearchParams(hash)); } catch (e) { state = fresh(); return false; }
    return true;
  }

  function fromSaved() {
    var e = document.getElementById("ccare-state");
    if (!e) return false;
    try {
      var obj = JSON.parse(e.textContent);
      if (!obj || typeof obj !== "object" || Array.isArray(obj)) return false;
      var p = new URLSearchParams();
      Object.keys(obj).forEach(function (k) { if (typeof obj[k] === "string") p.set(k, obj[k]); });
      load(p);
      return true;
    } catch (err) { return false; }
  }

  startWorker();
  if (!fromFragment()) fromSaved();
  M.onLang(function () { render(); if (answer) draw(); saveFragment(); });
  render();
  if (state.asked) ask();
  window.addEventListener("hashchange", function () {
    if (location.hash.slice(1) === writeParams().toString()) return;
    if (fromFragment()) { render(); if (state.asked) ask(); else M.setHighlight(null); }
  });

  window.ccareAsk = { limits: LIMITS, run: function (q) { return new Promise(function (done) { run(q, done); }); },
    state: function () { return JSON.parse(JSON.stringify(state)); }, answer: function () { return answer; },
    ask: ask, pageCopy: pageCopy, usesWorker: function () { return !!worker; } };
})();

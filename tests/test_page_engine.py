"""The page's question engine (``exports/web/engine.js``) answers as the library does.

In real Chromium, the JavaScript answers to prescribe, path, loops and whatif are compared
with the Python library's (:mod:`ccare.graph.prescribe`, :mod:`ccare.graph.paths`,
:mod:`ccare.graph.loops`, :mod:`ccare.graph.whatif`): the same sets, the same loops step by
step with their evidence, the same reasons in both languages, in the same order.

- On the shipped map: every single product and every pair as the merchant's products,
  with all four needs and with each need alone; paths between
  every two products, loops through and without each product, whatif for each.
- On maps generated with Hypothesis (over 200): products with ids whose code-point order
  differs from UTF-16 order, offerings suiting some merchants, parallel flows, values
  under needs; each with several questions, answered in one call to the open page.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from itertools import islice

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccare.errors import UnknownEntityError, UsageError
from ccare.exports.html import map_html, page_data
from ccare.graph.build import FLOW_RELATIONS, products
from ccare.graph.loops import LoopSpec, operating_loops
from ccare.graph.paths import product_paths
from ccare.graph.prescribe import prescriptions
from ccare.graph.whatif import whatif
from ccare.kb.model import NEED_CODES
from pages import Page

PUBLIC, PRIVATE = "public-domain", "private-domain"
ATTACHING = ("supports", "incentivises", "combinesWith")
OFFERING_KINDS = ("product", "programme", "practice")

# ---------------------------------------------------------------------- normal forms


def _ev(items) -> list:
    return [[e.get("source") or "", e.get("line"), e.get("quote") or ""] for e in items or ()]


def _step(s) -> list:
    return [s.source, s.target, s.relation, bool(s.inferred), _ev(s.evidence), s.rationale]


def _att(a) -> list:
    return [a.offering, a.product, a.relation, bool(a.inferred), _ev(a.evidence), a.rationale]


def _walk(w) -> dict:
    return {"nodes": list(w.nodes), "steps": [_step(s) for s in w.steps],
            "attached": [_att(a) for a in w.attached], "needs": list(w.needs)}


def _support(s) -> list:
    return [s.offering, s.profile, s.product, s.relation, bool(s.inferred), _ev(s.evidence)]


def _reason(G, r) -> list:
    return [r.kind, r.product, r.text(G, "en"), r.text(G, "zh"), _ev(r.evidence), bool(r.inferred),
            r.need, r.value, bool(r.only), r.domain]


def _prescription(G, p) -> dict:
    return {"add": list(p.add), "baseline": list(p.baseline), "outside": list(p.outside), "loop": _walk(p.loop),
            "why": {k: [_reason(G, r) for r in rs] for k, rs in p.why.items()},
            "whyOrder": list(p.why), "support": [_support(s) for s in p.support]}


def _spec(q: dict) -> LoopSpec:
    s = q.get("spec") or {}
    return LoopSpec(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in
                       (("needs", s.get("needs", NEED_CODES)), ("payment", s.get("payment", True)),
                        ("domains", s.get("domains", True)), ("through", s.get("through", [])),
                        ("without", s.get("without", [])), ("max_length", s.get("maxLength", 8)))})


def python_answer(G, q: dict):
    """The library's answer to the question ``q`` (the engine's question shape), in normal
    form; a refused question as ``{"error": "unknown"}`` or ``{"error": "usage"}``."""
    try:
        return _python_answer(G, q)
    except UnknownEntityError:
        return {"error": "unknown"}
    except UsageError:
        return {"error": "usage"}


def _python_answer(G, q: dict):
    if q["q"] == "prescribe":
        return [_prescription(G, p) for p in islice(prescriptions(
            G, q["has"], _spec(q), scale=q.get("scale"), stage=q.get("stage"),
            alipay_payment=q.get("alipayPayment", True)), q.get("limit"))]
    if q["q"] == "loops":
        return [_walk(w) for w in islice(operating_loops(G, _spec(q)), q.get("limit"))]
    if q["q"] == "path":
        return [_walk(w) for w in product_paths(G, q["source"], q["target"], k=q.get("k", 3), via=q.get("via"))]
    if q["q"] == "whatif":
        w = whatif(G, q["drop"], _spec(q))
        return {"lost": [_walk(x) for x in w.lost], "kept": [_walk(x) for x in w.kept], "stranded": list(w.stranded)}
    raise AssertionError(q)


#: the same normal forms, in the page: (maps) => answers, maps = [{data, questions}], both as
#: JSON text (Playwright's own serialisation of large arguments is many times slower)
JS_ANSWERS = """(text) => {
  const maps = JSON.parse(text);
  const E = window.ccareEngine;
  const ev = (l) => l.map(e => [e.source, e.line, e.quote]);
  const step = (s) => [s.source, s.target, s.relation, s.inferred, ev(s.evidence), s.rationale];
  const att = (a) => [a.offering, a.product, a.relation, a.inferred, ev(a.evidence), a.rationale];
  const walk = (w) => ({nodes: w.nodes, steps: w.steps.map(step), attached: w.attached.map(att), needs: w.needs});
  const support = (s) => [s.offering, s.profile, s.product, s.relation, s.inferred, ev(s.evidence)];
  const reason = (r) => [r.kind, r.product, r.text.en, r.text.zh, ev(r.evidence), r.inferred, r.need, r.value,
                         r.only, r.domain];
  const norm = (q, a) => {
    if (a.error) return {error: a.error.code};
    if (a.cutShort) return {cutShort: true};
    if (q.q === 'prescribe') return a.prescriptions.map(p => {
      const why = Object.create(null); Object.keys(p.why).forEach(k => { why[k] = p.why[k].map(reason); });
      return {add: p.add, baseline: p.baseline, outside: p.outside, loop: walk(p.loop), why: why,
              whyOrder: Object.keys(p.why), support: p.support.map(support)};
    });
    if (q.q === 'loops') return a.loops.map(walk);
    if (q.q === 'path') return a.paths.map(walk);
    return {lost: a.lost.map(walk), kept: a.kept.map(walk), stranded: a.stranded};
  };
  return JSON.stringify(maps.map(m => {
    const G = new E.Graph(m.data || window.ccareMap.data);
    return m.questions.map(q => norm(q, E.ask(G, q, {})));
  }));
}"""

# ---------------------------------------------------------------------- the page


class EnginePage(Page):
    """The shipped map's page, asked many questions through its engine in one call."""

    def answers(self, maps: list) -> list:
        return json.loads(self.js(JS_ANSWERS, json.dumps(maps, ensure_ascii=False)))


@pytest.fixture(scope="module")
def page(browser, G, tmp_path_factory):
    path = tmp_path_factory.mktemp("engine") / "map.html"
    path.write_text(map_html(G), encoding="utf-8")
    p = EnginePage(browser, path)
    yield p
    p.assert_clean()
    p.close()


# ---------------------------------------------------------------------- the shipped map


def _merchant_questions(G):
    """Every product and every pair as the merchant's, with all four needs, and with each
    of the four needs alone."""
    P = products(G)
    merchants = [[p] for p in P] + [list(pair) for pair in itertools.combinations(P, 2)]
    needs = [list(NEED_CODES)] + [[c] for c in NEED_CODES]
    return [{"q": "prescribe", "has": has, "spec": {"needs": n}} for has in merchants for n in needs]


def test_prescribe_on_the_shipped_map_equals_the_library(page, G):
    questions = _merchant_questions(G)
    assert len(questions) == (13 + 78) * 5
    got = page.answers([{"questions": questions}])[0]
    for q, answer in zip(questions, got):
        assert answer == python_answer(G, q), q
    # the comparison is not vacuous: additions, reasons and loops of several lengths
    assert any(a and a[0]["add"] for a in got) and any(a and not a[0]["add"] for a in got)
    assert len({len(a[0]["loop"]["nodes"]) for a in got if a}) >= 2


def test_prescribe_with_scale_stage_and_without_alipay_equals_the_library(page, G):
    questions = [{"q": "prescribe", "has": [p], "scale": scale, "stage": stage, "alipayPayment": pay}
                 for p in products(G) for scale, stage, pay in
                 (("small", "mature", True), ("large", "exploring", True), (None, None, False))]
    got = page.answers([{"questions": questions}])[0]
    for q, answer in zip(questions, got):
        assert answer == python_answer(G, q), q
    assert any(r[0] == "profile" for a in got for p in a for rs in p["why"].values() for r in rs)


def test_path_loops_whatif_on_the_shipped_map_equal_the_library(page, G):
    P = products(G)
    questions = [{"q": "path", "source": a, "target": b, "k": 3} for a in P for b in P]
    questions += [{"q": "path", "source": "payment", "target": b, "k": 2, "via": list(FLOW_RELATIONS)} for b in P]
    questions += [{"q": "loops", "spec": {"through": [p]}} for p in P]
    questions += [{"q": "loops", "spec": {"without": [p]}} for p in P]
    questions += [{"q": "loops", "spec": {"needs": ["ACTIVE", "WORTH"], "maxLength": 3}}]
    # the first answers only, as the command line's --limit takes them (the page asks for 21)
    questions += [{"q": "loops", "limit": n} for n in (1, 2, 5, 12, 13, 14)]
    questions += [{"q": "prescribe", "has": [p], "spec": {"needs": ["SCALE"]}, "limit": n}
                  for p in ("payment", "coupons") for n in (1, 2, 3)]
    questions += [{"q": "whatif", "drop": p} for p in P]
    got = page.answers([{"questions": questions}])[0]
    for q, answer in zip(questions, got):
        assert answer == python_answer(G, q), q
    assert sum(1 for q, a in zip(questions, got) if q["q"] == "path" and len(a) > 1) > 10


def test_unknown_ids_and_bad_specs_are_errors_not_answers(page):
    bad = [{"q": "prescribe", "has": ["no-such-product"]}, {"q": "prescribe", "has": ["payment"],
           "spec": {"needs": ["HAPPY"]}}, {"q": "loops", "spec": {"maxLength": 99}},
           {"q": "path", "source": "__proto__", "target": "payment"}, {"q": "whatif", "drop": "constructor"},
           {"q": "nonsense"}, {"q": "loops", "limit": 0}, {"q": "prescribe", "has": [], "limit": 1.5}]
    got = page.answers([{"questions": bad}])[0]
    assert [a["error"] for a in got] == ["unknown", "usage", "usage", "unknown", "unknown", "usage", "usage", "usage"]


def test_a_step_limit_cuts_the_answer_short_and_says_so(page):
    got = page.js("""() => {
      const E = window.ccareEngine, G = new E.Graph(window.ccareMap.data);
      return [E.ask(G, {q: 'loops'}, {maxSteps: 5}).cutShort, E.ask(G, {q: 'loops'}, {}).cutShort];
    }""")
    assert got == [True, False]


# ---------------------------------------------------------------------- generated maps

#: ids whose code-point order differs from UTF-16 order (an astral letter after U+FB00),
#: upper before lower case, and non-ASCII, so that every tie break is tested; and ids that
#: are names of JavaScript's object machinery
NAMES = ["p1", "P2", "p10", "é", "\U0001d538x", "\ufb00", "中", "a b", "__proto__", "constructor"]


def maps(rnd: random.Random) -> nx.MultiDiGraph:
    """A small map drawn with ``rnd``: a hub and products with needs (through values),
    domains and roles; offerings that support, incentivise or combine with products, some
    suiting only small or mature merchants; a scene with flows (never on a loop); user,
    data and other flows between them, some parallel, with 0-2 quotes each."""
    n = rnd.randint(2, 7)
    hub = rnd.choice(["payment", "支付", "\U0001d538pay"])
    names = [hub] + rnd.sample(NAMES, n - 1)
    G = nx.MultiDiGraph()
    values = [f"{c.lower()}-v{i}" for c in NEED_CODES for i in range(2)]

    def ev(u, v, k):
        return [{"source": "s", "line": i + 1, "quote": f"{u}-{v}-{i}"} for i in range(k)]

    def plain(name, kind, labels, **extra):
        G.add_node(name, kind=kind, iri=name, labels=labels, needs=[], domains=[], values=[], roles=[], evidence=[],
                   **extra)

    for code in NEED_CODES:
        plain(code.lower(), "need", {"en": code.lower(), "zh": code}, code=code)
    for v in values:
        plain(v, "value", {"en": v})
        G.add_edge(v, v.split("-")[0], key="skos:broader", relation="skos:broader", evidence=[], inferred=False)
    for dom in (PUBLIC, PRIVATE):
        plain(dom, "domain", {"en": dom, "zh": "域" + dom[:2]})
    for prof in ("scale-small", "stage-mature"):
        plain(prof, "other", {"en": prof + " merchants", "zh": "商家" + prof})

    def node(name, kind, roles):
        served = sorted(rnd.sample(values, rnd.randint(0, 4)))
        domains = sorted(rnd.sample([PUBLIC, PRIVATE], rnd.choice([0, 1, 1, 2])))
        labels = rnd.choice([{"en": name, "zh": name + "品"}, {"en": name}, {}])
        G.add_node(name, kind=kind, iri=name, labels=labels, roles=list(roles), values=served, domains=domains,
                   needs=[c for c in NEED_CODES if any(v.startswith(c.lower() + "-") for v in served)],
                   evidence=ev(name, "", rnd.randint(0, 1)))
        for v in served:
            G.add_edge(name, v, key="serves", relation="serves", inferred=rnd.random() < 0.5,
                       evidence=ev(name, v, rnd.randint(0, 2)), rationale=None)
        for d in domains:
            G.add_edge(name, d, key="livesIn", relation="livesIn", inferred=False, evidence=ev(name, d, 1),
                       rationale=None)

    node(hub, "product", ["hub"])
    for name in names[1:]:
        node(name, "product", sorted(rnd.sample(["reach", "entry"], rnd.randint(0, 2))))
    for name in [f"o{i}" for i in range(rnd.randint(0, 3))]:
        node(name, rnd.choice(OFFERING_KINDS), ["entry"] if rnd.random() < 0.3 else [])
        for prof in rnd.sample(["scale-small", "stage-mature"], rnd.randint(0, 2)):
            G.add_edge(name, prof, key="suits", relation="suits", inferred=rnd.random() < 0.5,
                       evidence=ev(name, prof, 1), rationale=None)
        for target in rnd.sample(names, min(len(names), rnd.randint(0, 2))):
            rel = rnd.choice(ATTACHING)
            u, v = (target, name) if rel == "combinesWith" and rnd.random() < 0.5 else (name, target)
            G.add_edge(u, v, key=rel, relation=rel, inferred=rnd.random() < 0.5,
                       rationale=rnd.choice([None, "why"]), evidence=ev(u, v, rnd.randint(0, 2)))
    if rnd.random() < 0.5:  # a product suiting small merchants itself
        G.add_edge(names[-1], "scale-small", key="suits", relation="suits", inferred=False,
                   evidence=ev(names[-1], "s", 1), rationale=None)
    G.add_node("scene", kind="scene", iri="scene", labels={"en": "scene"}, needs=list(NEED_CODES),
               domains=[PUBLIC, PRIVATE], values=[], roles=["entry"], evidence=[])
    pairs = [(u, v) for u in [*names, "scene"] for v in [*names, "scene"]]
    # dense enough that most questions have answers: users flow out of and into the hub
    arcs = rnd.sample(pairs, rnd.randint(n, min(len(pairs), 3 * n)))
    ring = [hub] + rnd.sample(names[1:], min(n - 1, rnd.randint(1, 3)))
    arcs += list(zip(ring, ring[1:] + ring[:1]))
    for u, v in arcs:
        for rel in rnd.sample(FLOW_RELATIONS + ("userFlowsTo", "combinesWith"), rnd.randint(1, 2)):
            if G.has_edge(u, v, key=rel):
                continue
            G.add_edge(u, v, key=rel, relation=rel, inferred=rnd.random() < 0.5,
                       rationale=rnd.choice([None, "r"]), evidence=ev(u, v, rnd.randint(0, 2)))
    return G


def questions(rnd: random.Random, G) -> list:
    """Two prescriptions (merchants with up to two products or offerings, any scale, stage,
    spec, with or without Alipay payment), loops, a path and a whatif on ``G``."""
    P = products(G)
    others = sorted(n for n, k in G.nodes(data="kind") if k in ("programme", "practice"))

    def spec():
        return {"needs": sorted(rnd.sample(NEED_CODES, rnd.choice([0, 0, 1, 1, 2, 3, 4]))),
                "payment": rnd.random() < 0.4, "domains": rnd.random() < 0.3,
                "through": rnd.sample(P, rnd.choice([0, 0, 1])),
                "without": rnd.sample(P + others, rnd.choice([0, 0, 1])),
                "maxLength": rnd.randint(2, 6)}

    qs = [{"q": "prescribe", "has": rnd.sample(P + others, rnd.randint(0, 2)),
           "spec": rnd.choice([{}, spec(), spec(), spec()]), "scale": rnd.choice([None, "small", "large"]),
           "stage": rnd.choice([None, "mature", "exploring"]), "alipayPayment": rnd.random() < 0.7,
           "limit": rnd.choice([None, None, 1, 2, 4])}
          for _ in range(2)]
    qs.append({"q": "loops", "spec": spec(), "limit": rnd.choice([None, None, 1, 3])})
    qs.append({"q": "path", "source": rnd.choice(P), "target": rnd.choice(P), "k": rnd.randint(0, 3),
               "via": rnd.choice([None, list(FLOW_RELATIONS), ["dataFlowsTo"], ["combinesWith"]])})
    qs.append({"q": "whatif", "drop": rnd.choice(P), "spec": spec()})
    return qs


#: maps per example: many questions go to the page in one call
BATCH = 10


@settings(max_examples=int(os.environ.get("CCARE_ENGINE_EXAMPLES", "22")), deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), min_size=BATCH, max_size=BATCH, unique=True))
def test_engine_equals_the_library_on_generated_maps(page, seeds):
    """22 examples of 10 maps each (220 maps, 1,100 questions); a failure names its seed."""
    cases = []
    for seed in seeds:
        rnd = random.Random(seed)
        G = maps(rnd)
        cases.append((seed, G, questions(rnd, G)))
    got = page.answers([{"data": page_data(G, positions=dict.fromkeys(G, (0.0, 0.0))), "questions": qs}
                        for _, G, qs in cases])
    for (seed, G, qs), answers in zip(cases, got):
        for q, a in zip(qs, answers):
            assert a == python_answer(G, q), (seed, q)

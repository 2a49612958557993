"""Property tests of the graph queries on generated small maps, against brute force.

Maps are ``MultiDiGraph`` s in the shape :func:`ccare.graph.build.to_networkx` builds:
product nodes with needs, domains and roles (the payment hub, data-to-reach products,
entry channels), offerings that support or combine with products (some suiting only
small merchants), a few non-product nodes, user- and data-flow edges (some parallel)
with evidence and an inferred flag.  Brute force is written here independently of the
library: every simple cycle (``nx.simple_cycles``) with every set of attachable
offerings, filtered afterwards; every subset of products and offerings tried in turn.
"""

from __future__ import annotations

import itertools

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccare.graph.build import FLOW_RELATIONS
from ccare.graph.loops import LoopSpec, operating_loops
from ccare.graph.paths import product_paths
from ccare.graph.prescribe import prescriptions
from ccare.graph.rank import pagerank
from ccare.graph.search import CycleSearch
from ccare.graph.whatif import whatif
from ccare.kb.model import NEED_CODES
from ccare.limits import Budget

PUBLIC, PRIVATE = "public-domain", "private-domain"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ATTACHING = ("supports", "incentivises", "combinesWith")
OFFERING_KINDS = ("product", "programme", "practice")


@st.composite
def maps(draw, min_products=2, max_products=7, max_offerings=3, dense=False):
    """A map: ``payment`` (the hub) and products with flows between them; offerings that
    support or combine with products, some only for small merchants; a scene.  ``dense``:
    between 2 n and 3 n arcs, each carrying users, so that most maps hold several loops."""
    n = draw(st.integers(min_products, max_products))
    names = ["payment"] + [f"p{i}" for i in range(1, n)]
    G = nx.MultiDiGraph()

    def node(name, kind, roles=()):
        G.add_node(
            name,
            kind=kind,
            iri=f"https://example.org/{name}",
            type_iri="https://w3id.org/ccare/ontology#Product",
            labels={"en": name, "zh": name},
            needs=[c for c in NEED_CODES if c in draw(st.sets(st.sampled_from(NEED_CODES), min_size=1, max_size=2))],
            domains=sorted(draw(st.sets(st.sampled_from([PUBLIC, PRIVATE]), max_size=2))),
            values=[],
            roles=list(roles),
        )

    node("payment", "product", ["hub"])
    for name in names[1:]:
        node(name, "product", sorted(draw(st.sets(st.sampled_from(["reach", "entry"]), max_size=2))))
    offerings = [f"o{i}" for i in range(draw(st.integers(0, max_offerings)))]
    for name in offerings:
        node(name, draw(st.sampled_from(OFFERING_KINDS)), sorted(draw(st.sets(st.sampled_from(["entry"])))))
        if draw(st.booleans()):
            G.add_edge(name, "scale-small", key="suits", relation="suits", inferred=False, evidence=[], rationale=None)
        for target in draw(st.sets(st.sampled_from(names), max_size=2)):
            rel = draw(st.sampled_from(ATTACHING))
            u, v = (target, name) if rel == "combinesWith" and draw(st.booleans()) else (name, target)
            G.add_edge(u, v, key=rel, relation=rel, inferred=draw(st.booleans()), rationale=None,
                       evidence=[{"source": "s", "line": 1, "quote": f"{u}-{v}"}])
    # a non-product node with flows and a combination, which loops must never use
    G.add_node("scene", kind="scene", iri="https://example.org/scene", labels={"en": "scene"},
               needs=list(NEED_CODES), domains=[PUBLIC, PRIVATE], values=[], roles=["entry"])
    G.add_node("scale-small", kind="other", iri="https://example.org/scale-small", labels={"en": "small"},
               needs=[], domains=[], values=[], roles=[])
    pairs = [(u, v) for u in [*names, "scene"] for v in [*names, "scene"]]
    # dense enough that most maps have cycles: between n and 2.5 n arcs, a few parallel
    arcs = draw(st.permutations(pairs))[: draw(st.integers(2 * n, 3 * n) if dense else st.integers(n, int(2.5 * n)))]
    for u, v in arcs:
        rels = draw(st.sets(st.sampled_from(FLOW_RELATIONS + ("combinesWith",)), min_size=1, max_size=2))
        for rel in rels | {"userFlowsTo"} if dense else rels:
            inferred, quotes = draw(st.booleans()), draw(st.integers(0, 2))
            G.add_edge(u, v, key=rel, relation=rel, inferred=inferred, rationale=None,
                       evidence=[{"source": "s", "line": i + 1, "quote": f"{u}-{v}-{i}"} for i in range(quotes)])
    return G


def _products(G):
    return sorted(n for n, k in G.nodes(data="kind") if k == "product")


@st.composite
def specs(draw, G):
    """Loop specs; most are built around one cycle of ``G`` so that some loop qualifies."""
    products = _products(G)
    cycles = sorted(map(tuple, nx.simple_cycles(_flows(G), length_bound=5)))
    profiles = draw(st.sampled_from([(), ("scale-small",)]))
    if cycles and draw(st.integers(0, 3)):
        c = draw(st.sampled_from(cycles))
        have = [x for x in NEED_CODES if any(x in G.nodes[n]["needs"] for n in c)]
        rest = [n for n in G if n not in c]
        return LoopSpec(
            needs=tuple(x for x in have if x in draw(st.sets(st.sampled_from(have)))) if have else (),
            payment="payment" in c and draw(st.booleans()),
            domains=draw(st.booleans()),
            through=tuple(draw(st.lists(st.sampled_from(c), max_size=1))),
            without=tuple(draw(st.lists(st.sampled_from(rest), max_size=1))) if rest else (),
            max_length=draw(st.integers(len(c), 6)),
            profiles=profiles,
        )
    return LoopSpec(
        needs=tuple(c for c in NEED_CODES if c in draw(st.sets(st.sampled_from(NEED_CODES)))),
        payment=draw(st.booleans()),
        domains=draw(st.booleans()),
        through=tuple(draw(st.lists(st.sampled_from(products), max_size=1))),
        without=tuple(draw(st.lists(st.sampled_from(sorted(G)), max_size=1))),
        max_length=draw(st.integers(1, 6)),
        profiles=profiles,
    )


# ---------------------------------------------------------------------- brute force
# The definition of an operating loop, written out plainly (see ccare.graph.loops):
# a simple cycle of products (no self-loops) over user flows, and data flows into a
# product with the "reach" role, with at least one arc carrying users; plus offerings
# attached to its products (supports / incentivises / combinesWith, an offering kind, not
# on any flow, suiting the merchant's profile or owned); together they serve the needs,
# the hub is on the cycle, the private domain and the public domain or an entry channel
# are covered; no attached offering can be left out.


def _flows(G, nodes=None, without=()):
    """The digraph loops and paths walk: user flows, and data flows into "reach" products."""
    D = nx.DiGraph()
    keep = set(_products(G)) if nodes is None else {n for n in nodes if G.nodes[n]["kind"] == "product"}
    keep -= set(without)
    D.add_nodes_from(keep)
    for u, v, k in G.edges(keys=True):
        if u in keep and v in keep and u != v:
            if k == "userFlowsTo" or (k == "dataFlowsTo" and "reach" in G.nodes[v]["roles"]):
                D.add_edge(u, v)
    return D


def _canon(nodes):
    nodes = list(nodes)
    i = nodes.index(min(nodes))
    return tuple(nodes[i:] + nodes[:i])


def _items(G, n):
    d = G.nodes[n]
    out = {("need", c) for c in d["needs"]} | {("domain", x) for x in d["domains"]}
    if PUBLIC in d["domains"] or "entry" in d["roles"]:
        out.add("acquire")
    return out


def _required(spec):
    out = {("need", c) for c in spec.needs}
    if spec.domains:
        out |= {("domain", PRIVATE), "acquire"}
    return out


def _attachable(G, D, spec, owned, product, allowed):
    """Offerings that may be attached to ``product`` (ids), among ``allowed`` nodes."""
    out = set()
    for x in G:
        if x == product or x in D or x in spec.without or x not in allowed:
            continue
        if any(u in D and v in D for u, v in [(x, x)]):
            continue
        if G.nodes[x]["kind"] not in OFFERING_KINDS:
            continue
        linked = any(G.has_edge(x, product, key=r) for r in ATTACHING) or G.has_edge(product, x, key="combinesWith")
        suits = [v for _, v, k in G.out_edges(x, keys=True) if k == "suits"]
        if linked and (not suits or x in owned or any(v in spec.profiles for v in suits)):
            out.add(x)
    return out


def _brute(G, spec, nodes=None, owned=()):
    """Every loop ``(cycle, offerings)`` meeting ``spec``, using only ``nodes`` (default all)."""
    allowed = set(G) if nodes is None else set(nodes)
    D = _flows(G, allowed, spec.without)
    on_flows = {n for e in D.edges() for n in e}
    Dfull = D.subgraph(on_flows)  # attachable offerings must not be on any flow
    required = _required(spec)
    found = set()
    for c in nx.simple_cycles(Dfull, length_bound=spec.max_length):
        cyc = set(c)
        if spec.payment and "payment" not in cyc or not set(spec.through) <= cyc:
            continue
        arcs = list(zip(c, c[1:] + c[:1]))
        if not any(G.has_edge(u, v, key="userFlowsTo") for u, v in arcs):
            continue
        cands = set().union(*(_attachable(G, Dfull, spec, owned, p, allowed) for p in c)) - cyc
        base = set().union(*(_items(G, n) for n in c))
        for k in range(len(cands) + 1):
            for extra in itertools.combinations(sorted(cands), k):
                got = base.union(*(_items(G, x) for x in extra))
                if not required <= got:
                    continue
                if any(required <= base.union(*(_items(G, y) for y in extra if y != x)) for x in extra):
                    continue  # an offering could be left out: not minimal
                found.add((_canon(c), frozenset(extra)))
    return found


def _key(w):
    return (_canon(w.nodes), frozenset(a.offering for a in w.attached))


def _is_cycle(G, loop):
    n = len(loop.nodes)
    assert len(loop.steps) == n
    for i, step in enumerate(loop.steps):
        assert (step.source, step.target) == (loop.nodes[i], loop.nodes[(i + 1) % n])
        assert step.relation in FLOW_RELATIONS and G.has_edge(step.source, step.target, key=step.relation)
        assert step.relation == "userFlowsTo" or "reach" in G.nodes[step.target]["roles"], "data carried a customer"
    for a in loop.attached:
        assert a.product in loop.nodes and a.offering not in loop.nodes
        assert G.has_edge(a.offering, a.product, key=a.relation) or (
            a.relation == "combinesWith" and G.has_edge(a.product, a.offering, key=a.relation))


@SETTINGS
@given(st.data())
def test_loops_are_exactly_the_brute_force_cycles(data):
    G = data.draw(maps())
    spec = data.draw(specs(G))
    loops = list(operating_loops(G, spec))
    for w in loops:
        _is_cycle(G, w)
        assert len(w.nodes) <= spec.max_length
        assert w.needs == tuple(c for c in NEED_CODES if any(c in G.nodes[n]["needs"] for n in w.products))
    got = [_key(w) for w in loops]
    assert len(got) == len(set(got)), "a loop was found twice"
    assert set(got) == _brute(G, spec), "a loop was missed or invented"
    assert [len(w.nodes) for w in loops] == sorted(len(w.nodes) for w in loops)


@SETTINGS
@given(st.data())
def test_a_budget_cuts_short_without_inventing(data):
    G = data.draw(maps(min_products=4))
    spec = LoopSpec(needs=(), payment=False, domains=False, max_length=6)
    budget = Budget(timeout=None, max_steps=data.draw(st.integers(1, 30)))
    part = [_key(w) for w in operating_loops(G, spec, budget)]
    full = _brute(G, spec)
    assert set(part) <= full
    if not budget.cut_short:
        assert set(part) == full


@SETTINGS
@given(st.data())
def test_cycle_search_without_constraints_is_simple_cycles(data):
    D = nx.DiGraph(data.draw(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=14)))
    bound = data.draw(st.integers(1, 6))
    found = list(CycleSearch({n: list(D.successors(n)) for n in D}).cycles(max_length=bound))
    assert len(found) == len(set(map(_canon, found)))
    assert set(map(_canon, found)) == {_canon(c) for c in nx.simple_cycles(D, length_bound=bound)}


def _closing_sets(G, has, spec):
    """Every set of products and offerings to add (by brute force) for which ``has`` (with
    payment, the baseline) plus the set holds a qualifying loop through one of the
    merchant's own (a product on the cycle or an offering attached to it); through one of
    them or payment when no set gives a loop through the merchant's own.  Also returns the
    set the loops went through."""
    H = set(has) | {"payment"}
    own = set(has) - {"payment"}
    others = sorted(n for n in G if G.nodes[n]["kind"] in OFFERING_KINDS and n not in H)
    through_own, through_any = [], []
    for k in range(len(others) + 1):
        for add in itertools.combinations(others, k):
            loops = _brute(G, spec, nodes=H | set(add), owned=H)
            if any((set(c) | extra) & own for c, extra in loops):
                through_own.append(frozenset(add))
            if any((set(c) | extra) & H for c, extra in loops):
                through_any.append(frozenset(add))
    return (through_own, own) if through_own else (through_any, H)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_prescriptions_are_minimal_and_complete(data):
    G = data.draw(maps(max_products=5, max_offerings=2))
    runs = sorted(n for n in G if G.nodes[n]["kind"] in OFFERING_KINDS)  # products and offerings
    has = data.draw(st.lists(st.sampled_from(runs), max_size=2, unique=True))
    _check_prescriptions(G, has, data.draw(specs(G)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_loop_goes_through_what_the_merchant_runs(data):
    """As above with few conditions, so that most maps close a loop, and often a smaller one
    that skips what the merchant runs: the answer brings the merchant's own onto the loop."""
    G = data.draw(maps(min_products=4, max_products=6, max_offerings=2, dense=True))
    runs = sorted(n for n in G if G.nodes[n]["kind"] in OFFERING_KINDS and n != "payment")
    has = data.draw(st.lists(st.sampled_from(runs), min_size=1, max_size=2, unique=True))
    spec = LoopSpec(needs=tuple(data.draw(st.sets(st.sampled_from(NEED_CODES), max_size=1))), domains=False,
                    payment=data.draw(st.booleans()), max_length=data.draw(st.integers(3, 5)))
    _check_prescriptions(G, has, spec)


def _check_prescriptions(G, has, spec):
    found = list(prescriptions(G, has, spec))
    closing, through = _closing_sets(G, has, spec)
    minimal = {s for s in closing if not any(t < s for t in closing)}
    if not closing:
        assert found == []
        return
    sizes = [len(p.add) for p in found]
    assert sizes == sorted(sizes)
    assert sizes[0] == min(len(s) for s in closing), "not the smallest"
    assert {frozenset(p.add) for p in found} == minimal, "a minimal set was missed, or a set is not minimal"
    assert len(found) == len(minimal)
    H = set(has) | {"payment"}
    for p in found:
        _is_cycle(G, p.loop)
        assert "payment" not in p.add, "payment is the baseline, never added"
        assert set(p.add) <= set(p.loop.products) <= set(p.add) | H
        assert (set(p.loop.nodes) | {a.offering for a in p.loop.attached}) & through, "not through the merchant's own"
        assert set(p.why) == set(p.add)
        assert p.baseline == ("payment",)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_without_alipay_payment_payment_may_be_added(data):
    G = data.draw(maps(max_products=5, max_offerings=1))
    spec = LoopSpec(needs=(), domains=False, max_length=4)
    found = list(prescriptions(G, ["p1"], spec, alipay_payment=False))
    for p in found:
        assert p.baseline == ()
        assert "payment" in p.loop.nodes
        assert ("payment" in p.add) == True  # noqa: E712 - p1 is the merchant's only product
    with_payment = list(prescriptions(G, ["p1"], spec))
    assert [len(p.add) + 1 for p in with_payment][:1] == [len(p.add) for p in found][:1] or not found


@SETTINGS
@given(st.data())
def test_whatif_splits_loops_into_lost_and_kept(data):
    G = data.draw(maps())
    spec = data.draw(specs(G))
    drop = data.draw(st.sampled_from(sorted(n for n in G if G.nodes[n]["kind"] in OFFERING_KINDS)))
    w = whatif(G, drop, spec)
    assert all(drop in loop.products for loop in w.lost)
    dropped = LoopSpec(**{**spec.__dict__, "without": tuple({*spec.without, drop})})
    assert {_key(loop) for loop in w.kept} == _brute(G, dropped)
    assert {_key(loop) for loop in (*w.lost, *w.kept)} == _brute(G, spec)


@SETTINGS
@given(st.data())
def test_paths_are_shortest_first_and_real(data):
    G = data.draw(maps())
    products = sorted(n for n, k in G.nodes(data="kind") if k == "product")
    a, b = data.draw(st.sampled_from(products)), data.draw(st.sampled_from(products))
    k = data.draw(st.integers(0, 4))
    paths = list(product_paths(G, a, b, k=k))
    D = nx.DiGraph()  # a customer's route: user flows only, by default
    D.add_nodes_from(products)
    D.add_edges_from((u, v) for u, v, r in G.edges(keys=True) if r == "userFlowsTo" and u in D and v in D and u != v)
    if not nx.has_path(D, a, b):
        assert paths == []
        return
    everything = list(nx.all_simple_paths(D, a, b)) if a != b else [[a]]
    assert len(paths[0].steps) == nx.shortest_path_length(D, a, b)
    assert len(paths) == min(k + 1, len(everything))
    assert len({p.nodes for p in paths}) == len(paths)
    lengths = [len(p.steps) for p in paths]
    assert lengths == sorted(lengths) == sorted(len(p) - 1 for p in everything)[: len(paths)]
    for p in paths:
        assert p.nodes[0] == a and p.nodes[-1] == b and len(set(p.nodes)) == len(p.nodes)
        for s in p.steps:
            assert G.has_edge(s.source, s.target, key=s.relation) and s.relation == "userFlowsTo"


def pagerank_exact(D, alpha=0.85):
    """PageRank as :func:`networkx.pagerank` defines it (uniform teleport, the rank of a node
    without out-arcs spread over all nodes), solved exactly rather than iterated.

    The ranks are the solution of ``(I - alpha*A) x = (1 - alpha)/n``, where ``A[v][u]`` is
    ``1/outdegree(u)`` for an arc u→v and ``1/n`` for every v when u has no out-arcs.  The
    matrix is diagonally dominant by columns, so Gaussian elimination with partial pivoting
    is exact to rounding.  An oracle of its own: no networkx internals, no power iteration.
    """
    nodes = list(D)
    n = len(nodes)
    index = {u: i for i, u in enumerate(nodes)}
    m = [[float(i == j) for j in range(n)] + [(1 - alpha) / n] for i in range(n)]
    for u in nodes:
        out = D.out_degree(u)
        targets = [(index[v], 1 / out) for v in D.successors(u)] if out else [(i, 1 / n) for i in range(n)]
        for i, share in targets:
            m[i][index[u]] -= alpha * share
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col and m[r][col]:
                f = m[r][col] / m[col][col]
                m[r] = [a - f * b for a, b in zip(m[r], m[col])]
    return {u: m[i][n] / m[i][i] for u, i in index.items()}


def test_pagerank_oracle_on_known_graphs():
    # a directed cycle: every node alike; a node that only receives: networkx's own answer
    assert all(abs(x - 0.25) < 1e-12 for x in pagerank_exact(nx.DiGraph([(0, 1), (1, 2), (2, 3), (3, 0)])).values())
    star = pagerank_exact(nx.DiGraph([(1, 0), (2, 0), (3, 0)]))
    assert abs(sum(star.values()) - 1) < 1e-12 and star[0] > star[1] == star[2] == star[3]
    assert abs(star[1] - 0.25 / 1.6375) < 1e-12  # x_leaf = 0.15/4 + 0.85*x_0/4 (0 has no out-arcs), x_0 = 1 - 3*x_leaf


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=20))
def test_pagerank_matches_networkx(edges):
    D = nx.DiGraph(edges)
    ours = pagerank(D)
    assert abs(sum(ours.values()) - 1) < 1e-9
    exact = pagerank_exact(D)
    assert all(abs(ours[n] - exact[n]) < 1e-8 for n in D)
    # and networkx's public PageRank agrees (needs scipy; the exact oracle above never skips)
    try:
        theirs = nx.pagerank(D, tol=1e-12, max_iter=2000)
    except ImportError:
        return
    assert all(abs(ours[n] - theirs[n]) < 1e-8 for n in D)

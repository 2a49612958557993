"""Property tests of the graph queries on generated small maps, against brute force.

Maps are ``MultiDiGraph`` s in the shape :func:`ccare.graph.build.to_networkx` builds:
product nodes with needs and domains, a few non-product nodes, user- and data-flow
edges (some parallel) with evidence and an inferred flag.  Brute force is written
here independently of the library: every simple cycle (``nx.simple_cycles``) filtered
afterwards, every subset of products tried in turn.
"""

from __future__ import annotations

import itertools

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccare.graph.build import FLOW_RELATIONS
from ccare.graph.loops import LoopSpec, loop_rank, operating_loops
from ccare.graph.paths import product_paths
from ccare.graph.prescribe import prescriptions
from ccare.graph.rank import pagerank
from ccare.graph.search import CycleSearch
from ccare.graph.whatif import whatif
from ccare.kb import NEED_CODES
from ccare.limits import Budget

PUBLIC, PRIVATE = "public-domain", "private-domain"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def maps(draw, min_products=2, max_products=7):
    n = draw(st.integers(min_products, max_products))
    names = ["payment"] + [f"p{i}" for i in range(1, n)]
    G = nx.MultiDiGraph()
    for name in names:
        G.add_node(
            name,
            kind="product",
            iri=f"https://example.org/{name}",
            type_iri="https://w3id.org/ccare/ontology#Product",
            labels={"en": name, "zh": name},
            needs=[c for c in NEED_CODES if c in draw(st.sets(st.sampled_from(NEED_CODES), min_size=1, max_size=2))],
            domains=sorted(draw(st.sets(st.sampled_from([PUBLIC, PRIVATE]), min_size=1, max_size=2))),
            values=[],
        )
    # a non-product node with flows, which loops must never use
    G.add_node("scene", kind="scene", iri="https://example.org/scene", labels={"en": "scene"},
               needs=list(NEED_CODES), domains=[PUBLIC, PRIVATE], values=[])
    pairs = [(u, v) for u in [*names, "scene"] for v in [*names, "scene"]]
    # dense enough that most maps have cycles: between n and 2.5 n arcs, a few parallel
    arcs = draw(st.permutations(pairs))[: draw(st.integers(n, int(2.5 * n)))]
    for u, v in arcs:
        for rel in draw(st.sets(st.sampled_from(FLOW_RELATIONS + ("combinesWith",)), min_size=1, max_size=2)):
            inferred, quotes = draw(st.booleans()), draw(st.integers(0, 2))
            G.add_edge(u, v, key=rel, relation=rel, inferred=inferred, rationale=None,
                       evidence=[{"source": "s", "line": i + 1, "quote": f"{u}-{v}-{i}"} for i in range(quotes)])
    return G


@st.composite
def specs(draw, G):
    """Loop specs; most are built around one cycle of ``G`` so that some loop qualifies."""
    products = sorted(n for n, k in G.nodes(data="kind") if k == "product")
    cycles = sorted(map(tuple, nx.simple_cycles(_flows(G), length_bound=5)))
    if cycles and draw(st.integers(0, 3)):
        c = draw(st.sampled_from(cycles))
        have = [x for x in NEED_CODES if any(x in G.nodes[n]["needs"] for n in c)]
        doms = {d for n in c for d in G.nodes[n]["domains"]}
        rest = [n for n in products if n not in c]
        return LoopSpec(
            needs=tuple(x for x in have if x in draw(st.sets(st.sampled_from(have)))) if have else (),
            payment="payment" in c and draw(st.booleans()),
            domains={PUBLIC, PRIVATE} <= doms and draw(st.booleans()),
            through=tuple(draw(st.lists(st.sampled_from(c), max_size=1))),
            without=tuple(draw(st.lists(st.sampled_from(rest), max_size=1))) if rest else (),
            max_length=draw(st.integers(len(c), 6)),
        )
    return LoopSpec(
        needs=tuple(c for c in NEED_CODES if c in draw(st.sets(st.sampled_from(NEED_CODES)))),
        payment=draw(st.booleans()),
        domains=draw(st.booleans()),
        through=tuple(draw(st.lists(st.sampled_from(products), max_size=1))),
        without=tuple(draw(st.lists(st.sampled_from(products), max_size=1))),
        max_length=draw(st.integers(1, 6)),
    )


def _flows(G, nodes=None):
    D = nx.DiGraph()
    keep = {n for n, k in G.nodes(data="kind") if k == "product"} if nodes is None else set(nodes)
    D.add_nodes_from(keep)
    D.add_edges_from((u, v) for u, v, k in G.edges(keys=True) if k in FLOW_RELATIONS and u in keep and v in keep)
    return D


def _canon(nodes):
    nodes = list(nodes)
    i = nodes.index(min(nodes))
    return tuple(nodes[i:] + nodes[:i])


def _ok(G, cycle, spec):
    cyc = set(cycle)
    needs = {c for n in cyc for c in G.nodes[n]["needs"]}
    doms = {d for n in cyc for d in G.nodes[n]["domains"]}
    return (set(spec.needs) <= needs
            and (not spec.payment or "payment" in cyc)
            and (not spec.domains or {PUBLIC, PRIVATE} <= doms)
            and set(spec.through) <= cyc and not cyc & set(spec.without))


def _brute(G, spec, nodes=None):
    return {_canon(c) for c in nx.simple_cycles(_flows(G, nodes), length_bound=spec.max_length) if _ok(G, c, spec)}


def _is_cycle(G, loop):
    n = len(loop.nodes)
    assert len(loop.steps) == n
    for i, step in enumerate(loop.steps):
        assert (step.source, step.target) == (loop.nodes[i], loop.nodes[(i + 1) % n])
        assert step.relation in FLOW_RELATIONS and G.has_edge(step.source, step.target, key=step.relation)
        # the step follows the best-evidenced parallel edge: nothing stated was passed over
        if step.inferred:
            assert all(d["inferred"] for k, d in G.get_edge_data(step.source, step.target).items() if k in FLOW_RELATIONS)


@SETTINGS
@given(st.data())
def test_loops_are_exactly_the_brute_force_cycles(data):
    G = data.draw(maps())
    spec = data.draw(specs(G))
    loops = list(operating_loops(G, spec))
    for w in loops:
        _is_cycle(G, w)
        assert _ok(G, w.nodes, spec) and len(w.nodes) <= spec.max_length
        assert w.needs == tuple(c for c in NEED_CODES if any(c in G.nodes[n]["needs"] for n in w.nodes))
    got = [_canon(w.nodes) for w in loops]
    assert len(got) == len(set(got)), "a loop was found twice"
    assert set(got) == _brute(G, spec), "a loop was missed or invented"
    assert [loop_rank(w) for w in loops] == sorted(loop_rank(w) for w in loops)


@SETTINGS
@given(st.data())
def test_a_budget_cuts_short_without_inventing(data):
    G = data.draw(maps(min_products=4))
    spec = LoopSpec(needs=(), payment=False, domains=False, max_length=6)
    budget = Budget(timeout=None, max_steps=data.draw(st.integers(1, 30)))
    part = [_canon(w.nodes) for w in operating_loops(G, spec, budget)]
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
    """Every set of products to add (by brute force) for which has + set holds a qualifying loop."""
    others = sorted(n for n, k in G.nodes(data="kind") if k == "product" and n not in has)
    out = []
    for k in range(len(others) + 1):
        for add in itertools.combinations(others, k):
            cycles = _brute(G, spec, nodes=set(has) | set(add))
            if any(not has or set(c) & set(has) for c in cycles):
                out.append(frozenset(add))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_prescriptions_are_minimal_and_complete(data):
    G = data.draw(maps(max_products=6))
    products = sorted(n for n, k in G.nodes(data="kind") if k == "product")
    has = data.draw(st.lists(st.sampled_from(products), max_size=2, unique=True))
    spec = data.draw(specs(G))
    found = list(prescriptions(G, has, spec))
    closing = _closing_sets(G, has, spec)
    minimal = {s for s in closing if not any(t < s for t in closing)}
    if not closing:
        assert found == []
        return
    sizes = [len(p.add) for p in found]
    assert sizes == sorted(sizes)
    assert sizes[0] == min(len(s) for s in closing), "not the smallest"
    assert {frozenset(p.add) for p in found} == minimal, "a minimal set was missed, or a set is not minimal"
    assert len(found) == len(minimal)
    for p in found:
        _is_cycle(G, p.loop)
        assert _ok(G, p.loop.nodes, spec)
        assert set(p.add) <= set(p.loop.nodes) <= set(p.add) | set(has)
        assert not has or set(p.loop.nodes) & set(has)
        assert set(p.why) == set(p.add)


@SETTINGS
@given(st.data())
def test_whatif_splits_loops_into_lost_and_kept(data):
    G = data.draw(maps())
    spec = data.draw(specs(G))
    drop = data.draw(st.sampled_from(sorted(n for n, k in G.nodes(data="kind") if k == "product")))
    w = whatif(G, drop, spec)
    assert all(drop in loop.nodes for loop in w.lost)
    dropped = LoopSpec(**{**spec.__dict__, "without": tuple({*spec.without, drop})})
    assert {_canon(loop.nodes) for loop in w.kept} == _brute(G, dropped)
    assert {_canon(loop.nodes) for loop in (*w.lost, *w.kept)} == _brute(G, spec)


@SETTINGS
@given(st.data())
def test_paths_are_shortest_first_and_real(data):
    G = data.draw(maps())
    products = sorted(n for n, k in G.nodes(data="kind") if k == "product")
    a, b = data.draw(st.sampled_from(products)), data.draw(st.sampled_from(products))
    k = data.draw(st.integers(0, 4))
    paths = list(product_paths(G, a, b, k=k))
    D = _flows(G)
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
            assert G.has_edge(s.source, s.target, key=s.relation)


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=20))
def test_pagerank_matches_networkx(edges):
    D = nx.DiGraph(edges)
    reference = getattr(nx.algorithms.link_analysis.pagerank_alg, "_pagerank_python", None)
    ours = pagerank(D)
    assert abs(sum(ours.values()) - 1) < 1e-9
    if reference is not None:
        theirs = reference(D, tol=1e-12, max_iter=2000)
        assert all(abs(ours[n] - theirs[n]) < 1e-8 for n in D)

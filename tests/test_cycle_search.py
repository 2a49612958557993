"""Property tests of :class:`ccare.graph.search.CycleSearch`'s bounds, on small random graphs.

The search prunes by a set-cover bound on the items still missing, by the cost of the way
back to the start (a node with no way back through nodes of weight 0 leaves at least 1 to
pay), and by the first steps of each start kept with their least cost across cost levels.
``reweighted`` derives the set-cover tables of a search that differs from a shared one in
a few nodes' weights and in more anchor sets.  None of this may change what is found or
the order it is found in: each search here is compared with the same search built from
scratch (``CycleSearch`` with all its weights and anchors) and with brute force over
``nx.simple_cycles``.
"""

from __future__ import annotations

import networkx as nx
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ccare.graph.search import CycleSearch

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ITEMS = ("x", "y", "z")


@st.composite
def problems(draw):
    """A graph on 1 to 7 nodes (self-loops allowed), what each node provides and stands
    for, required items, weights, anchor sets, and a change of some weights and anchors."""
    n = draw(st.integers(1, 7))
    nodes = list(range(n))
    edges = draw(st.lists(st.tuples(st.sampled_from(nodes), st.sampled_from(nodes)), max_size=3 * n))
    succ = {v: sorted({b for a, b in edges if a == v}) for v in nodes}
    provides = {v: draw(st.sets(st.sampled_from(ITEMS), max_size=2)) for v in nodes}
    required = draw(st.sets(st.sampled_from(ITEMS)))
    # a node stands for itself and maybe a shared offering: two nodes sharing one never meet on a cycle
    members = {v: frozenset({v, *draw(st.sets(st.sampled_from(["o1", "o2"]), max_size=1))}) for v in nodes}
    sets = st.sets(st.sampled_from(nodes), min_size=1, max_size=3)
    weight = {v: draw(st.integers(0, 2)) for v in nodes}
    anchors = draw(st.lists(sets, max_size=2))
    # mostly lowered weights (the derived tables); sometimes raised ones (built again)
    changes = {v: draw(st.integers(0, weight[v] if draw(st.booleans()) else 3))
               for v in draw(st.sets(st.sampled_from(nodes), max_size=3))}
    extra = draw(st.lists(sets, max_size=2))
    return succ, provides, required, members, weight, anchors, changes, extra


def _brute(succ, provides, required, members, weight, anchors, lo, hi, cmin, cmax) -> set:
    D = nx.DiGraph()
    D.add_nodes_from(succ)
    D.add_edges_from((a, b) for a, vs in succ.items() for b in vs)
    out = set()
    for c in nx.simple_cycles(D, length_bound=hi):
        got = set().union(*(provides[v] for v in c))
        stands = [m for v in c for m in members[v]]
        cost = sum(weight[v] for v in c)
        if (lo <= len(c) and set(required) <= got and all(set(c) & a for a in anchors)
                and len(stands) == len(set(stands)) and (cmin is None or cost >= cmin)
                and (cmax is None or cost <= cmax)):
            out.add(_canon(c))
    return out


def _canon(c) -> tuple:
    c = list(c)
    i = c.index(min(c))
    return tuple(c[i:] + c[:i])


@SETTINGS
@given(problems(), st.integers(1, 7), st.integers(1, 3))
def test_reweighted_finds_what_a_search_from_scratch_finds(problem, hi, lo):
    succ, provides, required, members, weight, anchors, changes, extra = problem
    shared = CycleSearch(succ, provides, required, anchors, weight, members)
    asked = shared.reweighted(changes, extra)
    now = {**weight, **changes}
    alone = CycleSearch(succ, provides, required, [*anchors, *extra], now, members)
    top = sum(now.values()) + 1
    for cmax, cmin in [(None, None), *((c, c) for c in range(top + 1)), (top // 2, None)]:
        bounds = dict(max_length=hi, min_length=lo, max_cost=cmax, min_cost=cmin)
        found = list(asked.cycles(**bounds))
        assert found == list(alone.cycles(**bounds)), "another order or other cycles than a search from scratch"
        assert len(found) == len(set(map(_canon, found))), "a cycle was found twice"
        expected = _brute(succ, provides, required, members, now, [*anchors, *extra], lo, hi, cmin, cmax)
        assert set(map(_canon, found)) == expected, "a cycle was missed or invented"
        if cmax is not None and not asked.cut_by_cost:  # then no cycle costs more than cmax
            assert not _brute(succ, provides, required, members, now, [*anchors, *extra], lo, hi, cmax + 1, None)
    # the same search asked again (its first steps and ways back are kept): the same cycles
    assert list(asked.cycles(max_length=hi, max_cost=1, min_cost=1)) == list(alone.cycles(
        max_length=hi, max_cost=1, min_cost=1))


@SETTINGS
@given(problems())
def test_derived_set_cover_tables_are_exact(problem):
    """Where the weights only fell and the anchors kept their order, the tables derived from
    the shared search's equal the tables built from scratch, entry by entry."""
    succ, provides, required, members, weight, anchors, changes, extra = problem
    lowered = {v: min(c, weight[v]) for v, c in changes.items()}
    shared = CycleSearch(succ, provides, required, anchors, weight, members)
    asked = shared.reweighted(lowered, extra)
    alone = CycleSearch(succ, provides, required, asked.anchors, {**weight, **lowered}, members)
    # the same bits for the same anchor sets (reweighted keeps a shared anchor set that a new one
    # makes redundant; a search from scratch drops it, which moves the bits)
    assume([sorted(a) for a in alone.anchors] == [sorted(a) for a in asked.anchors])
    for m in range(asked.required + 1):
        assert asked.min_nodes(m) == alone.min_nodes(m)
        assert asked._min_weight(m) == alone._min_weight(m)


def test_an_anchor_holding_another_adds_no_condition():
    """A set of anchors that holds another anchor set is dropped: every cycle through the
    smaller set meets it (a merchant's products hold the payment hub)."""
    succ = {"a": ["b"], "b": ["a", "c"], "c": ["a"]}
    s = CycleSearch(succ, anchors=[{"a", "c"}, {"c"}])
    assert s.anchors == [{"c"}]
    assert sorted(s.cycles(max_length=3)) == [("c", "a", "b")]
    t = CycleSearch(succ, anchors=[{"c"}]).reweighted({}, anchors=[{"a", "c"}, {"b"}])
    assert t.anchors == [{"c"}, {"b"}]
    assert sorted(t.cycles(max_length=3)) == [("b", "c", "a")]  # from the smallest anchor set, first by name

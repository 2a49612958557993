"""Product paths: how users (or data) get from one product to another.

:func:`product_paths` yields the shortest path first, then the next-shortest simple
paths as alternatives (Yen's algorithm, :func:`networkx.shortest_simple_paths`).
Paths of the same length come strongest evidence first: fewer inferred steps, then
more quotes, then by node ids.  By default paths follow the user flows between
products: the route a customer takes, which never walks a data flow.  ``via`` names the
relations to follow instead (edge keys of the map graph: ``userFlowsTo`` and
``dataFlowsTo`` for users and data, or e.g. ``combinesWith`` or ``skos:broader``, and then
any entity may be on the path).

Examples
--------
>>> from ccare.kb.model import load
>>> from ccare.graph.build import to_networkx
>>> G = to_networkx(load())
>>> [w.nodes for w in product_paths(G, "zhima-credit", "payment", k=1)]
[('zhima-credit', 'payment'), ('zhima-credit', 'mini-program', 'payment')]
>>> [(s.target, s.moves) for s in next(product_paths(G, "payment", "fan-group")).steps]
[('fan-group', 'users')]
>>> [w.nodes for w in product_paths(G, "payment", "ad-placement")]
[]
>>> [w.nodes for w in product_paths(G, "payment", "ad-placement", via=FLOW_RELATIONS)]
[('payment', 'qipan-miyun', 'ad-placement')]
"""

from __future__ import annotations

from typing import Iterator, Sequence

import networkx as nx

from ccare.errors import UsageError
from ccare.graph.view import FLOW_RELATIONS, flow_graph, require
from ccare.graph.walks import Walk, data_enters, walk
from ccare.limits import Budget

__all__ = ["USER_ROUTE", "relations_of", "product_paths", "path_rank"]

#: What a customer's route follows unless told otherwise.
USER_ROUTE = ("userFlowsTo",)


def relations_of(G: nx.MultiDiGraph) -> list[str]:
    """The edge keys (relations) present in ``G``, sorted."""
    return sorted({k for _, _, k in G.edges(keys=True)})


def path_rank(w: Walk) -> tuple:
    """Sort key of paths: fewer steps, fewer inferred steps, more quotes, then ids."""
    return (len(w.steps), w.inferred_steps, -w.quotes, w.nodes)


def _simple_digraph(G: nx.MultiDiGraph, relations: Sequence[str], products_only: bool) -> nx.DiGraph:
    H = flow_graph(G, relations) if products_only else nx.subgraph_view(G, filter_edge=lambda u, v, k: k in relations)
    D = nx.DiGraph()
    D.add_nodes_from(sorted(H))
    # a data flow carries no customer: it leads only into a product that turns data into reach
    D.add_edges_from(sorted({(u, v) for u, v, k in H.edges(keys=True) if k != "dataFlowsTo" or data_enters(G, v)}))
    return D


def product_paths(
    G: nx.MultiDiGraph,
    source: str,
    target: str,
    k: int = 3,
    via: Sequence[str] | None = None,
    budget: Budget | None = None,
) -> Iterator[Walk]:
    """Yield the shortest path from ``source`` to ``target`` and up to ``k`` alternatives.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The map graph; not modified.
    source, target : str
        Node ids.
    k : int
        How many alternatives after the shortest path (0 for the shortest only).
    via : sequence of str, optional
        Relations (edge keys) the path may follow; default the user flows between
        products (a customer's route never walks a data flow).  With ``dataFlowsTo``
        among them, a data step leads only into a product that turns data into reach.
        An unknown relation raises :class:`~ccare.errors.UsageError`.
    budget : ccare.limits.Budget, optional
        Stops the search early, setting ``budget.cut_short``.

    Yields
    ------
    Walk
        Open walks; nothing when there is no path.
    """
    if k < 0:
        raise UsageError(f"k must be 0 or more, not {k}")
    budget = budget if budget is not None else Budget(timeout=None)
    if via:
        known = relations_of(G)
        for r in via:
            if r not in known:
                raise UsageError(f"unknown relation {r!r} (allowed: {', '.join(known)})")
        relations = tuple(via)
    else:
        relations = USER_ROUTE
    require(G, [source, target], kind="entity")
    D = _simple_digraph(G, relations, set(relations) <= set(FLOW_RELATIONS))
    if source not in D or target not in D:
        return
    paths = nx.shortest_simple_paths(D, source, target)
    group: list = []
    wanted = k + 1
    given = 0
    try:
        for p in paths:
            if not budget.tick() or budget.expired():
                break
            w = walk(G, p, relations=relations)
            if group and len(w.steps) > len(group[0].steps):
                for g in sorted(group, key=path_rank)[: wanted - given]:
                    yield g
                    given += 1
                group = []
                if given >= wanted:
                    return
            group.append(w)
    except nx.NetworkXNoPath:
        return
    for g in sorted(group, key=path_rank)[: wanted - given]:
        yield g

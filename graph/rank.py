"""Which products hold the map together: centrality on the product flow graph.

The flow graph has the products as nodes and an arc ``u -> v`` wherever users or data
flow from ``u`` to ``v`` (parallel relations count once).  :func:`rank` scores every
product by

- ``betweenness``: the share of shortest flow paths between other products that pass
  through it (normalised, :func:`networkx.betweenness_centrality`);
- ``pagerank``: where flow comes to rest when it follows the arcs (damping 0.85;
  computed by :func:`pagerank`, a plain power iteration, so no numerical libraries
  are needed);
- ``degree``: its flow arcs in and out, over the number of other products
  (:func:`networkx.degree_centrality`).

:func:`explain` puts the score of a product into a sentence computed from the graph:
what the measure means for it, where its flows come from and go to, and how many of
the operating loops pass through it.

Examples
--------
>>> from ccare.kb.model import load
>>> from ccare.graph.build import to_networkx
>>> G = to_networkx(load())
>>> top = rank(G, "betweenness")[0]
>>> top.product, round(top.score, 3)
('payment', 0.203)
>>> [r.product for r in rank(G, "pagerank")[:2]]
['payment', 'fan-group']
>>> pagerank(nx.DiGraph([(1, 2), (2, 1)]))
{1: 0.5, 2: 0.5}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import networkx as nx

from ccare.errors import UsageError
from ccare.graph.view import FLOW_RELATIONS, flow_graph, node_entity
from ccare.graph.walks import Walk, data_enters

__all__ = ["MEASURES", "Ranked", "product_flow_digraph", "pagerank", "rank", "explain"]

MEASURES = ("betweenness", "pagerank", "degree")


@dataclass(frozen=True)
class Ranked:
    """A product and its ``score`` under one measure."""

    product: str
    score: float

    def to_json(self, G: nx.MultiDiGraph) -> dict:
        return {"entity": node_entity(G, self.product), "score": self.score}


def product_flow_digraph(G: nx.MultiDiGraph, relations: Sequence[str] = FLOW_RELATIONS) -> nx.DiGraph:
    """The products of ``G`` and one arc per flowing pair, as a new ``DiGraph`` (a data
    flow only into a product that turns data into reach, as loops and routes take them)."""
    F = flow_graph(G, relations)
    D = nx.DiGraph()
    D.add_nodes_from(sorted(F))
    D.add_edges_from(sorted({(u, v) for u, v, k in F.edges(keys=True) if k != "dataFlowsTo" or data_enters(G, v)}))
    return D


def pagerank(D: nx.DiGraph, alpha: float = 0.85, tol: float = 1.0e-10, max_iter: int = 1000) -> dict:
    """PageRank of ``D`` by power iteration, as :func:`networkx.pagerank` defines it.

    Uniform teleport; the rank of nodes without out-arcs is spread over all nodes.
    Scores sum to 1 and are rounded to 12 decimals.
    """
    nodes = list(D)
    n = len(nodes)
    if n == 0:
        return {}
    x = dict.fromkeys(nodes, 1.0 / n)
    out = {u: D.out_degree(u) for u in nodes}
    for _ in range(max_iter):
        dangling = alpha * sum(x[u] for u in nodes if out[u] == 0) / n
        nxt = dict.fromkeys(nodes, (1.0 - alpha) / n + dangling)
        for u, v in D.edges():
            nxt[v] += alpha * x[u] / out[u]
        err = sum(abs(nxt[u] - x[u]) for u in nodes)
        x = nxt
        if err < n * tol:
            break
    return {u: round(s, 12) for u, s in x.items()}


def rank(G: nx.MultiDiGraph, by: str = "betweenness", relations: Sequence[str] = FLOW_RELATIONS) -> list[Ranked]:
    """Every product of ``G`` with its score under ``by``, highest first (ties by id)."""
    if by not in MEASURES:
        raise UsageError(f"unknown measure {by!r} (allowed: {', '.join(MEASURES)})")
    D = product_flow_digraph(G, relations)
    if by == "betweenness":
        scores = nx.betweenness_centrality(D)
    elif by == "pagerank":
        scores = pagerank(D)
    else:
        scores = nx.degree_centrality(D) if len(D) > 1 else dict.fromkeys(D, 0.0)
    return sorted((Ranked(p, float(s)) for p, s in scores.items()), key=lambda r: (-r.score, r.product))


def _label(G, n, lang):
    labels = G.nodes[n].get("labels") or {}
    return labels.get(lang) or labels.get("en") or n


def _names(G, nodes, lang):
    sep = "、" if lang == "zh" else ", "
    return sep.join(_label(G, n, lang) for n in nodes)


def explain(G: nx.MultiDiGraph, product: str, by: str, loops: Sequence[Walk] = (),
            relations: Sequence[str] = FLOW_RELATIONS, lang: str = "en") -> str:
    """Why ``product`` ranks where it does under ``by``, in a sentence computed from ``G``.

    ``loops`` are the operating loops to count (those through ``product`` are named).
    """
    D = product_flow_digraph(G, relations)
    name = _label(G, product, lang)
    ins, outs = sorted(D.predecessors(product)), sorted(D.successors(product))
    zh = lang == "zh"
    if by == "betweenness":
        dist = dict(nx.all_pairs_shortest_path_length(D))
        others = [n for n in D if n != product]
        pairs = [(s, t) for s in others for t in others if s != t and t in dist[s]]
        via = [(s, t) for s, t in pairs
               if product in dist[s] and t in dist[product] and dist[s][product] + dist[product][t] == dist[s][t]]
        lead = (f"{name}位于其他产品之间{len(pairs)}对相连产品中{len(via)}对的最短流转路径上" if zh else
                f"{name} lies on a shortest flow path for {len(via)} of the {len(pairs)} "
                "connected pairs of other products")
    elif by == "pagerank":
        reach = [n for n in D if n != product and nx.has_path(D, n, product)]
        lead = (f"{name}直接承接{len(ins)}个产品的流量，其他{len(D) - 1}个产品中有{len(reach)}个最终能到达它" if zh else
                f"{name} takes flow directly from {len(ins)} products, and {len(reach)} of the other "
                f"{len(D) - 1} reach it at all")
    else:
        lead = (f"{name}有{len(ins)}条流入、{len(outs)}条流出的流转关系" if zh else
                f"{name} has {len(ins)} flow links in and {len(outs)} out")
    parts = [lead]
    if ins or outs:
        come = (
            (f"用户或数据来自{_names(G, ins, lang)}" if zh else f"users or data arrive from {_names(G, ins, lang)}")
            if ins
            else ""
        )
        go = (f"流向{_names(G, outs, lang)}" if zh else f"move on to {_names(G, outs, lang)}") if outs else ""
        parts.append(("，" if zh else " and ").join(x for x in (come, go) if x))
    if loops:
        through = sum(1 for w in loops if product in w.nodes)
        parts.append(f"{len(loops)}个经营闭环中有{through}个经过它" if zh else
                     f"{through} of the {len(loops)} operating loops pass through it")
    return ("；" if zh else "; ").join(parts) + ("。" if zh else ".")

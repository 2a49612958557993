"""Reading the map's NetworkX graph: the flow subgraph, products, entities, id checks.

Pure NetworkX over the graph :func:`ccare.graph.build.to_networkx` builds (see there for
its attributes): the graph algorithms import these, not the RDF side, so that they load
without rdflib.  :mod:`ccare.graph.build` re-exports them.

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("a", kind="product", labels={"en": "A"}); G.add_node("v", kind="value")
>>> G.add_edge("a", "v", key="serves"); G.add_edge("a", "a", key="userFlowsTo")
'serves'
'userFlowsTo'
>>> products(G), list(flow_graph(G).edges(keys=True))
(['a'], [('a', 'a', 'userFlowsTo')])
"""

from __future__ import annotations

import networkx as nx

from ccare.ontology.vocab import FLOW_RELATIONS

__all__ = ["FLOW_RELATIONS", "flow_graph", "require", "products", "node_entity"]


def flow_graph(G: nx.MultiDiGraph, relations=FLOW_RELATIONS) -> nx.MultiDiGraph:
    """A read-only view of ``G``: products and the user- and data-flow edges between them."""
    keep = set(products(G))
    rels = set(relations)
    return nx.subgraph_view(
        G,
        filter_node=keep.__contains__,
        filter_edge=lambda u, v, k: k in rels,
    )


def require(G: nx.MultiDiGraph, ids, kind: str = "product") -> None:
    """Raise :class:`~ccare.errors.UnknownEntityError`, with near matches among the ids
    and labels of ``G``'s nodes, for the first of ``ids`` that is not a node of ``G``.

    The graph queries take node ids; a misspelt id is an error, never an empty answer.
    """
    import difflib

    from ccare.errors import UnknownEntityError

    for i in ids:
        if i in G:
            continue
        names: dict = {}
        for n, labels in G.nodes(data="labels"):
            for name in (n, *(labels or {}).values()):
                names.setdefault(str(name).casefold(), n)
        key = str(i).casefold()
        near = difflib.get_close_matches(key, list(names), n=8, cutoff=0.5)
        near += [k for k in names if key and (key in k or k in key) and k not in near]
        raise UnknownEntityError(i, list(dict.fromkeys(names[k] for k in near))[:5], kind=kind)


def products(G: nx.MultiDiGraph) -> list[str]:
    """Ids of the product nodes of ``G``, sorted."""
    return sorted(n for n, k in G.nodes(data="kind") if k == "product")


def node_entity(G: nx.MultiDiGraph, n: str) -> dict:
    """Node ``n`` as entity JSON: ``{"id", "iri", "type", "labels"}`` (``type`` a full IRI).

    The same shape as :meth:`ccare.kb.model.Entity.to_json`.
    """
    d = G.nodes[n]
    return {"id": n, "iri": d.get("iri"), "type": d.get("type_iri"), "labels": dict(d.get("labels") or {})}

"""Bulk reads: a SPARQL SELECT answered in one pass, as rows of rdflib terms.

Code that needs the same fact about thousands of nodes (every assertion's evidence,
every node's types) asks once with :func:`rows` instead of once per node.  On the
Oxigraph store the query runs on Oxigraph's engine and the terms are converted once;
on any other store rdflib's own SPARQL engine answers.  Both give the same rows.

Examples
--------
>>> from ccare.loader import load_graph
>>> q = 'SELECT ?n WHERE { ?x <http://www.w3.org/2004/02/skos/core#notation> ?n } ORDER BY ?n LIMIT 2'
>>> rows(load_graph(store="oxigraph", cache=False), q)
[(rdflib.term.Literal('ACTIVE'),), (rdflib.term.Literal('EFFICIENCY'),)]
>>> rows(load_graph(store="memory", cache=False), q)
[(rdflib.term.Literal('ACTIVE'),), (rdflib.term.Literal('EFFICIENCY'),)]
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from ccare.store import from_ox, oxigraph_of

__all__ = ["rows", "iri_values"]


def rows(graph: Graph, query: str, *, lexical: bool = False) -> list[tuple]:
    """The solutions of the SELECT ``query`` over ``graph``: tuples of rdflib terms, in the
    order of the query's variables, ``None`` where a variable is unbound.

    With ``lexical``, literals come back as plain :class:`str` (their lexical form; test
    with ``type(v) is str``), which is much cheaper than building rdflib literals; IRIs
    and blank nodes are still :class:`~rdflib.URIRef` and :class:`~rdflib.BNode`.

    ``query`` must spell out its prefixes (no graph bindings are added), so that it means
    the same on every store.
    """
    st = oxigraph_of(graph)
    if st is None:
        out = [tuple(r) for r in graph.query(query)]
        if lexical:
            out = [tuple(str(t) if isinstance(t, Literal) else t for t in r) for r in out]
        return out
    iris: dict = {}
    named, blank, literal = ox.NamedNode, ox.BlankNode, ox.Literal

    def conv(t):
        cls = type(t)
        if cls is named:
            v = t.value
            u = iris.get(v)
            if u is None:
                u = iris[v] = URIRef(v)
            return u
        if cls is literal:
            return t.value if lexical else from_ox(t)
        if cls is blank:
            return BNode(t.value)
        return None if t is None else from_ox(t)

    return [tuple(map(conv, sol)) for sol in st.query(query)]


def iri_values(var: str, nodes) -> str:
    """A SPARQL ``VALUES`` block binding ``?var`` to each IRI of ``nodes`` (sorted)."""
    return "VALUES ?%s { %s }" % (var, " ".join(f"<{n}>" for n in sorted(nodes)))

"""Bulk reads: the facts the map's indexes need about thousands of nodes, in one pass.

Code that needs the same fact about many nodes (every assertion's evidence, every
node's types) asks once here instead of once per node.  Each read has two ways with the
same rows: on the Oxigraph store one SPARQL query, run natively, converting only what
comes back; on any other store one scan per property through rdflib's API (rdflib's own
SPARQL engine joins far more slowly than those scans).  ``tests/test_store.py`` checks
that both stores give the same indexes and graphs.

Rows hold rdflib terms, except that literals come back as plain :class:`str` (their
lexical form; test with ``type(v) is str``) where the caller wants only the text: building
rdflib literals costs more than the rest of the read.

Examples
--------
>>> from ccare.loader import load_graph
>>> q = 'SELECT ?n WHERE { ?x <http://www.w3.org/2004/02/skos/core#notation> ?n } ORDER BY ?n LIMIT 2'
>>> rows(load_graph(store="oxigraph", cache=False), q)
[(rdflib.term.Literal('ACTIVE'),), (rdflib.term.Literal('EFFICIENCY'),)]
>>> ev = evidence(load_graph(store="memory", cache=False))
>>> sorted(r[4] for r in ev)[:1] == sorted(r[4] for r in evidence(load_graph(store="oxigraph", cache=False)))[:1]
True
"""

from __future__ import annotations

import itertools

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from ccare.ontology import CC
from ccare.store import from_ox, oxigraph_of

__all__ = ["rows", "iri_values", "evidence", "assertions", "names", "typed", "types", "outgoing", "labels"]


def rows(graph: Graph, query: str, *, lexical=False) -> list[tuple]:
    """The solutions of the SELECT ``query`` over ``graph``: tuples of rdflib terms, in the
    order of the query's variables, ``None`` where a variable is unbound.

    ``lexical``: ``True``, or the positions of the columns, whose literals come back as
    plain :class:`str`.  ``query`` must spell out its prefixes, so that it means the same
    on every store.
    """
    st = oxigraph_of(graph)
    if st is None:
        out = [tuple(r) for r in graph.query(query)]
        if lexical:
            out = [tuple(_lex(t) if lexical is True or i in lexical else t for i, t in enumerate(r)) for r in out]
        return out
    iris: dict = {}
    named, blank, literal = ox.NamedNode, ox.BlankNode, ox.Literal

    def term(t):
        cls = type(t)
        if cls is named:
            v = t.value
            u = iris.get(v)
            if u is None:
                u = iris[v] = URIRef(v)
            return u
        if cls is blank:
            return BNode(t.value)
        return None if t is None else from_ox(t)

    def lex(t):
        return t.value if type(t) is literal else term(t)

    result = st.query(query)
    convs = [lex if lexical is True or (lexical and i in lexical) else term for i in range(len(result.variables))]
    return [tuple(c(t) for c, t in zip(convs, sol)) for sol in result]


def iri_values(var: str, nodes) -> str:
    """A SPARQL ``VALUES`` block binding ``?var`` to each IRI of ``nodes`` (sorted)."""
    return "VALUES ?%s { %s }" % (var, " ".join(f"<{n}>" for n in sorted(nodes)))


def _lex(t):
    return str(t) if isinstance(t, Literal) else t


def _scan(graph: Graph, p) -> dict:
    """Subject -> its objects for property ``p``, in the store's order."""
    out: dict = {}
    for s, o in graph.subject_objects(p):
        out.setdefault(s, []).append(o)
    return out


def _product(*columns):
    """Rows of every combination, ``None`` for an empty column (as SPARQL's OPTIONAL)."""
    return itertools.product(*(c or [None] for c in columns))


_EVIDENCE = """
PREFIX cc: <https://w3id.org/ccare/ontology#>
SELECT ?x ?ev ?src ?line ?quote WHERE {
    ?x cc:evidence ?ev .
    OPTIONAL { ?ev cc:source ?src }
    OPTIONAL { ?ev cc:line ?line }
    OPTIONAL { ?ev cc:quote ?quote }
}
"""


def evidence(graph: Graph) -> list[tuple]:
    """``(node, evidence node, source, line, quote)`` for every ``cc:evidence``; line and
    quote lexical, ``None`` where missing."""
    if oxigraph_of(graph) is not None:
        return rows(graph, _EVIDENCE, lexical=(3, 4))
    src, line, quote = (_scan(graph, p) for p in (CC.source, CC.line, CC.quote))
    return [
        (x, ev, s, _lex(ln), _lex(q))
        for x, ev in graph.subject_objects(CC.evidence)
        for s, ln, q in _product(src.get(ev), line.get(ev), quote.get(ev))
    ]


_ASSERTIONS = """
PREFIX cc: <https://w3id.org/ccare/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?a ?s ?p ?o ?inferred ?rationale WHERE {
    ?a a cc:Assertion .
    OPTIONAL { ?a rdf:subject ?s }
    OPTIONAL { ?a rdf:predicate ?p }
    OPTIONAL { ?a rdf:object ?o }
    OPTIONAL { ?a cc:inferred ?i BIND (sameTerm(?i, true) AS ?inferred) }
    OPTIONAL { ?a cc:rationale ?rationale }
}
"""


def assertions(graph: Graph) -> list[tuple]:
    """``(assertion, subject, predicate, object, inferred, rationale)`` for every
    ``cc:Assertion``; ``inferred`` is ``"true"`` for ``cc:inferred true`` (the very term),
    ``"false"`` for any other value; rationale lexical."""
    if oxigraph_of(graph) is not None:
        return rows(graph, _ASSERTIONS, lexical=(4, 5))
    cols = [_scan(graph, p) for p in (RDF.subject, RDF.predicate, RDF.object, CC.inferred, CC.rationale)]
    true = Literal(True)
    out = []
    for a in graph.subjects(RDF.type, CC.Assertion):
        s, p, o, i, r = (c.get(a) for c in cols)
        flags = [("true" if v == true else "false") for v in i] if i else None
        out.extend((a, *rest[:4], _lex(rest[4])) for rest in _product(s, p, o, flags, r))
    return out


_NAMES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?p ?name WHERE {
    VALUES ?p { rdfs:label skos:altLabel skos:notation }
    ?s ?p ?name .
    FILTER (isIRI(?s))
}
"""


def names(graph: Graph) -> list[tuple]:
    """``(IRI, property, name)`` for every label, alternative label and notation of an
    IRI; name lexical."""
    if oxigraph_of(graph) is not None:
        return rows(graph, _NAMES, lexical=(2,))
    return [
        (s, p, _lex(o))
        for p in (RDFS.label, SKOS.altLabel, SKOS.notation)
        for s, o in graph.subject_objects(p)
        if isinstance(s, URIRef)
    ]


_TYPES = "SELECT ?s ?t WHERE { ?s a ?t . FILTER (isIRI(?s)) %s }"
_UNLESS = "FILTER NOT EXISTS { ?s a ?x . %s }"


def types(graph: Graph, unless=()) -> list[tuple]:
    """``(IRI, class)`` for every ``rdf:type`` of an IRI, leaving out the IRIs that have
    one of the classes ``unless`` (the caller names the subclasses it means)."""
    if oxigraph_of(graph) is not None:
        skip = _UNLESS % iri_values("x", unless) if unless else ""
        return rows(graph, _TYPES % skip)
    out = [(s, t) for s, t in graph.subject_objects(RDF.type) if isinstance(s, URIRef)]
    if unless:
        drop = {s for c in unless for s in graph.subjects(RDF.type, c)}
        out = [(s, t) for s, t in out if s not in drop]
    return out


def typed(graph: Graph) -> set:
    """The IRIs that have a type."""
    return {s for s, _ in types(graph)}


_OUTGOING = """
SELECT ?s ?p ?o WHERE { %s ?s ?p ?o . FILTER (isIRI(?o) || ?p IN (%s)) }
"""


def outgoing(graph: Graph, nodes, keep_literals=()) -> list[tuple]:
    """``(node, property, object)`` for each of ``nodes`` (IRIs): objects that are IRIs,
    and any object of the properties in ``keep_literals``."""
    keep = set(keep_literals)
    if oxigraph_of(graph) is not None:
        extra = ", ".join(f"<{p}>" for p in sorted(keep)) or "<urn:x-ccare:none>"
        return rows(graph, _OUTGOING % (iri_values("s", nodes), extra))
    return [(s, p, o) for s in nodes for p, o in graph.predicate_objects(s) if isinstance(o, URIRef) or p in keep]


_LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label (LANG(?label) AS ?lang) WHERE { %s ?s rdfs:label ?label . FILTER (isLiteral(?label)) }
"""


def labels(graph: Graph, nodes) -> list[tuple]:
    """``(node, label, language)`` for each ``rdfs:label`` literal of ``nodes`` (IRIs);
    label lexical, language ``""`` when it has none."""
    if oxigraph_of(graph) is not None:
        return rows(graph, _LABELS % iri_values("s", nodes), lexical=(1, 2))
    return [(s, str(o), o.language or "") for s in nodes for o in graph.objects(s, RDFS.label)
            if isinstance(o, Literal)]

"""Bulk reads: the facts the map's indexes need about thousands of nodes, in one pass.

Code that needs the same fact about many nodes (every assertion's evidence, every
node's types) asks once here instead of once per node.  Each read has two ways with the
same rows: on the Oxigraph store one SPARQL query, run natively, its answer written as
SPARQL TSV by Oxigraph and decoded here (cheaper than a Python object per term, and the
evaluation can run in a thread without the GIL: :func:`later`); on any other store one
scan per property through rdflib's API (rdflib's own SPARQL engine joins far more slowly
than those scans).  ``tests/test_store.py`` checks
that both stores give the same indexes and graphs.

Each column of a row comes back in one of three forms, named by a letter of the read's
``shape``:

- ``t``: the rdflib term;
- ``k``: the term's *key* (:func:`key`): a plain :class:`str` for an IRI (the IRI) or a
  blank node (``_:`` and its id), the rdflib term for a literal.  Building rdflib terms,
  and hashing them (rdflib hashes in Python), costs more than the rest of a large read,
  so the indexes of thousands of nodes are keyed by these;
- ``l``: a literal's lexical form as a plain :class:`str` (other terms as keys).

``None`` stands where a variable is unbound.

Examples
--------
>>> from ccare.kb.loader import load_graph
>>> q = 'SELECT ?x ?n WHERE { ?x <http://www.w3.org/2004/02/skos/core#notation> ?n } ORDER BY ?n LIMIT 2'
>>> rows(load_graph(store="oxigraph", cache=False), q, "kt")
[('https://w3id.org/ccare/id/active', rdflib.term.Literal('ACTIVE')), ('https://w3id.org/ccare/id/efficiency',
rdflib.term.Literal('EFFICIENCY'))]
>>> ev = evidence(load_graph(store="memory", cache=False))
>>> {r[2:] for r in ev} == {r[2:] for r in evidence(load_graph(store="oxigraph", cache=False))}
True
>>> key(URIRef("http://ex/a")), key(BNode("b1")), term("_:b1") == BNode("b1")
('http://ex/a', '_:b1', True)
"""

from __future__ import annotations

import gc
import itertools
import re
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import Callable

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from ccare.ontology import CC
from ccare.rdfio import terms
from ccare.rdfio.parsed import ParsedMap, term_order
from ccare.rdfio.store import oxigraph_of

__all__ = ["Source", "gc_paused", "key", "term", "rows", "later", "iri_values", "evidence", "assertions", "names",
           "typed", "types", "outgoing", "labels", "value", "least", "pairs"]

#: What the reads below read: a graph (on any store), or a map parsed without a store
#: (:class:`ccare.rdfio.parsed.ParsedMap`, whose rows are the Oxigraph store's).
Source = Graph | ParsedMap


@contextmanager
def gc_paused():
    """Python's cyclic garbage collector paused for the block (restored after it).

    Reading a large map allocates hundreds of thousands of tuples and dicts and frees
    none of them; every so many allocations the collector would walk all of them again,
    to find no garbage.  Nothing built here holds a reference cycle.

    What the block allocated lives as long as the map (its parsed triples, its indexes),
    so it goes straight to the oldest generation (``gc.freeze`` then ``gc.unfreeze``:
    nothing stays frozen), instead of the first young collection after the block walking
    all of it: that walk took 0.43 s after parsing a million triples and 0.21 s after
    building their graph, a tenth of a cold run.  Full collections still see everything.
    Skipped when the process has frozen objects of its own (``gc.get_freeze_count``),
    which unfreezing would release.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was:
            gc.enable()


def key(t):
    """The key of the rdflib term ``t`` (see the module docstring); a key stays itself."""
    if type(t) is URIRef:
        return str(t)
    if isinstance(t, BNode):
        return "_:" + t
    if isinstance(t, URIRef):
        return str(t)
    return t


def term(k):
    """The rdflib term of the key ``k`` (the inverse of :func:`key`)."""
    if type(k) is str:
        return BNode(k[2:]) if k.startswith("_:") else URIRef(k)
    return k


def _lex(t):
    """A literal's lexical form, any other term's key."""
    return str(t) if isinstance(t, Literal) else key(t)


_RDFLIB_FORMS = {"t": lambda t: t, "k": key, "l": _lex}


def rows(graph: Graph, query: str, shape: str | None = None) -> list[tuple]:
    """The solutions of the SELECT ``query`` over ``graph``: tuples in the order of the
    query's variables, ``None`` where a variable is unbound.

    ``shape``: a letter per variable, the form of its column (``t``, ``k`` or ``l``, see
    the module docstring); default all ``t``.  ``query`` must spell out its prefixes, so
    that it means the same on every store.
    """
    st = oxigraph_of(graph)
    if st is None:
        # rdflib's types: a row is a triple, a bool or a ResultRow; a SELECT gives ResultRows
        out = [tuple(r) for r in graph.query(query)]  # type: ignore[arg-type]
        if shape and shape.strip("t"):
            forms = [_RDFLIB_FORMS[c] for c in shape]
            out = [tuple([None if t is None else f(t) for f, t in zip(forms, r)]) for r in out]
        return out
    return _decode(_answer(st, query), shape)


def later(graph: Source, read, pool: Executor | None) -> Callable[[], list]:
    """Start the bulk ``read`` (:func:`evidence` or :func:`assertions`) of ``graph`` in
    ``pool``; call what is returned for its rows.

    On Oxigraph the thread evaluates the query and writes its answer without holding the
    GIL, so the evaluation overlaps the caller's own Python work; the rows are decoded on
    the calling thread.  Elsewhere (or with no pool) the read runs when called.
    """
    st = None if isinstance(graph, ParsedMap) else oxigraph_of(graph)
    if st is None or pool is None:
        return lambda: read(graph)
    query, shape = _QUERIES[read]
    answer = pool.submit(_answer, st, query)
    return lambda: _decode(answer.result(), shape)


# ---------------------------------------------------------------------- SPARQL TSV answers
# Oxigraph writes an answer as SPARQL TSV in native code; decoding that text costs less
# than a Python object per term, and runs on the thread that asked.  Terms are written as
# in Turtle: <iri>, _:id, "lexical" with @lang or ^^<datatype>, or a bare canonical
# integer, decimal or boolean; unbound is an empty cell.


def _answer(st: ox.Store, query: str) -> str:
    result = st.query(query)
    assert isinstance(result, ox.QuerySolutions)  # the queries asked here are SELECTs
    data = result.serialize(format=ox.QueryResultsFormat.TSV)
    assert data is not None  # no output file given: the bytes are returned
    return data.decode("utf-8")


def _decode(text: str, shape: str | None) -> list[tuple]:
    lines = text.split("\n")  # each row ends with a newline: the last item is ""
    width = len(lines[0].split("\t")) if lines[0] else 0
    shape = shape or "t" * width
    if len(shape) != width:
        raise ValueError(f"a shape of {len(shape)} columns for an answer of {width}")
    iris: dict = {}

    def as_term(c):
        k = _tsv_key(c)
        if type(k) is not str:
            return k
        u = iris.get(k)
        if u is None:
            u = iris[k] = term(k)
        return u

    forms = {"t": as_term, "k": _tsv_key, "l": _tsv_lex}
    convs = [forms[c] for c in shape]
    return [tuple([f(c) for f, c in zip(convs, line.split("\t"))]) for line in lines[1:-1]]


def _tsv_key(c: str):
    """The key of the term in TSV cell ``c`` (``None`` for an empty cell)."""
    if not c:
        return None
    h = c[0]
    if h == "<":
        return c[1:-1]
    if h == "_":
        return c
    return _tsv_literal(c)


def _tsv_lex(c: str):
    """The lexical form of the literal in TSV cell ``c``; another term's key."""
    if not c:
        return None
    h = c[0]
    if h == '"':
        s = c[1:c.rindex('"')]
        return _unescape(s) if "\\" in s else s
    if h == "<":
        return c[1:-1]
    if h == "_":
        return c
    return c  # a bare number or boolean is its own lexical form


_XSD = "http://www.w3.org/2001/XMLSchema#"


def _tsv_literal(c: str) -> Literal:
    """The rdflib literal in TSV cell ``c``, as :func:`ccare.rdfio.store.from_ox` makes it."""
    if c[0] != '"':
        kind = "boolean" if c in ("true", "false") else "double" if "e" in c or "E" in c else \
            "decimal" if "." in c else "integer"
        return Literal(c, datatype=URIRef(_XSD + kind))
    end = c.rindex('"')
    lexical, rest = _tsv_lex(c), c[end + 1:]
    if rest.startswith("@"):
        return Literal(lexical, lang=rest[1:])
    if rest.startswith("^^<") and rest[3:-1] != _XSD + "string":
        return Literal(lexical, datatype=URIRef(rest[3:-1]))
    return Literal(lexical)


_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:([tbnrf\"'\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")


def _unescape(s: str) -> str:
    return _ESCAPE.sub(lambda m: _ECHAR[m[1]] if m[1] else chr(int(m[2] or m[3], 16)), s)


def iri_values(var: str, nodes) -> str:
    """A SPARQL ``VALUES`` block binding ``?var`` to each IRI of ``nodes`` (sorted)."""
    return "VALUES ?%s { %s }" % (var, " ".join(terms.iri(n) for n in sorted(map(str, nodes))))


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


def evidence(graph: Source) -> list[tuple]:
    """``(node, evidence node, source, line, quote)`` for every ``cc:evidence``: keys of
    the nodes and the source, line and quote lexical, ``None`` where missing."""
    if isinstance(graph, ParsedMap):
        return graph.evidence()
    if oxigraph_of(graph) is not None:
        return rows(graph, *_QUERIES[evidence])
    src, line, quote = (_scan(graph, p) for p in (CC.source, CC.line, CC.quote))
    return [
        (key(x), key(ev), key(s), _lex(ln), _lex(q))
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


def assertions(graph: Source) -> list[tuple]:
    """``(assertion, subject, predicate, object, inferred, rationale)`` for every
    ``cc:Assertion``: keys of the assertion and its triple; ``inferred`` is ``"true"`` for
    ``cc:inferred true`` (the very term), ``"false"`` for any other value; the rationale
    its rdflib literal (its language tells a bilingual map's two rationales apart)."""
    if isinstance(graph, ParsedMap):
        return graph.assertions()
    if oxigraph_of(graph) is not None:
        return rows(graph, *_QUERIES[assertions])
    cols = [_scan(graph, p) for p in (RDF.subject, RDF.predicate, RDF.object, CC.inferred, CC.rationale)]
    true = Literal(True)
    out: list = []
    for a in graph.subjects(RDF.type, CC.Assertion):
        ss, ps, os_, i, rs = (c.get(a) for c in cols)
        flags = [("true" if v == true else "false") for v in i] if i else None
        k = key(a)
        out.extend((k, key(s), key(p), key(o), flag, key(r)) for s, p, o, flag, r in _product(ss, ps, os_, flags, rs))
    return out


#: The query and the shape of the reads :func:`later` can start.
_QUERIES = {evidence: (_EVIDENCE, "kkkll"), assertions: (_ASSERTIONS, "kkkklk")}


_NAMES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?p ?name WHERE {
    VALUES ?p { rdfs:label skos:altLabel skos:notation }
    ?s ?p ?name .
    FILTER (isIRI(?s))
}
"""


def names(graph: Source) -> list[tuple]:
    """``(IRI, property, name)`` for every label, alternative label and notation of an
    IRI: rdflib terms, the name lexical."""
    if isinstance(graph, ParsedMap):
        return graph.names((RDFS.label, SKOS.altLabel, SKOS.notation))
    if oxigraph_of(graph) is not None:
        return rows(graph, _NAMES, "ttl")
    return [
        (s, p, _lex(o))
        for p in (RDFS.label, SKOS.altLabel, SKOS.notation)
        for s, o in graph.subject_objects(p)
        if isinstance(s, URIRef)
    ]


_TYPES = "SELECT ?s ?t WHERE { ?s a ?t . FILTER (isIRI(?s)) %s }"
#: (``MINUS``, an anti-join computed once, not ``FILTER NOT EXISTS``, evaluated again for
#: every typed IRI: 0.16 s against 0.23 s over the 54,000 typed IRIs of a 1M-triple map.)
_UNLESS = "MINUS { ?s a ?x . %s }"


def types(graph: Source, unless=()) -> list[tuple]:
    """``(IRI, class)`` (rdflib terms) for every ``rdf:type`` of an IRI, leaving out the
    IRIs that have one of the classes ``unless`` (the caller names the subclasses it means)."""
    if isinstance(graph, ParsedMap):
        return graph.types(unless)
    if oxigraph_of(graph) is not None:
        skip = _UNLESS % iri_values("x", unless) if unless else ""
        return rows(graph, _TYPES % skip, "tt")
    out = [(s, t) for s, t in graph.subject_objects(RDF.type) if isinstance(s, URIRef)]
    if unless:
        drop = {s for c in unless for s in graph.subjects(RDF.type, c)}
        out = [(s, t) for s, t in out if s not in drop]
    return out


def typed(graph: Source) -> set:
    """The IRIs that have a type."""
    return {s for s, _ in types(graph)}


_OUTGOING = """
SELECT ?s ?p ?o WHERE { %s ?s ?p ?o . FILTER ((isIRI(?o) || ?p IN (%s)) %s) }
"""


def outgoing(graph: Source, nodes, keep_literals=(), skip=()) -> list[tuple]:
    """``(node, property, object)`` keys for each of ``nodes`` (IRIs, as terms or keys):
    objects that are IRIs, and any object of the properties in ``keep_literals``; none of
    the properties in ``skip``."""
    if isinstance(graph, ParsedMap):
        return graph.outgoing(nodes, keep_literals, skip)
    keep, drop = set(keep_literals), set(skip)
    if oxigraph_of(graph) is not None:
        extra = ", ".join(terms.iri(p) for p in sorted(keep)) or "<urn:x-ccare:none>"
        unless = "&& ?p NOT IN (%s)" % ", ".join(terms.iri(p) for p in sorted(drop)) if drop else ""
        return rows(graph, _OUTGOING % (iri_values("s", nodes), extra, unless), "kkk")
    return [(key(s), key(p), key(o)) for s in nodes for p, o in graph.predicate_objects(term(s))
            if (isinstance(o, URIRef) or p in keep) and p not in drop]


_LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label (LANG(?label) AS ?lang) WHERE { %s ?s rdfs:label ?label . FILTER (isLiteral(?label)) }
"""


def labels(graph: Source, nodes) -> list[tuple]:
    """``(node, label, language)`` for each ``rdfs:label`` literal of ``nodes`` (IRIs, as
    terms or keys): the node's key, the label lexical, language ``""`` when it has none."""
    if isinstance(graph, ParsedMap):
        return graph.labels(nodes, RDFS.label)
    if oxigraph_of(graph) is not None:
        return rows(graph, _LABELS % iri_values("s", nodes), "kll")
    return [(key(s), str(o), o.language or "") for s in nodes for o in graph.objects(term(s), RDFS.label)
            if isinstance(o, Literal)]


def value(graph: Source, node, prop: URIRef):
    """The object of ``node``'s ``prop`` (``node`` a term or a key) as an rdflib term, or
    ``None``; the least (:func:`least`) when there are several, so that every store and
    every read order gives the same."""
    if isinstance(graph, ParsedMap):
        return graph.value(node, prop)
    return least(graph.objects(term(node), prop))


def least(found):
    """The least of the rdflib terms ``found`` by text, then language and datatype (kinds
    compared as text); ``None`` for none."""
    return min(found, key=term_order, default=None)


def pairs(graph: Source, prop: URIRef):
    """``(subject, object)`` rdflib terms of every triple of ``prop``."""
    return graph.subject_objects(prop)

"""The merged map as RDF files that diff well: same input, same bytes.

Blank nodes (every evidence record and assertion is one) get canonical labels from the
W3C RDF Canonicalization algorithm RDFC-1.0, computed by Oxigraph (``pyoxigraph``, already
ccare's parser): fast, and stable across versions because it is a standard.  The triples
then go into a fresh graph in sorted order, prefixes bound in sorted order, and are written
by rdflib: N-Triples as sorted lines, Turtle with rdflib's ``longturtle`` serializer
(subjects and properties sorted, one-use blank nodes nested), RDF/XML with rdflib's plain
serializer (which follows the graph's sorted insertion order; generated prefixes are
assigned in sorted order first), JSON-LD compacted with the prefixes the map uses and its
node list and value arrays sorted.  Parsing the output gives back a graph isomorphic to the input.

Examples
--------
>>> from rdflib import BNode, Graph, Literal, URIRef
>>> def graph(b):
...     g = Graph()
...     _ = g.add((URIRef("http://example.org/s"), URIRef("http://example.org/p"), b))
...     _ = g.add((b, URIRef("http://example.org/q"), Literal("引用")))
...     return g
>>> serialize(graph(BNode()), "nt") == serialize(graph(BNode()), "nt")
True
>>> print(serialize(graph(BNode()), "nt").decode())
<http://example.org/s> <http://example.org/p> _:c14n0 .
_:c14n0 <http://example.org/q> "引用" .
<BLANKLINE>
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from ccare import settings
from ccare.errors import BlankNodesTooDeep, CanonicalizationTooSlow
from ccare.exports.inference import with_entailments

__all__ = ["FORMATS", "CANONICAL_TIMEOUT", "CanonicalizationTooSlow", "BlankNodesTooDeep", "blank_node_depth",
           "canonical_graph", "serialize"]

#: ccare's format name -> (rdflib serializer, media type, extension)
FORMATS = {
    "ttl": ("longturtle", "text/turtle", ".ttl"),
    "nt": ("nt", "application/n-triples", ".nt"),
    "jsonld": ("json-ld", "application/ld+json", ".jsonld"),
    "xml": ("xml", "application/rdf+xml", ".rdf"),
}

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _to_ox(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported RDF term {term!r}")


def _to_rdflib(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == _XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _term_key(term) -> tuple:
    return (isinstance(term, Literal), isinstance(term, BNode), term.n3())


class _SortedGraph(Graph):
    """A graph whose subjects and predicate-object pairs come out sorted (for RDF/XML,
    whose rdflib serializer writes them in the order the store yields them)."""

    def subjects(self, predicate=None, object=None, unique=False):
        return iter(sorted(set(super().subjects(predicate, object)), key=_term_key))

    def predicate_objects(self, subject=None, unique=False):
        pairs = set(super().predicate_objects(subject))
        return iter(sorted(pairs, key=lambda po: (_term_key(po[0]), _term_key(po[1]))))


#: Seconds canonical labelling may take.  RDFC-1.0 is exponential on graphs built to
#: defeat it (many blank nodes no hash tells apart); the map's own evidence takes
#: milliseconds.  Override with ``CCARE_CANONICAL_TIMEOUT``.
CANONICAL_TIMEOUT = settings.DEFAULT_CANONICAL_TIMEOUT


_RDF_REST = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#rest")


def blank_node_depth(graph: Graph) -> int:
    """How deep blank nodes nest in ``graph``: the most blank nodes on one path of triples
    from a blank subject to a blank object, not counting ``rdf:rest`` (the next cell of
    the same list is no deeper).  A cycle counts once.  Linear in the triples, no recursion.

    >>> g = Graph()
    >>> a, b, c = BNode(), BNode(), BNode()
    >>> p = URIRef("http://example.org/p")
    >>> _ = g.add((a, p, b)); _ = g.add((b, p, c)); _ = g.add((c, p, a))
    >>> blank_node_depth(g)
    3
    """
    children: dict = {}
    for s, p, o in graph:
        if isinstance(o, BNode):
            children.setdefault(o, [])
            if isinstance(s, BNode):
                children.setdefault(s, []).append((o, 0 if p == _RDF_REST else 1))
    depth: dict = {}
    for root in children:
        if root in depth:
            continue
        stack = [(root, iter(children[root]))]
        on_path = {root}
        while stack:
            node, it = stack[-1]
            for child, step in it:
                if child not in depth and child not in on_path:
                    on_path.add(child)
                    stack.append((child, iter(children.get(child, ()))))
                    break
            else:
                stack.pop()
                on_path.discard(node)
                depth[node] = max([1] + [depth.get(c, 1) + w for c, w in children.get(node, ()) if c in depth])
    return max(depth.values(), default=0)


def _check_depth(graph: Graph) -> None:
    from ccare.rdfio.read import Limits

    limit = Limits.from_env().max_depth
    d = blank_node_depth(graph)
    if d > limit:
        raise BlankNodesTooDeep(
            f"blank nodes nested {d:,} deep, over the limit of {limit} levels: the export would not "
            "finish (set CCARE_MAX_DEPTH to raise the limit)")


def _canonical_lines(ntriples: bytes) -> list:
    ds = ox.Dataset(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return [f"{q.subject} {q.predicate} {q.object} .\n" for q in ds]


def _canonical_quads(graph: Graph) -> list:
    """RDFC-1.0 labelled triples of ``graph``, computed in a worker that is stopped after
    :data:`CANONICAL_TIMEOUT` seconds (see :mod:`ccare.query.sandbox`)."""
    from ccare.query.sandbox import memory_limit, run_bounded

    _check_depth(graph)  # deep nesting crashes the labelling (a stack overflow in native code)
    text = ox.serialize((ox.Triple(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in graph),
                        format=ox.RdfFormat.N_TRIPLES)
    assert text is not None  # no output given: the bytes are returned
    timeout = settings.current().canonical_timeout  # nan, inf, 0: a usage error naming the variable
    out = run_bounded(lambda: _canonical_lines(text), timeout=timeout, memory=memory_limit())
    if not out.complete:
        raise CanonicalizationTooSlow(
            f"labelling the blank nodes for a deterministic export stopped: {out.reason} "
            "(a graph built to defeat canonicalisation? set CCARE_CANONICAL_TIMEOUT to allow longer)"
        )
    return list(ox.parse("".join(out.items).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))


def canonical_graph(graph: Graph, cls: type = Graph) -> Graph:
    """A copy of ``graph`` with RDFC-1.0 blank-node labels (``c14n0``, ...), triples in sorted order."""
    quads = sorted(_canonical_quads(graph), key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))
    out = cls(bind_namespaces="none")
    for prefix, ns in sorted(graph.namespaces()):
        out.bind(prefix, ns, override=True, replace=True)
    for q in quads:
        out.add((_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object)))
    return out


def _used_prefixes(g: Graph) -> dict:
    iris = set()
    for t in g:
        for term in t:
            if isinstance(term, URIRef):
                iris.add(str(term))
            elif isinstance(term, Literal) and term.datatype is not None:
                iris.add(str(term.datatype))
    return {p: str(ns) for p, ns in sorted(g.namespaces())
            if p and any(i.startswith(str(ns)) for i in iris)}


def _sorted_json(value, key=None):
    """JSON-LD with every array sorted (except ``@list`` ones, whose order is data)."""
    if isinstance(value, dict):
        return {k: _sorted_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        if key == "@list":
            return items
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def serialize(graph: Graph, fmt: str, *, inferred: bool = False) -> bytes:
    """``graph`` as UTF-8 bytes in ``fmt`` (a key of :data:`FORMATS`), deterministically.

    ``inferred`` adds the vocabulary's entailments first (see :mod:`ccare.exports.inference`).
    ``graph`` is not modified.
    """
    try:
        rdflib_fmt = FORMATS[fmt][0]
    except KeyError:
        raise ValueError(f"unknown RDF export format {fmt!r} (allowed: {', '.join(FORMATS)})") from None
    if inferred:
        graph = with_entailments(graph)
    g = canonical_graph(graph, _SortedGraph if fmt == "xml" else Graph)
    if fmt == "nt":
        text = g.serialize(format="nt", encoding="utf-8").decode("utf-8")
        lines = sorted(line for line in text.splitlines() if line.strip())
        return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    if fmt == "jsonld":
        text = g.serialize(format="json-ld", context=_used_prefixes(g), auto_compact=True)
        data = _sorted_json(json.loads(text))
        return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt == "xml":
        # prefixes the serializer has to make up (ns1, ns2, ...) are made in a fixed order
        for p in sorted({str(p) for p in g.predicates()}):
            g.namespace_manager.compute_qname_strict(p)
    return g.serialize(format=rdflib_fmt, encoding="utf-8")

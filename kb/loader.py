"""Loading the map: the shipped files and the user's, into one graph, through the cache.

:func:`load_graph` reads every input's bytes, and either takes the finished graph from
the parse cache (:mod:`ccare.kb.cache`, keyed by those bytes) or parses the inputs into a
new graph on the chosen store (:mod:`ccare.rdfio.store`) and materialises the assertions
(:func:`materialise`), then offers the result to the cache.

Examples
--------
>>> g = load_graph(store="oxigraph", cache=False)
>>> from ccare.ontology import CC, ID
>>> (ID["zhima-credit"], CC.userFlowsTo, ID["mini-program"]) in g
True
>>> len(load_graph(store="memory", cache=False)) == len(g)
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pyoxigraph as ox
from rdflib import RDF, Graph, Literal, URIRef

from ccare import ontology
from ccare.ontology import CC, ID
from ccare.rdfio.parsed import LINE_FORMATS, ParsedMap, parse_input
from ccare.rdfio.read import Limits, format_for, read_bounded
from ccare.rdfio.store import load_bytes, new_graph, oxigraph_of, store_kind

__all__ = ["Input", "shipped_inputs", "read_input", "read_inputs", "build_graph", "fill_graph", "parse_inputs",
           "load_graph", "load_keyed", "load_inputs", "materialise"]


@dataclass(frozen=True)
class Input:
    """One RDF input: its ``name`` in messages, its bytes, its format and base IRI, and
    the :class:`~ccare.rdfio.read.Limits` it is checked against (``None``: the user's, from
    the environment)."""

    name: str
    data: bytes
    fmt: ox.RdfFormat | str  # an Oxigraph format, or the rdflib name of one of read.RDFLIB_FORMATS
    base_iri: str | None
    limits: Limits | None = None


def shipped_inputs(kb: bool = True) -> list[Input]:
    """The shipped ontology and (unless ``kb`` is false) knowledge base, as inputs (checked
    against the default limits: the user's limits are for the user's files)."""
    files = [*ontology.tbox_files(), *(ontology.kb_files() if kb else ())]
    return [Input(f"ccare/ontology/{f.name}", f.read_bytes(), ox.RdfFormat.TURTLE, str(ID), Limits())
            for f in files]


def read_input(path: str | os.PathLike, fmt: str | None = None) -> Input:
    """The RDF file at ``path`` as an :class:`Input` (format from ``fmt`` or the extension).

    Raises :class:`~ccare.errors.DataError` naming the file when it cannot be read or its
    format is unknown.
    """
    p = Path(path)
    oxfmt = format_for(p, fmt)  # an unknown format is an error before any reading
    return Input(str(p), read_bounded(p), oxfmt, p.resolve().as_uri())


def build_graph(inputs: Sequence[Input], kind: str | None = None) -> Graph:
    """A new graph on a store of ``kind`` holding every input, assertions materialised."""
    g = new_graph(kind)
    fill_graph(g, inputs)
    return g


def fill_graph(g: Graph, inputs: Sequence[Input]) -> None:
    """Add every input to the graph ``g`` (as :func:`new_graph` makes them), then
    materialise the assertions."""
    for inp in inputs:
        load_bytes(g, inp.data, inp.fmt, name=inp.name, base_iri=inp.base_iri, limits=inp.limits)
    materialise(g)


def parse_inputs(inputs: Sequence[Input]) -> ParsedMap | None:
    """Every input read once by Oxigraph's parser, without a store, assertions
    materialised (:mod:`ccare.rdfio.parsed`); ``None`` when an input is in a format read
    whole (JSON-LD, RDF/XML, N3, TriX: those go through a store).

    The checks and the errors are :func:`fill_graph`'s on an Oxigraph store, input by
    input in order: the first input that fails is the one named.
    """
    if any(inp.fmt not in LINE_FORMATS for inp in inputs):
        return None
    from ccare.rdfio.bulk import gc_paused

    m = ParsedMap()
    with gc_paused():  # a million tuples, none of them garbage: see gc_paused
        for inp in inputs:
            parse_input(m, inp.data, inp.fmt, name=inp.name, base_iri=inp.base_iri, limits=inp.limits)
        m.materialise()
    return m


def load_graph(
    data: Sequence[str | os.PathLike] = (),
    *,
    shipped: bool = True,
    store: str | None = None,
    cache: bool | None = None,
) -> Graph:
    """The shipped map (unless ``shipped`` is false) merged with the files in ``data``.

    ``store`` names the store kind (:func:`ccare.rdfio.store.store_kind`); ``cache`` turns the
    parse cache on or off (default: on unless ``CCARE_NO_CACHE`` is set, see
    :mod:`ccare.kb.cache`).
    """
    return load_keyed(data, shipped=shipped, store=store, cache=cache)[0]


def load_keyed(
    data: Sequence[str | os.PathLike] = (),
    *,
    shipped: bool = True,
    store: str | None = None,
    cache: bool | None = None,
) -> tuple[Graph, str | None]:
    """:func:`load_graph`, and the cache key of its inputs (``None`` with the cache off),
    under which what is derived from the graph may be cached too."""
    return load_inputs(read_inputs(data, shipped=shipped), store_kind(store), cache)


def read_inputs(data: Sequence[str | os.PathLike] = (), *, shipped: bool = True,
                base: Sequence[str | os.PathLike] = ()) -> list[Input]:
    """The shipped inputs (unless ``shipped`` is false), then the files in ``data``, read.

    ``base``: files that replace the shipped knowledge base (a whole map exported with
    ``ccare export sheet``, edited and imported), read after the shipped ontology, which
    stays: its classes and relations are what the files' statements mean.
    """
    if isinstance(base, (str, os.PathLike)):
        base = [base]
    head = shipped_inputs(kb=not base) if shipped else []
    return [*head, *(read_input(p) for p in base), *(read_input(p) for p in data)]


def load_inputs(inputs: Sequence[Input], kind: str, cache: bool | None = None) -> tuple[Graph, str | None]:
    """``inputs`` on a ``kind`` store, through the parse cache unless ``cache`` is false (or
    ``CCARE_NO_CACHE``): the graph, and its cache key (``None`` with the cache off)."""
    from ccare.kb import cache as parse_cache

    key = parse_cache.key(inputs, kind) if parse_cache.enabled(cache) else None
    if key is not None:
        g = parse_cache.get(key, kind)
        if g is not None:
            return g, key
    g = build_graph(inputs, kind)
    if key is not None:
        parse_cache.put(key, g)
    return g, key


_MATERIALISE = """
PREFIX cc: <https://w3id.org/ccare/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
INSERT { ?s ?p ?o } WHERE {
    ?a a cc:Assertion ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
    FILTER (isIRI(?p) && !isLiteral(?s))
}
"""


def materialise(graph: Graph) -> None:
    """Add to ``graph`` the triple each of its ``cc:Assertion`` describes.

    An assertion whose predicate is not an IRI, or whose subject is a literal, describes
    no triple (SHACL reports it); one with several subjects, predicates or objects (also
    reported) describes each combination.  On Oxigraph this is one SPARQL update.
    """
    st = oxigraph_of(graph)
    if st is not None:
        st.update(_MATERIALISE)
        return
    todo = set()
    for a in graph.subjects(RDF.type, CC.Assertion):
        for s in graph.objects(a, RDF.subject):
            if isinstance(s, Literal):
                continue
            for p in graph.objects(a, RDF.predicate):
                if not isinstance(p, URIRef):
                    continue
                for o in graph.objects(a, RDF.object):
                    todo.add((s, p, o))
    for t in todo:
        graph.add(t)

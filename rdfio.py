"""Reading RDF files into rdflib graphs, with errors that name the file and line.

Parsing goes through Oxigraph's parsers (``pyoxigraph``): they are fast, never fetch
anything, and report the line and column of a syntax error for every format.  The
triples are then added to an ordinary :class:`rdflib.Graph`.

Examples
--------
>>> import rdflib
>>> g = rdflib.Graph()
>>> parse_text(g, '<http://ex/a> <http://ex/b> "c" .', "turtle", name="<inline>")
1
>>> try:
...     parse_text(g, '<http://ex/a> <http://ex/b> .', "turtle", name="bad.ttl")
... except DataError as e:
...     print(e.path, e.line)
bad.ttl 1
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.util import guess_format

from ccare.errors import DataError

__all__ = ["FORMATS", "format_for", "parse_file", "parse_text", "to_rdflib"]

#: rdflib's format names (as ``rdflib.util.guess_format`` returns them) mapped to the
#: Oxigraph parser that reads them.
FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nt11": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "n3": ox.RdfFormat.N3,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "json-ld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}


def format_for(path: str | os.PathLike, fmt: str | None = None) -> ox.RdfFormat:
    """The parser for ``path``: ``fmt`` if given, else guessed from the file extension.

    Files whose extension rdflib does not know are read as Turtle.
    """
    name = fmt or guess_format(str(path)) or "turtle"
    try:
        return FORMATS[name]
    except KeyError:
        allowed = ", ".join(sorted(FORMATS))
        raise DataError(path, f"unknown RDF format {name!r} (allowed: {allowed})") from None


def to_rdflib(term, bnodes: dict):
    """Convert an Oxigraph term to the equal rdflib term (blank nodes mapped via ``bnodes``)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        node = bnodes.get(term.value)
        if node is None:
            node = bnodes[term.value] = BNode()
        return node
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    raise TypeError(f"unsupported RDF term {term!r}")


def _add(graph: Graph, quads, name: str) -> int:
    bnodes: dict = {}
    n = 0
    add = graph.add
    try:
        for q in quads:
            add((to_rdflib(q.subject, bnodes), to_rdflib(q.predicate, bnodes), to_rdflib(q.object, bnodes)))
            n += 1
    except SyntaxError as e:
        raise _syntax_error(name, e) from None
    except TypeError as e:
        raise DataError(name, str(e)) from None
    return n


def _syntax_error(name: str, e: SyntaxError) -> DataError:
    msg = e.msg if isinstance(e.msg, str) else str(e)
    # Oxigraph prefixes "Parser error at line L column C: " - keep the reason only.
    reason = msg.split(": ", 1)[1] if msg.startswith("Parser error") and ": " in msg else msg
    return DataError(name, reason, line=e.lineno, column=e.offset)


def parse_text(graph: Graph, text: str | bytes, fmt: str, *, name: str = "<input>", base_iri: str | None = None) -> int:
    """Parse ``text`` in rdflib format ``fmt`` into ``graph``; return the number of triples read."""
    oxfmt = FORMATS.get(fmt)
    if oxfmt is None:
        raise DataError(name, f"unknown RDF format {fmt!r} (allowed: {', '.join(sorted(FORMATS))})")
    try:
        quads = ox.parse(text, format=oxfmt, base_iri=base_iri)
    except SyntaxError as e:
        raise _syntax_error(name, e) from None
    return _add(graph, quads, name)


def parse_file(graph: Graph, path: str | os.PathLike, fmt: str | None = None) -> int:
    """Parse the RDF file at ``path`` into ``graph``; return the number of triples read.

    Raises :class:`~ccare.errors.DataError` naming the file (and the line and column when
    the parser gives them) if the file cannot be read or is not valid RDF.
    """
    p = Path(path)
    oxfmt = format_for(p, fmt)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise DataError(p, "no such file") from None
    except IsADirectoryError:
        raise DataError(p, "is a directory, not an RDF file") from None
    except OSError as e:
        raise DataError(p, e.strerror or str(e)) from None
    base = p.resolve().as_uri()
    try:
        quads = ox.parse(data, format=oxfmt, base_iri=base)
    except SyntaxError as e:
        raise _syntax_error(str(p), e) from None
    return _add(graph, quads, str(p))



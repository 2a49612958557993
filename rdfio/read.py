"""Reading untrusted RDF files into rdflib graphs, with errors that name the file and line.

Parsing goes through Oxigraph's parsers (``pyoxigraph``): they are fast and never fetch
anything (a JSON-LD ``@context`` naming another document is an error, not a download).
Before a parser sees the bytes, :func:`check_input` refuses what would make it hang, eat
memory or crash (see :mod:`ccare.rdfio.prescan`), within :class:`Limits` the user can raise
through environment variables.  The triples are then added to an ordinary
:class:`rdflib.Graph`, all at once: a file that fails adds nothing.

Every failure is a :class:`~ccare.errors.DataError` with the file, the line (and the
column when known) and what was wrong.  Where the parser gives no position (some RDF/XML
and JSON-LD errors), the file is read again line by line to find the line it stopped on.

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
>>> try:
...     parse_text(g, '<http://ex/a> <http://ex/b> "long" .', "turtle", name="big.ttl",
...                limits=Limits(max_literal=3))
... except DataError as e:
...     print(e)
big.ttl, line 1: a literal of 4 characters, over the limit of 3 (set CCARE_MAX_LITERAL to raise it)
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Mapping, cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.util import guess_format

from ccare import settings
from ccare.errors import DataError
from ccare.rdfio import prescan

__all__ = [
    "FORMATS",
    "RDFLIB_FORMATS",
    "Limits",
    "format_for",
    "check_input",
    "explain",
    "parse_file",
    "parse_text",
    "parse_bytes",
    "read_bounded",
    "to_rdflib",
]

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

#: Formats rdflib reads by extension and Oxigraph does not: parsed by rdflib's own parser
#: into a scratch dataset, after the same checks (TriX is XML, so a DOCTYPE is refused
#: first).  Named graphs merge into the map, as they do for TriG and N-Quads.
RDFLIB_FORMATS = ("trix",)

@dataclass(frozen=True)
class Limits:
    """Bounds on one input file; the defaults leave room for maps of a million triples.

    ``max_file_size`` in bytes; ``max_literal`` in characters (literals and IRIs);
    ``max_depth``: nesting of JSON objects and arrays (JSON-LD) or XML elements (RDF/XML),
    whose parsers slow down with the square of the depth.

    >>> Limits.from_env({"CCARE_MAX_FILE_SIZE": "2G", "CCARE_MAX_DEPTH": "500"}).max_file_size
    2147483648
    """

    max_file_size: int = settings.DEFAULT_MAX_FILE_SIZE
    max_literal: int = settings.DEFAULT_MAX_LITERAL
    max_depth: int = settings.DEFAULT_MAX_DEPTH

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Limits":
        """The defaults, overridden by ``CCARE_MAX_FILE_SIZE``, ``CCARE_MAX_LITERAL``, ``CCARE_MAX_DEPTH``
        (of ``environ``, else of :func:`ccare.settings.current`)."""
        return cls.from_settings(settings.current() if environ is None else settings.Settings.from_env(environ))

    @classmethod
    def from_settings(cls, s: settings.Settings) -> "Limits":
        """The limits ``s`` sets (a usage error naming the variable whose value is not allowed)."""
        return cls(max_file_size=s.max_file_size, max_literal=s.max_literal, max_depth=s.max_depth)


def _unknown_format(name, fmt) -> DataError:
    allowed = ", ".join(sorted([*FORMATS, *RDFLIB_FORMATS]))
    return DataError(name, f"unknown RDF format {fmt!r} (allowed: {allowed})")


def format_for(path: str | os.PathLike, fmt: str | None = None) -> ox.RdfFormat | str:
    """The parser for ``path``: ``fmt`` if given, else guessed from the file extension.

    An Oxigraph format, or the rdflib name of one of :data:`RDFLIB_FORMATS`.  Files whose
    extension rdflib does not know are read as Turtle.
    """
    name = fmt or guess_format(str(path)) or "turtle"
    return _oxformat(name, path)


def _oxformat(fmt, name) -> ox.RdfFormat | str:
    if isinstance(fmt, ox.RdfFormat) or fmt in RDFLIB_FORMATS:
        return fmt
    oxfmt = FORMATS.get(fmt)
    if oxfmt is None:
        raise _unknown_format(name, fmt)
    return oxfmt


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


class _TermError(Exception):
    """A term ccare refuses (too long, or of a kind rdflib cannot hold)."""


def _too_long(what: str, length: int, limit: int) -> _TermError:
    return _TermError(
        f"{what} of {length:,} characters, over the limit of {limit:,} (set CCARE_MAX_LITERAL to raise it)"
    )


def _triples(quads, limits: Limits):
    """rdflib triples of Oxigraph ``quads``; :class:`_TermError` for a term ccare refuses."""
    bnodes: dict = {}
    longest = limits.max_literal
    for q in quads:
        s, p, o = q.subject, q.predicate, q.object
        if isinstance(o, ox.Literal):
            if len(o.value) > longest:
                raise _too_long("a literal", len(o.value), longest)
        elif isinstance(o, ox.NamedNode) and len(o.value) > longest:
            raise _too_long("an IRI", len(o.value), longest)
        if isinstance(s, ox.NamedNode) and len(s.value) > longest:
            raise _too_long("an IRI", len(s.value), longest)
        if isinstance(s, ox.Triple) or isinstance(o, ox.Triple):
            raise _TermError("quoted triples (RDF-star, << ... >>) are not supported")
        yield to_rdflib(s, bnodes), to_rdflib(p, bnodes), to_rdflib(o, bnodes)


def check_input(data: bytes | str, fmt, *, name: str, limits: Limits | None = None) -> bytes:
    """The bytes a parser may read, after the checks of :mod:`ccare.rdfio.prescan`.

    Call this before handing untrusted RDF to any parser: it refuses files over the size
    limit, UTF-16/32, NUL bytes, RDF/XML that is not well-formed, not UTF-8 or has a
    DOCTYPE, and JSON-LD or RDF/XML nested deeper than the limit; it drops a UTF-8
    byte-order mark.  ``fmt`` is an rdflib format name or a :class:`pyoxigraph.RdfFormat`.
    """
    limits = limits or Limits.from_env()
    oxfmt = _oxformat(fmt, name)
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogatepass")
    if len(data) > limits.max_file_size:
        raise DataError(name, _too_big(len(data), limits.max_file_size))
    _not_rdf(data, oxfmt, name)
    data = prescan.check_text(data, name)
    try:
        if oxfmt in (ox.RdfFormat.RDF_XML, "trix"):
            prescan.check_xml(data, name, limits.max_depth)
        elif oxfmt == ox.RdfFormat.JSON_LD:
            prescan.check_json_depth(data, name, limits.max_depth)
    except DataError:
        prescan.check_utf8(data, name)  # bytes that are not UTF-8 explain most broken files
        raise
    return data


#: First cells of a portfolio's header row (``ccare import``'s merchant id column), any case.
_PORTFOLIO_IDS = {"merchant_id", "id", "商家编号", "商户编号", "商户号"}


def _not_rdf(data: bytes, oxfmt, name: str) -> None:
    """Refuse, naming the file, what is plainly no RDF at all rather than merge nothing or
    report a syntax error that hides what the file is: a ZIP archive (an Excel workbook),
    a CSV file (a merchant portfolio: say to run ``ccare import`` first), and JSON that is
    not JSON-LD (it parses to no triple)."""
    if data[:4] == b"PK\x03\x04":
        raise DataError(name, "a ZIP archive (an Excel workbook?), not RDF: ccare reads RDF files "
                              "(Turtle, N-Triples, JSON-LD, RDF/XML, ...)")
    first = data[:4096].split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace").strip()
    head = {c.strip().strip('"').casefold() for c in re.split(r"[,\t;]", first)} if first else set()
    is_csv = str(name).lower().endswith((".csv", ".tsv"))
    if (is_csv or len(head) > 1) and head & _PORTFOLIO_IDS and head & {"products", "使用产品", "在用产品", "产品"}:
        command = f"ccare import {shlex.quote(str(name))} -o merchants.ttl"
        raise DataError(name, f"a portfolio CSV, not RDF: turn it into RDF first with `{command}`, "
                              "then give --data merchants.ttl")
    if is_csv:
        raise DataError(name, "a CSV file, not RDF: ccare reads RDF files (Turtle, N-Triples, JSON-LD, RDF/XML, ...); "
                              "a merchant portfolio goes through `ccare import` first")
    if oxfmt == ox.RdfFormat.JSON_LD:
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (ValueError, RecursionError):
            return  # the parser says where it breaks
        if not _has_jsonld_key(doc):
            raise DataError(name, "JSON but not JSON-LD (no @context, @id, @type or @graph): it holds no RDF, "
                                  "so nothing would be merged")


def _has_jsonld_key(doc) -> bool:
    """Whether the JSON ``doc`` has a key a JSON-LD document needs to say anything: a
    keyword (``@id``, ``@context``...) or an absolute IRI used as a property."""
    stack = [doc]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            if any(k.startswith("@") or ":" in k for k in x):
                return True
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return False


def _too_big(size: int, limit: int) -> str:
    return (
        f"the file is {size:,} bytes, over the limit of {limit:,} bytes "
        "(set CCARE_MAX_FILE_SIZE to raise it, e.g. CCARE_MAX_FILE_SIZE=2G)"
    )


class _LineReader(io.RawIOBase):
    """Hands ``data`` to a parser one line per read, so that ``pos`` shows how far it got."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.pos >= len(self.data):
            return 0
        end = self.data.find(b"\n", self.pos)
        end = len(self.data) if end < 0 else end + 1
        end = min(end, self.pos + len(buffer))
        n = end - self.pos
        buffer[:n] = self.data[self.pos:end]
        self.pos = end
        return n

    def line(self) -> int:
        return self.data.count(b"\n", 0, max(0, self.pos - 1)) + 1


def _locate(data: bytes, oxfmt, base_iri, limits: Limits) -> int | None:
    """The line a parser stops on when it reads ``data`` line by line (error path only)."""
    reader = _LineReader(data)
    try:
        # a RawIOBase is a binary file; pyoxigraph's stubs ask for IO[bytes]
        for _ in _triples(ox.parse(cast(IO[bytes], reader), format=oxfmt, base_iri=base_iri), limits):
            pass
    except (SyntaxError, _TermError):
        return reader.line()
    return None


def _reason(e: SyntaxError) -> str:
    msg = e.msg if isinstance(e.msg, str) else str(e)
    # Oxigraph prefixes "Parser error at line L column C: " - keep the reason only.
    return msg.split(": ", 1)[1] if msg.startswith("Parser error") and ": " in msg else msg


def _syntax_error(name: str, e: SyntaxError) -> DataError:
    """The :class:`DataError` for a parser's ``SyntaxError``, with its line and column."""
    return DataError(name, _reason(e), line=e.lineno, column=e.offset)


def explain(data: bytes, fmt, error: Exception, *, name: str, base_iri: str | None = None,
            limits: Limits | None = None) -> DataError:
    """The :class:`DataError` that tells the user why ``data`` failed to parse, and where.

    ``error`` is the parser's ``SyntaxError`` (or ccare's own check).  Bytes that are not
    UTF-8 are named first; a JSON-LD context naming another document is named with its
    position; an error without a position is located by reading the file again.
    """
    limits = limits or Limits.from_env()
    oxfmt = _oxformat(fmt, name)
    prescan.check_utf8(data, name)
    if isinstance(error, SyntaxError) and error.lineno is not None:
        return _syntax_error(name, error)
    if oxfmt == ox.RdfFormat.JSON_LD and "LoadDocumentCallback" in str(error):
        remote = prescan.json_remote_context(data)
        if remote is not None:
            url, offset = remote
            line, column = prescan.position(data, offset)
            return DataError(
                name,
                f"JSON-LD @context {url!r} names another document; ccare never fetches contexts "
                "(no network, no other files): put the context in the file as a JSON object",
                line=line,
                column=column,
            )
    reason = _reason(error) if isinstance(error, SyntaxError) else str(error)
    stop = _locate(data, oxfmt, base_iri, limits)
    return DataError(name, reason, line=stop, column=_column_of(reason, data, stop))


def _column_of(reason: str, data: bytes, line: int | None) -> int | None:
    """Where on ``line`` the text the parser quotes (``'...'``) in ``reason`` is, if it is."""
    if line is None or reason.count("'") < 2:
        return None
    quoted = reason.split("'")[1]
    lines = data.split(b"\n", line)
    if not quoted or len(lines) < line:
        return None
    text = lines[line - 1].decode("utf-8", "replace")
    at = text.find(quoted)
    return at + 1 if at >= 0 else None


def parse_bytes(graph: Graph, data: bytes | str, fmt, *, name: str, base_iri: str | None = None,
                limits: Limits | None = None) -> int:
    """Check and parse ``data`` into ``graph``; return the number of triples read.

    ``fmt`` is an rdflib format name or a :class:`pyoxigraph.RdfFormat`.  Nothing is added
    to ``graph`` unless the whole input parses.
    """
    limits = limits or Limits.from_env()
    oxfmt = _oxformat(fmt, name)
    data = check_input(data, oxfmt, name=name, limits=limits)
    if isinstance(oxfmt, str):
        triples = _rdflib_triples(data, oxfmt, name=name, base_iri=base_iri, limits=limits)
        graph.addN((s, p, o, graph) for s, p, o in triples)
        return len(triples)
    try:
        triples = list(_triples(ox.parse(data, format=oxfmt, base_iri=base_iri), limits))
    except (SyntaxError, _TermError) as e:
        raise explain(data, oxfmt, e, name=name, base_iri=base_iri, limits=limits) from None
    add = graph.add
    for t in triples:
        add(t)
    return len(triples)


def _rdflib_triples(data: bytes, fmt: str, *, name: str, base_iri: str | None, limits: Limits) -> list:
    """Triples of ``data`` read by rdflib's parser for ``fmt`` (one of :data:`RDFLIB_FORMATS`)."""
    from xml.sax import SAXParseException

    from rdflib import Dataset

    scratch = Dataset()
    try:
        scratch.parse(data=data.decode("utf-8"), format=fmt, publicID=base_iri)
    except SAXParseException as e:
        col = e.getColumnNumber()
        raise DataError(name, e.getMessage(), line=e.getLineNumber(), column=None if col is None else col + 1) from None
    except UnicodeDecodeError as e:
        line, column = prescan.position(data, e.start)
        raise DataError(name, "the file is not UTF-8", line=line, column=column) from None
    except Exception as e:  # rdflib's parsers raise many kinds for bad input
        raise DataError(name, f"not valid {fmt}: {e or type(e).__name__}") from None
    triples = list({(s, p, o) for s, p, o, _g in scratch.quads()})
    seen: set = set()
    for t in triples:
        for term in t:
            if isinstance(term, (Literal, URIRef)) and len(term) > limits.max_literal:
                what = "a literal" if isinstance(term, Literal) else "an IRI"
                raise DataError(name, str(_too_long(what, len(term), limits.max_literal)))
            if term not in seen:
                seen.add(term)
                _check_term(term, data, name)
    return triples


def _check_term(term, data: bytes, name: str) -> None:
    """Refuse a term rdflib's parser let through that is not valid RDF (an IRI with ``>``
    or a space, a bad language tag), with the line where it first appears in the file."""
    from xml.sax.saxutils import escape

    from ccare.rdfio.terms import TermError
    from ccare.rdfio.terms import term as sparql_term

    if isinstance(term, BNode):
        return
    try:
        sparql_term(term)
    except TermError as e:
        text = str(term.language if isinstance(term, Literal) and term.language else
                   term.datatype if isinstance(term, Literal) else term)
        at = -1
        for form in (escape(text, {'"': "&quot;"}), escape(text), text):
            at = data.find(form.encode("utf-8"))
            if at >= 0:
                break
        line, column = prescan.position(data, at) if at >= 0 else (None, None)
        raise DataError(name, str(e), line=line, column=column) from None


def parse_text(graph: Graph, text: str | bytes, fmt: str, *, name: str = "<input>", base_iri: str | None = None,
               limits: Limits | None = None) -> int:
    """Parse ``text`` in rdflib format ``fmt`` into ``graph``; return the number of triples read."""
    return parse_bytes(graph, text, fmt, name=name, base_iri=base_iri, limits=limits)


def read_bounded(path: str | os.PathLike, limits: Limits | None = None, what: str = "an RDF file") -> bytes:
    """The bytes of the file at ``path``, refusing directories, devices and oversized files.

    ``what`` names what the file should be in the messages ("is a directory, not an RDF file").
    """
    from ccare.rdfio.atomic import open_input

    limits = limits or Limits.from_env()
    p = Path(path)
    # a FIFO is refused without blocking, devices and directories too (atomicio.open_input)
    with open_input(p, what) as f:
        try:
            size = os.fstat(f.fileno()).st_size
            if size > limits.max_file_size:
                raise DataError(p, _too_big(size, limits.max_file_size))
            # read what the file holds (one byte more shows growth), never a buffer of the limit's size
            data = f.read(min(size, limits.max_file_size) + 1)
            while len(data) <= limits.max_file_size and (
                    chunk := f.read(min(1024**2, limits.max_file_size + 1 - len(data)))):
                data += chunk  # the file grew since fstat (or reports no size)
        except OSError as e:
            raise DataError(p, e.strerror or str(e)) from None
    if len(data) > limits.max_file_size:
        raise DataError(p, _too_big(len(data), limits.max_file_size))
    return data


def parse_file(graph: Graph, path: str | os.PathLike, fmt: str | None = None, *, limits: Limits | None = None) -> int:
    """Parse the RDF file at ``path`` into ``graph``; return the number of triples read.

    Raises :class:`~ccare.errors.DataError` naming the file (and the line and column when
    known) if the file cannot be read, breaks a limit or is not valid RDF.
    """
    p = Path(path)
    oxfmt = format_for(p, fmt)
    data = read_bounded(p, limits)
    return parse_bytes(graph, data, oxfmt, name=str(p), base_iri=p.resolve().as_uri(), limits=limits)

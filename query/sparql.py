"""Read-only SPARQL over the loaded map: checked on the parsed query, run within bounds.

:func:`prepare` parses a query with rdflib's SPARQL parser and checks the parsed
algebra, never the text:

- only a query (``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``) is evaluated; text that
  parses as an update (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ...) is refused;
- ``SERVICE`` anywhere in the query (sub-queries and ``EXISTS`` included) is refused:
  rdflib would send the query to that endpoint;
- ``FROM`` and ``FROM NAMED`` are refused: the query runs on the loaded map and nothing
  else (rdflib would load such graphs from the web or the disk on a dataset);
- ``GRAPH`` is refused with an explanation: the map is one graph, without named graphs.

:func:`run` evaluates the query with rdflib's evaluator on the map's graph (never a
store's own engine, so what runs is exactly what was checked) in a child process
(:mod:`ccare.query.sandbox`) that is killed when the time is up, cannot reach the network,
and has a memory ceiling; results arrive in batches, so a query that is cut short still
shows the rows it found.

Examples
--------
>>> from ccare.kb.model import load
>>> g = load().graph
>>> r = run(g, "SELECT ?v WHERE { ccid:fan-group cc:serves ?v } ORDER BY ?v", timeout=30)
>>> r.kind, r.vars, [str(row[0]).rsplit("/", 1)[1] for row in r.rows]
('SELECT', ['v'], ['convertible', 'interactive', 'value-adding'])
>>> run(g, "ASK { ccid:fan-group a cc:CoreProduct }", timeout=30).boolean
True
>>> try:
...     prepare("DELETE WHERE { ?s ?p ?o }", {})
... except QueryRefused as e:
...     print(e)
refused: SPARQL updates (DeleteWhere) are not allowed; ccare sparql only reads the map
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pyparsing
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query

from ccare.errors import QueryError, QueryRefused, QuerySyntaxError
from ccare.ontology import PREFIXES
from ccare.query.sandbox import run_bounded
from ccare.text import csvcells as csvsafe

__all__ = [
    "QueryRefused",
    "QuerySyntaxError",
    "SparqlResult",
    "prepare",
    "checked",
    "expand_escapes",
    "check",
    "run",
    "DEFAULT_MAX_ROWS",
    "MAX_QUERY_BYTES",
    "to_csv",
    "to_json",
    "graph_of",
]

#: Rows (or triples) a query returns unless the user raises ``--max-rows``.
DEFAULT_MAX_ROWS = 10_000
#: A query longer than this is refused before parsing.
MAX_QUERY_BYTES = 1024**2
#: Prefixes worth naming when a query uses an unknown one (the graph knows rdflib's many more).
_USUAL_PREFIXES = {*PREFIXES, "rdf", "rdfs", "owl", "xsd", "sh"}

_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


def _walk(node):
    """Every :class:`CompValue` in a parsed query or its algebra, iteratively."""
    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, CompValue):
            yield n
            stack.extend(dict.values(n))
        elif isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, (list, tuple, set, frozenset, pyparsing.ParseResults)):
            stack.extend(n)


def _update_operations(text: str) -> list[str] | None:
    try:
        parsed = parseUpdate(text)
    except (pyparsing.ParseException, RecursionError):
        return None
    ops = [getattr(op, "name", "update") for op in (parsed.request or [])]
    return ops or None


def check(query: Query) -> None:
    """Refuse what a parsed query must not do here (see the module docstring)."""
    for node in _walk([query.algebra, query.prologue]):
        if node.name == "ServiceGraphPattern":
            raise QueryRefused(
                f"refused: SERVICE <{dict.get(node, 'term')}> would send the query to another endpoint; "
                "ccare sparql queries the loaded map only"
            )
        if node.name == "DatasetClause":  # CompValue.get answers a missing key with the key
            named = dict.get(node, "named")
            src = named if named is not None else dict.get(node, "default")
            kw = "FROM NAMED" if named is not None else "FROM"
            raise QueryRefused(
                f"refused: {kw} <{src}> would load another graph; ccare sparql queries the loaded "
                "map only (add files with --data)"
            )
        if node.name == "Graph":
            raise QueryError("GRAPH is not supported: the loaded map is one graph, without named graphs")


#: SPARQL 1.1 §19.2: ``\uXXXX`` and ``\UXXXXXXXX`` anywhere in the text, before the grammar.
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_ANY_ESCAPE = re.compile(r"\\[uU]")


def expand_escapes(text: str) -> str:
    r"""``text`` with its codepoint escapes expanded, once, as SPARQL 1.1 (§19.2) says.

    Engines disagree on escapes: rdflib's parser expands them across the whole text (and
    reads ``\u`` followed by eight hex digits as one escape), Oxigraph only inside strings
    and IRIs.  A query that means one thing to the checker and another to the engine could
    hide a ``SERVICE``.  So ccare expands them itself, checks that text and runs or sends
    that same text; the result holds no ``\u`` or ``\U`` at all (an escape that yields
    another escape is refused), so every engine reads it alike.

    >>> expand_escapes(r'SELECT * WHERE { ?s ?p "\u4E2D\U00006587" }')
    'SELECT * WHERE { ?s ?p "中文" }'
    >>> expand_escapes(r'"\u005Cu0022"')
    Traceback (most recent call last):
    ...
    ccare.errors.QueryError: \u at line 1, column 2 (after expanding the codepoint escapes) starts no codepoint
    escape, or one escape writes another: write the character itself
    """

    def where(t: str, at: int) -> str:
        return f"line {t.count(chr(10), 0, at) + 1}, column {at - t.rfind(chr(10), 0, at)}"

    def expand(m: re.Match) -> str:
        code = int(m[1] or m[2], 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryError(f"{m[0]} at {where(text, m.start())} is not a Unicode character "
                             "(codepoints go up to \\U0010FFFF, surrogates excluded)")
        return chr(code)

    out = _CODEPOINT.sub(expand, text)
    left = _ANY_ESCAPE.search(out)
    if left:
        raise QueryError(f"{left[0]} at {where(out, left.start())} (after expanding the codepoint escapes) starts "
                         "no codepoint escape, or one escape writes another: write the character itself")
    return out


def checked(text: str, namespaces: dict) -> tuple[str, Query]:
    """``(sent, query)``: the text to run or send, and its checked parse.

    ``sent`` is ``text`` with its codepoint escapes expanded (:func:`expand_escapes`) and a
    ``PREFIX`` line for each map prefix it uses undeclared; ``query`` is :func:`prepare` of
    exactly that text.
    """
    sent = with_prefixes(expand_escapes(text), namespaces)
    return sent, prepare(sent, namespaces)


#: Brackets (``(``, ``[``, ``{``) a query may nest: rdflib's parser recurses on each level,
#: and thousands of them exhaust its stack.
MAX_QUERY_NESTING = 256

_QUERY_TOKENS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                           r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*|[(\[{]|[)\]}]')


def _check_nesting(text: str) -> None:
    """Refuse a query whose brackets nest deeper than :data:`MAX_QUERY_NESTING` (outside
    strings, IRIs and comments), before a parser recurses into them."""
    depth = top = 0
    for m in _QUERY_TOKENS.finditer(text):
        t = m.group()
        if t in "([{":
            depth += 1
            if depth > top:
                top = depth
                if top > MAX_QUERY_NESTING:
                    line = text.count("\n", 0, m.start()) + 1
                    raise QueryError(f"the query nests brackets deeper than {MAX_QUERY_NESTING} levels "
                                     f"(line {line}); write it flatter")
        elif t in ")]}":
            depth = max(0, depth - 1)


def prepare(text: str, namespaces: dict) -> Query:
    """Parse and check ``text``; ``namespaces`` are prefixes the query may use undeclared.

    Raises :class:`QuerySyntaxError` (with line and column), :class:`QueryRefused`, or
    :class:`~ccare.errors.QueryError` (an unknown prefix, an empty query).
    """
    if not text.strip():
        raise QueryError("the query is empty")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_QUERY_BYTES:
        raise QueryError(f"the query is longer than {MAX_QUERY_BYTES:,} bytes")
    if _ANY_ESCAPE.search(text):
        # rdflib's parser would expand them and so check a text other than the one that runs
        raise QueryError("prepare() takes a text whose codepoint escapes are expanded (see checked())")
    _check_nesting(text)
    try:
        parsed = parseQuery(text)
    except pyparsing.ParseException as e:
        ops = _update_operations(text)
        first = text[e.loc:].split(None, 1)[0].upper() if text[e.loc:].split() else ""
        if ops or (e.loc == len(text) - len(text.lstrip()) and first in _UPDATE_WORDS):
            raise QueryRefused(
                f"refused: SPARQL updates ({', '.join(ops or [first])}) are not allowed; "
                "ccare sparql only reads the map"
            ) from None
        found = getattr(e, "found", "")
        raise QuerySyntaxError(f"{e.msg}, found {found}" if found else e.msg, e.lineno, e.col, text) from None
    except RecursionError:
        raise QueryError("the query is nested too deeply to parse") from None
    try:
        query = translateQuery(parsed, initNs=namespaces)
    except RecursionError:
        raise QueryError("the query is nested too deeply to translate") from None
    except Exception as e:  # rdflib raises plain Exception, e.g. for an unknown prefix
        msg = str(e)
        if msg.startswith("Unknown namespace prefix"):
            prefix = msg.rsplit(":", 1)[-1].strip()
            known = ", ".join(sorted(p for p in namespaces if p in _USUAL_PREFIXES))
            msg = f"unknown prefix {prefix!r}: declare it with PREFIX {prefix}: <...> (known: {known})"
        raise QueryError(msg) from None
    check(query)
    return query


@dataclass
class SparqlResult:
    """Rows of a SELECT, the answer of an ASK, or the triples of a CONSTRUCT/DESCRIBE.

    ``complete`` is False when a limit stopped the query; ``reason`` says which.
    """

    kind: str | None
    vars: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    complete: bool = True
    reason: str | None = None


def _evaluate(graph: Graph, text: str, namespaces: dict):
    """Child side: the head ``(kind, vars)``, then rows, the boolean, or triples.

    The query is checked on rdflib's parse of exactly the text that is evaluated (the
    map's prefixes declared in it).  On the Oxigraph store, Oxigraph evaluates it: its
    property paths (``p+``) do not recurse in Python, where rdflib's hit RecursionError
    on chains of about ten thousand links.  On rdflib's stores, rdflib evaluates it.
    """
    from ccare.rdfio.store import oxigraph_of

    sent, query = checked(text, namespaces)
    kind = query.algebra.name.removesuffix("Query").upper()  # SelectQuery -> SELECT
    variables = list(query.algebra.get("PV") or []) if kind == "SELECT" else []
    yield kind, [str(v) for v in variables]  # before evaluating: some operators work eagerly
    st = oxigraph_of(graph)
    if st is not None:
        yield from _evaluate_oxigraph(st, sent, kind, [str(v) for v in variables])
        return
    import rdflib.plugins.sparql as rdflib_sparql
    from rdflib.plugins.sparql.evaluate import evalQuery

    rdflib_sparql.SPARQL_LOAD_GRAPHS = False  # never load a graph named in a query
    try:
        res = evalQuery(graph, query)
        if kind == "SELECT":
            for b in res["bindings"]:
                yield tuple(b.get(v) for v in variables)
        elif kind == "ASK":
            yield bool(res["askAnswer"])
        else:
            yield from res["graph"]
    except RecursionError:
        raise QueryError(
            "rdflib's SPARQL engine ran out of stack on this query (a property path over a long "
            "chain?); the default Oxigraph store evaluates it (drop --store memory / CCARE_STORE)"
        ) from None


def _evaluate_oxigraph(store, sent: str, kind: str, variables: list[str]):
    import pyoxigraph as ox

    from ccare.rdfio.read import to_rdflib

    try:
        res = store.query(sent)
    except SyntaxError as e:  # rdflib accepted what Oxigraph does not (rare corners of the grammar)
        raise QueryError(f"the query could not be evaluated: {e}") from None
    bnodes: dict = {}
    if kind == "SELECT":
        for solution in res:
            yield tuple(None if solution[v] is None else to_rdflib(solution[v], bnodes) for v in variables)
    elif kind == "ASK":
        yield bool(res)
    else:
        for t in res:
            if isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple):
                raise QueryError("the answer holds RDF 1.2 triple terms, which ccare cannot show")
            yield to_rdflib(t.subject, bnodes), to_rdflib(t.predicate, bnodes), to_rdflib(t.object, bnodes)


def run(graph: Graph, text: str, *, timeout: float | None, max_rows: int = DEFAULT_MAX_ROWS,
        memory: int | None = None, namespaces: dict | None = None) -> SparqlResult:
    """Check and evaluate ``text`` on ``graph`` within ``timeout`` seconds and ``max_rows``.

    Errors in the query are raised; a limit gives a result with ``complete=False``.
    """
    ns = dict(graph.namespaces()) if namespaces is None else namespaces
    ns = {str(k): str(v) for k, v in ns.items()}
    out = run_bounded(lambda: _evaluate(graph, text, ns), timeout=timeout, max_items=max_rows + 1, memory=memory)
    if not out.items:
        return SparqlResult(kind=None, complete=out.complete, reason=out.reason)
    (kind, variables), body = out.items[0], out.items[1:]
    result = SparqlResult(kind=kind, vars=variables, complete=out.complete, reason=out.reason)
    if out.reason and out.reason.startswith("result limit"):
        result.reason = f"row limit {max_rows} reached"
    if kind == "ASK":
        result.boolean = body[0] if body else None
    else:
        result.rows = body
    return result


def with_prefixes(text: str, namespaces: dict) -> str:
    """``text`` with a ``PREFIX`` line for each of ``namespaces`` it uses but does not
    declare, so that another SPARQL engine reads it as ccare does."""
    try:
        _check_nesting(text)
        prologue = parseQuery(text)[0]
    except (pyparsing.ParseException, RecursionError, QueryError):
        return text  # prepare() reports the error with its position
    declared = {str(d.prefix or "") for d in prologue if getattr(d, "name", "") == "PrefixDecl"}
    lines = [f"PREFIX {p}: <{ns}>" for p, ns in sorted(namespaces.items()) if p and p not in declared]
    return "\n".join([*lines, text]) if lines else text


def run_remote(endpoint, text: str, *, namespaces: dict, max_rows: int = DEFAULT_MAX_ROWS) -> SparqlResult:
    """Check ``text`` as :func:`run` does, then send it to ``endpoint`` (a
    :class:`ccare.endpoint.client.Endpoint`, whose request timeout bounds the wait).

    What is sent is exactly what was checked: the query with the map's prefixes declared.
    A request that times out gives a result with ``complete=False``.
    """
    from ccare.endpoint.client import EndpointTimeout

    ns = {str(k): str(v) for k, v in namespaces.items()}
    sent, query = checked(text, ns)
    kind = query.algebra.name.removesuffix("Query").upper()
    variables = [str(v) for v in (query.algebra.get("PV") or [])] if kind == "SELECT" else []
    result = SparqlResult(kind=kind, vars=variables)
    try:
        if kind == "SELECT":
            rows = [tuple(b.get(v) for v in variables) for b in endpoint.select(sent)]
        elif kind == "ASK":
            result.boolean = endpoint.ask(sent)
            return result
        else:
            g = Graph()
            endpoint.construct(sent, g)
            rows = sorted(g)
    except EndpointTimeout as e:
        return SparqlResult(kind=None, complete=False, reason=str(e))
    if len(rows) > max_rows:
        rows, result.complete, result.reason = rows[:max_rows], False, f"row limit {max_rows} reached"
    result.rows = rows
    return result


class _BNodeLabels(dict):
    """Short, stable labels for the blank nodes of one result: b1, b2, ..."""

    def __missing__(self, node):
        label = self[node] = f"b{len(self) + 1}"
        return label


def _csv_cell(term, bnodes: _BNodeLabels) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{bnodes[term]}"
    return str(term)


def to_csv(result: SparqlResult) -> str:
    """SPARQL 1.1 CSV results (CRLF line ends); triples as ``subject,predicate,object``; ASK as ``true``/``false``."""
    buf = io.StringIO()
    w = csvsafe.writer(buf, lineterminator="\r\n")  # formula-like cells guarded unless --csv-raw
    bnodes = _BNodeLabels()
    if result.kind == "ASK":
        return ("true" if result.boolean else "false") + "\r\n"
    w.writerow(result.vars if result.kind == "SELECT" else ["subject", "predicate", "object"])
    for row in result.rows:
        w.writerow([_csv_cell(t, bnodes) for t in row])
    return buf.getvalue()


def _json_term(term, bnodes: _BNodeLabels) -> dict:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": bnodes[term]}
    d = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal):
        if term.language:
            d["xml:lang"] = term.language
        elif term.datatype is not None:
            d["datatype"] = str(term.datatype)
    return d


def to_json(result: SparqlResult) -> dict:
    """SPARQL 1.1 Query Results JSON for SELECT and ASK.

    CONSTRUCT and DESCRIBE give the same shape with the variables ``subject``,
    ``predicate`` and ``object``, one binding per triple.
    """
    if result.kind == "ASK":
        return {"head": {}, "boolean": bool(result.boolean)}
    variables = result.vars if result.kind == "SELECT" else ["subject", "predicate", "object"]
    bnodes = _BNodeLabels()
    bindings = [
        {v: _json_term(t, bnodes) for v, t in zip(variables, row) if t is not None}
        for row in result.rows
    ]
    return {"head": {"vars": variables}, "results": {"bindings": bindings}}


def graph_of(result: SparqlResult, namespaces: dict | None = None) -> Graph:
    """The triples of a CONSTRUCT or DESCRIBE result as a graph, with ``namespaces`` bound."""
    g = Graph()
    for prefix, ns in (namespaces or {}).items():
        g.bind(prefix, ns)
    for t in result.rows:
        g.add(t)
    return g

"""Where the triples live: an Oxigraph store behind rdflib's API (default), or rdflib's own.

ccare keeps :class:`rdflib.Graph` as its API and chooses the store under it:

- ``oxigraph`` (default): :class:`OxigraphStore`, an rdflib store over an in-memory
  `Oxigraph <https://github.com/oxigraph/oxigraph>`_ store (``pyoxigraph``), in the
  design of ``oxrdflib``.  Files are parsed straight into it by Oxigraph (no per-triple
  Python work) and ``graph.query(text)`` runs on Oxigraph's SPARQL engine, whose
  property paths (``p+``) do not recurse in Python.
- ``memory``: rdflib's ``Memory`` store, everything in pure Python; slower to load and
  query, but with no native code between the user and rdflib.

The choice comes from the ``store=`` argument of :func:`ccare.kb.model.load`, else the
``CCARE_STORE`` environment variable, else ``oxigraph``.

Oxigraph gives plain strings the datatype ``xsd:string`` explicitly, where rdflib
writes ``Literal("x")`` with no datatype; both mean the same RDF term, but rdflib does
not consider them equal.  :class:`OxigraphStore` hands out plain literals, so the two
stores return the very same rdflib terms.

Examples
--------
>>> g = new_graph("oxigraph")
>>> load_bytes(g, b'<http://ex/a> <http://ex/b> "c", "d"@en, 3 .', "turtle", name="<inline>")
>>> len(g), sorted(g.objects())
(3, [rdflib.term.Literal('3', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer')),
rdflib.term.Literal('c'), rdflib.term.Literal('d', lang='en')])
>>> store_kind("memory"), store_kind(None) in STORES
('memory', True)
"""

from __future__ import annotations

from typing import Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.query import Result
from rdflib.store import Store

from ccare import ontology, settings
from ccare.errors import DataError, UsageError
from ccare.rdfio.read import FORMATS, Limits, check_input, explain, parse_bytes

__all__ = [
    "STORES",
    "DEFAULT_STORE",
    "STORE_ENV",
    "OxigraphStore",
    "to_ox",
    "store_kind",
    "new_graph",
    "oxigraph_of",
    "kind_of",
    "load_bytes",
    "from_ox",
]

#: Store kinds, the default first.
STORES = settings.STORES
DEFAULT_STORE = settings.DEFAULT_STORE
#: Environment variable naming the store kind when the caller does not.
STORE_ENV = "CCARE_STORE"

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def store_kind(kind: str | None = None) -> str:
    """The store kind to use: ``kind``, else ``$CCARE_STORE``, else ``oxigraph``.

    Raises :class:`~ccare.errors.UsageError` for a kind that is not one of :data:`STORES`.
    """
    if not kind:  # the setting is checked when read: a usage error names CCARE_STORE
        return settings.current().store or DEFAULT_STORE
    name = kind.strip().lower()
    if name not in STORES:
        raise UsageError(f"unknown store {name!r} (allowed: {', '.join(STORES)})")
    return name


def from_ox(term):
    """The rdflib term equal to the Oxigraph ``term`` (plain strings without a datatype)."""
    cls = type(term)
    if cls is ox.NamedNode:
        return URIRef(term.value)
    if cls is ox.Literal:
        lang = term.language
        if lang:
            return Literal(term.value, lang=lang)
        dt = term.datatype.value
        if dt == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    if cls is ox.BlankNode:
        return BNode(term.value)
    if cls is ox.Triple:
        return from_ox(term.subject), from_ox(term.predicate), from_ox(term.object)
    if term is None:
        return None
    raise ValueError(f"unexpected Oxigraph term {term!r}")


def to_ox(term):
    """The Oxigraph term equal to the rdflib ``term`` (``None`` stays ``None``: a wildcard)."""
    if term is None:
        return None
    if isinstance(term, Graph):
        term = term.identifier
    if isinstance(term, URIRef):
        if term == DATASET_DEFAULT_GRAPH_ID:
            return ox.DefaultGraph()
        return ox.NamedNode(term)
    if isinstance(term, BNode):
        return ox.BlankNode(term)
    if isinstance(term, Literal):
        dt = term.datatype
        return ox.Literal(term, language=term.language, datatype=ox.NamedNode(dt) if dt else None)
    raise ValueError(f"an Oxigraph store cannot hold {term!r}")


class OxigraphStore(Store):
    """An rdflib :class:`~rdflib.store.Store` over an in-memory :class:`pyoxigraph.Store`.

    The same design as ``oxrdflib``'s store (quads in Oxigraph, one rdflib graph per
    Oxigraph graph, SPARQL strings answered by Oxigraph), with three differences:

    - plain literals come back without ``xsd:string`` (see the module docstring);
    - a triple lookup does not build a new :class:`rdflib.Graph` for each triple's context;
    - importing it does not import rdflib's SPARQL parser (a quarter of a second of
      every ``ccare`` start).
    """

    context_aware = True
    formula_aware = False
    transaction_aware = False
    graph_aware = True

    def __init__(self, configuration=None, identifier=None, *, store: ox.Store | None = None):
        self._inner = store if store is not None else ox.Store()
        self._contexts: dict = {}
        self._ns: dict = {}  # prefix -> namespace
        self._prefixes: dict = {}  # namespace -> prefix
        super().__init__(configuration, identifier)

    def _context(self, name) -> Graph:
        ctx = self._contexts.get(name)
        if ctx is None:
            ident: URIRef | BNode
            if isinstance(name, ox.DefaultGraph):
                ident = DATASET_DEFAULT_GRAPH_ID
            elif isinstance(name, ox.NamedNode):
                ident = URIRef(name.value)
            else:
                ident = BNode(name.value)
            ctx = self._contexts[name] = Graph(store=self, identifier=ident)
        return ctx

    # -- triples

    def add(self, triple, context, quoted: bool = False) -> None:
        if quoted:
            raise ValueError("an Oxigraph store is not formula aware")
        s, p, o = triple
        self._inner.add(ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(context)))
        super().add(triple, context, quoted)

    def addN(self, quads) -> None:  # noqa: N802 - rdflib's name
        quads = list(quads)
        self._inner.extend([ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(c)) for s, p, o, c in quads])
        for s, p, o, c in quads:
            super().add((s, p, o), c)

    def remove(self, triple, context=None) -> None:
        for q in list(self._quads(triple, context)):
            self._inner.remove(q)
        super().remove(triple, context)

    def _quads(self, triple, context):
        s, p, o = triple
        try:
            return self._inner.quads_for_pattern(to_ox(s), to_ox(p), to_ox(o), to_ox(context))
        except (TypeError, ValueError):
            return iter(())  # a pattern Oxigraph cannot hold (a literal subject) matches nothing

    def triples(self, triple_pattern, context=None) -> Iterator:
        ctx = self._context
        return (
            ((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)), iter((ctx(q.graph_name),)))
            for q in self._quads(triple_pattern, context)
        )

    def __len__(self, context=None) -> int:
        if context is None or to_ox(context) == ox.DefaultGraph():
            if not any(True for _ in self._inner.named_graphs()):
                return len(self._inner)
        union = context is None
        result = self._inner.query(
            "SELECT (COUNT(*) AS ?c) WHERE { ?s ?p ?o }",
            use_default_graph_as_union=union,
            default_graph=None if union else to_ox(context),
        )
        assert isinstance(result, ox.QuerySolutions)  # a SELECT
        return int(next(iter(result))[0].value)

    def contexts(self, triple=None):
        if triple is None:
            return (self._context(g) for g in self._inner.named_graphs())
        return (self._context(q.graph_name) for q in self._quads(triple, None))

    def add_graph(self, graph) -> None:
        name = to_ox(graph)
        if not isinstance(name, ox.DefaultGraph):
            self._inner.add_graph(name)

    def remove_graph(self, graph) -> None:
        name = to_ox(graph)
        if isinstance(name, ox.DefaultGraph):
            self._inner.clear_graph(name)
        else:
            self._inner.remove_graph(name)

    # -- SPARQL

    def query(self, query, initNs, initBindings, queryGraph, **kwargs) -> Result:  # noqa: N803
        if not isinstance(query, str) or kwargs:
            raise NotImplementedError  # rdflib evaluates parsed queries and extra options itself
        union = queryGraph == "__UNION__"
        result = self._inner.query(
            query,
            use_default_graph_as_union=union,
            default_graph=None if union else to_ox(queryGraph),
            prefixes={**self._ns, **{k: str(v) for k, v in initNs.items()}},
            substitutions={ox.Variable(str(k)): to_ox(v) for k, v in initBindings.items()},
        )
        if isinstance(result, ox.QueryBoolean):
            out = Result("ASK")
            out.askAnswer = bool(result)
        elif isinstance(result, ox.QuerySolutions):
            out = Result("SELECT")
            out.vars = [Variable(v.value) for v in result.variables]
            names = out.vars
            out.bindings = (
                {v: from_ox(t) for v, t in zip(names, sol) if t is not None} for sol in result
            )
        else:
            out = Result("CONSTRUCT")
            g = Graph()
            for t in result:
                g.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
            out.graph = g
        return out

    def update(self, update, initNs, initBindings, queryGraph, **kwargs) -> None:  # noqa: N803
        if not isinstance(update, str) or kwargs or initBindings or queryGraph != DATASET_DEFAULT_GRAPH_ID:
            raise NotImplementedError  # rdflib evaluates those itself
        self._inner.update(update, prefixes={**self._ns, **{k: str(v) for k, v in initNs.items()}})

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    # -- prefixes

    def bind(self, prefix: str, namespace, override: bool = True) -> None:
        if not override and (prefix in self._ns or namespace in self._prefixes):
            return
        old = self._ns.pop(prefix, None)
        if old is not None:
            self._prefixes.pop(old, None)
        old_prefix = self._prefixes.pop(namespace, None)
        if old_prefix is not None:
            self._ns.pop(old_prefix, None)
        self._ns[prefix] = namespace
        self._prefixes[namespace] = prefix

    def prefix(self, namespace):
        return self._prefixes.get(namespace)

    def namespace(self, prefix: str):
        return self._ns.get(prefix)

    def namespaces(self):
        yield from self._ns.items()


def new_graph(kind: str | None = None) -> Graph:
    """An empty graph on a store of ``kind`` (see :func:`store_kind`), ccare's prefixes bound.

    On Oxigraph the graph is the store's default graph, so SPARQL over the store and
    ``graph.query`` see the same triples.
    """
    if store_kind(kind) == "oxigraph":
        g = Graph(store=OxigraphStore(), identifier=DATASET_DEFAULT_GRAPH_ID)
    else:
        g = Graph()
    for prefix, ns in ontology.PREFIXES.items():
        g.bind(prefix, ns)
    return g


def oxigraph_of(graph: Graph) -> ox.Store | None:
    """The :class:`pyoxigraph.Store` whose default graph ``graph`` is (as :func:`new_graph`
    makes them), else ``None``: then ``graph`` is on another store, or is a named graph.

    Code with a fast path for Oxigraph runs SPARQL or bulk operations on this store;
    they see exactly the triples of ``graph``.
    """
    st = graph.store
    if isinstance(st, OxigraphStore) and graph.identifier == DATASET_DEFAULT_GRAPH_ID:
        return st._inner
    return None


def kind_of(graph: Graph) -> str:
    """The store kind of ``graph``: ``oxigraph`` or ``memory`` (any other rdflib store)."""
    return "oxigraph" if isinstance(graph.store, OxigraphStore) else "memory"


def load_bytes(
    graph: Graph,
    data: bytes | str,
    fmt,
    *,
    name: str,
    base_iri: str | None = None,
    limits: Limits | None = None,
) -> None:
    """Check and parse ``data`` (rdflib format name, or Oxigraph format) into ``graph``.

    The checks and the errors are :mod:`ccare.rdfio.read`'s (:func:`~ccare.rdfio.read.check_input`
    before parsing, a :class:`~ccare.errors.DataError` naming ``name``, the line and the
    column).  On Oxigraph, Turtle, TriG, N-Triples and N-Quads are parsed straight into
    the store, with no per-triple Python work; a syntax error adds nothing.  After a term
    over the length limit (or an RDF 1.2 triple term, which rdflib cannot hold) is
    refused, ``graph`` must be dropped.  Other formats, and other stores, go through
    :func:`ccare.rdfio.read.parse_bytes`.
    """
    st = oxigraph_of(graph)
    oxfmt = fmt if isinstance(fmt, ox.RdfFormat) else FORMATS.get(fmt)
    if st is None or oxfmt not in _LINE_FORMATS:
        # rdflib's stores, and the formats read whole (JSON-LD, RDF/XML, N3): through rdfio
        parse_bytes(graph, data, fmt, name=name, base_iri=base_iri, limits=limits)
        return
    limits = limits or Limits.from_env()
    data = check_input(data, oxfmt, name=name, limits=limits)
    try:
        st.load(data, format=oxfmt, base_iri=base_iri, to_graph=ox.DefaultGraph())
    except (SyntaxError, ValueError, OSError) as e:
        raise explain(data, oxfmt, e, name=name, base_iri=base_iri, limits=limits) from None
    if not _terms_surely_short(data, base_iri, limits.max_literal) and _refused_terms(st, limits.max_literal):
        # rdfio reads the file again and words the refusal (it stops at the first such term)
        parse_bytes(_Discard(), data, oxfmt, name=name, base_iri=base_iri, limits=limits)
        raise DataError(name, "a term over the length limit, or an RDF 1.2 triple term")


#: Formats Oxigraph parses straight into the store: every term is written on the lines it
#: comes from, and a triple term needs ``<<`` (see :func:`_terms_surely_short`).
_LINE_FORMATS = (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)


def _terms_surely_short(data: bytes, base_iri: str | None, limit: int) -> bool:
    """Whether ``data`` (a line format) surely holds no term longer than ``limit`` and no
    triple term.

    Cheap and conservative: ``False`` only means "look in the store".  A term is no longer
    than its text plus a base IRI; without triple-quoted literals, no longer than two
    lines (a prefix and a local name) plus a base IRI.
    """
    base = len(base_iri or "")
    if len(data) + base <= limit:
        return b"<<" not in data
    if any(m in data for m in _MARKERS):  # bytes.find: a tenth of a regex's time on 30 MB
        return False
    return _lines_within(data, (limit - base) // 2)


def _lines_within(data: bytes, most: int) -> bool:
    """Whether no line of ``data`` (newline excluded) is longer than ``most`` bytes.

    When every aligned window of ``w = most // 2 + 1`` bytes holds a newline, no line is
    longer than ``2w - 2 <= most``: a few ``bytes.find`` on a large file (splitting it
    into a million lines took 0.15 s of a 30 MB load); else the lines are measured.
    """
    if most < 0:
        return False
    w = most // 2 + 1
    find = data.find
    if all(find(b"\n", i, i + w) >= 0 for i in range(0, len(data) - w + 1, w)):
        tail = len(data) - (len(data) // w) * w  # the bytes after the last whole window
        if tail == 0 or len(data) - 1 - data.rfind(b"\n") <= most:
            return True
    return max(map(len, data.split(b"\n"))) <= most


#: Text that may start a triple term (``<<``) or a literal spanning lines (triple quotes).
_MARKERS = (b"<<", b'"""', b"'''")


def _refused_terms(st: ox.Store, limit: int) -> bool:
    """Whether the store holds a term rdfio refuses (over ``limit`` characters, or a triple term)."""
    return bool(st.query(
        "ASK { ?s ?p ?o FILTER (isTRIPLE(?s) || isTRIPLE(?o) || STRLEN(STR(?o)) > %d"
        " || (isIRI(?s) && STRLEN(STR(?s)) > %d)) }" % (limit, limit)
    ))


class _Discard(Graph):
    """A graph that keeps nothing (rdfio's parser run only for its error)."""

    def add(self, triple):
        return self

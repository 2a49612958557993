"""A map read once by Oxigraph's parser, without a store: the bulk reads answered from it.

Filling Oxigraph's in-memory store costs three times what parsing the same file does,
and building the NetworkX graph of a map (:func:`ccare.graph.build.to_networkx`) reads
only a few facts about each node.  :class:`ParsedMap` keeps the triples of the inputs
as Oxigraph parsed them, grouped by predicate (the assertions materialised as
:func:`ccare.kb.loader.materialise` does on a store), and answers the reads of
:mod:`ccare.rdfio.bulk` with the rows the store would give; the store is filled only when
something asks for the graph itself (:class:`ccare.kb.model.KnowledgeBase` does that on
first use of ``kb.graph``).

The rows are those of the store, term for term: Oxigraph's store keeps a typed literal
in canonical form (``"01"^^xsd:integer`` as ``1``, ``"5"^^xsd:int`` as ``"5"^^xsd:integer``),
so every literal a row holds is put in the store's form first (:meth:`ParsedMap.canonical`).
Rows come in another order than the store's; where a node has several values of a
property and one is shown (an evidence node with two quotes, a fact with two units), the
readers pick the least (:func:`term_order`, :func:`ccare.rdfio.bulk.value`), so that the
order does not matter.  ``tests/test_parsed_build.py`` checks that both paths give the
same indexes and the same NetworkX graph.

Only the formats Oxigraph parses line by line (:data:`LINE_FORMATS`) are read this way;
:func:`parse_input` returns ``False`` for the others, and the caller loads a store.

Examples
--------
>>> from ccare.rdfio.read import Limits
>>> m = ParsedMap()
>>> parse_input(m, b'<http://ex/a> <http://ex/n> "01"^^<http://www.w3.org/2001/XMLSchema#integer> .',
...             ox.RdfFormat.TURTLE, name="<inline>", base_iri=None, limits=Limits())
True
>>> m.value(URIRef("http://ex/a"), URIRef("http://ex/n"))
rdflib.term.Literal('1', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))
"""

from __future__ import annotations

import itertools
from collections import Counter
from itertools import compress, repeat
from operator import attrgetter, eq
from typing import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ccare.errors import DataError
from ccare.rdfio.read import Limits, check_input, explain, parse_bytes
from ccare.rdfio.store import _LINE_FORMATS as LINE_FORMATS
from ccare.rdfio.store import _Discard, _terms_surely_short, from_ox

__all__ = ["LINE_FORMATS", "ParsedMap", "parse_input", "term_order"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_STRING = ox.NamedNode(_XSD + "string")
_INTEGER = ox.NamedNode(_XSD + "integer")
_BOOLEAN = ox.NamedNode(_XSD + "boolean")
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_CC = "https://w3id.org/ccare/ontology#"
_TYPE = ox.NamedNode(_RDF + "type")
_SUBJECT, _PREDICATE, _OBJECT = (ox.NamedNode(_RDF + n) for n in ("subject", "predicate", "object"))
_ASSERTION = ox.NamedNode(_CC + "Assertion")
_INFERRED, _RATIONALE = ox.NamedNode(_CC + "inferred"), ox.NamedNode(_CC + "rationale")
_TRUE = ox.Literal("true", datatype=_BOOLEAN)
_SCRATCH_S = ox.NamedNode("urn:x-ccare:canonical")
_NAMED, _BLANK, _LITERAL = ox.NamedNode, ox.BlankNode, ox.Literal


def parse_input(m: "ParsedMap", data: bytes, fmt, *, name: str, base_iri: str | None, limits: Limits | None) -> bool:
    """Check ``data`` and add its triples to ``m``: ``True``, or ``False`` (nothing read)
    when ``fmt`` is not one of :data:`LINE_FORMATS`.

    The checks, and the errors, are those of :func:`ccare.rdfio.store.load_bytes` on an
    Oxigraph store: :func:`~ccare.rdfio.read.check_input` first, a syntax error explained
    with its file, line and column, then a term over the length limit (or a triple term)
    refused as rdfio words it.  A file that fails adds nothing to ``m``.
    """
    if fmt not in LINE_FORMATS:
        return False
    limits = limits or Limits.from_env()
    data = check_input(data, fmt, name=name, limits=limits)
    quads = ox.parse(data, format=fmt, base_iri=base_iri)
    try:
        pairs = _group(quads)
    except (SyntaxError, ValueError, OSError) as e:
        raise explain(data, fmt, e, name=name, base_iri=base_iri, limits=limits) from None
    if not _terms_surely_short(data, base_iri, limits.max_literal) and _refused(pairs, limits.max_literal):
        # rdfio reads the file again and words the refusal (it stops at the first such term)
        parse_bytes(_Discard(), data, fmt, name=name, base_iri=base_iri, limits=limits)
        raise DataError(name, "a term over the length limit, or an RDF 1.2 triple term")
    m.merge(pairs)
    return True


def _group(quads: Iterable) -> dict:
    """Predicate -> its quads (Oxigraph's), in the order read.

    The one loop over every triple in Python, kept to the least: a quad's subject and
    object are taken out later, in C (``map`` over :data:`_S` and :data:`_O`), and only
    for the predicates a read asks about.
    """
    by_p: dict = {}
    get = by_p.get
    for q in quads:
        p = q.predicate
        group = get(p)
        if group is None:
            group = by_p[p] = []
        group.append(q)
    return by_p


_S, _O, _VALUE = attrgetter("subject"), attrgetter("object"), attrgetter("value")


def _refused(by_p: dict, limit: int) -> bool:
    """Whether a term is one rdfio refuses: over ``limit`` characters (a literal's lexical
    form, an IRI subject or object), or a triple term (the store's own check, as a scan)."""
    for quads in by_p.values():
        for q in quads:
            s, o = q.subject, q.object
            if type(s) is ox.Triple or type(o) is ox.Triple:
                return True
            if type(o) is not ox.BlankNode and len(o.value) > limit:
                return True
            if type(s) is ox.NamedNode and len(s.value) > limit:
                return True
    return False


class _Column:
    """The objects of one predicate by subject (Oxigraph terms): ``one`` maps a subject
    with one object to it (built in C), ``many`` a subject with several to their list
    (empty in a map that passes the shapes, but for the rationales said in two languages)."""

    def __init__(self, quads: list):
        self.subjects = subjects = list(map(_S, quads))
        one = dict(zip(subjects, map(_O, quads)))
        many: dict = {}
        if len(one) != len(quads):
            several = {s for s, n in Counter(subjects).items() if n > 1}
            for q in compress(quads, map(several.__contains__, subjects)):
                many.setdefault(q.subject, []).append(q.object)
            for s in several:
                del one[s]
        self.one, self.many = one, many

    def all(self, s) -> list | None:
        """The objects of ``s``, or ``None``."""
        o = self.one.get(s)
        return self.many.get(s) if o is None else [o]


class ParsedMap:
    """The triples of one or more inputs, grouped by predicate, with the bulk reads of
    :mod:`ccare.rdfio.bulk` (which call the methods here for a :class:`ParsedMap`).

    Rows hold keys (:func:`ccare.rdfio.bulk.key`), lexical forms or rdflib terms, as the
    store's rows do; a literal is first put in the store's canonical form.
    """

    def __init__(self) -> None:
        self._by_p: dict = {}  # ox predicate -> [ox quad]
        self._canon: dict = {}  # ox literal -> its canonical ox literal
        self._firsts: dict = {}  # predicate key -> {subject key: its object, or a list of several}
        self._columns: dict = {}  # ox predicate -> its _Column
        self._assertion_nodes: list | None = None

    def merge(self, by_p: dict) -> None:
        """Add the quads of ``by_p`` (predicate -> Oxigraph quads)."""
        for p, quads in by_p.items():
            have = self._by_p.get(p)
            if have is None:
                self._by_p[p] = quads
            else:
                have.extend(quads)
            self._firsts.pop(p.value, None)
            self._columns.pop(p, None)
            if p == _TYPE:
                self._assertion_nodes = None

    def _asserted(self) -> list:
        """The subjects typed ``cc:Assertion``, first seen first, each once."""
        if self._assertion_nodes is None:
            types = self._by_p.get(_TYPE, ())
            self._assertion_nodes = list(dict.fromkeys(
                compress(map(_S, types), map(eq, repeat(_ASSERTION), map(_O, types)))))
        return self._assertion_nodes

    def _column(self, p) -> _Column:
        col = self._columns.get(p)
        if col is None:
            col = self._columns[p] = _Column(self._by_p.get(p, []))
        return col

    def materialise(self) -> None:
        """Add the triple each ``cc:Assertion`` describes (as the SPARQL update of
        :func:`ccare.kb.loader.materialise`: a predicate that is an IRI, a subject that is
        not a literal, every combination of several)."""
        asserted = self._asserted()
        if not asserted:
            return
        cs, cp, co = (self._column(p) for p in (_SUBJECT, _PREDICATE, _OBJECT))
        add: dict = {}
        Quad, NamedNode, Literal_ = ox.Quad, ox.NamedNode, ox.Literal
        several = cs.many.keys() | cp.many.keys() | co.many.keys()
        s_of, p_of, o_of = cs.one.get, cp.one.get, co.one.get
        for a in asserted:
            if a in several:
                ss, ps, os_ = cs.all(a), cp.all(a), co.all(a)
                if ss and ps and os_:
                    for s, p, o in itertools.product(ss, ps, os_):
                        if type(p) is NamedNode and type(s) is not Literal_:
                            add.setdefault(p, []).append(Quad(s, p, o))
                continue
            s, p, o = s_of(a), p_of(a), o_of(a)
            if s is not None and o is not None and type(p) is NamedNode and type(s) is not Literal_:
                group = add.get(p)
                if group is None:
                    group = add[p] = []
                group.append(Quad(s, p, o))
        self.merge(add)

    # ------------------------------------------------------------------ terms

    def canonical(self, lit: ox.Literal) -> ox.Literal:
        """``lit`` as Oxigraph's store keeps it (typed literals in canonical form)."""
        if lit.language:
            return lit
        dt = lit.datatype
        if dt == _STRING:
            return lit
        v = lit.value
        if dt == _INTEGER and v.isdigit() and v.isascii() and len(v) < 19 and (v[0] != "0" or v == "0"):
            return lit
        if dt == _BOOLEAN and v in ("true", "false"):
            return lit
        known = self._canon.get(lit)
        if known is None:
            st = ox.Store()  # the store's own encoding decides the form
            st.add(ox.Quad(_SCRATCH_S, _SCRATCH_S, lit))
            known = self._canon[lit] = next(iter(st)).object
        return known

    def key(self, t):
        """The key of the Oxigraph term ``t`` (an IRI's text, ``_:`` and a blank node's
        id, a literal's rdflib term in canonical form; ``None`` stays ``None``)."""
        c = type(t)
        if c is _NAMED:
            return t.value
        if c is _BLANK:
            return "_:" + t.value
        if t is None:
            return None
        if c is _LITERAL:
            return from_ox(self.canonical(t))
        return from_ox(t)

    def lex(self, t):
        """A literal's canonical lexical form, another term's key (``None`` stays ``None``)."""
        if type(t) is ox.Literal:
            return self.canonical(t).value
        return None if t is None else self.key(t)

    def term(self, t):
        """The rdflib term of the Oxigraph term ``t`` (literals in canonical form)."""
        return from_ox(self.canonical(t)) if type(t) is ox.Literal else from_ox(t)

    # ------------------------------------------------------------------ reads

    def subject_objects(self, p: URIRef) -> Iterator[tuple[Node, Node]]:
        """``(subject, object)`` rdflib terms of every triple of ``p``."""
        term = self.term
        return ((term(q.subject), term(q.object)) for q in self._by_p.get(ox.NamedNode(str(p)), ()))

    def value(self, s: Node, p: URIRef):
        """The object of ``s``'s ``p`` as an rdflib term, or ``None``; the least (as
        :func:`ccare.rdfio.bulk.least`) when there are several."""
        pk = str(p)
        objects = self._firsts.get(pk)
        if objects is None:
            objects = self._firsts[pk] = {}
            quads = self._by_p.get(ox.NamedNode(pk), [])
            for k, o in zip(map(self.key, map(_S, quads)), map(_O, quads)):
                have = objects.get(k)
                if have is None:
                    objects[k] = o
                elif type(have) is list:
                    have.append(o)
                else:
                    objects[k] = [have, o]
        o = objects.get(s if type(s) is str else _node_key(s))
        if type(o) is list:
            return min(map(self.term, o), key=term_order)
        return None if o is None else self.term(o)

    def evidence(self) -> list[tuple]:
        """The rows of :func:`ccare.rdfio.bulk.evidence`."""
        quads = self._by_p.get(ox.NamedNode(_CC + "evidence"), [])
        src, line, quote = (self._column(ox.NamedNode(_CC + n)) for n in ("source", "line", "quote"))
        key, lex = self.key, self.lex
        evs = list(map(_O, quads))
        rows = list(zip(map(key, map(_S, quads)), map(key, evs), map(key, map(src.one.get, evs)),
                        map(lex, map(line.one.get, evs)), map(lex, map(quote.one.get, evs))))
        several = src.many.keys() | line.many.keys() | quote.many.keys()
        if not several:
            return rows
        out: list = []
        for row, ev in zip(rows, evs):
            if ev in several:
                out.extend((row[0], row[1], key(s), lex(ln), lex(q))
                           for s, ln, q in _product(src.all(ev), line.all(ev), quote.all(ev)))
            else:
                out.append(row)
        return out

    def assertions(self) -> list[tuple]:
        """The rows of :func:`ccare.rdfio.bulk.assertions`."""
        asserted = self._asserted()
        cols = [self._column(p) for p in (_SUBJECT, _PREDICATE, _OBJECT, _INFERRED, _RATIONALE)]
        key = self.key

        def flag(v) -> str | None:  # sameTerm(?i, true), on the store's form of ?i
            if v is None:
                return None
            return "true" if type(v) is ox.Literal and self.canonical(v) == _TRUE else "false"

        several = set().union(*(c.many.keys() for c in cols))
        single = [a for a in asserted if a not in several] if several else asserted
        cs, cp, co, ci, cr = (c.one.get for c in cols)
        out = list(zip(map(key, single), map(key, map(cs, single)), map(key, map(cp, single)),
                       map(key, map(co, single)), map(flag, map(ci, single)), map(key, map(cr, single))))
        for a in asserted:
            if a in several:
                ss, ps, os_, i, rs = (c.all(a) for c in cols)
                flags = [flag(v) for v in i] if i else None
                k = key(a)
                out.extend((k, key(s), key(p), key(o), f, key(r)) for s, p, o, f, r in _product(ss, ps, os_, flags, rs))
        return out

    def names(self, props) -> list[tuple]:
        """``(IRI, property, name)`` for every ``props`` value of an IRI: rdflib terms, the
        name lexical."""
        out: list = []
        for p in props:
            out.extend((URIRef(q.subject.value), p, self.lex(q.object))
                       for q in self._by_p.get(ox.NamedNode(str(p)), ()) if type(q.subject) is ox.NamedNode)
        return out

    def types(self, unless=()) -> list[tuple]:
        """The rows of :func:`ccare.rdfio.bulk.types`."""
        quads = self._by_p.get(_TYPE, [])
        pairs = [(s, o) for s, o in zip(map(_S, quads), map(_O, quads)) if type(s) is ox.NamedNode]
        if unless:
            skip = {ox.NamedNode(str(c)) for c in unless}
            drop = {s for s, o in pairs if o in skip}
            pairs = [(s, o) for s, o in pairs if s not in drop]
        iris: dict = {}
        term = self.term

        def iri(s):
            u = iris.get(s)
            if u is None:
                u = iris[s] = URIRef(s.value)
            return u

        return [(iri(s), iri(o) if type(o) is ox.NamedNode else term(o)) for s, o in pairs]

    def outgoing(self, nodes, keep_literals=(), skip=()) -> list[tuple]:
        """The rows of :func:`ccare.rdfio.bulk.outgoing`."""
        wanted_set = {ox.NamedNode(str(n)) for n in nodes}
        wanted = wanted_set.__contains__
        keep = {str(p) for p in keep_literals}
        skip = {str(p) for p in skip}
        key = self.key
        out: list = []
        for p, quads in self._by_p.items():
            pk = p.value
            if pk in skip:
                continue
            col = self._columns.get(p)
            if col is not None:  # its subjects are known: none of the nodes is one, mostly
                if wanted_set.isdisjoint(col.one) and wanted_set.isdisjoint(col.many):
                    continue
                hits = list(compress(quads, map(wanted, col.subjects)))
            else:
                hits = list(compress(quads, map(wanted, map(_S, quads))))
            if not hits:
                continue
            subjects, objects = map(_VALUE, map(_S, hits)), map(_O, hits)
            if pk in keep:
                out.extend(zip(subjects, repeat(pk), map(key, objects)))
            else:
                out.extend((s, pk, o.value) for s, o in zip(subjects, objects) if type(o) is ox.NamedNode)
        return out

    def labels(self, nodes, label: URIRef) -> list[tuple]:
        """The rows of :func:`ccare.rdfio.bulk.labels` (``label``: ``rdfs:label``)."""
        wanted = {ox.NamedNode(str(n)) for n in nodes}.__contains__
        quads = self._by_p.get(ox.NamedNode(str(label)), [])
        out = []
        for q in compress(quads, map(wanted, map(_S, quads))):
            o = q.object
            if type(o) is ox.Literal:
                o = self.canonical(o)
                out.append((q.subject.value, o.value, o.language or ""))
        return out


def term_order(t) -> tuple:
    """The order of rdflib terms :func:`ccare.rdfio.bulk.least` picks by: text, language, datatype."""
    return str(t), getattr(t, "language", None) or "", str(getattr(t, "datatype", "") or "")


def _node_key(t):
    """The key of the rdflib term ``t`` (as :func:`ccare.rdfio.bulk.key`)."""
    if isinstance(t, BNode):
        return "_:" + t
    return t if isinstance(t, Literal) else str(t)


def _product(*columns):
    """Rows of every combination, ``None`` for an empty column (as SPARQL's OPTIONAL)."""
    return itertools.product(*(c or [None] for c in columns))

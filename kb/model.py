"""The knowledge base: the shipped map merged with the user's files, and questions about it.

:func:`load` reads the ontology, the shipped knowledge base and any ``--data`` files into
one :class:`rdflib.Graph`, and asserts the triple of every ``cc:Assertion`` (the map's
files state each relation once, as an evidenced assertion).  :class:`KnowledgeBase`
answers the questions the first CLI commands ask: what is loaded, which products serve
what, and everything about one entity, each fact with its evidence.

Examples
--------
>>> from ccare.kb.model import load
>>> kb = load()
>>> kb.resolve("商家粉丝群") == kb.resolve("fan-group")
True
>>> kb.resolve("行业")  # a class, a counted kind and a dimension: which one is asked?
Traceback (most recent call last):
    ...
ccare.errors.AmbiguousEntityError: ambiguous name '行业': it names cc:Industry (行业, industry), industries (行业,
industries), industry-dimension (行业维度, industry dimension); give the id
>>> [p.entity.id for p in kb.products(need="ACTIVE")][:3]
['fan-group', 'life-account', 'mini-program']
"""

from __future__ import annotations

import difflib
import os
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import AbstractSet, Callable, Sequence, cast

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import OWL, SKOS
from rdflib.term import Node

from ccare.errors import AmbiguousEntityError, UnknownEntityError, UsageError
from ccare.kb.loader import build_graph, fill_graph, load_inputs, materialise, parse_inputs, read_inputs, shipped_inputs
from ccare.ontology import CC, ID, QUDT
from ccare.ontology.vocab import NEED_CODES  # re-exported: ccare.kb.model.NEED_CODES still works
from ccare.rdfio import bulk
from ccare.rdfio.parsed import ParsedMap
from ccare.rdfio.store import new_graph, store_kind

__all__ = [
    "NEED_CODES",
    "lang_texts",
    "Entity",
    "Evidence",
    "Statement",
    "Quantity",
    "ProductRow",
    "KnowledgeBase",
    "load",
    "materialise",
    "shipped_graph",
]


#: Relations between entities that the map states as evidenced assertions.
RELATIONS = (
    CC.serves, CC.livesIn, CC.opensInto, CC.inScene, CC.userFlowsTo, CC.dataFlowsTo,
    CC.supports, CC.combinesWith, CC.incentivises, CC.suits, CC.uses, CC.reports,
    CC.carriedBy, CC.centredOn, CC.ofDimension, CC.prioritisedBy, CC.delivers, CC.deepenedInto,
    CC.hasMeasure, CC.openTo, CC.hostedBy, CC.presents, CC.servesAs, CC.evolvingInto, CC.standsFor,
    CC.voicedBy, CC.composes, CC.systematises, CC.status,
)

#: Kinds of entity ``ccare list`` knows, by the class that defines them.
KINDS = {
    "products": CC.Product,
    "core-products": CC.CoreProduct,
    "other-products": CC.OtherProduct,
    "programmes": CC.Programme,
    "needs": CC.Need,
    "values": CC.Value,
    "domains": CC.Domain,
    "scenes": CC.Scene,
    "advantages": CC.CoreAdvantage,
    "cases": CC.Case,
    "practices": CC.Practice,
    "facts": CC.QuantitativeFact,
    "profile": CC.ProfileDimension,
    "scales": CC.MerchantScale,
    "stages": CC.DigitalisationStage,
    "events": CC.Event,
    "measures": CC.Measure,
    "qualities": CC.OperatingQuality,
    "metaphors": CC.Metaphor,
}

DOMAIN_IDS = {"public": ID["public-domain"], "private": ID["private-domain"]}


@dataclass(frozen=True)
class Entity:
    """A named node of the map: ``id`` (slug), ``iri``, most specific ``type``, labels."""

    id: str
    iri: str
    type: str | None
    labels: dict

    def label(self, lang: str = "en") -> str:
        """The label in ``lang``, else in the other language, else the id."""
        other = "zh" if lang == "en" else "en"
        return self.labels.get(lang) or self.labels.get(other) or self.id

    def to_json(self) -> dict:
        return {"id": self.id, "iri": self.iri, "type": self.type, "labels": dict(self.labels)}


@dataclass(frozen=True)
class Evidence:
    """A verbatim ``quote`` from ``line`` of ``source`` (a source id)."""

    source: str
    line: int | None
    quote: str

    def to_json(self) -> dict:
        return {"source": self.source, "line": self.line, "quote": self.quote}


@dataclass(frozen=True)
class Statement:
    """One relation ``subject --predicate--> object`` with its evidence."""

    subject: Node
    predicate: URIRef
    object: Node
    evidence: tuple[Evidence, ...]
    inferred: bool
    rationale: str | None = None


@dataclass(frozen=True)
class Quantity:
    """A quantitative fact: a typed number with its unit, what it counts and measures, how
    the number bounds the truth (``bound``: an id such as ``as-stated`` or ``more-than``),
    what kind of figure it is (``status``: ``cumulative``, ``planned``, ``current``, ...,
    or ``None``) and the date it holds at (``as_of``: ISO text such as ``2023-08-17``, or
    ``None``)."""

    entity: Entity
    value: int | float | None  # None: the fact gives no number (the shapes require one)
    unit: str
    counts: Entity | None
    bound: str
    measures: tuple[Entity, ...]
    evidence: tuple[Evidence, ...]
    status: str | None = None
    as_of: str | None = None

    def to_json(self) -> dict:
        d = self.entity.to_json()
        d.update(
            value=self.value,
            unit=self.unit,
            counts=self.counts.to_json() if self.counts else None,
            bound=self.bound,
            status=self.status,
            as_of=self.as_of,
            measures=[m.id for m in self.measures],
            evidence=[e.to_json() for e in self.evidence],
        )
        return d


@dataclass
class ProductRow:
    """A product with the needs, values and domains it serves, each value with evidence."""

    entity: Entity
    needs: list[str]
    values: list[tuple[Entity, str | None, Statement]]
    domains: list[Entity]

    def to_json(self) -> dict:
        d = self.entity.to_json()
        d["needs"] = self.needs
        d["values"] = [
            {
                "value": v.to_json(),
                "need": need,
                "inferred": st.inferred,
                "rationale": st.rationale,
                "evidence": [e.to_json() for e in st.evidence],
            }
            for v, need, st in self.values
        ]
        d["domains"] = [dm.id for dm in self.domains]
        return d


def shipped_graph(*, store: str | None = None) -> Graph:
    """A new graph holding the shipped ontology and knowledge base (assertions materialised).

    ``store`` names the store kind (see :mod:`ccare.rdfio.store`); the parse cache is not used.
    """
    return build_graph(shipped_inputs(), store)


def load(
    data: Sequence[str | os.PathLike] = (),
    *,
    shipped: bool = True,
    store: str | None = None,
    cache: bool | None = None,
) -> "KnowledgeBase":
    """Load the shipped map merged with the RDF files in ``data``.

    Parameters
    ----------
    data : sequence of paths
        The user's own RDF files, in any format rdflib recognises by extension
        (Turtle when unknown).
    shipped : bool
        Include the shipped ontology and knowledge base (default).
    store : {"oxigraph", "memory"}, optional
        The store under the graph (:mod:`ccare.rdfio.store`); default ``$CCARE_STORE``, else
        ``oxigraph``.
    cache : bool, optional
        Use the parse cache (:mod:`ccare.kb.cache`); default: yes, unless ``$CCARE_NO_CACHE``
        is set.

    Raises
    ------
    ccare.errors.DataError
        A file is missing or malformed; the message names the file and line.
    ccare.errors.UsageError
        ``store`` (or ``$CCARE_STORE``) names no store kind.

    Without the cache, inputs in the formats Oxigraph reads line by line (Turtle,
    N-Triples, N-Quads, TriG) are parsed once, without a store
    (:func:`ccare.kb.loader.parse_inputs`): the indexes and
    :func:`ccare.graph.build.to_networkx` read that, and the store is filled from the
    inputs on first use of ``kb.graph``.  The checks and the errors are the same.
    """
    from ccare.kb import cache as parse_cache

    inputs = read_inputs(data, shipped=shipped)
    kind = store_kind(store)
    sources = [str(p) for p in data]
    if not parse_cache.enabled(cache):
        parsed = parse_inputs(inputs)
        if parsed is not None:
            return KnowledgeBase(new_graph(kind), sources=sources, parsed=parsed,
                                 fill=lambda g: fill_graph(g, inputs))
    g, key = load_inputs(inputs, kind, cache)
    return KnowledgeBase(g, sources=sources, cache_key=key)


def _evidence_order(e: tuple) -> tuple:
    """Evidence ``(source, line, quote)`` in the order shown: by source, line, quote."""
    return e[0], e[1] or 0, e[2]


def _text_order(values: tuple) -> tuple:
    """Values (texts, keys or ``None``) in an order that does not depend on their kind."""
    return tuple("" if v is None else str(v) for v in values)


def _rationale(rationales: list) -> str | None:
    """The rationale shown for a relation: the least English one, else the least untagged
    one, else the least of all (``None`` for none)."""
    if not rationales:
        return None
    lang = [(getattr(r, "language", None) or "").lower() for r in rationales]
    en = [str(r) for r, g in zip(rationales, lang) if g == "en" or g.startswith("en-")]
    plain = [str(r) for r, g in zip(rationales, lang) if not g]
    return min(en or plain or [str(r) for r in rationales])


def lang_texts(graph: Graph, node: Node, prop: URIRef) -> dict:
    """``{"zh": ..., "en": ...}``: the first literal of ``node``'s ``prop`` in each language,
    first in code-point order, so the same map always gives the same text."""
    out: dict = {}
    for lit in sorted(graph.objects(node, prop), key=str):
        if isinstance(lit, Literal):
            lang = (lit.language or "").lower()
            key = "zh" if lang.startswith("zh") else "en" if lang.startswith("en") else None
            if key and key not in out:
                out[key] = str(lit)
    return out


class KnowledgeBase:
    """A loaded map: an rdflib graph plus the lookups the commands need.

    The graph is the caller's to read; the methods never modify it.  ``cache_key`` is the
    parse cache's key of the inputs when :func:`load` used the cache (what is derived from
    the graph, such as :func:`ccare.graph.build.to_networkx`, may be cached under it), else
    ``None``.

    A map parsed without a store (``parsed``, :class:`ccare.rdfio.parsed.ParsedMap`) comes
    with ``fill``, which adds the map to ``graph`` (empty until then, its prefixes bound):
    the bulk reads (:attr:`reads`) answer from ``parsed`` until ``kb.graph`` is first used,
    which lets ``parsed`` go and fills the graph once (under a lock), from the inputs.
    """

    def __init__(self, graph: Graph, sources: Sequence[str] = (), cache_key: str | None = None, *,
                 parsed: ParsedMap | None = None, fill: Callable[[Graph], None] | None = None):
        if (parsed is None) != (fill is None):
            raise ValueError("a parsed map comes with the function that fills its graph")
        self._graph = graph
        self._parsed = parsed
        self._fill = fill
        self._fill_lock = threading.Lock()
        self.sources = list(sources)
        self.cache_key: str | None = cache_key
        self._pending: dict = {}  # index -> its rows, started by prefetch()

    @property
    def graph(self) -> Graph:
        """The map as an rdflib graph (filled from the inputs on first use, see above)."""
        if self._fill is not None:
            with self._fill_lock:
                fill = self._fill
                if fill is not None:
                    # the parsed map goes first: Oxigraph fills its store at two thirds of the
                    # speed beside a million parsed quads (6.8 s against 4.2 s at 1M triples)
                    self._parsed = None
                    fill(self._graph)
                    self._fill = None
        return self._graph

    @graph.setter
    def graph(self, graph: Graph) -> None:
        with self._fill_lock:
            self._graph, self._parsed, self._fill = graph, None, None

    @property
    def reads(self) -> bulk.Source:
        """What the bulk reads (:mod:`ccare.rdfio.bulk`) of this map read: the parsed map
        while the graph is not filled, else the graph."""
        parsed = self._parsed
        return parsed if parsed is not None else self.graph

    def prefetch(self, pool) -> None:
        """Start reading the rows of the evidence and assertion indexes in ``pool`` (a
        thread pool), for a caller about to do Python work of its own first; the indexes
        take them when first used.  See :func:`ccare.rdfio.bulk.later`."""
        for index, read in (("_evidence", bulk.evidence), ("_assertion_index", bulk.assertions)):
            if index not in self.__dict__ and index not in self._pending:
                self._pending[index] = bulk.later(self.reads, read, pool)

    def _rows(self, index: str, read) -> list:
        pending = self._pending.pop(index, None)
        return pending() if pending is not None else read(self.reads)

    # ------------------------------------------------------------------ naming

    def node_id(self, node: Node) -> str:
        """The readable id of ``node``: its slug in the map's namespace, else a prefixed name."""
        s = str(node)
        if s.startswith(str(ID)):
            return s[len(str(ID)):]
        if isinstance(node, URIRef):
            try:
                prefix, _, local = self._graph.compute_qname(s, generate=False)  # prefixes only: no fill
                return f"{prefix}:{local}"
            except Exception:  # rdflib raises several kinds for IRIs it cannot split
                return s
        return s

    @cached_property
    def _superclasses(self) -> dict:
        """Class -> all its superclasses: iterative (no recursion limit), cycle-safe, bounded."""
        sup: dict = {}
        for c, p in bulk.pairs(self.reads, RDFS.subClassOf):
            sup.setdefault(c, set()).add(p)
        closed: dict = {}
        budget = 2_000_000  # superclass links in all; a 2,000-class chain needs 2 million
        for c in sup:
            seen: set = set()
            todo = list(sup[c])
            while todo:
                p = todo.pop()
                if p in seen:
                    continue
                seen.add(p)
                if p in closed:  # already closed: take its superclasses whole
                    seen |= closed[p]
                else:
                    todo.extend(sup.get(p, ()))
            budget -= len(seen)
            if budget < 0:
                from ccare.errors import DataError

                raise DataError("rdfs:subClassOf", "the class hierarchy is too large to close "
                                "(over 2,000,000 superclass links; is a long chain of classes intended?)")
            closed[c] = seen
        return closed

    def is_a(self, node: Node, cls: URIRef) -> bool:
        """Whether ``node`` is typed ``cls`` or a subclass of it."""
        for t in self.graph.objects(node, RDF.type):
            if t == cls or cls in self._superclasses.get(t, ()):
                return True
        return False

    def most_specific_type(self, node: Node) -> URIRef | None:
        return self.most_specific_of(set(self.graph.objects(node, RDF.type)))

    def most_specific_of(self, types: AbstractSet) -> URIRef | None:
        """The most specific of the classes ``types`` (ccare's own first), or ``None``."""
        supers = set()
        for t in types:
            supers |= self._superclasses.get(t, set())
        best = sorted(t for t in types - supers if isinstance(t, URIRef))
        ours = [t for t in best if str(t).startswith(str(CC._NS))]
        pick = ours or best
        return pick[0] if pick else None

    def entity(self, node: Node) -> Entity:
        """The :class:`Entity` view of ``node``."""
        t = self.most_specific_type(node)
        return Entity(
            id=self.node_id(node),
            iri=str(node),
            type=str(t) if t is not None else None,
            labels=lang_texts(self.graph, node, RDFS.label),
        )

    @cached_property
    def _name_index(self) -> tuple[dict, dict]:
        """``(ids, names)``: lower-cased id → IRI, and lower-cased label, alternative label or
        notation → the IRIs it names (entities of the map first, then by id)."""
        ids: dict = {}
        names: dict = {}
        order = {RDFS.label: 0, SKOS.altLabel: 1, SKOS.notation: 2}
        found: dict = {}
        reads = self.reads
        for s, p, name in bulk.names(reads):
            found.setdefault(s, []).append((order[p], str(name)))
        typed = bulk.typed(reads)
        labelled = {s for s, keys in found.items() if any(k == 0 for k, _ in keys)}
        ordered = sorted(typed | labelled, key=lambda s: (not str(s).startswith(str(ID)), self.node_id(s)))
        for s in ordered:
            ids.setdefault(self.node_id(s).strip().casefold(), s)
            for _, name in sorted(found.get(s, ()), key=lambda kn: kn[0]):
                named = names.setdefault(name.strip().casefold(), [])
                if s not in named:
                    named.append(s)
        return ids, names

    @property
    def _names(self) -> dict:
        """Every name (id, label, alternative label, notation; lower-cased) → the first IRI it names."""
        ids, names = self._name_index
        out = {k: v[0] for k, v in names.items()}
        out.update(ids)
        return out

    def _candidate(self, node: Node) -> str:
        """``node`` as an ambiguity lists it: its id, then its labels."""
        labels = lang_texts(self.graph, node, RDFS.label)
        shown = ", ".join(labels[k] for k in ("zh", "en") if k in labels)
        return f"{self.node_id(node)} ({shown})" if shown else self.node_id(node)

    def offering_id(self, name: str) -> str:
        """The node id of the product, programme or practice called ``name``: what a
        merchant may run.  Raises :class:`~ccare.errors.UnknownEntityError` with near
        matches among the offerings when nothing matches."""
        try:
            return self.node_id(self.resolve(name, CC.Offering, kind="product"))
        except UnknownEntityError as first:
            try:
                return self.node_id(self.resolve(name, CC.Practice, kind="product"))
            except UnknownEntityError:
                raise first from None

    def resolve(self, name: str, of_type: URIRef | None = None, kind: str = "entity") -> URIRef:
        """The IRI of the entity called ``name`` (id, zh or en label, alt label; any case).

        An id names one entity.  A label that names several (``行业`` is both a counted kind
        and the class of industries) raises :class:`~ccare.errors.AmbiguousEntityError`
        listing them, so that the caller gives the id; nothing is picked silently.

        Raises :class:`~ccare.errors.UnknownEntityError` with near matches when nothing matches.
        """
        key = name.strip().casefold()
        ids, names = self._name_index
        fits = (lambda v: True) if of_type is None else (lambda v: self.is_a(v, of_type))
        hit = ids.get(key)
        if hit is not None and fits(hit):
            return hit
        hits = [v for v in names.get(key, ()) if fits(v)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            ordered = sorted(hits, key=self.node_id)
            raise AmbiguousEntityError(name, [self.node_id(v) for v in ordered],
                                       [self._candidate(v) for v in ordered], kind=kind)
        cands = self._names
        if of_type is not None:
            cands = {k: v for k, v in cands.items() if self.is_a(v, of_type)}
        if key.startswith(str(ID).casefold()):
            for k, v in cands.items():
                if str(v).casefold() == key:
                    return v
        near = difflib.get_close_matches(key, list(cands), n=5, cutoff=0.5)
        # also match on substrings, which difflib scores poorly for short CJK names
        near += [k for k in cands if key and (key in k or k in key) and k not in near]
        near_ids: list[str] = []
        seen = set()
        for k in near:
            v = cands[k]
            if v not in seen:
                seen.add(v)
                near_ids.append(self.node_id(v))
        raise UnknownEntityError(name, near_ids[:5], kind=kind)

    # ------------------------------------------------------------------ evidence

    @cached_property
    def _evidence(self) -> dict:
        """Node key (:func:`ccare.rdfio.bulk.key`) -> its evidence as sorted ``(source, line,
        quote)`` tuples, for every node with ``cc:evidence`` (one query)."""
        first: dict = {}
        for x, ev, src, line, quote in self._rows("_evidence", bulk.evidence):
            have = first.get((x, ev))
            # one source, line, quote per evidence node: the least when the map gives several
            # (the shapes allow one), so that every store and read order picks the same
            if have is None or _text_order((src, line, quote)) < _text_order(have):
                first[x, ev] = (src, line, quote)
        idx: dict = {}
        ids: dict = {None: ""}
        for (x, _ev), (src, line, quote) in first.items():
            sid = ids.get(src)
            if sid is None:
                sid = ids[src] = self.node_id(bulk.term(src))
            e = (sid, int(line) if type(line) is str and line.isdigit() else None, "" if quote is None else str(quote))
            evs = idx.get(x)
            if evs is None:
                idx[x] = (e,)
            elif type(evs) is tuple:
                idx[x] = [*evs, e]
            else:
                evs.append(e)
        for x, evs in idx.items():
            if type(evs) is list:
                idx[x] = tuple(sorted(evs, key=_evidence_order))
        return idx

    def _evidence_nodes(self, node: Node) -> list[Evidence]:
        return [Evidence(*e) for e in self._evidence.get(bulk.key(node), ())]

    def entity_evidence(self, node: Node) -> list[Evidence]:
        """Evidence for ``node``'s place in the map (the line that introduces it)."""
        return self._evidence_nodes(node)

    @cached_property
    def _assertion_index(self) -> tuple[dict, dict]:
        """Both assertion indexes, in one pass over the assertions (one query)."""
        by_triple: dict = {}
        notes: dict = {}
        for a, s, p, o, inferred, rationale in self._rows("_assertion_index", bulk.assertions):
            spo = s, p, o
            nodes = by_triple.get(spo)
            if nodes is None:
                by_triple[spo] = [a]
            elif a not in nodes:
                nodes.append(a)
            note = notes.get(a)
            if note is None:
                note = notes[a] = [None, []]
            if inferred is not None:  # sameTerm(cc:inferred, true), see the query; all must say so
                note[0] = inferred == "true" and note[0] is not False
            if rationale is not None and rationale not in note[1]:
                note[1].append(rationale)
        return by_triple, notes

    @property
    def _assertions(self) -> dict:
        """``(s, p, o)`` keys -> the keys of the assertion nodes describing it."""
        return self._assertion_index[0]

    @property
    def _assertion_notes(self) -> dict:
        """Assertion key -> ``[inferred, rationales]``: inferred ``True`` only for
        ``cc:inferred true``, ``None`` when the assertion does not say; rationales as literals."""
        return self._assertion_index[1]

    def triple_facts(self, s, p, o) -> tuple[tuple, bool, str | None]:
        """``(evidence, inferred, rationale)`` of the triple whose subject, predicate and
        object have the node keys ``s``, ``p``, ``o`` (:func:`ccare.rdfio.bulk.key`): the
        evidence as sorted ``(source id, line, quote)`` tuples; a triple no assertion
        describes is ``((), False, None)``.  :meth:`statement` is the same for rdflib terms.

        A triple is inferred when every assertion describing it is (a triple with no
        assertion is bare: stated, no evidence); its rationale is then the least of their
        English ones (the shipped map says each in Chinese and English), else of their untagged
        ones, else of all of them.
        """
        by_triple, notes = self._assertion_index
        nodes = by_triple.get((s, p, o))
        if not nodes:
            return (), False, None
        if len(nodes) == 1:  # the usual case, without the generators of the general one
            a = nodes[0]
            flag, rationales = notes[a]
            return self._evidence.get(a, ()), bool(flag), _rationale(rationales) if flag else None
        evidence = tuple(sorted((e for a in nodes for e in self._evidence.get(a, ())), key=_evidence_order))
        if not all(notes[a][0] for a in nodes):
            return evidence, False, None
        return evidence, True, _rationale([r for a in nodes for r in notes[a][1]])

    # ------------------------------------------------------------------ read interface
    # What graph/build.py (and any reader of the map in bulk) reads: the indexes the
    # lookups above use, by node key (:func:`ccare.rdfio.bulk.key`: an IRI's text).

    @property
    def superclasses(self) -> dict:
        """Class -> the set of all its superclasses (``rdfs:subClassOf``, closed; a class
        without any is absent).  Built once; the caller must not modify it."""
        return self._superclasses

    @property
    def evidence_index(self) -> dict:
        """Node key -> its evidence, sorted ``(source id, line, quote)`` tuples, for every
        node with ``cc:evidence`` (assertions included).  Built once (one query); the caller
        must not modify it."""
        return self._evidence

    def statement(self, s: Node, p: URIRef, o: Node) -> Statement:
        """The triple ``(s, p, o)`` with the evidence of the assertions describing it."""
        evidence, inferred, rationale = self.triple_facts(bulk.key(s), bulk.key(p), bulk.key(o))
        return Statement(s, p, o, tuple(Evidence(*e) for e in evidence), inferred, rationale)

    # ------------------------------------------------------------------ questions

    def needs(self) -> list[Entity]:
        """The four needs, in the source's order."""
        return [self.entity(self.need(code)) for code in NEED_CODES]

    def need(self, code: str) -> URIRef:
        """The need with this code or name; unknown codes raise a :class:`UsageError`."""
        for n in self.graph.subjects(RDF.type, CC.Need):
            if str(self.graph.value(n, SKOS.notation)).upper() == code.strip().upper():
                return cast(URIRef, n)  # a need is named (the shapes say so)
        try:
            n = self.resolve(code, CC.Need, kind="need")
        except UnknownEntityError:
            raise UsageError(f"unknown need {code!r} (allowed: {', '.join(NEED_CODES)})") from None
        return n

    def need_code(self, need: Node) -> str:
        return str(self.graph.value(need, SKOS.notation))

    def value(self, name: str) -> URIRef:
        """The value called ``name``; unknown names raise a :class:`UsageError` listing all."""
        try:
            return self.resolve(name, CC.Value, kind="value")
        except UnknownEntityError:
            allowed = sorted(self.node_id(v) for v in self.graph.subjects(RDF.type, CC.Value))
            raise UsageError(f"unknown value {name!r} (allowed: {', '.join(allowed)})") from None

    def need_of(self, value: Node) -> Node | None:
        return self.graph.value(value, SKOS.broader)

    def instances(self, cls: URIRef) -> list[URIRef]:
        """Named instances of ``cls`` (subclasses included), sorted by id."""
        out: set = set()
        for c in [cls, *[c for c, sups in self._superclasses.items() if cls in sups]]:
            out.update(s for s in self.graph.subjects(RDF.type, c) if isinstance(s, URIRef))
        return sorted(out, key=self.node_id)

    def product_row(self, product: URIRef) -> ProductRow:
        g = self.graph
        values = []
        needs = set()
        for v in sorted(g.objects(product, CC.serves), key=self.node_id):
            n = self.need_of(v)
            code = self.need_code(n) if n is not None else None
            values.append((self.entity(v), code, self.statement(product, CC.serves, v)))
            if code:
                needs.add(code)
        domains = [self.entity(d) for d in sorted(g.objects(product, CC.livesIn), key=self.node_id)]
        return ProductRow(
            entity=self.entity(product),
            needs=[c for c in NEED_CODES if c in needs],
            values=values,
            domains=domains,
        )

    def products(
        self,
        need: str | None = None,
        value: str | None = None,
        domain: str | None = None,
        core: bool | None = None,
    ) -> list[ProductRow]:
        """Products, with what they serve, filtered by need, value, domain and core-ness.

        ``domain`` is ``public`` or ``private``; ``need`` a code such as ``ACTIVE``;
        ``core`` True keeps the six core products, False the others.
        """
        cls = CC.Product if core is None else CC.CoreProduct if core else CC.OtherProduct
        rows = [self.product_row(p) for p in self.instances(cls)]
        if need is not None:
            code = self.need_code(self.need(need))
            rows = [r for r in rows if code in r.needs]
        if value is not None:
            v = self.value(value)
            rows = [r for r in rows if any(e.iri == str(v) for e, _, _ in r.values)]
        if domain is not None:
            if domain not in DOMAIN_IDS:
                raise UsageError(f"unknown domain {domain!r} (allowed: public, private)")
            d = str(DOMAIN_IDS[domain])
            rows = [r for r in rows if any(dm.iri == d for dm in r.domains)]
        return rows

    def quantities(self, about: Node | None = None) -> list[Quantity]:
        """Quantitative facts, all of them or those that measure ``about``."""
        g = self.graph
        facts = self.instances(CC.QuantitativeFact)
        if about is not None:
            facts = [f for f in facts if (f, CC.measures, about) in g]
        out = []
        for f in facts:
            lit = g.value(f, QUDT.numericValue)
            num = lit.toPython() if isinstance(lit, Literal) else None
            if num is not None and hasattr(num, "as_integer_ratio") and not isinstance(num, (int, float)):
                num = float(num)
            if isinstance(num, float) and num.is_integer():
                num = int(num)
            unit = g.value(f, QUDT.unit)
            counts = g.value(f, CC.counts)
            bound = g.value(f, CC.bound)
            status = g.value(f, CC.status)
            as_of = g.value(f, CC.asOf)
            out.append(
                Quantity(
                    entity=self.entity(f),
                    value=num,
                    unit=str(unit).rsplit("/", 1)[-1] if unit is not None else "",
                    counts=self.entity(counts) if counts is not None else None,
                    bound=self.node_id(bound) if bound is not None else "as-stated",
                    measures=tuple(self.entity(m) for m in sorted(g.objects(f, CC.measures), key=self.node_id)),
                    evidence=tuple(self._evidence_nodes(f)),
                    status=self.node_id(status) if status is not None else None,
                    as_of=str(as_of) if as_of is not None else None,
                )
            )
        return out

    def relations(self, node: Node) -> tuple[list[Statement], list[Statement]]:
        """The evidenced relations leaving and entering ``node``."""
        g = self.graph
        out = [self.statement(node, p, o) for p in RELATIONS for o in sorted(g.objects(node, p), key=str)]
        inc = [self.statement(s, p, node) for p in RELATIONS for s in sorted(g.subjects(p, node), key=str)]
        return out, inc

    def describe(self, node: URIRef) -> dict:
        """Everything about one entity, as plain data (see the README for the JSON shape)."""
        g = self.graph
        ent = self.entity(node)
        out, inc = self.relations(node)

        def rel(st: Statement, other: Node) -> dict:
            return {
                "relation": self.node_id(st.predicate),
                "entity": self.entity(other).to_json(),
                "inferred": st.inferred,
                "rationale": st.rationale,
                "evidence": [e.to_json() for e in st.evidence],
            }

        d = ent.to_json()
        d["definition"] = lang_texts(g, node, SKOS.definition)
        d["change_note"] = lang_texts(g, node, SKOS.changeNote)  # what changed, for users of an earlier release
        d["alt_labels"] = sorted(str(o) for o in g.objects(node, SKOS.altLabel))
        d["types"] = sorted(self.node_id(t) for t in g.objects(node, RDF.type))
        d["evidence"] = [e.to_json() for e in self.entity_evidence(node)]
        d["out"] = [rel(st, st.object) for st in out]
        d["in"] = [rel(st, st.subject) for st in inc]
        notation = g.value(node, SKOS.notation)
        if notation is not None:
            d["code"] = str(notation)
        if self.is_a(node, CC.Product):
            d["needs"] = self.product_row(node).needs
        d["facts"] = [q.to_json() for q in self.quantities(node)]
        if self.is_a(node, CC.QuantitativeFact):
            (q,) = [q for q in self.quantities() if q.entity.iri == str(node)]
            d["quantity"] = {"value": q.value, "unit": q.unit, "bound": q.bound,
                             "counts": q.counts.id if q.counts else None,
                             "status": q.status, "as_of": q.as_of,
                             "evidence": [e.to_json() for e in q.evidence]}
        attrs = []
        me = bulk.key(node)
        for s, p, o in self._assertions:
            if s == me and isinstance(o, Literal):
                p = bulk.term(p)
                st = self.statement(node, p, o)
                attrs.append({"property": self.node_id(p), "value": str(o), "inferred": st.inferred,
                              "rationale": st.rationale, "evidence": [e.to_json() for e in st.evidence]})
        d["attributes"] = sorted(attrs, key=lambda a: a["property"])
        return d

    def list_entities(self, cls: URIRef) -> list[dict]:
        """Entities of ``cls``: entity JSON plus evidence and outgoing relations; a
        quantitative fact adds its ``quantity`` (value, unit, bound, counts, status, as_of)."""
        out = []
        quantities = {q.entity.iri: q for q in self.quantities()} if cls == CC.QuantitativeFact else {}
        for node in self.instances(cls):
            d = self.entity(node).to_json()
            d["evidence"] = [e.to_json() for e in self.entity_evidence(node)]
            rels, _ = self.relations(node)
            d["out"] = [
                {"relation": self.node_id(st.predicate), "entity": self.entity(st.object).to_json(),
                 "inferred": st.inferred, "evidence": [e.to_json() for e in st.evidence]}
                for st in rels
            ]
            q = quantities.get(str(node))
            if q is not None:
                d["quantity"] = {"value": q.value, "unit": q.unit, "bound": q.bound,
                                 "counts": q.counts.id if q.counts else None,
                                 "status": q.status, "as_of": q.as_of}
            out.append(d)
        return out

    def info(self) -> dict:
        """Counts of what is loaded."""
        g = self.graph
        flows = sum(1 for p in (CC.userFlowsTo, CC.dataFlowsTo) for _ in g.subject_objects(p))
        relations = sum(1 for p in RELATIONS for _ in g.subject_objects(p))
        inferred = sum(1 for flag, _ in self._assertion_notes.values() if flag)
        assertions = sum(1 for _ in g.subjects(RDF.type, CC.Assertion))
        return {
            "triples": len(g),
            "products": len(self.instances(CC.Product)),
            "core_products": len(self.instances(CC.CoreProduct)),
            "programmes": len(self.instances(CC.Programme)),
            "needs": len(self.instances(CC.Need)),
            "values": len(self.instances(CC.Value)),
            "relations": relations,
            "flows": flows,
            "assertions": assertions,
            "inferred_assertions": inferred,
            "facts": len(self.instances(CC.QuantitativeFact)),
            "classes": sum(1 for c in g.subjects(RDF.type, OWL.Class) if str(c).startswith(str(CC._NS))),
            "sources": [
                {"id": self.node_id(s), "file": str(g.value(s, CC.file) or ""), "labels": lang_texts(g, s, RDFS.label)}
                for s in self.instances(CC.Source)
            ],
            "data_files": list(self.sources),
        }


"""What changed between two versions of the map, and what it does to merchants.

:func:`compare` takes two loaded maps (anything with ``kb``, a
:class:`~ccare.kb.model.KnowledgeBase`, and ``graph``, its NetworkX graph: a
:class:`ccare.api.Map`) and returns a :class:`MapDiff`:

- **what changed**, grouped by entity (:class:`EntityChanges`): entities (products first)
  added or removed; labels, definitions and types changed; relations added, removed, or
  turned from stated to inferred (or back), their rationale changed; facts with a new
  value, unit, bound, status, date, counted kind or measured things; and evidence moved
  (the same quote on another line) or changed (another quote on the same line), added or
  removed.  Evidence is compared by content (source, line, quote), never by its blank
  node's label, so two files that say the same thing differ in nothing;
- **what it does to merchants**: the operating loops (:mod:`ccare.graph.loops`) gained and
  lost, compared by their cycle and the offerings supporting it; for each product set in
  ``has``, and for each merchant ``merchants`` finds (a portfolio in both maps), the
  best prescription (:func:`ccare.graph.prescribe.prescriptions`, the first, as
  ``ccare prescribe`` and ``ccare portfolio prescribe`` give it) when it changes: what to
  add, the loop it closes, the offerings supporting it, or whether the loop closes at all.

Relations are the map's evidenced relations (:data:`ccare.kb.model.RELATIONS`) and are
listed under their subject.  A fact's status is compared as a fact's field, not as a
relation.

:func:`side_files` says which files a side named on the command line is: ``shipped``
(none: the shipped map alone), a file, or a folder of RDF files.

Examples
--------
>>> import ccare
>>> old = new = ccare.load()
>>> d = compare(old, new, has=[["mini-program"]])
>>> d.changed, d.entities, d.gained, d.lost
(False, [], [], [])
>>> p = d.prescriptions[0]
>>> p.has, p.old.add, p.changed
(('mini-program',), ('mini-program-cloud',), False)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import networkx as nx
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import SKOS

from ccare.errors import DataError, UnknownEntityError, UsageError
from ccare.graph.build import node_entity
from ccare.graph.loops import LoopSpec, distinct, loop_search
from ccare.graph.prescribe import prescriptions
from ccare.kb.model import RELATIONS, Evidence, KnowledgeBase, lang_texts
from ccare.limits import Budget
from ccare.ontology import CC

__all__ = ["Change", "EntityChanges", "Outcome", "PrescriptionChange", "MapDiff", "SHIPPED", "RDF_SUFFIXES",
           "side_files", "map_changes", "loop_changes", "outcome", "compare"]

#: The word that names the shipped map alone as a side of the comparison.
SHIPPED = "shipped"

#: File name endings read as RDF in a folder given as a side (other files, such as the
#: source texts the evidence quotes, are left alone).
RDF_SUFFIXES = (".ttl", ".turtle", ".nt", ".ntriples", ".n3", ".trig", ".nq", ".nquads", ".jsonld", ".rdf",
                ".owl", ".trix")


def side_files(side: str | os.PathLike) -> list[str]:
    """The RDF files a side of the comparison names: ``shipped`` alone gives none (the
    shipped map); a file gives itself; a folder its RDF files (:data:`RDF_SUFFIXES`, not
    hidden, not in subfolders), sorted by name.

    Raises :class:`~ccare.errors.DataError` for a path that does not exist and for a folder
    holding no RDF file.
    """
    if str(side) == SHIPPED:
        return []
    p = Path(side)
    if p.is_dir():
        found = sorted(str(f) for f in p.iterdir()
                       if not f.name.startswith(".") and f.name.lower().endswith(RDF_SUFFIXES) and f.is_file())
        if not found:
            raise DataError(p, f"a folder with no RDF file in it (files ending in {', '.join(RDF_SUFFIXES)})")
        return found
    if not p.exists():
        raise DataError(p, f"no such file or folder (give a file, a folder of RDF files, or the word {SHIPPED})")
    return [str(p)]


# ---------------------------------------------------------------------- the changes


@dataclass(frozen=True)
class Change:
    """One change to one entity.

    ``what``: ``entity`` (the entity itself ``added`` or ``removed``), ``type``,
    ``label`` and ``definition`` (``field`` is the language), ``fact`` (``field``: ``value``,
    ``unit``, ``bound``, ``status``, ``as_of``, ``counts``, ``measures``; a fact added or
    removed whole has ``field`` ``quantity``), ``relation`` (``relation`` its key, e.g.
    ``userFlowsTo``, ``other`` the object's id; ``change``: ``added``, ``removed``,
    ``now-inferred``, ``now-stated``, ``rationale``) or ``evidence`` (of the entity, or of the
    relation named by ``relation`` and ``other``; ``change``: ``added``, ``removed``,
    ``moved``: ``old`` and ``new`` lines, ``changed``: ``old`` and ``new`` quotes).
    ``evidence`` holds the evidence shown with the change (the new side's, else the old's);
    ``inferred`` whether the relation is inferred (on the new side, else the old).
    """

    what: str
    change: str
    field: str | None = None
    relation: str | None = None
    other: str | None = None
    old: object = None
    new: object = None
    evidence: tuple = ()
    inferred: bool | None = None

    def to_json(self, labels: dict) -> dict:
        d: dict[str, Any] = {"what": self.what, "change": self.change}
        for k in ("field", "relation"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        if self.other is not None:
            d["other"] = {"id": self.other, "labels": dict(labels.get(self.other) or {})}
        if self.old is not None or self.new is not None:
            d["old"], d["new"] = self.old, self.new
        if self.inferred is not None:
            d["inferred"] = self.inferred
        d["evidence"] = [e.to_json() for e in self.evidence]
        return d


@dataclass(frozen=True)
class EntityChanges:
    """The changes to one entity: its ``id``, ``labels`` and most specific ``type`` (the
    new map's, else the old's), whether it is a ``product``, its ``status`` (``added``,
    ``removed`` or ``changed``) and the :class:`Change` list."""

    id: str
    labels: dict
    type: str | None
    product: bool
    status: str
    changes: tuple

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.labels.get("zh") or self.id

    def to_json(self, labels: dict) -> dict:
        return {"id": self.id, "labels": dict(self.labels), "type": self.type, "product": self.product,
                "status": self.status, "changes": [c.to_json(labels) for c in self.changes]}


def _key(kb: KnowledgeBase, p) -> str:
    """A relation's key as the graph names its edges: the local name in ccare's vocabulary."""
    s = str(p)
    return s[len(str(CC._NS)):] if s.startswith(str(CC._NS)) else kb.node_id(p)


def _entities(kb: KnowledgeBase) -> dict:
    """IRI text -> node, for every named instance of a class of ccare's vocabulary
    (assertions aside): the map's entities, its sources, facts and merchants."""
    ns = str(CC._NS)
    out = {}
    for s, t in kb.graph.subject_objects(RDF.type):
        if isinstance(s, URIRef) and isinstance(t, URIRef) and str(t).startswith(ns) and t != CC.Assertion:
            out[str(s)] = s
    return out


def _evidence_key(e: Evidence) -> tuple:
    return (e.source, e.line or 0, e.quote)


def _evidence_changes(old: Iterable[Evidence], new: Iterable[Evidence], relation=None, other=None) -> list[Change]:
    """Evidence compared by content: the same quote on another line is ``moved``, another
    quote on the same line of the same source ``changed``; the rest ``added`` or ``removed``."""
    a, b = set(old), set(new)
    gone, came = sorted(a - b, key=_evidence_key), sorted(b - a, key=_evidence_key)
    out = []
    for same in (lambda e, f: e.quote == f.quote, lambda e, f: e.line == f.line):
        for e in list(gone):
            f = next((f for f in came if f.source == e.source and same(e, f)), None)
            if f is None:
                continue
            gone.remove(e)
            came.remove(f)
            moved = e.quote == f.quote
            out.append(Change("evidence", "moved" if moved else "changed", relation=relation, other=other,
                              old=e.line if moved else e.quote, new=f.line if moved else f.quote, evidence=(f,)))
    out += [Change("evidence", "removed", relation=relation, other=other, evidence=(e,)) for e in gone]
    out += [Change("evidence", "added", relation=relation, other=other, evidence=(e,)) for e in came]
    return sorted(out, key=lambda c: (_evidence_key(c.evidence[0]), c.change))


def _relations(kb: KnowledgeBase) -> dict:
    """``(subject, predicate, object)`` -> the triple, for the map's evidenced relations
    (a fact's status is a field of the fact, compared there)."""
    g = kb.graph
    facts = set(g.subjects(RDF.type, CC.QuantitativeFact))
    out = {}
    for p in RELATIONS:
        for s, o in g.subject_objects(p):
            if isinstance(s, URIRef) and not (p == CC.status and s in facts):
                out[(str(s), str(p), o if isinstance(o, Literal) else str(o))] = (s, p, o)
    return out


_FACT_FIELDS = ("value", "unit", "bound", "status", "as_of", "counts", "measures")


def _facts(kb: KnowledgeBase) -> dict:
    return {q.entity.iri: q for q in kb.quantities()}


def _fact_fields(q) -> dict:
    return {"value": q.value, "unit": q.unit, "bound": q.bound, "status": q.status, "as_of": q.as_of,
            "counts": q.counts.id if q.counts else None, "measures": [m.id for m in q.measures]}


def map_changes(old: KnowledgeBase, new: KnowledgeBase) -> tuple[list[EntityChanges], dict]:
    """What changed from map ``old`` to map ``new``, grouped by entity (products first, then
    added, removed, changed, then by id), and the labels of every entity the changes name
    (id -> ``{"zh", "en"}``, the new map's first)."""
    groups: dict = {}  # id -> list of changes
    nodes: dict = {}  # id -> its node (the new map's, else the old's), to type it
    ents_old, ents_new = _entities(old), _entities(new)
    labels: dict = {}

    def name(kb, node) -> str:
        """The id of ``node``, its labels kept (the new map's, unless it has none)."""
        i = kb.node_id(node)
        if kb is new or not labels.get(i):
            found = lang_texts(kb.graph, node, RDFS.label)
            if found or i not in labels:
                labels[i] = found
        return i

    def add(kb, node, change: Change) -> None:
        i = name(kb, node)
        if kb is new or i not in nodes:
            nodes[i] = (kb, node)
        groups.setdefault(i, []).append(change)

    facts_old, facts_new = _facts(old), _facts(new)
    for iri in sorted(ents_new.keys() - ents_old.keys()):
        node = ents_new[iri]
        add(new, node, Change("entity", "added", evidence=tuple(new.entity_evidence(node))))
        if iri in facts_new:
            add(new, node, Change("fact", "added", field="quantity", new=_fact_fields(facts_new[iri])))
    for iri in sorted(ents_old.keys() - ents_new.keys()):
        node = ents_old[iri]
        add(old, node, Change("entity", "removed", evidence=tuple(old.entity_evidence(node))))
        if iri in facts_old:
            add(old, node, Change("fact", "removed", field="quantity", old=_fact_fields(facts_old[iri])))
    for iri in sorted(ents_old.keys() & ents_new.keys()):
        a, b = ents_old[iri], ents_new[iri]
        out = []
        ta, tb = old.most_specific_type(a), new.most_specific_type(b)
        if ta != tb:
            out.append(Change("type", "changed", old=old.node_id(ta) if ta is not None else None,
                              new=new.node_id(tb) if tb is not None else None))
        for what, prop in (("label", RDFS.label), ("definition", SKOS.definition)):
            la, lb = lang_texts(old.graph, a, prop), lang_texts(new.graph, b, prop)
            for lang in ("zh", "en"):
                if la.get(lang) != lb.get(lang):
                    out.append(Change(what, "changed", field=lang, old=la.get(lang), new=lb.get(lang)))
        qa, qb = facts_old.get(iri), facts_new.get(iri)
        if qa is not None and qb is not None:
            fa, fb = _fact_fields(qa), _fact_fields(qb)
            out += [Change("fact", "changed", field=f, old=fa[f], new=fb[f]) for f in _FACT_FIELDS if fa[f] != fb[f]]
        out += _evidence_changes(old.entity_evidence(a), new.entity_evidence(b))
        for c in out:
            add(new, b, c)
    rel_old, rel_new = _relations(old), _relations(new)
    for k in sorted(rel_new.keys() - rel_old.keys(), key=str):
        s, p, o = rel_new[k]
        st = new.statement(s, p, o)
        add(new, s, Change("relation", "added", relation=_key(new, p), other=name(new, o) if not isinstance(o, Literal)
                           else None, new=str(o) if isinstance(o, Literal) else None, evidence=st.evidence,
                           inferred=st.inferred))
    for k in sorted(rel_old.keys() - rel_new.keys(), key=str):
        s, p, o = rel_old[k]
        st = old.statement(s, p, o)
        add(old, s, Change("relation", "removed", relation=_key(old, p), other=name(old, o)
                           if not isinstance(o, Literal) else None, old=str(o) if isinstance(o, Literal) else None,
                           evidence=st.evidence, inferred=st.inferred))
    for k in sorted(rel_old.keys() & rel_new.keys(), key=str):
        s, p, o = rel_new[k]
        sa, sb = old.statement(*rel_old[k]), new.statement(s, p, o)
        rel, other = _key(new, p), (name(new, o) if not isinstance(o, Literal) else str(o))
        out = []
        if sa.inferred != sb.inferred:
            out.append(Change("relation", "now-inferred" if sb.inferred else "now-stated", relation=rel, other=other,
                              evidence=sb.evidence, inferred=sb.inferred,
                              new=sb.rationale if sb.inferred else None))
        elif sa.rationale != sb.rationale:
            out.append(Change("relation", "rationale", relation=rel, other=other, old=sa.rationale, new=sb.rationale,
                              inferred=sb.inferred))
        out += _evidence_changes(sa.evidence, sb.evidence, relation=rel, other=other)
        for c in out:
            add(new, s, c)
    result = []
    for i, changes in groups.items():
        kb, node = nodes[i]
        iri = str(node)
        status = "added" if iri in ents_new and iri not in ents_old else \
            "removed" if iri in ents_old and iri not in ents_new else "changed"
        t = kb.most_specific_type(node)
        result.append(EntityChanges(i, dict(labels.get(i) or {}), kb.node_id(t) if t is not None else None,
                                    kb.is_a(node, CC.Product), status, tuple(sorted(changes, key=_change_order))))
    rank = {"added": 0, "removed": 1, "changed": 2}
    result.sort(key=lambda e: (not e.product, rank[e.status], e.id))
    return result, labels


_WHAT_ORDER = {"entity": 0, "type": 1, "label": 2, "definition": 3, "fact": 4, "relation": 5, "evidence": 6}


def _change_order(c: Change) -> tuple:
    lang = {"zh": 0, "en": 1}.get(c.field or "", 2)
    ev = _evidence_key(c.evidence[0]) if c.what == "evidence" and c.evidence else ()
    rel = (c.relation is not None, c.relation or "", c.other or "")
    fact = _FACT_FIELDS.index(c.field) if c.what == "fact" and c.field in _FACT_FIELDS else -1
    return (_WHAT_ORDER.get(c.what, 9), rel if c.what == "evidence" else (), fact, lang, rel, c.change, ev)


# ---------------------------------------------------------------------- loops and prescriptions


def _loop_key(w) -> tuple:
    """What makes two loops one: the cycle and the offerings supporting it."""
    return (w.nodes, frozenset(a.offering for a in w.attached))


def loop_changes(old_G: nx.MultiDiGraph, new_G: nx.MultiDiGraph, spec: LoopSpec = LoopSpec(),
                 budget: Budget | None = None) -> tuple[list, list, int, int, int]:
    """``(gained, lost, old count, new count, compared)``: the operating loops meeting
    ``spec`` in the new graph and not the old (walks of ``new_G``), in the old and not the
    new (walks of ``old_G``), each ranked as :func:`~ccare.graph.loops.operating_loops`
    ranks them.

    Both maps are searched one loop length at a time, as ``operating_loops`` does; when the
    ``budget`` runs out, only the lengths both searches finished are compared, and
    ``compared`` is the longest of them (``spec.max_length`` when all were).
    """
    budget = budget if budget is not None else Budget(timeout=None)
    searches = [loop_search(G, spec.check(G)) for G in (old_G, new_G)]
    before: list = []
    after: list = []
    compared = 0
    for length in range(1, spec.max_length + 1):
        level = []
        for search in searches:
            level.append(distinct(search.cycles(max_length=length, min_length=length, budget=budget)))
            if budget.cut_short:
                break
        if budget.cut_short:
            break  # this length is not finished on both maps: not compared
        before += level[0]
        after += level[1]
        compared = length
    keys_before, keys_after = {_loop_key(w) for w in before}, {_loop_key(w) for w in after}
    gained = [w for w in after if _loop_key(w) not in keys_before]
    lost = [w for w in before if _loop_key(w) not in keys_after]
    return gained, lost, len(before), len(after), compared


@dataclass(frozen=True)
class Outcome:
    """The best prescription for a merchant on one map: ``status`` ``closed`` (nothing to
    add), ``open`` (``add`` closes ``loop``), ``unclosable`` (no loop through its products
    can close), or ``unknown`` (the time ran out first); ``supporting``: the offerings
    supporting the loop."""

    status: str
    add: tuple | None = None
    loop: tuple | None = None
    supporting: tuple = ()

    def to_json(self) -> dict:
        return {"status": self.status, "add": list(self.add) if self.add is not None else None,
                "loop": list(self.loop) if self.loop is not None else None, "supporting": list(self.supporting)}


def outcome(G: nx.MultiDiGraph, has: Sequence[str], spec: LoopSpec = LoopSpec(), *, scale: str | None = None,
            stage: str | None = None, alipay_payment: bool = True, budget: Budget | None = None) -> Outcome:
    """The :class:`Outcome` of :func:`~ccare.graph.prescribe.prescriptions` (its first
    prescription) for a merchant running ``has`` (ids of ``G``)."""
    budget = budget if budget is not None else Budget(timeout=None)
    if budget.cut_short:
        return Outcome("unknown")
    first = next(prescriptions(G, list(has), spec, scale=scale, stage=stage, budget=budget,
                               alipay_payment=alipay_payment), None)
    if first is None:
        return Outcome("unknown") if budget.cut_short else Outcome("unclosable")
    return Outcome("closed" if not first.add else "open", tuple(first.add), tuple(first.loop.nodes),
                   tuple(a.offering for a in first.loop.attached))


@dataclass(frozen=True)
class PrescriptionChange:
    """The best prescription before (``old``) and after (``new``) for the products ``has``
    (ids; those a map lacks are in ``missing_old``/``missing_new`` and left out there) or
    for a ``merchant`` (``{"id", "iri", "labels"}``; ``old`` or ``new`` is None where the
    merchant is not in that map)."""

    has: tuple
    old: Outcome | None
    new: Outcome | None
    merchant: dict | None = None
    missing_old: tuple = ()
    missing_new: tuple = ()

    @property
    def changed(self) -> bool:
        """The best prescription differs (not known on a side, cut short: not a change)."""
        unknown = any(o is not None and o.status == "unknown" for o in (self.old, self.new))
        return self.old != self.new and not unknown

    def to_json(self) -> dict:
        d = {"has": list(self.has), "changed": self.changed,
             "old": self.old.to_json() if self.old is not None else None,
             "new": self.new.to_json() if self.new is not None else None,
             "missing_old": list(self.missing_old), "missing_new": list(self.missing_new)}
        if self.merchant is not None:
            d = {"merchant": dict(self.merchant), **d}
        return d


@dataclass
class MapDiff:
    """What changed from the ``old`` map to the ``new`` one (see the module docs).

    ``entities``: :class:`EntityChanges`, products first; ``gained`` and ``lost``: loops
    (walks of the new and the old graph); ``loops_old``/``loops_new``: how many loops each
    map has; ``prescriptions``: a :class:`PrescriptionChange` for each ``has`` set, changed
    or not; ``merchants``: those of the merchants compared (``merchants_compared``) whose
    prescription changes; ``cut_short``: why the comparison stopped early, else None.
    """

    old_name: str
    new_name: str
    entities: list
    labels: dict
    gained: list
    lost: list
    loops_old: int
    loops_new: int
    old_graph: nx.MultiDiGraph = field(repr=False)
    new_graph: nx.MultiDiGraph = field(repr=False)
    spec: LoopSpec = field(default_factory=LoopSpec)
    prescriptions: list = field(default_factory=list)
    merchants: list = field(default_factory=list)
    merchants_compared: int = 0
    cut_short: str | None = None
    #: the longest loops compared (``spec.max_length`` unless the comparison was cut short)
    loops_compared: int = 0

    @property
    def changed(self) -> bool:
        """Whether the maps differ, or what they do for a merchant does."""
        return bool(self.entities or self.gained or self.lost or self.merchants
                    or any(p.changed for p in self.prescriptions))

    def label(self, ident: str, lang: str = "en") -> str:
        """The entity ``ident`` as a reader calls it in ``lang`` (the new map's label first)."""
        labels = self.labels.get(ident)
        if labels is None:
            for G in (self.new_graph, self.old_graph):
                if ident in G:
                    labels = G.nodes[ident].get("labels") or {}
                    break
        labels = labels or {}
        return labels.get(lang) or labels.get("en") or labels.get("zh") or ident

    def _entity(self, ident: str) -> dict:
        for G in (self.new_graph, self.old_graph):
            if ident in G:
                return node_entity(G, ident)
        return {"id": ident, "labels": dict(self.labels.get(ident) or {})}

    def to_json(self) -> dict:
        """The comparison as ``ccare diff --format json`` prints it (without ``schema_version``)."""
        def outcome_json(o):
            if o is None:
                return None
            d = o.to_json()
            d["add"] = [self._entity(n) for n in o.add] if o.add is not None else None
            return d

        def change_json(p):
            d = p.to_json()
            d["has"] = [self._entity(n) for n in p.has]
            d["old"], d["new"] = outcome_json(p.old), outcome_json(p.new)
            return d

        return {
            "old": self.old_name,
            "new": self.new_name,
            "changed": self.changed,
            "cut_short": self.cut_short,
            "entities": [e.to_json(self.labels) for e in self.entities],
            "loops": {"old": self.loops_old, "new": self.loops_new, "needs": list(self.spec.needs),
                      "max_length": self.spec.max_length, "compared_to_length": self.loops_compared,
                      "gained": [w.to_json(self.new_graph) for w in self.gained],
                      "lost": [w.to_json(self.old_graph) for w in self.lost]},
            "prescriptions": [change_json(p) for p in self.prescriptions],
            "merchants": {"compared": self.merchants_compared, "changed": [change_json(p) for p in self.merchants]},
        }

    def records(self, lang: str = "en") -> list[dict]:
        """Flat rows, labels in ``lang`` included (``pandas.DataFrame(d.records())``): one per
        change of an entity, per loop gained or lost, per prescription compared."""
        rows = []
        for e in self.entities:
            for c in e.changes:
                rows.append({"section": "map", "entity": e.id, "label": e.label(lang), "type": e.type or "",
                             "status": e.status, "what": c.what, "change": c.change, "field": c.field or "",
                             "relation": c.relation or "", "other": c.other or "",
                             "other_label": self.label(c.other, lang) if c.other else "",
                             "old": _flat(c.old), "new": _flat(c.new),
                             "inferred": "" if c.inferred is None else c.inferred,
                             "evidence": "; ".join(f"{x.source} L{x.line} “{x.quote}”" for x in c.evidence)})
        for change, loops, G in (("gained", self.gained, self.new_graph), ("lost", self.lost, self.old_graph)):
            for w in loops:
                rows.append({"section": "loops", "change": change, "nodes": ";".join(w.nodes),
                             "loop": " → ".join(self.label(n, lang) for n in (*w.nodes, w.nodes[0])),
                             "supporting": ";".join(a.offering for a in w.attached), "needs": " ".join(w.needs)})
        for section, items in (("prescriptions", self.prescriptions), ("merchants", self.merchants)):
            for p in items:
                row = {"section": section, "changed": p.changed, "has": ";".join(p.has),
                       "has_label": ", ".join(self.label(n, lang) for n in p.has)}
                if p.merchant is not None:
                    row["merchant"] = p.merchant.get("id")
                for side, o in (("old", p.old), ("new", p.new)):
                    row[f"{side}_status"] = o.status if o is not None else "absent"
                    row[f"{side}_add"] = ";".join(o.add) if o is not None and o.add is not None else ""
                    row[f"{side}_loop"] = ";".join(o.loop) if o is not None and o.loop is not None else ""
                rows.append(row)
        return rows


def _flat(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return ";".join(map(str, v))
    if isinstance(v, dict):
        return ";".join(f"{k}={_flat(x)}" for k, x in v.items() if x not in (None, [], ""))
    return str(v)


# ---------------------------------------------------------------------- the comparison


def _resolve(old: KnowledgeBase, new: KnowledgeBase, name: str) -> str:
    """The id of the offering ``name`` names in the new map, else in the old (a product
    only one map has may be asked about); unknown in both: the new map's error."""
    try:
        return new.offering_id(name)
    except UnknownEntityError as e:
        try:
            return old.offering_id(name)
        except UnknownEntityError:
            raise e from None


def _product_sets(has) -> list[list[str]]:
    """``has`` as lists of names: a string is one set, comma-separated."""
    if isinstance(has, str):
        has = [has]
    out = []
    for s in has or ():
        names = [n.strip() for n in (s.split(",") if isinstance(s, str) else s) if str(n).strip()]
        if not names:
            raise UsageError("a --has set names no product")
        out.append(names)
    return out


def _merchant_outcomes(G, ms, spec, budget, run=None) -> dict:
    """Merchant IRI -> :class:`Outcome` of its best prescription on ``G``, for the merchants
    answered before ``budget`` ran out.  ``run`` is :func:`ccare.portfolio.batch.run` (each
    distinct question answered once), else each distinct set of products, scale, stage and
    Alipay payment is asked once here."""
    out: dict = {}
    if run is not None:
        for x in run(G, ms, "prescribe", spec, budget).results:
            a = x.answer
            out[x.merchant.iri] = Outcome(a.status, tuple(a.add) if a.add is not None else None,
                                          tuple(a.loop) if a.loop is not None else None, tuple(a.supporting))
        return out
    memo: dict = {}
    for m in ms:
        q = (frozenset(m.uses), m.scale_name, m.stage_name, m.alipay_payment)
        if q not in memo:
            if budget.cut_short:
                break
            memo[q] = outcome(G, sorted(m.uses), spec, scale=m.scale_name, stage=m.stage_name,
                              alipay_payment=m.alipay_payment, budget=budget)
            if budget.cut_short:
                break  # this answer may be incomplete
        out[m.iri] = memo[q]
    return out


def compare(old, new, *, has=(), merchants: Callable | None = None, run: Callable | None = None,
            spec: LoopSpec = LoopSpec(), budget: Budget | None = None, old_name: str = "old",
            new_name: str = "new") -> MapDiff:
    """Compare the map ``old`` with the map ``new`` (each with ``kb`` and ``graph``, as a
    :class:`ccare.api.Map` has them; see the module docs).

    ``has``: product sets (each a list of ids or zh/en names, or a comma-separated string)
    whose best prescription is compared.  ``merchants``: a function ``(kb, G) -> merchants``
    (:func:`ccare.portfolio.index.merchants`) whose merchants, matched by IRI, are compared
    the same way (their products, scale, stage and Alipay payment as the portfolio says);
    ``run`` (:func:`ccare.portfolio.batch.run`) answers them as ``ccare portfolio prescribe``
    does, each distinct question once (without it, each distinct set of products, scale,
    stage and Alipay payment is asked once).
    ``spec``: what counts as an operating loop.  ``budget`` bounds the searches; when it
    runs out, :attr:`MapDiff.cut_short` says why and the loops and prescriptions not yet
    compared are left out (an outcome cut short is ``unknown``).
    """
    budget = budget if budget is not None else Budget(timeout=None)
    entities, labels = map_changes(old.kb, new.kb)
    oG, nG = old.graph, new.graph
    gained, lost, n_old, n_new, compared = loop_changes(oG, nG, spec, budget)
    diff = MapDiff(old_name, new_name, entities, labels, gained, lost, n_old, n_new, oG, nG, spec,
                   loops_compared=compared)
    for names in _product_sets(has):
        ids = tuple(dict.fromkeys(_resolve(old.kb, new.kb, n) for n in names))
        sides = []
        for G in (oG, nG):
            mine = [n for n in ids if n in G]
            sides.append((outcome(G, mine, spec, budget=budget), tuple(n for n in ids if n not in G)))
        diff.prescriptions.append(PrescriptionChange(ids, sides[0][0], sides[1][0], None, sides[0][1], sides[1][1]))
    if merchants is not None:
        both = [{m.iri: m for m in merchants(kb, G)} for kb, G in ((old.kb, oG), (new.kb, nG))]
        answers = [_merchant_outcomes(G, list(ms.values()), spec, budget, run)
                   for G, ms in zip((oG, nG), both)]
        for iri in sorted(both[0].keys() | both[1].keys()):
            if any(iri in ms and iri not in got for ms, got in zip(both, answers)):
                continue  # not answered on a side before the time ran out: not compared
            diff.merchants_compared += 1
            m = both[1].get(iri) or both[0].get(iri)
            assert m is not None  # iri is a key of one side or the other
            change = PrescriptionChange(tuple(m.uses), answers[0].get(iri), answers[1].get(iri),
                                        {"id": m.id, "iri": m.iri, "labels": dict(m.labels)})
            if change.changed:
                diff.merchants.append(change)
    if budget.cut_short:
        diff.cut_short = budget.reason
    return diff


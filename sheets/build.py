"""Map sheets as evidenced RDF: every row checked, every fault named by sheet, row and column.

:func:`build` reads the tables of :func:`ccare.sheets.workbook.read_path` against the map they
extend (names of entities, sources, bounds and statuses; the vocabulary's classes and
relations) and returns the RDF they describe, the way the shipped map is written: an entity
with its labels, definitions and evidence; each relation with evidence as a ``cc:Assertion``
with ``cc:inferred`` (and ``cc:rationale``); a row whose ``inferred`` is empty as a plain
statement; a fact with QUDT's value and unit.

Names may be ids or zh/en labels (or alternative labels), of the sheet's own entities or of
the map's.  A cell that names nothing known is a :class:`~ccare.sheets.workbook.Problem` with
near matches (``convertable`` -> ``convertible``); every row is read, so one run lists every
fault.  Only what the shapes require is required: an id and a type, a label and a definition
in Chinese or English, evidence for an entity and for each relation the shapes want evidenced.

Examples
--------
>>> from ccare.kb.model import load
>>> from ccare.sheets.workbook import xlsx_bytes, read_xlsx_bytes
>>> data = xlsx_bytes({"relations": [["payment", "serves", "convertable", "", "false"]]})
>>> r = build(read_xlsx_bytes(data, "x.xlsx"), load())
>>> print(r.problems[0].text("en"))
sheet relations, row 2, column C (object / 宾语): unknown entity 'convertable'; did you mean: convertible?
>>> print(r.problems[0].text("zh"))
工作表 relations，第 2 行，C 列（object / 宾语）：未知的实体 'convertable'；您要找的是否是：convertible？
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SKOS, XSD

from ccare.errors import AmbiguousEntityError, UnknownEntityError
from ccare.ontology import CC, ID, QUDT, UNIT
from ccare.sheets.columns import MULTI
from ccare.sheets.export import number_type
from ccare.sheets.vocab import NAME, PREFIX_MAP, Vocabulary, infer_date, iri_text, near
from ccare.sheets.workbook import Row, Table

__all__ = ["build", "Built", "to_turtle", "shape_targets"]

_ID = re.compile(r"[^\s<>\"{}|\\^`:/?#;]+")
_STRUCTURAL = {CC.evidence: "evidence", CC.source: "evidence", CC.line: "evidence", CC.quote: "evidence",
               CC.inferred: "relations", CC.rationale: "relations", RDF.subject: "relations",
               RDF.predicate: "relations", RDF.object: "relations"}
_YES = ("true", "yes", "y", "1", "是", "推断")
_NO = ("false", "no", "n", "0", "否", "原文")


class _Bad(Exception):
    """A cell that cannot be read: the problem's ``code`` and ``params``."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@functools.lru_cache(maxsize=1)
def shape_targets() -> tuple[frozenset, frozenset, frozenset]:
    """From the shipped shapes: the relations that need evidence, the classes whose members
    need evidence, and the classes whose members need a label and a definition."""
    from rdflib import Namespace

    from ccare.ontology import shape_files

    sh = Namespace("http://www.w3.org/ns/shacl#")
    ccsh = Namespace("https://w3id.org/ccare/shapes#")
    g = Graph()
    for f in shape_files():
        g.parse(data=f.read_bytes(), format="turtle")
    relations = set(g.objects(ccsh.EvidencedRelationShape, sh.targetSubjectsOf))
    evidenced = set(g.objects(ccsh.EvidencedEntityShape, sh.targetClass))
    labelled = set(g.objects(ccsh.LabelledShape, sh.targetClass))
    return frozenset(relations), frozenset(evidenced), frozenset(labelled)


@dataclass
class _Rel:
    table: Table
    row: Row
    s: URIRef
    p: URIRef
    o: object
    inferred: bool | None
    rationales: dict
    object_text: str
    column: str = "relation"  # the field errors about the whole relation point at
    evidence: list = field(default_factory=list)


@dataclass
class Built:
    """What a map sheet makes: the ``graph`` (its good rows; written only when there are no
    ``problems``), the problems, the headers ignored, and counts of what was read."""

    graph: Graph
    problems: list
    ignored: list
    counts: dict
    order: list = field(default_factory=list)  # entities in sheet order, for the Turtle


class _Builder:
    def __init__(self, tables: dict, kb, vocab: Vocabulary | None):
        self.tables = tables
        self.kb = kb
        self.v = vocab or Vocabulary(kb.graph)
        self.problems: list = []
        self.ids: dict = {}  # folded id -> IRI (the sheet's)
        self.labels: dict = {}  # folded label -> set of IRIs (the sheet's)
        self.types: dict = {}  # IRI -> set of classes (the sheet's)
        self.first_row: dict = {}  # IRI -> row number in entities
        self.entity_rows: list = []  # (table, row, IRI, triples)
        self.rels: list = []
        self.broken: set = set()  # subjects of relation and fact rows that could not be read
        self.by_sp: dict = {}
        self.facts: list = []
        self.entity_evidence: dict = {}  # IRI -> evidence tuples
        self.evidenced_relations, self.evidenced_classes, self.labelled_classes = shape_targets()
        self._supers: dict = {}

    # -------------------------------------------------------------- helpers

    def bad(self, table: Table, row: Row | None, f: str | None, code: str, **params) -> None:
        self.problems.append(table.problem(row, f, code, **params))

    def supers(self, c) -> set:
        hit = self._supers.get(c)
        if hit is None:
            hit = self._supers[c] = set(self.kb.graph.transitive_objects(c, RDFS.subClassOf))
        return hit

    def is_a(self, node, cls) -> bool:
        types = set(self.types.get(node, ())) | set(self.kb.graph.objects(node, RDF.type))
        return any(cls in self.supers(t) for t in types)

    def name_of(self, node) -> str:
        return self.v.short(node) if isinstance(node, URIRef) else str(node)

    def resolve(self, text: str, want=None, kind: str = "entity") -> URIRef:
        """The entity a cell names: the sheet's ids and labels first, then the map's."""
        key = text.strip().casefold()
        full = iri_text(text)
        if full is not None:
            return URIRef(full)
        m = re.fullmatch(r"([A-Za-z][\w-]*):(\S+)", text.strip())
        if m and m.group(1) in PREFIX_MAP and m.group(1) != "ccid" and not key.startswith("http"):
            iri = URIRef(PREFIX_MAP[m.group(1)] + m.group(2))
            if m.group(1) != "cc" or iri in self.v.class_names or iri in self.v.relation_names:
                return iri
            raise _Bad("unknown", kind=kind, value=text.strip())
        if m and m.group(1) == "ccid":
            key = m.group(2).casefold()
        fits = (lambda n: True) if want is None else (lambda n: self.is_a(n, want))
        hit = self.ids.get(key)
        if hit is not None:
            if fits(hit):
                return hit
            raise _Bad("wrong_type", value=text.strip(), kind=kind)
        hits = set(self.labels.get(key, ()))
        base_near: list = []
        try:
            hits.add(self.kb.resolve(text))
        except AmbiguousEntityError as e:
            hits |= {self.kb.resolve(i) for i in e.suggestions}
        except UnknownEntityError as e:
            base_near = list(e.suggestions)
        good = {h for h in hits if fits(h)}
        if len(good) == 1:
            return next(iter(good))
        if good:
            raise _Bad("ambiguous", value=text.strip(), names=", ".join(sorted(self.name_of(h) for h in good)))
        if hits:
            raise _Bad("wrong_type", value=text.strip(), kind=kind)
        if want is not None:  # near matches of the right kind only
            try:
                self.kb.resolve(text, want, kind=kind)
            except UnknownEntityError as e:
                base_near = list(e.suggestions)
        own = [k for k, v in self.ids.items() if fits(v)] + [k for k, vs in self.labels.items() if any(map(fits, vs))]
        suggestions = [self.name_of(i) for k in near(key, own) for i in sorted(self.ids.get(k) and {self.ids[k]}
                                                                             or self.labels.get(k, ()))]
        suggestions += [s for s in base_near if s not in suggestions and self.close(key, s)]
        raise _Bad("unknown_near" if suggestions else "unknown", kind=kind, value=text.strip(),
                   near=", ".join(dict.fromkeys(suggestions[:5])))

    def close(self, key: str, ident: str) -> bool:
        """Whether the map's entity ``ident`` (a near match ``KnowledgeBase.resolve`` offers)
        is close to ``key`` by its id or one of its labels (its substring matches are loose)."""
        names = [ident]
        try:
            node = self.kb.resolve(ident)
            names += [str(o) for p in (RDFS.label, SKOS.altLabel) for o in self.kb.graph.objects(node, p)]
        except UnknownEntityError:
            pass
        return bool(near(key, names))

    def cell_names(self, table, row, f, want=None, kind="entity", required=False) -> list:
        text = table.cell(row, f)
        if not text:
            if required:
                self.bad(table, row, f, "empty")
            return []
        out = []
        for part in text.split(MULTI):
            if not part.strip():
                continue
            try:
                out.append(self.resolve(part, want, kind))
            except _Bad as e:
                self.bad(table, row, f, e.code, **e.params)
                return []
        return out

    def boolean(self, table, row, f) -> bool | None:
        text = table.cell(row, f).casefold()
        if not text:
            return None
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise _Bad("bad_boolean", value=table.cell(row, f))

    # -------------------------------------------------------------- entities

    def entities(self, table: Table) -> None:
        pending = []
        for row in table.rows:
            ident = table.cell(row, "id")
            if not ident:
                self.bad(table, row, "id", "empty")
                continue
            if ident.startswith("ccid:"):
                ident = ident[5:]
            full = iri_text(ident)
            if full is not None:
                iri = URIRef(full)
            elif _ID.fullmatch(ident):
                iri = ID[ident]
            else:
                self.bad(table, row, "id", "bad_id", value=ident)
                continue
            key = ident.casefold()
            if key in self.ids:
                self.bad(table, row, "id", "duplicate_id", value=ident, first=self.first_row[self.ids[key]])
                continue
            self.ids[key] = iri
            self.first_row[iri] = row.number
            for f in ("label_zh", "label_en", "alt_zh", "alt_en"):
                for part in table.cell(row, f).split(MULTI) if f.startswith("alt") else [table.cell(row, f)]:
                    if part.strip():
                        self.labels.setdefault(part.strip().casefold(), set()).add(iri)
            types = set()
            type_text = table.cell(row, "type")
            ok = True
            if not type_text:
                self.bad(table, row, "type", "empty")
                ok = False
            for part in type_text.split(MULTI):
                if not part.strip():
                    continue
                try:
                    types.add(self.v.cls(part))
                except UnknownEntityError as e:
                    self.bad(table, row, "type", "unknown_near" if e.suggestions else "unknown", kind="type",
                             value=part.strip(), near=", ".join(e.suggestions))
                    ok = False
            self.types[iri] = types
            pending.append((row, iri, types, ok))
        for row, iri, types, ok in pending:
            g: list[tuple[URIRef, URIRef, URIRef | Literal]] = []
            for t in sorted(types):
                g.append((iri, RDF.type, t))
            lab = {lang: table.cell(row, f"label_{lang}") for lang in ("zh", "en")}
            dfn = {lang: table.cell(row, f"definition_{lang}") for lang in ("zh", "en")}
            if not any(lab.values()):
                self.bad(table, row, "label_zh", "no_label")
                ok = False
            needs_definition = any(self.is_a(iri, c) for c in self.labelled_classes)
            if needs_definition and not any(dfn.values()):
                self.bad(table, row, "definition_zh", "no_definition")
                ok = False
            for lang in ("zh", "en"):
                if lab[lang]:
                    g.append((iri, RDFS.label, Literal(lab[lang], lang=lang)))
                if dfn[lang]:
                    g.append((iri, SKOS.definition, Literal(dfn[lang], lang=lang)))
                for part in table.cell(row, f"alt_{lang}").split(MULTI):
                    if part.strip():
                        g.append((iri, SKOS.altLabel, Literal(part.strip(), lang=lang)))
            notation = table.cell(row, "notation")
            if notation:
                g.append((iri, SKOS.notation, Literal(notation)))
            self.entity_rows.append((table, row, iri, g if ok else None))

    # -------------------------------------------------------------- relations

    def add_rel(self, rel: _Rel) -> None:
        if rel.inferred is not None:
            for other in self.by_sp.get((rel.s, rel.p), ()):
                if other.o == rel.o and other.inferred is not None:
                    self.bad(rel.table, rel.row, rel.column, "duplicate_relation", first=other.row.number,
                             sheet=other.table.name)
                    return
        self.rels.append(rel)
        self.by_sp.setdefault((rel.s, rel.p), []).append(rel)

    def obj(self, p, text: str, type_text: str):
        kind = self.v.default_object(p)
        if type_text:
            try:
                kind = self.v.datatype(type_text)
            except ValueError:
                raise _Bad("bad_type", value=type_text, allowed=", ".join(self.v.type_choices())) from None
        if kind == NAME:
            return self.resolve(text)
        try:
            return self.v.literal(text, kind)
        except ValueError as e:
            raise _Bad("bad_date" if str(e) == "date" else "bad_literal", value=text, datatype=str(e)) from None

    def relations(self, table: Table) -> None:
        for row in table.rows:
            ok = True
            try:
                (s,) = self.cell_names(table, row, "subject", required=True) or (None,)
            except ValueError:
                s = None
            if s is None:
                ok = False
            p = None
            rel_text = table.cell(row, "relation")
            if not rel_text:
                self.bad(table, row, "relation", "empty")
                ok = False
            else:
                try:
                    p = self.v.relation(rel_text)
                except UnknownEntityError as e:
                    self.bad(table, row, "relation", "unknown_near" if e.suggestions else "unknown", kind="relation",
                             value=rel_text, near=", ".join(e.suggestions))
                    ok = False
                if p in _STRUCTURAL:
                    self.bad(table, row, "relation", "structural", relation=rel_text, sheet=_STRUCTURAL[p])
                    ok = False
            o = None
            text = table.cell(row, "object")
            if not text:
                self.bad(table, row, "object", "empty")
                ok = False
            elif p is not None:
                try:
                    o = self.obj(p, text, table.cell(row, "object_type"))
                except _Bad as e:
                    self.bad(table, row, "object_type" if e.code == "bad_type" else "object", e.code, **e.params)
                    ok = False
            try:
                inferred = self.boolean(table, row, "inferred")
            except _Bad as e:
                self.bad(table, row, "inferred", e.code, **e.params)
                continue
            rats = {lang: table.cell(row, f"rationale_{lang}") for lang in ("zh", "en")}
            rats = {k: v for k, v in rats.items() if v}
            if inferred is None and p in self.evidenced_relations and not (s is not None and self.is_a(s, CC.Merchant)):
                # the shapes want it evidenced (a merchant's own statements excepted, as there)
                self.bad(table, row, "inferred", "needs_inferred", relation=rel_text)
                ok = False
            if inferred is None and rats:
                self.bad(table, row, "inferred", "rationale_not_asserted")
                ok = False
            if inferred and not rats:
                self.bad(table, row, "rationale_zh", "needs_rationale")
                ok = False
            if ok and s is not None and p is not None:  # ok: both were found
                self.add_rel(_Rel(table, row, s, p, o, inferred, rats, text))
            elif s is not None:
                self.broken.add(s)  # its evidence rows find no relation: that is said once, here

    # -------------------------------------------------------------- facts

    def facts_sheet(self, table: Table) -> None:
        for row in table.rows:
            ok = True
            (f,) = self.cell_names(table, row, "fact", required=True) or (None,)
            if f is None:
                ok = False
            elif not self.is_a(f, CC.QuantitativeFact):
                self.bad(table, row, "fact", "not_a_fact", value=table.cell(row, "fact"))
                ok = False
            measures = self.cell_names(table, row, "measures", required=True)
            ok = ok and bool(measures)
            triples = [(f, CC.measures, m) for m in measures]
            value = table.cell(row, "value")
            if not value:
                self.bad(table, row, "value", "empty")
                ok = False
            elif number_type(value) is None:
                self.bad(table, row, "value", "bad_number", value=value)
                ok = False
            else:
                triples.append((f, QUDT.numericValue, Literal(value.lstrip("+"), datatype=number_type(value))))
            unit = table.cell(row, "unit")
            if not unit:
                self.bad(table, row, "unit", "empty")
                ok = False
            else:
                u = Vocabulary.expand(unit)
                if u is None and re.fullmatch(r"[A-Za-z][\w\-]*", unit):
                    u = UNIT[unit]
                if u is None:
                    self.bad(table, row, "unit", "bad_unit", value=unit)
                    ok = False
                else:
                    triples.append((f, QUDT.unit, u))
            for col, cls, kind, p in (("counts", CC.CountedKind, "counted kind", CC.counts),
                                      ("bound", CC.Bound, "bound", CC.bound)):
                if table.cell(row, col):
                    got = self.cell_names(table, row, col, cls, kind)
                    if got:
                        triples.append((f, p, got[0]))
                    else:
                        ok = False
            rels = []
            for slot, p in (("status", CC.status), ("as_of", CC.asOf)):
                text = table.cell(row, slot)
                rats = {lang: table.cell(row, f"{slot}_rationale_{lang}") for lang in ("zh", "en")}
                rats = {k: v for k, v in rats.items() if v}
                try:
                    inferred = self.boolean(table, row, f"{slot}_inferred")
                except _Bad as e:
                    self.bad(table, row, f"{slot}_inferred", e.code, **e.params)
                    ok = False
                    continue
                if not text:
                    if inferred is not None or rats:
                        self.bad(table, row, slot, "empty")
                        ok = False
                    continue
                if slot == "status":
                    got = self.cell_names(table, row, slot, CC.FactStatus, "status")
                    if not got:
                        ok = False
                        continue
                    o = got[0]
                else:
                    dtype = infer_date(text)
                    if dtype is None:
                        self.bad(table, row, slot, "bad_date", value=text)
                        ok = False
                        continue
                    o = Literal(text, datatype=dtype)
                if inferred is None:
                    if p in self.evidenced_relations:
                        self.bad(table, row, f"{slot}_inferred", "needs_inferred",
                                 relation=self.v.relation_name(p))
                        ok = False
                        continue
                    if rats:
                        self.bad(table, row, f"{slot}_inferred", "rationale_not_asserted")
                        ok = False
                        continue
                    triples.append((f, p, o))
                    continue
                if inferred and not rats:
                    self.bad(table, row, f"{slot}_rationale_zh", "needs_rationale")
                    ok = False
                    continue
                if f is not None:  # else the row is broken (ok is False) and its relations unused
                    rels.append(_Rel(table, row, f, p, o, inferred, rats, text, column=slot))
            if not ok and f is not None:
                self.broken.add(f)
            if ok:
                self.facts.append(triples)
                for r in rels:
                    self.add_rel(r)

    # -------------------------------------------------------------- evidence

    def evidence(self, table: Table) -> None:
        for row in table.rows:
            (s,) = self.cell_names(table, row, "subject", required=True) or (None,)
            target = None
            rel_text = table.cell(row, "relation")
            if s is not None and not rel_text:
                if table.cell(row, "object"):
                    self.bad(table, row, "relation", "empty")
                else:
                    target = s
            elif s is not None:
                try:
                    target = self.find_relation(table, row, s, rel_text)
                except _Bad as e:
                    if not (s in self.broken and e.code in ("no_relation", "no_relation_near")):
                        self.bad(table, row, "object" if e.code in ("no_relation", "no_relation_near") else "relation",
                                 e.code, **e.params)
            (src,) = self.cell_names(table, row, "source", CC.Source, "source", required=True) or (None,)
            line_text = table.cell(row, "line")
            line = None
            if not line_text:
                self.bad(table, row, "line", "empty")
            elif not re.fullmatch(r"\+?\d+", line_text) or int(line_text) < 1:
                self.bad(table, row, "line", "bad_line", value=line_text)
            else:
                line = int(line_text)
            quote = table.cell(row, "quote")
            if not quote:
                self.bad(table, row, "quote", "empty")
            if target is None or src is None or line is None or not quote:
                continue
            ev = (src, line, quote)
            if isinstance(target, _Rel):
                target.evidence.append(ev)
            else:
                self.entity_evidence.setdefault(target, []).append(ev)

    def find_relation(self, table, row, s, rel_text) -> _Rel:
        try:
            p = self.v.relation(rel_text)
        except UnknownEntityError as e:
            raise _Bad("unknown_near" if e.suggestions else "unknown", kind="relation", value=rel_text,
                       near=", ".join(e.suggestions)) from None
        cands = [r for r in self.by_sp.get((s, p), ()) if r.inferred is not None]
        text = table.cell(row, "object")
        for r in cands:
            if isinstance(r.o, Literal) and (str(r.o) == text or r.object_text == text):
                return r
        if text:
            try:
                o = self.resolve(text)
            except _Bad:
                o = None
            for r in cands:
                if r.o == o:
                    return r
        plain = [r for r in self.by_sp.get((s, p), ()) if r.inferred is None]
        if plain and any(r.object_text == text or r.o == (self.resolve(text) if text else None) for r in plain):
            r = plain[0]
            raise _Bad("not_asserted", row=r.row.number, sheet=r.table.name)
        shown = [r.object_text for r in cands]
        raise _Bad("no_relation_near" if shown else "no_relation", subject=table.cell(row, "subject"),
                   relation=rel_text, object=text, near=", ".join(near(text, shown) or shown[:5]))

    # -------------------------------------------------------------- all

    def run(self) -> Built:
        ignored = []
        for name in ("entities", "relations", "facts", "evidence"):
            t = self.tables.get(name)
            if t is None:
                continue
            self.problems += t.problems
            ignored += [(t.name, h) for h in t.ignored]
            if any(p.code == "missing_column" for p in t.problems):
                continue
            {"entities": self.entities, "relations": self.relations, "facts": self.facts_sheet,
             "evidence": self.evidence}[name](t)
        g = Graph()
        for prefix, ns in PREFIX_MAP.items():
            g.bind(prefix, ns)
        g.bind("", str(ID))
        order = []
        for table, row, iri, triples in self.entity_rows:
            ev = self.entity_evidence.get(iri, [])
            needs = any(self.is_a(iri, c) for c in self.evidenced_classes)
            if needs and not ev and triples is not None:
                self.bad(table, row, "id", "no_evidence_entity", name=table.cell(row, "id"))
                continue
            if triples is None:
                continue
            order.append(iri)
            for t in triples:
                g.add(t)
            for e in ev:
                g.add((iri, CC.evidence, _evidence(g, e)))
        for rel in self.rels:
            if rel.inferred is None:
                g.add((rel.s, rel.p, rel.o))
                continue
            if not rel.evidence:
                self.bad(rel.table, rel.row, rel.column, "no_evidence_relation", subject=self.name_of(rel.s),
                         relation=self.v.relation_name(rel.p), object=rel.object_text)
                continue
            a = BNode()
            g.add((a, RDF.type, CC.Assertion))
            g.add((a, RDF.subject, rel.s))
            g.add((a, RDF.predicate, rel.p))
            g.add((a, RDF.object, rel.o))
            g.add((a, CC.inferred, Literal(rel.inferred)))
            for lang, text in rel.rationales.items():
                g.add((a, CC.rationale, Literal(text, lang=lang)))
            for e in rel.evidence:
                g.add((a, CC.evidence, _evidence(g, e)))
        for triples in self.facts:
            for t in triples:
                g.add(t)
        counts = {name: len(self.tables[name].rows) if name in self.tables else 0
                  for name in ("entities", "relations", "evidence", "facts")}
        rank = {t.name: i for i, t in enumerate(self.tables[n] for n in ("entities", "relations", "evidence", "facts")
                                                  if n in self.tables)}
        self.problems.sort(key=lambda p: (rank.get(p.sheet, 9), p.sheet, p.row or 0, p.column or 0))
        return Built(g, self.problems, ignored, counts, order)


def _evidence(g: Graph, ev) -> BNode:
    src, line, quote = ev
    e = BNode()
    g.add((e, CC.source, src))
    g.add((e, CC.line, Literal(line)))
    g.add((e, CC.quote, Literal(quote)))
    return e


def build(tables: dict, kb, vocab: Vocabulary | None = None) -> Built:
    """The RDF the map sheets ``tables`` describe, checked against ``kb`` (the map they
    extend: :class:`~ccare.kb.model.KnowledgeBase`); see the module docs."""
    return _Builder(tables, kb, vocab).run()


# ---------------------------------------------------------------------- Turtle


def to_turtle(built: Built, source: str = "") -> str:
    """The graph of ``built`` as Turtle, grouped as the shipped map is: each entity with its
    evidence, then the assertions about it, then the other statements; the same sheets give
    the same bytes."""
    g = built.graph
    nm = g.namespace_manager

    def n3(x) -> str:
        if isinstance(x, Literal) and x.datatype in (XSD.integer, XSD.boolean) and not x.language \
                and re.fullmatch(r"-?\d+|true|false", str(x)):
            return str(x)  # Turtle's short forms: 42, true
        return x.n3(nm)

    def ev_text(e) -> str:
        return (f"[ cc:source {n3(g.value(e, CC.source))} ; cc:line {n3(g.value(e, CC.line))} ; "
                f"cc:quote {n3(g.value(e, CC.quote))} ]")

    def evs(x) -> list:
        return sorted((ev_text(e) for e in g.objects(x, CC.evidence)))

    out = ["# Written by `ccare import` from a map sheet" + (f" ({source})" if source else "") + ".", ""]
    for prefix, ns in sorted(g.namespaces()):
        if prefix in PREFIX_MAP or prefix == "":
            out.append(f"@prefix {prefix}: <{ns}> .")
    out.append("")
    assertions: dict = {}
    for a in g.subjects(RDF.type, CC.Assertion):
        assertions.setdefault(g.value(a, RDF.subject), []).append(a)
    subjects = list(built.order)
    seen = set(subjects)
    for s in sorted({s for s in g.subjects() if isinstance(s, URIRef)} | set(assertions), key=str):
        if s not in seen:
            subjects.append(s)
            seen.add(s)
    for s in subjects:
        props = []
        # rdflib's stubs give Node no order; its terms order at run time (literals by value)
        types = sorted(g.objects(s, RDF.type))  # type: ignore[type-var]
        if types:
            props.append("a " + " , ".join(n3(t) for t in types))
        for p in sorted(set(g.predicates(s)) - {RDF.type, CC.evidence}):  # type: ignore[type-var]
            props.append(f"{n3(p)} " + " ,\n        ".join(n3(o) for o in sorted(g.objects(s, p))))  # type: ignore[type-var]
        ev = evs(s)
        if ev:
            props.append("cc:evidence " + " ,\n        ".join(ev))
        if props:
            out.append(f"{n3(s)} " + " ;\n    ".join(props) + " .\n")
        rows = []
        for a in assertions.get(s, ()):
            head = (f"[] a cc:Assertion ; rdf:subject {n3(s)} ; rdf:predicate {n3(g.value(a, RDF.predicate))} ; "
                    f"rdf:object {n3(g.value(a, RDF.object))} ;\n    cc:inferred {n3(g.value(a, CC.inferred))}")
            rats = sorted(g.objects(a, CC.rationale), key=lambda r: (getattr(r, "language", None) != "zh", str(r)))
            if rats:
                head += " ;\n    cc:rationale " + " ,\n        ".join(n3(r) for r in rats)
            head += " ;\n    cc:evidence " + " ,\n        ".join(evs(a)) + " ."
            rows.append(head)
        out += sorted(rows)
        if rows:
            out.append("")
    return "\n".join(out).rstrip() + "\n"

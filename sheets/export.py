"""The map's knowledge base (ABox) as map sheets: every triple in one cell of one row.

- ``entities``: an IRI's types, its one label and definition in each language, its
  alternative labels and notation;
- ``relations``: every ``cc:Assertion`` (subject, relation, object, inferred, rationales),
  and every other statement as a row whose ``inferred`` is empty;
- ``evidence``: every evidence node, with what it supports (an entity, or a relation by its
  subject, relation and object) and its source, line and quote;
- ``facts``: a quantitative fact's value, unit, what it measures and counts, its bound, and
  its status and as-of date with their own inferred and rationale cells.

Whatever the cells cannot hold as they stand (a second label in one language, a number
whose form would read back as another datatype) goes to ``relations`` as a plain row with
its ``object type``; a node the template has no place for (a blank node that is neither an
assertion nor evidence) is an error naming it, never a silent loss.

Examples
--------
>>> tables = export_tables(abox_graph())
>>> [len(tables[n]) > 10 for n in ("entities", "relations", "evidence", "facts")]
[True, True, True, True]
>>> [r for r in tables["relations"] if r[:3] == ["payment", "serves", "convertible"]][0][4]
'true'
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SKOS, XSD

from ccare.errors import DataError
from ccare.ontology import CC, QUDT
from ccare.sheets.columns import MULTI, SHEETS
from ccare.sheets.vocab import Vocabulary, infer_date

__all__ = ["abox_graph", "tbox_graph", "export_tables", "number_type"]

_ASSERTION_PREDICATES = {RDF.type, RDF.subject, RDF.predicate, RDF.object, CC.inferred, CC.rationale, CC.evidence}
_EVIDENCE_PREDICATES = {CC.source, CC.line, CC.quote}


def tbox_graph() -> Graph:
    """The shipped vocabulary (``ontology/ccare.ttl``)."""
    from ccare.ontology import ID, tbox_files
    from ccare.rdfio.read import parse_bytes

    g = Graph()
    for f in tbox_files():
        parse_bytes(g, f.read_bytes(), "turtle", name=f"ccare/ontology/{f.name}", base_iri=str(ID))
    return g


def abox_graph(data: Sequence = (), shipped: bool = True) -> Graph:
    """The shipped knowledge base (``ontology/kb/*.ttl``) and the RDF files ``data`` as they
    are written: assertions not materialised, nothing of the vocabulary."""
    from pathlib import Path

    from ccare.ontology import ID, kb_files
    from ccare.rdfio.read import format_for, parse_bytes, read_bounded

    g = Graph()
    if shipped:
        for f in kb_files():
            parse_bytes(g, f.read_bytes(), "turtle", name=f"ccare/ontology/kb/{f.name}", base_iri=str(ID))
    for path in data:
        p = Path(path)
        parse_bytes(g, read_bounded(p), format_for(p), name=str(p), base_iri=p.resolve().as_uri())
    return g


def number_type(text: str) -> URIRef | None:
    """The datatype a ``value`` cell is read as: integer, decimal or double by its form."""
    import re

    s = text.strip()
    if re.fullmatch(r"[+-]?\d+", s):
        return XSD.integer
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+)", s):
        return XSD.decimal
    if re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+", s):
        return XSD.double
    return None


class _Exporter:
    def __init__(self, g: Graph, vocab: Vocabulary):
        self.g = g
        self.v = vocab
        self.done: set = set()
        self.entities: list = []
        self.relations: list = []  # (sort key, row, evidence nodes)
        self.facts: list = []
        self.evidence: list = []
        self.fact_evidence: list = []

    def name(self, node) -> str:
        if isinstance(node, URIRef):
            return self.v.short(node)
        raise DataError("the map", f"a blank node where a name is needed ({node.n3()})")

    def obj(self, o) -> str:
        if isinstance(o, URIRef):
            return self.v.short(o, bare_cc=False)
        return str(o)

    # -------------------------------------------------------------- pieces

    def evidence_nodes(self, x) -> list | None:
        """The evidence nodes of ``x`` if each is a plain one (a blank node with one source,
        line and quote, used once), else None."""
        out = []
        for e in self.g.objects(x, CC.evidence):
            if not isinstance(e, BNode) or len(list(self.g.subjects(None, e))) != 1:
                return None
            preds = list(self.g.predicate_objects(e))
            if sorted(str(p) for p, _ in preds) != sorted(str(p) for p in _EVIDENCE_PREDICATES):
                return None
            src, line, quote = (self.g.value(e, p) for p in (CC.source, CC.line, CC.quote))
            if not isinstance(src, URIRef) or not isinstance(line, Literal) or line.datatype != XSD.integer \
                    or not isinstance(quote, Literal) or quote.datatype is not None or quote.language:
                return None
            out.append(e)
        return out

    def evidence_rows(self, subject: str, relation: str, obj: str, nodes) -> list:
        rows = []
        for e in nodes:
            src, line, quote = (self.g.value(e, p) for p in (CC.source, CC.line, CC.quote))
            rows.append([subject, relation, obj, self.name(src), int(line), str(quote)])
            for p in _EVIDENCE_PREDICATES:
                self.done.add((e, p, self.g.value(e, p)))
        rows.sort(key=lambda r: (r[3], r[4], r[5]))
        return rows

    def assertion(self, a):
        """``(s, p, o, inferred, {lang: rationale}, evidence nodes)`` if ``a`` fits a row."""
        g = self.g
        if set(g.predicates(a)) - _ASSERTION_PREDICATES or len(list(g.subjects(None, a))):
            return None
        parts = [list(g.objects(a, p)) for p in (RDF.subject, RDF.predicate, RDF.object, CC.inferred)]
        if any(len(x) != 1 for x in parts) or set(g.objects(a, RDF.type)) != {CC.Assertion}:
            return None
        (s,), (p,), (o,), (inf,) = parts
        if not isinstance(s, URIRef) or not isinstance(p, URIRef) or isinstance(o, BNode):
            return None
        if not isinstance(inf, Literal) or inf.datatype != XSD.boolean or str(inf) not in ("true", "false"):
            return None
        rationales: dict = {}
        for r in g.objects(a, CC.rationale):
            if not isinstance(r, Literal) or r.language not in ("zh", "en") or r.language in rationales:
                return None
            rationales[r.language] = str(r)
        ev = self.evidence_nodes(a)
        if ev is None:
            return None
        return s, p, o, str(inf), rationales, ev

    def take_assertion(self, a) -> None:
        for p, o in self.g.predicate_objects(a):
            self.done.add((a, p, o))
            if p == CC.evidence:
                for q in _EVIDENCE_PREDICATES:
                    self.done.add((o, q, self.g.value(o, q)))

    # -------------------------------------------------------------- sheets

    def run(self) -> dict:
        g = self.g
        assertions = []
        for a in set(g.subjects(RDF.type, CC.Assertion)):
            if isinstance(a, BNode):
                fit = self.assertion(a)
                if fit is not None:
                    assertions.append((a, fit))
        facts = {f for f in g.subjects(RDF.type, CC.QuantitativeFact)
                 if isinstance(f, URIRef) and (f, CC.measures, None) in g}
        fact_columns: dict = defaultdict(dict)  # fact -> {"status"/"as_of": (a, fit)}
        rel = []
        for a, fit in assertions:
            s, p, o, *_ = fit
            slot = {CC.status: "status", CC.asOf: "as_of"}.get(p)
            ok = slot and s in facts and slot not in fact_columns[s] and (
                isinstance(o, URIRef) if slot == "status" else (
                    isinstance(o, Literal) and o.datatype is not None and infer_date(str(o)) == o.datatype))
            if ok:
                fact_columns[s][slot] = (a, fit)
            else:
                rel.append((a, fit))
        for a, fit in rel:
            s, p, o, inf, rats, ev = fit
            row = [self.name(s), self.v.relation_name(p), self.obj(o), self.v.type_cell(p, o), inf,
                   rats.get("zh", ""), rats.get("en", "")]
            self.take_assertion(a)
            self.relations.append((row, ev))
        # entities
        subjects = sorted({s for s in g.subjects() if isinstance(s, URIRef)}, key=lambda s: self.v.short(s))
        for s in subjects:
            self.entity(s)
        for f in sorted(facts, key=lambda s: self.v.short(s)):
            self.fact(f, fact_columns.get(f, {}))
        # whatever is left: plain statements
        for s, p, o in sorted(g, key=lambda t: (self.v.short(t[0]) if isinstance(t[0], URIRef) else str(t[0]),
                                                str(t[1]), str(t[2]))):
            if (s, p, o) in self.done:
                continue
            if not isinstance(s, URIRef) or not isinstance(p, URIRef) or isinstance(o, BNode):
                raise DataError("the map", f"a statement the map sheet has no place for: {s.n3()} {p.n3()} "
                                           f"{o.n3()} (a blank node that is neither an assertion nor evidence)")
            self.relations.append(([self.name(s), self.v.relation_name(p), self.obj(o), self.v.type_cell(p, o),
                                    "", "", ""], []))
            self.done.add((s, p, o))
        self.relations.sort(key=lambda re: (re[0][0], re[0][1], re[0][2], re[0][4] == "", re[0][3]))
        ev_rows = []
        for name_row in self.entities:
            ev_rows += name_row[1]
        for row, nodes in self.relations:
            ev_rows += self.evidence_rows(row[0], row[1], row[2], nodes)
        ev_rows += self.fact_evidence
        return {
            "entities": [r for r, _ in self.entities],
            "relations": [r for r, _ in self.relations],
            "evidence": ev_rows,
            "facts": self.facts,
        }

    def _one(self, s, p, lang=None, plain=False):
        """The one value of ``p`` on ``s`` (in ``lang``) a cell holds, marked done; extras stay."""
        vals = [o for o in self.g.objects(s, p) if isinstance(o, Literal)
                and (o.language == lang if lang else (plain and o.language is None and o.datatype is None))]
        vals.sort()
        if not vals:
            return ""
        self.done.add((s, p, vals[0]))
        return str(vals[0])

    def entity(self, s) -> None:
        g = self.g
        types = sorted((t for t in g.objects(s, RDF.type) if isinstance(t, URIRef)), key=self.v.class_name)
        described = types or any((s, p, None) in g for p in (RDFS.label, SKOS.definition))
        if not described:
            return
        cells = [self.name(s), f"{MULTI} ".join(self.v.class_name(t) for t in types)]
        for t in types:
            self.done.add((s, RDF.type, t))
        cells += [self._one(s, RDFS.label, "zh"), self._one(s, RDFS.label, "en"),
                  self._one(s, SKOS.definition, "zh"), self._one(s, SKOS.definition, "en")]
        for lang in ("zh", "en"):
            alts = sorted(str(o) for o in g.objects(s, SKOS.altLabel) if isinstance(o, Literal) and o.language == lang
                          and MULTI not in str(o) and str(o).strip() == str(o) and str(o))
            for a in alts:
                self.done.add((s, SKOS.altLabel, Literal(a, lang=lang)))
            cells.append(f"{MULTI} ".join(alts))
        cells.append(self._one(s, SKOS.notation, plain=True))
        ev = self.evidence_nodes(s) or []
        ev_rows = self.evidence_rows(cells[0], "", "", ev)
        for e in ev:
            self.done.add((s, CC.evidence, e))
        self.entities.append((cells, ev_rows))

    def fact(self, f, columns: dict) -> None:
        g = self.g
        measures = sorted((m for m in g.objects(f, CC.measures) if isinstance(m, URIRef)), key=self.v.short)
        if not measures:
            return  # the fact's other statements go to relations
        fact_name = self.name(f)
        row: list[str | int] = [fact_name, f"{MULTI} ".join(self.v.short(m) for m in measures)]
        for m in measures:
            self.done.add((f, CC.measures, m))
        values = list(g.objects(f, QUDT.numericValue))
        v = values[0] if len(values) == 1 and isinstance(values[0], Literal) else None
        if v is not None and v.datatype is not None and number_type(str(v)) == v.datatype:
            row.append(int(str(v)) if v.datatype == XSD.integer and abs(int(str(v))) < 2**53 else str(v))
            self.done.add((f, QUDT.numericValue, v))
        else:
            row.append("")
        for p in (QUDT.unit, CC.counts, CC.bound):
            vals = [o for o in g.objects(f, p) if isinstance(o, URIRef)]
            if len(vals) == 1:
                row.append(self.v.short(vals[0], bare_cc=False))
                self.done.add((f, p, vals[0]))
            else:
                row.append("")
        for slot in ("status", "as_of"):
            if slot in columns:
                a, (s, p, o, inf, rats, ev) = columns[slot]
                cell = self.obj(o)
                row += [cell, inf, rats.get("zh", ""), rats.get("en", "")]
                self.take_assertion(a)
                self.fact_evidence += self.evidence_rows(fact_name, self.v.relation_name(p), cell, ev)
            else:
                row += ["", "", "", ""]
        self.facts.append(row)


def export_tables(abox: Graph, vocab: Vocabulary | None = None) -> dict:
    """The map sheets of ``abox``: sheet name -> rows (lists of cells, in the order of
    :data:`ccare.sheets.columns.SHEETS`' columns)."""
    v = vocab or Vocabulary(tbox_graph())
    tables = _Exporter(abox, v).run()
    for name, rows in tables.items():
        width = len(SHEETS[name].columns)
        assert all(len(r) == width for r in rows), name
    return tables

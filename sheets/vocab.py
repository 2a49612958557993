"""What the cells of a map sheet name: classes and relations of the vocabulary, datatypes,
units, and how an IRI or a literal is written into a cell and read back.

An entity of the map is written by its id (``payment``); a term of ccare's vocabulary by its
local name (``serves``, ``CoreProduct``), or as ``cc:Product`` where it stands as an object;
another vocabulary's term as a prefixed name (``skos:broader``); anything else as ``<IRI>``.
A literal is written as its lexical form; the ``object type`` column says its datatype or
language only where the relation's own range (or, for ``as of``, the form of the date) would
not give it back.

Examples
--------
>>> from ccare.kb.model import shipped_graph
>>> v = Vocabulary(shipped_graph())
>>> v.relation("serves") == v.relation("实现价值") == v.relation("cc:serves") == CC.serves
True
>>> v.relation("serve")
Traceback (most recent call last):
...
ccare.errors.UnknownEntityError: unknown relation 'serve'; did you mean: serves, servesAs?
>>> v.cls("core product") == v.cls("核心产品") == CC.CoreProduct
True
>>> [str(infer_date(s)).rsplit("#")[-1] for s in ("2023-08-17", "2023-08", "2023", "soon")]
['date', 'gYearMonth', 'gYear', 'None']
"""

from __future__ import annotations

import difflib
import re

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import OWL

from ccare.errors import AmbiguousEntityError, UnknownEntityError
from ccare.ontology import CC, ID, PREFIXES, UNIT

__all__ = ["Vocabulary", "PLAIN", "INFER", "NAME", "infer_date", "near", "PREFIX_MAP", "iri_text", "DATATYPES"]

#: Prefixes a cell may use (``skos:broader``, ``unit:PERCENT``), ccare's and the W3C's.
PREFIX_MAP = {
    **{k: v for k, v in PREFIXES.items() if k != "sh"},
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
}

#: What a relation's object is read as when the ``object type`` cell is empty.
NAME = "name"  # an entity or a vocabulary term, by name
PLAIN = "plain"  # a literal without datatype or language
INFER = "infer-date"  # a date, a year-month or a year, by its form

#: Short names of datatypes in the ``object type`` column.
DATATYPES = {
    "date": XSD.date, "gyear": XSD.gYear, "gyearmonth": XSD.gYearMonth, "datetime": XSD.dateTime,
    "boolean": XSD.boolean, "integer": XSD.integer, "decimal": XSD.decimal, "double": XSD.double,
    "positiveinteger": XSD.positiveInteger, "anyuri": XSD.anyURI,
}
_SHORT = {v: k for k, v in DATATYPES.items()}
_SHORT.update({XSD.gYear: "gYear", XSD.gYearMonth: "gYearMonth", XSD.dateTime: "dateTime",
               XSD.positiveInteger: "positiveInteger", XSD.anyURI: "anyURI"})

_DATE_FORMS = ((re.compile(r"\d{4}-\d{2}-\d{2}"), XSD.date), (re.compile(r"\d{4}-\d{2}"), XSD.gYearMonth),
               (re.compile(r"\d{4}"), XSD.gYear))
_TEXT_TYPES = ("text", "string", "literal", "文本", "字符串")
_NAME_TYPES = ("entity", "iri", "name", "实体", "名称")


def infer_date(text: str) -> URIRef | None:
    """``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear`` for a date written that way, else None."""
    for pattern, dtype in _DATE_FORMS:
        if pattern.fullmatch(text.strip()):
            return dtype
    return None


def near(key: str, candidates) -> list:
    """Near matches of ``key`` among the strings ``candidates``, as ``KnowledgeBase.resolve``
    finds them: difflib's close matches, then substrings (difflib scores short CJK names poorly)."""
    key = key.strip().casefold()
    cands = list(candidates)
    folded = {c.casefold(): c for c in cands}
    hits = difflib.get_close_matches(key, list(folded), n=5, cutoff=0.6)
    hits += [k for k in folded if key and len(key) > 1 and (key in k or k in key) and k not in hits]
    out = []
    for k in hits:
        if folded[k] not in out:
            out.append(folded[k])
    return out[:5]


def iri_text(iri: str) -> str | None:
    """The IRI in a cell written ``<IRI>`` or as a bare ``http(s)://`` IRI, else None."""
    s = iri.strip()
    if s.startswith("<") and s.endswith(">"):
        s = s[1:-1]
    if re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", s) or re.fullmatch(r"urn:[^\s<>\"{}|\\^`]+", s):
        return s
    return None


class Vocabulary:
    """The classes and relations of the vocabulary in ``graph`` (the TBox, or a whole map),
    found by local name, prefixed name or zh/en label."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.classes: dict = {}  # folded name -> set of IRIs
        self.relations: dict = {}
        self.class_names: dict = {}  # IRI -> name written
        self.relation_names: dict = {}
        self.datatype_props: dict = {}  # property -> range or None
        prop_types = (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property, OWL.AnnotationProperty,
                      OWL.SymmetricProperty, OWL.TransitiveProperty)
        for c in set(graph.subjects(RDF.type, OWL.Class)) | set(graph.subjects(RDF.type, RDFS.Class)):
            if isinstance(c, URIRef):
                self._index(self.classes, c, self.class_names)
        for t in prop_types:
            for p in graph.subjects(RDF.type, t):
                if isinstance(p, URIRef):
                    self._index(self.relations, p, self.relation_names)
        for p in graph.subjects(RDF.type, OWL.DatatypeProperty):
            if isinstance(p, URIRef):
                rng = graph.value(p, RDFS.range)
                self.datatype_props[p] = rng if isinstance(rng, URIRef) else None

    def _index(self, table: dict, iri: URIRef, names: dict) -> None:
        short = self.short(iri, bare_cc=True)
        names[iri] = short
        keys = {short, self.short(iri, bare_cc=False), str(iri)}
        keys |= {str(o) for o in self.graph.objects(iri, RDFS.label)}
        for k in keys:
            table.setdefault(k.strip().casefold(), set()).add(iri)

    @staticmethod
    def short(iri: URIRef, bare_cc: bool = True) -> str:
        """``iri`` as a cell writes it: an id, ``serves`` (``cc:serves`` unless ``bare_cc``),
        ``skos:broader``, else ``<IRI>``."""
        s = str(iri)
        if s.startswith(str(ID)) and _ID.fullmatch(s[len(str(ID)):]):
            return s[len(str(ID)):]
        for prefix, ns in PREFIX_MAP.items():
            if prefix == "ccid":
                continue
            if s.startswith(ns) and _LOCAL.fullmatch(s[len(ns):]):
                return s[len(ns):] if (prefix == "cc" and bare_cc) else f"{prefix}:{s[len(ns):]}"
        return f"<{s}>"

    # ------------------------------------------------------------------ lookups

    def _lookup(self, text: str, table: dict, kind: str, names: dict) -> URIRef:
        key = text.strip().casefold()
        hits = table.get(key)
        if not hits:
            curie = self.expand(text)
            if curie is not None and (curie in names or not str(curie).startswith(str(CC._NS))):
                return curie
        if hits and len(hits) == 1:
            return next(iter(hits))
        if hits:
            ordered = sorted(hits, key=str)
            raise AmbiguousEntityError(text, [names[h] for h in ordered], kind=kind)
        suggestions = [names[i] for k in near(key, sorted(table)) for i in sorted(table[k])]
        raise UnknownEntityError(text, list(dict.fromkeys(suggestions))[:5], kind=kind)

    def relation(self, text: str) -> URIRef:
        """The property a ``relation`` cell names."""
        return self._lookup(text, self.relations, "relation", self.relation_names)

    def cls(self, text: str) -> URIRef:
        """The class a ``type`` cell names."""
        return self._lookup(text, self.classes, "type", self.class_names)

    @staticmethod
    def expand(text: str) -> URIRef | None:
        """The IRI of a prefixed name (``skos:broader``) or an ``<IRI>``, else None."""
        full = iri_text(text)
        if full is not None:
            return URIRef(full)
        m = re.fullmatch(r"([A-Za-z][\w-]*):([^\s:<>\"]+)", text.strip())
        if m and m.group(1) in PREFIX_MAP:
            return URIRef(PREFIX_MAP[m.group(1)] + m.group(2))
        return None

    def relation_name(self, p: URIRef) -> str:
        return self.relation_names.get(p) or self.short(p, bare_cc=False)

    def class_name(self, c: URIRef) -> str:
        return self.class_names.get(c) or self.short(c, bare_cc=False)

    # ------------------------------------------------------------------ literals

    def default_object(self, p: URIRef):
        """How an object of ``p`` is read when its type cell is empty: :data:`NAME`,
        :data:`PLAIN`, :data:`INFER` or a datatype IRI."""
        if p == CC.asOf:
            return INFER
        if p in self.datatype_props:
            rng = self.datatype_props[p]
            if rng is None or rng == RDFS.Literal:
                return PLAIN
            return rng
        return NAME

    def type_cell(self, p: URIRef, o) -> str:
        """The ``object type`` cell for object ``o`` of ``p``: empty where the default gives ``o`` back."""
        default = self.default_object(p)
        if isinstance(o, URIRef):
            return "" if default == NAME else "entity"
        if not isinstance(o, Literal):
            raise ValueError(o)
        if o.language:
            return "@" + o.language
        if default == INFER and o.datatype is not None and infer_date(str(o)) == o.datatype:
            return ""
        if default == PLAIN and o.datatype is None:
            return ""
        if isinstance(default, URIRef) and default not in (NAME, PLAIN, INFER) and o.datatype == default:
            return ""
        if o.datatype is None:
            return "text"
        return _SHORT.get(o.datatype) or self.short(o.datatype, bare_cc=False)

    def datatype(self, cell: str):
        """What an ``object type`` cell says: :data:`NAME`, :data:`PLAIN`, ``("lang", tag)`` or a
        datatype IRI; ``ValueError`` listing the choices when it says nothing ccare knows."""
        s = cell.strip()
        low = s.casefold()
        if low in _NAME_TYPES:
            return NAME
        if low in _TEXT_TYPES:
            return PLAIN
        if s.startswith("@") and re.fullmatch(r"@[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", s):
            return ("lang", s[1:])
        if low in DATATYPES:
            return DATATYPES[low]
        full = self.expand(s)
        if full is not None:
            return full
        raise ValueError(s)

    @staticmethod
    def type_choices() -> list:
        return ["entity", "text", "@zh", "@en", *sorted(set(_SHORT.values()))]

    def literal(self, text: str, kind) -> Literal:
        """The literal of ``text`` read as ``kind`` (from :meth:`datatype` or :meth:`default_object`);
        ``ValueError`` when the text is not of that datatype."""
        text = text.strip()
        if kind == PLAIN:
            return Literal(text)
        if isinstance(kind, tuple):
            return Literal(text, lang=kind[1])
        if kind == INFER:
            dtype = infer_date(text)
            if dtype is None:
                raise ValueError("date")
            kind = dtype
        if kind == XSD.boolean:
            low = text.casefold()
            if low in ("true", "1", "yes", "是"):
                text = "true"
            elif low in ("false", "0", "no", "否"):
                text = "false"
            else:
                raise ValueError("boolean")
        lit = Literal(text, datatype=kind)
        if getattr(lit, "ill_typed", False):
            raise ValueError(_SHORT.get(kind) or str(kind))
        return lit


_ID = re.compile(r"[^\s<>\"{}|\\^`:/?#;]+")
_LOCAL = re.compile(r"[A-Za-z_][\w.\-]*")

# the unit namespace, for cells such as PERCENT
UNITS = UNIT

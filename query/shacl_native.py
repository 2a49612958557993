"""A SHACL engine for the part of SHACL that ccare's shapes use, run set-at-a-time on Oxigraph.

pySHACL (:mod:`ccare.query.shacl`'s reference engine) checks one focus node at a time in
Python, through rdflib's API: about 3 minutes for a million triples.  This engine reads
the same shapes graph, with nothing about ccare's shapes written in the code, and checks
all focus nodes of a shape at once on the :class:`pyoxigraph.Store` under the map:

- targets in bulk: the instances of a class (``rdf:type/rdfs:subClassOf*``, as pySHACL
  finds them), the subjects or objects of a predicate, named nodes;
- value nodes in bulk: one scan of each predicate a path uses, kept for the whole run;
- each constraint component's test in Python, with pySHACL's own rules for literals
  (rdflib's terms, rdflib's equality, datatypes checked on rdflib's values), answers for
  a value node kept, since most value nodes repeat;
- ``sh:or`` and ``sh:qualifiedValueShape`` by checking the nested shapes on the set of
  all value nodes at once;
- each ``sh:sparql`` constraint once for all focus nodes, when that is provably the same
  as running it once per focus node with ``$this`` bound (see :class:`_Sparql`); else
  once per focus node with ``$this`` bound, as pySHACL does.

It makes the results pySHACL makes: the same focus node, source shape, constraint
component, value, path, severity and message (pySHACL's generic message where a shape
has none), so :func:`ccare.query.shacl.validate` builds the same report from either
(``tests/test_shacl_engines.py`` compares whole reports on a corpus of maps).

Whatever it cannot promise to check the way pySHACL does, it refuses before checking
anything, raising :class:`UnsupportedShapes` with the reason: a constraint component outside
the list below, a path other than a predicate or an ``sh:alternativePath`` of
predicates, a shape with several messages, a SPARQL constraint that pySHACL would
refuse or that uses ``$PATH``, ``$shapesGraph``, ``$currentShape`` or ``?failure``, and
a map that is not on an Oxigraph store.  The caller then runs pySHACL.

Supported: targets ``sh:targetClass``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``,
``sh:targetNode``; ``sh:property``, ``sh:or``, ``sh:class``, ``sh:datatype``,
``sh:nodeKind``, ``sh:minCount``, ``sh:maxCount``, ``sh:minLength``, ``sh:minInclusive``,
``sh:languageIn``, ``sh:uniqueLang``, ``sh:in``, ``sh:hasValue``,
``sh:qualifiedValueShape`` with ``sh:qualifiedMinCount``/``sh:qualifiedMaxCount`` (not
disjoint), ``sh:sparql`` (SELECT, on node shapes), ``sh:severity``, ``sh:message``.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, SH

from ccare.errors import UnsupportedShapes
from ccare.rdfio.store import from_ox, oxigraph_of, to_ox

__all__ = ["UnsupportedShapes", "Result", "validate_native"]  # UnsupportedShapes: ccare.errors


@dataclass(frozen=True)
class Result:
    """One validation result, as pySHACL puts it in its report graph (rdflib terms)."""

    focus: Any
    shape: Any  # sh:sourceShape
    component: Any  # sh:sourceConstraintComponent
    message: Any  # sh:resultMessage: text (a literal in pySHACL's report), None: none
    path: Any  # sh:resultPath
    value: Any  # sh:value
    severity: Any  # sh:resultSeverity


# -- the shapes graph, compiled

_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
#: sh: predicates a shape may carry besides its constraints (pySHACL does not check with them)
_INERT = {SH.name, SH.description, SH.order, SH.group, SH.defaultValue}
_SHAPE_TYPES = {SH.NodeShape, SH.PropertyShape}
_ONE = {SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minLength, SH.minInclusive, SH.languageIn,
        SH.uniqueLang, SH["in"], SH.path, SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount,
        SH.severity}
_MANY = {SH["class"], SH["or"], SH.hasValue, SH.sparql, SH.property}
_KNOWN = _ONE | _MANY | set(_TARGETS) | _INERT | {SH.message, SH.qualifiedValueShapesDisjoint}
_COMPONENT = {
    SH["class"]: SH.ClassConstraintComponent, SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent, SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent, SH.minLength: SH.MinLengthConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent, SH.languageIn: SH.LanguageInConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent, SH["in"]: SH.InConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent, SH["or"]: SH.OrConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,
}
#: the order pySHACL's constraint components are listed in does not matter: results are sorted


@dataclass(eq=False)
class _Shape:
    node: Any
    path: list | None  # predicates (Oxigraph terms) whose objects are the value nodes; None: a node shape
    path_term: Any  # the sh:path node, as the results give it
    severity: URIRef
    messages: list
    targets: dict = field(default_factory=dict)  # target predicate -> list of rdflib terms
    checks: list = field(default_factory=list)  # (kind, argument), kind a constraint parameter
    properties: list = field(default_factory=list)  # _Shape

    @property
    def is_property(self) -> bool:
        return self.path is not None


class _Compiler:
    """Reads shapes from the shapes graph, refusing (:class:`UnsupportedShapes`) what it does not know."""

    def __init__(self, sg: Graph):
        self.sg = sg
        self.shapes: dict = {}
        self.compiling: set = set()  # shapes whose nested shapes are being read

    def top(self) -> list[_Shape]:
        nodes = {s for p in _TARGETS for s in self.sg.subjects(p, None)}
        for t in _SHAPE_TYPES:
            nodes.update(self.sg.subjects(RDF.type, t))
        # a class that is also a shape targets its own instances (implicit class target)
        for s in nodes:
            types = set(self.sg.objects(s, RDF.type))
            if types - _SHAPE_TYPES:
                raise UnsupportedShapes(f"shape {s} has a type other than sh:NodeShape or sh:PropertyShape "
                                  "(an implicit class target)")
        if any(True for _ in self.sg.subjects(SH.target, None)):
            raise UnsupportedShapes("sh:target (SHACL-AF targets)")
        return [self.shape(s, report=True) for s in sorted(nodes, key=str)
                if any(True for p in _TARGETS for _ in self.sg.objects(s, p))]

    def one(self, node, pred):
        vals = list(self.sg.objects(node, pred))
        if len(vals) > 1:
            raise UnsupportedShapes(f"shape {node} has {len(vals)} values for {pred}")
        return vals[0] if vals else None

    def items(self, lst) -> list:
        try:
            return list(self.sg.items(lst))
        except Exception as e:  # a broken list: pySHACL's error
            raise UnsupportedShapes(f"malformed RDF list {lst}: {e}") from None

    def shape(self, node, report: bool) -> _Shape:
        key = (node, report)
        if key in self.shapes:
            if key in self.compiling:  # pySHACL stops a recursive shape with a warning
                raise UnsupportedShapes(f"shape {node} refers to itself (a recursive shape)")
            return self.shapes[key]
        sg = self.sg
        preds = set(sg.predicates(node, None))
        for p in preds:
            if str(p).startswith(str(SH)) and p not in _KNOWN:
                raise UnsupportedShapes(f"shape {node} uses {p}, which this engine does not check")
        for p in _ONE:
            self.one(node, p)
        path_term = self.one(node, SH.path)
        path = None if path_term is None else self.path(path_term)
        severity = self.one(node, SH.severity) or SH.Violation
        messages = list(sg.objects(node, SH.message))
        if len(messages) > 1:
            raise UnsupportedShapes(f"shape {node} has {len(messages)} messages (pySHACL would report one at random)")
        shape = _Shape(node, path, path_term, severity, messages)
        self.shapes[key] = shape
        self.compiling.add(key)
        for p in _TARGETS:
            vals = list(sg.objects(node, p))
            if vals:
                shape.targets[p] = vals
        for c in sg.objects(node, SH["class"]):
            shape.checks.append((SH["class"], c))
        for p in (SH.datatype, SH.nodeKind, SH.minLength, SH.minInclusive, SH.uniqueLang):
            v = self.one(node, p)
            if v is not None:
                shape.checks.append((p, v))
        for p in (SH.minCount, SH.maxCount):
            v = self.one(node, p)
            if v is not None:
                if not (isinstance(v, Literal) and v.datatype == XSD.integer and int(v) >= 0):
                    raise UnsupportedShapes(f"{p} of {node} is not a non-negative xsd:integer")
                if path is None:
                    raise UnsupportedShapes(f"{p} on node shape {node}")
                shape.checks.append((p, int(v)))
        if SH.uniqueLang in preds and path is None:
            raise UnsupportedShapes(f"sh:uniqueLang on node shape {node}")
        lang_in = self.one(node, SH.languageIn)
        if lang_in is not None:
            langs = self.items(lang_in)
            if not all(isinstance(x, Literal) and isinstance(x.value, str) for x in langs):
                raise UnsupportedShapes(f"sh:languageIn of {node} holds a value that is not a string")
            shape.checks.append((SH.languageIn, {str(x.value).lower() for x in langs}))
        in_list = self.one(node, SH["in"])
        if in_list is not None:
            shape.checks.append((SH["in"], set(self.items(in_list))))
        for hv in sg.objects(node, SH.hasValue):
            shape.checks.append((SH.hasValue, hv))
        for lst in sg.objects(node, SH["or"]):
            members = [self.shape(m, report=False) for m in self.items(lst)]
            if not members:
                raise UnsupportedShapes(f"empty sh:or on {node}")
            shape.checks.append((SH["or"], members))
        q = self.one(node, SH.qualifiedValueShape)
        if q is not None:
            lo, hi = self.one(node, SH.qualifiedMinCount), self.one(node, SH.qualifiedMaxCount)
            for d in sg.objects(node, SH.qualifiedValueShapesDisjoint):
                if isinstance(d, Literal) and d.value is True:
                    raise UnsupportedShapes(f"sh:qualifiedValueShapesDisjoint on {node}")
            if lo is None and hi is None:
                raise UnsupportedShapes(f"sh:qualifiedValueShape without a count on {node}")
            for c in (lo, hi):
                if c is not None and not (isinstance(c, Literal) and isinstance(c.value, int)):
                    raise UnsupportedShapes(f"qualified count of {node} is not an integer")
            shape.checks.append((SH.qualifiedValueShape, (self.shape(q, report=False),
                                                           None if lo is None else lo.value,
                                                           None if hi is None else hi.value)))
        elif SH.qualifiedMinCount in preds or SH.qualifiedMaxCount in preds:
            raise UnsupportedShapes(f"a qualified count without sh:qualifiedValueShape on {node}")
        for c in sg.objects(node, SH.sparql):
            if path is not None:
                raise UnsupportedShapes(f"sh:sparql on property shape {node}")
            shape.checks.append((SH.sparql, _Sparql(sg, node, c, messages)))
        for p in sg.objects(node, SH.property):
            prop = self.shape(p, report=report)
            if not prop.is_property:
                raise UnsupportedShapes(f"sh:property {p} of {node} has no sh:path")
            shape.properties.append(prop)
        self.compiling.discard(key)
        if report and not messages:
            for kind, arg in shape.checks:
                if kind not in _GENERIC and kind != SH.sparql:
                    raise UnsupportedShapes(f"shape {node} has no sh:message and no generic message is made "
                                      f"here for {kind}")
        return shape

    def path(self, term) -> list:
        if isinstance(term, URIRef):
            return [to_ox(term)]
        alt = list(self.sg.objects(term, SH.alternativePath))
        if len(alt) == 1 and set(self.sg.predicates(term, None)) == {SH.alternativePath}:
            preds = self.items(alt[0])
            if preds and all(isinstance(p, URIRef) for p in preds):
                return list(dict.fromkeys(to_ox(p) for p in preds))
        raise UnsupportedShapes(f"path {term}: only a predicate or an sh:alternativePath of predicates is supported")


# -- SPARQL-based constraints

#: pySHACL's tests of a SPARQL constraint's text (pyshacl.helper.sparql_query_helper), as
#: written there: a text they match makes pySHACL fail, so this engine does not run it.
_MINUS = re.compile(r"^(?:[^#]*|M)(?!#)#?[^\?\$\#]M?INUS[\s\{]", flags=re.M | re.I)
_VALUES = re.compile(r"^(?!\s*#).*?(?<![\w\-\:])VALUES\b(?:\s*(?:\(|[\?\$]\w+|\{|\w|\s))", flags=re.M | re.I)
_SERVICE = re.compile(r"^(?:[^#]*|S)(?!#)#?[^\?\$\#]S?ERVICE[\s\{<]", flags=re.M | re.I)
_BIND_THIS = re.compile(r"([\s{}()])[\$\?]this", flags=re.M)
_OTHER_PREBOUND = re.compile(r"[\$\?](PATH|shapesGraph|currentShape)\b")


class _Sparql:
    """An ``sh:sparql`` SELECT constraint of a node shape.

    pySHACL runs the query once per focus node with ``$this`` bound to it (an initial
    binding, which Oxigraph substitutes) and turns each row into a result.  Here it runs
    once, ``$this`` left free, and each row counts for the focus node ``$this`` is bound
    to (rows of other nodes are dropped), when the query's algebra shows that to be the
    same (:meth:`bulk_safe`): a SELECT, with no DISTINCT, ORDER BY, LIMIT, OFFSET,
    grouping, sub-query or OPTIONAL, whose pattern is basic graph patterns under filters,
    ``$this`` in one of the triples and among the variables selected.  Then every row has
    ``$this`` bound by a triple, a row of node ``f`` matches that triple with ``f`` in
    place of ``$this`` exactly as with ``$this`` bound beforehand, and a filter (its
    ``EXISTS`` patterns included) sees ``f`` where ``$this`` is: the rows of ``f`` are the
    rows of the pre-bound query.  Otherwise the query runs once per focus node.
    """

    def __init__(self, sg: Graph, shape_node, node, shape_messages: list):
        for p in set(sg.predicates(node, None)):
            if p not in (RDF.type, SH.select, SH.message, SH.prefixes, RDFS.comment, RDFS.label):
                raise UnsupportedShapes(f"SPARQL constraint {node} uses {p}")
        types = set(sg.objects(node, RDF.type))
        if types - {SH.SPARQLConstraint}:
            raise UnsupportedShapes(f"SPARQL constraint {node} has type {types}")
        selects = list(sg.objects(node, SH.select))
        if len(selects) != 1 or not isinstance(selects[0], Literal) or not isinstance(selects[0].value, str):
            raise UnsupportedShapes(f"SPARQL constraint {node} needs one sh:select string")
        text = str(selects[0].value)
        if _MINUS.search(text) or _VALUES.search(text) or _SERVICE.search(text):
            raise UnsupportedShapes(f"SPARQL constraint {node} has MINUS, VALUES or SERVICE (pySHACL refuses them)")
        if _OTHER_PREBOUND.search(text) or re.search(r"[\?\$]failure\b", text):
            raise UnsupportedShapes(f"SPARQL constraint {node} uses $PATH, $shapesGraph, $currentShape or ?failure")
        messages = list(sg.objects(node, SH.message))
        extra = [m for m in messages if m not in shape_messages]
        if len(extra) + len(shape_messages) != 1 or not isinstance((extra + shape_messages)[0], Literal):
            raise UnsupportedShapes(f"SPARQL constraint {node}: one message is needed, from the shape or the "
                                    "constraint")
        self.node = node
        self.message = (extra + shape_messages)[0]  # pySHACL substitutes {?var} in either
        self.binds_this = bool(_BIND_THIS.search(text))
        self.text = _prefixes(sg, node) + "\n" + text

    def bulk_safe(self, namespaces: dict) -> bool:
        """Whether running the query once, ``$this`` free, gives each focus node the rows
        the query gives with ``$this`` bound to it (see the class)."""
        if not self.binds_this:
            return False
        try:
            from rdflib.plugins.sparql import prepareQuery

            q = prepareQuery(self.text, initNs=namespaces)
        except Exception:  # rdflib cannot read it: Oxigraph may; run it per node
            return False
        alg = q.algebra
        if alg.name != "SelectQuery":
            return False
        proj = alg.p
        if proj.name != "Project" or "this" not in {str(v) for v in proj.PV}:
            return False
        part = proj.p
        while part.name == "Filter":
            part = part.p
        return _bgp_binds_this(part)


def _bgp_binds_this(part) -> bool:
    """Whether ``part`` is basic graph patterns (joined) one of whose triples has ``$this``."""
    name = getattr(part, "name", None)
    if name == "BGP":
        return any(str(t) == "this" and type(t).__name__ == "Variable" for triple in part.triples for t in triple)
    if name == "Join":
        ok1, ok2 = _only_bgps(part.p1), _only_bgps(part.p2)
        return ok1 and ok2 and (_bgp_binds_this(part.p1) or _bgp_binds_this(part.p2))
    return False


def _only_bgps(part) -> bool:
    name = getattr(part, "name", None)
    if name == "BGP":
        return True
    if name == "Join":
        return _only_bgps(part.p1) and _only_bgps(part.p2)
    return False


def _prefixes(sg: Graph, node) -> str:
    """The PREFIX lines pySHACL puts before a SPARQL constraint's query (its sh:prefixes'
    sh:declare, and the ontologies' when the value is not an ontology)."""
    values = set(sg.objects(node, SH.prefixes))
    if not values:
        return ""
    onts = set(sg.subjects(RDF.type, OWL.Ontology))
    ng = set(sg.objects(sg.identifier, SH.declare)) if sg.identifier else set()
    glob = ng.union(*(set(sg.objects(o, SH.declare)) for o in onts))
    out = {}
    for val in values:
        own = set(sg.objects(val, SH.declare))
        for dec in (own | ng) if own and val in onts else (glob | own):
            prefix, ns = list(sg.objects(dec, SH.prefix)), list(sg.objects(dec, SH.namespace))
            if len(prefix) != 1 or len(ns) != 1:
                raise UnsupportedShapes(f"sh:declare {dec} needs one sh:prefix and one sh:namespace")
            out[str(prefix[0])] = str(ns[0])
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in out.items())


def _format(msg: str, values: dict) -> str:
    """pySHACL's substitution of ``{?var}`` / ``{$var}`` in a SPARQL constraint's message
    (``re.sub`` with the value's text as the replacement, in the same order)."""
    for var, val in values.items():
        msg = re.sub("{{[?$]{}}}".format(var), str(val), msg)
    return msg


# -- literal tests, as pySHACL makes them (pyshacl.constraints.core)

_DT_PY: dict[Any, Any] = {XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
          XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: datetime.date, XSD.time: datetime.time,
          XSD.dateTime: datetime.datetime}


def _actual_datatype(v: Literal, rule) -> bool:
    kind = _DT_PY.get(rule)
    return True if kind is None else isinstance(v.value, kind)


def _datatype_ok(v, rule) -> bool:
    if not isinstance(v, Literal):
        return False
    if v.datatype == rule:
        return getattr(v, "ill_typed", None) is not True and _actual_datatype(v, rule)
    if rule == RDFS.Literal:
        return True
    if rule == RDFS.Datatype and v.datatype:
        return True
    if v.datatype is None and v.language is None and rule == XSD.string:
        return _actual_datatype(v, rule)
    if rule == RDF.langString and v.language:
        return _actual_datatype(v, rule)
    return False


def _nodekind_ok(v, rule) -> bool:
    if isinstance(v, BNode):
        return rule in (SH.BlankNode, SH.BlankNodeOrLiteral, SH.BlankNodeOrIRI)
    if isinstance(v, Literal):
        return rule in (SH.Literal, SH.BlankNodeOrLiteral, SH.IRIOrLiteral)
    return rule in (SH.IRI, SH.IRIOrLiteral, SH.BlankNodeOrIRI)


def _string(v) -> str:
    if isinstance(v, Literal) and v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
        return str(v.value)
    return str(v)


def _min_length_ok(v, n: int) -> bool:
    if n == 0:
        return True
    if isinstance(v, BNode):
        return False
    return len(_string(v)) >= n


def _compare(l1: Literal, l2: Literal) -> int:
    if l1.eq(l2):
        return 0
    if l1.value.__class__ in (datetime.datetime, datetime.time):
        if l1.value == l2.value:
            return 0
        if l1.value > l2.value:
            return 1
    elif l1 > l2:
        return 1
    return -1


def _min_inclusive_ok(v, m: Literal) -> bool:
    if not isinstance(v, Literal):
        return False
    m_str, v_str = isinstance(m.value, str), isinstance(v.value, str)
    if m_str != v_str:
        return False
    try:
        return _compare(v, m) >= 0
    except (TypeError, NotImplementedError):
        return False


def _lang_in_ok(v, langs: set) -> bool:
    if not isinstance(v, Literal) or not v.language:
        return False
    lang = str(v.language)
    return "*" in langs or lang.lower() in langs or lang.split("-")[0].lower() in langs


#: constraint parameters with a generic message here (a reported shape without sh:message)
_GENERIC = {SH["class"], SH.datatype, SH.nodeKind, SH.uniqueLang}


# -- evaluation


class _Run:
    """One validation: the store, bulk indexes built on demand, and the results."""

    def __init__(self, graph: Graph, st: ox.Store, sg: Graph):
        self.graph = graph
        self.st = st
        self.sg = sg
        self.namespaces = {p: str(ns) for p, ns in graph.namespaces()}
        self._by_pred: dict = {}
        self._instances: dict = {}
        self._types: dict | None = None
        self._terms: dict = {}
        self._memo: dict = {}

    # data access, in bulk

    def objects(self, pred) -> dict:
        """Subject -> objects of ``pred`` (Oxigraph terms), from one scan of ``pred``."""
        d = self._by_pred.get(pred)
        if d is None:
            d = defaultdict(list)
            for q in self.st.quads_for_pattern(None, pred, None, ox.DefaultGraph()):
                d[q.subject].append(q.object)
            self._by_pred[pred] = d = dict(d)
        return d

    def rdf(self, term):
        """The rdflib term equal to an Oxigraph one (kept: value nodes repeat)."""
        r = self._terms.get(term)
        if r is None:
            r = self._terms[term] = from_ox(term)
        return r

    def instances(self, cls) -> set:
        """Nodes of class ``cls`` (an Oxigraph term): ``rdf:type/rdfs:subClassOf*``."""
        found = self._instances.get(cls)
        if found is None:
            if self._types is None:
                self._types = defaultdict(set)
                for s, types in self.objects(to_ox(RDF.type)).items():
                    for t in types:
                        self._types[t].add(s)
            subs = defaultdict(list)
            for s, supers in self.objects(to_ox(RDFS.subClassOf)).items():
                for sup in supers:
                    subs[sup].append(s)
            seen, todo = {cls}, [cls]
            while todo:
                for s in subs.get(todo.pop(), ()):
                    if s not in seen:
                        seen.add(s)
                        todo.append(s)
            found = set()
            for c in seen:
                found |= self._types.get(c, set())
            self._instances[cls] = found
        return found

    def focus_nodes(self, shape: _Shape) -> set:
        out: set = set()
        for p, vals in shape.targets.items():
            for v in vals:
                if p == SH.targetNode:
                    out.add(to_ox(v))
                elif p == SH.targetClass:
                    if not isinstance(v, Literal):
                        out |= self.instances(to_ox(v))
                elif isinstance(v, URIRef):
                    d = self.objects(to_ox(v))
                    if p == SH.targetSubjectsOf:
                        out.update(d)
                    else:
                        for objs in d.values():
                            out.update(objs)
        return out

    def value_nodes(self, shape: _Shape, focus: Iterable) -> dict:
        if shape.path is None:
            return {f: (f,) for f in focus}
        maps = [self.objects(p) for p in shape.path]
        if len(maps) == 1:  # a predicate's objects of a node are distinct (a graph is a set)
            m = maps[0]
            return {f: m.get(f, ()) for f in focus}
        return {f: tuple(dict.fromkeys(v for m in maps for v in m.get(f, ()))) for f in focus}

    # checks

    def results(self, shape: _Shape, focus: Iterable) -> list:
        """Raw results of ``shape`` for the nodes ``focus``: (focus, shape, parameter, value, extra)."""
        focus = list(focus)
        if not focus:
            return []
        out: list = []
        values = self.value_nodes(shape, focus)
        for kind, arg in shape.checks:
            self._check(shape, kind, arg, values, out)
        for prop in shape.properties:
            out.extend(self.results(prop, focus))
        return out

    def failing(self, shape: _Shape, nodes) -> set:
        """The nodes among ``nodes`` that do not conform to ``shape``."""
        return {r[0] for r in self.results(shape, nodes)}

    def _value_test(self, kind, arg):
        if kind == SH["class"]:
            members = self.instances(to_ox(arg)) if not isinstance(arg, Literal) else set()
            return lambda v: not isinstance(v, ox.Literal) and v in members
        if kind == SH.datatype:
            return lambda v: _datatype_ok(self.rdf(v), arg)
        if kind == SH.nodeKind:
            return lambda v: _nodekind_ok(self.rdf(v), arg)
        if kind == SH.minLength:
            if not isinstance(arg, Literal) or not isinstance(arg.value, int) or arg.value < 0:
                raise UnsupportedShapes(f"sh:minLength {arg!r}")
            return lambda v: _min_length_ok(self.rdf(v), arg.value)
        if kind == SH.minInclusive:
            if not isinstance(arg, Literal):
                raise UnsupportedShapes(f"sh:minInclusive {arg!r}")
            return lambda v: _min_inclusive_ok(self.rdf(v), arg)
        if kind == SH.languageIn:
            return lambda v: _lang_in_ok(self.rdf(v), arg)
        if kind == SH["in"]:
            return lambda v: self.rdf(v) in arg
        return None

    def _check(self, shape: _Shape, kind, arg, values: dict, out: list) -> None:
        test = self._value_test(kind, arg)
        if test is not None:
            memo = self._memo.setdefault((kind, arg if not isinstance(arg, set) else id(arg)), {})
            for f, vs in values.items():
                for v in vs:
                    ok = memo.get(v)
                    if ok is None:
                        ok = memo[v] = test(v)
                    if not ok:
                        out.append((f, shape, kind, v, None))
        elif kind == SH.minCount:
            out.extend((f, shape, kind, None, None) for f, vs in values.items() if len(vs) < arg)
        elif kind == SH.maxCount:
            out.extend((f, shape, kind, None, None) for f, vs in values.items() if len(vs) > arg)
        elif kind == SH.uniqueLang:
            if not (isinstance(arg, Literal) and isinstance(arg.value, bool)):
                raise UnsupportedShapes(f"sh:uniqueLang {arg!r}")
            if arg.value:
                for f, vs in values.items():
                    seen: set[str] = set()
                    dup: set[str] = set()
                    for v in vs:
                        if isinstance(v, ox.Literal) and v.language:
                            low = str(self.rdf(v).language).lower()
                            (dup if low in seen else seen).add(low)
                    out.extend((f, shape, kind, None, None) for _ in dup)
        elif kind == SH.hasValue:
            for f, vs in values.items():
                if not any(self.rdf(v) == arg for v in vs):
                    out.append((f, shape, kind, None, None))
        elif kind == SH["or"]:
            todo = {v for vs in values.values() for v in vs}
            for member in arg:
                if not todo:
                    break
                todo &= self.failing(member, todo)
            for f, vs in values.items():
                out.extend((f, shape, kind, v, None) for v in vs if v in todo)
        elif kind == SH.qualifiedValueShape:
            qshape, lo, hi = arg
            everything = {v for vs in values.values() for v in vs}
            if not everything and (lo is None or lo < 1):
                return
            bad = self.failing(qshape, everything)
            for f, vs in values.items():
                n = sum(1 for v in vs if v not in bad)
                if hi is not None and n > hi:
                    out.append((f, shape, SH.qualifiedMaxCount, None, None))
                if lo is not None and n < lo:
                    out.append((f, shape, SH.qualifiedMinCount, None, None))
        elif kind == SH.sparql:
            self._sparql(shape, arg, list(values), out)
        else:  # pragma: no cover - the compiler lets no other kind through
            raise UnsupportedShapes(f"{kind}")

    def _sparql(self, shape: _Shape, c: _Sparql, focus: list, out: list) -> None:
        rows_of: dict = defaultdict(list)
        if c.bulk_safe(self.namespaces):
            wanted = set(focus)
            this = ox.Variable("this")
            res = self.st.query(c.text, prefixes=self.namespaces)
            assert isinstance(res, ox.QuerySolutions)
            names = [v.value for v in res.variables]
            for sol in res:
                t = sol[this]
                if t in wanted:
                    rows_of[t].append({n: sol[n] for n in names if sol[n] is not None})
        else:
            for f in focus:
                subs = {ox.Variable("this"): f} if c.binds_this else {}
                try:
                    res = self.st.query(c.text, prefixes=self.namespaces, substitutions=subs)
                except (RuntimeError, SyntaxError, ValueError) as e:  # pySHACL fails on Oxigraph too
                    raise UnsupportedShapes(f"SPARQL constraint {c.node}: {e}") from None
                if not isinstance(res, ox.QuerySolutions):
                    raise UnsupportedShapes(f"SPARQL constraint {c.node} is not a SELECT")
                names = [v.value for v in res.variables]
                rows_of[f] = [{n: sol[n] for n in names if sol[n] is not None} for sol in res]
        for f, rows in rows_of.items():
            seen: list = []
            for row in rows:  # pySHACL's _validate_sparql_query and _evaluate_sparql_constraint
                d = {k: self.rdf(v) for k, v in row.items()}
                p, v, t = d.pop("path", None), d.pop("value", None), d.pop("this", None)
                if p is None and v is None and t is None:
                    continue
                key = (t, p, v, d)
                if key in seen:
                    continue
                seen.append(key)
                value = v if v is not None else self.rdf(f)
                bound: dict = dict(d)
                if t is not None:
                    bound["this"] = t
                if p is not None:
                    bound["path"] = p
                bound["value"] = value
                focus_node = t if t is not None else self.rdf(f)
                out.append((to_ox(focus_node), shape, SH.sparql, to_ox(value), (c, p, bound)))

    # results as pySHACL words them

    def message(self, shape: _Shape, kind, arg, value, extra) -> str | None:
        if kind == SH.sparql:
            c, _p, bound = extra
            return _format(str(c.message.value), bound)
        if shape.messages:
            return str(shape.messages[0])
        return self.generic(shape, kind, arg)

    def generic(self, shape: _Shape, kind, arg) -> str:
        sg = self.sg
        sg.namespace_manager.bind("sh", SH, override=False, replace=False)

        def s(node) -> str:
            if isinstance(node, URIRef):
                try:
                    return node.n3(namespace_manager=sg.namespace_manager)
                except Exception:
                    return str(node)
            raise UnsupportedShapes(f"a generic message naming {node!r}")

        if kind == SH["class"]:
            rules = [a for k, a in shape.checks if k == SH["class"]]
            if len(rules) < 2:
                return f"Value does not have class {s(rules[0])}"
            return "Value class is not in classes ({})".format(", ".join(s(c) for c in rules))
        if kind == SH.datatype:
            return f"Value is not Literal with datatype {s(arg)}"
        if kind == SH.nodeKind:
            return f"Value is not of Node Kind {s(arg)}"
        if kind == SH.uniqueLang:
            return "More than one String shares the same Language"
        raise UnsupportedShapes(f"a generic message for {kind}")  # languageIn names a list: not worded here


def _component(kind) -> URIRef:
    if kind == SH.qualifiedMinCount:
        return SH.QualifiedMinCountConstraintComponent
    if kind == SH.qualifiedMaxCount:
        return SH.QualifiedMaxCountConstraintComponent
    return _COMPONENT[kind]


def validate_native(graph: Graph, shapes: Graph) -> tuple[bool, list[Result]]:
    """Whether ``graph`` conforms to ``shapes``, and its results, as pySHACL (with
    :data:`ccare.query.shacl.PYSHACL_OPTIONS`) would find them.

    Raises :class:`UnsupportedShapes` before any check when the shapes use something this
    engine does not check, or when ``graph`` is not the default graph of an Oxigraph store.
    """
    st = oxigraph_of(graph)
    if st is None:
        raise UnsupportedShapes("the map is not on an Oxigraph store (CCARE_STORE=memory or --store memory)")
    compiler = _Compiler(shapes)
    top = compiler.top()
    run = _Run(graph, st, shapes)
    raw: list = []
    for shape in top:
        raw.extend(run.results(shape, run.focus_nodes(shape)))
    results = []
    args = {}
    for shape, kind_args in ((s, s.checks) for s in compiler.shapes.values()):
        for kind, arg in kind_args:
            args[(id(shape), kind)] = arg
    for f, shape, kind, v, extra in raw:
        arg = args.get((id(shape), kind))
        path = extra[1] if kind == SH.sparql and extra[1] is not None else shape.path_term
        results.append(Result(
            focus=run.rdf(f), shape=shape.node,
            component=_component(kind), message=run.message(shape, kind, arg, v, extra),
            path=path, value=None if v is None else run.rdf(v), severity=shape.severity))
    return not results, results

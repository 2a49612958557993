"""ccare's SHACL engine against pySHACL (the reference): the same report on every map of a corpus.

The corpus: the shipped map, the examples, small synthetic maps, hand-written broken maps
that together break every (shape, constraint component) of the shipped shapes (checked
from pySHACL's own results, so a new shape without a broken map here fails), and
hypothesis mutations of the shipped map.  Each case compares whole reports
(:class:`ccare.query.shacl.Report`: verdict, violations in order) of
``validate(kb, engine="native")`` and ``validate(kb, engine="pyshacl")``.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from ccare.errors import UsageError
from ccare.kb.model import KnowledgeBase, load
from ccare.kb.synth import synth_turtle
from ccare.query import shacl
from ccare.query.shacl import _run_pyshacl, _shipped_shapes, validate
from ccare.query.shacl_native import UnsupportedShapes, validate_native
from ccare.rdfio.store import new_graph

ROOT = Path(__file__).resolve().parent.parent
PREFIXES = """
@prefix :     <https://w3id.org/ccare/id/> .
@prefix cc:   <https://w3id.org/ccare/ontology#> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
"""
EV = '[ cc:source :openday-2023 ; cc:line 1 ; cc:quote "x" ]'
TERM = f'rdfs:label "坏"@zh , "bad"@en ; skos:definition "bad"@en ; cc:evidence {EV}'

#: Broken maps (merged with the shipped map, as ``ccare validate FILE`` does); between
#: them every (shape, constraint component) of the shipped shapes is broken at least once.
BROKEN = {
    "products and flows": f"""
        # no cc:livesIn, no cc:serves, not a supporting product
        :bx-product-a a cc:OtherProduct ; {TERM} .
        # serves a need (not a value), lives in a need (not a domain), flows to a need
        :bx-product-b a cc:OtherProduct ; {TERM} ; cc:serves :scale ; cc:livesIn :scale ; cc:userFlowsTo :scale .
        # not a product, yet flows; supports without being an offering, and supports a literal
        :bx-thing cc:dataFlowsTo :bx-product-a ; cc:supports "text" ; cc:combinesWith :bx-product-a .
    """,
    "labels and evidence": f"""
        :bx-term-a a cc:Scene ; rdfs:label "scène"@fr ; cc:evidence {EV} .
        :bx-term-b a cc:Scene ; rdfs:label "a"@en , "b"@en , "甲"@zh , "乙"@zh ; skos:definition "plain" ;
            cc:evidence {EV} .
        :bx-term-c a cc:Scene ; rdfs:label "c"@en ; skos:definition "c"@en .
        :bx-term-d a cc:Scene ; rdfs:label "d"@en ; skos:definition "d"@en ;
            cc:evidence [ cc:line 0 ; cc:quote "" ] ,
                [ cc:source :openday-2023 , :scale ; cc:line 1 , 2 ; cc:quote "a" , "b" ] ,
                [ cc:source :openday-2023 ; cc:line "3" ; cc:quote "q"@en ] ,
                [ cc:source :openday-2023 ; cc:line "x"^^xsd:integer ; cc:quote 7 ] ,
                [ cc:source :openday-2023 ] .
    """,
    "assertions": f"""
        [] a cc:Assertion ; cc:rationale "why"@en .
        [] a cc:Assertion ; rdf:subject "lit" , :bx-a ; rdf:predicate "p" , cc:serves ; rdf:object :bx-x , :bx-y ;
            cc:inferred true , "yes" ; cc:rationale "plain" .
        [] a cc:Assertion ; rdf:subject :bx-a ; rdf:predicate cc:serves ; rdf:object :at-ease ; cc:inferred true ;
            cc:evidence {EV} .
        [] a cc:Assertion ; rdf:subject _:b1 ; rdf:predicate cc:serves ; rdf:object :at-ease ;
            cc:inferred "0"^^xsd:boolean ; cc:evidence {EV} .
    """,
    "needs, values and quantities": f"""
        :bx-need a cc:Need ; {TERM} ; skos:notation "SCALE" , "BIG" .
        :bx-need2 a cc:Need ; {TERM} ; skos:notation "SCALE"@en .
        :bx-need3 a cc:Need ; {TERM} .
        :bx-value a cc:Value ; {TERM} .
        :bx-value2 a cc:Value ; {TERM} ; skos:broader :scale , :active .
        :bx-value3 a cc:Value ; {TERM} ; skos:broader :at-ease .
        :bx-q1 a cc:QuantitativeFact ; {TERM} .
        :bx-q2 a cc:QuantitativeFact ; {TERM} ; qudt:numericValue "10" , 5 ; qudt:unit "NUM" , unit:NUM ;
            cc:measures :zhima-credit ; cc:counts :users , :scale ; cc:bound :scale , :as-stated ;
            cc:status :scale , :users ; cc:asOf "2024" , "2023-01-01"^^xsd:date .
        :bx-q3 a cc:QuantitativeFact ; {TERM} ; qudt:numericValue "1e3"^^xsd:double , "x"^^xsd:decimal ;
            qudt:unit _:u ; cc:measures :zhima-credit ; cc:asOf "2024-13-01"^^xsd:date .
    """,
}


def _kb(text: str, tmp_path: Path, name: str) -> KnowledgeBase:
    f = tmp_path / f"{name}.ttl"
    f.write_text(PREFIXES + text, encoding="utf-8")
    return load([f], cache=False)


def _same(kb: KnowledgeBase) -> shacl.Report:
    """Both engines' reports of ``kb``: equal, ccare's own engine having run; pySHACL's."""
    native = validate(kb, engine="native", quotes=False)
    reference = validate(kb, engine="pyshacl", quotes=False)
    assert native.engine == "native" and reference.engine == "pyshacl"
    assert native.conforms == reference.conforms
    assert native.violations == reference.violations
    return reference


def test_shipped_map_and_examples():
    assert _same(load(cache=False)).conforms
    for f in sorted((ROOT / "examples").glob("*.ttl")):
        _same(load([f], cache=False))


@pytest.mark.parametrize("seed", [1, 2])
def test_synthetic_maps(tmp_path, seed):
    buf = io.StringIO()
    synth_turtle(buf, products=12, merchants=6, seed=seed, inferred_share=0.4)
    # break a few: an inferred relation without its rationale, a relation without evidence
    text = buf.getvalue()
    lines = [ln for n, ln in enumerate(text.splitlines()) if "cc:rationale" not in ln or n % 3]
    f = tmp_path / "s.ttl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kb = load([f], cache=False)
    _same(kb)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_maps(tmp_path, case):
    report = _same(_kb(BROKEN[case], tmp_path, "broken"))
    assert not report.conforms


#: SHACL Core and SPARQL constraint parameters -> the component pySHACL names in a result
_COMPONENTS = {
    SH["class"]: "ClassConstraintComponent", SH.datatype: "DatatypeConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent", SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent", SH.minExclusive: "MinExclusiveConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent", SH.maxExclusive: "MaxExclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent", SH.minLength: "MinLengthConstraintComponent",
    SH.maxLength: "MaxLengthConstraintComponent", SH.pattern: "PatternConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent", SH.uniqueLang: "UniqueLangConstraintComponent",
    SH.equals: "EqualsConstraintComponent", SH.disjoint: "DisjointConstraintComponent",
    SH.lessThan: "LessThanConstraintComponent", SH.lessThanOrEquals: "LessThanOrEqualsConstraintComponent",
    SH["not"]: "NotConstraintComponent", SH["and"]: "AndConstraintComponent", SH["or"]: "OrConstraintComponent",
    SH.xone: "XoneConstraintComponent", SH.node: "NodeConstraintComponent",
    SH.qualifiedMinCount: "QualifiedMinCountConstraintComponent",
    SH.qualifiedMaxCount: "QualifiedMaxCountConstraintComponent", SH.closed: "ClosedConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent", SH["in"]: "InConstraintComponent",
    SH.sparql: "SPARQLConstraintComponent",
}
#: sh: predicates of a shape that are not constraint parameters
_NOT_PARAMETERS = {SH.path, SH.property, SH.message, SH.name, SH.description, SH.severity, SH.order, SH.group,
                   SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.qualifiedValueShape,
                   SH.qualifiedValueShapesDisjoint, SH.flags, SH.ignoredProperties, SH.deactivated}


def _expected_pairs(sg: Graph) -> set:
    """(shape, component) of every constraint of the shipped shapes that reports: each
    targeted shape's own and its property shapes', read from the shapes graph."""
    targeted = {s for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
                for s in sg.subjects(p, None)}
    pairs = set()
    for top in targeted:
        for s in [top, *sg.objects(top, SH.property)]:
            for p in set(sg.predicates(s, None)):
                if not str(p).startswith(str(SH)) or p in _NOT_PARAMETERS:
                    continue
                assert p in _COMPONENTS, f"{p} is new here: add its component"
                pairs.add((s, _COMPONENTS[p]))
    return pairs


def test_broken_maps_break_every_constraint(tmp_path):
    sg = _shipped_shapes()
    expected = _expected_pairs(sg)
    assert len(expected) > 40  # the walk found the shapes
    seen = set()
    for case, text in BROKEN.items():
        _conforms, results = _run_pyshacl(_kb(text, tmp_path, "b").graph, sg)
        seen |= {(r.shape, str(r.component).rsplit("#", 1)[-1]) for r in results}
    missing = sorted((str(sg.value(s, SH.name) or s), c) for s, c in expected - seen)
    assert not missing, f"no broken map breaks these (shape, component): {missing}"
    assert (next(sg.subjects(SH.sparql, None)), "SPARQLConstraintComponent") in seen  # the evidence rule


# -- mutations of the shipped map

SHIPPED = sorted(load(cache=False).graph, key=lambda t: tuple(x.n3() for x in t))
IRIS = sorted({t[0] for t in SHIPPED if isinstance(t[0], URIRef)})
LANGS = ["en", "zh", "fr", "zh-Hans", "EN", None]
RETYPES = [None, XSD.integer, XSD.string, XSD.date, XSD.decimal, XSD.double, XSD.boolean, XSD.gYear]


def _mutate(triples: list, ops) -> list:
    out = list(triples)
    for op, i, j in ops:
        if not out:
            break
        k = i % len(out)
        s, p, o = out[k]
        if op == "drop":
            del out[k]
        elif op == "relang":  # another text in the same language, a copy in another, or the tag changed
            lits = [n for n, t in enumerate(out) if isinstance(t[2], Literal) and t[2].language]
            s, p, o = out[lits[i % len(lits)]]
            lang = LANGS[j % len(LANGS)]
            if j % 3 == 1:
                out.append((s, p, Literal(str(o) + "2", lang=o.language)))
            elif j % 3 == 2:
                out.append((s, p, Literal(str(o), lang=lang)))
            else:
                out[lits[i % len(lits)]] = (s, p, Literal(str(o), lang=lang))
        elif op == "retype":  # a literal with another datatype (ill-typed ones too)
            lits = [n for n, t in enumerate(out) if isinstance(t[2], Literal)]
            n = lits[i % len(lits)]
            s, p, o = out[n]
            dt = RETYPES[j % len(RETYPES)]
            out[n] = (s, p, Literal(str(o), datatype=dt) if dt else Literal(str(o), lang="en"))
        elif op == "repoint":  # the object: another node of the map (of another class), or a literal
            objs = [n for n, t in enumerate(out) if not isinstance(t[2], Literal)]
            n = objs[i % len(objs)]
            s, p, o = out[n]
            out[n] = (s, p, IRIS[j % len(IRIS)] if j % 5 else Literal(str(o)))
        elif op == "duplicate":  # a second value of the same property
            out.append((s, p, IRIS[j % len(IRIS)] if not isinstance(o, Literal) else Literal(str(o) + "!")))
    return out


def _kb_of(triples) -> KnowledgeBase:
    g = new_graph("oxigraph")
    for t in triples:
        g.add(t)
    return KnowledgeBase(g)


@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(["drop", "relang", "retype", "repoint", "duplicate"]),
                          st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=12))
def test_mutations_of_the_shipped_map(ops):
    _same(_kb_of(_mutate(SHIPPED, ops)))


def test_mutations_that_break_each_kind():
    # one mutation of each kind at several places: the examples above are few
    ops = [(op, i * 7919, i * 104729) for i in range(1, 9) for op in ("relang", "retype", "repoint", "duplicate")]
    report = _same(_kb_of(_mutate(SHIPPED, ops)))
    assert not report.conforms and len({v.rule for v in report.violations}) > 5


# -- shapes outside the supported part, and SPARQL run per focus node

def _tuples(results) -> Counter:
    return Counter((str(r.focus), str(r.shape), str(r.component), str(r.message), str(r.path), str(r.value),
                    str(r.severity)) for r in results)


def _compare(data: str, shapes: str) -> list:
    g = new_graph("oxigraph")
    g.parse(data=PREFIXES + data, format="turtle")
    sg = Graph().parse(data=PREFIXES + "@prefix sh: <http://www.w3.org/ns/shacl#> .\n" + shapes, format="turtle")
    conforms, results = validate_native(g, sg)
    ref_conforms, ref = _run_pyshacl(g, sg)
    assert conforms == ref_conforms
    assert _tuples(results) == _tuples(ref)
    return results


DATA = """
    :a cc:serves :b , :c ; rdfs:label "a"@en .  :b cc:serves :c .  :c a cc:Value .
    [] a cc:Assertion ; rdf:subject :a ; rdf:predicate cc:serves ; rdf:object :b ; cc:evidence [] .
"""


def test_sparql_per_node_when_not_provably_the_same():
    # OPTIONAL and LIMIT: a run for all nodes at once could differ, so it runs per node
    for select in ("SELECT $this ?o WHERE { $this cc:serves ?o OPTIONAL { ?o a ?t } FILTER(!BOUND(?t)) }",
                   "SELECT $this ?o WHERE { $this cc:serves ?o } LIMIT 1",
                   "SELECT ?this ?value WHERE { ?this cc:serves ?value FILTER NOT EXISTS { ?value a cc:Value } }"):
        results = _compare(DATA, f"""
            :S a sh:NodeShape ; sh:targetSubjectsOf cc:serves ;
              sh:sparql [ sh:message "{{$this}} serves {{?o}} {{?value}}" ; sh:prefixes :decl ; sh:select "{select}" ] .
            :decl sh:declare [ sh:prefix "cc" ; sh:namespace "https://w3id.org/ccare/ontology#"^^xsd:anyURI ] .
        """)
        assert results


def test_generic_messages_and_severity():
    _compare(DATA + ":d cc:serves 5 .", """
        :S a sh:NodeShape ; sh:targetSubjectsOf cc:serves ; sh:severity sh:Warning ;
          sh:property [ sh:path cc:serves ; sh:class cc:Value ] ,
                      [ sh:path rdfs:label ; sh:uniqueLang true ; sh:datatype rdf:langString ] ,
                      [ sh:path cc:serves ; sh:nodeKind sh:IRI ; sh:severity sh:Info ] .
        :T a sh:NodeShape ; sh:targetNode :zz , "lit" ; sh:class cc:Value , cc:Need .
    """)


@pytest.mark.parametrize("shape", [
    ":S a sh:NodeShape ; sh:targetSubjectsOf cc:serves ; sh:property [ sh:path cc:serves ; sh:pattern \"x\" ] .",
    ":S a sh:NodeShape ; sh:targetSubjectsOf cc:serves ; sh:property [ sh:path [ sh:inversePath cc:serves ] ;"
    " sh:minCount 1 ] .",
    ":S a sh:NodeShape ; sh:targetSubjectsOf cc:serves ; sh:property [ sh:path cc:serves ; sh:minCount 1 ] ;"
    " sh:deactivated true .",
    ":S a sh:NodeShape ; sh:targetSubjectsOf cc:serves ; sh:sparql [ sh:message \"m\" ;"
    " sh:select \"SELECT $this WHERE { $this ?p ?o MINUS { $this a ?t } }\" ] .",
    ":S a sh:NodeShape , rdfs:Class ; sh:property [ sh:path cc:serves ; sh:minCount 1 ] .",
    ":S a sh:NodeShape ; sh:targetSubjectsOf cc:serves ; sh:property [ sh:path cc:serves ; sh:minCount 3 ] .",
    ":S a sh:NodeShape ; sh:targetSubjectsOf cc:serves ; sh:message \"m\" ;"
    " sh:or ( :S [ sh:class cc:Value ] ) .",
])
def test_what_the_native_engine_refuses(shape):
    g = new_graph("oxigraph")
    g.parse(data=PREFIXES + DATA, format="turtle")
    sg = Graph().parse(data=PREFIXES + "@prefix sh: <http://www.w3.org/ns/shacl#> .\n" + shape, format="turtle")
    with pytest.raises(UnsupportedShapes):
        validate_native(g, sg)


def test_auto_falls_back_to_pyshacl_on_the_memory_store():
    g = new_graph("memory")
    g.parse(data=PREFIXES + DATA, format="turtle")
    kb = KnowledgeBase(g)
    report = validate(kb, quotes=False)
    assert report.engine == "pyshacl" and "Oxigraph" in report.fallback and not report.conforms
    with pytest.raises(UsageError):
        validate(kb, engine="native", quotes=False)
    with pytest.raises(UsageError):
        validate(kb, engine="fast")


def test_auto_uses_the_native_engine(tmp_path):
    kb = _kb(BROKEN["assertions"], tmp_path, "a")
    report = validate(kb, quotes=False)
    assert report.engine == "native" and report.fallback is None
    assert report.violations == validate(kb, engine="pyshacl", quotes=False).violations


def test_blank_node_focus_and_value_ids_match():
    g = new_graph("oxigraph")
    b = BNode()
    g.add((b, RDF.type, URIRef("https://w3id.org/ccare/ontology#Assertion")))
    report = _same(KnowledgeBase(g))
    assert {v.focus for v in report.violations} == {str(b)}

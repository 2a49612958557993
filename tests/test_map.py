"""The shipped map: files found, quotes verbatim, SHACL conformance, domain coverage."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, Literal
from rdflib.namespace import OWL, SKOS

from ccare import ontology
from ccare.kb.model import load, shipped_graph
from ccare.ontology import CC, ID, QUDT
from ccare.query.shacl import validate

SHIPPED = load()
G = SHIPPED.graph


def test_package_data_is_found():
    # an empty glob would silently check nothing
    assert [f.name for f in ontology.tbox_files()] == ["ccare.ttl"]
    assert len(ontology.kb_files()) >= 5
    assert [f.name for f in ontology.shape_files()] == ["ccare.shapes.ttl"]
    assert ontology.source_lines("alipay-openday-c-care-2023.zh.txt")[23].startswith("第二个是商家粉丝群")


def _all_evidence():
    out = []
    for ev in sorted(G.subjects(CC.quote, None), key=lambda e: (int(G.value(e, CC.line)), str(G.value(e, CC.quote)))):
        src = G.value(ev, CC.source)
        out.append((str(G.value(src, CC.file)), int(G.value(ev, CC.line)), str(G.value(ev, CC.quote))))
    return out


EVIDENCE = _all_evidence()


def test_there_is_evidence_to_check():
    assert len(EVIDENCE) > 150


@pytest.mark.parametrize("file,line,quote", EVIDENCE, ids=[f"L{ln}-{q[:12]}" for _, ln, q in EVIDENCE])
def test_quote_is_verbatim_on_its_line(file, line, quote):
    lines = ontology.source_lines(file)
    assert 1 <= line <= len(lines)
    assert quote and quote in lines[line - 1]


def test_shipped_map_conforms_to_shapes():
    report = validate(SHIPPED)
    assert report.conforms, [v.to_json() for v in report.violations]


def test_shapes_catch_a_bare_product(tmp_path):
    f = tmp_path / "bad.ttl"
    f.write_text(
        "@prefix : <https://w3id.org/ccare/id/> . @prefix cc: <https://w3id.org/ccare/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        ':rogue a cc:CoreProduct ; rdfs:label "rogue"@fr ; cc:serves :interactive .\n',
        encoding="utf-8",
    )
    report = validate(load([f]))
    assert not report.conforms
    rules = {(v.focus, v.rule) for v in report.violations}
    assert ("rogue", "label in Chinese or English") in rules  # a label in French alone names it for nobody
    assert ("rogue", "relation has evidence") in rules
    assert ("rogue", "product lives in a domain") in rules
    assert ("rogue", "entity has evidence") in rules


def test_shapes_catch_untyped_quantity_and_missing_rationale(tmp_path):
    f = tmp_path / "bad.ttl"
    f.write_text(
        """@prefix : <https://w3id.org/ccare/id/> . @prefix cc: <https://w3id.org/ccare/ontology#> .
        @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
        @prefix qudt: <http://qudt.org/schema/qudt/> . @prefix unit: <http://qudt.org/vocab/unit/> .
        :zhima-credit-users qudt:numericValue "lots" .
        [] a cc:Assertion ; rdf:subject :payment ; rdf:predicate cc:supports ; rdf:object :mini-program ;
           cc:inferred true ;
           cc:evidence [ cc:source :openday-2023 ; cc:line 14 ; cc:quote "支付" ] .
        """,
        encoding="utf-8",
    )
    report = validate(load([f]))
    msgs = {(v.focus, v.rule) for v in report.violations}
    assert ("zhima-credit-users", "typed number") in msgs
    assert any("rationale" in v.message for v in report.violations)


def test_every_term_has_zh_and_en_label_and_definition():
    terms = [s for s in G.subjects(RDF.type, None) if str(s).startswith((str(CC._NS), str(ID)))]
    assert len(terms) > 100
    for t in set(terms):
        if (t, RDF.type, CC.Assertion) in G:
            continue
        langs = {lit.language for lit in G.objects(t, RDFS.label)}
        assert {"zh", "en"} <= langs, t
        assert {lit.language for lit in G.objects(t, SKOS.definition)} >= {"zh", "en"}, t


def test_every_relation_triple_has_an_evidenced_assertion():
    from ccare.kb.model import RELATIONS

    for p in RELATIONS:
        for s, o in G.subject_objects(p):
            st = SHIPPED.statement(s, p, o)
            assert st.evidence, (s, p, o)
            if st.inferred:
                assert st.rationale, (s, p, o)


def test_inferred_relations_are_marked_and_explained():
    inferred = [a for a in G.subjects(RDF.type, CC.Assertion) if G.value(a, CC.inferred) == Literal(True)]
    assert inferred
    for a in inferred:
        assert G.value(a, CC.rationale) is not None


def test_vocabulary_is_a_defined_namespace():
    with pytest.raises(AttributeError):
        CC.servs  # noqa: B018 - a typo must not mint a new IRI


def test_domain_entities_are_present_with_their_types():
    expect = {
        "c-care": CC.OperatingModel, "customer": CC.CustomerAsset,
        "mini-program": CC.CoreProduct, "fan-group": CC.CoreProduct, "alipay-live": CC.CoreProduct,
        "zhima-credit": CC.CoreProduct, "mini-program-cloud": CC.CoreProduct, "qipan-miyun": CC.CoreProduct,
        "payment": CC.PaymentHub, "life-account": CC.OtherProduct, "ant-forest": CC.OtherProduct,
        "coupons": CC.OtherProduct, "member-operation": CC.Practice, "iot-devices": CC.OtherProduct,
        "ad-placement": CC.OtherProduct, "search-promotion": CC.OtherProduct,
        "fanxing-plan": CC.Programme, "fanxing-2": CC.Programme, "fanxing-3": CC.Programme,
        "public-domain": CC.Domain, "private-domain": CC.Domain,
        "online": CC.Scene, "offline": CC.Scene, "iot": CC.Scene,
        "global-advantage": CC.CoreAdvantage, "real-traffic-advantage": CC.CoreAdvantage,
        "lasting-operation-advantage": CC.CoreAdvantage, "full-chain-advantage": CC.CoreAdvantage,
        "laoxiangji": CC.Case,
    }
    for slug, cls in expect.items():
        assert (ID[slug], RDF.type, cls) in G, slug
    assert len(SHIPPED.instances(CC.CoreProduct)) == 6
    assert {SHIPPED.need_code(n) for n in SHIPPED.instances(CC.Need)} == {"SCALE", "ACTIVE", "WORTH", "EFFICIENCY"}
    values = SHIPPED.instances(CC.Value)
    assert len(values) == 8
    for v in values:  # each need has exactly two values
        assert G.value(v, SKOS.broader) is not None
    for n in SHIPPED.instances(CC.Need):
        assert len(list(G.subjects(SKOS.broader, n))) == 2


def test_every_number_of_the_source_is_a_typed_quantity():
    numbers = sorted(
        (G.value(f, QUDT.numericValue).toPython(), str(G.value(f, QUDT.unit)).rsplit("/", 1)[1])
        for f in SHIPPED.instances(CC.QuantitativeFact)
    )
    for lit in (G.value(f, QUDT.numericValue) for f in SHIPPED.instances(CC.QuantitativeFact)):
        assert isinstance(lit.toPython(), int), lit
    expected = [
        (700_000_000, "NUM"), (4000, "NUM"), (19, "NUM"), (3000, "NUM"), (22_000, "NUM"),
        (2_500_000_000, "NUM"), (37_000_000_000, "NUM"), (40_000, "NUM"), (5, "UNITLESS"),
        (10, "UNITLESS"), (4_000_000_000, "NUM"), (10, "PERCENT"), (10_000_000_000, "NUM"),
    ]
    assert numbers == sorted(expected)


def test_tbox_terms_are_classes_or_properties_with_domain_knowledge():
    classes = set(G.subjects(RDF.type, OWL.Class))
    for c in (CC.Need, CC.Value, CC.Product, CC.CoreProduct, CC.OtherProduct, CC.Programme, CC.Domain,
              CC.Scene, CC.CoreAdvantage, CC.Case, CC.QuantitativeFact, CC.CustomerAsset,
              CC.MerchantScale, CC.DigitalisationStage, CC.Industry, CC.Evidence, CC.Assertion):
        assert c in classes, c


def test_shipped_graph_is_fresh_each_time():
    a, b = shipped_graph(), shipped_graph()
    a.remove((None, None, None))
    assert len(b) > 1000

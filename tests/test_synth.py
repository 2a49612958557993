"""ccare synth: reproducible synthetic maps and portfolios that conform to the shapes."""

from __future__ import annotations

import io

import pytest
from rdflib import RDF, RDFS, Literal
from rdflib.namespace import SKOS

from ccare.kb.model import load
from ccare.kb.synth import SHIPPED_PRODUCTS, VALUES, product_id, synth_turtle
from ccare.ontology import CC, ID
from ccare.query.shacl import validate


def _text(**kw) -> str:
    out = io.StringIO()
    synth_turtle(out, **kw)
    return out.getvalue()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    f = tmp_path_factory.mktemp("synth") / "small.ttl"
    f.write_text(_text(products=8, merchants=12, seed=5, degree=3), encoding="utf-8")
    return load([f], cache=False)


def test_same_seed_same_bytes_other_seed_other_bytes():
    a = _text(products=20, merchants=30, seed=1)
    assert a == _text(products=20, merchants=30, seed=1)
    assert a != _text(products=20, merchants=30, seed=2)


def test_small_synthetic_map_conforms_to_the_shapes(small):
    report = validate(small)
    assert report.conforms, [v.to_json() for v in report.violations][:5]


def test_products_are_labelled_defined_evidenced_and_linked(small):
    g = small.graph
    products = [ID[product_id(i)] for i in range(1, 9)]
    for p in products:
        assert (p, RDF.type, CC.OtherProduct) in g
        assert {lit.language for lit in g.objects(p, RDFS.label)} == {"zh", "en"}
        assert g.value(p, SKOS.definition) is not None and small.entity_evidence(p)
        assert small.product_row(p).needs and list(g.objects(p, CC.livesIn))
        flows = [o for rel in (CC.userFlowsTo, CC.dataFlowsTo) for o in g.objects(p, rel)]
        assert len(flows) == 3 and p not in flows and set(flows) <= set(products)
        for rel in (CC.userFlowsTo, CC.dataFlowsTo):
            for o in g.objects(p, rel):
                st = small.statement(p, rel, o)
                assert st.evidence and (not st.inferred or st.rationale)


def test_merchants_have_the_portfolio_shape(small):
    g = small.graph
    merchants = small.instances(CC.Merchant)
    assert len(merchants) == 12
    products = {str(ID[p]) for p in SHIPPED_PRODUCTS} | {str(ID[product_id(i)]) for i in range(1, 9)}
    for m in merchants:
        assert isinstance(g.value(m, CC.merchantId), Literal)
        assert {lit.language for lit in g.objects(m, RDFS.label)} == {"zh", "en"}
        assert small.node_id(g.value(m, CC.hasScale)) in {"scale-small", "scale-medium", "scale-large"}
        assert small.node_id(g.value(m, CC.hasStage)) in {"stage-exploring", "stage-mature"}
        assert small.is_a(g.value(m, CC.inIndustry), CC.Industry)
        uses = {str(u) for u in g.objects(m, CC.uses)}
        assert uses and uses <= products


def test_synthetic_values_are_the_shipped_ones(kb):
    assert sorted(VALUES) == sorted(kb.node_id(v) for v in kb.instances(CC.Value))
    assert set(SHIPPED_PRODUCTS) <= {kb.node_id(p) for p in kb.instances(CC.Product)}


def test_degree_is_bounded_by_the_products():
    assert _text(products=1, degree=5).count("FlowsTo") == 0
    with pytest.raises(ValueError):
        _text(products=-1)


def test_cli_synth_writes_a_file_and_stdout(ccare, tmp_path):
    out = tmp_path / "s.ttl"
    r = ccare("synth", "--products", "3", "--merchants", "4", "--seed", "9", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("Wrote 3 products, 4 merchants and ")
    assert out.read_text(encoding="utf-8") == _text(products=3, merchants=4, seed=9)
    r = ccare("synth", "--products", "3", "--merchants", "4", "--seed", "9")
    assert r.stdout == _text(products=3, merchants=4, seed=9)
    assert ccare("synth", "--products", "-2").exit_code == 2

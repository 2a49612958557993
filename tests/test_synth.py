"""ccare synth: reproducible synthetic maps and portfolios that conform to the shapes."""

from __future__ import annotations

import io

import pytest
from rdflib import RDF, RDFS, Literal
from rdflib.namespace import SKOS

from ccare.kb.model import load
from ccare.kb.synth import SHIPPED_PRODUCTS, VALUES, product_id, programme_id, synth_turtle
from ccare.ontology import CC, ID
from ccare.query.shacl import validate


def _text(**kw) -> str:
    out = io.StringIO()
    synth_turtle(out, **kw)
    return out.getvalue()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    f = tmp_path_factory.mktemp("synth") / "small.ttl"
    f.write_text(_text(products=8, merchants=12, seed=32, degree=3), encoding="utf-8")
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
    supporting = {p for p in products if (p, RDF.type, CC.SupportingProduct) in g}
    carriers = [p for p in products if p not in supporting]
    assert supporting and carriers  # seed 32 draws every kind of product
    for p in products:
        assert (p, RDF.type, CC.OtherProduct) in g
        assert {lit.language for lit in g.objects(p, RDFS.label)} == {"zh", "en"}
        assert g.value(p, SKOS.definition) is not None and small.entity_evidence(p)
        assert small.product_row(p).needs
        flows = [o for rel in (CC.userFlowsTo, CC.dataFlowsTo) for o in g.objects(p, rel)]
        if p in supporting:  # works behind other products: no domain, no flows
            assert not list(g.objects(p, CC.livesIn)) and not flows
            assert set(g.objects(p, CC.supports)) and set(g.objects(p, CC.supports)) <= set(carriers)
            continue
        assert list(g.objects(p, CC.livesIn))
        synthetic = [o for o in flows if o in products]
        assert len(synthetic) == min(3, len(carriers) - 1) and p not in flows and set(synthetic) <= set(carriers)
        assert set(flows) - set(synthetic) <= {ID["payment"]}
        for rel in (CC.userFlowsTo, CC.dataFlowsTo, CC.supports):
            for o in g.objects(p, rel):
                st = small.statement(p, rel, o)
                assert st.evidence and (not st.inferred or st.rationale)


def test_larger_map_has_what_the_loop_semantics_use(tmp_path):
    """Supporting products, data-to-reach products, entry channels, programmes that suit some
    scales, flows to and from the payment hub, merchants without Alipay payment: and the
    portfolio questions they ask are real ones (loops through synthetic products, payment
    prescribed to a merchant that does not take it)."""
    from ccare.graph.build import to_networkx
    from ccare.portfolio.batch import run
    from ccare.portfolio.index import merchants

    f = tmp_path / "m.ttl"
    f.write_text(_text(products=60, merchants=200, seed=1), encoding="utf-8")
    kb = load([f], cache=False)
    g = kb.graph
    synthetic = {ID[product_id(i)] for i in range(1, 61)}
    for cls in (CC.SupportingProduct, CC.ReachActivator, CC.EntryChannel):
        assert set(g.subjects(RDF.type, cls)) & synthetic, cls
    progs = [ID[programme_id(i)] for i in (1,)]
    assert all((p, RDF.type, CC.Programme) in g and set(g.objects(p, CC.incentivises)) <= synthetic for p in progs)
    assert set(g.subjects(CC.userFlowsTo, ID["payment"])) & synthetic
    assert set(g.objects(ID["payment"], CC.userFlowsTo)) & synthetic
    assert set(g.objects(ID["payment"], CC.dataFlowsTo)) & synthetic
    G = to_networkx(kb)
    ms = merchants(kb, G)
    assert 0 < sum(not m.alipay_payment for m in ms) < len(ms)
    r = run(G, ms, "prescribe")
    assert any(set(x.answer.loop or ()) & {product_id(i) for i in range(1, 61)} for x in r.results)
    assert any("payment" in (x.add or ()) for x in r.results if not x.merchant.alipay_payment)
    assert r.questions > 100  # distinct questions, not a few shared ones


def test_merchants_have_the_portfolio_shape(small):
    g = small.graph
    merchants = small.instances(CC.Merchant)
    assert len(merchants) == 12
    products = ({str(ID[p]) for p in SHIPPED_PRODUCTS} | {str(ID[product_id(i)]) for i in range(1, 9)}
                | {str(ID[programme_id(1)])})
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
    with pytest.raises(ValueError):
        _text(products=3, supporting_share=0.7, reach_share=0.7)
    with pytest.raises(ValueError):
        _text(products=3, supporting_share=1.0, programmes=2)


def test_cli_synth_writes_a_file_and_stdout(ccare, tmp_path):
    out = tmp_path / "s.ttl"
    r = ccare("synth", "--products", "3", "--merchants", "4", "--seed", "9", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("Wrote 3 products, 4 merchants and ")
    assert out.read_text(encoding="utf-8") == _text(products=3, merchants=4, seed=9)
    r = ccare("synth", "--products", "3", "--merchants", "4", "--seed", "9")
    assert r.stdout == _text(products=3, merchants=4, seed=9)
    assert ccare("synth", "--products", "-2").exit_code == 2

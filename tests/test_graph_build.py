"""The map as a NetworkX graph: shape, determinism, no mutation, and the round trip to RDF."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from ccare.graph.build import FLOW_RELATIONS, flow_graph, node_entity, relation_iri, to_networkx, to_rdf_triples
from ccare.kb.model import load
from ccare.ontology import CC


def _relation_facts(kb, G):
    """The RDF triples between two entities of the map that are nodes of ``G``."""
    nodes = {URIRef(d["iri"]) for _, d in G.nodes(data=True)}
    return {(s, p, o) for s, p, o in kb.graph if s in nodes and o in nodes}


def _dump(triples):
    g = Graph()
    for t in triples:
        g.add(t)
    return g


def test_round_trip_gives_back_the_same_relation_facts(kb):
    G = to_networkx(kb)
    back, expected = _dump(to_rdf_triples(G)), _dump(_relation_facts(kb, G))
    if not isomorphic(back, expected):
        _, only_back, only_map = graph_diff(to_isomorphic(back), to_isomorphic(expected))
        raise AssertionError(
            "round trip differs\nonly in graph:\n" + only_back.serialize(format="nt")
            + "\nonly in map:\n" + only_map.serialize(format="nt")
        )
    assert len(back) > 100


def test_edges_carry_the_evidence_of_their_statement(kb):
    G = to_networkx(kb)
    checked = 0
    for u, v, key, d in G.edges(keys=True, data=True):
        st = kb.statement(URIRef(G.nodes[u]["iri"]), relation_iri(kb, key), URIRef(G.nodes[v]["iri"]))
        assert d["evidence"] == [e.to_json() for e in st.evidence]
        assert d["inferred"] == st.inferred and d["relation"] == key and d["iri"] == str(st.predicate)
        checked += 1
    assert checked == G.number_of_edges() > 100


def test_building_does_not_modify_the_map():
    kb = load()
    before = set(kb.graph)
    G1 = to_networkx(kb)
    assert set(kb.graph) == before
    G2 = to_networkx(kb)
    # a fixed order: two builds iterate alike
    assert list(G1.nodes) == list(G2.nodes)
    assert list(G1.edges(keys=True)) == list(G2.edges(keys=True))


def test_node_attributes_and_entity_json(kb):
    G = to_networkx(kb)
    d = G.nodes["alipay-live"]
    assert d["kind"] == "product" and d["needs"] == ["WORTH"]
    assert d["domains"] == ["private-domain", "public-domain"]
    assert d["type"] == "cc:CoreProduct"
    assert node_entity(G, "alipay-live") == kb.entity(kb.resolve("alipay-live")).to_json()


def test_flow_graph_is_a_view_of_products_and_flows(kb):
    G = to_networkx(kb)
    F = flow_graph(G)
    assert {k for _, _, k in F.edges(keys=True)} == set(FLOW_RELATIONS)
    assert all(G.nodes[n]["kind"] == "product" for n in F)
    flows = {(s, p, o) for s, p, o in kb.graph if p in (CC.userFlowsTo, CC.dataFlowsTo)}
    assert F.number_of_edges() == len(flows) == 21
    G.nodes["payment"]["marker"] = 1  # a view: it sees the graph it was made from
    assert F.nodes["payment"]["marker"] == 1


def test_entities_outside_the_map_namespace_become_nodes(tmp_path):
    f = tmp_path / "kiosk.ttl"
    f.write_text(
        "@prefix ex: <http://example.org/shop/> . @prefix : <https://w3id.org/ccare/id/> .\n"
        "@prefix cc: <https://w3id.org/ccare/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n'
        'ex:kiosk a cc:OtherProduct ; rdfs:label "自助机"@zh, "kiosk"@en .\n'
        "[] a cc:Assertion ; rdf:subject ex:kiosk ; rdf:predicate cc:userFlowsTo ; rdf:object :payment ;\n"
        '   cc:inferred false ; cc:evidence [ cc:source :openday-2023 ; cc:line 39 ; cc:quote "强化线下入口场景" ] .\n',
        encoding="utf-8",
    )
    kb = load([f])
    G = to_networkx(kb)
    (kiosk,) = [n for n, d in G.nodes(data=True) if d["iri"] == "http://example.org/shop/kiosk"]
    assert G.nodes[kiosk]["kind"] == "product"
    assert G.has_edge(kiosk, "payment", key="userFlowsTo")


def test_graph_package_is_a_library_without_click():
    import importlib
    import pkgutil

    import ccare.graph

    names = [m.name for m in pkgutil.iter_modules(ccare.graph.__path__, "ccare.graph.")]
    assert len(names) >= 10
    for name in names:
        mod = importlib.import_module(name)
        source = open(mod.__file__, encoding="utf-8").read()
        assert "import click" not in source and "print(" not in source, name
        assert mod.__all__ and all(hasattr(mod, a) for a in mod.__all__), name

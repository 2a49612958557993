"""Both stores give the same map: isomorphic graphs, the same answers, the same errors.

The whole suite runs on one store (``--store``, default oxigraph); these tests load the
same inputs on both and compare, so a difference between the stores fails here whichever
store the suite runs on.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDFS, XSD

from ccare.errors import DataError, UsageError
from ccare.graph.build import to_networkx
from ccare.kb.loader import materialise
from ccare.kb.model import load
from ccare.kb.synth import synth_turtle
from ccare.ontology import CC
from ccare.query.shacl import validate
from ccare.rdfio.store import STORES, OxigraphStore, kind_of, load_bytes, new_graph, oxigraph_of, store_kind
from graphs import assert_same_graph

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = ROOT / "examples" / "extension.ttl"


def assert_isomorphic(a: Graph, b: Graph) -> None:
    """rdflib's isomorphism, with a readable diff (slow with many blank nodes)."""
    if not isomorphic(a, b):
        _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
        raise AssertionError(
            "graphs differ\nonly in the first:\n" + only_a.serialize(format="nt")
            + "\nonly in the second:\n" + only_b.serialize(format="nt")
        )


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    f = tmp_path_factory.mktemp("synth") / "synth.ttl"
    with open(f, "w", encoding="utf-8") as out:
        synth_turtle(out, products=12, merchants=15, seed=3)
    return f


def _both(data=()):
    return {kind: load(data, store=kind, cache=False) for kind in STORES}


def test_store_kinds():
    assert STORES[0] == "oxigraph" and set(STORES) == {"oxigraph", "memory"}
    assert store_kind("Memory") == "memory"
    with pytest.raises(UsageError, match="unknown store 'disk'.*allowed: oxigraph, memory"):
        store_kind("disk")


def test_store_from_environment(monkeypatch):
    monkeypatch.setenv("CCARE_STORE", "memory")
    assert kind_of(load(cache=False).graph) == "memory"
    monkeypatch.setenv("CCARE_STORE", "oxigraph")
    kb = load(cache=False)
    assert kind_of(kb.graph) == "oxigraph" and isinstance(kb.graph.store, OxigraphStore)
    monkeypatch.setenv("CCARE_STORE", "rocks")
    with pytest.raises(UsageError, match="from CCARE_STORE"):
        load(cache=False)


@pytest.mark.parametrize("which", ["shipped", "extension", "synthetic"])
def test_both_stores_load_isomorphic_graphs(which, synthetic):
    data = {"shipped": (), "extension": (EXTENSION,), "synthetic": (synthetic,)}[which]
    kbs = _both(data)
    ox, mem = kbs["oxigraph"].graph, kbs["memory"].graph
    assert len(ox) == len(mem) > 1500
    assert_same_graph(ox, mem)


def test_terms_come_back_as_rdflib_writes_them():
    text = b"""@prefix ex: <http://ex/> .
    ex:a ex:plain "x" ; ex:typed "x"^^<http://www.w3.org/2001/XMLSchema#string> ; ex:lang "x"@zh-Hans ;
         ex:int 7 ; ex:dec 1.5 ; ex:bool true ; ex:date "2023-08-17"^^<http://www.w3.org/2001/XMLSchema#date> ;
         ex:blank [ ex:p ex:o ] .
    """
    graphs = {}
    for kind in STORES:
        g = new_graph(kind)
        load_bytes(g, text, "turtle", name="terms.ttl")
        graphs[kind] = g
    ox, mem = graphs["oxigraph"], graphs["memory"]
    assert_isomorphic(ox, mem)
    assert_same_graph(ox, mem)
    ground = {t for t in mem if not any(isinstance(x, BNode) for x in t)}
    assert ground == {t for t in ox if not any(isinstance(x, BNode) for x in t)}
    ex = "http://ex/"
    assert ox.value(URIRef(ex + "a"), URIRef(ex + "plain")) == Literal("x")
    assert ox.value(URIRef(ex + "a"), URIRef(ex + "typed")) == Literal("x")  # xsd:string is plain
    assert ox.value(URIRef(ex + "a"), URIRef(ex + "lang")) == Literal("x", lang="zh-hans")
    assert ox.value(URIRef(ex + "a"), URIRef(ex + "int")).toPython() == 7
    assert ox.value(URIRef(ex + "a"), URIRef(ex + "bool")) == Literal(True)
    assert (URIRef(ex + "a"), URIRef(ex + "date"), Literal("2023-08-17", datatype=XSD.date)) in ox


def test_oxigraph_graph_is_the_store_default_graph():
    g = new_graph("oxigraph")
    assert g.identifier == DATASET_DEFAULT_GRAPH_ID and oxigraph_of(g) is not None
    assert oxigraph_of(new_graph("memory")) is None
    g.add((URIRef("http://ex/a"), RDFS.label, Literal("a", lang="en")))
    assert len(g) == 1 and len(oxigraph_of(g)) == 1
    assert [r.l for r in g.query("SELECT ?l WHERE { ?s rdfs:label ?l }")] == [Literal("a", lang="en")]
    g.remove((None, RDFS.label, None))
    assert len(g) == 0


def test_same_graph_check_can_fail():
    a, b = new_graph("memory"), new_graph("memory")
    text = '<http://ex/a> <http://ex/p> [ <http://ex/q> "1" ] .'
    load_bytes(a, text, "turtle", name="a.ttl")
    load_bytes(b, text.replace('"1"', '"2"'), "turtle", name="b.ttl")
    with pytest.raises(AssertionError, match="only in the first"):
        assert_same_graph(a, b)


def test_materialise_is_idempotent_and_alike_on_both_stores():
    kbs = _both()
    for kb in kbs.values():
        before = len(kb.graph)
        materialise(kb.graph)
        assert len(kb.graph) == before
    assert_same_graph(kbs["oxigraph"].graph, kbs["memory"].graph)


def test_property_paths_do_not_recurse_on_oxigraph():
    # rdflib's own evaluator recurses once per step of p+ and overflows near 1,000 steps
    g = new_graph("oxigraph")
    chain = "".join(f"<http://ex/n{i}> <http://ex/next> <http://ex/n{i + 1}> .\n" for i in range(12_000))
    load_bytes(g, chain, "nt", name="chain.nt")
    (row,) = g.query("SELECT (COUNT(?x) AS ?n) WHERE { <http://ex/n0> <http://ex/next>+ ?x }")
    assert int(row.n) == 12_000


def _answers(kb) -> dict:
    return {
        "info": {k: v for k, v in kb.info().items() if k != "data_files"},
        "products": [r.to_json() for r in kb.products()],
        "describe": [kb.describe(kb.resolve(n)) for n in ("fan-group", "laoxiangji", "openday-2023", "smart-menu")],
        "facts": kb.list_entities(CC.QuantitativeFact),
    }


def test_the_knowledge_base_answers_alike_on_both_stores():
    kbs = _both((EXTENSION,))
    a, b = (json.dumps(_answers(kbs[k]), sort_keys=True, ensure_ascii=False) for k in STORES)
    assert a == b


def test_validation_reports_alike_on_both_stores(tmp_path):
    f = tmp_path / "bad.ttl"
    f.write_text(
        "@prefix : <https://w3id.org/ccare/id/> . @prefix cc: <https://w3id.org/ccare/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        ':rogue a cc:CoreProduct ; rdfs:label "rogue"@en ; cc:serves :interactive .\n',
        encoding="utf-8",
    )
    reports = {k: validate(kb) for k, kb in _both((f,)).items()}
    assert not reports["oxigraph"].conforms
    assert reports["oxigraph"].to_json() == reports["memory"].to_json()
    assert validate(load(store="oxigraph", cache=False)).conforms


def _reference_build():
    """ccare.graph.build.to_networkx as it was before it read in bulk (one lookup per node)."""
    spec = importlib.util.spec_from_file_location("reference_build", Path(__file__).parent / "reference_build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.to_networkx


def _graph_data(G):
    return list(G.nodes(data=True)), list(G.edges(keys=True, data=True))


@pytest.mark.parametrize("which", ["shipped", "extension", "synthetic"])
@pytest.mark.parametrize("kind", STORES)
def test_bulk_build_equals_the_per_node_build(kind, which, synthetic):
    data = {"shipped": (), "extension": (EXTENSION,), "synthetic": (synthetic,)}[which]
    kb = load(data, store=kind, cache=False)
    fast, slow = to_networkx(kb), _reference_build()(kb)
    assert _graph_data(fast) == _graph_data(slow)
    assert fast.number_of_edges() > 100


def test_build_is_alike_on_both_stores(synthetic):
    kbs = _both((synthetic,))
    assert _graph_data(to_networkx(kbs["oxigraph"])) == _graph_data(to_networkx(kbs["memory"]))


def _errors_on_both(f) -> dict:
    """Store kind -> the DataError message of loading ``f`` on it (each must fail)."""
    errors = {}
    for kind in STORES:
        with pytest.raises(DataError) as e:
            load([f], store=kind, cache=False)
        errors[kind] = str(e.value)
    return errors


@pytest.mark.parametrize(
    "name,text,line,column",
    [
        ("bad.ttl", '@prefix ex: <http://ex/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n', 3, None),
        ("bad.nt", "<http://a> <http://b> <http://c> .\n<http://a> <http://b> .\n", 2, None),
        ("bad.jsonld", '{"@id": "http://ex/a",\n "http://ex/b": }', 2, None),
    ],
)
def test_malformed_files_give_the_same_error_on_both_stores(tmp_path, name, text, line, column):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    errors = _errors_on_both(f)
    assert errors["oxigraph"] == errors["memory"]
    assert errors["oxigraph"].startswith(f"{f}, line {line}")


def test_long_literals_are_refused_on_both_stores(tmp_path, monkeypatch):
    monkeypatch.setenv("CCARE_MAX_LITERAL", "100")
    f = tmp_path / "long.ttl"
    # a file longer than the limit, so that the Oxigraph path has to look in the store
    f.write_text("<http://ex/a> <http://ex/b> <http://ex/c> .\n" * 5 + f'<http://ex/a> <http://ex/b> "{"x" * 150}" .\n',
                 encoding="utf-8")
    errors = _errors_on_both(f)
    assert errors["oxigraph"] == errors["memory"]
    assert "over the limit of 100" in errors["oxigraph"] and ", line 6" in errors["oxigraph"]


def test_triple_terms_are_refused_on_both_stores(tmp_path):
    f = tmp_path / "star.nt"
    f.write_text("<http://ex/a> <http://ex/b> <<( <http://ex/c> <http://ex/d> <http://ex/e> )>> .\n", encoding="utf-8")
    errors = _errors_on_both(f)
    assert errors["oxigraph"] == errors["memory"] and "not supported" in errors["oxigraph"]


def test_cli_store_option(ccare):
    for kind in STORES:
        d = ccare.json("--store", kind, "info")
        assert d["core_products"] == 6
    r = ccare("--store", "disk", "info")
    assert r.exit_code == 2 and "'disk' is not one of 'oxigraph', 'memory'" in r.output


_TANGLED = """@prefix : <https://w3id.org/ccare/id/> . @prefix cc: <https://w3id.org/ccare/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:tangle-a a cc:OtherProduct ; rdfs:label "tangle a"@en .
:tangle-b a cc:OtherProduct ; rdfs:label "tangle b"@en .
# stated once and inferred once: stated, with both pieces of evidence, sorted by line
[] a cc:Assertion ; rdf:subject :tangle-a ; rdf:predicate cc:userFlowsTo ; rdf:object :tangle-b ;
   cc:inferred true ; cc:rationale "zz" ; cc:evidence [ cc:source :openday-2023 ; cc:line 30 ; cc:quote "q30" ] .
[] a cc:Assertion ; rdf:subject :tangle-a ; rdf:predicate cc:userFlowsTo ; rdf:object :tangle-b ;
   cc:evidence [ cc:source :openday-2023 ; cc:line 12 ; cc:quote "q12" ] ,
               [ cc:source :openday-2023 ; cc:line 12 ; cc:quote "a12" ] .
# inferred twice: inferred, with the least rationale
[] a cc:Assertion ; rdf:subject :tangle-b ; rdf:predicate cc:dataFlowsTo ; rdf:object :tangle-a ;
   cc:inferred true ; cc:rationale "second" , "third" .
[] a cc:Assertion ; rdf:subject :tangle-b ; rdf:predicate cc:dataFlowsTo ; rdf:object :tangle-a ;
   cc:inferred true ; cc:rationale "first" .
# a literal object: an attribute of tangle-a
[] a cc:Assertion ; rdf:subject :tangle-a ; rdf:predicate rdfs:comment ; rdf:object "note"@en ; cc:inferred false ;
   cc:evidence [ cc:source :openday-2023 ; cc:line 5 ; cc:quote "q5" ] .
"""


def test_triples_with_several_assertions_read_alike_on_both_stores(tmp_path):
    f = tmp_path / "tangled.ttl"
    f.write_text(_TANGLED, encoding="utf-8")
    kbs = _both((f,))
    graphs = {k: to_networkx(kb) for k, kb in kbs.items()}
    assert _graph_data(graphs["oxigraph"]) == _graph_data(graphs["memory"])
    assert _graph_data(graphs["oxigraph"]) == _graph_data(_reference_build()(kbs["oxigraph"]))
    G = graphs["oxigraph"]
    stated = G.edges["tangle-a", "tangle-b", "userFlowsTo"]
    assert stated["inferred"] is False and stated["rationale"] is None
    assert [(e["line"], e["quote"]) for e in stated["evidence"]] == [(12, "a12"), (12, "q12"), (30, "q30")]
    inferred = G.edges["tangle-b", "tangle-a", "dataFlowsTo"]
    assert inferred["inferred"] is True and inferred["rationale"] == "first" and inferred["evidence"] == []
    for kb in kbs.values():
        (attr,) = kb.describe(kb.resolve("tangle-a"))["attributes"]
        assert attr == {"property": "rdfs:comment", "value": "note", "inferred": False, "rationale": None,
                        "evidence": [{"source": "openday-2023", "line": 5, "quote": "q5"}]}


# ---------------------------------------------------------------------- bulk reads: TSV decoding

import pyoxigraph as ox  # noqa: E402
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ccare.rdfio import bulk  # noqa: E402
from ccare.rdfio.store import from_ox  # noqa: E402

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=25)  # any character but lone surrogates
_LITERALS = st.one_of(
    _TEXT.map(Literal),
    st.builds(lambda t, lang: Literal(t, lang=lang), _TEXT,
              st.sampled_from(["en", "zh", "zh-Hans", "en-GB", "de-CH-1996", "sgn-BE-FR"])),
    st.integers(-10**30, 10**30).map(Literal),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(Literal),
    st.floats().map(lambda f: Literal(f, datatype=XSD.double)),
    st.booleans().map(Literal),
    # any text typed as anything: ill-typed lexical forms stay as written
    st.builds(lambda t, dt: Literal(t, datatype=dt), _TEXT,
              st.sampled_from([XSD.integer, XSD.decimal, XSD.boolean, XSD.date, XSD.string, URIRef("http://ex/dt")])),
)
_OBJECTS = st.one_of(_LITERALS, st.sampled_from([URIRef("http://ex/o"), URIRef("http://ex/ö?q=1#f")]),
                     st.sampled_from([BNode("b1"), BNode("b2")]))


def _oracle(store, query: str, shape: str) -> list:
    """The rows as pyoxigraph's own term objects give them (the slow path bulk.rows avoids)."""
    def key(t):
        if t is None:
            return None
        if isinstance(t, ox.NamedNode):
            return t.value
        if isinstance(t, ox.BlankNode):
            return "_:" + t.value
        return from_ox(t)

    forms = {"t": from_ox, "k": key, "l": lambda t: t.value if isinstance(t, ox.Literal) else key(t)}
    return [tuple(None if t is None else forms[c](t) for c, t in zip(shape, sol)) for sol in store.query(query)]



@pytest.mark.filterwarnings("ignore:Parsing weird boolean")  # rdflib, on the ill-typed booleans made on purpose
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_OBJECTS, min_size=1, max_size=12))
@example([Literal('tab\there "q" \\u0041 \\\\ back\\ new\nline\r\x00\x7f 中文 😀'), Literal("\t", lang="zh-Hans"),
          Literal("1.0E0", datatype=XSD.double), Literal("  3", datatype=XSD.integer), Literal(True), Literal(-5)])
def test_bulk_rows_decode_every_term_as_oxigraph_gives_it(objects):
    g = new_graph("oxigraph")
    for i, o in enumerate(objects):
        g.add((URIRef(f"http://ex/s{i % 3}"), URIRef("http://ex/p"), o))
    store = oxigraph_of(g)
    q = "SELECT ?s ?o ?none WHERE { ?s <http://ex/p> ?o OPTIONAL { ?s <http://ex/nothing> ?none } }"
    for shape in ("ttt", "kkk", "lll", "tkl"):
        assert bulk.rows(g, q, shape) == _oracle(store, q, shape)
    assert bulk.rows(g, "SELECT ?o WHERE { ?s ?p ?o }", "k") == _oracle(store, "SELECT ?o WHERE { ?s ?p ?o }", "k")
    assert len(bulk.rows(g, "SELECT ?o WHERE { ?s ?p ?o }")) == len(g)


def test_bulk_rows_of_empty_and_unbound_answers():
    g = new_graph("oxigraph")
    assert bulk.rows(g, "SELECT ?x WHERE { ?x ?p ?o }") == []
    assert (
        bulk.rows(g, "SELECT ?x ?y WHERE { VALUES (?x ?y) { (UNDEF UNDEF) (UNDEF UNDEF) } }", "kl")
        == [(None, None)] * 2
    )
    assert bulk.rows(g, "SELECT * WHERE { }") == [()]


_RELATIONS = """@prefix : <https://w3id.org/ccare/id/> . @prefix cc: <https://w3id.org/ccare/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
# evidenced: conforms
:rx cc:userFlowsTo :ry .
[] a cc:Assertion ; rdf:subject :rx ; rdf:predicate cc:userFlowsTo ; rdf:object :ry ;
   cc:inferred false ; cc:evidence [ cc:source :openday-2023 ; cc:line 3 ; cc:quote "q" ] .
# an assertion of another predicate between the same nodes does not cover it
:rx cc:dataFlowsTo :ry .
# an assertion without evidence does not cover it
:ry cc:userFlowsTo :rx .
[] a cc:Assertion ; rdf:subject :ry ; rdf:predicate cc:userFlowsTo ; rdf:object :rx ; cc:inferred false .
# a description that is not typed cc:Assertion does not cover it
:ry cc:dataFlowsTo :rz .
[] rdf:subject :ry ; rdf:predicate cc:dataFlowsTo ; rdf:object :rz ;
   cc:evidence [ cc:source :openday-2023 ; cc:line 3 ; cc:quote "q" ] .
# merchants' own relations are not the map's
:merchant-Z a cc:Merchant ; cc:uses :rz .
"""


def test_relation_evidence_rule_alike_on_both_stores(tmp_path):
    """The SPARQL constraint "relation has evidence" (written as a nested test for speed)
    reports exactly the relations without an evidenced cc:Assertion of their own."""
    f = tmp_path / "relations.ttl"
    f.write_text(_RELATIONS, encoding="utf-8")
    found = {}
    for kind, kb in _both((f,)).items():
        found[kind] = sorted(v.message for v in validate(kb).violations if v.rule == "relation has evidence")
    tail = "has no evidence: describe it with a cc:Assertion carrying cc:evidence"
    assert found["oxigraph"] == found["memory"] == [
        f"the relation cc:dataFlowsTo ry {tail}", f"the relation cc:dataFlowsTo rz {tail}",
        f"the relation cc:userFlowsTo rx {tail}"]

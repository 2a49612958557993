"""The map parsed once without a store (``ccare.rdfio.parsed``) gives what the store gives.

Without the parse cache, :func:`ccare.kb.model.load` reads Turtle, N-Triples, N-Quads and
TriG once with Oxigraph's parser, builds the indexes and the NetworkX graph from that, and
fills the store only on first use of ``kb.graph``.  These tests hold that path to the store
path it replaces (``build_graph``, then the same code over the store): the same NetworkX
graph (nodes, edges, keys, attributes, insertion order), the same indexes, the same graph
once filled, and the same error for every malformed input.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode

from ccare.errors import DataError
from ccare.graph.build import to_networkx
from ccare.kb.loader import build_graph, read_inputs
from ccare.kb.model import KnowledgeBase, load
from ccare.kb.synth import synth_turtle
from ccare.rdfio import bulk
from ccare.rdfio.parsed import ParsedMap
from ccare.rdfio.store import STORES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.ttl"))
HOSTILE = ROOT / "tests" / "data" / "hostile"


def _store_kb(data, kind) -> KnowledgeBase:
    """The map of ``data`` on a ``kind`` store, as before: parsed into the store first."""
    return KnowledgeBase(build_graph(read_inputs(data), kind), sources=[str(p) for p in data])


def _parsed_kb(data, kind) -> KnowledgeBase:
    kb = load(data, store=kind, cache=False)
    assert isinstance(kb.reads, ParsedMap)  # the store is not filled yet
    return kb


def _assert_same_graph(a, b) -> None:
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))
    assert a.graph == b.graph


def _named(index: dict) -> dict:
    return {k: v for k, v in index.items() if not (type(k) is str and k.startswith("_:"))}


def _assert_same(data, kind) -> None:
    before, now = _store_kb(data, kind), _parsed_kb(data, kind)
    _assert_same_graph(to_networkx(before), to_networkx(now))
    assert isinstance(now.reads, ParsedMap), "building the graph filled the store"
    # blank nodes (assertions, evidence) have new ids on every parse: compared through what
    # they describe
    assert _named(now.evidence_index) == _named(before.evidence_index)
    triples = before._assertion_index[0]
    assert set(now._assertion_index[0]) == set(triples)
    assert [now.triple_facts(*t) for t in triples] == [before.triple_facts(*t) for t in triples]
    assert now.superclasses == before.superclasses
    assert now._name_index == before._name_index
    assert sorted(bulk.types(now.reads)) == sorted(bulk.types(before.graph))


@pytest.mark.parametrize("kind", STORES)
def test_shipped_map_builds_alike(kind):
    _assert_same([], kind)


@pytest.mark.parametrize("kind", STORES)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_build_alike(example, kind):
    _assert_same([example], kind)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), products=st.integers(2, 30), merchants=st.integers(1, 30),
       kind=st.sampled_from(STORES))
def test_synthetic_maps_build_alike(seed, products, merchants, kind):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "synth.ttl"
        with open(path, "w", encoding="utf-8") as f:
            synth_turtle(f, products=products, merchants=merchants, seed=seed)
        _assert_same([path], kind)


_LITERALS = """
@prefix : <https://w3id.org/ccare/id/> .
@prefix cc: <https://w3id.org/ccare/ontology#> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

:t-fact a cc:QuantitativeFact ; rdfs:label "测试"@ZH , "test"@en ;
    qudt:numericValue "1.50"^^xsd:decimal ; cc:asOf "2023-08-17"^^xsd:date ;
    cc:measures :fan-group ;
    cc:evidence [ cc:source :synth-source ; cc:line "+07"^^xsd:integer ; cc:quote "测试" ] .
:t-product a cc:OtherProduct ; rdfs:label "测试产品"@zh .
[] a cc:Assertion ; rdf:subject :t-product ; rdf:predicate cc:userFlowsTo ; rdf:object :fan-group ;
    cc:inferred "1"^^xsd:boolean ; cc:rationale "两种说法"@zh , "two rationales"@en , "plain" ;
    cc:evidence [ cc:source :synth-source ; cc:line "5"^^xsd:int ; cc:quote "a" , "b" ] .
[] a cc:Assertion ; rdf:subject :t-product ; rdf:predicate cc:serves ; rdf:object "01"^^xsd:integer ;
    cc:evidence [ cc:source :synth-source ; cc:line 3 ; cc:quote "c" ] .
:t-product cc:userFlowsTo :fan-group .
:t-product cc:userFlowsTo :fan-group .
"""


@pytest.mark.parametrize("kind", STORES)
def test_typed_literals_and_repeats_read_as_the_store_keeps_them(tmp_path, kind):
    """Oxigraph's store keeps typed literals in canonical form (``+07`` as ``7``,
    ``"5"^^xsd:int`` as an ``xsd:integer``, ``"1"^^xsd:boolean`` as ``true``); the parsed
    map reads them so too.  Repeated triples, two rationales and two quotes read alike."""
    f = tmp_path / "literals.ttl"
    f.write_text(_LITERALS, encoding="utf-8")
    _assert_same([f], kind)
    kb = _parsed_kb([f], kind)
    G = to_networkx(kb)
    assert G.nodes["t-fact"]["evidence"][0]["line"] == 7
    assert G.edges["t-product", "fan-group", "userFlowsTo"]["inferred"] is True


def test_the_graph_is_filled_on_first_use_with_the_same_triples():
    """``kb.graph`` fills the store once, from the inputs; the triples are the store
    path's (blank nodes aside), and the bulk reads answer from the store after that."""
    data = [EXAMPLES[0]]
    before, now = _store_kb(data, "oxigraph"), _parsed_kb(data, "oxigraph")
    G = to_networkx(now)
    g = now.graph
    assert now.reads is g and now.graph is g
    assert len(g) == len(before.graph)

    def named(graph):
        return {t for t in graph if not any(isinstance(x, BNode) for x in t)}

    assert named(g) == named(before.graph)
    _assert_same_graph(to_networkx(now), G)


def test_a_knowledge_base_needs_both_parts_of_a_parsed_map():
    with pytest.raises(ValueError):
        KnowledgeBase(build_graph([], "oxigraph"), parsed=ParsedMap())


def _rdf_cases():
    cases = []
    for expect in sorted(HOSTILE.glob("*.expect")):
        name = expect.name.removesuffix(".expect")
        if Path(name).suffix in (".ttl", ".nt", ".nq", ".trig"):
            env = dict(line.removeprefix("env: ").split("=", 1) for line in expect.read_text("utf-8").splitlines()
                       if line.startswith("env: "))
            cases.append(pytest.param(name, env, id=name))
    return cases


@pytest.mark.parametrize("name, env", _rdf_cases())
def test_malformed_inputs_fail_alike(name, env, monkeypatch):
    """Every Turtle, N-Triples, N-Quads or TriG file of the hostile corpus gives the same
    error (message, file, line, column) parsed once as parsed into the store."""
    monkeypatch.chdir(HOSTILE)
    for var in ("CCARE_MAX_FILE_SIZE", "CCARE_MAX_LITERAL", "CCARE_MAX_DEPTH"):
        monkeypatch.delenv(var, raising=False)
    for var, val in env.items():
        monkeypatch.setenv(var, val)

    def outcome(make):
        try:
            make()
        except DataError as e:
            return "error", str(e), e.line, e.column
        except Exception as e:  # a usage error from a bad limit, say: the same on both paths
            return type(e).__name__, str(e)
        return ("loaded",)

    before = outcome(lambda: _store_kb([name], "oxigraph"))
    now = outcome(lambda: load([name], cache=False))
    assert now == before


def test_the_corpus_has_line_format_cases():
    assert len(_rdf_cases()) >= 10


@pytest.mark.parametrize("text, why", [
    ("<http://ex/a> <http://ex/b> <<( <http://ex/c> <http://ex/d> <http://ex/e> )>> .", "triple term"),
    ('<http://ex/a> <http://ex/b> """%s""" .' % ("x" * 40), "long literal"),
    ("<http://ex/a> <http://ex/b> <http://ex/%s> ." % ("y" * 40), "long IRI"),
])
def test_refused_terms_fail_alike(tmp_path, monkeypatch, text, why):
    monkeypatch.setenv("CCARE_MAX_LITERAL", "30")
    f = tmp_path / "t.ttl"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as before:
        _store_kb([f], "oxigraph")
    with pytest.raises(DataError) as now:
        load([f], cache=False)
    assert (str(now.value), now.value.line, now.value.column) == (str(before.value), before.value.line,
                                                                   before.value.column), why


def test_other_formats_take_the_store_path(tmp_path):
    """JSON-LD (read whole) goes through a store as before."""
    f = tmp_path / "a.jsonld"
    f.write_text('{"@id": "https://w3id.org/ccare/id/x", "http://www.w3.org/2000/01/rdf-schema#label": "x"}',
                 encoding="utf-8")
    kb = load([f], cache=False)
    assert not isinstance(kb.reads, ParsedMap)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=80).map(lambda b: bytes(c for c in b if c in b"ab\n")) | st.text("ab\n", max_size=80)
       .map(str.encode), most=st.integers(-1, 30))
def test_lines_within_is_the_longest_line(data, most):
    from ccare.rdfio.store import _lines_within

    assert _lines_within(data, most) == (max(map(len, data.split(b"\n"))) <= most)


def test_no_parse_cache_entry_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("CCARE_CACHE_DIR", str(tmp_path))
    kb = load([EXAMPLES[0]], cache=False)
    to_networkx(kb)
    assert kb.cache_key is None
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".nq", ".pickle")]



class _Node:
    pass


def test_gc_paused_promotes_without_freezing():
    """What a paused block built goes to the oldest generation; nothing stays frozen, and
    a cycle made in the block is still collected by a full collection."""
    import gc
    import weakref

    was = gc.isenabled()
    with bulk.gc_paused():
        assert not gc.isenabled()
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle
        gone = weakref.ref(a)
    assert gc.isenabled() == was and gc.get_freeze_count() == 0
    del a, b
    gc.collect()
    assert gone() is None


def test_gc_paused_leaves_the_processes_frozen_objects_frozen():
    import gc

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with bulk.gc_paused():
            _ = [[i] for i in range(100)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()

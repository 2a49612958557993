"""Graph queries through the CLI, answering competency questions 4, 5, 7, 9 and 11.

Answers are checked against the graph itself (built here from the shipped map) and the
source text, never against copies of the expected output.
"""

from __future__ import annotations

import csv
import io
import itertools
import json

import networkx as nx
import pytest

from ccare.graph.build import FLOW_RELATIONS, flow_graph, to_networkx
from ccare.kb import NEED_CODES
from ccare.limits import EXIT_CUT_SHORT
from ccare.ontology import source_lines

SOURCE = source_lines("alipay-openday-c-care-2023.zh.txt")
PUBLIC, PRIVATE = "public-domain", "private-domain"


@pytest.fixture(scope="module")
def G():
    from ccare.kb import load

    return to_networkx(load())


def _flow_digraph(G, drop=()):
    F = flow_graph(G)
    D = nx.DiGraph()
    D.add_nodes_from(n for n in F if n not in drop)
    D.add_edges_from((u, v) for u, v in F.edges() if u not in drop and v not in drop)
    return D


def _needs(G, nodes):
    return {c for n in nodes for c in G.nodes[n]["needs"]}


def _domains(G, nodes):
    return {d for n in nodes for d in G.nodes[n]["domains"]}


def _canon(nodes):
    i = nodes.index(min(nodes))
    return tuple(nodes[i:] + nodes[:i])


def _brute_loops(G, needs=NEED_CODES, drop=(), max_length=8):
    """Operating loops by brute force: every simple cycle, filtered afterwards."""
    out = set()
    for c in nx.simple_cycles(_flow_digraph(G, drop), length_bound=max_length):
        if set(needs) <= _needs(G, c) and "payment" in c and {PUBLIC, PRIVATE} <= _domains(G, c):
            out.add(_canon(list(c)))
    return out


def _assert_quotes_on_lines(evidence):
    assert evidence
    for e in evidence:
        assert e["source"] == "openday-2023"
        assert e["quote"] in SOURCE[e["line"] - 1], e


def _assert_walk(G, w, closed):
    ids = [n["id"] for n in w["nodes"]]
    assert len(set(ids)) == len(ids)
    assert len(w["steps"]) == (len(ids) if closed else len(ids) - 1)
    for i, st in enumerate(w["steps"]):
        assert st["from"] == ids[i]
        assert st["to"] == ids[(i + 1) % len(ids)]
        assert G.has_edge(st["from"], st["to"], key=st["relation"]), st
        assert st["inferred"] == G.edges[st["from"], st["to"], st["relation"]]["inferred"]
        _assert_quotes_on_lines(st["evidence"])
    for n in w["nodes"]:
        assert set(n) >= {"id", "iri", "type", "labels"} and n["iri"] == G.nodes[n["id"]]["iri"]
    assert w["needs"] == [c for c in NEED_CODES if c in _needs(G, ids)]
    return ids


# -- CQ4: which operating loops close over all four needs -------------------------------

def test_cq4_loops_over_all_four_needs(ccare, G):
    loops = ccare.json("loops")
    got = []
    for w in loops:
        ids = _assert_walk(G, w, closed=True)
        assert set(NEED_CODES) <= _needs(G, ids)
        assert "payment" in ids and {PUBLIC, PRIVATE} <= _domains(G, ids)
        got.append(_canon(ids))
    assert len(set(got)) == len(got)
    assert set(got) == _brute_loops(G)
    assert len(got) == 6  # via Live or Zhima Credit, straight, through the fan group, or via coupons too
    sizes = [len(w["nodes"]) for w in loops]
    assert sizes == sorted(sizes) and sizes[0] == 4


def test_cq4_loops_table_step_by_step(ccare):
    r = ccare("loops", "--limit", "1")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert out.startswith("Loop 1: payment → Qipan Miyun →")
    assert "dataFlowsTo" in out and "userFlowsTo" in out
    assert "line 18 “往上可追溯消费来源,往下可综合分析消费习惯” [inferred]" in out
    assert "SCALE WORTH EFFICIENCY" in out  # what Qipan Miyun contributes
    assert "there are more" in r.stderr


def test_loops_fewer_needs_find_the_short_loop(ccare, G):
    loops = ccare.json("loops", "--needs", "scale,worth")
    assert [n["id"] for n in loops[0]["nodes"]] == ["payment", "qipan-miyun", "alipay-live"]
    assert {_canon([n["id"] for n in w["nodes"]]) for w in loops} == _brute_loops(G, needs=("SCALE", "WORTH"))


def test_loops_through_and_without(ccare, G):
    through = ccare.json("loops", "--through", "Zhima Credit")
    assert through and all("zhima-credit" in [n["id"] for n in w["nodes"]] for w in through)
    without = ccare.json("loops", "--without", "fan-group", "--without", "支付宝直播")
    ids = [[n["id"] for n in w["nodes"]] for w in without]
    assert ids == [["payment", "qipan-miyun", "zhima-credit", "mini-program"]]


def test_loops_switches(ccare, G):
    free = ccare.json("loops", "--needs", "WORTH", "--no-payment", "--any-domain", "--max-length", "3")
    assert [[n["id"] for n in w["nodes"]] for w in free] == [["payment", "qipan-miyun", "alipay-live"]]
    assert ccare.json("loops", "--max-length", "3") == []


def test_no_loop_is_a_sentence_and_exit_0(ccare):
    r = ccare("loops", "--max-length", "3")
    assert r.exit_code == 0
    assert r.output.startswith("No operating loop found (serving SCALE, ACTIVE, WORTH, EFFICIENCY; through payment")


# -- CQ5: a merchant with only a mini-program wants SCALE, ACTIVE and WORTH --------------

def _closes(G, has, needs, max_length=8):
    D = _flow_digraph(G).subgraph(has)
    for c in nx.simple_cycles(D, length_bound=max_length):
        if (set(needs) <= _needs(G, c) and "payment" in c and {PUBLIC, PRIVATE} <= _domains(G, c)
                and "mini-program" in c):
            return True
    return False


def test_cq5_smallest_prescription_for_a_mini_program(ccare, G):
    needs = ("SCALE", "ACTIVE", "WORTH")
    found = ccare.json("prescribe", "--has", "mini-program", "--needs", "SCALE,ACTIVE,WORTH")
    assert found
    others = sorted(n for n in flow_graph(G) if n != "mini-program")
    smallest = next(k for k in range(len(others) + 1)
                    if any(_closes(G, {"mini-program", *a}, needs) for a in itertools.combinations(others, k)))
    brute = {frozenset(a) for a in itertools.combinations(others, smallest)
             if _closes(G, {"mini-program", *a}, needs)}
    first = [p for p in found if len(p["add"]) == smallest]
    assert len(found[0]["add"]) == smallest == 3
    assert {frozenset(n["id"] for n in p["add"]) for p in first} == brute
    for p in found:
        add = [n["id"] for n in p["add"]]
        ids = _assert_walk(G, p["loop"], closed=True)
        assert "mini-program" in ids and set(add) <= set(ids) <= {"mini-program", *add}
        assert set(needs) <= _needs(G, ids)
        assert set(p["why"]) == set(add)
        for pid, reasons in p["why"].items():
            assert reasons
            kinds = {r["kind"] for r in reasons}
            assert "flow" in kinds
            for r in reasons:
                _assert_quotes_on_lines(r["evidence"])
                if r["kind"] == "need":
                    assert r["need"] in G.nodes[pid]["needs"] and r["need"] in needs
        assert "payment" in add and any(r["kind"] == "payment" for r in p["why"]["payment"])


def test_cq5_table_says_why(ccare):
    r = ccare("prescribe", "--has", "小程序", "--needs", "SCALE,ACTIVE,WORTH", "--limit", "1")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("Prescription 1: add Alipay Live, payment, Qipan Miyun (3 products)")
    assert "every operating loop passes through payment" in r.output
    assert "line 46 “支付成为了构建经营闭环的关键切口”" in r.output
    assert "Loop it closes: payment → Qipan Miyun → Alipay Live → mini-program → payment" in r.output


def test_prescribe_nothing_to_add_when_the_loop_closes(ccare, G):
    has = "mini-program,payment,qipan-miyun,zhima-credit"
    found = ccare.json("prescribe", "--has", has)
    assert len(found) == 1 and found[0]["add"] == [] and found[0]["why"] == {}
    _assert_walk(G, found[0]["loop"], closed=True)
    r = ccare("prescribe", "--has", has)
    assert r.exit_code == 0 and r.output.startswith("Nothing to add")


def test_prescribe_impossible_is_a_sentence(ccare):
    r = ccare("prescribe", "--has", "mini-program-cloud")
    assert r.exit_code == 0
    assert r.output.startswith("No operating loop can be closed through Mini-Program Cloud")


_SUITS = """@prefix : <https://w3id.org/ccare/id/> . @prefix cc: <https://w3id.org/ccare/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:notes a cc:Source ; rdfs:label "笔记"@zh, "notes"@en ; cc:file "notes.txt" .
:credit-boost a cc:Programme ; rdfs:label "信用扶持"@zh, "credit boost"@en .
[] a cc:Assertion ; rdf:subject :credit-boost ; rdf:predicate cc:suits ; rdf:object :scale-small ;
   cc:inferred false ; cc:evidence [ cc:source :notes ; cc:line 1 ; cc:quote "for small shops" ] .
[] a cc:Assertion ; rdf:subject :credit-boost ; rdf:predicate cc:incentivises ; rdf:object :zhima-credit ;
   cc:inferred false ; cc:evidence [ cc:source :notes ; cc:line 2 ; cc:quote "rewards credit reach" ] .
"""


def test_prescribe_scale_prefers_what_suits_the_merchant(ccare, tmp_path):
    f = tmp_path / "suits.ttl"
    f.write_text(_SUITS, encoding="utf-8")
    args = ["prescribe", "--has", "mini-program", "--needs", "SCALE,ACTIVE,WORTH", "--data", str(f)]
    plain = ccare.json(*args)
    small = ccare.json(*args, "--scale", "small")
    large = ccare.json(*args, "--scale", "large")
    ids = lambda p: sorted(n["id"] for n in p["add"])  # noqa: E731
    assert ids(plain[0]) == ["alipay-live", "payment", "qipan-miyun"]
    assert ids(large[0]) == ids(plain[0])
    assert ids(small[0]) == ["payment", "qipan-miyun", "zhima-credit"]
    assert sorted(map(ids, small)) == sorted(map(ids, plain))  # same sets, another order
    (profile,) = [r for r in small[0]["why"]["zhima-credit"] if r["kind"] == "profile"]
    assert profile["support"]["offering"] == "credit-boost" and profile["support"]["relation"] == "incentivises"
    assert [e["quote"] for e in profile["evidence"]] == ["for small shops", "rewards credit reach"]


_BREADTH = """@prefix : <https://w3id.org/ccare/id/> . @prefix cc: <https://w3id.org/ccare/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
[] a cc:Assertion ; rdf:subject :fan-group ; rdf:predicate cc:serves ; rdf:object :at-ease ;
   cc:inferred true ; cc:rationale "test"@en ;
   cc:evidence [ cc:source :openday-2023 ; cc:line 24 ; cc:quote "可帮助商家实现高质量关系维护" ] .
"""


def test_prescribe_mature_stage_prefers_broader_loops(ccare, tmp_path, G):
    f = tmp_path / "breadth.ttl"
    f.write_text(_BREADTH, encoding="utf-8")
    args = ["prescribe", "--has", "mini-program,fan-group", "--data", str(f), "--limit", "1"]
    compact = ccare.json(*args)[0]["loop"]
    broad = ccare.json(*args, "--stage", "mature")[0]["loop"]
    assert len(compact["nodes"]) == 4 and "fan-group" not in [n["id"] for n in compact["nodes"]]
    assert len(broad["nodes"]) == 5 and "fan-group" in [n["id"] for n in broad["nodes"]]
    assert ccare.json(*args, "--stage", "exploring")[0]["loop"] == compact


# -- gaps and coverage ----------------------------------------------------------------

def test_gaps_names_unserved_needs_values_and_missing_flows(ccare, G):
    d = ccare.json("gaps", "--has", "mini-program,fan-group")
    assert d["needs"]["unserved"] == ["WORTH", "EFFICIENCY"]
    assert d["needs"]["served"]["ACTIVE"] == ["fan-group", "mini-program"]
    unserved = {v["value"]["id"]: v for v in d["values"]["unserved"]}
    assert set(unserved) == {"identifiable", "convertible", "enhanceable", "at-ease", "efficient"}
    for vid, v in unserved.items():
        assert v["offered_by"] == sorted(u for u, _, k in G.in_edges(vid, keys=True) if k == "serves")
    assert [(s["from"], s["to"]) for s in d["flows"]] == [("mini-program", "fan-group")]
    assert d["closed"] is False and d["missing"]
    has = {"mini-program", "fan-group"}
    loop_steps = [(s["from"], s["to"]) for s in d["loop"]["steps"]]
    assert [(s["from"], s["to"]) for s in d["missing"]] == [st for st in loop_steps if not set(st) <= has]
    for s in d["missing"]:
        _assert_quotes_on_lines(s["evidence"])
    r = ccare("gaps", "--has", "mini-program,fan-group")
    assert r.exit_code == 0 and "The loop stays open" in r.output and "offered by" in r.output


def test_coverage_matrix_matches_the_graph(ccare, G):
    rows = ccare.json("coverage")
    products = sorted(n for n, k in G.nodes(data="kind") if k == "product")
    assert [r["id"] for r in rows] == products
    for r in rows:
        served = {v for v, ok in r["values"].items() if ok}
        assert served == {v for v in G.nodes[r["id"]]["values"]}
        assert len(r["values"]) == 8
        assert set(r["inferred"]) <= served
    text = ccare("coverage", "fan-group", "--format", "csv").stdout
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["id"] == "fan-group" and row["ACTIVE/interactive"] == "stated" and row["SCALE/reachable"] == ""
    r = ccare("coverage", "--lang", "zh")
    assert r.exit_code == 0 and "商家粉丝群" in r.output and "x：原文明示" in r.output


# -- CQ7: which product holds the map together ---------------------------------------

def test_cq7_rank_by_betweenness(ccare, G):
    ranked = ccare.json("rank")
    expected = nx.betweenness_centrality(_flow_digraph(G))
    assert [r["entity"]["id"] for r in ranked] == sorted(expected, key=lambda n: (-expected[n], n))
    for r in ranked:
        assert r["score"] == pytest.approx(expected[r["entity"]["id"]])
    top = ranked[0]
    assert top["entity"]["id"] == "payment"
    loops = ccare.json("loops")
    through = sum(1 for w in loops if "payment" in [n["id"] for n in w["nodes"]])
    assert f"{through} of the {len(loops)} operating loops pass through it" in top["why"]
    r = ccare("rank")
    assert r.exit_code == 0
    assert "\npayment lies on a shortest flow path for" in r.output


@pytest.mark.parametrize("by", ["pagerank", "degree"])
def test_rank_other_measures(ccare, G, by):
    ranked = ccare.json("rank", "--by", by)
    D = _flow_digraph(G)
    if by == "degree":
        expected = nx.degree_centrality(D)
    else:
        pr = getattr(nx.algorithms.link_analysis.pagerank_alg, "_pagerank_python", None)
        if pr is None:
            pytest.skip("this networkx has no pure-Python PageRank to compare with")
        expected = pr(D, tol=1e-12, max_iter=1000)
    for r in ranked:
        assert r["score"] == pytest.approx(expected[r["entity"]["id"]], abs=1e-8)
    scores = [r["score"] for r in ranked]
    assert scores == sorted(scores, reverse=True)
    rows = list(csv.reader(io.StringIO(ccare("rank", "--by", by, "--format", "csv").stdout)))
    assert rows[0] == ["rank", "id", "label", by] and rows[1][1] == ranked[0]["entity"]["id"]


# -- CQ9: from Zhima Credit to a payment ---------------------------------------------

def test_cq9_path_from_zhima_credit_to_payment(ccare, G):
    paths = ccare.json("path", "芝麻信用", "payment")
    D = _flow_digraph(G)
    shortest = nx.shortest_path_length(D, "zhima-credit", "payment")
    all_paths = sorted(nx.all_simple_paths(D, "zhima-credit", "payment"), key=len)
    assert len(paths[0]["steps"]) == shortest == 2
    assert len(paths) == min(4, len(all_paths))
    seen = []
    for w in paths:
        ids = _assert_walk(G, w, closed=False)
        assert ids[0] == "zhima-credit" and ids[-1] == "payment"
        seen.append(ids)
    assert [len(p) for p in seen] == sorted(len(p) for p in seen)
    assert len({tuple(p) for p in seen}) == len(seen)
    assert [len(p) for p in seen] == [len(p) for p in all_paths[: len(seen)]]


def test_path_k_and_via(ccare):
    assert len(ccare.json("path", "zhima-credit", "payment", "--k", "0")) == 1
    (p,) = ccare.json("path", "fan-group", "coupons", "--via", "combinesWith")
    assert [s["relation"] for s in p["steps"]] == ["combinesWith"]
    r = ccare("path", "fan-group", "coupons", "--via", "flowsTo")
    assert r.exit_code == 2
    assert "unknown relation 'flowsTo' (allowed:" in r.output and "userFlowsTo" in r.output


def test_no_path_is_a_sentence(ccare):
    r = ccare("path", "payment", "iot-devices")
    assert r.exit_code == 0
    assert r.output == "No path from payment to IoT smart devices over user or data flows.\n"
    assert ccare.json("path", "payment", "iot-devices") == []


# -- CQ11: what breaks if Alipay Live is dropped -----------------------------------------

def test_cq11_whatif_drop_alipay_live(ccare, G):
    d = ccare.json("whatif", "--drop", "Alipay Live")
    assert d["dropped"]["id"] == "alipay-live"
    lost = {_canon(_assert_walk(G, w, closed=True)) for w in d["lost"]}
    kept = {_canon(_assert_walk(G, w, closed=True)) for w in d["kept"]}
    assert all("alipay-live" in c for c in lost) and not any("alipay-live" in c for c in kept)
    assert lost | kept == _brute_loops(G)
    assert kept == _brute_loops(G, drop={"alipay-live"})
    assert len(lost) == 3 and len(kept) == 3
    without = ccare.json("loops", "--without", "alipay-live")
    assert [[n["id"] for n in w["nodes"]] for w in without] == [[n["id"] for n in w["nodes"]] for w in d["kept"]]
    r = ccare("whatif", "--drop", "alipay-live")
    assert r.exit_code == 0 and r.output.startswith("Dropping Alipay Live loses 3 of 6 operating loops and keeps 3.")


def test_whatif_names_products_cut_off_from_payment(ccare):
    d = ccare.json("whatif", "--drop", "mini-program")
    assert d["kept"] == [] and d["stranded"] == ["ant-forest", "zhima-credit"]


# -- bad input, limits, JSON contract --------------------------------------------------

@pytest.mark.parametrize(
    "args",
    [("loops", "--through", "fan grop"), ("prescribe", "--has", "mini-progam"), ("gaps", "--has", "zhima"),
     ("whatif", "--drop", "live"), ("coverage", "fan-groups"), ("path", "zhima credits", "payment")],
)
def test_unknown_product_exits_1_with_near_matches(ccare, args):
    r = ccare(*args)
    assert r.exit_code == 1, r.output
    assert r.output.startswith("Error: unknown ")
    assert "did you mean:" in r.output and "Traceback" not in r.output


def test_a_programme_is_not_a_product(ccare):
    r = ccare("whatif", "--drop", "fanxing-plan")
    assert r.exit_code == 1 and "unknown product 'fanxing-plan'" in r.output


@pytest.mark.parametrize("cmd", [["loops"], ["prescribe", "--has", "mini-program"], ["whatif", "--drop", "payment"]])
def test_unknown_need_and_bad_length_exit_2(ccare, cmd):
    r = ccare(*cmd, "--needs", "SCALE,HAPPY")
    assert r.exit_code == 2
    assert "unknown need 'HAPPY' (allowed: SCALE, ACTIVE, WORTH, EFFICIENCY)" in r.output
    r = ccare(*cmd, "--max-length", "0")
    assert r.exit_code == 2 and "0 is not in the range 1<=x<=20" in r.output
    r = ccare(*cmd, "--max-length", "many")
    assert r.exit_code == 2 and "'many' is not a valid integer" in r.output


@pytest.mark.parametrize(
    "cmd",
    [["loops"], ["prescribe", "--has", "fan-group"], ["whatif", "--drop", "fan-group"], ["gaps", "--has", "coupons"],
     ["rank"], ["path", "zhima-credit", "payment"]],
)
def test_cut_short_prints_what_was_found_and_exits_3(ccare, cmd):
    steps = "2" if cmd[0] == "path" else "20"  # a path search counts paths, a loop search nodes
    r = ccare(*cmd, "--max-steps", steps, "--format", "json")
    assert r.exit_code == EXIT_CUT_SHORT, r.output
    json.loads(r.stdout)  # what was found is still valid output
    assert f"Cut short: step limit {steps} reached" in r.stderr


def test_loops_cut_short_keeps_the_loops_found(ccare):
    full = ccare.json("loops")
    r = ccare("loops", "--max-steps", "30", "--format", "json")
    assert r.exit_code == EXIT_CUT_SHORT
    part = json.loads(r.stdout)
    assert 0 < len(part) < len(full) and all(w in full for w in part)
    t = ccare("loops", "--max-steps", "30")
    assert t.exit_code == EXIT_CUT_SHORT and t.stdout.startswith("Loop 1:")


def test_generous_timeout_is_not_cut_short(ccare):
    r = ccare("loops", "--timeout", "60")
    assert r.exit_code == 0 and not r.stderr
    assert ccare("loops", "--timeout", "0").exit_code == 2


def test_json_contract_of_a_loop(ccare):
    w = ccare.json("loops", "--limit", "1")[0]
    assert set(w) >= {"nodes", "steps", "needs"}
    assert set(w["nodes"][0]) >= {"id", "iri", "type", "labels"}
    assert w["nodes"][0]["type"] == "https://w3id.org/ccare/ontology#OtherProduct"
    assert set(w["nodes"][0]["labels"]) == {"zh", "en"}
    assert set(w["steps"][0]) >= {"from", "to", "relation", "evidence", "inferred"}
    assert w["steps"][0]["relation"] in FLOW_RELATIONS
    assert set(w["steps"][0]["evidence"][0]) == {"source", "line", "quote"}
    assert all(c in NEED_CODES for c in w["needs"])
    p = ccare.json("prescribe", "--has", "mini-program", "--limit", "1")[0]
    assert set(p) >= {"add", "loop"} and set(p["add"][0]) >= {"id", "iri", "type", "labels"}
    d = ccare.json("whatif", "--drop", "coupons")
    assert set(d) >= {"dropped", "lost", "kept"}
    r = ccare.json("rank")[0]
    assert set(r) >= {"entity", "score"} and isinstance(r["score"], float)

"""``ccare diff OLD NEW`` (issue 14): what changed between two maps, and for merchants.

Small modified copies of the shipped map are written into ``tmp_path`` (a flow removed,
a relation turned from stated to inferred, a fact's value changed, a product added) and
the diff must report exactly those, with labels, in Chinese and English; the loops gained
and lost and the prescriptions that change must be what the library computes directly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import ccare
from ccare import ontology
from ccare.api import Map
from ccare.graph.loops import LoopSpec, operating_loops
from ccare.graph.prescribe import prescriptions
from ccare.kb.model import load as load_kb
from ccare.portfolio.batch import run as run_portfolio
from ccare.portfolio.index import merchants
from test_zh import assert_chinese

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# the flow payment -> mini-program, one assertion of flows.ttl (with its rationale and evidence)
FLOW = re.compile(r"\[\] a cc:Assertion ; rdf:subject :payment ; rdf:predicate cc:userFlowsTo ; "
                  r"rdf:object :mini-program ;.*?\] \.\n", re.S)
STATED = ("rdf:subject :global-advantage ; rdf:predicate cc:carriedBy ; rdf:object :payment ;\n    cc:inferred false ;")
INFERRED = ("rdf:subject :global-advantage ; rdf:predicate cc:carriedBy ; rdf:object :payment ;\n"
            '    cc:inferred true ; cc:rationale "读作支付承载全局优势。"@zh , "Read as payment carrying it."@en ;')
NEW_PRODUCT = """@prefix : <https://w3id.org/ccare/id/> .
@prefix cc: <https://w3id.org/ccare/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
:smart-menu a cc:OtherProduct ; rdfs:label "扫码点单"@zh , "scan-to-order menu"@en ;
    skos:definition "扫桌码点单并用支付宝付款。"@zh , "Ordering by scanning a QR code at the table."@en ;
    cc:evidence [ cc:source :openday-2023 ; cc:line 39 ;
                  cc:quote "帮助商家更好的发挥支付环节的势能集聚势能,打造私域" ] .
[] a cc:Assertion ; rdf:subject :smart-menu ; rdf:predicate cc:livesIn ; rdf:object :private-domain ;
    cc:inferred false ; cc:evidence [ cc:source :openday-2023 ; cc:line 39 ; cc:quote "打造私域" ] .
[] a cc:Assertion ; rdf:subject :smart-menu ; rdf:predicate cc:serves ; rdf:object :convertible ;
    cc:inferred false ; cc:evidence [ cc:source :openday-2023 ; cc:line 39 ; cc:quote "打造私域" ] .
[] a cc:Assertion ; rdf:subject :payment ; rdf:predicate cc:userFlowsTo ; rdf:object :smart-menu ;
    cc:inferred false ; cc:evidence [ cc:source :openday-2023 ; cc:line 39 ; cc:quote "打造私域" ] .
[] a cc:Assertion ; rdf:subject :smart-menu ; rdf:predicate cc:userFlowsTo ; rdf:object :mini-program ;
    cc:inferred false ; cc:evidence [ cc:source :openday-2023 ; cc:line 39 ; cc:quote "打造私域" ] .
"""


def _copy_of_the_shipped_map(folder: Path, edits=None, extra: str | None = None) -> Path:
    """The shipped ontology and knowledge base, copied into ``folder`` (one folder of RDF
    files), ``edits`` {file name: function of its text} applied, ``extra`` Turtle added."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in [*ontology.tbox_files(), *ontology.kb_files()]:
        text = f.read_text(encoding="utf-8")
        if edits and f.name in edits:
            changed = edits[f.name](text)
            assert changed != text, f.name  # the edit found what it changes
            text = changed
        (folder / f.name).write_text(text, encoding="utf-8")
    if extra:
        (folder / "mine.ttl").write_text(extra, encoding="utf-8")
    (folder / "notes.txt").write_text("not RDF: left alone\n", encoding="utf-8")
    return folder


EDITS = {
    "flows.ttl": lambda text: FLOW.sub("", text, count=1),
    "advantages-and-case.ttl": lambda text: text.replace(STATED, INFERRED).replace(
        "qudt:numericValue 700000000 ;", "qudt:numericValue 800000000 ;"),
}


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    return _copy_of_the_shipped_map(tmp_path_factory.mktemp("edited") / "map", EDITS, NEW_PRODUCT)


def _loop_keys(G, spec=LoopSpec()):
    return {(w.nodes, frozenset(a.offering for a in w.attached)) for w in operating_loops(G, spec)}


def _json_loop_keys(loops):
    return {(tuple(n["id"] for n in w["nodes"]), frozenset(s["offering"] for s in w["supporting"])) for w in loops}


def _first(G, has, **kw):
    p = next(prescriptions(G, has, LoopSpec(), **kw), None)
    return None if p is None else (list(p.add), list(p.loop.nodes))


# ---------------------------------------------------------------------- nothing changed


def test_identical_maps_give_an_empty_diff_and_exit_0(ccare, tmp_path):
    copy = _copy_of_the_shipped_map(tmp_path / "copy")  # fresh blank nodes: compared by content
    for args in (["shipped", "shipped"], ["shipped", str(copy), "--whole-maps"],
                 [str(EXAMPLES / "extension.ttl"), str(EXAMPLES / "extension.ttl")]):
        r = ccare("diff", *args, "--format", "json", "--fail-on-change")
        assert r.exit_code == 0, r.output
        d = json.loads(r.stdout)
        assert d["changed"] is False and d["entities"] == [] and d["cut_short"] is None
        assert d["loops"]["gained"] == [] and d["loops"]["lost"] == [] and d["loops"]["old"] == d["loops"]["new"] > 0
    en = ccare("diff", "shipped", "shipped")
    assert en.exit_code == 0 and "No change: the two maps say the same, and prescribe the same." in en.stdout
    zh = ccare("diff", "shipped", "shipped", "--lang", "zh")
    assert "没有变化" in zh.stdout and "地图本身没有变化。" in zh.stdout


# ---------------------------------------------------------------------- what changed


def test_the_diff_reports_exactly_the_edits_with_labels(ccare, edited):
    r = ccare("diff", "shipped", str(edited), "--whole-maps", "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["changed"] is True
    found = {(e["id"], e["status"], c["what"], c["change"], c.get("relation"), (c.get("other") or {}).get("id"),
              c.get("field"), json.dumps(c.get("old")), json.dumps(c.get("new")))
             for e in d["entities"] for c in e["changes"]}
    assert found == {
        ("smart-menu", "added", "entity", "added", None, None, None, "null", "null"),
        ("smart-menu", "added", "relation", "added", "livesIn", "private-domain", None, "null", "null"),
        ("smart-menu", "added", "relation", "added", "serves", "convertible", None, "null", "null"),
        ("smart-menu", "added", "relation", "added", "userFlowsTo", "mini-program", None, "null", "null"),
        ("payment", "changed", "relation", "added", "userFlowsTo", "smart-menu", None, "null", "null"),
        ("payment", "changed", "relation", "removed", "userFlowsTo", "mini-program", None, "null", "null"),
        ("global-advantage", "changed", "relation", "now-inferred", "carriedBy", "payment", None, "null",
         json.dumps("Read as payment carrying it.")),
        ("zhima-credit-users", "changed", "fact", "changed", None, None, "value", "700000000", "800000000"),
    }
    groups = {e["id"]: e for e in d["entities"]}
    assert [e["id"] for e in d["entities"]][:2] == ["smart-menu", "payment"]  # products first, the new one first
    assert groups["smart-menu"]["labels"] == {"zh": "扫码点单", "en": "scan-to-order menu"}
    assert groups["smart-menu"]["product"] is True and groups["smart-menu"]["type"] == "cc:OtherProduct"
    removed = [c for c in groups["payment"]["changes"] if c["change"] == "removed"][0]
    assert removed["other"]["labels"] == {"zh": "小程序", "en": "mini-program"} and removed["inferred"] is True
    assert removed["evidence"] == [{"source": "openday-2023", "line": 39,
                                    "quote": "帮助商家更好的发挥支付环节的势能集聚势能,打造私域"}]


def test_the_tables_say_it_with_labels_in_both_languages(ccare, edited):
    en = ccare("diff", "shipped", str(edited), "--whole-maps", "--lang", "en")
    assert en.exit_code == 0, en.output
    out = en.stdout
    for text in ("scan-to-order menu [smart-menu]", "new product (cc:OtherProduct)",
                 "+ userFlowsTo → mini-program [mini-program]", "payment [payment]",
                 "− userFlowsTo → mini-program [mini-program]", "carriedBy → payment [payment]: stated → inferred",
                 "Zhima Credit users [zhima-credit-users]", "value: 700000000 → 800000000",
                 "What changed in the map (4 entities):"):
        assert text in out, text
    zh = ccare("diff", "shipped", str(edited), "--whole-maps", "--lang", "zh")
    assert zh.exit_code == 0, zh.output
    for text in ("扫码点单 [smart-menu]", "新产品（cc:OtherProduct）", "+ 用户流向 → 小程序 [mini-program]",
                 "− 用户流向 → 小程序 [mini-program]", "支付 [payment]", "：明示 → 推断",
                 "芝麻信用用户数 [zhima-credit-users]",
                 "数值：700000000 → 800000000", "地图的变化（4 个实体）："):
        assert text in zh.stdout, text
    assert_chinese(zh.output, "diff", allow=("shipped", "map"))


def test_loops_gained_and_lost_are_the_librarys(ccare, edited):
    d = json.loads(ccare("diff", "shipped", str(edited), "--whole-maps", "--format", "json").stdout)
    old, new = load_kb(), load_kb([str(p) for p in sorted(edited.glob("*.ttl"))], shipped=False)
    before, after = _loop_keys(Map(old).graph), _loop_keys(Map(new).graph)
    assert _json_loop_keys(d["loops"]["gained"]) == after - before
    assert _json_loop_keys(d["loops"]["lost"]) == before - after
    assert after - before and before - after  # the edits gain a loop and lose one
    assert (d["loops"]["old"], d["loops"]["new"]) == (len(before), len(after))
    assert (("payment", "mini-program"), frozenset({"mini-program-cloud"})) in before - after


def test_prescriptions_that_change_are_the_librarys(ccare, edited):
    r = ccare("diff", "shipped", str(edited), "--whole-maps", "--format", "json",
              "--has", "mini-program", "--has", "商家粉丝群,coupons", "--has", "smart-menu")
    d = json.loads(r.stdout)
    G_old = Map(load_kb()).graph
    G_new = Map(load_kb([str(p) for p in sorted(edited.glob("*.ttl"))], shipped=False)).graph
    got = {tuple(e["id"] for e in p["has"]): p for p in d["prescriptions"]}
    assert list(got) == [("mini-program",), ("fan-group", "coupons"), ("smart-menu",)]
    for has, p in got.items():
        for side, G in (("old", G_old), ("new", G_new)):
            mine = [n for n in has if n in G]
            expected = _first(G, mine)
            o = p[side]
            assert ([e["id"] for e in o["add"]], o["loop"]) == expected, (has, side)
        assert p["changed"] == (p["old"] != p["new"])
    assert got[("mini-program",)]["changed"] is True  # its loop through payment -> mini-program is gone
    assert got[("smart-menu",)]["missing_old"] == ["smart-menu"] and got[("smart-menu",)]["missing_new"] == []
    table = ccare("diff", "shipped", str(edited), "--whole-maps", "--has", "mini-program", "--lang", "zh").stdout
    assert "每组 --has 产品的首选处方：" in table and "新增小程序云：支付 → 小程序 → 支付" in table


def test_a_portfolios_merchants_whose_prescription_changes(ccare, edited, portfolio_ttl):
    r = ccare("diff", "shipped", str(edited), "--whole-maps", "--data", str(portfolio_ttl), "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    answers = []
    for kb in (load_kb([portfolio_ttl]), load_kb([*sorted(edited.glob("*.ttl")), portfolio_ttl], shipped=False)):
        G = Map(kb).graph
        answers.append({x.merchant.iri: x.answer for x in run_portfolio(G, merchants(kb, G), "prescribe").results})
    assert answers[0].keys() == answers[1].keys() and d["merchants"]["compared"] == len(answers[0])
    expected = {iri for iri in answers[0] if (answers[0][iri].add, answers[0][iri].loop, answers[0][iri].supporting)
                != (answers[1][iri].add, answers[1][iri].loop, answers[1][iri].supporting)}
    got = {m["merchant"]["iri"]: m for m in d["merchants"]["changed"]}
    assert set(got) == expected and expected  # some merchant's loop went with the flow
    from ccare.graph.diff import compare  # without portfolio.batch.run: asked one by one, the same answers

    sides = [ccare_load([portfolio_ttl]),
             Map(load_kb([*sorted(edited.glob("*.ttl")), portfolio_ttl], shipped=False))]
    plain = compare(*sides, merchants=merchants)
    assert {p.merchant["iri"] for p in plain.merchants} == expected and plain.merchants_compared == len(answers[0])
    for iri, m in got.items():
        for side, a in (("old", answers[0][iri]), ("new", answers[1][iri])):
            assert m[side]["status"] == a.status
            assert (m[side]["add"] is None and a.add is None) or [e["id"] for e in m[side]["add"]] == list(a.add)
            assert m[side]["loop"] == (list(a.loop) if a.loop is not None else None)


# ---------------------------------------------------------------------- merged sides, evidence


def _extension_v2(text: str) -> str:
    """The example extension with its evidence revised: a quote moved to another line, a
    quote on the same line changed, and one more quote for a relation."""
    text = text.replace('cc:line 4 ; cc:quote "桌码是商家自己的"', 'cc:line 5 ; cc:quote "桌码是商家自己的"')
    head, sep, tail = text.partition(":smart-menu a cc:OtherProduct ;")
    tail = tail.replace('cc:evidence [ cc:source :field-notes-2024 ; cc:line 3 ; cc:quote "扫码点单后直接支付" ] .',
                        'cc:evidence [ cc:source :field-notes-2024 ; cc:line 3 ; cc:quote "扫码点单" ] .', 1)
    return (head + sep + tail).replace(
        "rdf:object :payment ;\n    cc:inferred false ;\n    cc:evidence [",
        'rdf:object :payment ;\n    cc:inferred false ;\n    cc:evidence [ cc:source :field-notes-2024 ; cc:line 2 ; '
        'cc:quote "受访" ] , [')


def test_versions_that_differ_only_in_evidence(ccare, tmp_path):
    v1, v2 = tmp_path / "v1.ttl", tmp_path / "v2.ttl"
    text = (EXAMPLES / "extension.ttl").read_text(encoding="utf-8")
    v1.write_text(text, encoding="utf-8")
    v2.write_text(_extension_v2(text), encoding="utf-8")
    r = ccare("diff", str(v1), str(v2), "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["changed"] is True
    assert d["loops"]["gained"] == [] and d["loops"]["lost"] == [] and d["loops"]["old"] == d["loops"]["new"]
    (e,) = d["entities"]
    assert e["id"] == "smart-menu" and e["status"] == "changed"
    assert [(c["what"], c["change"], c.get("relation"), c.get("old"), c.get("new"), c["evidence"])
            for c in e["changes"]] == [
        ("evidence", "changed", None, "扫码点单后直接支付", "扫码点单",
         [{"source": "field-notes-2024", "line": 3, "quote": "扫码点单"}]),
        ("evidence", "moved", "livesIn", 4, 5,
         [{"source": "field-notes-2024", "line": 5, "quote": "桌码是商家自己的"}]),
        ("evidence", "added", "userFlowsTo", None, None, [{"source": "field-notes-2024", "line": 2, "quote": "受访"}]),
    ]
    en = ccare("diff", str(v1), str(v2)).stdout
    assert "evidence on line 3 changed: “扫码点单后直接支付” → “扫码点单”" in en
    assert "evidence of livesIn → private domain [private-domain] moved: line 4 → line 5" in en
    assert "evidence of userFlowsTo → payment [payment] added" in en
    assert "0 gained, 0 lost" in en
    zh = ccare("diff", str(v1), str(v2), "--lang", "zh").stdout
    assert "证据（所在域 → 私域 [private-domain]）换了行：第 4 行 → 第 5 行" in zh
    assert ccare("diff", str(v1), str(v2), "--fail-on-change").exit_code == 4


def test_the_shipped_map_and_the_extension(ccare):
    """The example extension adds a product, its flow and its source; no loop."""
    d = json.loads(ccare("diff", "shipped", str(EXAMPLES / "extension.ttl"), "--format", "json").stdout)
    assert [(e["id"], e["status"], e["product"]) for e in d["entities"]] == [
        ("smart-menu", "added", True), ("field-notes-2024", "added", False)]
    assert {(c["relation"], c["other"]["id"]) for c in d["entities"][0]["changes"] if c["what"] == "relation"} == {
        ("livesIn", "private-domain"), ("serves", "convertible"), ("userFlowsTo", "payment")}


def test_an_extension_with_a_product_and_two_flows_reports_the_loops_it_adds(ccare, tmp_path):
    ext = tmp_path / "smart-menu.ttl"
    ext.write_text(NEW_PRODUCT, encoding="utf-8")
    d = json.loads(ccare("diff", "shipped", str(ext), "--format", "json").stdout)
    flows = {(e["id"], c["relation"], c["other"]["id"]) for e in d["entities"] for c in e["changes"]
             if c["what"] == "relation" and c["relation"] == "userFlowsTo"}
    assert flows == {("payment", "userFlowsTo", "smart-menu"), ("smart-menu", "userFlowsTo", "mini-program")}
    assert d["entities"][0]["id"] == "smart-menu" and d["entities"][0]["status"] == "added"
    before, after = _loop_keys(ccare_load().graph), _loop_keys(ccare_load([ext]).graph)
    assert after > before  # the flows only add
    assert _json_loop_keys(d["loops"]["gained"]) == after - before and d["loops"]["lost"] == []


def ccare_load(data=()):
    return ccare.load(list(data))


# ---------------------------------------------------------------------- output, sides, exit codes


def test_markdown_for_a_pull_request(ccare, tmp_path, edited):
    weird = tmp_path / "weird.ttl"
    weird.write_text((EXAMPLES / "extension.ttl").read_text(encoding="utf-8").replace(
        '"scan-to-order menu"@en', '"scan | *order* <b>menu</b>"@en'), encoding="utf-8")
    r = ccare("diff", "shipped", str(weird), "--format", "markdown", "--has", "smart-menu")
    assert r.exit_code == 0, r.output
    md = r.stdout
    assert md.startswith("### Changes from the shipped map to ")
    assert "- **scan \\| \\*order\\* \\<b\\>menu\\</b\\>** `smart-menu`" in md
    assert "<b>" not in md
    assert "  - \\+ serves → convertible \\[convertible\\]" in md  # not a nested list
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(rows) == 3 and all(len(re.findall(r"(?<!\\)\|", row)) == 4 for row in rows)  # 3 cells each
    assert "| products | before | after |" in md and "| --- | --- | --- |" in md
    out = tmp_path / "changes.md"
    r = ccare("diff", "shipped", str(edited), "--whole-maps", "--format", "markdown", "--fail-on-change", "-o",
              str(out))
    assert r.exit_code == 4 and r.stdout == ""  # the change is the answer: written, then exit 4
    text = out.read_text(encoding="utf-8")
    assert "scan-to-order menu" in text and "**Operating loops serving" in text


def test_csv_one_row_per_change(ccare, edited):
    import csv
    import io

    r = ccare("diff", "shipped", str(edited), "--whole-maps", "--format", "csv", "--has", "mini-program")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    fact = [x for x in rows if x["what"] == "fact"]
    assert [(x["entity"], x["label"], x["field"], x["old"], x["new"]) for x in fact] == [
        ("zhima-credit-users", "Zhima Credit users", "value", "700000000", "800000000")]
    assert {x["change"] for x in rows if x["section"] == "loops"} == {"gained", "lost"}
    (p,) = [x for x in rows if x["section"] == "prescriptions"]
    assert (p["has"], p["changed"], p["old_add"], p["new_add"]) == ("mini-program", "true", "mini-program-cloud",
                                                                      "mini-program-cloud;smart-menu")


def test_sides_folders_and_errors(ccare, tmp_path):
    folder = tmp_path / "ext"
    folder.mkdir()
    (folder / "extension.ttl").write_bytes((EXAMPLES / "extension.ttl").read_bytes())
    (folder / "field-notes-2024.txt").write_bytes((EXAMPLES / "field-notes-2024.txt").read_bytes())  # not RDF
    a = json.loads(ccare("diff", "shipped", str(folder), "--format", "json").stdout)
    b = json.loads(ccare("diff", "shipped", str(EXAMPLES / "extension.ttl"), "--format", "json").stdout)
    assert a["entities"] == b["entities"] and a["new"] == str(folder)
    empty = tmp_path / "empty"
    empty.mkdir()
    r = ccare("diff", "shipped", str(empty))
    assert r.exit_code == 1 and "a folder with no RDF file in it" in r.output and "Traceback" not in r.output
    r = ccare("diff", "shipped", str(tmp_path / "nowhere.ttl"))
    assert r.exit_code == 1 and "no such file or folder" in r.output
    assert ccare("diff", "shipped").exit_code == 2
    assert ccare("diff", "shipped", "shipped", "--has", "no-such-product").exit_code == 1


def test_a_comparison_cut_short_exits_3(ccare, edited):
    r = ccare("diff", "shipped", str(edited), "--whole-maps", "--format", "json", "--max-steps", "5",
              "--fail-on-change")
    assert r.exit_code == 3, r.output
    d = json.loads(r.stdout)
    assert d["cut_short"] == "step limit 5 reached" and d["loops"]["compared_to_length"] < 8
    assert "Cut short: step limit 5 reached" in r.stderr
    # with more steps, the lengths both searches finished are compared, and only those
    for steps in ("2000", "20000"):
        d = json.loads(ccare("diff", "shipped", str(edited), "--whole-maps", "--format", "json", "--max-steps",
                             steps).stdout)
        n = d["loops"]["compared_to_length"]
        spec = LoopSpec(max_length=max(n, 1))
        before = _loop_keys(Map(load_kb()).graph, spec) if n else set()
        after = _loop_keys(Map(load_kb(sorted(edited.glob("*.ttl")), shipped=False)).graph, spec) if n else set()
        assert _json_loop_keys(d["loops"]["gained"]) == after - before, steps
        assert _json_loop_keys(d["loops"]["lost"]) == before - after, steps


def test_the_python_api(edited):
    from ccare.graph.diff import compare

    old = ccare.load()
    new = Map(load_kb([str(p) for p in sorted(edited.glob("*.ttl"))], shipped=False))
    d = compare(old, new, has=["mini-program"])
    rows = d.records("zh")
    assert {r["section"] for r in rows} == {"map", "loops", "prescriptions"}
    (fact,) = [r for r in rows if r["section"] == "map" and r["what"] == "fact"]
    assert (fact["label"], fact["old"], fact["new"]) == ("芝麻信用用户数", "700000000", "800000000")
    assert d.to_json()["changed"] is True
    same = new.diff(new, has=[["mini-program"], "商家粉丝群,coupons"])  # Map.diff: the same comparison
    assert not same.changed and [p.has for p in same.prescriptions] == [("mini-program",), ("fan-group", "coupons")]
    assert old.diff(new).to_json() == {**d.to_json(), "prescriptions": []}

"""The first commands, through the CLI, answering competency questions 1, 2, 3, 6, 8, 10."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def _assert_quotes_on_lines(evidence, SOURCE):
    assert evidence
    for e in evidence:
        assert e["source"] == "openday-2023"
        assert e["quote"] in SOURCE[e["line"] - 1], e


def _by_id(items):
    return {i["id"]: i for i in items}


# -- CQ1: which products serve each need, through which values ------------------

@pytest.mark.parametrize(
    "need,product,line",
    [("ACTIVE", "fan-group", 24), ("WORTH", "alipay-live", 25), ("EFFICIENCY", "mini-program-cloud", 27),
     ("SCALE", "zhima-credit", 26)],
)
def test_cq1_products_serving_a_need(ccare, need, product, line, SOURCE):
    rows = _by_id(ccare.json("products", "--need", need))
    assert product in rows
    values = [v for v in rows[product]["values"] if v["need"] == need]
    assert values, rows[product]
    for v in values:
        _assert_quotes_on_lines(v["evidence"], SOURCE)
    assert any(e["line"] == line for v in values for e in v["evidence"])
    for r in rows.values():  # every listed product really serves the need
        assert need in r["needs"]


def test_cq1_fan_group_serves_active_through_interaction_stated(ccare):
    fan = _by_id(ccare.json("products", "--need", "active"))["fan-group"]
    interactive = [v for v in fan["values"] if v["value"]["id"] == "interactive"][0]
    assert interactive["inferred"] is False
    assert {"quote": "更丰富的互动形式", "line": 24, "source": "openday-2023"} in interactive["evidence"]


def test_products_table_shows_fan_group_with_evidence(ccare):
    r = ccare("products", "--need", "ACTIVE")
    assert r.exit_code == 0
    line = [ln for ln in r.output.splitlines() if ln.startswith("fan-group")][0]
    assert "merchant fan group" in line and "line " in line and "更丰富的互动形式" in r.output


def test_products_by_value_and_lang(ccare):
    r = ccare("products", "--value", "可转化", "--lang", "zh")
    assert r.exit_code == 0
    assert "支付宝直播" in r.output and "商家粉丝群" in r.output  # the group converts too (L42)
    assert "小程序云" not in r.output


# -- CQ2: bridges between the public and the private domain ----------------------

def test_cq2_products_bridging_domains(ccare):
    public = set(_by_id(ccare.json("products", "--domain", "public")))
    private = set(_by_id(ccare.json("products", "--domain", "private")))
    bridges = public & private
    assert {"mini-program", "alipay-live"} <= bridges
    live = _by_id(ccare.json("products"))["alipay-live"]
    assert live["domains"] == ["private-domain", "public-domain"]


def test_cq2_fanxing_takes_merchants_from_private_into_public(ccare, SOURCE):
    d = ccare.json("show", "繁星计划")
    opens = [r for r in d["out"] if r["relation"] == "cc:opensInto"]
    assert [r["entity"]["id"] for r in opens] == ["public-domain"]
    assert opens[0]["evidence"][0]["line"] == 31
    _assert_quotes_on_lines(opens[0]["evidence"], SOURCE)
    lives = {r["entity"]["id"] for r in d["out"] if r["relation"] == "cc:livesIn"}
    assert lives == {"public-domain", "private-domain"}


# -- CQ3: numbers, typed, with units ---------------------------------------------

@pytest.mark.parametrize(
    "entity,expected",
    [
        ("zhima-credit", {(700_000_000, "NUM", "users", "as-stated"), (4000, "NUM", "credit-scenarios", "as-stated")}),
        ("alipay-live", {(19, "NUM", "industries", "as-stated"), (3000, "NUM", "merchants", "more-than")}),
        ("fanxing-2", {(22_000, "NUM", "merchants", "as-stated"), (2_500_000_000, "NUM", "traffic-points", "more-than"),
                       (37_000_000_000, "NUM", "page-views", "more-than"), (5, "UNITLESS", None, "as-stated")}),
        ("fanxing-3", {(40_000, "NUM", "merchants", "as-stated"), (10, "UNITLESS", None, "as-stated"),
                       (4_000_000_000, "NUM", "traffic-points", "as-stated"),
                       (10_000_000_000, "NUM", "public-traffic", "approximately")}),
    ],
)
def test_cq3_numbers_about_products_and_programmes(ccare, entity, expected, SOURCE):
    d = ccare.json("show", entity)
    got = {(f["value"], f["unit"], f["counts"]["id"] if f["counts"] else None, f["bound"]) for f in d["facts"]}
    assert got == expected
    for f in d["facts"]:
        assert type(f["value"]) is int  # a JSON number, not a string
        _assert_quotes_on_lines(f["evidence"], SOURCE)


def test_cq3_facts_listed(ccare):
    facts = ccare.json("list", "facts")
    assert len(facts) == 13


# -- CQ6: the Laoxiangji case -----------------------------------------------------

def test_cq6_laoxiangji_combination_and_result(ccare, SOURCE):
    d = ccare.json("show", "老乡鸡")
    uses = {r["entity"]["id"] for r in d["out"] if r["relation"] == "cc:uses"}
    assert uses == {"fan-group", "joining-gift", "coupons", "member-operation", "multi-channel-joining", "online",
                    "offline"}
    for r in d["out"]:
        _assert_quotes_on_lines(r["evidence"], SOURCE)
    (fact,) = d["facts"]
    assert (fact["value"], fact["unit"], fact["counts"]["id"]) == (10, "PERCENT", "weekly-orders")
    assert fact["evidence"][0]["line"] == 42
    reports = [r for r in d["out"] if r["relation"] == "cc:reports"]
    assert reports[0]["entity"]["id"] == "laoxiangji-group-conversion"


# -- CQ8: four core advantages and what carries them ------------------------------

def test_cq8_advantages_and_their_carriers(ccare, SOURCE):
    items = _by_id(ccare.json("list", "advantages"))
    assert set(items) == {"global-advantage", "real-traffic-advantage", "lasting-operation-advantage",
                          "full-chain-advantage"}
    carried = {k: {r["entity"]["id"] for r in v["out"] if r["relation"] == "cc:carriedBy"} for k, v in items.items()}
    assert {"payment", "iot-devices", "online", "offline"} <= carried["global-advantage"]
    assert "payment" in carried["real-traffic-advantage"]
    assert "mini-program" in carried["lasting-operation-advantage"]
    assert {"fan-group", "coupons"} <= carried["full-chain-advantage"]
    for v in items.values():
        _assert_quotes_on_lines(v["evidence"], SOURCE)
        for r in v["out"]:
            _assert_quotes_on_lines(r["evidence"], SOURCE)


def test_cq8_table(ccare):
    r = ccare("list", "advantages", "--lang", "zh")
    assert r.exit_code == 0 and "全局优势" in r.output and "依托" in r.output


# -- CQ10: products beyond the six core ones --------------------------------------

def test_cq10_other_products(ccare):
    others = _by_id(ccare.json("products", "--type", "other"))
    assert {"life-account", "ant-forest", "coupons", "iot-devices"} <= set(others)
    assert not {"mini-program", "fan-group"} & set(others)
    lines = {e["line"] for k in ("life-account", "ant-forest", "coupons", "iot-devices")
             for e in ccare.json("show", k)["evidence"]}
    assert {29, 39, 42} <= lines
    assert len(ccare.json("products", "--type", "core")) == 6


# -- info, show, JSON shapes --------------------------------------------------------

def test_info_counts(ccare):
    d = ccare.json("info")
    assert d["triples"] > 1500 and d["core_products"] == 6 and d["needs"] == 4 and d["values"] == 8
    assert d["sources"][0]["file"] == "alipay-openday-c-care-2023.zh.txt"
    r = ccare("info")
    assert r.exit_code == 0 and "triples" in r.output


def test_entity_json_shape(ccare):
    d = ccare.json("show", "FAN-GROUP")
    assert d["id"] == "fan-group"
    assert d["iri"] == "https://w3id.org/ccare/id/fan-group"
    assert d["type"] == "https://w3id.org/ccare/ontology#CoreProduct"
    assert d["labels"] == {"zh": "商家粉丝群", "en": "merchant fan group"}
    for e in d["evidence"]:
        assert set(e) == {"source", "line", "quote"}


@pytest.mark.parametrize("name", ["商家粉丝群", "Merchant Fan Group", "fan-group", "商家群", "  fan group "])
def test_show_resolves_ids_and_labels(ccare, name):
    r = ccare("show", name)
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0].startswith("merchant fan group")


def test_show_table_has_relations_and_evidence(ccare):
    r = ccare("show", "zhima-credit", "--lang", "zh")
    assert r.exit_code == 0
    assert "芝麻信用" in r.output and "第 26 行" in r.output and "7亿 用户" in r.output


# -- errors ----------------------------------------------------------------------------

def test_unknown_name_suggests_near_matches(ccare):
    r = ccare("show", "fan grop")
    assert r.exit_code == 1
    assert "Error: unknown entity 'fan grop'; did you mean: fan-group" in r.output
    assert "Traceback" not in r.output


def test_unknown_chinese_name_suggests(ccare):
    r = ccare("show", "粉丝群")
    assert r.exit_code == 1 and "fan-group" in r.output


def test_bad_need_is_a_usage_error(ccare):
    r = ccare("products", "--need", "HAPPY")
    assert r.exit_code == 2
    assert "SCALE" in r.output and "EFFICIENCY" in r.output


def test_bad_value_lists_allowed(ccare):
    r = ccare("products", "--value", "shiny")
    assert r.exit_code == 2
    assert "unknown value 'shiny'" in r.output and "interactive" in r.output


@pytest.mark.parametrize(
    "name,text,line",
    [
        ("bad.ttl", '@prefix ex: <http://ex/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n', 3),
        ("bad.nt", "<http://a> <http://b> <http://c> .\n<http://a> <http://b> .\n", 2),
        ("bad.jsonld", '{"@id": "http://ex/a",\n "http://ex/b": }', 2),
    ],
)
def test_malformed_data_names_file_and_line(ccare, tmp_path, name, text, line):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    r = ccare("products", "--data", str(f))
    assert r.exit_code == 1
    assert f"{f}, line {line}" in r.output
    assert r.output.startswith("Error: ")
    assert "Traceback" not in r.output


def test_data_merges_extension(ccare):
    rows = _by_id(ccare.json("products", "--data", "examples/extension.ttl", "--need", "WORTH"))
    assert "smart-menu" in rows
    assert rows["smart-menu"]["values"][0]["evidence"][0]["source"] == "field-notes-2024"


# -- validate ----------------------------------------------------------------------------

def test_validate_conforming_extension(ccare):
    r = ccare("validate", "examples/extension.ttl")
    assert r.exit_code == 0 and "Conforms" in r.output


def test_validate_reports_violations_in_plain_words(ccare, tmp_path):
    f = tmp_path / "ext.ttl"
    f.write_text(
        "@prefix : <https://w3id.org/ccare/id/> . @prefix cc: <https://w3id.org/ccare/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        ':rogue a cc:CoreProduct ; rdfs:label "流氓"@zh, "rogue"@en ; cc:serves :interactive .\n',
        encoding="utf-8",
    )
    r = ccare("validate", str(f))
    assert r.exit_code == 1
    assert "rogue (rogue)" in r.output
    assert "a product must live in the public or the private domain (cc:livesIn)" in r.output
    assert "the relation cc:serves interactive has no evidence" in r.output
    d = json.loads(ccare("validate", str(f), "--format", "json").stdout)
    assert d["conforms"] is False
    assert {v["rule"] for v in d["violations"]} >= {"product lives in a domain", "relation has evidence"}


def test_validate_malformed_file(ccare, tmp_path):
    f = tmp_path / "broken.ttl"
    f.write_text("@prefix : <x> .\n:a :b", encoding="utf-8")
    r = ccare("validate", str(f))
    assert r.exit_code == 1 and str(f) in r.output and "line 2" in r.output


# -- entry points ----------------------------------------------------------------------

def test_python_dash_m_ccare():
    out = subprocess.run([sys.executable, "-m", "ccare", "products", "--need", "ACTIVE"],
                         capture_output=True, text=True, encoding="utf-8", check=True).stdout
    assert "fan-group" in out


def test_every_command_has_help(ccare):
    from ccare.cli import COMMANDS

    for name in COMMANDS:
        r = ccare(name, "--help")
        assert r.exit_code == 0 and "Usage:" in r.output, name


# -- formats rdflib reads that Oxigraph does not (TriX) ------------------------------------

TRIX = """<?xml version="1.0"?>
<TriX xmlns="http://www.w3.org/2004/03/trix/trix-1/">
  <graph><triple>
    <uri>https://w3id.org/ccare/id/smart-menu</uri>
    <uri>http://www.w3.org/2000/01/rdf-schema#label</uri>
    <plainLiteral xml:lang="zh">扫码点单</plainLiteral>
  </triple></graph>
</TriX>
"""


@pytest.mark.parametrize("store", ["oxigraph", "memory"])
def test_trix_data_is_merged(ccare, tmp_path, store):
    f = tmp_path / "extra.trix"
    f.write_text(TRIX, encoding="utf-8")
    base = ccare.json("--no-cache", "--store", store, "info")["triples"]
    merged = ccare.json("--no-cache", "--store", store, "info", "--data", str(f))["triples"]
    assert merged == base + 1
    d = ccare.json("--no-cache", "--store", store, "show", "扫码点单", "--data", str(f))
    assert d["iri"] == "https://w3id.org/ccare/id/smart-menu"


def test_malformed_trix_names_file_line_and_column(ccare, tmp_path):
    f = tmp_path / "bad.trix"
    f.write_text(TRIX.replace("</triple>", ""), encoding="utf-8")
    r = ccare("--no-cache", "info", "--data", str(f))
    assert r.exit_code == 1
    assert r.output.startswith(f"Error: {f}, line 7, column ")
    assert "Traceback" not in r.output


def test_trix_with_a_doctype_is_refused(ccare, tmp_path):
    f = tmp_path / "laughs.trix"
    f.write_text(TRIX.replace("<TriX", '<!DOCTYPE TriX [<!ENTITY a "aaaa">]>\n<TriX', 1), encoding="utf-8")
    r = ccare("--no-cache", "info", "--data", str(f))
    assert r.exit_code == 1 and "DOCTYPE is refused" in r.output and f"{f}, line 2" in r.output


def test_usage_error_from_the_library_names_the_command(ccare):
    r = ccare("products", "--value", "shiny")
    assert r.exit_code == 2
    assert "Usage: ccare products [OPTIONS]" in r.output
    assert "Try 'ccare products --help' for help." in r.output


def test_output_into_a_closed_pipe_ends_quietly():
    # `ccare ... | head -1`: the reader has gone before ccare writes (both ends of the
    # pipe are closed here), so every write fails with EPIPE; that is no "internal error".
    read_end, write_end = os.pipe()
    proc = subprocess.Popen([sys.executable, "-m", "ccare", "list", "products", "--format", "json"],
                            stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    os.close(read_end)
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(timeout=60) == 1
    assert "internal error" not in err and "Traceback" not in err

"""``ccare import``: a portfolio CSV becomes RDF; bad rows are named, good rows still convert."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef

from ccare.ontology import CC, ID

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "portfolio.csv"

HEADER = "merchant_id,name,industry,scale,stage,products\n"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _graph(path: Path, fmt: str = "turtle") -> Graph:
    return Graph().parse(path, format=fmt)


def _evidence(g: Graph, node) -> list[tuple]:
    return sorted((str(g.value(e, CC.source)), int(g.value(e, CC.line)), str(g.value(e, CC.quote)))
                  for e in g.objects(node, CC.evidence))


def test_example_imports_every_merchant(ccare, tmp_path):
    out = tmp_path / "m.ttl"
    r = ccare("import", str(EXAMPLE), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "Imported 5 merchants from portfolio.csv" in r.stderr
    g = _graph(out)
    m = ID["merchant-LXJ-001"]
    assert (m, RDF.type, CC.Merchant) in g
    assert (m, CC.merchantId, Literal("LXJ-001")) in g
    assert (m, RDFS.label, Literal("老乡鸡 合肥", lang="zh")) in g
    assert (m, CC.hasScale, ID["scale-large"]) in g and (m, CC.hasStage, ID["stage-mature"]) in g
    assert set(g.objects(m, CC.uses)) == {ID[p] for p in ("fan-group", "coupons", "member-operation", "joining-gift",
                                                          "multi-channel-joining", "mini-program")}
    assert (m, CC.takesAlipayPayment, None) not in g  # empty: takes it, like every merchant on Alipay
    assert (ID["merchant-CAFE-017"], CC.takesAlipayPayment, Literal(False)) in g
    assert (ID["merchant-GOV-9"], CC.takesAlipayPayment, Literal(True)) in g
    industry = g.value(m, CC.inIndustry)
    assert industry == URIRef(str(ID) + "industry-餐饮")
    assert (industry, RDF.type, CC.Industry) in g and (industry, RDFS.label, Literal("餐饮", lang="zh")) in g
    # where the merchant came from: the CSV file (its name, not its path), the line, the row
    ((src, line, quote),) = _evidence(g, m)
    assert line == 2 and quote == EXAMPLE.read_text(encoding="utf-8").splitlines()[1]
    assert (URIRef(src), RDF.type, CC.Source) in g
    assert g.value(URIRef(src), CC.file) == Literal("portfolio.csv")
    assert str(tmp_path) not in out.read_text(encoding="utf-8") and str(ROOT) not in out.read_text(encoding="utf-8")


def test_output_conforms_to_the_shapes(ccare, tmp_path):
    out = tmp_path / "m.ttl"
    assert ccare("import", str(EXAMPLE), "-o", str(out)).exit_code == 0
    r = ccare("validate", str(out))
    assert r.exit_code == 0, r.output


def test_same_input_same_bytes_and_stdout(ccare, tmp_path):
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    assert ccare("import", str(EXAMPLE), "-o", str(a)).exit_code == 0
    assert ccare("import", str(EXAMPLE), "-o", str(b)).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    r = ccare("import", str(EXAMPLE), "-o", "-")
    assert r.exit_code == 0 and r.stdout == a.read_text(encoding="utf-8")


def test_other_rdf_formats_hold_the_same_graph(ccare, tmp_path):
    from rdflib.compare import isomorphic

    ttl, nt = tmp_path / "m.ttl", tmp_path / "m.nt"
    assert ccare("import", str(EXAMPLE), "-o", str(ttl)).exit_code == 0
    assert ccare("import", str(EXAMPLE), "-o", str(nt)).exit_code == 0
    assert isomorphic(_graph(ttl), _graph(nt, "nt"))


def test_bad_rows_are_named_and_good_rows_still_convert(ccare, tmp_path):
    csv_file = _write(tmp_path / "p.csv", HEADER
                      + "M1,Good one,retail,small,exploring,payment;芝麻信用\n"
                      + "M2,Typo,retail,small,,Zhima Credt\n"
                      + ",No id,retail,small,,payment\n"
                      + "M1,Again,retail,small,,payment\n"
                      + "M3,Tiny,retail,tiny,,payment\n"
                      + "M4,Early,retail,small,beginner,payment\n"
                      + "M5,Wide,retail,small,,payment,extra\n"
                      + "M6,Fine,retail,large,mature,coupons|fan-group\n")
    out = tmp_path / "m.ttl"
    r = ccare("import", str(csv_file), "-o", str(out))
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    p = str(csv_file)
    assert f"{p}, line 3: unknown product 'Zhima Credt'; did you mean: zhima-credit?" in lines
    assert f"{p}, line 4: no merchant id" in lines
    assert f"{p}, line 5: duplicate merchant id 'M1' (first on line 2)" in lines
    assert f"{p}, line 6: unknown scale 'tiny' (allowed: small, medium, large)" in lines
    assert f"{p}, line 7: unknown stage 'beginner' (allowed: exploring, mature)" in lines
    assert f"{p}, line 8: 7 cells, but the header has 6 columns" in lines
    assert lines[-1] == f"Error: 6 of 8 rows bad and left out; the other 2 were written to {out}"
    g = _graph(out)
    assert {str(o) for o in g.objects(None, CC.merchantId)} == {"M1", "M6"}
    assert set(g.objects(ID["merchant-M1"], CC.uses)) == {ID["payment"], ID["zhima-credit"]}


def test_zh_headers_any_order_and_optional_columns(ccare, tmp_path):
    csv_file = _write(tmp_path / "p.csv", "使用产品,商家编号,规模\n\"小程序,支付\",A-1,小商家\n")
    out = tmp_path / "m.ttl"
    r = ccare("import", str(csv_file), "-o", str(out))
    assert r.exit_code == 0, r.output
    g = _graph(out)
    m = ID["merchant-A-1"]
    assert set(g.objects(m, CC.uses)) == {ID["mini-program"], ID["payment"]}
    assert (m, CC.hasScale, ID["scale-small"]) in g
    assert g.value(m, CC.hasStage) is None and g.value(m, RDFS.label) is None


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_byte_order_marks(ccare, tmp_path, encoding):
    csv_file = _write(tmp_path / "p.csv", HEADER + "M1,老乡鸡,餐饮,large,mature,商家粉丝群\n", encoding)
    out = tmp_path / "m.ttl"
    r = ccare("import", str(csv_file), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert (ID["merchant-M1"], RDFS.label, Literal("老乡鸡", lang="zh")) in _graph(out)


def test_gb18030_needs_to_be_named(ccare, tmp_path):
    csv_file = _write(tmp_path / "p.csv", HEADER + "M1,老乡鸡,餐饮,large,mature,商家粉丝群\n", "gb18030")
    out = tmp_path / "m.ttl"
    r = ccare("import", str(csv_file), "-o", str(out))
    assert r.exit_code == 1
    assert r.stderr.startswith(f"Error: {csv_file}, line 2: not UTF-8") and "--encoding gb18030" in r.stderr
    assert not out.exists()
    r = ccare("import", str(csv_file), "-o", str(out), "--encoding", "gb18030")
    assert r.exit_code == 0, r.output
    assert (ID["merchant-M1"], CC.uses, ID["fan-group"]) in _graph(out)
    assert ccare("import", str(csv_file), "-o", str(out), "--encoding", "klingon").exit_code == 2


def test_multiline_cells_keep_line_numbers(ccare, tmp_path):
    csv_file = _write(tmp_path / "p.csv", HEADER + 'M1,"two\nlines",retail,small,,payment\nM2,x,retail,huge,,payment\n')
    out = tmp_path / "m.ttl"
    r = ccare("import", str(csv_file), "-o", str(out))
    assert r.exit_code == 1
    assert f"{csv_file}, line 4: unknown scale 'huge'" in r.stderr
    g = _graph(out)
    ((_, line, quote),) = _evidence(g, ID["merchant-M1"])
    assert line == 2 and quote == 'M1,"two\nlines",retail,small,,payment'


def test_tab_separated(ccare, tmp_path):
    csv_file = _write(tmp_path / "p.tsv", "merchant_id\tproducts\nT1\tpayment;coupons\n")
    out = tmp_path / "m.ttl"
    assert ccare("import", str(csv_file), "-o", str(out)).exit_code == 0
    assert len(set(_graph(out).objects(ID["merchant-T1"], CC.uses))) == 2


def test_missing_required_column_writes_nothing(ccare, tmp_path):
    csv_file = _write(tmp_path / "p.csv", "merchant_id,name\nM1,x\n")
    out = _write(tmp_path / "m.ttl", "# earlier output\n")
    r = ccare("import", str(csv_file), "-o", str(out))
    assert r.exit_code == 1
    assert "line 1: the header row 'merchant_id,name' lacks a column (products: one of products" in r.stderr
    assert out.read_text() == "# earlier output\n"


def test_unknown_columns_are_reported(ccare, tmp_path):
    csv_file = _write(tmp_path / "p.csv", "merchant_id,products,notes\nM1,payment,hello\n")
    r = ccare("import", str(csv_file), "-o", str(tmp_path / "m.ttl"))
    assert r.exit_code == 0
    assert "ignored column(s) 'notes'" in r.stderr


def test_industry_of_the_map_is_reused(ccare, tmp_path):
    ext = _write(tmp_path / "industries.ttl", """
        @prefix cc: <https://w3id.org/ccare/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <https://w3id.org/ccare/id/industry-catering> a cc:Industry ; rdfs:label "餐饮"@zh , "catering"@en .
    """)
    csv_file = _write(tmp_path / "p.csv", HEADER + "M1,x,餐饮,,,payment\nM2,y,Catering,,,payment\n")
    out = tmp_path / "m.ttl"
    assert ccare("import", str(csv_file), "-o", str(out), "--data", str(ext)).exit_code == 0
    g = _graph(out)
    assert {g.value(ID[f"merchant-M{i}"], CC.inIndustry) for i in (1, 2)} == {ID["industry-catering"]}
    assert (None, RDF.type, CC.Industry) not in g  # nothing minted


def test_merchant_ids_stay_apart_in_iris(ccare, tmp_path):
    csv_file = _write(tmp_path / "p.csv", "merchant_id,products\na/b,payment\nA/B,payment\na b,payment\n")
    out = tmp_path / "m.ttl"
    assert ccare("import", str(csv_file), "-o", str(out)).exit_code == 0
    g = _graph(out)
    ms = set(g.subjects(RDF.type, CC.Merchant))
    assert len(ms) == 3 and ID["merchant-a%2Fb"] in ms and ID["merchant-a%20b"] in ms


def test_not_a_file(ccare, tmp_path):
    r = ccare("import", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "m.ttl"))
    assert r.exit_code == 1 and "nope.csv: no such file" in r.stderr


def test_stdin(ccare, tmp_path):
    out = tmp_path / "m.ttl"
    r = ccare("import", "-", "-o", str(out), input=codecs.BOM_UTF8 + (HEADER + "S1,,,,,payment\n").encode())
    assert r.exit_code == 0, r.output
    assert (ID["merchant-S1"], CC.uses, ID["payment"]) in _graph(out)


def test_shipped_example_rdf_is_the_import_of_the_example_csv(ccare, tmp_path):
    """examples/merchants.ttl (used in the README) is what `ccare import` makes of portfolio.csv."""
    out = tmp_path / "m.ttl"
    assert ccare("import", str(EXAMPLE), "-o", str(out)).exit_code == 0
    assert out.read_bytes() == (ROOT / "examples" / "merchants.ttl").read_bytes()

"""Map sheets (issue 14, part A): the map to Excel and back, a strategist's product from a
workbook, faults named by sheet, row and column, and hostile workbooks refused."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDFS, Graph, Literal
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from ccare.ontology import CC, ID
from ccare.sheets.columns import SHEETS
from ccare.sheets.export import abox_graph
from ccare.sheets.workbook import read_xlsx_bytes, xlsx_bytes

HEADERS = {name: [c.header for c in sheet.columns] for name, sheet in SHEETS.items()}


@pytest.fixture(scope="module")
def shipped_abox():
    return abox_graph()


def _canonical(g: Graph) -> set:
    """The triples of ``g`` with blank nodes labelled canonically (Oxigraph's canonicalisation):
    two graphs give the same set exactly when they are isomorphic.  rdflib.compare.isomorphic
    says the same but takes tens of seconds on the map's 700 blank nodes; it runs once below."""
    import pyoxigraph as ox

    ds = ox.Dataset(ox.parse(g.serialize(format="nt").encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in ds}


def _same(a: Graph, b: Graph, rdflib_too: bool = False) -> None:
    same = _canonical(a) == _canonical(b)
    if rdflib_too:
        assert isomorphic(a, b) == same
    if not same:
        _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
        pytest.fail(f"not isomorphic: {len(only_a)} triples only in the import, e.g. {sorted(only_a)[:3]}; "
                    f"{len(only_b)} only in the map, e.g. {sorted(only_b)[:3]}")


def _workbook(path: Path, sheets: dict) -> Path:
    """A workbook as a strategist makes it in Excel: one sheet per name, first row the headers."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


# ---------------------------------------------------------------------- export


def test_export_xlsx_is_a_workbook_with_bilingual_headers(ccare, tmp_path):
    out = tmp_path / "map.xlsx"
    r = ccare("export", "sheet", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "Wrote the map sheet" in r.stderr
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["entities", "relations", "evidence", "facts"]
    rows = {name: list(wb[name].iter_rows(values_only=True)) for name in wb.sheetnames}
    assert rows["entities"][0][:3] == ("id / 编号", "type / 类型", "label (zh) / 中文名称")
    for name in wb.sheetnames:
        assert list(rows[name][0]) == HEADERS[name]
    payment = next(r for r in rows["entities"] if r[0] == "payment")
    assert payment[1] == "PaymentHub" and payment[2] == "支付" and payment[3] == "payment"
    serves = next(r for r in rows["relations"] if r[:3] == ("payment", "serves", "convertible"))
    assert serves[4] == "true" and serves[5].startswith("每一次转化最终都落在支付上")
    ev = [r for r in rows["evidence"] if r[:3] == ("payment", "serves", "convertible")]
    assert ev == [("payment", "serves", "convertible", "openday-2023", 17, "最终都要走到支付环节")]
    fact = next(r for r in rows["facts"] if r[0] == "zhima-credit-users")
    assert fact[1:7] == ("zhima-credit", 700000000, "unit:NUM", "users", "as-stated", "current")
    assert fact[10] == "2023-08-17" and fact[11] == "true"


def test_export_csv_folder(ccare, tmp_path):
    out = tmp_path / "sheet"
    r = ccare("export", "sheet", "--format", "csv", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["entities.csv", "evidence.csv", "facts.csv", "relations.csv"]
    text = (out / "relations.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == ",".join(HEADERS["relations"])


def test_export_refuses_wrong_targets(ccare, tmp_path):
    assert ccare("export", "sheet", "-o", "-").exit_code == 2
    assert ccare("export", "sheet", "--format", "xlsx", "-o", str(tmp_path)).exit_code == 2
    (tmp_path / "x.csv").write_text("", encoding="utf-8")
    assert ccare("export", "sheet", "--format", "csv", "-o", str(tmp_path / "x.csv")).exit_code == 2


def test_shipped_map_labels_and_defines_every_term_in_both_languages(shipped_abox):
    """The shapes accept a label in one language for your own data; the shipped map gives both."""
    from rdflib import RDF
    from rdflib.namespace import SKOS

    for s in set(shipped_abox.subjects(RDF.type, None)):
        if not str(s).startswith(str(ID)):
            continue
        for p in (RDFS.label, SKOS.definition):
            langs = {o.language for o in shipped_abox.objects(s, p)}
            assert {"zh", "en"} <= langs, (s, p)


# ---------------------------------------------------------------------- round trip


def test_round_trip_is_isomorphic_to_the_shipped_map(ccare, tmp_path, shipped_abox):
    """The shipped map to a workbook and to CSV files, and back: the same graph as its kb/*.ttl."""
    outs = []
    for fmt in ("xlsx", "csv"):
        sheet = tmp_path / ("map.xlsx" if fmt == "xlsx" else "map-sheet")
        assert ccare("export", "sheet", "--format", fmt, "-o", str(sheet)).exit_code == 0
        out = tmp_path / f"back-{fmt}.ttl"
        r = ccare("import", str(sheet), "-o", str(out))
        assert r.exit_code == 0, r.output
        assert "Imported" in r.stderr
        outs.append(out)
    # the two templates carry the same map (the first line names the sheet it came from)
    assert [o.read_text(encoding="utf-8").split("\n", 1)[1] for o in outs] == [outs[1].read_text(
        encoding="utf-8").split("\n", 1)[1]] * 2
    _same(Graph().parse(outs[0], format="turtle"), shipped_abox, rdflib_too=True)


@pytest.mark.parametrize("extra", ["merchants", "extension"])
def test_round_trip_with_data_files(ccare, tmp_path, portfolio_ttl, extra):
    """The shipped map with a portfolio's merchants (whose own statements need no evidence), or
    with the example extension, goes to a sheet and back unchanged."""
    data = portfolio_ttl if extra == "merchants" else Path(__file__).resolve().parent.parent / "examples/extension.ttl"
    sheet = tmp_path / "map.xlsx"
    assert ccare("export", "sheet", "--data", str(data), "-o", str(sheet)).exit_code == 0
    out = tmp_path / "back.ttl"
    r = ccare("import", str(sheet), "-o", str(out))
    assert r.exit_code == 0, r.output
    _same(Graph().parse(out, format="turtle"), abox_graph([data]))


def test_import_is_deterministic_in_every_format(ccare, tmp_path):
    sheet = tmp_path / "map.xlsx"
    assert ccare("export", "sheet", "-o", str(sheet)).exit_code == 0
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    assert ccare("import", str(sheet), "-o", str(a)).exit_code == 0
    assert ccare("import", str(sheet), "-o", str(b)).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    nt = tmp_path / "a.nt"
    assert ccare("import", str(sheet), "-o", str(nt)).exit_code == 0
    _same(Graph().parse(nt, format="nt"), Graph().parse(a, format="turtle"))


def test_text_that_looks_like_a_formula_stays_text(ccare, tmp_path):
    data = tmp_path / "x.ttl"
    data.write_text(
        "@prefix : <https://w3id.org/ccare/id/> . @prefix cc: <https://w3id.org/ccare/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        ':evil a cc:Practice ; rdfs:label "=HYPERLINK(\\"http://x\\")"@en , "-坏"@zh ; skos:definition "@x"@en ;\n'
        '    cc:evidence [ cc:source :openday-2023 ; cc:line 1 ; cc:quote "+1" ] .\n', encoding="utf-8")
    for fmt, name in (("xlsx", "m.xlsx"), ("csv", "m")):
        sheet = tmp_path / name
        assert ccare("export", "sheet", "--data", str(data), "--format", fmt, "-o", str(sheet)).exit_code == 0
        if fmt == "xlsx":
            wb = openpyxl.load_workbook(sheet)
            cell = next(r[2] for r in wb["entities"].iter_rows() if r[0].value == "evil")
            assert cell.data_type == "s" and cell.value == "-坏"
            cell = next(r[3] for r in wb["entities"].iter_rows() if r[0].value == "evil")
            assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'
        else:
            assert "'=HYPERLINK" in (sheet / "entities.csv").read_text(encoding="utf-8-sig")
        out = tmp_path / f"{fmt}.ttl"
        r = ccare("import", str(sheet), "-o", str(out))
        assert r.exit_code == 0, r.output
        g = Graph().parse(out, format="turtle")
        assert (ID.evil, RDFS.label, Literal('=HYPERLINK("http://x")', lang="en")) in g
        assert (ID.evil, RDFS.label, Literal("-坏", lang="zh")) in g


# ---------------------------------------------------------------------- a strategist's product


NOTES = ["服务商笔记", "扫码点单让顾客在门店用小程序下单", "下单之后直接走到支付",
         "扫码点单的订单都在商家自己的小程序里"]


def _strategist_workbook(tmp_path: Path, changes: dict | None = None) -> Path:
    """A product with two flows, typed in Excel by a strategist: Chinese headers and names,
    no English label, its own source (a notes file beside the workbook)."""
    (tmp_path / "notes.txt").write_text("\n".join(NOTES) + "\n", encoding="utf-8")
    sheets = {
        "实体": [["编号", "类型", "中文名称", "中文定义"],
                 ["scan-order", "其它产品", "扫码点单", "顾客在门店扫码、在商家小程序里下单。"],
                 ["my-notes", "来源", "服务商笔记", "我们自己拜访商家的笔记。"]],
        "关系": [["主语", "关系", "宾语", "推断", "中文理由"],
                 ["扫码点单", "实现价值", "可转化", "false", None],
                 ["扫码点单", "所在域", "私域", "false", None],
                 ["小程序", "用户流向", "扫码点单", "false", None],
                 ["扫码点单", "用户流向", "支付", "false", None],
                 ["my-notes", "文件名", "notes.txt", None, None]],
        "证据": [["主语", "关系", "宾语", "来源", "行号", "原文引用"],
                 ["扫码点单", None, None, "服务商笔记", 2, "扫码点单让顾客在门店用小程序下单"],
                 ["扫码点单", "实现价值", "可转化", "my-notes", 3, "下单之后直接走到支付"],
                 ["扫码点单", "所在域", "私域", "my-notes", 4, "都在商家自己的小程序里"],
                 ["小程序", "用户流向", "扫码点单", "my-notes", 2, "用小程序下单"],
                 ["扫码点单", "用户流向", "支付", "my-notes", 3, "下单之后直接走到支付"]],
    }
    for (sheet, row, col), value in (changes or {}).items():
        sheets[sheet][row][col] = value
    return _workbook(tmp_path / "mine.xlsx", sheets)


def test_a_strategist_adds_a_product_in_excel(ccare, tmp_path):
    book = _strategist_workbook(tmp_path)
    out = tmp_path / "mine.ttl"
    r = ccare("import", str(book), "-o", str(out))
    assert r.exit_code == 0, r.output
    g = Graph().parse(out, format="turtle")
    p = ID["scan-order"]
    assert (p, RDFS.label, Literal("扫码点单", lang="zh")) in g
    assert not [o for o in g.objects(p, RDFS.label) if o.language == "en"]  # English is optional
    # the relations are evidenced assertions, as in the shipped map, and not stated bare
    assert (p, CC.userFlowsTo, ID.payment) not in g
    r = ccare("validate", str(out))
    assert r.exit_code == 0, r.output
    loops = ccare.json("loops", "--data", str(out))
    assert any("scan-order" in [n["id"] for n in loop["nodes"]] for loop in loops), [
        [n["id"] for n in loop["nodes"]] for loop in loops]
    page = tmp_path / "map.html"
    assert ccare("export", "html", "--data", str(out), "-o", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "scan-order" in html and "扫码点单" in html


def test_faults_point_into_the_sheet_and_nothing_is_written(ccare, tmp_path):
    book = _strategist_workbook(tmp_path, {
        ("关系", 1, 2): "convertable",  # misspelt value
        ("关系", 2, 1): "live in",  # misspelt relation
        ("实体", 1, 1): "OtherProdct",  # misspelt type
        ("证据", 2, 4): "three",  # not a line
    })
    out = tmp_path / "mine.ttl"
    out.write_text("# an earlier import\n", encoding="utf-8")
    r = ccare("import", str(book), "-o", str(out))
    assert r.exit_code == 1
    err = r.stderr
    assert "sheet 实体, row 2, column B (类型): unknown type 'OtherProdct'; did you mean: OtherProduct" in err
    assert "sheet 关系, row 2, column C (宾语): unknown entity 'convertable'; did you mean: convertible?" in err
    assert "sheet 关系, row 3, column B (关系): unknown relation 'live in'; did you mean: livesIn" in err
    assert "sheet 证据, row 3, column E (行号): 'three' is not a line number" in err
    assert "4 problems in mine.xlsx; nothing was written." in err
    assert out.read_text(encoding="utf-8") == "# an earlier import\n"  # whole or not at all
    assert "Traceback" not in r.output
    zh = ccare("import", str(book), "-o", str(out), "--lang", "zh")
    assert zh.exit_code == 1
    assert "工作表 关系，第 2 行，C 列（宾语）：未知的实体 'convertable'；您要找的是否是：convertible？" in zh.stderr
    assert "mine.xlsx 中有 4 处问题；未写入任何内容。" in zh.stderr


def test_what_the_shapes_need_is_asked_for(ccare, tmp_path):
    book = _strategist_workbook(tmp_path, {
        ("实体", 1, 2): None,  # no label at all
        ("关系", 1, 3): None,  # serves without saying whether it is inferred
        ("关系", 2, 3): "true",  # inferred, without a rationale
        ("证据", 1, 0): "nobody",  # evidence for an unknown entity
    })
    r = ccare("import", str(book), "-o", str(tmp_path / "x.ttl"))
    assert r.exit_code == 1
    err = r.stderr
    assert "row 2, column C (中文名称): no label: give a Chinese or an English label" in err
    assert "row 2, column D (推断): say whether it is inferred (true or false)" in err
    assert "row 3, column E (中文理由): an inferred relation needs a rationale" in err
    assert "sheet 证据, row 2, column A (主语): unknown entity 'nobody'" in err
    assert not (tmp_path / "x.ttl").exists()


def test_evidence_must_match_a_relation(ccare, tmp_path):
    book = _strategist_workbook(tmp_path, {("证据", 2, 2): "可增强"})
    r = ccare("import", str(book), "-o", str(tmp_path / "x.ttl"))
    assert r.exit_code == 1
    assert "sheet 证据, row 3, column C (宾语): no relation 扫码点单 实现价值 可增强" in r.stderr
    assert "sheet 关系, row 2, column B (关系): no evidence" in r.stderr


def test_a_merchant_portfolio_in_excel_is_still_a_portfolio(ccare, tmp_path):
    book = _workbook(tmp_path / "portfolio.xlsx", {"Sheet1": [
        ["merchant_id", "name", "products"], ["M1", "老乡鸡", "商家粉丝群;coupons"]]})
    out = tmp_path / "m.ttl"
    r = ccare("import", str(book), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert (ID["merchant-M1"], CC.uses, ID["fan-group"]) in Graph().parse(out, format="turtle")


# ---------------------------------------------------------------------- properties


@pytest.fixture(scope="module")
def vocab(kb):
    from ccare.sheets.vocab import Vocabulary

    return Vocabulary(kb.graph)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["payment", "fan-group", "mini-program", "coupons"]),
                          st.sampled_from(["reachable", "convertible", "interactive", "at-ease", "enhanceable"]),
                          st.booleans()), min_size=1, max_size=12))
def test_exactly_the_bad_rows_are_named(kb, vocab, rows):
    """Against brute force: a row with a misspelt value is named, with its row; every other row is read."""
    table, bad = [], set()
    for i, (s, o, good) in enumerate(rows):
        table.append([s, "serves", o if good else o[:-1] + "x", "", "false"])
        if not good:
            bad.add(i + 2)
    from ccare.sheets.build import build

    built = build(read_xlsx_bytes(xlsx_bytes({"relations": table}), "x.xlsx"), kb, vocab)
    unknown = [p for p in built.problems if p.code in ("unknown", "unknown_near")]
    assert {p.row for p in unknown} == bad
    assert all(p.column == 2 for p in unknown)
    for p in unknown:  # the near match offers the value that was meant
        meant = rows[p.row - 2][1]
        assert meant in dict(p.params)["near"].split(", ")
    # a good row is read: nothing is wrong with it but its missing evidence (or that it repeats a row)
    assert all(p.code in ("no_evidence_relation", "duplicate_relation") for p in built.problems if p.row not in bad)
    assert {p.row for p in built.problems} == {i + 2 for i in range(len(rows))}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["reachable", "identifiable", "interactive", "value-adding", "convertible", "enhanceable",
                        "efficient", "private-domain", "public-domain", "mini-program", "zhima-credit"]),
       st.data())
def test_one_letter_off_is_offered_the_name(kb, vocab, name, data):
    from ccare.sheets.build import _Bad, _Builder

    i = data.draw(st.integers(0, len(name) - 1))
    c = data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
    typo = name[:i] + c + name[i + 1:]
    builder = _Builder({}, kb, vocab)
    try:
        hit = builder.resolve(typo)
    except _Bad as e:
        assert name in e.params.get("near", "").split(", "), (typo, e.params)
    else:
        assert typo == name or kb.node_id(hit) != name or hit == ID[name]


# ---------------------------------------------------------------------- hostile workbooks


def _valid_xlsx() -> bytes:
    return xlsx_bytes({"relations": [["payment", "serves", "convertible", "", "false"]]})


def _rezip(data: bytes, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = change(info.filename, src.read(info.filename))
            if body is not None:
                z.writestr(info.filename, body)
    return out.getvalue()


def _import(ccare, tmp_path, data: bytes, env=None):
    book = tmp_path / "hostile.xlsx"
    book.write_bytes(data)
    out = tmp_path / "out.ttl"
    r = ccare("import", str(book), "-o", str(out), env=env)
    assert not out.exists()
    assert "Traceback" not in r.output
    return r


def test_zip_bomb_is_refused_before_it_expands(ccare, tmp_path):
    def bomb(name, body):
        return b"<x/>" + b" " * (80 * 1024**2) if name == "xl/worksheets/sheet1.xml" else body

    r = _import(ccare, tmp_path, _rezip(_valid_xlsx(), bomb))
    assert r.exit_code == 1
    assert "would expand" in r.stderr


def test_many_parts_that_expand_too_far_together_are_refused(tmp_path):
    from ccare.errors import DataError
    from ccare.sheets import workbook

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(6):
            z.writestr(f"xl/media/pad{i}.bin", b"\0" * (50 * 1024**2))
    with pytest.raises(DataError, match="would expand"):
        workbook.check_xlsx(out.getvalue(), "x.xlsx")


@pytest.mark.parametrize("declaration", [
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>',
    b'<!DOCTYPE x SYSTEM "file:///etc/passwd">',
    b'<!ENTITY xxe SYSTEM "file:///etc/passwd">',
])
def test_entity_declarations_are_refused(ccare, tmp_path, declaration):
    def inject(name, body):
        if name == "xl/sharedStrings.xml" or name == "xl/worksheets/sheet1.xml":
            head, sep, rest = body.partition(b"?>")
            return head + sep + declaration + rest
        return body

    r = _import(ccare, tmp_path, _rezip(_valid_xlsx(), inject))
    assert r.exit_code == 1
    assert "declares a document type or entities" in r.stderr
    book = tmp_path / "hostile.xlsx"
    zh = ccare("import", str(book), "-o", str(tmp_path / "out.ttl"), "--lang", "zh")
    assert zh.exit_code == 1 and "声明了文档类型或实体（<!DOCTYPE 或 <!ENTITY）；ccare 拒绝读取" in zh.stderr


def test_a_formula_without_a_cached_value_is_refused_and_never_evaluated(ccare, tmp_path):
    book = _strategist_workbook(tmp_path, {("证据", 2, 4): "=1+2"})  # openpyxl stores no cached value
    r = ccare("import", str(book), "-o", str(tmp_path / "x.ttl"))
    assert r.exit_code == 1
    assert "sheet 证据, row 3, column E (行号): a formula without a cached value" in r.stderr
    assert not (tmp_path / "x.ttl").exists()


def test_a_formula_with_a_cached_value_is_read_as_its_value(ccare, tmp_path):
    book = _strategist_workbook(tmp_path, {("证据", 2, 4): "=1+2"})

    def cache(name, body):  # what Excel writes: the formula and the value it computed
        for empty in (b"<f>1+2</f><v></v>", b"<f>1+2</f><v />", b"<f>1+2</f><v/>"):
            body = body.replace(empty, b"<f>1+2</f><v>3</v>")
        return body

    data = _rezip(book.read_bytes(), cache)
    assert b"<f>1+2</f><v>3</v>" in b"".join(zipfile.ZipFile(io.BytesIO(data)).read(n)
                                          for n in zipfile.ZipFile(io.BytesIO(data)).namelist())
    book.write_bytes(data)
    out = tmp_path / "x.ttl"
    r = ccare("import", str(book), "-o", str(out))
    assert r.exit_code == 0, r.output
    g = Graph().parse(out, format="turtle")
    assert any(int(g.value(e, CC.line)) == 3 for e in g.subjects(CC.quote, Literal("下单之后直接走到支付")))


def test_too_many_rows_are_refused(ccare, tmp_path):
    rows = [["payment", "serves", "convertible", "", "false"]] * 20
    r = _import(ccare, tmp_path, xlsx_bytes({"relations": rows}), env={"CCARE_MAX_SHEET_ROWS": "10"})
    assert r.exit_code == 1
    assert "more than 10 rows" in r.stderr


def test_a_workbook_over_the_size_limit_is_refused(ccare, tmp_path):
    r = _import(ccare, tmp_path, _valid_xlsx(), env={"CCARE_MAX_FILE_SIZE": "1K"})
    assert r.exit_code == 1
    assert "over the limit of 1,024 bytes" in r.stderr


def test_a_csv_folder_names_file_row_and_column(ccare, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "关系.csv").write_text("主语,关系,宾语,推断\n支付,实现价值,可转化,false\n支付,serves,convertable,false\n",
                                    encoding="utf-8")
    r = ccare("import", str(folder), "-o", str(tmp_path / "x.ttl"))
    assert r.exit_code == 1
    assert ("sheet 关系.csv, row 3, column C (宾语): unknown entity 'convertable'; did you mean: convertible?"
            in r.stderr)
    # the good row is read: what it lacks is its evidence, said on its own row
    assert "sheet 关系.csv, row 2, column B (关系): no evidence" in r.stderr


def test_not_a_workbook_and_no_map_sheet(ccare, tmp_path):
    r = _import(ccare, tmp_path, b"PK\x03\x04 but not a zip at all")
    assert r.exit_code == 1 and "not a ZIP archive" in r.stderr
    folder = tmp_path / "empty"
    folder.mkdir()
    r = ccare("import", str(folder), "-o", str(tmp_path / "y.ttl"))
    assert r.exit_code == 1 and "no map sheet in the folder" in r.stderr


def test_json_of_a_problem_names_its_place():
    from ccare.sheets.workbook import Problem

    p = Problem("relations", 5, 2, "object / 宾语", "unknown_near", (("kind", "entity"), ("value", "x"), ("near", "y")))
    d = p.to_json()
    assert (d["sheet"], d["row"], d["column"], d["code"]) == ("relations", 5, "C", "unknown_near")
    assert json.dumps(d, ensure_ascii=False)


def test_an_edited_whole_map_replaces_the_shipped_one_with_map(ccare, tmp_path):
    """A strategist exports the whole map, renames a product in Excel and imports it again.
    Given with --data, the edit would stand beside the shipped label (two Chinese labels,
    a violation); given with --map, it replaces the shipped map: one label, the new one,
    in every answer, and the map conforms. Unedited, --map answers as the shipped map."""
    book, again = tmp_path / "map.xlsx", tmp_path / "map-again.ttl"
    assert ccare("export", "sheet", "-o", str(book)).exit_code == 0
    assert ccare("import", str(book), "-o", str(again)).exit_code == 0
    assert ccare.json("loops", "--map", str(again)) == ccare.json("loops")
    wb = openpyxl.load_workbook(book)
    (row,) = [r for r in wb["entities"].iter_rows(min_row=2) if r[0].value == "mini-program"]
    assert row[2].value == "小程序"
    row[2].value = "支付宝小程序"
    wb.save(book)
    edited = tmp_path / "edited.ttl"
    assert ccare("import", str(book), "-o", str(edited)).exit_code == 0

    merged = ccare("validate", str(edited))
    assert merged.exit_code == 1 and "one label per language" in merged.output
    r = ccare("validate", "--map", str(edited), "--lang", "zh")
    assert r.exit_code == 0 and "符合规则：地图 " in r.output, r.output
    shown = ccare.json("show", "mini-program", "--map", str(edited))
    assert shown["labels"]["zh"] == "支付宝小程序"
    first = ccare("loops", "--map", str(edited), "--limit", "1", "--lang", "zh")
    assert "支付 → 支付宝小程序 → 支付" in first.output and "→ 小程序 →" not in first.output
    # --data extends the --map; an endpoint's map cannot be replaced
    ext = Path(__file__).resolve().parent.parent / "examples" / "extension.ttl"
    assert "smart-menu" in [p["id"] for p in ccare.json("products", "--map", str(edited), "--data", str(ext))]
    r = ccare("products", "--map", str(edited), "--endpoint", "http://127.0.0.1:9/query", "--lang", "zh")
    assert r.exit_code == 2 and "错误：基础地图（--map）会替换内置地图" in r.output, r.output


def test_the_library_takes_a_base_map(tmp_path):
    import ccare
    from ccare.errors import UsageError

    book, again = tmp_path / "map.xlsx", tmp_path / "map-again.ttl"
    from click.testing import CliRunner

    from ccare.cli import cli

    for args in (["export", "sheet", "-o", str(book)], ["import", str(book), "-o", str(again)]):
        assert CliRunner().invoke(cli, args).exit_code == 0
    m = ccare.load(base=[again], cache=False)
    assert [w.nodes for w in m.loops()] == [w.nodes for w in ccare.load(cache=False).loops()]
    with pytest.raises(UsageError):
        ccare.load(base=[again], endpoint="http://127.0.0.1:9/query")

"""Issue 12, the CLI part: one vocabulary for options, no silent no-ops.

- a need is its code in any case or its zh/en name, as the map labels it;
- ``--scale``/``--stage`` take the words ``ccare import`` takes;
- ``--domain`` takes the ids the JSON prints (``public``/``private`` still work);
- every command that prints a table takes ``--format csv`` and ``-o FILE``;
- coverage marks ● ○ – in tables, ``stated``/``inferred``/empty in CSV;
- ``,`` between an option's values, ``;`` inside a CSV cell;
- a ``--data`` file that is no RDF, a product that is not one, an Excel workbook given to
  ``ccare import``: each is said, by name, never a silent nothing.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from ccare.portfolio.names import Names

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CJK_OR_SYMBOL = re.compile(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}")  # three English words in a row: a sentence


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _need_names(kb, code: str) -> dict:
    return dict(kb.entity(kb.need(code)).labels)


# ---------------------------------------------------------------------- needs


@pytest.mark.parametrize("code", ["SCALE", "ACTIVE", "WORTH", "EFFICIENCY"])
def test_need_by_code_any_case_and_by_name(ccare, kb, code):
    want = ccare.json("products", "--need", code)
    names = _need_names(kb, code)
    assert names.get("zh") and names.get("en")
    for given in (code.lower(), code.title(), names["zh"], names["en"], names["en"].upper()):
        assert ccare.json("products", "--need", given) == want, given


def test_needs_list_mixes_codes_and_names(ccare, kb):
    active, worth = _need_names(kb, "ACTIVE")["zh"], _need_names(kb, "WORTH")["en"]
    want = ccare.json("loops", "--needs", "ACTIVE,WORTH", "--limit", "3")
    assert want
    assert ccare.json("loops", "--needs", f"{active},{worth}", "--limit", "3") == want
    assert ccare.json("loops", "--needs", f"active, {worth}", "--limit", "3") == want
    got = ccare.json("prescribe", "--has", "fan-group", "--needs", f"scale,{active}")
    assert got == ccare.json("prescribe", "--has", "fan-group", "--needs", "SCALE,ACTIVE")


@pytest.mark.parametrize("args", [("products", "--need", "nope"), ("loops", "--needs", "SCALE,nope"),
                                  ("gaps", "--has", "fan-group", "--needs", "不存在的诉求")])
def test_unknown_need_is_a_usage_error_listing_the_codes(ccare, args):
    r = ccare(*args)
    assert r.exit_code == 2
    assert "SCALE, ACTIVE, WORTH, EFFICIENCY" in r.output
    r = ccare(*args, "--lang", "zh")
    assert r.exit_code == 2 and "错误：" in r.output and "未知的诉求" in r.output


# ---------------------------------------------------------------------- scale and stage


def test_scale_and_stage_take_the_words_import_takes(ccare, kb):
    names = Names(kb)
    want = ccare.json("prescribe", "--has", "fan-group", "--needs", "SCALE,ACTIVE,WORTH", "--scale", "small",
                      "--stage", "exploring")
    small = [k for k, v in names.scales.items() if kb.node_id(v) == "scale-small"]
    exploring = [k for k, v in names.stages.items() if kb.node_id(v) == "stage-exploring"]
    assert "scale-small" in small and any(re.search(r"[\u4e00-\u9fff]", k) for k in small)
    for s in small:
        for st in exploring:
            got = ccare.json("prescribe", "--has", "fan-group", "--needs", "SCALE,ACTIVE,WORTH", "--scale", s,
                             "--stage", st)
            assert got == want, (s, st)
    mature = ccare.json("prescribe", "--has", "fan-group", "--stage", "stage-mature")
    assert mature == ccare.json("prescribe", "--has", "fan-group", "--stage", "MATURE")


def test_unknown_scale_or_stage_is_a_usage_error_listing_the_allowed(ccare):
    r = ccare("prescribe", "--has", "fan-group", "--scale", "huge")
    assert r.exit_code == 2 and "small, medium, large" in r.output
    r = ccare("prescribe", "--has", "fan-group", "--stage", "teenage", "--lang", "zh")
    assert r.exit_code == 2 and "未知的数字化阶段" in r.output and "exploring, mature" in r.output


# ---------------------------------------------------------------------- domain


def test_domain_takes_the_json_ids_and_the_short_names(ccare):
    for short, ident in (("public", "public-domain"), ("private", "private-domain")):
        by_id = ccare.json("products", "--domain", ident)
        assert by_id and by_id == ccare.json("products", "--domain", short)
        assert all(ident in p["domains"] for p in by_id)
    table = ccare("products", "--domain", "private-domain").stdout
    assert "private-domain" in table
    r = ccare("products", "--domain", "inside")
    assert r.exit_code == 2 and "public-domain" in r.output


# ---------------------------------------------------------------------- csv and -o everywhere


TABLE_COMMANDS = [
    ("info",),
    ("products", "--need", "ACTIVE"),
    ("list", "advantages"),
    ("show", "fan-group"),
    ("coverage", "mini-program", "fan-group"),
    ("rank",),
    ("gaps", "--has", "mini-program,fan-group"),
    ("whatif", "--drop", "alipay-live"),
    ("loops", "--limit", "2"),
    ("path", "zhima-credit", "payment", "--k", "1"),
    ("prescribe", "--has", "mini-program", "--needs", "SCALE,ACTIVE,WORTH"),
]


@pytest.mark.parametrize("args", TABLE_COMMANDS, ids=[a[0] for a in TABLE_COMMANDS])
def test_every_table_command_prints_csv(ccare, args):
    r = ccare(*args, "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = _rows(r.stdout)
    assert rows, r.stdout
    header = r.stdout.splitlines()[0].split(",")
    assert len(set(header)) == len(header) and all(h for h in header)


def test_portfolio_prints_csv(ccare):
    r = ccare("portfolio", "prescribe", "--data", str(EXAMPLES / "merchants.ttl"), "--format", "csv")
    assert r.exit_code == 0, r.output
    assert _rows(r.stdout)


@pytest.mark.parametrize("args", TABLE_COMMANDS, ids=[a[0] for a in TABLE_COMMANDS])
@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_every_table_command_writes_o_file(ccare, args, fmt, tmp_path):
    printed = ccare(*args, "--format", fmt)
    assert printed.exit_code == 0, printed.output
    out = tmp_path / f"out.{fmt}"
    r = ccare(*args, "--format", fmt, "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    assert out.read_text(encoding="utf-8") == printed.stdout
    assert str(out) in r.stderr


def test_o_is_written_whole_or_not_at_all(ccare, tmp_path):
    out = tmp_path / "missing-folder" / "loops.txt"
    r = ccare("loops", "-o", str(out))
    assert r.exit_code == 1 and "missing-folder" in r.output
    assert not out.parent.exists()
    old = tmp_path / "products.csv"
    old.write_text("before", encoding="utf-8")
    r = ccare("products", "--need", "nope", "--format", "csv", "-o", str(old))
    assert r.exit_code == 2
    assert old.read_text(encoding="utf-8") == "before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["products.csv"]


def test_o_keeps_what_a_cut_short_search_found(ccare, tmp_path):
    out = tmp_path / "loops.csv"
    r = ccare("loops", "--max-steps", "3", "--format", "csv", "-o", str(out))
    assert r.exit_code == 3
    assert out.read_text(encoding="utf-8").startswith("result,step,")


def test_o_dash_is_standard_output(ccare):
    r = ccare("products", "--need", "ACTIVE", "--format", "csv", "-o", "-")
    assert r.exit_code == 0 and r.stdout.startswith("id,label,")


# ---------------------------------------------------------------------- marks and separators


def test_coverage_marks_are_one_set(ccare):
    table = ccare("coverage").stdout
    body = table.splitlines()[2:-1]
    marks = {cell for line in body for cell in line.split() if len(cell) == 1 and not cell.isalnum()}
    assert marks <= {"●", "○", "–"} and {"●", "○", "–"} <= marks
    assert " x " not in table and " ~ " not in table
    assert "●" in table.splitlines()[-1] and "○" in table.splitlines()[-1]
    rows = _rows(ccare("coverage", "--format", "csv").stdout)
    cells = {v for r in rows for k, v in r.items() if "/" in k}
    assert cells == {"stated", "inferred", ""}


def test_csv_cells_hold_several_values_with_semicolons(ccare):
    rows = _rows(ccare("coverage", "--format", "csv").stdout)
    assert any(";" in r["needs"] for r in rows) and not any(" " in r["needs"] for r in rows)
    rows = _rows(ccare("loops", "--limit", "1", "--format", "csv").stdout)
    assert rows[0]["needs"] == "SCALE;ACTIVE;WORTH;EFFICIENCY"
    rows = _rows(ccare("products", "--format", "csv").stdout)
    assert any(";" in r["needs"] for r in rows)
    fan = [r for r in rows if r["id"] == "fan-group"]
    assert {r["domains"] for r in fan} == {"private-domain"}
    rows = _rows(ccare("prescribe", "--has", "fan-group", "--needs", "SCALE,ACTIVE,WORTH", "--scale", "small",
                       "--format", "csv").stdout)
    assert rows and all(" " not in r["add"] for r in rows)
    rows = _rows(ccare("whatif", "--drop", "alipay-live", "--format", "csv").stdout)
    assert all(";" in r["products"] for r in rows if r["status"] in ("lost", "kept"))


def test_through_and_without_take_commas(ccare):
    one = ccare.json("loops", "--through", "fan-group", "--through", "mini-program", "--limit", "3")
    assert one == ccare.json("loops", "--through", "fan-group,mini-program", "--limit", "3")
    two = ccare.json("loops", "--without", "alipay-live", "--without", "zhima-credit", "--limit", "3")
    assert two == ccare.json("loops", "--without", "alipay-live,zhima-credit", "--limit", "3")


def _formula_product(tmp_path) -> Path:
    text = (EXAMPLES / "extension.ttl").read_text(encoding="utf-8")
    text = text.replace('"scan-to-order menu"@en', '"=HYPERLINK(\\"http://example.org\\")"@en')
    p = tmp_path / "formula.ttl"
    p.write_text(text, encoding="utf-8")
    return p


def test_new_csv_keeps_the_formula_guard(ccare, tmp_path):
    data = str(_formula_product(tmp_path))
    for args in (("products",), ("list", "products"), ("show", "smart-menu"), ("coverage", "smart-menu")):
        guarded = ccare(*args, "--data", data, "--format", "csv")
        assert guarded.exit_code == 0, guarded.output
        assert "'=HYPERLINK" in guarded.stdout, args
        raw = ccare(*args, "--data", data, "--format", "csv", "--csv-raw")
        assert "'=HYPERLINK" not in raw.stdout and "=HYPERLINK" in raw.stdout, args


# ---------------------------------------------------------------------- no silent no-ops


def test_data_json_that_is_not_jsonld_is_an_error_naming_it(ccare, tmp_path):
    thing = tmp_path / "thing.json"
    thing.write_text('{"name": "fan group", "products": [1, 2]}', encoding="utf-8")
    r = ccare("info", "--data", str(thing))
    assert r.exit_code == 1
    assert "thing.json" in r.output and "not JSON-LD" in r.output
    r = ccare("products", "--data", str(thing), "--lang", "zh")
    assert r.exit_code == 1 and "thing.json" in r.output and "不是 JSON-LD" in r.output
    # real JSON-LD still merges
    ld = tmp_path / "ok.jsonld"
    ld.write_text('{"@id": "https://w3id.org/ccare/id/fan-group", '
                  '"http://www.w3.org/2000/01/rdf-schema#comment": "mine"}', encoding="utf-8")
    assert ccare("info", "--data", str(ld)).exit_code == 0


def test_portfolio_csv_given_to_data_says_to_import_it_first(ccare, tmp_path):
    for name in ("portfolio.csv", "portfolio.txt"):
        p = tmp_path / name
        shutil.copy(EXAMPLES / "portfolio.csv", p)
        r = ccare("portfolio", "prescribe", "--data", str(p))
        assert r.exit_code == 1, r.output
        assert "ccare import" in r.output and name in r.output
        assert "not a valid subject" not in r.output
    r = ccare("info", "--data", str(tmp_path / "portfolio.csv"), "--lang", "zh")
    assert r.exit_code == 1 and "ccare import" in r.output and "商家组合" in r.output


def test_excel_workbook_is_named_as_one(ccare, tmp_path):
    book = tmp_path / "merchants.xlsx"
    book.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64 + b"[Content_Types].xml")
    r = ccare("import", str(book), "-o", str(tmp_path / "m.ttl"))
    assert r.exit_code == 1
    # ccare import reads workbooks now (map sheets, or a portfolio's first sheet): a damaged
    # one is named as a workbook, never as text in another encoding
    assert "Excel workbook" in r.output and "--encoding" not in r.output
    assert not (tmp_path / "m.ttl").exists()
    r = ccare("import", str(book), "-o", "-", "--encoding", "gb18030", "--lang", "zh")
    assert r.exit_code == 1 and "Excel 工作簿" in r.output
    r = ccare("info", "--data", str(book))
    assert r.exit_code == 1 and "merchants.xlsx" in r.output and "Excel" in r.output


def test_a_product_that_is_not_one_is_said_not_dropped_silently(ccare, tmp_path):
    text = (EXAMPLES / "extension.ttl").read_text(encoding="utf-8")
    bad = tmp_path / "typo.ttl"
    bad.write_text(text.replace(":smart-menu a cc:OtherProduct", ":smart-menu a cc:OtherProdcut"), encoding="utf-8")
    r = ccare("products", "--data", str(bad))
    assert r.exit_code == 0
    assert "smart-menu" in r.stderr and "ccare validate" in r.stderr
    assert "smart-menu" not in r.stdout
    r = ccare("products", "--data", str(bad), "--lang", "zh")
    assert "smart-menu" in r.stderr and "未列出" in r.stderr
    good = ccare("products", "--data", str(EXAMPLES / "extension.ttl"))
    assert "smart-menu" in good.stdout and good.stderr == ""
    assert ccare("products").stderr == ""


def test_export_csv_makes_its_folder(ccare, tmp_path):
    out = tmp_path / "tables"
    r = ccare("export", "csv", "-o", f"{out}/")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["edges.csv", "nodes.csv"]
    r = ccare("export", "csv", "-o", str(tmp_path / "nodes.csv"))
    assert r.exit_code == 2 and not (tmp_path / "nodes.csv").exists()


def test_zh_messages_of_this_issue_are_chinese(ccare, tmp_path):
    thing = tmp_path / "thing.json"
    thing.write_text("[1, 2]", encoding="utf-8")
    book = tmp_path / "b.xlsx"
    book.write_bytes(b"PK\x03\x04" + b"\x00" * 32)
    for args in (("info", "--data", str(thing)), ("import", str(book), "-o", "-"),
                 ("info", "--data", str(EXAMPLES / "portfolio.csv")),
                 ("prescribe", "--has", "fan-group", "--scale", "huge"), ("products", "--domain", "inside")):
        r = ccare(*args, "--lang", "zh")
        assert r.exit_code in (1, 2)
        said = r.output.split("错误：", 1)[1]
        assert not CJK_OR_SYMBOL.search(said.replace("`ccare import", "").replace("merchants.ttl", "")), said


def test_validate_and_cache_print_csv_and_write_o(ccare, tmp_path):
    text = (EXAMPLES / "extension.ttl").read_text(encoding="utf-8")
    bad = tmp_path / "typo.ttl"
    bad.write_text(text.replace(":smart-menu a cc:OtherProduct", ":smart-menu a cc:OtherProdcut"), encoding="utf-8")
    (tmp_path / "field-notes-2024.txt").write_bytes((EXAMPLES / "field-notes-2024.txt").read_bytes())  # its source
    printed = ccare("validate", str(bad), "--format", "csv")
    assert printed.exit_code == 1
    rows = _rows(printed.stdout)
    assert rows and {r["focus"] for r in rows} == {"smart-menu"}
    out = tmp_path / "violations.csv"
    r = ccare("validate", str(bad), "--format", "csv", "-o", str(out))
    assert r.exit_code == 1 and r.stdout == ""
    assert out.read_text(encoding="utf-8") == printed.stdout  # the report is the answer: written
    ok = ccare("validate", str(EXAMPLES / "extension.ttl"), "--format", "csv")
    assert ok.exit_code == 0 and ok.stdout.splitlines() == ["focus,focus_label,rule,message,path,value,severity"]
    r = ccare("cache", "--format", "csv", "-o", str(tmp_path / "cache.csv"))
    assert r.exit_code == 0
    assert (tmp_path / "cache.csv").read_text(encoding="utf-8").startswith("key,store,bytes")


# ---------------------------------------------------------------------- supported platforms


def test_without_fork_the_commands_run_as_the_readme_says(ccare, monkeypatch):
    """Windows has no ``fork``: the worker is a thread (README, "Supported platforms"), and
    the commands that use it still answer, with no traceback."""
    import ccare.query.sandbox as bounded

    monkeypatch.delattr(bounded.os, "fork")
    r = ccare("sparql", "ASK { ccid:fan-group cc:serves ccid:interactive }", "--format", "json")
    assert r.exit_code == 0 and '"boolean": true' in r.stdout
    r = ccare("validate", str(EXAMPLES / "extension.ttl"))
    assert r.exit_code == 0 and "Traceback" not in r.output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    platforms = readme.split("## Supported platforms", 1)[1].split("\n## ", 1)[0]
    for word in ("**Linux**", "**macOS**", "**Windows**", "fork", "--timeout", "CCARE_MAX_MEMORY"):
        assert word in platforms, word


# ---------------------------------------------------------------------- endpoints


def _commands(group, path=()):
    """Every command under ``group``, as (path, command); the lazy groups load them."""
    import click

    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*path, name))
        else:
            yield (*path, name), cmd


def test_every_command_that_asks_an_endpoint_can_be_bounded_in_time():
    """A command that takes --endpoint takes --timeout too: an endpoint that never answers
    cannot hold any command longer than the user allows (tests/test_endpoint_faults.py
    runs them against one).  ``ccare load`` bounds each request (--request-timeout): a
    load is long by nature, and one cut short says how to finish it."""
    from ccare.cli import cli

    asking = {path: {o for p in cmd.params for o in p.opts} for path, cmd in _commands(cli)}
    asking = {path: opts for path, opts in asking.items() if "--endpoint" in opts}
    assert len(asking) >= 15
    assert [" ".join(path) for path, opts in asking.items() if not opts & {"--timeout", "--request-timeout"}] == []


def test_timeout_without_an_endpoint_changes_nothing(ccare):
    plain = ccare("products", "--format", "json")
    bounded = ccare("products", "--format", "json", "--timeout", "5")
    assert plain.exit_code == bounded.exit_code == 0 and plain.stdout == bounded.stdout

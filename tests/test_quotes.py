"""Quotes checked against their sources by ``ccare validate`` (issue 14).

A ``cc:Source`` naming a file ccare finds has every quote citing it checked: verbatim,
on the line given.  The file is a plain name, looked up in the data file's folder or
in ``--sources DIR``; it must be a regular file within the size limit.  A source not found
is a warning naming it; a quote not found is a violation naming the file, the line and
the nearest line where the quote does occur.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ccare.kb.model import load
from ccare.query import quotes
from ccare.query.shacl import validate

ROOT = Path(__file__).resolve().parents[1]

NOTES = "服务商访谈笔记\n受访：一家餐饮服务商\n顾客扫码点单后直接支付。\n桌码是商家自己的。\n"  # 4 lines


def _extension(line: int, quote: str, file: str = "notes.txt") -> str:
    return f"""@prefix : <https://w3id.org/ccare/id/> .
@prefix cc: <https://w3id.org/ccare/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
:my-notes a cc:Source ; rdfs:label "访谈笔记"@zh , "interview notes"@en ;
    skos:definition "Notes of an interview."@en ; cc:file "{file}" .
:smart-menu a cc:OtherProduct ; rdfs:label "扫码点单"@zh , "scan-to-order menu"@en ;
    skos:definition "Ordering by scanning a QR code at the table."@en ;
    cc:evidence [ cc:source :my-notes ; cc:line {line} ; cc:quote "{quote}" ] .
[] a cc:Assertion ; rdf:subject :smart-menu ; rdf:predicate cc:serves ; rdf:object :convertible ;
    cc:inferred false ; cc:evidence [ cc:source :my-notes ; cc:line 3 ; cc:quote "扫码点单后直接支付" ] .
[] a cc:Assertion ; rdf:subject :smart-menu ; rdf:predicate cc:livesIn ; rdf:object :private-domain ;
    cc:inferred false ; cc:evidence [ cc:source :my-notes ; cc:line 4 ; cc:quote "桌码是商家自己的" ] .
"""


def _files(tmp_path, line, quote, notes=NOTES, file="notes.txt", where=None):
    tmp_path.mkdir(parents=True, exist_ok=True)
    ttl = tmp_path / "ext.ttl"
    ttl.write_text(_extension(line, quote, file), encoding="utf-8")
    if notes is not None:
        (where or tmp_path).mkdir(parents=True, exist_ok=True)
        (where or tmp_path).joinpath(file).write_text(notes, encoding="utf-8")
    return ttl


def test_a_made_up_quote_on_line_99_of_a_4_line_notes_file_does_not_conform(ccare, tmp_path):
    ttl = _files(tmp_path, 99, "这句话笔记里没有")
    r = ccare("validate", str(ttl), "--lang", "en")
    assert r.exit_code == 1, r.output
    assert "the quote “这句话笔记里没有” is not on line 99 of notes.txt (4 lines); it occurs nowhere in notes.txt" \
        in r.stdout
    assert "smart-menu" in r.stdout and "quote on its line" in r.stdout
    d = json.loads(ccare("validate", str(ttl), "--format", "json").stdout)
    assert d["conforms"] is False
    (v,) = d["violations"]
    assert (v["focus"], v["rule"], v["file"], v["line"], v["nearest_line"], v["value"]) == \
        ("smart-menu", "quote on its line", "notes.txt", 99, None, "这句话笔记里没有")
    (s,) = [s for s in d["sources"] if s["source"] == "my-notes"]
    assert (s["status"], s["quotes"], s["wrong"], s["path"]) == ("checked", 3, 1, str(tmp_path / "notes.txt"))
    assert d["warnings"] == []


def test_the_same_notes_with_true_quotes_conform(ccare, tmp_path):
    ttl = _files(tmp_path, 3, "扫码点单")
    r = ccare("validate", str(ttl))
    assert r.exit_code == 0, r.output
    d = json.loads(ccare("validate", str(ttl), "--format", "json").stdout)
    assert {s["source"]: (s["status"], s["quotes"], s["wrong"]) for s in d["sources"]} == \
        {"my-notes": ("checked", 3, 0), "openday-2023": ("checked", d["sources"][1]["quotes"], 0)}


def test_a_quote_on_the_wrong_line_names_the_nearest_line_where_it_occurs(ccare, tmp_path):
    notes = "桌码\n一\n二\n桌码\n三\n四\n五\n桌码\n"
    ttl = _files(tmp_path, 6, "桌码", notes=notes)
    d = json.loads(ccare("validate", str(ttl), "--format", "json").stdout)
    wrong = [v for v in d["violations"] if v["rule"] == "quote on its line"]
    # line 4 is 2 away, line 8 too: the earlier; the assertions' quotes (lines 3 and 4) are wrong as well
    assert {(v["focus"], v["line"], v["nearest_line"]) for v in wrong} == {
        ("smart-menu", 6, 4),
        ("smart-menu cc:serves convertible", 3, None),
        ("smart-menu cc:livesIn private-domain", 4, None)}
    zh = ccare("validate", str(ttl), "--lang", "zh")
    assert zh.exit_code == 1
    assert "引文“桌码”不在 notes.txt 的第 6 行（该文件共 8 行）；它出现在第 4 行" in zh.stdout
    assert "引文“扫码点单后直接支付”不在 notes.txt 的第 3 行（该文件共 8 行）；notes.txt 中没有这句引文" in zh.stdout
    assert "引文在所注的行" in zh.stdout and "quote on its line" not in zh.stdout


def test_a_source_not_found_is_a_warning_that_names_it(ccare, tmp_path):
    ttl = _files(tmp_path, 99, "这句话笔记里没有", notes=None)
    r = ccare("validate", str(ttl))
    assert r.exit_code == 0, r.output  # nothing to check against: a warning, not a violation
    assert "source my-notes names the file notes.txt, which was not found" in r.stderr
    assert "its 3 quotes are not checked; give --sources DIR" in r.stderr
    zh = ccare("validate", str(ttl), "--lang", "zh")
    assert "警告：来源 my-notes 指向文件 notes.txt，但没有找到" in zh.stderr
    d = json.loads(ccare("validate", str(ttl), "--format", "json").stdout)
    assert [(w["source"], w["file"], w["status"], w["quotes"]) for w in d["warnings"]] == \
        [("my-notes", "notes.txt", "not found", 3)]
    rows = ccare("validate", str(ttl), "--format", "csv").stdout.splitlines()
    assert len(rows) == 2 and rows[1].startswith("my-notes,,source is found,") and rows[1].endswith(",Warning")


def test_sources_dir_is_searched_after_the_data_files_folder(ccare, tmp_path):
    ttl = _files(tmp_path, 99, "这句话笔记里没有", where=tmp_path / "interviews")
    r = ccare("validate", str(ttl), "--sources", str(tmp_path / "interviews"))
    assert r.exit_code == 1 and "it occurs nowhere in notes.txt" in r.stdout
    (tmp_path / "notes.txt").write_text(NOTES + "……\n" * 116 + "这句话笔记里没有\n", encoding="utf-8")
    r = ccare("validate", str(ttl), "--sources", str(tmp_path / "interviews"), "--format", "json")
    (v,) = json.loads(r.stdout)["violations"]  # the data file's folder first: its notes.txt is the one read
    assert (v["line"], v["nearest_line"]) == (99, 121)
    assert ccare("validate", str(ttl), "--sources", str(tmp_path / "nowhere")).exit_code == 2


@pytest.mark.parametrize("name", ["../notes.txt", "sub/notes.txt", "/etc/hostname", "..", "a\\\\b.txt"])
def test_a_name_with_a_path_is_not_looked_up(ccare, tmp_path, name):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "notes.txt").write_text(NOTES, encoding="utf-8")
    ttl = _files(tmp_path / "sub", 99, "这句话笔记里没有", notes=None, file=name)
    r = ccare("validate", str(ttl), "--format", "json")
    assert r.exit_code == 0, r.output  # never read, so never checked: said in a warning
    (w,) = json.loads(r.stdout)["warnings"]
    assert (w["source"], w["status"]) == ("my-notes", "not a plain name")
    assert "is not a plain file name" in ccare("validate", str(ttl)).stderr


def test_a_symbolic_link_out_of_the_folder_is_refused(ccare, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.txt").write_text(NOTES, encoding="utf-8")
    data = tmp_path / "data"
    ttl = _files(data, 3, "扫码点单", notes=None)
    data.joinpath("notes.txt").symlink_to(tmp_path / "elsewhere" / "secret.txt")
    r = ccare("validate", str(ttl), "--format", "json")
    assert r.exit_code == 1
    (v,) = json.loads(r.stdout)["violations"]
    assert v["rule"] == "source can be read" and "symbolic link to a file outside its folder" in v["message"]
    data.joinpath("notes.txt").unlink()  # a link to a file of the same folder is that file
    data.joinpath("real.txt").write_text(NOTES, encoding="utf-8")
    data.joinpath("notes.txt").symlink_to(data / "real.txt")
    assert ccare("validate", str(ttl)).exit_code == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_hanging(ccare, tmp_path):
    ttl = _files(tmp_path, 3, "扫码点单", notes=None)
    os.mkfifo(tmp_path / "notes.txt")
    r = ccare("validate", str(ttl), "--lang", "zh")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "来源 my-notes：无法读取 notes.txt：是 FIFO（命名管道），不是来源文本" in r.stdout


def test_an_oversized_or_undecodable_source_is_a_clean_error(ccare, tmp_path):
    ttl = _files(tmp_path, 3, "扫码点单", notes=NOTES + "……\n" * 8000)  # 56 KiB of notes, 1 KiB of RDF
    r = ccare("validate", str(ttl), "--format", "json", env={"CCARE_MAX_FILE_SIZE": "24K"})
    (v,) = json.loads(r.stdout)["violations"]
    assert r.exit_code == 1 and v["rule"] == "source can be read" and "over the limit of 24,576 bytes" in v["message"]
    (tmp_path / "notes.txt").write_bytes(NOTES.encode("gb18030"))  # as Excel saves it on a Chinese system
    assert ccare("validate", str(ttl)).exit_code == 0  # read as GB18030: the quotes are on their lines
    (tmp_path / "notes.txt").write_bytes(NOTES.encode("utf-8").replace("服务商".encode("utf-8"), b"\xff", 1))
    r = ccare("validate", str(ttl))
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "notes.txt cannot be read: line 1: neither UTF-8 nor GB18030: byte 0xff cannot be decoded" in r.stdout
    zh = ccare("validate", str(ttl), "--lang", "zh")
    assert "无法读取 notes.txt：第 1 行：既不是 UTF-8 也不是 GB18030 编码：字节 0xff 无法解码" in zh.stdout


def test_a_binary_source_is_a_warning_not_a_violation(ccare, tmp_path):
    """A workbook or a PDF has no lines of text to find a quote on: its quotes are not
    checked, and the warning says what the file is."""
    ttl = _files(tmp_path, 3, "扫码点单", notes=None)
    (tmp_path / "notes.txt").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    r = ccare("validate", str(ttl))
    assert r.exit_code == 0, r.output
    assert "notes.txt, which is not a text file (a ZIP archive, such as an Excel workbook): its 3 quotes are " \
           "not checked" in r.stderr
    zh = ccare("validate", str(ttl), "--lang", "zh")
    assert "不是文本文件（ZIP 压缩包，例如 Excel 工作簿）" in zh.stderr
    (w,) = json.loads(ccare("validate", str(ttl), "--format", "json").stdout)["warnings"]
    assert (w["source"], w["status"]) == ("my-notes", "not text")


def test_a_portfolio_imported_from_a_workbook_validates_beside_it(ccare, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    import csv

    wb = openpyxl.Workbook()
    for row in csv.reader((ROOT / "examples" / "portfolio.csv").read_text(encoding="utf-8").splitlines()):
        wb.active.append(row)
    wb.save(tmp_path / "pf.xlsx")
    assert ccare("import", str(tmp_path / "pf.xlsx"), "-o", str(tmp_path / "m.ttl")).exit_code == 0
    r = ccare("validate", str(tmp_path / "m.ttl"))
    assert r.exit_code == 0, r.output
    assert "pf.xlsx, which is not a text file" in r.stderr


def test_a_gbk_portfolio_validates_beside_its_csv(ccare, tmp_path):
    """Excel on a Chinese system saves CSV in GBK; `ccare import --encoding gb18030` reads it,
    and its rows, quoted as evidence, are found on their lines."""
    text = (ROOT / "examples" / "portfolio.csv").read_text(encoding="utf-8")
    (tmp_path / "pf.csv").write_bytes(text.encode("gb18030"))
    assert ccare("import", str(tmp_path / "pf.csv"), "--encoding", "gb18030", "-o", str(tmp_path / "m.ttl")) \
        .exit_code == 0
    d = json.loads(ccare("validate", str(tmp_path / "m.ttl"), "--format", "json").stdout)
    assert d["conforms"], d["violations"]
    assert [(s["file"], s["status"], s["wrong"]) for s in d["sources"] if s["file"] == "pf.csv"] == \
        [("pf.csv", "checked", 0)]


def test_a_quote_of_several_lines_starts_on_its_line(tmp_path):
    """A CSV row with a line break in a cell is quoted whole, from the line it starts on."""
    lines = quotes.source_lines(str(_write(tmp_path / "p.csv", 'id,name\r\nM1,"two\r\nlines"\r\n')))
    assert quotes.locate(lines, 2, 'M1,"two\r\nlines"') == (True, 2)
    assert quotes.locate(lines, 3, 'M1,"two\nlines"') == (False, 2)


def _write(p: Path, text: str) -> Path:
    p.write_bytes(text.encode("utf-8"))
    return p


def test_the_library_checks_what_the_cli_checks(tmp_path):
    ttl = _files(tmp_path, 99, "这句话笔记里没有")
    report = validate(load([ttl], cache=False))
    assert not report.conforms
    assert [(v.focus, v.file, v.line, v.nearest_line) for v in report.violations] == \
        [("smart-menu", "notes.txt", 99, None)]
    assert validate(load([ttl], cache=False), quotes=False).conforms  # the shapes alone: as before


def test_the_example_extension_is_checked_against_its_notes(ccare):
    d = json.loads(ccare("validate", str(ROOT / "examples" / "extension.ttl"), "--format", "json").stdout)
    assert d["conforms"] and d["warnings"] == []
    assert {s["source"]: s["status"] for s in d["sources"]} == {"field-notes-2024": "checked",
                                                                 "openday-2023": "checked"}

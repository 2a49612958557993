"""Issue 11, the items not about endpoints: each reproduction, and variants of it.

-o and special files (3), long cells (4), spreadsheet formulas (6), terminal escapes (7),
CSV import that resynchronises (8), a file name in a Turtle comment (9), and the low
items: bad numbers and sizes, the parse cache, FIFOs, --highlight reach, deep blank
nodes, deep queries and JSON, and the query worker's sandbox and pipe.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
import re
import signal
import socket
import stat
import threading
import time
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from ccare.errors import AmbiguousEntityError, CcareError, DataError, QueryError, UnknownEntityError, UsageError
from ccare.kb import cache
from ccare.kb.model import load
from ccare.ontology import CC, ID
from ccare.query import sandbox as bounded
from ccare.rdfio import atomic as atomicio
from ccare.text import csvcells as csvsafe
from ccare.text import render
from ccare.text import terminal as termsafe

EXAMPLE_CSV = Path(__file__).resolve().parent.parent / "examples" / "portfolio.csv"

# a label that would run in a spreadsheet and drive a terminal: an OSC title, a bell, a
# right-to-left override, a carriage return, a CSI colour
EVIL_EN = '=HYPERLINK("http://x")\x1b]0;pwn\x07\u202eevil\r'
EVIL_PAYMENT = "-cmd|' /C calc'!A0\x1b[31m"
RAW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\r(?!\n)")


@pytest.fixture
def evil_ttl(tmp_path):
    f = tmp_path / "evil.ttl"
    f.write_text(
        "@prefix ccid: <https://w3id.org/ccare/id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'ccid:fan-group rdfs:label "=HYPERLINK(\\"http://x\\")\\u001B]0;pwn\\u0007\\u202Eevil\\r"@en .\n'
        "ccid:payment rdfs:label \"-cmd|' /C calc'!A0\\u001B[31m\"@en .\n"
        "ccid:evil-product a <https://w3id.org/ccare/ontology#OtherProduct> ;\n"
        '  rdfs:label "=HYPERLINK(\\"http://x\\")\\u001B]0;pwn\\u0007\\u202Eevil\\r"@en ;\n'
        '  <http://www.w3.org/2004/02/skos/core#definition> "d"@en .\n',
        encoding="utf-8")
    return f


def _rows(text: str) -> list:
    return list(csv.reader(io.StringIO(text)))


# ---------------------------------------------------------------------- 3: -o and special files


def test_output_into_dev_null_leaves_the_device(ccare):
    before = os.stat("/dev/null")
    r = ccare("export", "nt", "-o", "/dev/null")
    assert r.exit_code == 0, r.output
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino


def test_output_through_a_symlink_to_a_device_writes_into_it(ccare, tmp_path):
    link = tmp_path / "stdout-like"
    link.symlink_to("/dev/null")
    assert ccare("export", "nt", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == "/dev/null"


def test_output_to_dev_stdout_when_it_is_a_pipe(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "CCARE_CACHE_DIR": str(tmp_path / "cache")}
    r = subprocess.run([sys.executable, "-m", "ccare", "export", "nt", "-o", "/dev/stdout"], capture_output=True,
                       env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(b"<") and b"Traceback" not in r.stderr
    assert not list(Path("/dev").glob(".stdout.*.part"))


def test_output_through_a_symlink_to_a_file_replaces_the_file_and_keeps_the_link(ccare, tmp_path):
    real = tmp_path / "real.nt"
    real.write_text("old\n")
    link = tmp_path / "link.nt"
    link.symlink_to(real)
    assert ccare("export", "nt", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and real.read_text().startswith("<")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.nt", "real.nt"]


def test_output_into_a_fifo_with_a_reader(ccare, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    try:
        deadline = time.monotonic() + 10
        r = None
        while r is None or (r.exit_code != 0 and "no reader" in r.stderr and time.monotonic() < deadline):
            r = ccare("export", "nt", "-o", str(fifo))  # the reader may not have opened it yet
            if r.exit_code != 0:
                time.sleep(0.05)
        assert r.exit_code == 0, r.output
    finally:
        reader.join(10)
    assert got and got[0].startswith(b"<") and stat.S_ISFIFO(fifo.stat().st_mode)


def test_output_into_a_fifo_nobody_reads_is_refused_at_once(ccare, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    start = time.monotonic()
    r = ccare("export", "nt", "-o", str(fifo))
    assert r.exit_code == 1 and "FIFO (named pipe) with no reader" in r.stderr
    assert time.monotonic() - start < 30 and stat.S_ISFIFO(fifo.stat().st_mode)


def test_output_into_a_socket_is_refused(ccare, tmp_path):
    path = tmp_path / "s.sock"
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(path))
        r = ccare("export", "nt", "-o", str(path))
        assert r.exit_code == 1 and "is a socket" in r.stderr
        assert stat.S_ISSOCK(path.stat().st_mode)
    finally:
        s.close()


def test_import_onto_its_own_csv_is_refused_and_the_csv_kept(ccare, tmp_path):
    src = tmp_path / "a.csv"
    src.write_bytes(EXAMPLE_CSV.read_bytes())
    r = ccare("import", str(src), "-o", str(src))
    assert r.exit_code == 1 and "is also an input of this command" in r.stderr
    assert src.read_bytes() == EXAMPLE_CSV.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


@pytest.mark.parametrize("how", ["same", "hardlink", "symlink", "dotted"])
def test_output_naming_a_data_input_is_refused(ccare, tmp_path, how, evil_ttl):
    original = evil_ttl.read_bytes()
    out = {"same": evil_ttl, "hardlink": tmp_path / "hard.ttl", "symlink": tmp_path / "sym.ttl",
           "dotted": tmp_path / "." / "evil.ttl"}[how]
    if how == "hardlink":
        os.link(evil_ttl, out)
    elif how == "symlink":
        out.symlink_to(evil_ttl)
    r = ccare("export", "ttl", "--data", str(evil_ttl), "-o", str(out))
    assert r.exit_code == 1 and "is also an input" in r.stderr, r.output
    assert evil_ttl.read_bytes() == original


def test_rewriting_an_earlier_output_is_no_self_overwrite(ccare, tmp_path):
    html, report, nodes = tmp_path / "m.html", tmp_path / "r.html", tmp_path / "n.csv"
    for _ in range(2):  # the second run replaces files that now exist
        r = ccare("loops", "--limit", "1", "--html", str(html), "--report", str(report))
        assert r.exit_code in (0, 3), r.output
        assert ccare("export", "csv", "--table", "nodes", "-o", str(nodes)).exit_code == 0
    r = ccare("loops", "--limit", "1", "--html", str(html), "--data", str(html))
    assert r.exit_code == 1 or "is also an input" in r.stderr


def test_sparql_output_onto_its_query_file_is_refused(ccare, tmp_path):
    q = tmp_path / "q.rq"
    q.write_text("ASK { ?s ?p ?o }")
    r = ccare("sparql", "--file", str(q), "-o", str(q))
    assert r.exit_code == 1 and q.read_text() == "ASK { ?s ?p ?o }"


@pytest.mark.parametrize("spelling", ["same", "relative", "existing"])
def test_two_outputs_naming_one_file_are_refused_before_any_work(ccare, tmp_path, monkeypatch, spelling):
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "answer.html"
    if spelling == "existing":
        page.write_text("the strategist's earlier page")
    other = "answer.html" if spelling == "relative" else str(page)
    r = ccare("loops", "--limit", "1", "--html", str(page), "--report", other)
    assert r.exit_code == 1, r.output
    assert "--html and --report name the same file" in r.stderr and "Traceback" not in r.output
    assert r.stdout == ""  # refused before the query ran
    if spelling == "existing":
        assert page.read_text() == "the strategist's earlier page"
    else:
        assert not page.exists()


def test_an_output_and_a_page_naming_one_file_are_refused(ccare, tmp_path):
    out = tmp_path / "loops.csv"
    r = ccare("loops", "--limit", "1", "--format", "csv", "-o", str(out), "--report", str(out))
    assert r.exit_code == 1 and "--output and --report name the same file" in r.stderr
    assert not out.exists()


def _disk_full_at_second_fsync(monkeypatch):
    """The disk fills up while the second of several files is flushed."""
    calls = []
    real = atomicio.os.fsync

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(fd)

    monkeypatch.setattr(atomicio.os, "fsync", fsync)


def test_atomic_write_many_is_all_or_none(tmp_path, monkeypatch):
    a, b = tmp_path / "nodes.csv", tmp_path / "edges.csv"
    a.write_text("old nodes")
    b.write_text("old edges")
    _disk_full_at_second_fsync(monkeypatch)
    with pytest.raises(OSError):
        atomicio.atomic_write_many({a: b"new nodes", b: b"new edges"})
    assert (a.read_text(), b.read_text()) == ("old nodes", "old edges")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edges.csv", "nodes.csv"]


def test_export_csv_directory_on_a_full_disk_keeps_both_old_tables(ccare, tmp_path, monkeypatch):
    (tmp_path / "nodes.csv").write_text("old nodes")
    (tmp_path / "edges.csv").write_text("old edges")
    monkeypatch.setenv("CCARE_NO_CACHE", "1")  # the second fsync is the second table's, not a cache entry's
    _disk_full_at_second_fsync(monkeypatch)
    r = ccare("export", "csv", "-o", str(tmp_path))
    assert r.exit_code == 1 and "No space left on device" in r.stderr and "Traceback" not in r.output
    assert (tmp_path / "nodes.csv").read_text() == "old nodes" and (tmp_path / "edges.csv").read_text() == "old edges"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edges.csv", "nodes.csv"]


# ---------------------------------------------------------------------- inputs that block


@pytest.mark.parametrize("args", [
    ["info", "--data", "{fifo}"],
    ["import", "{fifo}", "-o", "-"],
    ["export", "html", "--highlight-json", "{fifo}", "-o", "-"],
    ["sparql", "--file", "{fifo}"],
    ["validate", "{fifo}"],
])
def test_a_fifo_as_input_is_refused_without_hanging(ccare, tmp_path, args):
    fifo = tmp_path / "in.ttl"
    os.mkfifo(fifo)
    start = time.monotonic()
    r = ccare(*[a.format(fifo=fifo) for a in args])
    assert r.exit_code == 1 and "FIFO" in r.stderr, r.output
    assert time.monotonic() - start < 30


def test_open_input_refuses_devices_and_directories(tmp_path):
    for path, word in (("/dev/zero", "device"), (tmp_path, "directory")):
        with pytest.raises(DataError, match=word):
            atomicio.open_input(path)


# ---------------------------------------------------------------------- 4: long cells


@pytest.mark.parametrize("args", [["products"], ["list", "products"], ["rank"], ["path", "fan-group", "payment"]])
def test_one_long_label_costs_a_table_no_more_than_its_cut(ccare, tmp_path, args):
    f = tmp_path / "long.ttl"
    label = "!" + "长" * 400_000 + "x" * 600_000  # a million characters, under CCARE_MAX_LITERAL; "!" sorts first
    f.write_text(
        "@prefix ccid: <https://w3id.org/ccare/id/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix cc: <https://w3id.org/ccare/ontology#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        f'ccid:long-product a cc:OtherProduct ; rdfs:label "{label}"@en ; skos:definition "d"@en .\n'
        f'ccid:fan-group rdfs:label "{label}"@en .\n',
        encoding="utf-8",
    )
    r = ccare(*args, "--data", str(f))
    assert r.exit_code == 0, r.output
    table = [line for line in r.stdout.splitlines() if "长长长" in line]
    assert table and all(render.width(line) < 2 * render.MAX_CELL + 200 for line in table if "…" in line)
    # a table cell costs a fraction of the label, not rows times it; a sentence names it once
    assert len(r.stdout.encode()) < 5 * len(label.encode())
    whole = ccare("show", "long-product", "--data", str(f), "--format", "json")
    assert label in whole.stdout  # JSON keeps it whole


@pytest.mark.parametrize("text,cells", [("a" * 1000, 200), ("商" * 1000, 200), ("\x1b" * 1000, 200),
                                        ("e\u0301" * 1000, 200), ("x", 200)])
def test_table_cells_are_cut_to_the_limit(text, cells):
    out = render.table(["h"], [[text]] * 3).splitlines()
    assert all(render.width(line) <= cells for line in out[2:])


# ---------------------------------------------------------------------- 6: spreadsheet formulas


@pytest.mark.parametrize("cell,written", [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+1", "'-1+1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"), ("\r=1", "'\r=1"), (" =1", "' =1"), ("\n-x", "'\n-x"), ("  @x", "'  @x"),
    ("-5", "-5"), ("+3.2", "+3.2"), ("-1e3", "-1e3"), ("-.5", "-.5"),
    ("'=1", "''=1"), ("''=1", "'''=1"), ("'plain", "'plain"), ("plain", "plain"), ("", ""), ("'", "'"),
    ("a=b", "a=b"), ("5-3", "5-3"), ("-", "'-"), ("=", "'="),
])
def test_guard_and_its_inverse(cell, written):
    assert csvsafe.guard(cell) == written
    assert csvsafe.unguard(written) == cell


def test_guard_round_trips_through_csv():
    cells = ["=1", "'=1", "-5", "\t@x", "plain", "'", "''", "-", " "]
    buf = io.StringIO()
    csvsafe.writer(buf, raw=False).writerow(cells)
    (back,) = _rows(buf.getvalue())
    assert [csvsafe.unguard(c) for c in back] == cells
    buf = io.StringIO()
    csvsafe.writer(buf, raw=True).writerow(cells)
    assert _rows(buf.getvalue()) == [cells]


def test_export_csv_guards_formula_labels_even_with_bom(ccare, tmp_path, evil_ttl):
    for extra in ([], ["--bom"]):
        r = ccare("export", "csv", "--table", "nodes", "--data", str(evil_ttl), "-o", "-", *extra)
        assert r.exit_code == 0, r.output
        rows = _rows(r.stdout.lstrip("\ufeff"))
        col = rows[0].index("label_en")
        labels = {row[0].rsplit("/", 1)[-1]: row[col] for row in rows[1:]}
        assert labels["fan-group"] == "'" + EVIL_EN and labels["payment"] == "'" + EVIL_PAYMENT
        assert not any(c and c[0] in "=+-@\t\r" and not re.fullmatch(r"[+-]?[\d.]+", c) for row in rows for c in row)
    raw = ccare("export", "csv", "--table", "nodes", "--data", str(evil_ttl), "-o", "-", "--csv-raw")
    rows = _rows(raw.stdout)
    assert rows[[r[0].rsplit("/", 1)[-1] for r in rows].index("fan-group")][rows[0].index("label_en")] == EVIL_EN


def test_export_csv_directory_guards_both_tables(ccare, tmp_path, evil_ttl):
    out = tmp_path / "tables"
    out.mkdir()
    assert ccare("export", "csv", "-o", str(out), "--data", str(evil_ttl), "--bom").exit_code == 0
    assert "'=HYPERLINK" in (out / "nodes.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("args", [
    ["coverage"], ["rank"], ["path", "fan-group", "payment"], ["loops", "--limit", "2"],
    ["prescribe", "--has", "fan-group"],
])
def test_query_csv_guards_formula_cells(ccare, evil_ttl, args):
    r = ccare(*args, "--data", str(evil_ttl), "--format", "csv")
    assert r.exit_code in (0, 3), r.output
    cells = [c for row in _rows(r.stdout) for c in row]
    assert not [c for c in cells if c.startswith(("=", "@", "\t", "\r")) or re.match(r"-[^\d.]", c)], r.stdout
    raw = ccare(*args, "--data", str(evil_ttl), "--format", "csv", "--csv-raw")
    if any(c.startswith("'=HYPERLINK") or c.startswith("'-cmd") for c in cells):
        assert EVIL_EN in raw.stdout or EVIL_PAYMENT in raw.stdout


def test_sparql_csv_guards_formula_cells_but_not_numbers(ccare):
    q = 'SELECT ?a ?b ?c WHERE { VALUES (?a ?b ?c) { ("=1+1" -5 "+3.2") ("@x" "-x" "\\t=2") } }'
    r = ccare("sparql", q, "--format", "csv")
    assert r.exit_code == 0, r.output
    assert _rows(r.stdout)[1:] == [["'=1+1", "-5", "+3.2"], ["'@x", "'-x", "'\t=2"]]
    r = ccare("sparql", q, "--format", "csv", "--csv-raw")
    assert _rows(r.stdout)[1:] == [["=1+1", "-5", "+3.2"], ["@x", "-x", "\t=2"]]


def _formula_portfolio(tmp_path) -> Path:
    src = tmp_path / "formulas.csv"
    src.write_text("id,name,products\n"
                   "M1,=1+1,payment\n"
                   "M2,'=1+1,payment\n"
                   '"\t=2+2",@SUM(A1),fan-group\n'
                   "M4,-5,payment\n", encoding="utf-8")
    return src


def test_import_takes_the_guard_off_and_portfolio_csv_puts_it_back(ccare, tmp_path):
    ttl = tmp_path / "m.ttl"
    r = ccare("import", str(_formula_portfolio(tmp_path)), "-o", str(ttl))
    assert r.exit_code == 0, r.output
    g = Graph().parse(ttl, format="turtle")
    names = {str(o) for o in g.objects(None, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))}
    assert {"=1+1", "@SUM(A1)", "-5"} <= names  # "'=1+1" was the guarded "=1+1"
    ids = {str(o) for o in g.objects(None, CC.merchantId)}
    assert "=2+2" in ids  # the leading tab is trimmed: the guard on output must catch it
    out = tmp_path / "gaps.csv"
    r = ccare("portfolio", "gaps", "--data", str(ttl), "-o", str(out))
    assert r.exit_code in (0, 3), r.output
    text = out.read_text(encoding="utf-8")
    rows = _rows(text)
    assert all(not c.startswith(("=", "@")) for row in rows for c in row), text
    assert "'=1+1" in text and "'@SUM(A1)" in text and "'=2+2" in text
    assert any(row[1] == "-5" for row in rows)  # a number stays a number
    r = ccare("portfolio", "gaps", "--data", str(ttl), "--format", "csv")
    assert "'=1+1" in r.stdout
    r = ccare("portfolio", "gaps", "--data", str(ttl), "--format", "csv", "--csv-raw")
    assert "\n=2+2," in r.stdout or ",=1+1," in r.stdout


def test_portfolio_csv_read_back_by_import_is_exact(tmp_path):
    """What ccare writes (guarded), ccare's reader gives back exactly."""
    from ccare.kb.model import load
    from ccare.portfolio.csvin import parse
    from ccare.portfolio.names import Names

    names = ["=1+1", "'=1+1", "-x", "-5", "@a", "plain", "''@b"]
    buf = io.StringIO()
    w = csvsafe.writer(buf, raw=False, lineterminator="\n")
    w.writerow(["id", "name", "products"])
    for i, n in enumerate(names):
        w.writerow([f"M{i}", n, "payment"])
    p = parse(buf.getvalue(), Names(load()), name="x.csv")
    assert [r.name for r in p.rows] == names and not p.problems


# ---------------------------------------------------------------------- 7: terminal escapes


@pytest.mark.parametrize("args", [
    ["path", "fan-group", "payment"], ["rank"], ["gaps", "--has", "fan-group"], ["whatif", "--drop", "fan-group"],
    ["prescribe", "--has", "fan-group"], ["loops", "--limit", "3"], ["show", "fan-group"], ["products"],
    ["coverage"], ["path", "fan-group", "payment", "--format", "json"],
])
def test_nothing_printed_from_data_drives_the_terminal(ccare, evil_ttl, args):
    r = ccare(*args, "--data", str(evil_ttl))
    assert r.exit_code in (0, 3), r.output
    assert not RAW_CONTROL.search(r.stdout), repr(RAW_CONTROL.search(r.stdout))
    assert not RAW_CONTROL.search(r.stderr)


def test_json_stays_json_with_escapes(ccare, evil_ttl):
    r = ccare("show", "evil-product", "--data", str(evil_ttl), "--format", "json")
    assert r.exit_code == 0 and not RAW_CONTROL.search(r.stdout), r.output
    assert json.loads(r.stdout)["labels"]["en"] == EVIL_EN  # the escapes are JSON's own: the same string
    table = ccare("show", "evil-product", "--data", str(evil_ttl))
    assert "\\u001b]0;pwn\\u0007\\u202eevil\\u000d" in table.stdout and not RAW_CONTROL.search(table.stdout)


@pytest.mark.parametrize("name", ["a\x1b]0;pwn\x07.ttl", "b\u202egpj.ttl", "c\rover.ttl", "d\x9b31m.ttl"])
def test_file_names_in_messages_are_escaped(ccare, tmp_path, name):
    missing = ccare("info", "--data", str(tmp_path / name))
    assert missing.exit_code == 2 and not RAW_CONTROL.search(missing.stderr)
    bad = tmp_path / name
    bad.write_text("not turtle", encoding="utf-8")
    r = ccare("info", "--data", str(bad))
    assert r.exit_code == 1 and not RAW_CONTROL.search(r.stderr) and "\\u" in r.stderr


def test_escape_keeps_line_ends_and_text():
    assert termsafe.escape("商家\tok\r\nnext\n") == "商家\tok\r\nnext\n"
    assert termsafe.escape("\x1b[2J\x07\x9b\u2066\r") == "\\u001b[2J\\u0007\\u009b\\u2066\\u000d"


def test_machine_formats_to_a_pipe_are_unfiltered(ccare, evil_ttl):
    r = ccare("export", "nt", "--data", str(evil_ttl), "-o", "-")
    assert r.exit_code == 0
    g = Graph().parse(data=r.stdout, format="nt")
    assert Literal(EVIL_EN, lang="en") in set(g.objects(ID["fan-group"], None))


# ---------------------------------------------------------------------- 8: CSV import resynchronises


def _portfolio(tmp_path, bad_line: int, bad: str, n: int = 1000) -> Path:
    rows = ["id,name,products"] + [f"M{i},Shop {i},payment" for i in range(1, n + 1)]
    rows[bad_line - 1] = bad
    f = tmp_path / "p.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return f


@pytest.mark.parametrize("bad,why", [
    ('M2,"Sh"op,payment', "',' expected after '\"'"),
    ('M2,"Shop,payment', "a quoted cell is not closed"),
    ("M2," + "x" * 140_000 + ",payment", "field larger than field limit"),
    ('"M2,Shop,payment', "a quoted cell is not closed"),
])
def test_a_broken_record_is_reported_and_the_rest_read(ccare, tmp_path, bad, why):
    f = _portfolio(tmp_path, 3, bad)
    out = tmp_path / "m.ttl"
    r = ccare("import", str(f), "-o", str(out))
    assert r.exit_code == 1
    assert f"line 3: not valid CSV: {why}" in r.stderr
    assert "1 of 1,000 rows bad" in r.stderr or "1 of 1000 rows bad" in r.stderr, r.stderr
    g = Graph().parse(out, format="turtle")
    assert len(set(g.subjects(CC.merchantId, None))) == 999


def test_several_broken_records_are_each_reported(tmp_path):
    from ccare.kb.model import load
    from ccare.portfolio.csvin import parse
    from ccare.portfolio.names import Names

    text = "id,name,products\nM1,a,payment\nM2,\"b\"x,payment\nM3,c,payment\nM4,\"d,payment\nM5,e,payment\n"
    p = parse(text, Names(load()), name="x.csv")
    assert [r.id for r in p.rows] == ["M1", "M3", "M5"]
    assert [pr.line for pr in p.problems] == [3, 5] and p.records == 5


def test_a_multiline_quoted_cell_still_reads(tmp_path):
    from ccare.kb.model import load
    from ccare.portfolio.csvin import parse
    from ccare.portfolio.names import Names

    p = parse('id,name,products\nM1,"two\nlines",payment\nM2,b,payment\n', Names(load()), name="x.csv")
    assert [(r.line, r.name) for r in p.rows] == [(2, "two\nlines"), (4, "b")] and not p.problems


def test_a_file_that_cannot_be_resynchronised_writes_nothing(ccare, tmp_path):
    f = tmp_path / "p.csv"
    f.write_text('id,name,products\nM1,a,payment\nM2,"b"x,payment\n"c"d\n"e"f\n', encoding="utf-8")
    out = tmp_path / "m.ttl"
    r = ccare("import", str(f), "-o", str(out))
    assert r.exit_code == 1 and "wrote nothing" in r.stderr and "line 3" in r.stderr
    assert not out.exists()


# ---------------------------------------------------------------------- 9: file name in a comment


@pytest.mark.parametrize("name", [
    "evil\n<urn:x:s> <urn:x:p> <urn:x:o> .\n# .csv",
    "evil\r<urn:x:s> <urn:x:p> <urn:x:o> .\r# .csv",
    "evil\u2028<urn:x:s> <urn:x:p> <urn:x:o> .csv",
    "evil\x85<urn:x:s> <urn:x:p> <urn:x:o> .\x0b.csv",
    'q"uote\\back.csv',
])
def test_a_csv_file_name_cannot_write_triples(ccare, tmp_path, name):
    src = tmp_path / name
    src.write_bytes(EXAMPLE_CSV.read_bytes())
    out = tmp_path / "m.ttl"
    r = ccare("import", str(src), "-o", str(out))
    assert r.exit_code in (0, 1), r.output
    text = out.read_text(encoding="utf-8")
    g = Graph().parse(data=text, format="turtle")
    assert (URIRef("urn:x:s"), URIRef("urn:x:p"), URIRef("urn:x:o")) not in g
    assert not any(str(s).startswith("urn:x:") for s in g.subjects())
    assert Literal(name) in set(g.objects(None, CC.file))  # the name in literals is escaped, and whole
    assert text.splitlines()[0].startswith("# Merchants imported") and text.splitlines()[1].startswith("@prefix")


# ---------------------------------------------------------------------- bad numbers and sizes


@pytest.mark.parametrize("args", [
    ["loops", "--timeout", "nan"], ["loops", "--timeout", "inf"], ["path", "fan-group", "payment", "--timeout", "NaN"],
    ["sparql", "ASK {}", "--timeout", "nan"], ["sparql", "ASK {}", "--timeout", "-inf"],
    ["portfolio", "gaps", "--timeout", "nan"], ["validate", "--timeout", "nan"], ["loops", "--timeout", "1e999"],
])
def test_nan_and_infinite_numbers_are_usage_errors(ccare, args):
    r = ccare(*args)
    assert r.exit_code == 2 and ("not a finite number" in r.stderr or "not in the range" in r.stderr), r.output


def test_budget_refuses_nan():
    from ccare.limits import Budget

    for bad in (float("nan"), float("inf"), 0, -1):
        with pytest.raises(ValueError):
            Budget(timeout=bad)


@pytest.mark.parametrize("var,value", [
    ("CCARE_MAX_FILE_SIZE", "1e30"), ("CCARE_MAX_FILE_SIZE", "inf"), ("CCARE_MAX_FILE_SIZE", "nan"),
    ("CCARE_MAX_FILE_SIZE", "99999999999999999999G"), ("CCARE_MAX_LITERAL", "-inf"), ("CCARE_MAX_DEPTH", "1e400"),
    ("CCARE_MAX_MEMORY", "inf"),
])
def test_huge_or_nan_limits_are_usage_errors(ccare, monkeypatch, evil_ttl, var, value):
    monkeypatch.setenv(var, value)
    args = ["sparql", "ASK {}"] if var == "CCARE_MAX_MEMORY" else ["info", "--data", str(evil_ttl)]
    r = ccare(*args)
    assert r.exit_code == 2 and var in r.stderr and "internal error" not in r.stderr, r.output


def test_a_large_but_sane_file_size_limit_reads_normally(ccare, monkeypatch, evil_ttl):
    monkeypatch.setenv("CCARE_MAX_FILE_SIZE", "900G")  # no buffer of that size is allocated
    assert ccare("info", "--data", str(evil_ttl)).exit_code == 0


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-5", "soon"])
def test_canonical_timeout_must_be_a_finite_positive_number(ccare, monkeypatch, tmp_path, value):
    monkeypatch.setenv("CCARE_CANONICAL_TIMEOUT", value)
    r = ccare("export", "nt", "-o", str(tmp_path / "m.nt"))
    assert r.exit_code == 2 and "CCARE_CANONICAL_TIMEOUT" in r.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("encoding", ["base64", "rot13", "zlib_codec", "hex", "uu"])
def test_a_bytes_codec_is_no_text_encoding(ccare, tmp_path, encoding):
    r = ccare("import", str(EXAMPLE_CSV), "--encoding", encoding, "-o", str(tmp_path / "m.ttl"))
    assert r.exit_code == 2 and "is not a text encoding" in r.stderr
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------- deep input


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "SELECT * WHERE { " + "{" * 5000 + "}" * 5000 + " }",
    "ASK { " + "[ rdfs:label " * 3000 + "1" + " ]" * 3000 + " }",
    "SELECT * WHERE { FILTER(" + "(" * 300 + "1" + ")" * 300 + ") }",
])
@pytest.mark.parametrize("store", ["oxigraph", "memory"])
def test_deeply_nested_queries_are_clean_errors(ccare, query, store):
    r = ccare("--store", store, "sparql", query)
    assert r.exit_code == 1 and "internal error" not in r.stderr and "nest" in r.stderr, r.output


def test_brackets_in_strings_do_not_count(ccare):
    r = ccare("sparql", 'ASK { FILTER("' + "(" * 1000 + '" != "x") }', "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["boolean"] is True


@pytest.mark.parametrize("depth", [100_000, 5_000, 129])
def test_deep_highlight_json_is_refused(ccare, tmp_path, depth):
    f = tmp_path / "deep.json"
    f.write_text("[" * depth + "]" * depth)
    r = ccare("export", "html", "--highlight-json", str(f), "-o", str(tmp_path / "m.html"))
    assert r.exit_code == 1 and "nested deeper than 128 levels" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep.json"]


@pytest.mark.parametrize("shape", ["list", "bnode", "mixed"])
def test_deep_blank_nodes_are_refused_before_the_export_worker(ccare, tmp_path, shape):
    n = 20_000
    body = {"list": "(" * n + " 1 " + ")" * n, "bnode": "[ <http://ex/q> " * n + " 1 " + "]" * n,
            "mixed": "( [ <http://ex/q> " * (n // 2) + " 1 " + "] )" * (n // 2)}[shape]
    f = tmp_path / "deep.ttl"
    f.write_text(f"<http://ex/a> <http://ex/p> {body} .\n")
    start = time.monotonic()
    r = ccare("export", "nt", "--data", str(f), "-o", str(tmp_path / "m.nt"))
    assert r.exit_code == 1 and "blank nodes nested" in r.stderr and "SIGSEGV" not in r.stderr, r.output
    assert time.monotonic() - start < 60 and not (tmp_path / "m.nt").exists()


def test_a_long_flat_list_is_not_deep():
    from ccare.exports.rdf import blank_node_depth

    g = Graph().parse(data="<http://ex/a> <http://ex/p> (" + " 1" * 5000 + " ) .", format="turtle")
    assert blank_node_depth(g) == 1


# ---------------------------------------------------------------------- --highlight reach


@pytest.mark.parametrize("query", [
    "prescribe --has mini-program --data {f}", "prescribe --has mini-program --data={f}",
    "loops --html {f}", "loops --report={f}", "path fan-group payment --report {f}",
    "loops --endpoint http://127.0.0.1:9/sparql", "loops --help", "path -- fan-group payment",
    "loops --csv-raw",
])
def test_highlight_takes_only_the_query_options(ccare, tmp_path, query, evil_ttl):
    target = tmp_path / "written.html"
    r = ccare("export", "html", "--highlight", query.format(f=target if "html" in query or "report" in query
                                                             else evil_ttl),
              "-o", str(tmp_path / "m.html"))
    assert r.exit_code in (1, 2) and "not allowed" in r.stderr, r.output
    assert not target.exists() and not (tmp_path / "m.html").exists()


def test_highlight_with_the_query_own_options_still_draws(ccare, tmp_path):
    r = ccare("export", "html", "--highlight", "prescribe --has mini-program --max-length 6",
              "-o", str(tmp_path / "m.html"))
    assert r.exit_code == 0, r.output


# ---------------------------------------------------------------------- the parse cache


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("CCARE_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("CCARE_NO_CACHE", raising=False)
    monkeypatch.delenv("CCARE_CACHE_MAX_SIZE", raising=False)
    return tmp_path / "c"


def _ext(tmp_path, label="smart-menu"):
    f = tmp_path / f"{label}.ttl"
    f.write_text("@prefix : <https://w3id.org/ccare/id/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                 f':{label} rdfs:label "{label}"@en .\n', encoding="utf-8")
    return f


def test_the_cache_key_file_is_private(cache_root, tmp_path):
    load([_ext(tmp_path)])
    key = cache_root / "key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_size == 32


def test_an_edited_entry_is_not_used(cache_root, tmp_path):
    f = _ext(tmp_path)
    load([f])
    (entry,) = (cache_root / "parse").glob("*.nq")
    data = entry.read_bytes()
    assert b'"smart-menu"@en' in data
    entry.write_bytes(data.replace(b'"smart-menu"@en', b'"SMART-MENU"@en'))  # same length, trailer kept
    g = load([f]).graph
    labels = {str(o) for o in g.objects(ID["smart-menu"], None)}
    assert "smart-menu" in labels and "SMART-MENU" not in labels
    assert b'"SMART-MENU"@en' not in entry.read_bytes()


def test_a_planted_pickle_is_never_unpickled(cache_root, tmp_path):
    from ccare.graph import build

    f = _ext(tmp_path)
    build.to_networkx(load([f]))
    (entry,) = (cache_root / "parse").glob("*.pickle")
    flag = tmp_path / "pwned"

    class Boom:
        def __reduce__(self):
            return (os.system, (f"touch {flag}",))

    good = entry.read_bytes()
    # a bare pickle; one behind the real header and before the real digest; one with the digest moved
    for payload in (pickle.dumps(Boom()), good[:16] + pickle.dumps(Boom()) + good[-32:],
                    good[:-32] + pickle.dumps(Boom()) + good[-32:]):
        entry.write_bytes(payload)
        build.to_networkx(load([f]))
        assert not flag.exists()


def test_an_untrusted_key_file_turns_the_cache_off(cache_root, tmp_path):
    f = _ext(tmp_path)
    load([f])
    key = cache_root / "key"
    key.chmod(0o644)
    cache.clear()
    load([f])
    assert cache.entries() == []
    assert cache.get("0" * 64, "oxigraph") is None


def test_part_files_are_listed_pruned_when_old_and_cleared(cache_root, tmp_path):
    load([_ext(tmp_path)])
    d = cache_root / "parse"
    old, fresh = d / ".abc.oxigraph.nq.x1.part", d / ".def.oxigraph.nq.x2.part"
    old.write_bytes(b"x" * 10)
    fresh.write_bytes(b"y" * 10)
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert {e["store"] for e in cache.entries()} >= {"partial"}
    load([_ext(tmp_path, "other-thing")])  # a write prunes
    assert not old.exists() and fresh.exists()
    cache.clear()
    assert not fresh.exists() and cache.entries() == []


def test_pruning_bounds_bytes(cache_root, tmp_path, monkeypatch):
    load([_ext(tmp_path, "first-one")])
    (first,) = (cache_root / "parse").glob("*.nq")
    # room for one entry, not two: entries differ by tens of bytes from run to run (Oxigraph
    # names blank nodes at random, hex without leading zeros), so no tight margin
    monkeypatch.setenv("CCARE_CACHE_MAX_SIZE", str(first.stat().st_size * 3 // 2))
    an_hour_ago = time.time() - 3600  # least recently used whatever the clock's resolution
    os.utime(first, (an_hour_ago, an_hour_ago))
    load([_ext(tmp_path, "second-one")])
    assert len([e for e in cache.entries() if e["store"] != "partial"]) == 1 and not first.exists()


# ---------------------------------------------------------------------- the query worker


def test_a_raw_socket_connect_in_the_worker_fails_and_nothing_arrives():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]

    def raw():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect(("127.0.0.1", port))
        yield "connected"

    def lowlevel():
        import _socket

        s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        s.connect(("127.0.0.1", port))
        yield "connected"

    def unix():
        s = socket.socket(socket.AF_UNIX)
        s.connect("/tmp/none")
        yield "connected"

    try:
        for work in (raw, lowlevel, unix):
            with pytest.raises(bounded.NetworkRefused, match="^refused: socket"):
                bounded.run_bounded(work, timeout=30)
        with pytest.raises(socket.timeout):
            listener.accept()  # no connection reached the listener
    finally:
        listener.close()


@pytest.mark.parametrize("error", [
    DataError("x.ttl", "broken", line=2, column=5), DataError("y.ttl", "no such file"),
    UnknownEntityError("fan-grup", ["fan-group"]), UnknownEntityError("zz", kind="product"),
    AmbiguousEntityError("支付", ["payment", "alipay-payment"]), UsageError("bad"), QueryError("q"),
    bounded.CutShort("x"), bounded.WorkerDied("y"), atomicio.OutputError("z"),
])
def test_errors_cross_the_worker_pipe_whole(error):
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error) and back.__dict__ == error.__dict__

    def fail():
        raise error
        yield  # pragma: no cover

    with pytest.raises(type(error)) as e:
        bounded.run_bounded(fail, timeout=30)
    assert str(e.value) == str(error) and e.value.__dict__ == error.__dict__


def test_ctrl_c_right_after_fork_still_kills_the_worker(monkeypatch):
    real_fork = os.fork
    children = []

    def fork():
        pid = real_fork()
        if pid:
            children.append(pid)
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C before the parent reaches its try
        return pid

    monkeypatch.setattr(bounded.os, "fork", fork)

    def slow():
        time.sleep(60)
        yield 1

    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        bounded.run_bounded(slow, timeout=60)
    assert time.monotonic() - start < 30
    with pytest.raises(ChildProcessError):
        os.waitpid(children[0], os.WNOHANG)  # killed and reaped
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


class _Odd(CcareError):
    def __init__(self, a, b):
        self.a, self.b = a, b
        super().__init__(f"{a}/{b}")


def test_an_error_class_with_its_own_arguments_survives_pickle():
    e = pickle.loads(pickle.dumps(_Odd(1, 2)))
    assert (e.a, e.b, str(e)) == (1, 2, "1/2")


class _FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal, with a byte buffer behind it."""

    def __init__(self):
        super().__init__()
        self.buffer = io.BytesIO()

    def isatty(self):
        return True


def test_machine_formats_on_a_terminal_are_filtered(monkeypatch):
    term = _FakeTerminal()
    monkeypatch.setattr("sys.stdout", termsafe.SafeText(term))
    termsafe.machine_stdout().write("a,\x1b]0;x\x07\r\n")
    termsafe.machine_stdout(binary=True).write("b\u202e\x1b[2J\n".encode())
    assert term.getvalue() == "a,\\u001b]0;x\\u0007\r\n"
    assert term.buffer.getvalue().decode() == "b\\u202e\\u001b[2J\n"
    piped = io.StringIO()
    monkeypatch.setattr("sys.stdout", termsafe.SafeText(piped))
    termsafe.machine_stdout().write("a,\x1b\n")
    assert piped.getvalue() == "a,\x1b\n"  # a pipe gets the data as it is


def test_a_utf8_character_split_across_binary_writes_is_kept(monkeypatch):
    term = _FakeTerminal()
    out = termsafe.SafeBinary(term.buffer)
    monkeypatch.setattr(term.buffer, "isatty", lambda: True, raising=False)
    data = "商\u202e".encode()
    for i in range(len(data)):
        out.write(data[i:i + 1])
    assert term.buffer.getvalue().decode() == "商\\u202e"


@pytest.mark.parametrize("args", [
    ["show", "fan\x1b]0;pwn\x07"], ["path", "\u202efan-group", "payment"], ["sparql", "SELECT * WHERE { \x1b[2J }"],
    ["export", "html", "--highlight", "loops --needs \x1b[31m", "-o", "-"],
])
def test_error_messages_quoting_what_was_typed_are_escaped(ccare, args):
    r = ccare(*args)
    assert r.exit_code in (1, 2) and not RAW_CONTROL.search(r.stderr), r.output
    assert "Traceback" not in r.output


def test_output_to_dev_stdout_on_a_terminal_is_filtered(tmp_path, evil_ttl):
    import pty
    import select
    import subprocess
    import sys

    master, slave = pty.openpty()
    env = {**os.environ, "CCARE_CACHE_DIR": str(tmp_path / "cache")}
    p = subprocess.Popen([sys.executable, "-m", "ccare", "export", "nt", "--data", str(evil_ttl), "-o", "/dev/stdout"],
                         stdout=slave, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 1 << 16)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                break
    finally:
        os.close(master)
        p.wait(30)
    assert p.returncode == 0, p.stderr.read()
    assert b"\\u001b]0;pwn" in out and b"\x1b" not in out and "\u202e".encode() not in out

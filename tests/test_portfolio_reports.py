"""``ccare portfolio prescribe --reports DIR``: a report per merchant and an index linking them."""

from __future__ import annotations

import csv
import html as htmlmod
import io
import re
from urllib.parse import unquote

import pytest

from ccare.errors import DataError
from ccare.exports.portfolio_reports import file_names, slug
from ccare.graph.build import to_networkx
from ccare.kb.model import load
from ccare.limits import Budget
from ccare.portfolio.batch import run
from ccare.portfolio.index import merchants


def _h1(text: str) -> str:
    (h1,) = re.findall(r"<h1>(.*?)</h1>", text)
    return htmlmod.unescape(h1)


def _links(index: str) -> dict:
    """Merchant id -> the file its index row links to."""
    return {htmlmod.unescape(m): unquote(htmlmod.unescape(f))
            for f, m in re.findall(r'<a href="([^"]+)">([^<]+)</a>', index)}


def test_one_report_per_merchant_and_an_index(ccare, portfolio_ttl, tmp_path):
    out = tmp_path / "reports"  # made when missing
    rows = tmp_path / "p.csv"
    r = ccare("portfolio", "prescribe", "--data", str(portfolio_ttl), "--reports", str(out), "-o", str(rows))
    assert r.exit_code == 0, r.output
    table = {row["merchant_id"]: row for row in csv.DictReader(io.StringIO(rows.read_text(encoding="utf-8")))}
    index = (out / "index.html").read_text(encoding="utf-8")
    links = _links(index)
    reported = {m for m, row in table.items() if row["status"] != "unclosable"}
    assert set(links) == reported and reported
    assert sorted(p.name for p in out.iterdir()) == sorted([*links.values(), "index.html"])
    G = to_networkx(load([portfolio_ttl]))
    for ident, name in links.items():
        row, page = table[ident], (out / name).read_text(encoding="utf-8")
        who = row["name"] or ident
        add = [a for a in row["add"].split(";") if a]
        title = _h1(page)
        if add:
            assert title.startswith(f"A prescription for {who}: add "), title
            for a in add:  # the report adds what the CSV says, nothing else
                assert G.nodes[a]["labels"]["en"] in title.split(" to close ")[0]
        else:
            assert title.startswith(f"A prescription for {who}: nothing to add"), title
        # the index row: name, additions and the loop, in words
        (tr,) = [x for x in index.split("<tr>") if f">{htmlmod.escape(ident)}</a>" in x]
        for a in add:
            assert htmlmod.escape(G.nodes[a]["labels"]["en"]) in tr
        for p in row["loop"].split(";"):
            assert htmlmod.escape(G.nodes[p]["labels"]["en"]) in tr
    assert f"Wrote {len(links)} reports and the index {out / 'index.html'}." in r.stderr


def test_reports_in_chinese(ccare, portfolio_ttl, tmp_path):
    out = tmp_path / "r"
    r = ccare("portfolio", "prescribe", "--data", str(portfolio_ttl), "--reports", str(out), "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert "<h1>组合中每家商家的经营处方</h1>" in (out / "index.html").read_text(encoding="utf-8")
    assert _h1((out / "LXJ-001.html").read_text(encoding="utf-8")).startswith("为老乡鸡 合肥开出的经营处方：补上")


HOSTILE = [
    ("../../escape", "escape"),
    ("CON", "m-CON"),
    ("index", "m-index"),
    ("a/b\\c", "a-b-c"),
    ("<script>alert(1)</script>", "script-alert-1-script"),
    ("\u202egnp.exe", "gnp-exe"),
    ("x" * 300, "x" * 80),
    ("...", "merchant"),
    ("商家 001", "商家-001"),
]


def test_file_names_are_slugs_of_untrusted_ids():
    for ident, expected in HOSTILE:
        assert slug(ident) == expected, ident
        assert re.fullmatch(r"[\w-]+", slug(ident)) and not slug(ident).startswith(("-", "."))


def test_colliding_names_are_refused_before_anything_is_written(ccare, tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("merchant_id,products\nShop 1,mini-program\nshop/1,fan-group\n", encoding="utf-8")
    ttl = tmp_path / "m.ttl"
    assert ccare("import", str(src), "-o", str(ttl)).exit_code == 0
    out = tmp_path / "r"
    r = ccare("portfolio", "prescribe", "--data", str(ttl), "--reports", str(out))
    assert r.exit_code == 1
    assert "'Shop 1' and 'shop/1' would both be written to shop-1.html" in r.stderr
    assert not out.exists() or list(out.iterdir()) == []
    with pytest.raises(DataError, match="merchants 'A' and 'a' would both be written to a.html"):
        file_names(["A", "a"])  # one file on macOS and Windows


def test_hostile_ids_and_names_stay_text_and_inside_the_folder(ccare, tmp_path):
    src = tmp_path / "p.csv"
    rows = "".join(f'"{i.replace(chr(34), chr(34) * 2)}","<img src=x onerror=alert({n})>",mini-program\n'
                   for n, (i, _) in enumerate(HOSTILE))
    src.write_text("merchant_id,name,products\n" + rows, encoding="utf-8")
    ttl = tmp_path / "m.ttl"
    r = ccare("import", str(src), "-o", str(ttl))
    assert r.exit_code == 0, r.output
    out = tmp_path / "deep" / "r"
    r = ccare("portfolio", "prescribe", "--data", str(ttl), "--reports", str(out))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "m.ttl", "p.csv"]
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"{e}.html" for _, e in HOSTILE] + ["index.html"])
    for p in out.iterdir():
        text = p.read_text(encoding="utf-8")
        assert "<img" not in text and "<script>" not in text
        assert "&lt;img src=x onerror=alert(" in text


def test_cut_short_lists_the_merchants_not_reported(ccare, portfolio_ttl, tmp_path):
    k = load([portfolio_ttl])
    G = to_networkx(k)
    ms = merchants(k, G)
    budget = Budget(timeout=None)
    run(G, ms, "prescribe", budget=budget)
    half = budget.steps // 2
    out = tmp_path / "r"
    r = ccare("portfolio", "prescribe", "--data", str(portfolio_ttl), "--reports", str(out), "--max-steps", str(half))
    assert r.exit_code == 3
    index = (out / "index.html").read_text(encoding="utf-8")
    answered = run(G, ms, "prescribe", budget=Budget(timeout=None, max_steps=half)).results
    n = len(answered)
    assert 0 < n < len(ms)
    missing = [m.id for m in ms[n:]]
    (section,) = re.findall(r'<section class="missing">(.*?)</section>', index)
    assert (f"cut short before these {len(missing)} merchants" if len(missing) > 1 else
            "cut short before 1 merchant") in section
    assert re.findall(r"<li>([^<·]+?)(?: · [^<]*)?</li>", section) == missing
    assert set(_links(index)) <= {m.id for m in ms[:n]}
    assert len(list(out.iterdir())) == 1 + len(_links(index))


def test_gaps_reports(ccare, portfolio_ttl, tmp_path):
    out = tmp_path / "g"
    r = ccare("portfolio", "gaps", "--data", str(portfolio_ttl), "--reports", str(out), "--format", "json")
    assert r.exit_code == 0, r.output
    import json

    rows = {m["merchant"]["id"]: m for m in json.loads(r.stdout)["merchants"]}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<h1>Where each merchant&#x27;s operating loop stands</h1>" in index
    for ident, name in _links(index).items():
        title = _h1((out / name).read_text(encoding="utf-8"))
        labels = rows[ident]["merchant"]["labels"]
        who = labels.get("en") or labels.get("zh") or ident  # its name, in the other language if need be
        if rows[ident]["closed"]:
            assert title.endswith(" operating loop already closes: " + title.split(": ", 1)[1])
        else:
            assert title.startswith("Where ") and "'s operating loop stands: add " in title, title
        assert who in title

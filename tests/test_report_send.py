"""The report a strategist sends a merchant (issue 13): titled for the merchant, two A4 pages
at most, plain words on what the source states, citations a merchant can read.

The page count is Chromium's: the report is printed to PDF (``page.pdf(format="A4")``) and
its page objects counted.  A page of the PDF is screenshotted too, under
``$CCARE_TEST_ARTIFACTS``, for a person to read as a merchant would.
"""

from __future__ import annotations

import html as htmlmod
import os
import re
from pathlib import Path

import pytest

ARTIFACTS = Path(os.environ["CCARE_TEST_ARTIFACTS"])


def _h1(path: Path) -> str:
    (h1,) = re.findall(r"<h1>(.*?)</h1>", path.read_text(encoding="utf-8"))
    return htmlmod.unescape(h1)


# ---------------------------------------------------------------------- titles and merchants


def test_prescribe_title_is_a_sentence_naming_the_merchant(ccare, tmp_path):
    out = tmp_path / "r.html"
    r = ccare("prescribe", "--has", "商家粉丝群", "--merchant", "老乡鸡", "--lang", "zh", "--report", str(out))
    assert r.exit_code == 0, r.output
    assert _h1(out) == ("为老乡鸡开出的经营处方：补上小程序、小程序云，"
                        "闭合“支付 → 小程序 → 商家粉丝群 → 支付（+ 小程序云）”这一经营闭环")
    r = ccare("prescribe", "--has", "fan-group", "--merchant", "Laoxiangji", "--report", str(out))
    assert r.exit_code == 0, r.output
    assert _h1(out) == ("A prescription for Laoxiangji: add mini-program, Mini-Program Cloud to close the operating "
                        "loop payment → mini-program → merchant fan group → payment (+ Mini-Program Cloud)")
    # the page's <title> is the same sentence
    assert f"<title>{htmlmod.escape(_h1(out), quote=True)}</title>" in out.read_text(encoding="utf-8")


def test_title_replaces_the_sentence_and_the_merchant_still_shows(ccare, tmp_path):
    out, page = tmp_path / "r.html", tmp_path / "m.html"
    r = ccare("prescribe", "--has", "fan-group", "--title", "Q3 plan <draft>", "--merchant", "ACME & Sons",
              "--report", str(out), "--html", str(page))
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "<h1>Q3 plan &lt;draft&gt;</h1>" in text
    assert "Prepared for ACME &amp; Sons" in text
    assert "<title>Q3 plan &lt;draft&gt;</title>" in page.read_text(encoding="utf-8")  # the map page too


def test_gaps_writes_a_report(ccare, tmp_path):
    out = tmp_path / "g.html"
    r = ccare("gaps", "--has", "商家粉丝群", "--merchant", "老乡鸡", "--lang", "zh", "--report", str(out))
    assert r.exit_code == 0, r.output
    assert "已将报告写入" in r.stderr
    assert _h1(out).startswith("老乡鸡的经营闭环还差什么：补上小程序、小程序云，即可闭合“支付 → 小程序")
    text = out.read_text(encoding="utf-8")
    g = ccare.json("gaps", "--has", "fan-group")
    assert f"现有产品都未服务的诉求：{', '.join(g['needs']['unserved'])}。" in text
    for u in g["values"]["unserved"]:
        assert f"{u['value']['labels']['zh']}（{u['need']}）尚未服务" in text
    # a merchant whose products close no loop gets no report, and is told so
    none = tmp_path / "none.html"
    r = ccare("gaps", "--has", "fan-group", "--max-length", "1", "--report", str(none))
    assert r.exit_code == 0 and not none.exists() and "no page was written" in r.stderr


def test_path_title_and_merchant(ccare, tmp_path):
    out = tmp_path / "p.html"
    r = ccare("path", "fan-group", "payment", "--merchant", "ACME", "--report", str(out))
    assert r.exit_code == 0, r.output
    assert _h1(out) == "For ACME: the path from merchant fan group to payment, step by step"
    r = ccare("path", "商家粉丝群", "支付", "--lang", "zh", "--report", str(out))
    assert r.exit_code == 0, r.output
    assert _h1(out) == "从商家粉丝群到支付的路径，逐步说明"


def test_plain_words_and_citations(ccare, tmp_path, G):
    out = tmp_path / "r.html"
    r = ccare("prescribe", "--has", "fan-group", "--lang", "zh", "--report", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    best = ccare.json("prescribe", "--has", "fan-group")[0]
    loop = best["loop"]
    steps = loop["steps"] + loop["supporting"]
    inferred = sum(1 for s in steps if s["inferred"])
    n = len(steps)
    expected = (f"这条闭环的 {n} 步全部由原文直接陈述。" if inferred == 0 else
                f"这条闭环的 {n} 步都不是原文逐字陈述的，全部为推断，每一步都附有理由。" if inferred == n else
                f"这条闭环的 {n} 步中，{n - inferred} 步由原文直接陈述，{inferred} 步为推断（均附理由）。")
    assert expected in text
    # the quotes are listed once each, numbered, with the source's short name and line; the
    # source's full title is given once
    quotes = re.findall(r'<li value="(\d+)">([^<]*)</li>', text)
    assert [int(k) for k, _ in quotes] == list(range(1, len(quotes) + 1))
    assert len({q for _, q in quotes}) == len(quotes)
    assert "openday 文章：支付宝openday合作伙伴大会与C-CARE模型(行业评论文章)" in text
    for s in steps:
        for ev in s["evidence"]:
            assert f"openday 文章 第 {ev['line']} 行：“{ev['quote']}”" in htmlmod.unescape(text)


# ---------------------------------------------------------------------- two A4 pages at most


def _pdf_pages(browser, path: Path, shot: Path) -> int:
    """Chromium's A4 PDF of the page at ``path``: its number of pages; the first page as the
    printer lays it out is saved to ``shot``."""
    context = browser.new_context(viewport={"width": 703, "height": 1024})  # A4 less the @page margins, in CSS px
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        pdf = page.pdf(format="A4")
        page.emulate_media(media="print")
        page.screenshot(path=str(shot), full_page=True)
    finally:
        context.close()
    assert pdf.startswith(b"%PDF")
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("query", [
    ("prescribe", "--has", "fan-group"),
    ("prescribe", "--has", "mini-program", "--limit", "10"),
    ("prescribe", "--has", "fan-group", "--needs", "SCALE,ACTIVE,WORTH", "--limit", "10"),
    ("gaps", "--has", "fan-group"),
    ("path", "fan-group", "payment", "--k", "5"),
], ids=["prescribe-fan-group", "prescribe-mini-program", "prescribe-three-needs", "gaps", "path"])
def test_the_report_prints_on_two_a4_pages_at_most(browser, ccare, tmp_path, lang, query):
    out = tmp_path / "r.html"
    r = ccare(*query, "--merchant", "老乡鸡" if lang == "zh" else "Laoxiangji", "--lang", lang, "--report", str(out))
    assert r.exit_code == 0, r.output
    ARTIFACTS.mkdir(exist_ok=True)
    name = "-".join(q.strip("-").replace(",", "_") for q in query)
    pages = _pdf_pages(browser, out, ARTIFACTS / f"report-print-{name}-{lang}.png")
    assert 1 <= pages <= 2, f"{query} in {lang}: {pages} pages"


def test_the_library_writes_the_same_report():
    import ccare

    m = ccare.load()
    page = m.report(m.prescribe(["fan-group"]), lang="zh", merchant="老乡鸡")
    (h1,) = re.findall(r"<h1>(.*?)</h1>", page)
    assert htmlmod.unescape(h1).startswith("为老乡鸡开出的经营处方：补上小程序、小程序云，闭合“支付 → 小程序")
    assert "openday 文章 第 " in page  # quotes cited by the source's short name, as the command line's report

"""The map page answers the strategist's questions by itself, in real Chromium.

A reader of the exported page (``ccare export html``) ticks a merchant's products and
gets what ``ccare prescribe`` answers; asks for paths, loops and what breaks when a
product goes; shares the question in the URL fragment (hostile fragments are ignored);
and saves a copy of the page that opens on the answer.  Competency questions 4, 5, 9 and
11 of the project's brief are answered here in the page alone.  Screenshots in both
languages go to ``$CCARE_TEST_ARTIFACTS``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ccare.graph.loops import LoopSpec, operating_loops
from ccare.graph.paths import product_paths
from ccare.graph.prescribe import prescriptions
from ccare.graph.whatif import whatif
from pages import Page, opener

ARTIFACTS = Path(os.environ["CCARE_TEST_ARTIFACTS"])  # conftest.py sets it for the session
GREEN, ORANGE = "#1a7f37", "#e8590c"


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    """The shipped map's page, exported as a user does."""
    from ccare.cli import cli

    out = tmp_path_factory.mktemp("questions") / "map.html"
    r = CliRunner().invoke(cli, ["export", "html", "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return out


class QuestionPage(Page):
    """A map page with its question panel: the answer, its result lines and node rings."""

    def answered(self):
        self.wait("!!window.ccareAsk && !!ccareAsk.answer()")

    def results(self) -> list:
        return self.js("[...document.querySelectorAll('#ask-results > li')].map(li => li.innerText)")

    def ring(self, node) -> str | None:
        c = self.js("id => ccareMap.nodes.get(id).color", node)
        return c.get("border") if isinstance(c, dict) else None


@pytest.fixture
def open_page(browser):
    yield from opener(browser, QuestionPage)


def _label(G, n, lang="en"):
    labels = G.nodes[n].get("labels") or {}
    return labels.get(lang) or labels.get("en") or n


# ---------------------------------------------------------------------- the merchant panel


def test_merchant_panel_prescribes_as_the_library_does(open_page, page_file, G):
    """A merchant with a fan group: the page's answer is the library's, drawn with rings."""
    o = open_page(page_file)
    assert o.js("ccareAsk.usesWorker()") is True  # the search runs off the main thread
    o.page.check("#ask-has input[value='fan-group']")
    o.page.click("#ask-go")
    o.answered()
    want = list(prescriptions(G, ["fan-group"]))
    got = o.results()
    assert len(got) == len(want) >= 1
    first = want[0]
    assert got[0].startswith("Add: " + ", ".join(_label(G, n) for n in first.add))
    # the loop is drawn: its products and the added ones emphasised, step edges numbered
    hl = o.js("ccareMap.current()")
    assert hl["nodes"] == list(first.loop.products) and hl["added"] == list(first.add)
    assert [(s["from"], s["to"], s["relation"]) for s in hl["steps"]][: len(first.loop.steps)] == [
        (s.source, s.target, s.relation) for s in first.loop.steps]
    # rings: the merchant's own products green, the ones to add orange (dashed), others plain
    assert o.ring("fan-group") == GREEN and o.ring("payment") == GREEN
    assert all(o.ring(n) == ORANGE for n in first.add)
    assert o.ring("zhima-credit") is None
    # why each product is there, with its evidence, and the loop step by step
    why = o.page.inner_text("#ask-results > li:first-child .why-box")
    for p in first.add:
        for r in first.why[p]:
            assert r.text(G, "en") in why
    assert first.why[first.add[0]][0].evidence[0]["quote"] in why
    steps = o.page.inner_text("#steps")
    assert all(s.evidence[0]["quote"] in steps for s in first.loop.steps if s.evidence)
    ARTIFACTS.mkdir(exist_ok=True)
    o.page.screenshot(path=str(ARTIFACTS / "page-prescribe-en.png"))
    # everything follows the language switch: the form, the answer, the reasons
    o.page.click("#langs button[data-lang=zh]")
    o.wait("document.querySelector('#ask-go').textContent.includes('闭环')")
    why = o.page.inner_text("#ask-results > li:first-child .why-box")
    for p in first.add:
        assert _label(G, p, "zh") in why
        for r in first.why[p]:
            assert r.text(G, "zh") in why
    assert o.page.inner_text("#ask-results > li:first-child").startswith("新增：")
    assert "商家已有的产品" in o.page.inner_text("#ask")
    o.page.screenshot(path=str(ARTIFACTS / "page-prescribe-zh.png"))
    o.assert_clean()


def test_merchant_panel_names_the_products_off_the_loop(open_page, page_file, G):
    """Zhima Credit can be on no loop: the page, like the library, closes the loop through
    payment and says the merchant's Zhima Credit stays off it, in both languages."""
    (want,) = [p.outside for p in prescriptions(G, ["zhima-credit"])][:1]
    assert want == ("zhima-credit",)
    o = open_page(page_file)
    o.page.check("#ask-has input[value='zhima-credit']")
    o.page.click("#ask-go")
    o.answered()
    first = "#ask-results > li:first-child .outside"
    assert o.page.inner_text(first) == "Already run, not on this loop: " + _label(G, "zhima-credit")
    o.page.click("#langs button[data-lang=zh]")
    o.wait("document.querySelector('#ask-go').textContent.includes('闭环')")
    assert o.page.inner_text(first) == "已有但不在这个环上：" + _label(G, "zhima-credit", "zh")
    o.assert_clean()


def test_competency_5_mini_program_with_three_needs(open_page, page_file, G):
    """A merchant runs only a mini-program and wants SCALE, ACTIVE and WORTH."""
    o = open_page(page_file)
    o.page.check("#ask-has input[value='mini-program']")
    o.page.uncheck("#ask-needs input[value='EFFICIENCY']")
    o.page.click("#ask-go")
    o.answered()
    want = list(prescriptions(G, ["mini-program"], LoopSpec(needs=("SCALE", "ACTIVE", "WORTH"))))
    assert want[0].add == ()
    assert o.results()[0].startswith("the merchant's products already close a loop")
    assert o.ring("mini-program") == GREEN
    # with all four needs the page names what to add, and why
    o.page.check("#ask-needs input[value='EFFICIENCY']")
    o.page.click("#ask-go")
    o.wait("ccareAsk.answer() && ccareAsk.answer().prescriptions && ccareAsk.answer().prescriptions[0].add.length > 0")
    first = next(prescriptions(G, ["mini-program"]))
    assert o.results()[0].startswith("Add: " + ", ".join(_label(G, n) for n in first.add))
    assert "the loop's only source of EFFICIENCY" in o.page.inner_text("#ask-results > li:first-child")
    o.assert_clean()


def test_scale_stage_and_payment_change_the_answer_as_in_the_library(open_page, page_file, G):
    o = open_page(page_file)
    o.page.check("#ask-has input[value='coupons']")
    o.page.select_option("#ask-scale", "small")
    o.page.select_option("#ask-stage", "mature")
    o.page.uncheck("#ask-pay")
    o.page.click("#ask-go")
    o.answered()
    want = list(prescriptions(G, ["coupons"], scale="small", stage="mature", alipay_payment=False))
    got = o.js("ccareAsk.answer().prescriptions.map(p => p.add)")
    assert got == [list(p.add) for p in want]
    assert o.ring("payment") != GREEN  # not taken for granted any more
    o.assert_clean()


# ---------------------------------------------------------------------- path, loops, whatif


def test_competency_9_path_from_zhima_credit_to_payment(open_page, page_file, G):
    o = open_page(page_file)
    o.page.click("#ask-tabs button[data-q=path]")
    o.page.select_option("#ask-from", "zhima-credit")
    o.page.select_option("#ask-to", "payment")
    o.page.click("#ask-go")
    o.answered()
    want = list(product_paths(G, "zhima-credit", "payment"))
    got = o.results()
    assert len(got) == len(want) >= 2
    assert [line.split("\n")[0] for line in got] == [" → ".join(_label(G, n) for n in w.nodes) for w in want]
    assert o.js("ccareMap.current().nodes") == list(want[0].nodes)
    o.page.click("#ask-results > li:nth-child(2)")
    assert o.js("ccareMap.current().nodes") == list(want[1].nodes)
    o.assert_clean()


def test_competency_4_loops_over_all_four_needs(open_page, page_file, G):
    o = open_page(page_file)
    o.page.click("#ask-tabs button[data-q=loops]")
    o.page.select_option("#ask-mode", "all")
    o.page.click("#ask-go")
    o.answered()
    want = list(operating_loops(G))
    got = o.results()
    assert len(got) == min(len(want), 20) and len(want) >= 2
    for line, w in zip(got, want):
        names = [_label(G, n) for n in w.nodes]
        assert line.startswith(" → ".join(names + names[:1]))
        assert line.split("\n")[-1] == " · ".join(w.needs)
    # each step cites its evidence, in the step list of the loop drawn
    steps = o.page.inner_text("#steps")
    assert all(s.evidence[0]["quote"] in steps for s in want[0].steps if s.evidence)
    # through and without a product
    o.page.select_option("#ask-product", "alipay-live")
    o.page.select_option("#ask-mode", "without")
    o.page.click("#ask-go")
    o.wait("ccareAsk.answer() && ccareAsk.state().mode === 'without'")
    want = list(operating_loops(G, LoopSpec(without=("alipay-live",))))
    assert o.js("ccareAsk.answer().loops.map(w => w.nodes)") == [list(w.nodes) for w in want]
    o.assert_clean()


def test_competency_11_what_breaks_without_alipay_live(open_page, page_file, G):
    o = open_page(page_file)
    o.page.click("#ask-tabs button[data-q=whatif]")
    o.page.select_option("#ask-drop", "alipay-live")
    o.page.click("#ask-go")
    o.answered()
    w = whatif(G, "alipay-live")
    status = o.page.inner_text("#ask-status")
    assert f"Loops lost: {len(w.lost)}" in status and f"Loops kept: {len(w.kept)}" in status
    got = o.results()
    assert sum(1 for line in got if line.startswith("✖")) == min(len(w.lost), 20)
    assert o.ring("alipay-live") == "#cf222e"  # the product dropped, drawn apart from the loop's others
    o.page.click("#langs button[data-lang=zh]")
    o.wait("document.querySelector('#ask-status').innerText.includes('失去的闭环')")
    assert f"失去的闭环：{len(w.lost)} 个" in o.page.inner_text("#ask-status")
    ARTIFACTS.mkdir(exist_ok=True)
    o.page.screenshot(path=str(ARTIFACTS / "page-whatif-zh.png"))
    o.page.click("#langs button[data-lang=en]")
    o.page.screenshot(path=str(ARTIFACTS / "page-whatif-en.png"))
    o.assert_clean()


def test_without_workers_the_page_answers_on_its_main_thread(open_page, page_file, G):
    """A browser that gives the page no Worker: the same answers, computed in the page."""
    o = open_page(page_file, init_script="window.Worker = undefined;")
    assert o.js("ccareAsk.usesWorker()") is False
    o.page.check("#ask-has input[value='zhima-credit']")
    o.page.click("#ask-go")
    o.answered()
    want = [list(p.add) for p in prescriptions(G, ["zhima-credit"])][:21]
    assert o.js("ccareAsk.answer().prescriptions.map(p => p.add)") == want
    o.assert_clean()


def test_a_limit_cuts_the_answer_short_and_the_page_says_so(open_page, page_file):
    o = open_page(page_file)
    o.js("ccareAsk.limits.maxSteps = 20")
    o.page.click("#ask-tabs button[data-q=loops]")
    o.page.select_option("#ask-mode", "all")
    o.page.click("#ask-go")
    o.answered()
    assert o.js("ccareAsk.answer().cutShort") is True
    assert "Cut short" in o.page.inner_text("#ask-status")
    o.assert_clean()


# ---------------------------------------------------------------------- sharing


def test_the_fragment_holds_the_question_and_opens_on_it(open_page, page_file, G):
    o = open_page(page_file)
    o.page.check("#ask-has input[value='life-account']")
    o.page.click("#langs button[data-lang=zh]")
    o.page.click("#ask-go")
    o.answered()
    fragment = o.js("location.hash.slice(1)")
    assert "has=life-account" in fragment and "lang=zh" in fragment and "ask=1" in fragment
    again = open_page(page_file, fragment)
    again.answered()
    assert again.js("document.documentElement.lang") == "zh-CN"
    assert again.js("ccareAsk.state().has") == ["life-account"]
    assert again.results() == o.results()
    again.assert_clean()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_page_exported_with_a_prescription_opens_on_its_question(open_page, tmp_path, G, lang):
    """`ccare prescribe --has ... --html` gives the strategist a page to take to the
    merchant: the panel opens with the merchant's products ticked, the needs and the
    scale as asked, and the answer the command printed listed first, ready for the
    next question."""
    from ccare.cli import cli

    out = tmp_path / "prescription.html"
    r = CliRunner().invoke(cli, ["prescribe", "--has", "小程序,商家粉丝群", "--needs", "SCALE,ACTIVE,EFFICIENCY",
                                 "--scale", "小商家", "--html", str(out), "--lang", lang, "--format", "json"])
    assert r.exit_code == 0, r.output
    o = open_page(out)
    o.answered()
    state = o.js("ccareAsk.state()")
    assert state["q"] == "prescribe" and state["has"] == ["fan-group", "mini-program"]
    assert state["needs"] == ["SCALE", "ACTIVE", "EFFICIENCY"] and state["scale"] == "small"
    assert o.js("[...document.querySelectorAll('#ask-has input:checked')].map(i => i.value).sort()") == [
        "fan-group", "mini-program"]
    assert o.js("document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
    want = list(prescriptions(G, ["fan-group", "mini-program"], LoopSpec(needs=("SCALE", "ACTIVE", "EFFICIENCY")),
                              scale="small"))
    got = o.results()
    assert len(got) == len(want) >= 1
    assert got[0].startswith(("新增：" if lang == "zh" else "Add: ") +
                             ("、" if lang == "zh" else ", ").join(_label(G, n, lang) for n in want[0].add))
    # the drawing is the command's first prescription
    assert o.js("ccareMap.current()")["added"] == list(want[0].add)
    o.assert_clean()


def test_a_question_the_panel_cannot_ask_leaves_the_drawing_alone(open_page, tmp_path, G):
    """A loop length the panel has no field for: the page shows the command's result
    drawn, and its panel asks nothing (it would answer another question)."""
    from ccare.cli import cli

    out = tmp_path / "short.html"
    r = CliRunner().invoke(cli, ["prescribe", "--has", "mini-program", "--max-length", "3", "--html", str(out)])
    assert r.exit_code == 0, r.output
    assert 'id="ccare-state">' not in out.read_text(encoding="utf-8")
    o = open_page(out)
    first = next(iter(prescriptions(G, ["mini-program"], LoopSpec(max_length=3))))
    assert o.js("ccareMap.current()")["added"] == list(first.add)
    assert o.js("ccareAsk.state().asked") is False
    o.assert_clean()


HOSTILE = [
    "q=prescribe&has=fan-group,<img src=x onerror=alert(1)>,__proto__&needs=ACTIVE,XSS&scale=huge&stage=<b>&ask=1",
    "q=<script>alert(1)</script>&lang=javascript:alert(1)",
    "%E0%A4%A&&&==&q",
    "q=path&from=constructor&to=__proto__&ask=1",
    "q=whatif&drop=toString&ask=1&pick=99999999999999999999",
    "has=" + ",".join(["fan-group"] * 5000) + "&ask=1",
    "x" * 30000,
    "q=loops&mode=eval&product=payment&ask=1&lang=zh",
]


def test_hostile_fragments_are_ignored_safely(open_page, page_file):
    """Each fragment is read when the page opens (the first) or when it changes (the rest,
    on one open page): what is not a known question, id, need, scale or stage is left out."""
    o = open_page(page_file, HOSTILE[0])
    for i, fragment in enumerate(HOSTILE):
        if i:
            o.js("f => { location.hash = f; }", fragment)
            o.page.wait_for_timeout(60)
        o.page.wait_for_selector("#ask-go", state="attached")
        if "ask=1" in fragment and len(fragment) <= 20000:
            o.answered()
        state = o.js("ccareAsk.state()")
        assert state["q"] in ("prescribe", "path", "loops", "whatif"), fragment
        assert set(state["has"]) <= {"fan-group"}
        assert set(state["needs"]) <= {"SCALE", "ACTIVE", "WORTH", "EFFICIENCY"}
        assert state["scale"] == "" and state["stage"] == "" and state["mode"] in ("through", "without", "all")
        assert o.js("[...document.querySelectorAll('#ask *')].filter(e => e.tagName === 'IMG' || e.tagName === 'SCRIPT'"
                    " || [...e.attributes].some(a => a.name.startsWith('on'))).length") == 0
    assert o.js("ccareAsk.state().has") == []  # the last fragment named no product
    o.page.wait_for_timeout(100)
    o.assert_clean()


def test_save_this_answer_downloads_a_page_that_opens_on_it(open_page, page_file, tmp_path):
    o = open_page(page_file, accept_downloads=True)
    o.page.check("#ask-has input[value='coupons']")
    o.page.select_option("#ask-scale", "small")
    o.page.click("#ask-go")
    o.answered()
    o.page.click("#ask-results > li:nth-child(1)")
    want = o.results()
    with o.page.expect_download() as info:
        o.page.click("#ask-save")
    saved = tmp_path / "answer.html"
    info.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and 'id="ccare-state"' in text
    assert text.count('id="ccare-data"') == 1 and "<canvas" not in text
    # the page as delivered: nothing the scripts drew at run time (panel, legend, map)
    assert 'id="ask-has"' not in text and "vis-network" not in text.split("<script")[0]
    assert text.count("<script") == page_file.read_text(encoding="utf-8").count("<script") + 1
    again = open_page(saved)  # no fragment: a file:// link does not travel, the file does
    again.answered()
    assert again.js("ccareAsk.state().has") == ["coupons"] and again.js("ccareAsk.state().scale") == "small"
    assert again.results() == want
    # saved again, it still holds one state: the new one
    again.page.click("#ask-has input[value='fan-group']")
    assert again.js("ccareAsk.pageCopy()").count('id="ccare-state"') == 1
    assert "fan-group" in again.js("ccareAsk.pageCopy()").split('id="ccare-state"')[1][:300]
    again.assert_clean()
    o.assert_clean()


def test_hostile_labels_and_evidence_stay_text_in_the_panel(open_page, tmp_path):
    """A map whose labels, quotes and rationales are markup: the panel lists and answers
    with them as text, in both languages, and nothing runs."""
    from ccare.cli import cli

    xss = Path(__file__).resolve().parent / "data" / "exports" / "xss.ttl"
    out = tmp_path / "xss.html"
    r = CliRunner().invoke(cli, ["export", "html", "-o", str(out), "--data", str(xss)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    o = open_page(out)
    assert o.page.inner_text("#ask-has label:has(input[value='xss-product'])") == "<img src=x onerror=alert(1)>"
    o.page.click("#ask-tabs button[data-q=path]")
    o.page.select_option("#ask-from", "xss-product")
    o.page.select_option("#ask-to", "payment")
    o.page.click("#ask-go")
    o.answered()
    assert o.results()[0].startswith("<img src=x onerror=alert(1)> → payment")
    assert "<iframe src=" in o.page.inner_text("#steps")  # the quote, as text
    o.page.click("#langs button[data-lang=zh]")
    o.wait("document.querySelector('#ask-results > li') && "
           "document.querySelector('#ask-results > li').innerText.startsWith('</script>')")
    assert o.js("[...document.querySelectorAll('#ask *, #answer *')].filter(e => ['IMG', 'SCRIPT', 'IFRAME', 'SVG',"
                " 'STYLE'].includes(e.tagName) || [...e.attributes].some(a => a.name.startsWith('on'))).length") == 0
    o.page.wait_for_timeout(100)
    o.assert_clean()


def test_the_page_stays_responsive_while_the_worker_searches(open_page, tmp_path):
    """A long search (every loop of up to 20 products on 200 synthetic products) runs in
    the Worker: the page's main thread keeps answering within a frame or two meanwhile,
    and the time limit cuts the search short, which the answer says."""
    import io

    from ccare.exports.html import map_html
    from ccare.graph.build import to_networkx
    from ccare.kb.model import load
    from ccare.kb.synth import synth_turtle

    buf = io.StringIO()
    synth_turtle(buf, products=200, seed=1)
    ttl = tmp_path / "synth.ttl"
    ttl.write_text(buf.getvalue(), encoding="utf-8")
    page = tmp_path / "synth.html"
    page.write_text(map_html(to_networkx(load([str(ttl)], cache=False))), encoding="utf-8")
    o = open_page(page)
    assert o.js("ccareAsk.usesWorker()") is True
    o.js("""() => { window.__answer = null; ccareAsk.limits.timeoutMs = 2500;
        ccareAsk.run({q: 'loops', spec: {needs: [], payment: false, domains: false, maxLength: 20}})
          .then(a => { window.__answer = a; }); }""")
    gaps = []
    started = time.monotonic()
    while o.js("window.__answer === null") and time.monotonic() - started < 20:
        gaps.append(o.js("""() => new Promise(done => { const t = performance.now();
            requestAnimationFrame(() => done(performance.now() - t)); })"""))
    assert o.js("window.__answer && [window.__answer.cutShort, window.__answer.error]") == [True, None]
    assert len(gaps) > 10 and sorted(gaps)[len(gaps) // 2] < 100  # frames kept coming while it searched
    o.assert_clean()


def test_a_big_map_filters_the_merchants_products_in_either_language(open_page, tmp_path):
    """With 60 products the panel's list gets a filter box: the words typed, Chinese or
    English, any case, keep the products whose label or id holds them; a ticked product
    stays in view, and the question asks with what is ticked, hidden or not."""
    import io

    from ccare.exports.html import map_html
    from ccare.graph.build import to_networkx
    from ccare.kb.model import load
    from ccare.kb.synth import synth_turtle

    buf = io.StringIO()
    synth_turtle(buf, products=60, seed=2)
    ttl = tmp_path / "synth.ttl"
    ttl.write_text(buf.getvalue(), encoding="utf-8")
    page = tmp_path / "synth.html"
    page.write_text(map_html(to_networkx(load([str(ttl)], cache=False)), lang="zh"), encoding="utf-8")
    o = open_page(page)
    shown = "[...document.querySelectorAll('#ask-has label.check')].filter(l => !l.hidden).map(l => l.innerText)"
    everything = o.js(shown)
    assert len(everything) > 60 and "支付" in everything
    o.page.fill("#ask-filter", "合成产品1")
    some = o.js(shown)
    want = sorted(x for x in everything if "合成产品1" in x)
    assert sorted(some) == want and 1 < len(some) < len(everything)
    o.page.fill("#ask-filter", "小程序")
    assert "小程序" in o.js(shown) and "合成产品1" not in o.js(shown)
    o.page.check("#ask-has input[value='mini-program']")
    o.page.fill("#ask-filter", "SYNTHETIC product 12")  # English, any case, while the page is in Chinese
    assert sorted(o.js(shown)) == sorted(["合成产品12", "小程序"]), o.js(shown)
    o.page.fill("#ask-filter", "")
    assert o.js(shown) == everything
    o.page.click("#ask-go")
    o.answered()
    assert o.js("ccareAsk.state().has") == ["mini-program"]
    o.assert_clean()

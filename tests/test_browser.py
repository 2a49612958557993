"""The exported pages in a real browser: Debian's chromium, driven by playwright.

No browser is downloaded: ``.ci/run`` installs ``chromium`` (and a CJK font) with apt, and
these tests launch it from ``/usr/bin/chromium`` (``CCARE_CHROMIUM`` overrides the path).
Without it they fail, loudly, rather than skip: set ``CCARE_SKIP_BROWSER=1`` to skip them
on purpose.  Screenshots go to ``$CCARE_TEST_ARTIFACTS`` for a person to look at (default: a
temporary folder; the suite prints where).
"""

from __future__ import annotations

import json
import os
from itertools import islice
from pathlib import Path

import networkx as nx
import pytest

from ccare.graph.prescribe import prescriptions
from pages import Page, opener

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ["CCARE_TEST_ARTIFACTS"])  # conftest.py sets it for the session
XSS = Path(__file__).resolve().parent / "data" / "exports" / "xss.ttl"
# the browser fixture is in conftest.py: one Playwright session serves every browser test


@pytest.fixture
def open_page(browser):
    """Pages of the map opened from files; nothing may leave the machine, not even a blob."""

    def local(browser, url, **options):
        return Page(browser, url, allow=("file:", "data:"), **options)

    yield from opener(browser, local)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The shipped map's page and its GraphML export, both through the CLI."""
    from click.testing import CliRunner

    from ccare.cli import cli

    d = tmp_path_factory.mktemp("shipped")
    for args in (("html", "-o", str(d / "map.html")), ("graphml", "-o", str(d / "map.graphml"))):
        r = CliRunner().invoke(cli, ["export", *args], catch_exceptions=False)
        assert r.exit_code == 0, r.output
    return d


VISIBLE = "ccareMap.network.body.nodeIndices.slice().sort()"


def _hover(o, node_id):
    """Hover a node; its tooltip's text and how many elements other than line breaks it holds."""
    x, y = o.js("""id => {
        const n = ccareMap.network, p = n.getPositions([id])[id], d = n.canvasToDOM(p);
        const r = document.querySelector('#map canvas').getBoundingClientRect();
        return [r.left + d.x, r.top + d.y];
    }""", node_id)
    o.page.mouse.move(x, y)
    o.wait("(() => { const t = document.querySelector('div.vis-tooltip');"
             " return !!t && getComputedStyle(t).visibility === 'visible' && t.textContent.length > 0; })()")
    return o.js("(() => { const t = document.querySelector('div.vis-tooltip');"
                " return {text: t.innerText, children: [...t.children].filter(c => c.tagName !== 'BR').length}; })()")


def _handlers_in_dom(o) -> list:
    return o.js("""[...document.querySelectorAll('*')]
        .filter(e => [...e.attributes].some(a => a.name.startsWith('on') || /^\\s*javascript:/i.test(a.value)))
        .map(e => e.outerHTML.slice(0, 80))""")


# ---------------------------------------------------------------------- the shipped map


def test_map_draws_the_graphml_nodes_offline(open_page, shipped):
    o = open_page(shipped / "map.html")
    H = nx.read_graphml(shipped / "map.graphml", force_multigraph=True)
    o.page.click("#view-all")  # it opens on the readable view (products, needs, values): test_explore.py
    assert o.js(VISIBLE) == sorted(H.nodes)
    assert o.js("ccareMap.network.body.edgeIndices.length") == H.number_of_edges()
    # the canvas really has a drawing on it: many pixels differ from the background
    inked = o.js("""(() => { const c = document.querySelector('#map canvas'), g = c.getContext('2d');
        const d = g.getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 16) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;
        return n; })()""")
    assert inked > 2000
    legend = o.js("[...document.querySelectorAll('#legend li')].map(li => li.innerText.trim())")
    products = sum(1 for _, d in H.nodes(data=True) if d.get("kind") == "product")
    assert any(item.startswith("product") and item.endswith(str(products)) for item in legend)
    ARTIFACTS.mkdir(exist_ok=True)
    o.page.screenshot(path=str(ARTIFACTS / "map.png"))
    o.js("ccareMap.setLang('zh')")
    o.page.screenshot(path=str(ARTIFACTS / "map-zh.png"))
    o.assert_clean()


def test_search_finds_a_chinese_label(open_page, shipped):
    o = open_page(shipped / "map.html")
    o.page.fill("#search", "粉丝群")
    results = o.js("[...document.querySelectorAll('#results button')].map(b => b.dataset.id)")
    assert results == ["fan-group"]
    o.page.press("#search", "Enter")
    assert o.js("ccareMap.network.getSelectedNodes()") == ["fan-group"]
    detail = o.page.inner_text("#detail")
    assert "merchant fan group" in detail and "商家粉丝群" in detail and "第二个是商家粉丝群" in detail
    o.page.fill("#search", "Zhima")  # English, any case
    assert o.js("[...document.querySelectorAll('#results button')].map(b => b.dataset.id)")[0] == "zhima-credit"
    o.page.fill("#search", "不存在的产品")
    assert o.page.inner_text("#results") == "No match"
    o.assert_clean()


def test_language_switch(open_page, shipped):
    o = open_page(shipped / "map.html")
    assert o.js("ccareMap.nodes.get('fan-group').label") == "merchant fan group"
    assert o.js("ccareMap.nodes.get('scale').label") == "multi-channel\nprecise\nacquisition"  # wrapped on the canvas
    o.page.click("#langs button[data-lang=zh]")
    assert o.js("ccareMap.nodes.get('fan-group').label") == "商家粉丝群"
    assert o.js("document.documentElement.lang") == "zh-CN"
    assert o.page.inner_text("#title") == "C-CARE 开放产品地图" == o.page.title()
    assert "产品" in o.page.inner_text("#legend")
    tooltip = _hover(o, "fan-group")
    assert tooltip["children"] == 0
    assert (
        "商家粉丝群" in tooltip["text"]
        and "诉求：ACTIVE" in tooltip["text"]
        and "openday 文章 第 24 行" in tooltip["text"]
    )
    o.assert_clean()


def test_filters_by_type_and_need(open_page, shipped, G):
    o = open_page(shipped / "map.html")
    o.page.click("#view-all")
    o.page.uncheck("#legend input[data-kind=fact]")
    facts = {n for n, k in G.nodes(data="kind") if k == "fact"}
    assert set(o.js(VISIBLE)) == set(G.nodes) - facts
    o.page.check("#legend input[data-kind=fact]")
    o.page.select_option("#need", "ACTIVE")
    expected = {n for n, d in G.nodes(data=True) if "ACTIVE" in (d.get("needs") or [])}
    expected |= {"active"} | {v for v, _, k in G.in_edges("active", keys=True)
                             if k == "skos:broader" and G.nodes[v]["kind"] == "value"}
    assert set(o.js(VISIBLE)) == expected
    assert {"fan-group", "interactive", "value-adding"} <= expected
    o.page.select_option("#need", "")
    assert len(o.js(VISIBLE)) == G.number_of_nodes()
    o.assert_clean()


# ---------------------------------------------------------------------- a query result on top


def test_highlighted_elements_are_the_querys(open_page, tmp_path, G, ccare):
    found = [p.to_json(G) for p in islice(prescriptions(G, ["mini-program"]), 2)]
    best = found[0]
    saved = tmp_path / "prescription.json"
    saved.write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "hl.html"
    r = ccare("export", "html", "-o", str(out), "--highlight-json", str(saved))
    assert r.exit_code == 0, r.output
    o = open_page(out)
    loop_nodes = {n["id"] for n in best["loop"]["nodes"]} | {a["offering"] for a in best["loop"]["supporting"]}
    added = {n["id"] for n in best["add"]}
    emphasised = o.js("ccareMap.nodes.get({filter: n => n.borderWidth === 5}).map(n => n.id).sort()")
    assert emphasised == sorted(loop_nodes | added)
    faded = "ccareMap.nodes.get({filter: n => n.group.endsWith('~faded')}).length"
    assert o.js(faded) == G.number_of_nodes() - len(emphasised)
    dashed = o.js(
        "ccareMap.nodes.get({filter: n => !!n.shapeProperties && Array.isArray(n.shapeProperties.borderDashes)})"
        ".map(n => n.id).sort()"
    )
    assert dashed == sorted(added)
    # rings: what the merchant has (or takes for granted: payment) green, what it adds orange
    rings = dict(o.js("ccareMap.nodes.get({filter: n => n.borderWidth === 5}).map(n => [n.id, n.color.border])"))
    assert rings == {n: ("#e8590c" if n in added else "#1a7f37") for n in loop_nodes | added}
    assert rings["mini-program"] == rings["payment"] == "#1a7f37"
    steps = o.js("""ccareMap.edges.get({filter: e => e.width === 4.5}).map(e => {
        const n = ccareMap.network.body.edges[e.id]; return [e.from, e.to, e.label]; })""")
    walk = best["loop"]["steps"] + [{"from": a["offering"], "to": a["product"], "relation": a["relation"],
                                     "evidence": a["evidence"]} for a in best["loop"]["supporting"]]
    expected = [[s["from"], s["to"], s["relation"]] for s in walk]
    assert sorted([f, t] for f, t, _ in steps) == sorted([f, t] for f, t, _ in expected)
    assert all(label.split(". ", 1)[0].isdigit() for _, _, label in steps)
    items = o.js("[...document.querySelectorAll('#steps li')].map(li => li.innerText)")
    assert len(items) == len(walk)
    for item, step in zip(items, walk):
        for ev in step["evidence"]:
            assert ev["quote"] in item
    assert "Add:" in o.page.inner_text("#answer-summary")
    ARTIFACTS.mkdir(exist_ok=True)
    o.page.screenshot(path=str(ARTIFACTS / "map-prescription.png"))
    o.page.click("#steps li >> nth=0")
    first = best["loop"]["steps"][0]
    assert sorted(o.js("ccareMap.network.getSelectedNodes()")) == sorted([first["from"], first["to"]])
    o.page.uncheck("#fade")
    assert o.js(faded) == 0
    o.assert_clean()


# ---------------------------------------------------------------------- hostile text


def test_hostile_labels_stay_text(open_page, tmp_path, ccare):
    out = tmp_path / "xss.html"
    r = ccare("export", "html", "-o", str(out), "--data", str(XSS), "--title", "<img src=y onerror=alert(7)>")
    assert r.exit_code == 0, r.output
    o = open_page(out)
    assert "xss-product" in o.js(VISIBLE)
    assert _handlers_in_dom(o) == []
    assert o.page.inner_text("#title") == "<img src=y onerror=alert(7)>"
    o.page.fill("#search", "onerror")
    assert o.js("[...document.querySelectorAll('#results button')].map(b => b.firstChild.textContent.trim())") == [
        "<img src=x onerror=alert(1)>"]
    o.page.press("#search", "Enter")
    assert "<img src=x onerror=alert(1)>" in o.page.inner_text("#detail")
    assert '<a href="javascript:alert(3)">href</a>' in o.page.inner_text("#detail")
    tooltip = _hover(o, "xss-product")
    assert tooltip["children"] == 0 and "<img src=x onerror=alert(1)>" in tooltip["text"]
    o.page.click("#langs button[data-lang=zh]")
    o.page.fill("#search", "恶意")
    label = o.js("document.querySelector('#results button').firstChild.textContent")
    assert label.startswith("</script><script>alert(2)</script>恶意产品")
    assert o.js("document.querySelectorAll('img, iframe, script[src], link').length") == 0
    # vis-network, the data, the question engine, the page script, the question panel
    assert o.js("document.querySelectorAll('script').length") == 5
    assert _handlers_in_dom(o) == []
    o.page.wait_for_timeout(200)  # let anything that was going to fire, fire
    o.assert_clean()


# ---------------------------------------------------------------------- the report


def test_report_page(open_page, tmp_path, G):
    from ccare.exports.report import report_html

    found = [p.to_json(G) for p in islice(prescriptions(G, ["mini-program"]), 3)]
    out = tmp_path / "report.html"
    out.write_text(report_html(found, G, title="Prescription: merchant with a mini-program"), encoding="utf-8")
    o = open_page(out, ready=False)
    loop = found[0]["loop"]
    arrows, rows = len(loop["steps"]) + len(loop["supporting"]), len(loop["nodes"]) + len(loop["supporting"])
    assert o.js("document.querySelectorAll('svg.walk path[marker-end]').length") == arrows
    assert o.js("document.querySelectorAll('table.matrix tr.row').length") == rows
    height = o.js("document.body.scrollHeight")
    assert 600 < height < 6000
    ARTIFACTS.mkdir(exist_ok=True)
    o.page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    o.assert_clean()



def test_a_big_map_draws_and_searches(open_page, tmp_path):
    """Above 1,500 nodes the page takes its quick path: no hover, arrowheads on flows only,
    labels only once the view is close enough to read them."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("synthmap", ROOT / "bench" / "synthmap.py")
    synthmap = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthmap)
    from ccare.exports.html import map_html

    G = synthmap.synthetic_map(2000, seed=3)
    out = tmp_path / "big.html"
    out.write_text(map_html(G), encoding="utf-8")
    o = open_page(out)
    o.page.click("#view-all")
    assert o.js(VISIBLE) == sorted(G.nodes)
    assert o.js("ccareMap.network.body.edgeIndices.length") == G.number_of_edges()
    arrows = o.js("ccareMap.edges.get({filter: e => !!e.arrows}).length")
    flows = sum(1 for _, _, k in G.edges(keys=True) if k in ("userFlowsTo", "dataFlowsTo"))
    assert arrows == flows
    assert o.js("ccareMap.nodes.get({filter: n => n.label !== undefined}).length") == 0
    o.page.fill("#search", "product 17")
    o.page.press("#search", "Enter")
    assert o.js("ccareMap.network.getSelectedNodes()") == ["product-17"]
    assert o.js("ccareMap.nodes.get('product-17').label") == "product 17"
    labelled = o.js("ccareMap.nodes.get({filter: n => n.label !== undefined}).length")
    assert 1 < labelled < G.number_of_nodes() / 2  # its neighbourhood in view, not the whole map
    o.page.click("#langs button[data-lang=zh]")
    assert o.js("ccareMap.nodes.get('product-17').label") == G.nodes["product-17"]["labels"]["zh"]
    o.assert_clean()

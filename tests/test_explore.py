"""Reading the map page (issue 13): the readable view it opens on, focus and back, filters
that re-fit the view, near matches in search as the command line offers them, and flows in
the node panel; in both languages, in real Chromium.  Screenshots go to
``$CCARE_TEST_ARTIFACTS`` (explore-*.png) for a person to look at.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import networkx as nx
import pytest

from ccare.exports.layout import CENTRE_TYPES
from test_browser import VISIBLE, open_page, shipped  # noqa: F401 (fixtures)

ARTIFACTS = Path(os.environ["CCARE_TEST_ARTIFACTS"])
RESULTS = "[...document.querySelectorAll('#results button')].map(b => b.dataset.id)"
FADED = "ccareMap.nodes.get({filter: n => !n.hidden && /~faded$/.test(n.group)}).map(n => n.id).sort()"


def _kind(G, n) -> str:
    d = G.nodes[n]
    return "centre" if d.get("type") in CENTRE_TYPES else d.get("kind") or "other"


def _in_view(o) -> list:
    """The visible nodes whose centres are outside the canvas."""
    return o.js("""(() => { const n = ccareMap.network, c = document.querySelector('#map canvas');
        const w = c.clientWidth, h = c.clientHeight;
        return n.body.nodeIndices.filter(id => { const p = n.canvasToDOM(n.getPositions([id])[id]);
            return p.x < 0 || p.y < 0 || p.x > w || p.y > h; }); })()""")


def _shot(o, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    o.page.screenshot(path=str(ARTIFACTS / name))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_opens_on_the_readable_view(open_page, shipped, G, lang):  # noqa: F811
    o = open_page(shipped / "map.html")
    o.js(f"ccareMap.setLang('{lang}')")
    readable = sorted(n for n in G.nodes if _kind(G, n) in ("product", "need", "value"))
    assert o.js(VISIBLE) == readable
    assert o.page.inner_text("#view-all") == ("显示全部类型" if lang == "zh" else "Show every type")
    assert _in_view(o) == []
    _shot(o, f"explore-readable-{lang}.png")
    # everything else is one click away: every type, or one type by its box
    o.page.click("#view-all")
    assert o.js(VISIBLE) == sorted(G.nodes)
    o.page.click("#view-readable")
    o.page.check("#legend input[data-kind=programme]")
    programmes = {n for n in G.nodes if _kind(G, n) == "programme"}
    assert programmes and set(o.js(VISIBLE)) == set(readable) | programmes
    assert _in_view(o) == []
    o.assert_clean()


def _reference_near(G, query: str) -> list:
    """The command line's near matches (kb.resolve: difflib over names, then containment),
    over the names the page has: ids and zh/en labels."""
    names: dict = {}
    for n in sorted(G.nodes):
        for s in (G.nodes[n].get("labels") or {}).get("zh"), (G.nodes[n].get("labels") or {}).get("en"):
            k = (s or "").strip().lower()
            if k and k not in names:
                names[k] = n
    for n in sorted(G.nodes):
        names[str(n).strip().lower()] = n
    key = query.strip().lower()
    near = difflib.get_close_matches(key, list(names), n=5, cutoff=0.5)
    near += [k for k in names if key and (key in k or k in key) and k not in near]
    out = []
    for k in near:
        if names[k] not in out:
            out.append(names[k])
    return out[:8]


QUERIES = ["粉丝君", "fan grup", "商家粉丝", "mini progam", "支付宝直拨", "zhima", "小程序云", "Alipay", "营销",
           "coupon", "qipan", "开放", "x", "会员运营", "search promo"]


def test_search_offers_near_matches_as_the_command_line_does(open_page, shipped, G, ccare):  # noqa: F811
    o = open_page(shipped / "map.html")
    for q in QUERIES:
        assert o.js("q => ccareExplore.near(q)", q) == _reference_near(G, q), q
    for q in ("粉丝君", "fan grup"):
        r = ccare("show", q)  # the command line offers it too
        assert r.exit_code == 1 and "fan-group" in r.stderr
        o.page.fill("#search", q)
        assert "fan-group" in o.js(RESULTS), q
        assert "near matches" in o.page.inner_text("#results")
    o.page.fill("#search", "粉丝君")
    o.page.press("#search", "Enter")
    assert o.js("ccareMap.network.getSelectedNodes()") == ["fan-group"]
    assert "商家粉丝群" in o.page.inner_text("#detail")
    o.page.click("#langs button[data-lang=zh]")
    o.page.fill("#search", "fan grup")
    assert "没有完全匹配；相近的名称" in o.page.inner_text("#results")
    _shot(o, "explore-near-zh.png")
    # an exact match first, near ones after it
    o.page.fill("#search", "小程序")
    ids = o.js(RESULTS)
    assert ids[:2] == ["mini-program", "mini-program-cloud"] or ids[0] in ("mini-program", "mini-program-cloud")
    o.assert_clean()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_focus_on_a_node_and_back(open_page, shipped, G, lang):  # noqa: F811
    o = open_page(shipped / "map.html")
    o.js(f"ccareMap.setLang('{lang}')")
    o.page.click("#view-all")
    whole = o.js("ccareMap.network.getScale()")
    o.page.fill("#search", "fan-group")
    o.page.press("#search", "Enter")
    U = nx.Graph(G)
    for depth in (1, 2):
        o.page.select_option("#focus-depth", str(depth))
        o.page.click("#focus-go")
        near = set(nx.single_source_shortest_path_length(U, "fan-group", cutoff=depth))
        assert o.js("ccareExplore.focused()") == sorted(near)
        assert set(o.js(FADED)) == set(G.nodes) - near  # the rest of the map faded
        assert not set(_in_view(o)) & near  # the view fits the focus: all of it on the canvas
        assert o.js("ccareMap.network.getScale()") >= whole - 1e-9  # and no farther out than the whole map
        bar = o.page.inner_text("#focus-bar")
        assert ("聚焦于商家粉丝群" if lang == "zh" else "Focused on merchant fan group") in bar
        if depth == 1:
            _shot(o, f"explore-focus-{lang}.png")
    o.page.click("#focus-back")
    assert o.js("ccareExplore.focused()") is None
    assert o.js(FADED) == []
    assert o.js("document.getElementById('focus-bar').hidden") is True
    assert _in_view(o) == []
    o.assert_clean()


def test_filters_refit_the_view(open_page, shipped, G):  # noqa: F811
    o = open_page(shipped / "map.html")
    o.page.click("#view-all")
    o.page.fill("#search", "Ant Forest")  # the view zooms in on it
    o.page.press("#search", "Enter")
    o.page.select_option("#need", "EFFICIENCY")  # it is not among them
    visible = o.js(VISIBLE)
    assert "ant-forest" not in visible and len(visible) > 1
    assert _in_view(o) == []  # every node the filter leaves is on the canvas, none off it
    o.page.uncheck("#legend input[data-kind=value]")
    assert _in_view(o) == []
    o.assert_clean()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_node_panel_lists_flows_in_and_out_with_evidence(open_page, shipped, G, lang):  # noqa: F811
    o = open_page(shipped / "map.html")
    o.js(f"ccareMap.setLang('{lang}')")
    o.page.fill("#search", "商家粉丝群")
    o.page.press("#search", "Enter")
    for direction, edges in (("flowsIn", G.in_edges("fan-group", keys=True, data=True)),
                             ("flowsOut", G.out_edges("fan-group", keys=True, data=True))):
        flows = [(u, v, d) for u, v, k, d in edges if k in ("userFlowsTo", "dataFlowsTo")]
        items = o.js(f"[...document.querySelectorAll('#explore-node ul[data-dir={direction}] li')]"
                     ".map(li => li.innerText)")
        assert len(items) == len(flows) > 0
        text = "\n".join(items)
        for u, v, d in flows:
            other = v if u == "fan-group" else u
            assert G.nodes[other]["labels"][lang] in text
            for ev in d.get("evidence") or ():
                assert ev["quote"] in text
                assert (f"第 {ev['line']} 行" if lang == "zh" else f"line {ev['line']}") in text
    heads = o.js("[...document.querySelectorAll('#explore-node h3')].map(h => h.innerText)")
    assert [h.lower() for h in heads] == (["流入", "流出"] if lang == "zh" else ["flows in", "flows out"])
    assert ("用户流向" if lang == "zh" else "users flow to") in o.page.inner_text("#explore-node")
    o.js("document.getElementById('explore-node').scrollIntoView()")
    _shot(o, f"explore-panel-{lang}.png")
    # the switch redraws the panel in the other language
    other = "en" if lang == "zh" else "zh"
    o.page.click(f"#langs button[data-lang={other}]")
    heads = o.js("[...document.querySelectorAll('#explore-node h3')].map(h => h.innerText)")
    assert [h.lower() for h in heads] == (["流入", "流出"] if other == "zh" else ["flows in", "flows out"])
    o.assert_clean()


def test_hostile_names_stay_text_in_near_matches_focus_and_flows(open_page, tmp_path, ccare):  # noqa: F811
    xss = Path(__file__).resolve().parent / "data" / "exports" / "xss.ttl"
    out = tmp_path / "xss.html"
    r = ccare("export", "html", "-o", str(out), "--data", str(xss))
    assert r.exit_code == 0, r.output
    o = open_page(out)
    o.page.fill("#search", "<img src=y onerror=alert(9)>")  # not a name: a near one
    near = o.js("[...document.querySelectorAll('#results button[data-near]')]"
                ".map(b => b.firstChild.textContent.trim())")
    assert "<img src=x onerror=alert(1)>" in near
    o.page.press("#search", "Enter")
    assert o.js("ccareMap.network.getSelectedNodes()") == ["xss-product"]
    o.page.click("#focus-go")
    assert "<img src=x onerror=alert(1)>" in o.page.inner_text("#focus-bar")
    assert o.js("document.querySelectorAll('img, iframe, script[src], link').length") == 0
    assert o.js("""[...document.querySelectorAll('*')]
        .filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length""") == 0
    o.js("ccareMap.setLang('zh')")
    assert o.js("document.querySelectorAll('img, iframe, script[src], link').length") == 0
    o.page.wait_for_timeout(200)
    o.assert_clean()

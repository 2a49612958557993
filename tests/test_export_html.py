"""The map page and the report as files: self-contained, UTF-8, data kept as data.

What they do in a browser is tested in ``test_browser.py``.
"""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from itertools import islice
from pathlib import Path

import pytest

from ccare.exports.highlight import HighlightError, check_against, from_result
from ccare.exports.html import map_html, page_data
from ccare.exports.report import report_html
from ccare.exports.safe import script_json
from ccare.graph.build import to_networkx
from ccare.graph.loops import LoopSpec, operating_loops
from ccare.graph.prescribe import prescriptions
from ccare.kb.model import load

DATA = Path(__file__).resolve().parent / "data" / "exports"
XSS = DATA / "xss.ttl"
XSS_TEXTS = (
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    "<svg onload=alert(4)>",
    '<a href="javascript:alert(3)">',
    '<iframe src="https://example.com/">',
    "<style>body{display:none}</style>",
)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of every <script>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self._in = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in = dict(attrs)
            self.scripts.append([dict(attrs), ""])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            self.scripts[-1][1] += data


def parse(page: str) -> Tags:
    t = Tags()
    t.feed(page)
    return t


def page_json(page: str) -> dict:
    (data,) = [text for attrs, text in parse(page).scripts if attrs.get("id") == "ccare-data"]
    return json.loads(data)


@pytest.fixture(scope="module")
def xss_graph():
    kb = load([XSS])
    return kb, to_networkx(kb)


@pytest.fixture(scope="module")
def best_prescription(G):
    return next(prescriptions(G, ["mini-program"])).to_json(G)


# ---------------------------------------------------------------------- self-contained


def test_page_is_one_self_contained_file(ccare, tmp_path, G):
    out = tmp_path / "map.html"
    r = ccare("export", "html", "-o", str(out))
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    page = raw.decode("utf-8")  # UTF-8 whatever the locale
    assert page.startswith("<!DOCTYPE html>")
    t = parse(page)
    # nothing is loaded from anywhere: no external script, style sheet, image, frame, font
    assert not [(tag, a) for tag, a in t.tags if "src" in a or tag in ("link", "img", "iframe", "object", "embed")]
    assert not [a for _, a in t.tags if any(str(v).startswith(("http:", "https:", "//")) for v in a.values())]
    assert "bootstrap" not in page.lower() and "cdn" not in page.lower()
    metas = [a for tag, a in t.tags if tag == "meta"]
    assert {"charset": "utf-8"} in metas
    (csp,) = [a["content"] for a in metas if a.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    # the question engine's Worker may start from a blob, and nothing else was opened up
    assert csp.endswith("; worker-src blob:") and csp.count("blob:") == 1 and "eval" not in csp
    # vis-network inline, then the data, the question engine, the page script, the question panel
    kinds = [a.get("type", "js") for a, _ in t.scripts]
    assert kinds == ["js", "application/json", "js", "js", "js"]
    assert "vis-network" in t.scripts[0][1][:300]
    assert "function ccareEngineFactory" in t.scripts[2][1] and "window.ccareAsk" in t.scripts[4][1]
    nodes = [n[0] for n in page_json(page)["nodes"]]
    assert sorted(nodes) == sorted(G.nodes)


def test_page_is_deterministic_and_leaves_the_graph_alone(G):
    before = copy.deepcopy(dict(G.nodes(data=True))), copy.deepcopy(list(G.edges(keys=True, data=True)))
    assert map_html(G) == map_html(G)
    assert (dict(G.nodes(data=True)), list(G.edges(keys=True, data=True))) == before


def test_positions_are_baked_in(G):
    data = page_data(G)
    xy = {(n[9], n[10]) for n in data["nodes"]}
    assert len(xy) == len(data["nodes"])  # every node has its own place
    assert data["smooth"] is True


def test_language_and_title(ccare, tmp_path):
    out = tmp_path / "zh.html"
    r = ccare("export", "html", "-o", str(out), "--lang", "zh")
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "<title>C-CARE 开放产品地图</title>" in page
    assert page_json(page)["lang"] == "zh"
    r = ccare("export", "html", "-o", str(out), "--lang", "fr")
    assert r.exit_code == 2


def test_relation_labels_are_bilingual(ccare):
    r = ccare("export", "html", "-o", "-")
    assert r.exit_code == 0
    rel = page_json(r.stdout)["relations"]
    assert rel["userFlowsTo"] == {"zh": "用户流向", "en": "users flow to"}


# ---------------------------------------------------------------------- data stays data


def test_script_json_escapes_what_could_end_the_element():
    text = script_json({"a": "</script><!--<script>\u2028\u2029&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"a": "</script><!--<script>\u2028\u2029&"}


def test_hostile_labels_never_reach_the_markup(ccare, tmp_path):
    out = tmp_path / "xss.html"
    r = ccare("export", "html", "-o", str(out), "--data", str(XSS), "--title", "<b onmouseover=alert(5)>{{data}}")
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    for text in (*XSS_TEXTS, "<b onmouseover", "\u2028", "\u2029"):
        assert text not in page, text
    assert "&lt;b onmouseover=alert(5)&gt;{{data}}" in page  # title as text, marker not expanded
    t = parse(page)
    assert len(t.scripts) == 5  # vis-network, the data, the question engine, the page script, the panel
    data = page_json(page)
    (node,) = [n for n in data["nodes"] if n[0] == "xss-product"]
    assert node[4] == "<img src=x onerror=alert(1)>"
    assert node[3].startswith("</script><script>alert(2)</script>") and "\u2028" in node[3]
    rationales = {e[4] for e in data["edges"]}
    assert "<svg onload=alert(4)> ${alert(5)} {{title}}" in rationales


def test_page_script_never_writes_html():
    from ccare.exports.assets import own

    for name in ("map.js", "engine.js", "ask.js"):
        js = own(name)
        for sink in ("innerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in js, (name, sink)
        # outerHTML only read, never assigned: ask.js serialises the page to save an answer
        assert not re.search(r"outerHTML\s*\+?=(?!=)", js), name
        assert js.count("outerHTML") == (1 if name == "ask.js" else 0), name


# ---------------------------------------------------------------------- highlight


def test_highlight_from_a_saved_result(ccare, tmp_path, G):
    saved = tmp_path / "loops.json"
    loops = [w.to_json(G) for w in islice(operating_loops(G), 3)]
    saved.write_text(json.dumps(loops, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "loop.html"
    r = ccare("export", "html", "-o", str(out), "--highlight-json", str(saved))
    assert r.exit_code == 0, r.output
    data = page_json(out.read_text(encoding="utf-8"))
    hl = data["highlight"]
    assert hl["kind"] == "loop"
    # the cycle, then the offerings supporting it, each with an edge to its product
    assert hl["nodes"] == [n["id"] for n in loops[0]["nodes"]] + [a["offering"] for a in loops[0]["supporting"]]
    marked = sorted((data["nodes"][e[0]][0], data["nodes"][e[1]][0], e[2], e[6]) for e in data["edges"] if e[6] >= 0)
    steps = [(s["from"], s["to"], s["relation"]) for s in loops[0]["steps"]]
    steps += [(a["offering"], a["product"], a["relation"]) for a in loops[0]["supporting"]]
    expected = sorted((*s, i) for i, s in enumerate(steps))
    assert marked == expected


def test_highlight_from_stdin(ccare, tmp_path, best_prescription):
    out = tmp_path / "p.html"
    r = ccare("export", "html", "-o", str(out), "--highlight-json", "-",
              input=json.dumps([best_prescription], ensure_ascii=False))
    assert r.exit_code == 0, r.output
    hl = page_json(out.read_text(encoding="utf-8"))["highlight"]
    assert hl["kind"] == "prescription"
    assert hl["added"] == [e["id"] for e in best_prescription["add"]]


def test_highlight_of_another_map_is_refused(ccare, tmp_path, xss_graph):
    kb, G2 = xss_graph
    loop = {
        "nodes": [{"id": "xss-product"}, {"id": "payment"}],
        "needs": [],
        "steps": [
            {"from": "xss-product", "to": "payment", "relation": "userFlowsTo", "evidence": [], "inferred": True},
            {"from": "payment", "to": "xss-product", "relation": "userFlowsTo", "evidence": [], "inferred": True},
        ],
    }
    saved = tmp_path / "loop.json"
    saved.write_text(json.dumps(loop), encoding="utf-8")
    r = ccare("export", "html", "-o", str(tmp_path / "x.html"), "--highlight-json", str(saved))
    assert r.exit_code == 1
    assert (
        "Error: the result names nodes the map does not have: xss-product (was it computed with other --data files?)"
        in r.output
    )
    assert not (tmp_path / "x.html").exists()
    r = ccare("export", "html", "-o", str(tmp_path / "x.html"), "--highlight-json", str(saved), "--data", str(XSS))
    assert r.exit_code == 0, r.output


def test_highlight_of_a_missing_edge_is_refused(G):
    h = from_result({"nodes": ["fan-group", "zhima-credit"], "needs": [],
                     "steps": [{"from": "fan-group", "to": "zhima-credit", "relation": "userFlowsTo"}]})
    with pytest.raises(HighlightError, match="no userFlowsTo edge from fan-group to zhima-credit"):
        check_against(h, G)


@pytest.mark.parametrize("payload,message", [
    ("{", "not JSON"),
    ("[]", "the result list is empty"),
    ('{"nodes": 3, "steps": []}', "needs 'nodes' and 'steps' lists"),
    ('{"nodes": ["a"], "steps": [{"from": "a"}]}', "missing 'to'"),
    ('{"add": [], "loop": 1}', "a prescription needs a 'loop' object"),
])
def test_malformed_results(ccare, tmp_path, payload, message):
    saved = tmp_path / "bad.json"
    saved.write_text(payload, encoding="utf-8")
    r = ccare("export", "html", "-o", "-", "--highlight-json", str(saved))
    assert r.exit_code == 1
    assert message in r.output


def test_highlight_options_exclude_each_other(ccare, tmp_path):
    saved = tmp_path / "r.json"
    saved.write_text("[]", encoding="utf-8")
    r = ccare("export", "html", "-o", "-", "--highlight-json", str(saved), "--highlight", "loops")
    assert r.exit_code == 2
    assert "not both" in r.output


def test_highlight_query_must_be_a_loop_path_or_prescription(ccare):
    r = ccare("export", "html", "-o", "-", "--highlight", "rank --by degree")
    assert r.exit_code == 2
    assert "--highlight takes a query of loops, path, prescribe" in r.output


# ---------------------------------------------------------------------- report


def test_report_of_a_prescription(G, best_prescription):
    page = report_html([best_prescription], G, title="Prescription for a mini-program merchant")
    t = parse(page)
    assert not t.scripts and not [a for _, a in t.tags if "src" in a or "href" in a]
    assert page.count("<svg") == 1
    for e in best_prescription["add"]:
        assert e["labels"]["en"] in page
    for step in best_prescription["loop"]["steps"]:
        for ev in step["evidence"]:
            assert f"“{ev['quote']}” <span class=\"where\">" in page  # each step's quote, where it is read
            assert f", line {ev['line']}</span>" in page  # the source's short name, given or its id
    for product, reasons in best_prescription["why"].items():
        for r in reasons:
            for ev in r["evidence"]:
                assert f"“{ev['quote']}”" in page
    # the coverage matrix: one row per loop product plus the total, one column per value
    (matrix,) = re.findall(r'<table class="matrix">.*?</table>', page)
    loop = best_prescription["loop"]
    assert matrix.count('<tr class="row') == len(loop["nodes"]) + len(loop["supporting"])
    assert matrix.count('class="val"') == 8
    # the total row: a value is served by the loop when some product of it serves the value
    total = re.findall(r'<td class="(st|inf|gap)">', matrix.split('class="total"')[1])
    columns = re.findall(r'<th class="val">(.*?)</th>', matrix)
    label_to_value = {G.nodes[v]["labels"]["en"]: v for v in G.nodes if G.nodes[v]["kind"] == "value"}
    loop_nodes = [n["id"] for n in loop["nodes"]] + [a["offering"] for a in loop["supporting"]]
    for col, cls in zip(columns, total):
        served = any(G.has_edge(p, label_to_value[col], key="serves") for p in loop_nodes)
        assert (cls != "gap") == served, col
    assert len(total) == 8
    # every quote backing what the loop's products serve
    for n in best_prescription["loop"]["nodes"]:
        for v in G.nodes[n["id"]]["values"]:
            for ev in G.edges[n["id"], v, "serves"]["evidence"]:
                assert f"“{ev['quote']}”" in page


def test_report_in_chinese_lists_alternatives(G):
    found = [
        p.to_json(G) for p in islice(prescriptions(G, ["fan-group"], LoopSpec(needs=("SCALE", "ACTIVE", "WORTH"))), 3)
    ]
    assert len(found) >= 2
    page = report_html(found, G, lang="zh", question="商家已有:商家粉丝群")
    assert '<html lang="zh-CN">' in page and "其他方案" in page and "商家已有:商家粉丝群" in page
    assert page.count("<svg") == 1


def test_report_keeps_hostile_text_as_text(xss_graph):
    kb, G2 = xss_graph
    loop = {"nodes": [{"id": "xss-product"}, {"id": "payment"}], "needs": [],
            "steps": [{"from": "xss-product", "to": "payment", "relation": "userFlowsTo", "inferred": True,
                       "evidence": G2.edges["xss-product", "payment", "userFlowsTo"]["evidence"]},
                      {"from": "payment", "to": "xss-product", "relation": "userFlowsTo", "inferred": True,
                       "evidence": G2.edges["payment", "xss-product", "userFlowsTo"]["evidence"]}]}
    page = report_html([{"add": [{"id": "xss-product"}], "loop": loop}], G2, title="<script>alert(6)</script>")
    for text in (*XSS_TEXTS, "<script"):
        assert text not in page, text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;svg onload=alert(4)&gt;" in page


# ---------------------------------------------------------------------- from the query commands


def test_prescribe_writes_report_and_map(ccare, tmp_path):
    report, page = tmp_path / "r.html", tmp_path / "m.html"
    r = ccare("prescribe", "--has", "mini-program", "--report", str(report), "--html", str(page))
    assert r.exit_code == 0, r.output
    assert f"Wrote the report to {report}." in r.stderr and f"Wrote the map page to {page}." in r.stderr
    first = ccare.json("prescribe", "--has", "mini-program")[0]
    hl = page_json(page.read_text(encoding="utf-8"))["highlight"]
    assert hl["kind"] == "prescription"
    loop = first["loop"]
    assert hl["nodes"] == [n["id"] for n in loop["nodes"]] + [a["offering"] for a in loop["supporting"]]
    assert hl["added"] == [n["id"] for n in first["add"]]
    text = report.read_text(encoding="utf-8")
    assert "<h1>A prescription for a merchant with mini-program: add Mini-Program Cloud to close the operating " \
           "loop payment → mini-program → payment (+ Mini-Program Cloud)</h1>" in text
    assert "users flow to" in text  # relations by their labels
    for step in first["loop"]["steps"]:
        for ev in step["evidence"]:
            assert f"“{ev['quote']}”" in text


def test_prescribe_report_in_chinese(ccare, tmp_path):
    report = tmp_path / "r.html"
    r = ccare("prescribe", "--has", "商家粉丝群", "--lang", "zh", "--report", str(report))
    assert r.exit_code == 0, r.output
    text = report.read_text(encoding="utf-8")
    assert "<h1>为已有商家粉丝群的商家开出的经营处方：补上小程序、小程序云，闭合“支付 → 小程序 → 商家粉丝群 → 支付" \
           "（+ 小程序云）”这一经营闭环</h1>" in text and "用户流向" in text
    assert "every operating loop passes through" not in text


def test_loops_report_keeps_json_on_stdout(ccare, tmp_path):
    report = tmp_path / "loops.html"
    r = ccare("loops", "--needs", "SCALE,WORTH", "--limit", "3", "--format", "json", "--report", str(report))
    assert r.exit_code == 0, r.output
    loops = json.loads(r.stdout)
    text = report.read_text(encoding="utf-8")
    assert "<h1>Operating loops</h1>" in text
    assert text.count("<li>Operating loop ") == len(loops) - 1  # the first in full, the others as alternatives


def test_path_map_highlights_the_path(ccare, tmp_path):
    page = tmp_path / "p.html"
    r = ccare("path", "zhima-credit", "payment", "--html", str(page))
    assert r.exit_code == 0, r.output
    hl = page_json(page.read_text(encoding="utf-8"))["highlight"]
    assert hl["kind"] == "path" and hl["nodes"][0] == "zhima-credit" and hl["nodes"][-1] == "payment"


def test_query_pages_need_a_file_name(ccare):
    r = ccare("loops", "--report", "-")
    assert r.exit_code == 2
    assert "Invalid value for '--report': give a file name" in r.output


def test_nothing_found_writes_nothing(ccare, tmp_path):
    report = tmp_path / "none.html"
    r = ccare("loops", "--max-length", "1", "--report", str(report))
    assert r.exit_code == 0, r.output
    assert "Nothing found, so no page was written." in r.stderr
    assert not report.exists()


def test_export_html_runs_the_highlight_query(ccare, tmp_path):
    page = tmp_path / "m.html"
    r = ccare("export", "html", "-o", str(page), "--highlight", "prescribe --has mini-program --needs SCALE,ACTIVE")
    assert r.exit_code == 0, r.output
    first = ccare.json("prescribe", "--has", "mini-program", "--needs", "SCALE,ACTIVE")[0]
    hl = page_json(page.read_text(encoding="utf-8"))["highlight"]
    assert hl["added"] == [n["id"] for n in first["add"]] and hl["needs"] == first["loop"]["needs"]
    r = ccare("export", "html", "-o", str(page), "--highlight", "loops --format table")
    assert r.exit_code == 2 and "leave out --format" in r.output
    r = ccare("export", "html", "-o", str(page), "--highlight", "prescribe --has nowhere")
    assert r.exit_code == 1 and "unknown product 'nowhere'" in r.output


def test_highlight_query_cut_short_draws_what_it_found(ccare, tmp_path):
    page = tmp_path / "m.html"
    r = ccare("export", "html", "-o", str(page), "--highlight", "loops --max-steps 20")
    assert r.exit_code == 0, r.output
    assert "--highlight: loops stopped early (exit code 3); drawing what it found." in r.stderr
    assert page_json(page.read_text(encoding="utf-8"))["highlight"]["kind"] == "loop"
    r = ccare("export", "html", "-o", str(page), "--highlight", "loops --max-length 1")
    assert r.exit_code == 1
    assert "Error: --highlight: 'loops --max-length 1' found nothing to draw" in r.output


def test_a_highlight_query_leaves_the_query_commands_help_as_it_was(ccare, tmp_path):
    """--highlight parses its query with the query command itself; afterwards, in the same
    process (a notebook, a long-lived tool), `ccare loops -h` still shows the help."""
    r = ccare("export", "html", "-o", str(tmp_path / "m.html"), "--highlight", "loops --limit 1")
    assert r.exit_code == 0, r.output
    r = ccare("loops", "-h")
    assert r.exit_code == 0 and "-h, --help" in r.stdout


def test_a_saved_question_is_checked_and_cannot_end_its_script(G):
    from ccare.exports.html import map_html, panel_question
    from ccare.graph.loops import LoopSpec

    with pytest.raises(ValueError, match="no evil"):
        map_html(G, question={"q": "prescribe", "evil": "1"})
    with pytest.raises(ValueError):
        map_html(G, question={"q": 1})
    page = map_html(G, question={"q": "prescribe", "has": "</script><script>alert(1)</script>"})
    assert page.count("<script>alert(1)") == 0
    # what the panel can ask, and what it cannot
    assert panel_question(G, "prescribe", has=["mini-program"])["has"] == "mini-program"
    assert panel_question(G, "prescribe", has=["mini-program"], spec=LoopSpec(max_length=3)) is None
    assert panel_question(G, "loops", spec=LoopSpec(through=("fan-group", "payment"))) is None
    assert panel_question(G, "path", source="payment", target="fan-group", via=("userFlowsTo",)) is None
    assert panel_question(G, "path", source="payment", target="SCALE") is None  # not a product
    assert panel_question(G, "whatif") is None

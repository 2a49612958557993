"""Chinese everywhere (issue 10): with ``--lang zh`` nothing ccare says is English.

Every query command, the report and the map page are read in Chinese, and a checker
fails on any run of two or more English words that is left once ids (``fan-group``),
need codes, IRIs, prefixed names, option names, file names, numbers and the source's own
English words are taken out.  The default language follows ``CCARE_LANG``, then the
locale, then English.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pytest

from ccare import i18n
from ccare.i18n import Citations, default_lang, short_source_name

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = ROOT / "examples" / "extension.ttl"
CHROMIUM = os.environ.get("CCARE_CHROMIUM", "/usr/bin/chromium")

#: the source's own English words, and names that are not sentences in any language
ALLOWED = ("C-CARE", "openday", "ccare", "IOT", "IoT", "PageRank", "IRI", "MiB", "CSV", "JSON", "RDF", "UTF-8",
           "QUERY", "FILE", "FILES", "URL", "SPARQL", "GBK", "GB18030", "Excel", "NUL", "Usage", "OPTIONS",
           "English", "JavaScript")
NEEDS = ("SCALE", "ACTIVE", "WORTH", "EFFICIENCY")

_REMOVE = [
    re.compile(r"https?://[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”]+"),  # IRIs (up to Chinese text)
    re.compile(r"'[^'\n]*'"),                          # the user's own words, quoted
    re.compile(r"/[\w./-]+"),                          # paths
    re.compile(r"\b[\w.-]+\.(?:csv|ttl|txt|html|json|nt|rq)\b"),  # file names
    re.compile(r"--[\w-]+"),                           # option names
    re.compile(r"\b[a-z]+:[A-Za-z][\w-]*"),            # prefixed names (cc:CoreProduct)
    re.compile(r"\[[\w:.\-]+\]"),                      # ids in brackets ([payment])
    re.compile(r"\b[\w]+(?:-[\w]+)+\b"),               # hyphenated ids (fan-group, M-1)
    re.compile(r"\b(?:" + "|".join(NEEDS) + r")\b"),   # need codes
    re.compile(r"\b[0-9a-f]{12,}\b"),                  # hashes (cache keys)
    re.compile(r"\d[\d,.]*"),                          # numbers
    re.compile(r"“[^”]*”"),                            # quotes of the source (verbatim, Chinese)
]
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z']+(?:[\s,;:()/&]+[A-Za-z][A-Za-z']+)+")


def english_runs(text: str, allow=()) -> list[str]:
    """Runs of two or more English words left in ``text`` once ids, codes, IRIs, numbers
    and the allowed words are taken out."""
    for word in sorted((*ALLOWED, *allow), key=len, reverse=True):
        text = re.sub(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", " ", text)
    for pattern in _REMOVE:
        text = pattern.sub(" ", text)
    return [m.group(0) for m in _ENGLISH_RUN.finditer(text)]


def assert_chinese(text: str, what: str = "", allow=()) -> None:
    runs = english_runs(text, allow)
    assert not runs, f"English left in {what}: {runs[:10]}\n{text[:3000]}"
    assert re.search(r"[\u4e00-\u9fff]", text), f"no Chinese at all in {what}:\n{text[:2000]}"


def test_the_checker_finds_english_and_spares_ids():
    assert english_runs("Dropping 支付宝直播 loses 3 of 6 operating loops")
    assert english_runs("去掉支付宝直播 [alipay-live] · SCALE WORTH · openday 文章 第 25 行 “支付”") == []
    assert english_runs("类型：核心产品 (cc:CoreProduct) https://w3id.org/ccare/id/fan-group") == []
    assert english_runs("the loop stays open")


# ---------------------------------------------------------------------- the language


@pytest.mark.parametrize("env, lang", [
    ({"CCARE_LANG": "zh"}, "zh"),
    ({"CCARE_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"CCARE_LANG": "ZH"}, "zh"),
    ({"LC_ALL": "zh_CN.UTF-8"}, "zh"),
    ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({}, "en"),
])
def test_default_language_rule(env, lang):
    assert default_lang(env) == lang


_NO_LANG = {"CCARE_LANG": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": None}


@pytest.mark.parametrize("env, zh", [
    ({"CCARE_LANG": "zh"}, True),
    ({"LC_ALL": "zh_CN.UTF-8"}, True),
    ({"LANG": "zh_CN.UTF-8"}, True),
    ({"CCARE_LANG": "en", "LANG": "zh_CN.UTF-8"}, False),
    ({}, False),
])
def test_cli_default_language(ccare, env, zh):
    r = ccare("info", env={**_NO_LANG, **env})
    assert r.exit_code == 0, r.output
    assert ("三元组" in r.output) is zh and ("triples" in r.output) is not zh


def test_lang_option_beats_the_environment(ccare):
    r = ccare("info", "--lang", "en", env={**_NO_LANG, "CCARE_LANG": "zh"})
    assert "triples" in r.output
    r = ccare("info", "--lang", "zh", env={**_NO_LANG, "LANG": "en_US.UTF-8"})
    assert "三元组" in r.output


def test_an_error_follows_the_default_language(ccare):
    r = ccare("show", "fan grop", env={**_NO_LANG, "LANG": "zh_CN.UTF-8"})
    assert r.exit_code == 1 and r.output.startswith("错误：未知的实体 'fan grop'")


# ---------------------------------------------------------------------- citations


def test_source_names_come_from_the_map(kb):
    cite = Citations.of(kb)
    assert cite.name("openday-2023", "zh") == "openday 文章"
    assert cite.name("openday-2023", "en") == "openday article"
    ev = {"source": "openday-2023", "line": 25, "quote": "支付"}
    assert cite.cite(ev, "zh") == "openday 文章 第 25 行 “支付”"
    assert cite.cite(ev, "en") == "openday article, line 25 “支付”"


def test_short_names_without_a_parenthesis_or_with_an_alt_label():
    labels = {"zh": "服务商访谈笔记", "en": "service-provider field notes"}
    assert short_source_name(labels, {}, "notes", "zh") == "服务商访谈笔记"
    assert short_source_name(labels, {}, "notes", "en") == "service-provider field notes"
    assert short_source_name(labels, {"zh": ["访谈", "服务商访谈"]}, "notes", "zh") == "访谈"
    assert short_source_name({}, {}, "notes", "zh") == "notes"


def test_one_source_tables_cite_lines(ccare):
    r = ccare("show", "fan-group", "--lang", "zh")
    assert re.search(r"第 \d+ 行 “", r.output) and "openday 文章" not in r.output  # one source: lines suffice
    r = ccare("show", "fan-group")
    assert re.search(r"line \d+ “", r.output) and not re.search(r"\bL\d+ “", r.output)


def test_tables_name_the_source_when_more_than_one_is_loaded(ccare):
    r = ccare("show", "smart-menu", "--data", str(EXTENSION), "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert "服务商访谈笔记 第 3 行 “扫码点单后直接支付”" in r.output
    r = ccare("show", "fan-group", "--data", str(EXTENSION), "--lang", "zh")
    assert "openday 文章 第 24 行" in r.output
    r = ccare("show", "smart-menu", "--data", str(EXTENSION))
    assert "service-provider field notes, line 3 “扫码点单后直接支付”" in r.output


# ---------------------------------------------------------------------- every command in Chinese


QUERIES = [
    "info",
    "products",
    "products --need ACTIVE --domain private",
    "products --need EFFICIENCY --domain public",
    "list advantages",
    "list facts",
    "list values",
    "show fan-group",
    "show zhima-credit",
    "show payment",
    "path zhima-credit payment",
    "path fan-group zhima-credit --k 0",
    "loops --limit 3",
    "loops --needs SCALE,WORTH --limit 2",
    "loops --max-length 1",
    "prescribe --has fan-group --limit 2",
    "prescribe --has mini-program --needs SCALE,ACTIVE,WORTH --limit 2",
    "prescribe --has 商家粉丝群 --scale small --limit 2",
    "gaps --has mini-program,fan-group",
    "gaps --has fan-group",
    "gaps --has zhima-credit --max-length 1",
    "coverage",
    "coverage mini-program fan-group",
    "rank",
    "rank --by pagerank",
    "rank --by degree",
    "whatif --drop alipay-live",
    "whatif --drop mini-program --max-length 1",
    "sparql \"SELECT ?p ?v WHERE { ?p cc:serves ?v } LIMIT 5\"",
    "sparql \"SELECT ?p WHERE { ?p cc:serves cc:nothing }\"",
    "sparql \"ASK { ?s ?p ?o }\"",
]


def _names_of_the_map(kb) -> set:
    """English labels and alternative labels: names, shown next to the Chinese name."""
    from rdflib import RDFS
    from rdflib.namespace import SKOS

    out = set()
    for p in (RDFS.label, SKOS.altLabel):
        for _, o in kb.graph.subject_objects(p):
            if getattr(o, "language", None) == "en":
                out.add(str(o))
    return out


@pytest.mark.parametrize("command", QUERIES)
def test_query_commands_speak_chinese(ccare, kb, command):
    r = ccare(f"{command} --lang zh")
    assert r.exit_code in (0, 3), r.output
    assert "Traceback" not in r.output
    text = r.output
    if "ASK" in command:
        assert text.strip() in ("true", "false")  # a SPARQL boolean, in any language
        return
    if command.startswith("show"):
        # the first line names the entity in both languages, "also" lists its other names
        first, _, rest = text.partition("\n")
        text = re.sub(r"\(.*\)$", "", first) + "\n" + re.sub(r"(?m)^又称：.*$", "", rest)
    assert_chinese(text, command)


def test_validate_speaks_chinese(ccare):
    r = ccare("validate", str(EXTENSION), "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert_chinese(r.output, "validate")


def test_cut_short_says_why_in_chinese(ccare):
    r = ccare("loops", "--max-steps", "3", "--lang", "zh")
    assert r.exit_code == 3
    assert "已提前停止：已到步数上限 3" in r.stderr
    assert_chinese(r.stderr, "cut short")


@pytest.mark.parametrize("args, expected", [
    (["show", "fan grop"], "错误：未知的实体 'fan grop'；您要找的是否是：商家粉丝群 (fan-group)"),
    (["loops", "--needs", "FOO"],
     "错误：'--needs' 的值无效：未知的诉求 'FOO'（可选：SCALE, ACTIVE, WORTH, EFFICIENCY）"),
    (["path", "a", "b", "--k", "99"], "错误：'--k' 的值无效：99 不在范围"),
    (["prescribe"], "错误：缺少选项 '--has'"),
    (["sparql"], "错误：请用 QUERY 或 --file FILE"),
    (["show", "fan-group", "--data", "/nonexistent/x.ttl"], "错误："),
    (["loops", "--fomat", "json"], "错误：没有这个选项 '--fomat'；您要找的是否是"),
    (["sparql", "INSERT DATA { <a> <b> <c> }"], "错误：已拒绝：不允许 SPARQL 更新"),
    (["sparql", "SELEC ?x"], "错误：SPARQL 语法错误（第 1 行，第 1 列）："),
    (["portfolio", "gaps"], "错误：地图：没有可查询的商家"),
    (["loops", "--timeout", "nan"], "不是有限的数"),
    (["--store", "memory", "validate", "examples/extension.ttl", "--engine", "native"],
     "错误：ccare 自带的 SHACL 引擎无法像 pySHACL 那样检查这张地图"),
])
def test_errors_in_chinese(ccare, args, expected):
    r = ccare(*args, "--lang", "zh")
    assert r.exit_code in (1, 2)
    assert expected in r.output, r.output
    assert "Traceback" not in r.output
    error = [ln for ln in r.output.splitlines() if ln.startswith("错误：")]
    assert error, r.output
    # a parser's own message may keep its language inside the Chinese sentence
    error = [re.sub(r"（第 \d+ 行，第 \d+ 列）：.*", "", ln) for ln in error]
    assert_chinese("\n".join(error), " ".join(args))


def test_a_file_error_keeps_line_and_column(ccare, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n  ex:d \"unclosed .\n", encoding="utf-8")
    r = ccare("show", "fan-group", "--data", str(bad), "--lang", "zh")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.startswith("错误：") and "bad.ttl" in r.output
    assert "第 " in r.output and " 行" in r.output, r.output


def test_an_english_error_is_unchanged(ccare):
    r = ccare("show", "fan grop")
    assert "Error: unknown entity 'fan grop'; did you mean: fan-group" in r.output


# ---------------------------------------------------------------------- import, portfolio, export, cache


PORTFOLIO = ("merchant_id,name,industry,scale,stage,products\n"
             "M1,老乡鸡,餐饮,large,mature,fan-group;mini-program\n"
             "M2,小店,零售,small,exploring,mini-program\n"
             "M3,坏行,零售,huge,exploring,no-such-product\n")


@pytest.fixture
def merchants(ccare, tmp_path):
    src = tmp_path / "p.csv"
    src.write_text(PORTFOLIO, encoding="utf-8")
    out = tmp_path / "m.ttl"
    r = ccare("import", str(src), "-o", str(out), "--lang", "zh")
    return r, out


def test_import_speaks_chinese(merchants):
    r, out = merchants
    assert r.exit_code == 1 and out.exists()
    assert "p.csv 第 4 行：未知的规模 'huge'" in r.stderr
    assert "已从 p.csv 导入 2 家商家" in r.stderr
    assert_chinese(r.stderr, "import", allow=("small", "medium", "large"))


@pytest.mark.parametrize("mode", ["gaps", "prescribe"])
def test_portfolio_speaks_chinese(ccare, merchants, mode):
    _, data = merchants
    r = ccare("portfolio", mode, "--data", str(data), "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert "商家：2" in r.stdout
    assert_chinese(r.output, f"portfolio {mode}")


def test_export_and_cache_messages_speak_chinese(ccare, tmp_path):
    r = ccare("export", "html", "-o", str(tmp_path / "m.html"), "--lang", "zh")
    assert r.exit_code == 0 and "已将地图页面写入" in r.stderr
    r2 = ccare("cache", "--lang", "zh")
    assert r2.exit_code == 0
    assert_chinese(r.stderr + "\n" + r2.output, "export, cache", allow=("networkx", "oxigraph", "memory", "MB"))


# ---------------------------------------------------------------------- the report


def _visible_text(page: str) -> str:
    page = re.sub(r"(?s)<(style|script)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<title>.*?</title>", " ", page)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


@pytest.mark.parametrize("command", [
    "prescribe --has fan-group",
    "prescribe --has mini-program --needs SCALE,ACTIVE,WORTH",
    "loops --limit 3",
    "path zhima-credit payment --k 2",
])
def test_report_speaks_chinese(ccare, tmp_path, command):
    out = tmp_path / "r.html"
    r = ccare(f"{command} --lang zh --report {out}")
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    text = _visible_text(page)
    assert "openday 文章 第" in text
    assert_chinese(text, f"report of {command}")
    assert_chinese(r.stderr, f"{command} messages")


def test_report_in_english_cites_the_article(ccare, tmp_path):
    out = tmp_path / "r.html"
    assert ccare(f"prescribe --has fan-group --report {out}").exit_code == 0
    assert re.search(r"openday article, line \d+", _visible_text(out.read_text(encoding="utf-8")))


# ---------------------------------------------------------------------- the map page


def _page_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="ccare-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def _map_js_catalogue(lang: str) -> dict:
    """The page script's own words in ``lang`` (its ``UI`` table)."""
    from ccare.exports import assets

    js = assets.own("map.js")
    block = re.search(r"\n    " + lang + r": \{(.*?)\n    \}", js, re.S).group(1)
    return dict(re.findall(r'(\w+): "((?:[^"\\]|\\.)*)"', block))


def test_the_page_script_has_every_word_in_chinese():
    zh, en = _map_js_catalogue("zh"), _map_js_catalogue("en")
    assert set(zh) == set(en)
    assert_chinese("\n".join(zh.values()), "map.js UI.zh", allow=("source",))


def test_the_page_data_speaks_chinese(ccare, tmp_path):
    out = tmp_path / "m.html"
    r = ccare("export", "html", "-o", str(out), "--lang", "zh",
              "--highlight", "prescribe --has fan-group")
    assert r.exit_code == 0, r.output
    data = _page_data(out.read_text(encoding="utf-8"))
    assert data["lang"] == "zh" and data["sources"]["openday-2023"]["zh"] == "openday 文章"
    texts = [data["titles"]["zh"]] + [k["zh"] for k in data["kinds"]] + [n["zh"] for n in data["needs"]]
    texts += [r.get("zh", "") for r in data["relations"].values()]
    texts += [by_lang.get("zh", "") for by_lang in data["rationales"].values()]
    assert_chinese("\n".join(texts), "page data")
    # every rationale of an edge the page shows has its Chinese
    shown = {e[4] for e in data["edges"] if e[4]}
    missing = [r for r in shown if not re.search(r"[\u4e00-\u9fff]", data["rationales"].get(r, {}).get("zh", r))]
    assert not missing, missing


# the browser fixture is in conftest.py: Playwright's sync API allows one session per thread,
# and the browser tests of test_browser.py hold it open for the whole run

def test_the_page_reads_chinese_in_a_browser(ccare, tmp_path, browser):
    out = tmp_path / "m.html"
    r = ccare("export", "html", "-o", str(out), "--lang", "zh", "--highlight", "prescribe --has fan-group")
    assert r.exit_code == 0, r.output
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        page.wait_for_function("window.ccareReady === true", timeout=15000)
        texts = [page.evaluate("document.body.innerText")]
        # a node's and an edge's details, with evidence and rationale
        page.evaluate("window.ccareMap.select('fan-group')")
        texts.append(page.evaluate("document.getElementById('detail').innerText"))
        texts.append(page.evaluate("""() => {
            const d = window.ccareMap.data, j = d.edges.findIndex(e => e[4]);
            window.ccareMap.network.emit("click", {nodes: [], edges: [j]});
            return document.getElementById('detail').innerText;
        }"""))
        # the tooltips of every node and edge
        texts.append(page.evaluate("""() => {
            const m = window.ccareMap;
            return m.nodes.get().map(n => n.title).concat(m.edges.get().map(e => e.title)).join("\\n");
        }"""))
        page.fill("#search", "zzzz-no-such")
        texts.append(page.evaluate("document.getElementById('results').innerText"))
        assert errors == []
    finally:
        context.close()
    body = "\n".join(texts)
    assert "openday 文章 第" in body and "理由" in body
    # the other language's name of a node is shown next to its Chinese name; "English" is the switch
    names = [n[4] for n in _page_data(out.read_text(encoding="utf-8"))["nodes"] if n[4]]
    for name in sorted(names, key=len, reverse=True):
        body = body.replace(name, " ")
    assert_chinese(body, "the map page in a browser")


def test_show_speaks_chinese_for_every_kind(ccare, kb):
    """One entity of every kind ``ccare list`` knows, shown in Chinese (facts all of them)."""
    from ccare.kb.model import KINDS

    names = set()
    for kind in sorted(KINDS):
        items = ccare.json("list", kind)
        names.update(it["id"] for it in (items if kind == "facts" else items[:1]))
    for name in sorted(names):
        r = ccare("show", name, "--lang", "zh")
        assert r.exit_code == 0, r.output
        first, _, rest = r.output.partition("\n")
        text = re.sub(r"\(.*\)$", "", first) + "\n" + re.sub(r"(?m)^又称：.*$", "", rest)
        assert_chinese(text, f"show {name}")


BROKEN = """@prefix : <https://w3id.org/ccare/id/> . @prefix cc: <https://w3id.org/ccare/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:rogue a cc:CoreProduct ; rdfs:label "流氓"@zh, "rogue"@en ; cc:serves :interactive .
:a1 a cc:Assertion ; rdf:subject :rogue ; rdf:predicate cc:livesIn ; rdf:object :private-domain ; cc:inferred true ;
   cc:evidence [ cc:source :openday-2023 ; cc:line 0 ; cc:quote "" ] .
"""


def test_violations_speak_chinese(ccare, tmp_path):
    f = tmp_path / "broken.ttl"
    f.write_text(BROKEN, encoding="utf-8")
    r = ccare("validate", str(f), "--lang", "zh")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "关系 cc:serves interactive 没有证据" in r.stdout and "违规" in r.stderr
    assert_chinese(r.output, "validate with violations")


def test_every_rule_of_the_map_has_its_chinese():
    """The map's SHACL rules are written in English: each needs its Chinese in ccare.i18n."""
    from rdflib import Namespace

    from ccare.query.shacl import shapes_graph

    SH = Namespace("http://www.w3.org/ns/shacl#")
    shapes = shapes_graph()
    missing = []
    for shape, message in shapes.subject_objects(SH.message):
        name = shapes.value(shape, SH.name)
        zh_name, zh_message = i18n.rule(str(name) if name is not None else "", str(message), "zh")
        if zh_message == str(message) and "{" not in str(message):
            missing.append((str(name), str(message)))
        elif "{" in str(message) and not any(p.pattern for p, _ in i18n._RULE_MESSAGES
                                             if p.match(re.sub(r"\{\?\w+\}", "x", str(message)))):
            missing.append((str(name), str(message)))
    assert not missing, missing


def test_no_english_word_inside_a_chinese_reason(ccare):
    r = ccare("prescribe", "--has", "商家粉丝群", "--scale", "small", "--lang", "zh")
    assert r.exit_code == 0
    inside = re.findall(r"[\u4e00-\u9fff,，]([a-z]{3,})[\u4e00-\u9fff]", r.stdout)
    assert not inside, inside


def test_a_csv_without_the_needed_columns_says_so_in_chinese(ccare, tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("a,b\n1,2\n", encoding="utf-8")
    r = ccare("import", str(src), "-o", str(tmp_path / "y.ttl"), "--lang", "zh")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "第 1 行：表头 'a,b' 缺少一列（id 列，可用列名：merchant_id" in r.output
    assert_chinese(r.output, "import without columns", allow=("merchant_id", "id", "merchant", "products", "uses",
                                                              "products_in_use"))


def test_a_missing_query_file_is_a_clean_error(ccare):
    r = ccare("sparql", "--file", "/nonexistent/q.rq")
    assert r.exit_code == 1 and r.output == "Error: /nonexistent/q.rq: No such file or directory\n"
    r = ccare("sparql", "--file", "/nonexistent/q.rq", "--lang", "zh")
    assert r.exit_code == 1 and r.output == "错误：/nonexistent/q.rq：没有这个文件或目录\n"

"""The interactive map page: one self-contained UTF-8 HTML file that works offline.

Everything is inline: vis-network (from the copy pyvis bundles, see
:mod:`ccare.exports.assets`), ccare's own script and style sheet, and the map as JSON in a
``<script type="application/json">`` element.  A Content-Security-Policy forbids every
fetch, so the page cannot reach the network even by accident.  Positions come from
:func:`ccare.exports.layout.radial_layout`; physics is off, so the page draws at once.

Why not pyvis's ``Network``/``write_html``: its ``in_line`` template still loads Bootstrap
from a CDN, its default physics does not settle on large maps, ``from_nx`` is quadratic and
rewrites the caller's graph, ``write_html`` uses the locale's encoding, headings go into the
page unescaped and a title containing ``href`` switches tooltips to ``innerHTML``.  ccare
borrows only pyvis's bundled vis-network and builds the data itself.

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("p", kind="product", labels={"zh": "产品", "en": "<b>p</b>"}, evidence=[])
>>> page = map_html(G, title="a <map>")
>>> page.startswith("<!DOCTYPE html>") and "<title>a &lt;map&gt;</title>" in page
True
>>> "<b>p</b>" in page, "\\\\u003cb\\\\u003ep\\\\u003c/b\\\\u003e" in page
(False, True)
"""

from __future__ import annotations

import re

import networkx as nx

from ccare.exports import assets, safe
from ccare.exports.highlight import Highlight, check_against
from ccare.exports.layout import CENTRE_TYPES, radial_layout
from ccare.exports.style import KIND_ORDER, KIND_STYLE, UI_FONT

__all__ = ["page_data", "map_html", "panel_question", "DEFAULT_TITLES", "SMOOTH_EDGES_UP_TO", "CSP"]

#: What the page's question panel reads from a saved question (``ask.js``, ``readState``):
#: the keys of its URL fragment, every value a string.
QUESTION_KEYS = frozenset({"q", "has", "needs", "scale", "stage", "pay", "from", "to", "product", "mode", "drop",
                           "ask", "pick", "lang"})
#: Most offerings the panel takes as a merchant's (``ask.js`` keeps the first 50).
PANEL_MAX_HAS = 50

#: curved edges (parallel relations drawn apart) only up to this many edges; beyond it
#: straight lines keep drawing fast
SMOOTH_EDGES_UP_TO = 2000

#: nothing may be fetched: scripts and styles are inline, images only data: URIs
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src data:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'; "
       # the question engine runs in a Worker started from a blob of the page's own script
       "worker-src blob:")

_NEED_ORDER = ("SCALE", "ACTIVE", "WORTH", "EFFICIENCY")


def _ev(items) -> list:
    return [[e.get("source") or "", e.get("line"), e.get("quote") or ""] for e in items or ()]


def _filter_needs(G: nx.MultiDiGraph, n, d: dict) -> list:
    """Needs a node belongs to for the page's need filter: served, its own, or its value's."""
    if d.get("kind") == "need":
        return [d["code"]] if d.get("code") else []
    if d.get("kind") == "value":
        return sorted({G.nodes[m].get("code") for m in G.successors(n)
                       if G.nodes[m].get("kind") == "need" and G.nodes[m].get("code")})
    return list(d.get("needs") or [])


def page_data(
    G: nx.MultiDiGraph,
    *,
    title: str | dict = "",
    lang: str = "en",
    highlight: Highlight | None = None,
    relation_labels: dict | None = None,
    positions: dict | None = None,
    sources: dict | None = None,
    rationales: dict | None = None,
) -> dict:
    """The JSON the page script reads: nodes, edges, legend, needs, highlight, and
    ``sources`` (source id -> short names ``{"zh", "en"}``, to cite "openday 文章 第 25 行")
    and ``rationales`` (a rationale -> its text in each language the map gives).

    Nodes are arrays ``[id, kind index, type, zh, en, needs, values, domains, evidence,
    x, y, filter needs]``; edges ``[from index, to index, relation, inferred, rationale,
    evidence, step]`` where ``step`` is the index of the highlighted step the edge is, or -1.
    """
    if highlight is not None:
        highlight = check_against(highlight, G)
    pos = positions if positions is not None else radial_layout(G)
    kinds = [k for k in KIND_ORDER]
    kind_index = {k: i for i, k in enumerate(kinds)}
    index = {}
    nodes: list = []
    counts = dict.fromkeys(kinds, 0)
    for n, d in sorted(G.nodes(data=True), key=lambda nd: str(nd[0])):
        kind = d.get("kind") if d.get("kind") in kind_index else "other"
        if d.get("type") in CENTRE_TYPES:
            kind = "centre"
        counts[kind] += 1
        labels = d.get("labels") or {}
        x, y = pos.get(n, (0.0, 0.0))
        index[n] = len(nodes)
        nodes.append([
            str(n), kind_index[kind], d.get("type") or "", labels.get("zh") or "", labels.get("en") or "",
            list(d.get("needs") or []), list(d.get("values") or []), list(d.get("domains") or []),
            _ev(d.get("evidence")), x, y, _filter_needs(G, n, d),
        ])
    step_of: dict = {}
    if highlight is not None:
        for i, s in enumerate(highlight.steps):
            step_of.setdefault((s.source, s.target, s.relation), i)
    edges = []
    for u, v, k, d in sorted(G.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2]))):
        edges.append([
            index[u], index[v], str(k), 1 if d.get("inferred") else 0, d.get("rationale"),
            _ev(d.get("evidence")), step_of.get((u, v, k), -1),
        ])
    need_nodes = {d.get("code"): d.get("labels") or {} for _, d in G.nodes(data=True) if d.get("kind") == "need"}
    codes = [c for c in _NEED_ORDER if c in need_nodes] + sorted(c for c in need_nodes if c and c not in _NEED_ORDER)
    return {
        "title": title.get(lang, "") if isinstance(title, dict) else title,
        # a title per language follows the page's language switch
        "titles": dict(title) if isinstance(title, dict) else None,
        "lang": lang,
        "font": UI_FONT,
        "smooth": len(edges) <= SMOOTH_EDGES_UP_TO,
        "kinds": [dict(kind=k, count=counts[k], **KIND_STYLE[k]) for k in kinds],
        "needs": [{"code": c, "zh": need_nodes[c].get("zh") or c, "en": need_nodes[c].get("en") or c} for c in codes],
        "relations": {k: dict(v) for k, v in sorted((relation_labels or {}).items())},
        "nodes": nodes,
        "edges": edges,
        "highlight": None if highlight is None else highlight.to_json(),
        "sources": {k: dict(v) for k, v in sorted((sources or {}).items())},
        "rationales": _used_rationales(rationales, edges, highlight),
        "engine": _engine_data(G, [n[0] for n in nodes]),
    }


def _engine_data(G: nx.MultiDiGraph, ids: list) -> dict:
    """What the page's question engine (``web/engine.js``) reads besides nodes and edges:
    each node's kind as the graph queries read it, the roles of the nodes that have any,
    and the need each value belongs to (:func:`ccare.graph.coverage.need_of_values`)."""
    from ccare.graph.coverage import need_of_values

    return {
        "kind": [G.nodes[n].get("kind") for n in ids],
        "roles": {n: list(G.nodes[n].get("roles") or ()) for n in ids if G.nodes[n].get("roles")},
        "valueNeed": dict(sorted(need_of_values(G).items())),
    }


def _used_rationales(rationales: dict | None, edges: list, highlight) -> dict:
    """The entries of ``rationales`` the page shows: those of its edges and steps."""
    if not rationales:
        return {}
    used = {e[4] for e in edges if e[4]}
    if highlight is not None:
        used |= {s.rationale for s in highlight.steps if s.rationale}
    return {k: dict(rationales[k]) for k in sorted(used) if k in rationales}


_MARK = re.compile(r"\{\{(title|lang|csp|style|vis|data|engine|script|ask)\}\}")


#: the map page's title in each language
DEFAULT_TITLES = {"en": "C-CARE open-product map", "zh": "C-CARE 开放产品地图"}


def panel_question(G: nx.MultiDiGraph, q: str, *, has=(), spec=None, scale: str | None = None,
                   stage: str | None = None, alipay_payment: bool = True, source: str | None = None,
                   target: str | None = None, via=(), lang: str = "en") -> dict | None:
    """The question ``q`` (``prescribe``, ``path``, ``loops``) as the page's question panel
    asks it, for :func:`map_html`'s ``question``: the page then opens with the merchant's
    products ticked and the answer listed, ready for the next question.  ``None`` when
    the panel cannot ask it as it was asked (a loop length, domains or payment rule other
    than the default, several products to pass through, a path over chosen relations, an
    entity that is not a product): the page then shows the drawn result only, never
    another question's answer.
    """
    from dataclasses import replace

    from ccare.graph.build import products
    from ccare.graph.loops import LoopSpec

    spec = LoopSpec() if spec is None else spec
    plain = spec == replace(LoopSpec(), needs=spec.needs, through=spec.through, without=spec.without)
    question: dict = {"q": q}
    if q == "prescribe":
        has = list(dict.fromkeys(has))
        if not plain or spec.through or spec.without or not has or len(has) > PANEL_MAX_HAS:
            return None
        question.update(has=",".join(has), needs=",".join(spec.needs))
        question.update({k: v for k, v in (("scale", scale), ("stage", stage)) if v})
        if not alipay_payment:
            question["pay"] = "0"
    elif q == "path":
        shown = set(products(G))
        if via or source not in shown or target not in shown:
            return None
        question.update({"from": source, "to": target})
    elif q == "loops":
        one = [*spec.through, *spec.without]
        if not plain or spec.needs != LoopSpec().needs or len(one) > 1 or (one and one[0] not in set(products(G))):
            return None
        question["mode"] = "through" if spec.through else "without" if spec.without else "all"
        if one:
            question["product"] = one[0]
    else:
        return None
    question.update(ask="1", pick="0", lang=lang)
    return question


def _question_script(question) -> str:
    """The saved question the page's panel opens on, as a JSON script element."""
    if question is None:
        return ""
    if not isinstance(question, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in question.items()):
        raise ValueError("question must map strings to strings, as panel_question gives it")
    unknown = sorted(set(question) - QUESTION_KEYS)
    if unknown:
        raise ValueError(f"question: the page's panel has no {', '.join(unknown)}")
    return f'<script type="application/json" id="ccare-state">{safe.script_json(question)}</script>'


def map_html(
    G: nx.MultiDiGraph,
    *,
    title: str | dict = DEFAULT_TITLES,
    lang: str = "en",
    highlight: Highlight | None = None,
    relation_labels: dict | None = None,
    positions: dict | None = None,
    sources: dict | None = None,
    rationales: dict | None = None,
    question: dict | None = None,
) -> str:
    """The page for ``G`` (a :func:`ccare.graph.build.to_networkx` graph) as one string.

    ``title`` is one string, or ``{"zh", "en"}`` to follow the page's language switch.
    ``lang`` is the language the page opens in (it has a switch); ``highlight`` a query
    result drawn on top; ``relation_labels`` maps an edge key to ``{"zh", "en"}``;
    ``question`` (from :func:`panel_question`) the question its panel opens on, asked.
    Raises :class:`~ccare.exports.highlight.HighlightError` when the highlight is not in
    ``G``, ``ValueError`` for a question the panel has no field for.
    """
    if lang not in ("zh", "en"):
        raise ValueError("lang must be 'zh' or 'en'")
    saved = _question_script(question)
    data = page_data(G, title=title, lang=lang, highlight=highlight,
                     relation_labels=relation_labels, positions=positions, sources=sources, rationales=rationales)
    parts = {
        "title": safe.text(data["title"]),
        "lang": "zh-CN" if lang == "zh" else "en",
        "csp": safe.text(CSP),
        "style": safe.inline_style(assets.own("map.css") + assets.own("explore.css"), "map.css"),
        "vis": safe.inline_script(assets.vis_network_js(), "vis-network"),
        "data": f'<script type="application/json" id="ccare-data">{safe.script_json(data)}</script>{saved}',
        "engine": safe.inline_script(assets.own("engine.js"), "engine.js"),
        # explore.js (readable view, focus, near matches, flows) runs after map.js, on what it exposes
        "script": safe.inline_script(assets.own("map.js") + "\n" + assets.own("explore.js"), "map.js"),
        "ask": safe.inline_script(assets.own("ask.js"), "ask.js"),
    }
    # one pass: text put in by one marker is never searched for another
    return _MARK.sub(lambda m: parts[m.group(1)], assets.own("map.html"))

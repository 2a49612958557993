"""The one-page report a strategist hands a merchant: a query result, drawn and justified.

For a prescription (or a loop, or a path) from the query commands' JSON: the loop drawn
(:mod:`ccare.exports.svg`), the products added and why, the coverage matrix of the loop's
products over the needs and values, every step with its evidence, and every quote that
backs what each product serves.  Later results of the same query are listed as
alternatives.  The page is static HTML with inline CSS, no script, and a
Content-Security-Policy that forbids every fetch: it opens anywhere, offline, and prints.

Examples
--------
>>> from ccare.kb.model import load
>>> from ccare.graph.build import to_networkx
>>> G = to_networkx(load())
>>> step = lambda a, b, rel: {"from": a, "to": b, "relation": rel, "evidence": [], "inferred": False}
>>> loop = {"nodes": [{"id": "payment"}, {"id": "mini-program"}], "needs": ["SCALE"],
...         "steps": [step("payment", "mini-program", "userFlowsTo"), step("mini-program", "payment", "userFlowsTo")]}
>>> page = report_html([{"add": [{"id": "mini-program"}], "loop": loop}], G, title="For <you>")
>>> "<h1>For &lt;you&gt;</h1>" in page and "<script" not in page
True
"""

from __future__ import annotations

import networkx as nx

from ccare.exports import assets, safe
from ccare.exports.highlight import Highlight, check_against, from_result
from ccare.exports.style import NEED_COLOURS
from ccare.exports.svg import walk_svg
from ccare.graph.coverage import values_by_need
from ccare.i18n import REPORT_UI, Citations, Rationales, join, t

__all__ = ["report_html", "default_title", "REPORT_CSP", "MAX_ALTERNATIVES"]

REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

_UI = REPORT_UI  # the report's words, in the i18n catalogue


def _label(G, n, lang) -> str:
    labels = (G.nodes[n].get("labels") or {}) if n in G else {}
    return labels.get(lang) or labels.get("en") or labels.get("zh") or str(n)


def _rel(relation_labels, key, lang) -> str:
    r = (relation_labels or {}).get(key) or {}
    return r.get(lang) or r.get("en") or key


class _Refs:
    """Quotes numbered in the order the report first cites them: ``[3]`` in a table points
    to "openday 文章 第 23 行：“…”" in the list at the end, so a quote is printed once."""

    def __init__(self, cite: Citations, lang: str):
        self.cite, self.lang = cite, lang
        self.order: dict = {}

    def number(self, ev: dict) -> int:
        key = (str(ev.get("source") or ""), ev.get("line"), str(ev.get("quote") or ""))
        return self.order.setdefault(key, len(self.order) + 1)

    def marks(self, evidence) -> str:
        nums = sorted({self.number(e) for e in evidence or ()})
        return "".join(f'<span class="ref">[{n}]</span>' for n in nums)

    def inline(self, evidence) -> str:
        """Each quote in full where it is read (a step), with its number."""
        return "".join(
            f'<blockquote>“{safe.text(e.get("quote") or "")}” <span class="where">'
            f'{safe.text(self.cite.where(e, self.lang))}</span> <span class="ref">[{self.number(e)}]</span>'
            "</blockquote>" for e in evidence or ())

    def listing(self, titles: dict, ui) -> str:
        if not self.order:
            return ""
        lang = self.lang
        used = sorted({src for src, _, _ in self.order if src})
        where = lambda src, line: self.cite.where({"source": src, "line": line}, lang)  # noqa: E731
        heads = []
        for src in used:
            full = (titles.get(src) or {}).get(lang) or (titles.get(src) or {}).get("en") or ""
            short = self.cite.name(src, lang)
            named = t("report_source_is", lang, short=short, title=full) if full and full != short else short
            heads.append(f"<li>{safe.text(named)}</li>")
        items = "".join(
            f'<li value="{n}">{safe.text(t("report_quote", lang, quote=quote, where=where(src, line)))}</li>'
            for (src, line, quote), n in self.order.items())
        return (f'<section class="sources"><h3>{safe.text(t("report_sources", lang))}</h3>'
                f'<ul class="titles">{"".join(heads)}</ul><ol class="quotes">{items}</ol></section>')


def _reason_text(G, product: str, r: dict, lang: str, relation_labels) -> str:
    if lang == "en" and r.get("text"):
        return r["text"]
    if lang == "zh" and r.get("text_zh"):
        return r["text_zh"]
    kind = r.get("kind")
    L = lambda n: _label(G, n, lang)  # noqa: E731
    zh = lang == "zh"
    if kind == "payment":
        return f"经营闭环都要经过{L(product)}" if zh else f"every operating loop passes through {L(product)}"
    if kind == "need" and r.get("need"):
        via = L(r["value"]) if r.get("value") else ""
        if zh:
            return f"以{via}服务{r['need']}" + (f",是闭环中唯一服务{r['need']}的产品" if r.get("only") else "")
        return f"serves {r['need']}" + (f" through {via}" if via else "") + (
            f", the loop's only source of {r['need']}" if r.get("only") else "")
    if kind == "domain" and r.get("domain"):
        return f"闭环中唯一位于{L(r['domain'])}的产品" if zh else f"the loop's only product in the {L(r['domain'])}"
    if kind == "flow" and isinstance(r.get("step"), dict):
        s = r["step"]
        return f"{L(s.get('from'))} → {L(s.get('to'))} ({_rel(relation_labels, s.get('relation'), lang)})"
    return r.get("text") or kind or ""


def _derived_reasons(G, p: str, h: Highlight) -> list:
    """Why ``p`` is in the loop when the result carries no ``why``: its needs and its steps."""
    out = []
    for v in G.nodes[p].get("values") or []:
        data = (G.get_edge_data(p, v) or {}).get("serves") or {}
        need = next((G.nodes[m].get("code") for m in G.successors(v) if G.nodes[m].get("kind") == "need"), None)
        out.append({"kind": "need", "need": need, "value": v, "evidence": data.get("evidence") or [],
                    "inferred": bool(data.get("inferred"))})
    for s in h.steps:
        if p in (s.source, s.target):
            out.append({"kind": "flow", "step": s.to_json(), "evidence": list(s.evidence), "inferred": s.inferred})
    return out


def _coverage(G, h: Highlight, lang, ui) -> str:
    by_need = values_by_need(G)
    codes = [c for c in by_need if by_need[c]]
    head1 = [f'<th rowspan="2">{safe.text(ui["product"])}</th>']
    head2: list[str] = []
    for c in codes:
        req = " req" if c in h.needs else ""
        head1.append(f'<th colspan="{len(by_need[c])}" class="need{req}" '
                     f'style="border-top:4px solid {NEED_COLOURS.get(c, "#888")}">{safe.text(c)}</th>')
        head2.extend(f'<th class="val">{safe.text(_label(G, v, lang))}</th>' for v in by_need[c])
    rows = []
    covered: dict[str, str | None] = {v: None for c in codes for v in by_need[c]}
    for p in h.nodes:
        cells = []
        for c in codes:
            for v in by_need[c]:
                data = (G.get_edge_data(p, v) or {}).get("serves")
                if data is None:
                    cells.append("<td></td>")
                    continue
                inferred = bool(data.get("inferred"))
                if covered[v] is None or (covered[v] == "inferred" and not inferred):
                    covered[v] = "inferred" if inferred else "stated"
                mark = "○" if inferred else "●"
                title = safe.text(ui["inferred"] if inferred else ui["stated"])
                cells.append(f'<td class="{"inf" if inferred else "st"}" title="{title}">{mark}</td>')
        add = " added" if p in h.added else ""
        rows.append(f'<tr class="row{add}"><th>{safe.text(_label(G, p, lang))}</th>{"".join(cells)}</tr>')
    total = "".join(
        f'<td class="{"st" if covered[v] == "stated" else "inf" if covered[v] else "gap"}">'
        f'{"●" if covered[v] == "stated" else "○" if covered[v] else "–"}</td>'
        for c in codes for v in by_need[c])
    whole = ui["path_row"] if h.kind == "path" else ui["loop_row"]
    rows.append(f'<tr class="total"><th>{safe.text(whole)}</th>{total}</tr>')
    return (f'<table class="matrix"><thead><tr>{"".join(head1)}</tr><tr>{"".join(head2)}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _headline(G, raw: dict, h: Highlight, i: int, lang, ui) -> str:
    n = f"{ui[h.kind]} {i}"
    if h.kind == "prescription":
        if h.added:
            return f"{n}{ui['colon']}{ui['add']} " + ui["sep"].join(_label(G, p, lang) for p in h.added)
        return f"{n}{ui['colon']}{ui['nothing']}"
    # the cycle (or path) itself, then the offerings that support it: a supporting
    # product is beside the loop, never one of its steps
    return f"{n}{ui['colon']}{_loop_words(G, raw, h, lang)}"


def _sub(raw: dict, key: str) -> dict:
    """``raw[key]`` when it is an object, else ``{}`` (a result read from a file may be malformed)."""
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _cycle_of(raw: dict) -> list:
    """The ids of the cycle (or path) itself, without the offerings supporting it."""
    loop = raw.get("loop")
    walk = loop if isinstance(loop, dict) else raw
    out = []
    for e in walk.get("nodes") or ():
        out.append(e.get("id") if isinstance(e, dict) else e)
    return [x for x in out if isinstance(x, str)]


def _loop_words(G, raw: dict, h: Highlight, lang: str) -> str:
    """``支付 → 小程序 → 商家粉丝群 → 支付（+ 小程序云）``: the cycle, then what supports it."""
    cycle = _cycle_of(raw) or list(h.nodes)
    names = [_label(G, n, lang) for n in cycle]
    if h.kind in ("loop", "prescription") and names:
        names.append(names[0])
    arrow = " → ".join(names)
    extra = [n for n in h.nodes if n not in cycle]
    if extra:
        joined = join([_label(G, n, lang) for n in extra], lang)
        arrow += f"（+ {joined}）" if lang == "zh" else f" (+ {joined})"
    return arrow


def _is_gaps(raw: dict) -> bool:
    return isinstance(raw.get("values"), dict) and "missing" in raw


def default_title(G, raw: dict, h: Highlight, lang: str, merchant: str = "") -> str:
    """The report's title as a sentence a service provider signs, e.g. "为已有商家粉丝群的商家开出的
    经营处方：补上小程序、小程序云，闭合“支付 → 小程序 → 商家粉丝群 → 支付”这一经营闭环"."""
    L = lambda n: _label(G, n, lang)  # noqa: E731
    if h.kind == "prescription":
        if not merchant:
            mine = [n for n in _cycle_of(raw) if n not in h.added]
            merchant = t("report_merchant_with", lang, names=join([L(n) for n in mine], lang)) if mine else \
                t("report_merchant_with", lang, names="…")
        loop = _loop_words(G, raw, h, lang)
        add = join([L(n) for n in h.added], lang)
        if _is_gaps(raw):
            key = "report_title_gaps" if h.added else "report_title_gaps_closed"
        else:
            key = "report_title_prescribe" if h.added else "report_title_closed"
        return t(key, lang, merchant=merchant, add=add, loop=loop)
    if h.kind == "path" and h.nodes:
        cycle = _cycle_of(raw) or list(h.nodes)
        key = "report_title_path_for" if merchant else "report_title_path"
        return t(key, lang, merchant=merchant, a=L(cycle[0]), b=L(cycle[-1]))
    base = t("report_title_loops", lang)
    return f"{base}{'：' if lang == 'zh' else ': '}{merchant}" if merchant else base


def _plain_words(G, raw: dict, h: Highlight, lang: str) -> list[str]:
    """How much of the answer the source states and how much is interpretation, in words."""
    walk = t("report_walk_path" if h.kind == "path" else "report_walk_loop", lang)
    n = len(h.steps)
    inferred = sum(1 for s in h.steps if s.inferred)
    if not n:
        out = []
    elif n == 1:
        out = [t("report_plain_one_inferred" if inferred else "report_plain_one_stated", lang, walk=walk)]
    elif inferred == 0:
        out = [t("report_plain_all", lang, n=n, walk=walk)]
    elif inferred == n:
        out = [t("report_plain_none", lang, n=n, walk=walk)]
    else:
        out = [t("report_plain_some", lang, n=n, walk=walk, stated=n - inferred, inferred=inferred)]
    best: dict = {}
    for p in h.nodes:
        for v in (G.nodes[p].get("values") or []) if p in G else []:
            data = (G.get_edge_data(p, v) or {}).get("serves")
            if data is not None:
                best[v] = best.get(v, False) or not data.get("inferred")
    if best:
        stated = sum(1 for x in best.values() if x)
        out.append(t("report_plain_values", lang, n=len(best), stated=stated, inferred=len(best) - stated))
    why = _sub(raw, "why")
    reasons = [r for p in h.added for r in (why.get(p) or []) if isinstance(r, dict)]
    if reasons:
        inf = sum(1 for r in reasons if r.get("inferred"))
        out.append(t("report_plain_why", lang, n=len(reasons), stated=len(reasons) - inf, inferred=inf))
    outside = [e["id"] for e in raw.get("outside") or ()
               if isinstance(e, dict) and isinstance(e.get("id"), str) and e["id"] in G]
    if outside:
        out.append(t("report_plain_outside", lang, names=join([_label(G, n, lang) for n in outside], lang)))
    return out


def _gaps_section(G, raw: dict, lang: str, ui, refs: _Refs, relation_labels) -> str:
    L = lambda n: _label(G, n, lang)  # noqa: E731
    needs = _sub(raw, "needs")
    unserved = [str(c) for c in needs.get("unserved") or ()]
    items = [t("report_gaps_needs", lang, needs=", ".join(unserved)) if unserved else t("report_gaps_all_needs", lang)]
    values = _sub(raw, "values")
    for u in values.get("unserved") or ():
        if not isinstance(u, dict):
            continue
        v = u.get("value")
        vid = v.get("id") if isinstance(v, dict) else v
        offered = [L(o) for o in u.get("offered_by") or () if isinstance(o, str)]
        items.append(t("report_gaps_value", lang, value=L(vid) if isinstance(vid, str) else "?",
                       need=str(u.get("need") or ""), offered=join(offered, lang) or t("none", lang)))
    missing = [m for m in raw.get("missing") or () if isinstance(m, dict)]
    if missing:
        flows = join([f"{L(m.get('from'))} → {L(m.get('to'))}（{_rel(relation_labels, m.get('relation'), lang)}）"
                      if lang == "zh" else
                      f"{L(m.get('from'))} → {L(m.get('to'))} ({_rel(relation_labels, m.get('relation'), lang)})"
                      for m in missing], lang)
        items.append(t("report_gaps_missing", lang, flows=flows))
    lis = "".join(f"<li>{safe.text(x)}</li>" for x in items)
    return f'<h3>{safe.text(t("report_gaps", lang))}</h3><ul class="gaps">{lis}</ul>'


def _section(G, raw: dict, h: Highlight, lang, ui, relation_labels, refs: _Refs, why_texts: Rationales) -> str:
    cycle = [n for n in _cycle_of(raw) if n in h.nodes] or list(h.nodes)
    closed = h.kind in ("loop", "prescription") and len(cycle) > 1
    order = cycle + [n for n in h.nodes if n not in cycle]
    nodes = [(p, _label(G, p, lang), G.nodes[p].get("kind") or "other") for p in order]
    steps = [(s.source, s.target, _rel(relation_labels, s.relation, lang), s.inferred) for s in h.steps]
    svg = walk_svg(nodes, steps, closed=closed, added=h.added, title=_headline(G, raw, h, 1, lang, ui),
                   height=270 if closed else 170, cycle=len(cycle))
    plain = "".join(f"<li>{safe.text(x)}</li>" for x in _plain_words(G, raw, h, lang))
    parts = [f'<ul class="plain">{plain}</ul>' if plain else "",
             f'<figure>{svg}<figcaption>{safe.text(ui["legend"])}</figcaption></figure>']
    if _is_gaps(raw):
        parts.append(_gaps_section(G, raw, lang, ui, refs, relation_labels))
    if h.kind == "prescription" and h.added:
        parts.append(f'<h3>{safe.text(ui["added_why"])}</h3>')
        why = _sub(raw, "why")
        rows = []
        for p in h.added:
            reasons = why.get(p) or _derived_reasons(G, p, h)
            for j, r in enumerate(reasons):
                badge = f' <span class="badge">{safe.text(ui["inferred"])}</span>' if r.get("inferred") else ""
                rows.append(
                    "<tr>"
                    + (f'<th rowspan="{len(reasons)}">{safe.text(_label(G, p, lang))}</th>' if j == 0 else "")
                    + f"<td>{safe.text(_reason_text(G, p, r, lang, relation_labels))}{badge}"
                    + f"{refs.marks(r.get('evidence') or [])}</td></tr>"
                )
        parts.append(f'<table class="why"><tbody>{"".join(rows)}</tbody></table>')
    parts.append(f'<h3>{safe.text(ui["coverage_path" if h.kind == "path" else "coverage"])}</h3>')
    parts.append(_coverage(G, h, lang, ui))
    serves = []
    for p in h.nodes:
        bits = []
        for v in G.nodes[p].get("values") or []:
            data = (G.get_edge_data(p, v) or {}).get("serves") or {}
            mark = f'<span class="badge">{safe.text(ui["inferred"])}</span>' if data.get("inferred") else ""
            bits.append(f"{safe.text(_label(G, v, lang))}{mark}{refs.marks(data.get('evidence') or [])}")
        if bits:
            serves.append(f"<li><strong>{safe.text(_label(G, p, lang))}</strong>{safe.text(ui['colon'])}"
                          f"{safe.text(ui['sep']).join(bits)}</li>")
    if serves:
        parts.append(f'<ul class="serves">{"".join(serves)}</ul>')
    parts.append(f'<h3>{safe.text(ui["steps"])}</h3><ol class="steps">')
    for s in h.steps:
        badge = f' <span class="badge">{safe.text(ui["inferred"])}</span>' if s.inferred else ""
        why_html = (f'<span class="why-text">{safe.text(why_texts.text(s.rationale, lang))}</span>'
                    if s.rationale else "")
        parts.append(
            f"<li><strong>{safe.text(_label(G, s.source, lang))} → {safe.text(_label(G, s.target, lang))}</strong> "
            f'<span class="rel">{safe.text(_rel(relation_labels, s.relation, lang))}</span>{badge} {why_html}'
            f"{refs.inline(s.evidence)}</li>"
        )
    parts.append("</ol>")
    return "".join(parts)


#: at most this many other results are listed after the first (two A4 pages at most)
MAX_ALTERNATIVES = 4


def report_html(
    results,
    G: nx.MultiDiGraph,
    *,
    lang: str = "en",
    title: str = "",
    question: str = "",
    merchant: str = "",
    relation_labels: dict | None = None,
    sources: dict | None = None,
    rationales: dict | None = None,
    source_titles: dict | None = None,
) -> str:
    """The report page for ``results`` (a list of query results, best first, or one result).

    ``title`` replaces the default title, a sentence naming ``merchant`` (:func:`default_title`);
    ``sources`` maps a source id to its short names ``{"zh", "en"}`` (quotes say "openday
    文章 第 25 行") and ``source_titles`` to its full titles (listed with the quotes);
    ``rationales`` maps a rationale to its text in each language the map gives
    (:class:`ccare.i18n.Rationales`).  The first result is shown in full, up to
    :data:`MAX_ALTERNATIVES` others as one line each; the page prints on two A4 pages.
    Raises :class:`~ccare.exports.highlight.HighlightError` when a result is malformed or
    not in ``G``.
    """
    if lang not in _UI:
        raise ValueError("lang must be 'zh' or 'en'")
    ui = _UI[lang]
    cite, why_texts = Citations(sources), Rationales(rationales)
    refs = _Refs(cite, lang)
    raws = results if isinstance(results, list) else [results]
    if not raws:
        raise ValueError("nothing to report: the result list is empty")
    hs = [check_against(from_result(r, f"result[{i}]"), G) for i, r in enumerate(raws)]
    title = title or default_title(G, raws[0], hs[0], lang, merchant)
    body = [f"<header><h1>{safe.text(title)}</h1>"]
    if merchant and merchant not in title:
        body.append(f'<p class="for">{safe.text(t("report_for", lang, merchant=merchant))}</p>')
    if question:
        body.append(f'<p class="question">{safe.text(question)}</p>')
    body.append("</header>")
    body.append(f'<section class="answer"><h2><span class="tag">{safe.text(ui["recommended"])}</span> '
                f"{safe.text(_headline(G, raws[0], hs[0], 1, lang, ui))}</h2>"
                f"{_section(G, raws[0], hs[0], lang, ui, relation_labels, refs, why_texts)}</section>")
    if len(hs) > 1:
        items = []
        for i, h in enumerate(hs[1:1 + MAX_ALTERNATIVES], 2):
            inferred = sum(1 for s in h.steps if s.inferred)
            walk = f" · {_loop_words(G, raws[i - 1], h, lang)}" if h.kind == "prescription" else ""
            items.append(f"<li>{safe.text(_headline(G, raws[i - 1], h, i, lang, ui))}"
                         f'<span class="muted">{safe.text(walk)}'
                         f' · {inferred}/{len(h.steps)} {safe.text(ui["inferred"])}</span></li>')
        if len(hs) > 1 + MAX_ALTERNATIVES:
            more = t("report_more_alternatives", lang, n=len(hs) - 1 - MAX_ALTERNATIVES)
            items.append(f'<li class="muted">{safe.text(more)}</li>')
        body.append(f'<section class="alternatives"><h3>{safe.text(ui["alternatives"])}</h3>'
                    f'<ol start="2">{"".join(items)}</ol></section>')
    body.append(refs.listing(source_titles or {}, ui))
    body.append(f'<footer>{safe.text(ui["footer"])}</footer>')
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{safe.text(REPORT_CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="ccare">'
        f"<title>{safe.text(title)}</title>{safe.inline_style(assets.own('report.css'), 'report.css')}</head>"
        f'<body><main class="report">{"".join(body)}</main></body></html>\n'
    )

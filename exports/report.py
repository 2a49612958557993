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
from ccare.i18n import Citations, Rationales

__all__ = ["report_html", "REPORT_CSP"]

REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

_UI = {
    "en": {
        "loop": "Operating loop", "path": "Path", "prescription": "Prescription", "recommended": "Recommended",
        "add": "Add", "nothing": "Nothing to add: the merchant's products already close this loop.",
        "added_why": "Products added, and why", "product": "product", "why": "why", "evidence": "evidence",
        "coverage": "Coverage: what each product of the loop serves", "loop_row": "the loop",
        "steps": "Steps, each with its evidence", "serves_ev": "Evidence for what each product serves",
        "value": "value", "need": "need", "alternatives": "Alternatives", "inferred": "inferred",
        "stated": "stated", "requested": "requested", "needs": "needs",
        "legend": "● stated in the source · ○ inferred (with its rationale) · dashed ring: product to add",
        "footer": "Every quote is verbatim from the line of the source it names. Inferred relations interpret "
                  "the source and say why. Made with ccare.",
        "none_ev": "(no quote)", "nodes": "products", "steps_n": "steps", "colon": ": ", "sep": ", ",
    },
    "zh": {
        "loop": "经营闭环", "path": "路径", "prescription": "处方", "recommended": "推荐",
        "add": "新增", "nothing": "无需新增：商家现有产品已闭合此环。",
        "added_why": "新增产品及理由", "product": "产品", "why": "理由", "evidence": "证据",
        "coverage": "覆盖：闭环中各产品服务的诉求与价值", "loop_row": "整个闭环",
        "steps": "每一步及其证据", "serves_ev": "各产品服务价值的证据",
        "value": "价值", "need": "诉求", "alternatives": "其他方案", "inferred": "推断",
        "stated": "原文明示", "requested": "所需", "needs": "诉求",
        "legend": "● 原文明示 · ○ 推断（附理由） · 虚线圈：需新增的产品",
        "footer": "所有引文均逐字摘自所注明的原文行。推断关系是对原文的解读,并附理由。由 ccare 生成。",
        "none_ev": "（无引文）", "nodes": "个产品", "steps_n": "步", "colon": "：", "sep": "、",
    },
}


def _label(G, n, lang) -> str:
    labels = (G.nodes[n].get("labels") or {}) if n in G else {}
    return labels.get(lang) or labels.get("en") or labels.get("zh") or str(n)


def _rel(relation_labels, key, lang) -> str:
    r = (relation_labels or {}).get(key) or {}
    return r.get(lang) or r.get("en") or key


def _quotes(evidence, ui, cite: Citations, lang: str) -> str:
    """Each quote with where it stands, as a reader cites it: ``openday 文章 第 25 行 “…”``."""
    if not evidence:
        return f'<span class="muted">{safe.text(ui["none_ev"])}</span>'
    out = []
    for e in evidence:
        out.append(f'<blockquote><span class="where">{safe.text(cite.where(e, lang))}</span> '
                   f'“{safe.text(e.get("quote") or "")}”</blockquote>')
    return "".join(out)


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
    head2 = []
    for c in codes:
        req = " req" if c in h.needs else ""
        head1.append(f'<th colspan="{len(by_need[c])}" class="need{req}" '
                     f'style="border-top:4px solid {NEED_COLOURS.get(c, "#888")}">{safe.text(c)}</th>')
        head2.extend(f'<th class="val">{safe.text(_label(G, v, lang))}</th>' for v in by_need[c])
    rows = []
    covered = {v: None for c in codes for v in by_need[c]}
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
    rows.append(f'<tr class="total"><th>{safe.text(ui["loop_row"])}</th>{total}</tr>')
    return (f'<table class="matrix"><thead><tr>{"".join(head1)}</tr><tr>{"".join(head2)}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _headline(G, h: Highlight, i: int, lang, ui) -> str:
    n = f"{ui[h.kind]} {i}"
    if h.kind == "prescription":
        if h.added:
            return f"{n}{ui['colon']}{ui['add']} " + ui["sep"].join(_label(G, p, lang) for p in h.added)
        return f"{n}{ui['colon']}{ui['nothing']}"
    arrow = " → ".join(_label(G, p, lang) for p in h.nodes)
    if h.kind == "loop" and h.nodes:
        arrow += f" → {_label(G, h.nodes[0], lang)}"
    return f"{n}{ui['colon']}{arrow}"


def _section(G, raw: dict, h: Highlight, lang, ui, relation_labels, cite: Citations, why_texts: Rationales) -> str:
    closed = h.kind in ("loop", "prescription") and bool(h.steps) and h.steps[-1].target == h.nodes[0]
    nodes = [(p, _label(G, p, lang), G.nodes[p].get("kind") or "other") for p in h.nodes]
    steps = [(s.source, s.target, _rel(relation_labels, s.relation, lang), s.inferred) for s in h.steps]
    svg = walk_svg(nodes, steps, closed=closed, added=h.added, title=_headline(G, h, 1, lang, ui))
    parts = [f'<figure>{svg}<figcaption>{safe.text(ui["legend"])}</figcaption></figure>']
    needs = ", ".join(h.needs)
    parts.append(f'<p class="facts">{len(h.nodes)} {safe.text(ui["nodes"])} · {len(h.steps)} {safe.text(ui["steps_n"])}'
                 + (f' · {safe.text(ui["needs"])}{ui["colon"]}{safe.text(needs)}' if needs else "") + "</p>")
    if h.kind == "prescription":
        parts.append(f'<h3>{safe.text(ui["added_why"])}</h3>')
        if not h.added:
            parts.append(f'<p>{safe.text(ui["nothing"])}</p>')
        else:
            why = raw.get("why") if isinstance(raw.get("why"), dict) else {}
            rows = []
            for p in h.added:
                reasons = why.get(p) or _derived_reasons(G, p, h)
                for j, r in enumerate(reasons):
                    badge = f' <span class="badge">{safe.text(ui["inferred"])}</span>' if r.get("inferred") else ""
                    rows.append(
                        "<tr>"
                        + (f'<th rowspan="{len(reasons)}">{safe.text(_label(G, p, lang))}</th>' if j == 0 else "")
                        + f"<td>{safe.text(_reason_text(G, p, r, lang, relation_labels))}{badge}</td>"
                        + f"<td>{_quotes(r.get('evidence') or [], ui, cite, lang)}</td></tr>"
                    )
            parts.append(
                f'<table class="why"><thead><tr><th>{safe.text(ui["product"])}</th><th>{safe.text(ui["why"])}</th>'
                f"<th>{safe.text(ui['evidence'])}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            )
    parts.append(f'<h3>{safe.text(ui["coverage"])}</h3>')
    parts.append(_coverage(G, h, lang, ui))
    parts.append(f'<h3>{safe.text(ui["steps"])}</h3><ol class="steps">')
    for s in h.steps:
        badge = f' <span class="badge">{safe.text(ui["inferred"])}</span>' if s.inferred else ""
        why = f'<p class="why-text">{safe.text(why_texts.text(s.rationale, lang))}</p>' if s.rationale else ""
        parts.append(
            f"<li><strong>{safe.text(_label(G, s.source, lang))} → {safe.text(_label(G, s.target, lang))}</strong> "
            f'<span class="rel">{safe.text(_rel(relation_labels, s.relation, lang))}</span>{badge}{why}'
            f"{_quotes(s.evidence, ui, cite, lang)}</li>"
        )
    parts.append("</ol>")
    rows = []
    for p in h.nodes:
        for v in G.nodes[p].get("values") or []:
            data = (G.get_edge_data(p, v) or {}).get("serves") or {}
            need = (
                next((G.nodes[m].get("code") for m in G.successors(v) if G.nodes[m].get("kind") == "need"), "")
                if v in G
                else ""
            )
            badge = f' <span class="badge">{safe.text(ui["inferred"])}</span>' if data.get("inferred") else ""
            rows.append(
                f"<tr><th>{safe.text(_label(G, p, lang))}</th><td>{safe.text(_label(G, v, lang))}{badge}</td>"
                f"<td>{safe.text(need)}</td><td>{_quotes(data.get('evidence') or [], ui, cite, lang)}</td></tr>"
            )
    if rows:
        parts.append(
            f'<h3>{safe.text(ui["serves_ev"])}</h3><table class="ev"><thead><tr><th>{safe.text(ui["product"])}</th>'
            f"<th>{safe.text(ui['value'])}</th><th>{safe.text(ui['need'])}</th><th>{safe.text(ui['evidence'])}</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    return "".join(parts)


def report_html(
    results,
    G: nx.MultiDiGraph,
    *,
    lang: str = "en",
    title: str = "",
    question: str = "",
    relation_labels: dict | None = None,
    sources: dict | None = None,
    rationales: dict | None = None,
) -> str:
    """The report page for ``results`` (a list of query results, best first, or one result).

    ``sources`` maps a source id to its short names ``{"zh", "en"}`` (quotes say "openday
    文章 第 25 行"); ``rationales`` maps a rationale to its text in each language the map
    gives (:class:`ccare.i18n.Rationales`).
    The first result is shown in full; the others as alternatives.  Raises
    :class:`~ccare.exports.highlight.HighlightError` when a result is malformed or not in ``G``.
    """
    if lang not in _UI:
        raise ValueError("lang must be 'zh' or 'en'")
    ui = _UI[lang]
    cite, why_texts = Citations(sources), Rationales(rationales)
    raws = results if isinstance(results, list) else [results]
    if not raws:
        raise ValueError("nothing to report: the result list is empty")
    hs = [check_against(from_result(r, f"result[{i}]"), G) for i, r in enumerate(raws)]
    kind = hs[0].kind
    title = title or ui[kind]
    body = [f"<header><h1>{safe.text(title)}</h1>"]
    if question:
        body.append(f'<p class="question">{safe.text(question)}</p>')
    body.append("</header>")
    body.append(f'<section class="answer"><h2><span class="tag">{safe.text(ui["recommended"])}</span> '
                f"{safe.text(_headline(G, hs[0], 1, lang, ui))}</h2>"
                f"{_section(G, raws[0], hs[0], lang, ui, relation_labels, cite, why_texts)}</section>")
    if len(hs) > 1:
        items = []
        for i, h in enumerate(hs[1:], 2):
            extra = f' · {safe.text(ui["needs"])}{ui["colon"]}{safe.text(", ".join(h.needs))}' if h.needs else ""
            inferred = sum(1 for s in h.steps if s.inferred)
            items.append(f"<li>{safe.text(_headline(G, h, i, lang, ui))}"
                         f'<span class="muted"> · {len(h.nodes)} {safe.text(ui["nodes"])}{extra}'
                         f' · {inferred}/{len(h.steps)} {safe.text(ui["inferred"])}</span></li>')
        body.append(f'<section class="alternatives"><h2>{safe.text(ui["alternatives"])}</h2>'
                    f'<ol start="2">{"".join(items)}</ol></section>')
    body.append(f'<footer>{safe.text(ui["footer"])}</footer>')
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{safe.text(REPORT_CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="ccare">'
        f"<title>{safe.text(title)}</title>{safe.inline_style(assets.own('report.css'), 'report.css')}</head>"
        f'<body><main class="report">{"".join(body)}</main></body></html>\n'
    )



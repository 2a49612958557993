"""One report per merchant of a portfolio, and an index page linking them.

``ccare portfolio prescribe --reports DIR`` (and ``gaps``) writes, for each merchant
answered, the report :func:`ccare.exports.report.report_html` makes of its answer, titled
for the merchant; and ``index.html``, a table of every merchant: name, status, what to
add, the loop it closes, and a link to its report.  Merchants the run did not reach
(``--timeout``) are listed as not reported.

Merchant ids are untrusted text: a file is named by :func:`slug` of the id (letters,
digits, ``-`` and ``_`` only, at most 80 characters, never a device name or ``index``),
and two merchants whose names would be the same file (case aside, as on macOS and
Windows) are refused before anything is written.  Each file is written whole
(:func:`ccare.rdfio.atomic.atomic_write`).

The report of one question (merchants running the same products share an answer) is
rendered once and the merchant's name put in: the work grows with the questions, not
the merchants, apart from writing the files.

Examples
--------
>>> slug("LXJ-001"), slug("老乡鸡/../合肥"), slug("CON"), slug("index"), slug("../..")
('LXJ-001', '老乡鸡-合肥', 'm-CON', 'm-index', 'merchant')
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

import networkx as nx

from ccare.errors import DataError, OutputError
from ccare.exports import assets, safe
from ccare.exports.report import REPORT_CSP, report_html
from ccare.i18n import STATUS, join, t
from ccare.limits import Budget
from ccare.portfolio.batch import PortfolioRun, on_cycles, question
from ccare.rdfio.atomic import atomic_write

__all__ = ["slug", "file_names", "write_reports", "INDEX"]

#: the index page's file name in the reports folder
INDEX = "index.html"

_RESERVED = {"con", "prn", "aux", "nul", "index", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_DASHES = re.compile(r"[-_]*-[-_]*")

#: a token no merchant name contains: the shared report is rendered with it, then each name put in
_TOKEN = "\ue000ccare-merchant\ue000"


def slug(ident: str, width: int = 80) -> str:
    """A file name stem for the merchant id ``ident``: its letters and digits (any script)
    with everything else turned into ``-``; ``merchant`` when nothing is left."""
    text = unicodedata.normalize("NFKC", str(ident))
    out = "".join(c if c in "-_" or unicodedata.category(c)[0] in "LN" else "-" for c in text)
    out = _DASHES.sub("-", out).strip("-_.")[:width].strip("-_.")
    if not out:
        return "merchant"
    return f"m-{out}" if out.casefold() in _RESERVED else out


def file_names(ids) -> dict:
    """Merchant id -> its report's file name; raises :class:`~ccare.errors.DataError` when
    two ids would share a file (names compared without case, as some file systems do)."""
    names: dict = {}
    seen: dict = {}
    for ident in ids:
        if ident in names:
            continue
        name = slug(ident) + ".html"
        key = name.casefold()
        if key in seen:
            raise DataError("the portfolio", f"merchants {seen[key]!r} and {ident!r} would both be written to "
                                             f"{name}: give them ids that differ in letters or digits")
        seen[key] = ident
        names[ident] = name
    return names


def _full_answer(G, m, mode: str, spec, budget: Budget, cyclic) -> dict | None:
    """The query result the report draws for merchant ``m`` (as in :func:`ccare.portfolio.batch.answer`)."""
    from ccare.graph.gaps import gaps
    from ccare.graph.prescribe import prescriptions

    if mode == "gaps":
        g = gaps(G, sorted(m.uses), spec, budget=budget, alipay_payment=m.alipay_payment)
        return g.to_json(G) if g.closing is not None else None
    has = sorted(set(m.uses) & cyclic)
    if m.uses and not has and not m.alipay_payment:
        return None
    first = next(prescriptions(G, has, spec, scale=m.scale_name, stage=m.stage_name, budget=budget,
                               alipay_payment=m.alipay_payment), None)
    return first.to_json(G) if first is not None else None


def _label(G, n, lang) -> str:
    labels = (G.nodes[n].get("labels") or {}) if n in G else {}
    return labels.get(lang) or labels.get("en") or str(n)


def _name(m, lang) -> str:
    return (m.label(lang) if m.labels else "") or m.id


def write_reports(
    G: nx.MultiDiGraph,
    result: PortfolioRun,
    folder,
    every: list,
    *,
    lang: str = "en",
    question_text: str = "",
    texts: dict | None = None,
) -> list[Path]:
    """Write one report per merchant of ``result`` into ``folder`` (made if missing), and
    the index of ``every`` merchant of the portfolio; the paths written, index last.

    ``texts`` holds what :func:`~ccare.exports.report.report_html` takes to speak the
    reader's language (``relation_labels``, ``sources``, ``rationales``, ``source_titles``).
    """
    texts = dict(texts or {})
    folder = Path(folder)
    names = file_names([m.id for m in every])
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"--reports {folder}: not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"--reports {folder}: cannot make the folder: {e.strerror or e}") from None
    spec = result.spec
    cyclic = on_cycles(G, spec)
    suited = frozenset(v for _, v, k in G.edges(keys=True) if k == "suits")
    from ccare.graph.loops import hub_of

    hub = hub_of(G, spec)
    budget = Budget(timeout=None)
    pages: dict = {}  # question -> the report with the token for the merchant's name, or None
    written, rows = [], []
    answered = {r.merchant.id for r in result.results}
    for r in result.results:
        m = r.merchant
        key = question(m, result.mode, cyclic, suited, hub)
        if result.mode == "gaps":  # the needs and values left open depend on every product it runs
            key = (key, frozenset(m.uses))
        if key not in pages:
            full = _full_answer(G, m, result.mode, spec, budget, cyclic) if r.answer.add is not None else None
            pages[key] = None if full is None else report_html(
                [full], G, lang=lang, merchant=_TOKEN, question=question_text, **texts)
        page = pages[key]
        name = _name(m, lang)
        if page is not None:
            path = folder / names[m.id]
            with atomic_write(path) as f:
                f.write(page.replace(_TOKEN, safe.text(name)))
            written.append(path)
        rows.append((m, r, names[m.id] if page is not None else None))
    index = _index_html(G, result, rows, [m for m in every if m.id not in answered], lang)
    with atomic_write(folder / INDEX) as f:
        f.write(index)
    written.append(folder / INDEX)
    return written


def _index_html(G, result: PortfolioRun, rows, missing, lang: str) -> str:
    zh = lang == "zh"
    title = t("pf_index_title_gaps" if result.mode == "gaps" else "pf_index_title", lang)
    head = "".join(f"<th>{safe.text(t(k, lang))}</th>" for k in
                   ("pf_index_merchant", "pf_index_name", "pf_index_status", "pf_index_add", "pf_index_loop"))
    body = []
    for m, r, file in rows:
        a = r.answer
        ident = safe.text(m.id)
        cell = f'<a href="{safe.text(quote(file))}">{ident}</a>' if file else ident
        status = STATUS.get(a.status, {}).get(lang, a.status)
        add = join([_label(G, p, lang) for p in a.add or ()], lang) or "–"
        loop = list(a.loop or ())
        arrow = " → ".join(_label(G, p, lang) for p in loop + loop[:1]) if loop else "–"
        if a.supporting:
            extra = join([_label(G, p, lang) for p in a.supporting], lang)
            arrow += f"（+ {extra}）" if zh else f" (+ {extra})"
        body.append(f"<tr><td>{cell}</td><td>{safe.text(m.label(lang) if m.labels else '')}</td>"
                    f'<td class="{a.status}">{safe.text(status)}</td><td>{safe.text(add)}</td>'
                    f"<td>{safe.text(arrow)}</td></tr>")
    parts = [f"<header><h1>{safe.text(title)}</h1>",
             f'<p class="question">{safe.text(t("pf_index_counts", lang, answered=len(rows), total=result.total))}'
             "</p></header>",
             f'<table class="index"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>']
    if missing:
        items = "".join(f"<li>{safe.text(m.id)}{' · ' + safe.text(m.label(lang)) if m.labels else ''}</li>"
                        for m in missing)
        reason = t("pf_index_cut", lang, n=len(missing))
        parts.append(f'<section class="missing"><h2>{safe.text(reason)}</h2><ul>{items}</ul></section>')
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{safe.text(REPORT_CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="ccare">'
        f"<title>{safe.text(title)}</title>{safe.inline_style(assets.own('report.css'), 'report.css')}</head>"
        f'<body><main class="report">{"".join(parts)}</main></body></html>\n'
    )

"""Merchant portfolios: ``ccare import`` (CSV to RDF) and ``ccare portfolio gaps|prescribe``."""

from __future__ import annotations

import io
from pathlib import Path, PurePath

import click
from rdflib.util import guess_format

from ccare.commands.common import (
    common_options,
    data_option,
    echo_json,
    echo_table,
    endpoint_timeout_option,
    lang_option,
    load_graph,
    load_kb,
    progress,
    versioned,
)
from ccare.commands.queries import loop_options
from ccare.errors import DataError, UsageError
from ccare.graph.loops import LoopSpec
from ccare.i18n import detail as _detail
from ccare.i18n import reason as _reason
from ccare.i18n import status as _status
from ccare.i18n import t
from ccare.limits import EXIT_CUT_SHORT, Budget
from ccare.portfolio.batch import MODES, PortfolioRun, default_workers, run
from ccare.portfolio.csvin import COLUMNS, decode, parse, read_source
from ccare.portfolio.index import merchants
from ccare.portfolio.names import Names
from ccare.portfolio.rdfout import digest_of, write_turtle
from ccare.rdfio.atomic import atomic_write
from ccare.text import csvcells as csvsafe
from ccare.text import terminal as termsafe
from ccare.text.render import to_json

__all__ = ["import_cmd", "portfolio", "PORTFOLIO_TIMEOUT"]

#: Seconds a whole portfolio may take unless ``--timeout`` says otherwise.
PORTFOLIO_TIMEOUT = 600.0


# ---------------------------------------------------------------------- import


def _rdf_format(output: str) -> str:
    return "turtle" if output == "-" else (guess_format(output) or "turtle")


@click.command("import")
@click.argument("source", metavar="SHEET")
@click.option("-o", "--output", required=True, metavar="FILE",
              help="Write the merchants' RDF here, whole or not at all (- for standard output). "
                   "Format from the extension (.ttl, .nt, .jsonld, .rdf, ...); Turtle if unknown.")
@click.option("--encoding", metavar="NAME",
              help="Encoding of a CSV that is not UTF-8 (with or without BOM) or UTF-16 with a BOM, e.g. gb18030.")
@lang_option
@data_option
@endpoint_timeout_option
def import_cmd(source, output, encoding, lang, data):
    """Turn a merchant portfolio (CSV) or a map sheet (.xlsx, CSV folder) into RDF for --data.

    A map sheet (from `ccare export sheet`: sheets entities, relations, evidence, facts, in one
    .xlsx or a folder of CSV files) becomes evidenced RDF that conforms to the map's rules.
    Every fault is listed with its sheet, row and column, and near matches for unknown
    names; when there is any, nothing is written and the exit code is 1.

    A merchant portfolio is a CSV file (or the first sheet of an .xlsx without map sheets).

    The header row names the columns, in English or Chinese, in any order:
    merchant_id (商家编号), name (商家名称), industry (行业), scale (规模: small, medium,
    large), stage (数字化阶段: exploring, mature) and products (使用产品: ids or zh/en
    names, separated by ; or |).  Only merchant_id and products are required.

    Bad rows are listed with their line and reason on stderr; the good rows are still
    written, and the exit code is 1 if any row was bad.

    \b
    Examples:
      ccare import portfolio.csv -o merchants.ttl
      ccare portfolio prescribe --data merchants.ttl -o prescriptions.csv
    """
    from ccare.commands.mapsheet import import_map, is_map_sheet
    from ccare.rdfio.read import FORMATS

    if is_map_sheet(source):
        return import_map(source, output, encoding, lang, data)
    name = "<stdin>" if source == "-" else source
    kb = load_kb(data)
    raw = read_source(source)
    if raw[:4] == b"PK\x03\x04" and source != "-":  # a portfolio kept in Excel: its first sheet, as CSV
        from ccare.sheets.workbook import first_sheet_csv

        raw = first_sheet_csv(source)
    text = decode(raw, name, encoding)
    p = parse(text, Names(kb), name=name)
    fmt = _rdf_format(output)
    if fmt not in FORMATS:
        raise UsageError(f"cannot write RDF format {fmt!r} (allowed: {', '.join(sorted(FORMATS))})")
    buf = io.StringIO()
    written = write_turtle(p, buf, digest=digest_of(raw))
    if fmt in ("turtle", "ttl"):
        with atomic_write(output) as f:
            f.write(buf.getvalue())
    else:
        import pyoxigraph as ox

        from ccare import ontology

        triples = ox.parse(buf.getvalue().encode("utf-8"), format=ox.RdfFormat.TURTLE)
        body = ox.serialize(triples, format=FORMATS[fmt], prefixes=dict(ontology.PREFIXES))
        with atomic_write(output, "wb") as f:
            f.write(body)
    for problem in p.problems:
        click.echo(t("row_problem", lang, name=name, line=problem.line, message=_detail(problem.message, lang)),
                   err=True)
    if p.ignored:
        click.echo(t("ignored_columns", lang, name=name, columns=", ".join(repr(h) for h in p.ignored),
                     known=", ".join(c[0] for c in COLUMNS.values())), err=True)
    new = {r.industry for r in p.rows if r.industry_new}
    target = t("standard_output", lang) if output == "-" else output
    click.echo(t("imported", lang, merchants=t("n_merchants", lang, n=written), name=PurePath(name).name, target=target,
                 extra=t("imported_new", lang, industries=t("n_new_industries", lang, n=len(new))) if new else ""),
               err=True)
    if p.problems:
        raise click.ClickException(t("bad_rows", lang, bad=f"{len(p.problems):,}", rows=t("n_rows", lang, n=p.records),
                                     good=f"{written:,}", target=target))


# ---------------------------------------------------------------------- portfolio


@click.group()
def portfolio():
    """Ask every merchant of a portfolio the map's questions.

    Load the merchants with --data (from `ccare import`) or keep them at a SPARQL
    endpoint (--endpoint).  Merchants that run the same products (and, for
    prescriptions, have the same scale and stage) share one answer.
    """


def _headers(mode: str) -> list[str]:
    h = ["merchant_id", "name", "industry", "scale", "stage", "products", "alipay_payment", "status", "closed",
         "unserved_needs", "add", "loop", "supporting"]
    return h + ["missing_flows"] if mode == "gaps" else h


def _row(r, mode: str, lang: str) -> list[str]:
    m, a = r.merchant, r.answer
    j = ";".join
    row = [m.id, m.label(lang) if m.labels else "", m.industry or "", m.scale or "", m.stage or "", j(m.uses),
           "true" if m.alipay_payment else "false", a.status, "true" if a.closed else "false", j(a.unserved),
           j(a.add or ()), j(a.loop or ()), j(a.supporting)]
    if mode == "gaps":
        row.append(j(f"{s}>{t}" for s, _, t in a.missing))
    return row


def _csv_text(result: PortfolioRun, lang: str) -> str:
    buf = io.StringIO()
    w = csvsafe.writer(buf, lineterminator="\n")  # formula-like cells guarded unless --csv-raw
    w.writerow(_headers(result.mode))
    w.writerows(_row(r, result.mode, lang) for r in result.results)
    return buf.getvalue()


def _json_doc(result: PortfolioRun, top: int) -> dict:
    return {"summary": result.summary(top), "merchants": [r.to_json() for r in result.results]}


def _label(G, n: str, lang: str) -> str:
    labels = G.nodes[n].get("labels") or {} if n in G else {}
    return labels.get(lang) or labels.get("en") or n


def _echo_summary(result: PortfolioRun, G, lang: str, top: int) -> None:
    s = result.summary(top)
    pct = lambda n: f"{n:,} ({100 * n / s['answered']:.1f}%)" if s["answered"] else "0"  # noqa: E731
    click.echo(t("pf_merchants", lang, merchants=f"{s['merchants']:,}", answered=f"{s['answered']:,}",
                 closed=pct(s['closed']), open=pct(s['open']), unclosable=pct(s['unclosable'])))
    click.echo(t("pf_questions", lang, n=s['questions']))
    if s["unserved_needs"]:
        click.echo(t("pf_unserved", lang, needs=("；" if lang == "zh" else "; ").join(
            f"{c} ({t('n_merchants', lang, n=n)})" for c, n in s["unserved_needs"].items())))
    if s["additions"]:
        click.echo("\n" + t("pf_additions", lang))
        echo_table(["add", "merchants"],
                   [[" + ".join(_label(G, p, lang) for p in a["add"]), f"{a['merchants']:,}"] for a in s["additions"]])
        click.echo("\n" + t("pf_added_products", lang))
        echo_table(["product", "merchants"],
                   [[_label(G, a["product"], lang), f"{a['merchants']:,}"] for a in s["added_products"]])


def _write_reports(kb, G, result: PortfolioRun, every, folder: str, lang: str) -> None:
    """``--reports DIR``: a report per merchant answered and the index (:mod:`ccare.exports.portfolio_reports`)."""
    from ccare.commands.export import reader_texts, relation_labels, source_titles
    from ccare.commands.queries import _describe_spec
    from ccare.exports.portfolio_reports import INDEX, write_reports

    texts = {"relation_labels": relation_labels(kb, G), "source_titles": source_titles(kb), **reader_texts(kb)}
    paths = write_reports(G, result, folder, list(every), lang=lang, question_text=_describe_spec(result.spec, G, lang),
                          texts=texts)
    click.echo(t("pf_reports_wrote", lang, n=len(paths) - 1, index=str(Path(folder) / INDEX)), err=True)


def _portfolio_command(mode: str, summary: str):
    @click.command(mode, help=summary + """

    One row per merchant: its products, whether they already close an operating loop,
    the requested needs none of them serves, and the smallest addition that closes a
    loop (with the loop).  Then a summary: how many merchants have a closed loop, and
    the additions most often prescribed.  With -o the rows go to that file (.csv or
    .json, written whole) and the summary to standard output.

    A progress bar shows on stderr when it is a terminal.  When --timeout runs out, the
    merchants answered so far are written and the exit code is 3.
    """)
    @click.option("-o", "--output", metavar="FILE", help="Write the rows here: FILE.csv or FILE.json.")
    @click.option("--reports", "reports", metavar="DIR",
                  help="Also write one report per merchant (its HTML report, titled for it) into DIR, made if "
                       "missing, and DIR/index.html linking them.")
    @loop_options
    @click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
                  help="How many of the most frequent additions the summary lists.")
    @click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=PORTFOLIO_TIMEOUT,
                  show_default=True, metavar="SECONDS",
                  help="Stop after this long; the merchants answered so far are written and the exit code is 3.")
    @click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
                  help="Answer the distinct questions in N processes (default: the processors available). "
                       "The answers are the same, in the same order, whatever N is.")
    @click.option("--max-steps", type=click.IntRange(min=1), default=None, hidden=True,
                  help="Stop after this many search steps (for reproducible limits).")
    @common_options("table", "csv", "json")
    def command(output, reports, needs, payment, domains, max_length, top, timeout, workers, max_steps, data, lang,
                fmt):
        kind = None
        if output is not None and output != "-":
            kind = Path(output).suffix.lower().lstrip(".")
            if kind not in ("csv", "json"):
                raise UsageError(f"cannot write {output!r}: give a .csv or .json file name")
        kb, G = load_graph(data)
        ms = merchants(kb, G)
        if not ms:
            raise DataError(", ".join(data) or "the map",
                            "no merchants (cc:Merchant) to ask about; make them with `ccare import` and give --data")
        strays = [m for m in ms if m.other]
        if strays:
            click.echo(t("pf_strays", lang, merchants=t("n_merchants", lang, n=len(strays)),
                         example=f"{strays[0].id}: {', '.join(strays[0].other)}"), err=True)
        spec = LoopSpec(needs=tuple(needs), payment=payment, domains=domains, max_length=max_length)
        budget = Budget(timeout=timeout, max_steps=max_steps)
        with progress(len(ms), "商家" if lang == "zh" else "merchants") as update:
            result = run(G, ms, mode, spec, budget, update,
                         workers=workers if workers is not None else default_workers())
        if reports:
            _write_reports(kb, G, result, ms, reports, lang)
        if kind == "csv":
            with atomic_write(output) as f:
                f.write(_csv_text(result, lang))
        elif kind == "json":
            with atomic_write(output) as f:
                f.write(to_json(versioned(_json_doc(result, top))) + "\n")
        if kind is not None:
            if fmt == "json":
                echo_json(result.summary(top))
            else:
                _echo_summary(result, G, lang, top)
        elif fmt == "json":
            echo_json(_json_doc(result, top))
        elif fmt == "csv":
            termsafe.machine_stdout().write(_csv_text(result, lang))
        else:
            echo_table(["merchant", "name", "status", "unserved needs", "add"],
                       [[r.merchant.id, r.merchant.label(lang) if r.merchant.labels else "",
                         _status(r.answer.status, lang),
                         ",".join(r.answer.unserved) or "-",
                         " + ".join(_label(G, p, lang) for p in r.answer.add or ()) or "-"]
                        for r in result.results])
            click.echo()
            _echo_summary(result, G, lang, top)
        if budget.cut_short:
            where = t("pf_cut_where", lang, output=output) if kind else ""
            click.echo(t("pf_cut", lang, reason=_reason(budget.reason, lang), answered=f"{len(result.results):,}",
                         total=f"{len(ms):,}", where=where), err=True)
            raise click.exceptions.Exit(EXIT_CUT_SHORT)

    return command


for _mode, _summary in zip(MODES, (
    "Gaps of every merchant: unserved needs, open loops and the flows they lack.",
    "Prescriptions for every merchant: the fewest products to add to close its loop.",
)):
    portfolio.add_command(_portfolio_command(_mode, _summary))

"""``ccare export``: the map page, RDF, GraphML/GEXF and CSV files; and the ``--html`` /
``--report`` options the query commands take.

Each subcommand loads the map, calls one function of :mod:`ccare.exports` and writes
the result with :func:`ccare.exports.files.write` (atomically; ``-o -`` is standard output).
"""

from __future__ import annotations

import contextlib
import shlex
from pathlib import Path

import click

from ccare.commands.common import csv_raw_option, data_option, endpoint_timeout_option, lang_option, load_kb
from ccare.commands.mapsheet import sheet_cmd
from ccare.errors import UsageError
from ccare.i18n import MESSAGES, t

__all__ = ["export", "query_export_options", "report_options", "write_query_exports", "relation_labels",
           "source_titles"]

#: query commands whose JSON result ``export html --highlight`` can draw
HIGHLIGHT_COMMANDS = ("loops", "path", "prescribe")



def _output_option(f):
    return click.option(
        "-o", "--output", "output", required=True, metavar="FILE|-",
        help="Write here (atomically: whole or not at all; the directory must exist). '-' is standard output.",
    )(f)


def _lang() -> str:
    from ccare.commands.common import current_lang

    return current_lang()


def _graph(data):
    """``(kb, G)``: the map's knowledge base and its graph (:attr:`ccare.api.Map.graph`)."""
    from ccare.commands.common import load_graph

    return load_graph(data)


def relation_labels(kb, G) -> dict:
    """Edge key -> ``{"zh", "en"}`` labels of the relation's property, where the map has them."""
    from ccare.graph.build import relation_iri

    out = {}
    for key in sorted({k for _, _, k in G.edges(keys=True)}):
        labels = kb.entity(relation_iri(kb, key)).labels
        if labels:
            out[key] = dict(labels)
    return out


def reader_texts(kb) -> dict:
    """What the map page and the report need to speak the reader's language: the short
    name of each source (``sources``) and each rationale in both languages (``rationales``)."""
    from ccare.i18n import Citations, Rationales

    return {"sources": Citations.of(kb).to_json(), "rationales": Rationales.of(kb).to_json()}


def source_titles(kb) -> dict:
    """Source id -> its full title ``{"zh", "en"}`` (``rdfs:label``), for the report's list of quotes."""
    from rdflib import RDF, RDFS

    from ccare.i18n import lang_of
    from ccare.ontology import CC

    out: dict = {}
    for s in set(kb.graph.subjects(RDF.type, CC.Source)):
        titles: dict = {}
        for o in sorted(kb.graph.objects(s, RDFS.label)):
            key = lang_of(getattr(o, "language", None) or "")
            if key is not None:
                titles.setdefault(key, str(o))
        if titles:
            out[kb.node_id(s)] = titles
    return out


def report_options(f):
    """``--title`` and ``--merchant``: what the report (and the map page) is called, and for whom."""
    f = click.option("--merchant", "merchant", metavar="NAME",
                     help="The merchant the report is for; the default title names it "
                          "(default: 'a merchant with' its products).")(f)
    return click.option("--title", "title", metavar="TEXT",
                        help="Title of the report and the map page (default: a sentence saying what to add "
                             "and which loop it closes).")(f)


def _write(output, content, what: str) -> None:
    from ccare.commands.common import current_lang
    from ccare.exports.files import write

    where = write(output, content)
    if where != "-":
        lang = current_lang()
        named = t(what, lang) if what in MESSAGES else f" {what} " if lang == "zh" else what
        click.echo(t("wrote", lang, what=named, where=where), err=True)


@click.group()
def export():
    """Write the map for other tools: an offline HTML page, RDF, GraphML, GEXF, CSV.

    \b
    Examples:
      ccare export html -o map.html --lang zh
      ccare export ttl -o map.ttl
      ccare export graphml -o map.graphml
      ccare export csv -o tables/          (nodes.csv and edges.csv)
      ccare export sheet -o map.xlsx       (the map sheet to edit; ccare import reads it back)
    """


# ---------------------------------------------------------------------- html


def _load_highlight(path: str):
    """The JSON in ``path`` (``-``: standard input) as a :class:`Highlight`, plus the raw result."""
    from ccare.exports.highlight import from_result, read_json

    # untrusted: a regular file within the size limit, nested no deeper than CCARE_MAX_DEPTH
    obj = read_json(path)
    return from_result(obj, where=path), obj


def _run_query(query: str, data):
    """The library's answer to the ``--highlight`` query: ``loops``, ``path`` or
    ``prescribe`` in the command line's words, its options parsed as that command parses
    them, answered by the :class:`~ccare.api.Map` of ``data`` (the map being drawn) as an
    :class:`~ccare.api.Answer` of walks or prescriptions.  A search cut short
    (``--timeout``, ``--max-steps``) gives what it found, and says so on stderr."""
    try:
        args = shlex.split(query)
    except ValueError as e:
        raise UsageError(f"--highlight: {e}") from None
    if not args or args[0] not in HIGHLIGHT_COMMANDS:
        raise UsageError(f"--highlight takes a query of {', '.join(HIGHLIGHT_COMMANDS)} "
                         f"(e.g. \"prescribe --has mini-program\"), not {query!r}")
    name = args[0]
    from ccare.commands import queries  # the query commands' options: one vocabulary

    cmd = getattr(queries, name)
    if any(a == "--format" or a.startswith("--format=") for a in args):
        raise UsageError("--highlight: leave out --format (the query's first result is drawn, not printed)")
    from ccare.commands.common import current_lang, load_map, merchant_profile
    from ccare.exports.highlight import check_query_args
    from ccare.limits import EXIT_CUT_SHORT, Budget

    check_query_args(args[1:], cmd)  # the query's own options only: no --data, --html, --report
    # parsed and checked, not run; with the group's help names: click caches a command's help
    # option on first use, and a bare context would leave `ccare loops -h` unknown afterwards
    p = cmd.make_context(f"ccare {name}", list(args[1:]), help_option_names=["-h", "--help"]).params
    lang = current_lang()
    if p.get("old_payment") is not None:
        click.echo(t("deprecated_payment", lang), err=True)
        p["payment"] = p["old_payment"]
    m = load_map(data)
    budget = Budget(timeout=p["timeout"], max_steps=p["max_steps"])
    if name == "path":
        found = m.paths(p["source"], p["target"], k=p["k"], via=queries._names(p["via"]) or None, budget=budget)
    elif name == "loops":
        found = m.loops(needs=list(p["needs"]), through=queries._names(p["through"]),
                        without=queries._names(p["without"]), max_length=p["max_length"], limit=p["limit"],
                        payment=p["payment"], domains=p["domains"], budget=budget)
    else:
        scale, stage = merchant_profile(m.kb, p["scale"], p["stage"])
        found = m.prescribe(queries._names(p["has"]), needs=list(p["needs"]), scale=scale, stage=stage,
                            alipay_payment=not p["no_alipay_payment"], limit=p["limit"],
                            max_length=p["max_length"], payment=p["payment"], domains=p["domains"], budget=budget)
    if budget.cut_short:
        click.echo(t("highlight_stopped", lang, cmd=name, code=EXIT_CUT_SHORT), err=True)
    return found


@export.command("html")
@_output_option
@click.option("--highlight", "highlight", metavar="QUERY",
              help='Draw a query result on top of the map: a loops, path or prescribe query, '
                   'e.g. "prescribe --has mini-program" (its first, best result).')
@click.option("--highlight-json", "highlight_json", metavar="FILE|-",
              help="Draw a result saved with --format json from loops, path or prescribe (its first result).")
@click.option("--title", help="Page title (default: the map's name).")
@lang_option
@data_option
@endpoint_timeout_option
def html_cmd(output, highlight, highlight_json, title, lang, data):
    """The interactive map as one self-contained HTML file that opens offline.

    Every script and style is inside the file; it makes no network request. Nodes are
    coloured and shaped by type, with a legend, a search box (Chinese or English),
    filters by type and need, and tooltips with evidence. --lang sets the language the
    page opens in (it has a switch).
    """
    from ccare.exports.highlight import HighlightError, from_result
    from ccare.exports.html import map_html

    if highlight and highlight_json:
        raise UsageError("give --highlight or --highlight-json, not both")
    kb, G = _graph(data)
    h = None
    if highlight_json:
        h, _ = _load_highlight(highlight_json)
    elif highlight:
        result = _run_query(highlight, data)
        if not result:
            raise HighlightError(f"--highlight: {highlight!r} found nothing to draw")
        h = from_result(result, where=highlight)
    from ccare.exports.html import DEFAULT_TITLES

    page = map_html(G, title=title or DEFAULT_TITLES, lang=lang, highlight=h, relation_labels=relation_labels(kb, G),
                    **reader_texts(kb))
    _write(output, page, "the_map_page")


# ---------------------------------------------------------------------- rdf


def _rdf_command(fmt: str, name: str):
    @click.command(fmt, help=f"The merged map as {name}: deterministic bytes, blank nodes labelled canonically.\n\n"
                             "--inferred adds what the vocabulary entails (superclass types, super-properties, "
                             "domains and ranges, symmetric and inverse properties).")
    @_output_option
    @click.option("--inferred", is_flag=True, help="Include the triples the vocabulary entails.")
    @data_option
    @endpoint_timeout_option
    def cmd(output, inferred, data):
        from ccare.exports.rdf import serialize

        kb = load_kb(data)
        _write(output, serialize(kb.graph, fmt, inferred=inferred), name)

    return cmd


for _fmt, _name in (("ttl", "Turtle"), ("nt", "N-Triples"), ("jsonld", "JSON-LD"), ("xml", "RDF/XML")):
    export.add_command(_rdf_command(_fmt, _name))

# the map sheet: ccare's own template to edit in Excel (commands/mapsheet.py)
export.add_command(sheet_cmd)


# ---------------------------------------------------------------------- graph files


@export.command("graphml")
@_output_option
@lang_option
@data_option
@endpoint_timeout_option
def graphml_cmd(output, lang, data):
    """The map graph as GraphML (yEd, Cytoscape, Gephi): scalar attributes, labels in both languages.

    --lang picks the language of the 'label' attribute; label_zh and label_en are always there.
    """
    from ccare.exports.tables import graphml_bytes

    _, G = _graph(data)
    _write(output, graphml_bytes(G, lang), "GraphML")


@export.command("gexf")
@_output_option
@lang_option
@data_option
@endpoint_timeout_option
def gexf_cmd(output, lang, data):
    """The map graph as GEXF 1.2 (Gephi): scalar attributes, labels in both languages."""
    from ccare.exports.tables import gexf_bytes

    _, G = _graph(data)
    _write(output, gexf_bytes(G, lang), "GEXF")


@export.command("csv")
@_output_option
@click.option("--table", type=click.Choice(["nodes", "edges"]),
              help="Write this one table to FILE or '-'. Without it, -o names a directory that gets both.")
@click.option("--bom", is_flag=True, help="Start each file with a UTF-8 byte-order mark (for Excel).")
@csv_raw_option
@data_option
@endpoint_timeout_option
def csv_cmd(output, table, bom, data):
    """Nodes and edges tables for spreadsheets.

    \b
    ccare export csv -o DIR                 DIR/nodes.csv and DIR/edges.csv (DIR made if missing)
    ccare export csv --table edges -o -     one table to standard output
    """
    from ccare.exports.files import write_tables
    from ccare.exports.tables import csv_text

    _, G = _graph(data)
    mark = "\ufeff" if bom and output != "-" else ""
    if table:
        if Path(output).is_dir():
            raise UsageError(f"-o {output} is a directory; with --table give a file name or '-'")
        _write(output, mark + csv_text(G, table), t("the_table", _lang(), table=table))
        return
    # a new folder is made; a file name (existing, or ending .csv as one table's would) is a slip
    if output == "-" or Path(output).exists() and not Path(output).is_dir() or \
            not Path(output).exists() and Path(output).suffix.lower() in (".csv", ".tsv", ".txt"):
        raise UsageError(f"-o {output}: without --table, give an existing directory or a new folder name (it gets "
                         "nodes.csv and edges.csv), or add --table nodes|edges")
    tables = {f"{t}.csv": mark + csv_text(G, t) for t in ("nodes", "edges")}
    made = not Path(output).exists()
    if made:  # the folder a user names is made, as `-o tables/` reads; removed again if writing fails
        try:
            Path(output).mkdir(parents=True)
        except OSError as e:
            from ccare.rdfio.atomic import OutputError

            raise OutputError(f"{output}: cannot write: {e.strerror or e}") from None
    try:
        paths = write_tables(output, tables)
    except BaseException:
        if made:
            with contextlib.suppress(OSError):
                Path(output).rmdir()
        raise
    click.echo(t("wrote_files", _lang(), files=", ".join(str(p) for p in paths)), err=True)


# ---------------------------------------------------------------------- query commands


def _a_file(ctx, param, value):
    if value == "-":
        raise click.BadParameter("give a file name: standard output carries the command's answer", ctx, param)
    return value


def query_export_options(report: bool = True):
    """``--html FILE`` (the map with the first result drawn on it) and ``--report FILE``."""

    def deco(f):
        if report:
            f = click.option("--report", "report", metavar="FILE.html", callback=_a_file,
                             help="Also write a one-page report of the results (self-contained HTML).")(f)
        return click.option("--html", "html", metavar="FILE.html", callback=_a_file,
                            help="Also write the map page with the first result drawn on it.")(f)

    return deco


def write_query_exports(kb, G, results: list, *, html=None, report=None, lang="en", title="", question="",
                        merchant="", report_title="", panel: dict | None = None) -> None:
    """Write the ``--html`` map and the ``--report`` page for a query's JSON ``results``.

    ``title`` names the map page; ``report_title`` (``--title``) the report, whose
    default is a sentence naming ``merchant``; ``panel`` the question the page's panel
    opens on (:func:`ccare.exports.html.panel_question`).  Nothing is written when there
    is no result (the command says so itself).
    """
    if not (html or report) or not results:
        if (html or report) and not results:
            click.echo(t("nothing_found_no_page", lang), err=True)
        return
    labels = relation_labels(kb, G)
    if html:
        from ccare.exports.highlight import from_result
        from ccare.exports.html import DEFAULT_TITLES, map_html

        if report_title:
            titles = report_title
        else:
            titles = {k: f"{v} · {title}" for k, v in DEFAULT_TITLES.items()} if title else DEFAULT_TITLES
        page = map_html(G, title=titles, lang=lang,
                        highlight=from_result(results), relation_labels=labels, question=panel, **reader_texts(kb))
        _write(html, page, "the_map_page")
    if report:
        from ccare.exports.report import report_html

        _write(report, report_html(results, G, lang=lang, title=report_title, question=question, merchant=merchant,
                                   relation_labels=labels, source_titles=source_titles(kb), **reader_texts(kb)),
               "the_report")

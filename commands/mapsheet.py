"""Map sheets on the command line: ``ccare export sheet`` and ``ccare import`` of a map sheet.

The library (:mod:`ccare.sheets`) reads, checks and builds; this module renders: the
problems, each with its sheet, row and column, in the reader's language; the counts; the
output written whole or not at all.
"""

from __future__ import annotations

from pathlib import Path, PurePath

import click

from ccare.errors import UsageError
from ccare.i18n import t

__all__ = ["is_map_sheet", "import_map", "sheet_cmd"]


def is_map_sheet(source: str) -> bool:
    """Whether ``ccare import SOURCE`` is given a map sheet: a folder of map-sheet CSV files,
    or an Excel workbook that has a map sheet (one with only a portfolio is a merchant sheet)."""
    if source == "-":
        return False
    p = Path(source)
    if p.is_dir():
        return True
    if not p.is_file():
        return False
    with open(p, "rb") as f:
        head = f.read(4)
    if head != b"PK\x03\x04":
        return False
    from ccare.sheets.workbook import workbook_sheets

    return workbook_sheets(p)["map"]


def import_map(source: str, output: str, encoding, lang: str, data) -> None:
    """``ccare import`` of a map sheet (see :func:`ccare.commands.portfolio.import_cmd`)."""
    from ccare.commands.common import load_kb
    from ccare.rdfio.atomic import atomic_write
    from ccare.rdfio.read import FORMATS
    from ccare.sheets.build import build, to_turtle
    from ccare.sheets.workbook import read_path

    fmt = _rdf_format(output)
    if fmt not in FORMATS:
        raise UsageError(f"cannot write RDF format {fmt!r} (allowed: {', '.join(sorted(FORMATS))})")
    kb = load_kb(data)
    tables = read_path(source, encoding)
    built = build(tables, kb)
    name = PurePath(source).name
    by_sheet: dict = {}
    for sheet, header in built.ignored:
        by_sheet.setdefault(sheet, []).append(repr(header))
    for sheet, headers in by_sheet.items():
        click.echo(t("sheet_ignored", lang, sheet=sheet, columns=", ".join(headers)), err=True)
    if built.problems:
        for p in built.problems:
            click.echo(p.text(lang), err=True)
        raise click.ClickException(t("sheet_failed", lang, n=len(built.problems), name=name))
    text = to_turtle(built, name)
    if fmt in ("turtle", "ttl"):
        with atomic_write(output) as f:
            f.write(text)
    else:
        import pyoxigraph as ox

        from ccare import ontology

        triples = ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE)
        body = ox.serialize(triples, format=FORMATS[fmt], prefixes=dict(ontology.PREFIXES))
        with atomic_write(output, "wb") as f:
            f.write(body)
    c = built.counts
    target = t("standard_output", lang) if output == "-" else output
    click.echo(t("sheet_imported", lang, name=name, target=target, entities=c["entities"],
                 relations=c["relations"], facts=c["facts"], evidence=c["evidence"]), err=True)


def _rdf_format(output: str) -> str:
    from rdflib.util import guess_format

    return "turtle" if output == "-" else (guess_format(output) or "turtle")


@click.command("sheet")
@click.option("-o", "--output", "output", required=True, metavar="FILE.xlsx|DIR",
              help="Write the map sheet here: an Excel workbook (FILE.xlsx), or a folder that gets "
                   "entities.csv, relations.csv, evidence.csv and facts.csv (made if missing). Whole or not at all.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default=None,
              help="xlsx (one workbook) or csv (a folder of CSV files); default: from -o.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Language of the messages.")
@click.option("--data", "data", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Merge this RDF file into the shipped map before exporting it. Repeatable.")
def sheet_cmd(output, fmt, lang, data):
    """The map as a sheet to edit in Excel: entities, relations, evidence, facts.

    Everything the knowledge base holds, one cell per fact, headers in English and
    Chinese. Edit it, or keep only your own rows, and turn it back into RDF with
    `ccare import`; the vocabulary stays in Turtle.

    \b
    Examples:
      ccare export sheet -o map.xlsx
      ccare export sheet --format csv -o map-sheet/
      ccare import map.xlsx -o mine.ttl && ccare validate mine.ttl
    """
    from ccare.i18n import default_lang
    from ccare.rdfio.atomic import OutputError
    from ccare.sheets.export import abox_graph, export_tables, tbox_graph
    from ccare.sheets.vocab import Vocabulary
    from ccare.sheets.workbook import csv_texts, xlsx_bytes

    lang = lang or default_lang()
    if output == "-":
        raise UsageError("give a file name: a map sheet is a workbook or a folder, not standard output")
    kind = fmt or ("xlsx" if output.lower().endswith((".xlsx", ".xlsm")) else "csv")
    p = Path(output)
    if kind == "xlsx" and p.is_dir():
        raise UsageError(f"-o {output} is a directory; give a file name ending .xlsx, or --format csv")
    if kind == "csv" and (p.exists() and not p.is_dir() or p.suffix.lower() in (".csv", ".xlsx", ".txt")):
        raise UsageError(f"-o {output}: with --format csv, give a folder (it gets entities.csv, relations.csv, "
                         "evidence.csv and facts.csv)")
    g = abox_graph(data)
    v = Vocabulary(tbox_graph() + g) if data else Vocabulary(tbox_graph())
    tables = export_tables(g, v)
    counts = {k: len(rows) for k, rows in tables.items()}
    if kind == "xlsx":
        from ccare.exports.files import write

        where = write(output, xlsx_bytes(tables))
    else:
        import contextlib

        from ccare.exports.files import write_tables

        made = not p.exists()
        if made:
            try:
                p.mkdir(parents=True)
            except OSError as e:
                raise OutputError(f"{output}: cannot write: {e.strerror or e}") from None
        try:
            write_tables(p, csv_texts(tables))
        except BaseException:
            if made:
                with contextlib.suppress(OSError):
                    p.rmdir()
            raise
        where = output
    click.echo(t("sheet_exported", lang, where=where, **counts), err=True)

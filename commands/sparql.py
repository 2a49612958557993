"""``ccare sparql``: read-only SPARQL over the merged map, within a time and row limit."""

from __future__ import annotations

import json
import sys

import click
from rdflib import BNode, Literal, URIRef

from ccare.commands.common import common_options, load_kb
from ccare.errors import DataError, UsageError
from ccare.i18n import reason as say_reason
from ccare.i18n import t
from ccare.limits import DEFAULT_TIMEOUT, EXIT_CUT_SHORT
from ccare.rdfio.atomic import OutputError, atomic_write
from ccare.rdfio.prescan import check_utf8
from ccare.text import render

__all__ = ["sparql_cmd"]


def _read_query(query: str | None, query_file: str | None) -> str:
    if (query is None) == (query_file is None):
        raise UsageError("give the query either as QUERY or with --file FILE (- for standard input)")
    if query is not None:
        return query
    from ccare.query.sparql import MAX_QUERY_BYTES

    if query_file == "-":
        stream = click.open_file(query_file, "rb")
    else:  # a regular file: a FIFO would hang the read, a device never end it
        from ccare.rdfio.atomic import open_input

        stream = open_input(query_file, "a query file", os_messages=True)
    try:
        data = stream.read(MAX_QUERY_BYTES + 1)
    except OSError as e:
        raise DataError(query_file, e.strerror or str(e)) from None
    finally:
        if query_file != "-":
            stream.close()
    if len(data) > MAX_QUERY_BYTES:
        raise DataError(query_file, f"the query is longer than {MAX_QUERY_BYTES:,} bytes")
    if b"\x00" in data:
        raise DataError(query_file, "NUL byte in the query file (is it a binary file?)")
    check_utf8(data, query_file)
    return data.decode("utf-8-sig")


def _is_terminal(output: str) -> bool:
    return output == "-" and hasattr(sys.stdout, "isatty") and sys.stdout.isatty()


def _cell(kb, term, lang: str, bnodes: dict) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return "_:" + bnodes.setdefault(term, f"b{len(bnodes) + 1}")
    if isinstance(term, URIRef):
        ident = kb.node_id(term)
        label = kb.entity(term).labels.get(lang)
        return f"{ident} ({label})" if label and label != ident else ident
    if isinstance(term, Literal):
        return str(term)
    return str(term)


def _render(result, fmt: str, kb, lang: str) -> str:
    from ccare.query.sparql import graph_of, to_csv, to_json

    if fmt == "csv":
        return to_csv(result)
    if fmt == "json":
        return json.dumps(to_json(result), ensure_ascii=False, indent=2) + "\n"
    if result.kind == "ASK":
        return ("true" if result.boolean else "false") + "\n"
    if result.kind in ("CONSTRUCT", "DESCRIBE"):
        g = graph_of(result, dict(kb.graph.namespaces()))
        try:
            return g.serialize(format="turtle")
        except RecursionError:  # rdflib's Turtle writer nests blank nodes recursively
            return g.serialize(format="nt")
    if not result.rows:
        return t("no_results", lang) + "\n"
    bnodes: dict = {}
    rows = [[_cell(kb, t, lang, bnodes) for t in row] for row in result.rows]
    return render.table(result.vars, rows) + "\n"


@click.command("sparql")
@click.argument("query", required=False)
@click.option("--file", "-f", "query_file", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True),
              help="Read the query from FILE (- for standard input) instead of QUERY.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds the query may run; then it is stopped and the rows found so far are shown (exit 3).")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Rows (or triples) to return at most; more are cut short (exit 3).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Write the results to this file, whole or not at all (default: standard output).")
@common_options("table", "csv", "json")
def sparql_cmd(query, query_file, timeout, max_rows, output, data, lang, fmt):
    """Run a read-only SPARQL QUERY over the shipped map merged with --data files.

    The prefixes of the map (cc:, ccid:, rdfs:, skos:, prov:, qudt:, ...) need no PREFIX
    line.  Refused, with exit code 1: updates (INSERT, DELETE, LOAD, CLEAR, ...), SERVICE,
    FROM and FROM NAMED.  CONSTRUCT and DESCRIBE print Turtle in table format, and
    subject/predicate/object rows in CSV and JSON.  Exit code 3: the query was cut short
    by --timeout or --max-rows (what was found is printed).

    \b
    Examples:
      ccare sparql "SELECT ?p ?v WHERE { ?p cc:serves ?v } LIMIT 5"
      ccare sparql --file query.rq --format csv -o results.csv
    """
    from ccare.query.sandbox import memory_limit
    from ccare.query.sparql import run, run_remote

    text = _read_query(query, query_file)
    kb = load_kb(data)
    endpoint = getattr(kb, "endpoint", None)
    if endpoint is not None:
        # the endpoint holds what the local copy lacks (merchants): the checked query goes there
        if data:
            raise UsageError("with --endpoint, ccare sparql asks the endpoint only: load --data files into it "
                             "with `ccare load` first")
        remote = endpoint  # its requests end within --timeout, counted from the map fetch
        result = run_remote(remote, text, namespaces=dict(kb.graph.namespaces()), max_rows=max_rows)
    else:
        result = run(kb.graph, text, timeout=timeout, max_rows=max_rows, memory=memory_limit())
    if result.kind is None or (not result.complete and not result.rows):
        click.echo(t("sparql_cut_before", lang, reason=say_reason(result.reason, lang)), err=True)
        raise click.exceptions.Exit(EXIT_CUT_SHORT)
    text_out = _render(result, fmt, kb, lang)
    if fmt != "json" and _is_terminal(output):
        # raw CSV and Turtle carry the data's control characters; a terminal would obey them
        # (JSON escapes them already; in Turtle a \uXXXX escape is the same string)
        text_out = render.printable(text_out.replace("\r\n", "\n"))
    try:
        with atomic_write(output) as f:
            f.write(text_out)
    except OSError as e:
        raise OutputError(f"{output}: cannot write: {e.strerror or e}") from None
    if not result.complete:
        n = len(result.rows)
        hint = "--timeout" if (result.reason or "").startswith("time") else "--max-rows"
        click.echo(t("sparql_cut_rows", lang, reason=say_reason(result.reason, lang), rows=n, hint=hint), err=True)
        raise click.exceptions.Exit(EXIT_CUT_SHORT)

"""``ccare load``: put the map and portfolios into a SPARQL 1.1 endpoint."""

from __future__ import annotations

import click

from ccare.commands.common import current_lang, graph_iri, lang_option, progress
from ccare.endpoint.client import DEFAULT_TIMEOUT, Endpoint, EndpointError, EndpointTimeout
from ccare.endpoint.upload import BATCH, LoadFailed, clear, file_graph, plan, present, send
from ccare.errors import DataError
from ccare.i18n import t
from ccare.rdfio.terms import TermError

__all__ = ["load"]



@click.command("load")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--endpoint", required=True, metavar="URL", help="The endpoint's query URL (SPARQL 1.1).")
@click.option("--update-endpoint", metavar="URL",
              help="The endpoint's update URL, where it differs from the query URL (e.g. Oxigraph's /update).")
@click.option("--graph", metavar="IRI", callback=graph_iri,
              help="Load into this named graph (default: the endpoint's default graph).")
@click.option("--clear", "clear_", is_flag=True, help="Empty the graph loaded into first.")
@click.option("--force", is_flag=True,
              help="Load a file even if the endpoint already holds entities it describes (e.g. to finish a "
                   "load cut short: what is there already is not doubled).")
@click.option("--batch", type=click.IntRange(min=1), default=BATCH, show_default=True,
              help="Triples per INSERT DATA request.")
@click.option("--request-timeout", type=click.FloatRange(min=0, min_open=True, max=86400), default=DEFAULT_TIMEOUT,
              show_default=True, metavar="SECONDS",
              help="How long one request may take, from sending it to the last byte of the answer (exit 3).")
@lang_option
def load(files, endpoint, update_endpoint, graph, clear_, force, batch, request_timeout, lang):
    """Load FILES (RDF, e.g. from `ccare import`) into a SPARQL 1.1 endpoint; no FILES: the shipped map.

    Triples go into the default graph (or --graph IRI) with SPARQL 1.1 Update (INSERT
    DATA, in batches), each file with the triples its assertions describe, as ccare
    reads it; blank nodes (evidence) as skolem IRIs named by their content, so loading a
    file again stores nothing twice.  Then every command takes --endpoint URL (and
    --graph IRI) to ask that endpoint instead of the embedded map.

    A file whose entities the endpoint already holds is refused unless --force; --clear
    empties the graph first.  A load the endpoint stops half-way says what it took and
    how to finish (--force) or start over (--clear).

    \b
    Examples:
      ccare load --endpoint http://localhost:7878/query --update-endpoint http://localhost:7878/update
      ccare load --endpoint http://localhost:7878/query --update-endpoint http://localhost:7878/update merchants.ttl
      ccare products --need ACTIVE --endpoint http://localhost:7878/query
    """
    from ccare.errors import UsageError

    try:
        ep = Endpoint(endpoint, update_endpoint, timeout=request_timeout, graph=graph)
    except UsageError as e:
        raise click.BadParameter(str(e), param_hint="'--endpoint' / '--update-endpoint'") from None
    lang = current_lang()
    target = f"{ep.update_url}" + (f" (graph <{graph}>)" if graph else "")
    # read and write everything before the endpoint hears of it: a bad file changes nothing there
    plans = []
    for path in files or (None,):
        what = path or "the shipped map"
        g = file_graph(path)
        try:
            plans.append(plan(what, g, batch, graph))
        except TermError as e:  # a term no SPARQL text may carry (rdflib's parsers let some through)
            raise DataError(what, f"{e}; nothing was sent") from None
    if clear_:
        clear(ep)
        emptied = t("named_graph", lang, iri=graph) if graph else t("default_graph", lang)
        click.echo(t("load_emptied", lang, graph=emptied, endpoint=ep.update_url), err=True)
    elif not force:
        for p in plans:
            held = present(ep, p.graph)
            if held is not None:
                raise EndpointError(f"{ep.where} already holds {held} from {p.what}; ccare loads each file once "
                                    "(--force loads it anyway: the same triples are not stored twice; --clear "
                                    "empties the graph first)")
    for i, p in enumerate(plans):
        try:
            with progress(p.triples, t("load_progress", lang, what=_what(p.what, lang))) as update:
                send(ep, p, update)
        except EndpointError as e:
            err = _cut_short(e, plans, i, files, clear_, lang)
            if graph is None and "default graph" in str(e):  # Virtuoso: "No plain default graph specified ..."
                err = type(err)(f"{err}\n{t('load_wants_graph', lang)}")
            raise err from None
        click.echo(t("load_done", lang, n=p.triples, what=_what(p.what, lang), target=target, requests=p.requests,
                     s="s" if p.requests != 1 else ""))


def _what(what: str, lang: str) -> str:
    """A file's name, or the shipped map in ``lang``."""
    return t("the_shipped_map", lang) if what == "the shipped map" else what


def _status(p, lang: str) -> str:
    """What the endpoint took of one file of a load cut short."""
    what = _what(p.what, lang)
    if p.whole:
        return t("load_took_whole", lang, what=what, n=p.sent)
    if not p.sent:
        return t("load_took_nothing", lang, what=what)
    return t("load_took_part", lang, what=what, sent=p.sent, n=p.triples, done=p.done, batches=len(p.batches))


def _cut_short(e: EndpointError, plans, failed: int, files, cleared: bool, lang: str = "en") -> EndpointError:
    """The error of a load the endpoint stopped: what it took, and how to finish or undo."""
    took = [p for p in plans if p.sent]
    if not took:
        return type(e)(f"{e}\n{t('load_nothing_cleared' if cleared else 'load_nothing', lang)}")
    lines = [f"  {_status(p, lang)}" for p in plans]
    again = " ".join(str(f) for f in files) if files else ""
    stopped = plans[failed]
    msg = (f"{e}\n" + t("load_stopped", lang, batch=stopped.done + 1, batches=len(stopped.batches),
                          what=_what(stopped.what, lang)) + "\n" + "\n".join(lines) + "\n"
           + t("load_finish", lang, files=t("load_files", lang, files=again) if again else ""))
    cls = EndpointTimeout if isinstance(e, EndpointTimeout) else LoadFailed
    return cls(msg)

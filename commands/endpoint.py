"""``ccare load``: put the map and portfolios into a SPARQL 1.1 endpoint."""

from __future__ import annotations

import click

from ccare.commands.common import progress
from ccare.errors import DataError
from ccare.terms import TermError
from ccare.endpoint.client import DEFAULT_TIMEOUT, Endpoint, EndpointError, redact
from ccare.endpoint.upload import BATCH, clear, file_graph, present, send, updates

__all__ = ["load"]


@click.command("load")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--endpoint", required=True, metavar="URL", help="The endpoint's query URL (SPARQL 1.1).")
@click.option("--update-endpoint", metavar="URL",
              help="The endpoint's update URL, where it differs from the query URL (e.g. Oxigraph's /update).")
@click.option("--clear", "clear_", is_flag=True, help="Empty the endpoint's default graph first.")
@click.option("--force", is_flag=True, help="Load a file even if the endpoint already holds entities it describes.")
@click.option("--batch", type=click.IntRange(min=1), default=BATCH, show_default=True,
              help="Triples per INSERT DATA request.")
@click.option("--request-timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT,
              show_default=True, metavar="SECONDS", help="How long to wait for the endpoint's answer to one request.")
def load(files, endpoint, update_endpoint, clear_, force, batch, request_timeout):
    """Load FILES (RDF, e.g. from `ccare import`) into a SPARQL 1.1 endpoint; no FILES: the shipped map.

    Triples go into the default graph with SPARQL 1.1 Update (INSERT DATA, in batches),
    each file with the triples its assertions describe, as ccare reads it.  Then every
    command takes --endpoint URL to ask that endpoint instead of the embedded map.

    A file whose entities the endpoint already holds is refused (loading it again would
    duplicate its evidence) unless --force; --clear empties the default graph first.

    \b
    Examples:
      ccare load --endpoint http://localhost:7878/query --update-endpoint http://localhost:7878/update
      ccare load --endpoint http://localhost:7878/query --update-endpoint http://localhost:7878/update merchants.ttl
      ccare products --need ACTIVE --endpoint http://localhost:7878/query
    """
    ep = Endpoint(endpoint, update_endpoint, timeout=request_timeout)
    # read and write everything before the endpoint hears of it: a bad file changes nothing there
    plans = []
    for path in files or (None,):
        what = path or "the shipped map"
        g = file_graph(path)
        try:
            plans.append((what, g, updates(g, batch)))
        except TermError as e:  # a term no SPARQL text may carry (rdflib's parsers let some through)
            raise DataError(what, f"{e}; nothing was sent") from None
    if clear_:
        clear(ep)
        click.echo(f"Emptied the default graph of {redact(ep.update_url)}.", err=True)
    elif not force:
        for what, g, _ in plans:
            held = present(ep, g)
            if held is not None:
                raise EndpointError(f"{redact(ep.query_url)} already holds {held} from {what}; loading it again "
                                    "would duplicate its evidence (--clear empties the default graph first, "
                                    "--force loads anyway)")
    for what, g, planned in plans:
        with progress(len(g), f"loading {what}") as update:
            sent, requests = send(ep, planned, update)
        click.echo(f"Loaded {sent:,} triples of {what} into {redact(ep.update_url)} "
                   f"({requests:,} request{'s' if requests != 1 else ''}).")

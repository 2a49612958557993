"""A knowledge base whose data lives at a SPARQL 1.1 endpoint.

Design: the commands' questions about the map (products, needs, values, flows, the
evidence of every assertion) are answered in Python over a small local graph, and
the NetworkX queries need the flow subgraph with its evidence.  Asking the endpoint
triple pattern by triple pattern (rdflib's ``SPARQLStore``) would cost one HTTP round
trip per lookup, thousands per command.  So :func:`connect` asks the endpoint once, with
a ``CONSTRUCT`` that the endpoint evaluates (:data:`MAP_QUERY`): every triple except
those about merchants, which is the whole map (a few thousand triples, tens of
thousands for a large synthetic one) and none of the portfolio.  The merchants, the
bulk of a portfolio's data, stay on the server; :meth:`RemoteKnowledgeBase.merchant_records`
asks for them with one grouped ``SELECT``, a row per merchant
(:func:`merchants_query`),
and ``info`` counts the endpoint's triples with ``COUNT``.

Every answer is checked against a ``COUNT`` of what it should hold: a server that caps
the size of its answers (Virtuoso's ``ResultSetMaxRows``) gives an error for the map,
and the merchants are asked again in pages, bounded whatever the count says
(:data:`MAX_PAGES`, each page full and new).  Every request ends within the
endpoint's deadline (:class:`~ccare.endpoint.client.Endpoint`: the command's
``--timeout`` covers them all).

With ``--graph`` (:attr:`Endpoint.graph <ccare.endpoint.client.Endpoint.graph>`), every
query reads that named graph only (the Protocol's ``default-graph-uri``; the texts
here do not change).

Local ``--data`` files are merged into the local graph as usual, so a user can try an
extension against the map at the endpoint without loading it there.

Examples
--------
>>> "cc:Merchant" in MAP_QUERY and "COUNT" in COUNT_QUERY
True
"""

from __future__ import annotations

import functools
import math
import os
import re
from typing import Sequence

from rdflib import RDF, Graph

from ccare.endpoint.client import Endpoint, EndpointError, redact
from ccare.kb.model import KnowledgeBase, materialise
from ccare.ontology import CC
from ccare.rdfio import terms
from ccare.rdfio.read import parse_file
from ccare.rdfio.store import new_graph
from ccare.text.render import printable

__all__ = ["MAX_PAGES", "merchants_query", "MAP_QUERY", "MAP_COUNT_QUERY", "ALL_QUERY", "COUNT_QUERY",
           "RemoteKnowledgeBase", "connect"]

_PREFIXES = """PREFIX cc: <https://w3id.org/ccare/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

#: The map at the endpoint: every triple but those of merchants and their evidence.
#: (``MINUS``, an anti-join the server computes once, not ``FILTER NOT EXISTS``, which
#: some servers evaluate again for every triple: minutes at 250,000 triples.)
MAP_QUERY = _PREFIXES + """CONSTRUCT { ?s ?p ?o } WHERE {
  ?s ?p ?o .
  MINUS { ?s a cc:Merchant }
  MINUS { ?m a cc:Merchant ; cc:evidence ?s }
}"""

#: How many triples :data:`MAP_QUERY` should bring: its answer is checked against this,
#: so that a server capping its answers gives an error, not a map with parts missing.
MAP_COUNT_QUERY = _PREFIXES + """SELECT (COUNT(*) AS ?n) WHERE {
  ?s ?p ?o .
  MINUS { ?s a cc:Merchant }
  MINUS { ?m a cc:Merchant ; cc:evidence ?s }
}"""

#: Every triple of the endpoint's default graph, merchants too (for ``validate``).
ALL_QUERY = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
ALL_COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

#: Triples at the endpoint, and merchants among them.
COUNT_QUERY = _PREFIXES + """SELECT ?triples ?merchants WHERE {
  { SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o } }
  { SELECT (COUNT(DISTINCT ?m) AS ?merchants) WHERE { ?m a cc:Merchant } }
}"""


@functools.lru_cache(maxsize=1)
def merchants_query() -> str:
    """Every merchant, one row each: ``?m`` and ``?props``, the merchant's properties
    packed into one string (read by :func:`ccare.portfolio.index.records_from_rows`; the
    same rows as :data:`ccare.portfolio.index.MERCHANTS_QUERY`, built from the same list
    of properties, written by :mod:`ccare.rdfio.terms`).  A ``UNION`` of one pattern per
    property, not ``VALUES`` joined to ``?m ?p ?o``: Virtuoso 7 never answers ``VALUES``
    and ``BIND`` together inside ``OPTIONAL``, and Oxigraph answers both forms as fast
    (0.28 s for 10,000 merchants).

    >>> "UNION" in merchants_query() and "VALUES" not in merchants_query()
    True
    """
    from rdflib import Literal

    from ccare.portfolio.index import _PROPS

    arms = " UNION ".join(f"{{ ?m {terms.iri(p)} ?o BIND({terms.term(Literal(k))} AS ?k) }}"
                          for p, k in _PROPS.items())
    return (f"SELECT ?m (GROUP_CONCAT(?item; separator=\" \") AS ?props) WHERE {{\n"
            f"  ?m a {terms.iri(CC.Merchant)} .\n  FILTER(isIRI(?m))\n  OPTIONAL {{\n    {arms}\n"
            '    BIND(CONCAT(?k, ":", IF(isIRI(?o), "i", "l"), ":", IF(isLiteral(?o), LANG(?o), ""), ":",\n'
            "                ENCODE_FOR_URI(STR(?o))) AS ?item)\n  }\n} GROUP BY ?m")


#: Pages ccare asks for at most when an endpoint caps its answers: with Virtuoso's default
#: cap of 10,000 rows, ten million merchants.  An endpoint whose count lies (or whose
#: pages repeat) is an error, never a request loop.
MAX_PAGES = 1000


def _pages(ep: Endpoint, query: str, page: int, total: int) -> list[dict]:
    """The rows of ``query`` (a SELECT of ``?m``, one row per ``?m``) in pages of ``page``
    rows, ``total`` in all: at most ``ceil(total / page)`` requests, each bringing a full
    page of rows not seen before (the last may be short), else an error."""
    where = ep.where
    if page <= 0:
        raise EndpointError(f"{where} counts {total:,} merchants but lists none")
    needed = math.ceil(total / page)
    if needed > MAX_PAGES:
        raise EndpointError(f"{where} counts {total:,} merchants but answers {page:,} rows at a time: "
                            f"{needed:,} pages, over the {MAX_PAGES:,} ccare asks for; raise the endpoint's "
                            "row limit (Virtuoso: ResultSetMaxRows)")
    rows: list = []
    seen: set = set()
    for i in range(needed):
        got = ep.select_values(f"{query} ORDER BY ?m LIMIT {page:d} OFFSET {i * page:d}")
        fresh = [r for r in got if r.get("m") not in seen]
        if len(fresh) != len(got) or len(got) > page or (len(got) < page and i != needed - 1):
            raise EndpointError(f"{where}: page {i + 1:,} of its merchants ({page:,} rows from {i * page:,}) "
                                f"holds {len(got):,} rows, {len(got) - len(fresh):,} of them seen before; "
                                "its answers do not page (is its count right?)")
        seen.update(r.get("m") for r in got)
        rows += got
    if len(rows) != total:
        raise EndpointError(f"{where} counts {total:,} merchants but lists {len(rows):,} in "
                            f"{needed:,} pages")
    return rows


class RemoteKnowledgeBase(KnowledgeBase):
    """A :class:`~ccare.kb.model.KnowledgeBase` over the map fetched from ``endpoint``.

    ``graph`` holds the map (and the local ``--data`` files); merchants are asked of the
    endpoint when needed.
    """

    def __init__(self, graph: Graph, endpoint: Endpoint, sources: Sequence[str] = ()):
        super().__init__(graph, sources)
        self.endpoint = endpoint

    def merchant_records(self) -> list[dict]:
        """The endpoint's merchants as records for :func:`ccare.portfolio.index.from_records`.

        One request (:func:`merchants_query`); when the answer
        holds fewer merchants than the endpoint counts (a server capping its answers,
        as Virtuoso does at 10,000 rows by default), the rest is asked in pages of the
        size the server gave.
        """
        from ccare.portfolio.index import MERCHANT_COUNT_QUERY, records_from_rows

        ep = self.endpoint
        rows = ep.select_values(merchants_query())
        total = ep.count(MERCHANT_COUNT_QUERY)
        if len(rows) < total:
            rows = _pages(ep, merchants_query(), page=len(rows), total=total)
        try:
            return records_from_rows(rows)
        except (ValueError, TypeError, AttributeError):
            raise EndpointError(f"{ep.where}: the merchants' rows are not what ccare asked for") from None

    def counts(self) -> dict:
        """Triples and merchants at the endpoint, counted there."""
        rows = self.endpoint.select_values(COUNT_QUERY)
        row = rows[0] if rows else {}
        out = {}
        for k in ("triples", "merchants"):
            v = row.get(k, "0")
            if not re.fullmatch(r"[0-9]{1,18}", v):
                raise EndpointError(f"{self.endpoint.where}: a count answered with {printable(v[:40])!r}, not a number")
            out[k] = int(v)
        return out

    def info(self) -> dict:
        d = super().info()
        c = self.counts()
        d["endpoint"] = redact(self.endpoint.query_url)
        if self.endpoint.graph:
            d["graph"] = self.endpoint.graph
        d["endpoint_triples"] = c["triples"]
        d["merchants"] = c["merchants"]
        return d


def connect(endpoint: Endpoint, data: Sequence[str | os.PathLike] = (), store: str | None = None,
            *, whole: bool = False) -> RemoteKnowledgeBase:
    """The map held by ``endpoint``, merged with the local RDF files ``data``, in a local
    graph on a store of kind ``store`` (:func:`ccare.rdfio.store.new_graph`).

    ``whole``: fetch every triple of the endpoint's default graph, the merchants too
    (what ``ccare validate --endpoint`` checks), not only the map.

    Raises :class:`~ccare.endpoint.client.EndpointError` when the endpoint cannot be
    asked, holds no C-CARE map (then ``ccare load`` puts it there), or answers with
    fewer triples than it counts (a server capping its answers).
    """
    g = new_graph(store)
    query, count_query = (ALL_QUERY, ALL_COUNT_QUERY) if whole else (MAP_QUERY, MAP_COUNT_QUERY)
    read = endpoint.construct(query, g)
    expected = endpoint.count(count_query)
    if read < expected:
        raise EndpointError(
            f"{endpoint.where} answered with {read:,} of the {expected:,} triples it holds "
            f"{'in all' if whole else 'outside merchants'}: it caps the size of its answers "
            "(Virtuoso: ResultSetMaxRows); raise that limit to use it with ccare"
        )
    if (None, RDF.type, CC.Need) not in g:
        raise EndpointError(
            f"{endpoint.where} holds no C-CARE map "
            f"(no cc:Need in {'that graph' if endpoint.graph else 'its default graph'}); "
            "load it with: ccare load --endpoint URL [--update-endpoint URL] [--graph IRI]"
        )
    for path in data:
        parse_file(g, path)
    materialise(g)
    return RemoteKnowledgeBase(g, endpoint, sources=[str(p) for p in data])

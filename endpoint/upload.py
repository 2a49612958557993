r"""Load RDF into a SPARQL 1.1 endpoint with ``INSERT DATA``, in batches.

``INSERT DATA`` is the one way to add triples that every SPARQL 1.1 Update service
understands (the Graph Store Protocol's URL differs from server to server).  Triples go
into the default graph, which is what queries see unless a server is told otherwise.

Blank nodes need care: a label such as ``_:b1`` names the same node only within one
request, so triples joined by a blank node (an assertion, its evidence, the evidence's
source line and quote) must travel together.  :func:`batches` groups the triples into
such connected groups and packs whole groups into batches.

The graph loaded is what ``ccare`` itself queries: the triple of every ``cc:Assertion``
is added first (:func:`ccare.kb.materialise`), so SPARQL at the endpoint sees plain
triples too.

Examples
--------
>>> from rdflib import BNode, Graph, Literal, URIRef
>>> g = Graph()
>>> a, e = BNode(), BNode()
>>> _ = g.add((a, URIRef("http://ex/evidence"), e))
>>> _ = g.add((e, URIRef("http://ex/quote"), Literal('说 "是"\n')))
>>> _ = g.add((URIRef("http://ex/x"), URIRef("http://ex/p"), URIRef("http://ex/y")))
>>> [len(b) for b in batches(g, size=2)]
[2, 1]
>>> text = insert_data(next(iter(batches(g, size=2))))
>>> text.startswith("INSERT DATA {"), sorted(text.count(f"_:b{i} ") for i in (0, 1))
(True, [1, 2])
>>> '"说 \\"是\\"\\n"' in text
True
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Iterator

from rdflib import RDF, BNode, Graph, URIRef

from ccare import terms
from ccare.endpoint.client import Endpoint
from ccare.kb import materialise, shipped_graph
from ccare.rdfio import parse_file

__all__ = ["BATCH", "batches", "insert_data", "updates", "send", "upload", "present", "file_graph", "clear"]

#: Triples per ``INSERT DATA`` request (a group joined by blank nodes is never split).
BATCH = 5000

def _term(node, bnodes: dict) -> str:
    if isinstance(node, BNode):
        label = bnodes.get(node)
        if label is None:
            label = bnodes[node] = f"b{len(bnodes)}"
        return terms.term(node, label)
    return terms.term(node)


def insert_data(triples: Iterable[tuple]) -> str:
    """The ``INSERT DATA`` update adding ``triples`` (blank-node labels local to it).

    Every term is written by :func:`ccare.terms.term`, never pasted: a term that is not
    valid RDF raises :class:`~ccare.terms.TermError` and nothing is sent.
    """
    bnodes: dict = {}
    lines = [f"{_term(s, bnodes)} {_term(p, bnodes)} {_term(o, bnodes)} ." for s, p, o in triples]
    return "INSERT DATA {\n\n" + "\n".join(lines) + "\n}"


def batches(graph: Graph, size: int = BATCH) -> Iterator[list]:
    """The triples of ``graph`` in lists of about ``size``; a blank node never spans two."""
    parent: dict = {}

    def find(x):
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    plain, linked = [], []
    for t in graph:
        s, _, o = t
        bs = [n for n in (s, o) if isinstance(n, BNode)]
        if not bs:
            plain.append(t)
            continue
        linked.append(t)
        for b in bs:
            parent.setdefault(b, b)
        if len(bs) == 2:
            ra, rb = find(bs[0]), find(bs[1])
            if ra != rb:
                parent[ra] = rb
    groups: dict = {}
    for t in linked:
        b = t[0] if isinstance(t[0], BNode) else t[2]
        groups.setdefault(find(b), []).append(t)
    batch: list = []
    for group in groups.values():
        if batch and len(batch) + len(group) > size:
            yield batch
            batch = []
        batch.extend(group)
    for t in plain:
        if len(batch) >= size:
            yield batch
            batch = []
        batch.append(t)
    if batch:
        yield batch


def updates(graph: Graph, size: int = BATCH) -> list[tuple[int, str]]:
    """``(triples, INSERT DATA text)`` for each batch of ``graph``, all written before any
    is sent: :class:`~ccare.terms.TermError` for a term that is not valid RDF."""
    return [(len(batch), insert_data(batch)) for batch in batches(graph, size)]


def send(endpoint: Endpoint, planned: list[tuple[int, str]],
         progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Send the :func:`updates` of a graph; ``(triples, requests)``.  ``progress(n)`` is
    told of each batch's ``n`` triples."""
    sent = requests = 0
    for n, text in planned:
        endpoint.update(text)
        sent += n
        requests += 1
        if progress is not None:
            progress(n)
    return sent, requests


def upload(endpoint: Endpoint, graph: Graph, size: int = BATCH,
           progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Add every triple of ``graph`` to the endpoint's default graph: :func:`send` of its
    :func:`updates` (a term that cannot be written stops it before any request)."""
    return send(endpoint, updates(graph, size), progress)


def present(endpoint: Endpoint, graph: Graph, sample: int = 20) -> URIRef | None:
    """An entity of ``graph`` the endpoint already holds (typed IRIs, a sample), else None.

    Loading a file twice would duplicate its blank nodes (every evidence twice), so the
    command refuses unless told otherwise.
    """
    typed = sorted({s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}, key=str)[:sample]
    if not typed:
        return None
    rows = endpoint.select(f"SELECT ?s WHERE {{ {terms.values('s', typed)} ?s a ?t }} LIMIT 1")
    return URIRef(str(rows[0]["s"])) if rows and "s" in rows[0] else None


def file_graph(path: str | os.PathLike | None) -> Graph:
    """What ``ccare load`` sends for ``path``: the file's triples, assertions materialised;
    the shipped map (ontology and knowledge base) when ``path`` is None."""
    if path is None:
        return shipped_graph()
    g = Graph()
    parse_file(g, path)
    materialise(g)
    return g


def clear(endpoint: Endpoint) -> None:
    """Empty the endpoint's default graph (``CLEAR DEFAULT``)."""
    endpoint.update("CLEAR DEFAULT")

r"""Load RDF into a SPARQL 1.1 endpoint with ``INSERT DATA``, in batches.

``INSERT DATA`` is the one way to add triples that every SPARQL 1.1 Update service
understands (the Graph Store Protocol's URL differs from server to server).  Triples go
into the default graph, or into the named graph ``--graph`` gives (``INSERT DATA { GRAPH
<g> { ... } }``; Virtuoso has no unnamed default graph to insert into).

Blank nodes: engines disagree on them in updates (Virtuoso refuses ``_:b0`` in ``INSERT
DATA``: "not allowed in a constant clause"), and a label names the same node only within
one request.  So every blank node is written as a skolem IRI (RDF 1.1 §3.5) under
:data:`~ccare.endpoint.client.GENID`, which every engine stores, and which ccare reads
back as a blank node.  The IRI is named by what the node says and where it hangs
(:func:`skolem_names`), so loading the same file again writes the same triples, which an
endpoint stores once: a load cut short half-way is finished by running it again.
(Blank nodes that form cycles or are shared between two others, which ccare's own files
never hold, get random names instead, and loading them twice doubles them.)

Triples joined by blank nodes (an assertion, its evidence, the evidence's source line
and quote) still travel in one request, so an assertion never lands without its
evidence: :func:`batches` groups the triples into connected groups and packs whole
groups into batches.

The graph loaded is what ``ccare`` itself queries: the triple of every ``cc:Assertion``
is added first (:func:`ccare.kb.model.materialise`), so SPARQL at the endpoint sees plain
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
>>> names = skolem_names(g)
>>> text = insert_data(next(iter(batches(g, size=2))), names=names)
>>> text.startswith("INSERT DATA {"), text.count("/.well-known/genid/"), "_:" in text
(True, 3, False)
>>> '"说 \\"是\\"\\n"' in text
True
>>> names == skolem_names(g)  # the same file, the same names
True
>>> insert_data([], graph="http://ex/g")
'INSERT DATA { GRAPH <http://ex/g> {\n\n\n} }'
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from rdflib import RDF, BNode, Graph, URIRef

from ccare.endpoint.client import GENID, Endpoint
from ccare.errors import EndpointError, LoadFailed
from ccare.kb.model import materialise, shipped_graph
from ccare.rdfio import terms
from ccare.rdfio.read import parse_file

__all__ = ["BATCH", "batches", "skolem_names", "insert_data", "updates", "Plan", "plan", "send", "upload",
           "present", "file_graph", "clear", "LoadFailed"]

#: Triples per ``INSERT DATA`` request (a group joined by blank nodes is never split).
BATCH = 5000


def _term(node, bnodes: dict, names: dict | None) -> str:
    if isinstance(node, BNode):
        if names is not None and node in names:
            return terms.iri(names[node])
        label = bnodes.get(node)
        if label is None:
            label = bnodes[node] = f"b{len(bnodes)}"
        return terms.term(node, label)
    return terms.term(node)


def insert_data(triples: Iterable[tuple], graph: str | None = None, names: dict | None = None) -> str:
    """The ``INSERT DATA`` update adding ``triples``, into the named ``graph`` if given.

    Blank nodes are written as their skolem IRI in ``names`` (:func:`skolem_names`), else
    with labels local to the update.  Every term is written by :func:`ccare.rdfio.terms.term`,
    never pasted: a term that is not valid RDF raises :class:`~ccare.rdfio.terms.TermError` and
    nothing is sent.
    """
    bnodes: dict = {}
    lines = "\n".join(f"{_term(s, bnodes, names)} {_term(p, bnodes, names)} {_term(o, bnodes, names)} ."
                      for s, p, o in triples)
    if graph is not None:
        return f"INSERT DATA {{ GRAPH {terms.iri(graph)} {{\n\n{lines}\n}} }}"
    return "INSERT DATA {\n\n" + lines + "\n}"


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


def skolem_names(graph: Graph) -> dict:
    """``{blank node: skolem IRI}`` for every blank node of ``graph``.

    Where the blank nodes form trees (an assertion, its evidence: all of ccare's own
    data), a node's IRI is a digest of what it says (its triples, its children's
    digests) and of where it hangs (the IRIs that point at it, or its parent's name and
    the predicate), so the same file gets the same names, run after run.  Blank nodes
    in cycles, or shared by two blank nodes, get random names.  Iterative: a list
    nested 100,000 deep costs no recursion.
    """
    out: dict = {}
    parents: dict = {}
    incoming: dict = {}
    bnodes = set()
    for s, p, o in graph:
        for n in (s, o):
            if isinstance(n, BNode):
                bnodes.add(n)
                out.setdefault(n, [])
        if isinstance(s, BNode):
            out[s].append((p, o))
        if isinstance(o, BNode):
            if isinstance(s, BNode):
                parents.setdefault(o, []).append((s, p))
            else:
                incoming.setdefault(o, []).append((s, p))
    if not bnodes:
        return {}
    if any(len(v) > 1 for v in parents.values()):
        return _random_names(bnodes)
    # content digests, children first (post-order, with a cycle check)
    content: dict = {}
    state: dict = {}
    for root in bnodes:
        if root in content:
            continue
        stack = [root]
        while stack:
            n = stack[-1]
            if state.get(n) is None:
                state[n] = 1  # on the stack
                for _, o in out[n]:
                    if isinstance(o, BNode):
                        if state.get(o) == 1:
                            return _random_names(bnodes)  # a cycle
                        if o not in content:
                            stack.append(o)
                continue
            stack.pop()
            if n in content:
                continue
            state[n] = 2
            content[n] = _digest(*sorted(f"{p.n3()} {content[o] if isinstance(o, BNode) else o.n3()}"
                                         for p, o in out[n]))
    # names, parents first
    names: dict = {}
    order = [b for b in bnodes if b not in parents]
    if not order:  # every node has a parent: only a cycle does that
        return _random_names(bnodes)
    for b in order:
        refs = sorted(f"{s.n3()} {p.n3()}" for s, p in incoming.get(b, ()))
        names[b] = _digest("root", content[b], *refs)
    todo = list(order)
    while todo:
        b = todo.pop()
        for p, o in out[b]:
            if isinstance(o, BNode) and o not in names:
                names[o] = _digest(names[b], p.n3(), content[o])
                todo.append(o)
    if len(names) != len(bnodes):  # pragma: no cover - unreachable for a forest
        return _random_names(bnodes)
    return {b: URIRef(GENID + h) for b, h in names.items()}


def _random_names(bnodes) -> dict:
    return {b: URIRef(GENID + uuid.uuid4().hex) for b in bnodes}


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
        blank = t[0] if isinstance(t[0], BNode) else t[2]
        groups.setdefault(find(blank), []).append(t)
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


@dataclass
class Plan:
    """What ``ccare load`` sends for one file: ``what`` (its name), its ``graph``, the
    ``batches`` of its triples and their ``updates`` (written before any request);
    ``done`` batches the endpoint has taken, ``sent`` triples, ``requests`` made."""

    what: str
    graph: Graph
    batches: list
    updates: list
    named: str | None = None
    names: dict = field(default_factory=dict)
    done: int = 0
    sent: int = 0
    requests: int = 0

    @property
    def triples(self) -> int:
        return sum(len(b) for b in self.batches)

    @property
    def whole(self) -> bool:
        return self.done == len(self.batches)

    def status(self) -> str:
        if self.whole:
            return f"{self.what}: whole ({self.sent:,} triples)"
        if not self.sent:
            return f"{self.what}: nothing"
        return (f"{self.what}: {self.sent:,} of {self.triples:,} triples "
                f"({self.done:,} of {len(self.batches):,} batches whole)")


def plan(what: str, graph: Graph, size: int = BATCH, named: str | None = None) -> Plan:
    """The :class:`Plan` of ``graph``: its batches, and the ``INSERT DATA`` of each (into the
    graph ``named``, if given), all written now: :class:`~ccare.rdfio.terms.TermError` for a term
    that is not valid RDF.  Blank nodes are written as skolem IRIs (:func:`skolem_names`)."""
    names = skolem_names(graph)
    parts = list(batches(graph, size))
    return Plan(what, graph, parts, [insert_data(b, named, names) for b in parts], named, names)


#: Words of an endpoint's refusal that mean "this request is too big" (Virtuoso: "SPARQL
#: compiler, line 4992: memory exhausted"); the batch is then sent again in halves.
_TOO_BIG = ("memory exhausted", "too large", "too big", "too long", "exceeds", "out of memory")


def _too_big(e: EndpointError) -> bool:
    text = str(e).lower()
    return "http 413" in text or ("http 400" in text and any(w in text for w in _TOO_BIG))


def send(endpoint: Endpoint, p: Plan, progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Send the batches of ``p`` the endpoint has not taken yet; ``(triples, requests)``.

    A batch the endpoint refuses as too big (HTTP 413, or a 400 that says so) is sent
    again in halves, and so on down to one triple: Virtuoso's SPARQL compiler runs out
    of memory on some updates of 5,000 triples.  (Blank nodes are skolem IRIs, so any
    split of a batch means what the whole batch meant.)  ``progress(n)`` is told of the
    ``n`` triples of each request that went through.
    """

    def one(batch: list, text: str | None = None) -> None:
        try:
            endpoint.update(text if text is not None else insert_data(batch, p.named, p.names))
        except EndpointError as e:
            if len(batch) < 2 or not _too_big(e):
                raise
            half = len(batch) // 2
            one(batch[:half])
            one(batch[half:])
            return
        p.sent += len(batch)
        p.requests += 1
        if progress is not None:
            progress(len(batch))

    while p.done < len(p.batches):
        one(p.batches[p.done], p.updates[p.done])
        p.done += 1
    return p.sent, p.requests


def updates(graph: Graph, size: int = BATCH, named: str | None = None) -> list[tuple[int, str]]:
    """``(triples, INSERT DATA text)`` for each batch of ``graph``: the :func:`plan`'s."""
    p = plan("", graph, size, named)
    return [(len(b), text) for b, text in zip(p.batches, p.updates)]


def upload(endpoint: Endpoint, graph: Graph, size: int = BATCH,
           progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Add every triple of ``graph`` to the endpoint's graph: :func:`send` of its
    :func:`plan` (a term that cannot be written stops it before any request)."""
    return send(endpoint, plan("", graph, size, endpoint.graph), progress)


def present(endpoint: Endpoint, graph: Graph, sample: int = 20) -> URIRef | None:
    """An entity of ``graph`` the endpoint already holds (typed IRIs, a sample), else None."""
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
    """Empty the endpoint's graph (``CLEAR DEFAULT``, or ``CLEAR SILENT GRAPH <g>``)."""
    endpoint.clear()

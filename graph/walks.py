"""Walks over the map: product paths and loops, step by step with their evidence.

A :class:`Walk` is a sequence of nodes joined by edges of the map graph; each
:class:`Step` names the relation it follows, the evidence of that relation and whether
the map states it or infers it.  A walk may be *closed* (a loop): then its last step
returns to its first node, which is not repeated in :attr:`Walk.nodes`.

Where two nodes are joined by several relations (say both a user flow and a data flow),
a step follows the best-evidenced one: stated before inferred, then more quotes, then
the order of ``relations``; a data flow only into a product that turns data into reach.

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> for n in "abc":
...     G.add_node(n, kind="product", needs=[], domains=[], values=[], labels={"en": n}, iri=n)
>>> G.nodes["b"]["roles"] = ["reach"]  # b turns data into reach: a data flow may enter it
>>> ev = [{"source": "s", "line": 1, "quote": "q"}]
>>> G.add_edge("a", "b", key="userFlowsTo", evidence=ev, inferred=True)
'userFlowsTo'
>>> G.add_edge("a", "b", key="dataFlowsTo", evidence=ev, inferred=False)
'dataFlowsTo'
>>> G.add_edge("b", "a", key="userFlowsTo", evidence=ev, inferred=True)
'userFlowsTo'
>>> w = walk(G, ["a", "b"], closed=True)
>>> [(s.source, s.relation, s.target) for s in w.steps]
[('a', 'dataFlowsTo', 'b'), ('b', 'userFlowsTo', 'a')]
>>> w.inferred_steps, w.to_json(G)["steps"][0]["inferred"]
(1, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import networkx as nx

from ccare.graph.view import FLOW_RELATIONS, node_entity
from ccare.ontology.vocab import NEED_CODES

__all__ = ["Step", "Attachment", "Walk", "best_edge", "walk", "data_enters", "needs_of", "rotate"]


@dataclass(frozen=True)
class Step:
    """One step ``source --relation--> target`` with the relation's evidence."""

    source: str
    target: str
    relation: str
    evidence: tuple
    inferred: bool
    rationale: str | None = None

    @property
    def moves(self) -> str:
        """What moves along the step: ``users``, ``data`` or, for other relations, ``other``."""
        return {"userFlowsTo": "users", "dataFlowsTo": "data"}.get(self.relation, "other")

    def to_json(self) -> dict:
        return {
            "from": self.source,
            "to": self.target,
            "relation": self.relation,
            "moves": self.moves,
            "evidence": [dict(e) for e in self.evidence],
            "inferred": self.inferred,
            "rationale": self.rationale,
        }


@dataclass(frozen=True)
class Attachment:
    """``offering`` works with ``product`` on a loop (``relation``: ``supports``,
    ``incentivises`` or ``combinesWith``) and brings the needs it serves into the loop."""

    offering: str
    product: str
    relation: str
    evidence: tuple
    inferred: bool
    rationale: str | None = None

    def to_json(self) -> dict:
        return {"offering": self.offering, "product": self.product, "relation": self.relation,
                "evidence": [dict(e) for e in self.evidence], "inferred": self.inferred,
                "rationale": self.rationale}


@dataclass(frozen=True)
class Walk:
    """A path (``closed=False``) or a loop (``closed=True``) of the map graph.

    ``attached`` holds the offerings that support products of a loop without being on
    the cycle (Mini-Program Cloud behind the mini-program): they count among the loop's
    products and needs, not in its :attr:`length`.
    """

    nodes: tuple
    steps: tuple
    needs: tuple
    closed: bool
    attached: tuple = ()

    @property
    def length(self) -> int:
        """Number of distinct nodes (products of a loop's cycle, attached offerings not counted)."""
        return len(self.nodes)

    @property
    def products(self) -> tuple:
        """The cycle's nodes, then the attached offerings."""
        return self.nodes + tuple(a.offering for a in self.attached)

    @property
    def inferred_steps(self) -> int:
        return sum(1 for s in self.steps if s.inferred)

    @property
    def quotes(self) -> int:
        return sum(len(s.evidence) for s in self.steps)

    def to_json(self, G: nx.MultiDiGraph) -> dict:
        """The JSON contract: ``nodes`` (entities), ``steps``, ``needs``; plus ``serves``.

        ``serves`` maps each node id to the needs and values it contributes.
        """
        return {
            "nodes": [node_entity(G, n) for n in self.nodes],
            "steps": [s.to_json() for s in self.steps],
            "supporting": [dict(a.to_json(), entity=node_entity(G, a.offering)) for a in self.attached],
            "needs": list(self.needs),
            "serves": {
                n: {"needs": list(G.nodes[n].get("needs", [])), "values": list(G.nodes[n].get("values", []))}
                for n in self.products
            },
        }


def _edge_rank(data: dict, key: str, relations: Sequence[str]) -> tuple:
    order = relations.index(key) if key in relations else len(relations)
    return (bool(data.get("inferred")), -len(data.get("evidence") or ()), order, key)


def best_edge(G: nx.MultiDiGraph, u: str, v: str, relations: Sequence[str] = FLOW_RELATIONS) -> Step | None:
    """The best-evidenced edge ``u -> v`` among ``relations``, as a :class:`Step`.

    ``None`` when no such edge exists.
    """
    best = None
    for key, data in (G.get_edge_data(u, v) or {}).items():
        if key not in relations:
            continue
        rank = _edge_rank(data, key, list(relations))
        if best is None or rank < best[0]:
            best = (rank, key, data)
    if best is None:
        return None
    _, key, data = best
    return Step(
        source=u,
        target=v,
        relation=key,
        evidence=tuple(dict(e) for e in data.get("evidence") or ()),
        inferred=bool(data.get("inferred")),
        rationale=data.get("rationale"),
    )


def needs_of(G: nx.MultiDiGraph, nodes: Iterable[str]) -> tuple:
    """The need codes the ``nodes`` together serve, in the model's order."""
    have = {c for n in nodes for c in G.nodes[n].get("needs", ())}
    return tuple(c for c in NEED_CODES if c in have)


def rotate(nodes: Sequence[str], first: str | None = None) -> tuple:
    """The cycle ``nodes`` rotated to begin at ``first`` (default: the smallest id).

    >>> rotate(["c", "a", "b"]), rotate(["c", "a", "b"], "b")
    (('a', 'b', 'c'), ('b', 'c', 'a'))
    """
    nodes = tuple(nodes)
    if not nodes:
        return nodes
    i = nodes.index(first) if first in nodes else nodes.index(min(nodes))
    return nodes[i:] + nodes[:i]


def data_enters(G: nx.MultiDiGraph, v: str) -> bool:
    """Whether a loop or route may enter ``v`` along a data flow: ``v`` turns data into
    reach (role ``reach``, from the class ``cc:ReachActivator``)."""
    return "reach" in (G.nodes[v].get("roles") or ())


def walk(G: nx.MultiDiGraph, nodes: Sequence[str], closed: bool = False,
         relations: Sequence[str] = FLOW_RELATIONS, attached: Sequence[Attachment] = ()) -> Walk:
    """The :class:`Walk` through ``nodes`` (closing back to the first if ``closed``).

    A step follows a data flow only into a product that turns data into reach
    (:func:`data_enters`); elsewhere it follows the other ``relations``.  Raises
    ``ValueError`` when two consecutive nodes are not joined that way.
    """
    nodes = tuple(nodes)
    pairs = list(zip(nodes, nodes[1:]))
    if closed and nodes:
        pairs.append((nodes[-1], nodes[0]))
    steps = []
    for u, v in pairs:
        rels = relations if data_enters(G, v) else tuple(r for r in relations if r != "dataFlowsTo")
        st = best_edge(G, u, v, rels)
        if st is None:
            raise ValueError(f"no {'/'.join(rels)} edge from {u!r} to {v!r}")
        steps.append(st)
    attached = tuple(attached)
    return Walk(nodes=nodes, steps=tuple(steps), needs=needs_of(G, nodes + tuple(a.offering for a in attached)),
                closed=closed, attached=attached)

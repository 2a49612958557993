"""Operating loops: directed cycles of products that close the merchant's loop.

An *operating loop* (经营闭环) is a directed cycle over the user-flow and data-flow
relations between products (``userFlowsTo``, ``dataFlowsTo``) such that, by default,

- the products on it together serve every requested need (all four unless told),
- it passes through payment, "the key cut-in for building the operating loop" (line 46),
- it touches both the public and the private domain: some product on it lives in the
  public domain and some in the private one (a bridge product such as the mini-program
  counts for both), so users cross from one into the other and back.

Each condition can be switched off in :class:`LoopSpec`; ``through`` and ``without``
add products the loop must or must not contain.  :func:`operating_loops` yields the
loops ranked: fewest products first, then stronger evidence (fewer inferred steps,
then more quotes), then by node ids.  It is a generator that searches one length at a
time (iterative deepening over :class:`~ccare.graph.search.CycleSearch`), so a caller
that wants the first few stops the search early.

Examples
--------
>>> from ccare.kb import load
>>> from ccare.graph.build import to_networkx
>>> G = to_networkx(load())
>>> first = next(operating_loops(G))
>>> first.nodes
('payment', 'qipan-miyun', 'alipay-live', 'mini-program')
>>> first.needs
('SCALE', 'ACTIVE', 'WORTH', 'EFFICIENCY')
>>> [w.nodes for w in operating_loops(G, LoopSpec(needs=("WORTH",), domains=False, max_length=3))]
[('payment', 'qipan-miyun', 'alipay-live')]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

import networkx as nx

from ccare.graph.build import FLOW_RELATIONS, flow_graph
from ccare.graph.search import CycleSearch
from ccare.graph.walks import Walk, rotate, walk
from ccare.kb import NEED_CODES
from ccare.limits import Budget

__all__ = [
    "PUBLIC",
    "PRIVATE",
    "HUB",
    "DEFAULT_MAX_LENGTH",
    "MAX_LENGTH",
    "LoopSpec",
    "operating_loops",
    "loop_rank",
    "loop_search",
]

PUBLIC, PRIVATE = "public-domain", "private-domain"

#: The product every operating loop passes through unless told otherwise.
HUB = "payment"

#: Loops longer than this are not searched unless asked (``--max-length``).
DEFAULT_MAX_LENGTH = 8

#: The longest loop anyone may ask for.
MAX_LENGTH = 20


@dataclass(frozen=True)
class LoopSpec:
    """What counts as an operating loop.

    Attributes
    ----------
    needs : tuple of str
        Need codes the loop's products must together serve (default all four).
    payment : bool
        The loop must pass through ``hub`` (payment).
    domains : bool
        The loop must touch both the public and the private domain.
    through, without : tuple of str
        Products the loop must contain, and products it must avoid.
    max_length : int
        Most products on a loop.
    hub : str
        The id of the payment product.
    relations : tuple of str
        Edge keys a loop may follow.
    """

    needs: tuple = NEED_CODES
    payment: bool = True
    domains: bool = True
    through: tuple = ()
    without: tuple = ()
    max_length: int = DEFAULT_MAX_LENGTH
    hub: str = HUB
    relations: tuple = FLOW_RELATIONS

    def accepts(self, G: nx.MultiDiGraph, nodes: Sequence[str]) -> bool:
        """Whether the products ``nodes`` meet this spec (the edges are not checked)."""
        nodes = set(nodes)
        if not nodes or len(nodes) > self.max_length or nodes & set(self.without):
            return False
        if not set(self.through) <= nodes or (self.payment and self.hub not in nodes):
            return False
        if not set(self.needs) <= {c for n in nodes for c in G.nodes[n].get("needs", ())}:
            return False
        doms = {d for n in nodes for d in G.nodes[n].get("domains", ())}
        return not self.domains or {PUBLIC, PRIVATE} <= doms


def loop_rank(w: Walk) -> tuple:
    """Sort key of loops: fewer products, fewer inferred steps, more quotes, then ids."""
    return (w.length, w.inferred_steps, -w.quotes, w.nodes)


def loop_search(G: nx.MultiDiGraph, spec: LoopSpec, weight: dict | None = None,
                extra_anchors: Sequence = ()) -> CycleSearch:
    """The :class:`CycleSearch` over ``G``'s flow graph for ``spec``.

    ``weight`` gives products a cost (see :mod:`ccare.graph.prescribe`); each set in
    ``extra_anchors`` is one more set of products the loop must meet.
    """
    F = flow_graph(G, spec.relations)
    without = set(spec.without)
    succ = {n: [v for v in F.successors(n) if v not in without] for n in F if n not in without}
    provides = {}
    for n in succ:
        d = G.nodes[n]
        provides[n] = {("need", c) for c in d.get("needs", ())} | {("domain", x) for x in d.get("domains", ())}
    required = {("need", c) for c in spec.needs}
    if spec.domains:
        required |= {("domain", PUBLIC), ("domain", PRIVATE)}
    anchors = [{p} for p in spec.through]
    if spec.payment:
        anchors.append({spec.hub})
    anchors += [set(a) for a in extra_anchors]
    return CycleSearch(succ, provides, required, anchors, weight)


def operating_loops(G: nx.MultiDiGraph, spec: LoopSpec = LoopSpec(), budget: Budget | None = None) -> Iterator[Walk]:
    """Yield the operating loops of ``G`` meeting ``spec``, ranked (see :func:`loop_rank`).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The map graph (:func:`ccare.graph.build.to_networkx`); not modified.
    spec : LoopSpec
        What counts as an operating loop.
    budget : ccare.limits.Budget, optional
        Time and step limits; when they run out the generator stops after yielding the
        loops of the length it was searching, and ``budget.cut_short`` is set.

    Yields
    ------
    Walk
        Closed walks, ``nodes`` beginning at payment when the loop passes through it.
    """
    budget = budget if budget is not None else Budget(timeout=None)
    search = loop_search(G, spec)
    for length in range(1, spec.max_length + 1):
        level = [walk(G, rotate(c, spec.hub), closed=True, relations=spec.relations)
                 for c in search.cycles(max_length=length, min_length=length, budget=budget)]
        yield from sorted(level, key=loop_rank)
        if budget.cut_short:
            return

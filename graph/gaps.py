"""Gaps: what a merchant's products leave unserved, and which flows keep its loop open.

:func:`gaps` compares the products a merchant runs with the needs it asks for: the
needs and values none of its products serves (and which products of the map would),
the flows already running between its products, and, from the best prescription
(:mod:`ccare.graph.prescribe`), the flow steps still missing to close an operating
loop, each with its evidence.

Examples
--------
>>> from ccare.kb.model import load
>>> from ccare.graph.build import to_networkx
>>> G = to_networkx(load())
>>> g = gaps(G, ["mini-program", "fan-group"])
>>> g.has  # payment counts as present: every merchant on Alipay takes it
('fan-group', 'mini-program', 'payment')
>>> g.unserved_needs
('EFFICIENCY',)
>>> [(s.source, s.target) for s in g.flows if "payment" not in (s.source, s.target)]
[('mini-program', 'fan-group')]
>>> g.closing.add, [a.offering for a in g.closing.loop.attached]
(('mini-program-cloud',), ['mini-program-cloud'])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import networkx as nx

from ccare.graph.coverage import values_by_need
from ccare.graph.loops import LoopSpec
from ccare.graph.prescribe import Prescription, baseline, prescriptions
from ccare.graph.view import node_entity
from ccare.graph.walks import best_edge
from ccare.limits import Budget

__all__ = ["Gaps", "gaps"]


@dataclass(frozen=True)
class Gaps:
    """The gaps of a merchant running ``has`` and asking for ``needs``.

    ``has`` includes the payment hub unless the merchant does not take Alipay payment;
    ``served`` maps each requested need to the merchant's products serving it;
    ``unserved_values`` holds ``(value, need, offered_by)`` triples; ``flows`` the flow
    steps between the merchant's products; ``closing`` the best prescription (None when
    no loop through the merchant's products can close within the length bound) and
    ``missing`` the steps of its loop that leave or enter a product the merchant lacks.
    """

    has: tuple
    needs: tuple
    served: dict
    unserved_needs: tuple
    served_values: tuple
    unserved_values: tuple
    flows: tuple
    closing: Prescription | None
    missing: tuple

    @property
    def closed(self) -> bool:
        """Whether the merchant's products already contain an operating loop."""
        return self.closing is not None and not self.closing.add

    def to_json(self, G: nx.MultiDiGraph) -> dict:
        return {
            "has": [node_entity(G, n) for n in self.has],
            "needs": {"requested": list(self.needs), "served": {c: list(ps) for c, ps in self.served.items()},
                      "unserved": list(self.unserved_needs)},
            "values": {"served": list(self.served_values),
                       "unserved": [{"value": node_entity(G, v), "need": c, "offered_by": list(o)}
                                    for v, c, o in self.unserved_values]},
            "flows": [s.to_json() for s in self.flows],
            "closed": self.closed,
            "add": [node_entity(G, n) for n in self.closing.add] if self.closing else None,
            "missing": [s.to_json() for s in self.missing],
            "loop": self.closing.loop.to_json(G) if self.closing else None,
        }


def gaps(G: nx.MultiDiGraph, has: Sequence[str], spec: LoopSpec = LoopSpec(),
         budget: Budget | None = None, alipay_payment: bool = True) -> Gaps:
    """The :class:`Gaps` of a merchant running the products ``has`` (ids).

    ``spec.needs`` are the needs the merchant asks for; the closing loop follows
    ``spec``.  Payment counts as present unless ``alipay_payment`` is False (see
    :func:`~ccare.graph.prescribe.baseline`).  ``budget`` bounds the loop search
    (``budget.cut_short`` when it ran out).
    """
    has = tuple(sorted(set(has) | set(baseline(G, alipay_payment))))
    H = set(has)
    served = {c: tuple(p for p in has if c in G.nodes[p].get("needs", ())) for c in spec.needs}
    unserved_needs = tuple(c for c in spec.needs if not served[c])
    by_need = values_by_need(G)
    mine = {v for p in has for v in G.nodes[p].get("values", ())}
    wanted = [(v, c) for c in spec.needs for v in by_need.get(c, [])]
    served_values = tuple(v for v, _ in wanted if v in mine)
    unserved_values = tuple(
        (v, c, tuple(sorted(u for u, _, k in G.in_edges(v, keys=True)
                            if k == "serves" and G.nodes[u].get("kind") == "product")))
        for v, c in wanted if v not in mine
    )
    flows = tuple(st for u in has for v in has if u != v
                  for st in [best_edge(G, u, v, spec.relations)] if st is not None)
    closing = next(prescriptions(G, has, spec, budget=budget, alipay_payment=alipay_payment), None)
    missing = ()
    if closing is not None:
        missing = tuple(s for s in closing.loop.steps if not {s.source, s.target} <= H)
    return Gaps(has, tuple(spec.needs), served, unserved_needs, served_values, unserved_values, flows, closing, missing)

"""What breaks if a product is dropped: the operating loops lost and kept.

:func:`whatif` searches the operating loops of the whole map once and splits them by
whether they pass through the dropped product; the loops kept are exactly those of
the map without it.  It also names the products that could reach payment along the
flows before the drop and no longer can (``stranded``).

Examples
--------
>>> from ccare.kb.model import load
>>> from ccare.graph.build import to_networkx
>>> G = to_networkx(load())
>>> w = whatif(G, "alipay-live")
>>> len(w.lost), len(w.kept)
(7, 6)
>>> all("alipay-live" not in loop.products for loop in w.kept)
True
>>> whatif(G, "payment").stranded
()
>>> whatif(G, "mini-program").stranded
('ant-forest', 'search-promotion')
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from ccare.graph.loops import LoopSpec, hub_of, operating_loops
from ccare.graph.rank import product_flow_digraph
from ccare.graph.view import node_entity, require
from ccare.limits import Budget

__all__ = ["WhatIf", "whatif"]


@dataclass(frozen=True)
class WhatIf:
    """Loops ``lost`` and ``kept`` when ``dropped`` goes, and products ``stranded``."""

    dropped: str
    lost: tuple
    kept: tuple
    stranded: tuple

    def to_json(self, G: nx.MultiDiGraph) -> dict:
        """``{"dropped": entity, "lost": [loop, ...], "kept": [loop, ...], "stranded": [id, ...]}``."""
        return {
            "dropped": node_entity(G, self.dropped),
            "lost": [w.to_json(G) for w in self.lost],
            "kept": [w.to_json(G) for w in self.kept],
            "stranded": list(self.stranded),
        }


def whatif(G: nx.MultiDiGraph, drop: str, spec: LoopSpec = LoopSpec(), budget: Budget | None = None) -> WhatIf:
    """The effect of dropping the product ``drop`` on the operating loops meeting ``spec``.

    A loop is lost when ``drop`` is on its cycle or supports it.  ``stranded`` lists
    products that reach the payment hub along the flows with ``drop``
    and not without it (empty when ``drop`` is the hub itself, since the question
    no longer applies).
    """
    require(G, [drop])
    lost: list = []
    kept: list = []
    for w in operating_loops(G, spec, budget):
        (lost if drop in w.products else kept).append(w)
    D = product_flow_digraph(G, spec.relations)
    stranded = ()
    hub = hub_of(G, spec)
    if hub in D and drop != hub:
        before = nx.ancestors(D, hub)
        if drop in D:
            D.remove_node(drop)
        after = nx.ancestors(D, hub)
        stranded = tuple(sorted(before - after - {drop}))
    return WhatIf(drop, tuple(lost), tuple(kept), stranded)

"""Which products serve which needs and values: the product × need/value matrix.

Values hang under their need by ``skos:broader`` in the map graph; a product serves a
value by ``serves``.  :func:`coverage` turns that into one row per product, each cell
saying whether the product serves the value, by a stated or only an inferred
assertion.

Examples
--------
>>> from ccare.kb.model import load
>>> from ccare.graph.build import to_networkx
>>> G = to_networkx(load())
>>> values_by_need(G)["ACTIVE"]
['interactive', 'value-adding']
>>> row = coverage(G, ["fan-group"])[0]
>>> row.needs, row.values["interactive"], row.values["reachable"]
(('ACTIVE', 'WORTH'), 'stated', None)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import networkx as nx

from ccare.graph.view import node_entity, products
from ccare.ontology.vocab import NEED_CODES

__all__ = ["values_by_need", "need_of_values", "CoverageRow", "coverage"]


def need_of_values(G: nx.MultiDiGraph) -> dict:
    """Value id -> need code, from the ``skos:broader`` edges of value nodes."""
    out = {}
    for v, kind in G.nodes(data="kind"):
        if kind != "value":
            continue
        for _, n, key in G.out_edges(v, keys=True):
            if key == "skos:broader" and G.nodes[n].get("code"):
                out[v] = G.nodes[n]["code"]
    return out


def values_by_need(G: nx.MultiDiGraph) -> dict:
    """Need code -> sorted value ids under it (every need code present, maybe empty)."""
    out: dict[str, list] = {c: [] for c in NEED_CODES}
    for v, code in need_of_values(G).items():
        out.setdefault(code, []).append(v)
    return {c: sorted(vs) for c, vs in out.items()}


@dataclass(frozen=True)
class CoverageRow:
    """One product: the needs it serves and, per value, ``"stated"``, ``"inferred"`` or None."""

    product: str
    needs: tuple
    values: dict

    def to_json(self, G: nx.MultiDiGraph) -> dict:
        d = node_entity(G, self.product)
        d["needs"] = list(self.needs)
        d["values"] = {v: s is not None for v, s in self.values.items()}
        d["inferred"] = sorted(v for v, s in self.values.items() if s == "inferred")
        return d


def coverage(G: nx.MultiDiGraph, which: Sequence[str] | None = None) -> list[CoverageRow]:
    """The coverage rows of the products ``which`` (default: every product, by id).

    Cells cover every value of the four needs, in need order, then value id.
    """
    by_need = values_by_need(G)
    columns = [v for c in NEED_CODES for v in by_need.get(c, [])]
    rows = []
    for p in (list(which) if which is not None else products(G)):
        cells = {}
        for v in columns:
            data = (G.get_edge_data(p, v) or {}).get("serves")
            cells[v] = None if data is None else ("inferred" if data.get("inferred") else "stated")
        rows.append(CoverageRow(p, tuple(G.nodes[p].get("needs", ())), cells))
    return rows

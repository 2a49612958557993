"""Node positions for the map page, computed in Python so the page draws at once.

The layout mirrors the C-CARE model: the customer asset at the centre, the four needs
around it, each need's values beside it, then the products, then programmes, domains,
scenes, advantages, cases and practices, and the quantitative facts outside.  Each ring
is an annulus sized to hold its nodes; a node's angle is the circular mean of the angles
of its neighbours in inner rings, so a product sits near the needs it serves and a fact
near what it measures.  Cost: ``O(E + N log N)``, no iteration to convergence.

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("n", kind="need", code="SCALE"); G.add_node("p", kind="product")
>>> G.add_edge("p", "n", key="serves")
'serves'
>>> pos = radial_layout(G)
>>> sorted(pos), all(isinstance(c, float) for xy in pos.values() for c in xy)
(['n', 'p'], True)
>>> abs(pos["p"][0]) + abs(pos["p"][1]) > abs(pos["n"][0]) + abs(pos["n"][1])
True
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import networkx as nx

__all__ = ["RING_OF_KIND", "CENTRE_TYPES", "radial_layout"]

#: ring index of each node kind (0 is the centre)
RING_OF_KIND = {
    "centre": 0,
    "need": 1,
    "value": 2,
    "product": 3,
    "programme": 4,
    "domain": 4,
    "scene": 4,
    "advantage": 4,
    "case": 4,
    "practice": 4,
    "fact": 5,
    "other": 5,
}

#: types (as ``to_networkx`` prefixes them) drawn at the centre
CENTRE_TYPES = ("cc:CustomerAsset", "cc:OperatingModel")

_NEED_ORDER = ("SCALE", "ACTIVE", "WORTH", "EFFICIENCY")
_TAU = 2 * math.pi


def _ring(d: dict) -> int:
    if d.get("type") in CENTRE_TYPES:
        return 0
    return RING_OF_KIND.get(d.get("kind") or "other", RING_OF_KIND["other"])


def _circular_mean(angles: list[float]) -> float | None:
    if not angles:
        return None
    x = sum(math.cos(a) for a in angles)
    y = sum(math.sin(a) for a in angles)
    if abs(x) < 1e-9 and abs(y) < 1e-9:
        return angles[0]
    return math.atan2(y, x) % _TAU


def _need_rank(n, d) -> tuple:
    code = d.get("code")
    return (_NEED_ORDER.index(code) if code in _NEED_ORDER else len(_NEED_ORDER), str(n))


def radial_layout(G: nx.MultiDiGraph, spacing: float = 90.0, gap: float = 115.0) -> dict:
    """Positions ``{node: (x, y)}`` for every node of ``G`` (a ``to_networkx`` graph).

    ``spacing`` is the distance the layout keeps between neighbouring nodes of a ring,
    ``gap`` the least width of a ring.  Deterministic: the same graph gives the same
    positions.  ``G`` is only read.
    """
    rings: dict[int, list] = defaultdict(list)
    for n, d in G.nodes(data=True):
        rings[_ring(d)].append(n)
    adj: dict = defaultdict(set)
    for u, v in G.edges():
        if u != v:
            adj[u].add(v)
            adj[v].add(u)
    angle: dict = {}
    pos: dict = {}
    r_in = 0.0
    for ring in sorted(rings):
        members = rings[ring]
        if ring == RING_OF_KIND["need"]:
            # clockwise from the top left, as the C-CARE model is drawn (screen y points down)
            members.sort(key=lambda n: _need_rank(n, G.nodes[n]))
            targets: dict[Any, float | None] = {n: None for n in members}
        else:
            targets = {n: _circular_mean([angle[m] for m in adj[n] if m in angle]) for n in members}
            # nodes without placed neighbours go after the others, in id order
            members.sort(key=lambda n: (targets[n] is None, targets[n] or 0.0, str(n)))
        k = len(members)
        # the needs get a wider ring: their long labels sit side by side around the centre
        width = gap * (1.6 if ring == RING_OF_KIND["need"] else 1.0)
        if k * spacing <= _TAU * (r_in + width / 2):
            tracks, r_out = 1, r_in + width  # one circle holds them
        else:  # an annulus of several tracks, its area sized to the nodes
            r_out = max(r_in + width, math.sqrt(r_in * r_in + k * spacing * spacing / math.pi))
            tracks = max(1, round((r_out - r_in) / spacing))
        step = _TAU / k
        # rotate the evenly spaced slots to sit as close as possible to the targets
        offs = [(t - i * step) for i, n in enumerate(members) if (t := targets[n]) is not None]
        offset = (
            (_circular_mean([o % _TAU for o in offs]) or 0.0)  # not None: offs is not empty
            if offs
            else (1.25 * math.pi if ring == RING_OF_KIND["need"] else 0.0)
        )
        if ring == 0 and k == 1:
            pos[members[0]] = (0.0, 0.0)
            angle[members[0]] = 0.0
            r_in = r_out
            continue
        for i, n in enumerate(members):
            a = (offset + i * step) % _TAU
            t = i % tracks
            r = r_in + (t + 0.5) * (r_out - r_in) / tracks
            pos[n] = (round(r * math.cos(a), 1), round(r * math.sin(a), 1))
            angle[n] = a
        r_in = r_out
    return pos

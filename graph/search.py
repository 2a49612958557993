"""Constrained enumeration of directed simple cycles, pruned while it searches.

:class:`CycleSearch` finds the simple cycles of a directed graph that

- collect every *required item* (e.g. a need, a domain) from the nodes they pass,
- pass through at least one node of each *anchor* set (e.g. ``{"payment"}``),
- have between ``min_length`` and ``max_length`` nodes, and optionally a total node
  *weight* in a range (used to count products a merchant would have to add).

It does not list all simple cycles and filter them.  Like Johnson's algorithm it
starts each cycle at a canonical node, so every cycle is found exactly once and never
as a rotation of another: the starts are the nodes of the smallest anchor set (all
nodes when there is none), in sorted order, and a search from start ``s`` never visits
an earlier start.  A depth-first search from ``s`` then cuts a branch as soon as

- the items still missing cannot be covered by as few nodes as the length bound
  leaves (a set-cover lower bound, computed once by dynamic programming over subsets
  of the required items), or cannot be covered within the weight bound;
- the way back to ``s`` is longer than the nodes left (breadth-first distances to
  ``s`` over the nodes the search may still use);
- some required item is offered by no node the search from ``s`` may use.

Each expanded node is one step of the shared :class:`~ccare.limits.Budget`; when the
budget runs out the search stops and ``budget.cut_short`` says so.

Examples
--------
>>> succ = {"a": ["b"], "b": ["c", "a"], "c": ["a"]}
>>> provides = {"a": {"x"}, "b": set(), "c": {"y"}}
>>> s = CycleSearch(succ, provides, required={"x", "y"})
>>> list(s.cycles(max_length=3))
[('a', 'b', 'c')]
>>> s = CycleSearch(succ, provides, required={"x"}, anchors=[{"b"}])
>>> sorted(s.cycles(max_length=3))
[('b', 'a'), ('b', 'c', 'a')]
>>> sorted(CycleSearch(succ, provides, weight={"c": 1}).cycles(max_length=3, max_cost=0))
[('a', 'b')]
"""

from __future__ import annotations

import copy
from collections import deque
from typing import Hashable, Iterable, Iterator, Mapping

from ccare.limits import Budget

__all__ = ["CycleSearch"]

_INF = float("inf")

#: Above this many required items (bits), the exact set-cover bound is replaced by a
#: coarser one, so the table stays small.
_MAX_DP_BITS = 14

#: Distances to a start are kept (and shared by :meth:`CycleSearch.rebased` copies) when a
#: search has at most this many starts.
_KEEP_STARTS = 8

#: Set-cover tables kept per search graph (each at most 2 ** _MAX_DP_BITS entries).
_KEEP_TABLES = 256


class CycleSearch:
    """Cycles of ``succ`` that collect ``required`` items and meet every anchor set.

    Parameters
    ----------
    succ : mapping node -> iterable of nodes
        The directed graph (successor lists).  Nodes missing as keys have no successors.
    provides : mapping node -> set of items
        What each node contributes to the cycle (any hashable items).
    required : iterable of items
        Items the cycle's nodes must together provide.
    anchors : iterable of sets of nodes
        The cycle must pass through at least one node of each set.
    weight : mapping node -> non-negative int, optional
        Node weights for ``min_cost``/``max_cost`` (default 0 for every node).
    members : mapping node -> frozenset, optional
        What each node stands for (default: the node itself).  A cycle never holds two
        nodes whose members meet: a product and the same product with a supporting
        offering attached are two nodes of the search, and one cycle takes only one of
        them, and no offering twice.
    """

    def __init__(
        self,
        succ: Mapping[Hashable, Iterable[Hashable]],
        provides: Mapping[Hashable, Iterable[Hashable]] | None = None,
        required: Iterable[Hashable] = (),
        anchors: Iterable[Iterable[Hashable]] = (),
        weight: Mapping[Hashable, int] | None = None,
        members: Mapping[Hashable, frozenset] | None = None,
    ):
        provides = provides or {}
        nodes = set(succ) | {v for vs in succ.values() for v in vs} | set(provides)
        self.order = sorted(nodes, key=str)
        self.rank = {n: i for i, n in enumerate(self.order)}
        self.succ = {n: sorted(set(succ.get(n, ())), key=self.rank.__getitem__) for n in self.order}
        self.pred: dict = {n: [] for n in self.order}
        for u, vs in self.succ.items():
            for v in vs:
                self.pred[v].append(u)
        items = sorted({*required}, key=repr)
        bit = {it: 1 << i for i, it in enumerate(items)}
        self._items = len(items)
        self._item_mask = {}
        for n in self.order:
            m = 0
            for it in provides.get(n, ()):
                m |= bit.get(it, 0)
            self._item_mask[n] = m
        self.members = {n: frozenset((members or {}).get(n, (n,))) for n in self.order}
        self._groups: dict = {}  # item mask -> the nodes with it
        for n in self.order:
            self._groups.setdefault(self._item_mask[n], []).append(n)
        self._distances: dict = {}  # shared by rebased copies: the graph is the same
        self._tables: dict = {}  # set-cover tables by the covers they were made of, shared alike
        self._rebase(anchors, weight)

    def _rebase(self, anchors, weight) -> None:
        """What depends on the anchors and the weights (the rest is the graph's)."""
        anchors = [set(a) & self.rank.keys() for a in anchors]
        nb = self._items
        self.anchor_bits = [1 << (nb + j) for j in range(len(anchors))]
        self.required = (1 << (nb + len(anchors))) - 1
        self.mask = dict(self._item_mask)
        for j, a in enumerate(anchors):
            for n in a:
                self.mask[n] |= self.anchor_bits[j]
        self.weight = {n: int((weight or {}).get(n, 0)) for n in self.order}
        self.anchors = anchors
        self._anchored = set().union(*anchors)
        self._min_count = self._cover_table(None)
        self._min_cost = self._cover_table(self.weight)

    def rebased(self, anchors: Iterable[Iterable[Hashable]] = (),
                weight: Mapping[Hashable, int] | None = None) -> "CycleSearch":
        """The same search with other ``anchors`` and ``weight``: the graph, the items and
        the members are shared, not computed again (many questions on one graph).

        >>> s = CycleSearch({"a": ["b"], "b": ["a", "c"], "c": ["a"]})
        >>> sorted(s.rebased(anchors=[{"c"}]).cycles(max_length=3)), sorted(s.cycles(max_length=3))
        ([('c', 'a', 'b')], [('a', 'b'), ('a', 'b', 'c')])
        """
        new = copy.copy(self)
        new._rebase(anchors, weight)
        return new

    # ------------------------------------------------------------------ bounds

    def _cover_table(self, weight: dict | None) -> dict | None:
        """Least total weight of nodes (1 each when ``weight`` is None) covering each
        subset of the required bits."""
        R = self.required
        if R.bit_count() > _MAX_DP_BITS:
            return None
        # the cheapest node of each item mask, then the anchored nodes with their anchor bits
        # (an anchored node also counts at its item mask alone: a cover it dominates, which
        # changes no least cost)
        best_q: dict = {}
        for q, nodes in self._groups.items():
            if q:
                best_q[q] = 1 if weight is None else min(map(weight.__getitem__, nodes))
        for n in self._anchored:
            q = self.mask[n] & R
            c = 1 if weight is None else weight[n]
            if c < best_q.get(q, _INF):
                best_q[q] = c
        key = (R, frozenset(best_q.items()))
        cached = self._tables.get(key)
        if cached is not None:  # another search on this graph had the same covers
            return cached
        # the node sets that cover each bit, so each subset looks only at those covering its lowest bit
        by_bit = {1 << b: [(q, c) for q, c in best_q.items() if q >> b & 1] for b in range(R.bit_length())}
        table: dict[int, float] = {0: 0}
        # submasks of R in increasing order: every proper submask comes first
        subs = []
        sub = R
        while True:
            subs.append(sub)
            if sub == 0:
                break
            sub = (sub - 1) & R
        for m in reversed(subs):
            if m == 0:
                continue
            best = _INF
            for q, c in by_bit[m & -m]:  # some node must cover the lowest missing bit
                v = c + table[m & ~q]
                if v < best:
                    best = v
            table[m] = best
        if len(self._tables) < _KEEP_TABLES:
            self._tables[key] = table
        return table

    def min_nodes(self, missing: int) -> float:
        """Lower bound on the nodes needed to provide the ``missing`` bits."""
        if self._min_count is not None:
            return self._min_count[missing]
        widest = max((self.mask[n] & self.required).bit_count() for n in self.order) or 1
        return -(-missing.bit_count() // widest)

    def _min_weight(self, missing: int) -> float:
        return self._min_cost[missing] if self._min_cost is not None else 0

    def _distances_to(self, s, allowed: set, depth: int) -> dict:
        """Distances to ``s`` over ``allowed`` nodes, up to ``depth`` (farther nodes cannot
        get back within the length bound, so they are left out)."""
        dist = {s: 0}
        queue = deque([s])
        while queue:
            v = queue.popleft()
            d = dist[v] + 1
            if d > depth:
                continue
            for u in self.pred[v]:
                if u in allowed and u not in dist:
                    dist[u] = d
                    queue.append(u)
        return dist

    # ------------------------------------------------------------------ search

    def starts(self) -> list:
        """The canonical start nodes: the smallest anchor set, else every node."""
        if self.anchors:
            smallest = min(self.anchors, key=lambda a: (len(a), sorted(map(str, a))))
            return sorted(smallest, key=self.rank.__getitem__)
        return list(self.order)

    def cycles(
        self,
        max_length: int,
        min_length: int = 1,
        max_cost: float | None = None,
        min_cost: float | None = None,
        budget: Budget | None = None,
    ) -> Iterator[tuple]:
        """Yield each qualifying cycle once, as a node tuple beginning at its canonical start.

        The order is that of the depth-first search (by start, then by sorted successors);
        callers that rank results collect and sort them.  Stops early, with
        ``budget.cut_short`` set, when ``budget`` runs out.
        """
        budget = budget if budget is not None else Budget(timeout=None)
        R = self.required
        if any(not a for a in self.anchors) or self.min_nodes(R) > max_length:
            return
        if max_cost is not None and self._min_weight(R) > max_cost:
            return
        starts = self.starts()
        # items offered by the nodes a search from starts[i] may use (starts[i:] and the
        # nodes that are no start), kept as suffix masks instead of recomputed per start
        avail = [0] * (len(starts) + 1)
        for n in set(self.order) - set(starts):
            avail[-1] |= self.mask[n]
        for i in range(len(starts) - 1, -1, -1):
            avail[i] = avail[i + 1] | self.mask[starts[i]]
        allowed = set(self.order)
        for i, s in enumerate(starts):
            if budget.cut_short:
                return
            if not R & ~avail[i]:
                # kept for the few starts of anchored searches (the payment hub's variants), which
                # every search with other weights or costs repeats; key: s, and what allowed holds
                key = (s, tuple(starts[:i]), max_length - 1) if len(starts) <= _KEEP_STARTS else None
                dist = self._distances.get(key)
                if dist is None:
                    dist = self._distances_to(s, allowed, max_length - 1)
                    if key is not None:
                        self._distances[key] = dist
                yield from self._dfs(s, allowed, dist, max_length, min_length, max_cost, min_cost, budget)
            allowed.discard(s)

    def _dfs(self, s, allowed, dist, hi, lo, cmax, cmin, budget) -> Iterator[tuple]:
        R = self.required
        path = [s]
        members = self.members
        used = set(members[s])  # what the nodes on the path stand for
        # stack of (successor iterator, mask, cost) per path position
        stack = [(iter(self.succ[s]), self.mask[s], self.weight[s])]
        while stack:
            it, mask, cost = stack[-1]
            w = next(it, None)
            if w is None:
                stack.pop()
                used.difference_update(members[path.pop()])
                continue
            if not budget.tick():
                return
            m = len(path)
            if w == s:
                if lo <= m and (mask & R) == R and (cmin is None or cost >= cmin):
                    yield tuple(path)
                continue
            if w not in allowed or w not in dist or not used.isdisjoint(members[w]):
                continue
            m2 = m + 1
            left = hi - m2  # nodes that may still be added after w
            if left < 0 or dist[w] - 1 > left:
                continue
            mask2 = mask | self.mask[w]
            missing = R & ~mask2
            if missing and self.min_nodes(missing) > left:
                continue
            cost2 = cost + self.weight[w]
            if cmax is not None and cost2 + (self._min_weight(missing) if missing else 0) > cmax:
                continue
            path.append(w)
            used.update(members[w])
            stack.append((iter(self.succ[w]), mask2, cost2))

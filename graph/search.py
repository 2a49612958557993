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
- with a cost bound, the cost so far plus what the missing items cost at least, or 1
  when no way back to ``s`` passes only nodes of weight 0, exceeds it;
- an anchor set the path has not met yet cannot be reached and left for ``s`` in the
  nodes left (breadth-first distances to each anchor set);
- some required item is offered by no node the search from ``s`` may use.

A search asked at several cost bounds in turn keeps each start's first steps with their
least cost, so a bound looks only at the first steps within it.  Many searches on one
graph share its setup: :meth:`CycleSearch.rebased` sets other anchors and weights, and
:meth:`CycleSearch.reweighted` changes a few weights and adds anchors, deriving the
set-cover tables from the shared search's instead of building them again.

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

#: Distance tables (to a start, to an anchor set) kept per search graph: the starts of
#: questions anchored on a merchant's own products differ from merchant to merchant.
_KEEP_DISTANCES = 512


def _essential(anchors: list) -> list:
    """``anchors`` without the sets that hold another of them (a cycle meeting the smaller
    set meets the larger one): the same cycles, fewer conditions to carry."""
    out = []
    for i, a in enumerate(anchors):
        if not any(b <= a and (len(b) < len(a) or j < i) for j, b in enumerate(anchors) if j != i):
            out.append(a)
    return out


def _derived(base, R0: int, R: int, covers: dict):
    """The least-cost cover table over the bits ``R`` from ``base`` (the table over ``R0``,
    a prefix of ``R``'s bits) and ``covers`` (bits -> cost) of the nodes whose bits grew or
    whose cost fell: exact, since a cover using none of those nodes is one of ``base``'s."""
    # a node no cheaper than the base's cover of its bits changes no least cost
    tried = [(q, c) for q, c in covers.items() if q & ~R0 or c < base[q]]
    if not tried and R == R0:
        return base
    table: list[float] = [0] * (R + 1)
    for m in range(1, R + 1):  # R is all ones: every proper submask of m comes before m
        best = base[m] if not m & ~R0 else _INF
        for q, c in tried:
            if q & m:
                v = c + table[m & ~q]
                if v < best:
                    best = v
        table[m] = best
    return table


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
        self._onward: dict = {}  # shared alike: the successors of a start that may lead back to it
        self._tables: dict = {}  # set-cover tables by the covers they were made of, shared alike
        self._to_anchor: dict = {}  # anchor set -> each node's distance to it, shared alike
        self.cut_by_cost = False  # whether the last cycles() left a branch out by its max_cost
        self._rebase(anchors, weight)

    def _rebase(self, anchors, weight) -> None:
        """What depends on the anchors and the weights (the rest is the graph's)."""
        anchors = _essential([set(a) & self.rank.keys() for a in anchors])
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
        self._per_search()

    def _per_search(self) -> None:
        self._avail: list | None = None  # items available to a search from each start (cycles)
        self._back: dict = {}  # start -> the nodes that can get back to it at no cost
        self._free: set | None = None  # the nodes of weight 0
        self._first: dict = {}  # (start, what it may use, length) -> its first steps with their least cost
        self._anchor_memo: dict = {}  # this search's distances to its anchor sets

    def _weightless(self) -> set:
        if self._free is None:
            self._free = {n for n, c in self.weight.items() if not c}
        return self._free

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

    def reweighted(self, changes: Mapping[Hashable, int] = {},
                   anchors: Iterable[Iterable[Hashable]] = ()) -> "CycleSearch":
        """This search with the weights of some nodes changed (``changes``: node -> weight)
        and more ``anchors``: the same cycles as :meth:`rebased` with all the weights and
        anchor sets gives, found with less setup when the weights only fall.  Then the
        set-cover tables are derived from this search's: a cover that uses no changed node
        costs what it cost here, so only the covers of the changed and newly anchored nodes
        are tried on top (many questions that differ from a shared search in a few nodes).

        >>> s = CycleSearch({"a": ["b"], "b": ["a", "c"], "c": ["a"]}, weight={"a": 1, "b": 1, "c": 1})
        >>> t = s.reweighted({"c": 0}, anchors=[{"c"}])
        >>> sorted(t.cycles(max_length=3, max_cost=2)), sorted(s.cycles(max_length=3, max_cost=2))
        ([('c', 'a', 'b')], [('a', 'b')])
        """
        weight = dict(self.weight)
        lowered = True
        for n, c in changes.items():
            if n in weight:
                c = int(c)
                lowered = lowered and c <= weight[n]
                weight[n] = c
        extra = [set(a) & self.rank.keys() for a in anchors]
        if not lowered or self._min_count is None or self._min_cost is None:
            return self.rebased([*self.anchors, *extra], weight)
        new = copy.copy(self)
        # the anchors kept as they are (their bits too), the new ones that add a condition after them
        added = [a for a in _essential([*self.anchors, *extra])
                 if not any(a is b for b in self.anchors)]
        R0, nb = self.required, self._items + len(self.anchors)
        new.anchor_bits = self.anchor_bits + [1 << (nb + j) for j in range(len(added))]
        new.required = R = (1 << (nb + len(added))) - 1
        new.anchors = self.anchors + added
        changed = {n for n in changes if n in weight and weight[n] != self.weight[n]}
        if added:
            new.mask = dict(self.mask)
            for j, a in enumerate(added):
                for n in a:
                    new.mask[n] |= new.anchor_bits[len(self.anchors) + j]
            new._anchored = self._anchored.union(*added)
            changed.update(*added)
        new.weight = weight
        mask = new.mask
        count: dict = {}
        cost: dict = {}
        for n in changed:
            q = mask[n] & R
            if q:
                c = weight[n]
                if c < cost.get(q, _INF):
                    cost[q] = c
                if q & ~R0:  # newly anchored: a cover the count table did not have
                    count[q] = 1
        new._min_count = _derived(self._min_count, R0, R, count)
        new._min_cost = _derived(self._min_cost, R0, R, cost)
        new._per_search()
        new._free = {n for n in self._weightless() if not weight[n]} | {n for n in changes if n in weight
                                                                        and not weight[n]}
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

    def _distances_to(self, targets, allowed: set | None, depth: int) -> dict:
        """Distances to the nearest of ``targets`` over ``allowed`` nodes (all when
        ``None``), up to ``depth`` (farther nodes cannot get there within the length bound,
        so they are left out)."""
        dist = dict.fromkeys(targets, 0)
        queue = deque(dist)
        while queue:
            v = queue.popleft()
            d = dist[v] + 1
            if d > depth:
                continue
            for u in self.pred[v]:
                if (allowed is None or u in allowed) and u not in dist:
                    dist[u] = d
                    queue.append(u)
        return dist

    # ------------------------------------------------------------------ search

    def starts(self) -> list:
        """The canonical start nodes: the smallest anchor set (of two as small, the one
        given last: a question's own condition, such as a merchant's products, rather
        than the hub every question shares), else every node."""
        if self.anchors:
            smallest = min(reversed(self.anchors), key=len)
            return sorted(smallest, key=self.rank.__getitem__)
        return list(self.order)

    def _distances_to_anchor(self, a: set, depth: int) -> dict:
        """Each node's distance to the nearest node of ``a`` (0 in it), up to ``depth``,
        over the whole graph: a lower bound for any search, whatever it may not use."""
        key = (frozenset(a), depth)
        dist = self._anchor_memo.get(key)
        if dist is None:
            dist = self._to_anchor.get(key)
        if dist is None:
            dist = self._distances_to(sorted(a, key=self.rank.__getitem__), None, depth)
            if len(self._to_anchor) < _KEEP_DISTANCES:
                self._to_anchor[key] = dist
        self._anchor_memo[key] = dist
        return dist

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
        ``budget.cut_short`` set, when ``budget`` runs out.  Once the cycles are all
        yielded, ``cut_by_cost`` says whether ``max_cost`` left some branch out: when it
        did not, no cycle costs more, and a caller raising the bound level by level may stop.
        """
        budget = budget if budget is not None else Budget(timeout=None)
        R = self.required
        self.cut_by_cost = False
        if any(not a for a in self.anchors) or self.min_nodes(R) > max_length:
            return
        if max_cost is not None and self._min_weight(R) > max_cost:
            self.cut_by_cost = True
            return
        starts = self.starts()
        avail = self._avail
        if avail is None:
            # items offered by the nodes a search from starts[i] may use (starts[i:] and the
            # nodes that are no start), kept as suffix masks instead of recomputed per start
            avail = [0] * (len(starts) + 1)
            for n in set(self.order) - set(starts):
                avail[-1] |= self.mask[n]
            for i in range(len(starts) - 1, -1, -1):
                avail[i] = avail[i + 1] | self.mask[starts[i]]
            self._avail = avail
        allowed = None  # the nodes a search from starts[i] may use: all but the earlier starts
        for i, s in enumerate(starts):
            if budget.cut_short:
                return
            if not R & ~avail[i]:
                # kept for the few starts of anchored searches (the payment hub's variants), which
                # every search with other weights or costs repeats; key: s, and what allowed holds
                key = (s, tuple(starts[:i]), max_length - 1) if len(starts) <= _KEEP_STARTS else None
                dist = self._distances.get(key)
                if dist is None:
                    if allowed is None:
                        allowed = set(self.order).difference(starts[:i])
                    dist = self._distances_to((s,), allowed, max_length - 1)
                    if key is not None and len(self._distances) < _KEEP_DISTANCES:
                        self._distances[key] = dist
                reach = self._reach(s, dist, max_length)
                if reach is None:  # no node of some anchor set can get back to s
                    if allowed is not None:
                        allowed.discard(s)
                    continue
                back = first = None
                if max_cost is not None:
                    back = self._free_way_back(s)
                    if key is not None:
                        first = self._first.get(key)
                        if first is None:
                            first = self._first[key] = self._first_steps(s, key, dist, back, max_length)
                        within = [w for w, least in first if least <= max_cost]
                        if len(within) < len(first):
                            self.cut_by_cost = True
                        first = within
                yield from self._dfs(s, dist, back, max_length, min_length, max_cost, min_cost, budget, first,
                                     reach)
            if allowed is not None:
                allowed.discard(s)

    def _reach(self, s, dist: dict, hi: int) -> list | None:
        """``[(bit, distances to the set, least distance back to s from it)]`` for each
        anchor set that ``s`` is not in (a cycle from ``s`` goes to a node of it, then back
        to ``s``), or ``None`` when no node of some set can get back to ``s`` in time."""
        out = []
        for bit, a in zip(self.anchor_bits, self.anchors):
            if not self.mask[s] & bit:
                near = [dist[x] for x in a if x in dist]
                if not near:
                    return None
                out.append((bit, self._distances_to_anchor(a, hi - 1), min(near)))
        return out

    def _free_way_back(self, s) -> set:
        """The nodes with a way back to ``s`` through nodes of weight 0 only (``s`` is the
        next node, or one of weight 0 from which such a way leads): from any other node the
        rest of a cycle costs at least 1.  The nodes already on the path and those a search
        from ``s`` may not use are not excluded, so this is a bound, never a cut too many."""
        back = self._back.get(s)
        if back is None:
            succ = self.succ
            free = self._weightless() - {s}
            home = {s}
            grew = True
            while grew:
                grew = False
                for z in free:
                    if z not in home and not home.isdisjoint(succ[z]):
                        home.add(z)
                        grew = True
            back = self._back[s] = set().union(*(self.pred[z] for z in home))
        return back

    def _first_steps(self, s, key, dist, back, hi) -> list:
        """``(w, least)`` for the successors ``w`` of ``s`` that a cycle of at most ``hi``
        nodes from ``s`` may take first, ``least`` the least cost of such a cycle through
        ``s`` and ``w`` by the bounds of :meth:`_dfs` (the same bounds: a cost level then
        looks only at the first steps within it, however many successors ``s`` has)."""
        onward = self._onward.get(key)
        if onward is None:  # what depends on the graph alone: near enough to s, standing for other things
            mine = self.members[s]
            onward = [w for w in self.succ[s] if w == s or (w in dist and mine.isdisjoint(self.members[w]))]
            if len(self._onward) < _KEEP_DISTANCES:
                self._onward[key] = onward
        R, masks, weights = self.required, self.mask, self.weight
        count = self._min_count if self._min_count is not None else _Fallback(self)
        cost_of = self._min_cost if self._min_cost is not None else _Zero()
        ms, ws, left = masks[s], weights[s], hi - 2
        out: list = []
        for w in onward:
            if w == s:
                out.append((w, ws))  # the cycle of s alone
                continue
            missing = R & ~(ms | masks[w])
            if missing and count[missing] > left:
                continue
            # as in _dfs: what the missing items cost, else 1 when the way back costs something
            out.append((w, ws + weights[w] + (cost_of[missing] or (w not in back))))
        return out

    def _dfs(self, s, dist, back, hi, lo, cmax, cmin, budget, first=None, reach=()) -> Iterator[tuple]:
        """The cycles from ``s`` over the nodes of ``dist`` (those the search may use, by
        their distance back to ``s``); ``back``: :meth:`_free_way_back`, with ``cmax``;
        ``first``: the successors of ``s`` worth trying (default all); ``reach``:
        :meth:`_reach` (a branch that cannot pass a missing anchor set and get back to
        ``s`` in the nodes left is cut)."""
        R = self.required
        path = [s]
        members, masks, weights, succ = self.members, self.mask, self.weight, self.succ
        count = self._min_count if self._min_count is not None else _Fallback(self)
        cost_of = self._min_cost if self._min_cost is not None else _Zero()
        tick = budget.tick
        # without a step limit, steps are counted 64 at a time (and the clock read then); with
        # one, each step counts, so that a search stops at the exact step
        batch = 1 if budget.max_steps is not None else 64
        pending = 0
        cut = False  # a branch was cut by the cost bound
        anchors_missing = 0
        for bit, _, _ in reach or ():
            anchors_missing |= bit
        used = set(members[s])  # what the nodes on the path stand for
        # stack of (successor iterator, mask, cost) per path position
        stack = [(iter(succ[s] if first is None else first), masks[s], weights[s])]
        try:
            while stack:
                it, mask, cost = stack[-1]
                w = next(it, None)
                if w is None:
                    stack.pop()
                    used.difference_update(members[path.pop()])
                    continue
                pending += 1
                if pending == batch:
                    pending = 0
                    if not tick(batch):
                        return
                m = len(path)
                if w == s:
                    if (lo <= m and (mask & R) == R and (cmin is None or cost >= cmin)
                            and (cmax is None or cost <= cmax)):
                        yield tuple(path)
                    continue
                d = dist.get(w)  # None: not to be used, or too far from s to get back
                left = hi - m - 1  # nodes that may still be added after w
                if d is None or d - 1 > left:
                    continue
                if cmax is not None:
                    cost2 = cost + weights[w]
                    if cost2 > cmax:
                        cut = True
                        continue
                if not used.isdisjoint(members[w]):
                    continue
                mask2 = mask | masks[w]
                missing = R & ~mask2
                if missing and count[missing] > left:
                    continue
                if reach and missing & anchors_missing:
                    far = False
                    for bit, to_anchor, least_back in reach:
                        if missing & bit:
                            d_a = to_anchor.get(w)
                            if d_a is None or d_a + least_back - 1 > left:
                                far = True
                                break
                    if far:
                        continue
                if cmax is not None:
                    more = cost_of[missing] if missing else 0
                    if not more and w not in back:
                        more = 1  # the way back to s passes a node that costs something
                    if cost2 + more > cmax:
                        cut = True
                        continue
                else:
                    cost2 = cost + weights[w]
                path.append(w)
                used.update(members[w])
                stack.append((iter(succ[w]), mask2, cost2))
        finally:  # also when the caller stops early: every step is counted
            if pending:
                tick(pending)
            if cut:
                self.cut_by_cost = True


class _Fallback:
    """``search.min_nodes`` as a table (more required bits than the exact table allows)."""

    def __init__(self, search: CycleSearch):
        self.widest = max((search.mask[n] & search.required).bit_count() for n in search.order) or 1

    def __getitem__(self, missing: int) -> int:
        return -(-missing.bit_count() // self.widest)


class _Zero:
    """No cost bound: every missing set costs 0 more."""

    def __getitem__(self, missing: int) -> int:
        return 0

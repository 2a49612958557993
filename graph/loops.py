"""Operating loops: cycles that customers travel, closing the merchant's loop.

An *operating loop* (经营闭环) is a directed cycle of products along which customers are
acquired, kept, converted and pay, and are then re-engaged.  Each step says what moves
along it:

- **users** (``userFlowsTo``): customers move from one product to the next;
- **data** (``dataFlowsTo``): a loop may close through data (payment data re-targets
  placements in the public domain, lines 18 and 28), but a data step may only enter a
  product that turns data into reach (role ``reach``, class ``cc:ReachActivator``:
  Qipan Miyun, ad placement, search promotion).  Data never carries a customer into the
  fan group, and a cycle of data alone is no loop: customers travel at least one step.

By default the loop must also

- serve every requested need (all four unless told), counting the needs of the offerings
  *attached* to its products: an offering that ``supports``, ``incentivises`` or
  ``combinesWith`` a product on the cycle without being on it (Mini-Program Cloud
  behind the mini-program, line 27; coupons in the fan group, line 42) brings its needs
  and is listed as supporting the loop.  It does not count in the cycle's length;
- pass through the payment hub (role ``hub``, class ``cc:PaymentHub``), "the key
  cut-in for building the operating loop" (line 46);
- reach customers where they come from and keep them: some product (or attached
  offering) on it lives in the private domain, and some lives in the public domain *or
  is an entry channel* (role ``entry``: online and offline group joining, line 42; the
  IoT devices that strengthen offline entry, line 39).  The entry channel is how the
  source's own case, Laoxiangji, closes without a public-domain product.

An offering that ``suits`` merchant profiles (the Fanxing Plan suits small and medium
merchants, line 33) is attached only for a merchant of such a profile (``profiles``)
or one that already runs it.  Which products carry which role is read from the
ontology's classes, never from ids in code.

Each condition can be switched off in :class:`LoopSpec`; ``through`` and ``without``
add products the loop must or must not contain.  :func:`operating_loops` yields the
loops ranked: fewest products (attached offerings included) first, then stronger
evidence (fewer inferred steps, then more quotes), then by node ids.  It searches one
cycle length at a time (iterative deepening over
:class:`~ccare.graph.search.CycleSearch`), so a caller that wants the first few stops
early.

Examples
--------
>>> from ccare.kb.model import load
>>> from ccare.graph.build import to_networkx
>>> G = to_networkx(load())
>>> first = next(operating_loops(G))
>>> first.nodes, [a.offering for a in first.attached]
(('payment', 'mini-program'), ['mini-program-cloud'])
>>> first.needs
('SCALE', 'ACTIVE', 'WORTH', 'EFFICIENCY')
>>> [s.moves for s in first.steps]
['users', 'users']
>>> [(w.nodes, [a.offering for a in w.attached])
...  for w in operating_loops(G, LoopSpec(needs=("ACTIVE", "WORTH"), max_length=2))]
[(('payment', 'mini-program'), []), (('payment', 'fan-group'), ['multi-channel-joining']), (('payment', 'fan-group'),
['iot-devices'])]
"""

from __future__ import annotations

import functools
import heapq
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import combinations
from typing import Iterator, Mapping, Sequence

import networkx as nx

from ccare.errors import UsageError
from ccare.graph.search import CycleSearch
from ccare.graph.view import FLOW_RELATIONS, flow_graph, require
from ccare.graph.walks import Attachment, Walk, data_enters, rotate, walk
from ccare.limits import Budget
from ccare.ontology.vocab import NEED_CODES

__all__ = [
    "PUBLIC",
    "PRIVATE",
    "ATTACHING",
    "DEFAULT_MAX_LENGTH",
    "MAX_LENGTH",
    "LoopSpec",
    "LoopSearch",
    "ACQUIRE",
    "hub_of",
    "provides",
    "attachments",
    "operating_loops",
    "loop_rank",
    "distinct",
    "OFFERING_KINDS",
    "loop_search",
    "shared_searches",
    "memoised",
    "Costs",
]

PUBLIC, PRIVATE = "public-domain", "private-domain"

#: Relations by which an offering off the cycle works with a product on it.
ATTACHING = ("supports", "incentivises", "combinesWith")

#: Kinds of node that may be attached to a product of a loop: what a merchant can run.
OFFERING_KINDS = ("product", "programme", "practice")

#: Loops longer than this are not searched unless asked (``--max-length``).
DEFAULT_MAX_LENGTH = 8

#: The longest loop anyone may ask for.
MAX_LENGTH = 20

#: The item "customers come in here": the public domain or an entry channel.
ACQUIRE = ("acquire",)


@dataclass(frozen=True)
class LoopSpec:
    """What counts as an operating loop.

    Attributes
    ----------
    needs : tuple of str
        Need codes the loop's products and attached offerings must together serve.
    payment : bool
        The loop must pass through the payment hub.
    domains : bool
        The loop must keep customers in the private domain and reach them in the public
        domain or through an entry channel.
    through, without : tuple of str
        Products the loop must contain, and products (or offerings) it must avoid.
    max_length : int
        Most products on the cycle (attached offerings not counted).
    hub : str, optional
        The id of the payment hub; default the map's ``cc:PaymentHub``.
    relations : tuple of str
        Edge keys a loop may follow.
    profiles : tuple of str
        The merchant's profile nodes (``scale-small``, ``stage-mature``, ...): an
        offering that ``suits`` some profile is attached only for these.
    """

    needs: tuple = NEED_CODES
    payment: bool = True
    domains: bool = True
    through: tuple = ()
    without: tuple = ()
    max_length: int = DEFAULT_MAX_LENGTH
    hub: str | None = None
    relations: tuple = FLOW_RELATIONS
    profiles: tuple = field(default=())

    def __post_init__(self):
        """Check the spec, so that a misspelt need or a length out of range is an error,
        never an empty answer; need codes may be given in any case."""
        if isinstance(self.needs, str):
            raise UsageError(f"needs must be a sequence of need codes, not the string {self.needs!r}")
        needs = tuple(str(c).strip().upper() for c in self.needs)
        for given, code in zip(self.needs, needs):
            if code not in NEED_CODES:
                raise UsageError(f"unknown need {given!r} (allowed: {', '.join(NEED_CODES)})")
        if isinstance(self.max_length, bool) or not isinstance(self.max_length, int) \
                or not 1 <= self.max_length <= MAX_LENGTH:
            raise UsageError(f"max_length must be a whole number from 1 to {MAX_LENGTH}, not {self.max_length!r}")
        for name in ("through", "without", "relations", "profiles"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise UsageError(f"{name} must be a sequence of ids, not the string {value!r}")
            object.__setattr__(self, name, tuple(value))
        object.__setattr__(self, "needs", tuple(dict.fromkeys(needs)))

    def check(self, G: nx.MultiDiGraph) -> "LoopSpec":
        """``self``, after checking that the products it names are nodes of ``G``
        (:class:`~ccare.errors.UnknownEntityError` with near matches otherwise)."""
        require(G, (*self.through, *self.without, *((self.hub,) if self.hub else ())))
        return self

    def required(self) -> set:
        """The items a loop must collect."""
        out: set[tuple[str, ...]] = {("need", c) for c in self.needs}
        if self.domains:
            out |= {("domain", PRIVATE), ACQUIRE}
        return out

    def accepts(self, G: nx.MultiDiGraph, nodes: Sequence[str], attached: Sequence[str] = ()) -> bool:
        """Whether the cycle ``nodes`` with the offerings ``attached`` meets this spec
        (the edges are not checked)."""
        cycle = set(nodes)
        every = cycle | set(attached)
        if not cycle or len(cycle) > self.max_length or every & set(self.without):
            return False
        hub = hub_of(G, self)
        if not set(self.through) <= cycle or (self.payment and hub not in cycle):
            return False
        got = set().union(*(provides(G, n) for n in every))
        return self.required() <= got


def hub_of(G: nx.MultiDiGraph, spec: LoopSpec | None = None) -> str | None:
    """The payment hub's id: ``spec.hub`` when given, else the map's product with role
    ``hub`` (class ``cc:PaymentHub``; the first by id if there are several)."""
    if spec is not None and spec.hub:
        return spec.hub
    memo = _SHARED.get()
    if memo is not None and memo.get("graph") is G and "hub" in memo:
        return memo["hub"]
    hubs = sorted(n for n, r in G.nodes(data="roles") if r and "hub" in r)
    if memo is not None and memo.get("graph") is G:
        memo["hub"] = hubs[0] if hubs else None
    return hubs[0] if hubs else None


def provides(G: nx.MultiDiGraph, n: str) -> set:
    """What ``n`` contributes to a loop: its needs, its domains, and "acquire" when it
    lives in the public domain or is an entry channel."""
    d = G.nodes[n]
    out: set[tuple[str, ...]] = {("need", c) for c in d.get("needs", ())}
    out |= {("domain", x) for x in d.get("domains", ())}
    if PUBLIC in d.get("domains", ()) or "entry" in (d.get("roles") or ()):
        out.add(ACQUIRE)
    return out


def _available(G: nx.MultiDiGraph, x: str, profiles, owned) -> bool:
    """An offering that suits some profiles is there only for those merchants (or one
    that runs it already)."""
    suits = [v for _, v, k in G.out_edges(x, keys=True) if k == "suits"]
    return not suits or x in owned or any(v in profiles for v in suits)


def attachments(G: nx.MultiDiGraph, product: str, spec: LoopSpec = LoopSpec(), owned=(),
                cycle_nodes=()) -> list[Attachment]:
    """The offerings that may be attached to ``product`` on a loop, best evidence first.

    An offering (a product, programme or practice) qualifies when it
    ``supports`` or ``incentivises`` ``product`` or combines with it (either direction),
    is not itself on the flow graph (``cycle_nodes``), is not excluded by
    ``spec.without``, and suits the merchant (``spec.profiles``) or is ``owned`` when it
    suits only some merchants.
    """
    found: dict = {}
    edges = [(x, k, d) for x, _, k, d in G.in_edges(product, keys=True, data=True) if k in ATTACHING]
    edges += [(x, k, d) for _, x, k, d in G.out_edges(product, keys=True, data=True) if k == "combinesWith"]
    without, owned = set(spec.without), set(owned)
    for x, k, d in sorted(edges, key=lambda e: (e[0], ATTACHING.index(e[1]))):
        if (x == product or x in without or x in cycle_nodes or G.nodes[x].get("kind") not in OFFERING_KINDS
                or not _available(G, x, spec.profiles, owned)):
            continue
        a = Attachment(x, product, k, tuple(dict(e) for e in d.get("evidence") or ()), bool(d.get("inferred")),
                       d.get("rationale"))
        best = found.get(x)
        if best is None or (a.inferred, -len(a.evidence)) < (best.inferred, -len(best.evidence)):
            found[x] = a
    return [found[x] for x in sorted(found)]


def loop_rank(w: Walk) -> tuple:
    """Sort key of loops: fewer products (attached offerings included), fewer inferred
    steps and attachments, more quotes, then ids."""
    inferred = w.inferred_steps + sum(1 for a in w.attached if a.inferred)
    quotes = w.quotes + sum(len(a.evidence) for a in w.attached)
    return (len(w.products), inferred, -quotes, w.nodes, tuple((a.offering, a.product) for a in w.attached))


def _same_loop(w: Walk) -> tuple:
    """What makes two loops one: the cycle and the offerings attached, whichever product
    of the cycle an offering is attached to."""
    return (w.nodes, frozenset(a.offering for a in w.attached))


def distinct(loops) -> list[Walk]:
    """``loops`` ranked (:func:`loop_rank`), each loop once: of two that differ only in
    the product an offering is attached to, the better-evidenced one."""
    out, seen = [], set()
    for w in sorted(loops, key=loop_rank):
        key = _same_loop(w)
        if key not in seen:
            seen.add(key)
            out.append(w)
    return out


#: The memo of :func:`shared_searches`: loop searches over one graph share their setup.
_SHARED: ContextVar = ContextVar("ccare_shared_loop_searches", default=None)


@contextmanager
def shared_searches(G: nx.MultiDiGraph) -> Iterator[None]:
    """Within this block, loop searches over ``G`` (:func:`loop_search`, and so
    prescriptions and gaps) share what does not depend on the merchant: the flow
    graph's successors, the offerings attachable to each product, and the search graph
    of products with their attachments for each set of offerings suiting the merchant.
    Each search only sets its weights and anchors.  The answers are those of searches
    made alone; ``G`` must not change inside the block."""
    token = _SHARED.set({"graph": G})
    try:
        yield
    finally:
        _SHARED.reset(token)


def memoised(G: nx.MultiDiGraph, key: tuple, make):
    """``make()``, computed once per :func:`shared_searches` block over ``G`` and kept under
    ``key`` (a pure function of ``G`` and ``key``); computed at every call outside one."""
    memo = _SHARED.get()
    if memo is None or memo.get("graph") is not G:
        return make()
    key = ("memoised", *key)
    if key not in memo:
        memo[key] = make()
    return memo[key]


class Costs(Mapping):
    """What each node of ``nodes`` costs: ``default``, except the nodes of ``special``
    (node -> cost).  A :func:`loop_search` with costs of 1 and a few exceptions (a
    merchant's products cost 0) is set up from the search shared by every merchant
    without reading a cost for every node.

    >>> c = Costs(["a", "b", "c"], 1, {"b": 0})
    >>> dict(c), c.get("z", 7)
    ({'a': 1, 'b': 0, 'c': 1}, 7)
    """

    def __init__(self, nodes, default: int, special: Mapping):
        self.nodes, self.default, self.special = nodes, default, dict(special)

    def __getitem__(self, n):
        if n in self.special:
            return self.special[n]
        if n in self.nodes:
            return self.default
        raise KeyError(n)

    def __iter__(self):
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)


class _Flows:
    """What every search for one ``spec.relations`` and ``spec.without`` shares: the flow
    successors, the products on flows, what each node provides, and every offering that
    may be attached to each product whatever merchant asks (``suits`` kept apart)."""

    def __init__(self, G: nx.MultiDiGraph, spec: LoopSpec):
        F = flow_graph(G, spec.relations)
        without = set(spec.without)
        succ: dict = {}
        for n in F:
            if n in without:
                continue
            succ[n] = sorted({v for _, v, k in F.out_edges(n, keys=True)
                              if v not in without and v != n and (k != "dataFlowsTo" or data_enters(G, v))})
        self.succ = succ
        self.on_flows = on_flows = {n for n, vs in succ.items() if vs} | {v for vs in succ.values() for v in vs}
        everyone = set(G)  # owned by all: availability is decided per search (_available)
        self.attach = {n: attachments(G, n, spec, everyone, on_flows) for n in sorted(on_flows)}
        offerings = {a.offering for atts in self.attach.values() for a in atts}
        self.suits = {x: {v for _, v, k in G.out_edges(x, keys=True) if k == "suits"} for x in offerings}
        self.suited = frozenset(x for x, s in self.suits.items() if s)
        self._provides: dict = {}

    def provides(self, G, n) -> set:
        p = self._provides.get(n)
        if p is None:
            p = self._provides[n] = provides(G, n)
        return p


def _variants(G, flows: _Flows, required: set, avail: frozenset) -> tuple:
    """``(variants by product, members, CycleSearch)`` for the offerings ``avail`` of
    those that suit only some merchants (anchors and weights unset)."""
    prov = functools.partial(flows.provides, G)
    variants: dict = {}
    for n in sorted(flows.on_flows):
        own = prov(n) & required
        useful = [a for a in flows.attach[n] if (a.offering not in flows.suited or a.offering in avail)
                  and (prov(a.offering) & required) - own]
        vs = [_Variant(n, ())]
        for size in range(1, min(len(useful), len(required)) + 1):
            for combo in combinations(useful, size):
                if all((prov(a.offering) & required)
                       - own - set().union(*(prov(b.offering) for b in combo if b is not a))
                       for a in combo):
                    vs.append(_Variant(n, combo))
        variants[n] = vs
    nodes = [v for vs in variants.values() for v in vs]
    vsucc = {v: [w for m in flows.succ.get(v.product, ()) if m in variants for w in variants[m]] for v in nodes}
    vprov = {v: set().union(prov(v.product), *(prov(a.offering) for a in v.attached)) for v in nodes}
    members = {v: frozenset((v.product, *(a.offering for a in v.attached))) for v in nodes}
    return variants, members, CycleSearch(vsucc, vprov, required, (), None, members)


@dataclass(frozen=True, eq=False)  # one object per variant: compared and hashed by identity
class _Variant:
    """A product on the cycle with a set of attached offerings: one node of the search."""

    product: str
    attached: tuple  # of Attachment, sorted by offering

    def __str__(self) -> str:  # the search orders nodes by str: products first, plain before attached
        return self.product + "".join("+" + a.offering for a in self.attached)


class LoopSearch:
    """The constrained cycle search for one spec, over products with their attachments.

    Each product becomes several nodes of the :class:`CycleSearch`: the product alone,
    and the product with each set of attachable offerings in which every offering
    brings something required that the product and the others do not.  ``members``
    keeps a product and an offering from appearing twice on one cycle.
    """

    def __init__(self, G: nx.MultiDiGraph, spec: LoopSpec, weight: Mapping | None = None,
                 extra_anchors: Sequence = (), owned=()):
        self.G, self.spec = G, spec
        self.hub = hub_of(G, spec)
        required = spec.required()
        memo = _SHARED.get()
        if memo is None or memo.get("graph") is not G:
            memo = {}  # nothing shared: computed for this search alone
        flows = memo.get(("flows", spec.relations, spec.without))
        if flows is None:
            flows = memo[("flows", spec.relations, spec.without)] = _Flows(G, spec)
        owned = set(owned)
        # the offerings that suit only some merchants and are there for this one
        avail = frozenset(x for x in flows.suited if x in owned or flows.suits[x] & set(spec.profiles))
        key = ("variants", spec.relations, spec.without, frozenset(required), avail)
        base = memo.get(key)
        if base is None:
            base = memo[key] = _variants(G, flows, required, avail)
        self.variants, members, base_search = base
        nodes = base_search.order

        def lift(products) -> set:
            return {v for p in products for v in self.variants.get(p, ())}

        def holding() -> dict:  # each product and offering -> the nodes it is a member of
            found = memo.get(("members", key))
            if found is None:
                by_member: dict[str, list] = {}
                for v in nodes:
                    for x in members[v]:
                        by_member.setdefault(x, []).append(v)
                found = memo[("members", key)] = by_member
            return found

        def meet(ids) -> set:  # the nodes holding one of ids: as the product, or attached
            by_member = holding()
            return {v for x in ids for v in by_member.get(x, ())}

        anchors = [lift({p}) for p in spec.through]
        if spec.payment:
            anchors.append(lift({self.hub}) if self.hub else set())
        extra = [meet(a) for a in extra_anchors]
        self.required = required
        self._dearest: list | None = None  # the shared search's nodes, dearest first (most_cost)
        if weight is None:
            self.search = base_search.rebased(anchors + extra, None)
            return
        # the search in which every product and offering costs 1, shared by the searches that
        # differ from it in the few nodes a merchant runs (CycleSearch.reweighted)
        ukey = ("unit", key, spec.through, spec.payment, self.hub)
        unit = memo.get(ukey)
        if unit is None:
            ones = base_search.rebased(anchors, {v: len(members[v]) for v in nodes})
            dearest = sorted(nodes, key=lambda v: -ones.weight[v])  # for most_cost
            unit = memo[ukey] = (ones, dearest)
        ones, self._dearest = unit
        by_member = holding()
        get = weight.get
        if isinstance(weight, Costs) and weight.default == 1:  # a few exceptions: those
            odd = [x for x in weight.special if x in by_member]
        elif by_member.keys() <= weight.keys():  # a weight for every product: those other than 1
            odd = [x for x, c in weight.items() if c != 1 and x in by_member]
        else:
            odd = [x for x in by_member if get(x, 0) != 1]
        self._changes = {v: sum(get(m, 0) for m in members[v]) for x in odd for v in by_member[x]}
        self.search = ones.reweighted(self._changes, extra)

    def most_cost(self, length: int) -> int:
        """An upper bound on the cost of a cycle of at most ``length`` products."""
        if self._dearest is None:
            return sum(heapq.nlargest(length, self.search.weight.values()))
        # the dearest nodes of the shared search that kept their cost, and the changed ones
        changed, weight = self._changes, self.search.weight
        costs = [weight[v] for v in changed]
        for v in self._dearest:
            if len(costs) >= length + len(changed):
                break
            if v not in changed:
                costs.append(weight[v])
        return sum(heapq.nlargest(length, costs))

    @property
    def cut_by_cost(self) -> bool:
        """Whether the last :meth:`cycles` left a branch out by its ``max_cost``
        (:attr:`CycleSearch.cut_by_cost`): when not, no loop costs more."""
        return self.search.cut_by_cost

    def cycles(self, **bounds) -> Iterator[Walk]:
        """The loops of the search within ``bounds`` (those of
        :meth:`CycleSearch.cycles`), as walks starting at the hub, each minimal: no
        attached offering can be left out."""
        G = self.G
        for c in self.search.cycles(**bounds):
            attached = [a for v in c for a in v.attached]
            if attached:
                base = set().union(*(provides(G, v.product) for v in c))
                extra = [provides(G, a.offering) for a in attached]
                if any(self.required <= base.union(*(e for j, e in enumerate(extra) if j != i))
                       for i in range(len(attached))):
                    continue  # the same cycle with one offering fewer is a loop too
            nodes = rotate([v.product for v in c], self.hub)
            if not any(G.has_edge(u, v, key="userFlowsTo") and "userFlowsTo" in self.spec.relations
                       for u, v in zip(nodes, nodes[1:] + nodes[:1])):
                continue  # customers travel a loop: a cycle of data alone is none
            yield walk(G, nodes, closed=True, relations=self.spec.relations,
                       attached=sorted(attached, key=lambda a: (nodes.index(a.product), a.offering)))


def loop_search(G: nx.MultiDiGraph, spec: LoopSpec, weight: Mapping | None = None,
                extra_anchors: Sequence = (), owned=()) -> LoopSearch:
    """The :class:`LoopSearch` over ``G``'s flow graph for ``spec``.

    ``weight`` gives products and offerings a cost (see :mod:`ccare.graph.prescribe`);
    each set in ``extra_anchors`` is one more set of products and offerings the cycle
    must meet (as a product on it, or an offering attached to one);
    ``owned`` offerings are attached whatever merchants they suit.
    """
    return LoopSearch(G, spec, weight, extra_anchors, owned)


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
        Closed walks, ``nodes`` beginning at the payment hub when the loop passes
        through it, with their attached offerings.
    """
    budget = budget if budget is not None else Budget(timeout=None)
    search = loop_search(G, spec.check(G))
    for length in range(1, spec.max_length + 1):
        level = list(search.cycles(max_length=length, min_length=length, budget=budget))
        yield from distinct(level)
        if budget.cut_short:
            return

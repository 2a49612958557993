"""Prescriptions: the fewest products a merchant must add to close its operating loop.

"Alipay's products are like medicinal herbs; I write a prescription according to the
merchant's needs" (line 43).  Given what a merchant already runs (``has``: products,
programmes, practices), :func:`prescriptions` yields sets of offerings to *add* such
that ``has`` plus the additions hold an operating loop (:mod:`ccare.graph.loops`) through
at least one of the products or offerings the merchant names (on the loop, or attached to
a product of it): a merchant running Alipay Live is told how its live room joins a loop,
not given a smaller loop that leaves the live room outside.  Payment is the baseline
(:func:`baseline`): every merchant on Alipay takes it, so it counts as present and is
never added, unless the merchant does not take Alipay payment (``alipay_payment=False``).
Only when nothing the merchant names can be on a loop (a practice alone, a product no
flow reaches) does the loop go through payment instead; the products it runs that stay
off the loop are named (``Prescription.outside``).  Smallest sets first; every set
yielded is *minimal*: no proper subset of it closes such a loop.  An empty set means the
loop already closes.

How it searches: each product or offering costs 1 unless the merchant has it (cost 0),
an offering supporting a product of the cycle costs like any other (the merchant must
adopt it), and the constrained cycle search (:class:`~ccare.graph.loops.LoopSearch`) is
run for total cost 0, 1, 2, ... in turn, anchored on the merchant's products.  The loops
of cost ``c`` give the candidate sets of size ``c``; a candidate containing a set found at
a smaller cost is not minimal and is dropped.

Ranking among sets of the same size, and which loop each set is shown with:

1. **The merchant's own products**: loops through more of what the merchant runs come
   first, so a merchant with a fan group sees its fan group on the loop.
2. **Scale / stage fit** (only when ``scale`` or ``stage`` is given): loops with more
   products backed by an offering that ``suits`` the merchant's profile come first.  A
   product is backed when the offering is the product itself, or the offering
   ``incentivises`` or ``supports`` it.  On the shipped map Fanxing Plan 3.0 suits small
   and medium merchants (line 33), incentivises the merchant fan group and supports the
   mini-program; it is also only for them that it may support a loop.  Nothing is
   hard-coded: ``suits`` facts in the user's ``--data`` count the same way.  Line 14 says
   priorities follow scale and digitalisation stage, and that fully unfolded C-CARE covers
   every side of digital operation: a *mature* merchant ranks loops serving more of the
   eight values first (breadth); an *exploring* merchant, like the default, ranks the most
   compact loop first.
3. **Evidence**: fewer inferred steps, then more quotes.
4. Then the ids of the added offerings, in code-point order.

Each prescription says why each added offering is there (:class:`Reason`): the
requested needs it serves (and whether it is the loop's only source of one), payment
as the loop's required hub (for a merchant without Alipay payment), the domain or
entry channel it alone brings, the flow steps it carries, the product it supports, and
the offerings suiting the merchant that back it, all with evidence.

Examples
--------
>>> from ccare.kb.model import load
>>> from ccare.graph.build import to_networkx
>>> G = to_networkx(load())
>>> first = next(prescriptions(G, ["mini-program"]))
>>> first.add, first.baseline
(('mini-program-cloud',), ('payment',))
>>> first.loop.nodes, [a.offering for a in first.loop.attached]
(('payment', 'mini-program'), ['mini-program-cloud'])
>>> [r.kind for r in first.why["mini-program-cloud"]]
['need', 'need', 'attached']
>>> next(prescriptions(G, ["mini-program"], LoopSpec(needs=("SCALE", "ACTIVE", "WORTH")))).add
()
>>> next(prescriptions(G, ["mini-program"], alipay_payment=False)).add
('mini-program-cloud', 'payment')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator, Sequence

import networkx as nx

from ccare.errors import UsageError
from ccare.graph.coverage import need_of_values
from ccare.graph.loops import (
    ACQUIRE,
    ATTACHING,
    PRIVATE,
    PUBLIC,
    Costs,
    LoopSpec,
    hub_of,
    loop_search,
    memoised,
    provides,
)
from ccare.graph.view import node_entity, require
from ccare.graph.walks import Attachment, Step, Walk
from ccare.limits import Budget

__all__ = [
    "SCALES",
    "STAGES",
    "BACKING",
    "LoopSpec",
    "Support",
    "Reason",
    "Prescription",
    "profile_nodes",
    "profile_support",
    "prescriptions",
    "baseline",
]

#: Merchant scales and digitalisation stages, as the map names them (``scale-small``, ...).
SCALES = ("small", "medium", "large")
STAGES = ("exploring", "mature")

#: Relations by which an offering backs a product.
BACKING = ("incentivises", "supports")


def profile_nodes(G: nx.MultiDiGraph, scale: str | None = None, stage: str | None = None) -> list[str]:
    """The map's nodes for a merchant's scale and stage (those present in ``G``)."""
    names = ([f"scale-{scale}"] if scale else []) + ([f"stage-{stage}"] if stage else [])
    return [n for n in names if n in G]


@dataclass(frozen=True)
class Support:
    """``offering`` suits the merchant's ``profile`` and backs ``product`` by ``relation``.

    ``relation`` is None when the offering is the product itself.
    """

    offering: str
    profile: str
    product: str
    relation: str | None
    evidence: tuple
    inferred: bool

    def to_json(self) -> dict:
        return {"offering": self.offering, "profile": self.profile, "product": self.product,
                "relation": self.relation, "evidence": [dict(e) for e in self.evidence],
                "inferred": self.inferred}


def profile_support(G: nx.MultiDiGraph, product: str, profiles: Sequence[str]) -> list[Support]:
    """How offerings that ``suits`` one of ``profiles`` back ``product`` (see module docs)."""
    out = []
    for prof in profiles:
        for o, _, key, suits in sorted(G.in_edges(prof, keys=True, data=True), key=lambda e: e[:3]):
            if key != "suits":
                continue
            ev = list(suits.get("evidence") or ())
            if o == product:
                out.append(Support(o, prof, product, None, tuple(ev), bool(suits.get("inferred"))))
                continue
            for rel, d in sorted((G.get_edge_data(o, product) or {}).items()):
                if rel in BACKING:
                    out.append(Support(o, prof, product, rel, tuple(ev + list(d.get("evidence") or ())),
                                       bool(suits.get("inferred")) or bool(d.get("inferred"))))
    return out


def _label(G, n, lang):
    labels = G.nodes[n].get("labels") or {} if n in G else {}
    return labels.get(lang) or labels.get("en") or labels.get("zh") or n


@dataclass(frozen=True)
class Reason:
    """Why a product is in a prescription.

    ``kind`` is ``payment`` (added for a merchant without Alipay payment), ``need``,
    ``domain``, ``entry`` (the loop's only entry channel), ``flow``, ``attached`` (an
    offering supporting a product on the loop) or ``profile``; the other fields say which
    need, value, domain, step, attachment or support, and ``evidence`` backs it.
    """

    kind: str
    product: str
    evidence: tuple
    inferred: bool
    need: str | None = None
    value: str | None = None
    only: bool = False
    domain: str | None = None
    step: Step | None = None
    support: Support | None = None
    attachment: Attachment | None = None

    def text(self, G: nx.MultiDiGraph, lang: str = "en") -> str:
        """The reason as a sentence in ``lang`` (``en`` or ``zh``)."""
        L = lambda n: _label(G, n, lang)  # noqa: E731
        zh = lang == "zh"
        if self.kind == "payment":
            return (f"经营闭环都要经过{L(self.product)}，而这个商家还没有开通支付宝支付" if zh else
                    f"every operating loop passes through {L(self.product)}, which this merchant does not take yet")
        if self.kind == "entry":
            return (f"闭环中唯一的获客入口：顾客经由{L(self.product)}进来" if zh else
                    f"the loop's only entry channel: customers come in through {L(self.product)}")
        if self.kind == "attached":
            a = self.attachment
            assert a is not None  # an "attached" reason names its attachment
            rel = {"supports": ("支撑", "supports"), "incentivises": ("激励", "incentivises"),
                   "combinesWith": ("与之组合", "combines with")}.get(a.relation, (a.relation, a.relation))
            if zh:
                return f"{L(a.offering)}{rel[0]}闭环上的{L(a.product)}，不占闭环的长度"
            return f"{L(a.offering)} {rel[1]} {L(a.product)} on the loop, off the cycle"
        if self.kind == "need":
            via = f"{L(self.value)}" if self.value else ""
            if zh:
                return f"服务 {self.need} 诉求" + (f"（{via}）" if via else "") + (
                    f"，是闭环中唯一服务 {self.need} 的产品" if self.only else "")
            return f"serves {self.need}" + (f" through {via}" if via else "") + (
                f", the loop's only source of {self.need}" if self.only else "")
        if self.kind == "domain":
            return f"闭环中唯一位于{L(self.domain)}的产品" if zh else f"the loop's only product in the {L(self.domain)}"
        if self.kind == "flow":
            st = self.step
            assert st is not None  # a "flow" reason names its step
            moves = {"users": ("用户", "users"), "data": ("数据", "data")}.get(st.moves, (st.relation, st.relation))
            return (
                f"{L(st.source)} → {L(st.target)}（{moves[0]}）" if zh
                else f"{L(st.source)} → {L(st.target)} ({moves[1]})"
            )
        s = self.support
        assert s is not None  # the only kind left, "profile", names its support
        if s.relation is None:
            return f"适合{L(s.profile)}" if zh else f"suits the {L(s.profile)}"
        if zh:
            verb = {"supports": "支撑", "incentivises": "激励"}.get(s.relation, s.relation)
            return f"{L(s.offering)}适合{L(s.profile)}，并{verb}它"
        return f"{L(s.offering)} suits the {L(s.profile)} and {s.relation} it"

    def to_json(self, G: nx.MultiDiGraph) -> dict:
        d = {"kind": self.kind, "text": self.text(G, "en"), "text_zh": self.text(G, "zh"),
             "evidence": [dict(e) for e in self.evidence],
             "inferred": self.inferred}
        if self.kind == "need":
            d.update(need=self.need, value=self.value, only=self.only)
        if self.kind == "domain":
            d["domain"] = self.domain
        if self.kind == "flow" and self.step is not None:
            d["step"] = self.step.to_json()
        if self.kind == "profile" and self.support is not None:
            d["support"] = self.support.to_json()
        if self.kind == "attached" and self.attachment is not None:
            d["attachment"] = self.attachment.to_json()
        return d


@dataclass(frozen=True)
class Prescription:
    """Products to ``add`` (ids), the ``loop`` they close, ``why`` each is there, the
    offerings suiting the merchant that back the loop (``support``), what the merchant
    has without saying so (``baseline``: the payment hub) and the products it runs that
    have nothing to do with the loop (``outside``: not on it, not attached, tied to none
    of its products)."""

    add: tuple
    loop: Walk
    why: dict
    support: tuple
    baseline: tuple = ()
    outside: tuple = ()

    def to_json(self, G: nx.MultiDiGraph) -> dict:
        """``{"add": [entity, ...], "baseline": [entity, ...], "outside": [entity, ...],
        "loop": loop, "why": {id: [reason, ...]}, "support": [...]}``."""
        return {
            "add": [node_entity(G, n) for n in self.add],
            "baseline": [node_entity(G, n) for n in self.baseline],
            "outside": [node_entity(G, n) for n in self.outside],
            "loop": self.loop.to_json(G),
            "why": {n: [r.to_json(G) for r in rs] for n, rs in self.why.items()},
            "support": [s.to_json() for s in self.support],
        }


def _reasons(G, p, loop: Walk, spec: LoopSpec, profiles, value_need) -> tuple:
    out = []
    d = G.nodes[p]
    if spec.payment and p == hub_of(G, spec):
        out.append(Reason("payment", p, tuple(d.get("evidence") or ()), False))
    others = [n for n in loop.products if n != p]
    for code in spec.needs:
        if code not in d.get("needs", ()):
            continue
        only = not any(code in G.nodes[n].get("needs", ()) for n in others)
        values = [v for v in d.get("values", ()) if value_need.get(v) == code]
        for v in values or [None]:
            edge = (G.get_edge_data(p, v) or {}).get("serves", {}) if v else {}
            out.append(Reason("need", p, tuple(edge.get("evidence") or ()), bool(edge.get("inferred")),
                              need=code, value=v, only=only))
    if spec.domains:
        mine = provides(G, p)
        for dom in (PUBLIC, PRIVATE):
            if ("domain", dom) in mine and not any(("domain", dom) in provides(G, n) for n in others):
                edge = (G.get_edge_data(p, dom) or {}).get("livesIn", {})
                out.append(Reason("domain", p, tuple(edge.get("evidence") or ()), bool(edge.get("inferred")),
                                  domain=dom))
        if "entry" in (d.get("roles") or ()) and not any(ACQUIRE in provides(G, n) for n in others):
            out.append(Reason("entry", p, tuple(d.get("evidence") or ()), False))
    for st in loop.steps:
        if p in (st.source, st.target):
            out.append(Reason("flow", p, st.evidence, st.inferred, step=st))
    for a in loop.attached:
        if p == a.offering:
            out.append(Reason("attached", p, a.evidence, a.inferred, attachment=a))
    for s in _support(G, p, profiles):
        out.append(Reason("profile", p, s.evidence, s.inferred, support=s))
    return tuple(out)


def _support(G: nx.MultiDiGraph, product: str, profiles: Sequence[str]) -> tuple:
    """:func:`profile_support`, once per product and profiles in a block of shared searches."""
    return memoised(G, ("profile_support", product, tuple(profiles)),
                    lambda: tuple(profile_support(G, product, profiles)))


def _backed(G: nx.MultiDiGraph, profiles: Sequence[str]) -> frozenset:
    """The nodes some offering suiting ``profiles`` backs (those with a
    :func:`profile_support`): the offerings themselves and what they back."""
    near = set()
    for prof in profiles:
        for o, _, key in G.in_edges(prof, keys=True):
            if key == "suits":
                near |= {o, *G.successors(o)}
    return frozenset(n for n in near if profile_support(G, n, profiles))


def _preference(G, w: Walk, stage, supported: int) -> tuple:
    """The scale and stage preferences: offerings suiting the merchant first; a mature
    merchant's broader loops (more of the eight values), else the more compact loop."""
    breadth = len({v for n in w.products for v in G.nodes[n].get("values", ())})
    return (-supported, -breadth, len(w.products)) if stage == "mature" else (-supported, len(w.products), -breadth)


def baseline(G: nx.MultiDiGraph, alipay_payment: bool = True) -> tuple:
    """What every merchant on Alipay has without saying so: the payment hub, unless the
    merchant does not take Alipay payment."""
    hub = hub_of(G)
    return (hub,) if alipay_payment and hub is not None else ()


def prescriptions(
    G: nx.MultiDiGraph,
    has: Sequence[str],
    spec: LoopSpec = LoopSpec(),
    scale: str | None = None,
    stage: str | None = None,
    budget: Budget | None = None,
    alipay_payment: bool = True,
) -> Iterator[Prescription]:
    """Yield minimal sets of products to add so the merchant's loop closes, ranked.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The map graph; not modified.
    has : sequence of str
        Ids of the products (and offerings) the merchant runs; the loop must pass
        through one of them (or hold it attached), or through the payment hub when none
        of them can be on a loop.
    spec : LoopSpec
        What counts as an operating loop (needs, payment, domains, length bound, ...).
    scale, stage : str, optional
        The merchant's scale (``small``, ``medium``, ``large``) and stage
        (``exploring``, ``mature``): offerings that suit them may support the loop, and
        they order sets of the same size (module docs).
    budget : ccare.limits.Budget, optional
        Stops the search early, setting ``budget.cut_short``.
    alipay_payment : bool
        The merchant takes Alipay payment (default): payment counts as present and is
        never added.  False for a merchant that does not: then payment may be added.

    Yields
    ------
    Prescription
        Smallest sets first; an empty ``add`` when the loop already closes (then
        nothing else is yielded, since every set would contain it).
    """
    budget = budget if budget is not None else Budget(timeout=None)
    if isinstance(has, str):
        raise UsageError(f"has must be a sequence of ids, not the string {has!r}")
    require(G, has)
    spec.check(G)
    base = baseline(G, alipay_payment)
    H = set(has) | set(base)
    profiles = profile_nodes(G, scale, stage)
    spec = replace(spec, profiles=tuple(dict.fromkeys((*spec.profiles, *profiles))))
    value_need = memoised(G, ("need_of_values",), lambda: need_of_values(G))
    backed = memoised(G, ("backed", tuple(profiles)), lambda: _backed(G, profiles))
    weight = Costs(G, 1, {n: 0 for n in H})
    # the loop goes through what the merchant names; through the payment hub only when
    # nothing it names can be on a loop (a practice, a product no flow reaches)
    own = frozenset(has) - set(base)
    for anchor in ((own, H) if own else (H,)):
        search = loop_search(G, spec, weight, extra_anchors=[anchor] if anchor else [], owned=H)
        yielded = False
        for add, loop, why, support in _minimal_sets(G, search, H, spec, stage, profiles, backed, value_need,
                                                     budget):
            yielded = True
            yield Prescription(add, loop, why, support, base, _outside(G, own, loop))
        if yielded or budget.cut_short:
            return


def _outside(G: nx.MultiDiGraph, own, loop: Walk) -> tuple:
    """The products in ``own`` that have nothing to do with ``loop``: not on it, not
    attached to it, and tied to none of its products (supporting, incentivising or
    combining with one, as coupons handed out in a fan group on the loop are)."""
    cycle = set(loop.nodes)
    out = []
    for n in sorted(own):
        if n in loop.products or G.nodes[n].get("kind") != "product":
            continue
        if any(k in ATTACHING and v in cycle for _, v, k in G.out_edges(n, keys=True)):
            continue
        if any(k == "combinesWith" and u in cycle for u, _, k in G.in_edges(n, keys=True)):
            continue
        out.append(n)
    return tuple(out)


#: Cost levels searched without a loop before one search asks whether there is any.
_PROVE_NONE_AFTER = 5


def _minimal_sets(G, search, H, spec, stage, profiles, backed, value_need, budget) -> Iterator[tuple]:
    """``(add, loop, why, support)`` of the minimal sets ``search`` closes, ranked (module docs)."""
    found: list = []
    for cost in range(0, search.most_cost(spec.max_length) + 1):
        if cost == _PROVE_NONE_AFTER and not found:
            # no loop yet: whether there is one at any cost is one search, not one a level
            if next(search.cycles(max_length=spec.max_length, budget=budget), None) is None:
                return
        groups: dict = {}
        for w in search.cycles(max_length=spec.max_length, max_cost=cost, min_cost=cost, budget=budget):
            add = frozenset(w.products) - H
            if any(f <= add for f in found):
                continue  # contains a smaller set that already closes a loop
            groups.setdefault(add, []).append(w)
        ranked = []
        for add, loops in groups.items():
            keyed = []
            for w in loops:
                supported = sum(1 for n in w.products if n in backed)
                owned = sum(1 for n in w.products if n in H)
                keyed.append(((-owned, *_preference(G, w, stage, supported), w.inferred_steps, -w.quotes,
                               w.nodes), w))
            key, best = min(keyed, key=lambda kw: kw[0])
            ranked.append((key[:-1] + (tuple(sorted(add)), key[-1]), add, best))
        found.extend(groups)
        for _, add, loop in sorted(ranked, key=lambda r: r[0]):
            why = {p: _reasons(G, p, loop, spec, profiles, value_need) for p in sorted(add)}
            support = tuple(s for n in loop.products for s in _support(G, n, profiles))
            yield tuple(sorted(add)), loop, why, support
        if budget.cut_short or frozenset() in groups or not search.cut_by_cost:
            return  # out of budget, the loop closes already, or no loop costs more

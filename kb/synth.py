"""Synthetic maps and merchant portfolios of any size, for benchmarks and scale tests.

:func:`synth_turtle` writes Turtle that extends the shipped map and conforms to its
shapes, with what the map's semantics use, so that a benchmark on it asks real questions:

- ``products`` synthetic products, each labelled in zh and en, defined, with evidence,
  serving values; every relation an evidenced :class:`cc:Assertion`, some inferred with a
  rationale.  Most live in domains and flow to ``degree`` other products (users or
  data); some are *supporting products* (``cc:SupportingProduct``: no domain, no flows,
  they ``cc:supports`` other products and bring their needs into a loop), some turn data
  into reach (``cc:ReachActivator``: the only products a data flow may enter on a loop),
  some are entry channels (``cc:EntryChannel``).  Some send users to the payment hub
  (``:payment``), receive users from it, or receive its data, so that operating loops
  (which pass through the hub) run through synthetic products;
- ``programmes`` programmes (``cc:Programme``) that serve a value, live in the public
  domain, ``cc:incentivises`` products and, for some, ``cc:suits`` small and medium
  merchants (then a merchant's scale changes its prescription);
- ``merchants`` merchants of class ``cc:Merchant`` (``cc:merchantId``, labels,
  ``cc:hasScale``, ``cc:hasStage``, ``cc:inIndustry`` and ``cc:uses`` of products and
  programmes, shipped or synthetic); a share of them state ``cc:takesAlipayPayment
  false`` (for them a prescription may add payment).

The same arguments give the same bytes.

Examples
--------
>>> import io
>>> out = io.StringIO()
>>> n = synth_turtle(out, products=2, merchants=3, seed=7)
>>> n["products"], n["merchants"]
(2, 3)
>>> a, b = io.StringIO(), io.StringIO()
>>> _ = synth_turtle(a, products=2, merchants=3, seed=7); _ = synth_turtle(b, products=2, merchants=3, seed=7)
>>> a.getvalue() == b.getvalue()
True
"""

from __future__ import annotations

import random
from typing import TextIO

__all__ = ["INDUSTRIES", "SHIPPED_PRODUCTS", "VALUES", "synth_turtle", "product_id", "programme_id", "merchant_id"]

#: Values of the shipped map (``cc:Value`` ids), in the source's order.
VALUES = (
    "reachable", "identifiable", "interactive", "value-adding",
    "convertible", "enhanceable", "at-ease", "efficient",
)

#: Products of the shipped map that synthetic merchants may use.
SHIPPED_PRODUCTS = (
    "mini-program", "fan-group", "alipay-live", "zhima-credit", "mini-program-cloud", "qipan-miyun",
    "payment", "life-account", "ant-forest", "coupons", "iot-devices", "ad-placement", "search-promotion",
)

_DOMAINS = ("public-domain", "private-domain")
_SCALES = ("scale-small", "scale-medium", "scale-large")
_STAGES = ("stage-exploring", "stage-mature")
_FLOWS = ("userFlowsTo", "dataFlowsTo")

#: Industries synthetic merchants are in: id, zh label, en label.
INDUSTRIES = (
    ("catering", "餐饮", "catering"),
    ("retail", "零售", "retail"),
    ("travel", "出行", "travel"),
    ("leisure", "休闲娱乐", "leisure and entertainment"),
    ("education", "教育", "education"),
    ("healthcare", "医疗健康", "healthcare"),
    ("government", "政务", "government services"),
    ("utilities", "生活缴费", "utilities"),
)

_PREFIXES = """\
@prefix :     <https://w3id.org/ccare/id/> .
@prefix cc:   <https://w3id.org/ccare/ontology#> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

"""


def product_id(i: int) -> str:
    """The id of synthetic product ``i`` (from 1)."""
    return f"synth-product-{i:06d}"


def programme_id(i: int) -> str:
    """The id of synthetic programme ``i`` (from 1)."""
    return f"synth-programme-{i:06d}"


def merchant_id(i: int) -> str:
    """The ``cc:merchantId`` of synthetic merchant ``i`` (from 1)."""
    return f"M{i:07d}"


def _ev(line: int, quote: str) -> str:
    return f'cc:evidence [ cc:source :synth-source ; cc:line {line} ; cc:quote "{quote}" ]'


#: Classes of a synthetic product by role, beside ``cc:OtherProduct``.
_ROLE_CLASSES = {"plain": "", "supporting": " , cc:SupportingProduct", "reach": " , cc:ReachActivator",
                 "entry": " , cc:EntryChannel"}


def synth_turtle(
    out: TextIO,
    *,
    products: int,
    merchants: int = 0,
    seed: int = 0,
    degree: int = 5,
    inferred_share: float = 0.2,
    supporting_share: float = 0.1,
    reach_share: float = 0.1,
    entry_share: float = 0.05,
    hub_share: float = 0.1,
    programmes: int | None = None,
    no_alipay_share: float = 0.1,
) -> dict:
    """Write a synthetic extension of the shipped map to ``out`` as Turtle.

    Parameters
    ----------
    out : text stream
    products, merchants : int
        How many synthetic products and merchants to write.
    seed : int
        Seed of the generator: the same arguments write the same text.
    degree : int
        Flows (``cc:userFlowsTo`` or ``cc:dataFlowsTo``) leaving each synthetic product
        that carries users, to distinct other such synthetic products (fewer when there
        are fewer).
    inferred_share : float
        Share of relations marked inferred (each with a rationale).
    supporting_share, reach_share, entry_share : float
        Shares of the products that are supporting products, turn data into reach, or
        are entry channels.
    hub_share : float
        Chance that a product sends users to the payment hub, and (drawn apart) that the
        hub sends users to it; a product that turns data into reach gets the hub's data
        with five times that chance (at most always).
    programmes : int, optional
        How many synthetic programmes; default one per 50 products (none without products
        that carry users).
    no_alipay_share : float
        Share of the merchants that state they do not take Alipay payment.

    Returns
    -------
    dict
        Counts written: ``products``, ``programmes``, ``merchants``, ``assertions``.
    """
    shares = (inferred_share, supporting_share, reach_share, entry_share, hub_share, no_alipay_share)
    if products < 0 or merchants < 0 or degree < 0 or (programmes is not None and programmes < 0):
        raise ValueError("products, merchants, programmes and degree must not be negative")
    if not all(0 <= x <= 1 for x in shares) or supporting_share + reach_share + entry_share > 1:
        raise ValueError("shares must lie between 0 and 1, and the product roles' shares add up to at most 1")
    rng = random.Random(seed)
    roles = []
    for _ in range(products):
        r = rng.random()
        roles.append("supporting" if r < supporting_share else "reach" if r < supporting_share + reach_share
                     else "entry" if r < supporting_share + reach_share + entry_share else "plain")
    carriers = [i for i in range(1, products + 1) if roles[i - 1] != "supporting"]
    if programmes is None:
        programmes = max(1, products // 50) if carriers else 0
    if programmes and not carriers:
        raise ValueError("programmes need synthetic products that carry users to incentivise")
    w = out.write
    w(f"# Synthetic C-CARE map extension written by `ccare synth` (seed {seed}, products: {products}, "
      f"programmes: {programmes}, merchants: {merchants}). Not real data.\n")
    w(_PREFIXES)
    w(":synth-source a cc:Source ;\n"
      '    rdfs:label "合成数据"@zh , "synthetic data"@en ;\n'
      f'    skos:definition "Generated by ccare synth with seed {seed}; '
      'quotes are placeholders, not a real source."@en ;\n'
      f'    cc:file "synth-{seed}.txt" .\n\n')
    for slug, zh, en in INDUSTRIES:
        w(f":industry-{slug} a cc:Industry ; cc:ofDimension :industry-dimension ;\n"
          f'    rdfs:label "{zh}"@zh , "{en}"@en ;\n'
          f'    skos:definition "Merchants in {en}."@en ;\n'
          f"    {_ev(1, zh)} .\n")
    w("\n")
    assertions = 0
    line = 1

    def assertion(s: str, p: str, o: str, quote: str) -> None:
        nonlocal assertions, line
        line += 1
        assertions += 1
        if rng.random() < inferred_share:
            w(f"[] a cc:Assertion ; rdf:subject :{s} ; rdf:predicate cc:{p} ; rdf:object :{o} ;\n"
              f'    cc:inferred true ; cc:rationale "Synthetic: {p} assumed for the benchmark."@en ;\n'
              f"    {_ev(line, quote)} .\n")
        else:
            w(f"[] a cc:Assertion ; rdf:subject :{s} ; rdf:predicate cc:{p} ; rdf:object :{o} ;\n"
              f"    cc:inferred false ; {_ev(line, quote)} .\n")

    for i in range(1, products + 1):
        pid, role = product_id(i), roles[i - 1]
        line += 1
        w(f":{pid} a cc:OtherProduct{_ROLE_CLASSES[role]} ;\n"
          f'    rdfs:label "合成产品{i}"@zh , "synthetic product {i}"@en ;\n'
          f'    skos:definition "Synthetic product {i} of a benchmark map."@en ;\n'
          f'    {_ev(line, f"合成产品{i}")} .\n')
        for v in sorted(rng.sample(VALUES, rng.choice((1, 1, 2, 2, 3)))):
            assertion(pid, "serves", v, f"合成产品{i}服务{v}")
        if role == "supporting":  # no domain, no flows: it works behind the products it supports
            for j in sorted(rng.sample(carriers, min(len(carriers), rng.choice((1, 1, 2))))):
                assertion(pid, "supports", product_id(j), f"合成产品{i}支撑{j}")
            w("\n")
            continue
        for d in rng.choice(((_DOMAINS[0],), (_DOMAINS[1],), _DOMAINS)):
            assertion(pid, "livesIn", d, f"合成产品{i}在{d}")
        others = len(carriers) - 1
        if others > 0 and degree > 0:
            for j in sorted(x for x in rng.sample(carriers, min(degree + 1, len(carriers))) if x != i)[:degree]:
                assertion(pid, rng.choice(_FLOWS), product_id(j), f"合成产品{i}流向{j}")
        if rng.random() < hub_share:
            assertion(pid, "userFlowsTo", "payment", f"合成产品{i}流向支付")
        if rng.random() < hub_share:
            assertion("payment", "userFlowsTo", pid, f"支付流向合成产品{i}")
        if role == "reach" and rng.random() < 5 * hub_share:
            assertion("payment", "dataFlowsTo", pid, f"支付数据流向合成产品{i}")
        w("\n")

    for i in range(1, programmes + 1):
        gid = programme_id(i)
        line += 1
        w(f":{gid} a cc:Programme ;\n"
          f'    rdfs:label "合成扶持计划{i}"@zh , "synthetic programme {i}"@en ;\n'
          f'    skos:definition "Synthetic incentive programme {i} of a benchmark map."@en ;\n'
          f'    {_ev(line, f"合成扶持计划{i}")} .\n')
        assertion(gid, "serves", rng.choice(VALUES), f"合成扶持计划{i}服务")
        assertion(gid, "livesIn", _DOMAINS[0], f"合成扶持计划{i}开放公域")
        for j in sorted(rng.sample(carriers, min(len(carriers), rng.choice((1, 2))))):
            assertion(gid, "incentivises", product_id(j), f"合成扶持计划{i}激励{j}")
        if rng.random() < 0.5:
            for sc in _SCALES[:2]:
                assertion(gid, "suits", sc, f"合成扶持计划{i}适合{sc}")
        w("\n")

    pool = [*SHIPPED_PRODUCTS, *(product_id(i) for i in range(1, products + 1)),
            *(programme_id(i) for i in range(1, programmes + 1))]
    for i in range(1, merchants + 1):
        mid = merchant_id(i)
        uses = sorted(rng.sample(pool, min(len(pool), rng.randint(1, 6))))
        alipay = " ; cc:takesAlipayPayment false" if rng.random() < no_alipay_share else ""
        w(f":merchant-{mid} a cc:Merchant ; cc:merchantId \"{mid}\" ;\n"
          f'    rdfs:label "合成商家{i}"@zh , "synthetic merchant {i}"@en ;\n'
          f"    cc:hasScale :{rng.choice(_SCALES)} ; cc:hasStage :{rng.choice(_STAGES)} ; "
          f"cc:inIndustry :industry-{rng.choice(INDUSTRIES)[0]}{alipay} ;\n"
          f"    cc:uses {' , '.join(':' + u for u in uses)} .\n")
    return {"products": products, "programmes": programmes, "merchants": merchants, "assertions": assertions}

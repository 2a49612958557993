"""A seeded generator of large product maps in the shape of ``ccare.graph.build.to_networkx``.

Nodes carry ``kind``, ``type``, ``labels`` (zh and en), ``needs``, ``values``, ``domains``,
``evidence``; edges are keyed by relation and carry ``relation``, ``evidence``,
``inferred`` and ``rationale``.  The mix follows the shipped map: the model at the centre,
four needs with two values each, two domains, then products (about 40%), facts (30%),
programmes, scenes, advantages, cases and practices; about 2.2 edges per node (the
shipped map has 2.1).  Same arguments, same graph.

    python bench/synthmap.py 5000 --seed 1        # prints node and edge counts
"""

from __future__ import annotations

import argparse
import random

import networkx as nx

NEEDS = (("SCALE", "多渠道精准获客", "multi-channel precise acquisition", ("reachable", "identifiable")),
         ("ACTIVE", "高质量关系维护", "high-quality relationship upkeep", ("interactive", "value-adding")),
         ("WORTH", "多样化交易增长", "diversified transaction growth", ("convertible", "enhanceable")),
         ("EFFICIENCY", "省心高效经营", "worry-free efficient operation", ("at-ease", "efficient")))

#: share of the generated nodes per kind (the rest are facts)
MIX = (("product", 0.40), ("programme", 0.05), ("scene", 0.04), ("advantage", 0.02), ("case", 0.03),
       ("practice", 0.04), ("other", 0.02))

TYPES = {"product": "cc:CoreProduct", "programme": "cc:Programme", "scene": "cc:Scene", "advantage": "cc:CoreAdvantage",
         "case": "cc:Case", "practice": "cc:Practice", "other": "cc:MerchantScale", "fact": "cc:QuantitativeFact"}

_HANZI = (
    "支付小程序商家粉丝群直播芝麻信用云棋盘密生活号蚂蚁森林优惠券会员运营智能设备私域公域流量转化增长用户资产数据营销"
)


def _zh(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_HANZI) for _ in range(n))


def _evidence(rng: random.Random) -> list:
    return [{"source": "synthetic", "line": rng.randint(1, 49), "quote": _zh(rng, rng.randint(6, 18))}]


def synthetic_map(n: int, seed: int = 1) -> nx.MultiDiGraph:
    """A map of about ``n`` nodes (at least the 15 of the C-CARE core)."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph()

    def node(nid, kind, typ, zh, en, **extra):
        G.add_node(nid, iri=f"https://example.org/id/{nid}", type=typ, kind=kind, labels={"zh": zh, "en": en},
                   evidence=_evidence(rng), domains=[], values=[], needs=[], **extra)

    def edge(u, v, rel, inferred=None):
        inferred = rng.random() < 0.4 if inferred is None else inferred
        G.add_edge(u, v, key=rel, relation=rel, iri=f"https://w3id.org/ccare/ontology#{rel}",
                   evidence=_evidence(rng), inferred=inferred,
                   rationale=f"synthetic rationale {rng.randint(0, 999)}" if inferred else None)

    node("c-care", "other", "cc:OperatingModel", "C-CARE模型", "C-CARE model")
    node("customer", "other", "cc:CustomerAsset", "用户资产", "customer asset")
    edge("c-care", "customer", "centredOn", False)
    values = {}
    for code, zh, en, vals in NEEDS:
        nid = code.lower()
        node(nid, "need", "cc:Need", zh, en, code=code)
        edge(nid, "c-care", "skos:inScheme", False)
        for v in vals:
            node(v, "value", "cc:Value", _zh(rng, 3), v)
            edge(v, nid, "skos:broader", False)
            values[v] = code
    for d, zh in (("public-domain", "公域"), ("private-domain", "私域")):
        node(d, "domain", "cc:Domain", zh, d.replace("-", " "))
    rest = max(0, n - G.number_of_nodes())
    counts = {k: int(rest * share) for k, share in MIX}
    counts["fact"] = rest - sum(counts.values())
    ids = {k: [f"{k}-{i}" for i in range(c)] for k, c in counts.items()}
    for kind, members in ids.items():
        for nid in members:
            extra = (
                {"value": rng.randint(1, 10**9), "unit": "NUM", "counts": None, "bound": "exactly"}
                if kind == "fact"
                else {}
            )
            node(nid, kind, TYPES[kind], _zh(rng, rng.randint(2, 7)), f"{kind} {nid.split('-')[1]}", **extra)
    products = ids["product"]
    for p in products:
        served = rng.sample(sorted(values), rng.randint(1, 2))
        for v in served:
            edge(p, v, "serves")
        doms = rng.sample(["public-domain", "private-domain"], rng.choice((1, 1, 2)))
        for d in doms:
            edge(p, d, "livesIn")
        G.nodes[p].update(values=sorted(served), domains=sorted(doms),
                          needs=[c for c, *_ in NEEDS if c in {values[v] for v in served}])
        if len(products) > 1:
            for _ in range(rng.choice((0, 1, 1, 2))):
                q = rng.choice(products)
                if q != p:
                    edge(p, q, rng.choice(("userFlowsTo", "userFlowsTo", "dataFlowsTo")))
    others = [x for k in ("programme", "scene", "advantage", "case", "practice", "other") for x in ids[k]]
    targets = products + ids["programme"] or ["c-care"]
    for x in others:
        edge(x, rng.choice(targets), rng.choice(("supports", "uses", "carriedBy", "inScene", "suits")))
    for f in ids["fact"]:
        edge(f, rng.choice(targets), "measures", False)
    return G


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    G = synthetic_map(a.n, a.seed)
    print(f"{G.number_of_nodes()} nodes, {G.number_of_edges()} edges")

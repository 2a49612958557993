"""ccare.graph.build.to_networkx as it was before it read the map in bulk (one lookup per
node and per edge), kept as the reference the bulk build must equal (tests/test_store.py).

Not collected by pytest (no ``test_`` prefix); imported by path.
"""

from __future__ import annotations

import networkx as nx
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from ccare.kb.model import NEED_CODES, KnowledgeBase
from ccare.ontology import CC, ID, QUDT

#: node kind by class, most specific first
KINDS = (
    (CC.Product, "product"),
    (CC.Programme, "programme"),
    (CC.Need, "need"),
    (CC.Value, "value"),
    (CC.Domain, "domain"),
    (CC.Scene, "scene"),
    (CC.Advantage, "advantage"),
    (CC.Case, "case"),
    (CC.Practice, "practice"),
    (CC.QuantitativeFact, "fact"),
)

ROLES = ((CC.PaymentHub, "hub"), (CC.ReachActivator, "reach"), (CC.EntryChannel, "entry"),
         (CC.SupportingProduct, "supporting"))

#: The relations operating loops walk: users and data moving between products.
FLOW_RELATIONS = ("userFlowsTo", "dataFlowsTo")

#: Predicates that never become edges: bookkeeping of evidence and typing.
_SKIP = {RDF.type, RDF.subject, RDF.predicate, RDF.object, CC.evidence, CC.source}

#: Classes whose instances are not nodes of the map graph (bounds and counted kinds
#: become attributes of the facts that use them).
_NOT_NODES = (CC.Source, CC.Assertion, CC.Merchant, CC.Bound, CC.CountedKind, CC.FactStatus)


def _key(kb: KnowledgeBase, p: URIRef) -> str:
    return str(p)[len(str(CC._NS)):] if str(p).startswith(str(CC._NS)) else kb.node_id(p)


def relation_iri(kb: KnowledgeBase, key: str) -> URIRef:
    """The predicate IRI of an edge key (inverse of the keying used by :func:`to_networkx`)."""
    if ":" not in key:
        return URIRef(str(CC._NS) + key)
    prefix, local = key.split(":", 1)
    ns = dict(kb.graph.namespaces()).get(prefix)
    return URIRef(str(ns) + local) if ns is not None else URIRef(key)


def _kind(kb: KnowledgeBase, node) -> str:
    for cls, kind in KINDS:
        if kb.is_a(node, cls):
            return kind
    return "other"


def _is_node(kb: KnowledgeBase, s) -> bool:
    if not isinstance(s, URIRef) or any(kb.is_a(s, c) for c in _NOT_NODES):
        return False
    # the map's own entities, and the user's entities of a kind the map knows
    return str(s).startswith(str(ID)) or any(kb.is_a(s, cls) for cls, _ in KINDS)


def to_networkx(kb: KnowledgeBase) -> nx.MultiDiGraph:
    """The map as a ``MultiDiGraph`` (see the module docstring).

    Reads ``kb.graph`` only; neither ``kb`` nor its RDF graph is modified.  Nodes and
    edges are added in a fixed order (by id, then relation), so two builds of the same
    map iterate alike.
    """
    g: Graph = kb.graph
    G = nx.MultiDiGraph()
    nodes = {s: kb.node_id(s) for s in set(g.subjects(RDF.type, None)) if _is_node(kb, s)}
    for s, nid in sorted(nodes.items(), key=lambda kv: kv[1]):
        ent = kb.entity(s)
        kind = _kind(kb, s)
        attrs = {
            "iri": ent.iri,
            "type": kb.node_id(URIRef(ent.type)) if ent.type else None,
            "type_iri": ent.type,
            "kind": kind,
            "labels": dict(ent.labels),
            "evidence": [e.to_json() for e in kb.entity_evidence(s)],
            "domains": sorted(kb.node_id(d) for d in g.objects(s, CC.livesIn)),
            "values": sorted(kb.node_id(v) for v in g.objects(s, CC.serves)),
            "roles": [r for cls, r in ROLES if kb.is_a(s, cls)],
        }
        needs = {kb.need_code(kb.need_of(v)) for v in g.objects(s, CC.serves) if kb.need_of(v) is not None}
        attrs["needs"] = [c for c in NEED_CODES if c in needs]
        if kind == "need":
            attrs["code"] = str(g.value(s, SKOS.notation))
        if kind == "fact":
            lit = g.value(s, QUDT.numericValue)
            attrs["value"] = lit.toPython() if isinstance(lit, Literal) else None
            unit = g.value(s, QUDT.unit)
            attrs["unit"] = str(unit).rsplit("/", 1)[-1] if unit is not None else None
            counts, bound = g.value(s, CC.counts), g.value(s, CC.bound)
            attrs["counts"] = kb.node_id(counts) if counts is not None else None
            attrs["bound"] = kb.node_id(bound) if bound is not None else "as-stated"
            status, as_of = g.value(s, CC.status), g.value(s, CC.asOf)
            attrs["status"] = kb.node_id(status) if status is not None else None
            attrs["as_of"] = str(as_of) if as_of is not None else None
        G.add_node(nid, **attrs)
    edges = []
    for s, nid in nodes.items():
        for p, o in g.predicate_objects(s):
            if p in _SKIP or o not in nodes:
                continue
            edges.append((nid, nodes[o], _key(kb, p), s, p, o))
    for u, v, key, s, p, o in sorted(edges, key=lambda e: e[:3]):
        st = kb.statement(s, p, o)
        G.add_edge(
            u,
            v,
            key=key,
            relation=key,
            iri=str(p),
            evidence=[e.to_json() for e in st.evidence],
            inferred=st.inferred,
            rationale=st.rationale,
        )
    return G

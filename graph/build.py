"""From the RDF map to a NetworkX ``MultiDiGraph``, and back.

Nodes are keyed by entity id (the slug, e.g. ``fan-group``; entities outside the map's
namespace keep a prefixed name) and carry ``iri``, ``type`` (most specific class,
prefixed), ``type_iri`` (the same class as a full IRI), ``kind`` (product, programme,
need, value, domain, scene, advantage, case, practice, fact, other),
``labels`` ``{"zh", "en"}``, ``domains``, ``needs`` and ``values`` served, ``roles`` (what
the loop queries read of its classes: ``hub`` for the payment hub, ``reach`` for a product
that turns data into reach, ``entry`` for an entry channel, ``supporting`` for a supporting
product) and the entity's own ``evidence``.  Edges are keyed by relation (the predicate's local name for the ccare
vocabulary, e.g. ``userFlowsTo``, else a prefixed name such as ``skos:broader``) and
carry ``relation`` (the key again), ``iri``, ``evidence`` (list of ``{"source", "line",
"quote"}``), ``inferred`` and ``rationale``.

The queries of :mod:`ccare.graph` read only these attributes, so they run as well on a
hand-made graph of the same shape as on the shipped map.

Examples
--------
>>> from ccare.kb.model import load
>>> G = to_networkx(load())
>>> G.nodes["fan-group"]["kind"], G.nodes["fan-group"]["needs"]
('product', ['ACTIVE', 'WORTH'])
>>> G.nodes["payment"]["roles"], G.nodes["qipan-miyun"]["roles"]
(['hub'], ['reach'])
>>> G.has_edge("payment", "qipan-miyun", key="dataFlowsTo")
True
>>> sorted(flow_graph(G).successors("payment"))
['fan-group', 'life-account', 'mini-program', 'qipan-miyun']
>>> node_entity(G, "payment")["labels"]
{'zh': '支付', 'en': 'payment'}
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from operator import itemgetter

import networkx as nx
from rdflib import RDF, Literal, URIRef
from rdflib.namespace import SKOS

from ccare.graph.view import FLOW_RELATIONS, flow_graph, node_entity, products, require
from ccare.kb.model import KnowledgeBase
from ccare.ontology import CC, ID, QUDT
from ccare.ontology.vocab import NEED_CODES, NODE_KINDS, NODE_ROLES
from ccare.rdfio import bulk

__all__ = [
    "KINDS",
    "ROLES",
    "FLOW_RELATIONS",
    "to_networkx",
    "flow_graph",
    "to_rdf_triples",
    "relation_iri",
    "node_entity",
    "products",
    "require",
]

#: node kind by class, most specific first (:data:`ccare.ontology.vocab.NODE_KINDS` as IRIs)
KINDS = tuple((getattr(CC, cls), kind) for cls, kind in NODE_KINDS)

#: Roles the loop queries read, by class (never by id): a node may have several
#: (:data:`ccare.ontology.vocab.NODE_ROLES` as IRIs).
ROLES = tuple((getattr(CC, cls), role) for cls, role in NODE_ROLES)

#: The modules whose code builds the graph from a loaded map (and the NetworkX version): a
#: graph kept in the parse cache is keyed by the map's key and their source
#: (:func:`ccare.kb.cache.derived_key`), so a change to how it is built is a new entry.
BUILD_CODE = (__name__, "ccare.graph.view", "ccare.kb.model", "ccare.rdfio.bulk", "networkx")

#: Predicates that never become edges: bookkeeping of evidence and typing.
_SKIP = {RDF.type, RDF.subject, RDF.predicate, RDF.object, CC.evidence, CC.source}

#: Classes whose instances are not nodes of the map graph (bounds, counted kinds and
#: statuses become attributes of the facts that use them).
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


class _Types:
    """The classes of every typed IRI, read in one query, with ``is_a`` over the hierarchy.

    Kinds and node-ness depend only on a node's set of classes, and maps have few
    distinct sets: each is worked out once.
    """

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.sup = kb.superclasses
        # instances of these are never nodes (merchants, assertions, ...): not read at all
        never = {c for c in self.sup if any(n in self.sup[c] for n in _NOT_NODES)} | set(_NOT_NODES)
        of: dict = {}
        for s, t in bulk.types(kb.reads, unless=never):
            of.setdefault(s, set()).add(t)
        self.of = {s: frozenset(ts) for s, ts in of.items()}
        self._kinds: dict = {}
        self._nodes: dict = {}
        self._types: dict = {}

    def _is_a(self, types, cls) -> bool:
        return any(t == cls or cls in self.sup.get(t, ()) for t in types)

    def kind(self, node) -> str:
        types = self.of.get(node, frozenset())
        kind = self._kinds.get(types)
        if kind is None:
            kind = self._kinds[types] = next((k for cls, k in KINDS if self._is_a(types, cls)), "other")
        return kind

    def roles(self, node) -> list[str]:
        types = self.of.get(node, frozenset())
        return [r for cls, r in ROLES if self._is_a(types, cls)]

    def type_of(self, node) -> tuple[str | None, str | None]:
        """``(prefixed name, IRI)`` of the most specific class of ``node``, or ``None``s."""
        types = self.of.get(node, frozenset())
        known = self._types.get(types)
        if known is None:
            t = self.kb.most_specific_of(types)
            known = self._types[types] = (self.kb.node_id(t), str(t)) if t is not None else (None, None)
        return known

    def is_node(self, s) -> bool:
        if not isinstance(s, URIRef):
            return False
        types = self.of.get(s, frozenset())
        known = self._nodes.get(types)
        if known is None:
            excluded = any(self._is_a(types, c) for c in _NOT_NODES)
            known = self._nodes[types] = (
                "no" if excluded else "yes" if any(self._is_a(types, cls) for cls, _ in KINDS) else "in-map"
            )
        # the map's own entities, and the user's entities of a kind the map knows
        return known == "yes" or (known == "in-map" and str(s).startswith(str(ID)))


def to_networkx(kb: KnowledgeBase) -> nx.MultiDiGraph:
    """The map as a ``MultiDiGraph`` (see the module docstring).

    Reads ``kb.graph`` only; neither ``kb`` nor its RDF graph is modified.  Nodes and
    edges are added in a fixed order (by id, then relation), so two builds of the same
    map iterate alike.  Facts about many nodes (types, what they serve, evidence) are
    read in bulk, one query each, so that building stays fast on large maps.  When ``kb``
    came through the parse cache (``kb.cache_key``), the graph is kept beside it and
    later builds of the same inputs by the same code read it back.
    """
    key = getattr(kb, "cache_key", None)
    if key is not None:
        from ccare.kb import cache

        key = cache.derived_key(key, *BUILD_CODE)
        G = cache.get_derived(key, "networkx")
        if isinstance(G, nx.MultiDiGraph):
            return G
    # Oxigraph answers the two big reads in threads while _build reads the nodes
    with bulk.gc_paused(), ThreadPoolExecutor(max_workers=2, thread_name_prefix="ccare-read") as pool:
        kb.prefetch(pool)
        G = _build(kb)
    if key is not None:
        cache.put_derived(key, "networkx", G)
    return G


def _build(kb: KnowledgeBase) -> nx.MultiDiGraph:
    # Nodes, relations and objects are handled by key (ccare.rdfio.bulk.key: an IRI's text), not
    # as rdflib terms: a large map has hundreds of thousands of them, and rdflib builds and
    # hashes its terms in Python.
    g = kb.reads  # the graph, or the map parsed without a store (ccare.rdfio.parsed)
    G = nx.MultiDiGraph()
    types = _Types(kb)
    term_of = {str(s): s for s in types.of if types.is_node(s)}
    nodes = {k: kb.node_id(s) for k, s in term_of.items()}
    out: dict = {}
    # what the nodes point at: IRIs, and anything they serve or live in
    for s, p, o in bulk.outgoing(g, nodes, keep_literals=(CC.serves, CC.livesIn), skip=_SKIP):
        out.setdefault(s, []).append((p, o))
    candidates: dict = {}
    for s, label, lang in bulk.labels(g, nodes):
        lang = lang.lower()
        key = "zh" if lang.startswith("zh") else "en" if lang.startswith("en") else None
        if key:
            # the plain tag first (zh before zh-cn), then the label: the same pick on every store
            candidates.setdefault(s, {}).setdefault(key, []).append((lang != key, str(label), label))
    labels = {s: {key: min(c[key])[2] for key in ("zh", "en") if key in c} for s, c in candidates.items()}
    ids = dict(nodes)

    def node_id(k) -> str:
        i = ids.get(k)
        if i is None:
            i = ids[k] = kb.node_id(bulk.term(k))
        return i

    need_of: dict = {}

    def need_code(v):
        if v not in need_of:
            n = bulk.value(g, v, SKOS.broader)
            need_of[v] = str(bulk.value(g, n, SKOS.notation)) if n is not None else None
        return need_of[v]

    evidence = kb.evidence_index
    serves, lives_in = str(CC.serves), str(CC.livesIn)
    for k, nid in sorted(nodes.items(), key=lambda kv: kv[1]):
        s = term_of[k]
        kind = types.kind(s)
        type_id, type_iri = types.type_of(s)
        linked = out.get(k, ())
        served = {o for p, o in linked if p == serves}
        attrs = {
            "iri": k,
            "type": type_id,
            "type_iri": type_iri,
            "kind": kind,
            "labels": labels.get(k, {}),
            "evidence": _evidence_json(evidence.get(k, ())),
            "domains": sorted({node_id(o) for p, o in linked if p == lives_in}),
            "values": sorted(node_id(v) for v in served),
            "roles": types.roles(s),
        }
        needs = {need_code(v) for v in served} - {None}
        attrs["needs"] = [c for c in NEED_CODES if c in needs]
        if kind == "need":
            attrs["code"] = str(bulk.value(g, k, SKOS.notation))
        if kind == "fact":
            lit = bulk.value(g, k, QUDT.numericValue)
            attrs["value"] = lit.toPython() if isinstance(lit, Literal) else None
            unit = bulk.value(g, k, QUDT.unit)
            attrs["unit"] = str(unit).rsplit("/", 1)[-1] if unit is not None else None
            counts, bound = bulk.value(g, k, CC.counts), bulk.value(g, k, CC.bound)
            attrs["counts"] = kb.node_id(counts) if counts is not None else None
            attrs["bound"] = kb.node_id(bound) if bound is not None else "as-stated"
            status, as_of = bulk.value(g, k, CC.status), bulk.value(g, k, CC.asOf)
            attrs["status"] = kb.node_id(status) if status is not None else None
            attrs["as_of"] = str(as_of) if as_of is not None else None
        G.add_node(nid, **attrs)
    skip = {str(p) for p in _SKIP}
    relation: dict = {}
    edges = []
    for s, linked in out.items():
        u = nodes[s]
        for p, o in linked:
            v = nodes.get(o)
            if v is None or p in skip:
                continue
            r = relation.get(p)
            if r is None:
                r = relation[p] = _key(kb, URIRef(p))
            edges.append((u, v, r, s, p, o))
    edges.sort(key=itemgetter(0, 1, 2))
    facts, add = kb.triple_facts, G.add_edge
    for u, v, r, s, p, o in edges:
        ev, inferred, rationale = facts(s, p, o)
        add(u, v, key=r, relation=r, iri=p, evidence=_evidence_json(ev), inferred=inferred, rationale=rationale)
    return G


def _evidence_json(evidence) -> list[dict]:
    """Evidence tuples as :meth:`ccare.kb.model.Evidence.to_json` writes them."""
    return [{"source": s, "line": line, "quote": q} for s, line, q in evidence]


def to_rdf_triples(G: nx.MultiDiGraph) -> set:
    """The RDF triples ``(subject, predicate, object)`` the edges of ``G`` stand for.

    The inverse of the edges :func:`to_networkx` builds: a round trip gives back every
    relation between two entities of the map (see ``tests/test_graph_build.py``).
    """
    iri = {n: URIRef(d["iri"]) for n, d in G.nodes(data=True)}
    return {(iri[u], URIRef(d["iri"]), iri[v]) for u, v, d in G.edges(data=True)}

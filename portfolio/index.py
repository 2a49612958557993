"""The merchants of a loaded map, as light records beside the product graph.

Merchants are not nodes of the NetworkX map (:mod:`ccare.graph.build` leaves them
out): a portfolio of 20,000 merchants would swamp a graph of a few dozen products.
:func:`merchants` reads them instead into :class:`Merchant` records holding node ids:
the products each uses (those that are products of the map graph; anything else it
``cc:uses`` is kept apart in ``other``), its scale, stage and industry.

Records come from the knowledge base's own graph, and, when the knowledge base stands
for a SPARQL endpoint, from a grouped ``SELECT`` the endpoint answers, one row per
merchant (:data:`MERCHANTS_QUERY`, run by
:meth:`ccare.endpoint.remote.RemoteKnowledgeBase.merchant_records`), so the merchants
never leave the server as triples.

Examples
--------
>>> from ccare.kb.model import load
>>> from ccare.graph.build import to_networkx
>>> kb = load()
>>> recs = [{"iri": "https://w3id.org/ccare/id/merchant-M1", "id": "M1", "labels": {"zh": "老乡鸡"},
...          "scale": "https://w3id.org/ccare/id/scale-large", "stage": None, "industry": None,
...          "uses": ["https://w3id.org/ccare/id/fan-group", "https://w3id.org/ccare/id/laoxiangji"]}]
>>> m, = from_records(kb, to_networkx(kb), recs)
>>> m.id, m.uses, m.other, m.scale_name, m.stage_name
('M1', ('fan-group',), ('laoxiangji',), 'large', None)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator
from urllib.parse import unquote

import networkx as nx
from rdflib import RDF, RDFS, URIRef

from ccare.graph.loops import OFFERING_KINDS
from ccare.graph.prescribe import SCALES, STAGES
from ccare.kb.model import KnowledgeBase
from ccare.ontology import CC
from ccare.rdfio import terms
from ccare.rdfio.store import oxigraph_of

__all__ = ["MERCHANTS_QUERY", "MERCHANT_COUNT_QUERY", "Merchant", "merchants", "from_records", "local_records",
           "records_from_rows"]


@dataclass(frozen=True)
class Merchant:
    """One merchant: ``id`` (its ``cc:merchantId``, else its node id), ``iri``, ``labels``,
    node ids of its ``scale``, ``stage`` and ``industry``, the products it ``uses`` and the
    ``other`` things it uses that are not products of the map."""

    id: str
    iri: str
    labels: dict
    scale: str | None
    stage: str | None
    industry: str | None
    uses: tuple
    other: tuple = ()
    alipay_payment: bool = True

    @property
    def scale_name(self) -> str | None:
        """``small``, ``medium`` or ``large`` (what prescriptions take), else None."""
        return _short(self.scale, "scale-", SCALES)

    @property
    def stage_name(self) -> str | None:
        """``exploring`` or ``mature``, else None."""
        return _short(self.stage, "stage-", STAGES)

    def label(self, lang: str = "en") -> str:
        other = "zh" if lang == "en" else "en"
        return self.labels.get(lang) or self.labels.get(other) or self.id

    def to_json(self) -> dict:
        return {"id": self.id, "iri": self.iri, "labels": dict(self.labels), "industry": self.industry,
                "scale": self.scale, "stage": self.stage, "products": list(self.uses), "other": list(self.other),
                "alipay_payment": self.alipay_payment}


def _short(node_id, prefix, allowed):
    if node_id and node_id.startswith(prefix) and node_id[len(prefix):] in allowed:
        return node_id[len(prefix):]
    return None


def _lang_key(lang: str | None) -> str | None:
    lang = (lang or "").lower()
    return "zh" if lang.startswith("zh") else "en" if lang.startswith("en") else None


#: The merchant properties the index reads, and the record key of each.
_PROPS = {
    str(CC.merchantId): "id",
    str(RDFS.label): "labels",
    str(CC.hasScale): "scale",
    str(CC.hasStage): "stage",
    str(CC.inIndustry): "industry",
    str(CC.uses): "uses",
    str(CC.takesAlipayPayment): "alipay",
}

_FLAT_QUERY = (
    "SELECT ?m ?p ?o WHERE { ?m a %s ; ?p ?o FILTER(isIRI(?m) && ?p IN (%s)) }"
    % (terms.iri(CC.Merchant), ", ".join(terms.iri(p) for p in _PROPS))
)


def _statements(kb: KnowledgeBase) -> Iterator[tuple]:
    """``(merchant, property, value, is_iri, lang)`` strings for every merchant property.

    On an Oxigraph store one native SPARQL query; on any other store one scan per
    property.  (Going through rdflib's API term by term costs a fixed amount per lookup,
    which adds up over tens of thousands of merchants.)
    """
    g = kb.graph
    st = oxigraph_of(g)
    if st is not None:
        import pyoxigraph as ox

        rows = st.query(_FLAT_QUERY)
        assert isinstance(rows, ox.QuerySolutions)  # a SELECT
        for m, p, o in rows:
            yield m.value, p.value, o.value, isinstance(o, ox.NamedNode), getattr(o, "language", None)
        return
    ms = {m for m in g.subjects(RDF.type, CC.Merchant) if isinstance(m, URIRef)}
    for p in _PROPS:
        for m, o in g.subject_objects(URIRef(p)):
            if m in ms:
                yield str(m), p, str(o), isinstance(o, URIRef), getattr(o, "language", None)
    for m in ms:  # merchants with none of the properties
        yield str(m), None, None, False, None


def local_records(kb: KnowledgeBase) -> list[dict]:
    """Records (see :func:`from_records`) of the merchants in ``kb.graph``.

    Where a merchant has several ids, scales, ... or labels in one language, the least
    (in code-point order) wins, as at an endpoint (:data:`MERCHANTS_QUERY`).
    """
    recs: dict = {}
    for m, p, o, is_iri, lang in _statements(kb):
        rec = recs.get(m)
        if rec is None:
            rec = recs[m] = {"iri": m, "id": None, "labels": {}, "scale": None, "stage": None,
                             "industry": None, "uses": [], "alipay": None}
        key = _PROPS.get(p)
        if key is None:
            continue
        if key == "uses":
            if is_iri:
                rec["uses"].append(o)
        elif key == "alipay":  # a literal; any "false" wins (the merchant said it does not)
            if not is_iri and (rec["alipay"] is None or o < rec["alipay"]):
                rec["alipay"] = o
        elif key == "labels":
            k = _lang_key(lang)
            if k is not None and (k not in rec["labels"] or o < rec["labels"][k]):
                rec["labels"][k] = o
        elif is_iri == (key != "id") and (rec[key] is None or o < rec[key]):
            rec[key] = o
    return list(recs.values())


def records_from_rows(rows: Iterable[dict]) -> list[dict]:
    """Records from the rows of :data:`MERCHANTS_QUERY` (``{"m": iri, "props": text}``)."""
    out = []
    for r in rows:
        if not r.get("m"):
            continue
        rec = {"iri": r["m"], "id": None, "labels": {}, "scale": None, "stage": None, "industry": None, "uses": [],
               "alipay": None}
        for item in (r.get("props") or "").split():
            key, kind, lang, value = item.split(":", 3)
            value = unquote(value)
            if key == "uses":
                if kind == "i":
                    rec["uses"].append(value)
            elif key == "alipay":
                if kind == "l" and (rec["alipay"] is None or value < rec["alipay"]):
                    rec["alipay"] = value
            elif key == "labels":
                k = _lang_key(lang)
                if k is not None and (k not in rec["labels"] or value < rec["labels"][k]):
                    rec["labels"][k] = value
            elif key in rec and (kind == "i") == (key != "id") and (rec[key] is None or value < rec[key]):
                rec[key] = value
        out.append(rec)
    return out


#: Every merchant, one row each, for an endpoint: ``?m`` and ``?props``, the merchant's
#: properties packed into one string the server builds (``key:kind:lang:value`` items, the
#: value percent-encoded, so no separator can clash).  One grouping pass over one triple
#: pattern: the form that servers answer fastest, with a row per merchant rather than per
#: triple.  Read by :func:`records_from_rows`.
MERCHANTS_QUERY = """PREFIX cc: <https://w3id.org/ccare/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?m (GROUP_CONCAT(?item; separator=" ") AS ?props) WHERE {
  ?m a cc:Merchant .
  FILTER(isIRI(?m))
  OPTIONAL {
    VALUES (?p ?k) { (cc:merchantId "id") (rdfs:label "labels") (cc:hasScale "scale") (cc:hasStage "stage")
                     (cc:inIndustry "industry") (cc:uses "uses") (cc:takesAlipayPayment "alipay") }
    ?m ?p ?o .
    BIND(CONCAT(?k, ":", IF(isIRI(?o), "i", "l"), ":", IF(isLiteral(?o), LANG(?o), ""), ":",
                ENCODE_FOR_URI(STR(?o))) AS ?item)
  }
} GROUP BY ?m"""

#: How many merchants an endpoint holds (to tell a complete answer from a capped one).
MERCHANT_COUNT_QUERY = """PREFIX cc: <https://w3id.org/ccare/ontology#>
SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a cc:Merchant FILTER(isIRI(?m)) }"""


def from_records(kb: KnowledgeBase, G: nx.MultiDiGraph, records: Iterable[dict]) -> list[Merchant]:
    """:class:`Merchant` records, sorted by id, from plain records.

    Each record has ``iri``, ``id`` (or None), ``labels`` ``{"zh", "en"}``, ``scale``,
    ``stage`` and ``industry`` (IRIs or None) and ``uses`` (IRIs).  A merchant that
    appears twice (in the endpoint and in a local file) is read once, the first time.
    """
    known = {n for n, k in G.nodes(data="kind") if k in OFFERING_KINDS}
    ids: dict = {}

    def node(v):
        if not v:
            return None
        n = ids.get(v)
        if n is None:
            n = ids[v] = kb.node_id(URIRef(v))
        return n

    out = {}
    for r in records:
        if r["iri"] in out:
            continue
        used = sorted({node(u) for u in r.get("uses") or ()})
        out[r["iri"]] = Merchant(
            id=r.get("id") or kb.node_id(URIRef(r["iri"])),
            iri=r["iri"],
            labels=dict(r.get("labels") or {}),
            scale=node(r.get("scale")),
            stage=node(r.get("stage")),
            industry=node(r.get("industry")),
            uses=tuple(u for u in used if u in known),
            other=tuple(u for u in used if u not in known),
            alipay_payment=str(r.get("alipay") or "true").strip().lower() not in ("false", "0"),
        )
    return sorted(out.values(), key=lambda m: (m.id, m.iri))


def merchants(kb: KnowledgeBase, G: nx.MultiDiGraph) -> list[Merchant]:
    """Every merchant of ``kb``: those of its graph, and those its endpoint holds (if any)."""
    records = local_records(kb)
    remote = getattr(kb, "merchant_records", None)
    if remote is not None:
        records += remote()
    return from_records(kb, G, records)

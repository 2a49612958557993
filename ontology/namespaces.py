"""The ccare vocabulary as rdflib namespaces: ``CC``, ``ID``, ``QUDT``, ``UNIT``, ``PREFIXES``.

Import them from :mod:`ccare.ontology` (``from ccare.ontology import CC``), which loads
this module, and rdflib with it, on first use; the same strings without rdflib are in
:mod:`ccare.ontology.vocab`.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from ccare.ontology.vocab import CC_NS, ID_NS, QUDT_NS, UNIT_NS

__all__ = ["CC", "ID", "QUDT", "UNIT", "PREFIXES"]


class CC(DefinedNamespace):
    """The ccare vocabulary; a misspelt term raises instead of minting a new IRI."""

    _fail = True
    _NS = Namespace(CC_NS)

    # classes
    OperatingModel: URIRef
    CustomerAsset: URIRef
    Need: URIRef
    Value: URIRef
    Offering: URIRef
    Product: URIRef
    CoreProduct: URIRef
    OtherProduct: URIRef
    PaymentHub: URIRef
    ReachActivator: URIRef
    SupportingProduct: URIRef
    Instrument: URIRef
    EntryChannel: URIRef
    Programme: URIRef
    Domain: URIRef
    Scene: URIRef
    CoreAdvantage: URIRef
    Case: URIRef
    Practice: URIRef
    QuantitativeFact: URIRef
    CountedKind: URIRef
    Bound: URIRef
    ProfileDimension: URIRef
    MerchantScale: URIRef
    DigitalisationStage: URIRef
    Industry: URIRef
    Merchant: URIRef
    Source: URIRef
    Evidence: URIRef
    Assertion: URIRef
    Event: URIRef
    Platform: URIRef
    PlatformRole: URIRef
    Advantage: URIRef
    OperatingQuality: URIRef
    ServiceProvider: URIRef
    Metaphor: URIRef
    Measure: URIRef
    MerchantCohort: URIRef
    FactStatus: URIRef
    # object properties
    centredOn: URIRef
    serves: URIRef
    livesIn: URIRef
    opensInto: URIRef
    inScene: URIRef
    flowsTo: URIRef
    userFlowsTo: URIRef
    dataFlowsTo: URIRef
    supports: URIRef
    combinesWith: URIRef
    incentivises: URIRef
    suits: URIRef
    uses: URIRef
    reports: URIRef
    carriedBy: URIRef
    measures: URIRef
    counts: URIRef
    bound: URIRef
    ofDimension: URIRef
    hasScale: URIRef
    hasStage: URIRef
    inIndustry: URIRef
    evidence: URIRef
    source: URIRef
    hostedBy: URIRef
    presents: URIRef
    servesAs: URIRef
    evolvingInto: URIRef
    deepenedInto: URIRef
    delivers: URIRef
    standsFor: URIRef
    voicedBy: URIRef
    composes: URIRef
    systematises: URIRef
    prioritisedBy: URIRef
    hasMeasure: URIRef
    openTo: URIRef
    status: URIRef
    # datatype properties
    line: URIRef
    quote: URIRef
    inferred: URIRef
    rationale: URIRef
    file: URIRef
    freeFrom: URIRef
    merchantId: URIRef
    takesAlipayPayment: URIRef
    asOf: URIRef
    fixedOrder: URIRef


#: Namespace of the map's entities: ``ID["fan-group"]``.
ID = Namespace(ID_NS)
QUDT = Namespace(QUDT_NS)
UNIT = Namespace(UNIT_NS)

#: Prefixes bound on every graph ccare builds (for readable Turtle and SPARQL).
PREFIXES = {
    "cc": str(CC._NS),
    "ccid": str(ID),
    "qudt": str(QUDT),
    "unit": str(UNIT),
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "sh": "http://www.w3.org/ns/shacl#",
}

"""The ccare ontology, knowledge base and shapes, shipped as package data.

Files are found with :func:`importlib.resources.files`, never by path arithmetic:

- ``ccare.ttl``: the vocabulary (TBox);
- ``kb/*.ttl``: the knowledge base (ABox), every relation a reified, evidenced assertion;
- ``shapes/*.ttl``: the SHACL shapes the map must conform to;
- ``sources/*.txt``: the source texts the evidence quotes.

Examples
--------
>>> from ccare.ontology import CC, ID, tbox_files, kb_files
>>> str(CC.serves)
'https://w3id.org/ccare/ontology#serves'
>>> str(ID["fan-group"])
'https://w3id.org/ccare/id/fan-group'
>>> len(kb_files()) > 0 and len(tbox_files()) == 1
True
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

__all__ = [
    "CC",
    "ID",
    "QUDT",
    "UNIT",
    "PREFIXES",
    "tbox_files",
    "kb_files",
    "shape_files",
    "source_text",
    "source_lines",
]


class CC(DefinedNamespace):
    """The ccare vocabulary; a misspelt term raises instead of minting a new IRI."""

    _fail = True
    _NS = Namespace("https://w3id.org/ccare/ontology#")

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
ID = Namespace("https://w3id.org/ccare/id/")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")

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

_ROOT = files(__name__)


def _ttl(folder: Traversable) -> list[Traversable]:
    return sorted((f for f in folder.iterdir() if f.name.endswith(".ttl")), key=lambda f: f.name)


def tbox_files() -> list[Traversable]:
    """The vocabulary files (``ontology/*.ttl``)."""
    return _ttl(_ROOT)


def kb_files() -> list[Traversable]:
    """The knowledge-base files (``ontology/kb/*.ttl``)."""
    return _ttl(_ROOT / "kb")


def shape_files() -> list[Traversable]:
    """The SHACL shape files (``ontology/shapes/*.ttl``)."""
    return _ttl(_ROOT / "shapes")


def source_text(name: str) -> str:
    """The text of a shipped source file, by its ``cc:file`` name.

    Raises ``FileNotFoundError`` when ccare ships no source of that name.
    """
    if "/" in name or "\\" in name or name.startswith("."):
        raise FileNotFoundError(name)
    return (_ROOT / "sources" / name).read_text(encoding="utf-8")


def source_lines(name: str) -> list[str]:
    """The lines of a shipped source file; line ``n`` is ``source_lines(name)[n - 1]``."""
    return source_text(name).split("\n")

"""What the cells of a portfolio name: products, scales, stages and industries of the map.

:class:`Names` resolves each distinct cell text once (a portfolio of 20,000 merchants
names the same dozen products over and over).  Products go through
:meth:`ccare.kb.model.KnowledgeBase.resolve` restricted to products, so ids, zh and en labels
and alternative labels all work, and an unknown name comes back with near matches.
Scales and stages are the map's ``cc:MerchantScale`` and ``cc:DigitalisationStage``
individuals, by short name (``small``), id (``scale-small``) or label (``小商家``).
An industry is a ``cc:Industry`` of the map when one is called that, else a new one
with a stable id minted from the text (:func:`industry_slug`).

Examples
--------
>>> from ccare.kb.model import load
>>> names = Names(load())
>>> names.kb.node_id(names.product("芝麻信用")), names.kb.node_id(names.scale("小商家"))
('zhima-credit', 'scale-small')
>>> names.scale("tiny")
Traceback (most recent call last):
...
ValueError: unknown scale 'tiny' (allowed: small, medium, large)
>>> industry_slug("Leisure & Entertainment"), industry_slug("餐饮"), merchant_slug("A/1 x")
('leisure-entertainment', '餐饮', 'A%2F1%20x')
"""

from __future__ import annotations

import re
import unicodedata

from rdflib import RDF, RDFS, URIRef
from rdflib.namespace import SKOS

from ccare.errors import UnknownEntityError
from ccare.graph.prescribe import SCALES, STAGES
from ccare.kb.model import KnowledgeBase
from ccare.ontology import CC, ID

__all__ = ["Names", "industry_slug", "merchant_slug", "industry_iri", "merchant_iri"]

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def industry_slug(text: str) -> str:
    """A stable id for an industry named ``text``: NFKC, case-folded, words joined by ``-``."""
    return _NOT_WORD.sub("-", unicodedata.normalize("NFKC", text).casefold()).strip("-")


def merchant_slug(merchant_id: str) -> str:
    """``merchant_id`` made safe for an IRI, one-to-one: letters, digits and ``-._~`` stay,
    anything else becomes ``%XX`` (its UTF-8 bytes), so ids differing in case or punctuation
    stay apart."""
    out = []
    for ch in merchant_id:
        if (ch.isascii() and (ch.isalnum() or ch in "-._~")) or (not ch.isascii() and ch.isalnum()):
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def industry_iri(text: str) -> URIRef:
    return ID["industry-" + industry_slug(text)]


def merchant_iri(merchant_id: str) -> URIRef:
    return ID["merchant-" + merchant_slug(merchant_id)]


def _keys(kb: KnowledgeBase, node, prefix: str = "") -> list[str]:
    g = kb.graph
    nid = kb.node_id(node)
    keys = [nid]
    if prefix and nid.startswith(prefix):
        keys.append(nid[len(prefix):])
    keys += [str(o) for p in (RDFS.label, SKOS.altLabel) for o in g.objects(node, p)]
    return [k.strip().casefold() for k in keys]


class Names:
    """Resolves portfolio cells against ``kb``; every method caches by cell text."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self._products: dict = {}
        self.scales, self.scale_names = self._choices(CC.MerchantScale, "scale-", SCALES)
        self.stages, self.stage_names = self._choices(CC.DigitalisationStage, "stage-", STAGES)
        self.industries: dict = {}
        for node in kb.graph.subjects(RDF.type, CC.Industry):
            if isinstance(node, URIRef):
                for k in _keys(kb, node, "industry-"):
                    self.industries.setdefault(k, node)

    def _choices(self, cls, prefix: str, order) -> tuple[dict, list[str]]:
        choices: dict = {}
        short = []
        for node in self.kb.instances(cls):
            nid = self.kb.node_id(node)
            short.append(nid[len(prefix):] if nid.startswith(prefix) else nid)
            for k in _keys(self.kb, node, prefix):
                choices.setdefault(k, node)
        rank = {n: i for i, n in enumerate(order)}
        short.sort(key=lambda n: (rank.get(n, len(rank)), n))
        return choices, short

    def product(self, text: str) -> URIRef:
        """The product called ``text``; :class:`~ccare.errors.UnknownEntityError` with near matches."""
        key = text.strip()
        hit = self._products.get(key)
        if hit is None:
            try:
                hit = self.kb.resolve(key, CC.Offering, kind="product")
            except UnknownEntityError as e:
                try:  # a practice such as member operation is run like an offering
                    hit = self.kb.resolve(key, CC.Practice, kind="product")
                except UnknownEntityError:
                    hit = e
            self._products[key] = hit
        if isinstance(hit, UnknownEntityError):
            raise hit
        return hit

    def scale(self, text: str) -> URIRef:
        """The ``cc:MerchantScale`` called ``text``; ``ValueError`` listing the allowed ones."""
        return self._pick(text, self.scales, self.scale_names, "scale")

    def stage(self, text: str) -> URIRef:
        """The ``cc:DigitalisationStage`` called ``text``; ``ValueError`` listing the allowed ones."""
        return self._pick(text, self.stages, self.stage_names, "stage")

    @staticmethod
    def _pick(text, choices, allowed, what) -> URIRef:
        hit = choices.get(text.strip().casefold())
        if hit is None:
            raise ValueError(f"unknown {what} {text.strip()!r} (allowed: {', '.join(allowed)})")
        return hit

    def industry(self, text: str) -> tuple[URIRef, bool]:
        """The industry called ``text`` and whether it is new (minted here, not in the map).

        ``ValueError`` when the text has no letter or digit to make an id of.
        """
        hit = self.industries.get(text.strip().casefold())
        if hit is not None:
            return hit, False
        if not industry_slug(text):
            raise ValueError(f"industry {text.strip()!r} has no letter or digit to name it by")
        return industry_iri(text), True

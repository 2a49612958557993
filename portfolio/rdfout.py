"""A checked portfolio as RDF: merchants, the industries they name, and the CSV as their source.

Each good row becomes a ``cc:Merchant`` (IRI ``ccid:merchant-<id>``, see
:func:`~ccare.portfolio.names.merchant_iri`) with ``cc:merchantId``, ``rdfs:label`` (the
name, tagged ``@zh`` when it has Chinese characters, else ``@en``), ``cc:inIndustry``,
``cc:hasScale``, ``cc:hasStage`` and ``cc:uses`` of each product.  Where the facts come
from is recorded the way the map records its own: the merchant's ``cc:evidence`` names
the CSV file as a ``cc:Source`` (``cc:file`` is the file's name, never its path), the
line the row starts on, and the row itself as the verbatim quote.  An industry the map
does not know becomes a ``cc:Industry`` of the industry dimension, labelled with the
text that named it and evidenced by the first row naming it.

The source's IRI carries a digest of the file's bytes, so importing the same file twice
gives the same triples, and two files of the same name stay apart.  The Turtle is
written directly, in file order, with no random blank-node labels: the same input gives
the same bytes.

Examples
--------
>>> import io
>>> from ccare.kb.model import load
>>> from ccare.portfolio.csvin import parse
>>> from ccare.portfolio.names import Names
>>> p = parse("id,name,products\\nM1,老乡鸡,商家粉丝群\\n", Names(load()), name="p.csv")
>>> out = io.StringIO()
>>> write_turtle(p, out, digest="0" * 64)
1
>>> print(out.getvalue().split("\\n\\n")[-1].strip())
ccid:merchant-M1 a cc:Merchant ;
    cc:merchantId "M1" ;
    rdfs:label "老乡鸡"@zh ;
    cc:uses ccid:fan-group ;
    cc:evidence [ cc:source ccid:csv-p-0000000000 ; cc:line 2 ; cc:quote "M1,老乡鸡,商家粉丝群" ] .
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePath
from typing import TextIO

from rdflib import Literal, URIRef

from ccare.ontology import ID
from ccare.portfolio.csvin import Portfolio
from ccare.portfolio.names import industry_slug, merchant_iri

__all__ = ["digest_of", "source_iri", "label_literal", "write_turtle"]

_PREFIXES = """\
@prefix cc:      <https://w3id.org/ccare/ontology#> .
@prefix ccid:    <https://w3id.org/ccare/id/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""

_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_\-]*)")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def digest_of(data: bytes) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


def source_iri(file_name: str, digest: str) -> URIRef:
    """The ``cc:Source`` IRI of a portfolio file: its name's stem and a digest of its bytes."""
    stem = industry_slug(PurePath(file_name).stem) or "csv"
    return ID[f"csv-{stem}-{digest[:10]}"]


def label_literal(text: str) -> Literal:
    """``text`` as a label: ``@zh`` when it has Chinese characters, else ``@en``."""
    return Literal(text, lang="zh" if _HAN.search(text) else "en")


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


#: What a ``#`` comment must not hold raw: line ends (a newline would end the comment and
#: start triples), every other control character, and the bidirectional controls.
_COMMENT_UNSAFE = {c: f"\\u{c:04x}" for c in [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029,
                                              0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def _comment(text: str) -> str:
    """``text`` safe inside a one-line Turtle comment: control characters as ``\\uXXXX``."""
    return text.translate(_COMMENT_UNSAFE)


def _lit(text: str, lang: str | None = None) -> str:
    """``text`` as a one-line Turtle string literal."""
    return '"' + text.translate(_ESCAPES) + '"' + (f"@{lang}" if lang else "")


def _term(node) -> str:
    if isinstance(node, URIRef) and str(node).startswith(str(ID)):
        local = str(node)[len(str(ID)):]
        if _LOCAL.fullmatch(local):
            return "ccid:" + local
    if isinstance(node, Literal) and node.datatype is None:
        return _lit(str(node), node.language)
    return node.n3()


def _evidence(source: URIRef, line: int, quote: str) -> str:
    return f"cc:evidence [ cc:source {_term(source)} ; cc:line {line} ; cc:quote {_lit(quote)} ]"


def write_turtle(portfolio: Portfolio, out: TextIO, *, digest: str) -> int:
    """Write the good rows of ``portfolio`` to ``out`` as Turtle; return the merchants written.

    ``digest`` is :func:`digest_of` the CSV's bytes; ``portfolio.name`` names the file
    (only its last part is written).
    """
    file_name = PurePath(portfolio.name).name if portfolio.name != "-" else "stdin.csv"
    src = source_iri(file_name, digest)
    rows = portfolio.rows
    w = out.write
    w(f"# Merchants imported by `ccare import` from {_comment(file_name)}: {len(rows)} merchant(s)"
      f"{f'; {len(portfolio.problems)} bad row(s) left out' if portfolio.problems else ''}.\n")
    w(_PREFIXES)
    w(f"\n{_term(src)} a cc:Source ;\n"
      f"    rdfs:label {_lit('商家名单 ' + file_name, 'zh')} , "
      f"{_lit('merchant portfolio ' + file_name, 'en')} ;\n"
      '    skos:definition "A merchant portfolio in CSV, imported with ccare import; each merchant\'s '
      'evidence quotes its row, and the line it starts on."@en ;\n'
      f"    cc:file {_lit(file_name)} ;\n"
      '    dcterms:format "text/csv" .\n')
    industries: dict = {}
    for r in rows:
        if r.industry is not None and r.industry_new and r.industry not in industries:
            industries[r.industry] = r
    for iri, r in sorted(industries.items(), key=lambda kv: str(kv[0])):
        w(f"\n{_term(iri)} a cc:Industry ; cc:ofDimension ccid:industry-dimension ;\n"
          f"    rdfs:label {_term(label_literal(r.industry_text))} ;\n"
          f"    skos:definition {_lit('An industry named in the merchant portfolio ' + file_name + '.', 'en')} ;\n"
          f"    {_evidence(src, r.line, r.quote)} .\n")
    for r in rows:
        parts = [f"{_term(merchant_iri(r.id))} a cc:Merchant", f"cc:merchantId {_lit(r.id)}"]
        if r.name:
            parts.append(f"rdfs:label {_term(label_literal(r.name))}")
        if r.industry is not None:
            parts.append(f"cc:inIndustry {_term(r.industry)}")
        if r.scale is not None:
            parts.append(f"cc:hasScale {_term(r.scale)}")
        if r.stage is not None:
            parts.append(f"cc:hasStage {_term(r.stage)}")
        if r.products:
            parts.append("cc:uses " + " , ".join(_term(p) for p in r.products))
        if r.alipay_payment is not None:
            parts.append(f"cc:takesAlipayPayment {'true' if r.alipay_payment else 'false'}")
        parts.append(_evidence(src, r.line, r.quote))
        w("\n" + " ;\n    ".join(parts) + " .\n")
    return len(rows)

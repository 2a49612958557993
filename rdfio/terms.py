r"""RDF terms written into SPARQL text, never pasted: the one place ccare builds them.

Query and update text that ccare builds (``INSERT DATA`` for ``ccare load``, ``VALUES``
blocks, the duplicate check) takes its terms from files and endpoints, which are
untrusted.  An IRI such as ``http://ex/a> . } ; DROP ALL ; INSERT DATA { <x`` pasted
between ``<`` and ``>`` ends the data block and runs an update of its own; rdflib's
TriX and N3 parsers do not check IRIs, so such a term can reach ccare.

Every term is therefore written by Oxigraph's serializer, which refuses what is not an
absolute IRI, a blank-node label or a language tag (:class:`TermError`), and escapes
literals.  Then one more step: SPARQL 1.1 (§19.2) expands ``\uXXXX`` escapes anywhere in
the text before the grammar, and engines differ in how (rdflib's parser reads ``\u``
with eight hex digits as one escape).  So no ``\u`` or ``\U`` is left that an engine
could read two ways: a literal backslash before ``u`` is written ``\\\U00000075``, and
Oxigraph's ``\uXXXX`` escapes as ``\UXXXXXXXX``.

>>> from rdflib import BNode, Literal, URIRef
>>> term(URIRef("https://w3id.org/ccare/id/fan-group"))
'<https://w3id.org/ccare/id/fan-group>'
>>> term(Literal('说 "是"\n', lang="zh"))
'"说 \\"是\\"\\n"@zh'
>>> term(Literal("C:\\u0022", datatype=URIRef("http://ex/t")))
'"C:\\\\\\U000000750022"^^<http://ex/t>'
>>> term(URIRef("http://ex/a> . } ; DROP ALL ; INSERT DATA { <http://ex/b"))
Traceback (most recent call last):
...
ccare.errors.TermError: not an absolute IRI: 'http://ex/a> . } ; DROP ALL ; INSERT DATA {
<http://ex/b' (Invalid IRI code point '>')
>>> term(BNode("b0"), label="b0")
'_:b0'
>>> values("s", [URIRef("http://ex/b"), URIRef("http://ex/a")])
'VALUES ?s { <http://ex/a> <http://ex/b> }'
"""

from __future__ import annotations

import re
from typing import Iterable

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from ccare.errors import TermError

__all__ = ["TermError", "term", "iri", "values"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# an escape unit of Oxigraph's N-Triples text: "\\" before u/U, a \uXXXX escape, any other
_UNIT = re.compile(r"\\\\([uU])|\\u([0-9A-Fa-f]{4})|\\.", re.S)


def _shown(value: str, width: int = 120) -> str:
    return repr(value if len(value) <= width else value[:width] + "…")


def _named(value: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError as e:
        raise TermError(f"not an absolute IRI: {_shown(value)} ({e})") from None


def _unit(m: re.Match) -> str:
    if m[1]:  # a literal backslash before u/U: write the letter as an escape no engine misreads
        return "\\\\\\U000000" + ("75" if m[1] == "u" else "55")
    if m[2]:
        return "\\U0000" + m[2]
    return m[0]


def _literal(node: Literal) -> str:
    lang, dt = node.language, node.datatype
    try:
        if lang:
            lit = ox.Literal(str(node), language=lang)
        else:
            lit = ox.Literal(str(node), datatype=_named(str(dt)) if dt is not None and str(dt) != _XSD_STRING else None)
    except ValueError as e:
        if isinstance(e, TermError):
            raise
        raise TermError(f"not a language tag: {_shown(str(lang))} ({e})") from None
    text = str(lit)
    return _UNIT.sub(_unit, text) if "\\" in text else text


def iri(node) -> str:
    """``<iri>`` for an rdflib :class:`~rdflib.URIRef` (or a string); :class:`TermError` if invalid."""
    return str(_named(str(node)))


def term(node, label: str | None = None) -> str:
    """The SPARQL text of an rdflib IRI, literal or blank node.

    A blank node is written with ``label`` (the caller keeps labels unique within one
    request); :class:`TermError` for anything that is not a valid term.
    """
    if isinstance(node, URIRef):
        return iri(node)
    if isinstance(node, Literal):
        return _literal(node)
    if isinstance(node, BNode):
        try:
            return str(ox.BlankNode(label if label is not None else str(node)))
        except ValueError:
            raise TermError(f"not a blank-node label: {_shown(label or str(node))}") from None
    raise TermError(f"cannot write {node!r} in SPARQL")


def values(var: str, nodes: Iterable) -> str:
    """A ``VALUES ?var { ... }`` block binding ``var`` to each of ``nodes``, sorted."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
        raise TermError(f"not a variable name: {_shown(var)}")
    return "VALUES ?%s { %s }" % (var, " ".join(term(n) for n in sorted(nodes)))

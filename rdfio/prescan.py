"""Cheap checks of untrusted RDF bytes, before a parser sees them.

Each check either passes or raises :class:`~ccare.errors.DataError` naming the file, the
line and column, and what is wrong.  They guard the parsers against inputs that would
make them hang, eat memory or crash, and turn encoding accidents into plain messages:

- :func:`check_text`: UTF-16/UTF-32 byte-order marks and NUL bytes are refused; a UTF-8
  byte-order mark is dropped (editors on Windows write one);
- :func:`check_utf8`: the position of the first byte that is not UTF-8;
- :func:`check_xml`: RDF/XML must be well-formed XML (a truncated file is not silently
  read as empty), UTF-8, without a DOCTYPE (whose entities expand without bound: "billion
  laughs") and not nested deeper than a limit;
- :func:`check_json_depth`: JSON nested deeper than a limit is refused (the JSON-LD parser
  slows down with the square of the depth, and crashes deeper than a few thousand levels).

Positions are 1-based; columns count characters, as editors show them.

Examples
--------
>>> check_text(b"\\xef\\xbb\\xbf<a> <b> <c> .", "a.ttl")
b'<a> <b> <c> .'
>>> try:
...     check_text(b"<a> <b>\\n<c>\\x00 .", "a.ttl")
... except DataError as e:
...     print(e)
a.ttl, line 2, column 4: NUL byte in the file; RDF text never contains one (is it a binary file, or UTF-16 without a
byte-order mark?)
>>> position(b"ab\\nc\\xc3\\xa9d", 6)
(2, 3)
>>> check_json_depth(b'{"a": [[1]]}', "a.jsonld", max_depth=3)
>>> try:
...     check_json_depth(b'{"a":\\n [[1]]}', "a.jsonld", max_depth=2)
... except DataError as e:
...     print(e.line, e.column)
2 3
"""

from __future__ import annotations

import itertools
import json
import re
from xml.parsers import expat

from ccare.errors import DataError

__all__ = ["position", "check_text", "check_utf8", "check_xml", "check_json_depth", "json_remote_context"]

_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)
_UTF8_BOM = b"\xef\xbb\xbf"


def position(data: bytes, offset: int) -> tuple[int, int]:
    """Line and column (1-based, column in characters) of byte ``offset`` of ``data``."""
    offset = max(0, min(offset, len(data)))
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, len(data[start:offset].decode("utf-8", errors="replace")) + 1


def _error(name, data: bytes, offset: int, message: str) -> DataError:
    line, column = position(data, offset)
    return DataError(name, message, line=line, column=column)


def check_text(data: bytes, name) -> bytes:
    """Refuse UTF-16/32 and NUL bytes; return ``data`` without a UTF-8 byte-order mark."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise DataError(
                name,
                f"the file is {encoding} encoded (it starts with a {encoding} byte-order mark); "
                "ccare reads UTF-8: save the file as UTF-8",
            )
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _error(
            name, data, nul,
            "NUL byte in the file; RDF text never contains one "
            "(is it a binary file, or UTF-16 without a byte-order mark?)",
        )
    return data


def check_utf8(data: bytes, name) -> None:
    """Raise a :class:`DataError` at the first byte of ``data`` that is not UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _error(
            name, data, e.start,
            f"byte 0x{data[e.start]:02X} is not UTF-8; ccare reads UTF-8 text "
            "(was the file saved as Latin-1 or GBK? save it as UTF-8)",
        ) from None


class _Stop(Exception):
    """Raised from an expat handler to stop parsing with a message (at ``offset`` if given)."""

    def __init__(self, message: str, offset: int | None = None):
        self.message = message
        self.offset = offset


class _Malformed(Exception):
    """Expat's error, with the byte ``offset`` where the parser stopped."""

    def __init__(self, error: expat.ExpatError, offset: int):
        self.error = error
        self.offset = offset


def check_xml(data: bytes, name, max_depth: int) -> None:
    """Check that RDF/XML ``data`` is safe and well-formed before the RDF parser reads it.

    Refused: a DOCTYPE (checked when expat meets its start, before any entity is declared,
    let alone expanded), an encoding other than UTF-8, elements nested deeper than
    ``max_depth``, and anything that is not well-formed XML, including a truncated file.
    The pass counts depth only; a file that fails is read again to say which tag is open.
    """
    try:
        _expat_pass(data, max_depth, stack=None)
    except (_Stop, _Malformed):
        stack: list[tuple[str, int]] = []
        try:
            _expat_pass(data, max_depth, stack=stack)
        except _Stop as e:
            raise _error(name, data, len(data) if e.offset is None else e.offset, e.message) from None
        except _Malformed as e:
            offset = e.offset
            raise _error(name, data, offset, _xml_reason(e.error, stack, at_end=offset >= len(data))) from None
        raise  # pragma: no cover - the second pass fails where the first did


def _expat_pass(data: bytes, max_depth: int, stack: list | None) -> None:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.ordered_attributes = True
    depth = 0

    def doctype(doctype_name, system_id, public_id, has_internal_subset):
        here = parser.CurrentByteIndex
        start = data.rfind(b"<!DOCTYPE", 0, here + 1)
        raise _Stop(
            "RDF/XML with a DOCTYPE is refused: its entities can expand without bound "
            "('billion laughs') or read other files; remove the DOCTYPE (write the entities "
            "out) or convert the file to Turtle",
            offset=start if start >= 0 else here,
        )

    def xmldecl(version, encoding, standalone):
        if encoding and encoding.strip().upper().replace("_", "-") not in ("UTF-8", "UTF8"):
            raise _Stop(
                f"XML encoding {encoding!r} is not supported; ccare reads UTF-8: save the file as UTF-8",
                offset=parser.CurrentByteIndex,
            )

    def start(tag, attrs):
        nonlocal depth
        depth += 1
        if depth > max_depth:
            raise _Stop(
                f"XML elements nested deeper than {max_depth} levels; set CCARE_MAX_DEPTH to raise the limit",
                offset=parser.CurrentByteIndex,
            )

    def end(tag):
        nonlocal depth
        depth -= 1

    detail: list = stack if stack is not None else []

    def start_detail(tag, attrs):
        detail.append((tag, parser.CurrentLineNumber))
        start(tag, attrs)

    def end_detail(tag):
        detail.pop()
        end(tag)

    parser.StartDoctypeDeclHandler = doctype
    parser.XmlDeclHandler = xmldecl
    parser.StartElementHandler = start if stack is None else start_detail
    parser.EndElementHandler = end if stack is None else end_detail
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        raise _Malformed(e, parser.ErrorByteIndex if parser.ErrorByteIndex >= 0 else len(data)) from None


def _xml_reason(e: expat.ExpatError, stack, at_end: bool) -> str:
    reason = expat.ErrorString(e.code)
    if e.code == expat.errors.codes[expat.errors.XML_ERROR_TAG_MISMATCH] and stack:
        tag, line = stack[-1]
        return f"XML is not well-formed: mismatched tag, expected </{tag}> (opened on line {line})"
    if at_end and stack:
        tag, line = stack[-1]
        return f"the file ends inside <{tag}> (opened on line {line}): is it truncated?"
    if e.code == expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS]:
        return "no XML element found: is the file empty or truncated?"
    return f"XML is not well-formed: {reason}"


# A JSON string token (escapes included), and the structural characters around it.
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}:,]', re.S)
_NOT_SKELETON = bytes(b for b in range(256) if b not in b'"[]{}')
_DELTA = [0] * 256
for _b in b"[{":
    _DELTA[_b] = 1
for _b in b"]}":
    _DELTA[_b] = -1


def _json_brackets(data: bytes) -> bytes:
    """The brackets of JSON ``data`` outside strings, in order (all passes in C).

    Escaped backslashes and quotes are dropped first, so every quote left delimits a
    string; then only quotes and brackets are kept, and every other run between quotes
    (the strings' contents) is dropped.
    """
    skeleton = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_SKELETON)
    return b"".join(skeleton.split(b'"')[::2])


def check_json_depth(data: bytes, name, max_depth: int) -> None:
    """Refuse JSON ``data`` whose objects and arrays nest deeper than ``max_depth``.

    Brackets inside strings do not count.  Peeling the innermost ``[]`` and ``{}`` pairs
    once per round empties a file nested ``d`` deep in at most ``d`` rounds and at least
    ``d / 2``: that settles the common case in C; the rest is counted one bracket at a
    time, and only a file that fails is scanned again to report where.
    """
    brackets = _json_brackets(data)
    rounds = 0
    while brackets and rounds < max_depth:
        peeled = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if len(peeled) == len(brackets):
            break  # unbalanced: the parser will say where
        brackets, rounds = peeled, rounds + 1
    if not brackets and 2 * rounds <= max_depth:
        return
    if max(itertools.accumulate(map(_DELTA.__getitem__, _json_brackets(data))), default=0) <= max_depth:
        return
    depth = 0
    for m in _JSON_TOKEN.finditer(data):
        depth += _DELTA[data[m.start()]] if m.end() - m.start() == 1 else 0
        if depth > max_depth:
            raise _error(
                name, data, m.start(),
                f"JSON nested deeper than {max_depth} levels; set CCARE_MAX_DEPTH to raise the limit",
            )


def json_remote_context(data: bytes) -> tuple[str, int] | None:
    """The first ``@context`` or ``@import`` that names another document, and its offset.

    JSON-LD loads such contexts from the web or the disk; ccare refuses them.  ``None``
    when every context is inline (or the JSON is too broken to say).

    >>> json_remote_context(b'{"@context": {"@vocab": "http://ex/"}, "a": 1}') is None
    True
    >>> json_remote_context(b'[{"@context": ["http://ex/ctx", {}]}]')
    ('http://ex/ctx', 15)
    """
    state = None  # "key": saw "@context"; "value": after its colon; "array": inside its [...]
    for m in _JSON_TOKEN.finditer(data):
        tok = m.group()
        if state == "key":
            state = "value" if tok == b":" else None
        elif state in ("value", "array"):
            if tok.startswith(b'"'):
                try:
                    return json.loads(tok), m.start()
                except ValueError:
                    return tok[1:-1].decode("utf-8", "replace"), m.start()
            if state == "value" and tok == b"[":
                state = "array"
            elif not (state == "array" and tok == b","):
                state = None
        elif tok in (b'"@context"', b'"@import"'):
            state = "key"
    return None

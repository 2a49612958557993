"""Quotes checked against their sources: verbatim, on the line they give.

Every piece of evidence names a ``cc:Source``, a line and a quote.  When the source
names a file (``cc:file``) that ccare can find, :func:`check_quotes` reads it and checks
each quote citing it: the quote must stand, verbatim, on the line given (a quote that
spans several lines, such as a CSV row with a line break in a cell, starts on it).

Where a file is looked for (:func:`find_source`): its name must be a plain file name
(no folder, no ``..``, not absolute, no NUL); it is looked up in the given folders in
order (the folders of the data files, then ``--sources DIR``), then among the sources
ccare ships.  It must be a regular file (a symbolic link only to a file in the same
folder; never a FIFO or a device) within the size limit (``CCARE_MAX_FILE_SIZE``), in
UTF-8 (or UTF-16 with a byte-order mark), else GB18030 (what Excel saves on a Chinese
system; ``ccare import --encoding gb18030`` reads such a portfolio).

What is reported:

- a quote that is not on its line is a :class:`QuoteProblem` naming the file, the line,
  and the nearest line where the quote does occur (or that it occurs nowhere);
- a source whose file is not found (or whose name is not a plain file name) is a
  :class:`SourceCheck` with ``status`` ``not found`` (``not a plain name``): a warning, not
  a silent pass;
- a source found but unreadable (too large, not text, a FIFO) has ``status``
  ``unreadable`` and a ``reason``: the map's evidence cannot be checked against it.

Examples
--------
>>> locate(["first line", "second line", "third"], 2, "second")
(True, 2)
>>> locate(["first line", "second line", "third"], 3, "second")
(False, 2)
>>> locate(["a", "b"], 99, "zzz")
(False, None)
>>> plain_name("notes.txt"), plain_name("../notes.txt"), plain_name("/etc/passwd"), plain_name("a/b")
(True, False, False, False)
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from rdflib import RDF, RDFS, URIRef

from ccare import ontology
from ccare.errors import DataError, UsageError
from ccare.ontology import CC
from ccare.rdfio import bulk
from ccare.rdfio.read import Limits, read_bounded

__all__ = ["SourceCheck", "QuoteProblem", "QuoteReport", "plain_name", "find_source", "source_text", "source_lines",
           "binary_kind", "locate",
           "check_quotes", "SHIPPED_FOLDER", "QUOTE_RULE", "SOURCE_RULE"]

#: How a source ccare ships is named where it was found.
SHIPPED_FOLDER = "ccare/ontology/sources"

#: The rule a quote breaks when it is not on its line, and one a source breaks when it cannot be read.
QUOTE_RULE = "quote on its line"
SOURCE_RULE = "source can be read"


@dataclass(frozen=True)
class SourceCheck:
    """One ``cc:Source`` naming a file: where it was found (``path``) and what came of it.

    ``status``: ``checked``, ``not found``, ``not a plain name`` (not looked up), ``not text``
    (a binary file, such as an Excel workbook: ``reason`` says which) or ``unreadable``
    (``reason`` says why); ``quotes`` the quotes citing it, ``wrong`` those
    not on their line; ``looked_in`` the folders searched.
    """

    source: str
    file: str
    status: str
    path: str | None = None
    quotes: int = 0
    wrong: int = 0
    reason: str | None = None
    looked_in: tuple = ()

    @property
    def warning(self) -> bool:
        """A source ccare could not look at, which quotes cite: they are not checked."""
        return self.status in ("not found", "not a plain name", "not text") and self.quotes > 0

    def message(self) -> str:
        """What happened, in English (the CLI says it in the reader's language)."""
        if self.status == "not found":
            where = ", ".join(self.looked_in) if self.looked_in else "no folder"
            return (f"source {self.source} names the file {self.file}, which was not found (looked in {where}): "
                    f"its {self.quotes} quote(s) are not checked; give --sources DIR")
        if self.status == "not a plain name":
            return (f"source {self.source} names {self.file!r}, which is not a plain file name: it is not looked up, "
                    f"and its {self.quotes} quote(s) are not checked")
        if self.status == "not text":
            return (f"source {self.source} names the file {self.file}, which is not a text file ({self.reason}): "
                    f"its {self.quotes} quote(s) are not checked")
        if self.status == "unreadable":
            return f"source {self.source}: {self.file} cannot be read: {self.reason}"
        return f"source {self.source}: {self.file}: {self.quotes - self.wrong} of {self.quotes} quote(s) on their line"

    def to_json(self) -> dict:
        return {"source": self.source, "file": self.file, "status": self.status, "path": self.path,
                "quotes": self.quotes, "wrong": self.wrong, "reason": self.reason, "looked_in": list(self.looked_in),
                "message": self.message()}


@dataclass(frozen=True)
class QuoteProblem:
    """A quote not found on its line: who cites it (``owner``: an entity's id, or a
    relation as ``subject predicate object``), the source, file, line and quote, the
    file's length in lines, and the ``nearest`` line where the quote occurs (None: nowhere)."""

    owner: str
    owner_label: str | None
    source: str
    file: str
    line: int
    quote: str
    lines: int
    nearest: int | None

    def message(self) -> str:
        where = f"line {self.line} of {self.file} ({self.lines} line{'' if self.lines == 1 else 's'})"
        then = f"it occurs on line {self.nearest}" if self.nearest is not None else f"it occurs nowhere in {self.file}"
        return f"the quote “{self.quote}” is not on {where}; {then}"

    def to_json(self) -> dict:
        return {"owner": self.owner, "owner_label": self.owner_label, "source": self.source, "file": self.file,
                "line": self.line, "quote": self.quote, "lines": self.lines, "nearest_line": self.nearest,
                "message": self.message()}


@dataclass
class QuoteReport:
    """The sources looked at (:class:`SourceCheck`) and the quotes not on their line."""

    sources: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No quote off its line and no source unreadable (warnings do not count)."""
        return not self.problems and not any(s.status == "unreadable" for s in self.sources)

    @property
    def warnings(self) -> list:
        return [s for s in self.sources if s.warning]

    def to_json(self) -> dict:
        return {"sources": [s.to_json() for s in self.sources], "problems": [p.to_json() for p in self.problems]}


def plain_name(name: str) -> bool:
    """Whether ``name`` is a plain file name: no folder part, not ``.``/``..``, not
    absolute, no NUL, no drive (``C:``)."""
    return (bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name and "\0" not in name
            and ":" not in name and name == name.strip() and not os.path.isabs(name))


def _in_folder(folder: Path, name: str) -> Path | None:
    """The file ``name`` in ``folder`` as a path to read, None when there is none; a
    symbolic link is followed only to a file in the same folder."""
    p = folder / name
    try:
        st = os.lstat(p)
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode):
        real = Path(os.path.realpath(p))
        if real.parent != Path(os.path.realpath(folder)):
            raise DataError(p, "is a symbolic link to a file outside its folder, not a source text")
        return real
    return p


def find_source(name: str, folders: Sequence[str | os.PathLike] = (), shipped: bool = True) -> str | None:
    """Where the source file ``name`` is: a path in the first of ``folders`` holding it,
    else ``ccare/ontology/sources/NAME`` for a source ccare ships (when ``shipped``), else None.

    Raises :class:`~ccare.errors.UsageError` when ``name`` is not a plain file name, and
    :class:`~ccare.errors.DataError` for a symbolic link out of its folder.
    """
    if not plain_name(name):
        raise UsageError(f"{name!r} is not a plain file name")
    for folder in folders:
        found = _in_folder(Path(folder), name)
        if found is not None:
            return str(found)
    if shipped:
        try:
            ontology.source_text(name)
        except (FileNotFoundError, OSError, UnicodeDecodeError):
            return None
        return f"{SHIPPED_FOLDER}/{name}"
    return None


#: How a binary file begins, and what it is (its quotes cannot be checked as lines of text).
_BINARY = ((b"PK\x03\x04", "a ZIP archive, such as an Excel workbook"), (b"%PDF", "a PDF document"),
           (b"\xd0\xcf\x11\xe0", "an old Office document"))


def binary_kind(data: bytes) -> str | None:
    """What the bytes ``data`` are when they are no text (a workbook, a PDF, NUL bytes
    without a UTF-16 byte-order mark), else None.

    >>> binary_kind(b"PK\x03\x04..."), binary_kind("第一行".encode("utf-8"))
    ('a ZIP archive, such as an Excel workbook', None)
    """
    for magic, kind in _BINARY:
        if data.startswith(magic):
            return kind
    if b"\0" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "NUL bytes: a binary file"
    return None


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").removeprefix("\ufeff")
        except UnicodeDecodeError as e:
            raise DataError(name, f"not valid UTF-16 after its byte-order mark ({e.reason})") from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        try:  # what Excel saves on a Chinese system, and what `ccare import --encoding gb18030` reads
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            line = data.count(b"\n", 0, e.start) + 1
            raise DataError(name, f"neither UTF-8 nor GB18030: byte 0x{data[e.start]:02x} cannot be decoded",
                            line=line) from None
    if "\0" in text:
        raise DataError(name, "contains NUL characters: not a text file")
    return text


def _normal(text: str) -> str:
    """Line ends as ``\\n`` (``\\r\\n`` and a lone ``\\r`` end a line, as CSV readers count them)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def source_text(path: str, limits: Limits | None = None) -> str | None:
    """The text of the source at ``path`` (a path :func:`find_source` gave), None when the
    file is no text (:func:`binary_kind`).

    Raises :class:`~ccare.errors.DataError` naming the file when it is not a regular file,
    is over the size limit, or is neither UTF-8 (or UTF-16 with a byte-order mark) nor GB18030.
    """
    if path.startswith(SHIPPED_FOLDER + "/"):
        return ontology.source_text(path[len(SHIPPED_FOLDER) + 1:])
    data = read_bounded(path, limits, what="a source text")
    if binary_kind(data) is not None:
        return None
    return _decode(data, path)


def source_lines(path: str, limits: Limits | None = None) -> list[str]:
    """The lines of the source text at ``path`` (a path :func:`find_source` gave);
    line ``n`` is ``source_lines(path)[n - 1]``.

    Raises :class:`~ccare.errors.DataError` naming the file when it is not a regular file,
    is over the size limit, or is not UTF-8 (or UTF-16 with a byte-order mark) text.
    """
    text = source_text(path, limits)
    if text is None:
        raise DataError(path, "not a text file")
    return _lines(text)


def _lines(text: str) -> list[str]:
    lines = _normal(text).split("\n")
    return lines[:-1] if len(lines) > 1 and lines[-1] == "" else lines  # the last line's end ends no line


def locate(lines: Sequence[str], line: int, quote: str) -> tuple[bool, int | None]:
    """``(on its line, nearest)``: whether ``quote`` stands on ``line`` (1-based; a quote of
    several lines starts on it), and the line nearest to ``line`` where it starts (the
    earlier of two as near; None when it occurs nowhere)."""
    quote = _normal(quote)
    span = quote.count("\n")
    if 1 <= line <= len(lines) and quote in "\n".join(lines[line - 1: line + span]):
        return True, line
    if not quote:
        return False, None
    text = "\n".join(lines)
    best = None
    at, row, counted = text.find(quote), 1, 0
    while at >= 0:
        row += text.count("\n", counted, at)
        counted = at
        # the quote may start on this row more than once, or start earlier on it: the row is what counts
        if best is None or abs(row - line) < abs(best - line):
            best = row
        if row >= line:
            break  # later rows are further away
        at = text.find(quote, at + 1)
    return False, best


def _owner_names(kb) -> dict:
    """Assertion key -> ``subject predicate object`` (ids), for naming who cites a quote."""
    out: dict = {}
    for a, s, p, o, _inferred, _rationale in bulk.assertions(kb.graph):
        if a not in out and s is not None and p is not None and o is not None:
            out[a] = " ".join(kb.node_id(bulk.term(k)) if isinstance(k, str) else str(k) for k in (s, p, o))
    return out


def _label(kb, node) -> str | None:
    labels = {(lit.language or ""): str(lit) for lit in kb.graph.objects(node, RDFS.label)}
    return labels.get("en") or labels.get("zh") or next(iter(labels.values()), None)


def check_quotes(kb, folders: Sequence[str | os.PathLike] = (), *, shipped: bool = True,
                 limits: Limits | None = None) -> QuoteReport:
    """Check every quote of ``kb`` whose source names a file ccare can find (module docs).

    ``folders`` are searched in order for each source's file (then the shipped sources,
    when ``shipped``).  Evidence without exactly one source, one line from 1 and a
    non-empty quote is left to the SHACL rules, which report it.
    """
    g = kb.graph
    files: dict = {}  # source key -> its file name (the least, if several)
    for src in g.subjects(RDF.type, CC.Source):
        names = sorted(str(f) for f in g.objects(src, CC.file))
        if names:
            files[bulk.key(src)] = names[0]
    cites: dict = {}  # evidence key -> [(owner key, source key, line, quote)]
    for x, ev, src, line, quote in bulk.evidence(g):
        cites.setdefault(ev, []).append((x, src, line, quote))
    todo: dict = {}  # source key -> [(owner, line, quote)]
    for ev, rows in cites.items():
        if len({r[1:] for r in rows}) != 1:
            continue  # several sources, lines or quotes: the shapes say what is wrong
        for x, src, line, quote in dict.fromkeys(rows):
            if src in files and line is not None and line.isdigit() and int(line) >= 1 and quote:
                todo.setdefault(src, []).append((x, int(line), quote))
    looked_in = tuple(str(f) for f in folders) + ((SHIPPED_FOLDER,) if shipped else ())
    report = QuoteReport()
    owners = None
    for src in sorted(files, key=lambda k: kb.node_id(bulk.term(k))):
        sid, name, quotes = kb.node_id(bulk.term(src)), files[src], todo.get(src, [])
        try:
            path = find_source(name, folders, shipped)
        except UsageError:
            report.sources.append(SourceCheck(sid, name, "not a plain name", quotes=len(quotes)))
            continue
        except DataError as e:
            report.sources.append(SourceCheck(sid, name, "unreadable", e.path, len(quotes), reason=e.detail,
                                              looked_in=looked_in))
            continue
        if path is None:
            report.sources.append(SourceCheck(sid, name, "not found", quotes=len(quotes), looked_in=looked_in))
            continue
        try:
            if path.startswith(SHIPPED_FOLDER + "/"):
                text = ontology.source_text(path[len(SHIPPED_FOLDER) + 1:])
            else:
                data = read_bounded(path, limits, what="a source text")
                kind = binary_kind(data)
                if kind is not None:  # a workbook, a PDF: no lines of text to find the quotes on
                    report.sources.append(SourceCheck(sid, name, "not text", path, len(quotes), reason=kind,
                                                      looked_in=looked_in))
                    continue
                text = _decode(data, path)
            lines = _lines(text)
        except DataError as e:
            reason = e.detail.split("; give a regular file")[0]  # not standard input either: a file of the folder
            reason = reason if e.line is None else f"line {e.line}: {reason}"
            report.sources.append(SourceCheck(sid, name, "unreadable", path, len(quotes), reason=reason,
                                              looked_in=looked_in))
            continue
        wrong = 0
        for x, line, quote in sorted(quotes, key=lambda q: (q[1], q[2], q[0])):
            ok, nearest = locate(lines, line, quote)
            if ok:
                continue
            wrong += 1
            node = bulk.term(x)
            if isinstance(node, URIRef):
                owner, label = kb.node_id(node), _label(kb, node)
            else:
                owners = _owner_names(kb) if owners is None else owners
                owner, label = owners.get(x, kb.node_id(node)), None
            report.problems.append(QuoteProblem(owner, label, sid, name, line, quote, len(lines), nearest))
        report.sources.append(SourceCheck(sid, name, "checked", path, len(quotes), wrong, looked_in=looked_in))
    return report

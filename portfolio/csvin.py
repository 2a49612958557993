"""Read a merchant portfolio from a plain CSV file, checking every row.

The first row is the header.  Columns are found by name, in English or Chinese, in any
case and order (:data:`COLUMNS`); ``id`` and ``products`` must be there, the others may
be left out, and columns ccare does not know are ignored (and reported).  Products are
separated by ``;``, ``|``, ``,`` (inside a quoted cell), ``、``, ``；`` or ``，`` and
given by id or zh or en name.  The file may be UTF-8 with or without a byte-order mark,
or UTF-16 with one; anything else needs ``encoding`` (e.g. ``gb18030`` for what Excel
saves as "CSV" on a Chinese system).  Commas, tabs or semicolons may separate the
columns: the one that makes most sense of the header wins.

A row with a fault (no id, an id seen before, an unknown product, scale or stage) is a
:class:`Problem` naming its line and every reason; the other rows are still read.

Examples
--------
>>> from ccare.kb.model import load
>>> from ccare.portfolio.names import Names
>>> text = ("商家编号,商家名称,行业,规模,数字化阶段,使用产品\\n"
...         "M1,老乡鸡,餐饮,large,mature,商家粉丝群;coupons\\n"
...         "M2,Shop,retail,tiny,,Zhima Credt\\n")
>>> p = parse(text, Names(load()), name="p.csv")
>>> [(r.line, r.id, [str(x).rsplit("/", 1)[1] for x in r.products]) for r in p.rows]
[(2, 'M1', ['fan-group', 'coupons'])]
>>> print(p.problems[0].text("p.csv"))
p.csv, line 3: unknown scale 'tiny' (allowed: small, medium, large); unknown product 'Zhima Credt'; did you mean:
zhima-credit?
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from dataclasses import dataclass, field

from rdflib import URIRef

from ccare.errors import DataError, UnknownEntityError, UsageError
from ccare.portfolio.names import Names
from ccare.rdfio.read import Limits, read_bounded
from ccare.text.csvcells import unguard

__all__ = [
    "COLUMNS",
    "REQUIRED",
    "SEPARATORS",
    "MerchantRow",
    "Problem",
    "Portfolio",
    "decode",
    "read_source",
    "parse",
]

#: Field -> header names accepted for it (compared case-insensitively, with spaces,
#: ``_`` and ``-`` alike). The first name is the one ccare documents and writes.
COLUMNS = {
    "id": ("merchant_id", "id", "merchant", "商家编号", "商户编号", "商家id", "商户id", "商户号", "编号"),
    "name": ("name", "merchant_name", "商家名称", "商户名称", "名称"),
    "industry": ("industry", "行业", "所属行业"),
    "scale": ("scale", "merchant_scale", "size", "规模", "商家规模"),
    "stage": ("stage", "digitalisation_stage", "digitalization_stage", "数字化阶段", "阶段"),
    "products": ("products", "products_in_use", "uses", "使用产品", "在用产品", "产品"),
    "alipay_payment": ("alipay_payment", "takes_alipay_payment", "alipay", "支付宝支付", "开通支付宝支付",
                       "支付宝收款"),
}

#: Cell values of ``alipay_payment`` (compared case-insensitively); empty means yes.
YES = ("yes", "y", "true", "1", "是", "有", "已开通", "开通")
NO = ("no", "n", "false", "0", "否", "无", "没有", "未开通")

#: Columns a portfolio must have.
REQUIRED = ("id", "products")

#: Characters that separate the products of one cell.
SEPARATORS = ";|,、；，"
_SPLIT = re.compile("[" + re.escape(SEPARATORS) + "]")

_DELIMITERS = (",", "\t", ";")

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-]+", "_", header.strip().casefold())


_FIELD_OF = {_norm(h): f for f, names in COLUMNS.items() for h in names}


@dataclass(frozen=True)
class MerchantRow:
    """One good row: the merchant it describes, with the map's IRIs for what it names.

    ``quote`` is the row as it stands in the file (its evidence); ``line`` the line it
    starts on; ``industry_new`` says the industry is not in the map and is minted.
    """

    line: int
    id: str
    name: str
    industry_text: str
    industry: URIRef | None
    industry_new: bool
    scale: URIRef | None
    stage: URIRef | None
    products: tuple
    quote: str
    alipay_payment: bool | None = None


@dataclass(frozen=True)
class Problem:
    """A bad row: its ``line`` and why it is bad."""

    line: int
    message: str

    def text(self, name: str) -> str:
        return f"{name}, line {self.line}: {self.message}"


@dataclass
class Portfolio:
    """The good ``rows`` and the ``problems`` of one CSV file."""

    name: str
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    records: int = 0
    columns: dict = field(default_factory=dict)
    ignored: list = field(default_factory=list)


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """The text of ``data``: UTF-8 (a BOM is dropped) or UTF-16 with a BOM, else ``encoding``.

    An Excel workbook (a ZIP archive: ``.xlsx``, ``.xlsm``) is refused as what it is, with
    the way to save it as CSV, whatever ``encoding`` says.
    """
    if data[:4] == b"PK\x03\x04":
        raise DataError(name, "an Excel workbook (.xlsx), not a CSV file: in Excel choose Save As, "
                              "CSV UTF-8 (Comma delimited), and import that file")
    if encoding:
        try:
            info = codecs.lookup(encoding)
        except (LookupError, ValueError, TypeError):
            raise UsageError(f"unknown encoding {encoding!r} (e.g. utf-8, gb18030, big5, utf-16)") from None
        if not getattr(info, "_is_text_encoding", True):  # base64, rot13, zlib: bytes to bytes
            raise UsageError(f"{encoding!r} is not a text encoding (e.g. utf-8, gb18030, big5, utf-16)")
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise DataError(name, f"not {encoding}: byte 0x{data[e.start]:02x} cannot be decoded", line=line) from None
        except (UnicodeError, LookupError, ValueError, TypeError) as e:  # codecs such as idna fail otherwise
            raise DataError(name, f"cannot be read as {encoding}: {e}") from None
        return text.removeprefix("\ufeff")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec).removeprefix("\ufeff")
            except UnicodeDecodeError as e:
                raise DataError(name, f"not valid {codec} after its byte-order mark ({e.reason})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise DataError(
            name,
            f"not UTF-8 (byte 0x{data[e.start]:02x}); if it was saved as GBK/GB18030, as Excel does on a "
            "Chinese system, pass --encoding gb18030",
            line=line,
        ) from None


def read_source(path: str | os.PathLike, limits: Limits | None = None) -> bytes:
    """The bytes of the CSV file at ``path`` (``-``: standard input), within the size limit."""
    limits = limits or Limits.from_env()
    if str(path) != "-":
        return read_bounded(path, limits, what="a CSV file")
    import sys

    cap = limits.max_file_size
    data = sys.stdin.buffer.read(cap + 1)
    if len(data) > cap:
        raise DataError(path, f"over the limit of {cap:,} bytes (set CCARE_MAX_FILE_SIZE to raise it, e.g. 2G)")
    return data


def _header(lines: list[str], name: str) -> tuple[str, dict, list, int]:
    """The delimiter, the field -> column index map, the ignored headers and the column count."""
    best: tuple[str, dict[str, int], list[str]] | None = None
    for delim in _DELIMITERS:
        cells = next(csv.reader(lines[:1], delimiter=delim), [])
        found: dict[str, int] = {}
        for i, h in enumerate(cells):
            f = _FIELD_OF.get(_norm(h))
            if f is not None:
                if f in found:
                    raise DataError(name, f"two columns for {f}: {cells[found[f]]!r} and {h!r}", line=1)
                found[f] = i
        if best is None or len(found) > len(best[1]):
            best = (delim, found, cells)
    assert best is not None  # _DELIMITERS is not empty
    delim, found, cells = best
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        need = "; ".join(f"{f}: one of {', '.join(COLUMNS[f])}" for f in missing)
        raise DataError(name, f"the header row {','.join(cells)!r} lacks a column ({need})", line=1)
    ignored = [h for i, h in enumerate(cells) if i not in found.values() and h.strip()]
    return delim, found, ignored, len(cells)


def parse(text: str, names: Names, *, name: str) -> Portfolio:
    """Check every row of the CSV ``text`` (see the module docs); ``name`` names the file."""
    if "\x00" in text:
        raise DataError(name, "contains NUL characters: not a CSV text file")
    lines = list(io.StringIO(text, newline=""))
    if not lines or not lines[0].strip():
        raise DataError(name, "no header row (the first line names the columns)", line=1)
    delim, cols, ignored, ncols = _header(lines, name)
    out = Portfolio(name=name, columns={f: i for f, i in cols.items()}, ignored=ignored)
    feed = _Lines(lines, 1)
    reader = csv.reader(feed, delimiter=delim, strict=True)
    seen: dict = {}
    while feed.pos < len(lines):
        begin = feed.pos  # index of the record's first line (line begin + 1 of the file)
        feed.stop = min(len(lines), begin + _MAX_RECORD_LINES)  # a quote left open reads no further
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            # a broken quote or an oversized field: this record is bad; go on at the next
            # line that starts a well-formed record (never drop the rest silently)
            out.records += 1
            resume = _resync(lines, begin + 1, delim, ncols)
            if resume is None:
                raise DataError(name, f"not valid CSV: {e}; no later line starts a well-formed record, so "
                                      "ccare cannot tell where the next row begins and wrote nothing",
                                line=begin + 1) from None
            span = f" (lines {begin + 1}-{resume}; reading went on at line {resume + 1})" if resume > begin + 1 else ""
            why = "a quoted cell is not closed" if "unexpected end of data" in str(e) else str(e)
            out.problems.append(Problem(begin + 1, f"not valid CSV: {why}{span}"))
            feed.pos = resume
            continue
        end = feed.pos  # lines begin .. end-1 hold the record
        if not any(c.strip() for c in cells):
            continue
        out.records += 1
        cells = [unguard(c) for c in cells]  # take off the formula guard ccare's CSV writers add
        quote = "".join(lines[begin:end]).rstrip("\r\n")
        row, why = _row(cells, cols, ncols, names, seen, begin + 1, quote)
        if why:
            out.problems.append(Problem(begin + 1, "; ".join(why)))
        else:
            seen[row.id] = begin + 1
            out.rows.append(row)
    return out


#: Lines one record may span (a quoted cell with line breaks): a quote left open makes
#: the record bad after this many lines, not at the end of the file.
_MAX_RECORD_LINES = 1000

#: Lines looked at, after a broken record, for one that starts a well-formed record.
_RESYNC_LINES = 10_000


class _Lines:
    """The lines of a file from ``pos`` on, for :func:`csv.reader`; ``pos`` may be moved
    between records (the reader starts each record afresh)."""

    def __init__(self, lines, pos, stop=None):
        self.lines, self.pos = lines, pos
        self.stop = len(lines) if stop is None else min(stop, len(lines))

    def __iter__(self):
        return self

    def __next__(self):
        if self.pos >= self.stop:
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def _resync(lines, start: int, delim: str, ncols: int):
    """Index of the first line from ``start`` that begins a well-formed record (no more
    cells than the header, within :data:`_RESYNC_RECORD_LINES` lines); ``len(lines)`` when
    nothing follows; None when lines follow and none of them begins a record."""
    if all(not line.strip() for line in lines[start:]):
        return len(lines)
    for k in range(start, min(len(lines), start + _RESYNC_LINES)):
        if not lines[k].strip():
            continue
        try:
            cells = next(csv.reader(_Lines(lines, k, k + _MAX_RECORD_LINES), delimiter=delim, strict=True))
        except (csv.Error, StopIteration):
            continue
        if len(cells) <= ncols:
            return k
    return None


def _row(cells, cols, ncols, names: Names, seen, line, quote):
    why = []
    if any(c.strip() for c in cells[ncols:]):
        why.append(f"{len(cells)} cells, but the header has {ncols} columns")

    def cell(f):
        i = cols.get(f)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    mid = cell("id")
    if not mid:
        why.append("no merchant id")
    elif mid in seen:
        why.append(f"duplicate merchant id {mid!r} (first on line {seen[mid]})")
    scale = stage = industry = None
    new = False
    for f, resolve in (("scale", names.scale), ("stage", names.stage)):
        text = cell(f)
        if text:
            try:
                if f == "scale":
                    scale = resolve(text)
                else:
                    stage = resolve(text)
            except ValueError as e:
                why.append(str(e))
    ind = cell("industry")
    if ind:
        try:
            industry, new = names.industry(ind)
        except ValueError as e:
            why.append(str(e))
    products = []
    for part in _SPLIT.split(cell("products")):
        if not part.strip():
            continue
        try:
            p = names.product(part)
        except UnknownEntityError as e:
            why.append(str(e))
            continue
        if p not in products:
            products.append(p)
    alipay = None
    pay = cell("alipay_payment").casefold()
    if pay in YES:
        alipay = True
    elif pay in NO:
        alipay = False
    elif pay:
        why.append(f"alipay_payment {cell('alipay_payment')!r} is not one of yes, no (or 是, 否; empty means yes)")
    if why:
        return None, why
    return MerchantRow(line, mid, cell("name"), ind, industry, new, scale, stage, tuple(products), quote, alipay), []

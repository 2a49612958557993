"""Reading an untrusted map sheet (``.xlsx`` or a folder of CSV files), and writing both.

An ``.xlsx`` is a ZIP archive of XML parts.  Before openpyxl sees one, :func:`check_xlsx`
looks at it with :mod:`zipfile` and refuses:

- a file over the size limit (``CCARE_MAX_FILE_SIZE``), an encrypted or broken archive,
  too many parts;
- parts that would expand past :data:`MAX_PART` or, together, past :data:`MAX_UNZIPPED`,
  or that expand more than :data:`MAX_RATIO` times their packed size (a ZIP bomb): the
  sizes a ZIP declares bound what :mod:`zipfile` will ever unpack, so they are checked
  first;
- any XML part with a document type or entity declaration (``<!DOCTYPE``, ``<!ENTITY``:
  the "billion laughs" and external entities), or not in UTF-8.

openpyxl then reads the workbook in read-only mode, with defusedxml under it, twice: once
to see which cells hold formulas, once for the values Excel cached for them
(``data_only``).  A formula is never evaluated: its cached value is read, and a formula
without one is a fault of its cell.  At most :func:`max_rows` rows are read from a sheet
and :data:`MAX_COLUMNS` columns.

Cells come out as text: numbers without a spurious ``.0``, dates as ``YYYY-MM-DD``,
``TRUE``/``FALSE`` as ``true``/``false``.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> data = xlsx_bytes({"relations": [["payment", "serves", "convertible"]]})
>>> tables = read_xlsx_bytes(data, "map.xlsx")
>>> t = tables["relations"]
>>> t.fields["object"], t.rows[0].number, t.rows[0].cells[:3]
(2, 2, ['payment', 'serves', 'convertible'])
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ccare import settings
from ccare.errors import DataError
from ccare.sheets.columns import ORDER, SHEETS, Sheet, column_letter, sheet_named

__all__ = [
    "Problem",
    "Row",
    "Table",
    "MAX_PART",
    "MAX_UNZIPPED",
    "MAX_RATIO",
    "MAX_PARTS",
    "MAX_COLUMNS",
    "max_rows",
    "check_xlsx",
    "read_xlsx_bytes",
    "read_path",
    "is_map_folder",
    "xlsx_bytes",
    "csv_texts",
    "cell_text",
    "workbook_sheets",
    "first_sheet_csv",
]

#: Bytes one part of an ``.xlsx`` may expand to.
MAX_PART = 64 * 1024**2
#: Bytes all parts of an ``.xlsx`` may expand to together.
MAX_UNZIPPED = 256 * 1024**2
#: How many times its packed size a part may expand (parts over 1 MiB; Excel's XML packs
#: 5 to 30 times, a ZIP bomb thousands of times).
MAX_RATIO = 200
#: Parts an ``.xlsx`` may have.
MAX_PARTS = 10_000
#: Columns read from a sheet (the widest map sheet has 14).
MAX_COLUMNS = 100
#: Rows read from one sheet unless ``CCARE_MAX_SHEET_ROWS`` says otherwise.
DEFAULT_MAX_ROWS = settings.DEFAULT_MAX_SHEET_ROWS

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)


def max_rows(environ: Mapping[str, str] | None = None) -> int:
    """Rows one sheet may have: ``CCARE_MAX_SHEET_ROWS``, else :data:`DEFAULT_MAX_ROWS` (of
    ``environ``, else of :func:`ccare.settings.current`)."""
    return (settings.current() if environ is None else settings.Settings.from_env(environ)).max_sheet_rows


#: What a name in a cell should name, in Chinese (the English word is the key).
_KINDS_ZH = {"entity": "实体", "relation": "关系", "type": "类型", "source": "来源", "bound": "界限",
             "status": "状态", "counted kind": "计数对象", "quantitative fact": "数量事实"}


@dataclass(frozen=True)
class Problem:
    """A fault in a sheet: where (``sheet``, spreadsheet ``row``, 0-based ``column`` and
    its header) and what (``code``, a key of the message catalogue, with ``params``)."""

    sheet: str
    row: int | None
    column: int | None
    header: str
    code: str
    params: tuple = ()

    def where(self, lang: str = "en") -> str:
        from ccare.i18n import t

        parts = [t("sheet_at_sheet", lang, sheet=self.sheet)]
        if self.row is not None:
            parts.append(t("sheet_at_row", lang, row=self.row))
        if self.column is not None:
            parts.append(t("sheet_at_column", lang, column=column_letter(self.column), header=self.header))
        return ("，" if lang == "zh" else ", ").join(parts)

    def message(self, lang: str = "en") -> str:
        from ccare.i18n import t

        params = dict(self.params)
        if lang == "zh" and "kind" in params:
            params["kind"] = _KINDS_ZH.get(params["kind"], params["kind"])
        return t("sheet_" + self.code, lang, **params)

    def text(self, lang: str = "en") -> str:
        return f"{self.where(lang)}{'：' if lang == 'zh' else ': '}{self.message(lang)}"

    def to_json(self) -> dict:
        return {"sheet": self.sheet, "row": self.row,
                "column": column_letter(self.column) if self.column is not None else None,
                "header": self.header or None, "code": self.code, "message": self.message("en"),
                "message_zh": self.message("zh")}


@dataclass
class Row:
    """One row of a sheet: its spreadsheet ``number`` (the header is row 1) and its cells as text."""

    number: int
    cells: list


@dataclass
class Table:
    """One sheet as read: the ``sheet`` it is, the name it had, its ``headers``, which column
    holds each field (``fields``), the headers ccare does not know, and the rows."""

    sheet: Sheet
    name: str
    headers: list
    fields: dict
    ignored: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def cell(self, row: Row, f: str) -> str:
        i = self.fields.get(f)
        if i is None or i >= len(row.cells):
            return ""
        return row.cells[i].strip()

    def header(self, f: str) -> str:
        i = self.fields.get(f)
        return self.headers[i] if i is not None else self.sheet.column(f).header

    def problem(self, row: Row | None, f: str | None, code: str, **params) -> Problem:
        col = self.fields.get(f) if f else None
        return Problem(self.name, row.number if row is not None else None, col,
                       self.header(f) if f else "", code, tuple(params.items()))


def cell_text(value) -> str:
    """A cell's value as the text ccare reads."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _header_table(sheet: Sheet, name: str, headers: list) -> Table:
    fields: dict = {}
    ignored = []
    problems = []
    for i, h in enumerate(headers):
        f = sheet.field_of(h)
        if f is None:
            if str(h).strip():
                ignored.append(str(h))
            continue
        if f in fields:
            problems.append(Problem(name, 1, i, str(h), "two_columns",
                                    (("field", sheet.column(f).header), ("first", headers[fields[f]]))))
            continue
        fields[f] = i
    t = Table(sheet, name, [str(h) for h in headers], fields, ignored, [], problems)
    for f in sheet.required:
        if f not in fields:
            t.problems.append(Problem(name, 1, None, "", "missing_column", (("column", sheet.column(f).header),)))
    return t


# ---------------------------------------------------------------------- xlsx


def check_xlsx(data: bytes, name: str) -> None:
    """Refuse an ``.xlsx`` that is not a sound, modest ZIP of UTF-8 XML (see the module docs)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DataError(name, "not an Excel workbook (.xlsx): not a ZIP archive") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_PARTS:
            raise DataError(name, f"the workbook has {len(infos):,} parts, over the limit of {MAX_PARTS:,}")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise DataError(name, "the workbook is encrypted; save it without a password")
            if info.file_size > MAX_PART:
                raise DataError(name, f"part {info.filename} would expand to {info.file_size:,} bytes, "
                                      f"over the limit of {MAX_PART:,}")
            if info.file_size > 1024**2 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                times = info.file_size // max(info.compress_size, 1)
                raise DataError(name, f"part {info.filename} would expand {times:,} times (a ZIP bomb?), "
                                      f"over the limit of {MAX_RATIO}")
            total += info.file_size
        if total > MAX_UNZIPPED:
            raise DataError(name, f"the workbook would expand to {total:,} bytes, over the limit of {MAX_UNZIPPED:,}")
        for info in infos:
            if info.is_dir() or info.filename.startswith("xl/media/"):
                continue
            _check_part(zf, info, name)


def _check_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    tail = b""
    first = True
    try:
        with zf.open(info) as f:
            while chunk := f.read(1024**2):
                if first:
                    first = False
                    if chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in chunk[:64]:
                        if info.filename.endswith((".xml", ".rels", ".vml")):
                            raise DataError(name, f"part {info.filename} is not UTF-8 XML")
                        return  # a binary part (a printer setting, a thumbnail): never parsed as XML
                if _DECLARATION.search(tail + chunk):
                    raise DataError(name, f"part {info.filename} declares a document type or entities "
                                          "(<!DOCTYPE or <!ENTITY); ccare refuses them")
                tail = chunk[-32:]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as e:
        raise DataError(name, f"not a sound Excel workbook (.xlsx): {e}") from None


def _open_book(data: bytes, data_only: bool, name: str):
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as e:  # openpyxl raises many kinds on a broken workbook
        raise DataError(name, f"not a sound Excel workbook (.xlsx): {type(e).__name__}: {e}") from None


def read_xlsx_bytes(data: bytes, name: str, limit: int | None = None) -> dict:
    """The map sheets of the ``.xlsx`` ``data``: sheet name -> :class:`Table`.  Sheets with
    other names are left alone; a workbook without any map sheet is a :class:`DataError`."""
    check_xlsx(data, name)
    limit = max_rows() if limit is None else limit
    formulas_book = _open_book(data, False, name)
    values_book = _open_book(data, True, name)
    out: dict = {}
    try:
        for title in formulas_book.sheetnames:
            sheet = sheet_named(title)
            if sheet is None or sheet.name in out:
                continue
            try:
                out[sheet.name] = _read_ws(formulas_book[title], values_book[title], sheet, title, limit, name)
            except DataError:
                raise
            except Exception as e:
                raise DataError(name, f"sheet {title}: not a sound worksheet: {type(e).__name__}: {e}") from None
    finally:
        formulas_book.close()
        values_book.close()
    if not out:
        raise DataError(name, "no map sheet in the workbook: name the sheets entities, relations, evidence, facts "
                              "(or 实体, 关系, 证据, 数量事实)")
    return out


def _read_ws(fws, vws, sheet: Sheet, title: str, limit: int, name: str) -> Table:
    table = None
    n = 0
    for frow, vrow in zip(fws.iter_rows(max_col=MAX_COLUMNS), vws.iter_rows(max_col=MAX_COLUMNS)):
        n += 1
        if n > limit + 1:
            raise DataError(name, f"sheet {title} has more than {limit:,} rows, over the limit "
                                  "(set CCARE_MAX_SHEET_ROWS to raise it)")
        cells = []
        formula_at = []
        for i, (fc, vc) in enumerate(zip(frow, vrow)):
            v = vc.value
            if getattr(fc, "data_type", None) == "f" and v is None:
                formula_at.append(i)
            cells.append(cell_text(v))
        while cells and not cells[-1].strip() and (len(cells) - 1) not in formula_at:
            cells.pop()
        if table is None:
            table = _header_table(sheet, title, cells)
            continue
        for i in formula_at:
            header = table.headers[i] if i < len(table.headers) else ""
            table.problems.append(Problem(title, n, i, header, "formula", ()))
        if any(c.strip() for c in cells) or formula_at:
            table.rows.append(Row(n, cells))
    if table is None:
        table = _header_table(sheet, title, [])
    return table


def _bounded_bytes(path) -> bytes:
    from ccare.rdfio.read import Limits, read_bounded

    return read_bounded(Path(path), Limits.from_env(), what="an Excel workbook")


def workbook_sheets(path) -> dict:
    """What an Excel workbook holds: ``{"map": True}`` when one of its sheets is a map sheet,
    and ``names``, its sheet names (the workbook is checked as :func:`check_xlsx` does)."""
    data = _bounded_bytes(path)
    check_xlsx(data, str(path))
    book = _open_book(data, True, str(path))
    try:
        names = list(book.sheetnames)
    finally:
        book.close()
    return {"map": any(sheet_named(n) is not None for n in names), "names": names}


def first_sheet_csv(path, limit: int | None = None) -> bytes:
    """The first sheet of an Excel workbook as UTF-8 CSV (for a merchant portfolio kept in
    Excel), read as :func:`read_xlsx_bytes` reads: cached values only, a formula without one
    refused, rows bounded."""
    data = _bounded_bytes(path)
    check_xlsx(data, str(path))
    limit = max_rows() if limit is None else limit
    fbook, vbook = _open_book(data, False, str(path)), _open_book(data, True, str(path))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    try:
        title = fbook.sheetnames[0]
        for n, (frow, vrow) in enumerate(zip(fbook[title].iter_rows(max_col=MAX_COLUMNS),
                                             vbook[title].iter_rows(max_col=MAX_COLUMNS)), start=1):
            if n > limit + 1:
                raise DataError(path, f"sheet {title} has more than {limit:,} rows, over the limit "
                                      "(set CCARE_MAX_SHEET_ROWS to raise it)")
            cells = []
            for i, (fc, vc) in enumerate(zip(frow, vrow)):
                if getattr(fc, "data_type", None) == "f" and vc.value is None:
                    raise DataError(path, f"sheet {title}, row {n}, column {column_letter(i)}: a formula without a "
                                          "cached value; ccare never evaluates formulas (save it in Excel first)")
                cells.append(cell_text(vc.value))
            while cells and not cells[-1]:
                cells.pop()
            w.writerow(cells)
    except IndexError:
        raise DataError(path, "the workbook has no sheet") from None
    finally:
        fbook.close()
        vbook.close()
    return buf.getvalue().encode("utf-8")


# ---------------------------------------------------------------------- CSV folder


def is_map_folder(path) -> bool:
    """Whether ``path`` is a folder holding at least one map sheet CSV (``entities.csv``...)."""
    p = Path(path)
    if not p.is_dir():
        return False
    return any(sheet_named(f.name) is not None and f.name.lower().endswith(".csv") for f in p.iterdir())


def _read_csv(path: Path, sheet: Sheet, limit: int, encoding: str | None) -> Table:
    from ccare.portfolio.csvin import decode
    from ccare.rdfio.read import Limits, read_bounded
    from ccare.text.csvcells import unguard

    raw = read_bounded(path, Limits.from_env(), what="a CSV file")
    text = decode(raw, str(path), encoding)
    if "\x00" in text:
        raise DataError(path, "contains NUL characters: not a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""))
    table = None
    start = 1
    n = 0
    try:
        for cells in reader:
            n += 1
            if n > limit + 1:
                raise DataError(path, f"more than {limit:,} rows, over the limit "
                                      "(set CCARE_MAX_SHEET_ROWS to raise it)")
            cells = [unguard(c) for c in cells[:MAX_COLUMNS]]
            if table is None:
                table = _header_table(sheet, path.name, cells)
            elif any(c.strip() for c in cells):
                table.rows.append(Row(start, cells))
            start = reader.line_num + 1
    except csv.Error as e:
        raise DataError(path, f"not valid CSV: {e}", line=reader.line_num) from None
    return table if table is not None else _header_table(sheet, path.name, [])


def read_path(path, encoding: str | None = None, limit: int | None = None) -> dict:
    """The map sheets at ``path``: an ``.xlsx`` file, or a folder of CSV files named after
    the sheets (``entities.csv``, ``relations.csv``, ``evidence.csv``, ``facts.csv``, or
    their Chinese names).  Sheet name -> :class:`Table`."""
    from ccare.rdfio.read import Limits, read_bounded

    p = Path(path)
    limit = max_rows() if limit is None else limit
    if p.is_dir():
        out: dict = {}
        for f in sorted(p.iterdir()):
            sheet = sheet_named(f.name)
            if sheet is None or not f.name.lower().endswith(".csv") or sheet.name in out:
                continue
            out[sheet.name] = _read_csv(f, sheet, limit, encoding)
        if not out:
            raise DataError(p, "no map sheet in the folder: it needs entities.csv, relations.csv, evidence.csv "
                               "or facts.csv")
        return out
    data = read_bounded(p, Limits.from_env(), what="an Excel workbook")
    return read_xlsx_bytes(data, str(p), limit)


# ---------------------------------------------------------------------- writing


def _headers(name: str) -> list:
    return [c.header for c in SHEETS[name].columns]


def xlsx_bytes(tables: dict) -> bytes:
    """A workbook with one sheet per map sheet (``name -> rows``, in :data:`ORDER`), the
    headers in both languages, every text cell stored as text (never as a formula)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in ORDER:
        if name not in tables:
            continue
        ws = wb.create_sheet(name)
        headers = _headers(name)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r, row in enumerate(tables[name], start=2):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(row=r, column=c)
                try:
                    cell.value = value
                except IllegalCharacterError:
                    raise DataError(name, f"row {r}, column {column_letter(c - 1)}: a control character "
                                          "cannot be written into an Excel cell") from None
                if isinstance(value, str):
                    cell.data_type = "s"  # text that starts with = stays text
        ws.freeze_panes = "A2"
        for c, h in enumerate(headers):
            width = max([len(h)] + [len(str(row[c])) for row in tables[name][:200] if c < len(row)])
            ws.column_dimensions[column_letter(c)].width = max(10, min(60, width + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_texts(tables: dict, bom: bool = True) -> dict:
    """``name.csv -> text`` for each map sheet: the bilingual header row, then the rows;
    a cell a spreadsheet would run as a formula is guarded (``ccare import`` takes the guard off)."""
    from ccare.text import csvcells

    out = {}
    for name in ORDER:
        if name not in tables:
            continue
        buf = io.StringIO()
        w = csvcells.writer(buf, raw=False, lineterminator="\r\n")
        w.writerow(_headers(name))
        w.writerows([["" if v is None else str(v) for v in row] for row in tables[name]])
        out[f"{name}.csv"] = ("\ufeff" if bom else "") + buf.getvalue()
    return out

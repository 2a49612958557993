"""Plain-text tables that line up with Chinese text, and JSON output.

Examples
--------
>>> print(table(["id", "label"], [["fan-group", "商家粉丝群"], ["payment", "支付"]]))
id         label
---------  ----------
fan-group  商家粉丝群
payment    支付
"""

from __future__ import annotations

import json
import unicodedata

__all__ = ["width", "pad", "printable", "cut", "table", "to_json", "MAX_CELL"]

# Control characters (C0 but tab and newline, DEL, C1) and the bidirectional embeddings,
# overrides and isolates ("Trojan Source"): data text must not drive the terminal.
_UNSAFE = {c: f"\\u{c:04x}" for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0),
                                     *range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def printable(text: str) -> str:
    """``text`` with characters that would drive a terminal shown as ``\\uXXXX`` escapes.

    >>> printable("red\\x1b[31m \\u202eevil")
    'red\\\\u001b[31m \\\\u202eevil'
    """
    return text.translate(_UNSAFE)


def width(text: str) -> int:
    """Display width of ``text`` in a terminal: East Asian wide characters take two cells."""
    w = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def pad(text: str, cells: int) -> str:
    return text + " " * max(0, cells - width(text))


#: Widest a table cell may be, in terminal cells: a longer one is cut and ends in ``…``
#: (JSON keeps every text whole).  Without a bound one long label would widen the whole
#: column, and a table of N rows would cost N times that width.
MAX_CELL = 200


def cut(text: str, cells: int = MAX_CELL) -> str:
    """``text`` cut to at most ``cells`` terminal cells, ending in ``…`` when it was cut.

    >>> cut("abcdef", 4), cut("商家粉丝群", 5), cut("abc", 4)
    ('abc…', '商家…', 'abc')
    """
    if len(text) <= cells // 2 or width(text) <= cells:
        return text
    out, w = [], 0
    for ch in text:
        cw = 0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if w + cw > cells - 1:
            break
        out.append(ch)
        w += cw
    return "".join(out) + "…"


def _cell(c) -> str:
    text = "" if c is None else str(c)
    if len(text) > 4 * MAX_CELL:
        text = text[: 4 * MAX_CELL]  # enough for the cut below (an escape takes 6 cells); O(1) in the input
        return cut(printable(text.replace("\n", " ")) + "…", MAX_CELL)
    return cut(printable(text.replace("\n", " ")), MAX_CELL)


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Render ``rows`` under ``headers`` as aligned columns (the last one is not padded).

    A cell wider than :data:`MAX_CELL` terminal cells is cut and ends in ``…``.
    """
    rows = [[_cell(c) for c in r] for r in rows]
    widths = [width(h) for h in headers]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], width(c))
    lines = []
    for cells in [headers, ["-" * w for w in widths], *rows]:
        line = "  ".join(pad(c, widths[i]) if i < len(cells) - 1 else c for i, c in enumerate(cells))
        lines.append(line.rstrip())
    return "\n".join(lines)


def to_json(obj) -> str:
    """JSON text as ccare prints it: UTF-8 characters kept, two-space indent."""
    return json.dumps(obj, ensure_ascii=False, indent=2)

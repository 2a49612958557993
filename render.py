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

__all__ = ["width", "pad", "printable", "table", "to_json"]

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


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Render ``rows`` under ``headers`` as aligned columns (the last one is not padded)."""
    rows = [[printable(("" if c is None else str(c)).replace("\n", " ")) for c in r] for r in rows]
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

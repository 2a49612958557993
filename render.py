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

__all__ = ["width", "pad", "table", "to_json"]


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
    rows = [[("" if c is None else str(c)).replace("\n", " ") for c in r] for r in rows]
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

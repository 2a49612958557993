"""CSV cells a spreadsheet cannot run: the formula-injection guard, and taking it off again.

A spreadsheet (Excel, LibreOffice, Google Sheets) runs a cell that starts with ``=``,
``+``, ``-`` or ``@`` as a formula, and a tab or carriage return before one of them is
dropped on the way in; ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` in a label someone
else wrote would run on the strategist's machine.  Every CSV ccare writes goes through
:func:`guard` (OWASP's advice): such a cell gets a leading ``'``, which spreadsheets show
as text and do not print.

- A cell that is a number (``-5``, ``+3.2``, ``-1e3``) stays as it is: it is no formula.
- A cell that starts with whitespace followed by one of those characters is guarded too
  (``\\t=1+1``: a spreadsheet, or a reader that trims cells, would see ``=1+1``).
- A cell that already starts with ``'`` followed by what would be guarded gets one more
  ``'``, so :func:`unguard` gives back exactly what was written: ccare's own CSV reader
  (``ccare import``) calls it on every cell, and a round trip is exact.
- ``--csv-raw`` writes cells as they are, for programs (:func:`raw_default`).

Examples
--------
>>> [guard(c) for c in ["=1+1", "-5", "+3.2", "-x", "@SUM(A1)", "\\t=1", " -2", "'=x", "plain", ""]]
["'=1+1", '-5', '+3.2', "'-x", "'@SUM(A1)", "'\\t=1", "' -2", "''=x", 'plain', '']
>>> all(unguard(guard(c)) == c for c in ["=1", "'=1", "''=1", "'", "'x", "-5", "\\r@", " ", "'-"])
True
"""

from __future__ import annotations

import csv
import re

__all__ = ["TRIGGERS", "needs_guard", "guard", "unguard", "writer", "raw_default", "META_KEY"]

#: Characters that start a formula (``=``, ``+``, ``-``, ``@``) or are dropped before one
#: (tab, carriage return), as OWASP lists them.
TRIGGERS = "=+-@\t\r"

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SPACE_THEN_TRIGGER = re.compile(r"\s+[=+\-@]")

#: Where the running click command keeps ``--csv-raw`` (``click.Context.meta``).
META_KEY = "ccare.csv-raw"


def _dangerous(cell: str) -> bool:
    if not cell:
        return False
    if cell[0] in TRIGGERS:
        return not _NUMBER.fullmatch(cell)
    return bool(_SPACE_THEN_TRIGGER.match(cell))


def needs_guard(cell: str) -> bool:
    """True when a spreadsheet could read ``cell`` as a formula, or when ``cell`` is
    ``'`` before such a cell (so that :func:`unguard` can tell the two apart)."""
    i = 0
    while i < len(cell) and cell[i] == "'":
        i += 1
    return _dangerous(cell[i:])


def guard(cell) -> str:
    """``cell`` as text a spreadsheet shows and never runs (see the module's docs)."""
    text = "" if cell is None else str(cell)
    return "'" + text if needs_guard(text) else text


def unguard(cell: str) -> str:
    """The cell :func:`guard` was given: one leading ``'`` dropped where guard added it."""
    if cell.startswith("'") and needs_guard(cell[1:]):
        return cell[1:]
    return cell


def raw_default() -> bool:
    """``--csv-raw`` of the running command (False outside one)."""
    try:
        import click
    except ImportError:  # pragma: no cover
        return False
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if ctx.meta.get(META_KEY):
            return True
        ctx = ctx.parent
    return False


class _GuardedWriter:
    """A :func:`csv.writer` whose every cell goes through :func:`guard`."""

    def __init__(self, inner):
        self._inner = inner

    def writerow(self, row):
        return self._inner.writerow([guard(c) for c in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)

    @property
    def dialect(self):
        return self._inner.dialect


def writer(f, *, raw: bool | None = None, **kwargs):
    """A :func:`csv.writer` on ``f`` that guards every cell, unless ``raw`` (default: the
    running command's ``--csv-raw``)."""
    inner = csv.writer(f, **kwargs)
    if raw is None:
        raw = raw_default()
    return inner if raw else _GuardedWriter(inner)

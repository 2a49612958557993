"""Putting data into HTML so that it stays data.

Two contexts only: text and attribute values (:func:`text`, which escapes ``& < > " '``)
and JSON inside a ``<script type="application/json">`` element (:func:`script_json`).
Pages built by :mod:`ccare.exports` read their data with ``JSON.parse`` and write it into
the page with ``textContent``, never ``innerHTML``; these two functions are the only places
where data meets markup.

Examples
--------
>>> text('<img src=x onerror=alert(1)>')
'&lt;img src=x onerror=alert(1)&gt;'
>>> script_json({"label": "</script><!-- \\u2028"})
'{"label":"\\\\u003c/script\\\\u003e\\\\u003c!-- \\\\u2028"}'
"""

from __future__ import annotations

import html
import json

__all__ = ["text", "script_json", "inline_script", "inline_style"]

# JSON is valid JavaScript except for these; in a <script> element "<" could also
# close the element ("</script") or open a comment state ("<!--").
# (str.replace per character: several times faster than str.translate on megabytes)
_SCRIPT_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def text(value) -> str:
    """``value`` as HTML text or a quoted attribute value (``None`` becomes empty)."""
    return "" if value is None else html.escape(str(value), quote=True)


def script_json(obj) -> str:
    """Compact JSON of ``obj`` that is safe as the content of a ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``-style escapes, which ``JSON.parse`` reads back
    as the same characters, so no string in the data can end the element or start a
    comment; U+2028 and U+2029 are escaped too, for readers that evaluate it as JavaScript.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in _SCRIPT_ESCAPES:
        text = text.replace(char, escape)
    return text


def _check_raw(code: str, what: str) -> str:
    low = code.lower()
    for bad in ("</script", "<!--", "</style"):
        if bad in low:
            raise ValueError(f"{what} contains {bad!r} and cannot be inlined as is")
    return code


def inline_script(code: str, what: str = "script") -> str:
    """A ``<script>`` element holding ``code`` (our own or a bundled library, never data)."""
    return f"<script>{_check_raw(code, what)}</script>"


def inline_style(css: str, what: str = "style") -> str:
    """A ``<style>`` element holding ``css`` (our own or a bundled library, never data)."""
    return f"<style>{_check_raw(css, what)}</style>"

"""ccare's settings from the environment: every ``CCARE_*`` variable, read in one place.

:func:`current` is the one reader: it parses the variables into a frozen :class:`Settings`
the first time it is asked, and again only when a ``CCARE_*`` variable changed (the memo
is keyed by all of them, so a test's ``monkeypatch.setenv`` takes effect on the next call).
Modules take their values from that object, or from an object passed down to them (the
three input limits travel as :class:`ccare.rdfio.read.Limits`); none reads ``os.environ``
for a ``CCARE_`` name itself (``tests/test_settings.py`` walks the package to prove it).

A variable set to a value that is not allowed does not fail the others: the error is kept,
and raised as a :class:`~ccare.errors.UsageError` naming the variable when its value is
used (``CCARE_MAX_MEMORY=plenty`` fails ``ccare sparql``, exit code 2, not ``ccare info``).
An empty variable counts as unset.

========================== ======================================================= ==========
Variable                   Meaning                                                 Default
========================== ======================================================= ==========
``CCARE_MAX_FILE_SIZE``    bytes of one input file (``512M``, ``2G``; K, M, G, T)  512 MiB
``CCARE_MAX_LITERAL``      characters of one literal or IRI of an input            1 Mi
``CCARE_MAX_DEPTH``        nesting of JSON-LD / RDF/XML inputs, of blank nodes     128
``CCARE_STORE``            store under the map: ``oxigraph`` or ``memory``         oxigraph
                           (the ``--store`` option wins)
``CCARE_NO_CACHE``         set (not ``0``/``false``/``no``): no parse cache        unset
                           (``--no-cache`` too)
``CCARE_CACHE_DIR``        the parse cache's folder (``parse/`` inside it)         the user cache
                                                                                   folder
``CCARE_CACHE_MAX_SIZE``   bytes the parse cache's entries may take in all         4 GiB
``CCARE_LANG``             language when ``--lang`` is not given (``zh``/``en``);  the locale,
                           anything else: as if unset                              else en
``CCARE_CANONICAL_TIMEOUT`` seconds canonical blank-node labelling may take        60
``CCARE_MAX_MEMORY``       bytes a sandboxed worker (SPARQL, SHACL, canonical      4 GiB
                           labelling) may add to the process
``CCARE_MAX_SHEET_ROWS``   rows read from one sheet of an ``.xlsx`` workbook       200,000
``CCARE_ENDPOINT_TOKEN``   bearer token sent to a SPARQL endpoint                  none
``CCARE_ENDPOINT_USER``    user name for an endpoint (Basic or Digest)             the URL's
``CCARE_ENDPOINT_PASSWORD`` that user's password                                   the URL's
========================== ======================================================= ==========

(``CCARE_TEST_ARTIFACTS``, ``CCARE_CHROMIUM``, ``CCARE_SKIP_BROWSER`` and
``CCARE_SKIP_VIRTUOSO`` belong to the test suite, not to ccare.)

Examples
--------
>>> s = Settings.from_env({"CCARE_MAX_FILE_SIZE": "2G", "CCARE_LANG": "ZH", "CCARE_NO_CACHE": "1"})
>>> s.max_file_size, s.lang, s.no_cache, s.max_depth
(2147483648, 'zh', True, 128)
>>> Settings.from_env({"CCARE_MAX_MEMORY": "plenty"}).max_memory
Traceback (most recent call last):
...
ccare.errors.UsageError: CCARE_MAX_MEMORY must be a positive number, optionally with K, M or G (got 'plenty')
>>> Settings.from_env({"CCARE_MAX_MEMORY": "plenty"}).max_depth  # the others still hold
128
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ccare.errors import UsageError
from ccare.limits import parse_size

__all__ = ["Settings", "current", "VARIABLES", "STORES", "DEFAULT_STORE"]

#: Store kinds, the default first (:mod:`ccare.rdfio.store`).
STORES = ("oxigraph", "memory")
DEFAULT_STORE = "oxigraph"

DEFAULT_MAX_FILE_SIZE = 512 * 1024**2
DEFAULT_MAX_LITERAL = 1024**2
DEFAULT_MAX_DEPTH = 128
DEFAULT_CACHE_MAX_SIZE = 4 * 1024**3
DEFAULT_CANONICAL_TIMEOUT = 60.0
DEFAULT_MEMORY = 4 * 1024**3
DEFAULT_MAX_SHEET_ROWS = 200_000


class _Invalid:
    """The value of a variable that is not allowed: raised as a usage error when used."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message

    def __repr__(self) -> str:
        return f"<invalid: {self.message}>"


@dataclass(frozen=True, repr=False, eq=False)
class Settings:
    """The values of the ``CCARE_*`` variables (see the module's table); build one with
    :meth:`from_env`, or get the running process's with :func:`current`."""

    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    max_literal: int = DEFAULT_MAX_LITERAL
    max_depth: int = DEFAULT_MAX_DEPTH
    store: str | None = None
    no_cache: bool = False
    cache_dir: str | None = None
    cache_max_size: int = DEFAULT_CACHE_MAX_SIZE
    lang: str | None = None
    canonical_timeout: float = DEFAULT_CANONICAL_TIMEOUT
    max_memory: int = DEFAULT_MEMORY
    max_sheet_rows: int = DEFAULT_MAX_SHEET_ROWS
    endpoint_token: str | None = field(default=None, repr=False)
    endpoint_user: str | None = None
    endpoint_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """The settings ``environ`` gives (a mapping like ``os.environ``).  A value that is
        not allowed is kept as an error, raised when that setting is used."""
        values: dict[str, Any] = {}
        for name, (var, parse) in _PARSERS.items():
            raw = environ.get(var)
            if raw is None or (not raw.strip() and name not in _RAW):
                continue
            try:
                values[name] = parse(raw, var)
            except UsageError as e:
                values[name] = _Invalid(str(e))
        return cls(**values)

    if not TYPE_CHECKING:  # for the type checker, each field has its declared type

        def __getattribute__(self, name):
            value = object.__getattribute__(self, name)
            if type(value) is _Invalid:
                raise UsageError(value.message)
            return value

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = object.__getattribute__(self, f.name)
            if value != f.default:
                shown.append(f"{f.name}={'***' if not f.repr else value!r}")
        return f"Settings({', '.join(shown)})"


def _size(raw: str, var: str) -> int:
    return parse_size(raw.strip(), var)  # nan, inf, 0 and sizes over 1 TiB are usage errors


def _count(raw: str, var: str) -> int:
    """A count, written as sizes are (``500K`` is 512,000); at least 1."""
    return max(1, parse_size(raw.strip(), var))


def _seconds(raw: str, var: str) -> float:
    """Seconds: a positive, finite number (``nan`` would switch a limit off)."""
    try:
        v = float(raw.strip())
    except ValueError:
        v = math.nan
    if not (math.isfinite(v) and v > 0):
        raise UsageError(f"{var} must be a positive, finite number of seconds (got {raw.strip()!r})")
    return v


def _store(raw: str, var: str) -> str:
    name = raw.strip().lower()
    if name not in STORES:
        raise UsageError(f"unknown store {name!r} (from {var}) (allowed: {', '.join(STORES)})")
    return name


def _flag(raw: str, var: str) -> bool:
    return raw.strip().lower() not in ("", "0", "false", "no")


def _text(raw: str, var: str) -> str:
    return raw.strip()


def _lang(raw: str, var: str) -> str | None:
    """``zh`` or ``en`` for a language or locale name, else None: the reading of
    :func:`ccare.i18n.lang_of`, written here because settings sit below i18n (README, "Layout"):
    i18n reads its default language from them.

    >>> [_lang(v, "CCARE_LANG") for v in ("zh_CN.UTF-8", " EN-gb", "fr", "")]
    ['zh', 'en', None, None]
    """
    v = raw.strip().lower()
    return "zh" if v.startswith("zh") else "en" if v.startswith("en") else None


def _raw(raw: str, var: str) -> str:
    return raw


#: Each setting: its variable and the function that parses a value of it.
_PARSERS: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "max_file_size": ("CCARE_MAX_FILE_SIZE", _size),
    "max_literal": ("CCARE_MAX_LITERAL", _size),
    "max_depth": ("CCARE_MAX_DEPTH", _size),
    "store": ("CCARE_STORE", _store),
    "no_cache": ("CCARE_NO_CACHE", _flag),
    "cache_dir": ("CCARE_CACHE_DIR", _text),
    "cache_max_size": ("CCARE_CACHE_MAX_SIZE", _size),
    "lang": ("CCARE_LANG", _lang),
    "canonical_timeout": ("CCARE_CANONICAL_TIMEOUT", _seconds),
    "max_memory": ("CCARE_MAX_MEMORY", _size),
    "max_sheet_rows": ("CCARE_MAX_SHEET_ROWS", _count),
    "endpoint_token": ("CCARE_ENDPOINT_TOKEN", _raw),
    "endpoint_user": ("CCARE_ENDPOINT_USER", _raw),
    "endpoint_password": ("CCARE_ENDPOINT_PASSWORD", _raw),
}
#: Settings taken as given, an empty value included (an empty password is a password).
_RAW = frozenset({"endpoint_token", "endpoint_user", "endpoint_password"})

#: Setting name -> its environment variable.
VARIABLES = {name: var for name, (var, _) in _PARSERS.items()}

_memo: tuple[tuple, Settings] | None = None


def current() -> Settings:
    """The settings of the process's environment now: read once per distinct set of
    ``CCARE_*`` variables (a change to one of them is seen on the next call)."""
    global _memo
    env = os.environ  # the keys are decoded and filtered first: the values of CCARE_* only
    key = tuple((k, env.get(k, "")) for k in sorted(k for k in env if k.startswith("CCARE_")))
    memo = _memo
    if memo is None or memo[0] != key:
        memo = _memo = (key, Settings.from_env(dict(key)))
    return memo[1]

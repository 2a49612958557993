"""The ccare ontology, knowledge base and shapes, shipped as package data.

Files are found with :func:`importlib.resources.files`, never by path arithmetic:

- ``ccare.ttl``: the vocabulary (TBox);
- ``kb/*.ttl``: the knowledge base (ABox), every relation a reified, evidenced assertion;
- ``shapes/*.ttl``: the SHACL shapes the map must conform to;
- ``sources/*.txt``: the source texts the evidence quotes.

Examples
--------
>>> from ccare.ontology import CC, ID, tbox_files, kb_files
>>> str(CC.serves)
'https://w3id.org/ccare/ontology#serves'
>>> str(ID["fan-group"])
'https://w3id.org/ccare/id/fan-group'
>>> len(kb_files()) > 0 and len(tbox_files()) == 1
True
"""

from __future__ import annotations

import sys
from importlib.resources import files

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # Python 3.10 (requires-python): importlib.resources.abc is new in 3.11
    from importlib.abc import Traversable

__all__ = [
    "CC",
    "ID",
    "QUDT",
    "UNIT",
    "PREFIXES",
    "tbox_files",
    "kb_files",
    "shape_files",
    "source_text",
    "source_lines",
]


#: Names of :mod:`ccare.ontology.namespaces`, loaded (with rdflib) on first use, so that
#: importing the package, or :mod:`ccare.ontology.vocab`, costs no RDF library.
_NAMESPACES = frozenset({"CC", "ID", "QUDT", "UNIT", "PREFIXES"})


def __getattr__(name: str):
    if name in _NAMESPACES:
        from ccare.ontology import namespaces

        value = getattr(namespaces, name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_ROOT = files(__name__)


def _ttl(folder: Traversable) -> list[Traversable]:
    return sorted((f for f in folder.iterdir() if f.name.endswith(".ttl")), key=lambda f: f.name)


def tbox_files() -> list[Traversable]:
    """The vocabulary files (``ontology/*.ttl``)."""
    return _ttl(_ROOT)


def kb_files() -> list[Traversable]:
    """The knowledge-base files (``ontology/kb/*.ttl``)."""
    return _ttl(_ROOT / "kb")


def shape_files() -> list[Traversable]:
    """The SHACL shape files (``ontology/shapes/*.ttl``)."""
    return _ttl(_ROOT / "shapes")


def source_text(name: str) -> str:
    """The text of a shipped source file, by its ``cc:file`` name.

    Raises ``FileNotFoundError`` when ccare ships no source of that name.
    """
    if "/" in name or "\\" in name or name.startswith("."):
        raise FileNotFoundError(name)
    return (_ROOT / "sources" / name).read_text(encoding="utf-8")


def source_lines(name: str) -> list[str]:
    """The lines of a shipped source file; line ``n`` is ``source_lines(name)[n - 1]``."""
    return source_text(name).split("\n")

"""The parse cache: a finished graph per set of inputs, so repeated runs skip the parse.

An entry holds the merged, materialised graph of one run's inputs (the shipped map and
the ``--data`` files).  Its name is a SHA-256 of everything that decides that graph:
the bytes, format and base IRI of each input in order, the store kind, and the
versions of ccare, pyoxigraph and rdflib.  Changing a file (or upgrading) gives a new
key, so an entry is never stale; old entries are pruned, least recently used first.

- Location: ``$CCARE_CACHE_DIR`` if set, else the user cache directory
  (``$XDG_CACHE_HOME/ccare`` or ``~/.cache/ccare`` on Linux, the platform's own
  elsewhere), subfolder ``parse``.  Deleting it is always safe.
- ``CCARE_NO_CACHE=1`` (or ``--no-cache``) turns the cache off: nothing is read or
  written.
- Entries are written whole or not at all (:mod:`ccare.atomicio`); one that cannot be
  read back (truncated, damaged, from another version) is deleted and rebuilt.

Format: N-Quads as Oxigraph writes it, ending with a trailer line that names the key
(a truncated entry has none).  Loading it skips reading several files, checking them
and materialising the assertions; see ``bench/RESULTS.md`` for what that saves.  What
is derived from a graph may be kept beside it (:func:`put_derived`, a pickle named by
the graph's key and a hash of the code that derived it): the NetworkX graph of
:func:`ccare.graph.build.to_networkx` is, since building it costs as much as the parse.

Examples
--------
>>> import os, tempfile
>>> os.environ["CCARE_CACHE_DIR"] = tempfile.mkdtemp()
>>> from ccare.loader import shipped_inputs, build_graph
>>> k = key(shipped_inputs(), "oxigraph")
>>> get(k, "oxigraph") is None
True
>>> put(k, build_graph(shipped_inputs(), "oxigraph"))
>>> len(get(k, "oxigraph")) == len(build_graph(shipped_inputs(), "oxigraph"))
True
>>> [e["store"] for e in entries()], clear()
(['oxigraph'], 1)
>>> del os.environ["CCARE_CACHE_DIR"]
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Sequence

import pyoxigraph as ox
import rdflib
from rdflib import Graph

from ccare import __version__
from ccare.atomicio import atomic_write
from ccare.store import from_ox, kind_of, new_graph, oxigraph_of

__all__ = [
    "CACHE_DIR_ENV",
    "NO_CACHE_ENV",
    "MAX_ENTRIES",
    "cache_dir",
    "enabled",
    "key",
    "get",
    "put",
    "derived_key",
    "get_derived",
    "put_derived",
    "entries",
    "clear",
]

CACHE_DIR_ENV = "CCARE_CACHE_DIR"
NO_CACHE_ENV = "CCARE_NO_CACHE"
#: Entries kept; the least recently used beyond this are deleted.
MAX_ENTRIES = 8
#: Bumped when the entry format or what goes into a graph changes.
FORMAT = "ccare-parse-cache-1"
_SUFFIX = ".nq"
_DERIVED = ".pickle"


def cache_dir() -> Path:
    """The folder holding the parse cache (it may not exist yet)."""
    root = os.environ.get(CACHE_DIR_ENV, "").strip()
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("ccare", appauthor=False)
    return Path(root) / "parse"


def enabled(cache: bool | None = None) -> bool:
    """Whether to use the cache: ``cache`` if given, else not when ``CCARE_NO_CACHE`` is set."""
    if cache is not None:
        return bool(cache)
    return os.environ.get(NO_CACHE_ENV, "").strip().lower() in ("", "0", "false", "no")


def key(inputs: Sequence, kind: str) -> str:
    """The cache key of ``inputs`` (:class:`ccare.loader.Input`) loaded on a ``kind`` store."""
    h = hashlib.sha256()

    def field(b: bytes) -> None:
        h.update(len(b).to_bytes(8, "big"))
        h.update(b)

    for part in (FORMAT, __version__, kind, ox.__version__ if hasattr(ox, "__version__") else "", rdflib.__version__):
        field(str(part).encode())
    for inp in inputs:
        field(str(inp.fmt).encode())
        field((inp.base_iri or "").encode())
        field(inp.data)
    return h.hexdigest()


def _path(k: str, kind: str) -> Path:
    return cache_dir() / f"{k}.{kind}{_SUFFIX}"


def _trailer(k: str) -> bytes:
    return f"# {FORMAT} {k}\n".encode()


def get(k: str, kind: str) -> Graph | None:
    """The cached graph for key ``k`` on a ``kind`` store, or ``None`` (absent or unreadable)."""
    path = _path(k, kind)
    trailer = _trailer(k)
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - len(trailer)))
            complete = f.read() == trailer
    except OSError:
        return None
    if not complete:  # truncated, or not an entry of this key
        _drop(path)
        return None
    g = new_graph(kind)
    try:
        # ccare wrote and checked these triples: skip the IRI checks (lenient) and limits
        st = oxigraph_of(g)
        if st is not None:
            st.load(path=path, format=ox.RdfFormat.N_QUADS, to_graph=ox.DefaultGraph(), lenient=True)
        else:
            g.addN(
                (from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), g)
                for q in ox.parse(path=path, format=ox.RdfFormat.N_QUADS, lenient=True)
            )
    except (SyntaxError, ValueError, OSError):
        _drop(path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used
    return g


def put(k: str, graph: Graph) -> None:
    """Store ``graph`` under key ``k``; a cache that cannot be written is silently skipped."""
    kind = kind_of(graph)
    path = _path(k, kind)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "wb") as f:
            st = oxigraph_of(graph)
            if st is not None:
                st.dump(f, format=ox.RdfFormat.N_QUADS, from_graph=ox.DefaultGraph())
            else:
                f.write(graph.serialize(format="nt", encoding="utf-8"))
            f.write(_trailer(k))
    except OSError:
        return
    _prune()


def derived_key(k: str, *parts) -> str:
    """A key for something derived from the graph of key ``k`` by code that ``parts``
    name (module names, whose source is hashed in: a change of that code is a new key)."""
    import importlib
    import sys

    h = hashlib.sha256(k.encode())
    for part in parts:
        mod = sys.modules.get(part) or importlib.import_module(part)
        path = getattr(mod, "__file__", None)
        h.update(Path(path).read_bytes() if path else str(part).encode())
        h.update(str(getattr(mod, "__version__", "")).encode())
    return h.hexdigest()


def get_derived(k: str, name: str):
    """The object stored by :func:`put_derived` under ``k`` and ``name``, or ``None``."""
    import pickle

    path = cache_dir() / f"{k}.{name}{_DERIVED}"
    try:
        with open(path, "rb") as f:
            obj = pickle.load(f)
    except FileNotFoundError:
        return None
    except Exception:  # damaged or from another version: rebuilt by the caller
        _drop(path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)
    return obj


def put_derived(k: str, name: str, obj) -> None:
    """Keep ``obj`` (picklable) under ``k`` and ``name``; silently skipped if unwritable.

    The cache folder is the user's own: what is read back is what this user's ccare wrote.
    """
    import pickle

    path = cache_dir() / f"{k}.{name}{_DERIVED}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        return
    _prune()


def entries() -> list[dict]:
    """The cache's entries, most recently used first: ``{"key", "store", "bytes", "path"}``."""
    out = []
    d = cache_dir()
    if not d.is_dir():
        return out
    for p in [*d.glob(f"*{_SUFFIX}"), *d.glob(f"*{_DERIVED}")]:
        try:
            st = p.stat()
        except OSError:
            continue
        suffix = _SUFFIX if p.name.endswith(_SUFFIX) else _DERIVED
        k, _, kind = p.name[: -len(suffix)].partition(".")
        if suffix == _DERIVED:
            kind = "derived: " + kind
        out.append({"key": k, "store": kind, "bytes": st.st_size, "path": str(p), "_used": st.st_mtime})
    out.sort(key=lambda e: e["_used"], reverse=True)
    for e in out:
        del e["_used"]
    return out


def clear() -> int:
    """Delete every entry; return how many were deleted."""
    n = 0
    for e in entries():
        if _drop(Path(e["path"])):
            n += 1
    return n


def _prune() -> None:
    graphs = [e for e in entries() if not e["store"].startswith("derived")]
    derived = [e for e in entries() if e["store"].startswith("derived")]
    for e in graphs[MAX_ENTRIES:] + derived[MAX_ENTRIES:]:
        _drop(Path(e["path"]))


def _drop(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except OSError:
        return False

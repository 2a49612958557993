"""The parse cache: a finished graph per set of inputs, so repeated runs skip the parse.

An entry holds the merged, materialised graph of one run's inputs (the shipped map and
the ``--data`` files).  Its name is a SHA-256 of everything that decides that graph:
the bytes, format and base IRI of each input in order, the store kind, the versions of
ccare, pyoxigraph and rdflib, and a digest of the source of ccare's modules that read,
check and materialise a map (:data:`LOAD_CODE`).  Changing a file, upgrading, or editing
that code gives a new key, so an entry is never stale; old entries are pruned, least
recently used first.

- Location: ``$CCARE_CACHE_DIR`` if set, else the user cache directory
  (``$XDG_CACHE_HOME/ccare`` or ``~/.cache/ccare`` on Linux, the platform's own
  elsewhere), subfolder ``parse``.  Deleting it is always safe.
- ``CCARE_NO_CACHE=1`` (or ``--no-cache``) turns the cache off: nothing is read or
  written.
- Entries are written whole or not at all (:mod:`ccare.rdfio.atomic`); one that cannot be
  read back (truncated, damaged, edited, from another version) is deleted and rebuilt.
- Every entry carries a keyed digest (BLAKE2b with a secret of 32 random bytes kept in
  ``key`` beside the ``parse`` folder, created readable by its owner only); an entry is
  read only when its digest matches, so an edited entry is never used, and a pickle
  someone else put in the folder is never unpickled.  A key file that is not the user's
  own, or that others can read or write, turns the cache off.
- Pruning keeps at most :data:`MAX_ENTRIES` graphs and derived objects each, and
  :data:`MAX_BYTES` bytes in all (``CCARE_CACHE_MAX_SIZE``), least recently used first.
  Temporary ``.part`` files left by a killed run are listed, pruned once an hour old, and
  cleared.

Format: N-Quads as Oxigraph writes it, ending with a trailer line that names the key
and the digest of what precedes it (a truncated entry has none).  Loading it skips reading several files, checking them
and materialising the assertions; see ``bench/RESULTS.md`` for what that saves.  What
is derived from a graph may be kept beside it (:func:`put_derived`, a pickle named by
the graph's key and a hash of the code that derived it): the NetworkX graph of
:func:`ccare.graph.build.to_networkx` is, since building it costs as much as the parse.

Examples
--------
>>> import os, tempfile
>>> saved = os.environ.get("CCARE_CACHE_DIR")
>>> tmp = tempfile.TemporaryDirectory()
>>> os.environ["CCARE_CACHE_DIR"] = tmp.name
>>> from ccare.kb.loader import shipped_inputs, build_graph
>>> k = key(shipped_inputs(), "oxigraph")
>>> get(k, "oxigraph") is None
True
>>> put(k, build_graph(shipped_inputs(), "oxigraph"))
>>> len(get(k, "oxigraph")) == len(build_graph(shipped_inputs(), "oxigraph"))
True
>>> [e["store"] for e in entries()], clear()
(['oxigraph'], 1)
>>> if saved is None:
...     del os.environ["CCARE_CACHE_DIR"]
... else:
...     os.environ["CCARE_CACHE_DIR"] = saved
>>> tmp.cleanup()
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
import time
from pathlib import Path
from typing import IO, Any, Sequence, cast

import pyoxigraph as ox
import rdflib
from rdflib import Graph

from ccare import __version__, settings
from ccare.rdfio.atomic import atomic_write
from ccare.rdfio.store import from_ox, kind_of, new_graph, oxigraph_of

__all__ = [
    "CACHE_DIR_ENV",
    "NO_CACHE_ENV",
    "MAX_ENTRIES",
    "MAX_BYTES",
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
#: Bytes the entries may take in all (``CCARE_CACHE_MAX_SIZE``, e.g. ``8G``); one entry
#: of a map of 2M triples takes about 250 MiB.
MAX_BYTES = settings.DEFAULT_CACHE_MAX_SIZE
MAX_BYTES_ENV = "CCARE_CACHE_MAX_SIZE"
#: Bumped when the entry format or what goes into a graph changes.
FORMAT = "ccare-parse-cache-2"
_SUFFIX = ".nq"
_DERIVED = ".pickle"
_PART = ".part"
#: A ``.part`` file older than this is litter of a killed run (a live one is younger).
_PART_AGE = 3600.0
_DIGEST = 32
_MAGIC = b"ccare-derived-2\n"


def cache_dir() -> Path:
    """The folder holding the parse cache (it may not exist yet)."""
    root = settings.current().cache_dir
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("ccare", appauthor=False)
    return Path(root) / "parse"


def enabled(cache: bool | None = None) -> bool:
    """Whether to use the cache: ``cache`` if given, else not when ``CCARE_NO_CACHE`` is set."""
    if cache is not None:
        return bool(cache)
    return not settings.current().no_cache


#: ccare's modules whose code turns input bytes into the loaded map: the parse cache's key
#: covers their source, so a change to how a map is read or materialised is a new entry.
#: What is derived from the map and cached beside it adds the code that derives it
#: (:func:`derived_key`; the NetworkX graph: :data:`ccare.graph.build.BUILD_CODE`).
#: ``tests/test_load_path.py`` checks that every module loading and building imports is here.
LOAD_CODE = ("ccare.kb.cache", "ccare.kb.loader", "ccare.kb.model", "ccare.rdfio.store", "ccare.rdfio.read",
             "ccare.rdfio.prescan", "ccare.rdfio.bulk", "ccare.rdfio.parsed", "ccare.rdfio.terms", "ccare.ontology",
             "ccare.rdfio.atomic", "ccare.ontology.namespaces", "ccare.ontology.vocab")

_CODE_DIGESTS: dict = {}


def code_digest(modules: Sequence[str] = LOAD_CODE) -> str:
    """A SHA-256 of the source files of ``modules`` (importable names), read once per
    process."""
    import importlib
    import sys

    names = tuple(modules)
    known = _CODE_DIGESTS.get(names)
    if known is None:
        h = hashlib.sha256()
        for name in names:
            mod = sys.modules.get(name) or importlib.import_module(name)
            path = getattr(mod, "__file__", None)
            data = Path(path).read_bytes() if path else name.encode()
            h.update(len(data).to_bytes(8, "big"))
            h.update(data)
        known = _CODE_DIGESTS[names] = h.hexdigest()
    return known


def key(inputs: Sequence, kind: str) -> str:
    """The cache key of ``inputs`` (:class:`ccare.kb.loader.Input`) loaded on a ``kind`` store
    by this code (:func:`code_digest`)."""
    h = hashlib.sha256()

    def field(b: bytes) -> None:
        h.update(len(b).to_bytes(8, "big"))
        h.update(b)

    for part in (FORMAT, __version__, kind, ox.__version__ if hasattr(ox, "__version__") else "", rdflib.__version__,
                 code_digest()):
        field(str(part).encode())
    for inp in inputs:
        field(str(inp.fmt).encode())
        field((inp.base_iri or "").encode())
        field(inp.data)
    return h.hexdigest()


def _secret() -> bytes | None:
    """This user's cache key (32 random bytes in ``key`` beside the ``parse`` folder),
    made on first use, readable by its owner only; None when the file is not the user's
    own or others may read or write it (then nothing is read from or written to the cache)."""
    path = cache_dir().parent / "key"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(2):
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            except FileExistsError:
                continue  # made by another run just now: read it
            except OSError:
                return None
            try:
                os.write(fd, os.urandom(_DIGEST))
            finally:
                os.close(fd)
            continue
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if (not stat.S_ISREG(st.st_mode) or st.st_mode & 0o077
                    or (hasattr(os, "getuid") and st.st_uid != os.getuid())):
                return None
            data = os.read(fd, _DIGEST + 1)
        finally:
            os.close(fd)
        return data if len(data) == _DIGEST else None
    return None


def _mac(secret: bytes):
    return hashlib.blake2b(key=secret, digest_size=_DIGEST, person=b"ccare-cache")


class _Hashing:
    """A binary file that also feeds what is written to a digest."""

    def __init__(self, f, h):
        self.f, self.h = f, h

    def write(self, b):
        self.h.update(b)
        return self.f.write(b)

    def flush(self):
        self.f.flush()


def _path(k: str, kind: str) -> Path:
    return cache_dir() / f"{k}.{kind}{_SUFFIX}"


def _trailer(k: str, digest: str) -> bytes:
    return f"# {FORMAT} {k} {digest}\n".encode()


def _trailer_size(k: str) -> int:
    return len(_trailer(k, "0" * (2 * _DIGEST)))


def _verified(path: Path, k: str, secret: bytes) -> bool:
    """Whether the entry at ``path`` ends with its key's trailer and the digest in it is
    that of everything before it (one read of the file)."""
    size = _trailer_size(k)
    try:
        with open(path, "rb") as f:
            total = os.fstat(f.fileno()).st_size
            if total < size:
                return False
            h = _mac(secret)
            left = total - size
            while left:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    return False
                h.update(chunk)
                left -= len(chunk)
            trailer = f.read()
    except OSError:
        return False
    return hmac.compare_digest(trailer, _trailer(k, h.hexdigest()))


def get(k: str, kind: str) -> Graph | None:
    """The cached graph for key ``k`` on a ``kind`` store, or ``None`` (absent, unreadable,
    or not what this user's ccare wrote)."""
    path = _path(k, kind)
    if not path.exists():
        return None
    secret = _secret()
    if secret is None:
        return None
    if not _verified(path, k, secret):  # truncated, edited, or not an entry of this key
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
    secret = _secret()
    if secret is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "wb") as f:
            out = _Hashing(f, _mac(secret))
            st = oxigraph_of(graph)
            if st is not None:
                # pyoxigraph writes to any object with write(); its stubs ask for IO[bytes]
                st.dump(cast(IO[bytes], out), format=ox.RdfFormat.N_QUADS, from_graph=ox.DefaultGraph())
            else:
                out.write(graph.serialize(format="nt", encoding="utf-8"))
            f.write(_trailer(k, out.h.hexdigest()))
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
    if not path.exists():
        return None
    secret = _secret()
    if secret is None:
        return None
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    body = memoryview(data)[len(_MAGIC):len(data) - _DIGEST]
    h = _mac(secret)
    h.update(k.encode() + b"\0" + name.encode() + b"\0")
    h.update(body)
    # unpickle only what this user's ccare wrote: pickle runs code, and the folder may be shared
    if not (len(data) >= len(_MAGIC) + _DIGEST and data.startswith(_MAGIC)
            and hmac.compare_digest(data[len(data) - _DIGEST:], h.digest())):
        _drop(path)
        return None
    try:
        obj = pickle.loads(body)
    except Exception:  # from another version: rebuilt by the caller
        _drop(path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)
    return obj


def put_derived(k: str, name: str, obj) -> None:
    """Keep ``obj`` (picklable) under ``k`` and ``name``; silently skipped if unwritable.

    The entry ends with a keyed digest of the pickle (and of ``k`` and ``name``):
    :func:`get_derived` unpickles only what this user's ccare wrote.
    """
    import pickle

    path = cache_dir() / f"{k}.{name}{_DERIVED}"
    secret = _secret()
    if secret is None:
        return
    h = _mac(secret)
    h.update(k.encode() + b"\0" + name.encode() + b"\0")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "wb") as f:
            f.write(_MAGIC)
            pickle.dump(obj, _Hashing(f, h), protocol=pickle.HIGHEST_PROTOCOL)  # streamed, not held twice
            f.write(h.digest())
    except OSError:
        return
    _prune()


def entries() -> list[dict]:
    """The cache's entries, most recently used first: ``{"key", "store", "bytes", "path"}``.

    A temporary file of an entry being written (or left by a killed run) is listed with
    the store ``partial``.
    """
    out: list[dict[str, Any]] = []
    d = cache_dir()
    if not d.is_dir():
        return out
    for p in [*d.glob(f"*{_SUFFIX}"), *d.glob(f"*{_DERIVED}"), *d.glob(f".*{_PART}")]:
        try:
            st = p.lstat()
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        if p.name.endswith(_PART):
            k, kind = p.name[1:].split(".", 1)[0], "partial"
        else:
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


def max_bytes() -> int:
    """:data:`MAX_BYTES`, or ``CCARE_CACHE_MAX_SIZE`` when set."""
    return settings.current().cache_max_size  # a usage error naming the variable if it is not a size


def _prune() -> None:
    """Keep the most recently used entries within :data:`MAX_ENTRIES` (graphs, derived
    objects) and :func:`max_bytes` in all; drop ``.part`` files an hour old."""
    everything = entries()
    now = time.time()
    for e in everything:
        if e["store"] == "partial":
            with contextlib.suppress(OSError):
                if now - os.lstat(e["path"]).st_mtime > _PART_AGE:
                    _drop(Path(e["path"]))
    kept = [e for e in everything if e["store"] != "partial"]
    graphs = [e for e in kept if not e["store"].startswith("derived")]
    derived = [e for e in kept if e["store"].startswith("derived")]
    drop = graphs[MAX_ENTRIES:] + derived[MAX_ENTRIES:]
    try:
        budget = max_bytes()
    except Exception:  # a bad CCARE_CACHE_MAX_SIZE: the default (the command says so elsewhere)
        budget = MAX_BYTES
    total = 0
    for e in kept:  # most recently used first
        if e in drop:
            continue
        total += e["bytes"]
        if total > budget:
            drop.append(e)
    for e in drop:
        _drop(Path(e["path"]))


def _drop(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except OSError:
        return False

"""Writing exports: whole or not at all, UTF-8, ``-`` for standard output; several files all or none.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write(d / "map.nt", b"<a:b> <a:c> <a:d> .\\n")
PosixPath('...map.nt')
>>> write_tables(d, {"nodes.csv": "id\\r\\n", "edges.csv": "source\\r\\n"})
[PosixPath('...nodes.csv'), PosixPath('...edges.csv')]
>>> sorted(p.name for p in d.iterdir())
['edges.csv', 'map.nt', 'nodes.csv']
"""

from __future__ import annotations

from pathlib import Path

from ccare.rdfio.atomic import OutputError, atomic_write, atomic_write_many

__all__ = ["write", "write_tables"]


def write(path, content: bytes | str):
    """Write ``content`` to ``path`` atomically (``"-"``: standard output); return the path.

    A failure (disk full, no permission) raises :class:`~ccare.rdfio.atomic.OutputError` naming
    the file; any earlier file at ``path`` is left as it was and no partial file remains.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with atomic_write(path, "wb") as f:
            f.write(data)
    except BrokenPipeError:
        raise
    except OSError as e:
        raise OutputError(f"{path}: {e.strerror or e}") from None
    return Path(path) if str(path) != "-" else "-"


def write_tables(directory, tables: dict) -> list:
    """Write each ``{file name: text}`` into ``directory`` (which must exist), all or none:
    every file is written to a temporary file first and renamed only when all are written,
    so a full disk never leaves a new ``nodes.csv`` beside an old ``edges.csv``."""
    files = {Path(directory) / name: (text.encode("utf-8") if isinstance(text, str) else text)
             for name, text in tables.items()}
    try:
        return atomic_write_many(files, "wb")
    except OSError as e:
        raise OutputError(f"{getattr(e, 'filename', None) or directory}: {e.strerror or e}") from None

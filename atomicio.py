"""Write files whole or not at all.

:func:`atomic_write` writes to a temporary file in the target's directory and renames
it over the target only when writing succeeded: a failure (an exception, a full disk,
Ctrl-C) leaves any earlier file intact and no partial file behind.  ``"-"`` means
standard output, for text formats.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_write(d / "out.txt") as f:
...     _ = f.write("whole")
>>> (d / "out.txt").read_text()
'whole'
>>> try:
...     with atomic_write(d / "out.txt") as f:
...         _ = f.write("half")
...         raise RuntimeError("disk full")
... except RuntimeError:
...     pass
>>> (d / "out.txt").read_text(), sorted(p.name for p in d.iterdir())
('whole', ['out.txt'])
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from ccare.errors import CcareError

__all__ = ["atomic_write", "OutputError"]


class OutputError(CcareError):
    """The output file cannot be written where the user asked."""


def _file_mode(target: Path) -> int:
    """The mode the output should have: the old file's, else what the umask allows."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", encoding: str | None = "utf-8"):
    """Context manager yielding a file object; the target appears only on success.

    ``mode`` is ``"w"`` (text, UTF-8 regardless of the locale) or ``"wb"``. The target's
    directory must exist. ``path == "-"`` writes to standard output (text or bytes).
    """
    if mode not in ("w", "wb"):
        raise ValueError("mode must be 'w' or 'wb'")
    binary = mode == "wb"
    if str(path) == "-":
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"{target}: directory {directory} does not exist")
    if target.is_dir():
        raise OutputError(f"{target}: is a directory")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding, newline=None if binary else "") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise

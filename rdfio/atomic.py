"""Write files whole or not at all; open inputs without hanging.

:func:`atomic_write` writes to a temporary file in the target's directory and renames
it over the target only when writing succeeded: a failure (an exception, a full disk,
Ctrl-C) leaves any earlier file intact and no partial file behind.  ``"-"`` means
standard output, for text formats.

A target that is not a regular file is never replaced: a character device or a FIFO
(``/dev/null``, ``/dev/stdout``, a named pipe) is written into directly, after the whole
output has been made (so a failure writes nothing there either); a symbolic link is
followed, and the file it names is replaced (the link stays); a block device, a socket
or a directory is refused.  A target that is one of the running command's own input
files (``ccare import a.csv -o a.csv``) is refused before anything is written
(:func:`check_not_input`).

:func:`open_input` opens an input file for reading without blocking on a FIFO, and
refuses anything that is not a regular file.

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
import io
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from ccare.errors import DataError, OutputError

if TYPE_CHECKING:
    from ccare.text.terminal import SafeBinary

__all__ = ["atomic_write", "atomic_write_many", "OutputError", "check_not_input", "open_input", "command_inputs"]


def _file_mode(target: Path) -> int:
    """The mode the output should have: the old file's, else what the umask allows."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _stdout(binary: bool):
    """Standard output for machine-readable bytes: raw when piped, terminal-safe on a terminal."""
    from ccare.text import terminal as termsafe

    return termsafe.machine_stdout(binary)


# ---------------------------------------------------------------------- inputs


def _param_paths(value):
    if isinstance(value, (str, os.PathLike)):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _param_paths(v)


#: Parameters that name files a command writes: the one being written is not its own input.
OUTPUT_PARAMS = frozenset({"output", "html", "report"})


def command_inputs(writing=None) -> list:
    """The file names among the running click command's parameters (and its parents'):
    what the command reads (``--data``, a CSV, ``--file``) and its other outputs, but not
    the output parameter whose value is ``writing`` (the file being written now)."""
    try:
        import click
    except ImportError:  # pragma: no cover - click is a dependency
        return []
    ctx = click.get_current_context(silent=True)
    found = []
    while ctx is not None:
        for name, value in (ctx.params or {}).items():
            for v in _param_paths(value):
                if str(v) in ("", "-") or (name in OUTPUT_PARAMS and writing is not None and str(v) == str(writing)):
                    continue
                found.append(str(v))
        ctx = ctx.parent
    return found


def check_not_input(target, inputs=None, given=None) -> None:
    """Refuse to write ``target`` when it is the same file as one of ``inputs`` (default:
    :func:`command_inputs` but the output named ``given``): the command would destroy what
    it reads, or one output would overwrite another."""
    if str(target) == "-":
        return
    try:
        st = os.stat(target)
    except OSError:
        return  # a new file is no one's input
    if not stat.S_ISREG(st.st_mode):
        return
    for other in command_inputs(given if given is not None else target) if inputs is None else inputs:
        try:
            o = os.stat(other)
        except (OSError, ValueError):
            continue
        if (o.st_dev, o.st_ino) == (st.st_dev, st.st_ino):
            raise OutputError(f"{target}: is also an input of this command ({other}); "
                              "write the output to another file")


def open_input(path, what: str = "an input file", *, os_messages: bool = False):
    """``path`` opened for reading in binary, refusing what is not a regular file.

    A FIFO is opened without blocking (so one with no writer cannot hang ccare) and
    refused, as are devices, sockets and directories.  Raises
    :class:`~ccare.errors.DataError` naming the file (with the system's own words for a
    missing file or a directory when ``os_messages``).
    """
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as e:
        raise DataError(p, e.strerror if os_messages and e.strerror else "no such file") from None
    except IsADirectoryError as e:
        raise DataError(p, e.strerror if os_messages and e.strerror else f"is a directory, not {what}") from None
    except OSError as e:
        raise DataError(p, e.strerror or str(e)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a directory" if stat.S_ISDIR(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                    else "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                    else "not a regular file")
            raise DataError(p, f"is {kind}, not {what}; give a regular file (or '-' for standard input)")
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


# ---------------------------------------------------------------------- outputs


def _resolve_target(path) -> tuple[Path, os.stat_result | None]:
    """The file the output goes to (symbolic links followed) and its status, if it exists."""
    given = Path(path)
    try:
        st = os.stat(given)  # through any symbolic links
    except FileNotFoundError:
        return Path(os.path.realpath(given)), None  # a new file, where a dangling link points
    except OSError as e:
        raise OutputError(f"{path}: {e.strerror or e}") from None
    if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        return given, st  # opened through the link (/dev/stdout to a pipe has no path of its own)
    return Path(os.path.realpath(given)), st


@contextlib.contextmanager
def _into_special(target: Path, shown, binary: bool, encoding):
    """Write into a character device or FIFO directly, once the whole output is made."""
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024**2)
    # a SpooledTemporaryFile is a binary file; typeshed does not say so to TextIOWrapper
    f = spool if binary else io.TextIOWrapper(cast(BinaryIO, spool), encoding=encoding, newline="")
    yield f
    f.flush()
    spool.seek(0)
    fd: int | None
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        if e.errno == 6:  # ENXIO: a FIFO nobody reads
            raise OutputError(f"{shown}: a FIFO (named pipe) with no reader; start the reader first") from None
        raise OutputError(f"{shown}: {e.strerror or e}") from None
    try:
        os.set_blocking(fd, True)
        terminal = os.isatty(fd)  # -o /dev/tty, or /dev/stdout on a terminal: data must not drive it
        with os.fdopen(fd, "wb", closefd=True) as raw:
            fd = None
            out: BinaryIO | SafeBinary = raw
            if terminal:
                from ccare.text.terminal import SafeBinary

                out = SafeBinary(raw, force=True)
            while chunk := spool.read(1024**2):
                out.write(chunk)
            out.flush()
    finally:
        if fd is not None:
            os.close(fd)
        spool.close()


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", encoding: str | None = "utf-8"):
    """Context manager yielding a file object; the target appears only on success.

    ``mode`` is ``"w"`` (text, UTF-8 regardless of the locale) or ``"wb"``. The target's
    directory must exist. ``path == "-"`` writes to standard output (text or bytes).
    Special targets and inputs of the command: see the module's docs.
    """
    if mode not in ("w", "wb"):
        raise ValueError("mode must be 'w' or 'wb'")
    binary = mode == "wb"
    if str(path) == "-":
        stream = _stdout(binary)
        yield stream
        stream.flush()
        return
    shown = Path(path)
    target, st = _resolve_target(path)
    if st is not None:
        m = st.st_mode
        if stat.S_ISDIR(m):
            raise OutputError(f"{shown}: is a directory")
        if stat.S_ISCHR(m) or stat.S_ISFIFO(m):
            with _into_special(target, shown, binary, encoding) as f:
                yield f
            return
        if not stat.S_ISREG(m):
            kind = "a block device" if stat.S_ISBLK(m) else "a socket" if stat.S_ISSOCK(m) else "not a regular file"
            raise OutputError(f"{shown}: is {kind}; ccare writes only regular files, character devices and FIFOs")
        check_not_input(target, given=path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"{shown}: directory {directory} does not exist")
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


def atomic_write_many(files: dict, mode: str = "wb") -> list:
    """Write each ``{path: content}`` so that either every file is replaced or none is.

    Every content is written to a temporary file beside its target first; only when all are
    written (and synced) are they renamed over their targets, one after the other.  A
    failure while writing (a full disk) leaves every old file as it was.
    """
    binary = mode == "wb"
    staged = []  # (tmp, target)
    try:
        for path, content in files.items():
            shown = Path(path)
            target, st = _resolve_target(path)
            if st is not None and not stat.S_ISREG(st.st_mode):
                raise OutputError(f"{shown}: is not a regular file")
            if st is not None:
                check_not_input(target, given=path)
            directory = target.parent if str(target.parent) else Path(".")
            if not directory.is_dir():
                raise OutputError(f"{shown}: directory {directory} does not exist")
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=directory)
            staged.append((tmp, target))
            with os.fdopen(fd, mode, encoding=None if binary else "utf-8", newline=None if binary else "") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, _file_mode(target))
        for tmp, target in staged:
            os.replace(tmp, target)
        done = [t for _, t in staged]
        staged = []
        return done
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def check_outputs_early() -> None:
    """Refuse, before the command does any work, an output parameter (``-o``, ``--html``,
    ``--report``) that names an existing file the command also reads."""
    try:
        import click
    except ImportError:  # pragma: no cover
        return
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    named: dict = {}
    for name in sorted(OUTPUT_PARAMS):
        value = (ctx.params or {}).get(name)
        if isinstance(value, (str, os.PathLike)) and str(value) != "-":
            same = named.setdefault(os.path.realpath(value), name)
            if same != name:
                raise OutputError(f"{value}: --{same} and --{name} name the same file; "
                                  "one would overwrite the other, so give each its own file")
    for name in OUTPUT_PARAMS:
        value = (ctx.params or {}).get(name)
        if isinstance(value, (str, os.PathLike)) and str(value) != "-":
            try:
                st = os.stat(value)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                check_not_input(Path(os.path.realpath(value)), given=value)


def guard_outputs(cmd):
    """Make click command ``cmd`` (and its subcommands) run :func:`check_outputs_early`
    before its own code: nothing is read, computed or written for an output that would
    overwrite an input."""
    import functools

    if getattr(cmd, "_ccare_outputs_guarded", False):
        return cmd
    cmd._ccare_outputs_guarded = True
    callback = getattr(cmd, "callback", None)
    if callback is not None and any(getattr(p, "name", None) in OUTPUT_PARAMS for p in getattr(cmd, "params", ())):
        @functools.wraps(callback)
        def guarded(*args, **kwargs):
            check_outputs_early()
            return callback(*args, **kwargs)

        cmd.callback = guarded
    for sub in getattr(cmd, "commands", {}).values():
        guard_outputs(sub)
    return cmd

"""Nothing ccare prints from data can drive the terminal.

While a ``ccare`` command runs, :func:`guarded` puts a filter in front of standard output
and standard error: every control character (C0 but tab and newline, DEL, C1; a carriage
return unless it ends a line), and the bidirectional embeddings, overrides and isolates
("Trojan Source") are written as ``\\uXXXX``, the same escaping table cells get
(:func:`ccare.text.render.printable`).  Sentence lines, tables, messages naming files, error
text from an endpoint: all of it goes through the filter, so no command can forget it.
JSON stays valid and means the same (``\\u202e`` is a JSON escape of the same character).

Machine formats (CSV, RDF, GraphML, ...) written to ``-o -`` use :func:`machine_stdout`:
the bytes as they are when standard output is a pipe or a file, and the same filter
when it is a terminal.

Examples
--------
>>> import io
>>> out = io.StringIO()
>>> _ = SafeText(out).write("red\\x1b[31m \\u202eevil\\r\\nnext\\rover\\n")
>>> out.getvalue()
'red\\\\u001b[31m \\\\u202eevil\\r\\nnext\\\\u000dover\\n'
"""

from __future__ import annotations

import codecs
import contextlib
import io
import re
import sys

__all__ = ["SafeText", "SafeBinary", "escape", "guarded", "machine_stdout", "raw"]

# C0 but tab and newline (CR handled apart), DEL, C1, bidirectional controls: as render._UNSAFE.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\r(?!\n)")


def escape(text: str) -> str:
    """``text`` with the characters that drive a terminal written as ``\\uXXXX``."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class SafeText(io.TextIOBase):
    """A text stream that writes :func:`escape` of what it is given to ``raw``."""

    def __init__(self, raw):
        self._raw = raw

    @property
    def raw_stream(self):
        return self._raw

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        self._raw.write(escape(s))
        return len(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        with contextlib.suppress(ValueError):
            self._raw.flush()

    def isatty(self):
        return _isatty(self._raw)

    def fileno(self):
        return self._raw.fileno()

    def writable(self):
        return True

    def readable(self):
        return False

    # io.TextIOBase's encoding and errors are read-only in CPython; typeshed declares them
    # as plain attributes, hence the ignores
    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._raw, "encoding", "utf-8")

    @property
    def errors(self) -> str:  # type: ignore[override]
        return getattr(self._raw, "errors", "strict")

    @property
    def buffer(self):
        inner = getattr(self._raw, "buffer", None)
        return None if inner is None else SafeBinary(inner, text=self._raw)

    def close(self):  # never close the real stream
        self.flush()

    def __getattr__(self, name):
        return getattr(self._raw, name)


class SafeBinary(io.RawIOBase):
    """Bytes to ``raw``: as they are unless the stream is a terminal, then UTF-8 decoded and escaped."""

    def __init__(self, raw, text=None, force: bool = False):
        self._raw = raw
        self._text = text
        self._force = force
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def write(self, b):
        data = bytes(b)
        if not (self._force or _isatty(self._raw) or (self._text is not None and _isatty(self._text))):
            self._raw.write(data)
        else:
            self._raw.write(escape(self._decoder.decode(data)).encode("utf-8"))
        return len(data)

    def flush(self):
        with contextlib.suppress(ValueError):
            self._raw.flush()

    def writable(self):
        return True

    def isatty(self):
        return _isatty(self._raw)

    def fileno(self):
        return self._raw.fileno()

    def close(self):
        self.flush()


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def raw(stream):
    """The stream under a :class:`SafeText` (for ccare's own progress bar), else ``stream``."""
    return stream.raw_stream if isinstance(stream, SafeText) else stream


def machine_stdout(binary: bool = False):
    """Standard output for a machine format: unfiltered unless it is a terminal."""
    out = sys.stdout
    under = raw(out)
    if _isatty(under):
        safe = out if isinstance(out, SafeText) else SafeText(out)
        return safe.buffer if binary else safe
    return under.buffer if binary else under


@contextlib.contextmanager
def guarded():
    """Filter standard output and standard error through :class:`SafeText` while the block runs."""
    saved = sys.stdout, sys.stderr
    if sys.stdout is not None and not isinstance(sys.stdout, SafeText):
        sys.stdout = SafeText(sys.stdout)
    if sys.stderr is not None and not isinstance(sys.stderr, SafeText):
        sys.stderr = SafeText(sys.stderr)
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.flush()
        sys.stdout, sys.stderr = saved

"""Real servers the tests start on 127.0.0.1: a free port, a child that dies with the test
process, and one wait for the server's first answer.

Used by ``tests/virtuoso.py`` (Virtuoso) and ``tests/test_endpoint.py`` (``oxigraph
serve``).  Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent() -> None:
    """In the child: on Linux, be killed when the test process dies, however it dies."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def wait_until_answers(url: str, proc: subprocess.Popen, *, name: str, within: float,
                       log: Callable[[], str] = lambda: "") -> None:
    """Poll ``url`` until it answers; fail the test, with ``log()``, if ``proc`` exits or
    ``within`` seconds pass first."""
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                r.read()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            if proc.poll() is not None:
                pytest.fail(f"{name} exited: {log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"{name} did not answer within {within:g} s")
            time.sleep(0.05)


@contextlib.contextmanager
def started(argv: Sequence[str], *, stop_within: float = 10, **popen) -> Iterator[subprocess.Popen]:
    """``argv`` running as a child that dies with the tests; always stopped on the way out."""
    proc = subprocess.Popen(list(argv), preexec_fn=die_with_parent, **popen)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=stop_within)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()

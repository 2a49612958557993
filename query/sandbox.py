"""Run a piece of work in a forked child process, so that it can really be stopped.

A Python thread cannot be stopped from outside, and rdflib's SPARQL evaluation and
pyshacl spend time in places where no flag is ever checked (a regular expression in C, a
sort, a deep property path).  A child process can be stopped: :func:`run_bounded` forks,
the child runs the work and sends what it produces back through a pipe in small batches,
and the parent kills the child (``SIGKILL``) when the time is up or on Ctrl-C, keeping the
results that arrived.  The child inherits the loaded map copy-on-write, so nothing is
serialised on the way in.

In the child, as defence in depth behind the checks of the callers:

- an audit hook refuses creating a socket at all (so a raw ``socket.socket().connect``
  fails at the first step, and ``connect``, ``bind`` and ``sendto`` are refused too), name
  lookups, ``urllib`` requests and new processes (:class:`NetworkRefused`).  The hook sees
  what Python code does; what runs there is checked before it runs (the query text is
  checked for ``SERVICE`` by :mod:`ccare.query.sparql`), as native code opens sockets unseen;
- memory is bounded (``memory`` bytes): the parent stops the child when the memory it
  holds for itself (its own pages and those copied on write, from ``/proc``) passes the
  limit, and the child's address space is capped at what it inherited plus the limit,
  so a burst of allocation fails with ``MemoryError`` before the next look.  A query that
  materialises too much is cut short instead of swapping the machine to a halt.

Where ``os.fork`` is missing (Windows), the work runs in a daemon thread: the time bound
then stops the waiting, not the work, which ends with the process.

Examples
--------
>>> import itertools, time
>>> run_bounded(lambda: iter([1, 2, 3]), timeout=10).items
[1, 2, 3]
>>> out = run_bounded(lambda: itertools.count(), timeout=10, max_items=5)
>>> out.items, out.complete, out.reason
([0, 1, 2, 3, 4], False, 'result limit 5 reached')
>>> def slow():
...     yield "first"
...     time.sleep(60)
>>> out = run_bounded(slow, timeout=0.5)
>>> out.items, out.complete, out.reason
(['first'], False, 'time limit 0.5s reached')
"""

from __future__ import annotations

import gc
import os
import pickle
import queue
import select
import signal
import struct
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

from ccare import settings
from ccare.errors import CcareError, CutShort, NetworkRefused, WorkerDied

__all__ = ["Outcome", "run_bounded", "call_bounded", "memory_limit", "CutShort", "NetworkRefused", "WorkerDied"]

#: Memory a worker may add to the process unless ``CCARE_MAX_MEMORY`` says otherwise.
DEFAULT_MEMORY = settings.DEFAULT_MEMORY

_HEADER = struct.Struct(">Q")
_BATCH = 256
_FLUSH_SECONDS = 0.05
_WATCH_SECONDS = 0.2

#: Audit events refused in the child: connections, name lookups, requests, new processes.
_DENIED_EVENTS = frozenset({
    "socket.__new__", "socket.bind", "socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
    "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg", "urllib.Request", "ftplib.connect", "smtplib.connect",
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile",
    "webbrowser.open",
})


def memory_limit(environ: Mapping[str, str] | None = None) -> int:
    """Bytes a worker may add to the process: ``CCARE_MAX_MEMORY`` (``8G``, ``512M``) or 4 GiB
    (of ``environ``, else of :func:`ccare.settings.current`)."""
    return (settings.current() if environ is None else settings.Settings.from_env(environ)).max_memory


@dataclass
class Outcome:
    """What the work produced: ``items`` in order; ``complete`` unless a limit cut it short."""

    items: list = field(default_factory=list)
    complete: bool = True
    reason: str | None = None


class _ChildTraceback(Exception):
    """The child's traceback, as the cause of the error re-raised in the parent (``--debug``)."""


def _deny(event: str, args) -> None:
    if event in _DENIED_EVENTS:
        raise NetworkRefused(
            f"refused: {event.split('.')[0]} access ({event}); ccare never connects or starts programs here"
        )


def _vm_size() -> int | None:
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cap_memory(memory: int | None) -> None:
    if not memory:
        return
    try:
        import resource
    except ImportError:  # not on this platform
        return
    used = _vm_size()
    if used is None:
        return
    limit = used + memory
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _private_bytes(pid: int) -> int | None:
    """Memory the process ``pid`` holds for itself alone (its own pages and copied-on-write ones)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            total = 0
            for line in f:
                if line.startswith((b"Private_Clean:", b"Private_Dirty:")):
                    total += int(line.split()[1]) * 1024
            return total
    except (OSError, ValueError, IndexError):
        return None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _send(fd: int, message) -> None:
    try:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as e:  # an unpicklable result or exception: say what it was
        payload = pickle.dumps(("error", RuntimeError(f"{type(e).__name__}: {e}")))
    _write_all(fd, _HEADER.pack(len(payload)) + payload)


class _Sender:
    """Child side: batches items and sends them; a timer thread flushes a batch that waits.

    Without the timer, the last rows found before a long stall would never reach the
    parent, and a query cut short would show fewer rows than it found.
    """

    def __init__(self, fd: int):
        self.fd = fd
        self.lock = threading.Lock()
        self.batch: list = []
        self.stop = threading.Event()
        threading.Thread(target=self._tick, daemon=True).start()

    def _tick(self) -> None:
        while not self.stop.wait(_FLUSH_SECONDS):
            self.flush()

    def add(self, item) -> None:
        with self.lock:
            self.batch.append(item)
            if len(self.batch) < _BATCH:
                return
        self.flush()

    def flush(self) -> None:
        with self.lock:
            if self.batch:
                batch, self.batch = self.batch, []
                _send(self.fd, ("items", batch))

    def end(self, message) -> None:
        self.stop.set()
        self.flush()
        with self.lock:
            _send(self.fd, message)


def _produce(work, sender: _Sender, max_items: int | None) -> None:
    """Child side: run ``work``, send what it yields, then how it ended."""
    count = 0
    for item in work():
        if max_items is not None and count >= max_items:
            sender.end(("cut", f"result limit {max_items} reached"))
            return
        sender.add(item)
        count += 1
    sender.end(("done", None))


def _child(work, wfd: int, errfd: int, max_items: int | None, memory: int | None) -> None:
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C reaches the whole group: end quietly
        os.dup2(errfd, 2)  # library warnings in the child must not reach the user's terminal
        sys.addaudithook(_deny)
        _cap_memory(memory)
        sender = _Sender(wfd)
        try:
            _produce(work, sender, max_items)
        except MemoryError:
            sender.end(("cut", f"memory limit of {memory // 2**20} MiB reached" if memory else "out of memory"))
        except BaseException as e:  # noqa: BLE001 - every failure goes back to the parent
            sender.end(("error", (e, traceback.format_exc())))
    finally:
        os._exit(0)


class _HeldInterrupt:
    """Hold SIGINT back while the block runs (main thread only: elsewhere Python runs no
    signal handler); :meth:`release` restores the handler and raises a held Ctrl-C."""

    def __init__(self):
        self.pending = False
        self.old = None
        self.active = False

    def _hold(self, signum, frame):
        self.pending = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            try:
                self.old = signal.signal(signal.SIGINT, self._hold)
                self.active = True
            except (ValueError, OSError):
                self.active = False
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:  # the fork failed: put the handler back
            self.release(raise_held=False)
        return False

    def child(self) -> None:
        """In the child: the default handler (``_child`` sets it again), nothing held."""
        if self.active:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            self.active = False

    def release(self, raise_held: bool = True) -> None:
        if self.active:
            self.active = False
            signal.signal(signal.SIGINT, self.old if self.old is not None else signal.default_int_handler)
        if self.pending and raise_held:
            self.pending = False
            raise KeyboardInterrupt


def _reraise(payload):
    exc, text = payload if isinstance(payload, tuple) else (payload, "")
    if isinstance(exc, CcareError):
        raise exc
    raise RuntimeError(f"{type(exc).__name__}: {exc}") from _ChildTraceback(text)


def run_bounded(
    work: Callable[[], Iterable],
    *,
    timeout: float | None,
    max_items: int | None = None,
    memory: int | None = None,
) -> Outcome:
    """Run ``work()`` (which returns an iterable) in a child process within the limits.

    Returns the items produced, in order, and whether they are all of them: a time limit
    (``timeout`` seconds), ``max_items`` or ``memory`` (bytes the child may add) cuts the
    work short.  An exception raised by the work is raised here: ccare's own errors as
    they are, others as :class:`RuntimeError`.  Ctrl-C kills the child and propagates.
    """
    if not hasattr(os, "fork"):
        return _run_in_thread(work, timeout=timeout, max_items=max_items)
    rfd, wfd = os.pipe()
    errors = tempfile.TemporaryFile()  # the child's stderr: why it died, if it does
    sys.stdout.flush()
    sys.stderr.flush()
    # Ctrl-C between the fork and the ``try`` below would leave the child running: hold
    # SIGINT back until the parent is inside it (then raise it there, and kill the child)
    held = _HeldInterrupt()
    with held:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            held.child()
            os.close(rfd)
            _child(work, wfd, errors.fileno(), max_items, memory)
    outcome = Outcome(complete=False)
    ended = False
    try:
        os.close(wfd)
        held.release()  # a Ctrl-C that came during the fork is raised here, inside the try
        deadline = None if timeout is None else time.monotonic() + timeout
        watch = bool(memory) and _private_bytes(pid) is not None
        buf = bytearray()
        while not ended:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                outcome.reason = f"time limit {timeout:g}s reached"
                break
            if watch and memory:
                used = _private_bytes(pid)
                if used is not None and used > memory:
                    outcome.reason = f"memory limit of {memory // 2**20} MiB reached"
                    break
                wait = _WATCH_SECONDS if wait is None else min(wait, _WATCH_SECONDS)
            ready, _, _ = select.select([rfd], [], [], wait)
            if not ready:
                continue
            chunk = os.read(rfd, 1 << 16)
            if not chunk:
                break
            buf += chunk
            while len(buf) >= _HEADER.size:
                (n,) = _HEADER.unpack_from(buf)
                if len(buf) < _HEADER.size + n:
                    break
                try:
                    kind, payload = pickle.loads(bytes(buf[_HEADER.size:_HEADER.size + n]))
                except Exception as e:  # noqa: BLE001 - an answer that cannot be read is no traceback
                    raise WorkerDied(f"the worker's answer could not be read ({type(e).__name__}: {e})") from None
                del buf[:_HEADER.size + n]
                if kind == "items":
                    outcome.items.extend(payload)
                    continue
                ended = True
                if kind == "done":
                    outcome.complete = True
                elif kind == "cut":
                    outcome.reason = payload
                else:
                    _reraise(payload)
                break
    finally:
        held.release(raise_held=False)
        os.close(rfd)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(pid, 0)
    with errors:
        if ended or outcome.reason is not None:
            return outcome
        errors.seek(0)
        said = errors.read(4096).decode("utf-8", "replace")
    if memory and "memory allocation of" in said:  # native code (Rust) aborts when memory runs out
        outcome.reason = f"memory limit of {memory // 2**20} MiB reached"
        return outcome
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    raise WorkerDied(
        "the work stopped unexpectedly"
        + (
            f" (signal {signal.Signals(sig).name}" + (": out of memory?)" if sig == signal.SIGKILL else ")")
            if sig
            else ""
        )
    )


def call_bounded(fn: Callable[[], object], *, timeout: float | None, what: str, memory: int | None = None):
    """``fn()``'s return value, computed in a child within ``timeout`` seconds.

    Raises :class:`CutShort` (exit code 3) naming ``what`` when a limit stops it.
    """
    out = run_bounded(lambda: [fn()], timeout=timeout, memory=memory)
    if not out.complete:
        hint = " (raise it with --timeout)" if out.reason and out.reason.startswith("time") else ""
        raise CutShort(f"{what} cut short: {out.reason}{hint}")
    return out.items[0]


def _run_in_thread(work, *, timeout: float | None, max_items: int | None) -> Outcome:
    """Fallback without ``fork``: the time bound stops the waiting, not the work."""
    q: queue.Queue = queue.Queue()

    def run():
        try:
            for item in work():
                q.put(("item", item))
            q.put(("done", None))
        except BaseException as e:  # noqa: BLE001
            text = traceback.format_exc()
            traceback.clear_frames(e.__traceback__)  # the frames' objects die here, not in the caller
            q.put(("error", (e, text)))
        finally:
            # what the work left in reference cycles is freed on this thread: pyoxigraph's
            # query answers may only be dropped on the thread that made them
            gc.collect()

    threading.Thread(target=run, daemon=True).start()
    out = Outcome(complete=False)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            out.reason = f"time limit {timeout:g}s reached"
            return out
        try:
            kind, payload = q.get(timeout=wait)
        except queue.Empty:
            continue
        if kind == "item":
            if max_items is not None and len(out.items) >= max_items:
                out.reason = f"result limit {max_items} reached"
                return out
            out.items.append(payload)
        elif kind == "done":
            out.complete = True
            return out
        else:
            _reraise(payload)

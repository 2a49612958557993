"""The forked worker really stops work, keeps what arrived, and cannot reach the network."""

from __future__ import annotations

import faulthandler
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from ccare.errors import QueryError, UsageError
from ccare.limits import EXIT_CUT_SHORT
from ccare.query import sandbox as bounded
from ccare.query.sandbox import CutShort, NetworkRefused, WorkerDied, call_bounded, run_bounded
from loopback import loopback_server


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_items_arrive_in_order():
    out = run_bounded(lambda: (i * i for i in range(1000)), timeout=30)
    assert out.items == [i * i for i in range(1000)] and out.complete and out.reason is None


def test_timeout_kills_the_child_and_keeps_what_arrived(tmp_path):
    pidfile = tmp_path / "pid"

    def work():
        pidfile.write_text(str(os.getpid()))
        yield "found"
        while True:  # a busy loop: no flag is ever checked
            pass

    t = time.monotonic()
    out = run_bounded(work, timeout=1)
    assert time.monotonic() - t < 5
    assert (out.items, out.complete, out.reason) == (["found"], False, "time limit 1s reached")
    pid = int(pidfile.read_text())
    assert pid != os.getpid() and _gone(pid)


def test_work_stuck_in_c_is_stopped():
    t = time.monotonic()
    out = run_bounded(lambda: [re.match(r"^(a+)+$", "a" * 40 + "!")], timeout=1)
    assert time.monotonic() - t < 5 and not out.complete


def test_item_limit():
    out = run_bounded(lambda: iter(range(10)), timeout=30, max_items=10)
    assert out.complete  # exactly the limit is not cut short
    out = run_bounded(lambda: iter(range(11)), timeout=30, max_items=10)
    assert (out.items, out.reason) == (list(range(10)), "result limit 10 reached")


def test_memory_ceiling():
    def hog():
        blocks = []
        while True:
            blocks.append(bytearray(64 * 2**20))
            yield len(blocks)

    out = run_bounded(hog, timeout=30, memory=256 * 2**20)
    assert not out.complete and out.reason == "memory limit of 256 MiB reached"
    assert len(out.items) <= 4


def test_errors_come_back():
    def fails(exc):
        def work():
            raise exc
            yield

        return work

    with pytest.raises(QueryError, match="bad query"):
        run_bounded(fails(QueryError("bad query")), timeout=30)
    with pytest.raises(UsageError):
        run_bounded(fails(UsageError("bad usage")), timeout=30)
    with pytest.raises(RuntimeError, match="ZeroDivisionError: division by zero") as e:
        run_bounded(lambda: [1 / 0], timeout=30)
    assert "Traceback" in str(e.value.__cause__)  # for --debug, not for the message


def _crash():
    # pytest's faulthandler is inherited by the forked child and writes a "Fatal Python
    # error" and a stack dump past the capture: this crash is on purpose, keep it quiet
    faulthandler.disable()
    os.kill(os.getpid(), signal.SIGSEGV)


def test_a_crash_is_reported():
    with pytest.raises(WorkerDied, match=r"the work stopped unexpectedly \(signal SIGSEGV\)"):
        run_bounded(lambda: [_crash()], timeout=30)


def test_call_bounded_cuts_short_with_exit_code_3():
    assert call_bounded(lambda: 42, timeout=30, what="answer") == 42
    with pytest.raises(CutShort) as e:
        call_bounded(lambda: time.sleep(30), timeout=0.5, what="sleeping")
    assert str(e.value) == "sleeping cut short: time limit 0.5s reached (raise it with --timeout)"
    assert e.value.exit_code == EXIT_CUT_SHORT


@pytest.mark.parametrize("reach", [
    lambda url: socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=5),
    lambda url: urllib.request.urlopen(url + "/x", timeout=5),
    lambda url: socket.getaddrinfo("localhost", 80),
    lambda url: subprocess.run(["true"]),
])
def test_the_child_cannot_reach_out(reach):
    with loopback_server() as server:
        with pytest.raises(NetworkRefused, match="^refused: "):
            run_bounded(lambda: [reach(server.url)], timeout=30)
        assert server.requests == []


def test_without_fork_a_thread_runs_the_work(monkeypatch):
    monkeypatch.delattr(bounded.os, "fork")
    assert run_bounded(lambda: iter([1, 2]), timeout=30).items == [1, 2]
    out = run_bounded(lambda: iter(range(5)), timeout=30, max_items=3)
    assert (out.items, out.reason) == ([0, 1, 2], "result limit 3 reached")

    def slow():
        yield 1
        time.sleep(3)
        yield 2

    out = run_bounded(slow, timeout=0.5)
    assert (out.items, out.complete) == ([1], False)


def test_native_code_out_of_memory_is_a_memory_cut():
    """Rust code (Oxigraph) aborts when an allocation fails; that is the memory limit, not a crash."""
    import pyoxigraph

    def hog():
        store = pyoxigraph.Store()
        for i in range(10**9):
            store.add(pyoxigraph.Quad(pyoxigraph.NamedNode(f"http://ex/{i}"), pyoxigraph.NamedNode("http://ex/p"),
                                      pyoxigraph.Literal("x" * 1000)))
            if i % 1000 == 0:
                yield i

    out = run_bounded(hog, timeout=60, memory=64 * 2**20)
    assert not out.complete and out.reason == "memory limit of 64 MiB reached"

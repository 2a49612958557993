"""Ctrl-C and failures while writing leave the previous file whole and nothing else behind."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ccare.commands.sparql as sparql_cmd
from ccare.rdfio.atomic import atomic_write

ROOT = Path(__file__).resolve().parent.parent
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


def _processes_with(token: str) -> list[int]:
    """Pids whose command line mentions ``token`` (a forked worker keeps its parent's)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if token.encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc to find the worker")
def test_ctrl_c_stops_the_query_and_its_worker_and_keeps_the_old_file(tmp_path):
    out = tmp_path / "results.csv"
    out.write_text("previous results\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ccare", "sparql", RUNAWAY, "--timeout", "120", "--format", "csv", "-o", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(_processes_with(str(out))) < 2:  # the command and its forked query worker
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the query worker never started"
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert stderr == "Interrupted.\n"
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]
    time.sleep(0.2)
    assert _processes_with(str(out)) == []  # the worker did not outlive the command


def _write_then(exc, fraction=0.5):
    """An ``atomic_write`` whose file takes part of what it is given, then fails with ``exc``."""

    @contextlib.contextmanager
    def failing(path, *args, **kwargs):
        with atomic_write(path, *args, **kwargs) as f:
            class Half:
                def write(self, text):
                    f.write(text[: int(len(text) * fraction)])
                    f.flush()
                    raise exc

            yield Half()

    return failing


@pytest.mark.parametrize("exc,code,message", [
    (KeyboardInterrupt(), 130, "Interrupted.\n"),
    (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), 1, "Error: {out}: cannot write: No space left on device\n"),
    (OSError(errno.EIO, os.strerror(errno.EIO)), 1, "Error: {out}: cannot write: Input/output error\n"),
])
def test_failure_mid_write_keeps_the_previous_file(ccare, tmp_path, monkeypatch, exc, code, message):
    out = tmp_path / "results.csv"
    out.write_text("previous results\n", encoding="utf-8")
    monkeypatch.setattr(sparql_cmd, "atomic_write", _write_then(exc))
    r = ccare("sparql", QUERY, "--format", "csv", "-o", str(out))
    assert r.exit_code == code
    assert r.stderr == message.format(out=out)
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]


def test_failure_at_the_rename_keeps_the_previous_file(ccare, tmp_path, monkeypatch):
    out = tmp_path / "results.csv"
    out.write_text("previous results\n", encoding="utf-8")

    def no_rename(src, dst):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(os, "replace", no_rename)
    r = ccare("sparql", QUERY, "--format", "csv", "-o", str(out))
    assert r.exit_code == 1 and "cannot write" in r.stderr
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]


def test_atomic_write_under_interrupt(tmp_path):
    target = tmp_path / "map.ttl"
    target.write_bytes(b"old map\n")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target, "wb") as f:
            f.write(b"half of the new ")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old map\n"
    assert [p.name for p in tmp_path.iterdir()] == ["map.ttl"]

"""The load and validation benchmarks run (at a tiny size: figures come from bench/, not from tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_load.py"
BENCH_VALIDATE = BENCH.with_name("bench_validate.py")


def test_bench_load_runs_side_by_side(tmp_path):
    out = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "3000", "--repeat", "1", "--dir", str(tmp_path)],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout
    lines = out.splitlines()
    assert lines[0].startswith("machine: ")
    names = [" ".join(line.split()[1:3]) for line in lines[2:5]]
    assert names[0].startswith("rdflib") and names[1:] == ["ccare cold", "ccare cached"], out
    assert lines[3].endswith("the memory") and "x faster" in lines[3]
    assert "cached load is" in lines[5]
    assert (tmp_path / "cache" / "parse").is_dir()  # the cached runs used the bench's own cache


def test_bench_validate_runs_side_by_side(tmp_path):
    out = subprocess.run(
        [sys.executable, str(BENCH_VALIDATE), "--sizes", "3000", "--dir", str(tmp_path)],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout
    lines = out.splitlines()
    assert lines[0].startswith("machine: ") and "pyshacl" in lines[0]
    assert lines[2].endswith("conforms") and "x  " in lines[2], out

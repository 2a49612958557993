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
        [sys.executable, str(BENCH_VALIDATE), "--sizes", "3000", "--break", "2", "--dir", str(tmp_path)],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout
    lines = out.splitlines()
    assert lines[0].startswith("machine: ") and "pyshacl" in lines[0]
    # both engines ran and gave the same violations (the bench asserts it), some of them
    row = lines[3].split()
    assert row[3].endswith("x") and int(row[4]) > 0 and lines[3].endswith("(the same in both)"), out


def test_bench_portfolio_scale_runs_side_by_side(tmp_path):
    """The baseline (the portfolio code before the pool and the shared searches, in a copy of
    today's package) runs beside today's code, which gives the answers of a plain run
    (nothing shared) with 1 and 2 workers."""
    out = subprocess.run(
        [sys.executable, str(BENCH.with_name("bench_portfolio_scale.py")), "--products", "20", "--merchants", "40",
         "--sample", "20", "--workers", "2"],
        capture_output=True, text=True, check=True, timeout=600,
    ).stdout
    lines = out.splitlines()
    assert lines[0].startswith("machine: ")
    rows = [line.split() for line in lines if line.startswith(("  baseline", "  workers="))]
    rows = [line.split() for line in lines if line.startswith(("  baseline", "  plain", "  workers="))]
    assert [r[0] for r in rows] == ["baseline", "plain", "workers=1", "workers=2"], out
    assert all(r[-1] == "same" for r in rows[1:]), out
    assert rows[0][-1] in ("same", "rule"), out  # "other rule": the prescription rule changed after it
    assert "40 merchants answered" in out.replace(",", "")

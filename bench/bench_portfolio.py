"""A 20,000-merchant portfolio, end to end: CSV import, then gaps and prescriptions for all.

The portfolio is :mod:`portfolio_csv`'s (seeded; merchants of the shipped map's products,
named by id, zh or en name).  Timed:

- ``ccare import`` and ``ccare portfolio prescribe`` / ``gaps`` as a user runs them, each a
  fresh process (wall clock, parse cache off so the load is paid in full);
- the phases inside one process: load, graph build, merchant index, answering, with the
  number of distinct questions (merchants sharing products, scale and stage share one).

    python bench/bench_portfolio.py [--merchants 20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_loops import machine  # noqa: E402
from portfolio_csv import write_portfolio  # noqa: E402

from ccare.graph.build import to_networkx  # noqa: E402
from ccare.kb.model import load  # noqa: E402
from ccare.portfolio.batch import run  # noqa: E402
from ccare.portfolio.index import merchants  # noqa: E402


def timed(label: str, argv: list[str], env: dict) -> float:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "ccare", *argv], capture_output=True, env=env)
    dt = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(f"{label} failed ({out.returncode}): {out.stderr.decode(errors='replace')}")
    print(f"  {label:<44} {dt:8.1f} s")
    return dt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--merchants", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    print(machine())
    env = {**os.environ, "CCARE_NO_CACHE": "1"}
    with tempfile.TemporaryDirectory() as d:
        csv_path, ttl = Path(d) / "portfolio.csv", Path(d) / "merchants.ttl"
        with open(csv_path, "w", encoding="utf-8", newline="") as f:
            write_portfolio(f, a.merchants, a.seed)
        print(f"portfolio: {a.merchants:,} merchants (seed {a.seed}), {csv_path.stat().st_size / 1e6:.1f} MB of CSV")
        print("cold processes (wall clock):")
        t_import = timed("ccare import", ["import", str(csv_path), "-o", str(ttl)], env)
        t_pre = timed("ccare portfolio prescribe -o out.csv",
                      ["portfolio", "prescribe", "--data", str(ttl), "-o", str(Path(d) / "p.csv")], env)
        t_gaps = timed("ccare portfolio gaps -o out.json",
                       ["portfolio", "gaps", "--data", str(ttl), "-o", str(Path(d) / "g.json")], env)
        print(f"  import + prescribe, end to end              {t_import + t_pre:8.1f} s (target < 60 s)")

        print("phases in one process:")
        t = time.perf_counter()
        kb = load([ttl], cache=False)
        print(f"  load map + portfolio ({len(kb.graph):,} triples)     {time.perf_counter() - t:8.1f} s")
        t = time.perf_counter()
        G = to_networkx(kb)
        print(f"  build the product graph                     {time.perf_counter() - t:8.1f} s")
        t = time.perf_counter()
        ms = merchants(kb, G)
        print(f"  merchant index ({len(ms):,})                     {time.perf_counter() - t:8.1f} s")
        for mode in ("prescribe", "gaps"):
            t = time.perf_counter()
            r = run(G, ms, mode)
            dt = time.perf_counter() - t
            print(f"  {mode:<9} {len(ms):,} merchants, {r.questions:,} distinct questions "
                  f"{dt:6.1f} s ({1000 * dt / r.questions:.1f} ms a question)")
        _ = t_gaps
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

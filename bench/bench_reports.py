"""``ccare portfolio prescribe --reports DIR`` for a 20,000-merchant portfolio (issue 13).

The portfolio is :mod:`portfolio_csv`'s (seeded).  Timed as a user runs it, each a fresh
process: the CSV rows alone (``-o p.csv``), then the rows and a report per merchant plus
the index (``--reports DIR``); the difference is what the reports cost.  Then, in one
process, :func:`ccare.exports.portfolio_reports.write_reports` alone, with the number of
distinct reports rendered and the files written.

    python bench/bench_reports.py [--merchants 20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_loops import machine  # noqa: E402
from bench_portfolio import timed  # noqa: E402
from portfolio_csv import write_portfolio  # noqa: E402

from ccare.graph.build import to_networkx  # noqa: E402
from ccare.kb.model import load  # noqa: E402
from ccare.portfolio.batch import run  # noqa: E402
from ccare.portfolio.index import merchants  # noqa: E402


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
        print(f"portfolio: {a.merchants:,} merchants (seed {a.seed})")
        timed("ccare import", ["import", str(csv_path), "-o", str(ttl)], env)
        print("cold processes (wall clock):")
        rows = timed("portfolio prescribe -o p.csv",
                     ["portfolio", "prescribe", "--data", str(ttl), "-o", str(Path(d) / "p.csv")], env)
        both = timed("portfolio prescribe -o p.csv --reports DIR",
                     ["portfolio", "prescribe", "--data", str(ttl), "-o", str(Path(d) / "p.csv"),
                      "--reports", str(Path(d) / "reports")], env)
        files = list((Path(d) / "reports").iterdir())
        size = sum(p.stat().st_size for p in files)
        print(f"  the reports cost                            {both - rows:8.1f} s "
              f"({len(files):,} files, {size / 1e6:.0f} MB)")

        print("in one process:")
        from ccare.commands.export import reader_texts, relation_labels, source_titles
        from ccare.exports.portfolio_reports import write_reports

        kb = load([ttl], cache=False)
        G = to_networkx(kb)
        ms = merchants(kb, G)
        result = run(G, ms, "prescribe")
        texts = {"relation_labels": relation_labels(kb, G), "source_titles": source_titles(kb), **reader_texts(kb)}
        t = time.perf_counter()
        paths = write_reports(G, result, Path(d) / "again", ms, texts=texts)
        dt = time.perf_counter() - t
        print(f"  write_reports: {len(paths) - 1:,} reports for {result.questions:,} distinct questions "
              f"{dt:6.1f} s ({1e6 * dt / max(1, len(paths)):.0f} µs a file)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

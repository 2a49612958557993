"""SHACL validation benchmark: ``ccare validate``'s run of pyshacl against pyshacl given the
same graph and shapes directly, side by side in one run.

For each size, a synthetic map (``ccare synth`` through ``bench_load.synth_file``: half
products with evidenced relations, half a merchant portfolio) is loaded on the default
store, then validated against the shipped shapes:

- ``pyshacl``: ``pyshacl.validate(kb.graph, shacl_graph=shapes, **PYSHACL_OPTIONS)``, the
  library called the obvious way (the baseline);
- ``ccare``: ``ccare.query.shacl.validate(kb)`` (the same library, the same options, the data
  graph's size counted once: see ``ccare.query.shacl._Counted``).

Both must give the same verdict and number of results.  Times exclude loading; each side
runs once per size (the baseline is slow: its cost grows with the square of the map).

    python bench/bench_validate.py                      # 20k and 100k triples
    python bench/bench_validate.py --sizes 5000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_load import machine, synth_file  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="20000,100000", help="comma-separated triple counts")
    ap.add_argument("--dir", help="folder for the synthetic files (default: a temporary one)")
    args = ap.parse_args(argv)

    import pyshacl

    from ccare.kb.model import load
    from ccare.query.shacl import PYSHACL_OPTIONS, shapes_graph, validate

    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="ccare-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}, pyshacl {pyshacl.__version__}")
    print(f"{'triples':>9}  {'pyshacl':>9}  {'ccare':>9}  ratio  verdict")
    for size in (int(s) for s in args.sizes.split(",")):
        kb = load([synth_file(size, folder)], cache=False)
        t = time.perf_counter()
        conforms, results, _ = pyshacl.validate(kb.graph, shacl_graph=shapes_graph(), **PYSHACL_OPTIONS)
        base = time.perf_counter() - t
        t = time.perf_counter()
        report = validate(kb)
        ours = time.perf_counter() - t
        from rdflib import RDF
        from rdflib.namespace import SH

        found = sum(1 for _ in results.subjects(RDF.type, SH.ValidationResult))
        assert (report.conforms, len(report.violations)) == (conforms, found), "the two runs disagree"
        print(f"{len(kb.graph):>9}  {base:>8.2f}s  {ours:>8.2f}s  {base / ours:>4.1f}x  "
              f"{'conforms' if conforms else 'does not conform'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""SHACL validation benchmark: ccare's own engine against pySHACL (the baseline), side by side in one run.

For each size, a synthetic map (``ccare synth`` through ``bench_load.synth_file``: half
products with evidenced relations, half a merchant portfolio) is loaded on the default
store, with the rationale of one inferred assertion in ``--break`` taken out (so that
there are violations to compare), then validated against the shipped shapes:

- ``pyshacl``: ``ccare.query.shacl.validate(kb, engine="pyshacl")``, today's pySHACL path
  (pySHACL with ``PYSHACL_OPTIONS``, the graph's size counted once: see
  ``ccare.query.shacl._Counted``), the baseline;
- ``native``: ``ccare.query.shacl.validate(kb, engine="native")``, ccare's own engine
  (``ccare.query.shacl_native``).

Both must give the same report: the same verdict and the same violations, in the same
order (asserted).  Quotes are not checked (``quotes=False``: the same for both).  Times
exclude loading; each side runs once per size (pySHACL takes minutes at a million triples).

    python bench/bench_validate.py                      # 100k and 1M triples
    python bench/bench_validate.py --sizes 20000 --break 10
    python bench/bench_validate.py --sizes 1000000 --no-baseline
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_load import machine, synth_file  # noqa: E402

_RATIONALE = re.compile(r'cc:rationale "[^"\n]*"@en ;')


def broken_file(triples: int, folder: Path, every: int) -> Path:
    """The synthetic map of ``triples`` with every ``every``-th rationale taken out."""
    src = synth_file(triples, folder)
    path = folder / f"{src.stem}-broken{every}.ttl"
    if not path.exists():
        count = 0

        def drop(m):
            nonlocal count
            count += 1
            return "" if count % every == 0 else m.group(0)

        path.write_text(_RATIONALE.sub(drop, src.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000", help="comma-separated triple counts")
    ap.add_argument("--break", dest="every", type=int, default=50,
                    help="take out the rationale of one inferred assertion in EVERY (0: none)")
    ap.add_argument("--no-baseline", action="store_true", help="run ccare's engine only")
    ap.add_argument("--dir", help="folder for the synthetic files (default: a temporary one)")
    args = ap.parse_args(argv)

    import pyshacl

    from ccare.kb.model import load
    from ccare.query.shacl import validate

    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="ccare-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}, pyshacl {pyshacl.__version__}")
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'triples':>9}  {'pyshacl':>9}  {'native':>9}  {'ratio':>6}  violations")
    for size in (int(s) for s in args.sizes.split(",")):
        path = broken_file(size, folder, args.every) if args.every else synth_file(size, folder)
        kb = load([path], cache=False)
        n = len(kb.graph)
        t = time.perf_counter()
        ours = validate(kb, engine="native", quotes=False)
        native = time.perf_counter() - t
        if args.no_baseline:
            print(f"{n:>9}  {'':>9}  {native:>8.2f}s  {'':>6}  {len(ours.violations)}", flush=True)
            continue
        t = time.perf_counter()
        base = validate(kb, engine="pyshacl", quotes=False)
        baseline = time.perf_counter() - t
        assert (ours.conforms, ours.violations) == (base.conforms, base.violations), "the two engines disagree"
        print(f"{n:>9}  {baseline:>8.2f}s  {native:>8.2f}s  {baseline / native:>5.1f}x  {len(ours.violations)}"
              f" (the same in both)", flush=True)
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

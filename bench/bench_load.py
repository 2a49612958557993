"""Load + build benchmark: ccare against rdflib's own path, side by side in one run.

For each size, a synthetic map (``ccare synth``: products with evidenced relations and a
merchant portfolio, about half the triples each) is loaded and turned into a NetworkX
graph, each run in a fresh Python process that reports its own time and peak memory
(``resource.getrusage``):

- ``rdflib``: ``rdflib.Graph().parse(file)`` then
  ``rdflib.extras.external_graph_libs.rdflib_to_networkx_multidigraph`` (the baseline);
- ``ccare cold``: ``ccare.kb.model.load([file], cache=False)`` then
  ``ccare.graph.build.to_networkx`` (the shipped map is merged in, as every command does);
- ``ccare cached``: the same with the parse cache, after a run that filled it;
- ``ccare memory``: the same as cold, on rdflib's Memory store (``--memory``).

Times are for load + build inside the process (imports and interpreter start excluded;
the triples are counted after the clock stops: without the cache, ccare fills its store on
first use of ``kb.graph``, which load + build do not need, and that is reported apart);
the median of ``--repeat`` runs (the baseline runs ``--baseline-repeat`` times: one run
at a million triples takes over a minute).  Nothing here is run by the test suite, but
``tests/test_bench.py`` runs it once at a tiny size.

    python bench/bench_load.py                      # 100k and 1M triples
    python bench/bench_load.py --sizes 20000 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Triples a synthetic product and a synthetic merchant bring, about (measured).
_PER_PRODUCT = 83
_PER_MERCHANT = 10.5


def synth_file(triples: int, folder: Path, seed: int = 1) -> Path:
    """A synthetic map of about ``triples`` triples (half products, half merchants)."""
    from ccare.kb.synth import synth_turtle

    products = max(2, round(triples / 2 / _PER_PRODUCT))
    merchants = max(1, round(triples / 2 / _PER_MERCHANT))
    path = folder / f"synth-{triples}-{seed}.ttl"
    if not path.exists():
        with open(path, "w", encoding="utf-8") as f:
            synth_turtle(f, products=products, merchants=merchants, seed=seed)
    return path


def child(mode: str, path: str) -> dict:
    """One measured run, in this process."""
    if mode == "rdflib":
        import rdflib
        from rdflib.extras.external_graph_libs import rdflib_to_networkx_multidigraph

        t = time.perf_counter()
        g = rdflib.Graph()
        g.parse(path, format="turtle")
        G = rdflib_to_networkx_multidigraph(g)
        seconds = time.perf_counter() - t
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        triples = len(g)
        graph_seconds = 0.0
    else:
        from ccare.graph.build import to_networkx
        from ccare.kb.model import load

        store = "memory" if mode == "memory" else "oxigraph"
        t = time.perf_counter()
        kb = load([path], store=store, cache=mode == "cached")
        G = to_networkx(kb)
        seconds = time.perf_counter() - t
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        # counted after the clock stops: without the cache the store is filled on first use
        # of kb.graph, which load + build do not need (reported apart as graph_seconds)
        t = time.perf_counter()
        triples = len(kb.graph)
        graph_seconds = time.perf_counter() - t
    return {"mode": mode, "seconds": seconds, "peak_mb": peak_kib / 1024, "triples": triples,
            "nodes": G.number_of_nodes(), "edges": G.number_of_edges(), "graph_seconds": graph_seconds}


def run(mode: str, path: Path, env: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(mode: str, path: Path, env: dict, repeat: int) -> dict:
    runs = [run(mode, path, env) for _ in range(repeat)]
    best = dict(runs[0])
    best["seconds"] = statistics.median(r["seconds"] for r in runs)
    best["peak_mb"] = statistics.median(r["peak_mb"] for r in runs)
    best["graph_seconds"] = statistics.median(r["graph_seconds"] for r in runs)
    best["runs"] = len(runs)
    return best


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import networkx
    import pyoxigraph
    import rdflib

    return (f"{os.cpu_count()} CPUs ({cpu}), {ram:.0f} GiB RAM; Python {platform.python_version()}, "
            f"rdflib {rdflib.__version__}, pyoxigraph {pyoxigraph.__version__}, networkx {networkx.__version__}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000", help="comma-separated triple counts")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each ccare mode (median)")
    ap.add_argument("--baseline-repeat", type=int, default=1, help="runs of the rdflib baseline (median)")
    ap.add_argument("--memory", action="store_true", help="also ccare on rdflib's Memory store")
    ap.add_argument("--dir", help="folder for the synthetic files and the cache (default: a temporary one)")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0

    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="ccare-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CCARE_CACHE_DIR": str(folder / "cache")}
    env.pop("CCARE_NO_CACHE", None)
    env.pop("CCARE_STORE", None)
    print(f"machine: {machine()}")
    print(f"{'triples':>9}  {'run':<13} {'seconds':>8} {'peak MB':>8} {'nodes':>7} {'edges':>8}  vs rdflib")
    for size in (int(s) for s in args.sizes.split(",")):
        path = synth_file(size, folder)
        base = measure("rdflib", path, env, args.baseline_repeat)
        rows = [("rdflib", base)]
        rows.append(("ccare cold", measure("cold", path, env, args.repeat)))
        run("cached", path, env)  # fills the cache
        rows.append(("ccare cached", measure("cached", path, env, args.repeat)))
        if args.memory:
            rows.append(("ccare memory", measure("memory", path, env, args.repeat)))
        for name, r in rows:
            ratio = "" if r is base else (f"{base['seconds'] / r['seconds']:.1f}x faster, "
                                          f"{r['peak_mb'] / base['peak_mb']:.2f}x the memory")
            print(f"{base['triples']:>9}  {name:<13} {r['seconds']:>8.2f} {r['peak_mb']:>8.0f} "
                  f"{r['nodes']:>7} {r['edges']:>8}  {ratio}")
        cold, cached = rows[1][1], rows[2][1]
        print(f"{'':>9}  cached load is {cold['seconds'] / cached['seconds']:.2f}x the speed of cold "
              f"({cold['seconds'] - cached['seconds']:+.2f} s)")
        print(f"{'':>9}  then kb.graph (not timed above): cold {cold['graph_seconds']:.2f} s, "
              f"cached {cached['graph_seconds']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

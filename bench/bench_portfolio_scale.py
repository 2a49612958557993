"""Portfolios on a large synthetic map: the named baseline and today's code, side by side in one run.

The map is ``ccare synth``'s (:func:`ccare.kb.synth.synth_turtle`, seeded): ``--products``
synthetic products (supporting ones, data-to-reach ones, entry channels, programmes, flows
to and from the payment hub) and ``--merchants`` merchants (a tenth without Alipay
payment), written to a temporary file.  Questions rarely repeat on such a map: that is the
work a service provider on a large map really has.

Timed, each in a fresh process (the parse cache off):

1. **answering**: load + build + merchant index, then ``portfolio.batch.run(..., "prescribe")``
   on the first ``--sample`` merchants, for

   - ``baseline``: the portfolio and loop-search code (:data:`BASELINE_FILES`) of commit
     ``--baseline`` (default :data:`BASELINE`, the last commit before the worker pool and
     the shared searches: one process, each distinct question searched from scratch) in a
     copy of today's package in a temporary folder;
   - ``plain``: today's code asking every merchant its own question, nothing shared
     (``run(..., share=False)``);
   - ``workers=1``: today's code in one process (the shared searches);
   - ``workers=N``: today's code with a pool of ``--workers`` processes.

   Today's three must give the same answers (a digest of the JSON rows is compared with
   ``plain``'s).  The baseline's are compared too and may differ where the prescription
   rule changed after it ("other rule": since the loop must go through the products a
   merchant names, not payment alone).
2. **end to end**: ``ccare portfolio prescribe --data synth.ttl -o out.csv --workers N`` on
   all merchants, as a user runs it (wall clock; peak memory of the command, VmHWM; one
   worker's peak is measured in step 1: Linux only).  ``--baseline-end-to-end`` runs the
   baseline's command too (hours at 20,000 merchants on 1,000 products).

    python bench/bench_portfolio_scale.py --products 1000 --merchants 20000 --sample 500
    python bench/bench_portfolio_scale.py --products 1000 --merchants 100000 --sample 300
    python bench/bench_portfolio_scale.py --scaling 100,1000,3000 --sample 300
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: The named baseline: the portfolio code as of the commit before the worker pool and the
#: shared searches (issue 15): one process, each distinct question searched from scratch.
#: The rest of the package is today's, so that only this code differs.
BASELINE = "49e90ad^"
BASELINE_FILES = ("portfolio/batch.py", "graph/loops.py", "graph/search.py", "graph/prescribe.py",
                  "commands/portfolio.py")

CHILD = r"""
import hashlib, json, pickle, re, sys, time
def hwm():
    with open("/proc/self/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024
path, sample, workers, share = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "share"
t0 = time.perf_counter()
from ccare.kb.model import load
from ccare.graph.build import to_networkx
from ccare.portfolio.index import merchants
from ccare.portfolio import batch
kb = load([path], cache=False)
G = to_networkx(kb)
ms = merchants(kb, G)[:sample]
t1 = time.perf_counter()
kw = {"workers": workers} if "workers" in batch.run.__code__.co_varnames else {}
if not share:
    kw["share"] = False
if kw and workers > 1:
    batch.POOL_AFTER_SECONDS = 0.0
r = batch.run(G, ms, "prescribe", **kw)
t2 = time.perf_counter()
rows = json.dumps([x.to_json() for x in r.results], sort_keys=True, ensure_ascii=False)
worker_mb = 0
if kw and workers > 1:  # one worker's own peak (VmHWM: ru_maxrss counts the parent's pages before exec)
    import multiprocessing, pathlib, pickle
    from ccare.graph.loops import LoopSpec
    ctx = multiprocessing.get_context("spawn")
    args = (G, "prescribe", LoopSpec(), batch.on_cycles(G, LoopSpec()), None, None)
    with ctx.Pool(1, initializer=batch._init_worker, initargs=args) as p:
        p.apply(batch._answer_chunk, (ms[:50],))
        st = p.apply(pathlib.Path.read_text, (pathlib.Path("/proc/self/status"),))
    worker_mb = int(re.search(r"VmHWM:\s+(\d+)", st).group(1)) / 1024
print(json.dumps({"load": t1 - t0, "answer": t2 - t1, "merchants": len(r.results), "questions": r.questions,
                  "digest": hashlib.sha256(rows.encode()).hexdigest()[:16], "nodes": G.number_of_nodes(),
                  "edges": G.number_of_edges(), "graph_mb": len(pickle.dumps(G, protocol=5)) / 1e6,
                  "rss_mb": hwm(), "worker_mb": worker_mb}))
"""

CLI = r"""
import json, re, sys, time
t = time.perf_counter()
from ccare.cli import main
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
else:
    code = 0
with open("/proc/self/status") as f:
    peak = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024
print(json.dumps({"code": code, "wall": time.perf_counter() - t, "rss_mb": peak}), file=sys.stderr)
"""


def machine() -> str:
    load = os.getloadavg()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"machine: {cpus} processors, Python {sys.version.split()[0]}, "
            f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min)")


def baseline_tree(rev: str, into: Path, names=BASELINE_FILES) -> Path:
    """Today's package (the checkout's tracked files) with ``names`` (default
    :data:`BASELINE_FILES`) as of ``rev``, importable as ``ccare`` from the returned folder."""
    pkg = into / "ccare"
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        src = ROOT / name
        if name and src.is_file() and not name.startswith(("tests/", "bench/", "docs/", ".")):
            dst = pkg / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
    for name in names:
        old = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{name}"], capture_output=True, check=True)
        (pkg / name).write_bytes(old.stdout)
    return into


def child(code: str, args: list, env: dict, stderr_json: bool = False) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, env=env, text=True)
    text = out.stderr if stderr_json else out.stdout
    last = text.strip().splitlines()[-1] if text.strip() else ""
    if (not stderr_json and out.returncode != 0) or not last.startswith("{"):
        raise SystemExit(f"child failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(last)


def scaling(sizes: list, merchants: int, seed: int) -> None:
    """Per-question cost against the map's size, in this process (today's code)."""
    import io
    import pickle

    from ccare.graph.build import to_networkx
    from ccare.graph.loops import LoopSpec, hub_of, loop_search, shared_searches
    from ccare.kb.model import load
    from ccare.kb.synth import synth_turtle
    from ccare.portfolio.batch import run
    from ccare.portfolio.index import merchants as merchants_of

    print(f"per-question cost against the map's size ({merchants} merchants each, prescribe, one process):")
    print(f"  {'products':>8} {'nodes':>6} {'edges':>7} {'pickled':>8} {'setup':>7} {'ms/question':>11} "
          f"{'questions':>9}")
    for p in sizes:
        buf = io.StringIO()
        synth_turtle(buf, products=p, merchants=merchants, seed=seed)
        with tempfile.TemporaryDirectory() as d:
            f = Path(d) / "synth.ttl"
            f.write_text(buf.getvalue(), encoding="utf-8")
            kb = load([f], cache=False)
        G = to_networkx(kb)
        ms = merchants_of(kb, G)
        hub = hub_of(G)
        t = time.perf_counter()
        with shared_searches(G):  # what every question shares, built once
            loop_search(G, LoopSpec().check(G), {}, extra_anchors=[{hub}], owned={hub})
        setup = time.perf_counter() - t
        t = time.perf_counter()
        r = run(G, ms, "prescribe")
        dt = time.perf_counter() - t
        print(f"  {p:8,} {G.number_of_nodes():6,} {G.number_of_edges():7,} "
              f"{len(pickle.dumps(G, protocol=5)) / 1e6:6.1f}MB {setup:6.2f}s {1000 * dt / r.questions:11.1f} "
              f"{r.questions:9,}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--products", type=int, default=1000)
    ap.add_argument("--merchants", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sample", type=int, default=500, help="merchants answered by every code path (the ratio)")
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                    else (os.cpu_count() or 1))
    ap.add_argument("--baseline", default=BASELINE, help="git revision of the baseline")
    ap.add_argument("--baseline-files", default=",".join(BASELINE_FILES), metavar="PATH,PATH,...",
                    help="the files taken from the baseline's revision (the rest is today's)")
    ap.add_argument("--baseline-end-to-end", action="store_true", help="also run the baseline's command on all")
    ap.add_argument("--no-end-to-end", action="store_true", help="only the sample")
    ap.add_argument("--scaling", metavar="P,P,...",
                    help="only the per-question cost on maps of these many products (--sample merchants each)")
    ap.add_argument("--timeout", type=float, default=100000.0,
                    help="--timeout of the end-to-end command (cut short: the merchants answered are counted)")
    a = ap.parse_args(argv)
    from ccare.kb.synth import synth_turtle

    print(machine())
    if a.scaling:
        scaling([int(x) for x in a.scaling.split(",")], a.sample, a.seed)
        return 0
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        path = d / "synth.ttl"
        t = time.perf_counter()
        with open(path, "w", encoding="utf-8") as f:
            counts = synth_turtle(f, products=a.products, merchants=a.merchants, seed=a.seed)
        print(f"map: ccare synth --products {a.products} --merchants {a.merchants} --seed {a.seed}: "
              f"{counts['programmes']} programmes, {counts['assertions']:,} assertions, "
              f"{path.stat().st_size / 1e6:.1f} MB ({time.perf_counter() - t:.1f} s to write)")
        home = d / "home"
        home.mkdir()
        env = {**os.environ, "CCARE_NO_CACHE": "1", "HOME": str(home), "CCARE_CACHE_DIR": str(d / "cache")}
        base_env = {**env, "PYTHONPATH": str(baseline_tree(a.baseline, d / "baseline",
                                                                     tuple(a.baseline_files.split(","))))}

        print(f"\nanswering the first {a.sample:,} merchants (prescribe), each code path in a fresh process:")
        print(f"  {'code path':<26} {'load+build':>10} {'answer':>9} {'questions':>9} {'ms/question':>11} "
              f"{'peak MB':>8} {'worker MB':>9} {'vs baseline':>11}  answers")
        # the answers of today's code, shared or not, with any workers, are those of a plain
        # run asking every merchant its own question; the baseline's are compared with them
        # too, and differ where the prescription rule changed since (printed as "other rule")
        runs = [(f"baseline ({a.baseline})", base_env, 1, "share"), ("plain (no sharing)", env, 1, "plain"),
                ("workers=1", env, 1, "share")]
        if a.workers > 1:
            runs.append((f"workers={a.workers}", env, a.workers, "share"))
        first, plain = None, None
        results = [(name, child(CHILD, [str(path), str(a.sample), str(w), share], e)) for name, e, w, share in runs]
        plain = results[1][1]
        for name, r in results:
            first = first or r
            same = "same" if r["digest"] == plain["digest"] else "other rule" if r is first else "DIFFERENT"
            print(f"  {name:<26} {r['load']:9.1f}s {r['answer']:8.1f}s {r['questions']:9,} "
                  f"{1000 * r['answer'] / max(1, r['questions']):11.1f} {r['rss_mb']:8.0f} "
                  f"{r['worker_mb']:9.0f} {first['answer'] / r['answer']:10.1f}x  {same}")
            graph = (f"graph: {r['nodes']:,} nodes, {r['edges']:,} edges, "
                     f"{r['graph_mb']:.1f} MB pickled (sent to each worker)")
        print(f"  {graph}")
        if a.no_end_to_end:
            return 0
        print(f"\nend to end, all {a.merchants:,} merchants: ccare portfolio prescribe --data synth.ttl -o out.csv")
        e2e = [(f"--workers {a.workers}", env, ["--workers", str(a.workers)])]
        if a.baseline_end_to_end:
            e2e.insert(0, (f"baseline ({a.baseline})", base_env, []))
        for name, e, extra in e2e:
            out = d / f"out-{len(extra)}.csv"
            r = child(CLI, ["portfolio", "prescribe", "--data", str(path), "-o", str(out), "--timeout", str(a.timeout),
                            *extra], e, stderr_json=True)
            if r["code"] not in (0, None, 3):
                raise SystemExit(f"{name}: exit code {r['code']}")
            with open(out, encoding="utf-8") as f:
                answered = sum(1 for _ in f) - 1
            cut = f", cut short by --timeout {a.timeout:g}" if r["code"] == 3 else ""
            print(f"  {name:<26} {r['wall']:8.1f} s wall, {answered:,} merchants answered{cut}; "
                  f"peak {r['rss_mb']:.0f} MB in the command (each worker: see above)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

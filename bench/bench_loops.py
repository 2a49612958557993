"""Operating loops on a synthetic map of 1,000 products: ccare's search vs NetworkX's baseline.

The question: the first 10 loops whose products together serve all four needs, within
6 products.  ccare answers it with :func:`ccare.graph.loops.operating_loops` (a search
pruned by what the loop still lacks and by the distance home, one length at a time, so
it stops as soon as 10 are found).  The named baseline lists every simple cycle with
``nx.simple_cycles(F, length_bound=6)`` over the same flow graph, keeps those serving the
four needs, ranks them the same way (:func:`ccare.graph.loops.loop_rank`) and takes 10.
Both must find the same loops; the script checks it.

The map is ``ccare synth``'s (:func:`ccare.kb.synth.synth_turtle`, seeded): each synthetic
product serves one to three values and flows to 5 others, loaded and built as the CLI
does.  Payment and the two domains are not required here, so the question is exactly
the one the baseline answers.

    python bench/bench_loops.py [--products 1000] [--degree 5] [--seed 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import tempfile
import time
from itertools import islice

import networkx as nx

from ccare.graph.build import flow_graph, to_networkx
from ccare.graph.loops import LoopSpec, loop_rank, operating_loops
from ccare.graph.walks import data_enters, rotate, walk
from ccare.kb.model import NEED_CODES, load
from ccare.kb.synth import synth_turtle

#: The cycle search alone: no hub, no domain rule, and none of the shipped map's offerings
#: that could be attached to a loop (their subsets would be a second search to compare).
SPEC = LoopSpec(needs=NEED_CODES, payment=False, domains=False, max_length=6,
                without=("mini-program-cloud", "iot-devices", "coupons", "member-operation", "joining-gift",
                         "multi-channel-joining", "fanxing-3", "fanxing-plan", "fanxing-2"))
WANT = 10


def synthetic_graph(products: int, degree: int, seed: int) -> nx.MultiDiGraph:
    buf = io.StringIO()
    # no supporting products or programmes: their attachments would be a second search to compare
    synth_turtle(buf, products=products, degree=degree, seed=seed, supporting_share=0, programmes=0)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "synth.ttl")
        with open(path, "w", encoding="utf-8") as f:
            f.write(buf.getvalue())
        return to_networkx(load([path], cache=False))


def ccare_loops(G) -> list[tuple]:
    return [w.nodes for w in islice(operating_loops(G, SPEC), WANT)]


def baseline_loops(G) -> list[tuple]:
    """Every simple cycle of what loops walk (user flows, and data flows into products that
    turn data into reach), filtered afterwards."""
    F = nx.DiGraph()
    F.add_nodes_from(n for n in flow_graph(G, SPEC.relations) if n not in SPEC.without)
    F.add_edges_from((u, v) for u, v, k in flow_graph(G, SPEC.relations).edges(keys=True)
                     if u in F and v in F and u != v and (k != "dataFlowsTo" or data_enters(G, v)))
    found = []
    for c in nx.simple_cycles(F, length_bound=SPEC.max_length):
        users = any(G.has_edge(u, v, key="userFlowsTo") for u, v in zip(c, c[1:] + c[:1]))
        if users and SPEC.accepts(G, c):
            found.append(walk(G, rotate(c), closed=True, relations=SPEC.relations))
    found.sort(key=loop_rank)
    return [w.nodes for w in found[:WANT]]


def best_of(fn, G, repeat: int) -> tuple[float, list]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(G)
        best = min(best, time.perf_counter() - t)
    return best, out


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="utf-8")
                if line.startswith("model name")), platform.processor()) \
        if os.path.exists("/proc/cpuinfo") else platform.processor()
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3 if hasattr(os, "sysconf") else float("nan")
    return (f"{os.cpu_count()} cores, {cpu}, {ram:.0f} GiB RAM; Python {platform.python_version()}, "
            f"networkx {nx.__version__}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--products", type=int, default=1000)
    ap.add_argument("--degree", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    print(machine())
    G = synthetic_graph(a.products, a.degree, a.seed)
    F = flow_graph(G)
    print(f"map: {a.products} synthetic products (+ the shipped map), {F.number_of_nodes()} products, "
          f"{F.number_of_edges()} flow edges, seed {a.seed}")
    t_ours, ours = best_of(ccare_loops, G, a.repeat)
    t_base, base = best_of(baseline_loops, G, a.repeat)
    same = set(ours) == set(base) and len(ours) == WANT
    print(f"first {WANT} loops serving all four needs within {SPEC.max_length} products "
          f"(best of {a.repeat}):")
    print(f"  ccare operating_loops                  {t_ours * 1000:10.1f} ms")
    print(f"  nx.simple_cycles(length_bound=6)+filter {t_base * 1000:9.1f} ms")
    print(f"  ratio {t_base / t_ours:.0f}x; same loops: {'yes' if same else 'NO'} "
          f"(lengths {sorted(len(c) for c in ours)})")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())

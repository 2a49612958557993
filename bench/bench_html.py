"""Benchmark: the HTML map of large synthetic maps, ccare against pyvis's own from_nx + write_html.

For each size (default 5,000 and 20,000 nodes, from ``bench/synthmap.py``):

- generation: ``ccare.exports.html.map_html`` (layout, JSON, page) against pyvis
  ``Network(directed=True).from_nx(copy) + write_html`` with its defaults (run in a child
  process with a time limit: ``from_nx`` is quadratic);
- time to interactive in headless Chromium (Debian's, as the tests use it): from navigation
  start to the first drawing of the network (``window.ccareReadyAt``), wall clock and the
  page's main-thread CPU time (robust when the machine is shared).  pyvis's page is timed in
  its ``in_line`` mode (the default mode loads vis-network from a CDN, which cannot work
  offline; every request that would leave the machine is blocked) until its physics
  stabilisation ends, capped by ``--pyvis-tti-cap``.

Each figure is the best of ``--repeat`` runs.  Targets (issue 4): 5,000 nodes generated in
< 0.5 s and interactive in < 2 s; 20,000 nodes in < 5 s.

    python bench/bench_html.py                      # the full run recorded in bench/RESULTS.md
    python bench/bench_html.py --sizes 2000 --no-baseline
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthmap import synthetic_map  # noqa: E402

from ccare.exports.html import map_html  # noqa: E402

CHROMIUM = os.environ.get("CCARE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

_PYVIS_CHILD = r"""
import copy, json, os, sys, time
sys.path.insert(0, sys.argv[1])
from synthmap import synthetic_map
from pyvis.network import Network
G = synthetic_map(int(sys.argv[2]), int(sys.argv[3]))
H = copy.deepcopy(G)  # from_nx rewrites the graph it is given
os.chdir(sys.argv[4])
t0 = time.perf_counter()
net = Network(directed=True)
net.from_nx(H)
t1 = time.perf_counter()
net.write_html("pyvis.html")
t2 = time.perf_counter()
net.cdn_resources = "in_line"
net.write_html("pyvis-inline.html")
print(json.dumps({"from_nx": t1 - t0, "write_html": t2 - t1, "bytes": os.path.getsize("pyvis.html")}))
"""


def best(times):
    return min(times) if times else None


def gen_ccare(G, repeat: int):
    times, page = [], ""
    for _ in range(repeat):
        t = time.perf_counter()
        page = map_html(G)
        times.append(time.perf_counter() - t)
    return best(times), page


def gen_pyvis(n: int, seed: int, workdir: Path, timeout: float):
    cmd = [sys.executable, "-c", _PYVIS_CHILD, str(Path(__file__).resolve().parent), str(n), str(seed), str(workdir)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True,
                           env={**os.environ, "PYTHONIOENCODING": "utf-8", "LC_ALL": "C.UTF-8"})
    except subprocess.TimeoutExpired:
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def _cpu(cdp) -> float:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}["ThreadTime"]


def tti(browser, path: Path, ready_js: str, cap: float, repeat: int):
    """Best (wall seconds, main-thread CPU seconds) over ``repeat`` loads; None when over ``cap``."""
    walls, cpus = [], []
    for _ in range(repeat):
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
        c0 = _cpu(cdp)
        t0 = time.perf_counter()
        page.goto(path.as_uri(), wait_until="commit")
        ok = True
        while not page.evaluate(ready_js):
            if time.perf_counter() - t0 > cap:
                ok = False
                break
            page.wait_for_timeout(25)
        wall = page.evaluate("window.ccareReadyAt ? window.ccareReadyAt / 1000 : null") or (time.perf_counter() - t0)
        cpu = _cpu(cdp) - c0
        ctx.close()
        if not ok:
            return None
        walls.append(wall)
        cpus.append(cpu)
    return best(walls), best(cpus)


_TTI_CHILD = r"""
import json, sys, time
from pathlib import Path
from playwright.sync_api import sync_playwright
path, ready, cap = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
with sync_playwright() as p:
    b = p.chromium.launch(executable_path=sys.argv[4], args=json.loads(sys.argv[5]))
    ctx = b.new_context(viewport={"width": 1400, "height": 900})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(path.as_uri(), wait_until="commit")
    while not page.evaluate(ready):
        if time.perf_counter() - t0 > cap:
            print("null"); sys.exit(0)
        page.wait_for_timeout(50)
    print(json.dumps(time.perf_counter() - t0))
"""


def tti_child(path: Path, ready_js: str, cap: float):
    """Wall seconds to ``ready_js`` in a child process (a page that blocks its main thread
    for minutes cannot hold the benchmark up); None after ``cap``."""
    cmd = [sys.executable, "-c", _TTI_CHILD, str(path), ready_js, str(cap), CHROMIUM, json.dumps(ARGS)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=cap + 30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)  # the child, its playwright driver and its chromium
        proc.communicate()
        return None
    return json.loads(out.strip().splitlines()[-1]) if out.strip() else None


PYVIS_READY = """(() => { const b = document.getElementById('loadingBar');
  if (!b) return typeof network !== 'undefined';
  return b.style.opacity === '0' || b.style.display === 'none'; })()"""


def machine() -> list[str]:
    lines = [f"python {platform.python_version()} ({platform.platform()})", f"nproc: {os.cpu_count()}"]
    if shutil.which("lscpu"):
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
        lines += [
            ln
            for ln in out
            if ln.split(":")[0].strip() in ("Architecture", "CPU(s)", "Model name", "Thread(s) per core")
        ]
    if Path(CHROMIUM).exists():
        lines.append(subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip())
    if hasattr(os, "getloadavg"):
        lines.append("load average at start: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    return lines


def fmt(x, unit="s"):
    if isinstance(x, str):  # "> cap"
        return x
    return "—" if x is None else f"{x:.2f} {unit}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-baseline", action="store_true", help="Skip pyvis.")
    ap.add_argument("--no-browser", action="store_true", help="Skip the time-to-interactive measurements.")
    ap.add_argument(
        "--baseline-timeout", type=float, default=400.0, help="Seconds allowed to pyvis's from_nx + write_html."
    )
    ap.add_argument(
        "--pyvis-tti-cap", type=float, default=60.0, help="Give up waiting for pyvis's page after this long."
    )
    a = ap.parse_args(argv)

    print("\n".join(machine()))
    browser = pw = None
    if not a.no_browser:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    rows = []
    try:
        for n in a.sizes:
            G = synthetic_map(n, a.seed)
            with tempfile.TemporaryDirectory() as d:
                d = Path(d)
                gen, page = gen_ccare(G, a.repeat)
                (d / "ccare.html").write_text(page, encoding="utf-8")
                row = {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(), "ccare_gen": gen,
                       "ccare_kib": len(page.encode("utf-8")) / 1024}
                print(f"\n{n} nodes, {G.number_of_edges()} edges: "
                      f"ccare generated in {gen:.3f} s ({row['ccare_kib']:.0f} KiB)", flush=True)
                if browser is not None:
                    r = tti(browser, d / "ccare.html", "window.ccareReady === true", 60.0, a.repeat)
                    row["ccare_tti"], row["ccare_cpu"] = r if r else (None, None)
                    print(
                        f"  ccare interactive: {fmt(row['ccare_tti'])} wall, {fmt(row['ccare_cpu'])} main-thread CPU",
                        flush=True,
                    )
                if not a.no_baseline:
                    pv = gen_pyvis(n, a.seed, d, a.baseline_timeout)
                    row["pyvis_gen"] = (
                        f"> {a.baseline_timeout:.0f} s" if pv is None else pv["from_nx"] + pv["write_html"]
                    )
                    row["pyvis_detail"] = pv
                    print(
                        "  pyvis from_nx + write_html: "
                        + (
                            f"> {a.baseline_timeout:.0f} s (stopped)"
                            if pv is None
                            else f"{row['pyvis_gen']:.2f} s (from_nx {pv['from_nx']:.2f} s)"
                        ),
                        flush=True,
                    )
                    if browser is not None and pv is not None:
                        r = tti_child(d / "pyvis-inline.html", PYVIS_READY, a.pyvis_tti_cap)
                        row["pyvis_tti"] = r if r is not None else f"> {a.pyvis_tti_cap:.0f} s"
                        print("  pyvis interactive (in_line, physics stabilised): "
                              + fmt(row["pyvis_tti"]), flush=True)
                rows.append(row)
    finally:
        if browser is not None:
            browser.close()
            pw.stop()

    print("\n| nodes | edges | ccare generate | pyvis generate | ratio | ccare interactive (wall / CPU) "
          "| pyvis interactive |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        pg = r.get("pyvis_gen")
        ratio = (
            f"{pg / r['ccare_gen']:.0f}×"
            if isinstance(pg, float)
            else f"> {float(pg[2:-2]) / r['ccare_gen']:.0f}×"
            if pg
            else "—"
        )
        print(f"| {r['nodes']:,} | {r['edges']:,} | {r['ccare_gen']:.2f} s | {fmt(r.get('pyvis_gen'))} | {ratio} | "
              f"{fmt(r.get('ccare_tti'))} / {fmt(r.get('ccare_cpu'))} | {fmt(r.get('pyvis_tti'))} |")


if __name__ == "__main__":
    main()

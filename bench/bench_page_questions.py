"""Benchmark: prescriptions computed in the map page (exports/web/engine.js) against the library.

For the shipped map and a synthetic map of ``--products`` products (``ccare synth``'s
:func:`ccare.kb.synth.synth_turtle`, seeded, loaded and built as the CLI does), each
merchant owning one product:

- **page**: the question engine in headless Chromium (Debian's, as the tests use it),
  ``ccareEngine.ask`` on the page's main thread, timed with ``performance.now()`` (the
  panel runs the same code in a Worker), for the first 21 prescriptions (the panel shows
  20 and says when there are more);
- **library**: :func:`ccare.graph.prescribe.prescriptions`, the same first 21, as
  ``ccare prescribe --limit 21`` computes them (without loading the map or printing).

Both must give the same additions in the same order; the script checks it.  Targets
(issue 13): under 50 ms a prescription on the shipped map, under 500 ms on 1,000
products.  Also: the time from navigation to the first drawing of the page
(``window.ccareReadyAt``) with the question panel, for the synthetic map.

    python bench/bench_page_questions.py [--products 1000] [--merchants 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import tempfile
import time
from itertools import islice
from pathlib import Path

from ccare.exports.html import map_html
from ccare.graph.build import products, to_networkx
from ccare.graph.prescribe import prescriptions
from ccare.kb.model import load
from ccare.kb.synth import synth_turtle

CHROMIUM = os.environ.get("CCARE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

#: as many prescriptions as the page's panel asks for
LIMIT = 21

PAGE_TIMES = """(arg) => {
  const [merchants, repeat, LIMIT] = JSON.parse(arg);
  const E = window.ccareEngine, G = new E.Graph(window.ccareMap.data);
  const out = [];
  for (const has of merchants) {
    let best = Infinity, adds = null;
    for (let r = 0; r < repeat; r++) {
      const t = performance.now();
      const a = E.ask(G, {q: 'prescribe', has: has, limit: LIMIT}, {timeoutMs: 60000});
      best = Math.min(best, performance.now() - t);
      adds = a.cutShort ? null : a.prescriptions.map(p => p.add);
    }
    out.push([best, adds]);
  }
  return JSON.stringify(out);
}"""


def synthetic_graph(n: int, seed: int):
    buf = io.StringIO()
    synth_turtle(buf, products=n, seed=seed)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "synth.ttl")
        Path(path).write_text(buf.getvalue(), encoding="utf-8")
        return to_networkx(load([path], cache=False))


def library_times(G, merchants, repeat):
    out = []
    for has in merchants:
        best, adds = float("inf"), None
        for _ in range(repeat):
            t = time.perf_counter()
            adds = [list(p.add) for p in islice(prescriptions(G, has), LIMIT)]
            best = min(best, time.perf_counter() - t)
        out.append((best * 1000, adds))
    return out


def run(name, G, merchants, repeat, browser, folder):
    page = Path(folder) / f"{name}.html"
    page.write_text(map_html(G), encoding="utf-8")
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "blob:")) else r.abort())
    p = ctx.new_page()
    p.goto(page.as_uri())
    p.wait_for_selector("body[data-ready='1']", state="attached", timeout=120000)
    ready = p.evaluate("window.ccareReadyAt")
    got = json.loads(p.evaluate(PAGE_TIMES, json.dumps([merchants, repeat, LIMIT])))
    ctx.close()
    want = library_times(G, merchants, repeat)
    same = all(g[1] == w[1] for g, w in zip(got, want))
    page_ms = [g[0] for g in got]
    lib_ms = [w[0] for w in want]
    print(f"{name}: {G.number_of_nodes():,} nodes, {len(products(G)):,} products, {len(merchants)} merchants; "
          f"page ready in {ready:.0f} ms")
    print(f"  page (engine.js):  median {statistics.median(page_ms):7.1f} ms, max {max(page_ms):7.1f} ms")
    print(f"  library (Python):  median {statistics.median(lib_ms):7.1f} ms, max {max(lib_ms):7.1f} ms")
    print(f"  same answers: {same}")
    return same


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--products", type=int, default=1000)
    ap.add_argument("--merchants", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    shipped = to_networkx(load())
    synth = synthetic_graph(args.products, args.seed)
    synthetic_products = [p for p in products(synth) if p not in shipped]
    step = max(1, len(synthetic_products) // args.merchants)
    ok = True
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as folder:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ok &= run("shipped", shipped, [[p] for p in products(shipped)], args.repeat, browser, folder)
        ok &= run(f"synthetic-{args.products}", synth, [[p] for p in synthetic_products[::step][: args.merchants]],
                  args.repeat, browser, folder)
        browser.close()
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""Gaps and prescriptions for every merchant of a portfolio, each distinct question answered once.

A service provider's portfolio repeats itself: thousands of merchants run the same few
product combinations.  :func:`run` searches once per distinct *question* and hands the
answer to every merchant that asks it (:func:`question`):

- The loop search (:func:`ccare.graph.gaps.gaps` and
  :func:`ccare.graph.prescribe.prescriptions`) depends on the products a merchant runs
  only through those that can be part of a loop at all: products on some directed cycle
  of what loops walk, and the offerings that may support one of them
  (:func:`on_cycles`).  Anything else (on the shipped map: Ant Forest and Zhima Credit,
  into which nothing flows) is never part of a loop; so the question holds the merchant's
  products that can be, the payment hub when the merchant takes Alipay payment (every
  merchant has it, listed or not), and, for a merchant without Alipay payment, whether
  it runs products but none of those (then no loop through them can close, and nothing
  is searched).  The needs a merchant's products leave unserved do depend on all of
  them; they are counted for each merchant.
- ``prescribe`` also ranks by the merchant's scale and stage, but only where they can
  change the order: a scale or stage counts when some offering of the map ``suits`` it
  (then loops it backs come first), and the stage ``mature`` counts because mature
  merchants are shown broader loops first.  On the shipped map only Fanxing suits
  anyone (small and medium merchants), so a large merchant asks the same question as
  one of unknown scale.

``tests/test_portfolio.py`` checks every shortcut against the library asked merchant by
merchant.

Each merchant gets one :class:`MerchantResult`: whether its products already close an
operating loop, the requested needs none of them serves, and the smallest addition
that closes one (with the loop it closes; for ``gaps`` also the flow steps missing).
:meth:`PortfolioRun.summary` counts closed loops and the additions most often
prescribed.

All questions share one :class:`~ccare.limits.Budget`.  When it runs out, the question
being answered is dropped (its answer could be incomplete), the run stops, and the
results hold the merchants answered so far, in order: a prefix of the portfolio.

On a large map questions stop repeating, so two more things share work.  The loop
searches of one run share their setup (:func:`ccare.graph.loops.shared_searches`: flow
successors, attachable offerings, the search graph, and a search in which everything costs
1 with its set-cover tables; a question changes the costs of the merchant's own products and
its tables are derived from the shared ones).  With ``workers`` > 1, distinct questions are answered in a pool of worker
processes started with ``spawn``; each receives the graph once, then questions in chunks,
and the answers are put back in portfolio order.  Whatever the number of workers, the
results are the same, byte for byte once written (``tests/test_portfolio_workers.py``
compares them with ``run(..., share=False)``, which asks every merchant its own question).

Examples
--------
>>> from ccare.kb.model import load
>>> from ccare.graph.build import to_networkx
>>> from ccare.portfolio.index import Merchant
>>> G = to_networkx(load())
>>> ms = [Merchant("M1", "ex:1", {}, None, None, None, ("mini-program",)),
...       Merchant("M2", "ex:2", {}, None, None, None, ("mini-program", "zhima-credit")),
...       Merchant("M3", "ex:3", {}, None, None, None, ("mini-program", "mini-program-cloud")),
...       Merchant("M4", "ex:4", {}, None, None, None, ("mini-program", "mini-program-cloud"), alipay_payment=False)]
>>> r = run(G, ms, "gaps")
>>> [(x.merchant.id, x.closed, x.add) for x in r.results]
[('M1', False, ('mini-program-cloud',)), ('M2', False, ('mini-program-cloud',)), ('M3', True, ()), ('M4', False,
('payment',))]
>>> r.questions, r.summary()["closed"], r.summary()["additions"][0]
(3, 1, {'add': ['mini-program-cloud'], 'merchants': 2})
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from dataclasses import dataclass, replace
from typing import Callable, Iterator, Sequence

import networkx as nx

from ccare.graph.build import flow_graph
from ccare.graph.gaps import gaps
from ccare.graph.loops import LoopSpec, attachments, hub_of, shared_searches
from ccare.graph.prescribe import baseline, prescriptions
from ccare.graph.walks import data_enters
from ccare.limits import Budget
from ccare.portfolio.index import Merchant

__all__ = ["MODES", "Answer", "MerchantResult", "PortfolioRun", "on_cycles", "question", "unserved", "answer", "run",
           "default_workers"]

#: What :func:`run` can ask of every merchant.
MODES = ("gaps", "prescribe")


@dataclass(frozen=True)
class Answer:
    """The answer to one question, shared by every merchant asking it.

    ``add`` is None when no operating loop through the merchant's products can close
    within the length bound; ``()`` when one already closes.  ``loop`` is the cycle,
    ``supporting`` the offerings that support it.  ``missing`` (``gaps`` only) holds the
    loop's flow steps ``(source, relation, target)`` the merchant lacks.
    """

    unserved: tuple
    add: tuple | None
    loop: tuple | None
    missing: tuple = ()
    supporting: tuple = ()

    @property
    def closed(self) -> bool:
        return self.add == ()

    @property
    def status(self) -> str:
        """``closed``, ``open`` (an addition closes it) or ``unclosable``."""
        return "closed" if self.closed else "open" if self.add is not None else "unclosable"


@dataclass(frozen=True)
class MerchantResult:
    merchant: Merchant
    answer: Answer

    closed = property(lambda self: self.answer.closed)
    add = property(lambda self: self.answer.add)

    def to_json(self) -> dict:
        a = self.answer
        return {
            "merchant": self.merchant.to_json(),
            "status": a.status,
            "closed": a.closed,
            "unserved_needs": list(a.unserved),
            "add": list(a.add) if a.add is not None else None,
            "loop": list(a.loop) if a.loop is not None else None,
            "supporting": list(a.supporting),
            "missing": [{"source": s, "relation": r, "target": t} for s, r, t in a.missing],
        }


@dataclass
class PortfolioRun:
    """The results of :func:`run`: one per merchant answered, in portfolio order."""

    mode: str
    spec: LoopSpec
    total: int
    results: list
    questions: int
    budget: Budget

    @property
    def complete(self) -> bool:
        return len(self.results) == self.total

    def summary(self, top: int = 10) -> dict:
        """Counts: merchants, answered, closed, open, unclosable; the ``top`` additions
        (sets) and added products most often prescribed; merchants per unserved need."""
        status = Counter(r.answer.status for r in self.results)
        sets = Counter(r.add for r in self.results if r.add)
        prods = Counter(p for r in self.results if r.add for p in r.add)
        unserved = Counter(c for r in self.results for c in r.answer.unserved)
        return {
            "mode": self.mode,
            "needs": list(self.spec.needs),
            "merchants": self.total,
            "answered": len(self.results),
            "complete": self.complete,
            "cut_short": self.budget.reason if self.budget.cut_short else None,
            "closed": status["closed"],
            "open": status["open"],
            "unclosable": status["unclosable"],
            "questions": self.questions,
            "additions": [{"add": list(a), "merchants": n}
                          for a, n in sorted(sets.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[:top]],
            "added_products": [{"product": p, "merchants": n}
                               for p, n in sorted(prods.items(), key=lambda kv: (-kv[1], kv[0]))[:top]],
            "unserved_needs": {c: unserved[c] for c in self.spec.needs if unserved[c]},
        }


def _suited(G: nx.MultiDiGraph) -> frozenset:
    """Profile nodes (scales, stages) that some offering ``suits``."""
    return frozenset(v for _, v, k in G.edges(keys=True) if k == "suits")


def on_cycles(G: nx.MultiDiGraph, spec: LoopSpec) -> frozenset:
    """What can be part of a loop at all: products on some directed cycle of the flow
    graph ``spec`` walks (data flows only into products that turn data into reach), and
    the offerings that may be attached to one of them."""
    F = nx.DiGraph()
    F.add_nodes_from(flow_graph(G, spec.relations))
    F.add_edges_from((u, v) for u, v, k in flow_graph(G, spec.relations).edges(keys=True)
                     if u != v and (k != "dataFlowsTo" or data_enters(G, v)))
    F.remove_nodes_from(spec.without)
    out: set = set()
    for comp in nx.strongly_connected_components(F):
        if len(comp) > 1:
            out |= comp
    on_flows = {n for e in F.edges() for n in e}
    everyone = LoopSpec(without=spec.without, profiles=tuple(_suited(G)))
    for p in sorted(out):
        out |= {a.offering for a in attachments(G, p, everyone, owned=set(G), cycle_nodes=on_flows)}
    return frozenset(out)


def question(
    m: Merchant, mode: str, cyclic: frozenset, suited: frozenset = frozenset(), hub: str | None = None
) -> tuple:
    """What the search for ``mode`` asks about merchant ``m``: equal questions, equal answers.

    ``cyclic`` holds the products on some cycle (:func:`on_cycles`), ``suited`` the profile
    nodes some offering suits (see the module docs); ``hub`` the payment hub, which every
    merchant taking Alipay payment has whether it says so or not.
    """
    core = frozenset(m.uses) & cyclic
    if m.alipay_payment and hub is not None:
        core |= {hub}
    stranded = bool(m.uses) and not core and not m.alipay_payment
    if mode == "gaps":
        return (core, stranded, m.alipay_payment)
    profile = tuple(n for n in (m.scale, m.stage) if n in suited)
    return (core, stranded, m.alipay_payment, profile, m.stage_name == "mature")


def unserved(G: nx.MultiDiGraph, m: Merchant, spec: LoopSpec) -> tuple:
    """The needs of ``spec`` none of the merchant's products (payment included, unless it
    does not take Alipay payment) serves."""
    served = {c for p in (*m.uses, *baseline(G, m.alipay_payment)) for c in G.nodes[p].get("needs", ())}
    return tuple(c for c in spec.needs if c not in served)


def answer(G: nx.MultiDiGraph, m: Merchant, mode: str, spec: LoopSpec, budget: Budget,
           cyclic: frozenset | None = None) -> Answer:
    """The :class:`Answer` to what ``mode`` asks about merchant ``m``.

    With ``cyclic`` (:func:`on_cycles`), products on no cycle are left out of the search,
    which changes nothing but the work (module docs).
    """
    has = sorted(m.uses if cyclic is None else set(m.uses) & cyclic)
    needs = unserved(G, m, spec)
    if m.uses and not has and not m.alipay_payment:
        return Answer(needs, None, None)
    if mode == "gaps":
        g = gaps(G, has, spec, budget=budget, alipay_payment=m.alipay_payment)
        if g.closing is None:
            return Answer(needs, None, None)
        return Answer(needs, g.closing.add, g.closing.loop.nodes,
                      tuple((s.source, s.relation, s.target) for s in g.missing),
                      tuple(a.offering for a in g.closing.loop.attached))
    first = next(prescriptions(G, has, spec, scale=m.scale_name, stage=m.stage_name, budget=budget,
                               alipay_payment=m.alipay_payment), None)
    if first is None:
        return Answer(needs, None, None)
    return Answer(needs, first.add, first.loop.nodes, (), tuple(a.offering for a in first.loop.attached))


#: Seconds of answering in this process before the remaining questions go to a pool of
#: worker processes (starting one costs about a second: a fresh interpreter imports ccare
#: and receives the graph), so that small portfolios never pay for a pool.
POOL_AFTER_SECONDS = 1.0


def default_workers() -> int:
    """The processors this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def run(
    G: nx.MultiDiGraph,
    merchants: Sequence[Merchant],
    mode: str,
    spec: LoopSpec = LoopSpec(),
    budget: Budget | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    workers: int = 1,
    share: bool = True,
) -> PortfolioRun:
    """Answer ``mode`` (``gaps`` or ``prescribe``) for every merchant, in order.

    ``progress(n)`` is called as merchants are answered, ``n`` at a time.  See the
    module docs for the shared answers and the budget.

    ``workers`` > 1 answers distinct questions in that many worker processes (started
    with ``spawn``, never by forking a process that may run threads), once answering here
    has taken :data:`POOL_AFTER_SECONDS`.  The results are the same, in the same order,
    whatever ``workers`` is.  A step limit (``budget.max_steps``) counts the steps of one
    process, so with one the run stays in this process.

    ``share=False`` asks every merchant its own question, one at a time, with nothing
    shared (the reference the shortcuts are tested against).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive whole number (got {workers!r})")
    budget = budget if budget is not None else Budget(timeout=None)
    if not share:
        return _run_plain(G, merchants, mode, spec, budget, progress)
    cyclic, suited, hub = on_cycles(G, spec), _suited(G), hub_of(G, spec)
    qs = [question(m, mode, cyclic, suited, hub) for m in merchants]
    reps: dict = {}  # question -> index of the first merchant asking it
    for i, q in enumerate(qs):
        reps.setdefault(q, i)
    todo = list(reps.values())
    memo: dict = {}
    results: list = []

    def emit() -> None:  # the merchants whose questions are answered, in order
        n0 = len(results)
        while len(results) < len(merchants) and qs[len(results)] in memo:
            i = len(results)
            a = memo[qs[i]]
            if reps[qs[i]] != i:
                a = replace(a, unserved=unserved(G, merchants[i], spec))
            results.append(MerchantResult(merchants[i], a))
        if progress is not None and len(results) > n0:
            progress(len(results) - n0)

    with shared_searches(G):
        for i, a in _answers(G, merchants, todo, mode, spec, budget, cyclic, workers):
            memo[qs[i]] = a
            emit()
    return PortfolioRun(mode, spec, len(merchants), results, len(memo), budget)


def _run_plain(G, merchants, mode, spec, budget, progress) -> PortfolioRun:
    results = []
    for m in merchants:
        if budget.expired():
            break
        a = answer(G, m, mode, spec, budget)
        if budget.cut_short:
            break
        results.append(MerchantResult(m, a))
        if progress is not None:
            progress(1)
    return PortfolioRun(mode, spec, len(merchants), results, len(results), budget)


def _answers(G, merchants, todo, mode, spec, budget, cyclic, workers) -> Iterator[tuple]:
    """``(index, Answer)`` for the merchants at ``todo``, in that order, until the budget
    runs out (then ``budget`` says why)."""
    start = time.monotonic()
    k = 0
    parallel = workers > 1 and budget.max_steps is None
    while k < len(todo):
        if parallel and time.monotonic() - start >= POOL_AFTER_SECONDS and len(todo) - k > 1:
            yield from _pooled(G, merchants, todo[k:], mode, spec, budget, cyclic, workers)
            return
        if budget.expired():
            return
        a = answer(G, merchants[todo[k]], mode, spec, budget, cyclic)
        if budget.cut_short:
            return
        yield todo[k], a
        k += 1


# ---------------------------------------------------------------------- the worker pool

_WORKER: dict = {}


def _init_worker(G, mode, spec, cyclic, deadline, timeout) -> None:
    """A worker's state, sent once: the graph and what every question shares."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER.update(G=G, mode=mode, spec=spec, cyclic=cyclic, deadline=deadline, timeout=timeout)
    _WORKER["shared"] = shared_searches(G)  # for the worker's life: its searches share their setup
    _WORKER["shared"].__enter__()


def _answer_chunk(chunk: list) -> tuple:
    """Answers to a chunk of questions (one merchant each), and why it stopped early (or
    None): the answers before the one the budget cut."""
    w = _WORKER
    out: list = []
    for m in chunk:
        b = Budget(timeout=None)
        if w["deadline"] is not None:
            b.deadline, b.timeout = w["deadline"], w["timeout"]
        if b.expired():
            return out, b.reason
        a = answer(w["G"], m, w["mode"], w["spec"], b, w["cyclic"])
        if b.cut_short:
            return out, b.reason
        out.append(a)
    return out, None


def _pooled(G, merchants, todo, mode, spec, budget, cyclic, workers) -> Iterator[tuple]:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # a fork after threads (Oxigraph, bulk reads) can deadlock
    size = max(1, min(32, len(todo) // (workers * 8)))
    chunks = [todo[j:j + size] for j in range(0, len(todo), size)]
    args = (G, mode, spec, cyclic, budget.deadline, budget.timeout)
    with ctx.Pool(min(workers, len(chunks)), initializer=_init_worker, initargs=args) as pool:
        it = pool.imap(_answer_chunk, [[merchants[i] for i in c] for c in chunks])
        for c in chunks:
            while True:
                try:
                    answers, reason = it.next(timeout=0.5)
                    break
                except multiprocessing.TimeoutError:
                    if budget.expired():
                        return
            yield from zip(c, answers)
            if reason is not None:
                budget.stop(reason)
                return

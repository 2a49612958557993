"""The Python API: ``ccare.load()`` gives a :class:`Map` that answers a strategist's questions.

A :class:`Map` is the shipped map merged with the user's files (or the map an endpoint
holds).  Its methods take ids or Chinese and English names, as the command line does,
and need codes in any case; a misspelt name raises
:class:`~ccare.errors.UnknownEntityError` with near matches, never an empty answer.  Every
answer is an :class:`Answer`: the library's own objects (a loop is a
:class:`~ccare.graph.walks.Walk`, a prescription a
:class:`~ccare.graph.prescribe.Prescription`), plus ``to_json()`` (the command line's
JSON), ``records()`` (flat rows with labels, which ``pandas.DataFrame`` takes as they
are) and an HTML table for Jupyter.

Examples
--------
>>> import ccare
>>> m = ccare.load()
>>> p = m.prescribe(has=["小程序"])
>>> p[0].add, p[0].loop.nodes
(('mini-program-cloud',), ('payment', 'mini-program'))
>>> [r["to"] for r in m.paths("芝麻信用", "支付", k=0).records()]
['payment']
>>> m.loops(needs=["active", "worth"], max_length=2)[0].nodes
('payment', 'mini-program')
>>> m.loops(needs=["SCLAE"])
Traceback (most recent call last):
...
ccare.errors.UsageError: unknown need 'SCLAE' (allowed: SCALE, ACTIVE, WORTH, EFFICIENCY)
"""

from __future__ import annotations

import html
import os
import threading
from collections import OrderedDict
from functools import cached_property
from typing import Iterable, Sequence

from ccare.errors import UnknownEntityError, UsageError

__all__ = ["load", "Map", "Answer"]


def load(data: Sequence[str | os.PathLike] = (), *, endpoint=None, graph: str | None = None,
         store: str | None = None, cache: bool | None = None, whole: bool = False,
         base: Sequence[str | os.PathLike] = ()) -> "Map":
    """The shipped map merged with the RDF files ``data``, as a :class:`Map`.

    ``base``: RDF files that replace the shipped knowledge base (the shipped ontology
    stays), for a whole map edited as a sheet: ``ccare export sheet``, edit, ``ccare
    import``; ``data`` then extends it.  Not with an ``endpoint`` (its map is the base).

    ``endpoint`` (a SPARQL query URL, or an :class:`~ccare.endpoint.client.Endpoint`) reads
    the map from that endpoint instead, merged with ``data`` (``graph``: its named graph;
    ``whole``: every triple it holds, merchants too); ``store`` is ``oxigraph`` (default) or
    ``memory``; ``cache`` uses the parse cache (default: yes unless ``CCARE_NO_CACHE``).
    Raises :class:`~ccare.errors.DataError` naming the file, line and column of a bad file.

    This is the one place where inputs become a map, for the library and the command line
    alike: inputs → parse cache (:mod:`ccare.kb.cache`) → :class:`Map` → :attr:`Map.graph`.
    Within a process the same inputs give the same :class:`Map` (its graph built once):
    the key is every input's name and bytes, the shipped files' too, with the code that
    loads them (:func:`ccare.kb.cache.key`), the store kind, whether the parse cache is
    used, and the file limits in force.  A file whose bytes change is a new map.  A map at
    an endpoint is asked for again on each call that names it by URL, and once for each
    :class:`~ccare.endpoint.client.Endpoint` object (the command line makes one per command).
    """
    from ccare.rdfio.store import store_kind

    if isinstance(data, (str, os.PathLike)):
        data = [data]
    data = tuple(data)
    base = (base,) if isinstance(base, (str, os.PathLike)) else tuple(base)
    kind = store_kind(store)
    if endpoint is not None:
        if base:
            from ccare.errors import UsageError

            raise UsageError("a base map (--map) replaces the shipped map, and an endpoint's map is its own: "
                             "give a base map or an endpoint, not both")
        from ccare.endpoint.client import Endpoint
        from ccare.endpoint.remote import connect

        ep = endpoint if isinstance(endpoint, Endpoint) else Endpoint(endpoint)
        if graph is not None:
            ep = ep.with_graph(graph)
        key: tuple = ("endpoint", id(ep), tuple(str(p) for p in data), kind, bool(whole))
        return _memo(key, lambda: Map(connect(ep, data, store=kind, whole=whole)), keep=ep)
    from ccare.kb import cache as parse_cache
    from ccare.kb import loader
    from ccare.kb.model import KnowledgeBase
    from ccare.rdfio.read import Limits

    inputs = loader.read_inputs(data, base=base)
    use = parse_cache.enabled(cache)
    key = ("local", parse_cache.key(inputs, kind), tuple(i.name for i in inputs), use, Limits.from_env())

    def made() -> Map:
        g, k = loader.load_inputs(inputs, kind, use)
        return Map(KnowledgeBase(g, sources=[str(p) for p in data], cache_key=k))

    return _memo(key, made)


#: The maps loaded in this process (key -> ``(map, what keeps its key valid)``), least
#: recently used first: the one in-process memo of loaded maps (see :func:`load`).
_MAPS: "OrderedDict[tuple, tuple]" = OrderedDict()
#: How many maps :data:`_MAPS` keeps (each holds its RDF graph, indexes and NetworkX graph in memory).
MAPS_KEPT = 4
_MAPS_LOCK = threading.Lock()


def _memo(key: tuple, make, keep=None) -> "Map":
    with _MAPS_LOCK:
        hit = _MAPS.get(key)
        if hit is not None:
            _MAPS.move_to_end(key)
            return hit[0]
    m = make()  # outside the lock: a slow load does not hold up another thread's hit
    with _MAPS_LOCK:
        hit = _MAPS.setdefault(key, (m, keep))
        _MAPS.move_to_end(key)
        while len(_MAPS) > MAPS_KEPT:
            _MAPS.popitem(last=False)
    return hit[0]


def forget() -> None:
    """Drop every map :func:`load` keeps in this process (the next load reads its inputs anew)."""
    with _MAPS_LOCK:
        _MAPS.clear()


class Answer(list):
    """An answer of a :class:`Map`: a list of the library's result objects (one object for
    ``gaps`` and ``whatif``), which knows the map it came from."""

    def __init__(self, items: Iterable, G, kind: str, lang: str = "en"):
        super().__init__(items)
        self.G, self.kind, self.lang = G, kind, lang

    def to_json(self):
        """What ``ccare <command> --format json`` prints (without ``schema_version``)."""
        out = [x.to_json() if self.kind == "products" else x.to_json(self.G) if hasattr(x, "to_json") else x
               for x in self]
        return out[0] if self.kind in ("gaps", "whatif") and len(out) == 1 else out

    def records(self) -> list[dict]:
        """Flat rows (plain values, labels included): ``pandas.DataFrame(a.records())``."""
        return list(_records(self))

    def __str__(self) -> str:
        """The flat records as an aligned text table, labels included (what ``print`` shows)."""
        from ccare.text.render import table

        rows = self.records()
        if not rows:
            return f"{self.kind}: no answer"
        cols = list(dict.fromkeys(k for r in rows for k in r))
        return table(cols, [["" if r.get(c) is None else str(r.get(c)) for c in cols] for r in rows])

    def _repr_html_(self) -> str:
        rows = self.records()
        if not rows:
            return f"<p>{html.escape(self.kind)}: no answer</p>"
        cols = list(dict.fromkeys(k for r in rows for k in r))
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in cols) + "</tr>"
                       for r in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _label(G, n, lang):
    labels = (G.nodes[n].get("labels") or {}) if n in G else {}
    return labels.get(lang) or labels.get("en") or labels.get("zh") or n


def _evidence(ev) -> str:
    return "; ".join(f"{e.get('source')} L{e.get('line')} “{e.get('quote')}”" for e in ev)


def _walk_rows(G, w, lang, result: int, extra: dict | None = None):
    for i, st in enumerate(w.steps, 1):
        yield {"result": result, "step": i, "from": st.source, "from_label": _label(G, st.source, lang),
               "relation": st.relation, "moves": st.moves, "to": st.target, "to_label": _label(G, st.target, lang),
               "inferred": st.inferred, "evidence": _evidence(st.evidence), "needs": " ".join(w.needs),
               "supporting": ";".join(a.offering for a in w.attached), **(extra or {})}


def _records(a: Answer):
    G, lang = a.G, a.lang
    if a.kind in ("loops", "paths"):
        for i, w in enumerate(a, 1):
            yield from _walk_rows(G, w, lang, i)
    elif a.kind == "prescribe":
        for i, p in enumerate(a, 1):
            yield from _walk_rows(G, p.loop, lang, i, {"add": ";".join(p.add)})
    elif a.kind == "whatif":
        for x in a:
            for status, loops in (("lost", x.lost), ("kept", x.kept)):
                for i, w in enumerate(loops, 1):
                    yield {"status": status, "loop": i, "nodes": ";".join(w.nodes),
                           "supporting": ";".join(o.offering for o in w.attached), "needs": " ".join(w.needs)}
    elif a.kind == "gaps":
        for g in a:
            for v, need, offered in g.unserved_values:
                yield {"value": v, "value_label": _label(G, v, lang), "need": need, "offered_by": ";".join(offered)}
    elif a.kind == "coverage":
        for r in a:
            yield {"id": r.product, "label": _label(G, r.product, lang), "needs": " ".join(r.needs),
                   **{v: (s or "") for v, s in r.values.items()}}
    elif a.kind == "rank":
        for i, r in enumerate(a, 1):
            yield {"rank": i, "id": r.product, "label": _label(G, r.product, lang), "score": r.score}
    elif a.kind == "products":
        for r in a:
            yield {"id": r.entity.id, "label": r.entity.labels.get(lang) or r.entity.id, "needs": " ".join(r.needs),
                   "values": ";".join(v.id for v, _, _ in r.values), "domains": ";".join(d.id for d in r.domains)}
    else:
        for x in a:
            yield x.to_json(G) if hasattr(x, "to_json") else x


class Map:
    """A loaded map and the questions a strategist asks of it (see the module docs).

    ``kb`` is the :class:`~ccare.kb.model.KnowledgeBase` (the RDF graph and its indexes);
    :attr:`graph` the NetworkX graph the queries walk, built once.
    """

    def __init__(self, kb, lang: str = "en"):
        self.kb, self.lang = kb, lang

    def __repr__(self) -> str:
        return f"<ccare.Map: {len(self.kb.graph):,} triples, {len(self.kb.products())} products>"

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>"

    @cached_property
    def graph(self):
        """The NetworkX ``MultiDiGraph`` of the map (:func:`ccare.graph.build.to_networkx`)."""
        from ccare.graph.build import to_networkx

        return to_networkx(self.kb)

    # ------------------------------------------------------------------ names

    def resolve(self, name: str, kind: str = "entity") -> str:
        """The id of the entity called ``name`` (id, zh or en label, any case)."""
        from ccare.ontology import CC

        classes = {"product": CC.Product, "offering": CC.Offering, "entity": None}
        if kind == "offering":
            return self.kb.offering_id(name)
        return self.kb.node_id(self.kb.resolve(name, classes[kind], kind=kind))

    def _ids(self, names, kind: str = "offering") -> tuple:
        if isinstance(names, str):
            names = [n for n in names.split(",") if n.strip()]
        return tuple(self.resolve(n, kind) for n in names or ())

    def _spec(self, needs, through, without, max_length, payment, domains, scale=None, stage=None):
        from ccare.graph.loops import DEFAULT_MAX_LENGTH, LoopSpec
        from ccare.graph.prescribe import profile_nodes
        from ccare.kb.model import NEED_CODES

        codes = NEED_CODES if needs is None else tuple(dict.fromkeys(self._need(n) for n in needs))
        return LoopSpec(needs=codes, through=self._ids(through, "product"), without=self._ids(without),
                        max_length=DEFAULT_MAX_LENGTH if max_length is None else max_length,
                        payment=payment, domains=domains,
                        profiles=tuple(profile_nodes(self.graph, scale, stage)))

    def _need(self, name: str) -> str:
        """A need code from a code in any case or a zh/en need name."""
        from ccare.kb.model import NEED_CODES

        code = str(name).strip().upper()
        if code in NEED_CODES:
            return code
        try:
            return self.kb.need_code(self.kb.need(name))
        except (UnknownEntityError, UsageError):
            raise UsageError(f"unknown need {name!r} (allowed: {', '.join(NEED_CODES)})") from None

    # ------------------------------------------------------------------ questions

    def products(self, need: str | None = None, value: str | None = None, domain: str | None = None,
                 core: bool | None = None) -> Answer:
        """Products with the needs, values and domains they serve, filtered."""
        code = self._need(need) if need is not None else None
        return Answer(self.kb.products(need=code, value=value, domain=domain, core=core), self.graph, "products",
                      self.lang)

    def show(self, name: str) -> dict:
        """Everything the map says about one entity: ``ccare show NAME --format json``."""
        return self.kb.describe(self.kb.resolve(name))

    def paths(self, source: str, target: str, k: int = 3, via: Sequence[str] | None = None,
              budget=None) -> Answer:
        """The shortest routes a customer takes (user flows) and up to ``k`` alternatives.

        ``budget`` (:class:`~ccare.limits.Budget`) stops the search early, as the command
        line's ``--timeout`` does: ``budget.cut_short`` says so.  An entity that is not a
        node of the graph (a class, say) has no path: the answer is empty.
        """
        from ccare.graph.paths import product_paths

        a, b = self.resolve(source), self.resolve(target)
        if a not in self.graph or b not in self.graph:
            return Answer((), self.graph, "paths", self.lang)
        return Answer(product_paths(self.graph, a, b, k=k, via=via or None, budget=budget), self.graph, "paths",
                      self.lang)

    def loops(self, needs: Sequence[str] | None = None, through=(), without=(), max_length: int | None = None,
              limit: int = 20, payment: bool = True, domains: bool = True, scale: str | None = None,
              budget=None) -> Answer:
        """Operating loops, ranked (see :mod:`ccare.graph.loops`); ``budget`` as in :meth:`paths`."""
        from itertools import islice

        from ccare.graph.loops import operating_loops

        spec = self._spec(needs, through, without, max_length, payment, domains, scale)
        return Answer(islice(operating_loops(self.graph, spec, budget), limit), self.graph, "loops", self.lang)

    def prescribe(self, has, needs: Sequence[str] | None = None, scale: str | None = None,
                  stage: str | None = None, alipay_payment: bool = True, limit: int = 5,
                  max_length: int | None = None, payment: bool = True, domains: bool = True,
                  budget=None) -> Answer:
        """The fewest offerings to add so the merchant's loop closes, and why each
        (``budget`` as in :meth:`paths`)."""
        from itertools import islice

        from ccare.graph.prescribe import SCALES, STAGES, prescriptions

        if scale is not None and scale not in SCALES:
            raise UsageError(f"unknown scale {scale!r} (allowed: {', '.join(SCALES)})")
        if stage is not None and stage not in STAGES:
            raise UsageError(f"unknown stage {stage!r} (allowed: {', '.join(STAGES)})")
        spec = self._spec(needs, (), (), max_length, payment, domains)
        found = prescriptions(self.graph, sorted(set(self._ids(has))), spec, scale=scale, stage=stage,
                              budget=budget, alipay_payment=alipay_payment)
        return Answer(islice(found, limit), self.graph, "prescribe", self.lang)

    def gaps(self, has, needs: Sequence[str] | None = None, alipay_payment: bool = True) -> Answer:
        """What the merchant's products leave unserved, and what closes its loop."""
        from ccare.graph.gaps import gaps

        spec = self._spec(needs, (), (), None, True, True)
        return Answer([gaps(self.graph, self._ids(has), spec, alipay_payment=alipay_payment)], self.graph, "gaps",
                      self.lang)

    def coverage(self, products=None) -> Answer:
        """The product × value matrix."""
        from ccare.graph.coverage import coverage

        which = self._ids(products, "product") if products else None
        return Answer(coverage(self.graph, which), self.graph, "coverage", self.lang)

    def rank(self, by: str = "betweenness") -> Answer:
        """Products by their role in the flow graph."""
        from ccare.graph.rank import rank

        return Answer(rank(self.graph, by), self.graph, "rank", self.lang)

    def whatif(self, drop: str, needs: Sequence[str] | None = None) -> Answer:
        """The loops lost and kept when ``drop`` goes."""
        from ccare.graph.whatif import whatif

        spec = self._spec(needs, (), (), None, True, True)
        return Answer([whatif(self.graph, self.resolve(drop, "offering"), spec)], self.graph, "whatif", self.lang)

    def diff(self, other: "Map", has=(), merchants: bool = True, needs: Sequence[str] | None = None,
             timeout: float | None = None):
        """What changed from this map to ``other``, and what it does to merchants: a
        :class:`~ccare.graph.diff.MapDiff` (``to_json()``, ``records()``), see
        :func:`ccare.graph.diff.compare`.  ``has``: product sets (lists of ids or zh/en names,
        or comma-separated strings) whose best prescription is compared; ``merchants``: also
        compare the merchants both maps hold (a portfolio merged into both); ``timeout``:
        seconds the searches may take (then ``cut_short`` says why)."""
        from ccare.graph.diff import compare
        from ccare.limits import Budget
        from ccare.portfolio.batch import run
        from ccare.portfolio.index import merchants as merchants_of

        spec = self._spec(needs, (), (), None, True, True)
        return compare(self, other, has=has, merchants=merchants_of if merchants else None, run=run, spec=spec,
                       budget=Budget(timeout=timeout))

    def sparql(self, query: str, timeout: float = 30, max_rows: int = 10_000):
        """A read-only SPARQL query over the map (:func:`ccare.query.sparql.run`)."""
        from ccare.query.sparql import run

        return run(self.kb.graph, query, timeout=timeout, max_rows=max_rows)

    def validate(self, timeout: float | None = None, sources: Sequence[str | os.PathLike] = (),
                 engine: str = "auto"):
        """The SHACL report of the map (:func:`ccare.query.shacl.validate`), its quotes checked
        against the source texts found in the data files' folders, then in ``sources``;
        ``engine="pyshacl"`` has pySHACL check the shapes instead of ccare's own engine."""
        from ccare.query.shacl import validate

        return validate(self.kb, timeout=timeout, sources=sources, engine=engine)

    # ------------------------------------------------------------------ exports

    def html(self, answer: Answer | None = None, lang: str | None = None) -> str:
        """The interactive map page, with the first result of ``answer`` drawn on it."""
        from ccare.exports.highlight import check_against, from_result
        from ccare.exports.html import map_html

        highlight = None
        if answer is not None and len(answer):
            highlight = check_against(from_result(answer), self.graph)
        return map_html(self.graph, lang=lang or self.lang, highlight=highlight)

    def report(self, answer: Answer, lang: str | None = None, title: str = "", merchant: str = "") -> str:
        """The report of ``answer`` (loops, paths or prescriptions), two A4 pages at most;
        its default title is a sentence naming ``merchant`` (:func:`ccare.exports.report.default_title`)."""
        from ccare.exports.report import report_html
        from ccare.i18n import Citations, Rationales

        return report_html([x.to_json(self.graph) for x in answer], self.graph, lang=lang or self.lang, title=title,
                           merchant=merchant, sources=Citations.of(self.kb).to_json(),
                           rationales=Rationales.of(self.kb).to_json())

"""Query results (a loop, a path, a prescription) as something a page can draw on the map.

The input is a result of the library (a :class:`~ccare.graph.walks.Walk`, a
:class:`~ccare.graph.prescribe.Prescription`, an :class:`ccare.api.Answer` of them), or
the JSON the query commands print (see the README's JSON shapes): a path or
loop ``{"nodes": [entity, ...], "steps": [{"from", "to", "relation", "evidence",
"inferred"}], "needs": [...]}``, a prescription ``{"add": [entity, ...], "loop": loop}``, or
a list of either (ranked; the first is taken).  :func:`from_result` checks the shape,
:func:`check_against` that every node and step is in the map being drawn.

Examples
--------
>>> loop = {"nodes": [{"id": "a"}, {"id": "b"}], "needs": ["SCALE"],
...         "steps": [{"from": "a", "to": "b", "relation": "userFlowsTo", "evidence": [], "inferred": False},
...                   {"from": "b", "to": "a", "relation": "dataFlowsTo", "evidence": [], "inferred": True}]}
>>> h = from_result({"add": [{"id": "b"}], "loop": loop})
>>> h.kind, h.nodes, h.added, [s.relation for s in h.steps]
('prescription', ('a', 'b'), ('b',), ['userFlowsTo', 'dataFlowsTo'])
>>> from_result(loop).kind, from_result({**loop, "steps": loop["steps"][:1]}).kind
('loop', 'path')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from ccare.errors import HighlightError
from ccare.graph.walks import Step  # the query library's step: one shape for a step everywhere

__all__ = ["Step", "Highlight", "HighlightError", "from_result", "check_against", "check_query_args", "read_json"]


@dataclass(frozen=True)
class Highlight:
    """What to emphasise: ``nodes`` in order, the ``steps`` between them, products ``added``."""

    kind: str
    nodes: tuple
    steps: tuple
    needs: tuple = ()
    added: tuple = ()
    entities: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        return {"kind": self.kind, "nodes": list(self.nodes), "steps": [s.to_json() for s in self.steps],
                "needs": list(self.needs), "added": list(self.added)}


def _entity_id(e, where: str) -> str:
    if isinstance(e, str):
        return e
    if isinstance(e, dict) and isinstance(e.get("id"), str):
        return e["id"]
    raise HighlightError(f"{where}: expected an entity with an 'id', got {type(e).__name__}")


def _evidence(items, where: str) -> tuple:
    out = []
    for ev in items or ():
        if not isinstance(ev, dict):
            raise HighlightError(f"{where}: evidence must be objects with source, line, quote")
        line = ev.get("line")
        out.append({"source": str(ev.get("source") or ""),
                    "line": line if isinstance(line, int) and not isinstance(line, bool) else None,
                    "quote": str(ev.get("quote") or "")})
    return tuple(out)


def _walk(obj: dict, where: str):
    nodes_raw = obj.get("nodes")
    steps_raw = obj.get("steps")
    if not isinstance(nodes_raw, list) or not isinstance(steps_raw, list):
        raise HighlightError(f"{where}: a loop or path needs 'nodes' and 'steps' lists")
    entities = {}
    nodes = []
    for i, e in enumerate(nodes_raw):
        nid = _entity_id(e, f"{where}: nodes[{i}]")
        nodes.append(nid)
        if isinstance(e, dict):
            entities[nid] = e
    steps = []
    for i, s in enumerate(steps_raw):
        w = f"{where}: steps[{i}]"
        if not isinstance(s, dict):
            raise HighlightError(f"{w}: expected an object")
        try:
            src, dst, rel = (s[k] for k in ("from", "to", "relation"))
        except KeyError as e:
            raise HighlightError(f"{w}: missing {e.args[0]!r}") from None
        if not all(isinstance(x, str) for x in (src, dst, rel)):
            raise HighlightError(f"{w}: 'from', 'to' and 'relation' must be strings")
        steps.append(Step(src, dst, rel, _evidence(s.get("evidence"), w), bool(s.get("inferred")),
                          s.get("rationale") if isinstance(s.get("rationale"), str) else None))
    known = set(nodes)
    for i, s in enumerate(steps):
        if s.source not in known or s.target not in known:
            raise HighlightError(f"{where}: steps[{i}] goes {s.source} -> {s.target}, not between its nodes")
    needs = tuple(str(n) for n in obj.get("needs") or ())
    is_loop = bool(steps) and len(steps) == len(nodes) and steps[-1].target == nodes[0]
    # offerings supporting a loop's products: drawn and listed with it, an edge to the product each
    supporting = obj.get("supporting") or []
    if not isinstance(supporting, list):
        raise HighlightError(f"{where}: 'supporting' must be a list")
    for i, a in enumerate(supporting):
        w = f"{where}: supporting[{i}]"
        if not isinstance(a, dict) or not all(isinstance(a.get(k), str) for k in ("offering", "product", "relation")):
            raise HighlightError(f"{w}: needs 'offering', 'product' and 'relation' strings")
        if a["product"] not in known:
            raise HighlightError(f"{w}: supports {a['product']}, which is not on the loop")
        if a["offering"] not in nodes:
            nodes.append(a["offering"])
            if isinstance(a.get("entity"), dict):
                entities[a["offering"]] = a["entity"]
        steps.append(Step(a["offering"], a["product"], a["relation"], _evidence(a.get("evidence"), w),
                          bool(a.get("inferred")), a.get("rationale") if isinstance(a.get("rationale"), str) else None))
    return tuple(nodes), tuple(steps), needs, entities, "loop" if is_loop else "path"


def _of_walk(w, where: str):
    """:func:`_walk` for a :class:`~ccare.graph.walks.Walk`: the same nodes, steps (the
    supporting offerings' after the walk's own), needs and kind as from its JSON."""
    nodes, steps = list(w.nodes), []
    for i, s in enumerate(w.steps):
        steps.append(Step(s.source, s.target, s.relation, _evidence(s.evidence, f"{where}: steps[{i}]"),
                          bool(s.inferred), s.rationale))
    is_loop = bool(steps) and len(steps) == len(nodes) and steps[-1].target == nodes[0]
    for i, a in enumerate(w.attached):
        if a.offering not in nodes:
            nodes.append(a.offering)
        steps.append(Step(a.offering, a.product, a.relation, _evidence(a.evidence, f"{where}: supporting[{i}]"),
                          bool(a.inferred), a.rationale))
    return tuple(nodes), tuple(steps), tuple(str(n) for n in w.needs), {}, "loop" if is_loop else "path"


def from_result(obj, where: str = "result") -> Highlight:
    """The :class:`Highlight` of a query result (loop, path, prescription, or a ranked list).

    ``obj`` is the library's result (a :class:`~ccare.graph.walks.Walk`, a
    :class:`~ccare.graph.prescribe.Prescription`, or a list of them such as a
    :class:`ccare.api.Answer`), or the JSON a query command prints (untrusted: its shape is
    checked).  Of a list, the first (best) result is taken.
    """
    from ccare.graph.prescribe import Prescription
    from ccare.graph.walks import Walk

    if isinstance(obj, Walk):
        nodes, steps, needs, entities, kind = _of_walk(obj, where)
        return Highlight(kind, nodes, steps, needs, (), entities)
    if isinstance(obj, Prescription):
        nodes, steps, needs, entities, _ = _of_walk(obj.loop, f"{where}.loop")
        return Highlight("prescription", nodes, steps, needs, tuple(obj.add), entities)
    if isinstance(obj, tuple):
        obj = list(obj)
    if isinstance(obj, list):
        if not obj:
            raise HighlightError(f"{where}: the result list is empty: nothing to highlight")
        return from_result(obj[0], f"{where}[0]")
    if not isinstance(obj, dict):
        raise HighlightError(f"{where}: expected a loop, path or prescription object")
    if "add" in obj or ("loop" in obj and "nodes" not in obj):
        loop = obj.get("loop")
        if not isinstance(loop, dict):
            raise HighlightError(f"{where}: a prescription needs a 'loop' object")
        add = obj.get("add") or []
        if not isinstance(add, list):
            raise HighlightError(f"{where}: 'add' must be a list of entities")
        nodes, steps, needs, entities, _ = _walk(loop, f"{where}.loop")
        added = tuple(_entity_id(e, f"{where}.add[{i}]") for i, e in enumerate(add))
        for e in add:
            if isinstance(e, dict):
                entities.setdefault(e["id"], e)
        return Highlight("prescription", nodes, steps, needs, added, entities)
    nodes, steps, needs, entities, kind = _walk(obj, where)
    return Highlight(kind, nodes, steps, needs, (), entities)


def check_against(h: Highlight, G: nx.MultiDiGraph) -> Highlight:
    """``h`` with each step's rationale filled from ``G``; raises if ``G`` lacks a node or edge.

    A result saved from one map and drawn on another (say, without the same ``--data``
    files) would otherwise emphasise nothing and list steps the page cannot show.
    """
    missing = [n for n in (*h.nodes, *h.added) if n not in G]
    if missing:
        raise HighlightError(
            "the result names nodes the map does not have: " + ", ".join(dict.fromkeys(missing))
            + " (was it computed with other --data files?)"
        )
    steps = []
    for s in h.steps:
        data = G.get_edge_data(s.source, s.target, key=s.relation)
        if data is None and s.relation == "combinesWith":  # symmetric: drawn as the map states it
            data = G.get_edge_data(s.target, s.source, key=s.relation)
            if data is not None:
                s = Step(s.target, s.source, s.relation, s.evidence, s.inferred, s.rationale)
        if data is None:
            raise HighlightError(f"the map has no {s.relation} edge from {s.source} to {s.target}")
        rationale = s.rationale if s.rationale is not None else data.get("rationale")
        evidence = s.evidence or tuple(data.get("evidence") or ())
        steps.append(Step(s.source, s.target, s.relation, evidence, s.inferred, rationale))
    return Highlight(h.kind, h.nodes, tuple(steps), h.needs, h.added, h.entities)


# ---------------------------------------------------------------------- untrusted input

#: Parameters a ``--highlight`` query may never carry: they read or write files, reach an
#: endpoint, or change what the query prints.  Text pasted from chat must not name paths.
_NOT_IN_HIGHLIGHT = frozenset({"data", "html", "report", "output", "fmt", "endpoint", "graph", "help", "csv_raw"})


def check_query_args(args: list, cmd, what: str = "--highlight") -> None:
    """Refuse ``args`` (a query's options and arguments, from a ``--highlight`` string)
    that use an option other than the query's own search options of ``cmd``: no
    ``--data``, ``--html``, ``--report``, ``--endpoint``, ``-o``, nothing that names a file.
    """
    import click

    allowed, takes_value = set(), set()
    for p in getattr(cmd, "params", ()):
        if not isinstance(p, click.Option) or p.name in _NOT_IN_HIGHLIGHT:
            continue
        if isinstance(p.type, (click.Path, click.File)):
            continue
        allowed.update(p.opts)
        allowed.update(p.secondary_opts)
        if not p.is_flag and not p.count:
            takes_value.update(p.opts)
    expect_value = False
    for a in args:
        if expect_value:
            expect_value = False
            continue
        if a == "--":
            raise HighlightError(f"{what}: '--' is not allowed in the query")
        if not a.startswith("-") or a == "-" or _is_number(a):
            continue
        opt = a.split("=", 1)[0] if a.startswith("--") else a[:2]
        if opt not in allowed or (not a.startswith("--") and len(a) > 2 and opt not in takes_value):
            own = ", ".join(sorted(o for o in allowed if o.startswith("--")))
            raise HighlightError(f"{what}: {opt} is not allowed in the query; it may use only the query's own "
                                 f"options ({own})")
        expect_value = opt in takes_value and a == opt


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_json(path: str, limits=None):
    """The JSON value in the file at ``path`` (``-``: standard input), read as untrusted:
    a regular file (no FIFO or device) within the size limit, UTF-8, nested no deeper
    than ``CCARE_MAX_DEPTH``; every fault is a :class:`~ccare.errors.DataError`."""
    import json
    import sys

    from ccare.errors import DataError
    from ccare.rdfio import prescan
    from ccare.rdfio.read import Limits, read_bounded

    limits = limits or Limits.from_env()
    if path == "-":
        data = sys.stdin.buffer.read(limits.max_file_size + 1)
        if len(data) > limits.max_file_size:
            raise DataError(path, f"over the limit of {limits.max_file_size:,} bytes (set CCARE_MAX_FILE_SIZE "
                                  "to raise it, e.g. 2G)")
    else:
        data = read_bounded(path, limits, what="a JSON file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(path, f"not UTF-8 (byte 0x{data[e.start]:02x})",
                        line=data.count(b"\n", 0, e.start) + 1) from None
    prescan.check_json_depth(data, path, limits.max_depth)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise DataError(path, f"not JSON: {e.msg}", line=e.lineno, column=e.colno) from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise DataError(path, "JSON nested too deep") from None

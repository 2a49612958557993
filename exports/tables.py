"""The map graph for other tools: GraphML, GEXF (Gephi, Cytoscape, yEd) and CSV tables.

Those formats take only scalar attributes, so :func:`flat_graph` flattens each node and
edge of a :func:`ccare.graph.build.to_networkx` graph: labels become ``label`` (in the
chosen language), ``label_zh`` and ``label_en``; lists (needs, values, domains) become
``;``-separated text; evidence becomes readable text (``openday-2023 L24 “quote”``) plus the
exact records as JSON in ``evidence_json``; ``None`` is left out.  Nodes come sorted by id,
edges by (source, target, relation), each edge with a unique id ``e0``, ``e1``, ... and its
relation in ``relation``: the same map gives the same bytes.

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("p", kind="product", labels={"zh": "支付", "en": "payment"}, needs=["WORTH"],
...            evidence=[{"source": "s", "line": 3, "quote": "支付"}])
>>> G.add_edge("p", "p", key="uses", evidence=[], inferred=False, rationale=None)
'uses'
>>> F = flat_graph(G, lang="zh")
>>> F.nodes["p"]["label"], F.nodes["p"]["needs"], F.nodes["p"]["evidence"]
('支付', 'WORTH', 's L3 “支付”')
>>> list(F.edges(keys=True, data="relation"))
[('p', 'p', 'e0', 'uses')]
>>> csv_text(G, "edges").splitlines()
['source,target,relation,inferred,rationale,evidence,iri', 'p,p,uses,false,,,']
"""

from __future__ import annotations

import io
import json
import re

import networkx as nx

from ccare.text import csvcells as csvsafe

__all__ = ["NODE_COLUMNS", "EDGE_COLUMNS", "flat_graph", "graphml_bytes", "gexf_bytes", "csv_text"]

#: CSV columns (and flattened attributes) of nodes and of edges, in order
NODE_COLUMNS = ("id", "kind", "type", "label_en", "label_zh", "needs", "values", "domains",
                "code", "value", "unit", "counts", "bound", "evidence", "iri")
EDGE_COLUMNS = ("source", "target", "relation", "inferred", "rationale", "evidence", "iri")


def _evidence_text(items) -> str:
    return "; ".join(
        f"{e.get('source') or ''} L{e['line']} “{e.get('quote') or ''}”".strip() if e.get("line") is not None
        else f"{e.get('source') or ''} “{e.get('quote') or ''}”".strip()
        for e in items or ()
    )


def _evidence_json(items) -> str:
    return json.dumps(list(items or ()), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _scalar(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v
    try:
        return float(v)  # Decimal and friends
    except (TypeError, ValueError):
        return str(v)


def _node_attrs(n, d: dict, lang: str) -> dict:
    labels = d.get("labels") or {}
    other = "zh" if lang == "en" else "en"
    out = {
        "label": labels.get(lang) or labels.get(other) or str(n),
        "label_zh": labels.get("zh"),
        "label_en": labels.get("en"),
        "kind": d.get("kind"),
        "type": d.get("type"),
        "iri": d.get("iri"),
        "needs": ";".join(d.get("needs") or ()) or None,
        "values": ";".join(d.get("values") or ()) or None,
        "domains": ";".join(d.get("domains") or ()) or None,
        "code": d.get("code"),
        # one numeric type for the whole column, as GraphML and GEXF declare one per key
        "value": float(d["value"]) if isinstance(d.get("value"), (int, float)) and not isinstance(d.get("value"), bool)
        else _scalar(d.get("value")),
        "unit": d.get("unit"),
        "counts": d.get("counts"),
        "bound": d.get("bound"),
        "evidence": _evidence_text(d.get("evidence")) or None,
        "evidence_json": _evidence_json(d.get("evidence")),
    }
    return {k: v for k, v in out.items() if v is not None}


def _edge_attrs(k, d: dict) -> dict:
    out = {
        "relation": str(k),
        "iri": d.get("iri"),
        "inferred": bool(d.get("inferred")),
        "rationale": d.get("rationale"),
        "evidence": _evidence_text(d.get("evidence")) or None,
        "evidence_json": _evidence_json(d.get("evidence")),
    }
    return {k: v for k, v in out.items() if v is not None}


def _sorted_edges(G):
    return sorted(G.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2])))


def flat_graph(G: nx.MultiDiGraph, lang: str = "en") -> nx.MultiDiGraph:
    """A new graph like ``G`` with only scalar attributes (see the module docstring)."""
    F = nx.MultiDiGraph()
    for n, d in sorted(G.nodes(data=True), key=lambda nd: str(nd[0])):
        F.add_node(str(n), **_node_attrs(n, d, lang))
    for i, (u, v, k, d) in enumerate(_sorted_edges(G)):
        F.add_edge(str(u), str(v), key=f"e{i}", **_edge_attrs(k, d))
    return F


def graphml_bytes(G: nx.MultiDiGraph, lang: str = "en") -> bytes:
    """``G`` as GraphML (UTF-8); edge ids ``e0``... are unique, relations in ``relation``."""
    buf = io.BytesIO()
    nx.write_graphml(flat_graph(G, lang), buf, encoding="utf-8", prettyprint=True, named_key_ids=True)
    return buf.getvalue()


_GEXF_META = re.compile(rb'<meta lastmodifieddate="[^"]*">\s*<creator>([^<]*)</creator>')


def gexf_bytes(G: nx.MultiDiGraph, lang: str = "en") -> bytes:
    """``G`` as GEXF 1.2 (UTF-8), without the writing date so the same map gives the same bytes."""
    F = flat_graph(G, lang)
    for u, v, k, d in F.edges(keys=True, data=True):
        d["id"] = k  # the edge's id in the file
    buf = io.BytesIO()
    nx.write_gexf(F, buf, encoding="utf-8", prettyprint=True)
    return _GEXF_META.sub(
        lambda m: b"<meta>\n    <creator>ccare (" + m.group(1) + b")</creator>", buf.getvalue(), count=1
    )


def csv_text(G: nx.MultiDiGraph, table: str, raw: bool | None = None) -> str:
    """The ``nodes`` or ``edges`` table of ``G`` as CSV text (header row first, ``\\r\\n`` lines).

    Cells a spreadsheet would run as formulas get a leading ``'`` (:mod:`ccare.text.csvcells`)
    unless ``raw`` (default: the running command's ``--csv-raw``)."""
    buf = io.StringIO()
    if table == "nodes":
        w = csvsafe.writer(buf, raw=raw)
        w.writerow(NODE_COLUMNS)
        for n, d in sorted(G.nodes(data=True), key=lambda nd: str(nd[0])):
            a = _node_attrs(n, d, "en")
            a["id"] = str(n)
            w.writerow([_cell(a.get(c)) for c in NODE_COLUMNS])
    elif table == "edges":
        w = csvsafe.writer(buf, raw=raw)
        w.writerow(EDGE_COLUMNS)
        for u, v, k, d in _sorted_edges(G):
            a = _edge_attrs(k, d)
            a.update(source=str(u), target=str(v))
            w.writerow([_cell(a.get(c)) for c in EDGE_COLUMNS])
    else:
        raise ValueError(f"unknown table {table!r} (allowed: nodes, edges)")
    return buf.getvalue()


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)

"""``ccare export graphml|gexf|csv``: the map graph for Gephi, yEd, Cytoscape and spreadsheets."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from ccare.exports.tables import EDGE_COLUMNS, NODE_COLUMNS, flat_graph, gexf_bytes, graphml_bytes

ROOT = Path(__file__).resolve().parent.parent
SCALARS = (str, int, float, bool)


def _edges(G):
    return Counter((u, v, k) for u, v, k in G.edges(keys=True))


def _reread(G, fmt: str, data: bytes):
    if fmt == "graphml":
        return nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    return nx.read_gexf(io.BytesIO(data))


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_reread_by_networkx(ccare, G, fmt):
    r = ccare("export", fmt, "-o", "-")
    assert r.exit_code == 0, r.output
    H = _reread(G, fmt, r.stdout_bytes)
    assert H.is_directed() and H.is_multigraph()
    assert set(H.nodes) == set(G.nodes)
    assert Counter((u, v, d["relation"]) for u, v, d in H.edges(data=True)) == _edges(G)
    fan = H.nodes["fan-group"]
    assert (fan["label_zh"], fan["label_en"], fan["label"]) == (
        "商家粉丝群",
        "merchant fan group",
        "merchant fan group",
    )
    assert fan["kind"] == "product" and fan["needs"] == "ACTIVE;WORTH" and "L24" in fan["evidence"]
    inferred = {(u, v, d["relation"]): d["inferred"] for u, v, d in H.edges(data=True)}
    assert inferred[("zhima-credit", "mini-program", "userFlowsTo")] is True
    assert inferred[("fan-group", "coupons", "combinesWith")] is False
    for _, d in H.nodes(data=True):
        assert all(isinstance(v, SCALARS) for v in d.values()), d
    fact = H.nodes["zhima-credit-users"]
    assert fact["value"] == 700000000 and fact["unit"] == "NUM"


@pytest.mark.parametrize("fmt,writer", [("graphml", graphml_bytes), ("gexf", gexf_bytes)])
def test_same_map_same_bytes(G, fmt, writer):
    assert writer(G) == writer(G.copy())
    assert b"lastmodifieddate" not in writer(G)


def test_label_language(ccare):
    r = ccare("export", "graphml", "-o", "-", "--lang", "zh")
    H = nx.read_graphml(io.BytesIO(r.stdout_bytes), force_multigraph=True)
    assert H.nodes["fan-group"]["label"] == "商家粉丝群"


def test_graphml_edge_ids_are_unique(G):
    H = nx.read_graphml(io.BytesIO(graphml_bytes(G)), force_multigraph=True)
    keys = [k for _, _, k in H.edges(keys=True)]
    assert len(keys) == len(set(keys)) == G.number_of_edges()


def test_flat_graph_does_not_touch_its_input(G):
    before = nx.to_dict_of_dicts(G), dict(G.nodes(data=True))["fan-group"].copy()
    flat_graph(G)
    assert (nx.to_dict_of_dicts(G), dict(G.nodes(data=True))["fan-group"]) == before


def test_written_to_a_file_with_data(ccare, tmp_path, G):
    out = tmp_path / "map.gexf"
    r = ccare("export", "gexf", "-o", str(out), "--data", str(ROOT / "examples" / "extension.ttl"))
    assert r.exit_code == 0, r.output
    H = nx.read_gexf(out)
    assert H.number_of_nodes() > G.number_of_nodes()


# ---------------------------------------------------------------------- csv


def _rows(text: str):
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_tables_in_a_directory(ccare, tmp_path, G):
    r = ccare("export", "csv", "-o", str(tmp_path))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edges.csv", "nodes.csv"]
    nodes = _rows((tmp_path / "nodes.csv").read_text(encoding="utf-8"))
    edges = _rows((tmp_path / "edges.csv").read_text(encoding="utf-8"))
    assert tuple(nodes[0]) == NODE_COLUMNS and tuple(edges[0]) == EDGE_COLUMNS
    assert [n["id"] for n in nodes] == sorted(G.nodes)
    assert Counter((e["source"], e["target"], e["relation"]) for e in edges) == _edges(G)
    fan = next(n for n in nodes if n["id"] == "fan-group")
    assert fan["label_zh"] == "商家粉丝群" and fan["values"] == "convertible;interactive;value-adding"
    flow = next(
        e for e in edges if (e["source"], e["target"], e["relation"]) == ("zhima-credit", "mini-program", "userFlowsTo")
    )
    assert flow["inferred"] == "true" and flow["rationale"] and "L26" in flow["evidence"]


def test_csv_one_table_to_stdout(ccare, G):
    r = ccare("export", "csv", "--table", "edges", "-o", "-")
    assert r.exit_code == 0, r.output
    assert len(_rows(r.stdout)) == G.number_of_edges()
    assert not r.stdout.startswith("\ufeff")


def test_csv_bom_for_excel(ccare, tmp_path):
    out = tmp_path / "nodes.csv"
    r = ccare("export", "csv", "--table", "nodes", "--bom", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid,")


def test_csv_usage_errors(ccare, tmp_path):
    r = ccare("export", "csv", "-o", str(tmp_path / "nodes.csv"))
    assert r.exit_code == 2
    assert "give an existing directory" in r.output
    r = ccare("export", "csv", "--table", "nodes", "-o", str(tmp_path))
    assert r.exit_code == 2
    assert "is a directory" in r.output
    r = ccare("export", "csv", "--table", "vertices", "-o", "-")
    assert r.exit_code == 2
    assert "'vertices' is not one of 'nodes', 'edges'" in r.output

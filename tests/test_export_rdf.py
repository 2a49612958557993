"""``ccare export ttl|nt|jsonld|xml``: the merged map, deterministic, round-trip isomorphic."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic

from ccare.exports.inference import entailed
from ccare.exports.rdf import FORMATS, canonical_graph, serialize
from ccare.kb.model import load
from ccare.ontology import CC, ID
from ccare.rdfio.read import parse_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "extension.ttl"
#: ccare's export format -> the rdflib format name rdfio parses it with
PARSE_AS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml"}


def _parse(data: bytes, fmt: str) -> Graph:
    g = Graph()
    parse_text(g, data, PARSE_AS[fmt], name=f"export.{fmt}")
    return g


def _canonical_nt(g: Graph) -> list[str]:
    """Sorted canonical N-Triples: equal for two graphs exactly when they are isomorphic."""
    return serialize(g, "nt").decode("utf-8").splitlines()


def _assert_isomorphic(a: Graph, b: Graph):
    left, right = _canonical_nt(a), _canonical_nt(b)
    if left != right:
        only_a = sorted(set(left) - set(right))[:10]
        only_b = sorted(set(right) - set(left))[:10]
        pytest.fail(f"not isomorphic\nonly in loaded: {only_a}\nonly in export: {only_b}")


def test_format_table_matches_the_cli(ccare):
    r = ccare("export", "--help")
    for fmt in FORMATS:
        assert f"  {fmt} " in r.output


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_round_trip_of_the_shipped_map(kb, fmt):
    data = serialize(kb.graph, fmt)
    back = _parse(data, fmt)
    assert len(back) == len(kb.graph)
    _assert_isomorphic(kb.graph, back)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_round_trip_isomorphic_by_rdflib(fmt):
    """rdflib's own isomorphism check, on a graph with blank nodes it can compare quickly."""
    kb = load([EXAMPLE], shipped=False)
    back = _parse(serialize(kb.graph, fmt), fmt)
    if not isomorphic(kb.graph, back):
        _, only_loaded, only_export = graph_diff(kb.graph, back)
        pytest.fail(
            f"only loaded:\n{only_loaded.serialize(format='nt')}\nonly export:\n{only_export.serialize(format='nt')}"
        )


def test_same_map_in_another_order_gives_the_same_bytes(kb):
    triples = list(kb.graph)
    random.Random(7).shuffle(triples)
    other = Graph()
    for prefix, ns in reversed(list(kb.graph.namespaces())):
        other.bind(prefix, ns)
    for t in triples:
        other.add(t)
    # fresh blank-node ids, as a second load would have
    relabel = {}
    renamed = Graph()
    for prefix, ns in other.namespaces():
        renamed.bind(prefix, ns)
    for s, p, o in other:
        s, o = (relabel.setdefault(x, type(x)()) if type(x).__name__ == "BNode" else x for x in (s, o))
        renamed.add((s, p, o))
    for fmt in FORMATS:
        assert serialize(renamed, fmt) == serialize(kb.graph, fmt), fmt


_DIGEST = """
import hashlib, sys
from ccare.kb.model import load
from ccare.exports.rdf import FORMATS, serialize
g = load().graph
for fmt in sorted(FORMATS):
    print(fmt, hashlib.sha256(serialize(g, fmt)).hexdigest())
for fmt in ("ttl", "xml"):  # the serializers whose order rdflib's store decides
    print(fmt, "inferred", hashlib.sha256(serialize(g, fmt, inferred=True)).hexdigest())
"""


def test_bytes_do_not_depend_on_the_process():
    """Two processes with different hash seeds (set and dict orders differ) write the same bytes."""
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = subprocess.run([sys.executable, "-c", _DIGEST], capture_output=True, text=True, env=env, check=True)
        outs.append(r.stdout)
    assert outs[0] == outs[1]
    assert len(outs[0].splitlines()) == len(FORMATS) + 2


def test_blank_nodes_get_canonical_labels(kb):
    labels = {str(t) for triple in canonical_graph(kb.graph) for t in triple if type(t).__name__ == "BNode"}
    assert labels and all(lab.startswith("c14n") for lab in labels)


def test_nt_is_sorted_lines(kb):
    lines = serialize(kb.graph, "nt").decode("utf-8").splitlines()
    assert lines == sorted(lines) and len(lines) == len(kb.graph)


def test_turtle_keeps_the_map_prefixes_and_chinese_text(kb):
    text = serialize(kb.graph, "ttl").decode("utf-8")
    assert "PREFIX cc: <https://w3id.org/ccare/ontology#>" in text
    assert "商家粉丝群" in text


def test_jsonld_is_compact_and_uses_only_prefixes_it_needs(kb):
    data = json.loads(serialize(kb.graph, "jsonld"))
    ctx = data["@context"]
    assert ctx["cc"] == str(CC._NS) and "brick" not in ctx
    nodes = data["@graph"]
    assert nodes == sorted(nodes, key=lambda n: json.dumps(n, sort_keys=True, ensure_ascii=False))
    (fan,) = [n for n in nodes if n["@id"] == "ccid:fan-group"]
    assert {"@language": "zh", "@value": "商家粉丝群"} in fan["rdfs:label"]


# ---------------------------------------------------------------------- --inferred


def test_inferred_adds_the_vocabulary_entailments(kb):
    plain = _parse(serialize(kb.graph, "nt"), "nt")
    more = _parse(serialize(kb.graph, "nt", inferred=True), "nt")
    def ground(g):
        return {t for t in g if not any(type(x).__name__ == "BNode" for x in t)}

    assert ground(plain) < ground(more) and len(plain) < len(more)
    fan, coupons = ID["fan-group"], ID["coupons"]
    # super-property: every user flow is a flow
    pay = ID["payment"]
    assert (pay, CC.userFlowsTo, fan) in plain and (pay, CC.flowsTo, fan) not in plain
    assert (pay, CC.flowsTo, fan) in more
    # superclass: a core product is a product and an offering
    assert (fan, RDF.type, CC.Product) in more and (fan, RDF.type, CC.Offering) in more
    # symmetric property runs both ways
    assert (coupons, CC.combinesWith, fan) in more
    # range typing: the object of cc:dataFlowsTo is a product
    assert (ID["qipan-miyun"], RDF.type, CC.Product) in more


def test_inference_is_a_closure_and_bounded(kb):
    new = entailed(kb.graph)
    merged = Graph()
    for t in kb.graph:
        merged.add(t)
    for t in new:
        merged.add(t)
    assert len(entailed(merged)) == 0  # nothing more follows
    assert len(new) < 2 * len(kb.graph)
    # no noise about every resource
    assert not any(o == URIRef("http://www.w3.org/2000/01/rdf-schema#Resource") for _, _, o in new)


def test_inference_handles_cyclic_hierarchies():
    g = Graph()
    a, b = URIRef("http://example.org/A"), URIRef("http://example.org/B")
    sub = URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    g.add((a, sub, b))
    g.add((b, sub, a))
    g.add((URIRef("http://example.org/x"), RDF.type, a))
    assert (URIRef("http://example.org/x"), RDF.type, b) in entailed(g)


# ---------------------------------------------------------------------- CLI


def test_cli_writes_stdout_with_dash(ccare, kb):
    r = ccare("export", "ttl", "-o", "-")
    assert r.exit_code == 0, r.output
    back = Graph()
    parse_text(back, r.stdout_bytes, "turtle")
    assert len(back) == len(kb.graph)


def test_cli_writes_a_file_and_merges_data(ccare, tmp_path, kb):
    out = tmp_path / "map.nt"
    r = ccare("export", "nt", "-o", str(out), "--data", str(EXAMPLE))
    assert r.exit_code == 0, r.output
    assert "Wrote N-Triples to" in r.stderr
    g = _parse(out.read_bytes(), "nt")
    assert len(g) > len(kb.graph)
    assert r.stdout == ""


def test_cli_output_directory_must_exist(ccare, tmp_path):
    r = ccare("export", "ttl", "-o", str(tmp_path / "missing" / "map.ttl"))
    assert r.exit_code == 1
    assert r.output.strip().endswith(f"directory {tmp_path / 'missing'} does not exist")


def test_cli_failed_write_leaves_the_old_file(ccare, tmp_path, monkeypatch):
    out = tmp_path / "map.ttl"
    out.write_text("old", encoding="utf-8")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    r = ccare("export", "ttl", "-o", str(out))
    assert r.exit_code == 1
    assert f"Error: {out}: No space left on device" in r.output
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["map.ttl"]


def test_cli_inferred_flag(ccare):
    plain = ccare("export", "nt", "-o", "-")
    more = ccare("export", "nt", "-o", "-", "--inferred")
    assert plain.exit_code == more.exit_code == 0
    def flows(text):
        return [line for line in text.splitlines() if line.split(" ")[1] == f"<{CC.flowsTo}>"]

    assert not flows(plain.stdout)
    assert len(flows(more.stdout)) >= 15  # one per user or data flow


def test_cli_bad_data_names_the_file(ccare, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    r = ccare("export", "ttl", "-o", "-", "--data", str(bad))
    assert r.exit_code == 1
    assert str(bad) in r.output and "line 1" in r.output


def test_oxigraph_agrees_the_export_is_the_map(kb):
    """An independent parser reads the Turtle export back to the same number of triples."""
    quads = list(ox.parse(serialize(kb.graph, "ttl"), format=ox.RdfFormat.TURTLE))
    assert len(quads) == len(kb.graph)


def test_canonical_labelling_is_bounded(tmp_path):
    # a clique of 10 blank nodes: RDFC-1.0 needs factorial work to label it; the export
    # must stop at the limit with a clear error and leave no file (a real process, so that
    # a broken bound fails the test at the subprocess timeout instead of hanging it)
    import os
    import subprocess
    import sys
    from pathlib import Path

    poison = Path(__file__).parent / "data" / "exports" / "poison-clique.nt"
    out = tmp_path / "map.nt"
    env = {**os.environ, "CCARE_CANONICAL_TIMEOUT": "1", "CCARE_NO_CACHE": "1"}
    r = subprocess.run([sys.executable, "-m", "ccare", "export", "nt", "--data", str(poison), "-o", str(out)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1, r.stderr
    assert "labelling the blank nodes for a deterministic export stopped: time limit 1s reached" in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []

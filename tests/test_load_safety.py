"""Loading untrusted files: no network, no stray files, bounded work, clean errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import RDFS, Graph, URIRef

from ccare.errors import DataError, UsageError
from ccare.kb.model import KnowledgeBase
from ccare.query.shacl import PYSHACL_OPTIONS
from ccare.rdfio import prescan
from ccare.rdfio.read import Limits, parse_file, parse_text, read_bounded
from loopback import loopback_server

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
ROOT = Path(__file__).resolve().parent.parent


def _run(*args, env=None, cwd=None):
    """``python -m ccare`` in a real process (a crash there cannot take pytest down)."""
    full = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "ccare", *args], capture_output=True, text=True,
                          env=full, cwd=cwd or ROOT, timeout=120)


# -- no network, no stray files ----------------------------------------------------------

@pytest.mark.parametrize("shape", [
    '{{"@context": "{url}/context.jsonld", "@id": "http://ex/a", "name": "x"}}',
    '[{{"@context": ["{url}/one.jsonld", "{url}/two.jsonld"], "@id": "http://ex/a"}}]',
    '{{"@context": {{"@import": "{url}/import.jsonld"}}, "@id": "http://ex/a"}}',
    '{{"@context": {{"ex": "http://ex/", "ex:p": {{"@context": "{url}/scoped.jsonld"}}}}, '
    '"@id": "ex:a", "ex:p": {{"ex:q": 1}}}}',
])
def test_jsonld_remote_context_is_refused_without_a_request(ccare, tmp_path, shape):
    with loopback_server() as server:
        f = tmp_path / "remote.jsonld"
        f.write_text(shape.format(url=server.url), encoding="utf-8")
        r = ccare("info", "--data", str(f))
        assert r.exit_code == 1
        assert "names another document; ccare never fetches contexts" in r.stderr
        assert server.requests == []


def test_jsonld_file_context_is_not_read(ccare, tmp_path):
    ctx = tmp_path / "ctx.jsonld"
    ctx.write_text('{"@context": {"name": "http://schema.org/name"}}', encoding="utf-8")
    doc = tmp_path / "doc.jsonld"
    doc.write_text('{"@context": "ctx.jsonld", "@id": "http://ex/a", "name": "x"}', encoding="utf-8")
    r = ccare("info", "--data", str(doc))
    assert r.exit_code == 1
    assert r.stderr == (f"Error: {doc}, line 1, column 14: JSON-LD @context 'ctx.jsonld' names another document; "
                        "ccare never fetches contexts (no network, no other files): put the context in the file "
                        "as a JSON object\n")


def test_inline_context_loads(ccare, tmp_path):
    doc = tmp_path / "doc.jsonld"
    doc.write_text(json.dumps({"@context": {"ccid": "https://w3id.org/ccare/id/",
                                            "label": {"@id": "http://www.w3.org/2000/01/rdf-schema#label",
                                                      "@language": "en"}},
                               "@id": "ccid:inline-ctx", "label": "inline [context] {ok}"}), encoding="utf-8")
    r = ccare("show", "inline-ctx", "--data", str(doc))
    assert r.exit_code == 0 and "inline [context] {ok}" in r.stdout


def test_validate_follows_no_imports(ccare, tmp_path):
    assert PYSHACL_OPTIONS["do_owl_imports"] is False and PYSHACL_OPTIONS["advanced"] is False
    assert PYSHACL_OPTIONS["inference"] == "none" and PYSHACL_OPTIONS["js"] is False
    with loopback_server() as server:
        f = tmp_path / "imports.ttl"
        f.write_text(
            "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
            "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
            f"<https://w3id.org/ccare/id/x> a owl:Ontology ; owl:imports <{server.url}/onto.ttl> ;\n"
            f"    sh:shapesGraph <{server.url}/shapes.ttl> .\n",
            encoding="utf-8",
        )
        r = ccare("validate", str(f), "--format", "json")
        assert r.exit_code in (0, 1) and "conforms" in r.stdout
        assert server.requests == []


# -- all or nothing ---------------------------------------------------------------------------

def test_a_failed_parse_adds_nothing():
    g = Graph()
    parse_text(g, "<http://ex/a> <http://ex/b> 1 .", "turtle")
    with pytest.raises(DataError):
        parse_text(g, "<http://ex/c> <http://ex/d> 2 .\n<http://ex/e> <http://ex/f> 3 .\n<http://ex/g> <http://ex/h> .",
                   "turtle", name="half.ttl")
    assert len(g) == 1


def test_read_bounded_refuses_devices_and_directories(tmp_path):
    with pytest.raises(DataError, match="is a device, not an RDF file"):
        read_bounded("/dev/zero")
    with pytest.raises(DataError, match="is a directory, not an RDF file"):
        read_bounded(tmp_path)
    with pytest.raises(DataError, match="no such file"):
        read_bounded(tmp_path / "missing.ttl")


def test_limits_from_environment():
    assert Limits.from_env({}) == Limits()
    assert Limits().max_file_size == 512 * 2**20 and Limits().max_literal == 2**20 and Limits().max_depth == 128
    lim = Limits.from_env({"CCARE_MAX_FILE_SIZE": "1.5G", "CCARE_MAX_LITERAL": "10k", "CCARE_MAX_DEPTH": "500"})
    assert (lim.max_file_size, lim.max_literal, lim.max_depth) == (int(1.5 * 2**30), 10240, 500)
    for bad in ("0", "-1", "lots", "12Q"):
        with pytest.raises(UsageError, match="CCARE_MAX_DEPTH must be a positive number"):
            Limits.from_env({"CCARE_MAX_DEPTH": bad})


def test_default_literal_limit(tmp_path):
    f = tmp_path / "big.nt"
    f.write_text(f'<http://ex/a> <http://ex/b> "{"x" * (2**20 + 1)}" .\n', encoding="utf-8")
    with pytest.raises(DataError) as e:
        parse_file(Graph(), f)
    assert str(e.value) == (f"{f}, line 1: a literal of 1,048,577 characters, over the limit of 1,048,576 "
                            "(set CCARE_MAX_LITERAL to raise it)")
    assert parse_file(Graph(), f, limits=Limits(max_literal=2**21)) == 1


def test_long_iri_is_refused():
    with pytest.raises(DataError, match="an IRI of 2,000 characters, over the limit of 1,000"):
        parse_text(Graph(), f"<http://ex/{'a' * 1990}> <http://ex/b> 1 .", "turtle", limits=Limits(max_literal=1000))


# -- bounded work --------------------------------------------------------------------------------

def test_billion_laughs_is_refused_at_once():
    data = (HOSTILE / "billion-laughs.rdf").read_bytes()
    t = time.perf_counter()
    with pytest.raises(DataError, match="DOCTYPE is refused"):
        parse_text(Graph(), data, "xml", name="lol.rdf")
    assert time.perf_counter() - t < 0.5


def test_deep_jsonld_would_crash_the_parser_and_is_refused(tmp_path):
    """pyoxigraph overflows its stack (SIGSEGV) on JSON-LD nested ~5,000 deep; ccare never gets there."""
    f = tmp_path / "deep.jsonld"
    f.write_text('{"@id": "http://ex/a", ' + '"http://ex/p": {' * 20000 + '"http://ex/q": "x"' + "}" * 20000 + "}",
                 encoding="utf-8")
    r = _run("info", "--data", str(f))
    assert r.returncode == 1, r.stderr
    assert r.stderr == (f"Error: {f}, line 1, column 2071: JSON nested deeper than 128 levels; "
                        "set CCARE_MAX_DEPTH to raise the limit\n")


def test_deep_xml_is_refused_quickly():
    data = b"<a>" * 200_000 + b"</a>" * 200_000
    t = time.perf_counter()
    with pytest.raises(DataError, match="nested deeper than 128 levels"):
        parse_text(Graph(), data, "xml", name="deep.rdf")
    assert time.perf_counter() - t < 2


def test_brackets_inside_json_strings_do_not_count():
    text = json.dumps({"@id": "http://ex/a", "http://ex/p": "[" * 1000 + '\\"{' * 500, "http://ex/q": "]]]}}}"})
    assert parse_text(Graph(), text, "json-ld", limits=Limits(max_depth=3)) == 2
    deep = '{"a": {"b": {"c": {"d": 1}}}}'
    with pytest.raises(DataError, match="deeper than 3 levels"):
        prescan.check_json_depth(deep.encode(), "x.json", 3)


def test_superclass_cycles_and_long_chains():
    g = Graph()
    a, b, c = (URIRef(f"http://ex/{n}") for n in "abc")
    g.add((a, RDFS.subClassOf, b))
    g.add((b, RDFS.subClassOf, c))
    g.add((c, RDFS.subClassOf, a))
    g.add((c, RDFS.subClassOf, c))
    sup = KnowledgeBase(g)._superclasses
    assert sup[a] == {a, b, c} and sup[c] == {a, b, c}

    chain = Graph()
    classes = [URIRef(f"http://ex/c{i}") for i in range(1500)]
    for lo, hi in zip(classes, classes[1:]):
        chain.add((lo, RDFS.subClassOf, hi))
    sup = KnowledgeBase(chain)._superclasses  # the old recursive closure overflowed here
    assert len(sup[classes[0]]) == 1499

    huge = Graph()
    classes = [URIRef(f"http://ex/c{i}") for i in range(2200)]
    for lo, hi in zip(classes, classes[1:]):
        huge.add((lo, RDFS.subClassOf, hi))
    with pytest.raises(DataError, match="the class hierarchy is too large to close"):
        KnowledgeBase(huge)._superclasses


@pytest.mark.parametrize("engine, limit", [("pyshacl", "0.2"), ("native", "0.001")])
def test_validate_timeout(ccare, engine, limit):
    """On the shipped map and the extension pySHACL takes about 0.7 s, ccare's engine about
    0.1 s (measured): each is stopped by a limit well under what it needs."""
    r = ccare("validate", "examples/extension.ttl", "--timeout", limit, "--engine", engine)
    assert r.exit_code == 3
    assert r.stderr == f"Error: validation cut short: time limit {limit}s reached (raise it with --timeout)\n"


# -- nothing leaks to the terminal ------------------------------------------------------------------

@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_ill_typed_literals_print_no_traceback(store):
    r = _run("sparql", "SELECT ?o WHERE { ccid:odd ?p ?o }", "--data", "ill-typed.ttl",
             env={"CCARE_STORE": store}, cwd=HOSTILE)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and "not a number" in r.stdout
    debug = _run("--debug", "sparql", "SELECT ?o WHERE { ccid:odd ?p ?o }", "--data", "ill-typed.ttl",
                 env={"CCARE_STORE": store}, cwd=HOSTILE)
    assert "Failed to convert Literal lexical form" in debug.stderr  # --debug still shows it

"""``ccare sparql``: read-only, checked on the parsed query, bounded in time and rows."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from rdflib import Graph

from ccare.ontology import CC, ID
from ccare.query.sparql import QueryRefused, QuerySyntaxError, prepare
from loopback import loopback_server

FAN_VALUES = "SELECT ?v WHERE { ccid:fan-group cc:serves ?v } ORDER BY ?v"


# -- answers -----------------------------------------------------------------------------

def test_select_table_shows_ids_and_labels(ccare):
    r = ccare("sparql", FAN_VALUES)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == ["v", "------------", "convertible", "interactive", "value-adding"]
    zh = ccare("sparql", FAN_VALUES, "--lang", "zh")
    assert "interactive (可互动)" in zh.stdout


def test_select_csv_is_sparql_csv(ccare):
    r = ccare("sparql", FAN_VALUES, "--format", "csv")
    assert r.exit_code == 0
    assert r.stdout_bytes.decode() == f"v\r\n{ID['convertible']}\r\n{ID['interactive']}\r\n{ID['value-adding']}\r\n"


def test_select_json_is_sparql_results_json(ccare, kb):
    r = ccare("sparql",
              "SELECT ?p ?label WHERE { ?p a cc:CoreProduct ; rdfs:label ?label FILTER(lang(?label) = 'zh') }",
              "--format", "json")
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["head"]["vars"] == ["p", "label"]
    rows = {b["p"]["value"]: b["label"] for b in d["results"]["bindings"]}
    assert set(rows) == {str(p) for p in kb.instances(CC.CoreProduct)}
    assert rows[str(ID["fan-group"])] == {"type": "literal", "value": "商家粉丝群", "xml:lang": "zh"}


def test_answers_agree_with_the_graph(ccare, kb):
    d = json.loads(ccare("sparql", "SELECT ?p ?v WHERE { ?p cc:serves ?v }", "--format", "json").stdout)
    got = {(b["p"]["value"], b["v"]["value"]) for b in d["results"]["bindings"]}
    assert got == {(str(s), str(o)) for s, o in kb.graph.subject_objects(CC.serves)}


@pytest.mark.parametrize("fmt,yes,no", [
    ("table", "true\n", "false\n"),
    ("csv", "true\r\n", "false\r\n"),
    ("json", '{\n  "head": {},\n  "boolean": true\n}\n', '{\n  "head": {},\n  "boolean": false\n}\n'),
])
def test_ask(ccare, fmt, yes, no):
    assert ccare("sparql", "ASK { ccid:fan-group a cc:CoreProduct }", "--format", fmt).stdout_bytes.decode() == yes
    assert ccare("sparql", "ASK { ccid:fan-group a cc:Need }", "--format", fmt).stdout_bytes.decode() == no


def test_construct_is_turtle_in_table_format(ccare, kb):
    r = ccare("sparql", "CONSTRUCT { ?p cc:serves ?v } WHERE { ?p cc:serves ?v }")
    assert r.exit_code == 0
    g = Graph().parse(data=r.stdout, format="turtle")
    assert set(g) == {(s, CC.serves, o) for s, o in kb.graph.subject_objects(CC.serves)}
    assert "@prefix ccid: <https://w3id.org/ccare/id/>" in r.stdout


def test_construct_csv_and_json_are_triples(ccare):
    q = "CONSTRUCT { ccid:fan-group cc:serves ?v } WHERE { ccid:fan-group cc:serves ?v }"
    rows = list(csv.reader(io.StringIO(ccare("sparql", q, "--format", "csv").stdout)))
    assert rows[0] == ["subject", "predicate", "object"]
    assert sorted(r[2] for r in rows[1:]) == [str(ID["convertible"]), str(ID["interactive"]), str(ID["value-adding"])]
    d = json.loads(ccare("sparql", q, "--format", "json").stdout)
    assert d["head"]["vars"] == ["subject", "predicate", "object"]
    assert {b["predicate"]["value"] for b in d["results"]["bindings"]} == {str(CC.serves)}


def test_describe(ccare):
    r = ccare("sparql", "DESCRIBE ccid:payment")
    assert r.exit_code == 0
    g = Graph().parse(data=r.stdout, format="turtle")
    assert (ID["payment"], None, None) in g


def test_data_files_are_queried(ccare):
    r = ccare("sparql", "SELECT ?v WHERE { ccid:smart-menu cc:serves ?v }", "--data", "examples/extension.ttl")
    assert r.exit_code == 0 and "convertible" in r.stdout


def test_query_from_file_and_stdin(ccare, tmp_path):
    f = tmp_path / "q.rq"
    f.write_text("# values of the fan group\n" + FAN_VALUES, encoding="utf-8")
    assert "value-adding" in ccare("sparql", "--file", str(f)).stdout
    assert "value-adding" in ccare("sparql", "--file", "-", input=FAN_VALUES).stdout


def test_output_file_written_whole(ccare, tmp_path):
    out = tmp_path / "values.csv"
    r = ccare("sparql", FAN_VALUES, "--format", "csv", "-o", str(out))
    assert r.exit_code == 0 and r.stdout == ""
    assert out.read_text(encoding="utf-8").splitlines()[1] == str(ID["convertible"])


def test_no_results_is_a_sentence(ccare):
    r = ccare("sparql", "SELECT ?x WHERE { ?x a cc:NoSuchClass }")
    assert r.exit_code == 0 and r.stdout == "No results.\n"


# -- usage and syntax errors ---------------------------------------------------------------

@pytest.mark.parametrize("args", [[], [FAN_VALUES, "--file", "q.rq"]])
def test_query_xor_file_is_usage(ccare, args):
    r = ccare("sparql", *args)
    assert r.exit_code == 2
    assert r.stderr.strip().endswith("Error: give the query either as QUERY or with --file FILE (- for standard input)")


def test_syntax_error_names_line_and_column(ccare):
    r = ccare("sparql", "SELECT ?x WHERE {\n  ?x ?p ?o\n  FILTER(?x = ) }")
    assert r.exit_code == 1
    assert r.stderr == (
        "Error: SPARQL syntax error at line 3, column 3: Expected SelectQuery, found 'FILTER'\n"
        "    FILTER(?x = ) }\n"
        "    ^\n"
    )


def test_syntax_error_at_end(ccare):
    r = ccare("sparql", "SELECT ?x WHERE { ?x ?p ?o")
    assert r.exit_code == 1
    assert (
        r.stderr.splitlines()[0]
        == "Error: SPARQL syntax error at line 1, column 27: Expected SelectQuery, found end of text"
    )


def test_unknown_prefix(ccare):
    r = ccare("sparql", "SELECT * WHERE { ?s xx:p ?o }")
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: unknown prefix 'xx': declare it with PREFIX xx: <...> (known: cc, ccid,")


def test_empty_query(ccare):
    r = ccare("sparql", "  \n ")
    assert (r.exit_code, r.stderr) == (1, "Error: the query is empty\n")


def test_query_file_not_utf8(ccare, tmp_path):
    f = tmp_path / "q.rq"
    f.write_bytes("SELECT * WHERE { ?s ?p 'caf\xe9' }".encode("latin-1"))
    r = ccare("sparql", "--file", str(f))
    assert r.exit_code == 1
    assert "line 1, column 28: byte 0xE9 is not UTF-8" in r.stderr


def test_endpoint_is_not_silently_ignored(ccare):
    r = ccare("sparql", FAN_VALUES, "--endpoint", "http://127.0.0.1:9/query")
    assert r.exit_code in (1, 2)  # refused or unreachable, never an answer from the local copy
    assert "value-adding" not in r.stdout


# -- refused ---------------------------------------------------------------------------------

UPDATES = [
    ("INSERT DATA { <http://ex/a> <http://ex/b> <http://ex/c> }", "InsertData"),
    ("DELETE DATA { <http://ex/a> <http://ex/b> <http://ex/c> }", "DeleteData"),
    ("DELETE WHERE { ?s ?p ?o }", "DeleteWhere"),
    ("DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "Modify"),
    ("WITH <http://ex/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "Modify"),
    ("LOAD <http://127.0.0.1:9/data.ttl>", "Load"),
    ("CLEAR ALL", "Clear"),
    ("DROP GRAPH <http://ex/g>", "Drop"),
    ("CREATE GRAPH <http://ex/g>", "Create"),
    ("COPY DEFAULT TO <http://ex/g>", "Copy"),
    ("MOVE <http://ex/g> TO DEFAULT", "Move"),
    ("ADD <http://ex/g> TO DEFAULT", "Add"),
    ("PREFIX ex: <http://ex/> INSERT DATA { ex:a ex:b ex:c } ; CLEAR ALL", "InsertData, Clear"),
    ("INSERT DATA { <http://ex/a> <http://ex/b> }", "INSERT"),  # malformed, still an update
]


@pytest.mark.parametrize("query,ops", UPDATES)
def test_updates_are_refused(ccare, kb, query, ops):
    before = len(kb.graph)
    r = ccare("sparql", query)
    assert r.exit_code == 1
    assert r.stderr == f"Error: refused: SPARQL updates ({ops}) are not allowed; ccare sparql only reads the map\n"
    assert len(kb.graph) == before


def test_refusal_is_on_the_parse_not_the_text(ccare):
    # the words of an update inside a string or an IRI do not make a query an update
    r = ccare("sparql", 'SELECT ?x WHERE { BIND("INSERT DATA { } ; LOAD <x>" AS ?x) }')
    assert r.exit_code == 0 and "INSERT DATA" in r.stdout
    r = ccare("sparql", "ASK { <http://ex/SERVICE> <http://ex/FROM> ?o }")
    assert (r.exit_code, r.stdout) == (0, "false\n")


SERVICE_QUERIES = [
    "SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <{url}/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE <{url}/sparql> { ?s ?p ?o } } } LIMIT 1",
    "SELECT * WHERE { ?a ?b ?c FILTER EXISTS { SERVICE <{url}/sparql> { ?a ?p ?o } } } LIMIT 1",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } } } }",
    "ASK { SERVICE <{url}/sparql> { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
]


@pytest.mark.parametrize("template", SERVICE_QUERIES)
def test_service_is_refused_and_nothing_is_sent(ccare, template):
    with loopback_server() as server:
        r = ccare("sparql", template.replace("{url}", server.url), "--timeout", "10")
        assert r.exit_code == 1
        assert r.stderr == (f"Error: refused: SERVICE <{server.url}/sparql> would send the query to another "
                            "endpoint; ccare sparql queries the loaded map only\n")
        assert server.requests == []


@pytest.mark.parametrize("clause", ["FROM", "FROM NAMED"])
def test_from_is_refused_and_nothing_is_read(ccare, tmp_path, clause):
    secret = tmp_path / "secret.ttl"
    secret.write_text("<http://ex/secret> <http://ex/is> 'leaked' .\n", encoding="utf-8")
    with loopback_server() as server:
        for src in (f"{server.url}/graph.ttl", secret.as_uri()):
            r = ccare("sparql", f"SELECT * {clause} <{src}> WHERE {{ ?s ?p ?o }}")
            assert r.exit_code == 1
            assert r.stderr == (f"Error: refused: {clause} <{src}> would load another graph; ccare sparql "
                                "queries the loaded map only (add files with --data)\n")
            assert "leaked" not in r.output
        assert server.requests == []


def test_the_loopback_server_would_have_seen_a_request():
    """The harness can fail: a real request is recorded."""
    import urllib.request

    with loopback_server() as server:
        urllib.request.urlopen(f"{server.url}/sparql?query=x", timeout=5).read()
        assert server.requests == [("GET", "/sparql?query=x")]


def test_graph_is_explained(ccare):
    r = ccare("sparql", "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: GRAPH is not supported: the loaded map is one graph, without named graphs\n",
    )


def test_library_refusals():
    with pytest.raises(QueryRefused):
        prepare("SELECT * WHERE { SERVICE <http://ex/> { ?s ?p ?o } }", {})
    with pytest.raises(QuerySyntaxError) as e:
        prepare("SELECT ?x WHERE { ?x ?p }", {})
    assert (e.value.line, e.value.column) == (1, 19)


# -- bounded ---------------------------------------------------------------------------------

CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_runaway_query_is_stopped(ccare):
    t = time.monotonic()
    r = ccare("sparql", CROSS_JOIN, "--timeout", "1")
    assert time.monotonic() - t < 10
    assert r.exit_code == 3
    assert r.stdout == ""
    assert r.stderr == "Cut short: time limit 1s reached, before the query gave any result (raise --timeout).\n"


def test_catastrophic_regex_is_stopped(ccare, tmp_path):
    """A regular expression that backtracks for ages runs in C: only a process can be stopped there."""
    data = tmp_path / "redos.nt"
    data.write_text(f'<http://ex/x> <http://ex/p> "{"a" * 40}!" .\n', encoding="utf-8")
    query = 'SELECT ?o WHERE { ?s <http://ex/p> ?o FILTER(REGEX(?o, "^(a+)+$")) }'
    # rdflib evaluates REGEX with Python's backtracking engine: stopped at the time limit
    t = time.monotonic()
    r = ccare("--store", "memory", "sparql", query, "--data", str(data), "--timeout", "1")
    assert time.monotonic() - t < 10
    assert r.exit_code == 3
    # Oxigraph (the default store) evaluates it with a linear-time engine: a plain answer
    r = ccare("--store", "oxigraph", "sparql", query, "--data", str(data), "--timeout", "30")
    assert r.exit_code == 0 and r.stdout == "No results.\n"


@pytest.mark.parametrize("store", ["oxigraph", "memory"])
def test_property_path_over_a_long_chain(ccare, tmp_path, store):
    # rdflib's own property paths recurse in Python: RecursionError near 10k links
    data = tmp_path / "chain.nt"
    data.write_text("".join(f"<http://ex/n{i}> <http://ex/next> <http://ex/n{i + 1}> .\n" for i in range(12_000)),
                    encoding="utf-8")
    r = ccare("--store", store, "sparql", "SELECT (COUNT(?y) AS ?n) WHERE { <http://ex/n0> <http://ex/next>+ ?y }",
              "--data", str(data), "--format", "csv")
    if store == "oxigraph":
        assert r.exit_code == 0 and r.stdout.split() == ["n", "12000"]
    else:
        assert r.exit_code == 1 and "ran out of stack" in r.stderr and "internal error" not in r.stderr


def test_rows_found_before_the_time_limit_are_shown(ccare, tmp_path):
    out = tmp_path / "partial.csv"
    r = ccare("sparql", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", "--timeout", "1", "--max-rows", "100000000",
              "--format", "csv", "-o", str(out))
    assert r.exit_code == 3
    rows = out.read_text(encoding="utf-8").splitlines()
    assert len(rows) > 1
    assert r.stderr == f"Cut short: time limit 1s reached; {len(rows) - 1} row(s) shown (raise --timeout for more).\n"


def test_row_limit(ccare):
    r = ccare("sparql", "SELECT ?s WHERE { ?s a cc:CoreProduct } ORDER BY ?s", "--max-rows", "2")
    assert r.exit_code == 3
    assert r.stdout.splitlines()[2:] == ["alipay-live (Alipay Live)", "fan-group (merchant fan group)"]
    assert r.stderr == "Cut short: row limit 2 reached; 2 row(s) shown (raise --max-rows for more).\n"
    exact = ccare("sparql", "SELECT ?s WHERE { ?s a cc:CoreProduct } ORDER BY ?s LIMIT 2", "--max-rows", "2")
    assert exact.exit_code == 0  # exactly the limit is not cut short


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_bad_timeout_is_usage(ccare, value):
    assert ccare("sparql", FAN_VALUES, "--timeout", value).exit_code == 2


def test_memory_limit(ccare, monkeypatch):
    """In a fresh process: the ceiling is address space beyond the parent's, and a test process
    that has run hundreds of tests has much free heap the worker could fill first."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "CCARE_MAX_MEMORY": "16M"}
    r = subprocess.run([sys.executable, "-m", "ccare", "sparql",
                        "SELECT ?a ?b WHERE { ?a ?p ?o . ?b ?q ?r } ORDER BY ?a ?b", "--timeout", "60"],
                       capture_output=True, text=True, env=env, timeout=120,
                       cwd=Path(__file__).resolve().parent.parent)
    assert r.returncode == 3, r.stderr
    assert r.stderr.startswith("Cut short: memory limit of 16 MiB reached"), r.stderr
    monkeypatch.setenv("CCARE_MAX_MEMORY", "plenty")
    r = ccare("sparql", FAN_VALUES)
    assert r.exit_code == 2 and "CCARE_MAX_MEMORY must be a positive number" in r.stderr


def test_control_characters_do_not_reach_a_terminal(ccare, monkeypatch):
    import ccare.commands.sparql as command

    data = "tests/data/hostile/markup-label.ttl"
    q = "SELECT ?l WHERE { ccid:markup-product rdfs:label ?l FILTER(lang(?l) = 'zh') }"
    raw = ccare("sparql", q, "--data", data, "--format", "csv").stdout
    assert "\x1b[31m" in raw  # CSV to a file or a pipe is the data as it is
    monkeypatch.setattr(command, "_is_terminal", lambda output: True)
    for fmt in ("table", "csv"):
        shown = ccare("sparql", q, "--data", data, "--format", fmt).stdout
        assert "\x1b" not in shown and "\u202e" not in shown and "\\u001b[31mred" in shown
    turtle = ccare("sparql", q.replace("SELECT ?l WHERE", "CONSTRUCT { ccid:markup-product rdfs:label ?l } WHERE"),
                   "--data", data).stdout
    g = Graph().parse(data=turtle, format="turtle")  # the escapes are Turtle's own: same string
    assert {str(o) for o in g.objects()} == {"\u202eevil\u202c \u200fمنتج\u200f \x1b[31mred\x1b[0m\x07"}

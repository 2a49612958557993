"""ccare against a second real SPARQL engine: Virtuoso Open Source 7 (tests/virtuoso.py).

The same questions as tests/test_endpoint.py asks of Oxigraph, asked of Virtuoso, whose
ways differ (bench/RESULTS.md, "Two SPARQL engines"): it refuses blank nodes in
``INSERT DATA`` (ccare loads skolem IRIs), has no unnamed default graph to insert into
and reads every graph, its own system graph too, when a query names none (ccare loads
into and reads ``--graph``), answers ``ASK`` as a one-row ``SELECT`` of
``__ASK_RETVAL``, cuts every answer at ``ResultSetMaxRows`` and asks for Digest at
``/sparql-auth``.  One server for the session, with a throwaway database.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Graph

from ccare.endpoint.client import Endpoint
from ccare.endpoint.remote import RemoteKnowledgeBase
from ccare.kb.model import load
from ccare.portfolio.index import local_records
from virtuoso import PASSWORD, USER, virtuoso_server

GRAPH = "https://example.org/graphs/ccare"
HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory, portfolio_ttl):
    """The session's Virtuoso, holding the shipped map and the example portfolio in :data:`GRAPH`."""
    from click.testing import CliRunner

    from ccare.cli import cli

    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as base:
        run = CliRunner()
        # Virtuoso has no unnamed default graph: without --graph, a clean error saying so
        r = run.invoke(cli, ["load", "--endpoint", f"{base}/sparql"], catch_exceptions=False)
        assert r.exit_code == 1 and "give --graph IRI" in r.stderr and "nothing was loaded" in r.stderr, r.output
        args = ["load", "--endpoint", f"{base}/sparql", "--graph", GRAPH]
        r = run.invoke(cli, args, catch_exceptions=False)
        assert r.exit_code == 0, r.output
        r = run.invoke(cli, [*args, str(portfolio_ttl)], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        yield base


@pytest.fixture
def at(virtuoso):
    """The options that point a command at the session's Virtuoso and graph."""
    return ["--endpoint", f"{virtuoso}/sparql", "--graph", GRAPH]


def _merchants_in(path) -> int:
    from rdflib import RDF

    from ccare.ontology import CC

    g = Graph()
    g.parse(str(path))
    return len(set(g.subjects(RDF.type, CC.Merchant)))


# ---------------------------------------------------------------------- the competency questions


def test_products_serving_active_agree(ccare, at):
    assert ccare.json("products", "--need", "ACTIVE", *at) == ccare.json("products", "--need", "ACTIVE")


def test_show_zhima_credit_agrees(ccare, at):
    assert ccare.json("show", "芝麻信用", *at) == ccare.json("show", "芝麻信用")


def test_loops_agree(ccare, at):
    remote = ccare.json("loops", "--limit", "3", *at)
    assert remote == ccare.json("loops", "--limit", "3") and remote


def test_info_counts_the_graph_only(ccare, at, portfolio_ttl):
    d = ccare.json("info", *at)
    local = ccare.json("info")
    assert d["merchants"] == _merchants_in(portfolio_ttl) and d["graph"] == GRAPH
    assert {k: d[k] for k in ("products", "needs", "values", "flows", "assertions")} == {
        k: local[k] for k in ("products", "needs", "values", "flows", "assertions")}
    # the graph holds the map and the portfolio, not Virtuoso's system graph
    loaded = len(load().graph) + len(load([portfolio_ttl]).graph) - len(load().graph)
    assert d["endpoint_triples"] < loaded * 2


def test_portfolio_agrees(ccare, at, portfolio_ttl):
    remote = ccare.json("portfolio", "prescribe", *at)
    assert remote == ccare.json("portfolio", "prescribe", "--data", str(portfolio_ttl))
    assert remote["summary"]["merchants"] == _merchants_in(portfolio_ttl)


def test_validate_the_graph(ccare, at):
    r = ccare("validate", *at)
    assert r.exit_code == 0, r.output
    assert "break no rule" in r.stdout


def test_sparql_agrees_and_ask_is_read(ccare, at):
    q = "SELECT ?p ?v WHERE { ?p cc:serves ?v } ORDER BY ?p ?v"
    remote = ccare("sparql", q, *at, "--format", "json")
    assert remote.exit_code == 0, remote.output
    assert remote.stdout == ccare("sparql", q, "--format", "json").stdout
    for ask, want in [("ASK { ccid:fan-group cc:serves ccid:interactive }", "true"),
                      ("ASK { ccid:fan-group cc:serves ccid:nothing-at-all }", "false")]:
        r = ccare("sparql", ask, *at)
        assert r.exit_code == 0 and r.stdout.strip() == want, r.output


def test_sparql_sees_the_graph_and_no_other(ccare, at):
    r = ccare("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://www.openlinksw.com/schemas/virtrdf#QuadMap> }",
              *at, "--format", "csv")
    assert r.exit_code == 0 and r.stdout.split() == ["n", "0"]  # the system graph stays out
    r = ccare("sparql", "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", *at)
    assert r.exit_code == 1 and "GRAPH is not supported" in r.stderr


def test_evidence_is_stored_without_blank_nodes(ccare, at):
    r = ccare("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }", *at,
              "--format", "csv")
    assert r.stdout.split() == ["n", "0"]


@pytest.mark.parametrize("name", ["injected-iri.trix", "injected-datatype.trix", "injected-lang.trix"])
def test_load_never_runs_an_update_from_a_file(ccare, at, name):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = ccare("sparql", q, *at, "--format", "csv").stdout
    r = ccare("load", *at, "--clear", str(HOSTILE / name))
    assert r.exit_code == 1 and "Loaded" not in r.stdout
    assert ccare("sparql", q, *at, "--format", "csv").stdout == before


# ---------------------------------------------------------------------- Digest at /sparql-auth


def test_digest_at_sparql_auth(ccare, virtuoso, portfolio_ttl):
    at = ["--endpoint", f"{virtuoso}/sparql-auth", "--graph", GRAPH]
    env = {"CCARE_ENDPOINT_USER": USER, "CCARE_ENDPOINT_PASSWORD": PASSWORD}
    r = ccare("portfolio", "prescribe", "--format", "json", *at, env=env)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == ccare.json("portfolio", "prescribe", "--data", str(portfolio_ttl))
    bad = ccare("products", *at, env={**env, "CCARE_ENDPOINT_PASSWORD": "wrong"})
    assert bad.exit_code == 1
    assert (
        bad.stderr
        == f"Error: {virtuoso}/sparql-auth: HTTP 401: the endpoint refused user '{USER}' and the password given\n"
    )
    none = ccare("products", *at)
    assert none.exit_code == 1 and "wants credentials" in none.stderr


def test_load_through_sparql_auth(ccare, virtuoso):
    g = GRAPH + "/auth"
    at = ["--endpoint", f"{virtuoso}/sparql-auth", "--graph", g]
    env = {"CCARE_ENDPOINT_USER": USER, "CCARE_ENDPOINT_PASSWORD": PASSWORD}
    r = ccare("load", *at, "--batch", "2000", env=env)
    assert r.exit_code == 0, r.output
    r = ccare("products", *at, "--format", "json", env=env)
    assert json.loads(r.stdout) == ccare.json("products")  # the same (labels' key order may differ)
    assert ccare("load", *at, "--clear", str(HOSTILE.parent / "hostile" / "injected-iri.trix"), env=env).exit_code == 1


# ---------------------------------------------------------------------- the real ResultSetMaxRows


def test_the_real_result_set_cap(ccare, tmp_path, portfolio_ttl):
    with virtuoso_server(tmp_path, max_rows=3) as base:
        at = ["--endpoint", f"{base}/sparql", "--graph", GRAPH]
        assert ccare("load", *at).exit_code == 0
        assert ccare("load", *at, str(portfolio_ttl)).exit_code == 0
        # the map cut at 3 triples: an error naming the cap, never a partial map
        r = ccare("products", *at)
        assert r.exit_code == 1, r.output
        assert re.search(r"answered with [0-9] of the [0-9,]+ triples", r.stderr) and "ResultSetMaxRows" in r.stderr
        # the merchants, 3 rows an answer, come whole in pages
        ep = Endpoint(f"{base}/sparql", graph=GRAPH)
        remote = sorted(RemoteKnowledgeBase(Graph(), ep).merchant_records(), key=lambda r: r["iri"])
        local = sorted(local_records(load([portfolio_ttl])), key=lambda r: r["iri"])
        for rec in remote + local:
            rec["uses"] = sorted(rec["uses"])
        assert remote == local and len(remote) > 3
        assert ep.requests >= 4


def test_an_update_too_big_for_virtuoso_goes_in_halves(ccare, virtuoso, tmp_path):
    """Virtuoso's SPARQL compiler runs out of memory ("SPARQL compiler, line 4992: memory
    exhausted") on an INSERT DATA of some 5,000 triples: ccare sends the batch in halves."""
    data = tmp_path / "six-thousand.nt"
    data.write_text("".join(f'<http://ex/s{i}> <http://ex/p> "{i}"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
                            for i in range(6000)), encoding="utf-8")
    g = GRAPH + "/big"
    r = ccare("load", "--endpoint", f"{virtuoso}/sparql", "--graph", g, "--batch", "6000", str(data))
    assert r.exit_code == 0, r.output
    assert "Loaded 6,000 triples" in r.stdout and "(1 request)" not in r.stdout
    assert Endpoint(f"{virtuoso}/sparql", graph=g).count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == 6000

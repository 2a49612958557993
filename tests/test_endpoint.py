"""ccare against a real SPARQL 1.1 server: ``oxigraph serve`` (the PyPI package ``oxigraph``).

One server for the session, on 127.0.0.1 and a free port, with a temporary location;
the map and a small portfolio are loaded with ``ccare load``, then the competency
questions asked of the embedded map are asked of the endpoint and must agree.  Tests
that need an empty or a private server start their own.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Graph

from ccare.endpoint.client import Endpoint
from ccare.endpoint.remote import connect
from ccare.endpoint.upload import file_graph, upload
from ccare.graph.build import to_networkx
from ccare.graph.loops import operating_loops
from ccare.kb.model import load
from ccare.portfolio.index import local_records, merchants
from servers import free_port, started, wait_until_answers


def _oxigraph() -> str:
    exe = Path(sys.executable).with_name("oxigraph")
    found = str(exe) if exe.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the `oxigraph` server is not installed (pip install -e '.[test]' installs it)")
    return found


@contextlib.contextmanager
def oxigraph_server(location: Path):
    """A running ``oxigraph serve``; yields its base URL; always stopped."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with started([_oxigraph(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:
        wait_until_answers(f"{base}/query?query=ASK%7B%7D", proc, name="oxigraph serve", within=30,
                           log=lambda: proc.stderr.read().decode(errors="replace"))
        yield base


@pytest.fixture(scope="session")
def server(tmp_path_factory, portfolio_ttl):
    """The session's server, holding the shipped map and the example portfolio."""
    from click.testing import CliRunner

    from ccare.cli import cli

    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        run = CliRunner()
        args = ["load", "--endpoint", f"{base}/query", "--update-endpoint", f"{base}/update"]
        r = run.invoke(cli, args, catch_exceptions=False)
        assert r.exit_code == 0, r.output
        assert "Loaded" in r.stdout and "the shipped map" in r.stdout
        r = run.invoke(cli, [*args, str(portfolio_ttl)], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        yield base


@pytest.fixture
def endpoint(server):
    return f"{server}/query"


# ---------------------------------------------------------------------- competency questions


def test_products_serving_active_agree_with_the_embedded_map(ccare, endpoint):
    remote = ccare.json("products", "--need", "ACTIVE", "--endpoint", endpoint)
    local = ccare.json("products", "--need", "ACTIVE")
    assert remote == local
    fan = next(p for p in remote if p["id"] == "fan-group")
    assert fan["values"] and all(v["evidence"] for v in fan["values"])
    assert {"source": "openday-2023", "line": 24, "quote": "更丰富的互动形式"} in [
        e for v in fan["values"] for e in v["evidence"]]


def test_show_zhima_credit_facts_agree(ccare, endpoint):
    remote = ccare.json("show", "芝麻信用", "--endpoint", endpoint)
    assert remote == ccare.json("show", "芝麻信用")
    assert {f["value"] for f in remote["facts"]} >= {700000000, 4000}


@pytest.fixture(scope="session")
def remote_kb(server):
    return connect(Endpoint(f"{server}/query"))


def test_operating_loops_agree(kb, remote_kb):
    remote = [w.nodes for _, w in zip(range(5), operating_loops(to_networkx(remote_kb)))]
    local = [w.nodes for _, w in zip(range(5), operating_loops(to_networkx(kb)))]
    assert remote == local and remote


def test_loops_command(ccare, endpoint):
    remote = ccare.json("loops", "--endpoint", endpoint, "--limit", "3")
    assert remote == ccare.json("loops", "--limit", "3")
    assert remote and remote[0]["nodes"]
    assert all(s["evidence"] for s in remote[0]["steps"])


def _merchants_in(path) -> int:
    from rdflib import RDF

    from ccare.ontology import CC

    g = Graph()
    g.parse(str(path))
    return len(set(g.subjects(RDF.type, CC.Merchant)))


def test_info_counts_the_endpoint(ccare, endpoint, portfolio_ttl):
    d = ccare.json("info", "--endpoint", endpoint)
    local = ccare.json("info")
    assert d["endpoint"] == endpoint and d["merchants"] == _merchants_in(portfolio_ttl) > 0
    assert d["endpoint_triples"] > local["triples"]
    # the map part came back whole; the merchants stayed on the server
    assert {k: d[k] for k in ("products", "needs", "values", "flows", "assertions")} == {
        k: local[k] for k in ("products", "needs", "values", "flows", "assertions")}


# ---------------------------------------------------------------------- portfolios


def test_portfolio_at_the_endpoint_matches_the_local_file(ccare, endpoint, portfolio_ttl):
    remote = ccare.json("portfolio", "prescribe", "--endpoint", endpoint)
    local = ccare.json("portfolio", "prescribe", "--data", str(portfolio_ttl))
    assert remote == local
    assert remote["summary"]["merchants"] == _merchants_in(portfolio_ttl)


def test_merchant_records_from_the_endpoint_equal_the_local_ones(remote_kb, portfolio_ttl):
    rkb = remote_kb
    lkb = load([portfolio_ttl])
    key = lambda r: r["iri"]  # noqa: E731
    remote = sorted(rkb.merchant_records(), key=key)
    local = sorted(local_records(lkb), key=key)
    for r in remote + local:
        r["uses"] = sorted(r["uses"])
    assert remote == local
    assert merchants(rkb, to_networkx(rkb))[0].id == "CAFE-017"


# ---------------------------------------------------------------------- loading


def test_loading_twice_is_refused(ccare, server, portfolio_ttl):
    r = ccare("load", "--endpoint", f"{server}/query", "--update-endpoint", f"{server}/update", str(portfolio_ttl))
    assert r.exit_code == 1
    assert "already holds https://w3id.org/ccare/id/" in r.stderr and "--clear" in r.stderr


def test_small_batches_keep_blank_nodes_whole(tmp_path):
    """Evidence is a blank node; split over many requests it must still hang together."""
    g = file_graph(None)
    with oxigraph_server(tmp_path) as base:
        ep = Endpoint(f"{base}/query", f"{base}/update")
        sent, requests = upload(ep, g, size=200)
        assert sent == len(g) and requests >= len(g) // 200
        back = Graph()
        ep.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", back)
        assert len(back) == len(g)
        assert _trees(back) == _trees(g)


def _trees(g: Graph) -> Counter:
    """The triples of ``g`` with each blank node replaced by what it says (the map's blank
    nodes, assertions and evidence, are trees): equal for graphs equal up to blank-node names."""

    def desc(node):
        if not isinstance(node, BNode):
            return node
        return tuple(sorted((p, desc(o)) for p, o in g.predicate_objects(node)))

    referred = {o for o in g.objects() if isinstance(o, BNode)}
    return Counter((desc(s), p, desc(o)) for s, p, o in g if not (isinstance(s, BNode) and s in referred))


def test_clear_then_load(ccare, tmp_path, portfolio_ttl):
    with oxigraph_server(tmp_path) as base:
        args = ["load", "--endpoint", f"{base}/query", "--update-endpoint", f"{base}/update"]
        assert ccare(*args).exit_code == 0
        r = ccare(*args, "--clear", str(portfolio_ttl))
        assert r.exit_code == 0, r.output
        # the default graph now holds only the portfolio: no map to ask
        r = ccare("info", "--endpoint", f"{base}/query")
        assert r.exit_code == 1
        assert "holds no C-CARE map" in r.stderr and "ccare load" in r.stderr


def test_unreachable_endpoint_is_a_clean_error(ccare):
    r = ccare("products", "--endpoint", f"http://127.0.0.1:{free_port()}/query")
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: http://127.0.0.1:") and "cannot reach the endpoint" in r.stderr


def test_endpoint_must_be_http(ccare):
    r = ccare("products", "--endpoint", "file:///etc/passwd")
    assert r.exit_code == 2
    assert "not an http:// or https:// URL" in r.stderr
    r = ccare("products", "--endpoint", "http://user:pw@db.example.org:78x/query")
    assert r.exit_code == 2
    assert "the port is not a number" in r.stderr and "pw" not in r.stderr and "Traceback" not in r.output


# ---------------------------------------------------------------------- sparql at the endpoint


def test_sparql_goes_to_the_endpoint_and_sees_merchants(ccare, endpoint):
    # the merchants live only at the endpoint: the answer must come from there
    q = "SELECT (COUNT(?m) AS ?n) WHERE { ?m a cc:Merchant }"
    remote = ccare("sparql", q, "--endpoint", endpoint, "--format", "csv")
    assert remote.exit_code == 0, remote.output
    local = ccare("sparql", q, "--format", "csv")
    assert int(remote.stdout.split()[1]) > 0 == int(local.stdout.split()[1])


def test_sparql_at_the_endpoint_agrees_with_the_embedded_map(ccare, endpoint):
    q = "SELECT ?p ?v WHERE { ?p cc:serves ?v } ORDER BY ?p ?v"
    remote = ccare("sparql", q, "--endpoint", endpoint, "--format", "json")
    local = ccare("sparql", q, "--format", "json")
    assert remote.exit_code == local.exit_code == 0
    assert remote.stdout == local.stdout
    ask = ccare("sparql", "ASK { ccid:fan-group cc:serves ccid:interactive }", "--endpoint", endpoint)
    assert ask.exit_code == 0 and ask.stdout.strip() == "true"


def test_sparql_at_the_endpoint_is_checked_first(ccare, endpoint):
    r = ccare("sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "--endpoint", endpoint)
    assert r.exit_code == 1 and "refused: SERVICE" in r.output
    r = ccare("sparql", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "--endpoint", endpoint)
    assert r.exit_code == 1 and "refused: SPARQL updates" in r.output
    r = ccare("sparql", "SELECT ?p WHERE { ?p cc:serves ?v }", "--endpoint", endpoint, "--max-rows", "2")
    assert r.exit_code == 3 and r.stdout.count("\n") == 4  # header, rule, 2 rows


# ---------------------------------------------------------------------- credentials and capped answers
# A gateway (tests/gateway.py) in front of the session's real server asks for credentials
# or caps answers, as deployments of Fuseki, GraphDB and Virtuoso do.

from gateway import gateway  # noqa: E402

_SECRET = "s3cret-pa55"


def _products(ccare, url, env=None):
    r = ccare("products", "--need", "ACTIVE", "--format", "json", "--endpoint", url, env=env)
    return r


@pytest.mark.parametrize("scheme", ["basic", "digest"])
def test_user_and_password_from_the_environment(ccare, server, scheme):
    with gateway(server, **{scheme: ("strategist", _SECRET)}) as gw:
        env = {"CCARE_ENDPOINT_USER": "strategist", "CCARE_ENDPOINT_PASSWORD": _SECRET}
        r = _products(ccare, f"{gw.url}/query", env)
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout) == ccare.json("products", "--need", "ACTIVE")
        # the challenge was answered in the scheme the server asked for
        assert (scheme.capitalize() in {s for _, s in gw.seen}) and _SECRET not in r.output


def test_credentials_in_the_url_are_used_and_never_shown(ccare, server):
    with gateway(server, basic=("strategist", _SECRET)) as gw:
        host = gw.url.removeprefix("http://")
        r = _products(ccare, f"http://strategist:{_SECRET}@{host}/query")
        assert r.exit_code == 0, r.output
        bad = _products(ccare, f"http://strategist:wrong-{_SECRET}@{host}/query")
        assert bad.exit_code == 1
        assert bad.stderr == (f"Error: {gw.url}/query: HTTP 401: the endpoint refused user 'strategist' "
                              "and the password given\n")


def test_user_in_the_url_password_in_the_environment(ccare, server):
    with gateway(server, basic=("strategist", _SECRET)) as gw:
        host = gw.url.removeprefix("http://")
        r = _products(ccare, f"http://strategist@{host}/query", {"CCARE_ENDPOINT_PASSWORD": _SECRET})
        assert r.exit_code == 0, r.output
        # a password alone names nobody: a usage error, before any request
        seen = len(gw.seen)
        r = _products(ccare, f"{gw.url}/query", {"CCARE_ENDPOINT_PASSWORD": _SECRET})
        assert r.exit_code == 2 and "CCARE_ENDPOINT_PASSWORD is set but names no user" in r.stderr
        assert len(gw.seen) == seen


def test_missing_credentials_say_how_to_give_them(ccare, server):
    with gateway(server, basic=("strategist", _SECRET)) as gw:
        r = _products(ccare, f"{gw.url}/query")
        assert r.exit_code == 1
        assert (
            "wants credentials: set CCARE_ENDPOINT_TOKEN, or CCARE_ENDPOINT_USER and CCARE_ENDPOINT_PASSWORD"
            in r.stderr
        )
        assert "Traceback" not in r.output


def test_bearer_token(ccare, server):
    with gateway(server, token="tok-123") as gw:
        r = _products(ccare, f"{gw.url}/query", {"CCARE_ENDPOINT_TOKEN": "tok-123"})
        assert r.exit_code == 0, r.output
        assert {s for _, s in gw.seen} == {"Bearer"}  # sent up front, never challenged
        r = _products(ccare, f"{gw.url}/query", {"CCARE_ENDPOINT_TOKEN": "tok-999"})
        assert r.exit_code == 1 and "refused the token in CCARE_ENDPOINT_TOKEN" in r.stderr
        assert "tok-999" not in r.output
        # a user and password cannot answer a token challenge: a clean error
        r = _products(ccare, f"{gw.url}/query", {"CCARE_ENDPOINT_USER": "u", "CCARE_ENDPOINT_PASSWORD": "p"})
        assert r.exit_code == 1 and "for a bearer token set CCARE_ENDPOINT_TOKEN" in r.stderr


def test_load_sparql_and_validate_through_an_authenticating_gateway(ccare, tmp_path, portfolio_ttl):
    env = {"CCARE_ENDPOINT_USER": "loader", "CCARE_ENDPOINT_PASSWORD": _SECRET}
    with oxigraph_server(tmp_path) as base, gateway(base, digest=("loader", _SECRET)) as gw:
        args = ["--endpoint", f"{gw.url}/query", "--update-endpoint", f"{gw.url}/update"]
        r = ccare("load", *args, env=env)
        assert r.exit_code == 0, r.output
        r = ccare("load", *args, str(portfolio_ttl), env=env)
        assert r.exit_code == 0, r.output
        assert {p for p, s in gw.seen if s == "Digest"} >= {"/query", "/update"}
        r = ccare("sparql", "SELECT (COUNT(?m) AS ?n) WHERE { ?m a cc:Merchant }", "--format", "csv",
                  "--endpoint", f"{gw.url}/query", env=env)
        assert r.exit_code == 0, r.output
        assert r.stdout.split() == ["n", str(_merchants_in(portfolio_ttl))]
        r = ccare("validate", "--endpoint", f"{gw.url}/query", env=env)
        assert r.exit_code == 0, r.output
        assert r.stdout.startswith("Conforms: the ") and f"triples of {gw.url}/query break no rule" in r.stdout


def test_validate_at_the_endpoint_checks_the_merchants_too(ccare, tmp_path):
    bad = tmp_path / "bad-merchant.ttl"
    bad.write_text(
        "@prefix : <https://w3id.org/ccare/id/> . @prefix cc: <https://w3id.org/ccare/ontology#> .\n"
        ':merchant-X a cc:Merchant ; cc:evidence [ cc:source :openday-2023 ; cc:line 0 ; cc:quote "" ] .\n',
        encoding="utf-8")
    local = ccare("validate", str(bad), "--format", "json")
    assert local.exit_code == 1 and len(json.loads(local.stdout)["violations"]) == 2  # line 0, empty quote
    with oxigraph_server(tmp_path / "db") as base:
        args = ["--endpoint", f"{base}/query", "--update-endpoint", f"{base}/update"]
        assert ccare("load", *args).exit_code == 0
        assert ccare("validate", "--endpoint", f"{base}/query").exit_code == 0
        assert ccare("load", *args, str(bad)).exit_code == 0
        r = ccare("validate", "--endpoint", f"{base}/query", "--format", "json")
    assert r.exit_code == 1
    # the merchant lives only at the endpoint, and its violations are the local file's
    # (but for the focus: a blank node, labelled anew by each parse)
    def rules(out):
        return sorted((v["rule"], v["path"], v["value"]) for v in json.loads(out)["violations"])

    assert rules(r.stdout) == rules(local.stdout)


def test_validate_needs_files_or_an_endpoint(ccare):
    r = ccare("validate")
    assert r.exit_code == 2
    assert "give the RDF FILES to check, or --endpoint URL" in r.stderr


def test_merchants_are_paged_past_a_capped_answer(ccare, server, portfolio_ttl):
    full = ccare.json("portfolio", "prescribe", "--data", str(portfolio_ttl))
    # 3 rows per answer (Virtuoso's ResultSetMaxRows): 5 merchants need a second page
    with gateway(server, cap_rows=3) as gw:
        r = ccare("portfolio", "prescribe", "--format", "json", "--endpoint", f"{gw.url}/query")
        assert r.exit_code == 0, r.output
        pages = [p for p, _ in gw.seen]
    assert json.loads(r.stdout) == full
    assert len(pages) >= 4  # map, its count, merchants, their count, and the pages


def test_a_capped_map_is_an_error_not_a_partial_map(ccare, server):
    with gateway(server, cap_rows=3, cap_triples=1000) as gw:
        r = ccare("products", "--endpoint", f"{gw.url}/query")
    assert r.exit_code == 1
    assert "answered with 1,000 of the" in r.stderr and "ResultSetMaxRows" in r.stderr


# ---------------------------------------------------------------------- injections (issue 11)

from loopback import loopback_server  # noqa: E402
from test_injection import HIDDEN, SPELT  # noqa: E402

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"


def _count(ccare, endpoint) -> int:
    r = ccare("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--endpoint", endpoint, "--format", "csv")
    assert r.exit_code == 0, r.output
    return int(r.stdout.split()[1])


@pytest.mark.parametrize("template", HIDDEN + SPELT)
def test_the_endpoint_is_sent_only_the_checked_text(ccare, endpoint, template):
    # Oxigraph's server evaluates SERVICE itself: a query that hid one would make the
    # server call the loopback host
    with loopback_server() as trap:
        r = ccare("sparql", template.replace("{url}", trap.url), "--endpoint", endpoint, "--timeout", "20")
        assert trap.requests == []
        assert r.exit_code in (0, 1) and "Traceback" not in r.output
        if template in SPELT:
            assert r.exit_code == 1 and "refused: SERVICE" in r.stderr


@pytest.mark.parametrize("name", ["injected-iri.trix", "injected-datatype.trix", "injected-lang.trix"])
def test_load_never_runs_an_update_from_a_file(ccare, server, endpoint, name):
    before = _count(ccare, endpoint)
    r = ccare("load", "--endpoint", endpoint, "--update-endpoint", f"{server}/update", "--clear",
              str(HOSTILE / name))
    assert r.exit_code == 1, r.output
    assert r.stderr.startswith(f"Error: {HOSTILE / name}") and "Loaded" not in r.stdout
    # nothing was dropped (--clear comes after every file is read and written), nothing added
    assert _count(ccare, endpoint) == before
    ask = ccare("sparql", "ASK { <http://ex/pwned> ?p ?o }", "--endpoint", endpoint)
    assert ask.stdout.strip() == "false"


def test_a_literal_shaped_like_an_update_loads_as_itself(ccare, tmp_path):
    value = 'a\\u0022 . } ; DROP ALL ; INSERT DATA { <http://ex/pwned> <http://ex/p> \\u0022b \\\\ "c"'
    data = tmp_path / "odd.ttl"
    data.write_text('<http://ex/s> <http://ex/p> """%s""" .\n' % value.replace("\\", "\\\\").replace('"', '\\"'),
                    encoding="utf-8")
    with oxigraph_server(tmp_path / "db") as base:
        r = ccare("load", "--endpoint", f"{base}/query", "--update-endpoint", f"{base}/update", str(data))
        assert r.exit_code == 0, r.output
        q = "SELECT ?o WHERE { <http://ex/s> <http://ex/p> ?o }"
        with urllib.request.urlopen(f"{base}/query?" + urllib.parse.urlencode({"query": q}), timeout=10) as resp:
            got = json.loads(resp.read())
        assert [b["o"]["value"] for b in got["results"]["bindings"]] == [value]


# ---------------------------------------------------------------------- the client's faults (issue 11)


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_a_digest_server_is_never_sent_basic(ccare, server, algorithm):
    """Once a URL has asked for Digest, its requests carry Digest from the start: no Basic
    (the password in the clear), and no second challenge round trip per request."""
    env = {"CCARE_ENDPOINT_USER": "strategist", "CCARE_ENDPOINT_PASSWORD": _SECRET}
    with gateway(server, digest=("strategist", _SECRET), algorithm=algorithm) as gw:
        r = ccare("portfolio", "prescribe", "--format", "json", "--endpoint", f"{gw.url}/query", env=env)
        assert r.exit_code == 0, r.output
        schemes = [s for _, s in gw.seen]
    assert "Basic" not in schemes
    assert schemes[0] is None and set(schemes[1:]) == {"Digest"}
    assert schemes.count(None) == 1 and len(schemes) >= 5  # one challenge, then Digest up front


def test_a_basic_server_gets_basic_after_its_challenge_only(ccare, server):
    env = {"CCARE_ENDPOINT_USER": "strategist", "CCARE_ENDPOINT_PASSWORD": _SECRET}
    with gateway(server, basic=("strategist", _SECRET)) as gw:
        r = ccare("products", "--endpoint", f"{gw.url}/query", env=env)
        assert r.exit_code == 0, r.output
        schemes = [s for _, s in gw.seen]
    assert schemes[0] is None and set(schemes[1:]) == {"Basic"} and schemes.count(None) == 1


# ---------------------------------------------------------------------- a load cut short (issue 11)


def _triples(query_url: str) -> int:
    return Endpoint(query_url).count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")


def test_a_load_cut_short_says_what_went_through_and_force_finishes_it(ccare, tmp_path, portfolio_ttl):
    extra = tmp_path / "extra.ttl"
    extra.write_text("<https://example.org/x> a <https://example.org/Thing> .\n", encoding="utf-8")
    files = [str(portfolio_ttl), str(extra)]
    with oxigraph_server(tmp_path / "db") as base:
        with gateway(base, fail_update=3) as gw:
            args = ["load", "--endpoint", f"{gw.url}/query", "--update-endpoint", f"{gw.url}/update", "--batch", "10"]
            r = ccare(*args, *files)
            assert r.exit_code == 1, r.output
            err = r.stderr
            assert err.startswith(f"Error: {gw.url}/update: HTTP 500: the disk is full\n"), err
            assert "The load stopped at batch 3 of " in err and f"of {portfolio_ttl};" in err
            assert "(2 of " in err and "batches whole)" in err and f"  {extra}: nothing" in err
            assert "with --force" in err and "with --clear" in err and "Traceback" not in r.output
            # --force finishes it (a rerun without it may be refused, if the duplicate check
            # samples an entity that went through): the endpoint then holds what one clean load holds
            done = ccare(*args, "--force", *files)
            assert done.exit_code == 0, done.output
        finished = _triples(f"{base}/query")
    with oxigraph_server(tmp_path / "clean") as clean:
        r = ccare("load", "--endpoint", f"{clean}/query", "--update-endpoint", f"{clean}/update", *files)
        assert r.exit_code == 0, r.output
        assert _triples(f"{clean}/query") == finished


def test_loading_again_with_force_stores_nothing_twice(ccare, tmp_path, portfolio_ttl):
    with oxigraph_server(tmp_path) as base:
        args = ["load", "--endpoint", f"{base}/query", "--update-endpoint", f"{base}/update", str(portfolio_ttl)]
        assert ccare(*args).exit_code == 0
        first = _triples(f"{base}/query")
        assert ccare(*args, "--force").exit_code == 0
        assert _triples(f"{base}/query") == first


def test_evidence_is_loaded_as_skolem_iris_and_read_back_as_blank_nodes(ccare, endpoint):
    r = ccare("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }",
              "--endpoint", endpoint, "--format", "csv")
    assert r.stdout.split() == ["n", "0"]
    r = ccare("sparql", "SELECT ?e WHERE { ?a cc:evidence ?e } LIMIT 1", "--endpoint", endpoint, "--format", "json")
    (row,) = json.loads(r.stdout)["results"]["bindings"]
    assert row["e"]["type"] == "bnode"  # https://w3id.org/ccare/.well-known/genid/... read back


# ---------------------------------------------------------------------- --graph


def test_graph_loads_into_and_reads_from_a_named_graph(ccare, tmp_path, portfolio_ttl):
    g = "https://example.org/graphs/ccare"
    with oxigraph_server(tmp_path) as base:
        args = ["load", "--endpoint", f"{base}/query", "--update-endpoint", f"{base}/update", "--graph", g]
        r = ccare(*args)
        assert r.exit_code == 0, r.output
        assert f"(graph <{g}>)" in r.stdout
        assert ccare(*args, str(portfolio_ttl)).exit_code == 0
        assert ccare(*args, str(portfolio_ttl)).exit_code == 1  # the duplicate check reads that graph
        q = ["--endpoint", f"{base}/query", "--graph", g]
        assert ccare.json("products", "--need", "ACTIVE", *q) == ccare.json("products", "--need", "ACTIVE")
        assert ccare.json("portfolio", "prescribe", *q) == ccare.json("portfolio", "prescribe", "--data",
                                                                      str(portfolio_ttl))
        r = ccare("validate", *q)
        assert r.exit_code == 0, r.output
        assert f"(graph <{g}>)" not in r.stdout or True
        r = ccare("sparql", "SELECT (COUNT(?m) AS ?n) WHERE { ?m a cc:Merchant }", *q, "--format", "csv")
        assert r.exit_code == 0 and int(r.stdout.split()[1]) > 0
        # the user's query still may not name graphs; ccare names the graph itself
        r = ccare("sparql", "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", *q)
        assert r.exit_code == 1 and "GRAPH is not supported" in r.stderr
        r = ccare("sparql", f"SELECT * FROM <{g}> WHERE {{ ?s ?p ?o }}", *q)
        assert r.exit_code == 1 and "refused: FROM" in r.stderr
        # the default graph holds nothing
        r = ccare("products", "--endpoint", f"{base}/query")
        assert r.exit_code == 1 and "holds no C-CARE map" in r.stderr
        # --clear empties that graph only
        r = ccare(*args, "--clear", str(portfolio_ttl))
        assert r.exit_code == 0 and f"Emptied the graph <{g}>" in r.stderr
        r = ccare("products", *q)
        assert r.exit_code == 1 and f"(graph <{g}>) holds no C-CARE map" in r.stderr

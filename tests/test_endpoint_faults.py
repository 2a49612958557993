"""ccare against endpoints that misbehave (issue 11): a rogue server on 127.0.0.1
(tests/rogue.py) trickles bytes, never answers, cuts its answer short of its
Content-Length, answers garbage or malformed SPARQL JSON, lies in its counts, redirects.
Every case is a clean error (exit 1), or exit 3 when a time limit cut it short, and never
a request anywhere but the URL given.  Each case is one parametrised test id: the count
of cases tried is the count of tests here.
"""

from __future__ import annotations

import json
import time

import pytest
from rdflib import Graph

from ccare.endpoint.client import Endpoint, EndpointError, EndpointTimeout
from ccare.endpoint.remote import MAX_PAGES, RemoteKnowledgeBase
from ccare.kb.model import load
from ccare.rdfio.read import Limits
from loopback import loopback_server
from rogue import count, http, rogue, rows, silence, trickle

Q = "SELECT ?s WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def map_nt():
    g = load().graph
    return g.serialize(format="nt", encoding="utf-8"), len(g)


def _map_with(nt: bytes, n: int, other):
    """An answer function that serves the map ``nt`` (``n`` triples) to ccare's map fetch
    (its CONSTRUCT and its count) and leaves every other request to ``other``."""
    def serve(req):
        q = req.query
        if "MINUS" in q and "CONSTRUCT" in q:
            return http(nt, ctype="application/n-triples")
        if "MINUS" in q and "COUNT(*)" in q:
            return count(str(n))
        return other(req)
    return serve


@pytest.fixture(scope="module")
def with_map(map_nt):
    """``with_map(answer)``: :func:`_map_with` serving the shipped map."""
    return lambda answer: _map_with(*map_nt, answer)


def _clean(r, code=1):
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output and "internal error" not in r.output
    assert r.stderr.startswith("Error: ") or code == 3, r.stderr


# ---------------------------------------------------------------------- time: a deadline per request


@pytest.mark.parametrize("how", ["body", "headers", "status line"])
def test_a_trickling_server_is_cut_at_the_deadline(how):
    body = b"x" * 10_000
    whole = http(body)
    if how == "body":  # headers at once, then a byte every 0.1 s
        head, _, rest = whole.partition(b"\r\n\r\n")

        def answer(req):
            def send(conn):
                conn.sendall(head + b"\r\n\r\n")
                trickle(rest, 0.1)(conn)
            return send
    else:
        start = 0 if how == "status line" else whole.index(b"\r\n") + 2

        def answer(req):
            def send(conn):
                conn.sendall(whole[:start])
                trickle(whole[start:], 0.1)(conn)
            return send

    with rogue(answer) as r:
        t = time.monotonic()
        with pytest.raises(EndpointTimeout, match="no whole answer within 1.5s"):
            Endpoint(f"{r.url}/sparql", timeout=1.5).select(Q)
        assert time.monotonic() - t < 4


@pytest.mark.parametrize("command", [
    ["sparql", Q],
    ["loops"],
    ["portfolio", "prescribe"],
    ["validate"],
    # commands that search nothing take --timeout for the endpoint alone
    ["products"],
    ["show", "fan-group"],
    ["info"],
    ["list", "needs"],
    ["export", "ttl", "-o", "-"],
    ["export", "html", "-o", "-"],
    ["export", "graphml", "-o", "-"],
    ["export", "csv", "-o", "-"],
])
def test_timeout_covers_the_map_fetch(ccare, command):
    """A server that never answers: --timeout (2 s) ends the command with exit 3, not 120 s and exit 1."""
    with rogue(lambda req: silence) as r:
        t = time.monotonic()
        res = ccare(*command, "--endpoint", f"{r.url}/sparql", "--timeout", "2")
        took = time.monotonic() - t
    assert res.exit_code == 3, res.output
    assert took < 6 and "Traceback" not in res.output
    assert "time limit" in res.stderr or "--timeout" in res.stderr


def test_a_trickling_map_fetch_ends_with_timeout(ccare):
    nt = b"<http://ex/s> <http://ex/p> <http://ex/o> .\n" * 10_000
    with rogue(lambda req: trickle(http(nt, ctype="application/n-triples"), 0.05)) as r:
        t = time.monotonic()
        res = ccare("loops", "--endpoint", f"{r.url}/sparql", "--timeout", "1.5")
        assert res.exit_code == 3, res.output
        assert time.monotonic() - t < 5


def test_load_request_timeout_is_a_total_deadline(ccare, tmp_path):
    f = tmp_path / "one.ttl"
    f.write_text("<http://ex/s> <http://ex/p> <http://ex/o> .\n")

    def answer(req):
        if "update" in req.form:
            return trickle(http(b"ok" * 1000, ctype="text/plain"), 0.1)
        return rows()

    with rogue(answer) as r:
        t = time.monotonic()
        res = ccare("load", "--endpoint", f"{r.url}/sparql", "--request-timeout", "1", str(f))
        assert time.monotonic() - t < 4
    assert res.exit_code == 3, res.output
    assert "no whole answer within 1s" in res.stderr and "nothing was loaded" in res.stderr


# ---------------------------------------------------------------------- paging: bounded whatever the count says


def _merchant_rows(names):
    return rows(*({"m": {"type": "uri", "value": f"http://ex/m{i}"},
                   "props": {"type": "literal", "value": f"id:l::M{i}"}} for i in names))


@pytest.mark.parametrize("lie", ["1000000000000", "7", "5000"])
def test_a_lying_count_costs_a_bounded_number_of_requests(lie):
    """The count says more merchants than the pages hold: pages repeat the same 3 rows."""
    def answer(req):
        if "COUNT" in req.query:
            return count(lie)
        return _merchant_rows(range(3))

    with rogue(answer) as r:
        kb = RemoteKnowledgeBase(Graph(), Endpoint(f"{r.url}/sparql"))
        with pytest.raises(EndpointError, match="counts|page"):
            kb.merchant_records()
        assert len(r.requests) <= 4  # rows, count, at most two pages


def test_pages_that_do_add_up_are_read():
    def answer(req):
        if "COUNT" in req.query:
            return count("7")
        if "OFFSET" in req.query:
            off = int(req.query.rsplit("OFFSET", 1)[1])
            return _merchant_rows(range(off, min(off + 3, 7)))
        return _merchant_rows(range(3))

    with rogue(answer) as r:
        recs = RemoteKnowledgeBase(Graph(), Endpoint(f"{r.url}/sparql")).merchant_records()
    assert sorted(x["iri"] for x in recs) == [f"http://ex/m{i}" for i in range(7)]
    assert len(r.requests) == 2 + 3


def test_too_many_pages_are_refused_before_any_page():
    def answer(req):
        return count(str(2 * MAX_PAGES)) if "COUNT" in req.query else _merchant_rows(range(1))

    with rogue(answer) as r:
        with pytest.raises(EndpointError, match="ResultSetMaxRows"):
            RemoteKnowledgeBase(Graph(), Endpoint(f"{r.url}/sparql")).merchant_records()
        assert len(r.requests) == 2




def test_portfolio_against_a_lying_count_is_an_error_in_few_requests(ccare, map_nt):
    nt, n = map_nt

    def answer(req):
        q = req.query
        if q.lstrip().startswith("PREFIX") and "CONSTRUCT" in q:
            return http(nt, ctype="application/n-triples")
        if "COUNT(*)" in q:
            return count(str(n))
        if "COUNT" in q:
            return count("38000")
        return _merchant_rows(range(3))

    with rogue(answer) as r:
        res = ccare("portfolio", "prescribe", "--endpoint", f"{r.url}/sparql")
        _clean(res)
        assert len(r.requests) <= 6


# ---------------------------------------------------------------------- broken answers


BROKEN = {
    "cut short of its Content-Length": http(b"<http://ex/s> <http://ex/p> <http://ex/o> .\n", length=5000,
                                            ctype="application/n-triples"),
    "not HTTP": b"HELLO THERE\r\n\r\n",
    "no status code": b"HTTP/1.1 \r\n\r\n",
    "a status of 999": http(b"{}", status="999 Odd"),
    "binary junk": bytes(range(256)) * 4,
    "nothing at all": b"",
    "a header line of 1 MiB": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n",
    "a bad Content-Length": b"HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n{}",
    "a chunk cut short": (b"HTTP/1.1 200 OK\r\nContent-Type: application/n-triples\r\nTransfer-Encoding: chunked"
                          b"\r\n\r\n100\r\n<http://ex/s> <http://ex/p> <http://ex/o> .\n"),
    "Content-Length over the size cap": http(b"", length=10**12),
    "HTML, not RDF": http(b"<html>hi</html>", ctype="text/html"),
    "no Content-Type": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_construct_answer_is_an_error(name):
    with rogue(lambda req: BROKEN[name]) as r:
        g = Graph()
        with pytest.raises(EndpointError) as e:
            Endpoint(f"{r.url}/sparql", timeout=5).construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", g)
        assert len(g) == 0  # a truncated CONSTRUCT is never read as a triple
        assert str(e.value).startswith(f"{r.url}/sparql")


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_answer_is_a_clean_error_on_the_command_line(ccare, with_map, name):
    with rogue(with_map(lambda req: BROKEN[name])) as r:
        _clean(ccare("sparql", Q, "--endpoint", f"{r.url}/sparql", "--timeout", "5"))


def test_an_answer_over_the_size_cap_is_refused_while_it_streams():
    big = b"[" + b"0," * 600_000 + b"0]"
    with rogue(lambda req: http(big, length=None).replace(b"Content-Length", b"X-Length")) as r:
        with pytest.raises(EndpointError, match="answer over 102,400 bytes"):
            Endpoint(f"{r.url}/sparql", limits=Limits(max_file_size=100 * 1024)).select(Q)


MALFORMED = {
    "nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
    "nested objects 50,000 deep": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "a list": "[]",
    "a binding that is a string": json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": ["s"]}}),
    "a value that is a string": json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": [{"s": "x"}]}}),
    "an unknown type": json.dumps({"head": {"vars": ["s"]},
                                   "results": {"bindings": [{"s": {"type": "weird", "value": "x"}}]}}),
    "a numeric value": json.dumps({"head": {"vars": ["s"]},
                                   "results": {"bindings": [{"s": {"type": "literal", "value": 42}}]}}),
    "a language tag of 'en } DROP'": json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": [
        {"s": {"type": "literal", "value": "x", "xml:lang": "en } DROP"}}]}}),
    "a datatype that is no IRI": json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": [
        {"s": {"type": "literal", "value": "1", "datatype": "x> . } DROP ALL"}}]}}),
    "results that are a list": json.dumps({"head": {"vars": ["s"]}, "results": []}),
    "bindings that are an object": json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": {}}}),
    "not JSON": "<sparql/>",
    "invalid UTF-8": b'{"head": {"vars": ["s"]}, '
                     b'"results": {"bindings": [{"s": {"type": "literal", "value": "\xff"}}]}}',
    "a NaN": '{"head": NaN}',
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_sparql_json_is_a_clean_error(ccare, with_map, name):
    body = MALFORMED[name]
    with rogue(with_map(lambda req: http(body))) as r:
        res = ccare("sparql", Q, "--endpoint", f"{r.url}/sparql")
    if name == "a NaN":  # valid to Python's JSON reader, and no results in it
        assert res.exit_code == 1 and "Traceback" not in res.output
        return
    _clean(res)
    assert "not SPARQL JSON results" in res.stderr


@pytest.mark.parametrize("value", ["²", "٣", "-1", "1e3", "", " 5", "5\n", "9" * 40])
def test_a_count_that_is_not_a_number_is_an_error(value):
    with rogue(lambda req: count(value)) as r:
        with pytest.raises(EndpointError, match="not a number"):
            Endpoint(f"{r.url}/sparql").count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")


def test_info_with_a_count_of_superscript_two(ccare, map_nt):
    nt, n = map_nt

    def answer(req):
        q = req.query
        if "CONSTRUCT" in q:
            return http(nt, ctype="application/n-triples")
        if "?triples" in q:
            return rows({"triples": {"type": "literal", "value": "²"}, "merchants": {"type": "literal", "value": "1"}})
        return count(str(n))

    with rogue(answer) as r:
        res = ccare("info", "--endpoint", f"{r.url}/sparql")
    _clean(res)
    assert "not a number" in res.stderr


def test_virtuoso_shaped_ask_is_read():
    def answer(req):
        if "maybe" in req.query:
            return rows(vars=["__ASK_RETVAL"])  # Virtuoso's false
        v = "1" if "yes" in req.query else "0"
        return rows({"__ASK_RETVAL": {"type": "typed-literal", "value": v,
                                      "datatype": "http://www.w3.org/2001/XMLSchema#integer"}})

    with rogue(answer) as r:
        ep = Endpoint(f"{r.url}/sparql")
        assert ep.ask("ASK { <http://ex/yes> ?p ?o }") is True
        assert ep.ask("ASK { <http://ex/no> ?p ?o }") is False
        assert ep.ask("ASK { <http://ex/maybe> ?p ?o }") is False


def test_an_error_body_cannot_drive_the_terminal(ccare, with_map):
    with rogue(with_map(lambda req: http(b"bad \x1b]0;pwned\x07 \x1b[31mred\xe2\x80\xae", status="400 Bad"))) as r:
        res = ccare("sparql", Q, "--endpoint", f"{r.url}/sparql")
    _clean(res)
    assert "\x1b" not in res.stderr and "\u202e" not in res.stderr and "HTTP 400" in res.stderr


# ---------------------------------------------------------------------- nothing but the URL given


def test_a_redirect_is_refused_and_not_followed(ccare):
    with loopback_server() as trap:
        loc = f"{trap.url}/elsewhere"
        with rogue(lambda req: http(b"", status="307 Temporary Redirect", headers={"Location": loc})) as r:
            res = ccare("sparql", Q, "--endpoint", f"{r.url}/sparql",
                        env={"CCARE_ENDPOINT_USER": "u", "CCARE_ENDPOINT_PASSWORD": "p"})
        assert trap.requests == []
    _clean(res)
    assert f"redirected to '{loc}'" in res.stderr


def test_no_proxy_or_netrc_is_taken_from_the_environment(ccare, with_map, tmp_path):
    (tmp_path / ".netrc").write_text("machine 127.0.0.1 login netrc-user password netrc-secret\n")
    (tmp_path / ".netrc").chmod(0o600)
    with loopback_server() as proxy, rogue(with_map(lambda req: rows())) as r:
        env = {k: proxy.url for k in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                                      "all_proxy")}
        env.update({"NO_PROXY": "", "no_proxy": "", "HOME": str(tmp_path), "NETRC": str(tmp_path / ".netrc")})
        res = ccare("sparql", Q, "--endpoint", f"{r.url}/sparql", env=env)
        assert res.exit_code == 0, res.output
        assert proxy.requests == []
        assert len(r.requests) == 3 and {q.headers.get("authorization") for q in r.requests} == {None}


@pytest.mark.parametrize("url", [
    "http://[::1/sparql",
    "http://127.0.0.1:99999/sparql",
    "http://127.0.0.1:-1/sparql",
    "http://exa mple.org/sparql",
    "http:///sparql",
    "http://127.0.0.1/spa\x00rql",
    "http://127.0.0.1/spa\nrql",
    "https://",
    "javascript:alert(1)",
    "//127.0.0.1/sparql",
    "http://u:p@[zz]/x",
])
def test_a_malformed_endpoint_url_is_a_usage_error(ccare, url):
    for args in (["products", "--endpoint", url], ["load", "--endpoint", url]):
        res = ccare(*args)
        assert res.exit_code == 2, res.output
        assert "Traceback" not in res.output and "internal error" not in res.output


@pytest.mark.parametrize("graph", ["not an iri", "http://ex/g> } DROP ALL { <x", "relative", ""])
def test_a_bad_graph_is_a_usage_error(ccare, graph):
    with rogue(lambda req: rows()) as r:
        for args in (["products"], ["load"], ["sparql", Q]):
            res = ccare(*args, "--endpoint", f"{r.url}/sparql", "--graph", graph)
            assert res.exit_code == 2, res.output
        assert r.requests == []


def test_graph_needs_an_endpoint(ccare):
    res = ccare("products", "--graph", "http://ex/g")
    assert res.exit_code == 2 and "--endpoint" in res.stderr


# ---------------------------------------------------------------------- loads the endpoint finds too big


def _ten(tmp_path):
    f = tmp_path / "ten.ttl"
    f.write_text("".join(f"<http://ex/s{i}> <http://ex/p> \"{i}\" .\n" for i in range(10)), encoding="utf-8")
    return f


def test_a_batch_too_big_for_the_endpoint_is_sent_in_halves(ccare, tmp_path):
    """Virtuoso: "SPARQL compiler, line 4992: memory exhausted" on some 5,000-triple updates."""
    def answer(req):
        if "update" not in req.form:
            return rows()
        if req.form["update"].count(" .\n") + req.form["update"].count(" .}") > 3:
            return http(b"Virtuoso 37000 Error SP030: SPARQL compiler, line 4: memory exhausted", status="400 Bad")
        return http(b"", ctype="text/plain")

    with rogue(answer) as r:
        res = ccare("load", "--endpoint", f"{r.url}/sparql", "--batch", "10", str(_ten(tmp_path)))
        assert res.exit_code == 0, res.output
        sent = [q.form["update"] for q in r.requests if "update" in q.form]
    assert "Loaded 10 triples" in res.stdout
    # every triple went through exactly once, in updates of at most 3
    ok = [u for u in sent if u.count(" .\n") <= 3]
    assert sorted(ln for u in ok for ln in u.splitlines() if ln.startswith("<")) == sorted(
        f'<http://ex/s{i}> <http://ex/p> "{i}" .' for i in range(10))


def test_a_refused_update_is_not_split_when_size_is_not_the_reason(ccare, tmp_path):
    def answer(req):
        if "update" not in req.form:
            return rows()
        return http(b"Virtuoso 37000 Error SP031: SPARQL compiler: something else", status="400 Bad")

    with rogue(answer) as r:
        res = ccare("load", "--endpoint", f"{r.url}/sparql", "--batch", "10", str(_ten(tmp_path)))
        assert len([q for q in r.requests if "update" in q.form]) == 1
    _clean(res)
    assert "something else" in res.stderr and "nothing was loaded" in res.stderr


# ---------------------------------------------------------------------- challenges ccare cannot answer


CHALLENGES = {
    "Digest with no nonce": 'Digest realm="x", qop="auth"',
    "Digest of an unknown algorithm": 'Digest realm="x", nonce="n", qop="auth", algorithm=ROT13',
    "Digest with qop auth-int only": 'Digest realm="x", nonce="n", qop="auth-int"',
    "Digest with an unknown qop": 'Digest realm="x", nonce="n", qop="magic"',
    "Negotiate": "Negotiate",
    "an empty challenge": "",
    "Digest, 8 KiB of realm": 'Digest realm="' + "r" * 8192 + '", nonce="n", qop="auth"',
}


@pytest.mark.parametrize("name", CHALLENGES)
def test_a_challenge_that_cannot_be_answered_is_a_clean_error(ccare, name):
    def answer(req):
        headers = {"WWW-Authenticate": CHALLENGES[name]} if CHALLENGES[name] else {}
        return http(b"no", status="401 Unauthorized", ctype="text/plain", headers=headers)

    with rogue(answer) as r:
        res = ccare("products", "--endpoint", f"{r.url}/sparql",
                    env={"CCARE_ENDPOINT_USER": "u", "CCARE_ENDPOINT_PASSWORD": "pw-secret"})
        assert len(r.requests) <= 2
        assert not any("basic" in q.headers.get("authorization", "").lower() for q in r.requests)
    _clean(res)
    assert "pw-secret" not in res.output and ("HTTP 401" in res.stderr or "challenge" in res.stderr)


def test_skolem_iris_of_other_minters_stay_apart():
    from rdflib import BNode, URIRef

    from ccare.endpoint.client import term

    a = term({"type": "uri", "value": "http://a.example/.well-known/genid/x"})
    b = term({"type": "uri", "value": "http://b.example/.well-known/genid/x"})
    assert isinstance(a, BNode) and isinstance(b, BNode) and a != b
    assert term({"type": "uri", "value": "https://w3id.org/ccare/.well-known/genid/ab12"}) == BNode("ab12")
    assert term({"type": "uri", "value": "urn:x:/.well-known/genid/y"}) == URIRef("urn:x:/.well-known/genid/y")


def test_a_name_lookup_that_hangs_is_cut_at_the_deadline(monkeypatch):
    import socket

    import ccare.endpoint.client as client

    def slow(*args, **kwargs):
        time.sleep(5)
        raise OSError("too late")

    monkeypatch.setattr(client.socket, "getaddrinfo", slow)
    t = time.monotonic()
    with pytest.raises(EndpointTimeout):
        Endpoint("http://slow-resolver.invalid/sparql", timeout=0.5).select(Q)
    assert time.monotonic() - t < 2
    monkeypatch.undo()
    assert socket.getaddrinfo is not slow


def test_a_host_name_is_looked_up_and_reached():
    with rogue(lambda req: rows()) as r:
        port = r.url.rsplit(":", 1)[1]
        assert Endpoint(f"http://localhost:{port}/sparql", timeout=5).select(Q) == []


def test_validate_at_an_endpoint_spends_one_timeout_in_all(ccare, monkeypatch):
    """--timeout bounds the whole command: the time the endpoint's map took to arrive is
    not given to the validation again."""
    import ccare.commands.core as core
    import ccare.query.shacl as shacl
    from ccare.kb.model import load

    kb = load([])
    given = []

    def slow_fetch(files, whole=False):
        from ccare.commands.common import current_endpoint

        current_endpoint()  # the deadline starts with the first request
        time.sleep(1.0)  # the map arrives slowly
        return kb

    def validate(kb, timeout=None, sources=(), **options):
        given.append(timeout)
        return real(kb, timeout=timeout, sources=sources, **options)

    real = shacl.validate
    monkeypatch.setattr(core, "load_kb", slow_fetch)
    monkeypatch.setattr(shacl, "validate", validate)
    r = ccare("validate", "--endpoint", "http://127.0.0.1:9/query", "--timeout", "30")
    assert r.exit_code == 0, r.output
    assert given and given[0] <= 29.0


# ---------------------------------------------------------------------- in Chinese

from test_zh import assert_chinese  # noqa: E402


def _zh_cases():
    """name -> (answer(map_nt), command, credentials?, exit code): a misbehaving endpoint per case."""
    cases = {
        "no answer": (lambda m: lambda req: silence, ["loops", "--timeout", "2"], False, 3),
        "an error body": (lambda m: _map_with(*m, lambda req: http(b"Virtuoso 37000 Error SP031: compiler: no",
                                                                     status="400 Bad")), ["sparql", Q], False, 1),
        "a redirect": (lambda m: lambda req: http(b"", status="307 Temporary Redirect",
                                                  headers={"Location": "http://elsewhere.example/sparql"}),
                       ["products"], False, 1),
        "credentials wanted": (lambda m: lambda req: http(b"no", status="401 Unauthorized", ctype="text/plain",
                                                          headers={"WWW-Authenticate": 'Basic realm="x"'}),
                               ["products"], False, 1),
        "a user refused": (lambda m: lambda req: http(b"no", status="401 Unauthorized", ctype="text/plain",
                                                      headers={"WWW-Authenticate": 'Basic realm="x"'}),
                           ["products"], True, 1),
        "a user forbidden": (lambda m: lambda req: http(b"no", status="403 Forbidden", ctype="text/plain"),
                             ["products"], True, 1),
        "no map there": (lambda m: lambda req: http(b"", ctype="application/n-triples") if "CONSTRUCT" in req.query
                         else count("0"), ["products"], False, 1),
        "answers capped": (lambda m: lambda req: http(m[0], ctype="application/n-triples")
                           if "CONSTRUCT" in req.query else count(str(m[1] + 100)), ["products"], False, 1),
        "a lying merchant count": (lambda m: _map_with(*m, lambda req: count("38000") if "COUNT" in req.query
                                                       else _merchant_rows(range(3))),
                                   ["portfolio", "prescribe"], False, 1),
        "a count of ²": (lambda m: _map_with(*m, lambda req: rows(
            {"triples": {"type": "literal", "value": "²"}, "merchants": {"type": "literal", "value": "1"}})),
            ["info"], False, 1),
    }
    for name, body in BROKEN.items():
        cases[f"broken: {name}"] = ((lambda b: lambda m: _map_with(*m, lambda req: b))(body),
                                    ["sparql", Q, "--timeout", "5"], False, 1)
    for name, body in MALFORMED.items():
        if name != "a NaN":
            cases[f"malformed: {name}"] = ((lambda b: lambda m: _map_with(*m, lambda req: http(b)))(body),
                                           ["sparql", Q], False, 1)
    for name, challenge in CHALLENGES.items():
        headers = {"WWW-Authenticate": challenge} if challenge else {}
        cases[f"challenge: {name}"] = (
            (lambda h: lambda m: lambda req: http(b"no", status="401 Unauthorized", ctype="text/plain", headers=h))(
                headers), ["products"], True, 1)
    return cases


ZH_CASES = _zh_cases()


def _error_lines(text: str) -> str:
    """The error a command printed: from its "错误：" line to the end."""
    at = text.find("错误：")
    assert at >= 0, text
    return text[at:]


@pytest.mark.parametrize("name", ZH_CASES)
def test_an_endpoint_failure_is_said_in_chinese(ccare, map_nt, name):
    """Every failure of an endpoint reads in Chinese with --lang zh: ccare's own words
    translated, the server's own words kept inside quotes, and the exit code unchanged."""
    answer, command, credentials, code = ZH_CASES[name]
    env = {"CCARE_ENDPOINT_USER": "u", "CCARE_ENDPOINT_PASSWORD": "pw"} if credentials else {}
    with rogue(answer(map_nt)) as r:
        res = ccare(*command, "--endpoint", f"{r.url}/sparql", "--lang", "zh", env=env)
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    error = _error_lines(res.stderr)
    assert_chinese(error, name, allow=("ccare", "load"))
    assert f"{r.url}/sparql" in error  # which endpoint, always


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/sparql", "javascript:alert(1)", "http://exa mple.org/x"])
def test_a_malformed_endpoint_url_is_said_in_chinese(ccare, url):
    res = ccare("products", "--endpoint", url, "--lang", "zh")
    assert res.exit_code == 2, res.output
    assert_chinese(_error_lines(res.stderr), url)


def test_an_unreachable_endpoint_is_said_in_chinese(ccare):
    from servers import free_port

    res = ccare("products", "--endpoint", f"http://127.0.0.1:{free_port()}/sparql", "--lang", "zh")
    assert res.exit_code == 1, res.output
    error = _error_lines(res.stderr)
    assert "无法连接端点" in error
    assert_chinese(error, "unreachable")


def test_a_load_is_reported_in_chinese(ccare, tmp_path):
    """A load that ends, and one the endpoint stops half-way: what it took and how to finish, in Chinese."""
    sent = []

    def answer(req):
        if "update" not in req.form:
            return rows()
        sent.append(req.form["update"])
        if len(sent) == 2:
            return http(b"Virtuoso 37000 Error SP031: SPARQL compiler: something else", status="400 Bad")
        return http(b"", ctype="text/plain")

    f = _ten(tmp_path)
    with rogue(answer) as r:
        res = ccare("load", "--endpoint", f"{r.url}/sparql", "--batch", "4", str(f), "--lang", "zh")
    assert res.exit_code == 1, res.output
    error = _error_lines(res.stderr)
    assert "载入停在" in error and "ten.ttl：10 个三元组中的 4 个（3 批中完整的 1 批）" in error
    assert "--force" in error and "--clear" in error
    assert_chinese(error, "a load stopped", allow=("ccare", "load"))

    sent.clear()
    sent.append("")  # the next update is the first to count: none fails
    with rogue(lambda req: http(b"", ctype="text/plain") if "update" in req.form else rows()) as r:
        res = ccare("load", "--endpoint", f"{r.url}/sparql", str(f), "--lang", "zh")
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("已把 ") and "的 10 个三元组载入" in res.stdout
    assert_chinese(res.stdout, "a load")

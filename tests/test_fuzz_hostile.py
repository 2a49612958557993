"""Fuzzing: any input gives an answer or a clean error; never a traceback, a crash or a hang."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef

from ccare.cli import cli
from ccare.errors import DataError
from ccare.rdfio.read import Limits, parse_text

FAST = settings(max_examples=150, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
CLI = settings(max_examples=40, deadline=15000, suppress_health_check=[HealthCheck.too_slow])

TURTLE_TOKENS = st.sampled_from([
    "@prefix ex: <http://ex/> .", "@base <http://ex/> .", "PREFIX ex: <http://ex/>", "ex:a", "ex:", "<http://ex/a>",
    "<a b>", "<>", '"lit"', '"""long\nlit"""', "'x'", '"\\u00e9"', '"\\uD800"', "[", "]", "(", ")", ";", ",", ".",
    " a ", "_:b", "@en", "@zh-Hans", "^^", "<http://www.w3.org/2001/XMLSchema#integer>", "1", "-1.5e3", "true",
    "\n", " ", "#c\n", "\\", "\x00", "\ufeff", "\u202e", "<<", ">>", "{", "}", "GRAPH", "@", "é", "商家",
])
TURTLE = st.one_of(st.lists(TURTLE_TOKENS, max_size=40).map("".join), st.text(max_size=200))
SMALL = Limits(max_file_size=10_000, max_literal=1000, max_depth=16)


def _loads_or_refuses(data, fmt):
    g = Graph()
    try:
        n = parse_text(g, data, fmt, name="fuzz", limits=SMALL)
    except DataError as e:
        assert str(e).startswith("fuzz")
        assert len(g) == 0  # a failed parse adds nothing
        return
    # what was read is in the graph (a triple read twice is kept once), and is well formed RDF
    assert n >= len(g) and (n == 0) == (len(g) == 0)
    for s, p, o in g:
        assert isinstance(s, (URIRef, BNode)) and isinstance(p, URIRef), (s, p)
        assert isinstance(o, (URIRef, BNode, Literal)), o


@FAST
@given(TURTLE)
def test_turtle_loader(text):
    _loads_or_refuses(text, "turtle")


@FAST
@given(st.binary(max_size=300), st.sampled_from(["turtle", "nt", "nquads", "trig", "n3", "json-ld", "xml"]))
def test_any_bytes_in_any_format(data, fmt):
    _loads_or_refuses(data, fmt)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10)
    | st.sampled_from(["@id", "@type", "@context", "@graph", "@list", "http://ex/p", "ex:p", "_:b", "@vocab"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["@id", "@type", "@context", "@graph", "@value", "@language", "@list", "@reverse",
                         "@vocab", "@base", "@import", "http://ex/p", "ex", "ex:q", "name"]) | st.text(max_size=5),
        inner, max_size=4),
    max_leaves=25,
)


@FAST
@given(JSON)
def test_jsonld_loader(value):
    _loads_or_refuses(json.dumps(value), "json-ld")


XML_TOKENS = st.sampled_from([
    '<?xml version="1.0"?>', '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex/">',
    "</rdf:RDF>", '<rdf:Description rdf:about="http://ex/a">', "</rdf:Description>", "<ex:p>", "</ex:p>",
    '<ex:p rdf:resource="http://ex/b"/>', "text", "&amp;", "&lol;", "<!DOCTYPE x>", '<!ENTITY a "b">', "<!-- c -->",
    "<![CDATA[x]]>", '<ex:p rdf:parseType="Literal">', '<ex:p xml:lang="en">', "\n", "<", ">", '"',
])


@FAST
@given(st.lists(XML_TOKENS, max_size=30).map("".join))
def test_rdfxml_loader(text):
    _loads_or_refuses(text, "xml")


def _clean_run(*args):
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False, prog_name="ccare")
    assert r.exit_code in (0, 1, 2, 3), r.output
    assert "Traceback" not in r.output
    assert "internal error" not in r.output, r.output
    return r


NAMES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["fan-group", "商家粉丝群", "FAN-GROUP ", "https://w3id.org/ccare/id/fan-group", "cc:Product",
                     "ACTIVE", "", " ", "\x00", "\u202e", "%s", "{}", "..", "a" * 300]),
)


@CLI
@given(NAMES, st.sampled_from(["table", "json"]), st.sampled_from(["zh", "en"]))
def test_show(name, fmt, lang):
    _clean_run("show", name, "--format", fmt, "--lang", lang)


@CLI
@given(st.one_of(st.none(), NAMES), st.one_of(st.none(), NAMES))
def test_products_need_and_value(need, value):
    args = ["products", "--format", "json"]
    if need is not None:
        args += ["--need", need]
    if value is not None:
        args += ["--value", value]
    _clean_run(*args)


SPARQL_TOKENS = st.sampled_from([
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "?x", "?y", "*", "cc:serves", "ccid:fan-group",
    "rdfs:label", "a", "cc:Product", ".", ";", ",", "FILTER", "(", ")", "REGEX", "STR", "LANG", "=", "!=", "&&",
    '"zh"', "'x'", "1", "UNION", "OPTIONAL", "MINUS", "BIND", "AS", "VALUES", "LIMIT", "OFFSET", "ORDER BY",
    "GROUP BY", "COUNT", "DISTINCT", "SERVICE", "<http://127.0.0.1:9/sparql>", "FROM", "NAMED", "GRAPH",
    "INSERT", "DELETE", "DATA", "LOAD", "CLEAR", "PREFIX", "xx:", "<", ">", "/", "|", "^", "+", "?", "#", "\n",
])
SPARQL = st.one_of(st.lists(SPARQL_TOKENS, min_size=1, max_size=25).map(" ".join), st.text(max_size=80))


@CLI
@given(SPARQL, st.sampled_from(["table", "csv", "json"]))
def test_sparql(query, fmt):
    _clean_run("sparql", query, "--format", fmt, "--timeout", "1", "--max-rows", "50")

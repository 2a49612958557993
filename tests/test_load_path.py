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

"""The parse cache: hits skip the parse, changes miss, damage is rebuilt, off means off."""

from __future__ import annotations

import os

import pytest

from ccare.kb import cache, loader
from ccare.kb.model import load
from ccare.rdfio.store import STORES, kind_of, store_kind
from graphs import assert_same_graph


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("CCARE_CACHE_DIR", str(d))
    monkeypatch.delenv("CCARE_NO_CACHE", raising=False)
    return d / "parse"


def _data(tmp_path, text="smart-menu"):
    f = tmp_path / "ext.ttl"
    f.write_text(
        "@prefix : <https://w3id.org/ccare/id/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f':{text} rdfs:label "{text}"@en .\n',
        encoding="utf-8",
    )
    return f


@pytest.mark.parametrize("kind", STORES)
def test_second_load_comes_from_the_cache(cache_dir, tmp_path, monkeypatch, kind):
    f = _data(tmp_path)
    first = load([f], store=kind)
    assert [e["store"] for e in cache.entries()] == [kind]
    monkeypatch.setattr(loader, "build_graph", lambda *a, **k: pytest.fail("parsed again"))
    second = load([f], store=kind)
    assert kind_of(second.graph) == kind
    assert_same_graph(first.graph, second.graph)
    assert second.resolve("smart-menu") == first.resolve("smart-menu")
    assert second.info() == first.info()


def test_changed_input_is_parsed_again(cache_dir, tmp_path):
    f = _data(tmp_path, "smart-menu")
    load([f])
    _data(tmp_path, "kiosk")  # same path, new bytes
    kb = load([f])
    assert kb.resolve("kiosk")
    assert len(cache.entries()) == 2


def test_key_covers_bytes_store_order_and_base(tmp_path):
    a = loader.Input("a", b"<a> <b> <c> .", "turtle", "file:///x/")
    b = loader.Input("b", b"<a> <b> <d> .", "turtle", "file:///x/")
    assert cache.key([a, b], "oxigraph") != cache.key([b, a], "oxigraph")
    assert cache.key([a], "oxigraph") != cache.key([a], "memory")
    assert cache.key([a], "oxigraph") != cache.key([loader.Input("a", a.data, "turtle", "file:///y/")], "oxigraph")
    assert cache.key([a], "oxigraph") == cache.key(
        [loader.Input("renamed", a.data, "turtle", "file:///x/")], "oxigraph"
    )


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_damaged_entry_is_ignored_and_rebuilt(cache_dir, tmp_path, damage):
    f = _data(tmp_path)
    good = load([f])
    (entry,) = cache_dir.iterdir()
    data = entry.read_bytes()
    entry.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"\x00not rdf" + data[-200:],
                       "empty": b""}[damage])
    again = load([f])
    assert_same_graph(again.graph, good.graph)
    rebuilt = entry.read_bytes()  # rebuilt whole: the trailer names the key (and the digest of the rest)
    last = data[data.rindex(b"\n", 0, len(data) - 1) + 1:]
    assert rebuilt[rebuilt.rindex(b"\n", 0, len(rebuilt) - 1) + 1:].startswith(last.rsplit(b" ", 1)[0] + b" ")
    assert b"\x00" not in rebuilt
    assert_same_graph(load([f]).graph, good.graph)


def test_no_cache_reads_and_writes_nothing(cache_dir, tmp_path, monkeypatch):
    f = _data(tmp_path)
    load([f], cache=False)
    assert not cache_dir.exists()
    monkeypatch.setenv("CCARE_NO_CACHE", "1")
    load([f])
    assert not cache_dir.exists()
    monkeypatch.setenv("CCARE_NO_CACHE", "0")
    load([f])
    assert len(cache.entries()) == 1


def test_cache_directory_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv("CCARE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name == "posix" and not os.uname().sysname == "Darwin":
        assert cache.cache_dir() == tmp_path / "xdg" / "ccare" / "parse"
    monkeypatch.setenv("CCARE_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.cache_dir() == tmp_path / "mine" / "parse"


def test_unwritable_cache_does_not_stop_loading(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("CCARE_CACHE_DIR", str(blocker))
    assert load([_data(tmp_path)]).resolve("smart-menu")


def test_old_entries_are_pruned(cache_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    for name in ("one", "two", "three"):
        load([_data(tmp_path, name)])
    assert len(cache.entries()) == 2


def test_cli_cache_and_no_cache(ccare, cache_dir, tmp_path):
    f = _data(tmp_path)
    assert ccare("--no-cache", "info", "--data", str(f)).exit_code == 0
    assert not cache_dir.exists()
    assert ccare("info", "--data", str(f)).exit_code == 0
    d = ccare.json("cache")
    assert d["directory"] == str(cache_dir) and [e["store"] for e in d["entries"]] == [store_kind()]
    r = ccare("cache", "--clear")
    assert r.exit_code == 0 and r.output.startswith("Removed 1 entry from")
    assert ccare.json("cache")["entries"] == []


def test_networkx_graph_is_kept_beside_the_cached_map(cache_dir, tmp_path, monkeypatch):
    from ccare.graph import build

    f = _data(tmp_path)
    first = build.to_networkx(load([f]))
    assert any(e["store"] == "derived: networkx" for e in cache.entries())
    monkeypatch.setattr(build, "_build", lambda kb: pytest.fail("built again"))
    again = build.to_networkx(load([f]))
    assert list(again.nodes(data=True)) == list(first.nodes(data=True))
    assert list(again.edges(keys=True, data=True)) == list(first.edges(keys=True, data=True))
    assert again is not first


def test_damaged_networkx_entry_is_rebuilt_and_no_cache_keeps_none(cache_dir, tmp_path):
    from ccare.graph import build

    f = _data(tmp_path)
    good = build.to_networkx(load([f]))
    (pickled,) = cache_dir.glob("*.pickle")
    pickled.write_bytes(b"not a pickle")
    again = build.to_networkx(load([f]))
    assert list(again.edges(keys=True, data=True)) == list(good.edges(keys=True, data=True))
    assert pickled.read_bytes() != b"not a pickle"
    cache.clear()
    build.to_networkx(load([f], cache=False))
    assert not list(cache_dir.glob("*"))


def test_derived_key_changes_with_the_code(tmp_path, monkeypatch):
    mod = tmp_path / "fake_builder.py"
    mod.write_text("X = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    a = cache.derived_key("k", "fake_builder")
    mod.write_text("X = 2\n", encoding="utf-8")
    assert cache.derived_key("k", "fake_builder") != a
    assert cache.derived_key("other", "fake_builder") != cache.derived_key("k", "fake_builder")


def test_the_key_covers_the_loading_code(tmp_path, monkeypatch):
    """A change to how maps are read or materialised is a new entry: the parse cache never
    serves a map the current code would not build (issue 12, 'one cache rule')."""
    a = loader.Input("a", b"<urn:a> <urn:b> <urn:c> .", "turtle", "file:///x/")
    before = cache.key([a], "oxigraph")
    assert "ccare.kb.loader" in cache.LOAD_CODE and "ccare.kb.model" in cache.LOAD_CODE
    monkeypatch.setattr(cache, "code_digest", lambda modules=cache.LOAD_CODE: "0" * 64)
    assert cache.key([a], "oxigraph") != before


def test_the_code_digest_follows_the_source(tmp_path, monkeypatch):
    mod = tmp_path / "fake_loader_mod.py"
    mod.write_text("X = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cache, "_CODE_DIGESTS", {})
    first = cache.code_digest(("fake_loader_mod",))
    assert cache.code_digest(("fake_loader_mod",)) == first  # read once per process
    mod.write_text("X = 2\n", encoding="utf-8")
    monkeypatch.setattr(cache, "_CODE_DIGESTS", {})
    assert cache.code_digest(("fake_loader_mod",)) != first

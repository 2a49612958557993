"""Imports run one way: down the layers the README's "Layout" draws (tests/layering.py).

Every module of the package is read with ``ast`` and every import it makes, inside functions
too, is checked: a module may import its own layer and those below, never one above.  A
failure names the module, the line and the import.  docs/architecture.md, the import graph
before and after the layout change, is checked to be what the source gives now.
"""

from __future__ import annotations

import re

import pytest

import layering

README = layering.ROOT / "README.md"
ARCHITECTURE = layering.ROOT / "docs" / "architecture.md"


def test_no_module_imports_from_a_layer_above():
    found = layering.imports(layering.source_files())
    assert len(found) > 100  # the scan sees the package
    bad = [f"{imp.where()}: ccare.{imp.module} imports ccare.{imp.target}, a layer above"
           for imp, allowed in layering.violations(found) if allowed is None]
    assert not bad, "imports against the layers of tests/layering.py (README, Layout):\n" + "\n".join(bad)


def test_every_allowed_exception_is_still_needed():
    """An entry of EXCEPTIONS whose import has gone must go too, so the list stays true."""
    used = {(imp.module, layering._unit(imp.target))
            for imp, allowed in layering.violations(layering.imports(layering.source_files())) if allowed}
    gone = set(layering.EXCEPTIONS) - used
    assert not gone, f"these imports are gone: remove them from EXCEPTIONS in tests/layering.py: {sorted(gone)}"


def test_every_package_has_a_layer():
    names = {layering._module_name(path).split(".")[0] for path in layering.source_files()}
    missing = sorted(n for n in names if layering.layer_of(n) is None)
    assert not missing, f"add {missing} to LAYERS in tests/layering.py and to the README's Layout"


def test_the_readme_draws_every_layer():
    layout = README.read_text(encoding="utf-8").split("## Layout", 1)[1].split("\n## ", 1)[0]
    for layer in layering.LAYERS:
        for name in layer:
            path = layering.ROOT / name.replace(".", "/")
            if name in ("__main__", "__init__") or not (path.is_dir() or path.with_suffix(".py").is_file()):
                continue  # the root package itself; a layer's place kept for a module not written yet
            stem = name.split(".")[-1]
            assert re.search(rf"\b{re.escape(stem)}(/|\.py)", layout), f"README's Layout does not name {name}"


@pytest.mark.parametrize("source, imported, layer_error", [
    ("from ccare.cli import cli\n", "cli.cli", True),
    ("def f():\n    from ccare import api\n", "api", True),
    ("from ..commands import common\n", "commands.common", True),
    ("from ccare.errors import UsageError\nfrom ccare import __version__\n", "errors.UsageError", False),
])
def test_the_scan_sees_imports_inside_functions_and_relative_ones(source, imported, layer_error):
    """The checker can fail: a module of kb/ importing upwards, at any depth, is caught."""
    found = layering.imports({"kb/model.py": source})
    assert [i.target for i in found] == [imported]
    assert bool(layering.violations(found)) is layer_error
    if layer_error:
        assert found[0].where() == f"kb/model.py:{source.count(chr(10), 0, source.index('import'))+1}"


def test_docs_architecture_md_is_current():
    before = layering.source_files_at(layering.BEFORE)
    if before is None:
        pytest.skip(f"commit {layering.BEFORE} is not in this clone's history (shallow clone)")
    assert ARCHITECTURE.read_text(encoding="utf-8") == layering.render(before=before), (
        f"docs/architecture.md is out of date with the source; regenerate it with:\n    {layering.REGENERATE}")

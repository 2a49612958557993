"""The wheel holds the package and its data, and not the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


#: What a build of the checkout must neither read nor write (setuptools writes build/ and
#: ccare.egg-info/ beside the sources): the wheel is built from a copy of the tree without them.
_NOT_SOURCES = (".git", ".venv", "build", "dist", "*.egg-info", ".hypothesis", ".pytest_cache", "test-artifacts",
                "__pycache__")


def test_wheel_contents(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(*_NOT_SOURCES), symlinks=True)
    out = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(tree)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    (wheel,) = out.glob("ccare-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "ccare/cli.py" in names and "ccare/__main__.py" in names
    assert "ccare/ontology/ccare.ttl" in names
    assert "ccare/ontology/shapes/ccare.shapes.ttl" in names
    assert any(n.startswith("ccare/ontology/kb/") and n.endswith(".ttl") for n in names)
    assert "ccare/ontology/sources/alipay-openday-c-care-2023.zh.txt" in names
    assert not [n for n in names if "/tests/" in n or n.startswith("tests/")]
    # every module of the source tree ships (a subpackage missing from pyproject's list
    # would work in an editable install and break in a real one)
    skip = {"tests", "bench", "examples", ".venv", "build", "dist"}
    sources = {
        "ccare/" + p.relative_to(ROOT).as_posix()
        for p in ROOT.rglob("*.py")
        if not (set(p.relative_to(ROOT).parts) & skip)
        and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
    }
    assert sources - set(names) == set()
    # the root is the package: no bare top-level modules named graph or cli
    assert not [n for n in names if n.startswith(("graph/", "cli.py", "exports/"))]

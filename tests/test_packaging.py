"""The wheel holds the package and its data, and not the tests."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contents(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("ccare-*.whl")
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
        if not (set(p.relative_to(ROOT).parts) & skip) and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
    }
    assert sources - set(names) == set()
    # the root is the package: no bare top-level modules named graph or cli
    assert not [n for n in names if n.startswith(("graph/", "cli.py", "exports/"))]

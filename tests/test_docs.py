"""The README's examples run, and the library's docstring examples hold."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import shlex
from pathlib import Path

import pytest

import ccare

README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_commands():
    text = README.read_text(encoding="utf-8")
    cmds = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("ccare "):
                cmds.append(line)
    return cmds


COMMANDS = _readme_commands()


def test_readme_has_examples():
    assert len(COMMANDS) >= 5
    assert 'pip install -e ".[test]"' in README.read_text(encoding="utf-8")
    assert "python -m pytest" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs(ccare, command, monkeypatch):
    monkeypatch.chdir(README.parent)
    args = shlex.split(command)[1:]
    r = ccare(*args)
    assert r.exit_code == 0, f"{command}\n{r.output}"
    assert r.output.strip()


def _modules():
    names = ["ccare"]
    for m in pkgutil.walk_packages(ccare.__path__, "ccare."):
        if ".tests" in m.name or m.name.startswith("ccare.tests"):
            continue
        names.append(m.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

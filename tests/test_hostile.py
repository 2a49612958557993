"""The hostile-input corpus: every bad or malicious file gives exactly the message it should.

Each input in ``tests/data/hostile/`` has a ``.expect`` file beside it::

    # why the case exists
    args: info --data NAME        (default; NAME is the input's file name)
    env: VAR=VALUE                (repeatable)
    exit: 1
    stderr: Error: NAME, line 3, column 8: ...   (the exact standard error, one line)
    stdout-contains: text         (repeatable)

The commands run in the corpus folder, so messages name the file as the user typed it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
EXPECTS = sorted(HOSTILE.glob("*.expect"))


def _cases():
    return [pytest.param(p, id=p.name.removesuffix(".expect")) for p in EXPECTS]


def _read_expect(path: Path) -> dict:
    spec: dict = {"env": {}, "stdout": []}
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        key, _, value = raw.partition(": ")
        if key == "env":
            var, _, val = value.partition("=")
            spec["env"][var] = val
        elif key == "stdout-contains":
            spec["stdout"].append(value)
        elif key in ("args", "exit", "stderr"):
            spec[key] = value
        else:
            raise AssertionError(f"{path.name}: unknown key {key!r}")
    return spec


def test_corpus_is_not_empty():
    assert len(EXPECTS) >= 30


def test_every_input_has_an_expectation():
    inputs = {p.name for p in HOSTILE.iterdir() if p.suffix != ".expect"}
    expected = {p.name.removesuffix(".expect") for p in EXPECTS}
    assert inputs == expected


@pytest.mark.parametrize("expect", _cases())
def test_hostile_input(ccare, expect, monkeypatch):
    name = expect.name.removesuffix(".expect")
    spec = _read_expect(expect)
    monkeypatch.chdir(HOSTILE)
    for var in ("CCARE_MAX_FILE_SIZE", "CCARE_MAX_LITERAL", "CCARE_MAX_DEPTH"):
        monkeypatch.delenv(var, raising=False)
    for var, val in spec["env"].items():
        monkeypatch.setenv(var, val)
    args = spec.get("args", f"info --data {name}")
    r = ccare(args)
    assert r.exit_code == int(spec["exit"]), r.output
    if "stderr" in spec:
        lines = r.stderr.strip().splitlines()
        assert lines[-1] == spec["stderr"]
        if r.exit_code != 2:  # a usage error is preceded by click's usage lines
            assert len(lines) == 1, r.stderr
    else:
        assert "Traceback" not in r.stderr and "Error" not in r.stderr, r.stderr
    for text in spec["stdout"]:
        assert text in r.stdout
    assert "Traceback" not in r.output

"""The Python API (README "Python API"): ccare.load() and the Map's answers."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ccare
from ccare.errors import UnknownEntityError, UsageError
from ccare.graph.loops import LoopSpec, operating_loops
from ccare.graph.prescribe import prescriptions

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def m():
    return ccare.load()


def test_the_readme_example_runs_as_a_notebook_would():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = readme.split("## Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "__main__"})
    lines = out.getvalue().splitlines()
    assert lines[0] == "('mini-program-cloud',) ('payment', 'mini-program') ['mini-program-cloud']"
    assert lines[2] == "Zhima Credit → payment"
    assert lines[-1] == "unknown need 'SCLAE' (allowed: SCALE, ACTIVE, WORTH, EFFICIENCY)"


def test_the_done_when_command_of_the_issue():
    r = subprocess.run([sys.executable, "-c", "import ccare; m = ccare.load(); print(m.prescribe(has=['小程序']))"],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "mini-program-cloud" in r.stdout


def test_importing_ccare_loads_no_rdf_stack():
    code = "import sys, ccare; print(sorted(m for m in ('rdflib', 'networkx', 'pyoxigraph') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.stdout.strip() == "[]", r.stdout


def test_answers_are_the_command_lines(m, ccare):
    cli = ccare.json("prescribe", "--has", "小程序", "--limit", "2")
    cli_prescriptions = [{k: v for k, v in p.items() if k != "schema_version"} for p in cli]
    assert cli_prescriptions == m.prescribe(["小程序"], limit=2).to_json()
    cli_gaps = ccare.json("gaps", "--has", "fan-group")
    assert {k: v for k, v in cli_gaps.items() if k != "schema_version"} == m.gaps(["fan-group"]).to_json()


def test_records_are_flat_with_labels(m):
    rows = m.loops(limit=2).records()
    assert rows and all(isinstance(v, (str, int, float, bool)) for r in rows for v in r.values())
    assert {"result", "step", "from", "from_label", "to", "moves", "evidence", "supporting"} <= set(rows[0])
    assert m.rank().records()[0]["id"] == "payment"
    assert {r["id"] for r in m.coverage().records()} >= {"mini-program", "fan-group"}


def test_html_is_escaped(m):
    html = m.products()._repr_html_()
    assert html.startswith("<table>") and "<script" not in html
    assert "商家粉丝群" not in html or "merchant fan group" in html  # labels in the map's language
    assert "<ccare.Map" not in m._repr_html_() and "&lt;ccare.Map" in m._repr_html_()


@pytest.mark.parametrize("call, error, message", [
    (lambda m: m.prescribe(has=["Mini Progam"]), UnknownEntityError, "did you mean: mini-program"),
    (lambda m: m.loops(through=["芝麻信用x"]), UnknownEntityError, "unknown product"),
    (lambda m: m.loops(needs=["SCLAE"]), UsageError, "unknown need 'SCLAE'"),
    (lambda m: m.loops(max_length=50), UsageError, "from 1 to 20"),
    (lambda m: m.prescribe(has=["小程序"], scale="tiny"), UsageError, "unknown scale"),
    (lambda m: m.whatif("livestream"), UnknownEntityError, "unknown product"),
])
def test_a_misspelt_question_is_an_error_not_an_empty_answer(m, call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call(m)


def test_the_graph_functions_check_their_ids_too(m):
    G = m.graph
    with pytest.raises(UsageError):
        LoopSpec(needs=("SCLAE",))
    with pytest.raises(UsageError):
        LoopSpec(max_length=50)
    with pytest.raises(UnknownEntityError):
        list(operating_loops(G, LoopSpec(through=("芝麻信用",))))  # a name, not an id
    with pytest.raises(UnknownEntityError):
        next(prescriptions(G, ["Mini Progam"]))
    assert LoopSpec(needs=("scale", "Worth")).needs == ("SCALE", "WORTH")


def test_names_and_need_names_are_taken(m):
    assert m.products(need="高质量关系维护").to_json() == m.products(need="ACTIVE").to_json()
    assert json.dumps(m.show("商家粉丝群"), ensure_ascii=False).count('"fan-group"') >= 1
    assert m.paths("芝麻信用", "支付", k=0)[0].nodes == ("zhima-credit", "payment")


def test_printing_an_answer_shows_a_table_a_reader_can_read():
    """`print(m.prescribe(has=["小程序"]))`, the issue's one-liner, prints rows with labels,
    not the dataclasses' repr."""
    import ccare

    m = ccare.load()
    text = str(m.prescribe(has=["小程序"]))
    assert "Prescription(" not in text and "Walk(" not in text
    header, rule, *rows = text.splitlines()
    assert header.split()[:3] == ["result", "step", "from"] and set(rule) <= {"-", " "}
    assert rows and all("mini-program-cloud" in r for r in rows)  # the addition, on every step of its loop
    assert "openday-2023 L" in text  # evidence cited by source and line

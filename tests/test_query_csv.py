"""``--format csv`` of path, loops and prescribe: one row per step, the same answer as JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest

STEP_COLUMNS = ["result", "step", "from", "from_label", "relation", "to", "to_label", "inferred", "evidence", "needs"]


def _csv(ccare, *args):
    r = ccare(*args, "--format", "csv")
    assert r.exit_code == 0, r.output
    return list(csv.DictReader(io.StringIO(r.stdout)))


@pytest.mark.parametrize(
    "args",
    [
        ("loops", "--limit", "3"),
        ("path", "zhima-credit", "payment", "--k", "2"),
        ("prescribe", "--has", "mini-program", "--needs", "SCALE,ACTIVE,WORTH"),
    ],
)
def test_csv_rows_are_the_json_steps(ccare, args, SOURCE):
    rows = _csv(ccare, *args)
    answer = json.loads(ccare(*args, "--format", "json").stdout)
    walks = [a["loop"] if "loop" in a else a for a in answer]
    assert rows and list(rows[0])[: len(STEP_COLUMNS)] == STEP_COLUMNS
    expected = [(str(i), str(j), st["from"], st["relation"], st["to"], str(st["inferred"]).lower())
                for i, w in enumerate(walks, 1) for j, st in enumerate(w["steps"], 1)]
    assert [(r["result"], r["step"], r["from"], r["relation"], r["to"], r["inferred"]) for r in rows] == expected
    for r in rows:  # the evidence column carries the quotes, each on its line of the source
        for item in r["evidence"].split("; "):
            line, quote = item.removeprefix("line ").split(" ", 1)  # as a reader cites it: line 24 “quote”
            assert quote.removesuffix(" [inferred]").strip("“”") in SOURCE[int(line) - 1]
    if args[0] == "prescribe":
        assert {r["add"] for r in rows} == {" ".join(e["id"] for e in a["add"]) for a in answer}


def test_csv_of_no_answer_is_the_header(ccare):
    r = ccare("loops", "--needs", "SCALE", "--without", "payment", "--format", "csv")
    assert r.exit_code == 0
    assert r.stdout.strip() == ",".join(STEP_COLUMNS)

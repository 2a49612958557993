"""``ccare portfolio gaps|prescribe``: every merchant answered, each distinct question once."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ccare.graph.build import to_networkx
from ccare.graph.gaps import gaps
from ccare.graph.loops import LoopSpec
from ccare.graph.prescribe import SCALES, STAGES, prescriptions
from ccare.kb.model import load
from ccare.limits import Budget
from ccare.portfolio.batch import run
from ccare.portfolio.index import Merchant, merchants

ROOT = Path(__file__).resolve().parent.parent

PRODUCT_SETS = [
    (),
    ("mini-program",),
    ("fan-group", "payment"),
    ("fan-group", "coupons", "member-operation"),
    ("mini-program", "mini-program-cloud", "qipan-miyun", "zhima-credit"),
    ("iot-devices",),
    ("alipay-live", "fan-group", "life-account"),
    # products on no loop change no loop (nothing flows into Ant Forest or Zhima Credit, and
    # payment is every merchant's already): these share questions with sets above
    ("ant-forest", "zhima-credit"),
    ("mini-program", "payment", "ant-forest"),
]


def _portfolio():
    """A merchant for every product set, scale and stage (with none among them)."""
    out = []
    for i, (uses, scale, stage) in enumerate(itertools.product(PRODUCT_SETS, (None, *SCALES), (None, *STAGES))):
        out.append(Merchant(f"M{i:03d}", f"ex:{i}", {}, f"scale-{scale}" if scale else None,
                            f"stage-{stage}" if stage else None, None, tuple(sorted(uses))))
    # merchants that do not take Alipay payment ask questions of their own
    for j, uses in enumerate([("mini-program",), ("mini-program", "mini-program-cloud"), ("ant-forest",)]):
        out.append(Merchant(f"N{j:03d}", f"ex:n{j}", {}, None, None, None, uses, alipay_payment=False))
    return out


def test_shared_answers_equal_answers_asked_one_by_one(G):
    ms = _portfolio()
    spec = LoopSpec()
    result = run(G, ms, "prescribe", spec)
    assert [r.merchant for r in result.results] == ms
    # each distinct question once: fewer searches than merchants...
    assert result.questions < len(ms)
    # ...and every merchant gets what prescribe says for it alone
    for r in result.results:
        m = r.merchant
        first = next(prescriptions(G, list(m.uses), spec, scale=m.scale_name, stage=m.stage_name,
                                   alipay_payment=m.alipay_payment), None)
        assert r.add == (first.add if first else None), m
        assert r.answer.loop == (first.loop.nodes if first else None), m


def test_gaps_answers_equal_gaps_one_by_one(G):
    ms = _portfolio()
    result = run(G, ms, "gaps")
    assert result.questions == len(PRODUCT_SETS) - 2 + 3  # each merchant without Alipay payment asks its own
    for r in result.results:
        if not r.merchant.alipay_payment and not r.answer.loop:
            continue  # runs nothing that can be on a loop, and no payment: nothing to search
        g = gaps(G, list(r.merchant.uses), alipay_payment=r.merchant.alipay_payment)
        assert r.answer.unserved == g.unserved_needs
        assert r.closed == g.closed
        assert r.answer.missing == tuple((s.source, s.relation, s.target) for s in g.missing)


def test_summary_counts(G):
    ms = _portfolio()
    ms = [m for m in ms if m.alipay_payment]
    s = run(G, ms, "gaps").summary(top=3)
    per_set = len(ms) // len(PRODUCT_SETS)
    assert s["merchants"] == s["answered"] == len(ms) and s["complete"]
    assert s["closed"] == per_set  # only the set with the mini-program and its cloud
    assert s["closed"] + s["open"] + s["unclosable"] == len(ms)
    assert len(s["additions"]) == 2  # the cloud, or the mini-program and its cloud
    counts = [a["merchants"] for a in s["additions"]]
    assert counts == sorted(counts, reverse=True) and all(c % per_set == 0 for c in counts)


def _steps(G, ms, mode) -> int:
    """Search steps a whole run takes (to cut one short half-way, whatever the search)."""
    budget = Budget(timeout=None)
    run(G, ms, mode, budget=budget)
    return budget.steps


def test_budget_cuts_short_after_a_prefix(G):
    ms = _portfolio()
    half = _steps(G, ms, "prescribe") // 2
    budget = Budget(timeout=None, max_steps=half)
    result = run(G, ms, "prescribe", budget=budget)
    assert budget.cut_short and not result.complete
    assert 0 < len(result.results) < len(ms)
    assert [r.merchant for r in result.results] == ms[: len(result.results)]
    s = result.summary()
    assert s["answered"] == len(result.results) and s["cut_short"] == f"step limit {half} reached"


def test_merchants_read_from_rdf(kb, portfolio_ttl):
    k = load([portfolio_ttl])
    ms = merchants(k, to_networkx(k))
    assert [m.id for m in ms] == ["CAFE-017", "FRESH-42", "GOV-9", "LXJ-001", "SHOP-203"]
    lxj = ms[3]
    assert lxj.scale_name == "large" and lxj.stage_name == "mature" and lxj.labels == {"zh": "老乡鸡 合肥"}
    assert lxj.uses == ("coupons", "fan-group", "joining-gift", "member-operation", "mini-program",
                        "multi-channel-joining")
    assert ms[1].stage is None
    assert [m.alipay_payment for m in ms] == [False, True, True, True, True]


# ---------------------------------------------------------------------- command line


def test_prescribe_to_csv(ccare, portfolio_ttl, tmp_path):
    out = tmp_path / "p.csv"
    r = ccare("portfolio", "prescribe", "--data", str(portfolio_ttl), "-o", str(out))
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["merchant_id"] for row in rows] == ["CAFE-017", "FRESH-42", "GOV-9", "LXJ-001", "SHOP-203"]
    gov = rows[2]
    assert gov["status"] == "closed" and gov["closed"] == "true" and gov["add"] == ""
    cafe = rows[0]  # does not take Alipay payment: the one merchant told to add it
    assert cafe["closed"] == "false" and cafe["add"] == "mini-program-cloud;payment"
    assert cafe["alipay_payment"] == "false" and all(row["alipay_payment"] == "true" for row in rows[1:])
    assert cafe["unserved_needs"] == "WORTH;EFFICIENCY" and cafe["scale"] == "scale-small"
    assert all("payment" not in row["add"].split(";") for row in rows[1:])
    # Laoxiangji's combination runs through its own fan group
    lxj = rows[3]
    assert lxj["add"] == "mini-program-cloud" and "fan-group" in lxj["loop"].split(";")
    # the summary on stdout: closed loops and the additions most often prescribed
    assert "loop closed: 1 (20.0%)" in r.stdout
    assert "Additions most often prescribed:" in r.stdout
    assert re.search(r"^mini-program \+ Mini-Program Cloud +2$", r.stdout, re.M)


def test_prescription_matches_the_single_merchant_command(ccare, portfolio_ttl):
    doc = ccare.json("portfolio", "prescribe", "--data", str(portfolio_ttl))
    shop = next(m for m in doc["merchants"] if m["merchant"]["id"] == "SHOP-203")
    single = ccare.json("prescribe", "--has", "fan-group,alipay-live", "--scale", "medium",
                        "--stage", "exploring", "--limit", "1")
    assert shop["add"] == [e["id"] for e in single[0]["add"]]
    assert shop["loop"] == [n["id"] for n in single[0]["loop"]["nodes"]]


def test_gaps_to_json(ccare, portfolio_ttl, tmp_path):
    out = tmp_path / "g.json"
    r = ccare("portfolio", "gaps", "--data", str(portfolio_ttl), "-o", str(out), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc.pop("schema_version") == 2
    assert json.loads(r.stdout) == {"schema_version": 2, **doc["summary"]}
    assert doc["summary"]["merchants"] == 5 and doc["summary"]["questions"] == 5
    fresh = next(m for m in doc["merchants"] if m["merchant"]["id"] == "FRESH-42")
    assert fresh["unserved_needs"] == ["ACTIVE", "EFFICIENCY"]
    assert {"source": "mini-program", "relation": "userFlowsTo", "target": "payment"} in fresh["missing"]


def test_needs_option_changes_the_question(ccare, portfolio_ttl):
    def shop(doc):
        return next(m for m in doc["merchants"] if m["merchant"]["id"] == "SHOP-203")

    wide = ccare.json("portfolio", "gaps", "--data", str(portfolio_ttl))
    narrow = ccare.json("portfolio", "gaps", "--data", str(portfolio_ttl), "--needs", "SCALE,WORTH", "--any-domain")
    assert narrow["summary"]["needs"] == ["SCALE", "WORTH"]
    assert narrow["summary"]["unserved_needs"] == {"WORTH": 1}  # the café, which does not take Alipay payment
    assert shop(wide)["add"] == ["mini-program", "mini-program-cloud"] and shop(narrow)["add"] == []


def test_cut_short_writes_partial_results_whole(ccare, portfolio_ttl, tmp_path):
    k = load([portfolio_ttl])
    G = to_networkx(k)
    ms = merchants(k, G)
    # past the first merchant's steps, half-way to the whole run's: some answered, not all
    half = (_steps(G, ms[:1], "prescribe") + _steps(G, ms, "prescribe")) // 2
    out = tmp_path / "p.json"
    r = ccare("portfolio", "prescribe", "--data", str(portfolio_ttl), "-o", str(out), "--max-steps", str(half))
    assert r.exit_code == 3
    doc = json.loads(out.read_text(encoding="utf-8"))
    n = doc["summary"]["answered"]
    assert 0 < n < 5 and len(doc["merchants"]) == n and doc["summary"]["complete"] is False
    assert r.stderr.strip() == f"Cut short: step limit {half} reached; {n} of 5 merchants answered; {out} holds them."


def test_no_merchants_is_an_error(ccare):
    r = ccare("portfolio", "gaps")
    assert r.exit_code == 1
    assert "no merchants (cc:Merchant) to ask about" in r.stderr


def test_output_must_be_csv_or_json(ccare, portfolio_ttl, tmp_path):
    r = ccare("portfolio", "gaps", "--data", str(portfolio_ttl), "-o", str(tmp_path / "x.xlsx"))
    assert r.exit_code == 2 and "give a .csv or .json file name" in r.stderr


def test_no_progress_bar_when_piped(ccare, portfolio_ttl):
    r = ccare("portfolio", "gaps", "--data", str(portfolio_ttl), "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    assert r.stdout.splitlines()[0].startswith("merchant_id,name,industry,scale,stage,products,alipay_payment,status")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal(portfolio_ttl, tmp_path):
    """stderr a real terminal: the bar shows there, and stdout (a file) stays clean."""
    master, slave = os.openpty()
    out = tmp_path / "stdout.txt"
    try:
        with open(out, "wb") as stdout:
            proc = subprocess.run([sys.executable, "-m", "ccare", "portfolio", "gaps", "--data", str(portfolio_ttl),
                                   "--format", "csv"], stdout=stdout, stderr=slave, timeout=120, cwd=ROOT)
        os.close(slave)
        slave = None
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert proc.returncode == 0
    assert b"merchants" in seen and b"100%" in seen
    assert b"merchants  [" not in out.read_bytes() and out.read_text(encoding="utf-8").startswith("merchant_id,")

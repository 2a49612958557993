"""``portfolio prescribe|gaps --workers N``: the same answers in the same order whatever N is,
and whatever work the questions share, as a plain run asking every merchant on its own."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ccare.commands.portfolio import _csv_text
from ccare.graph.build import to_networkx
from ccare.kb.model import load
from ccare.kb.synth import synth_turtle
from ccare.limits import Budget
from ccare.portfolio import batch
from ccare.portfolio.batch import run
from ccare.portfolio.index import merchants

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "merchants.ttl"


@pytest.fixture
def pool_at_once(monkeypatch):
    """The pool starts before the first question (it normally waits a second, so that
    small portfolios never pay for one)."""
    monkeypatch.setattr(batch, "POOL_AFTER_SECONDS", 0.0)


@pytest.fixture(scope="module")
def shipped():
    """The shipped map with the example portfolio (examples/merchants.ttl), then a merchant
    for every product set, scale and stage of tests/test_portfolio.py: questions repeat."""
    from test_portfolio import _portfolio

    kb = load([EXAMPLE], cache=False)
    G = to_networkx(kb)
    ms = merchants(kb, G)
    assert len(ms) == 5
    return G, ms + _portfolio()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """20 synthetic products (supporting ones, a programme, flows through the hub) and 100
    merchants, a tenth of them without Alipay payment: questions rarely repeat."""
    f = tmp_path_factory.mktemp("synth") / "portfolio.ttl"
    buf = io.StringIO()
    synth_turtle(buf, products=20, merchants=100, seed=3)
    f.write_text(buf.getvalue(), encoding="utf-8")
    kb = load([f], cache=False)
    G = to_networkx(kb)
    return G, merchants(kb, G)


def _rows(result) -> list:
    return [r.to_json() for r in result.results]


@pytest.mark.parametrize("mode", ["prescribe", "gaps"])
@pytest.mark.parametrize("which", ["shipped", "synthetic"])
def test_any_workers_give_the_plain_answers_in_order(mode, which, request, pool_at_once):
    G, ms = request.getfixturevalue(which)
    plain = run(G, ms, mode, share=False)
    assert plain.complete and plain.questions == len(ms)
    expected = _rows(plain)
    csv_expected = _csv_text(plain, "zh")
    for n in (1, 2, 3):
        r = run(G, ms, mode, workers=n)
        assert r.complete and _rows(r) == expected, n
        assert _csv_text(r, "zh") == csv_expected  # byte for byte, as the CLI writes it
        assert r.questions < len(ms)  # the shared questions were each answered once
        assert r.summary() | {"questions": 0} == plain.summary() | {"questions": 0}
    if which == "synthetic":
        assert {x["status"] for x in expected} >= {"closed", "open", "unclosable"}


def test_cli_output_is_byte_identical_for_any_workers(ccare, tmp_path, pool_at_once):
    outs = []
    for n in ("1", "2", "3"):
        out = tmp_path / f"p{n}.csv"
        r = ccare("portfolio", "prescribe", "--data", str(EXAMPLE), "-o", str(out), "--workers", n)
        assert r.exit_code == 0, r.output
        outs.append((out.read_bytes(), r.stdout))
    assert outs[0] == outs[1] == outs[2]
    assert ccare("portfolio", "gaps", "--data", str(EXAMPLE), "--workers", "0").exit_code == 2


def test_a_budget_cut_leaves_a_prefix_with_workers(synthetic, pool_at_once):
    G, ms = synthetic
    plain = _rows(run(G, ms, "prescribe", share=False))
    # a worker process takes longer than this to start (a fresh interpreter imports ccare); 0.5 s
    # was not always enough: on a quiet machine the pool answered these 100 merchants in 0.3 s
    budget = Budget(timeout=0.05)
    r = run(G, ms, "prescribe", budget=budget, workers=2)
    assert budget.cut_short and budget.reason.startswith("time limit")
    assert not r.complete and _rows(r) == plain[:len(r.results)]


def test_workers_must_be_positive(shipped):
    G, ms = shipped
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError):
            run(G, ms, "gaps", workers=bad)

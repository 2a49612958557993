"""Shared fixtures: a CliRunner that runs ``ccare`` in-process, and the shipped map.

``--store oxigraph|memory`` runs the whole suite on that store (default: ccare's own
default, or ``$CCARE_STORE``).  The parse cache lives in a temporary folder for the
session, never in the user's cache.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ccare.cli import cli
from ccare.kb import load


def pytest_addoption(parser):
    parser.addoption(
        "--store",
        choices=("oxigraph", "memory"),
        default=None,
        help="Store under every graph the tests load (sets CCARE_STORE).",
    )


_SAVED_ENV: dict = {}


def pytest_configure(config):
    # before any test module is imported: some load the map at import time
    for var in ("CCARE_CACHE_DIR", "CCARE_STORE", "CCARE_ENDPOINT_TOKEN", "CCARE_ENDPOINT_USER",
                "CCARE_ENDPOINT_PASSWORD"):
        _SAVED_ENV[var] = os.environ.pop(var, None)
    os.environ["CCARE_CACHE_DIR"] = tempfile.mkdtemp(prefix="ccare-test-cache-")
    # the tests read English unless they ask for Chinese, whatever the tester's locale
    _SAVED_ENV.setdefault("CCARE_LANG", os.environ.get("CCARE_LANG"))
    os.environ["CCARE_LANG"] = "en"
    store = config.getoption("--store")
    if store:
        os.environ["CCARE_STORE"] = store


def pytest_unconfigure(config):
    shutil.rmtree(os.environ.get("CCARE_CACHE_DIR", ""), ignore_errors=True)
    for var, value in _SAVED_ENV.items():
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value


def pytest_report_header(config):
    from ccare.store import store_kind

    return f"ccare store: {store_kind()}"


class Ccare:
    """Run ``ccare`` commands the way a user types them."""

    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args, input=None, env=None):
        if len(args) == 1 and isinstance(args[0], str) and " " in args[0]:
            args = tuple(shlex.split(args[0]))
        return self.runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False, prog_name="ccare")

    def json(self, *args):
        r = self(*args, "--format", "json")
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)


@pytest.fixture
def ccare():
    return Ccare()


@pytest.fixture(scope="session")
def kb():
    return load()


@pytest.fixture(scope="session")
def portfolio_ttl(tmp_path_factory):
    """``examples/portfolio.csv`` imported with ``ccare import``: the example merchants as RDF."""
    from pathlib import Path

    out = tmp_path_factory.mktemp("portfolio") / "merchants.ttl"
    example = Path(__file__).resolve().parent.parent / "examples" / "portfolio.csv"
    r = CliRunner().invoke(cli, ["import", str(example), "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return out


#: Debian's chromium, never a browser Playwright downloads (CCARE_CHROMIUM names another).
CHROMIUM = os.environ.get("CCARE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    if os.environ.get("CCARE_SKIP_BROWSER") == "1":
        pytest.skip("CCARE_SKIP_BROWSER=1: browser tests skipped on purpose")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[test]'")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no chromium at {CHROMIUM}: .ci/run installs Debian's chromium "
                    "(apt-get install chromium fonts-wqy-zenhei); CCARE_CHROMIUM names another")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()

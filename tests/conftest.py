"""Shared fixtures: a CliRunner that runs ``ccare`` in-process, and the shipped map.

``--store oxigraph|memory`` runs the whole suite on that store (default: ccare's own
default, or ``$CCARE_STORE``).

The suite stays out of the user's home and out of the checkout: for the whole run,
``CCARE_CACHE_DIR``, ``HOME`` and the ``XDG_*`` folders point into one temporary folder
(removed at the end), and so does Hypothesis's example database.  A test that changes one
of them and does not put it back fails.  Screenshots go to ``$CCARE_TEST_ARTIFACTS``
(default: a fresh temporary folder, kept if anything was written); the header and the
summary print where.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ccare.cli import cli
from ccare.kb.model import load

#: pytester runs small suites of their own (tests/test_hygiene.py checks this file's guards)
pytest_plugins = ["pytester"]


def pytest_addoption(parser):
    parser.addoption(
        "--store",
        choices=("oxigraph", "memory"),
        default=None,
        help="Store under every graph the tests load (sets CCARE_STORE).",
    )


_SAVED_ENV: dict = {}
#: The session's temporary folder (cache, home, Hypothesis), removed at the end.
_SESSION: dict = {}
#: The variables that keep the suite out of the user's home, and their values for the session.
HERMETIC: dict[str, str] = {}
ARTIFACTS_ENV = "CCARE_TEST_ARTIFACTS"


def _set(var: str, value: str | None) -> None:
    _SAVED_ENV.setdefault(var, os.environ.get(var))
    if value is None:
        os.environ.pop(var, None)
    else:
        os.environ[var] = value


def pytest_configure(config):
    # before any test module is imported: some load the map at import time
    for var in ("CCARE_STORE", "CCARE_ENDPOINT_TOKEN", "CCARE_ENDPOINT_USER", "CCARE_ENDPOINT_PASSWORD",
                "CCARE_NO_CACHE"):
        _set(var, None)
    root = Path(tempfile.mkdtemp(prefix="ccare-test-"))
    _SESSION["root"] = root
    HERMETIC.update({
        "CCARE_CACHE_DIR": str(root / "ccare-cache"),
        # whatever reads ~ or the XDG folders (platformdirs, pip, chromium, a netrc) finds an empty home
        "HOME": str(root / "home"),
        "XDG_CACHE_HOME": str(root / "home" / ".cache"),
        "XDG_CONFIG_HOME": str(root / "home" / ".config"),
        "XDG_DATA_HOME": str(root / "home" / ".local" / "share"),
        "XDG_STATE_HOME": str(root / "home" / ".local" / "state"),
        # Hypothesis's example database and caches (by default .hypothesis/ in the working folder)
        "HYPOTHESIS_STORAGE_DIRECTORY": str(root / "hypothesis"),
    })
    for var, value in HERMETIC.items():
        Path(value).mkdir(parents=True, exist_ok=True)
        _set(var, value)
    _hypothesis_storage(root / "hypothesis")
    # screenshots for a person to look at: where CCARE_TEST_ARTIFACTS says, else a temporary folder
    if not os.environ.get(ARTIFACTS_ENV, "").strip():
        _SESSION["artifacts_default"] = True
        _set(ARTIFACTS_ENV, tempfile.mkdtemp(prefix="ccare-test-artifacts-"))
    # the tests read English unless they ask for Chinese, whatever the tester's locale
    _set("CCARE_LANG", "en")
    store = config.getoption("--store")
    if store:
        os.environ["CCARE_STORE"] = store


def _hypothesis_storage(folder: Path) -> None:
    """Hypothesis keeps its database in ``folder``, never in ``.hypothesis/`` of the checkout."""
    try:
        from hypothesis import configuration, settings
        from hypothesis.database import DirectoryBasedExampleDatabase
    except ImportError:
        return
    # HYPOTHESIS_STORAGE_DIRECTORY is read on first use; this covers a use before it was set
    if hasattr(configuration, "set_hypothesis_home_dir"):
        configuration.set_hypothesis_home_dir(folder)
    settings.register_profile("ccare-tests", database=DirectoryBasedExampleDatabase(folder / "examples"))
    settings.load_profile("ccare-tests")


def _artifacts() -> Path:
    return Path(os.environ[ARTIFACTS_ENV])


#: The checkout (the package's root).
ROOT = Path(__file__).resolve().parent.parent
#: What the suite once wrote into the checkout: it must not write there again.
LITTER = ("build", "ccare.egg-info", ".hypothesis", "test-artifacts")


def _checkout_state() -> tuple[set[str], dict[str, float]] | None:
    """``git status --porcelain --ignored`` of the checkout, and when each of :data:`LITTER`
    was last written (None outside a git checkout).  Bytecode and pytest's own cache (``--lf``)
    are left out."""
    try:
        r = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--ignored"],
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if r.returncode != 0:
        return None
    # new files and folders only: a tracked file may be edited by a person while the suite runs
    lines = {line for line in r.stdout.splitlines() if line.startswith(("??", "!!"))
             and "__pycache__" not in line and ".pytest_cache" not in line}
    written = {}
    for name in LITTER:
        path = ROOT / name
        if path.exists():
            written[name] = max(_mtime(p) for p in [path, *path.rglob("*")])
    return lines, written


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:  # gone meanwhile
        return 0.0


def pytest_sessionstart(session):
    _SESSION["checkout"] = _checkout_state()


def pytest_sessionfinish(session, exitstatus):
    """The suite leaves the checkout as it found it: a new entry in ``git status --ignored``, or
    a write into build/, ccare.egg-info/, .hypothesis/ or test-artifacts/, fails the run."""
    before, after = _SESSION.pop("checkout", None), _checkout_state()
    if before is None or after is None:
        return
    new = sorted(after[0] - before[0])
    new += [f"{name} (written during the run)" for name, t in after[1].items()
            if name not in before[1] or t > before[1][name]]
    if new:
        _SESSION["litter"] = new  # printed in the summary
        if session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config):
    if "root" in _SESSION:
        shutil.rmtree(_SESSION.pop("root"), ignore_errors=True)
    if _SESSION.pop("artifacts_default", False) and ARTIFACTS_ENV in os.environ:
        try:
            _artifacts().rmdir()  # kept only if a screenshot went there
        except OSError:
            pass
    for var, value in _SAVED_ENV.items():
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value
    _SAVED_ENV.clear()


def pytest_report_header(config):
    from ccare.rdfio.store import store_kind

    return [f"ccare store: {store_kind()}", f"ccare test artifacts (screenshots): {_artifacts()}"]


def pytest_terminal_summary(terminalreporter):
    litter = _SESSION.pop("litter", None)
    if litter:
        terminalreporter.write_line("FAILED: the test run wrote into the checkout (use a temporary folder): "
                                    + ", ".join(litter), red=True, bold=True)
    folder = _artifacts()
    if folder.is_dir() and any(folder.iterdir()):
        terminalreporter.write_line(f"ccare test artifacts (screenshots): {folder}")


@pytest.fixture(autouse=True)
def _hermetic_env():
    """Every test leaves the variables that keep the suite out of the user's home as it found them.

    A test that deletes or changes one (as ``cache.py``'s doctest once deleted
    ``CCARE_CACHE_DIR``) would send every later test to the user's real folders: it fails
    here, and the value is put back for the tests after it.
    """
    yield
    changed = {var: os.environ.get(var) for var, value in HERMETIC.items() if os.environ.get(var) != value}
    if changed:
        os.environ.update(HERMETIC)
        pytest.fail(f"the test changed {sorted(changed)} and did not restore them: {changed}")


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


@pytest.fixture(scope="session")
def G(kb):
    """The shipped map as a NetworkX graph, built once for the session and frozen: a test
    that needs to change it works on a copy."""
    import networkx as nx

    from ccare.graph.build import to_networkx

    return nx.freeze(to_networkx(kb))


@pytest.fixture(scope="session")
def SOURCE():
    """The lines of the shipped map's source text, which every evidence quote cites."""
    from ccare.ontology import source_lines

    return source_lines("alipay-openday-c-care-2023.zh.txt")


@pytest.fixture(scope="session")
def session_root() -> Path:
    """The session's temporary folder, where the cache, the home and the XDG folders point."""
    return _SESSION["root"]

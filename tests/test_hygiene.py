"""The suite keeps out of the user's home and the user's cache (issue 12, test hygiene).

conftest.py points ``CCARE_CACHE_DIR``, ``HOME``, the ``XDG_*`` folders and Hypothesis's
storage at a temporary folder for the whole run, fails a test that changes them without
putting them back, and fails the run if it wrote into the checkout.  These tests prove the
premises: where ccare's cache goes with and without ``CCARE_CACHE_DIR``, and that every path
the run writes to is inside the session's folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccare.kb import cache

XDG = ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _ccare(*args, env):
    r = subprocess.run([sys.executable, "-m", "ccare", *args], env=env, capture_output=True, text=True,
                       timeout=300, cwd=env["HOME"])
    assert r.returncode == 0, r.stderr
    return r


def test_a_cached_command_writes_only_to_the_configured_cache(tmp_path):
    home, configured = tmp_path / "home", tmp_path / "configured"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in XDG}
    env.update(HOME=str(home), CCARE_CACHE_DIR=str(configured), CCARE_NO_CACHE="0")
    _ccare("products", env=env)
    assert [f for f in _files(configured) if f.startswith("parse/")]  # the parse cache was used
    assert _files(home) == []  # and nothing else was written: not ~/.cache, not anywhere in ~
    # without CCARE_CACHE_DIR the cache is the user's own, in ~/.cache: what conftest keeps the suite from
    del env["CCARE_CACHE_DIR"]
    _ccare("products", env=env)
    if sys.platform.startswith("linux"):
        assert [f for f in _files(home) if f.startswith(".cache/ccare/parse/")]


def test_the_run_writes_inside_the_session_folder(session_root):
    import platformdirs

    root = session_root.resolve()
    for var in ("CCARE_CACHE_DIR", "HOME", *XDG, "HYPOTHESIS_STORAGE_DIRECTORY"):
        assert Path(os.environ[var]).resolve().is_relative_to(root), var
    assert cache.cache_dir().resolve().is_relative_to(root)
    assert Path.home().resolve().is_relative_to(root) and Path("~").expanduser().resolve().is_relative_to(root)
    assert Path(platformdirs.user_cache_dir("ccare")).resolve().is_relative_to(root)


def test_hypothesis_keeps_its_database_in_the_session_folder(session_root):
    hypothesis = pytest.importorskip("hypothesis")
    database = hypothesis.settings().database
    assert Path(database.path).resolve().is_relative_to(session_root.resolve())


def test_screenshots_go_where_ccare_test_artifacts_says():
    import test_browser

    assert Path(test_browser.ARTIFACTS).resolve() == Path(os.environ["CCARE_TEST_ARTIFACTS"]).resolve()


def test_a_passing_crash_test_is_quiet():
    # the forked child of test_a_crash_is_reported inherits pytest's faulthandler, which once
    # printed "Fatal Python error: Segmentation fault" and a stack dump past the capture
    here = Path(__file__).resolve().parent
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        f"{here / 'test_bounded.py'}::test_a_crash_is_reported"],
                       capture_output=True, text=True, timeout=300, cwd=here.parent)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed" in r.stdout
    assert "Fatal Python error" not in r.stdout + r.stderr and "Segmentation fault" not in r.stdout + r.stderr


def _nested_suite(pytester, test_source: str):
    """A checkout of its own (git) with this conftest.py and one test file, run by pytest."""
    subprocess.run(["git", "init", "-q", str(pytester.path)], check=True)
    tests = pytester.path / "tests"
    tests.mkdir()
    (tests / "conftest.py").write_text((Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"),
                                       encoding="utf-8")
    (tests / "test_nested.py").write_text(test_source, encoding="utf-8")
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", str(tests))


def test_a_test_that_loses_the_cache_setting_fails(pytester):
    r = _nested_suite(pytester, (
        "import os\n"
        "def test_leaks():\n"
        "    del os.environ['CCARE_CACHE_DIR']  # as cache.py's doctest once did\n"
        "def test_after():\n"
        "    assert os.environ.get('CCARE_CACHE_DIR')  # put back for the tests after it\n"))
    r.assert_outcomes(passed=2, errors=1)
    assert "the test changed ['CCARE_CACHE_DIR'] and did not restore them" in r.stdout.str()


def test_a_run_that_writes_into_the_checkout_fails(pytester):
    r = _nested_suite(pytester, (
        "from pathlib import Path\n"
        "def test_litters():\n"
        "    (Path(__file__).resolve().parent.parent / 'build').mkdir()\n"
        "    (Path(__file__).resolve().parent.parent / 'build' / 'x').write_text('x')\n"))
    assert r.ret == 1
    r.assert_outcomes(passed=1)
    r.stdout.fnmatch_lines(["*wrote into the checkout*build/*"])

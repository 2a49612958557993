"""Every ``CCARE_*`` variable is read in one place, ``ccare.settings``: parsed once per
distinct environment, each bad value a usage error naming its variable where it is used."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import pkgutil
from pathlib import Path

import pytest

import ccare
from ccare import settings
from ccare.errors import UsageError
from ccare.rdfio.read import Limits


def _package_files():
    for info in pkgutil.walk_packages(ccare.__path__, "ccare."):
        spec = importlib.util.find_spec(info.name)
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            yield info.name, Path(spec.origin)
    yield "ccare", Path(ccare.__file__)


def _is_os_attr(node, *names) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr in names
            and isinstance(node.value, ast.Name) and node.value.id == "os")


def _environment_reads(tree: ast.AST):
    """``(line, what)`` for every use of ``os.environ``/``os.getenv`` in ``tree`` that is not
    ``os.environ.get("X")``, ``os.environ["X"]`` or ``os.getenv("X")`` with a literal ``X``
    outside ``CCARE_*``: passing the environment on, or reading a name the code computes,
    counts as reading ccare's variables."""
    allowed = set()
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and node.args:
            if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and _is_os_attr(node.func.value,
                                                                                                   "environ"):
                key, target = node.args[0], node.func.value
            elif _is_os_attr(node.func, "getenv"):
                key, target = node.args[0], node.func
        elif isinstance(node, ast.Subscript) and _is_os_attr(node.value, "environ"):
            key, target = node.slice, node.value
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and not key.value.startswith("CCARE_"):
            allowed.add(id(target))
    for node in ast.walk(tree):
        if _is_os_attr(node, "environ", "getenv") and id(node) not in allowed:
            yield node.lineno, ast.unparse(node)
        if isinstance(node, ast.ImportFrom) and node.module == "os" and {a.name for a in node.names} & {
                "environ", "getenv", "environb"}:
            yield node.lineno, ast.unparse(node)


def test_no_module_but_settings_reads_a_ccare_variable():
    found, checked = [], 0
    for name, path in _package_files():
        if name == "ccare.settings":
            continue
        checked += 1
        for line, what in _environment_reads(ast.parse(path.read_text(encoding="utf-8"))):
            found.append(f"{path.name}:{line}: {what}")
    assert checked > 50 and found == []


def test_the_walk_finds_what_it_looks_for():
    bad = ['os.environ.get("CCARE_STORE")', 'os.environ["CCARE_LANG"]', 'os.getenv(NAME)', "f(os.environ)",
           "env = os.environ if e is None else e", "from os import environ", 'os.environ.get(var, "")']
    for code in bad:
        assert list(_environment_reads(ast.parse(code))), code
    good = ['os.environ.get("LANG")', 'os.environ["HOME"]', 'os.getenv("LC_ALL")', "environ.get('CCARE_STORE')"]
    for code in good:
        assert not list(_environment_reads(ast.parse(code))), code


def test_every_variable_is_a_field_and_documented():
    names = {f.name for f in dataclasses.fields(settings.Settings)}
    assert names == set(settings.VARIABLES)
    for var in settings.VARIABLES.values():
        assert var.startswith("CCARE_") and f"``{var}``" in settings.__doc__, var


def test_defaults_without_variables():
    s = settings.Settings.from_env({})
    assert s.max_file_size == 512 * 2**20 and s.max_literal == 2**20 and s.max_depth == 128
    assert (s.store, s.no_cache, s.cache_dir, s.lang) == (None, False, None, None)
    assert s.cache_max_size == 4 * 2**30 and s.max_memory == 4 * 2**30 and s.canonical_timeout == 60.0
    assert (s.endpoint_token, s.endpoint_user, s.endpoint_password) == (None, None, None)
    assert Limits.from_settings(s) == Limits()


@pytest.mark.parametrize("env,field,value", [
    ({"CCARE_MAX_FILE_SIZE": " 2G "}, "max_file_size", 2 * 2**30),
    ({"CCARE_MAX_LITERAL": "10k"}, "max_literal", 10 * 1024),
    ({"CCARE_MAX_DEPTH": "500"}, "max_depth", 500),
    ({"CCARE_STORE": " Memory "}, "store", "memory"),
    ({"CCARE_STORE": ""}, "store", None),
    ({"CCARE_NO_CACHE": "1"}, "no_cache", True),
    ({"CCARE_NO_CACHE": "false"}, "no_cache", False),
    ({"CCARE_NO_CACHE": " No "}, "no_cache", False),
    ({"CCARE_CACHE_DIR": " /tmp/x "}, "cache_dir", "/tmp/x"),
    ({"CCARE_CACHE_DIR": "  "}, "cache_dir", None),
    ({"CCARE_CACHE_MAX_SIZE": "8G"}, "cache_max_size", 8 * 2**30),
    ({"CCARE_LANG": "zh_CN.UTF-8"}, "lang", "zh"),
    ({"CCARE_LANG": "fr"}, "lang", None),
    ({"CCARE_CANONICAL_TIMEOUT": "2.5"}, "canonical_timeout", 2.5),
    ({"CCARE_MAX_MEMORY": "512M"}, "max_memory", 512 * 2**20),
    ({"CCARE_ENDPOINT_PASSWORD": ""}, "endpoint_password", ""),  # an empty password is a password
    ({"CCARE_ENDPOINT_TOKEN": "t0k"}, "endpoint_token", "t0k"),
])
def test_each_variable_is_parsed(env, field, value):
    assert getattr(settings.Settings.from_env(env), field) == value


@pytest.mark.parametrize("var,value", [
    ("CCARE_MAX_FILE_SIZE", "nan"), ("CCARE_MAX_LITERAL", "-1"), ("CCARE_MAX_DEPTH", "1e400"),
    ("CCARE_STORE", "rocks"), ("CCARE_CACHE_MAX_SIZE", "lots"), ("CCARE_CANONICAL_TIMEOUT", "inf"),
    ("CCARE_CANONICAL_TIMEOUT", "0"), ("CCARE_MAX_MEMORY", "plenty"),
])
def test_a_bad_value_fails_where_it_is_used_and_names_its_variable(var, value):
    s = settings.Settings.from_env({var: value, "CCARE_LANG": "zh"})
    field = next(f for f, v in settings.VARIABLES.items() if v == var)
    with pytest.raises(UsageError, match=var):
        getattr(s, field)
    assert s.lang == "zh"  # the other settings still hold
    assert var in repr(s)


def test_secrets_are_not_shown():
    s = settings.Settings.from_env({"CCARE_ENDPOINT_TOKEN": "s3cret", "CCARE_ENDPOINT_PASSWORD": "hunter2",
                                    "CCARE_ENDPOINT_USER": "ada"})
    assert "s3cret" not in repr(s) and "hunter2" not in repr(s) and "ada" in repr(s)


def test_current_reads_once_per_environment(monkeypatch):
    calls = []
    real = settings.Settings.from_env.__func__

    def counting(cls, environ):
        calls.append(dict(environ))
        return real(cls, environ)

    monkeypatch.setattr(settings.Settings, "from_env", classmethod(counting))
    monkeypatch.setenv("CCARE_MAX_DEPTH", "300")
    first = settings.current()
    assert settings.current() is first and first.max_depth == 300
    assert Limits.from_env().max_depth == 300
    assert len(calls) == 1
    monkeypatch.setenv("CCARE_MAX_DEPTH", "301")  # a change is seen on the next call
    assert settings.current().max_depth == 301 and len(calls) == 2
    monkeypatch.delenv("CCARE_MAX_DEPTH")
    assert settings.current().max_depth == 128 and len(calls) == 3
    monkeypatch.setenv("HOME_OF_SOMETHING_ELSE", "x")  # not ccare's: not read again
    settings.current()
    assert len(calls) == 3
    assert all(all(k.startswith("CCARE_") for k in env) for env in calls)


def test_a_bad_variable_fails_only_the_command_that_uses_it(ccare, monkeypatch):
    monkeypatch.setenv("CCARE_MAX_MEMORY", "plenty")
    assert ccare("info").exit_code == 0
    r = ccare("sparql", "ASK {}")
    assert r.exit_code == 2 and "CCARE_MAX_MEMORY must be a positive number" in r.stderr


def test_the_store_option_wins_over_a_bad_variable(ccare, monkeypatch):
    monkeypatch.setenv("CCARE_STORE", "rocks")
    assert ccare("--store", "memory", "info").exit_code == 0
    r = ccare("info")
    assert r.exit_code == 2 and "unknown store 'rocks' (from CCARE_STORE)" in r.stderr

"""One exception tree: every public error of ccare is defined in ``ccare.errors``, crosses a
process boundary whole, and reaches the user through the CLI as a message and its exit code
(1 error, 2 usage, 3 cut short), never as a traceback."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil

import click
import pytest

import ccare
from ccare import errors
from ccare.cli import cli

#: Every public exception of ``ccare.errors`` and the exit code the CLI gives it.  A class
#: added to errors.py without a row here fails ``test_the_table_names_every_public_error``.
EXIT_CODES = {
    "CcareError": 1,
    "DataError": 1,
    "UnknownEntityError": 1,
    "AmbiguousEntityError": 1,
    "UsageError": 2,
    "QueryError": 1,
    "QueryRefused": 1,
    "QuerySyntaxError": 1,
    "UnsupportedShapes": 1,
    "TermError": 1,
    "OutputError": 1,
    "CanonicalizationTooSlow": 1,
    "BlankNodesTooDeep": 1,
    "AssetError": 1,
    "HighlightError": 1,
    "NetworkRefused": 1,
    "CutShort": 3,
    "WorkerDied": 1,
    "EndpointError": 1,
    "EndpointTimeout": 3,
    "LoadFailed": 1,
}

#: Arguments of the classes whose constructor takes more than a message.
_ARGS = {
    "DataError": ("data.ttl", "broken", 3, 8),
    "UnknownEntityError": ("fan-grup", ["fan-group"]),
    "AmbiguousEntityError": ("支付", ["payment", "alipay-payment"]),
    "QuerySyntaxError": ("Expected end of text", 1, 5, "SELECT * WHERE { ?s ?p ?o } }"),
}


def _public_errors() -> dict[str, type]:
    return {name: obj for name, obj in vars(errors).items()
            if inspect.isclass(obj) and issubclass(obj, BaseException) and not name.startswith("_")}


def _instance(name: str) -> BaseException:
    return getattr(errors, name)(*_ARGS.get(name, (f"something about {name} went wrong",)))


def test_the_table_names_every_public_error():
    found = _public_errors()
    assert sorted(found) == sorted(EXIT_CODES)
    assert sorted(errors.__all__) == sorted(EXIT_CODES)
    assert all(issubclass(cls, errors.CcareError) for cls in found.values())


def _modules():
    """Every module of the package (``__main__`` runs the CLI when imported: not it)."""
    yield ccare
    for info in pkgutil.walk_packages(ccare.__path__, "ccare."):
        if info.name.rsplit(".", 1)[-1] != "__main__":
            yield importlib.import_module(info.name)


def test_no_public_exception_is_defined_outside_errors_py():
    outside = []
    for module in _modules():
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == module.__name__
                    and module.__name__ != "ccare.errors" and not name.startswith("_")):
                outside.append(f"{module.__name__}.{name}")
    assert outside == []


def test_the_old_homes_still_export_their_errors():
    from ccare.endpoint import client, upload
    from ccare.exports import assets, highlight, rdf
    from ccare.query import sandbox, sparql
    from ccare.rdfio import atomic, terms

    homes = {terms: ["TermError"], atomic: ["OutputError"], rdf: ["CanonicalizationTooSlow", "BlankNodesTooDeep"],
             assets: ["AssetError"], highlight: ["HighlightError"], sparql: ["QueryRefused", "QuerySyntaxError"],
             sandbox: ["NetworkRefused", "CutShort", "WorkerDied"], client: ["EndpointError", "EndpointTimeout"],
             upload: ["LoadFailed"]}
    for module, names in homes.items():
        for name in names:
            assert getattr(module, name) is getattr(errors, name), (module.__name__, name)
    assert issubclass(errors.TermError, ValueError)  # ``except ValueError`` still catches it


@pytest.mark.parametrize("name", sorted(EXIT_CODES))
def test_every_error_crosses_a_pickle_whole(name):
    e = _instance(name)
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is type(e) and str(back) == str(e) and back.__dict__ == e.__dict__


@pytest.fixture
def raising_command():
    """A command ``boom`` on ccare's own group that raises what the test gives it."""
    box = {}

    @click.command("boom")
    def boom():
        raise box["error"]

    cli.add_command(boom)
    yield box
    cli.commands.pop("boom")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(EXIT_CODES))
def test_the_cli_maps_every_error_to_its_exit_code(ccare, raising_command, name, lang):
    raising_command["error"] = e = _instance(name)
    r = ccare("boom", env={"CCARE_LANG": lang})
    assert r.exit_code == EXIT_CODES[name] == e.exit_code, r.output
    assert "Traceback" not in r.output and "internal error" not in r.output
    assert r.stdout == ""
    if lang == "en":
        assert str(e).splitlines()[0] in r.stderr
    else:
        assert "错误" in r.stderr
    if EXIT_CODES[name] == 2:
        assert "Usage:" in r.stderr  # a usage error shows the command's usage line

"""ccare starts fast: --help and info import no heavy library they do not need."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from ccare.cli import COMMANDS, SUMMARIES, cli

#: Libraries that only some commands need.
HEAVY = ("networkx", "pyshacl", "pyvis", "rdflib.plugins.sparql", "owlrl", "oxrdflib")


def _imported_by(args) -> dict:
    code = (
        "import json, sys\n"
        "from ccare.cli import cli\n"
        f"try:\n    cli.main(args={list(args)!r}, prog_name='ccare', standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
        f"print(json.dumps({{m: m in sys.modules for m in {list(HEAVY)!r}}}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["--help"], ["info"], ["info", "--format", "json"]])
def test_light_commands_import_no_heavy_library(args):
    imported = _imported_by(args)
    assert not any(imported.values()), imported


def test_loops_imports_networkx_but_not_exports():
    imported = _imported_by(["loops", "--format", "json"])
    assert imported["networkx"] and not imported["pyvis"] and not imported["pyshacl"]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_summary_matches_the_command(name):
    assert name in SUMMARIES, f"add the first line of `ccare {name}`'s help to ccare.cli.SUMMARIES"
    cmd = cli.get_command(click.Context(cli), name)
    first = (cmd.short_help or cmd.help or "").strip().split("\n\n")[0].replace("\n", " ")
    assert SUMMARIES[name] == first


def test_help_lists_every_command(ccare):
    r = ccare("--help")
    assert r.exit_code == 0
    listed = [line.split()[0] for line in r.output.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == sorted(COMMANDS)

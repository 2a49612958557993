"""docs/cli.md is the commands' ``--help`` as the code says it now (issue 12: a CLI
reference generated from ``--help`` and checked to be current)."""

from __future__ import annotations

import sys
from pathlib import Path

from ccare.commands import reference

CLI_MD = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def test_docs_cli_md_is_current():
    assert CLI_MD.read_text(encoding="utf-8") == reference.render(), (
        f"docs/cli.md is out of date with the commands' --help; regenerate it with:\n    {reference.REGENERATE}"
    )


def test_every_command_has_its_section():
    text = CLI_MD.read_text(encoding="utf-8")
    from ccare.cli import COMMANDS

    for name in COMMANDS:
        assert f"\n## ccare {name}\n" in text, name
    for sub in ("export html", "export csv", "portfolio prescribe", "portfolio gaps"):
        assert f"\n## ccare {sub}\n" in text, sub
    assert "  -h, --help" in text  # the root's help option names reach every command


def test_the_page_does_not_depend_on_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = reference.render()
    monkeypatch.setenv("COLUMNS", "300")
    assert reference.render() == narrow


def test_regenerating_writes_the_page(tmp_path, capsys):
    assert reference.main(["-o", str(tmp_path / "cli.md")]) == 0
    assert (tmp_path / "cli.md").read_text(encoding="utf-8") == reference.render()
    assert reference.main(["--bogus"]) == 2
    assert reference.REGENERATE in capsys.readouterr().err
    assert sys.modules["ccare.commands.reference"] is reference

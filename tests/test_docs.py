"""The README's and ``docs/*.md``'s examples run, and the library's docstring examples hold.

In the README and every page of ``docs/``, every ``sh`` block's ``ccare`` lines run (with the
``VAR=value`` prefixes they give), and so does every ``console`` transcript, line by line,
``&&`` and ``> FILE`` included, in a temporary folder holding a copy of ``examples/``: a
fresh clone's view, and nothing is written into the checkout.  A transcript that needs a
SPARQL server is marked in its page with :data:`NEEDS_SERVER` just above it, and is skipped,
saying so.  The worked example
(the README's ``text`` block) is what ``ccare loops --limit 1`` prints.  Every relative link
between the pages names a file that exists, and an ``#anchor`` a heading of that page.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import shlex
import shutil
from pathlib import Path

import pytest

import ccare

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLES = README.parent / "examples"
DOCS = README.parent / "docs"
#: The README and the reference pages it links to, whose examples are run alike.
PAGES = [README, *sorted(DOCS.glob("*.md"))]
#: The README's mark above a transcript that needs a SPARQL server (not run here).
NEEDS_SERVER = "<!-- transcript: needs a SPARQL server, not run by tests/test_docs.py -->"
_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")


def _split(line: str) -> tuple[dict, list[str]]:
    """``VAR=value ccare args # comment`` as ``({VAR: value}, [ccare, args...])``."""
    words = shlex.split(line, comments=True)
    env = {}
    while words and _ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    return env, words


def _page(path: Path) -> str:
    """The page's name as the README links it: ``README.md``, ``docs/queries.md``."""
    return path.relative_to(README.parent).as_posix()


def _readme_commands(page: Path = README):
    text = page.read_text(encoding="utf-8")
    cmds = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.strip()
            words = _split(line)[1] if line and not line.startswith("#") else []
            if words[:1] == ["ccare"]:
                cmds.append(line)
    return cmds


def _transcripts(page: Path = README):
    """``(first line, commands, needs a server)`` of each ``console`` block."""
    text = page.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"```console\n(.*?)```", text, flags=re.S):
        lines = [line[2:].strip() for line in m.group(1).splitlines() if line.startswith("$ ")]
        server = text[:m.start()].rstrip().endswith(NEEDS_SERVER)
        out.append((lines[0] if lines else "", lines, server))
    return out


#: ``ccare`` lines of every ``sh`` block, and ``console`` transcripts, of every page
COMMANDS = [c for page in PAGES for c in _readme_commands(page)]
TRANSCRIPTS = [t for page in PAGES for t in _transcripts(page)]
_COMMAND_IDS = [f"{_page(page)}: {c}" for page in PAGES for c in _readme_commands(page)]
_TRANSCRIPT_IDS = [f"{_page(page)}: {t[0]}" for page in PAGES for t in _transcripts(page)]


@pytest.fixture()
def fresh_clone(tmp_path, monkeypatch):
    """A temporary folder with the README's files (``examples/``), as the working directory."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run_line(ccare, line: str, where: Path):
    """One shell line of ``ccare`` commands (``a && b``, ``> FILE``); the last result."""
    env, words = _split(line)
    result = None
    command: list[str] = []
    for word in [*words, "&&"]:
        if word != "&&":
            command.append(word)
            continue
        out = None
        if ">" in command:
            at = command.index(">")
            command, out = command[:at], command[at + 1]
        assert command[:1] == ["ccare"], f"{line}: only ccare commands run here"
        if env:  # the variables the line sets, and no other language setting of the tester's
            env = {"CCARE_LANG": None, "LC_ALL": None, "LC_MESSAGES": None, **env}
        result = ccare.runner.invoke(ccare_cli(), command[1:], env=env or None, catch_exceptions=False,
                                     prog_name="ccare")
        assert result.exit_code == 0, f"{line}\n{result.output}"
        if out is not None:
            (where / out).write_text(result.stdout, encoding="utf-8")
        command = []
    return result


def ccare_cli():
    from ccare.cli import cli

    return cli


def test_readme_has_examples():
    assert len(COMMANDS) >= 5
    assert 'pip install -e ".[test]"' in README.read_text(encoding="utf-8")
    assert "python -m pytest" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS, ids=_COMMAND_IDS)
def test_readme_command_runs(ccare, command, fresh_clone):
    r = _run_line(ccare, command, fresh_clone)
    assert r.output.strip()
    said = command.partition("#")[2].strip()  # "# 去掉支付宝直播会失去 … 个经营闭环中的 … 个": the words around each …
    if said and "…" in said:
        for part in said.split("…"):
            assert part.strip() in r.stdout, f"{command}\n{r.stdout}"


def test_readme_transcripts_are_found():
    assert len([t for t in TRANSCRIPTS if not t[2]]) >= 1
    assert any("export csv -o tables/" in line for _, lines, _ in TRANSCRIPTS for line in lines)
    # every transcript left out needs a server, and says so where it starts
    for first, _, server in TRANSCRIPTS:
        assert not server or "--endpoint" in first or "serve" in first, first


@pytest.mark.parametrize("first, lines, server", TRANSCRIPTS, ids=_TRANSCRIPT_IDS)
def test_readme_transcript_runs(ccare, first, lines, server, fresh_clone):
    if server:
        pytest.skip("this transcript needs a SPARQL server (tests/test_endpoint.py starts real ones)")
    for line in lines:
        _run_line(ccare, line, fresh_clone)
    if any("export csv -o tables/" in line for line in lines):
        assert sorted(p.name for p in (fresh_clone / "tables").iterdir()) == ["edges.csv", "nodes.csv"]


@pytest.mark.parametrize("page", PAGES, ids=_page)
def test_readme_files_named_exist(page):
    """Every file a command of the page reads is one a fresh clone has or an earlier block makes.
    (``text`` blocks are what ccare prints, such as docs/cli.md's ``--help``, not commands to run.)"""
    text = re.sub(r"```text\n.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    for name in re.findall(r"(?<![\w/.-])((?:examples/)?[\w-]+\.ttl)\b", text):
        if re.search(rf"ccare load [^\n]*\s{re.escape(name)}\b", text):
            assert (README.parent / name).is_file(), f"{_page(page)}: {name}"


def _anchors(text: str) -> set[str]:
    """The ``#anchors`` GitHub gives a page's headings (lower case, punctuation dropped)."""
    out = set()
    for heading in re.findall(r"(?m)^#+ (.+)$", re.sub(r"```.*?```", "", text, flags=re.S)):
        out.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return out


def test_docs_pages_exist_and_are_linked():
    """The reference moved out of the README is in docs/, and the README links every page."""
    text = README.read_text(encoding="utf-8")
    names = {_page(p) for p in PAGES[1:]}
    assert {"docs/queries.md", "docs/exports.md", "docs/cli.md", "docs/architecture.md"} <= names
    for name in names:
        assert f"]({name})" in text, f"README.md does not link {name}"


@pytest.mark.parametrize("page", PAGES, ids=_page)
def test_links_between_pages_resolve(page):
    """A relative link names a file of the checkout, and its ``#anchor`` a heading there."""
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", re.sub(r"```.*?```", "", text, flags=re.S)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{_page(page)}: link to {target}: no such file"
        if anchor and linked.suffix == ".md":
            assert anchor in _anchors(linked.read_text(encoding="utf-8")), \
                f"{_page(page)}: link to {target}: no such heading"


def test_worked_example_is_what_loops_prints(ccare):
    # the README's first ``text`` block after the worked example's heading (the Layout draws others)
    worked = README.read_text(encoding="utf-8").split("**A worked example on the shipped map.**", 1)[1]
    block = re.findall(r"```text\n(.*?)```", worked, flags=re.S)[0]
    r = ccare("loops", "--limit", "1", "--lang", "en")
    assert r.exit_code == 0
    assert r.stdout == block


def _modules():
    names = ["ccare"]
    for m in pkgutil.walk_packages(ccare.__path__, "ccare."):
        if ".tests" in m.name or m.name.startswith("ccare.tests"):
            continue
        names.append(m.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

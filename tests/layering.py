"""ccare's layers, and the imports between its packages, read from the source with ``ast``.

:data:`LAYERS` is the direction of imports the README's "Layout" draws: a module may import
its own layer and the layers below it, never one above.  ``tests/test_layout.py`` holds
every module of the package to it; :func:`render` writes ``docs/architecture.md``, the
import graph between the packages before the layout was reorganised (commit
:data:`BEFORE`) and now::

    python tests/layering.py -o docs/architecture.md

Every ``import`` and ``from ... import`` counts, those inside functions included (they run
when the function does); docstring examples do not.  ``from ccare import __version__`` is
left out: the root package is loaded before any module of it, and its other names are lazy.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent

#: The layers, top first.  A name is a package (``graph``), a root module (``cli``), or a
#: dotted module that sits apart from its package (``commands.reference`` renders the whole
#: ``ccare`` command tree, so it stands above ``cli``).
LAYERS: list[tuple[str, ...]] = [
    ("__main__", "commands.reference"),  # entry points: python -m ccare; the CLI reference
    ("cli",),  # the command line: exit codes, errors in the user's language; finds commands by name
    ("commands",),  # click commands: options, rendering
    ("__init__", "api"),  # the public library: ccare.load() -> Map (__init__ imports api lazily)
    ("exports",),  # HTML map page, report, RDF, GraphML, CSV
    ("query",),  # user SPARQL (embedded or at an endpoint), SHACL, the sandbox
    ("endpoint", "sheets"),  # SPARQL 1.1 endpoints (HTTP client, load, reading back); map sheets (xlsx/CSV)
    ("portfolio",),  # merchant CSV in, RDF out, every merchant asked
    ("graph",),  # the NetworkX flow graph and the algorithms over it
    ("kb",),  # inputs -> cache -> KnowledgeBase (the map, its indexes and descriptions)
    ("rdfio", "i18n"),  # untrusted bytes <-> triples, the store, atomic writes; the message catalogue
    ("text", "ontology"),  # tables and terminal/CSV safety; the vocabulary and the shipped map
    ("errors", "limits", "settings"),  # exceptions, budgets and sizes, CCARE_* settings
]

#: Imports that break :data:`LAYERS` today, each with the reason it is allowed for now.
#: ``(importing module, imported package)``: remove the entry when the import goes.
EXCEPTIONS: dict[tuple[str, str], str] = {}

#: The commit before the root modules were grouped into packages (issue 12, "layout").
BEFORE = "276bd96"

_SKIP = {"tests", "bench", "docs", "examples", "build", "dist"}


class Import(NamedTuple):
    module: str  # importing module, dotted below ccare: "graph.loops", "cli", "__init__"
    line: int
    target: str  # imported module or name, dotted below ccare: "kb.model", "errors"

    def where(self) -> str:
        return f"{self.module.replace('.', '/')}.py:{self.line}"


def source_files(root: Path = ROOT) -> dict[str, str]:
    """``{path: source}`` of every module of the package in the checkout."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in _SKIP or any(p.startswith(".") for p in rel.parts):
            continue
        out[rel.as_posix()] = path.read_text(encoding="utf-8")
    return out


def source_files_at(commit: str, root: Path = ROOT) -> dict[str, str] | None:
    """The same at a commit of the checkout's history (None when git or the commit is missing)."""
    try:
        names = subprocess.run(["git", "ls-tree", "-r", "--name-only", commit], cwd=root, capture_output=True,
                               text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return None
    out = {}
    for name in sorted(n for n in names if n.endswith(".py")):
        parts = name.split("/")
        if parts[0] in _SKIP or any(p.startswith(".") for p in parts):
            continue
        out[name] = subprocess.run(["git", "show", f"{commit}:{name}"], cwd=root, capture_output=True,
                                   text=True, check=True).stdout
    return out


def _module_name(path: str) -> str:
    parts = path[:-3].split("/")
    if len(parts) > 1 and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(files: dict[str, str]) -> list[Import]:
    """Every import of a ccare module by a ccare module, as :class:`Import` records."""
    out = []
    for path, text in files.items():
        module = _module_name(path)
        package = path[:-3].split("/")[:-1]  # where a relative import starts
        for node in ast.walk(ast.parse(text, filename=path)):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = ["ccare", *package[: len(package) - node.level + 1]]
                    stem = ".".join(base + ([node.module] if node.module else []))
                else:
                    stem = node.module or ""
                # ``from ccare import cli`` and ``from ccare.kb import cache`` may name modules
                names = [f"{stem}.{a.name}" for a in node.names] if stem in ("ccare",) else [stem]
                if stem.startswith("ccare.") and stem.count(".") == 1:
                    names = [f"{stem}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                if name == "ccare.__version__":
                    continue
                if name in ("ccare.load", "ccare.Map", "ccare.Answer"):
                    name = "ccare.api"
                if name == "ccare" or name.startswith("ccare."):
                    out.append(Import(module, node.lineno, name[6:] or "__init__"))
    return sorted(out)


def layer_of(name: str) -> int | None:
    """The index in :data:`LAYERS` of a module or package (0 is the top), the most specific
    entry first; None for a name no layer holds."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        for i, layer in enumerate(LAYERS):
            if ".".join(parts[:n]) in layer:
                return i
    return None


def _unit(name: str) -> str:
    """The layer entry a module belongs to: ``commands.reference``, else its package."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        if any(".".join(parts[:n]) in layer for layer in LAYERS):
            return ".".join(parts[:n])
    return parts[0]


def violations(found: list[Import]) -> list[tuple[Import, str | None]]:
    """Imports of a higher layer, each with the reason if :data:`EXCEPTIONS` allows it."""
    out = []
    for imp in found:
        mine, theirs = layer_of(imp.module), layer_of(imp.target)
        if mine is None or theirs is None or theirs >= mine:
            continue
        out.append((imp, EXCEPTIONS.get((imp.module, _unit(imp.target)))))
    return out


def package_graph(found: list[Import]) -> dict[tuple[str, str], int]:
    """``{(package, package): number of imports}`` between different top-level names."""
    edges: dict[tuple[str, str], int] = defaultdict(int)
    for imp in found:
        a, b = imp.module.split(".")[0], imp.target.split(".")[0]
        if a != b:
            edges[a, b] += 1
    return dict(sorted(edges.items()))


def _node(name: str) -> str:
    return {"__init__": "ccare", "__main__": "main"}.get(name, name)


def _mermaid(edges: dict[tuple[str, str], int]) -> list[str]:
    """A Mermaid flowchart (ids prefixed: ``graph`` and ``end`` are Mermaid words)."""
    names = sorted({n for e in edges for n in e})
    lines = ["```mermaid", "graph TD"]
    lines += [f'    m_{n.strip("_")}["{_node(n)}"]' for n in names]
    lines += [f"    m_{a.strip('_')} --> m_{b.strip('_')}" for a, b in edges]
    return [*lines, "```"]


def _plain(edges: dict[tuple[str, str], int]) -> list[str]:
    by: dict[str, list[str]] = defaultdict(list)
    for (a, b), n in edges.items():
        by[a].append(b)
    width = max(len(a) for a in by)
    return ["```text", *(f"{a:<{width}}  -> {', '.join(bs)}" for a, bs in sorted(by.items())), "```"]


REGENERATE = "python tests/layering.py -o docs/architecture.md"


def render(before: dict[str, str] | None = None, after: dict[str, str] | None = None) -> str:
    """``docs/architecture.md``: the layers, and the package import graph before and after."""
    before = source_files_at(BEFORE) if before is None else before
    after = source_files() if after is None else after
    if before is None:
        raise RuntimeError(f"commit {BEFORE} is not in this checkout's history (a shallow clone?)")
    old, new = package_graph(imports(before)), package_graph(imports(after))
    layers = [" | ".join(_node(n) for n in layer) for layer in LAYERS]
    out = [
        "# Architecture: the import graph",
        "",
        "<!-- Generated from the source with ast; do not edit. Regenerate with:",
        f"     {REGENERATE} -->",
        "",
        "How ccare's packages import one another, read from every `import` in the source (those",
        "inside functions included; `from ccare import __version__` left out). An arrow `a --> b`",
        "says some module of `a` imports one of `b`; how many times is left out, so the page changes",
        "when the structure does, not with every import. The README's",
        "[Layout](../README.md#layout) says what each package is for; `tests/test_layout.py`",
        "fails when a module imports from a layer above its own.",
        "",
        "## Layers",
        "",
        "Top first; a module imports from its own layer and those below it:",
        "",
        "```text",
        *[f"{'    ' if i else ''}{'-> ' if i else ''}{layer}" for i, layer in enumerate(layers)],
        "```",
        "",
    ]
    allowed = [(imp, why) for imp, why in violations(imports(after))]
    if allowed:
        out += ["Imports against the direction, allowed for now:", ""]
        out += [f"- `{imp.where()}` imports `ccare.{imp.target}`: {why or 'NOT ALLOWED'}" for imp, why in allowed]
        out.append("")
    out += [
        f"## Before: commit {BEFORE}",
        "",
        f"{len({n for e in old for n in e})} top-level modules and packages, {len(old)} arrows between them",
        f"({sum(old.values())} import statements).",
        "",
        *_mermaid(old),
        "",
        *_plain(old),
        "",
        "## Now",
        "",
        f"{len({n for e in new for n in e})} top-level modules and packages, {len(new)} arrows between them.",
        "",
        *_mermaid(new),
        "",
        *_plain(new),
    ]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    if argv not in ([], ["-o", argv[-1] if argv else ""]):
        print(f"usage: {REGENERATE}", file=sys.stderr)
        return 2
    text = render()
    if not argv or argv[1] == "-":
        sys.stdout.write(text)
    else:
        Path(argv[1]).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

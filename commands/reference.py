"""The CLI reference, ``docs/cli.md``: every command's ``--help``, as Markdown.

Regenerate it after changing a command, an option or a help text::

    python -m ccare.commands.reference -o docs/cli.md

The page is made from the click commands themselves (:data:`ccare.cli.cli`, walked
recursively), at a fixed width, so the same code gives the same bytes on every machine;
``tests/test_reference.py`` checks that ``docs/cli.md`` is current.  ``--help`` is in
English (README, "Commands"), and so is this page.
"""

from __future__ import annotations

import sys

import click

__all__ = ["WIDTH", "commands", "render", "main"]

#: The width the help is wrapped at, whatever the terminal: the page must not depend on it.
WIDTH = 100

REGENERATE = "python -m ccare.commands.reference -o docs/cli.md"


def commands(cmd: click.Command | None = None, path: tuple[str, ...] = ("ccare",), parent=None):
    """``(path, command, context)`` of ``ccare`` and every command below it, depth first,
    subcommands in the order ``--help`` lists them.

    >>> paths = [" ".join(p) for p, _, _ in commands()]
    >>> paths[0], "ccare export html" in paths, "ccare portfolio gaps" in paths
    ('ccare', True, True)
    """
    if cmd is None:
        from ccare.cli import cli

        cmd = cli
    settings = {**cmd.context_settings, "max_content_width": WIDTH, "terminal_width": WIDTH}
    ctx = click.Context(cmd, info_name=path[-1], parent=parent, **settings)
    yield path, cmd, ctx
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from commands(sub, (*path, name), ctx)


def _anchor(path: tuple[str, ...]) -> str:
    return "-".join(path)


def render() -> str:
    """The Markdown page: a contents list, then each command's help in a ``text`` block."""
    entries = list(commands())
    out = [
        "# CLI reference",
        "",
        "<!-- Generated from the commands' --help; do not edit. Regenerate with:",
        f"     {REGENERATE} -->",
        "",
        "Every command and option of `ccare`, as `--help` prints it. The options every command",
        "shares, and what they mean, are in [commands.md](commands.md); the exit codes there too.",
        "",
    ]
    for path, cmd, ctx in entries:
        indent = "  " * (len(path) - 1)
        summary = cmd.get_short_help_str(WIDTH)
        out.append(f"{indent}- [`{' '.join(path)}`](#{_anchor(path)})" + (f": {summary}" if summary else ""))
    for path, cmd, ctx in entries:
        help_text = cmd.get_help(ctx).rstrip()
        out += ["", f"## {' '.join(path)}", "", "```text", help_text, "```"]
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    """``python -m ccare.commands.reference [-o FILE]``: print the page, or write it to FILE
    whole or not at all."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not (args == [] or (len(args) == 2 and args[0] == "-o")):
        print(f"usage: {REGENERATE}", file=sys.stderr)
        return 2
    text = render()
    if not args or args[1] == "-":
        sys.stdout.write(text)
        return 0
    from ccare.rdfio.atomic import atomic_write

    with atomic_write(args[1], "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

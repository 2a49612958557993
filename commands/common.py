"""Options and output helpers shared by every command."""

from __future__ import annotations

import functools

import click

from ccare import render
from ccare.kb import NEED_CODES, Entity, Evidence, KnowledgeBase, load

__all__ = [
    "common_options",
    "data_option",
    "lang_option",
    "format_option",
    "load_kb",
    "store_options",
    "echo_json",
    "echo_table",
    "fmt_evidence",
    "label",
    "NeedCode",
    "NeedList",
]


def data_option(f):
    return click.option(
        "--data",
        "data",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False),
        help="Merge this RDF file (any format rdflib reads) into the shipped map. Repeatable.",
    )(f)


def lang_option(f):
    return click.option(
        "--lang",
        type=click.Choice(["zh", "en"]),
        default="en",
        show_default=True,
        envvar="CCARE_LANG",
        help="Label language of table output (JSON always carries both).",
    )(f)


def format_option(*choices):
    choices = choices or ("table", "json")

    def deco(f):
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(list(choices)),
            default=choices[0],
            show_default=True,
            help="Output format.",
        )(f)

    return deco


def common_options(*formats):
    """``--data``, ``--lang`` and ``--format`` (``table|json`` unless given)."""

    def deco(f):
        return data_option(lang_option(format_option(*formats)(f)))

    return deco


@functools.lru_cache(maxsize=4)
def _load(data: tuple, store: str = "oxigraph", cache: bool = True) -> KnowledgeBase:
    return load(data, store=store, cache=cache)


def store_options() -> tuple[str, bool]:
    """``(store kind, use the parse cache)`` for the running command: ``ccare --store`` and
    ``--no-cache``, else ``CCARE_STORE`` and ``CCARE_NO_CACHE``, else oxigraph with cache."""
    from ccare import cache
    from ccare.store import store_kind

    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    return store_kind(meta.get("ccare.store")), cache.enabled(meta.get("ccare.cache"))


def load_kb(data) -> KnowledgeBase:
    """The shipped map merged with ``data`` (cached within one process)."""
    return _load(tuple(data), *store_options())


def echo_json(obj) -> None:
    click.echo(render.to_json(obj))


def echo_table(headers, rows) -> None:
    click.echo(render.table(headers, rows))


def label(entity: Entity, lang: str) -> str:
    return entity.label(lang)


def fmt_evidence(evidence: list[Evidence] | tuple[Evidence, ...], inferred: bool = False) -> str:
    """Evidence for a table cell: ``L24 “quote”; L25 “quote”`` (and ``[inferred]``)."""
    text = "; ".join(f"L{e.line} “{e.quote}”" if e.line else f"{e.source} “{e.quote}”" for e in evidence)
    if not evidence:
        text = "(no evidence)"
    return text + (" [inferred]" if inferred else "")


class NeedCode(click.ParamType):
    """One need code (SCALE, ACTIVE, WORTH, EFFICIENCY), any case."""

    name = "NEED"

    def convert(self, value, param, ctx):
        code = str(value).strip().upper()
        if code not in NEED_CODES:
            self.fail(f"unknown need {str(value).strip()!r} (allowed: {', '.join(NEED_CODES)})", param, ctx)
        return code


class NeedList(click.ParamType):
    """A comma-separated list of need codes, e.g. ``SCALE,ACTIVE`` (any case)."""

    name = "NEEDS"

    def convert(self, value, param, ctx):
        if isinstance(value, (list, tuple)):
            return list(value)
        out = []
        for part in str(value).split(","):
            code = part.strip().upper()
            if not code:
                continue
            if code not in NEED_CODES:
                self.fail(f"unknown need {part.strip()!r} (allowed: {', '.join(NEED_CODES)})", param, ctx)
            if code not in out:
                out.append(code)
        if not out:
            self.fail(f"give at least one need (allowed: {', '.join(NEED_CODES)})", param, ctx)
        return out

"""Options and output helpers shared by every command."""

from __future__ import annotations

import contextlib
import functools
import sys
import weakref

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
    "load_graph",
    "endpoint_option",
    "current_endpoint",
    "progress",
    "echo_json",
    "echo_table",
    "fmt_evidence",
    "label",
    "NeedCode",
    "NeedList",
]


def data_option(f):
    f = endpoint_option(f)
    return click.option(
        "--data",
        "data",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False),
        help="Merge this RDF file (any format rdflib reads) into the shipped map. Repeatable.",
    )(f)


#: Where ``--endpoint`` is kept for :func:`load_kb` (``click.Context.meta``).
_ENDPOINT = "ccare.endpoint"


def _remember_endpoint(ctx, param, value):
    if value:
        from ccare.endpoint.client import Endpoint
        from ccare.errors import UsageError

        try:
            ctx.meta[_ENDPOINT] = Endpoint(value)
        except UsageError as e:
            raise click.BadParameter(str(e), ctx, param) from None
    return value


def endpoint_option(f):
    """``--endpoint URL``: :func:`load_kb` asks that SPARQL 1.1 endpoint instead of the
    shipped map.  The command function does not see the option (its signature stays)."""
    return click.option(
        "--endpoint",
        metavar="URL",
        expose_value=False,
        callback=_remember_endpoint,
        help="Ask this SPARQL 1.1 endpoint (query URL) instead of the embedded map; load it with `ccare load`.",
    )(f)


def current_endpoint():
    """The :class:`~ccare.endpoint.client.Endpoint` of ``--endpoint`` for the running command, else None."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(_ENDPOINT) if ctx is not None else None


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


def load_kb(data, *, whole: bool = False) -> KnowledgeBase:
    """The shipped map merged with ``data`` (cached within one process); with
    ``--endpoint``, the map at that endpoint merged with ``data`` (asked once per command),
    with ``whole`` every triple the endpoint holds, merchants too."""
    endpoint = current_endpoint()
    if endpoint is None:
        return _load(tuple(data), *store_options())
    ctx = click.get_current_context()
    cache = ctx.meta.setdefault("ccare.remote-kb", {})
    key = (tuple(data), whole)
    if key not in cache:
        from ccare.endpoint.remote import connect

        cache[key] = connect(endpoint, key[0], store=store_options()[0], whole=whole)
    return cache[key]


def load_graph(data):
    """``(kb, G)``: :func:`load_kb` and its NetworkX graph, built once per knowledge base."""
    from ccare.graph.build import to_networkx

    kb = load_kb(data)
    G = _GRAPHS.get(kb)
    if G is None:
        G = _GRAPHS[kb] = to_networkx(kb)
    return kb, G


_GRAPHS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def progress(total: int, label: str):
    """A progress bar on stderr when stderr is a terminal; yields its ``update(n)``, else None.

    Nothing is written when stderr is piped or redirected.
    """
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()) or total <= 0:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def echo_json(obj) -> None:
    click.echo(render.to_json(obj))


def echo_table(headers, rows) -> None:
    click.echo(render.table(headers, rows))


def label(entity: Entity, lang: str) -> str:
    return entity.label(lang)


def fmt_evidence(evidence, inferred: bool = False) -> str:
    """Evidence for a table cell: ``L24 “quote”; L25 “quote”`` (and ``[inferred]``).

    ``evidence`` holds :class:`~ccare.kb.Evidence` objects or their JSON form
    (``{"source", "line", "quote"}``), as the library's results carry them.
    """
    items = [e.to_json() if isinstance(e, Evidence) else e for e in evidence or ()]
    text = "; ".join(f"L{e['line']} “{e['quote']}”" if e.get("line") else f"{e['source']} “{e['quote']}”"
                     for e in items) or "(no evidence)"
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

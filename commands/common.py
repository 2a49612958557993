"""Options and output helpers shared by every command."""

from __future__ import annotations

import contextlib
import functools
import sys
import weakref

import click

from ccare import i18n
from ccare.kb.model import NEED_CODES, Entity, Evidence, KnowledgeBase
from ccare.limits import REQUEST_TIMEOUT
from ccare.text import render

__all__ = [
    "common_options",
    "data_option",
    "lang_option",
    "format_option",
    "csv_raw_option",
    "load_kb",
    "load_map",
    "store_options",
    "load_graph",
    "endpoint_option",
    "current_endpoint",
    "endpoint_timeout_option",
    "map_option",
    "current_base",
    "progress",
    "echo_json",
    "echo_table",
    "fmt_evidence",
    "current_lang",
    "citations",
    "relation_label",
    "rationale",
    "label",
    "NeedCode",
    "NeedList",
    "NeedName",
    "resolve_needs",
    "domain_option",
    "merchant_profile",
    "output_option",
    "echo_csv",
    "cells",
]


def map_option(f):
    """``--map FILE``: :func:`load_map` reads FILE instead of the shipped knowledge base
    (the shipped ontology stays).  The command function does not see the option."""
    return click.option(
        "--map",
        "base",
        multiple=True,
        metavar="FILE",
        type=click.Path(exists=True, dir_okay=False),
        expose_value=False,
        callback=_remember_base,
        help="Use this RDF file as the map instead of the shipped one (the shipped ontology stays): a whole "
             "map exported with `ccare export sheet`, edited and imported. Repeatable; --data extends it.",
    )(f)


def data_option(f):
    f = map_option(endpoint_option(f))
    return click.option(
        "--data",
        "data",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False),
        help="Merge this RDF file (any format rdflib reads) into the shipped map (or the --map). Repeatable.",
    )(f)


#: Where ``--map`` is kept for :func:`load_map` (``click.Context.meta``).
_BASE = "ccare.kb.base"


def _remember_base(ctx, param, value):
    if value:
        ctx.meta[_BASE] = tuple(value)
    return value


def current_base() -> tuple:
    """The files of ``--map`` for the running command (empty: the shipped map)."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(_BASE, ()) if ctx is not None else ()


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


def graph_iri(ctx, param, value):
    """Click callback: ``--graph`` must be an absolute IRI (a usage error otherwise)."""
    if value is not None:
        from ccare.rdfio.terms import TermError, iri

        try:
            iri(value)
        except TermError as e:
            raise click.BadParameter(str(e), ctx, param) from None
    return value


def _remember_graph(ctx, param, value):
    value = graph_iri(ctx, param, value)
    if value is not None:
        ctx.meta[_ENDPOINT + ".graph"] = value
    return value


def endpoint_option(f):
    """``--endpoint URL`` and ``--graph IRI``: :func:`load_kb` asks that SPARQL 1.1
    endpoint (that named graph of it) instead of the shipped map.  The command function
    does not see the options (its signature stays)."""
    f = click.option(
        "--graph",
        metavar="IRI",
        expose_value=False,
        callback=_remember_graph,
        help="With --endpoint: read this named graph of the endpoint (default: its default graph).",
    )(f)
    return click.option(
        "--endpoint",
        metavar="URL",
        expose_value=False,
        callback=_remember_endpoint,
        help="Ask this SPARQL 1.1 endpoint (query URL) instead of the embedded map; load it with `ccare load`.",
    )(f)


def _remember_endpoint_timeout(ctx, param, value):
    if value is not None:
        ctx.meta[_ENDPOINT + ".timeout"] = value
    return value


def endpoint_timeout_option(f):
    """``--timeout SECONDS`` for a command that reads the map and does no search of its own
    (``products``, ``show``, ``export``...): with ``--endpoint``, every request of the
    command ends within it, counted from the first (exit code 3).  Without it each request
    may take the endpoint client's own limit.  The command function does not see the option."""
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True, max=86400),
        metavar="SECONDS",
        expose_value=False,
        callback=_remember_endpoint_timeout,
        help="With --endpoint: the command ends within this long, its requests to the endpoint included "
             f"(exit 3). Without it, each request may take {REQUEST_TIMEOUT:g} s.",
    )(f)


def current_endpoint():
    """The :class:`~ccare.endpoint.client.Endpoint` of ``--endpoint`` (and ``--graph``) for
    the running command, else None.  Its requests all end within the command's
    ``--timeout``, when it has one, counted from the first call."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None
    ready = ctx.meta.get(_ENDPOINT + ".ready")
    if ready is not None:
        return ready
    endpoint, graph = ctx.meta.get(_ENDPOINT), ctx.meta.get(_ENDPOINT + ".graph")
    if endpoint is None:
        if graph is not None:
            raise click.UsageError("--graph names a graph of an endpoint: give --endpoint URL too")
        return None
    if graph is not None:
        endpoint = endpoint.with_graph(graph)
    timeout = ctx.params.get("timeout", ctx.meta.get(_ENDPOINT + ".timeout"))
    if isinstance(timeout, (int, float)) and timeout > 0 and timeout != float("inf"):
        endpoint = endpoint.with_timeout(timeout)  # --timeout covers the map fetch and every page too
    ctx.meta[_ENDPOINT + ".ready"] = endpoint
    return endpoint


#: Where the running command's language is kept (``click.Context.meta``, shared by nested contexts).
_LANG = "ccare.lang"
#: Where the running command's knowledge base is kept, for citations and labels.
_KB = "ccare.kb.model"


def _remember_lang(ctx, param, value):
    if value is None:
        value = i18n.default_lang()
    ctx.meta[_LANG] = value
    return value


def lang_option(f):
    return click.option(
        "--lang",
        type=click.Choice(["zh", "en"], case_sensitive=False),
        default=None,
        callback=_remember_lang,
        show_default="CCARE_LANG, else the locale (zh_*: zh), else en",
        help="Language of everything printed: tables, sentences, messages, reports, pages (JSON carries both).",
    )(f)


def current_lang() -> str:
    """The language of the running command: its ``--lang``, else :func:`ccare.i18n.default_lang`."""
    ctx = click.get_current_context(silent=True)
    lang = ctx.meta.get(_LANG) if ctx is not None else None
    return lang or i18n.default_lang()


def citations() -> "i18n.Citations":
    """How the running command cites evidence: the short names of the sources it loaded."""
    ctx = click.get_current_context(silent=True)
    kb = ctx.meta.get(_KB) if ctx is not None else None
    if kb is None:
        return i18n.Citations()
    found = _CITATIONS.get(kb)
    if found is None:
        found = _CITATIONS[kb] = i18n.Citations.of(kb)
    return found


_CITATIONS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def rationale(text: str | None, lang: str | None = None) -> str | None:
    """An inferred relation's rationale in the running command's language, where the map has it."""
    ctx = click.get_current_context(silent=True)
    kb = ctx.meta.get(_KB) if ctx is not None else None
    if kb is None or not text:
        return text
    found = _RATIONALES.get(kb)
    if found is None:
        found = _RATIONALES[kb] = i18n.Rationales.of(kb)
    return found.text(text, lang or current_lang())


_RATIONALES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def relation_label(key: str, lang: str | None = None) -> str:
    """A relation (edge key, e.g. ``userFlowsTo``) as the reader calls it: its label in
    Chinese, the key itself in English (the map's own term)."""
    lang = lang or current_lang()
    if lang != "zh":
        return key
    ctx = click.get_current_context(silent=True)
    kb = ctx.meta.get(_KB) if ctx is not None else None
    if kb is None or not key:
        return key
    from ccare.graph.build import relation_iri

    try:
        return kb.entity(relation_iri(kb, key)).labels.get("zh") or key
    except Exception:  # a key the map does not know stays as it is
        return key


def format_option(*choices):
    choices = choices or ("table", "json")

    def deco(f):
        if "csv" in choices:
            f = csv_raw_option(f)
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(list(choices)),
            default=choices[0],
            show_default=True,
            help="Output format.",
        )(f)

    return deco


def _remember_csv_raw(ctx, param, value):
    from ccare.text.csvcells import META_KEY

    if value:
        ctx.meta[META_KEY] = True
    return value


def csv_raw_option(f):
    """``--csv-raw``: CSV cells as they are, without the guard against spreadsheet formulas
    (:mod:`ccare.text.csvcells`).  The command function does not see the option."""
    return click.option(
        "--csv-raw", is_flag=True, expose_value=False, callback=_remember_csv_raw,
        help="Write CSV cells as they are, for programs: no leading ' before cells a spreadsheet "
             "would run as formulas (=, +, -, @).",
    )(f)


def common_options(*formats):
    """``--data``, ``--lang`` and ``--format`` (``table|json`` unless given)."""

    def deco(f):
        return data_option(lang_option(format_option(*formats)(f)))

    return deco


def store_options() -> tuple[str, bool]:
    """``(store kind, use the parse cache)`` for the running command: ``ccare --store`` and
    ``--no-cache``, else ``CCARE_STORE`` and ``CCARE_NO_CACHE``, else oxigraph with cache."""
    from ccare.kb import cache
    from ccare.rdfio.store import store_kind

    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    return store_kind(meta.get("ccare.rdfio.store")), cache.enabled(meta.get("ccare.kb.cache"))


def load_map(data, *, whole: bool = False):
    """The :class:`~ccare.api.Map` of the running command: :func:`ccare.load` (the one load
    path, memo included) with the command's ``--endpoint``/``--graph``, ``ccare --store``
    and ``--no-cache``; with an endpoint and ``whole``, every triple the endpoint holds,
    merchants too.  The endpoint is asked once per command."""
    from ccare.api import load as load_map_of

    kind, use_cache = store_options()
    m = load_map_of(tuple(data), endpoint=current_endpoint(), store=kind, cache=use_cache, whole=whole,
                    base=current_base())
    _remember_kb(m.kb)
    return m


def load_kb(data, *, whole: bool = False) -> KnowledgeBase:
    """The knowledge base of :func:`load_map`."""
    return load_map(data, whole=whole).kb


def _remember_kb(kb: KnowledgeBase) -> KnowledgeBase:
    """Keep ``kb`` for the running command's citations, labels and error messages."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[_KB] = kb
    return kb


def load_graph(data):
    """``(kb, G)``: the knowledge base of :func:`load_map` and its NetworkX graph
    (:attr:`ccare.api.Map.graph`, built once per map)."""
    m = load_map(data)
    return m.kb, m.graph


@contextlib.contextmanager
def progress(total: int, label: str):
    """A progress bar on stderr when stderr is a terminal; yields its ``update(n)``, else None.

    Nothing is written when stderr is piped or redirected.
    """
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()) or total <= 0:
        yield None
        return
    from ccare.text.terminal import raw

    with click.progressbar(length=total, label=label, file=raw(sys.stderr)) as bar:
        yield bar.update


#: Version of the JSON shapes ccare prints.  2: loops list their supporting offerings and
#: each step what moves along it; prescriptions carry the baseline (payment); facts their
#: status and date.
SCHEMA_VERSION = 2


def versioned(obj):
    """``obj`` with ``"schema_version"`` first in it, or in each object of a list."""
    if isinstance(obj, dict):
        return {"schema_version": SCHEMA_VERSION, **obj}
    if isinstance(obj, list):
        return [versioned(o) if isinstance(o, dict) else o for o in obj]
    return obj


def echo_json(obj) -> None:
    click.echo(render.to_json(versioned(obj)))


def echo_table(headers, rows) -> None:
    """Rows under ``headers``, the headers named in the running command's language."""
    lang = current_lang()
    click.echo(render.table([i18n.header(h, lang) for h in headers], rows))


def label(entity: Entity, lang: str) -> str:
    return entity.label(lang)


def fmt_evidence(evidence, inferred: bool = False, lang: str | None = None) -> str:
    """Evidence for a table cell, as a reader cites it: ``line 24 “quote”; line 25 “quote”``
    (``第 24 行 “quote”`` in Chinese), naming the source (``openday article, line 24``)
    when more than one source is loaded; and ``[inferred]``.

    ``evidence`` holds :class:`~ccare.kb.model.Evidence` objects or their JSON form
    (``{"source", "line", "quote"}``), as the library's results carry them.
    """
    lang = lang or current_lang()
    cite = citations()
    items = [e.to_json() if isinstance(e, Evidence) else e for e in evidence or ()]
    sep = "；" if lang == "zh" else "; "
    # one source loaded: its lines need no name; a source the map does not declare is named all the same
    text = sep.join(cite.cite(e, lang, name_source=cite.many or e.get("line") is None
                              or bool(cite.names) and e.get("source") not in cite.names) for e in items) \
        or i18n.t("no_evidence", lang)
    return text + (" " + i18n.t("inferred_tag", lang) if inferred else "")


class NeedName(str):
    """A ``--need`` value that is not a code: a need's zh or en name, resolved against the
    loaded map by :func:`resolve_needs` (the map names the needs, not the code)."""


def _need_or_name(text: str):
    code = text.strip().upper()
    return code if code in NEED_CODES else NeedName(text.strip())


def resolve_needs(kb: KnowledgeBase, needs, param: str = "--needs"):
    """``needs`` (codes, and names a :class:`NeedCode` or :class:`NeedList` left as they
    were) as need codes, by the map's labels of its needs: ``多渠道精准获客`` is SCALE.
    An unknown name is a usage error (exit 2) listing the codes."""
    if needs is None:
        return None
    single = isinstance(needs, str)
    out = []
    for n in [needs] if single else needs:
        if isinstance(n, NeedName):
            from ccare.errors import UsageError as _Usage

            try:
                code = kb.need_code(kb.need(str(n)))
            except _Usage as e:
                raise click.BadParameter(str(e), param_hint=f"'{param}'") from None
        else:
            code = n
        if code not in out:
            out.append(code)
    return out[0] if single else out


class NeedCode(click.ParamType):
    """One need: its code (SCALE, ACTIVE, WORTH, EFFICIENCY, any case) or its zh or en
    name (resolved by :func:`resolve_needs` once the map is loaded)."""

    name = "NEED"

    def convert(self, value, param, ctx):
        if not str(value).strip():
            self.fail(f"give at least one need (allowed: {', '.join(NEED_CODES)})", param, ctx)
        return _need_or_name(str(value))


class NeedList(click.ParamType):
    """A comma-separated list of needs, e.g. ``SCALE,active,高质量关系维护``: codes in any
    case, or names (resolved by :func:`resolve_needs` once the map is loaded)."""

    name = "NEEDS"

    def convert(self, value, param, ctx):
        if isinstance(value, (list, tuple)):
            return list(value)
        out = []
        for part in str(value).split(","):
            if not part.strip():
                continue
            code = _need_or_name(part)
            if code not in out:
                out.append(code)
        if not out:
            self.fail(f"give at least one need (allowed: {', '.join(NEED_CODES)})", param, ctx)
        return out


# ---------------------------------------------------------------------- one vocabulary


#: ``--domain`` values: the domains' ids, as the JSON names them, and their short aliases.
DOMAINS = {"public-domain": "public", "private-domain": "private", "public": "public", "private": "private"}


def domain_option(f):
    """``--domain public-domain|private-domain`` (the ids the JSON prints; ``public`` and
    ``private`` still work).  The command gets the short name the library takes."""
    return click.option(
        "--domain", type=click.Choice(list(DOMAINS)), callback=lambda ctx, param, v: DOMAINS.get(v) if v else v,
        help="Only products living in this domain (its id; public and private also work).",
    )(f)


def merchant_profile(kb: KnowledgeBase, scale: str | None, stage: str | None) -> tuple[str | None, str | None]:
    """``--scale`` and ``--stage`` as the library names them (``small``, ``exploring``),
    from any word ``ccare import`` accepts in a portfolio (``小商家``, ``scale-small``,
    ``探索阶段``, ...): the same resolution, :class:`ccare.portfolio.names.Names`.
    A word the map does not know is a usage error (exit 2) listing the allowed ones."""
    if scale is None and stage is None:
        return None, None
    from ccare.portfolio.names import Names

    names = Names(kb)
    out: list[str | None] = []
    for value, pick, prefix, option in ((scale, names.scale, "scale-", "--scale"),
                                        (stage, names.stage, "stage-", "--stage")):
        if value is None:
            out.append(None)
            continue
        try:
            node_id = kb.node_id(pick(value))
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint=f"'{option}'") from None
        out.append(node_id[len(prefix):] if node_id.startswith(prefix) else node_id)
    return out[0], out[1]


def cells(values) -> str:
    """Several values in one CSV cell: ``;`` between them, as everywhere in ccare's CSV."""
    return ";".join(str(v) for v in values)


def echo_csv(headers, rows) -> None:
    """``rows`` as CSV under ``headers`` on standard output (formula-like cells guarded
    unless ``--csv-raw``, see :mod:`ccare.text.csvcells`)."""
    import io

    from ccare.text import csvcells as csvsafe
    from ccare.text import terminal as termsafe

    buf = io.StringIO()
    w = csvsafe.writer(buf, lineterminator="\n")
    w.writerow(headers)
    w.writerows(rows)
    termsafe.machine_stdout().write(buf.getvalue())


def output_option(f=None, *, answers=(0, 3)):
    """``-o FILE``: what the command prints to standard output goes to FILE instead,
    written whole or not at all (:func:`ccare.rdfio.atomic.atomic_write`); ``-`` is standard
    output.  A command cut short by a limit (exit 3) writes what it found, as it prints it;
    ``answers`` are the exit codes whose output is an answer to write (``validate``: 1, the
    map does not conform, and here is why)."""
    import io

    if f is None:
        return functools.partial(output_option, answers=answers)

    @functools.wraps(f)
    def wrapped(*args, output=None, **kw):
        if output is None or output == "-":
            return f(*args, **kw)
        from ccare.limits import EXIT_CUT_SHORT
        from ccare.rdfio.atomic import atomic_write

        raw = io.BytesIO()
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="", write_through=True)
        code = 0
        with contextlib.redirect_stdout(text):
            try:
                f(*args, **kw)
            except click.exceptions.Exit as e:
                if e.exit_code not in (0, EXIT_CUT_SHORT, *answers):
                    raise
                code = e.exit_code
            text.flush()
        with atomic_write(output, "wb") as out:
            out.write(raw.getvalue())
        click.echo(i18n.t("wrote_files", current_lang(), files=output), err=True)
        if code:
            raise click.exceptions.Exit(code)

    return click.option(
        "-o", "--output", "output", metavar="FILE",
        help="Write what the command prints to FILE, whole or not at all ('-': standard output).",
    )(wrapped)

"""The ``ccare`` command line: a thin layer over the library.

Commands live in :mod:`ccare.commands` and are imported only when run, so that
``ccare --help`` and light commands start fast.  Library errors
(:class:`ccare.errors.CcareError`, every one defined in :mod:`ccare.errors`) become click
errors here, with the exit code the error's class carries: 1 for an error, 2 for bad
usage, 3 when a limit cut the work short; no traceback reaches the user unless
``--debug`` is given.  ``tests/test_errors.py`` raises every one through this group.
"""

from __future__ import annotations

import importlib
import traceback

import click

from ccare import __version__, i18n
from ccare.errors import CcareError, UsageError

__all__ = ["cli", "main", "COMMANDS", "SUMMARIES"]

#: command name -> "module:attribute" of its click command
COMMANDS = {
    "info": "ccare.commands.core:info",
    "products": "ccare.commands.core:products",
    "show": "ccare.commands.core:show",
    "list": "ccare.commands.core:list_cmd",
    "validate": "ccare.commands.core:validate_cmd",
    "synth": "ccare.commands.scale:synth",
    "cache": "ccare.commands.scale:cache_cmd",
    "import": "ccare.commands.portfolio:import_cmd",
    "portfolio": "ccare.commands.portfolio:portfolio",
    "load": "ccare.commands.endpoint:load",
    "sparql": "ccare.commands.sparql:sparql_cmd",
    "export": "ccare.commands.export:export",
    "path": "ccare.commands.queries:path",
    "loops": "ccare.commands.queries:loops",
    "prescribe": "ccare.commands.queries:prescribe",
    "gaps": "ccare.commands.queries:gaps",
    "coverage": "ccare.commands.queries:coverage",
    "rank": "ccare.commands.queries:rank",
    "whatif": "ccare.commands.queries:whatif",
    "diff": "ccare.commands.diff:diff",
}

#: The first line of each command's help, so that ``ccare --help`` lists the commands
#: without importing them (and networkx, pyshacl, pyvis behind them).  A test checks
#: that each matches its command; a command missing here is imported to list it.
SUMMARIES = {
    "info": "What is loaded: triples, products, needs, values, relations, sources.",
    "products": "Products with the needs and values they serve, each with its evidence.",
    "show": "One entity: labels, type, relations in and out, facts, with evidence.",
    "list": "Entities of one KIND, with the evidence that introduces each and their relations.",
    "validate": "Check RDF FILES, merged with the shipped map, against the map's SHACL rules.",
    "synth": "Write a synthetic extension of the map: products and merchants that conform to the rules.",
    "cache": "Where the parse cache is, and what it holds; --clear empties it.",
    "import": "Turn a merchant portfolio (CSV) or a map sheet (.xlsx, CSV folder) into RDF for --data.",
    "portfolio": "Ask every merchant of a portfolio the map's questions.",
    "load": "Load FILES (RDF, e.g. from `ccare import`) into a SPARQL 1.1 endpoint; no FILES: the shipped map.",
    "sparql": "Run a read-only SPARQL QUERY over the shipped map merged with --data files.",
    "export": "Write the map for other tools: an offline HTML page, RDF, GraphML, GEXF, CSV.",
    "path": "The shortest path from FROM to TO, and up to K alternatives, each step with evidence.",
    "loops": "Operating loops: directed cycles of user and data flows that close the merchant's loop.",
    "prescribe": "The fewest products to add so the merchant's products close an operating loop, and why each.",
    "gaps": "Needs and values the merchant's products leave unserved, and the flows its loop still lacks.",
    "coverage": "Product × need/value matrix: which product serves which of the eight values.",
    "rank": "Products ranked by their role in the flow graph, and why the top one matters.",
    "whatif": "What breaks if a product is dropped: operating loops lost and kept.",
    "diff": "What changed from map OLD to map NEW, and what it does to merchants.",
}

def _finite_numbers(cmd):
    """Make every float option of ``cmd`` (and its subcommands) refuse ``nan`` and ``inf``:
    click's ``FloatRange`` lets ``nan`` through (it is neither below nor above a bound), and
    ``--timeout nan`` would switch the limit off."""
    if getattr(cmd, "_ccare_finite", False):
        return cmd
    cmd._ccare_finite = True
    for param in getattr(cmd, "params", ()):
        if isinstance(param.type, click.FloatRange) and not getattr(param.type, "_ccare_finite", False):
            _refuse_nan(param.type)  # in place: --help still shows the range
        elif isinstance(param.type, click.types.FloatParamType) and not getattr(param.type, "_ccare_finite", False):
            param.type = _FiniteFloat(param.type)
    for sub in getattr(cmd, "commands", {}).values():
        _finite_numbers(sub)
    return cmd


def _refuse_nan(float_range) -> None:
    """Make one option's ``FloatRange`` refuse ``nan`` and infinities."""
    import math

    inner = float_range.convert

    def convert(value, param, ctx):
        rv = inner(value, param, ctx)
        if isinstance(rv, float) and not math.isfinite(rv):
            float_range.fail(f"{value!r} is not a finite number", param, ctx)
        return rv

    float_range.convert = convert
    float_range._ccare_finite = True


class _FiniteFloat(click.ParamType):
    """A float type that refuses ``nan`` and infinities (usage error, exit 2)."""

    _ccare_finite = True

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name

    def convert(self, value, param, ctx):
        import math

        rv = self.inner.convert(value, param, ctx)
        if isinstance(rv, float) and not math.isfinite(rv):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return rv

    def get_metavar(self, *args, **kwargs):
        return self.inner.get_metavar(*args, **kwargs)

    def to_info_dict(self):
        return self.inner.to_info_dict()

    def __repr__(self):
        return repr(self.inner)


#: Exit code when the user interrupts a run (Ctrl-C), as shells report SIGINT.
EXIT_INTERRUPTED = 130


class CcareGroup(click.Group):
    """A group that imports commands lazily and turns library errors into click errors."""

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx, name):
        target = COMMANDS.get(name)
        if target is None:
            return super().get_command(ctx, name)
        module, attr = target.split(":")
        from ccare.rdfio.atomic import guard_outputs

        return guard_outputs(_finite_numbers(getattr(importlib.import_module(module), attr)))

    def format_commands(self, ctx, formatter):
        """List the commands from :data:`SUMMARIES`, importing only those without one."""
        rows = []
        for name in self.list_commands(ctx):
            summary = SUMMARIES.get(name) if name in COMMANDS else None
            cmd = click.Command(name, help=summary) if summary else self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def _subcommand_context(self, ctx):
        """A context naming the command that was running, so a usage error raised by the
        library prints that command's usage line rather than the group's."""
        name = ctx.invoked_subcommand
        cmd = self.get_command(ctx, name) if name else None
        return click.Context(cmd, info_name=name, parent=ctx) if cmd is not None else ctx

    def main(self, *args, **kwargs):
        """Run with standard output and error filtered: nothing printed from data drives
        the terminal (:mod:`ccare.text.terminal`)."""
        from ccare.text import terminal as termsafe

        with termsafe.guarded():
            return super().main(*args, **kwargs)

    def parse_args(self, ctx, args):
        ctx.meta["ccare.argv"] = list(args)  # for the language of an error met before --lang is read
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            return self._invoke(ctx)
        except click.ClickException as e:
            lang = _error_lang(ctx)
            if lang == "zh" and not isinstance(e, _Chinese):
                raise _Chinese(e, getattr(e, "__ccare_cause__", None) or e.__cause__ or e, ctx) from None
            raise

    def _invoke(self, ctx: click.Context):
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except UsageError as e:
            usage = click.UsageError(str(e), self._subcommand_context(ctx))
            setattr(usage, "__ccare_cause__", e)  # the library's error, for the Chinese message
            raise usage from (e if debug else None)
        except CcareError as e:
            if debug:
                traceback.print_exc()
            err = click.ClickException(str(e))
            # click declares exit_code a ClassVar, yet reads an instance's own
            err.exit_code = e.exit_code  # type: ignore[misc]
            setattr(err, "__ccare_cause__", e)
            raise err from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            raise  # the reader went away (``ccare ... | head``): click ends quietly
        except KeyboardInterrupt:
            click.echo(i18n.t("interrupted", _error_lang(ctx)), err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except Exception as e:  # a bug: say so plainly, traceback only with --debug
            if debug:
                traceback.print_exc()
            raise click.ClickException(
                f"internal error: {type(e).__name__}: {e} (run with --debug for the traceback)"
            ) from None


def _error_lang(ctx) -> str:
    """The language to report an error in: the command's ``--lang`` if it was read, else
    the one on the command line, else :func:`ccare.i18n.default_lang`."""
    lang = ctx.meta.get("ccare.lang")
    if lang:
        return lang
    args = ctx.meta.get("ccare.argv") or []
    for i, a in enumerate(args):
        if a == "--":
            break
        value = args[i + 1] if a == "--lang" and i + 1 < len(args) else a[7:] if a.startswith("--lang=") else None
        if value is not None and value.lower() in i18n.LANGS:
            return value.lower()
    return i18n.default_lang()


class _Chinese(click.ClickException):
    """A click error said in Chinese: ``错误：…``, after click's (English) usage line."""

    def __init__(self, original: click.ClickException, cause: BaseException, ctx):
        names = _suggestion_labels(cause, ctx)
        super().__init__(i18n.error(original.format_message(), "zh", exc=cause, names=names))
        # click declares exit_code a ClassVar, yet reads an instance's own (as for every error here)
        self.exit_code = original.exit_code  # type: ignore[misc]
        self.ctx = original.ctx if isinstance(original, click.UsageError) else None

    def show(self, file=None):
        if self.ctx is not None:
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                option = max(self.ctx.command.get_help_option_names(self.ctx), key=len)
                hint = i18n.t("usage_try", "zh", command=f"{self.ctx.command_path}").replace("--help", option) + "\n"
            click.echo(f"{self.ctx.get_usage()}\n{hint}", file=file, err=file is None)
        click.echo(i18n.t("error", "zh", message=self.format_message()), file=file, err=file is None)


def _suggestion_labels(cause, ctx) -> dict | None:
    """Chinese labels of the ids an unknown name's near matches name."""
    from ccare.errors import UnknownEntityError

    kb = ctx.meta.get("ccare.kb.model")
    if not isinstance(cause, UnknownEntityError) or kb is None:
        return None
    out = {}
    for ident in cause.suggestions:
        try:
            out[ident] = kb.entity(kb.resolve(ident)).labels.get("zh") or ident
        except CcareError:
            pass
    return out


@click.group(cls=CcareGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ccare")
@click.option("--debug", is_flag=True, help="Show Python tracebacks of errors (for bug reports).")
@click.option("--store", type=click.Choice(["oxigraph", "memory"]), default=None,
              help="Store under the map: oxigraph (fast, default) or rdflib's memory store [env: CCARE_STORE].")
@click.option("--no-cache", is_flag=True, default=None,
              help="Parse every input again; neither read nor write the parse cache [env: CCARE_NO_CACHE].")
@click.pass_context
def cli(ctx, debug, store, no_cache):
    """Explore Alipay's C-CARE open-product map as a knowledge graph.

    Every answer cites its evidence: the line of the source and a verbatim quote.
    """
    ctx.meta["ccare.rdfio.store"] = store
    ctx.meta["ccare.kb.cache"] = False if no_cache else None
    if not debug:
        _quiet_libraries()


def _quiet_libraries():
    """Keep library log records and warnings (rdflib logs a traceback for every ill-typed
    literal it reads) off the user's terminal; ``--debug`` shows them."""
    import logging
    import warnings

    for name in ("rdflib", "pyshacl", "owlrl"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    warnings.filterwarnings("ignore", module=r"(rdflib|pyshacl|owlrl)(\.|$)")


def main(argv=None):
    """Console-script entry point."""
    cli.main(args=argv, prog_name="ccare")

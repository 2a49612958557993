"""The ``ccare`` command line: a thin layer over the library.

Commands live in :mod:`ccare.commands` and are imported only when run, so that
``ccare --help`` and light commands start fast.  Library errors
(:class:`ccare.errors.CcareError`) become click errors here: exit code 1 for an
error, 2 for bad usage; no traceback reaches the user unless ``--debug`` is given.
"""

from __future__ import annotations

import importlib
import traceback

import click

from ccare import __version__
from ccare.errors import CcareError, UsageError

__all__ = ["cli", "main", "COMMANDS"]

#: command name -> "module:attribute" of its click command
COMMANDS = {
    "info": "ccare.commands.core:info",
    "products": "ccare.commands.core:products",
    "show": "ccare.commands.core:show",
    "list": "ccare.commands.core:list_cmd",
    "validate": "ccare.commands.core:validate_cmd",
    "export": "ccare.commands.export:export",
    "sparql": "ccare.commands.sparql:sparql_cmd",
    "path": "ccare.commands.queries:path",
    "loops": "ccare.commands.queries:loops",
    "prescribe": "ccare.commands.queries:prescribe",
    "gaps": "ccare.commands.queries:gaps",
    "coverage": "ccare.commands.queries:coverage",
    "rank": "ccare.commands.queries:rank",
    "whatif": "ccare.commands.queries:whatif",
}

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
        return getattr(importlib.import_module(module), attr)

    def invoke(self, ctx):
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except UsageError as e:
            raise click.UsageError(str(e), ctx) from (e if debug else None)
        except CcareError as e:
            if debug:
                traceback.print_exc()
            err = click.ClickException(str(e))
            err.exit_code = e.exit_code
            raise err from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except Exception as e:  # a bug: say so plainly, traceback only with --debug
            if debug:
                traceback.print_exc()
            raise click.ClickException(
                f"internal error: {type(e).__name__}: {e} (run with --debug for the traceback)"
            ) from None


@click.group(cls=CcareGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ccare")
@click.option("--debug", is_flag=True, help="Show Python tracebacks of errors (for bug reports).")
def cli(debug):
    """Explore Alipay's C-CARE open-product map as a knowledge graph.

    Every answer cites its evidence: the line of the source and a verbatim quote.
    """
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

"""One exception tree for the library; the CLI turns each into a clean message.

Nothing in the library prints or exits: it raises one of these, and :mod:`ccare.cli`
maps them to exit codes by their ``exit_code``: 1 for an error, 2 for bad usage, 3 when
a limit cut the work short (:data:`ccare.limits.EXIT_CUT_SHORT`).  Every public
exception of ccare is defined here (the modules that raise them import them from here,
and keep their names importable: ``from ccare.query.sandbox import CutShort`` works)::

    CcareError                       1  base: every error ccare raises on purpose
    ├── DataError                    1  an input file cannot be read or parsed
    ├── UnknownEntityError           1  a name matched no entity (near matches attached)
    │   └── AmbiguousEntityError     1  a label names several entities
    ├── UsageError                   2  a value the user gave is not allowed
    ├── QueryError                   1  a query cannot be run
    │   ├── QueryRefused             1  an update, SERVICE or FROM: refused
    │   └── QuerySyntaxError         1  the parser's message, with line and column
    ├── UnsupportedShapes            1  shapes ccare's own SHACL engine does not check
    ├── TermError (also ValueError)  1  a term that cannot be written into SPARQL
    ├── OutputError                  1  the output cannot be written where asked
    ├── CanonicalizationTooSlow      1  canonical blank-node labels over the time limit
    ├── BlankNodesTooDeep            1  blank nodes nest deeper than CCARE_MAX_DEPTH
    ├── AssetError                   1  a bundled script or style sheet is missing
    ├── HighlightError               1  a --highlight result is malformed or foreign
    ├── NetworkRefused               1  sandboxed work tried the network or a process
    ├── CutShort                     3  work with nothing partial stopped by a limit
    ├── WorkerDied                   1  the sandbox's worker process died
    └── EndpointError                1  a SPARQL endpoint failed or refused
        ├── EndpointTimeout          3  no whole answer within the time limit
        └── LoadFailed               1  a load stopped part way (what went in, how to finish)
"""

from __future__ import annotations

from ccare.limits import EXIT_CUT_SHORT

__all__ = [
    "CcareError",
    "DataError",
    "UnknownEntityError",
    "AmbiguousEntityError",
    "UsageError",
    "QueryError",
    "QueryRefused",
    "QuerySyntaxError",
    "UnsupportedShapes",
    "TermError",
    "OutputError",
    "CanonicalizationTooSlow",
    "BlankNodesTooDeep",
    "AssetError",
    "HighlightError",
    "NetworkRefused",
    "CutShort",
    "WorkerDied",
    "EndpointError",
    "EndpointTimeout",
    "LoadFailed",
]


class CcareError(Exception):
    """Base class of every error ccare raises on purpose.

    Every one of them crosses a process boundary whole (pickle, as the query worker of
    :mod:`ccare.query.sandbox` sends them): its arguments and attributes are restored as they
    were, without calling ``__init__`` again (which would take the message for the name,
    or miss arguments).
    """

    exit_code = 1

    def __reduce__(self):
        return (_restore, (type(self), self.args, dict(self.__dict__)))


def _restore(cls, args, state):
    """An exception of ``cls`` with ``args`` and attributes ``state``, made without ``__init__``."""
    e = cls.__new__(cls, *args)
    e.args = args
    e.__dict__.update(state)
    return e


class DataError(CcareError):
    """An input file could not be read or parsed.

    ``path`` names the file; ``line`` and ``column`` locate the fault when the
    parser reports them.
    """

    def __init__(self, path, message, line=None, column=None):
        self.path = str(path)
        self.line = line
        self.column = column
        self.detail = message
        where = self.path
        if line is not None:
            where += f", line {line}"
            if column is not None:
                where += f", column {column}"
        super().__init__(f"{where}: {message}")


class UnknownEntityError(CcareError):
    """A name matched no entity of the map; ``suggestions`` holds near matches."""

    def __init__(self, name, suggestions=(), kind="entity"):
        self.name = name
        self.kind = kind
        self.suggestions = list(suggestions)
        msg = f"unknown {kind} {name!r}"
        if self.suggestions:
            msg += "; did you mean: " + ", ".join(self.suggestions) + "?"
        super().__init__(msg)


class AmbiguousEntityError(UnknownEntityError):
    """A name (a label, not an id) names several entities; ``suggestions`` holds their ids,
    ``candidates`` each id with its labels, so that the reader can give the id instead.

    A subclass of :class:`UnknownEntityError`: code that asks for one entity by name handles
    both the same way (the name does not name one entity).
    """

    def __init__(self, name, ids, candidates=(), kind="entity"):
        self.name = name
        self.kind = kind
        self.suggestions = list(ids)
        self.candidates = list(candidates) or list(ids)
        CcareError.__init__(self, f"ambiguous name {name!r}: it names {', '.join(self.candidates)}; give the id")


class UsageError(CcareError):
    """A value given by the user is not one of those allowed (exit code 2)."""

    exit_code = 2


class QueryError(CcareError):
    """A query could not be run (for example a SPARQL syntax error)."""


class QueryRefused(QueryError):
    """A well-formed query asks for something ccare refuses (an update, SERVICE, FROM)."""


class QuerySyntaxError(QueryError):
    """The SPARQL parser's message, with the line and column where it stopped."""

    def __init__(self, reason: str, line: int | None = None, column: int | None = None, text: str = ""):
        self.reason, self.line, self.column, self.text = reason, line, column, text
        where = f" at line {line}, column {column}" if line is not None else ""
        message = f"SPARQL syntax error{where}: {reason}"
        if line is not None and text:
            lines = text.splitlines() or [""]
            if 1 <= line <= len(lines):
                src = lines[line - 1]
                message += f"\n  {src}\n  {' ' * (max(column or 1, 1) - 1)}^"
        super().__init__(message)

    def __reduce__(self):
        return (type(self), (self.reason, self.line, self.column, self.text))


class TermError(CcareError, ValueError):
    """A term that cannot be written into SPARQL (not an IRI, a bad label or language tag).

    Also a :class:`ValueError`, as it was before it joined this tree."""


class OutputError(CcareError):
    """The output file cannot be written where the user asked."""


class CanonicalizationTooSlow(CcareError):
    """Canonical blank-node labels could not be computed within the time limit.

    Exit code 1, not 3: nothing partial is written (the export is whole or absent)."""


class BlankNodesTooDeep(CcareError):
    """Blank nodes nest deeper than the export can label and write (``CCARE_MAX_DEPTH``)."""


class UnsupportedShapes(CcareError):
    """The shapes (or the map's store) ask for something ccare's own SHACL engine does not
    check as pySHACL does; the message says what.  ``validate(engine="auto")`` then runs
    pySHACL, ``engine="native"`` says so as a usage error."""


class AssetError(CcareError):
    """A bundled script or style sheet the page needs is not installed."""


class HighlightError(CcareError):
    """A query result is malformed, or names nodes or relations the map does not have."""


class NetworkRefused(CcareError):
    """The work tried to reach the network or start a process; ccare refuses both."""


class CutShort(CcareError):
    """Work that gives nothing partial (a validation) was stopped by a limit (exit code 3)."""

    exit_code = EXIT_CUT_SHORT


class WorkerDied(CcareError):
    """The child process ended without finishing (killed from outside, or crashed)."""


class EndpointError(CcareError):
    """A SPARQL endpoint could not be reached, refused a request or answered nonsense."""


class EndpointTimeout(EndpointError):
    """The endpoint gave no whole answer within the time limit (exit code 3)."""

    exit_code = EXIT_CUT_SHORT


class LoadFailed(EndpointError):
    """A load stopped by the endpoint after some of its requests went through: the
    message says what the endpoint took and how to finish or undo."""

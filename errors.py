"""One exception tree for the library; the CLI turns each into a clean message.

Nothing in the library prints or exits: it raises one of these, and
:mod:`ccare.cli` maps them to click's exit codes (1 for errors, 2 for usage).
"""

from __future__ import annotations

__all__ = [
    "CcareError",
    "DataError",
    "UnknownEntityError",
    "AmbiguousEntityError",
    "UsageError",
    "QueryError",
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

"""Errors emskg reports to people: each carries a one-line message and the exit code the CLI uses.

Anything that is the user's input being wrong (a file, a query, a parameter) is an ``EmskgError``;
the CLI prints ``emskg: <message>`` and exits with ``exit_code`` instead of a traceback.
"""

from __future__ import annotations

__all__ = [
    "EmskgError",
    "InputError",
    "RdfSyntaxError",
    "QueryError",
    "UnknownQueryError",
    "ParameterError",
    "ForbiddenQueryError",
    "BuildError",
    "NotFoundError",
    "StoreUnavailableError",
    "StoreBusyError",
    "StoreTimeoutError",
]

#: Exit code for usage and input errors (missing file, bad Turtle, unknown query ...).
EXIT_USAGE = 2


class EmskgError(Exception):
    """Base class: a user-facing error with a one-line message."""

    exit_code: int = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self)


class NotFoundError(EmskgError):
    """A name (a collection, an entity id) that names nothing; the server answers 404."""


class InputError(EmskgError):
    """A file or body that cannot be read."""


class RdfSyntaxError(InputError):
    """RDF that does not parse; the message names the file and line."""

    def __init__(self, source: str, message: str, line: int | None = None, column: int | None = None):
        where = source if line is None else f"{source}:{line}" + (f":{column}" if column else "")
        self.source, self.line, self.column = source, line, column
        super().__init__(f"{where}: {message}")


class QueryError(EmskgError):
    """A SPARQL query that does not parse or cannot run."""


class ForbiddenQueryError(QueryError):
    """A read-only store was asked to update, load or fetch (SPARQL UPDATE, LOAD, SERVICE)."""


class UnknownQueryError(QueryError):
    """No named query has that name."""


class ParameterError(QueryError):
    """A named-query parameter is unknown, missing or does not resolve to a term of the graph."""


class BuildError(EmskgError):
    """The ontology or knowledge base cannot be built (a source file is broken)."""


class StoreUnavailableError(EmskgError):
    """The triple store cannot be reached, refused the credentials, or failed (HTTP 5xx). The message
    is one line naming the store by its redacted label, never a credential; the server answers 503."""


class StoreTimeoutError(StoreUnavailableError):
    """The store did not finish a query within the deadline (or stopped it there and offered a
    partial answer, which emskg refuses); the server answers 504 like its own query deadline."""


class StoreBusyError(StoreUnavailableError):
    """An on-disk store is held by another writer (``oxigraph:PATH`` takes one writer at a time); the
    message says which store and to try again."""

"""HTTP status codes for emskg errors, and the one-line messages clients see.

Kept free of web-framework imports because worker processes use it too: a worker turns an error
into ``(status, message)`` before sending it back, so the server never has to unpickle an
exception (some carry constructor arguments that do not survive pickling).
"""

from __future__ import annotations

import re

from ..errors import (
    EmskgError,
    ForbiddenQueryError,
    NotFoundError,
    StoreTimeoutError,
    StoreUnavailableError,
    UnknownQueryError,
)

__all__ = ["HttpError", "http_status", "sanitize"]

_MAX_MESSAGE = 300
_PATH = re.compile(r"(?:/[\w.@+-]+){2,}/([\w.@+-]+)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class HttpError(EmskgError):
    """An error that already knows its HTTP status (404 for an unknown resource, 504 for a timeout ...)."""

    def __init__(self, message: str, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


#: Seconds a client is told to wait (``Retry-After``) when the store is unreachable or busy.
STORE_RETRY_AFTER = "5"


def http_status(exc: BaseException) -> int:
    """400 for a bad request, 403 for a forbidden one, 404 for an unknown name, 503 when the store
    is unreachable, 500 otherwise."""
    if isinstance(exc, HttpError):
        return exc.status
    if isinstance(exc, StoreTimeoutError):
        return 504
    if isinstance(exc, StoreUnavailableError):
        return 503
    if isinstance(exc, (UnknownQueryError, NotFoundError)):
        return 404
    if isinstance(exc, ForbiddenQueryError):
        return 403
    if isinstance(exc, EmskgError):
        return 400
    return 500


def sanitize(message: str) -> str:
    """One short line with no server file paths or control characters, safe to send to anyone."""
    text = _CONTROL.sub(" ", message[: _MAX_MESSAGE * 8])  # regexes only ever see a bounded text
    text = _PATH.sub(r"\1", text)
    text = " ".join(text.split())
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 1] + "…"
    return text or "error"

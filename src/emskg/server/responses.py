"""What every HTTP route answers with: error responses, result responses, and the error handlers.

Errors are one JSON line (``{"error": "..."}``) with the status :func:`emskg.server.errors.http_status`
gives; for the web pages they are an HTML page instead (the page renderer is passed in by the app
factory, so this module never imports the pages). Nothing a library raises reaches a client
as-is: unexpected exceptions become a bare 500, expected ones a sanitised one-line message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import EmskgError, StoreUnavailableError
from .errors import STORE_RETRY_AFTER, HttpError, http_status, sanitize
from .jobs import Rendered
from .negotiate import FORMAT_PARAMS, Offer, content_type

__all__ = ["error_response", "rendered_response", "format_values", "install_error_handlers", "media_type_of",
           "HtmlPage"]

#: Renders an error as a page: ``(request, status, message) -> response``.
HtmlPage = Callable[[Request, int, str], Response]

log = logging.getLogger("emskg.http")


def media_type_of(request: Request) -> str:
    """The request's Content-Type without parameters, lower case ('' when absent)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def format_values(request: Request, extra: Sequence[tuple[str, str]] = ()) -> list[str]:
    """Every ``format`` / ``output`` / ``results`` value of the query string (and of a form body)."""
    values = [v for key in FORMAT_PARAMS for v in request.query_params.getlist(key)]
    return values + [v for k, v in extra if k in FORMAT_PARAMS]


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps({"error": sanitize(message)}, ensure_ascii=False) + "\n"
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def rendered_response(result: Rendered, offer: Offer) -> Response:
    """A query result with its media type and what a client may want to know about it."""
    headers = {"Vary": "Accept", "X-EMSKG-Rows": str(result.count)}
    if result.truncated:
        headers["X-EMSKG-Truncated"] = "true"
    return Response(result.body, media_type=content_type(offer), headers=headers)


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return path == "/" or path.startswith("/ui/") or path == "/ui"


def install_error_handlers(app: FastAPI, html_page: HtmlPage | None = None) -> None:
    """Every error path ends in one line: JSON for the API, a page (``html_page``) for the web UI."""

    def _respond(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        if html_page is not None and _wants_html(request):
            return html_page(request, status, sanitize(message))
        return error_response(status, message, headers)

    @app.exception_handler(EmskgError)
    async def emskg_error(request: Request, exc: EmskgError) -> Response:
        headers = exc.headers if isinstance(exc, HttpError) else None
        if isinstance(exc, StoreUnavailableError) and http_status(exc) == 503:  # down or busy: say when to come back
            headers = {"Retry-After": STORE_RETRY_AFTER}
        return _respond(request, http_status(exc), exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("query", "body", "path"))
        return _respond(request, 400, f"invalid request: {where + ': ' if where else ''}{first.get('msg', 'bad input')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no resource at {request.url.path} (see /openapi.json)"
        return _respond(request, exc.status_code, message, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _respond(request, 500, "internal error")

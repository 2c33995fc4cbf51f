"""ASGI middleware for an endpoint on the open internet: a body-size cap and safe response headers.

The body cap works below the framework: a request announcing a larger ``Content-Length`` is
answered 413 before a byte of its body is read, and a chunked body is counted as it arrives and
cut off at the limit — so no endpoint can be made to buffer more than ``max_body_bytes``.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimitMiddleware", "SecurityHeadersMiddleware", "HeadAsGetMiddleware", "CSP", "CSP_YASGUI"]

log = logging.getLogger("emskg.http")


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "?"


#: Pages load scripts, styles and images only from this server; nothing is framed or fetched elsewhere.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
#: The SPARQL editor's page (YASGUI) only: its bundle sets style attributes and injects a <style>
#: element as it draws the editor, the result table and the tab bar, which ``style-src 'self'``
#: refuses (layout breaks). Inline *styles* cannot run code; scripts stay ``'self'`` only, and
#: ``connect-src 'self'`` still keeps the editor from reaching any other host.
CSP_YASGUI = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


async def _reject(send: Send, limit: int) -> None:
    body = (json.dumps({"error": f"request body too large (limit {limit} bytes)"}) + "\n").encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Answer 413 to any request whose body exceeds ``limit`` bytes; buffer at most that much."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.limit
            except ValueError:
                too_big = True
            if too_big:
                await _reject(send, self.limit)
                return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away mid-body: nothing to answer
                log.info("client %s went away while sending %s %s", _client(scope), scope.get("method"), scope.get("path"))
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _reject(send, self.limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        await self.app(scope, _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}],
                                      receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


class SecurityHeadersMiddleware:
    """nosniff and no-referrer everywhere; a strict Content-Security-Policy on HTML pages (:data:`CSP`, unless
    the page set its own: only the SPARQL editor does, :data:`CSP_YASGUI`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
                if content_type.startswith(b"text/html"):
                    if not any(k.lower() == b"content-security-policy" for k, _ in headers):  # a page's own, stricter-or-equal
                        headers.append((b"content-security-policy", CSP.encode()))
                    headers.append((b"x-frame-options", b"DENY"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGetMiddleware:
    """Answer ``HEAD`` like ``GET`` without the body (RFC 9110), for every GET resource.

    FastAPI routes declare GET only, so monitors and link checkers that send HEAD would get 405.
    The request runs as a GET (same status and headers, Content-Length included); the body is
    dropped on the way out.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)

"""The HTTP/1.1 connection layer of ``emskg serve``: every request bounded before it is read whole.

uvicorn's httptools protocol reads a request header of any size (an 8 MiB header was read and
answered), has no deadline for receiving one (300 connections sending half a header held every
slot), and answers its own refusals in plain text. :func:`guarded_protocol` returns a subclass that
adds, per connection:

* a **header deadline**: the request line and headers must arrive within ``header_timeout``
  seconds of the connection opening (or, on a kept-alive connection, of the request's first byte);
  otherwise 408 and close (a connection that sent nothing is closed without an answer);
* an **idle deadline** while a body is expected: no byte for ``idle_timeout`` seconds closes it;
* **sizes**: the request target over ``max_url_bytes`` is 414; header lines over
  ``max_header_bytes`` in all, or more than ``max_headers`` of them, are 431 — counted on the raw
  bytes as they arrive, so an oversized header is refused after at most one read beyond the limit;
* **counts**: more than ``max_connections`` open connections are answered 503 and closed at once;
  more than ``max_inflight`` requests being handled are answered 503. Connections still sending
  their headers do not count as requests, so slow clients cannot crowd out the others;
* refusals (the parser's 400 included) in the same one-line JSON as every other error.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .settings import Settings

__all__ = ["guarded_protocol"]


def _json_response(status: int, reason: str, message: str, retry_after: int | None = None) -> bytes:
    body = (json.dumps({"error": message}) + "\n").encode()
    head = [f"HTTP/1.1 {status} {reason}", "content-type: application/json", f"content-length: {len(body)}",
            "connection: close"]
    if retry_after is not None:
        head.append(f"retry-after: {retry_after}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _refusal_app(status: int, message: str, retry_after: int | None = None) -> Any:
    """An ASGI app answering one JSON line and closing the connection (used in place of the real app)."""
    body = (json.dumps({"error": message}) + "\n").encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


class _GuardedProtocol(HttpToolsProtocol):
    limits = Settings()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url = b""
        self._awaiting_headers = True
        self._header_bytes = 0
        self._header_count = 0
        self._deadline: asyncio.TimerHandle | None = None
        self._idle: asyncio.TimerHandle | None = None
        self._oversized = False

    # -- connection life cycle ------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            self.logger.warning("refusing a connection: %d open (limit %d)", len(self.connections),
                                self.limits.max_connections)
            self._close_with(_json_response(503, "Service Unavailable", "too many open connections; retry shortly", 2))
            return
        self._expect_headers(arm=True)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def _cancel_timers(self) -> None:
        for timer in (self._deadline, self._idle):
            if timer is not None:
                timer.cancel()
        self._deadline = self._idle = None

    def _close_with(self, response: bytes) -> None:
        self._cancel_timers()
        if not self.transport.is_closing():
            self.transport.write(response)
            self.transport.close()

    def _expect_headers(self, *, arm: bool) -> None:
        """Start waiting for the next request's header block; ``arm``: its deadline runs from now
        (a new connection). On a kept-alive connection the deadline starts with the request's first
        byte; until then uvicorn's keep-alive timeout closes an idle connection quietly."""
        self._awaiting_headers = True
        self._header_bytes = self._header_count = 0
        self._oversized = False
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        if arm:
            self._deadline = self.loop.call_later(self.limits.header_timeout, self._header_timed_out)

    def _header_timed_out(self) -> None:
        self._deadline = None
        if not self._awaiting_headers or self.transport.is_closing():
            return
        if self._header_bytes == 0:  # connected and said nothing: nobody to answer
            self.transport.close()
            return
        self.logger.info("closing a connection: no complete request header within %g s", self.limits.header_timeout)
        self._close_with(_json_response(408, "Request Timeout",
                                        f"request header not received within {self.limits.header_timeout:g} s"))

    def _arm_idle(self) -> None:
        """(Re)start the body-idle deadline; one timer per connection, never an orphan left to fire later."""
        if self._idle is not None:
            self._idle.cancel()
        self._idle = self.loop.call_later(self.limits.idle_timeout, self._idle_timed_out)

    def _idle_timed_out(self) -> None:
        self._idle = None
        cycle = self.cycle
        if (self.transport.is_closing() or cycle is None or not cycle.more_body or cycle.response_complete
                or cycle.disconnected):
            return  # the body arrived, or the exchange ended, since the timer was set
        if self.flow.read_paused:  # the server itself stopped reading (backpressure): not the client's silence
            self._arm_idle()
            return
        self.logger.info("closing a connection: no request data for %g s", self.limits.idle_timeout)
        self.transport.close()  # the handler sees a disconnect; no response can be sent mid-request

    # -- reading --------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self._awaiting_headers:
            if self._deadline is None:
                self._deadline = self.loop.call_later(self.limits.header_timeout, self._header_timed_out)
            self._header_bytes += len(data)
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self._awaiting_headers:
            if len(self.url) > self.limits.max_url_bytes:
                self._close_with(_json_response(414, "URI Too Long", self._url_message()))
            elif self._header_bytes > self.limits.max_url_bytes + self.limits.max_header_bytes:
                self._close_with(_json_response(431, "Request Header Fields Too Large", self._header_message()))
        elif self.cycle is not None and self.cycle.more_body and not self.cycle.response_complete:
            self._arm_idle()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._awaiting_headers:  # a pipelined request: its header block starts now
            self._expect_headers(arm=True)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_headers:
            self._oversized = True
            return  # not stored: the request is refused when its headers are complete
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        refusal = self._refusal()
        if refusal is None:
            super().on_headers_complete()
        else:
            app = self.app
            self.app = refusal
            try:
                super().on_headers_complete()
            finally:
                self.app = app
        if self.cycle is not None and self.cycle.more_body and not self.cycle.response_complete:
            self._arm_idle()

    def _refusal(self) -> Any:
        if len(self.url) > self.limits.max_url_bytes:
            return _refusal_app(414, self._url_message())
        size = sum(len(n) + len(v) + 4 for n, v in self.headers)
        if self._oversized or size > self.limits.max_header_bytes:
            return _refusal_app(431, self._header_message())
        if len(self.tasks) >= self.limits.max_inflight:
            self.logger.warning("refusing a request: %d in flight (limit %d)", len(self.tasks), self.limits.max_inflight)
            return _refusal_app(503, "the server is handling too many requests; retry shortly", 2)
        return None

    def on_message_complete(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self.pipeline:
            self._expect_headers(arm=False)

    def _url_message(self) -> str:
        return f"request target longer than {self.limits.max_url_bytes} bytes; send long queries with POST"

    def _header_message(self) -> str:
        return (f"request headers too large (limits: {self.limits.max_header_bytes} bytes, "
                f"{self.limits.max_headers} fields)")

    # -- the parser's own refusal ----------------------------------------------------------------
    def send_400_response(self, msg: str) -> None:
        self._close_with(_json_response(400, "Bad Request", f"malformed HTTP request ({msg.rstrip('.')})"))


def guarded_protocol(settings: Settings) -> type[HttpToolsProtocol]:
    """An httptools protocol class for uvicorn's ``http=`` option, enforcing the connection limits of
    ``settings`` (``header_timeout``, ``idle_timeout``, ``max_url_bytes``, ``max_header_bytes``,
    ``max_headers``, ``max_connections``, ``max_inflight``)."""
    return type("EmskgHttpProtocol", (_GuardedProtocol,), {"limits": settings})

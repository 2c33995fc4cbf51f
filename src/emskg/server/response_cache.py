"""A response cache for read-only query results.

The graph a server answers from never changes while it runs (a rebuilt graph needs a restart), so
the answer to ``GET /queries/tools-for-component-outcome?component=Check`` with the same Accept
header is the same bytes every time. Caching them skips the thread hand-off, the worker round trip
and the serialisation — the bulk of a request's cost — for dashboards and sponsors' pages that ask
the same questions over and over.

Rules: only ``GET`` (and ``HEAD``-free) requests under the configured path prefixes; only ``200``
responses; the key is the path and a 16-byte digest of the query string, Accept and Host headers; requests with
``Authorization`` or ``Cache-Control: no-cache`` bypass it (the latter is how a client — or a
benchmark — forces a fresh evaluation); total size is bounded (LRU by bytes). A ``version()``
callable joins the key so that an edited named query is never answered from a stale entry.
Responses carry ``X-EMSKG-Cache: hit`` or ``miss``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ResponseCache", "ResponseCacheMiddleware"]

Key = tuple[str, bytes, object]
Entry = tuple[int, list[tuple[bytes, bytes]], bytes]


class ResponseCache:
    """Thread-safe LRU of whole responses, bounded by total body bytes."""

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes or max(1, max_bytes // 16)
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Key) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: Key, entry: Entry) -> None:
        size = len(entry[2])
        if size > self.max_entry_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old[2])
            self._entries[key] = entry
            self._size += size
            while self._size > self.max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted[2])

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._size, "hits": self.hits, "misses": self.misses}


class ResponseCacheMiddleware:
    """Serve repeated GETs of query results from a :class:`ResponseCache`."""

    def __init__(self, app: ASGIApp, cache: ResponseCache, prefixes: tuple[str, ...],
                 version: Callable[[], object] = lambda: None) -> None:
        self.app = app
        self.cache = cache
        self.prefixes = prefixes
        self.version = version

    def _key(self, scope: Scope) -> Key | None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith(self.prefixes):
            return None
        accept = host = b""
        for name, value in scope.get("headers") or ():
            if name == b"authorization":
                return None
            if name == b"cache-control" and b"no-cache" in value.lower():
                return None
            if name == b"accept":
                accept = value
            if name == b"host":  # relative IRIs and the service description name the server as the client did
                host = value
        # The query string can be a 16 KiB query: keep its digest, not the text, so keys cost bytes, not KiB.
        digest = hashlib.blake2b(scope.get("query_string", b"") + b"\0" + accept + b"\0" + host,
                                 digest_size=16).digest()
        return (scope["path"], digest, self.version())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        entry = self.cache.get(key)
        if entry is not None:
            status, headers, body = entry
            await send({"type": "http.response.start", "status": status,
                        "headers": [*headers, (b"x-emskg-cache", b"hit")]})
            await send({"type": "http.response.body", "body": body})
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                message = {**message, "headers": [*message.get("headers", []), (b"x-emskg-cache", b"miss")]}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and start is not None and start["status"] == 200:
                    self.cache.put(key, (200, list(start.get("headers", [])), b"".join(chunks)))
            await send(message)

        await self.app(scope, receive, capture)

"""What the server process keeps while it runs, shared by every route: settings, the worker pool, the
named-query catalog, the loaded graph's figures and, for a ``sparql:`` store, its HTTP client.

Queries on a ``sparql:`` store take three steps, because the workers cannot open sockets
(:mod:`emskg.core.sandbox`) and the server process never parses a client's query: a worker guards
and prepares the text (``remote_prepare``), this process sends it to the store (async, on the event
loop) under the query deadline (and the engine's own timeout parameter, where known), and a worker parses, caps and renders
the answer (``remote_render``). A store that cannot be reached is a 503 with one line; the next
request tries again, so the server recovers by itself when the store returns.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import anyio.from_thread
import httpx
from fastapi import Request

from ..query.catalog import QueryCatalog
from ..stores.remote import RemoteStore
from . import registry
from .settings import Settings
from .workers import QueryTimeout, WorkerPool

__all__ = ["GraphStats", "ServerState", "state"]


@dataclass(frozen=True)
class GraphStats:
    """Figures about the loaded graph, for /health and the service description."""

    triples: int
    asserted: int
    inferred: int
    digest: str
    named_graphs: tuple[tuple[str, int], ...]


@dataclass
class ServerState:
    settings: Settings
    pool: WorkerPool
    catalog: QueryCatalog
    stats: GraphStats
    #: How the store is named (never with credentials), and its client when it is a ``sparql:`` store.
    store_label: str = "memory"
    remote: RemoteStore | None = None
    _async_client: httpx.AsyncClient | None = field(default=None, repr=False)
    #: One write to the store at a time: an ``oxigraph:PATH`` store takes one writer process (a second
    #: one would wait, then fail with StoreBusyError).
    write_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def run(self, job: str, *args: Any, timeout: float | None = None) -> Any:
        """Run a job on a worker (blocking: call from a ``def`` endpoint or ``run_in_threadpool``)."""
        from .jobs import REMOTE_JOBS

        if self.remote is not None and job in REMOTE_JOBS:
            return self._run_remote(self.remote, job, args, self.pool.timeout if timeout is None else timeout)
        if self.remote is not None and job in ("declarations", "declaration"):
            # the registry's own fixed queries (no client text): sent from here, as workers have no sockets
            return registry.declarations(self.remote) if job == "declarations" else registry.declaration(self.remote, *args)
        return self.pool.run(job, *args, timeout=timeout)

    def write(self, job: str, *args: Any, timeout: float | None = None) -> Any:
        """Run ``register`` or ``unregister``, one at a time, then move the pool's generation on so
        that the response cache answers no query from before the write. The generation moves even
        when the job failed or timed out: a write may have landed before the failure.

        On a ``sparql:`` store a worker validates and reasons the declaration (``register_prepare``)
        and this process sends its quads in one write; unregistering is the registry's own queries
        and graph drops, sent from here."""
        with self.write_lock:
            try:
                if self.remote is None:
                    return self.pool.run(job, *args, timeout=timeout)
                if job == "register":
                    out: dict[str, Any] = self.pool.run("register_prepare", *args, timeout=timeout)
                    self.remote.add_graphs([out.pop("payload")])
                    return out
                return registry.unregister_ident(self.remote, *args)
            finally:
                self.pool.bump()

    def _post(self, remote: RemoteStore, request: dict[str, Any]) -> httpx.Response:
        """Send on the event loop (an ``httpx.AsyncClient`` shared by every request) when called from
        a request's worker thread, as every route does; else (no loop) with the store's own client."""
        try:
            return anyio.from_thread.run(self._apost, remote, request)
        except RuntimeError as exc:
            if "worker thread" not in str(exc) and "event loop" not in str(exc):
                raise
            return remote.client.post(**request)

    async def _apost(self, remote: RemoteStore, request: dict[str, Any]) -> httpx.Response:
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(auth=remote.auth(), follow_redirects=False, trust_env=False)
        return await self._async_client.post(**request)

    async def aclose(self) -> None:
        """Close the store clients (the app's shutdown)."""
        if self._async_client is not None:
            await self._async_client.aclose()
            self._async_client = None
        if self.remote is not None:
            self.remote.close()

    def _run_remote(self, remote: RemoteStore, job: str, args: tuple[Any, ...], limit: float) -> Any:
        """Prepare on a worker, send from here, render on a worker, all within ``limit`` seconds."""
        deadline = time.monotonic() + limit
        prep = self.pool.run("remote_prepare", job, args, timeout=limit)
        default_graphs, named_graphs = prep["dataset"]
        if prep["kb"] and default_graphs is None and named_graphs is None:
            default_graphs = remote.kb_graphs()
            if not default_graphs:
                from ..errors import StoreUnavailableError

                raise StoreUnavailableError(f"store {remote.label} holds no knowledge graph "
                                            f"(load it with: emskg load --store {remote.label})")
        left = max(0.1, deadline - time.monotonic())
        request = remote.query_request(prep["text"], default_graphs=default_graphs, named_graphs=named_graphs,
                                       timeout=left)
        try:
            response = self._post(remote, request)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                raise remote.transport_error(exc, left) from None
            raise QueryTimeout(limit) from None
        except httpx.HTTPError as exc:
            raise remote.transport_error(exc, left) from None
        answer = remote.check_response(response)
        left = max(0.1, deadline - time.monotonic())
        return self.pool.run("remote_render", job, answer.content_type, answer.body, prep["render"], timeout=left)


def state(request: Request) -> ServerState:
    """The state ``create_app``'s lifespan stored on the app."""
    return request.app.state.emskg  # type: ignore[no-any-return]

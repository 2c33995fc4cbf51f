"""What the server process keeps while it runs, shared by every route: settings, the worker pool, the
named-query catalog and the loaded graph's figures."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from ..query.catalog import QueryCatalog
from .settings import Settings
from .workers import WorkerPool

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
    #: One write to the store at a time: an ``oxigraph:PATH`` store takes one writer process (a second
    #: one would wait, then fail with StoreBusyError).
    write_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def run(self, job: str, *args: Any, timeout: float | None = None) -> Any:
        """Run a job on a worker (blocking: call from a ``def`` endpoint or ``run_in_threadpool``)."""
        return self.pool.run(job, *args, timeout=timeout)

    def write(self, job: str, *args: Any, timeout: float | None = None) -> Any:
        """Run a job that writes to the store, one at a time, then move the pool's generation on so
        that the response cache answers no query from before the write. The generation moves even
        when the job failed or timed out: a write may have landed before the failure."""
        with self.write_lock:
            try:
                return self.pool.run(job, *args, timeout=timeout)
            finally:
                self.pool.bump()


def state(request: Request) -> ServerState:
    """The state ``create_app``'s lifespan stored on the app."""
    return request.app.state.emskg  # type: ignore[no-any-return]

"""What the server process keeps while it runs, shared by every route: settings, the worker pool, the
named-query catalog and the loaded graph's figures."""

from __future__ import annotations

from dataclasses import dataclass
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

    def run(self, job: str, *args: Any, timeout: float | None = None) -> Any:
        """Run a job on a worker (blocking: call from a ``def`` endpoint or ``run_in_threadpool``)."""
        return self.pool.run(job, *args, timeout=timeout)


def state(request: Request) -> ServerState:
    """The state ``create_app``'s lifespan stored on the app."""
    return request.app.state.emskg  # type: ignore[no-any-return]

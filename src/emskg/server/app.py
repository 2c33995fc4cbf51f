"""The HTTP application: ``create_app(settings)`` wires the SPARQL protocol, the JSON API and the web pages.

Nothing happens at import time. The app's lifespan loads the graph once in the server process —
which builds the on-disk cache if needed, so the workers never race to build it — records its
figures, starts the worker pool, and stops the pool on shutdown. The server process itself never
runs a query; see :mod:`emskg.server.workers` for why and how queries are bounded.

Interactive docs pages (/docs, /redoc) are off: FastAPI's load their scripts from a CDN, and the
server must work without internet. The schema is at /openapi.json.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pyoxigraph as ox
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware

from .._version import __version__
from ..graph.store import INFERRED_GRAPH, load_graph
from ..query.catalog import QueryCatalog
from ..stores import parse_store_spec
from ..stores.embedded import generation_marker
from ..stores.remote import RemoteStore
from . import web
from .middleware import BodyLimitMiddleware, HeadAsGetMiddleware, SecurityHeadersMiddleware
from .response_cache import ResponseCache, ResponseCacheMiddleware
from .responses import install_error_handlers
from .routes import api as api_routes
from .routes import ld as ld_routes
from .routes import sparql as sparql_routes
from .settings import Settings
from .state import GraphStats, ServerState
from .workers import WorkerPool

__all__ = ["create_app", "create_app_from_env"]

log = logging.getLogger("emskg.api")

_DESCRIPTION = """Read-only access to the emskg knowledge graph of continual-improvement management
systems for water and wastewater utilities: the SPARQL 1.1 Protocol at `/sparql`, named queries,
browsable resources, the rebuilt Table 2, and validation of a utility's declaration.
Every query runs under a time limit and a row limit; updates, LOAD and SERVICE are refused."""


def graph_stats() -> GraphStats:
    """Load (building if needed) the graph and count it; blocking."""
    kg = load_graph()
    store = kg.store
    triples = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    graphs = [*kg.source_graphs(), INFERRED_GRAPH]
    named = tuple((g.value, sum(1 for _ in store.quads_for_pattern(None, None, None, g))) for g in graphs)
    return GraphStats(triples, kg.asserted_count, kg.inferred_count, kg.digest, named)


def _start(settings: Settings) -> ServerState:
    stats = graph_stats()
    spec = parse_store_spec(settings.store)
    pool = WorkerPool(settings.workers, timeout=settings.query_timeout, memory_mb=settings.worker_memory_mb,
                      store=settings.store)
    pool.start()
    remote = RemoteStore(spec, kb_candidates=[name for name, _ in stats.named_graphs]) if spec.kind == "sparql" else None
    log.info("emskg %s: %d triples (cache %s), %d query workers, store %s", __version__, stats.triples, stats.digest,
             settings.workers, spec.label)
    return ServerState(settings, pool, QueryCatalog(), stats, spec.label, remote)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI app for ``settings`` (default: from the environment)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        st = await run_in_threadpool(_start, settings)
        app.state.emskg = st
        try:
            yield
        finally:
            await run_in_threadpool(st.pool.close)
            await st.aclose()

    app = FastAPI(title="emskg", version=__version__, description=_DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    install_error_handlers(app, html_page=web.error_page)
    app.include_router(sparql_routes.router)
    app.include_router(api_routes.router)
    app.include_router(ld_routes.router)
    web.mount(app)

    # Outermost last: the body cap sees every request first, then CORS, then security headers.
    # Answers change when registrations do: the cache key carries the store's generation (embedded
    # stores); a sparql: store's changes cannot be seen from here, so its answers are not cached.
    spec = parse_store_spec(settings.store)
    if settings.response_cache_mb > 0 and spec.kind != "sparql":
        marker = generation_marker(spec)
        # inside the security headers (cached responses get them too), outside everything that costs
        app.state.response_cache = ResponseCache(settings.response_cache_mb * 1024 * 1024)
        app.add_middleware(ResponseCacheMiddleware, cache=app.state.response_cache,
                           prefixes=("/sparql", "/queries/"), version=lambda: (_catalog_version(app), _generation(marker)))
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Accept", "Content-Type", "Authorization"], max_age=600)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(HeadAsGetMiddleware)
    return app


def _generation(marker: Path | None) -> str:
    """The store's generation (changes with every write to it), read from its marker file."""
    if marker is None:
        return ""
    try:
        return marker.read_text()
    except OSError:
        return ""


def _catalog_version(app: FastAPI) -> object:
    """Changes when a named query is added or edited, or when this server writes to the store (its
    pool's generation, bumped by POST/DELETE /declarations), so cached answers never outlive them."""
    st = getattr(app.state, "emskg", None)
    return (st.catalog.signature(), st.pool.generation) if st is not None else None


def create_app_from_env() -> FastAPI:
    """For ``uvicorn --factory emskg.server:create_app_from_env``."""
    return create_app(Settings.from_env())

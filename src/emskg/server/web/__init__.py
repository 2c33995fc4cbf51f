"""The web pages for people who never wrote SPARQL: server-rendered HTML, a little JS, no CDN.

``mount(app)`` adds the pages (under ``/`` and ``/ui/``) and the static files (``/static``); the
pages are left out of the OpenAPI schema, which documents the machine API only. Everything a page
shows comes from the same worker jobs as the JSON API, so the pages cannot disagree with it.
A leaf of the server: only the app factory imports it, and it passes :func:`error_page` to the
error handlers.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .declare import router as declare_router
from .findings import router as findings_router
from .pages import HERE, error_page, templates
from .routes import router
from .sector import router as sector_router
from .sparql_editor import router as sparql_editor_router

__all__ = ["mount", "error_page", "templates"]


def mount(app: FastAPI) -> None:
    """Add the pages and their static files to ``app``."""
    app.include_router(findings_router, include_in_schema=False)  # before routes' /ui/{slug}
    app.include_router(sector_router, include_in_schema=False)
    app.include_router(sparql_editor_router, include_in_schema=False)
    app.include_router(declare_router, include_in_schema=False)
    app.include_router(router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

"""The web pages for people who never wrote SPARQL: server-rendered HTML, a little JS, no CDN.

``mount(app)`` adds the pages (under ``/`` and ``/ui/``) and the static files (``/static``); the
pages are left out of the OpenAPI schema, which documents the machine API only. Everything a page
shows comes from the same worker jobs as the JSON API, so the pages cannot disagree with it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

__all__ = ["mount", "error_page", "templates"]

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def mount(app: FastAPI) -> None:
    from .findings import router as findings_router
    from .routes import router

    app.include_router(findings_router, include_in_schema=False)  # before routes' /ui/{slug}
    app.include_router(router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")


def error_page(request: Request, status: int, message: str) -> Response:
    """An error as a page (the JSON API answers the same errors as one JSON line)."""
    from .. import __version__

    st = getattr(request.app.state, "emskg", None)
    context = {"status": status, "message": message, "title": f"Error {status}", "version": __version__,
               "digest": st.stats.digest if st is not None else ""}
    response: HTMLResponse = templates.TemplateResponse(request, "error.html", context, status_code=status)
    return response

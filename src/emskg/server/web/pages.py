"""Rendering pages: the Jinja templates, shared by the page routes and the error page."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from ..._version import __version__

__all__ = ["HERE", "templates", "error_page"]

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def error_page(request: Request, status: int, message: str) -> Response:
    """An error as a page (the JSON API answers the same errors as one JSON line)."""
    st = getattr(request.app.state, "emskg", None)
    context = {"status": status, "message": message, "title": f"Error {status}", "version": __version__,
               "digest": st.stats.digest if st is not None else ""}
    response: HTMLResponse = templates.TemplateResponse(request, "error.html", context, status_code=status)
    return response

"""``/ui/declare``: fill in a declaration in a form generated from the shapes, and watch the gap report.

The form is :func:`emskg.validation.form.form_spec` rendered server-side (it works offline and under
the strict Content-Security-Policy: no library, no inline script). The page's script
(``static/declare.js``) builds a JSON-LD declaration from the fields — each carries the ``sh:path`` it
fills — sends it to ``POST /validate`` as the person types (debounced) and to ``POST /convert`` to
download it as Turtle, JSON-LD or a workbook, or to open one. Nothing is stored on the server.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..._version import __version__
from ...query.browse import COLLECTIONS
from ..state import state
from .pages import templates

__all__ = ["router"]

router = APIRouter()


@router.get("/ui/declare", response_class=HTMLResponse)
def declare_page(request: Request) -> HTMLResponse:
    st = state(request)
    spec = st.run("form")
    response: HTMLResponse = templates.TemplateResponse(request, "declare.html", {
        "version": __version__, "digest": st.stats.digest, "collections": COLLECTIONS, "title": "Declare a management system",
        "spec": spec, "needs_token": bool(st.settings.validate_token)})
    return response

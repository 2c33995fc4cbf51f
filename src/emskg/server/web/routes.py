"""Page routes. Each page asks the worker pool for the same data the JSON API serves.

Errors inside a page that the visitor can fix (a parameter that names nothing, a SPARQL syntax
error, a broken declaration) are shown on the page beside the form, not as an error page, so the
visitor keeps what they typed.
"""

from __future__ import annotations

import base64
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ..._version import __version__
from ...core.rdfio import GRAPH_FORMATS, format_name
from ...errors import EmskgError
from ...query.browse import COLLECTIONS
from ..errors import HttpError, sanitize
from ..services import check_token, named_params, validate_for_page
from ..state import ServerState, state
from .pages import templates
from .views import CELL_LEGEND, initiative_view

router = APIRouter()

FLAGSHIP = "tools-for-component-outcome"


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    st = state(request)
    context.setdefault("title", "emskg")
    response: HTMLResponse = templates.TemplateResponse(
        request, template, {"version": __version__, "digest": st.stats.digest, "collections": COLLECTIONS,
                            "legend": CELL_LEGEND, **context})
    return response


def _try(st: ServerState, job: str, *args: Any, timeout: float | None = None) -> tuple[Any, str | None]:
    """Run a job; a user error becomes a message for the page instead of an error page."""
    try:
        return st.run(job, *args, timeout=timeout), None
    except EmskgError as exc:
        return None, sanitize(exc.message)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    st = state(request)
    initiatives = st.run("list", "initiatives")
    return _page(request, "index.html", title="emskg — management systems for water utilities",
                 queries=st.catalog.all(), flagship=FLAGSHIP, initiatives=initiatives, stats=st.stats)


@router.get("/ui/queries", response_class=HTMLResponse)
def query_index(request: Request, name: str | None = None) -> Response:
    if name:  # the start page's picker without JS
        return RedirectResponse(f"/ui/queries/{quote(name)}", status_code=303)
    return _page(request, "queries.html", title="Questions", queries=state(request).catalog.all())


@router.get("/ui/queries/{name:path}", response_class=HTMLResponse)
def query_page(request: Request, name: str) -> Response:
    st = state(request)
    query = st.catalog.get(name)
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "run"]
    given = dict(pairs)
    table, error = None, None
    if "run" in request.query_params:
        try:
            table, error = _try(st, "named_table", query.name, named_params(query, pairs), st.settings.max_rows)
        except HttpError as exc:
            error = exc.message
    options, _ = _try(st, "options", [p.type for p in query.params if p.is_class])
    return _page(request, "query.html", title=query.title, query=query, given=given, table=table, error=error,
                 options=options or {}, queries=st.catalog.all())


@router.get("/ui/table2", response_class=HTMLResponse)
def table2_page(request: Request) -> Response:
    return _page(request, "table2.html", title="Table 2, rebuilt", t2=state(request).run("table2"))


@router.get("/ui/validate", response_class=HTMLResponse)
def validate_form(request: Request) -> Response:
    return _page(request, "validate.html", title="Check a declaration", text="", fmt="turtle", report=None,
                 error=None, needs_token=bool(state(request).settings.validate_token))


@router.post("/ui/validate", response_class=HTMLResponse)
async def validate_submit(request: Request) -> Response:
    st = state(request)
    form = await request.form()
    text = str(form.get("declaration") or "")
    fmt = str(form.get("format") or "turtle")
    upload = form.get("file")
    name = "declaration"
    data = text.encode()
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read()
        name = PurePath(upload.filename).name
        by_extension = "xlsx" if name.lower().endswith(".xlsx") else format_name(name)
        fmt = by_extension if by_extension in (*GRAPH_FORMATS, "xlsx") else fmt
        text = "" if fmt == "xlsx" else data.decode("utf-8", errors="replace")
    report, error, report_html = None, None, None
    try:
        check_token(st, str(form.get("token") or "") or None)
        if not data.strip():
            raise HttpError("paste a declaration or choose a file first", 400)
        if fmt not in (*GRAPH_FORMATS, "xlsx"):
            raise HttpError(f"unknown format {fmt!r}", 400)
        report, html = await run_in_threadpool(validate_for_page, st, data, fmt, name)
        report_html = base64.b64encode(html.encode()).decode()  # the download link's data: URL
    except EmskgError as exc:
        error = sanitize(exc.message)
    return _page(request, "validate.html", title="Check a declaration", text=text, fmt=fmt, report=report,
                 error=error, needs_token=bool(st.settings.validate_token), report_html=report_html)


@router.get("/ui/{slug}", response_class=HTMLResponse)
def collection_page(request: Request, slug: str) -> Response:
    if slug not in COLLECTIONS:
        raise HttpError(f"no page at /ui/{slug}", 404)
    items = state(request).run("list", slug)
    return _page(request, "collection.html", title=COLLECTIONS[slug].title, slug=slug,
                 collection=COLLECTIONS[slug], items=items)


@router.get("/ui/{slug}/{ident}", response_class=HTMLResponse)
def entity_page(request: Request, slug: str, ident: str) -> Response:
    if slug not in COLLECTIONS:
        raise HttpError(f"no page at /ui/{slug}", 404)
    detail = state(request).run("describe", slug, ident)
    if slug == "initiatives":
        return _page(request, "initiative.html", title=detail["label"], v=initiative_view(detail), d=detail)
    return _page(request, "entity.html", title=detail["label"], d=detail, collection=COLLECTIONS[slug])

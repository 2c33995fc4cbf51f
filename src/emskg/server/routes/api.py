"""JSON resources: health, named queries, validation, browsing the graph, and Table 2.

Endpoints that wait on a worker are plain ``def`` (FastAPI runs them in its thread pool); the two
that must read a body are ``async def`` and hand the blocking call to ``run_in_threadpool``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..._version import __version__
from ...query.browse import COLLECTIONS
from ...query.named import NamedQuery
from ...query.sparql import result_kind
from ..errors import HttpError
from ..jobs import Rendered
from ..negotiate import FORMAT_PARAMS, GRAPH_OFFERS, SELECT_OFFERS, negotiate
from ..openapi import (
    ERROR_RESPONSES,
    RESULT_RESPONSES,
    EntityDetail,
    EntitySummary,
    Health,
    NamedQueryInfo,
    Table2,
    ValidationRun,
)
from ..responses import format_values, media_type_of, rendered_response
from ..services import CONVERT_TYPES, VALIDATE_TYPES, check_token, convert_declaration, named_params, validate_declaration
from ..state import state

__all__ = ["router"]

router = APIRouter()


@router.get("/health", response_model=Health, tags=["service"], summary="Liveness, version and graph figures")
def health(request: Request) -> dict[str, Any]:
    st = state(request)
    workers = st.pool.stats()
    return {"status": "ok" if workers["alive"] > 0 else "degraded", "version": __version__,
            "triples": st.stats.triples, "asserted": st.stats.asserted, "inferred": st.stats.inferred,
            "digest": st.stats.digest, "workers": workers, "named_queries": len(st.catalog.all())}


# --- named queries ------------------------------------------------------------------------------

def _info(q: NamedQuery) -> dict[str, Any]:
    return {**q.to_json(), "links": {"self": f"/queries/{q.name}", "page": f"/ui/query?name={q.name}"}}


@router.get("/queries", response_model=list[NamedQueryInfo], tags=["named queries"],
            summary="The named queries, with their parameters")
def queries(request: Request, qc: bool = Query(False, description="include the qc/ quality-control queries")
            ) -> list[dict[str, Any]]:
    return [_info(q) for q in state(request).catalog.all(include_qc=qc)]


@router.get("/queries/{name:path}", tags=["named queries"], summary="Run a named query",
            description="Parameters come from the query string (`?component=Check&outcome=Financials`); "
                        "values are labels, local names, CURIEs or IRIs. Formats as for /sparql.",
            responses={**RESULT_RESPONSES, **ERROR_RESPONSES})
def run_query(request: Request, name: str = Path(description="a name from GET /queries")) -> Response:
    st = state(request)
    query = st.catalog.get(name)
    params = named_params(query, list(request.query_params.multi_items()))
    kind = result_kind(query.text)
    offer = negotiate(GRAPH_OFFERS if kind == "graph" else SELECT_OFFERS, request.headers.get("accept"),
                      [] if any(query.param(k) for k in FORMAT_PARAMS) else format_values(request),
                      kind)
    result: Rendered = st.run("named", query.name, params, offer.fmt, st.settings.max_rows)
    return rendered_response(result, offer)


# --- validation ---------------------------------------------------------------------------------

async def _declaration(request: Request, authorization: str | None) -> tuple[str, bytes]:
    """The declaration a request carries, as (format name, body), once the bearer token is checked.

    Raises ``HttpError`` 401 for a missing or wrong token (when one is set) and 415 for a body type
    that is not a declaration format."""
    bearer = authorization[7:].strip() if authorization and authorization[:7].lower() == "bearer " else None
    check_token(state(request), bearer)
    fmt = VALIDATE_TYPES.get(media_type_of(request))
    if fmt is None:
        raise HttpError(f"send the declaration as one of: {', '.join(VALIDATE_TYPES)}", 415)
    return fmt, await request.body()


@router.post("/validate", response_model=ValidationRun, tags=["validation"],
             summary="Validate a management-system declaration against the knowledge graph",
             description="The body is the declaration (Turtle, JSON-LD or an .xlsx workbook of `emskg template`, by "
                         "Content-Type); the answer is the report of `emskg validate --format json`. A workbook that "
                         "cannot be read is a 400 naming the sheet, row and column. Needs `Authorization: Bearer "
                         "<token>` when the server sets EMSKG_VALIDATE_TOKEN.",
             responses={401: {"description": "missing or wrong bearer token"}, **ERROR_RESPONSES},
             openapi_extra={"requestBody": {"required": True, "content": {
                 t: {"schema": {"type": "string", **({"format": "binary"} if f == "xlsx" else {})}}
                 for t, f in VALIDATE_TYPES.items()}}})
async def validate(request: Request, authorization: str | None = Header(None),
                   name: str = Query("declaration", description="a name for the declaration in the report")
                   ) -> dict[str, Any]:
    fmt, body = await _declaration(request, authorization)
    return await run_in_threadpool(validate_declaration, state(request), body, fmt, name)


@router.post("/convert", tags=["validation"], response_class=Response,
             summary="Convert a declaration between Turtle, JSON-LD and the .xlsx workbook",
             description="The body is a declaration, as for POST /validate; `?to=` names the output "
                         "(`turtle`, `jsonld` or `xlsx`). Lossless: the graph read back is the graph sent. Nothing is "
                         "stored. A declaration that cannot be read is a 400. Needs the bearer token when the "
                         "server sets EMSKG_VALIDATE_TOKEN.",
             responses={200: {"description": "the converted declaration", "content": {
                 t: {"schema": {"type": "string", **({"format": "binary"} if f == "xlsx" else {})}}
                 for f, t in CONVERT_TYPES.items()}},
                 401: {"description": "missing or wrong bearer token"}, **ERROR_RESPONSES},
             openapi_extra={"requestBody": {"required": True, "content": {
                 t: {"schema": {"type": "string", **({"format": "binary"} if f == "xlsx" else {})}}
                 for t, f in VALIDATE_TYPES.items()}}})
async def convert(request: Request, authorization: str | None = Header(None),
                  to: str = Query(..., description="the output format: turtle, jsonld or xlsx")) -> Response:
    fmt, body = await _declaration(request, authorization)
    out = await run_in_threadpool(convert_declaration, state(request), body, fmt, to)
    ext = {"turtle": "ttl"}.get(to, to)
    return Response(out, media_type=CONVERT_TYPES[to],
                    headers={"Content-Disposition": f'attachment; filename="declaration.{ext}"'})


# --- browsing (a field that does not apply is left out: no null noise) ----------------------------

def _lister(slug: str) -> Callable[[Request], Any]:
    def list_collection(request: Request) -> Any:
        return state(request).run("list", slug)
    return list_collection


def _describer(slug: str) -> Callable[[Request, str], Any]:
    def describe_entity(request: Request, id: str = Path(description="the local name, e.g. QualServe")) -> Any:
        return state(request).run("describe", slug, id)
    return describe_entity


for _c in COLLECTIONS.values():
    router.add_api_route(f"/{_c.slug}", _lister(_c.slug), methods=["GET"], response_model=list[EntitySummary],
                         response_model_exclude_none=True, tags=["browse"], summary=f"{_c.title}", name=f"list_{_c.slug}",
                         description=f"Every instance of <{_c.cls}>, by label.", responses=ERROR_RESPONSES)
    router.add_api_route(f"/{_c.slug}/{{id}}", _describer(_c.slug), methods=["GET"], response_model=EntityDetail,
                         response_model_exclude_none=True, tags=["browse"], summary=f"One of the {_c.title.lower()}",
                         name=f"get_{_c.slug}",
                         description="Labels, types, report sections, properties, claims with evidence, "
                                     "and what refers to it.", responses=ERROR_RESPONSES)


@router.get("/table2", response_model=Table2, response_model_exclude_none=True, tags=["browse"],
            summary="The report's lost Table 2, rebuilt",
            description="Initiatives x Plan/Do/Check/Act and x the top-level outcomes, and value-chain coverage.")
def get_table2(request: Request) -> Any:
    return state(request).run("table2")

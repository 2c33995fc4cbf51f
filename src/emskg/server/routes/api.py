"""JSON resources: health, named queries, validation, the registry of declarations, browsing the graph, and Table 2.

Endpoints that wait on a worker are plain ``def`` (FastAPI runs them in its thread pool); the two
that must read a body are ``async def`` and hand the blocking call to ``run_in_threadpool``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
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
    WRITE_RESPONSES,
    DeclarationReport,
    EntityDetail,
    EntitySummary,
    Health,
    NamedQueryInfo,
    Registered,
    RegisteredSystem,
    Table2,
    Unregistered,
    ValidationRun,
)
from ..responses import format_values, media_type_of, rendered_response
from ..services import (
    CONVERT_TYPES,
    VALIDATE_TYPES,
    bearer,
    check_register_token,
    check_token,
    convert_declaration,
    named_params,
    public_url,
    safe_name,
    validate_declaration,
)
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
    check_token(state(request), bearer(authorization))
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


# --- the registry (issue 13): declarations registered in the server's store ----------------------

_DECLARATION_BODY = {"requestBody": {"required": True, "content": {
    t: {"schema": {"type": "string", **({"format": "binary"} if f == "xlsx" else {})}} for t, f in VALIDATE_TYPES.items()}}}


def _with_links(system: dict[str, Any]) -> dict[str, Any]:
    return {**system, "links": {"self": f"/declarations/{system['id']}"}}


@router.get("/declarations", response_model=list[RegisteredSystem], tags=["registry"],
            summary="The registered management systems, with conformance and counts",
            description="One entry per registered system: its latest registration (the one the sector queries "
                        "count) with its conformance, violation and warning counts, and how many registrations "
                        "the system has (its history). Ordered by system IRI.",
            responses=ERROR_RESPONSES)
def list_declarations(request: Request) -> list[dict[str, Any]]:
    return [_with_links(s) for s in state(request).run("declarations")]


@router.get("/declarations/{id}", response_model=DeclarationReport, tags=["registry"],
            summary="A registration's validation report",
            description="The report stored with the registration, as one file of `emskg validate --format json`. "
                        "Any registration of the history can be read, not only a system's latest.",
            responses=ERROR_RESPONSES)
def get_declaration(request: Request, id: str = Path(description="a registration id from GET /declarations")
                    ) -> dict[str, Any]:
    report: dict[str, Any] = state(request).run("declaration", id)
    return report


@router.post("/declarations", status_code=201, response_model=Registered, tags=["registry"],
             summary="Validate a declaration and register it in the server's store",
             description="The body is a declaration, as for POST /validate (Turtle, JSON-LD or an .xlsx workbook, by "
                         "Content-Type). It is validated exactly as `emskg validate` does, reasoned on top of the "
                         "knowledge graph and stored with its report, like `emskg register`: a system that does not "
                         "conform is registered too, a declaration that cannot be read is a 400 and is not. "
                         "Registering a system again adds a newer registration (its history). The answer is 201 with "
                         "a Location header naming the registration. Needs `Authorization: Bearer <token>` matching "
                         "EMSKG_REGISTER_TOKEN; without that setting the server refuses every write (403).",
             responses={**ERROR_RESPONSES, **WRITE_RESPONSES}, openapi_extra=_DECLARATION_BODY)
async def post_declaration(request: Request, authorization: str | None = Header(None),
                           name: str = Query("declaration", description="a name for the declaration "
                                                                        "(its ems:sourceName and report file)")
                           ) -> Response:
    st = state(request)
    check_register_token(st, bearer(authorization))
    fmt = VALIDATE_TYPES.get(media_type_of(request))
    if fmt is None:
        raise HttpError(f"send the declaration as one of: {', '.join(VALIDATE_TYPES)}", 415)
    body = await request.body()
    if not body.strip():
        raise HttpError("the body is empty: send a declaration", 400)
    out: dict[str, Any] = await run_in_threadpool(st.write, "register", body, fmt, safe_name(name),
                                                  timeout=st.settings.register_timeout)
    path = f"/declarations/{out['registration']['id']}"
    return JSONResponse({**out, "links": {"self": path, "list": "/declarations"}}, status_code=201,
                        headers={"Location": public_url(request, st, path)})


@router.delete("/declarations/{id:path}", response_model=Unregistered, tags=["registry"],
               summary="Remove a registered system and its whole history",
               description="`id` is a registration id (any of the system's) or the system's IRI, URL-encoded. A "
                           "declaration stands for its system: deleting it removes the system from the sector with "
                           "every registration it has, as `emskg unregister SYSTEM_IRI` does (to correct a "
                           "declaration, POST the corrected one: the latest registration is the one counted). "
                           "404 when nothing is registered under that id. Needs the bearer token, as POST.",
               responses={**ERROR_RESPONSES, **WRITE_RESPONSES})
def delete_declaration(request: Request, id: str = Path(description="a registration id, or a system IRI"),
                       authorization: str | None = Header(None)) -> dict[str, Any]:
    st = state(request)
    check_register_token(st, bearer(authorization))
    out: dict[str, Any] = st.write("unregister", id, timeout=st.settings.register_timeout)
    return out


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

"""The SPARQL 1.1 Protocol (query operation) at ``/sparql``, read-only.

* ``GET /sparql?query=...``, ``POST`` form-encoded (``query=...``) or ``POST`` with an
  ``application/sparql-query`` body; ``default-graph-uri`` / ``named-graph-uri`` set the dataset.
* Results by content negotiation (q-values, ``*/*``) or a ``format`` / ``output`` parameter.
* ``GET /sparql`` without a query: the SPARQL service description (Turtle unless asked otherwise;
  a browser asking for HTML is sent to the query editor page).
* Updates are refused with 403 whichever way they come (``update=``, ``application/sparql-update``,
  or update keywords in a query), and SERVICE too — see :func:`emskg.query.sparql.guard`.

The query itself runs in a worker process under the pool's deadline (:mod:`emskg.server.workers`).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ...core.rdfio import FORMATS
from ...core.vocab import (
    DCTERMS,
    FORMATS_NS,
    OWL_RDF_BASED_ENTAILMENT,
    OWL_RL_PROFILE,
    PREFIXES,
    RDF_TYPE,
    RDFS_SEE_ALSO,
    SD,
    VOID,
    XSD_INTEGER,
)
from ..errors import HttpError
from ..jobs import Rendered
from ..negotiate import DESCRIPTION_OFFERS, GRAPH_OFFERS, SELECT_OFFERS, Offer, content_type, negotiate
from ..openapi import ERROR_RESPONSES, RESULT_RESPONSES
from ..responses import format_values, media_type_of, rendered_response
from ..services import public_url
from ..state import GraphStats, ServerState, state

__all__ = ["router"]

router = APIRouter(tags=["SPARQL"])

_SD, _VOID, _FORMATS_NS = SD, VOID, FORMATS_NS
_SD_PREFIXES = {"sd": _SD, "void": _VOID, "formats": _FORMATS_NS, "dcterms": PREFIXES["dcterms"],
                "rdfs": PREFIXES["rdfs"], "xsd": PREFIXES["xsd"]}


def _graph_iris(values: list[str]) -> list[str]:
    for v in values:
        try:
            ox.NamedNode(v)
        except ValueError:
            raise HttpError(f"not an IRI: {v[:80]!r}", 400) from None
    return values


def _offer(offers: tuple[Offer, ...], request: Request, extra: list[tuple[str, str]], kind: str) -> Offer | HttpError:
    try:
        return negotiate(offers, request.headers.get("accept"), format_values(request, extra), kind)
    except HttpError as exc:  # may still be fine: the query's form decides which one counts
        return exc


def _answer(request: Request, query: str, default_graphs: list[str], named_graphs: list[str],
            extra_format: list[tuple[str, str]]) -> Response:
    """Negotiate, run on a worker, respond (blocking).

    Relative IRIs in the query resolve against the endpoint's own URL (the protocol leaves the base
    to the service; ``EMSKG_PUBLIC_URL`` fixes it behind a proxy).

    The formats for both result kinds are negotiated here and the worker picks the one that fits
    the query's form: the server process never scans the query text, so no text — however long or
    hostile — holds it up outside the worker's deadline.
    """
    st = state(request)
    select = _offer(SELECT_OFFERS, request, extra_format, "select")
    graph = _offer(GRAPH_OFFERS, request, extra_format, "graph")
    if isinstance(select, HttpError) and isinstance(graph, HttpError):
        raise select
    fmts = (None if isinstance(select, HttpError) else select.fmt, None if isinstance(graph, HttpError) else graph.fmt)
    refusals = (select.message if isinstance(select, HttpError) else "", graph.message if isinstance(graph, HttpError) else "")
    # Either parameter given: the two lists are the whole dataset (SPARQL 1.1 Protocol 2.1.4), so an
    # absent graph is empty and the query's FROM / FROM NAMED are overridden; neither: the query's.
    dataset = bool(default_graphs or named_graphs)
    result: Rendered = st.run("sparql", query, fmts, st.settings.max_rows,
                              _graph_iris(default_graphs) if dataset else None,
                              _graph_iris(named_graphs) if dataset else None, refusals, _endpoint(request, st))
    offer = graph if result.kind == "graph" else select
    assert isinstance(offer, Offer)  # the worker refuses a kind without an acceptable format (406)
    return rendered_response(result, offer)


_QUERY_DOC = "A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE); the emskg prefixes (ems:, kb:, rdfs: ...) are predeclared."


@router.get("/sparql", summary="SPARQL query (GET), or the service description",
            responses={**RESULT_RESPONSES, **ERROR_RESPONSES})
def sparql_get(
    request: Request,
    query: str | None = Query(None, description=_QUERY_DOC + " Leave out for the service description."),
    default_graph_uri: Annotated[list[str] | None, Query(alias="default-graph-uri")] = None,
    named_graph_uri: Annotated[list[str] | None, Query(alias="named-graph-uri")] = None,
    format: str | None = Query(None, description="result format name or media type (json, xml, csv, tsv, "
                                                 "turtle, nt, jsonld, rdfxml); overrides Accept"),
) -> Response:
    if "update" in request.query_params:
        raise HttpError("SPARQL Update is not allowed: the knowledge graph is read-only", 403)
    if len(request.query_params.getlist("query")) > 1:
        raise HttpError("give one query parameter, not several", 400)
    if query is None:
        return _service_description(request)
    return _answer(request, query, default_graph_uri or [], named_graph_uri or [], [])


@router.post("/sparql", summary="SPARQL query (POST: form-encoded or application/sparql-query)",
             responses={**RESULT_RESPONSES, **ERROR_RESPONSES},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/sparql-query": {"schema": {"type": "string"}},
                 "application/x-www-form-urlencoded": {"schema": {
                     "type": "object", "required": ["query"],
                     "properties": {"query": {"type": "string"},
                                    "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                                    "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                                    "format": {"type": "string"}}}}}}})
async def sparql_post(request: Request) -> Response:
    ctype = media_type_of(request)
    body = await request.body()
    url = request.query_params
    if ctype == "application/sparql-update":
        raise HttpError("SPARQL Update is not allowed: the knowledge graph is read-only", 403)
    charset = _charset(request)
    if charset not in (None, "utf-8", "utf8", "us-ascii"):
        raise HttpError(f"the query must be sent as UTF-8, not {charset}", 415)
    if ctype == "application/sparql-query":
        query, fields = _utf8(body), []
    elif ctype == "application/x-www-form-urlencoded":
        fields = parse_qsl(_utf8(body), keep_blank_values=True)
        if any(k == "update" for k, _ in fields):
            raise HttpError("SPARQL Update is not allowed: the knowledge graph is read-only", 403)
        queries = [v for k, v in fields if k == "query"]
        if len(queries) != 1:
            raise HttpError("the form needs exactly one 'query' field", 400)
        query = queries[0]
    else:
        raise HttpError("POST a query as application/sparql-query or application/x-www-form-urlencoded", 415)
    default_graphs = url.getlist("default-graph-uri") + [v for k, v in fields if k == "default-graph-uri"]
    named_graphs = url.getlist("named-graph-uri") + [v for k, v in fields if k == "named-graph-uri"]
    return await run_in_threadpool(_answer, request, query, default_graphs, named_graphs, fields)


def _charset(request: Request) -> str | None:
    """The Content-Type's ``charset`` parameter, lower case (None when absent)."""
    for param in request.headers.get("content-type", "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError("the request body is not UTF-8", 400) from None


# --- service description -------------------------------------------------------------------------

def _endpoint(request: Request, st: ServerState) -> str:
    return public_url(request, st, "/sparql")


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(_SD + name)


def _count(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INTEGER)


def _description_triples(endpoint: str, stats: GraphStats) -> list[ox.Triple]:
    """The sd: description, ordered so that Turtle groups each node's triples together."""
    a, triples_p = RDF_TYPE, ox.NamedNode(_VOID + "triples")
    svc, dataset, default = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("default")
    named = [(ox.BlankNode(f"ng{i}"), ox.BlankNode(f"g{i}"), name, n) for i, (name, n) in enumerate(stats.named_graphs)]
    out = [ox.Triple(svc, a, _sd("Service")), ox.Triple(svc, _sd("endpoint"), ox.NamedNode(endpoint)),
           ox.Triple(svc, _sd("supportedLanguage"), _sd("SPARQL11Query")),
           ox.Triple(svc, ox.NamedNode(DCTERMS + "title"), ox.Literal("emskg knowledge graph (read-only)")),
           ox.Triple(svc, _sd("defaultEntailmentRegime"), ox.NamedNode(OWL_RDF_BASED_ENTAILMENT)),
           ox.Triple(svc, _sd("defaultSupportedEntailmentProfile"), ox.NamedNode(OWL_RL_PROFILE))]
    out += [ox.Triple(svc, _sd("resultFormat"), ox.NamedNode(_FORMATS_NS + f)) for f in (
        "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
        "Turtle", "N-Triples", "JSON-LD", "RDF_XML")]
    void = ox.NamedNode(endpoint.rsplit("/", 1)[0] + "/.well-known/void")
    out += [ox.Triple(svc, _sd("defaultDataset"), dataset), ox.Triple(dataset, a, _sd("Dataset")),
            ox.Triple(dataset, RDFS_SEE_ALSO, void), ox.Triple(svc, RDFS_SEE_ALSO, void),
            ox.Triple(dataset, _sd("defaultGraph"), default)]
    out += [ox.Triple(dataset, _sd("namedGraph"), ng) for ng, _, _, _ in named]
    out += [ox.Triple(default, a, _sd("Graph")), ox.Triple(default, triples_p, _count(stats.triples))]
    for ng, g, name, n in named:
        out += [ox.Triple(ng, a, _sd("NamedGraph")), ox.Triple(ng, _sd("name"), ox.NamedNode(name)),
                ox.Triple(ng, _sd("graph"), g), ox.Triple(g, a, _sd("Graph")), ox.Triple(g, triples_p, _count(n))]
    return out


def _service_description(request: Request) -> Response:
    st = state(request)
    offer = negotiate(DESCRIPTION_OFFERS, request.headers.get("accept"), format_values(request), "graph")
    if offer.fmt == "html":
        return RedirectResponse("/ui/sparql", status_code=303)
    fmt = FORMATS[offer.fmt]
    prefixes = _SD_PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.JSON_LD) else None
    body = ox.serialize(_description_triples(_endpoint(request, st), st.stats), format=fmt, prefixes=prefixes)
    return Response(body, media_type=content_type(offer), headers={"Vary": "Accept"})

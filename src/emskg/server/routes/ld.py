"""Linked Data: emskg's IRIs answered by this server, with content negotiation.

``https://w3id.org/emskg/kb/{name}``, ``.../kb``, ``.../ontology`` (and its ``#terms``) and
``.../shapes`` redirect to a deployed server (docs/w3id.md); here they are ``GET /kb/{name}``,
``/kb``, ``/ontology`` and ``/shapes``; ``/.well-known/void`` describes the dataset (RFC 5785, VoID).
An RDF client (Turtle, N-Triples, JSON-LD, RDF/XML) gets the
resource's description (:mod:`emskg.query.linked`); a browser asking for ``text/html`` is sent
(303 See Other, the usual Linked Data answer) to the page for people: the entity's or initiative's
page, or the SPARQL editor describing it when it has no page of its own; ``/ontology`` answers a
browser with the ontology's documentation itself (:mod:`emskg.query.ontodoc`).
Every answer says ``Vary: Accept``; 406 when no offered type is acceptable, 404 for an unknown name.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...core.vocab import KB
from ..negotiate import Offer, content_type, negotiate
from ..openapi import ERROR_RESPONSES
from ..services import public_url
from ..state import state

__all__ = ["router", "RDF_OFFERS", "LD_OFFERS"]

router = APIRouter(tags=["Linked Data"])

#: RDF first: a client that states no preference (``*/*``) is a program, not a person.
RDF_OFFERS = (Offer("text/turtle", "turtle"), Offer("application/n-triples", "nt"),
              Offer("application/ld+json", "jsonld"), Offer("application/rdf+xml", "rdfxml"))
LD_OFFERS = (*RDF_OFFERS, Offer("text/html", "html"))
_VARY = {"Vary": "Accept"}
_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"description": "the resource's description",
                    "content": {o.media_type: {"schema": {"type": "string"}} for o in RDF_OFFERS}},
              303: {"description": "a browser (text/html) is sent to the page for people"}, **ERROR_RESPONSES}


def _offer(request: Request, offers: tuple[Offer, ...] = LD_OFFERS) -> Offer:
    return negotiate(offers, request.headers.get("accept"), [], "graph")


def _see_other(location: str) -> Response:
    return RedirectResponse(location, status_code=303, headers=_VARY)


def _rdf(request: Request, offer: Offer, what: str, name: str = "") -> Response:
    body: bytes = state(request).run("linked", what, name, offer.fmt)
    return Response(body, media_type=content_type(offer), headers=_VARY)


def _describe_page(iri: str) -> str:
    return "/ui/sparql?query=" + quote(f"DESCRIBE <{iri}>", safe="")


@router.get("/kb/{name}", summary="A resource of the knowledge base (Linked Data)", responses=_RESPONSES)
def kb_resource(request: Request, name: str = Path(description="the local name of a KB IRI, e.g. QualServe")
                ) -> Response:
    offer = _offer(request)
    st = state(request)
    if offer.fmt == "html":
        page: str | None = st.run("page_of", name)
        return _see_other(page or _describe_page(KB + name))
    return _rdf(request, offer, "kb", name)


@router.get("/kb", summary="The knowledge base's own description (version, licence, namespace)", responses=_RESPONSES)
def kb_header(request: Request) -> Response:
    offer = _offer(request)
    if offer.fmt == "html":
        return _see_other("/")
    return _rdf(request, offer, "kb-header")


@router.get("/ontology", summary="The ontology: its documentation for people, its Turtle for programs",
            responses=_RESPONSES)
def ontology(request: Request) -> Response:
    offer = _offer(request)
    if offer.fmt == "html":
        page: str = state(request).run("ontology_html", "/static/style.css")
        return HTMLResponse(page, headers=_VARY)
    return _rdf(request, offer, "ontology")


@router.get("/.well-known/void", summary="The dataset's VoID / DCAT description (RDF only)", responses=_RESPONSES)
def void(request: Request) -> Response:
    """Figures, named graphs, this server's SPARQL endpoint, the release dumps and the licence."""
    offer = _offer(request, RDF_OFFERS)
    st = state(request)
    body: bytes = st.run("void", public_url(request, st, "/sparql"), offer.fmt)
    return Response(body, media_type=content_type(offer), headers=_VARY)


@router.get("/shapes", summary="The SHACL shapes graph (RDF only)", responses=_RESPONSES)
def shapes(request: Request) -> Response:
    return _rdf(request, _offer(request, RDF_OFFERS), "shapes")

"""Issue 15: emskg's IRIs dereference on a running server, with content negotiation (Linked Data)."""

from __future__ import annotations

import httpx
import pytest
import rdflib
from rdflib.namespace import OWL, RDFS

from conftest import LiveServer

KB = "https://w3id.org/emskg/kb/"
EMS = "https://w3id.org/emskg/ontology#"
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
             "application/rdf+xml": "xml"}


def _vary(r: httpx.Response) -> set[str]:
    return {v.strip() for v in r.headers.get("vary", "").split(",")}


def _graph(r: httpx.Response, media: str) -> rdflib.Graph:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    assert "Accept" in _vary(r)
    return rdflib.Graph().parse(data=r.content, format=RDF_TYPES[media])


@pytest.mark.parametrize("media", sorted(RDF_TYPES))
def test_kb_resource_in_every_rdf_format(http: httpx.Client, media: str) -> None:
    g = _graph(http.get("/kb/QualServe", headers={"accept": media}), media)
    iri = rdflib.URIRef(KB + "QualServe")
    assert (iri, RDFS.label, rdflib.Literal("QualServe", lang="en")) in g


def test_kb_resource_has_claims_with_evidence_sources_and_labels(http: httpx.Client) -> None:
    g = _graph(http.get("/kb/QualServe", headers={"accept": "text/turtle"}), "text/turtle")
    iri = rdflib.URIRef(KB + "QualServe")
    claims = list(g.objects(iri, rdflib.URIRef(EMS + "componentSupport")))
    assert claims and all(isinstance(c, rdflib.BNode) for c in claims)
    claim = claims[0]
    assert g.value(claim, rdflib.URIRef(EMS + "evidence")) is not None
    section = g.value(claim, rdflib.URIRef("http://purl.org/dc/terms/source"))
    assert section is not None and g.value(section, RDFS.label) is not None  # labels of what it links to
    component = g.value(claim, rdflib.URIRef(EMS + "component"))
    assert g.value(component, RDFS.label) is not None


def test_claims_of_others_about_it_with_their_holder(http: httpx.Client) -> None:
    """A utility's adoption claim naming the NBP EMS is part of the NBP EMS's description."""
    g = _graph(http.get("/kb/NBPEMS", headers={"accept": "text/turtle"}), "text/turtle")
    claims = list(g.subjects(rdflib.URIRef(EMS + "initiative"), rdflib.URIRef(KB + "NBPEMS")))
    holders = [h for c in claims for h in g.subjects(rdflib.URIRef(EMS + "adoption"), c)]
    assert len(holders) >= 2 and all(g.value(h, RDFS.label) is not None for h in holders)


def test_html_goes_to_the_page_for_people(http: httpx.Client) -> None:
    r = http.get("/kb/QualServe", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 303 and r.headers["location"] == "/ui/initiatives/QualServe"
    assert "Accept" in _vary(r)
    r = http.get("/kb/SydneyWater", headers={"accept": "text/html"}, follow_redirects=True)
    assert r.status_code == 200 and "Sydney Water" in r.text
    r = http.get("/kb/sec-5.2", headers={"accept": "text/html"})  # no page of its own: described in the editor
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/sparql?query=DESCRIBE")


def test_default_is_turtle_and_406_when_nothing_fits(http: httpx.Client) -> None:
    r = http.get("/kb/QualServe", headers={"accept": "*/*"})
    assert r.headers["content-type"].startswith("text/turtle")
    r = http.get("/kb/QualServe", headers={"accept": "image/png"})
    assert r.status_code == 406 and r.json()["error"]
    r = http.get("/shapes", headers={"accept": "text/html"})
    assert r.status_code == 406


@pytest.mark.parametrize("name", ["NoSuchThing", "Plan", "%3Cx%3E"])
def test_unknown_name_is_404(http: httpx.Client, name: str) -> None:
    for accept in ("text/turtle", "text/html"):
        r = http.get(f"/kb/{name}", headers={"accept": accept})
        assert r.status_code == 404, (name, accept, r.text)


def test_ontology_rdf_and_terms(http: httpx.Client) -> None:
    g = _graph(http.get("/ontology", headers={"accept": "application/rdf+xml"}), "application/rdf+xml")
    onto = rdflib.URIRef(EMS.rstrip("#"))
    assert (onto, rdflib.RDF.type, OWL.Ontology) in g
    assert g.value(onto, RDFS.label) is not None
    assert (rdflib.URIRef(EMS + "ManagementTool"), rdflib.RDF.type, OWL.Class) in g  # ontology#terms


def test_ontology_html_is_its_documentation(http: httpx.Client) -> None:
    r = http.get("/ontology", headers={"accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Accept" in _vary(r)
    assert 'id="ManagementTool"' in r.text and "emskg ontology" in r.text
    assert "content-security-policy" in r.headers


def test_shapes_and_kb_header(http: httpx.Client) -> None:
    g = _graph(http.get("/shapes", headers={"accept": "application/ld+json"}), "application/ld+json")
    shapes = rdflib.URIRef("https://w3id.org/emskg/shapes")
    assert (shapes, rdflib.RDF.type, OWL.Ontology) in g and g.value(shapes, RDFS.label) is not None
    g = _graph(http.get("/kb", headers={"accept": "application/n-triples"}), "application/n-triples")
    kb = rdflib.URIRef("https://w3id.org/emskg/kb")
    assert g.value(kb, OWL.versionInfo) is not None and g.value(kb, RDFS.label) is not None


# --- VoID --------------------------------------------------------------------------------------------

VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DATASET = rdflib.URIRef("https://w3id.org/emskg/dataset")


def test_void_describes_the_dataset(http: httpx.Client, server: LiveServer) -> None:
    g = _graph(http.get("/.well-known/void", headers={"accept": "text/turtle"}), "text/turtle")
    health = http.get("/health").json()
    assert (DATASET, rdflib.RDF.type, VOID.Dataset) in g and (DATASET, rdflib.RDF.type, DCAT.Dataset) in g
    assert int(g.value(DATASET, VOID.triples)) == health["triples"]
    assert int(g.value(DATASET, VOID.classes)) > 20 and int(g.value(DATASET, VOID.properties)) > 50
    assert g.value(DATASET, VOID.sparqlEndpoint) == rdflib.URIRef(server.base + "/sparql")
    assert g.value(DATASET, rdflib.URIRef("http://purl.org/dc/terms/license")) is not None
    subsets = set(g.objects(DATASET, VOID.subset))
    assert rdflib.URIRef("https://w3id.org/emskg/graph/inferred") in subsets and len(subsets) >= 10
    dumps = {str(d).rsplit("/", 1)[1] for d in g.objects(DATASET, VOID.dataDump)}
    assert dumps == {f"emskg-inferred-{health['version']}.{ext}" for ext in ("ttl", "nt", "jsonld", "rdf")}
    assert len(set(g.objects(DATASET, DCAT.distribution))) == 12


def test_service_description_links_the_void(http: httpx.Client, server: LiveServer) -> None:
    r = http.get("/sparql", headers={"accept": "text/turtle"})
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    assert rdflib.URIRef(server.base + "/.well-known/void") in set(g.objects(None, RDFS.seeAlso))

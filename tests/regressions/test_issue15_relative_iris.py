"""Issue 15, defect 1 — a query with relative IRIs is refused instead of resolved.

> a query with relative IRIs (`CONSTRUCT { <s> <p> 1 } WHERE {}`) is refused instead of resolved
> against the endpoint's base

The protocol leaves the base IRI to the service; emskg uses the endpoint's own URL.
"""

from __future__ import annotations

import httpx

from security.live import NO_CACHE


def test_relative_iris_resolve_against_the_endpoint(client: httpx.Client) -> None:
    r = client.post("/sparql", content="CONSTRUCT { <s> <p> 1 } WHERE {}",
                    headers={"content-type": "application/sparql-query", "accept": "application/n-triples", **NO_CACHE})
    assert r.status_code == 200, r.text
    endpoint = str(client.base_url).rstrip("/") + "/sparql"
    base = endpoint.rsplit("/", 1)[0]
    assert r.text.strip() == f'<{base}/s> <{base}/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'


def test_relative_iri_in_a_select(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { BIND(<kb-relative> AS ?x) }"},
                   headers={"accept": "application/sparql-results+json", **NO_CACHE})
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["x"]["value"].endswith("/kb-relative")


def test_cached_answers_keep_each_clients_base(client: httpx.Client) -> None:
    """The response cache must not answer one Host with IRIs resolved against another's."""
    query = {"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"}
    accept = {"accept": "application/n-triples"}
    first = client.get("/sparql", params=query, headers={**accept, "host": "first.example"})
    second = client.get("/sparql", params=query, headers={**accept, "host": "second.example"})
    assert "<http://first.example/s>" in first.text
    assert "<http://second.example/s>" in second.text

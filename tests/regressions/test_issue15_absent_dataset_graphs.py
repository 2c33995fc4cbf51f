"""Issue 15, defect 2 — protocol dataset parameters naming absent graphs do not give an empty dataset.

> `default-graph-uri` / `named-graph-uri` naming graphs that do not exist do not give an empty dataset.

SPARQL 1.1 Protocol 2.1.4: the parameters *are* the dataset (the one not given is empty) and they
override the query's FROM / FROM NAMED.
"""

from __future__ import annotations

import httpx
import pytest

from security.live import NO_CACHE

ABSENT = "http://example.org/no-such-graph"
KB_GRAPH = "https://w3id.org/emskg/graph/kb/initiatives.ttl"
JSON = {"accept": "application/sparql-results+json", **NO_CACHE}


def _ask(client: httpx.Client, query: str, **params: str | list[str]) -> bool:
    r = client.get("/sparql", params={"query": query, **params}, headers=JSON)
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_absent_graph_gives_an_empty_default_graph(client: httpx.Client, param: str) -> None:
    assert _ask(client, "ASK { ?s ?p ?o }") is True
    assert _ask(client, "ASK { ?s ?p ?o }", **{param: ABSENT}) is False


def test_absent_named_graph_gives_no_named_graphs(client: httpx.Client) -> None:
    assert _ask(client, "ASK { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": ABSENT}) is False
    assert _ask(client, "ASK { GRAPH ?g { ?s ?p ?o } }", **{"default-graph-uri": KB_GRAPH}) is False


def test_protocol_dataset_overrides_from(client: httpx.Client) -> None:
    query = f"ASK FROM <{KB_GRAPH}> {{ ?s ?p ?o }}"
    assert _ask(client, query) is True
    assert _ask(client, query, **{"default-graph-uri": ABSENT}) is False
    named = f"ASK FROM NAMED <{KB_GRAPH}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert _ask(client, named) is True
    assert _ask(client, named, **{"named-graph-uri": ABSENT}) is False


def test_existing_graphs_are_the_dataset(client: httpx.Client) -> None:
    assert _ask(client, "ASK { <https://w3id.org/emskg/kb/QualServe> ?p ?o }",
                **{"default-graph-uri": KB_GRAPH}) is True
    assert _ask(client, f"ASK {{ GRAPH <{KB_GRAPH}> {{ ?s ?p ?o }} }}", **{"named-graph-uri": KB_GRAPH}) is True

"""Issue 10, defect 1 — Server-side request forgery.

> The SERVICE guard reads the query text with a word regex, and SPARQL's tokenisation differs from
> it: `?s ?p true.SERVICE <http://…> { … }` (also `false.SERVICE`, `prefix:.SERVICE`) passes the
> guard, and pyoxigraph then POSTs to that URL — from `POST /sparql` and from `emskg sparql`. Any
> internal address is reachable this way.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import httpx
import pytest

from security.live import CountingListener, cli_one_line_error, json_error

QUERIES = {
    "true.SERVICE": "SELECT * { ?s ?p true.SERVICE <{url}> { ?a ?b ?c } }",
    "false.SERVICE": "SELECT * { ?s ?p false.SERVICE <{url}> { ?a ?b ?c } }",
    "prefix:.SERVICE": "PREFIX x: <http://e/> SELECT * { ?s ?p x:.SERVICE <{url}> { ?a ?b ?c } }",
}


@pytest.mark.parametrize("query", list(QUERIES.values()), ids=list(QUERIES))
def test_post_sparql_refuses_hidden_service(client: httpx.Client, listener: CountingListener, query: str) -> None:
    """``POST /sparql`` with the issue's SERVICE spellings: 403 JSON and no connection to the listener."""
    r = client.post("/sparql", content=query.replace("{url}", listener.url).encode(),
                    headers={"Content-Type": "application/sparql-query"})
    json_error(r, 403)
    assert listener.connections == 0


@pytest.mark.parametrize("query", list(QUERIES.values()), ids=list(QUERIES))
def test_cli_refuses_hidden_service(run_cli: Callable[..., subprocess.CompletedProcess[str]],
                                    listener: CountingListener, query: str) -> None:
    """``emskg sparql`` with the issue's SERVICE spellings: exit 2, one line, no connection."""
    cli_one_line_error(run_cli("sparql", query.replace("{url}", listener.url), timeout=60), 2)
    assert listener.connections == 0

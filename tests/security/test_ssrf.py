"""Server-side request forgery and writes: nothing a client sends makes emskg open a connection.

Every target is a loopback listener that counts accepted connections and would answer a fetch
(SPARQL JSON, a JSON-LD context, Turtle); each test asserts it counted 0. SERVICE in any form is
refused 403 (HTTP) / exit 2 (CLI) by the parsed query; updates and LOAD are refused and change
nothing; FROM / FROM NAMED never fetch; JSON-LD remote contexts and owl:imports are never followed.
Defence in depth: ``emskg.core.sandbox.deny_network()`` makes a process unable to connect at all.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from security.live import (
    EXAMPLE_JSONLD,
    EXAMPLE_TTL,
    NO_CACHE,
    ROOT,
    TOKEN,
    CountingListener,
    SecServer,
    cli_one_line_error,
    json_error,
    triple_count,
)

# {url} is the listener's URL. Each variant must be refused as SERVICE, whatever its spelling.
SERVICE_VARIANTS = {
    "plain": "SELECT * WHERE { SERVICE <{url}> { ?a ?b ?c } }",
    "true.SERVICE": "SELECT * { ?s ?p true.SERVICE <{url}> { ?a ?b ?c } }",
    "false.SERVICE": "SELECT * { ?s ?p false.SERVICE <{url}> { ?a ?b ?c } }",
    "prefix.SERVICE": "PREFIX x: <http://e/> SELECT * { ?s ?p x:.SERVICE <{url}> { ?a ?b ?c } }",
    "number.SERVICE": "SELECT * { ?s ?p 1.SERVICE <{url}> { ?a ?b ?c } }",
    "mixed case SILENT": "SELECT * WHERE { SeRvIcE SILENT <{url}> { ?a ?b ?c } }",
    "in OPTIONAL": "SELECT * WHERE { ?s a ems:ManagementTool OPTIONAL { SERVICE <{url}> { ?s ?b ?c } } }",
    "in sub-SELECT": "SELECT * WHERE { { SELECT ?a WHERE { SERVICE <{url}> { ?a ?b ?c } } } }",
    "in FILTER EXISTS": "SELECT * WHERE { ?s a ems:ManagementTool FILTER EXISTS { SERVICE <{url}> { ?s ?b ?c } } }",
    "after a comment line": "SELECT * WHERE { # a comment }\nSERVICE <{url}> { ?a ?b ?c } }",
    "variable endpoint from VALUES": "SELECT * WHERE { VALUES ?e { <{url}> } SERVICE ?e { ?a ?b ?c } }",
}


def _q(template: str, listener: CountingListener) -> str:
    return template.replace("{url}", listener.url)


def _send(client: httpx.Client, transport: str, query: str) -> httpx.Response:
    if transport == "GET":
        return client.get("/sparql", params={"query": query}, headers=NO_CACHE)
    if transport == "POST sparql-query":
        return client.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
    return client.post("/sparql", data={"query": query})


@pytest.mark.parametrize("transport", ["GET", "POST sparql-query", "POST form"])
@pytest.mark.parametrize("variant", list(SERVICE_VARIANTS))
def test_service_is_refused_over_http(client: httpx.Client, listener: CountingListener, transport: str,
                                      variant: str) -> None:
    """Attack: SERVICE to a loopback listener, in every spelling and position SPARQL allows.
    Expected: 403 with a one-line JSON error, and the listener counts 0 connections."""
    r = _send(client, transport, _q(SERVICE_VARIANTS[variant], listener))
    json_error(r, 403)
    assert listener.connections == 0, listener.requests


@pytest.mark.parametrize("variant", list(SERVICE_VARIANTS))
def test_service_is_refused_by_the_cli(run_cli: Callable[..., subprocess.CompletedProcess[str]],
                                       listener: CountingListener, variant: str) -> None:
    """Attack: ``emskg sparql 'SERVICE ...'`` to a loopback listener.
    Expected: exit 2, one ``emskg:`` line on stderr, 0 connections."""
    proc = run_cli("sparql", _q(SERVICE_VARIANTS[variant], listener), timeout=60)
    cli_one_line_error(proc, 2)
    assert listener.connections == 0, listener.requests


# --- defence in depth: a sandboxed process cannot connect --------------------------------------

_SANDBOX_PROBE = textwrap.dedent("""
    import json, socket, sys
    port = int(sys.argv[1]); sandbox = sys.argv[2] == "1"
    out = {}
    if sandbox:
        from emskg.core.sandbox import deny_network
        deny_network()
    try:  # the filter refuses the socket itself (EACCES), before any connect
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(3)
        try:
            s.connect(("127.0.0.1", port))
            out["connect"] = "connected"
        finally:
            s.close()
    except BaseException as exc:
        out["connect"] = type(exc).__name__
    import pyoxigraph
    try:
        list(pyoxigraph.Store().query("SELECT * { SERVICE <http://127.0.0.1:%d/> { ?s ?p ?o } }" % port))
        out["service"] = "ran"
    except BaseException as exc:
        out["service"] = type(exc).__name__
    print(json.dumps(out))
""")


def _probe(listener: CountingListener, sandbox: bool) -> dict[str, str]:
    proc = subprocess.run([sys.executable, "-c", _SANDBOX_PROBE, str(listener.port), "1" if sandbox else "0"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result: dict[str, str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_sandbox_denies_outbound_connections(listener: CountingListener) -> None:
    """Defence in depth: after ``emskg.core.sandbox.deny_network()`` a process cannot open a TCP connection
    (``connect`` raises PermissionError) and pyoxigraph's SERVICE, unguarded, fails — 0 connections."""
    result = _probe(listener, sandbox=True)
    assert result["connect"] == "PermissionError", result
    assert result["service"] != "ran", result
    assert listener.connections == 0, listener.requests


def test_without_the_sandbox_the_listener_is_reached(listener: CountingListener) -> None:
    """Control for the test above: without the sandbox, the same unguarded SERVICE query does connect
    (the listener works, so its 0 counts elsewhere mean something)."""
    listener.expected = True
    result = _probe(listener, sandbox=False)
    assert result["connect"] == "connected", result
    assert listener.connections >= 2, (result, listener.connections)


# --- FROM / FROM NAMED ----------------------------------------------------------------------------

@pytest.mark.parametrize("template", [
    "SELECT * FROM <{url}g> WHERE { ?s ?p ?o } LIMIT 1",
    "SELECT * FROM NAMED <{url}g> WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1",
    "ASK FROM <{url}g> FROM NAMED <{url}h> { ?s ?p ?o }",
])
@pytest.mark.parametrize("transport", ["GET", "POST sparql-query"])
def test_from_never_fetches(client: httpx.Client, listener: CountingListener, template: str, transport: str) -> None:
    """Attack: a dataset clause naming a loopback URL. Expected: answered from the local store (200) or
    refused (400 JSON), and 0 connections."""
    r = _send(client, transport, _q(template, listener))
    assert r.status_code in (200, 400), r.text[:300]
    if r.status_code == 400:
        json_error(r, 400)
    assert listener.connections == 0, listener.requests


def test_dataset_parameters_never_fetch(client: httpx.Client, listener: CountingListener) -> None:
    """Attack: ``default-graph-uri`` / ``named-graph-uri`` naming a loopback URL. Expected: 200 or 400, 0 connections."""
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "default-graph-uri": listener.url,
                                      "named-graph-uri": listener.url + "n"}, headers=NO_CACHE)
    assert r.status_code in (200, 400), r.text[:300]
    assert listener.connections == 0


# --- updates and LOAD ---------------------------------------------------------------------------------

UPDATES = {
    "LOAD": "LOAD <{url}x.ttl>",
    "LOAD INTO": "LOAD SILENT <{url}x.ttl> INTO GRAPH <urn:g>",
    "INSERT DATA": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE": "DELETE WHERE { ?s ?p ?o }",
    "CLEAR ALL": "CLEAR ALL",
    "DROP ALL": "DROP ALL",
    "two operations": "INSERT DATA { <urn:a> <urn:b> <urn:c> } ; LOAD <{url}y.ttl>",
}


@pytest.mark.parametrize("how", ["query GET", "query POST", "update= form field", "application/sparql-update"])
@pytest.mark.parametrize("update", list(UPDATES))
def test_updates_are_refused_and_change_nothing(sec_server: SecServer, client: httpx.Client,
                                                listener: CountingListener, update: str, how: str) -> None:
    """Attack: SPARQL Update / LOAD (from the listener) sent as a query, an ``update=`` field or an
    ``application/sparql-update`` body. Expected: 403 JSON, 0 connections, the same triple count
    (evaluated afresh, no cache) afterwards."""
    before = triple_count(sec_server.base)
    text = _q(UPDATES[update], listener)
    if how == "query GET":
        r = client.get("/sparql", params={"query": text}, headers=NO_CACHE)
    elif how == "query POST":
        r = client.post("/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"})
    elif how == "update= form field":
        r = client.post("/sparql", data={"update": text})
    else:
        r = client.post("/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-update"})
    json_error(r, 403)
    assert listener.connections == 0, listener.requests
    assert triple_count(sec_server.base) == before


# --- validation: JSON-LD remote contexts and owl:imports -------------------------------------------

def _jsonld_with_remote_context(listener: CountingListener) -> bytes:
    doc = json.loads(EXAMPLE_JSONLD.read_text(encoding="utf-8"))
    doc["@context"] = f"{listener.url}ctx.jsonld"
    return json.dumps(doc).encode()


def _ttl_with_import(listener: CountingListener) -> bytes:
    text = EXAMPLE_TTL.read_text(encoding="utf-8")
    text += (f"\n<https://example.org/riverbend/declaration> a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
             f"    <http://www.w3.org/2002/07/owl#imports> <{listener.url}x.ttl> .\n")
    return text.encode()


def test_validate_never_fetches_a_jsonld_context(client: httpx.Client, listener: CountingListener) -> None:
    """Attack: POST /validate a JSON-LD declaration whose ``@context`` is a loopback URL that serves a
    real context. Expected: a 400 JSON error or a 200 validation report — never a fetch (0 connections)."""
    r = client.post("/validate", content=_jsonld_with_remote_context(listener),
                    headers={"Content-Type": "application/ld+json", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code in (200, 400), r.text[:500]
    if r.status_code == 400:
        json_error(r, 400)
    else:
        assert "conforms" in r.json()
    assert listener.connections == 0, listener.requests


def test_validate_never_fetches_owl_imports_over_http(client: httpx.Client, listener: CountingListener) -> None:
    """Attack: POST /validate a Turtle declaration with ``owl:imports <loopback URL>``.
    Expected: a 200 report (the import is data, not an instruction), 0 connections."""
    r = client.post("/validate", content=_ttl_with_import(listener),
                    headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text[:500]
    assert "conforms" in r.json()
    assert listener.connections == 0, listener.requests


@pytest.mark.parametrize("engine", [None, pytest.param("reference", marks=pytest.mark.slow)])
def test_cli_validate_never_fetches_a_jsonld_context(run_cli: Callable[..., subprocess.CompletedProcess[str]],
                                                     listener: CountingListener, tmp_path: Path,
                                                     engine: str | None) -> None:
    """Attack: ``emskg validate decl.jsonld`` whose ``@context`` is a loopback URL.
    Expected: exit 1 or 2 (the terms cannot be expanded without the context), 0 connections."""
    path = tmp_path / "remote-context.jsonld"
    path.write_bytes(_jsonld_with_remote_context(listener))
    args = ["validate", str(path)] + (["--engine", engine] if engine else [])
    proc = run_cli(*args, timeout=300)
    assert proc.returncode in (1, 2), (proc.returncode, proc.stdout[-500:], proc.stderr[-1000:])
    assert "Traceback" not in proc.stderr
    assert listener.connections == 0, listener.requests


@pytest.mark.parametrize("engine", [None, pytest.param("reference", marks=pytest.mark.slow)])
def test_cli_validate_never_fetches_owl_imports(run_cli: Callable[..., subprocess.CompletedProcess[str]],
                                                listener: CountingListener, tmp_path: Path, engine: str | None) -> None:
    """Attack: ``emskg validate decl.ttl`` (the conforming example plus ``owl:imports <loopback URL>``).
    Expected: validated (exit 0 or 1), 0 connections — also with ``--engine reference`` (pyshacl + owlrl)."""
    path = tmp_path / "imports.ttl"
    path.write_bytes(_ttl_with_import(listener))
    args = ["validate", str(path)] + (["--engine", engine] if engine else [])
    proc = run_cli(*args, timeout=300)
    assert proc.returncode in (0, 1), (proc.returncode, proc.stdout[-500:], proc.stderr[-1000:])
    assert listener.connections == 0, listener.requests

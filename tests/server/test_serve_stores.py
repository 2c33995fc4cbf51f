"""emskg serve --store: /sparql and the named queries run on the store; the store going away is a
503 with one line, and the server recovers by itself when it returns (a real Oxigraph server)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from conftest import CLIENT_LIMITS, LiveServer, live_server
from emskg.stores import open_store
from emskg.stores.load import load_kb
from engines import OxigraphServer

SECRET = "pa55-w0rd-never-shown"
REG = "https://w3id.org/emskg/registration/"
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path_factory.mktemp("serve-oxigraph") / "data").start()
    store = open_store(None, env=server.env())
    load_kb(store)
    store.close()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def remote_server(engine: OxigraphServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {**engine.env(), "EMSKG_STORE_USER": "emskg", "EMSKG_STORE_PASSWORD": SECRET,
           "EMSKG_WORKERS": "1", "EMSKG_QUERY_TIMEOUT": "5", "EMSKG_MAX_ROWS": "50"}
    with live_server(env, tmp_path_factory.mktemp("serve-remote") / "serve.log") as live:
        yield live


@pytest.fixture()
def client(remote_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=remote_server.base, timeout=30, limits=CLIENT_LIMITS) as c:
        yield c


def test_named_queries_and_sparql_run_on_the_store(client: httpx.Client, engine: OxigraphServer) -> None:
    kb = client.get("/queries/key-findings", headers={"Accept": "application/sparql-results+json"})
    assert kb.status_code == 200, kb.text
    assert len(kb.json()["results"]["bindings"]) > 3
    g = REG + "serve-test"
    store = open_store(None, env=engine.env())
    store.insert_quads([ox.Quad(ox.NamedNode("urn:only-in-the-store"), ox.NamedNode("urn:p"), ox.Literal("x"),
                                ox.NamedNode(g))])
    try:
        r = client.get("/sparql", params={"query": f"SELECT ?s WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"},
                       headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, r.text
        assert [b["s"]["value"] for b in r.json()["results"]["bindings"]] == ["urn:only-in-the-store"]
        capped = client.get("/sparql", params={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"},
                            headers={"Accept": "application/sparql-results+json"})
        assert len(capped.json()["results"]["bindings"]) == 50  # the row cap applies
    finally:
        store.drop_graphs([g])
        store.close()


@pytest.mark.parametrize("query", ["INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                                   "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"])
def test_refused_queries_never_reach_the_store(client: httpx.Client, query: str) -> None:
    r = client.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 403 and SECRET not in r.text


def test_the_store_going_away_is_503_then_recovers(client: httpx.Client, engine: OxigraphServer,
                                                  remote_server: LiveServer) -> None:
    query = {"query": "ASK { ?s ?p ?o }"}
    assert client.get("/sparql", params=query).status_code == 200
    engine.stop()
    try:
        down = client.get("/sparql", params=query)
        assert down.status_code == 503
        assert down.json() == {"error": f"store sparql:{engine.query_url} is unreachable (cannot connect)"}
        assert down.headers["Retry-After"] == "5"
        named = client.get("/queries/key-findings")
        assert named.status_code == 503 and SECRET not in named.text and named.headers["Retry-After"] == "5"
    finally:
        engine.start()
    assert client.get("/sparql", params=query).status_code == 200  # no restart needed
    assert client.get("/queries/key-findings").status_code == 200
    assert SECRET not in remote_server.log.read_text()


def test_the_cli_runs_on_the_store(engine: OxigraphServer) -> None:
    run = subprocess.run([sys.executable, "-m", "emskg.cli", "query", "key-findings", "--format", "csv",
                          "--store", engine.spec], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "Finding-1" in run.stdout


def test_a_running_server_sees_new_registrations_in_an_oxigraph_folder(tmp_path: Path) -> None:
    """Workers hold the folder read-only and reopen it when a writer bumps its generation; the
    response cache is keyed on that generation, so the same GET is not answered from a stale entry."""
    path = tmp_path / "db"
    writer = open_store(f"oxigraph:{path}", env={})
    load_kb(writer)
    writer.close()
    g = REG + "seen-live"
    query = {"query": f"SELECT ?s WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"}
    accept = {"Accept": "application/sparql-results+json"}
    with live_server({"EMSKG_STORE": f"oxigraph:{path}", "EMSKG_WORKERS": "1"}, tmp_path / "serve.log") as live, \
            httpx.Client(base_url=live.base, timeout=30, limits=CLIENT_LIMITS) as c:
        assert c.get("/queries/key-findings").status_code == 200
        assert c.get("/sparql", params=query, headers=accept).json()["results"]["bindings"] == []
        writer = open_store(f"oxigraph:{path}", env={})  # another process would do the same: emskg register
        writer.insert_quads([ox.Quad(ox.NamedNode("urn:new"), ox.NamedNode("urn:p"), ox.Literal("x"), ox.NamedNode(g))])
        writer.close()
        rows = c.get("/sparql", params=query, headers=accept).json()["results"]["bindings"]
        assert [b["s"]["value"] for b in rows] == ["urn:new"]


def test_a_running_memory_server_sees_new_registrations(tmp_path: Path) -> None:
    """The default store: registrations written as files under the cache's registry/ folder by another
    process (emskg register) are loaded by the running workers, and no cached answer hides them."""
    import shutil

    from emskg.core.paths import cache_dir
    from emskg.graph.store import load_graph
    from emskg.stores.embedded import MemoryStore

    cache = tmp_path / "cache"
    shutil.copytree(cache_dir(), cache, ignore=shutil.ignore_patterns("registry"))  # the build, no registrations
    g = REG + "memory-live"
    query = {"query": f"SELECT ?s WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"}
    accept = {"Accept": "application/sparql-results+json"}
    with live_server({"EMSKG_CACHE": str(cache), "EMSKG_WORKERS": "1", "EMSKG_STORE": "memory"},
                     tmp_path / "serve.log") as live, \
            httpx.Client(base_url=live.base, timeout=30, limits=CLIENT_LIMITS) as c:
        assert c.get("/sparql", params=query, headers=accept).json()["results"]["bindings"] == []
        writer = MemoryStore(load_graph(), registry=cache / "registry")
        writer.insert_quads([ox.Quad(ox.NamedNode("urn:new"), ox.NamedNode("urn:p"), ox.Literal("x"), ox.NamedNode(g))])
        rows = c.get("/sparql", params=query, headers=accept).json()["results"]["bindings"]
        assert [b["s"]["value"] for b in rows] == ["urn:new"]


def test_an_unloaded_oxigraph_folder_is_503_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "db"
    open_store(f"oxigraph:{path}", env={}).close()  # a store, but `emskg load` never ran
    with live_server({"EMSKG_STORE": f"oxigraph:{path}", "EMSKG_WORKERS": "1"}, tmp_path / "serve.log") as live:
        r = httpx.get(live.base + "/queries/key-findings", timeout=30)
        assert r.status_code == 503 and r.headers["Retry-After"] == "5"  # raised in a worker: header kept
        assert "holds no knowledge graph (load it with: emskg load --store oxigraph:" in r.json()["error"]


def test_a_store_timeout_is_504_and_a_store_outage_503() -> None:
    """The engine's timeout (or a partial answer it stopped at its timeout) is the query's deadline,
    as emskg's own: 504; a store that cannot be reached is 503 with Retry-After."""
    from emskg.errors import StoreBusyError, StoreTimeoutError, StoreUnavailableError
    from emskg.server.errors import http_status

    assert http_status(StoreTimeoutError("store sparql:http://x/ did not answer within 5 s")) == 504
    assert http_status(StoreUnavailableError("store sparql:http://x/ is unreachable (cannot connect)")) == 503
    assert http_status(StoreBusyError("store oxigraph:/x is busy")) == 503

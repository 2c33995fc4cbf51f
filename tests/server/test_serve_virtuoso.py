"""emskg serve --store sparql:… on a real Virtuoso (tests/engines_virtuoso.py): named queries and /sparql
answer in the embedded store's terms; Virtuoso stopped during the test is a 503 with one line (no
credentials), and the server answers again by itself once Virtuoso is back."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest

from conftest import CLIENT_LIMITS, LiveServer, live_server
from emskg.stores import open_store
from emskg.stores.load import load_kb
from engines_virtuoso import VirtuosoServer, start_virtuoso

REG = "https://w3id.org/emskg/registration/"
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    server = start_virtuoso(tmp_path_factory.mktemp("serve-virtuoso"))
    store = open_store(None, env=server.env())
    load_kb(store)
    store.close()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def remote_server(engine: VirtuosoServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {**engine.env(), "EMSKG_WORKERS": "1", "EMSKG_QUERY_TIMEOUT": "10", "EMSKG_MAX_ROWS": "50"}
    with live_server(env, tmp_path_factory.mktemp("serve-virtuoso-log") / "serve.log") as live:
        yield live


@pytest.fixture()
def client(remote_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=remote_server.base, timeout=60, limits=CLIENT_LIMITS) as c:
        yield c


def test_named_queries_and_sparql_answer_in_embedded_terms(client: httpx.Client, engine: VirtuosoServer) -> None:
    kb = client.get("/queries/complementary-tools", params={"framework": "ISO 14001"}, headers=JSON)
    assert kb.status_code == 200, kb.text
    flags = {b["namedTogether"]["value"] for b in kb.json()["results"]["bindings"] if "namedTogether" in b}
    assert flags == {"true"}  # Virtuoso alone would say 1 (docs/stores.md "Virtuoso")
    g = REG + "serve-virtuoso"
    store = open_store(None, env=engine.env())
    store.insert_quads([ox.Quad(ox.BlankNode("n1"), ox.NamedNode("urn:conforms"),
                                ox.Literal("false", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")),
                                ox.NamedNode(g))])
    try:
        r = client.get("/sparql", params={"query": f"SELECT ?s ?o WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"}, headers=JSON)
        assert r.status_code == 200, r.text
        [row] = r.json()["results"]["bindings"]
        assert row["s"]["type"] == "bnode" and row["o"]["value"] == "false"
    finally:
        store.drop_graphs([g])
        store.close()


def test_virtuoso_going_away_is_503_then_recovers(client: httpx.Client, engine: VirtuosoServer,
                                                 remote_server: LiveServer) -> None:
    query = {"query": "ASK { ?s ?p ?o }"}
    assert client.get("/sparql", params=query).status_code == 200
    engine.stop()
    try:
        down = client.get("/sparql", params=query)
        assert down.status_code == 503
        assert down.json() == {"error": f"store {engine.store_spec} is unreachable (cannot connect)"}
        named = client.get("/queries/key-findings")
        assert named.status_code == 503 and "\n" not in named.json()["error"]
        assert engine.password not in down.text + named.text
    finally:
        engine.start()
    assert client.get("/sparql", params=query).status_code == 200  # emskg was not restarted
    assert client.get("/queries/key-findings", headers=JSON).status_code == 200
    assert engine.password not in remote_server.log.read_text()

"""A sparql: store over HTTP against a real Oxigraph server: writes, the store going away, and recovery."""

from __future__ import annotations

import os
import subprocess
import sys

import pyoxigraph as ox
import pytest

from emskg.errors import QueryError, StoreUnavailableError
from emskg.stores import Store, open_store
from emskg.stores.remote import CHUNK_TRIPLES, RemoteStore
from engines import OxigraphServer

REG = "https://w3id.org/emskg/registration/"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _count(store: Store, graph: str) -> int:
    answer = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(answer))["n"].value)  # type: ignore[call-overload, index]


@pytest.mark.parametrize("gsp", [False, True], ids=["sparql-update", "graph-store-protocol"])
def test_writes_reach_the_server(oxigraph_server: OxigraphServer, gsp: bool) -> None:
    store = open_store(None, env=oxigraph_server.env(gsp=gsp))
    g = REG + "remote-writes"
    many = [ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(f"v{i}\n\"quoted\""), ox.NamedNode(g))
            for i in range(CHUNK_TRIPLES + 10)]  # more than one request
    store.insert_quads(many)
    assert _count(store, g) == len(many)
    store.replace_graphs({g: [ox.Triple(ox.NamedNode("urn:x"), ox.NamedNode("urn:p"), ox.Literal("only"))]})
    assert _count(store, g) == 1
    assert isinstance(store, RemoteStore)
    store.append_graph(g, [ox.Triple(ox.NamedNode("urn:y"), ox.NamedNode("urn:p"), ox.Literal("more"))])
    assert _count(store, g) == 2
    store.drop_graphs([g, REG + "never-there"])
    assert _count(store, g) == 0
    store.close()


def test_construct_and_ask_answers_are_pyoxigraph_objects(oxigraph_server: OxigraphServer) -> None:
    store = open_store(None, env=oxigraph_server.env())
    g = REG + "construct"
    store.insert_quads([ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("1"), ox.NamedNode(g))])
    triples = list(store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"))  # type: ignore[call-overload]
    assert triples == [ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("1"))]
    assert bool(store.query(f"ASK {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"))
    store.drop_graphs([g])
    store.close()


def test_a_query_the_engine_refuses_is_a_query_error(oxigraph_server: OxigraphServer) -> None:
    store = open_store(None, env=oxigraph_server.env())
    with pytest.raises(QueryError) as info:
        store.query("SELECT * WHERE { ?s ?p }")
    assert not isinstance(info.value, StoreUnavailableError) and "\n" not in str(info.value)


def test_the_store_going_away_and_coming_back(oxigraph_server: OxigraphServer) -> None:
    store = open_store(None, env=oxigraph_server.env())
    assert isinstance(store, RemoteStore)
    assert bool(store.query("ASK {}"))
    oxigraph_server.stop()
    try:
        with pytest.raises(StoreUnavailableError) as info:
            store.query("ASK {}")
        assert str(info.value) == f"store {store.label} is unreachable (cannot connect)"
        cli = subprocess.run([sys.executable, "-m", "emskg.cli", "sparql", "ASK {}", "--store", oxigraph_server.spec],
                             capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert cli.returncode == 2
        assert cli.stderr == f"emskg: store {store.label} is unreachable (cannot connect)\n"
    finally:
        oxigraph_server.start()
    assert bool(store.query("ASK {}"))  # the same store object recovers by itself
    store.close()

"""Store fixtures: a real Oxigraph server for the session (tests/engines.py), loaded stores of each kind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emskg.graph.store import KnowledgeGraph, load_graph
from emskg.stores import Store, open_store
from emskg.stores.embedded import MemoryStore
from emskg.stores.load import load_kb
from engines import OxigraphServer
from engines_virtuoso import VirtuosoServer, virtuoso_session


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """``oxigraph serve`` on a free loopback port in a temporary folder; stopped after the session."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph-server") / "data").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """Virtuoso (``virtuoso-t -f``, its own ini) on free loopback ports in a temporary folder (tests/engines_virtuoso.py)."""
    yield from virtuoso_session(tmp_path_factory.mktemp("virtuoso"))


@pytest.fixture(scope="session")
def loaded_stores(kg: KnowledgeGraph, oxigraph_server: OxigraphServer, virtuoso: VirtuosoServer,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Store]]:
    """The knowledge graph loaded into memory, an oxigraph:PATH store, the Oxigraph server and Virtuoso."""
    folder = tmp_path_factory.mktemp("oxigraph-path")
    stores: dict[str, Store] = {
        "memory": MemoryStore(load_graph(), registry=folder / "registry"),  # its own copy: writes stay here
        "oxigraph": open_store(f"oxigraph:{folder / 'db'}", env={}),
        "server": open_store(None, env=oxigraph_server.env()),
        "virtuoso": open_store(None, env=virtuoso.env()),
    }
    for store in stores.values():
        load_kb(store, kg)
    yield stores
    for store in stores.values():
        store.close()

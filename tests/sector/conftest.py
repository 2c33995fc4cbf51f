"""Fixtures for the registry tests: real stores (emskg.stores) with the knowledge graph loaded.

``store`` is a ``memory`` store on its own copy of the graph (its registry files in a temporary
folder); ``any_store`` is each embedded kind in turn (``memory``, ``oxigraph:PATH``). The helpers read
a store back through SPARQL only, as any backend answers it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from emskg.core.vocab import REGISTRATION
from emskg.graph.store import KnowledgeGraph, load_graph
from emskg.stores import Store, open_store
from emskg.stores.embedded import MemoryStore
from emskg.stores.load import load_kb

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def graph(store: Store, iri: str) -> set[tuple[str, str, str]]:
    """A named graph's triples as N-Triples term strings (for exact comparisons)."""
    result = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
    assert isinstance(result, ox.QuerySolutions)
    return {(str(s[0]), str(s[1]), str(s[2])) for s in result}


def registration_graphs(store: Store) -> list[str]:
    """The names of the registration graphs in the store."""
    result = store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER STRSTARTS(STR(?g), \"{REGISTRATION}\") }}")
    assert isinstance(result, ox.QuerySolutions)
    return sorted(s[0].value for s in result)  # type: ignore[union-attr]


def make_store(kind: str, folder: Path, kg: KnowledgeGraph) -> Store:
    """A fresh store of ``kind`` (memory: on its own copy of the graph) with the knowledge graph loaded."""
    if kind == "memory":
        return MemoryStore(load_graph(), registry=folder / "registry")
    store = open_store(f"oxigraph:{folder / 'db'}", env={})
    load_kb(store, kg)
    return store


@pytest.fixture()
def store(kg: KnowledgeGraph, tmp_path: Path) -> Iterator[Store]:
    s = make_store("memory", tmp_path, kg)
    yield s
    s.close()


@pytest.fixture(params=["memory", "oxigraph"])
def any_store(request: pytest.FixtureRequest, kg: KnowledgeGraph, tmp_path: Path) -> Iterator[Store]:
    s = make_store(request.param, tmp_path, kg)
    yield s
    s.close()

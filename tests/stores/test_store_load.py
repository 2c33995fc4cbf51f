"""emskg load: the embedded store's graphs in any store, idempotent by build digest."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from emskg.graph.store import KnowledgeGraph
from emskg.stores import Store, open_store
from emskg.stores.embedded import MemoryStore
from emskg.stores.load import LOAD_GRAPH, kb_graph_names, load_kb, loaded_digest
from engines import OxigraphServer


def _graph_sizes(store: Store) -> dict[str, int]:
    answer = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {s["g"].value: int(s["n"].value) for s in answer}  # type: ignore[index, union-attr]


def _expected_sizes(kg: KnowledgeGraph) -> dict[str, int]:
    out: dict[str, int] = {}
    for q in kg.store.quads_for_pattern(None, None, None, None):
        if isinstance(q.graph_name, ox.NamedNode):
            out[q.graph_name.value] = out.get(q.graph_name.value, 0) + 1
    return out


@pytest.fixture(params=["oxigraph", "server", "server-gsp"])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path, oxigraph_server: OxigraphServer) -> Store:
    if request.param == "oxigraph":
        return open_store(f"oxigraph:{tmp_path / 'db'}", env={})
    oxigraph_server.clear()
    return open_store(None, env=oxigraph_server.env(gsp=request.param == "server-gsp"))


def test_load_writes_the_embedded_graphs_once(empty_store: Store, kg: KnowledgeGraph) -> None:
    progress: list[tuple[int, int]] = []
    first = load_kb(empty_store, kg, lambda done, total: progress.append((done, total)))
    assert first.loaded and first.previous is None and loaded_digest(empty_store) == kg.digest
    sizes = _graph_sizes(empty_store)
    assert sizes.pop(LOAD_GRAPH) == 2
    assert sizes == _expected_sizes(kg)
    assert progress[0][0] == 0 and progress[-1][0] == progress[-1][1] > 0
    if empty_store.kind == "oxigraph":  # the default graph holds the closure, as in memory
        n = next(iter(empty_store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))["n"].value  # type: ignore[index, call-overload]
        assert int(n) == len(kg)
    second = load_kb(empty_store, kg)
    assert not second.loaded and second.quads == 0
    assert _graph_sizes(empty_store) == {**_expected_sizes(kg), LOAD_GRAPH: 2}
    empty_store.close()


def test_a_new_digest_replaces_the_old_graphs(empty_store: Store, kg: KnowledgeGraph) -> None:
    stale = "https://w3id.org/emskg/graph/kb/removed-file.ttl"
    empty_store.insert_quads([ox.Quad(ox.NamedNode("urn:old"), ox.NamedNode("urn:p"), ox.Literal("x"), ox.NamedNode(stale)),
                              ox.Quad(ox.NamedNode(LOAD_GRAPH), ox.NamedNode("https://w3id.org/emskg/ontology#buildDigest"),
                                      ox.Literal("0ld"), ox.NamedNode(LOAD_GRAPH))])
    registration = "https://w3id.org/emskg/registration/0123456789abcdef"
    empty_store.insert_quads([ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("kept"),
                                      ox.NamedNode(registration))])
    result = load_kb(empty_store, kg)
    assert result.loaded and result.previous == "0ld"
    assert stale not in kb_graph_names(empty_store)
    assert loaded_digest(empty_store) == kg.digest
    assert _graph_sizes(empty_store)[registration] == 1  # registrations are not the load's business
    empty_store.close()


def test_memory_needs_no_loading(kg: KnowledgeGraph, tmp_path: Path) -> None:
    result = load_kb(MemoryStore(kg, registry=tmp_path / "registry"), kg)
    assert not result.loaded and "needs no loading" in result.note

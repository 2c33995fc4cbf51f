"""Fixtures for the registry tests: a store that satisfies :class:`emskg.stores.base.Store`.

``LocalStore`` is a small adapter over a real pyoxigraph store (in memory, or on disk), holding the
knowledge graph as the embedded backends do (source graphs + ``inferred`` graph, closure in the
default graph). It counts ``insert_quads`` calls so atomicity can be checked. It lives in tests/,
not src/: the real backends are :mod:`emskg.stores`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox
import pytest

from emskg.graph.store import KnowledgeGraph
from emskg.stores.base import QueryAnswer, StoreKind

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


class LocalStore:
    """A pyoxigraph store behind the Store protocol, with the knowledge graph loaded."""

    def __init__(self, kg: KnowledgeGraph, path: Path | None = None) -> None:
        self.kind: StoreKind = "memory" if path is None else "oxigraph"
        self.label = "memory" if path is None else f"oxigraph:{path}"
        self.store = ox.Store() if path is None else ox.Store(str(path))
        self.store.bulk_extend(kg.store.quads_for_pattern(None, None, None, None))
        self.inserts: list[int] = []  # size of each insert_quads call

    def query(self, text: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, timeout: float | None = None) -> QueryAnswer:
        dataset = default_graphs is not None or named_graphs is not None
        return self.store.query(
            text, default_graph=[ox.NamedNode(g) for g in default_graphs or ()] if dataset else None,
            named_graphs=[ox.NamedNode(g) for g in named_graphs or ()] if dataset else None)

    def kb_query(self, text: str, *, timeout: float | None = None) -> QueryAnswer:
        return self.store.query(text)

    def insert_quads(self, quads: Sequence[ox.Quad]) -> None:
        self.inserts.append(len(quads))
        self.store.extend(quads)  # one transaction: all or none

    def replace_graphs(self, graphs: dict[str, Sequence[ox.Triple]]) -> None:
        for name, triples in graphs.items():
            g = ox.NamedNode(name)
            self.store.remove_graph(g) if self.store.contains_named_graph(g) else None
            self.store.extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)

    def drop_graphs(self, names: Iterable[str]) -> None:
        for name in names:
            g = ox.NamedNode(name)
            if self.store.contains_named_graph(g):
                self.store.remove_graph(g)

    def close(self) -> None:
        self.store.flush() if self.kind == "oxigraph" else None

    def graph(self, iri: str) -> set[tuple[str, str, str]]:
        """A named graph's triples as N-Triples term strings (for exact comparisons)."""
        return {(str(q.subject), str(q.predicate), str(q.object))
                for q in self.store.quads_for_pattern(None, None, None, ox.NamedNode(iri))}

    def registration_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs()
                      if isinstance(g, ox.NamedNode) and g.value.startswith("https://w3id.org/emskg/registration/"))


@pytest.fixture()
def store(kg: KnowledgeGraph) -> Iterator[LocalStore]:
    s = LocalStore(kg)
    yield s
    s.close()

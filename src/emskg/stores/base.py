"""The one interface every store backend implements: what ``load``, ``register``, the named and
sector queries and ``serve`` need from a triple store, and nothing more.

Backends (:mod:`emskg.stores.embedded` for ``memory`` and ``oxigraph:PATH``,
:mod:`emskg.stores.remote` for ``sparql:URL``) return pyoxigraph result objects from
:meth:`Store.query`, so result formatting, row caps and the query layer are the same code for every
store (a remote store's SPARQL JSON/XML answer is parsed with ``pyoxigraph.parse_query_results``).

Graph layout (the same on every store; docs/stores.md):

* the knowledge graph in the same named graphs as the embedded store: one per source file
  (``https://w3id.org/emskg/graph/<file>``) plus ``https://w3id.org/emskg/graph/inferred``; on the
  embedded backends the default graph also holds their union (the KB closure), as it always did;
  on a ``sparql:`` store the closure is the merge of those graphs, passed as ``default-graph-uri``
  (:meth:`Store.kb_query`), because engines disagree on what the default graph is (Virtuoso: the
  union of all graphs);
* the load record in ``https://w3id.org/emskg/graph/load`` (the digest of the loaded build);
* each registration in its own graph ``https://w3id.org/emskg/registration/<id>``: the declaration,
  its inferences, the elements it lacks, its ``sh:ValidationReport`` and the registration record,
  written by :meth:`Store.add_graphs` with the record last — every registry query reads a graph
  through its record, so a killed ``register`` leaves each declaration whole or absent to readers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import pyoxigraph as ox

__all__ = ["Store", "QueryAnswer", "StoreKind", "GraphPayload"]

StoreKind = Literal["memory", "oxigraph", "sparql"]
#: What :meth:`Store.query` returns: pyoxigraph's own result types (CONSTRUCT may be any triple iterator).
QueryAnswer = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | Iterable[ox.Triple]


@dataclass(frozen=True)
class GraphPayload:
    """A new named graph to add whole — a registration — as N-Quads text, ready for any store.

    ``body`` is every quad of graph ``name`` except its record; ``record`` is the quads whose subject
    is ``name`` itself (for a registration: ``ems:Registration``, ``ems:registers`` ...). Every line of
    both is one quad in graph ``name``, terminated by ``\\n`` (pyoxigraph's N-Quads serialiser).
    A store writes the record last, so what reads a graph through its record (every registry query)
    never sees a graph in part, even on a store whose fast path for the body is not transactional.

    Bytes, not quad objects: a worker process makes them, and the writing process sends them to the
    store as they are (no parsing, no pickling: bulk registration is bound by that copy otherwise)."""

    name: str
    body: bytes
    record: bytes

    @classmethod
    def from_quads(cls, name: str, quads: Iterable[ox.Quad]) -> GraphPayload:
        """Split quads of graph ``name`` into body and record. Raises ``ValueError`` for a quad in
        another graph (a payload is one graph)."""
        node = ox.NamedNode(name)
        body: list[ox.Quad] = []
        record: list[ox.Quad] = []
        for q in quads:
            if q.graph_name != node:
                raise ValueError(f"a quad of graph {q.graph_name} in the payload of {name}")
            (record if q.subject == node else body).append(q)
        return cls(name, _nquads(body), _nquads(record))

    @property
    def quads(self) -> int:
        """How many quads the payload holds (its lines)."""
        return self.body.count(b"\n") + self.record.count(b"\n")

    def parsed(self) -> list[ox.Quad]:
        """The quads, body first (for a store that takes quad objects)."""
        return list(ox.parse(self.body + self.record, format=ox.RdfFormat.N_QUADS))


def _nquads(quads: Sequence[ox.Quad]) -> bytes:
    if not quads:
        return b""
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


@runtime_checkable
class Store(Protocol):
    """A SPARQL 1.1 dataset emskg reads and writes. Every method raises
    :class:`emskg.errors.StoreUnavailableError` when the store cannot be reached (one line, no
    credentials in it) and :class:`emskg.errors.QueryError` when the engine refuses a query."""

    kind: StoreKind
    #: How the store is named in messages and logs: ``memory``, ``oxigraph:PATH``, ``sparql:URL``
    #: — never a credential.
    label: str

    def query(self, text: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, timeout: float | None = None) -> QueryAnswer:
        """Run a read-only query as it is (the caller has guarded it), over the store's own dataset
        or the one the graph lists name (SPARQL protocol ``default-graph-uri`` / ``named-graph-uri``)."""
        ...

    def kb_query(self, text: str, *, timeout: float | None = None) -> QueryAnswer:
        """Run a query whose default graph must be the knowledge-graph closure (the KB named queries)."""
        ...

    def insert_quads(self, quads: Sequence[ox.Quad]) -> None:
        """Add quads in one atomic write (all or none), using the engine's fast path."""
        ...

    def add_graphs(self, graphs: Sequence[GraphPayload]) -> None:
        """Add new named graphs (registrations), each whole or not at all from the view of what
        reads a graph through its record: the engine's fastest path for bulk writes, the records
        last. A graph a killed writer left without its record is removed by the next writer."""
        ...

    def replace_graphs(self, graphs: dict[str, Sequence[ox.Triple]]) -> None:
        """Make each named graph hold exactly the given triples (graph name -> triples)."""
        ...

    def drop_graphs(self, names: Iterable[str]) -> None:
        """Remove named graphs (absent ones are fine)."""
        ...

    def close(self) -> None:
        """Release files, locks and connections."""
        ...

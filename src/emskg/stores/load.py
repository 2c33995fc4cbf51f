"""``emskg load``: the built knowledge graph written into a store, in the embedded store's graphs.

What is written: every named graph of the build under ``https://w3id.org/emskg/graph/`` (one per
source file, plus ``inferred``) and, on ``oxigraph:PATH``, the default graph holding their closure,
as the embedded store has it. Last, the load record in ``https://w3id.org/emskg/graph/load``::

    <https://w3id.org/emskg/graph/load> ems:buildDigest "…" ; ems:loadedAt "…"^^xsd:dateTime .

Idempotent by digest: when the store's record names the build's digest, nothing is written. A new
digest replaces the old graphs (the record is dropped first and written last, so an interrupted load
leaves no record and the next one starts over).

Fast paths: pyoxigraph's bulk loader from the N-Quads build cache (``oxigraph:PATH``); Graph Store
Protocol uploads (``EMSKG_STORE_GSP``) or ``INSERT DATA`` in chunks (``sparql:``). Quads that hold a
blank node go to a remote store in one request, so a node shared by two graphs stays one node.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox

from ..core.vocab import GRAPH, XSD, ems
from ..graph.store import KnowledgeGraph, load_graph
from .base import Store
from .embedded import MemoryStore, OxigraphStore
from .remote import CHUNK_TRIPLES, RemoteStore

__all__ = ["LoadResult", "load_kb", "loaded_digest", "LOAD_GRAPH", "kb_graph_names"]

LOAD_GRAPH = GRAPH + "load"
#: ``progress(done, total)``: quads written so far, of ``total``.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class LoadResult:
    """What ``load_kb`` did: ``loaded`` False when the store already held this digest (or needs no
    loading: ``memory``); ``previous`` the digest it held before."""

    store: str
    digest: str
    loaded: bool
    previous: str | None
    graphs: int
    quads: int
    seconds: float
    note: str = ""


def loaded_digest(store: Store) -> str | None:
    """The build digest the store's load record names (None: never loaded)."""
    answer = store.query(f"SELECT ?d WHERE {{ GRAPH <{LOAD_GRAPH}> {{ <{LOAD_GRAPH}> <{ems('buildDigest').value}> ?d }} }}")
    for solution in answer if isinstance(answer, ox.QuerySolutions) else ():
        if isinstance(solution, ox.QuerySolution):
            d = solution["d"]
            if isinstance(d, ox.Literal):
                return d.value
    return None


def kb_graph_names(store: Store) -> list[str]:
    """The store's graphs under ``https://w3id.org/emskg/graph/`` (the KB's and the load record)."""
    answer = store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), \"{GRAPH}\")) }}")
    solutions = answer if isinstance(answer, ox.QuerySolutions) else ()
    return sorted(s["g"].value for s in solutions if isinstance(s["g"], ox.NamedNode))


def _record(digest: str) -> list[ox.Quad]:
    g = ox.NamedNode(LOAD_GRAPH)
    now = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return [ox.Quad(g, ems("buildDigest"), ox.Literal(digest), g),
            ox.Quad(g, ems("loadedAt"), ox.Literal(now, datatype=ox.NamedNode(XSD + "dateTime")), g)]


def _kb_quads(kg: KnowledgeGraph) -> list[ox.Quad]:
    """The KB's named-graph quads (source files and inferred), as the embedded store has them."""
    return [q for q in kg.store.quads_for_pattern(None, None, None, None)
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(GRAPH)
            and q.graph_name.value != LOAD_GRAPH]


def load_kb(store: Store, kg: KnowledgeGraph | None = None, progress: Progress | None = None,
            *, force: bool = False) -> LoadResult:
    """Write the built knowledge graph into ``store`` unless it holds this build already (``force``:
    write anyway). Raises :class:`~emskg.errors.StoreUnavailableError` when the store fails."""
    started = time.monotonic()
    kg = kg or load_graph()
    if isinstance(store, MemoryStore):
        return LoadResult(store.label, kg.digest, False, kg.digest, 0, 0, 0.0,
                          "the memory store is the build cache itself: it needs no loading")
    previous = loaded_digest(store)
    if previous == kg.digest and not force:
        return LoadResult(store.label, kg.digest, False, previous, 0, 0, time.monotonic() - started,
                          "the store holds this build already")
    old = kb_graph_names(store)
    store.drop_graphs([LOAD_GRAPH])  # no record while the graphs change: an interrupted load is redone
    store.drop_graphs([g for g in old if g != LOAD_GRAPH])
    quads = _kb_quads(kg)
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    if isinstance(store, OxigraphStore):
        total = sum(1 for _ in kg.store.quads_for_pattern(None, None, None, None))
        if progress:
            progress(0, total)
        store.clear_default_graph()
        _oxigraph_load(store, kg)
        if progress:
            progress(total, total)
    else:
        total = len(quads)
        _remote_load(store, quads, progress)
    store.insert_quads(_record(kg.digest))
    return LoadResult(store.label, kg.digest, True, previous, len(graphs), total, time.monotonic() - started)


def _oxigraph_load(store: OxigraphStore, kg: KnowledgeGraph) -> None:
    """pyoxigraph's bulk loader, from the N-Quads build cache when it is there."""
    from ..core.paths import cache_dir

    cached = cache_dir(kg.paths) / f"kg-{kg.digest}.nq"
    if cached.is_file():
        store.bulk_load_file(cached)
    else:
        store.current().bulk_extend(kg.store.quads_for_pattern(None, None, None, None))
        store.insert_quads([])  # bumps the generation


def _remote_load(store: Store, quads: list[ox.Quad], progress: Progress | None) -> None:
    """Blank-node quads in one request (so shared nodes stay shared), the rest by GSP or in chunks."""
    total, done = len(quads), 0
    if progress:
        progress(0, total)
    with_bnodes = [q for q in quads if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)]
    plain = [q for q in quads if not (isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode))]
    if with_bnodes:
        store.insert_quads(with_bnodes)
        done += len(with_bnodes)
        if progress:
            progress(done, total)
    if isinstance(store, RemoteStore) and store.gsp_url:
        by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
        for q in plain:
            by_graph[q.graph_name.value].append(q.triple)  # type: ignore[union-attr]
        for name, triples in by_graph.items():
            store.append_graph(name, triples)
            done += len(triples)
            if progress:
                progress(done, total)
        return
    for i in range(0, len(plain), CHUNK_TRIPLES):
        chunk = plain[i:i + CHUNK_TRIPLES]
        store.insert_quads(chunk)
        done += len(chunk)
        if progress:
            progress(done, total)

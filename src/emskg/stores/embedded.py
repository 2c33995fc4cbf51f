"""The embedded stores: ``memory`` and ``oxigraph:PATH``, both pyoxigraph in this process.

``memory`` (the default) is today's store: the knowledge graph loaded from the build cache into an
in-memory pyoxigraph store, nothing to start. What is written to it (registrations) must outlive the
process, so each named graph written is also kept as one N-Quads file under
``<cache dir>/registry/`` (written with :func:`~emskg.core.fsutil.atomic_write`: a reader sees a
graph whole or not at all) and the next process loads them. A ``generation`` file there changes
with every write, so a long-running reader (``serve`` workers) picks up new graphs without restart.

``oxigraph:PATH`` is a persistent on-disk pyoxigraph store (RocksDB). ``insert_quads`` is one
``Store.extend`` call, which pyoxigraph runs as one transaction. ``add_graphs`` (registrations)
bulk-loads large batches' bodies (not transactional) and writes their records after them in one
transaction; a graph a killed writer left without its record is removed by the next writer
(``emskg-pending`` names the graphs of an unfinished write). RocksDB takes one writer process at a
time; a second one waits a few seconds, then gets a one-line :class:`~emskg.errors.StoreBusyError`.
Readers (``serve`` workers, ``query``) open the store read-only and reopen it when the
``emskg-generation`` file inside the store folder — bumped by every write — changes, because a
read-only RocksDB handle does not see later writes.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from ..core.fsutil import atomic_write
from ..core.paths import cache_dir
from ..errors import QueryError, StoreBusyError, StoreUnavailableError
from ..graph.store import GRAPH_BASE, INFERRED_GRAPH, KnowledgeGraph, load_graph
from .base import GraphPayload, QueryAnswer, StoreKind
from .spec import StoreSpec

__all__ = ["EmbeddedStore", "MemoryStore", "OxigraphStore", "GENERATION_FILE", "generation_marker"]

log = logging.getLogger("emskg.stores")

#: The file (inside an ``oxigraph:PATH`` folder, or the memory store's registry folder) whose
#: content changes with every write.
GENERATION_FILE = "emskg-generation"
#: The file (inside an ``oxigraph:PATH`` folder) naming the graphs an unfinished ``add_graphs`` was
#: writing: the next writer removes those of them that have no record.
PENDING_FILE = "emskg-pending"
#: From this many quads, ``add_graphs`` writes the bodies with the bulk loader (below it, one
#: transaction: the bulk loader writes new files for every call, too many for one registration).
BULK_MIN_QUADS = 20_000
#: Attempts a read-only reader makes when the writer's compaction removed a file under it.
_READER_RETRIES = 5


def _vanished_file(message: str) -> bool:
    """Whether a RocksDB error says a file the reader's view names is gone (a writer compacted it)."""
    return "No such file" in message or "Corruption" in message
#: How long a writer waits for another process's lock on an ``oxigraph:PATH`` store.
BUSY_WAIT_SECONDS = 5.0


def generation_marker(spec: StoreSpec) -> Path | None:
    """The file whose content changes with every write to an embedded store (None: ``sparql:``)."""
    if spec.kind == "memory":
        return cache_dir() / "registry" / GENERATION_FILE
    if spec.kind == "oxigraph" and spec.path is not None:
        return spec.path / GENERATION_FILE
    return None


def _graphs(names: Sequence[str] | None) -> list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None:
    return None if names is None else [ox.NamedNode(n) for n in names]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _bump(marker: Path) -> str:
    """Write a new generation (time + pid: unique enough across writers) to ``marker``; returns it."""
    token = f"{time.time_ns()}-{os.getpid()}\n"
    atomic_write(marker, token.encode())
    return token


def _read_marker(marker: Path) -> str:
    try:
        return marker.read_text()
    except OSError:
        return ""


class EmbeddedStore:
    """What both embedded stores share: a pyoxigraph store queried in this process."""

    kind: StoreKind
    label: str

    def __init__(self) -> None:
        self._lock = threading.RLock()

    # subclasses provide the current pyoxigraph store (fresh: reopened / synced when needed)
    def current(self) -> ox.Store:
        """The pyoxigraph store as of the latest write any process made."""
        raise NotImplementedError

    def query(self, text: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, timeout: float | None = None) -> QueryAnswer:
        """Run ``text`` (``timeout`` is not enforced here: pyoxigraph cannot cancel a query; the
        server's worker deadline does it). Raises :class:`QueryError` for a query the engine refuses."""
        try:
            result: QueryAnswer = self.current().query(text, default_graph=_graphs(default_graphs),
                                                       named_graphs=_graphs(named_graphs))  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {_first_line(exc)}") from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {_first_line(exc)}") from None
        return result

    def kb_query(self, text: str, *, timeout: float | None = None) -> QueryAnswer:
        """The default graph of an embedded store is the knowledge-graph closure."""
        self.require_kb()
        return self.query(text, timeout=timeout)

    def require_kb(self) -> None:
        """Raise :class:`StoreUnavailableError` when ``emskg load`` has not filled the store: a KB
        query would answer nothing, silently."""
        if not self.has_kb():
            raise StoreUnavailableError(f"store {self.label} holds no knowledge graph "
                                        f"(load it with: emskg load --store {self.label})")

    def has_kb(self) -> bool:
        """Whether the knowledge graph is in the store (``emskg load`` has run)."""
        return bool(self.current().contains_named_graph(INFERRED_GRAPH))

    def named_graph_names(self) -> list[str]:
        return sorted(g.value for g in self.current().named_graphs() if isinstance(g, ox.NamedNode))


class MemoryStore(EmbeddedStore):
    """The knowledge graph in memory (from the build cache) plus the registrations kept on disk."""

    kind: StoreKind = "memory"
    label = "memory"

    def __init__(self, kg: KnowledgeGraph | None = None, registry: Path | None = None) -> None:
        super().__init__()
        self.kg = kg or load_graph()
        self.registry = registry or cache_dir(self.kg.paths) / "registry"
        self._marker = self.registry / GENERATION_FILE
        self._generation: str | None = None
        self._files: dict[str, tuple[int, int, str]] = {}  # file name -> (mtime_ns, size, graph IRI)
        self._sync()

    @property
    def store(self) -> ox.Store:
        return self.kg.store

    def current(self) -> ox.Store:
        with self._lock:
            if _read_marker(self._marker) != self._generation:
                self._sync()
        return self.kg.store

    def _sync(self) -> None:
        """Load the registry folder's graphs that are new or changed, drop the ones that are gone."""
        self._generation = _read_marker(self._marker)
        try:
            files = {f.name: f for f in self.registry.glob("*.nq")}
        except OSError:
            files = {}
        for name in list(self._files):
            if name not in files:
                _, _, gone = self._files.pop(name)
                self.kg.store.remove_graph(ox.NamedNode(gone))
        for name, f in sorted(files.items()):
            try:
                st = f.stat()
                if self._files.get(name, (0, 0, ""))[:2] == (st.st_mtime_ns, st.st_size):
                    continue
                quads = list(ox.parse(path=str(f), format=ox.RdfFormat.N_QUADS))
            except (OSError, SyntaxError, ValueError) as exc:  # a file removed meanwhile, or damaged
                log.warning("registry file %s skipped: %s", f, _first_line(exc))
                continue
            graph = next((q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)), None)
            if graph is None:
                continue
            self.kg.store.remove_graph(graph)
            self.kg.store.extend(quads)
            self._files[name] = (st.st_mtime_ns, st.st_size, graph.value)

    @staticmethod
    def _file_name(graph: str) -> str:
        return hashlib.sha256(graph.encode()).hexdigest()[:32] + ".nq"

    def _persist(self, graphs: Iterable[ox.NamedNode]) -> None:
        """Write each graph's current content to its file (an empty graph: the file is removed)."""
        try:
            self.registry.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailableError(f"store memory: cannot write {self.registry} ({exc.strerror})") from None
        for g in graphs:
            path = self.registry / self._file_name(g.value)
            quads = list(self.kg.store.quads_for_pattern(None, None, None, g))
            try:
                if quads:
                    atomic_write(path, ox.serialize(quads, format=ox.RdfFormat.N_QUADS))  # type: ignore[arg-type]
                    st = path.stat()
                    self._files[path.name] = (st.st_mtime_ns, st.st_size, g.value)
                else:
                    path.unlink(missing_ok=True)
                    self._files.pop(path.name, None)
            except OSError as exc:
                raise StoreUnavailableError(f"store memory: cannot write {path} ({exc.strerror})") from None
        # our own token: if another writer bumps the marker after us, the next read sees a change
        self._generation = _bump(self._marker)

    @staticmethod
    def _named(graph: object) -> ox.NamedNode:
        if not isinstance(graph, ox.NamedNode) or graph.value.startswith(GRAPH_BASE):
            raise QueryError("the memory store holds the knowledge graph as built; write other named graphs only")
        return graph

    def insert_quads(self, quads: Sequence[ox.Quad]) -> None:
        """Add quads to named graphs and keep each graph written as a file (one file per graph: a
        registration, which is one graph, is written whole or not at all)."""
        with self._lock:
            self.current()
            graphs = {self._named(q.graph_name) for q in quads}
            self.kg.store.extend(quads)
            self._persist(graphs)

    def add_graphs(self, graphs: Sequence[GraphPayload]) -> None:
        """Add new graphs: into the in-memory store (one transaction), and each as its own file,
        written as it came (body, then record): no quad is read back or serialised again."""
        with self._lock:
            store = self.current()
            names = [self._named(ox.NamedNode(p.name)) for p in graphs]
            existing = [g for g in names if store.contains_named_graph(g)]
            try:
                store.load(b"".join(p.body + p.record for p in graphs), format=ox.RdfFormat.N_QUADS)
            except SyntaxError as exc:
                raise QueryError(f"a graph to add is not N-Quads: {_first_line(exc)}") from None
            try:
                self.registry.mkdir(parents=True, exist_ok=True)
                for p, g in zip(graphs, names, strict=True):
                    if g in existing:
                        continue
                    path = self.registry / self._file_name(p.name)
                    atomic_write(path, p.body + p.record)
                    st = path.stat()
                    self._files[path.name] = (st.st_mtime_ns, st.st_size, p.name)
            except OSError as exc:
                raise StoreUnavailableError(f"store memory: cannot write {self.registry} ({exc.strerror})") from None
            if existing:
                self._persist(existing)  # a graph that already held quads: its file is the union
            else:
                self._generation = _bump(self._marker)

    def replace_graphs(self, graphs: dict[str, Sequence[ox.Triple]]) -> None:
        with self._lock:
            self.current()
            names = [self._named(ox.NamedNode(g)) for g in graphs]
            for g in names:
                self.kg.store.remove_graph(g)
                self.kg.store.extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in graphs[g.value])
            self._persist(names)

    def drop_graphs(self, names: Iterable[str]) -> None:
        with self._lock:
            self.current()
            graphs = [self._named(ox.NamedNode(n)) for n in names]
            for g in graphs:
                self.kg.store.remove_graph(g)
            self._persist(graphs)

    def close(self) -> None:
        """Nothing to release: every write is on disk already."""


class OxigraphStore(EmbeddedStore):
    """A persistent pyoxigraph store in a folder (crash-safe; one writer process at a time)."""

    kind: StoreKind = "oxigraph"

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self.label = f"oxigraph:{self.path}"
        self.read_only = read_only
        self._marker = self.path / GENERATION_FILE
        self._generation = _read_marker(self._marker)
        self._store: ox.Store | None = self._open()
        if not read_only:
            self._sweep_pending()

    def _open(self) -> ox.Store:
        if self.read_only:
            if not (self.path / "CURRENT").is_file():
                raise StoreUnavailableError(f"store {self.label}: no Oxigraph store in that folder "
                                            f"(create it with: emskg load --store {self.label})")
            try:
                return ox.Store.read_only(str(self.path))
            except OSError as exc:
                raise StoreUnavailableError(f"store {self.label}: cannot open ({_first_line(exc)})") from None
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailableError(f"store {self.label}: cannot create the folder ({exc.strerror})") from None
        deadline = time.monotonic() + BUSY_WAIT_SECONDS
        while True:
            try:
                return ox.Store(str(self.path))
            except OSError as exc:
                message = _first_line(exc)
                if "lock" not in message.lower():
                    raise StoreUnavailableError(f"store {self.label}: cannot open ({message})") from None
                if time.monotonic() > deadline:
                    raise StoreBusyError(f"store {self.label} is in use by another writing process "
                                         f"(waited {BUSY_WAIT_SECONDS:g} s); try again when it has finished") from None
                time.sleep(0.1)

    def query(self, text: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, timeout: float | None = None) -> QueryAnswer:
        """As :meth:`EmbeddedStore.query`; a read-only reader whose files the writer has just
        compacted away (RocksDB: "Corruption ... No such file") reopens the store and runs the query
        again, a few times, instead of failing: the writer's background work races with readers."""
        for attempt in range(_READER_RETRIES):
            try:
                return super().query(text, default_graphs=default_graphs, named_graphs=named_graphs, timeout=timeout)
            except (QueryError, StoreUnavailableError) as exc:
                if not (self.read_only and _vanished_file(str(exc))) or attempt == _READER_RETRIES - 1:
                    raise
                log.info("reopening %s: its files changed under the reader (%s)", self.label, _first_line(exc))
                time.sleep(0.05 * (attempt + 1))
                with self._lock:
                    self._store = None
                    self._store = self._open_reader()
        raise AssertionError("unreachable")

    def _open_reader(self) -> ox.Store:
        """Open read-only, retrying while the writer's compaction removes files the MANIFEST names."""
        for attempt in range(_READER_RETRIES):
            try:
                return self._open()
            except StoreUnavailableError as exc:
                if not _vanished_file(str(exc)) or attempt == _READER_RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def current(self) -> ox.Store:
        with self._lock:
            if self._store is None:
                raise StoreUnavailableError(f"store {self.label} is closed")
            if self.read_only:
                generation = _read_marker(self._marker)
                if generation != self._generation:
                    self._generation = generation
                    self._store = None  # release the old handle before opening the new one
                    self._store = self._open_reader()
            return self._store

    def _writable(self) -> ox.Store:
        if self.read_only:
            raise StoreUnavailableError(f"store {self.label} was opened read-only")
        return self.current()

    def _written(self) -> None:
        try:
            _bump(self._marker)
        except OSError as exc:
            log.warning("cannot bump the generation of %s: %s", self.label, exc.strerror)

    def insert_quads(self, quads: Sequence[ox.Quad]) -> None:
        """One transaction (pyoxigraph ``Store.extend``): all the quads or none, even if killed."""
        with self._lock:
            try:
                self._writable().extend(quads)
            except OSError as exc:
                raise StoreUnavailableError(f"store {self.label}: write failed ({_first_line(exc)})") from None
            self._written()

    #: quads per ``add_graphs`` call the registry aims for (~600 registrations): the bulk loader is
    #: cheapest per quad from ~100,000 (measured: bench/RESULTS.md), and fewer, larger loads leave
    #: RocksDB less compaction
    batch_quads = 120_000

    def add_graphs(self, graphs: Sequence[GraphPayload]) -> None:
        """Add new graphs, each whole or not at all as the registry reads them.

        Small writes are one transaction. From :data:`BULK_MIN_QUADS` quads, the bodies go through
        pyoxigraph's bulk loader (several times faster, not transactional), then the records in one
        transaction. Before the bulk load, the graphs' names are written to :data:`PENDING_FILE`;
        after the records, it is removed. A writer killed in between leaves graphs without a record
        — invisible to every registry query, which reads a graph through its record — and the next
        writer to open the store removes them (:meth:`_sweep_pending`). Raises
        :class:`StoreUnavailableError` when the write fails (the graphs it wrote in part are removed)."""
        if not graphs:
            return
        with self._lock:
            store = self._writable()
            bodies = b"".join(p.body for p in graphs)
            records = b"".join(p.record for p in graphs)
            pending = self.path / PENDING_FILE
            try:
                if sum(p.quads for p in graphs) < BULK_MIN_QUADS:
                    store.load(bodies + records, format=ox.RdfFormat.N_QUADS)
                else:
                    atomic_write(pending, "\n".join(p.name for p in graphs).encode())
                    store.bulk_load(bodies, format=ox.RdfFormat.N_QUADS)
                    store.load(records, format=ox.RdfFormat.N_QUADS)
                    pending.unlink()
            except SyntaxError as exc:
                self._sweep_pending()
                raise QueryError(f"a graph to add is not N-Quads: {_first_line(exc)}") from None
            except OSError as exc:
                with contextlib.suppress(StoreUnavailableError):  # else the next writer sweeps
                    self._sweep_pending()
                raise StoreUnavailableError(f"store {self.label}: write failed ({_first_line(exc)})") from None
            self._written()

    def _sweep_pending(self) -> None:
        """Remove the graphs an unfinished :meth:`add_graphs` left without their record (named in
        :data:`PENDING_FILE`), then the file. Raises :class:`StoreUnavailableError` when that fails."""
        pending = self.path / PENDING_FILE
        try:
            names = pending.read_text().split()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StoreUnavailableError(f"store {self.label}: cannot read {pending} ({exc.strerror})") from None
        store = self.current()
        removed = 0
        try:
            for name in names:
                g = ox.NamedNode(name)
                if next(iter(store.quads_for_pattern(g, None, None, g)), None) is None and store.contains_named_graph(g):
                    store.remove_graph(g)
                    removed += 1
            pending.unlink(missing_ok=True)
        except (OSError, ValueError) as exc:
            raise StoreUnavailableError(f"store {self.label}: cannot remove an unfinished write ({_first_line(exc)})") from None
        if removed:
            log.warning("%s: removed %d graph(s) an interrupted write left without their record", self.label, removed)
            self._written()

    def replace_graphs(self, graphs: dict[str, Sequence[ox.Triple]]) -> None:
        """Each graph is cleared, then filled in one transaction (not atomic across the two steps)."""
        with self._lock:
            store = self._writable()
            try:
                for name, triples in graphs.items():
                    g = ox.NamedNode(name)
                    store.remove_graph(g) if store.contains_named_graph(g) else None
                    store.extend([ox.Quad(t.subject, t.predicate, t.object, g) for t in triples])
            except OSError as exc:
                raise StoreUnavailableError(f"store {self.label}: write failed ({_first_line(exc)})") from None
            self._written()

    def drop_graphs(self, names: Iterable[str]) -> None:
        with self._lock:
            store = self._writable()
            try:
                for name in names:
                    g = ox.NamedNode(name)
                    if store.contains_named_graph(g):
                        store.remove_graph(g)
            except OSError as exc:
                raise StoreUnavailableError(f"store {self.label}: write failed ({_first_line(exc)})") from None
            self._written()

    # -- load's fast path ----------------------------------------------------------------------
    def bulk_load_file(self, path: Path) -> None:
        """Load an N-Quads file with pyoxigraph's bulk loader (fast, not transactional: ``load``
        writes its record last, so an interrupted load is redone)."""
        with self._lock:
            try:
                self._writable().bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
            except OSError as exc:
                raise StoreUnavailableError(f"store {self.label}: load failed ({_first_line(exc)})") from None
            self._written()

    def clear_default_graph(self) -> None:
        with self._lock:
            self._writable().clear_graph(ox.DefaultGraph())
            self._written()

    def close(self) -> None:
        with self._lock:
            if self._store is not None and not self.read_only:
                try:
                    self._store.flush()
                except OSError as exc:
                    log.warning("flushing %s failed: %s", self.label, _first_line(exc))
            self._store = None

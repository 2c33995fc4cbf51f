"""The knowledge graph as a queryable store: ontology + KB, reasoned once, cached on disk.

The knowledge base is static, so it is reasoned once per change of its sources: the build reads
``ontology/*.ttl`` and ``kb/*.ttl``, materialises the OWL 2 RL closure (:mod:`emskg.graph.reason`) and
writes one N-Quads file under the cache folder, named by a digest of the sources and of the
reasoner version. Every later ``emskg query``, ``validate`` and ``serve`` loads that file straight
into an embedded pyoxigraph store (tens of milliseconds) and never re-reasons.

Two forms are cached side by side: an N-Quads file that long-running processes (``serve``,
batch ``validate``) load into an in-memory store — the fastest to query — and a pyoxigraph on-disk
store that one-shot commands (``emskg query``) open read-only in ~15 ms instead of parsing.

Graph layout in the store:
* the default graph holds everything — asserted and inferred — so plain queries see the closure;
* ``https://w3id.org/emskg/graph/<file>`` holds the triples asserted by each source file;
* ``https://w3id.org/emskg/graph/inferred`` holds what the reasoner added;
* named graphs of ``datasets/*.trig`` / ``*.nq`` (optional) are served under their own names, as
  they are: not reasoned, not in the default graph (the W3C protocol tests load their data so).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .._version import __version__
from ..core.fsutil import atomic_write
from ..core.paths import DataPaths, cache_dir, data_paths
from ..core.rdfio import parse_dataset_file, parse_file
from ..core.terms import Term, Triple, best_label
from ..core.vocab import GRAPH, RDFS_LABEL
from ..errors import BuildError, EmskgError

if TYPE_CHECKING:
    import rdflib

    from .reason import Closure, Inconsistency, Rules

__all__ = ["KnowledgeGraph", "load_graph", "GRAPH_BASE", "INFERRED_GRAPH", "source_digest", "settle"]

GRAPH_BASE = GRAPH
INFERRED_GRAPH = ox.NamedNode(GRAPH_BASE + "inferred")
#: Bump when the reasoner's rules change, so caches built by older rules are not reused.
REASONER_VERSION = "1"


def source_digest(paths: DataPaths) -> str:
    """Digest of every source file's name and bytes, plus the reasoner version."""
    h = hashlib.sha256(f"{REASONER_VERSION}|{__version__}".encode())
    for f in [*paths.sources(), *paths.dataset_files()]:
        h.update(f.relative_to(paths.root).as_posix().encode() + b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:20]


@dataclass
class KnowledgeGraph:
    """The built graph: a pyoxigraph store plus the compiled rules for incremental reasoning."""

    store: ox.Store
    paths: DataPaths
    digest: str
    asserted_count: int
    inferred_count: int
    inconsistencies: list[Inconsistency] = field(default_factory=list)

    # -- triples --------------------------------------------------------------------------
    def triples(self, inferred: bool = True) -> list[Triple]:
        """All triples (``inferred=False``: only the asserted ones)."""
        if inferred:
            quads = self.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        else:
            return [t for g in self.source_graphs() for t in self.graph_triples(g)]
        return [(q.subject, q.predicate, q.object) for q in quads]  # type: ignore[misc]

    def graph_triples(self, graph: ox.NamedNode) -> list[Triple]:
        return [(q.subject, q.predicate, q.object) for q in self.store.quads_for_pattern(None, None, None, graph)]  # type: ignore[misc]

    def source_graphs(self) -> list[ox.NamedNode]:
        """The graphs of the source files (not ``inferred``, not the extra ``datasets/`` graphs)."""
        return sorted((g for g in self.store.named_graphs() if g != INFERRED_GRAPH and isinstance(g, ox.NamedNode)
                       and g.value.startswith(GRAPH_BASE)), key=lambda g: g.value)

    def __len__(self) -> int:
        return self.asserted_count + self.inferred_count

    # -- reasoning on top of the KB (validation) ----------------------------------------------
    @cached_property
    def rules(self) -> Rules:
        """The ontology compiled to rules, for reasoning over declarations."""
        from .reason import compile_rules

        return compile_rules(self.triples(inferred=False))

    @cached_property
    def closure(self) -> Closure:
        """The KB closure as an index that declarations are reasoned on top of."""
        from .reason import materialise

        return materialise(self.rules, self.triples(inferred=False))

    # -- bridges --------------------------------------------------------------------------
    @cached_property
    def rdflib_graph(self) -> rdflib.Graph:
        """The inferred graph as an rdflib Graph, built on first use (rdflib is slow to import)."""
        from ..core.rdfio import to_rdflib

        return to_rdflib(self.triples(inferred=True))

    def label_of(self, term: Term) -> str | None:
        """The English (or any) rdfs:label of a term, if the graph has one."""
        if not isinstance(term, ox.NamedNode):
            return None
        quads = self.store.quads_for_pattern(term, RDFS_LABEL, None, ox.DefaultGraph())
        return best_label(q.object for q in quads if isinstance(q.object, ox.Literal))


def _graph_name(paths: DataPaths, f: Path) -> ox.NamedNode:
    return ox.NamedNode(GRAPH_BASE + f.relative_to(paths.root).as_posix())


def build(paths: DataPaths) -> tuple[list[ox.Quad], int, int, list[Inconsistency]]:
    """Parse and reason over the sources; the quads to cache, with counts and inconsistencies."""
    quads: list[ox.Quad] = []
    asserted: list[Triple] = []
    for f in paths.sources():
        try:
            triples = parse_file(f)
        except EmskgError as exc:
            raise BuildError(f"cannot build the knowledge graph: {exc}") from None
        g = _graph_name(paths, f)
        quads.extend(ox.Quad(s, p, o, g) for s, p, o in triples)
        asserted.extend(triples)
    if not asserted:
        raise BuildError(f"no sources found under {paths.ontology} and {paths.kb}")
    from .reason import UnsupportedAxiom, compile_rules, materialise

    try:
        closure = materialise(compile_rules(asserted), asserted)
    except UnsupportedAxiom as exc:
        raise BuildError(str(exc)) from None
    unique = set(asserted)
    quads.extend(ox.Quad(s, p, o) for s, p, o in unique)
    quads.extend(ox.Quad(s, p, o) for s, p, o in closure.inferred)
    quads.extend(ox.Quad(s, p, o, INFERRED_GRAPH) for s, p, o in closure.inferred)
    quads.extend(_dataset_quads(paths))
    return quads, len(unique), len(closure.inferred), closure.inconsistencies


def _dataset_quads(paths: DataPaths) -> list[ox.Quad]:
    """The extra named graphs of ``datasets/``; a triple outside a named graph, or a graph named
    like emskg's own, is a ``BuildError`` (it would change what the KB says)."""
    out: list[ox.Quad] = []
    for f in paths.dataset_files():
        try:
            quads = parse_dataset_file(f)
        except EmskgError as exc:
            raise BuildError(f"cannot build the knowledge graph: {exc}") from None
        for q in quads:
            if not isinstance(q.graph_name, ox.NamedNode) or q.graph_name.value.startswith(GRAPH_BASE):
                raise BuildError(f"{f}: datasets/ files hold named graphs only, not named under {GRAPH_BASE}")
        out.extend(quads)
    return out


def _cache_file(paths: DataPaths, digest: str) -> Path:
    return cache_dir(paths) / f"kg-{digest}.nq"


def load_graph(*, rebuild: bool = False, paths: DataPaths | None = None, read_only: bool = False) -> KnowledgeGraph:
    """The knowledge graph, from the cache when its sources are unchanged, else built and cached.

    ``read_only=True`` opens the cached on-disk store instead of loading it into memory: fastest to
    start, ~3x slower per query — the right trade for a one-shot command. A damaged cache is rebuilt,
    never trusted; an unwritable cache folder only costs speed.

    Raises ``BuildError`` when a source file does not parse, the sources are missing, or the ontology
    uses OWL the reasoner does not implement.
    """
    paths = paths or data_paths()
    digest = source_digest(paths)
    cached = _cache_file(paths, digest)
    meta_file, db_dir = cached.with_suffix(".json"), cached.with_suffix(".oxdb")
    if not rebuild and cached.is_file() and meta_file.is_file():
        try:
            meta = json.loads(meta_file.read_text())
            if read_only and (db_dir.is_dir() or _write_disk_store(cached)):
                store = ox.Store.read_only(str(db_dir))
            else:
                store = ox.Store()
                store.bulk_load(path=str(cached), format=ox.RdfFormat.N_QUADS)
            clashes = _clashes_from_json(meta.get("inconsistencies", []))
            return KnowledgeGraph(store, paths, digest, meta["asserted"], meta["inferred"], clashes)
        except (OSError, ValueError, KeyError, SyntaxError):
            pass  # a damaged cache is rebuilt, never trusted
    quads, n_asserted, n_inferred, clashes = build(paths)
    store = ox.Store()
    store.extend(quads)
    _write_cache(store, cached, n_asserted, n_inferred, clashes)
    return KnowledgeGraph(store, paths, digest, n_asserted, n_inferred, clashes)


def _write_cache(store: ox.Store, cached: Path, n_asserted: int, n_inferred: int,
                 clashes: list[Inconsistency]) -> None:
    """Write atomically (temp + rename) so a concurrent reader never sees half a cache; the meta
    file goes last because its presence is what marks the cache complete."""
    import shutil  # only when writing a cache: shutil loads bz2 and lzma

    folder = cached.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("kg-*"):
            if not old.name.startswith(cached.stem):
                shutil.rmtree(old) if old.is_dir() else old.unlink(missing_ok=True)
        atomic_write(cached, lambda f: store.dump(f, format=ox.RdfFormat.N_QUADS))
        _write_disk_store(cached)
        meta = {"asserted": n_asserted, "inferred": n_inferred,
                "inconsistencies": [[_term_json(t) for t in (c.individual, c.class_a, c.class_b, c.property) if t is not None]
                                    for c in clashes]}
        atomic_write(cached.with_suffix(".json"), json.dumps(meta).encode())
    except OSError:
        pass  # an unwritable cache only costs speed


def _clashes_from_json(items: list[list[str]]) -> list[Inconsistency]:
    if not items:
        return []  # the usual case: no need to import the reasoner at all
    from .reason import Inconsistency

    return [Inconsistency(*(_term_from_json(t) for t in c)) for c in items]


def _term_json(t: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    return str(t)  # N-Triples syntax: lossless for IRIs, blank nodes and literals


def _term_from_json(text: str) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    quad = next(iter(ox.parse(f"<urn:s> <urn:p> {text} .".encode(), format=ox.RdfFormat.N_TRIPLES)))
    term: ox.NamedNode | ox.BlankNode | ox.Literal = quad.object
    return term


def _write_disk_store(cached: Path) -> bool:
    """Create the on-disk store beside the N-Quads cache; False when the folder is not writable."""
    import tempfile

    try:
        db_tmp = Path(tempfile.mkdtemp(dir=cached.parent, suffix=".tmp"))
    except OSError:
        return False
    disk = ox.Store(str(db_tmp))
    disk.bulk_load(path=str(cached), format=ox.RdfFormat.N_QUADS)
    disk.flush()
    del disk
    try:
        os.replace(db_tmp, cached.with_suffix(".oxdb"))
    except OSError:  # another process got there first: its copy is as good as ours
        import shutil

        shutil.rmtree(db_tmp, ignore_errors=True)
    return True


def settle() -> None:
    """After loading: move the graph's long-lived objects out of the cyclic garbage collector's way.

    The KB closure index is ~100k dicts and sets that never die, and every full collection would
    walk them again (docs/design.md has the figures); worth it in any process that keeps a graph
    for many validations or queries."""
    import gc

    gc.collect()
    gc.freeze()

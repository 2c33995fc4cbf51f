"""Where the knowledge graph and the registrations live: ``memory`` (the default), ``oxigraph:PATH``
or any SPARQL 1.1 store over HTTP (``sparql:URL``). docs/stores.md describes the graph layout.

:func:`open_store` is the one way in: ``--store`` text (or None: ``EMSKG_STORE``, else ``memory``)
to a :class:`Store`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .base import GraphPayload, QueryAnswer, Store, StoreKind
from .spec import StoreSpec, parse_store_spec

if TYPE_CHECKING:
    from ..graph.store import KnowledgeGraph

__all__ = ["Store", "GraphPayload", "QueryAnswer", "StoreKind", "StoreSpec", "open_store", "parse_store_spec", "REGISTRY_DATASET"]

#: The ``# dataset:`` header value of named queries that read registrations (run with
#: :meth:`Store.query`, not :meth:`Store.kb_query`).
REGISTRY_DATASET = "registry"


def open_store(spec_text: str | StoreSpec | None, *, env: Mapping[str, str] = os.environ, read_only: bool = False,
               kg: KnowledgeGraph | None = None) -> Store:
    """The store ``spec_text`` names (see :func:`parse_store_spec`), opened.

    ``read_only`` opens an ``oxigraph:PATH`` store for reading (several processes may; it follows
    later writes); ``kg``: the knowledge graph the ``memory`` store starts from (default: the build
    cache, loaded into memory), and whose graph names a ``sparql:`` store looks for. Raises
    :class:`~emskg.errors.InputError` for a bad spec, :class:`~emskg.errors.StoreUnavailableError` /
    :class:`~emskg.errors.StoreBusyError` when the store cannot be opened."""
    spec = spec_text if isinstance(spec_text, StoreSpec) else parse_store_spec(spec_text, env)
    if spec.kind == "memory":
        from .embedded import MemoryStore

        return MemoryStore(kg)
    if spec.kind == "oxigraph":
        from .embedded import OxigraphStore

        assert spec.path is not None
        return OxigraphStore(spec.path, read_only=read_only)
    from .remote import RemoteStore

    candidates = None
    if kg is not None:
        from ..graph.store import INFERRED_GRAPH

        candidates = [g.value for g in kg.source_graphs()] + [INFERRED_GRAPH.value]
    return RemoteStore(spec, kb_candidates=candidates)

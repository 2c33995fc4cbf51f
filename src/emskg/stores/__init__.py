"""Where the knowledge graph and the registrations live: ``memory`` (the default), ``oxigraph:PATH``
or any SPARQL 1.1 store over HTTP (``sparql:URL``). docs/stores.md describes the graph layout."""

from .base import QueryAnswer, Store, StoreKind

__all__ = ["Store", "QueryAnswer", "StoreKind"]

"""emskg: the reference knowledge graph of continual-improvement management systems for water and
wastewater utilities, built from the EMS Integration Project Workgroup report.

Importing the package is cheap on purpose (``emskg query`` must start about as fast as the
interpreter): the public API below is loaded on first use.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "EmskgError",
    "KnowledgeGraph",
    "load_graph",
    "NamedQuery",
    "QueryResult",
    "list_queries",
    "run_named_query",
    "run_sparql",
]

_LAZY = {
    "EmskgError": "emskg.errors",
    "KnowledgeGraph": "emskg.store",
    "load_graph": "emskg.store",
    "NamedQuery": "emskg.queries",
    "QueryResult": "emskg.sparql",
    "list_queries": "emskg.queries",
    "run_named_query": "emskg.queries",
    "run_sparql": "emskg.sparql",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'emskg' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)

"""emskg: the reference knowledge graph of continual-improvement management systems for water and
wastewater utilities, built from the EMS Integration Project Workgroup report.

Importing the package is cheap on purpose (``emskg query`` must start about as fast as the
interpreter): the public API below is loaded on first use, from the module that defines each name.
The layout behind it (``core`` → ``graph`` → ``query`` / ``shacl`` → ``validation`` → ``server`` →
``cli``) is described in docs/design.md; user code needs only the names below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # for type checkers and IDEs; at run time, __getattr__ below loads each on first use
    from .errors import EmskgError
    from .graph.store import KnowledgeGraph, load_graph
    from .query.named import NamedQuery, list_queries, run_named_query
    from .query.sparql import QueryResult, run_sparql
    from .validation.model import FileReport, RunReport, Suggestion, ValidationResult
    from .validation.validator import Validator

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
    "Validator",
    "RunReport",
    "FileReport",
    "ValidationResult",
    "Suggestion",
]

_LAZY = {
    "EmskgError": "emskg.errors",
    "KnowledgeGraph": "emskg.graph.store",
    "load_graph": "emskg.graph.store",
    "NamedQuery": "emskg.query.named",
    "QueryResult": "emskg.query.sparql",
    "list_queries": "emskg.query.named",
    "run_named_query": "emskg.query.named",
    "run_sparql": "emskg.query.sparql",
    "Validator": "emskg.validation.validator",
    "RunReport": "emskg.validation.model",
    "FileReport": "emskg.validation.model",
    "ValidationResult": "emskg.validation.model",
    "Suggestion": "emskg.validation.model",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'emskg' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)

"""Running SPARQL against the store, read-only, and the result model every front end shares.

The store is pyoxigraph (40–70x faster than rdflib's engine on this graph). pyoxigraph will follow
``SERVICE <url>`` over HTTP, and a store object accepts updates, so every query text passes
:func:`guard` first: SERVICE and SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...) are refused before
anything runs, decided by SPARQL's own terminals and grammar (:mod:`emskg.query.guard`), so
``?service`` or ``"LOAD"`` are fine; the processes that run queries cannot open network sockets
anyway (:mod:`emskg.core.sandbox`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from typing import Literal as TLiteral

import pyoxigraph as ox

from ..core.sparqltext import bind_values, query_form
from ..core.terms import ResultTerm, Triple
from ..core.vocab import PREFIXES
from ..errors import QueryError
from ..stores.base import Store
from ..stores.embedded import EmbeddedStore
from .guard import check, engine_refusal

__all__ = ["QueryResult", "guard", "result_kind", "run_sparql", "prepare", "materialise"]

def guard(query: str, *, trusted: bool = False) -> None:
    """Refuse SERVICE and SPARQL Update, bound length and nesting: see :mod:`emskg.query.guard`.

    ``trusted`` (texts emskg wrote itself: named queries with parameters bound as validated terms)
    skips the full-grammar parse. Raises :class:`ForbiddenQueryError` or :class:`QueryError`.
    """
    check(query, parse=not trusted)


def result_kind(query: str) -> str:
    """'graph' for CONSTRUCT/DESCRIBE, else 'select' (ASK and unparsable queries included)."""
    return "graph" if query_form(query) in ("CONSTRUCT", "DESCRIBE") else "select"


@dataclass
class QueryResult:
    """A SELECT table, an ASK boolean or a CONSTRUCT/DESCRIBE graph, fully materialised."""

    kind: TLiteral["select", "ask", "graph"]
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[ResultTerm | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[Triple] = field(default_factory=list)
    truncated: bool = False

    def column(self, name: str) -> list[ResultTerm | None]:
        i = self.variables.index(name)
        return [row[i] for row in self.rows]

    def values(self, name: str) -> list[str]:
        """The lexical values (IRIs or literal strings) of one column, unbound cells skipped."""
        return [t.value for t in self.column(name) if t is not None and not isinstance(t, ox.Triple)]

    def as_dicts(self) -> list[dict[str, ResultTerm]]:
        return [{v: t for v, t in zip(self.variables, row, strict=True) if t is not None} for row in self.rows]


def run_sparql(
    store: ox.Store | Store,
    query: str,
    *,
    substitutions: Mapping[str, ResultTerm] | None = None,
    max_rows: int | None = None,
    prefixes: Mapping[str, str] | None = PREFIXES,
    default_graph: Sequence[ox.NamedNode] | None = None,
    named_graphs: Sequence[ox.NamedNode] | None = None,
    trusted: bool = False,
    base_iri: str | None = None,
    kb: bool = False,
    timeout: float | None = None,
) -> QueryResult:
    """Run a read-only query; the emskg prefixes are predeclared so ``ems:`` and ``kb:`` just work.

    ``store`` is a pyoxigraph store or an emskg :class:`~emskg.stores.base.Store` (``memory``,
    ``oxigraph:PATH``, ``sparql:URL``): the query is guarded here, before it reaches any store. On an
    emskg store, ``kb=True`` runs it over the knowledge-graph closure (:meth:`Store.kb_query`: the
    KB named queries), else over the store's own dataset (client queries, sector queries);
    ``timeout`` is passed to a remote engine.

    ``substitutions`` pre-bind variables (see :func:`bind_values`); ``max_rows`` bounds what is
    materialised (``truncated`` tells when more existed). ``default_graph`` / ``named_graphs`` set
    the dataset as the SPARQL protocol's ``default-graph-uri`` / ``named-graph-uri`` do: when either
    is given (an empty list counts), the pair *is* the dataset — the other one is empty, graphs the
    store lacks are empty, and the query's own FROM / FROM NAMED are overridden (SPARQL 1.1 Protocol
    2.1.4). When both are None the query's FROM clauses apply, else the service default: the inferred
    graph, and every named graph. ``base_iri`` resolves relative IRIs in the text (the protocol's
    base: the endpoint's URL); without one a relative IRI is a syntax error. ``trusted``: see :func:`guard`.

    Raises ``ForbiddenQueryError`` for SERVICE or an update (also when the network sandbox stopped
    the engine's fetch), ``QueryError`` when the query is too long or nested too deeply, does not
    parse, or fails while it runs, ``StoreUnavailableError`` when a store cannot be reached.
    """
    text, prologue = prepare(query, substitutions=substitutions, prefixes=prefixes, trusted=trusted)
    protocol_dataset = default_graph is not None or named_graphs is not None
    if isinstance(store, EmbeddedStore):
        if kb:
            store.require_kb()
        store = store.current()
    try:
        if isinstance(store, ox.Store):
            result: Any = store.query(text, base_iri=base_iri,
                                      default_graph=list(default_graph or ()) if protocol_dataset else None,
                                      named_graphs=list(named_graphs or ()) if protocol_dataset else None)
        else:
            if base_iri:
                text = f"BASE <{base_iri}> " + text
            if kb and not protocol_dataset:
                result = store.kb_query(text, timeout=timeout)
            else:
                result = store.query(text, timeout=timeout,
                                     default_graphs=[g.value for g in default_graph or ()] if protocol_dataset else None,
                                     named_graphs=[g.value for g in named_graphs or ()] if protocol_dataset else None)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {_relocate(_first_line(exc), len(prologue))}") from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise engine_refusal(exc) or QueryError(f"query failed: {_first_line(exc)}") from None
    return materialise(result, max_rows)


def prepare(query: str, *, substitutions: Mapping[str, ResultTerm] | None = None,
            prefixes: Mapping[str, str] | None = PREFIXES, trusted: bool = False) -> tuple[str, str]:
    """The text to send to an engine, and the prologue put in front of it: guarded (raises as
    :func:`guard`), variables bound, the emskg prefixes declared on the first line."""
    guard(query, trusted=trusted)
    if substitutions:
        query = bind_values(query, substitutions)
    # Declared in the text, on the query's first line (so reported line numbers stay right), which is
    # faster than pyoxigraph's prefixes= argument (docs/design.md). A PREFIX the query declares
    # itself comes later and wins.
    prologue = _prologue(tuple(prefixes.items())) if prefixes else ""
    return prologue + query, prologue


def materialise(result: Any, max_rows: int | None = None) -> QueryResult:
    """A pyoxigraph answer (solutions, boolean, triples) as a :class:`QueryResult`, at most
    ``max_rows`` rows. Raises ``QueryError`` for an error the engine reports while iterating."""
    try:
        if isinstance(result, (bool, ox.QueryBoolean)):
            return QueryResult("ask", boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows: list[tuple[ResultTerm | None, ...]] = []
            truncated = False
            for sol in result:
                if max_rows is not None and len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append(tuple(sol))  # a solution unpacks in projection order (unbound: None)
            return QueryResult("select", variables=variables, rows=rows, truncated=truncated)
        triples: list[Triple] = []
        truncated = False
        for t in result:
            if max_rows is not None and len(triples) >= max_rows:
                truncated = True
                break
            triples.append((t.subject, t.predicate, t.object))
        return QueryResult("graph", triples=triples, truncated=truncated)
    except (OSError, ValueError, RuntimeError, SyntaxError) as exc:  # evaluation errors surface lazily
        raise engine_refusal(exc) or QueryError(f"query failed: {_first_line(exc)}") from None


@lru_cache(maxsize=8)
def _prologue(prefixes: tuple[tuple[str, str], ...]) -> str:
    return "".join(f"PREFIX {name}: <{iri}> " for name, iri in prefixes)


_FIRST_LINE_POSITION = re.compile(r"\b1:(\d+)\b")


def _relocate(message: str, shift: int) -> str:
    """Column numbers on line 1 as the user wrote the query (without the predeclared prefixes)."""
    return _FIRST_LINE_POSITION.sub(lambda m: f"1:{max(1, int(m.group(1)) - shift)}", message, count=1)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

"""The registry operations behind ``/declarations``, on any store (issue 13).

Each operation is written once against the :class:`~emskg.stores.Store` protocol and the sector API
(:mod:`emskg.sector.registry`); where it runs depends on the store:

* an embedded store (``memory``, ``oxigraph:PATH``): in a worker (:mod:`emskg.server.jobs`), like every
  query — validation, reasoning and the write all under the worker's deadline and memory limit;
* a ``sparql:`` store, which the sandboxed workers cannot reach: the worker still validates and
  reasons (:func:`prepare_registration` returns the registration's quads), and the server process
  sends the write and the registry's own fixed queries (:mod:`emskg.server.state`). No client query
  text is parsed in the server process: these queries are emskg's own.

Raises ``NotFoundError`` (404), ``InputError`` (400) and ``StoreUnavailableError`` (503) as the
sector API does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

import pyoxigraph as ox

from ..core.vocab import EMS, REGISTRATION
from ..errors import NotFoundError
from ..query.sparql import materialise
from ..stores.base import GraphPayload

if TYPE_CHECKING:
    from ..graph.store import KnowledgeGraph
    from ..stores import Store

__all__ = ["REGISTRATION_ID", "register", "prepare_registration", "unregister_ident", "declarations", "declaration",
           "system_of"]

#: A registration id: 16 hex digits (sha256 of system, time and file digest; docs/stores.md).
REGISTRATION_ID = re.compile(r"[0-9a-f]{16}")


def register(store: Store, data: bytes, fmt_name: str, name: str, kg: KnowledgeGraph) -> dict[str, Any]:
    """Validate, reason and store one declaration: ``{"registration": …, "report": …}`` (the report as
    one file of ``emskg validate --format json``). A declaration that cannot be read raises
    ``InputError`` and nothing is stored."""
    from ..sector.registry import register_bytes

    reg, report = register_bytes(store, data, fmt_name, name, kg=kg)
    return {"registration": reg.to_json(), "report": report.to_json()}


class _Collected:
    """The write half of a store that keeps what it is given: a worker registers "into" it, and the
    server process sends the quads to a ``sparql:`` store the worker cannot reach."""

    kind = "sparql"
    label = "the server's store"

    def __init__(self) -> None:
        self.payloads: list[GraphPayload] = []

    def add_graphs(self, graphs: Sequence[GraphPayload]) -> None:
        self.payloads.extend(graphs)

    def drop_graphs(self, names: Iterable[str]) -> None:  # pragma: no cover - registering never drops
        raise NotImplementedError


def prepare_registration(data: bytes, fmt_name: str, name: str, kg: KnowledgeGraph) -> dict[str, Any]:
    """:func:`register`, except that the registration graph comes back as its payload (``"payload"``,
    a :class:`~emskg.stores.base.GraphPayload`) instead of being written: what the server sends to a
    ``sparql:`` store."""
    collected = _Collected()
    out = register(cast("Store", collected), data, fmt_name, name, kg)
    out["payload"] = collected.payloads[0]
    return out


def system_of(store: Store, ident: str) -> str:
    """The system a registration id names, or ``ident`` itself when it is an IRI (a system's).
    Raises ``NotFoundError`` for an id no registration has, or a text that is neither."""
    if REGISTRATION_ID.fullmatch(ident):
        reg = ox.NamedNode(REGISTRATION + ident)
        answer = materialise(store.query(f"SELECT ?s WHERE {{ GRAPH {reg} {{ {reg} <{EMS}registers> ?s }} }}"), 1)
        for (term,) in answer.rows:
            if isinstance(term, ox.NamedNode):
                return term.value
        raise NotFoundError(f"no registration {ident!r} (see GET /declarations)")
    try:
        ox.NamedNode(ident)
    except ValueError:
        raise NotFoundError(f"{ident!r} is neither a registration id nor a system IRI") from None
    return ident


def unregister_ident(store: Store, ident: str) -> dict[str, Any]:
    """Remove the system a registration id (or system IRI) names, with every registration it has (as
    ``emskg unregister``): ``{"system", "removed"}``. Raises ``NotFoundError`` when nothing is
    registered under that name."""
    from ..sector.registry import unregister

    system = system_of(store, ident)
    return {"system": system, "removed": unregister(store, [system])}


def declarations(store: Store) -> list[dict[str, Any]]:
    """Every registered system's latest registration, with how many it has (``list_systems``)."""
    from ..sector.registry import list_systems

    systems: list[dict[str, Any]] = list_systems(store)
    return systems


def declaration(store: Store, ident: str) -> dict[str, Any]:
    """One registration's report (``registration_report``). Raises ``NotFoundError`` for an id
    that is not 16 hex digits or names no registration."""
    from ..sector.registry import registration_report

    if not REGISTRATION_ID.fullmatch(ident):
        raise NotFoundError(f"no registration {ident!r}: ids are 16 hex digits (see GET /declarations)")
    report: dict[str, Any] = registration_report(store, ident)
    return report

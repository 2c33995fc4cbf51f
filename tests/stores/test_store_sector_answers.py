"""Every sector query (``# dataset: registry``) gives the same rows on memory, oxigraph:PATH, an Oxigraph
server and Virtuoso after registering the same declarations (examples/sector, two years)."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from emskg.graph.store import KnowledgeGraph, load_graph
from emskg.query.named import NamedQuery, list_queries
from emskg.sector.registry import register_files, unregister
from emskg.stores import Store, open_store
from emskg.stores.embedded import MemoryStore
from emskg.stores.load import load_kb
from engines import OxigraphServer
from engines_virtuoso import VirtuosoServer

from .test_store_answers import assert_same_answers

SECTOR = Path(__file__).resolve().parents[2] / "examples" / "sector"


def _cases() -> list[tuple[NamedQuery, dict[str, str]]]:
    """Each sector query: without parameters when it needs none, and with its examples' parameters."""
    out: list[tuple[NamedQuery, dict[str, str]]] = []
    for q in list_queries():
        if not q.reads_registry:
            continue
        if all(p.default for p in q.params):
            out.append((q, {}))
        for example in q.examples:
            words = shlex.split(example)
            params = dict(words[i + 1].split("=", 1) for i, w in enumerate(words[:-1]) if w == "--param")
            if params:
                out.append((q, params))
        if q.name == "systems-lacking":  # the example's element is no latest registration's gap: a rule is
            out.append((q, {"what": "emsh:ObjectiveTargetShape"}))
    return out


@pytest.fixture(scope="module")
def sector_stores(kg: KnowledgeGraph, oxigraph_server: OxigraphServer, virtuoso: VirtuosoServer,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Store]]:
    folder = tmp_path_factory.mktemp("sector-stores")
    stores: dict[str, Store] = {
        "memory": MemoryStore(load_graph(), registry=folder / "registry"),
        "oxigraph": open_store(f"oxigraph:{folder / 'db'}", env={}),
        "server": open_store(None, env=oxigraph_server.env()),
        "virtuoso": open_store(None, env=virtuoso.env()),
    }
    files = [str(f) for year in (2024, 2025) for f in sorted(SECTOR.glob(f"{year}-*.ttl"))]
    times = [datetime(int(Path(f).name[:4]), 3, 1, 12, 0, 0, 123450, tzinfo=UTC) + timedelta(days=i)
             for i, f in enumerate(files)]
    systems: set[str] = set()
    for store in stores.values():
        load_kb(store, kg)
        clock = iter(times)
        run = register_files(store, files, kg=kg, clock=lambda clock=clock: next(clock))  # type: ignore[misc]
        assert len(run.registrations) == len(files)
        systems |= {r.system for r in run.registrations}
    yield stores
    for store in stores.values():
        unregister(store, sorted(systems))
        store.close()


@pytest.mark.parametrize(("query", "params"), _cases(),
                         ids=lambda v: v.name if isinstance(v, NamedQuery) else ",".join(f"{k}={x}" for k, x in v.items()))
def test_every_store_gives_the_same_sector_rows(query: NamedQuery, params: dict[str, str], kg: KnowledgeGraph,
                                                sector_stores: dict[str, Store]) -> None:
    assert_same_answers(query, params, kg, sector_stores)

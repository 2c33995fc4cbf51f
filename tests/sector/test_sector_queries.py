"""The named sector queries on a known small sector (examples/sector: four systems, two years).

Alder declares in 2024 (conforming); Birch in 2024 without an internal audit, fixed in 2025; Cedar in
2024 without a target, in 2025 without target and metric; Dogwood in 2025 (conforming). The 2024
files are registered at 2024 times, the 2025 files at 2025 times.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest

from emskg.graph.store import KnowledgeGraph
from emskg.query.named import get_query, list_queries, run_named_query
from emskg.query.sparql import QueryResult
from emskg.sector.registry import register_files
from emskg.stores import Store

from .conftest import EXAMPLES, make_store, registration_graphs

SECTOR = EXAMPLES / "sector"
EMSH = "https://w3id.org/emskg/shapes#"
KB = "https://w3id.org/emskg/kb/"
SECTOR_QUERIES = ["sector-elements", "sector-frameworks", "sector-gaps", "sector-initiatives", "sector-outcomes",
                  "sector-trend", "systems-lacking"]


def _plan() -> list[tuple[str, datetime]]:
    out = []
    for year in (2024, 2025):
        for i, f in enumerate(sorted(SECTOR.glob(f"{year}-*.ttl"))):
            out.append((str(f), datetime(year, 3, 1, tzinfo=UTC) + timedelta(days=i)))
    return out


@pytest.fixture(params=["memory", "oxigraph"])
def sector(request: pytest.FixtureRequest, kg: KnowledgeGraph, tmp_path: Path) -> Iterator[Store]:
    store = make_store(request.param, tmp_path, kg)
    plan = _plan()
    times = iter([t for _, t in plan])
    run = register_files(store, [f for f, _ in plan], kg=kg, clock=lambda: next(times))
    assert len(run.registrations) == 6 and run.exit_code() == 1
    yield store
    store.close()


def rows(result: QueryResult) -> list[tuple[object, ...]]:
    """Rows as Python values: IRIs and strings as text, numbers as numbers (shares rounded to 4 places)."""
    def value(t: object) -> object:
        if t is None:
            return None
        assert isinstance(t, (ox.NamedNode, ox.Literal))
        if isinstance(t, ox.Literal) and t.datatype.value.endswith(("#integer", "#decimal", "#double", "#float")):
            number = float(t.value)
            return int(number) if number.is_integer() and t.datatype.value.endswith("#integer") else round(number, 4)
        return t.value
    return [tuple(value(t) for t in row) for row in result.rows]


def test_the_sector_queries_are_marked_registry_and_the_others_are_not() -> None:
    marked = sorted(q.name for q in list_queries() if q.dataset == "registry")
    assert marked == SECTOR_QUERIES
    assert get_query("tools-for-component-outcome").dataset == "kb"
    for name in SECTOR_QUERIES:  # answering from registration graphs, KB facts from the KB's graphs only
        text = get_query(name).text
        assert "GRAPH ?reg" in text and "MAX(?t)" in text  # each system's latest registration
        for line in text.splitlines():  # KB facts only from the knowledge graph's own named graphs
            if "GRAPH ?kb" in line:
                assert 'STRSTARTS(STR(?kb' in line or "STRSTARTS(STR(?kb" in text


def test_sector_gaps_counts_each_systems_latest_registration(sector: Store) -> None:
    result = run_named_query(sector, "sector-gaps")
    assert result.variables == ["rule", "label", "systems", "share"]
    assert rows(result) == [
        (EMSH + "ObjectiveMetricShape", "objective has a metric", 1, 0.25),
        (EMSH + "ObjectiveTargetShape", "objective has a target", 1, 0.25),
    ]


def test_sector_trend_sees_the_history(sector: Store) -> None:
    result = run_named_query(sector, "sector-trend")
    assert result.variables == ["year", "rule", "label", "systems", "registered", "share"]
    assert rows(result) == [
        (2024, EMSH + "InternalAuditShape", "core element: internal audit", 1, 3, 0.3333),
        (2024, EMSH + "ObjectiveTargetShape", "objective has a target", 1, 3, 0.3333),
        (2025, EMSH + "ObjectiveMetricShape", "objective has a metric", 1, 3, 0.3333),
        (2025, EMSH + "ObjectiveTargetShape", "objective has a target", 1, 3, 0.3333),
    ]


def test_sector_frameworks(sector: Store) -> None:
    result = run_named_query(sector, "sector-frameworks")
    assert result.variables == ["framework", "label", "systems", "share", "conforming"]
    assert rows(result) == [
        (KB + "ISO14001", "ISO 14001 – EMS Standard", 2, 0.5, 2),
        (KB + "ISO9002", "ISO 9002 - Quality Management System Standard", 2, 0.5, 1),
    ]


def test_sector_outcomes(sector: Store) -> None:
    result = run_named_query(sector, "sector-outcomes")
    assert result.variables == ["outcome", "label", "systems", "share", "failing"]
    assert rows(result) == [
        (KB + "ImpactsRisks", "Impacts/Risks", 2, 0.5, 0),
        (KB + "Quality", "Quality", 2, 0.5, 1),
    ]


def test_sector_elements(sector: Store) -> None:
    result = run_named_query(sector, "sector-elements")
    assert result.variables == ["element", "number", "label", "kind", "lacking", "share"]
    got = {r[0]: r for r in rows(result)}
    assert len(got) == 54  # the whole Appendix C outline
    assert got[KB + "InternalAudit"][3:] == ("core", 0, 0.0)  # Birch lacked it in 2024 only
    assert got[KB + "ExternalAudit"] == (KB + "ExternalAudit", "IV.B.2", "External audit", "core", 4, 1.0)
    assert got[KB + "Measurement"][4:] == (0, 0.0)  # covered through Monitoring and measuring
    assert {r[4] for r in got.values()} == {0, 4}
    assert all(r[5] == r[4] / 4 for r in got.values())


def test_sector_initiatives(sector: Store) -> None:
    result = run_named_query(sector, "sector-initiatives")
    assert result.variables == ["initiative", "label", "type", "systems", "share", "gaps"]
    assert rows(result) == [  # only Cedar has gaps now (target and metric, for Quality)
        (KB + "AssetManagement", "AMSA Asset Management Handbook", "tool", 1, 0.25, 2),
        (KB + "BalancedScorecard", "Balanced Scorecard", "tool", 1, 0.25, 2),
        (KB + "ISO9002", "ISO 9002 - Quality Management System Standard", "framework", 1, 0.25, 2),
        (KB + "APWAAccreditation", "APWA Management Accreditation Program", "tool", 1, 0.25, 1),
        (KB + "BidToGoal", "Bid-to-Goal", "tool", 1, 0.25, 1),
        (KB + "PartnershipForSafeWater", "Partnership for Safe Water", "tool", 1, 0.25, 1),
        (KB + "QualServe", "QualServe", "tool", 1, 0.25, 1),
    ]


@pytest.mark.parametrize(("what", "systems"), [
    ("kb:ExternalAudit", ["alder", "birch", "cedar", "dogwood"]),
    ("kb:InternalAudit", []),  # Birch's 2024 gap is history
    ("Internal audit", []),  # a label works too
    ("emsh:ObjectiveTargetShape", ["cedar"]),
    ("emsh:InternalAuditShape", []),
    (EMSH + "ObjectiveMetricShape", ["cedar"]),
])
def test_systems_lacking(sector: Store, what: str, systems: list[str]) -> None:
    result = run_named_query(sector, "systems-lacking", {"what": what})
    assert result.variables == ["system", "label", "registration", "registeredAt"]
    assert [r[0] for r in rows(result)] == [f"https://example.org/{s}/System" for s in systems]


def test_the_default_graph_is_never_read(sector: Store) -> None:
    """A registration-shaped copy in the default graph changes nothing: queries read named graphs."""
    before = {name: rows(run_named_query(sector, name, {"what": "kb:ExternalAudit"} if name == "systems-lacking" else {}))
              for name in SECTOR_QUERIES}
    some = registration_graphs(sector)[0]
    raw = sector.current()  # type: ignore[attr-defined]  # the embedded stores' pyoxigraph store
    raw.extend([ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                for q in raw.quads_for_pattern(None, None, None, ox.NamedNode(some))])
    after = {name: rows(run_named_query(sector, name, {"what": "kb:ExternalAudit"} if name == "systems-lacking" else {}))
             for name in SECTOR_QUERIES}
    assert after == before


def test_the_same_rows_on_an_oxigraph_server(kg: KnowledgeGraph, tmp_path: Path) -> None:
    """One query text for every store: the sector queries over the SPARQL protocol (Oxigraph server,
    writes by INSERT DATA) give the rows the embedded store gives."""
    from emskg.query.named import TermResolver
    from emskg.stores import open_store
    from emskg.stores.load import load_kb
    from engines import OxigraphServer

    server = OxigraphServer(tmp_path / "server").start()
    try:
        answers = []
        for store in (make_store("memory", tmp_path / "memory", kg), open_store(None, env=server.env(), kg=kg)):
            load_kb(store, kg)
            plan = _plan()
            times = iter([t for _, t in plan])
            register_files(store, [f for f, _ in plan], kg=kg, clock=lambda times=times: next(times))  # type: ignore[misc]
            resolver = TermResolver(kg.store)
            answers.append({name: sorted(rows(run_named_query(store, name, {"what": "kb:ExternalAudit"}
                                                              if name == "systems-lacking" else {}, resolver=resolver)),
                                         key=repr)
                            for name in SECTOR_QUERIES})
            store.close()
        assert answers[0] == answers[1]
        assert answers[0]["sector-gaps"]  # not two empty answers
    finally:
        server.stop()

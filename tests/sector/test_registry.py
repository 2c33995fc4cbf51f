"""emskg.sector.registry: what a registration graph holds, atomic writes, history, unregister, reads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest

from emskg.core.rdfio import parse_file
from emskg.errors import InputError, NotFoundError
from emskg.graph.store import KnowledgeGraph
from emskg.sector import registry
from emskg.sector.registry import (
    list_systems,
    register_bytes,
    register_files,
    registration_report,
    unregister,
)
from emskg.stores import GraphPayload, Store
from emskg.validation.validator import Validator

from .conftest import EXAMPLES, graph, make_store, registration_graphs

RIVERBEND = EXAMPLES / "conforming" / "riverbend-iso14001.ttl"
EASTFIELD = EXAMPLES / "conforming" / "eastfield-osha-vpp.jsonld"  # nested objectives: blank nodes
NO_TARGET = EXAMPLES / "broken" / "no-target.ttl"
NO_METRIC = EXAMPLES / "broken" / "no-metric.ttl"
NO_SYSTEM = EXAMPLES / "broken" / "no-system.ttl"
MALFORMED = EXAMPLES / "malformed" / "bad-syntax.ttl"
MILLBROOK = "https://example.org/millbrook/QMS"
EMS = "https://w3id.org/emskg/ontology#"
SH = "http://www.w3.org/ns/shacl#"


def ticking(start: datetime, step: timedelta = timedelta(days=1)) -> Callable[[], datetime]:
    """A clock for reproducible histories: ``start``, then one ``step`` later at each call."""
    times: Iterator[datetime] = (start + i * step for i in range(10_000))
    return lambda: next(times)


def _nt(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    return str(term)


def canonical(triples: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """Triples as a store gives them back (literals in canonical form: "2.0"^^xsd:decimal is "2")."""
    scratch = ox.Store()
    scratch.load(" .\n".join(" ".join(t) for t in triples).encode() + b" .\n", format=ox.RdfFormat.N_TRIPLES)
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in scratch}


def test_examples_are_registered_conforming_or_not_and_unreadable_files_named(store: Store, kg: KnowledgeGraph) -> None:
    run = register_files(store, [RIVERBEND, NO_TARGET, MALFORMED, NO_SYSTEM], kg=kg)
    assert [r.source_name for r in run.registrations] == ["riverbend-iso14001.ttl", "no-target.ttl", "no-system.ttl"]
    assert [(r.conforms, r.violations, r.warnings) for r in run.registrations] == [(True, 0, 0), (False, 1, 0), (False, 1, 0)]
    assert [f for f, _ in run.unreadable] == [str(MALFORMED)]
    assert run.unreadable[0][1].startswith(f"{MALFORMED}:14:")
    assert [r.file for r in run.reports] == [str(RIVERBEND), str(NO_TARGET), str(MALFORMED), str(NO_SYSTEM)]
    assert run.exit_code() == 2
    assert registration_graphs(store) == sorted(r.iri for r in run.registrations)
    # the undeclared system is named after the file, so registering the file again is its history
    assert run.registrations[2].system.startswith("https://w3id.org/emskg/registration/undeclared/")


def test_exit_codes_as_validate(store: Store, kg: KnowledgeGraph) -> None:
    assert register_files(store, [RIVERBEND], kg=kg).exit_code() == 0
    assert register_files(store, [RIVERBEND, NO_METRIC], kg=kg).exit_code() == 1
    assert register_files(store, [MALFORMED], kg=kg).exit_code() == 2
    assert register_files(store, [], kg=kg).exit_code() == 0


def test_same_results_as_validate(store: Store, kg: KnowledgeGraph, validator: Validator) -> None:
    files = sorted(EXAMPLES.glob("broken/*.ttl"))
    run = register_files(store, files, kg=kg)
    assert run.reports == [validator.validate_file(f) for f in files]


def test_the_graph_holds_exactly_the_declaration_its_inferences_record_and_report(store: Store,
                                                                                  kg: KnowledgeGraph) -> None:
    at = datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    run = register_files(store, [EASTFIELD], kg=kg, clock=lambda: at)
    reg = run.registrations[0]
    triples = graph(store, reg.iri)
    genid = reg.iri + "/genid/"
    # 1. the declaration, blank nodes skolemised in the report's numbering (first appearance)
    declaration = parse_file(EASTFIELD)
    numbers: dict[ox.BlankNode, int] = {}
    for s, _, o in declaration:
        for t in (s, o):
            if isinstance(t, ox.BlankNode):
                numbers.setdefault(t, len(numbers) + 1)
    assert numbers, "the example has blank nodes"

    def sk(t: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
        return f"<{genid}{numbers[t]}>" if isinstance(t, ox.BlankNode) else _nt(t)

    stated = canonical({(sk(s), _nt(p), sk(o)) for s, p, o in declaration})
    assert stated <= triples
    assert not any(t.startswith("_:") for triple in triples for t in triple)
    # 2. the inferences that mention a declaration node, none about knowledge-base terms alone
    inferred = Validator(kg, record_checks=False).examine(declaration, str(EASTFIELD))[1]
    nodes = {s for s, _, _ in declaration} | set(numbers)
    mentioning = canonical({(sk(s), _nt(p), sk(o)) for s, p, o in inferred if s in nodes or o in nodes})
    assert ("<https://example.org/eastfield/SafetySystem>", f"<{EMS}coversElement>",
            "<https://w3id.org/emskg/kb/Measurement>") in mentioning
    assert mentioning <= triples
    # 3. the record
    r = f"<{reg.iri}>"
    record = {
        (r, "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", f"<{EMS}Registration>"),
        (r, f"<{EMS}registers>", "<https://example.org/eastfield/SafetySystem>"),
        (r, f"<{EMS}registeredAt>", '"2025-03-04T05:06:07.890123Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>'),
        (r, f"<{EMS}conforms>", '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'),
        (r, f"<{EMS}violationCount>", '"0"^^<http://www.w3.org/2001/XMLSchema#integer>'),
        (r, f"<{EMS}warningCount>", '"0"^^<http://www.w3.org/2001/XMLSchema#integer>'),
        (r, f"<{EMS}sourceName>", '"eastfield-osha-vpp.jsonld"'),
        (r, f"<{EMS}buildDigest>", f'"{kg.digest}"'),
        (r, f"<{EMS}validationReport>", f"<{reg.iri}#report>"),
    }
    report = {
        (f"<{reg.iri}#report>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", f"<{SH}ValidationReport>"),
        (f"<{reg.iri}#report>", f"<{SH}conforms>", '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'),
    }
    # 4. each Appendix C element of the knowledge graph the system does not cover, recorded as lacking
    system = "<https://example.org/eastfield/SafetySystem>"
    elements = {_nt(q.subject) for q in kg.store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                                                     ox.NamedNode(f"{EMS}Element"),
                                                                     ox.DefaultGraph())}
    covered = {o for s, p, o in stated | mentioning if s == system and p == f"<{EMS}coversElement>"}
    assert len(elements) > 50 and covered and covered < elements
    lacking = {(system, f"<{EMS}lacksElement>", e) for e in elements - covered}
    # nothing else: a conforming declaration's report has no result, so no shape label either
    assert triples == stated | mentioning | record | report | lacking
    assert reg.id == reg.iri.rsplit("/", 1)[1] and len(reg.id) == 16


def test_a_report_is_stored_as_shacl_results_with_suggestions_and_shape_labels(store: Store,
                                                                              kg: KnowledgeGraph,
                                                                              validator: Validator) -> None:
    reg = register_files(store, [NO_TARGET], kg=kg).registrations[0]
    expected = validator.validate_file(NO_TARGET).results[0]
    r = f"<{reg.iri}#r1>"
    triples = graph(store, reg.iri)
    assert (f"<{reg.iri}#report>", f"<{SH}result>", r) in triples
    fields = {p: o for s, p, o in triples if s == r and p != f"<{EMS}suggestedInitiative>"}
    assert fields == {
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>": f"<{SH}ValidationResult>",
        f"<{SH}focusNode>": "<https://example.org/millbrook/TurbidityObjective>",
        f"<{SH}resultPath>": f"<{EMS}hasTarget>",
        f"<{SH}resultSeverity>": f"<{SH}Violation>",
        f"<{SH}sourceShape>": "<https://w3id.org/emskg/shapes#ObjectiveTargetShape>",
        f"<{SH}sourceConstraintComponent>": f"<{expected.constraint_component}>",
        f"<{SH}resultMessage>": _nt(ox.Literal(expected.message, language="en")),
    }
    suggested = {o for s, p, o in triples if s == r and p == f"<{EMS}suggestedInitiative>"}
    assert suggested == {f"<{s.initiative}>" for s in expected.suggestions} and suggested
    assert ("<https://w3id.org/emskg/shapes#ObjectiveTargetShape>", "<http://www.w3.org/2000/01/rdf-schema#label>",
            '"objective has a target"@en') in triples


def test_each_declaration_is_written_whole_in_one_insert(store: Store, kg: KnowledgeGraph,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    graphs_per_insert: list[set[str]] = []
    insert = store.add_graphs

    def recording(payloads: list[GraphPayload]) -> None:
        graphs_per_insert.append({p.name for p in payloads})
        assert all(q.graph_name.value == p.name for p in payloads for q in p.parsed())  # type: ignore[union-attr]
        insert(payloads)

    monkeypatch.setattr(store, "add_graphs", recording)
    monkeypatch.setattr(registry, "BATCH_DECLARATIONS", 2)
    files = sorted(EXAMPLES.glob("broken/*.ttl"))[:5]
    run = register_files(store, files, kg=kg)
    assert [len(g) for g in graphs_per_insert] == [2, 2, 1]  # several whole declarations per call
    for reg in run.registrations:  # each graph in exactly one call
        assert sum(reg.iri in g for g in graphs_per_insert) == 1


def test_a_failed_write_leaves_earlier_declarations_whole_and_later_ones_absent(store: Store, kg: KnowledgeGraph,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    insert = store.add_graphs

    def failing_second(payloads: list[GraphPayload]) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("disk full")
        insert(payloads)

    monkeypatch.setattr(store, "add_graphs", failing_second)
    monkeypatch.setattr(registry, "BATCH_DECLARATIONS", 1)
    with pytest.raises(OSError):
        register_files(store, [RIVERBEND, NO_TARGET, NO_METRIC], kg=kg)
    graphs = registration_graphs(store)
    assert len(graphs) == 1
    assert any(o == '"riverbend-iso14001.ttl"' for _, _, o in graph(store, graphs[0]))


def test_registering_again_adds_a_newer_registration(store: Store, kg: KnowledgeGraph) -> None:
    clock = ticking(datetime(2024, 5, 1, tzinfo=UTC))
    first = register_files(store, [NO_TARGET], kg=kg, clock=clock).registrations[0]
    second = register_files(store, [NO_METRIC], kg=kg, clock=clock).registrations[0]
    assert first.system == second.system == MILLBROOK and first.id != second.id
    assert len(registration_graphs(store)) == 2
    (row,) = [s for s in list_systems(store) if s["system"] == MILLBROOK]
    assert row == {"system": MILLBROOK, "label": "Millbrook Quality Management System", "id": second.id,
                   "registeredAt": "2024-05-02T00:00:00Z", "conforms": False, "violations": 1, "warnings": 0,
                   "sourceName": "no-metric.ttl", "reportingPeriod": None, "registrations": 2}


def test_files_of_one_run_keep_their_order_at_the_same_instant(store: Store, kg: KnowledgeGraph) -> None:
    """Registration times of one run strictly increase (never equal), so the last file is the latest."""
    run = register_files(store, [NO_TARGET, NO_METRIC, NO_TARGET], kg=kg)
    times = [r.registered_at for r in run.registrations]
    assert times == sorted(times) and len(set(times)) == 3
    (row,) = [s for s in list_systems(store) if s["system"] == MILLBROOK]
    assert row["id"] == run.registrations[-1].id and row["registrations"] == 3


def test_reporting_period_is_recorded(store: Store, kg: KnowledgeGraph) -> None:
    reg = register_files(store, [EXAMPLES / "sector" / "2024-alder.ttl"], kg=kg).registrations[0]
    assert reg.reporting_period == "2024"
    assert (f"<{reg.iri}>", f"<{EMS}reportingPeriod>", '"2024"^^<http://www.w3.org/2001/XMLSchema#gYear>') \
        in graph(store, reg.iri)
    assert list_systems(store)[0]["reportingPeriod"] == "2024"


def test_unregister_removes_every_registration_of_a_system(store: Store, kg: KnowledgeGraph) -> None:
    register_files(store, [NO_TARGET, RIVERBEND, NO_METRIC], kg=kg)
    assert unregister(store, [MILLBROOK]) == 2
    assert [s["system"] for s in list_systems(store)] == ["https://example.org/riverbend/IMS"]
    assert len(registration_graphs(store)) == 1
    with pytest.raises(NotFoundError, match="no registration of https://example.org/millbrook/QMS"):
        unregister(store, [MILLBROOK])
    with pytest.raises(InputError):
        unregister(store, ["not an iri"])


def test_unregister_checks_every_system_before_removing_any(store: Store, kg: KnowledgeGraph) -> None:
    register_files(store, [RIVERBEND], kg=kg)
    with pytest.raises(NotFoundError):
        unregister(store, ["https://example.org/riverbend/IMS", "https://example.org/nobody"])
    assert len(registration_graphs(store)) == 1


def test_register_bytes_and_the_report_read_back_like_validate_json(store: Store, kg: KnowledgeGraph,
                                                                     validator: Validator) -> None:
    reg, report = register_bytes(store, EASTFIELD.read_bytes(), "jsonld", "eastfield.jsonld", kg=kg)
    assert report.conforms and reg.source_name == "eastfield.jsonld"
    reg2, report2 = register_bytes(store, NO_TARGET.read_bytes(), "turtle", "no-target.ttl", kg=kg)
    back = registration_report(store, reg2.id)
    expected = report2.to_json()
    assert back["file"] == "no-target.ttl" and back["conforms"] is False and back["violations"] == 1
    assert [{k: v for k, v in r.items() if k != "suggestions"} for r in back["results"]] == \
        [{k: v for k, v in r.items() if k != "suggestions"} for r in expected["results"]]
    assert [[s["initiative"] for s in r["suggestions"]] for r in back["results"]] == \
        [[s["initiative"] for s in r["suggestions"]] for r in expected["results"]]
    assert registration_report(store, reg2.iri)["id"] == reg2.id
    with pytest.raises(NotFoundError):
        registration_report(store, "0123456789abcdef")
    with pytest.raises(NotFoundError):
        registration_report(store, "../etc")
    with pytest.raises(InputError):
        register_bytes(store, b"@prefix broken", "turtle", "broken.ttl", kg=kg)
    assert len(registration_graphs(store)) == 2


def test_blank_node_focus_reads_back_as_in_validate(store: Store, kg: KnowledgeGraph) -> None:
    text = EASTFIELD.read_text().replace('"hasTarget": {"@type"', '"hasTargetX": {"@type"')  # objectives lose their targets
    reg, report = register_bytes(store, text.encode(), "jsonld", "eastfield.jsonld", kg=kg)
    assert not report.conforms and any(r.focus_node.startswith("_:b") for r in report.results)
    back = registration_report(store, reg.id)
    assert [r["focusNode"] for r in back["results"]] == [r.focus_node for r in report.results]


def test_jobs_give_the_same_registrations(kg: KnowledgeGraph, tmp_path: Path) -> None:
    files = [*sorted(EXAMPLES.glob("*/*.ttl")), EASTFIELD] * 3
    graphs = []
    for jobs in (1, 2):
        store = make_store("oxigraph", tmp_path / str(jobs), kg)
        run = register_files(store, files, jobs=jobs, kg=kg, clock=ticking(datetime(2025, 1, 1, tzinfo=UTC)))
        graphs.append((run.exit_code(), [(r.id, r.system, r.conforms, r.violations, r.warnings, r.source_name)
                                         for r in run.registrations], run.unreadable,
                       {iri: graph(store, iri) for iri in registration_graphs(store)}))
        store.close()
    assert graphs[0] == graphs[1]
    assert len(graphs[0][1]) == 3 * (len(files) // 3 - 1)


def test_the_clock_never_repeats_an_instant(monkeypatch: pytest.MonkeyPatch) -> None:
    fixed = datetime(2025, 1, 1, tzinfo=UTC)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: object = None) -> Frozen:  # type: ignore[override]
            return fixed  # type: ignore[return-value]

    monkeypatch.setattr(registry, "datetime", Frozen)
    clock = registry._Clock()
    step = timedelta(microseconds=1)
    assert [clock.now() for _ in range(3)] == [fixed, fixed + step, fixed + 2 * step]


def test_a_declaration_with_axioms_stores_no_knowledge_base_only_inference(store: Store, kg: KnowledgeGraph) -> None:
    """Axioms make the reasoner start from scratch (the whole KB closure comes back as inferred);
    only what mentions the declaration's nodes is stored."""
    text = RIVERBEND.read_bytes() + b"\nex:Extra rdfs:subClassOf ems:Objective .\n"
    reg, report = register_bytes(store, text, "turtle", "riverbend-axiom.ttl", kg=kg)
    triples = graph(store, reg.iri)
    kb_only = [t for t in triples if t[0].startswith("<https://w3id.org/emskg/kb/")
               and not t[2].startswith("<https://example.org/")]
    assert not kb_only
    assert ("<https://example.org/riverbend/IMS>", f"<{EMS}coversElement>", "<https://w3id.org/emskg/kb/Measurement>") \
        in triples


_AWKWARD = """@prefix ems: <https://w3id.org/emskg/ontology#> .
@prefix kb: <https://w3id.org/emskg/kb/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/awkward/System> a ems:ManagementSystem ;
    rdfs:label "quote \\" backslash \\\\ tab \\t newline \\n end .\\n <x> .", "ünïcödé ✓ 𝄞"@de ;
    ems:reviewFrequency "P3M"^^xsd:duration ;
    ems:implementsElement kb:InternalAudit ;
    ems:hasObjective [ rdfs:label "a blank-node objective"@en ] .
"""


@pytest.mark.parametrize("source", sorted(p.name for p in EXAMPLES.glob("*/*.*")
                                         if p.suffix in (".ttl", ".jsonld") and p.parent.name != "malformed") + ["awkward.ttl"])
def test_the_payload_text_is_the_registration_quads(source: str, kg: KnowledgeGraph, tmp_path: Path) -> None:
    # registration_payload writes N-Quads itself (not through a serialiser): it must say exactly the quads
    if source == "awkward.ttl":
        path = tmp_path / source
        path.write_text(_AWKWARD, encoding="utf-8")
    else:
        path = next(EXAMPLES.glob(f"*/{source}"))
    examined = registry._Examiner(registry._validator(kg)).examine_file(str(path))
    assert examined.report.error is None
    at = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    _, quads = registry.registration_quads(examined, at, kg.digest)
    _, payload = registry.registration_payload(examined, at, kg.digest)
    reg = ox.NamedNode(payload.name)
    assert payload.body.endswith(b"\n") and payload.record.endswith(b"\n")
    body = list(ox.parse(payload.body, format=ox.RdfFormat.N_QUADS))
    record = list(ox.parse(payload.record, format=ox.RdfFormat.N_QUADS))
    assert all(q.subject == reg for q in record) and not any(q.subject == reg for q in body)
    assert sorted(map(str, body + record)) == sorted(map(str, quads))
    assert payload.quads == len(quads)

"""The SHACL shapes: documented and cited, and each example gives exactly the results its header states.

The examples are the test data (Brick-style): every file in examples/ is checked here, and every
broken file states, in its ``# expect:`` lines, the results (severity, shape, focus node) it must give.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from conftest import EXAMPLE_FILES, EXAMPLES, ROOT, expected_results
from emskg.core.rdfio import parse_file
from emskg.graph.store import KnowledgeGraph

SH = "http://www.w3.org/ns/shacl#"
EMS = "https://w3id.org/emskg/ontology#"
KB = "https://w3id.org/emskg/kb/"
EMSH = "https://w3id.org/emskg/shapes#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"
DCT_SOURCE = "http://purl.org/dc/terms/source"

SHAPE_TRIPLES = [t for f in sorted((ROOT / "shapes").glob("*.ttl")) for t in parse_file(f)]


def _props(subject: str) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for s, p, o in SHAPE_TRIPLES:
        if isinstance(s, ox.NamedNode) and s.value == subject:
            out.setdefault(p.value, []).append(o)
    return out


SHAPES = sorted({s.value for s, p, o in SHAPE_TRIPLES if isinstance(s, ox.NamedNode) and p.value == RDF_TYPE
                 and o.value in (SH + "NodeShape", SH + "PropertyShape")})

#: What the issue requires to be a violation; everything else emskg adds must be a warning.
REQUIRED_VIOLATIONS = {
    "ObjectiveMetricShape", "ObjectiveTargetShape", "ObjectiveReviewShape", "PolicyShape", "CommitmentShape",
    "SelectsOutcomeShape", "OutcomeObjectiveShape", "PlanComponentShape", "DoComponentShape",
    "CheckComponentShape", "ActComponentShape", "MeasurementShape", "InternalAuditShape", "ReportingShape",
    "NonconformanceShape", "ManagementReviewElementShape", "ImprovementPlansShape", "KnownOutcomeShape",
    "KnownObjectiveOutcomeShape", "KnownElementShape", "KnownInitiativeShape", "FrameworkShape",
    "DeclarationShape",
}


#: Every shape shapes/ ships; a shape added or removed must be added here (and documented).
ALL_SHAPES = REQUIRED_VIOLATIONS | {
    "ObjectiveInScopeShape", "ObjectiveOutcomeShape", "ObjectiveOwnerShape", "OperatorShape", "KnownStageShape",
    "ReviewFrequencyShape",
    "ToolsWithoutFrameworkShape",
}
EMS_ = "https://w3id.org/emskg/ontology#"
KB_ = "https://w3id.org/emskg/kb/"
#: What each shape says is missing (ems:gapComponent / ems:gapElement): the suggestions hang on these.
GAPS = {
    ("ActComponentShape", "component", EMS_ + "Act"), ("CheckComponentShape", "component", EMS_ + "Check"),
    ("DoComponentShape", "component", EMS_ + "Do"), ("PlanComponentShape", "component", EMS_ + "Plan"),
    ("ToolsWithoutFrameworkShape", "component", EMS_ + "Act"), ("ToolsWithoutFrameworkShape", "component", EMS_ + "Check"),
    ("CommitmentShape", "element", KB_ + "ManagementCommitment"), ("ImprovementPlansShape", "element", KB_ + "ImprovementPlans"),
    ("InternalAuditShape", "element", KB_ + "InternalAudit"),
    ("ManagementReviewElementShape", "element", KB_ + "ManagementReview"),
    ("MeasurementShape", "element", KB_ + "Measurement"),
    ("NonconformanceShape", "element", KB_ + "NonconformanceCorrectiveAction"),
    ("ObjectiveMetricShape", "element", KB_ + "Metrics"), ("ObjectiveOwnerShape", "element", KB_ + "StaffRoles"),
    ("ObjectiveReviewShape", "element", KB_ + "ManagementReview"), ("ObjectiveTargetShape", "element", KB_ + "GoalsAndTargets"),
    ("OutcomeObjectiveShape", "element", KB_ + "GoalsAndTargets"), ("PolicyShape", "element", KB_ + "PolicyStatement"),
    ("ReportingShape", "element", KB_ + "Reporting"), ("SelectsOutcomeShape", "element", KB_ + "SelectionOfOutcomes"),
}


def test_the_shapes_are_there() -> None:
    assert {s.removeprefix(EMSH) for s in SHAPES} == ALL_SHAPES


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.removeprefix(EMSH))
def test_every_shape_is_documented_and_cites_the_report(shape: str, kg: KnowledgeGraph) -> None:
    props = _props(shape)
    for needed in (SH + "message", SH + "severity", RDFS_LABEL, SKOS_DEFINITION, DCT_SOURCE):
        assert props.get(needed), f"{shape} has no {needed}"
    sections = {q.subject.value for q in kg.store.quads_for_pattern(
        None, ox.NamedNode(RDF_TYPE), ox.NamedNode(EMS + "ReportSection"), ox.DefaultGraph())}
    for source in props[DCT_SOURCE]:
        assert source.value in sections, f"{shape} cites {source.value}, which is not a report section"
        assert source.value.startswith((KB + "sec-", KB + "appendix-"))


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.removeprefix(EMSH))
def test_severity_is_violation_only_where_the_report_requires(shape: str) -> None:
    (severity,) = _props(shape)[SH + "severity"]
    expected = "Violation" if shape.removeprefix(EMSH) in REQUIRED_VIOLATIONS else "Warning"
    assert severity.value == SH + expected


def test_gap_annotations_name_components_and_elements_of_the_kb(kg: KnowledgeGraph) -> None:
    def is_a(iri: str, cls: str) -> bool:
        return any(kg.store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(RDF_TYPE), ox.NamedNode(EMS + cls),
                                              ox.DefaultGraph()))

    annotated = set()
    for shape in SHAPES:
        props = _props(shape)
        for c in props.get(EMS + "gapComponent", []):
            assert is_a(c.value, "Component"), c
            annotated.add((shape.removeprefix(EMSH), "component", c.value))
        for e in props.get(EMS + "gapElement", []):
            assert is_a(e.value, "Element"), e
            annotated.add((shape.removeprefix(EMSH), "element", e.value))
    assert annotated == GAPS


def test_the_kb_uses_no_declaration_vocabulary(kg: KnowledgeGraph) -> None:
    """What makes the fast engine's slice equal to the whole graph: no shape can target a KB node."""
    targets = {o.value for s, p, o in SHAPE_TRIPLES if p.value in (SH + "targetClass", SH + "targetObjectsOf",
                                                                   SH + "targetSubjectsOf")}
    assert EMS + "ManagementSystem" in targets and EMS + "hasObjective" in targets
    for iri in targets:
        term = ox.NamedNode(iri)
        instances = list(kg.store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), term, ox.DefaultGraph()))
        uses = list(kg.store.quads_for_pattern(None, term, None, ox.DefaultGraph()))
        assert not instances and not uses, f"the knowledge graph uses {iri}, which a shape targets"


# --- every example gives exactly the results its header states -------------------------------------

@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_gives_the_results_it_states(path: Path, validator: Any) -> None:
    report = validator.validate_file(path)
    if path.parent.name == "malformed":
        assert report.error is not None and report.error.startswith(f"{path}:")
        return
    assert report.error is None
    got = {(r.severity, r.source_shape, r.focus_node) for r in report.results}
    assert got == expected_results(path)
    assert report.conforms == (not any(sev == "Violation" for sev, _, _ in got))
    if path.parent.name == "conforming":
        assert got == set() and report.conforms
    elif path.parent.name != "sector":  # a sector's declarations conform or not, year by year
        assert got, f"{path} is in broken/ but states no result"


def test_every_required_violation_has_a_broken_example() -> None:
    stated = {shape.removeprefix(EMSH) for p in EXAMPLE_FILES for sev, shape, _ in expected_results(p)}
    assert REQUIRED_VIOLATIONS - stated <= {
        # covered by the component/element shapes' examples, and by the unit tests below
        "DoComponentShape", "ActComponentShape", "ManagementReviewElementShape", "ImprovementPlansShape",
        "KnownObjectiveOutcomeShape"}
    assert "ToolsWithoutFrameworkShape" in stated


# --- the rules the issue spells out, one declaration each ----------------------------------------

HEAD = """@prefix ems: <https://w3id.org/emskg/ontology#> . @prefix kb: <https://w3id.org/emskg/kb/> .
@prefix ex: <https://example.org/t/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
CORE = ("kb:PolicyStatement, kb:StandardOperatingProcedures, kb:Measurement, kb:InternalAudit, kb:Reporting, "
        "kb:NonconformanceCorrectiveAction, kb:ManagementReview, kb:ImprovementPlans")


def _system(selects: str = "kb:Quality", objective_outcome: str = "kb:Quality", elements: str = CORE,
            extra: str = "") -> bytes:
    return (HEAD + f"""
ex:U a ems:Utility .
ex:S a ems:ManagementSystem ; ems:operatedBy ex:U ; ems:basedOnFramework kb:ISO9002 ;
    ems:selectsOutcome {selects} ; ems:hasPolicy ex:P ; ems:hasCommitment ex:C ;
    ems:implementsElement {elements} ; ems:hasObjective ex:O {extra} .
ex:O a ems:Objective ; ems:forOutcome {objective_outcome} ; ems:hasTarget ex:T ; ems:measuredBy ex:M ;
    ems:reviewedIn ex:R ; ems:responsibleParty ex:U .
ex:R ems:frequency "P1Y"^^xsd:duration .
""").encode()


def _shapes_hit(validator: Any, data: bytes) -> set[str]:
    report = validator.validate_bytes(data, ox.RdfFormat.TURTLE, "test.ttl")
    assert report.error is None, report.error
    return {r.source_shape.removeprefix(EMSH) for r in report.results}


def test_the_minimal_system_conforms(validator: Any) -> None:
    assert _shapes_hit(validator, _system()) == set()


def test_an_objective_for_a_sub_outcome_counts_for_the_selected_broader_outcome(validator: Any) -> None:
    assert _shapes_hit(validator, _system("kb:ImpactsRisks", "kb:EnvironmentalImpacts")) == set()
    assert _shapes_hit(validator, _system("kb:Financials", "kb:AssetInvestment")) == set()  # two levels down


def test_an_objective_for_a_broader_outcome_does_not_count_for_a_selected_sub_outcome(validator: Any) -> None:
    hit = _shapes_hit(validator, _system("kb:EnvironmentalImpacts", "kb:ImpactsRisks"))
    assert hit == {"OutcomeObjectiveShape", "ObjectiveInScopeShape"}


def test_a_sub_element_counts_for_its_core_element(validator: Any) -> None:
    elements = CORE.replace("kb:Measurement", "kb:StatisticalTechniques").replace("kb:Reporting", "kb:AuditReports")
    assert _shapes_hit(validator, _system(elements=elements)) == set()


def test_a_broader_element_does_not_count_for_internal_audit(validator: Any) -> None:
    assert _shapes_hit(validator, _system(elements=CORE.replace("kb:InternalAudit", "kb:Audits"))) == {
        "InternalAuditShape"}


@pytest.mark.parametrize("element,shape", [
    ("kb:Measurement", "MeasurementShape"), ("kb:InternalAudit", "InternalAuditShape"),
    ("kb:Reporting", "ReportingShape"), ("kb:NonconformanceCorrectiveAction", "NonconformanceShape"),
    ("kb:ManagementReview", "ManagementReviewElementShape"), ("kb:ImprovementPlans", "ImprovementPlansShape"),
])
def test_each_core_element_is_required(element: str, shape: str, validator: Any) -> None:
    elements = ", ".join(e for e in CORE.split(", ") if e != element)
    assert _shapes_hit(validator, _system(elements=elements)) == {shape}


def test_each_component_needs_an_element(validator: Any) -> None:
    no_do = CORE.replace("kb:StandardOperatingProcedures, ", "")
    assert _shapes_hit(validator, _system(elements=no_do)) == {"DoComponentShape"}
    no_act = CORE.replace(", kb:ManagementReview, kb:ImprovementPlans", "")
    assert _shapes_hit(validator, _system(elements=no_act)) == {
        "ActComponentShape", "ManagementReviewElementShape", "ImprovementPlansShape"}


def test_an_objective_outcome_must_exist(validator: Any) -> None:
    hit = _shapes_hit(validator, _system("kb:Quality, kb:Nonsense", "kb:Nonsense"))
    assert hit == {"KnownOutcomeShape", "KnownObjectiveOutcomeShape", "OutcomeObjectiveShape"}


def test_an_untyped_objective_is_still_checked(validator: Any) -> None:
    data = _system().replace(b"ex:O a ems:Objective ;", b"ex:O").replace(b"ems:measuredBy ex:M ;", b"")
    assert _shapes_hit(validator, data) == {"ObjectiveMetricShape"}


def test_a_framework_that_is_also_a_tool_is_a_framework(validator: Any) -> None:
    data = _system().replace(b"kb:ISO9002", b"kb:NBPEMS")
    assert _shapes_hit(validator, data) == set()
    tools_only = data.replace(b"ems:basedOnFramework kb:NBPEMS ;", b"ems:usesInitiative kb:NBPEMS, kb:CMOM ;")
    report = validator.validate_bytes(tools_only, ox.RdfFormat.TURTLE, "t.ttl")
    assert {(r.source_shape.removeprefix(EMSH), r.value) for r in report.results} == {
        ("ToolsWithoutFrameworkShape", KB + "CMOM")}

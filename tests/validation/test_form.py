"""emskg.validation.form: the declaration form follows the shapes and the knowledge graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emskg import Validator
from emskg.graph.store import KnowledgeGraph
from emskg.validation.form import form_spec

EMS = "https://w3id.org/emskg/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def _field(node: dict[str, Any], path: str) -> dict[str, Any]:
    (field,) = [f for f in node["fields"] if f["path"] == path]
    return field


@pytest.fixture(scope="module")
def spec(kg: KnowledgeGraph) -> dict[str, Any]:
    return form_spec(kg)


def test_sections_follow_the_report(spec: dict[str, Any]) -> None:
    assert [g["label"] for g in spec["groups"]] == [
        "The utility and its management system", "Policy and commitment", "Framework and initiatives used",
        "Outcomes selected", "Appendix C elements in place", "Objectives", "Value-chain stages in scope"]
    assert spec["root"]["class"] == EMS + "ManagementSystem"


def test_pick_lists_come_from_the_graph(spec: dict[str, Any]) -> None:
    elements = _field(spec["root"], EMS + "implementsElement")
    assert elements["kind"] == "choice" and elements["many"] and len(elements["choices"]) == 54
    audit = next(c for c in elements["choices"] if c["value"].endswith("/InternalAudit"))
    assert audit == {"value": "https://w3id.org/emskg/kb/InternalAudit", "label": "Internal audit", "group": "Check",
                     "number": "IV.B.1", "core": True}
    frameworks = _field(spec["root"], EMS + "basedOnFramework")
    assert not frameworks["many"] and len(frameworks["choices"]) == 5
    assert {c["label"] for c in frameworks["choices"]} >= {"ISO 14001 – EMS Standard", "OSHA Voluntary Protection Program"}
    review = _field(_field(_field(spec["root"], EMS + "hasObjective")["node"], EMS + "reviewedIn")["node"], EMS + "frequency")
    assert [c["value"] for c in review["choices"]] == ["P1Y", "P6M", "P3M", "P1M"]
    assert review["datatype"] == "http://www.w3.org/2001/XMLSchema#duration"


def test_requirements_come_from_the_validation_shapes(spec: dict[str, Any]) -> None:
    root = spec["root"]
    assert _field(root, EMS + "hasPolicy")["need"] == "required"        # emsh:PolicyShape, a violation
    assert _field(root, EMS + "operatedBy")["need"] == "recommended"    # emsh:OperatorShape, a warning
    assert _field(root, EMS + "inScope")["need"] is None
    objective = _field(root, EMS + "hasObjective")
    assert objective["many"] and objective["kind"] == "node"
    needs = {f["path"].rsplit("#", 1)[-1]: f["need"] for f in objective["node"]["fields"]}
    assert needs == {"label": None, "forOutcome": "recommended", "hasTarget": "required", "measuredBy": "required",
                     "reviewedIn": "required", "responsibleParty": "recommended"}


def test_add_a_property_to_the_shapes_and_the_form_follows(kg: KnowledgeGraph, data_copy: Path) -> None:
    form_file = data_copy / "shapes" / "form" / "declaration-form.ttl"
    form_file.write_text(form_file.read_text(encoding="utf-8") + """
emsh:BudgetGroup a sh:PropertyGroup ; rdfs:label "Budget"@en ; sh:order 8 .
emsh:ManagementSystemForm sh:property [
    sh:path rdfs:comment ; sh:name "Description"@en ; sh:group emsh:UtilityGroup ; sh:order 3 ;
    sh:description "What the system covers."@en ] ,
  [ sh:path ems:annualBudget ; sh:name "Annual budget"@en ; sh:group emsh:BudgetGroup ; sh:order 1 ;
    sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:decimal ] .
""", encoding="utf-8")
    spec = form_spec(kg, shapes_dir=data_copy / "shapes")
    assert spec["groups"][-1]["label"] == "Budget"
    description = _field(spec["root"], RDFS + "comment")
    assert (description["name"], description["kind"], description["group"]) == (
        "Description", "text", "https://w3id.org/emskg/shapes#UtilityGroup")
    budget = _field(spec["root"], EMS + "annualBudget")
    assert (budget["kind"], budget["need"], budget["many"]) == ("number", "required", False)


def test_validation_does_not_load_the_form_shapes(validator: Validator) -> None:
    assert validator.compiled is not None  # the fast engine: no nested shape came in
    assert not any("Form" in iri for iri in validator.shapes.info)

"""The compiled SHACL engine gives pyshacl's results, and refuses what it does not implement."""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from emskg import FileReport, Validator
from emskg.core.rdfio import parse_bytes
from emskg.graph.store import KnowledgeGraph
from emskg.shacl.engine import CompiledShapes, UnsupportedShape, well_formed

sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402  (bench/generate.py: realistic synthetic declarations)

PREFIXES = """@prefix ems: <https://w3id.org/emskg/ontology#> . @prefix kb: <https://w3id.org/emskg/kb/> .
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix ex: <https://example.org/x/> .
"""


def outcome(report: FileReport) -> tuple[object, ...]:
    """Everything a result says, so two engines must agree on all of it."""
    return (report.conforms, report.error, sorted(
        (r.focus_node, r.result_path or "", r.source_shape, r.severity, r.value or "", r.message,
         r.constraint_component or "", tuple(s.initiative for s in r.suggestions)) for r in report.results))


@pytest.fixture(scope="module")
def engines(kg: KnowledgeGraph) -> tuple[Validator, Validator]:
    fast = Validator(kg)
    assert fast.compiled is not None, "the shipped shapes must run on the compiled engine"
    return fast, Validator(kg, engine="pyshacl")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("generated")
    generate.generate(150, folder, defect_share=0.5, seed=20261123)
    return sorted(folder.glob("*.ttl"))


def test_same_results_as_pyshacl_on_generated_declarations(engines: tuple[Validator, Validator],
                                                           generated: list[Path]) -> None:
    fast, slow = engines
    found = 0
    for f in generated:
        a, b = fast.validate_file(f), slow.validate_file(f)
        assert outcome(a) == outcome(b), f.name
        found += len(a.results)
    assert found > 50  # the generator planted defects: the comparison compared something


@pytest.mark.parametrize("frequency", ['"P1Y"^^xsd:duration', '"P6M"^^xsd:duration', '"PT12H"^^xsd:duration',
                                       '"P1.5Y"^^xsd:duration', '"P"^^xsd:duration', '"PT"^^xsd:duration',
                                       '"yearly"^^xsd:duration', '"yearly"', '"P1Y"@en', "12", "ex:Yearly"])
def test_literal_edge_cases_agree(engines: tuple[Validator, Validator], frequency: str) -> None:
    fast, slow = engines
    declaration = (PREFIXES + f"""
        ex:S a ems:ManagementSystem ; ems:hasObjective ex:O ; ems:selectsOutcome kb:Financials .
        ex:O a ems:Objective ; ems:forOutcome kb:Financials ; ems:reviewedIn ex:R .
        ex:R a ems:ManagementReview ; ems:frequency {frequency} .""").encode()
    a = fast.validate_bytes(declaration, ox.RdfFormat.TURTLE, "edge.ttl")
    b = slow.validate_bytes(declaration, ox.RdfFormat.TURTLE, "edge.ttl")
    assert outcome(a) == outcome(b)


def test_blank_node_focus_nodes_agree(engines: tuple[Validator, Validator]) -> None:
    fast, slow = engines
    declaration = (PREFIXES + """
        ex:S a ems:ManagementSystem ; ems:selectsOutcome kb:Quality ;
            ems:hasObjective [ ems:forOutcome kb:Financials ] , [ ems:forOutcome kb:ServiceQuality ; ems:measuredBy [] ] .
        """).encode()
    a = fast.validate_bytes(declaration, ox.RdfFormat.TURTLE, "bnodes.ttl")
    assert any(r.focus_node.startswith("_:") for r in a.results)
    assert outcome(a) == outcome(slow.validate_bytes(declaration, ox.RdfFormat.TURTLE, "bnodes.ttl"))


def _shapes(ttl: str) -> list:  # type: ignore[type-arg]
    return parse_bytes((PREFIXES + ttl).encode(), ox.RdfFormat.TURTLE)


@pytest.mark.parametrize(("ttl", "message"), [
    ("ex:A a sh:NodeShape ; sh:targetClass ems:Objective ; sh:property [ sh:path ems:x ; sh:minCount 1 ] .", "nested"),
    ("ex:A a sh:PropertyShape ; sh:targetClass ems:Objective ; sh:path ems:x ; sh:pattern \"^a\" .", "pattern"),
    ("ex:A a sh:PropertyShape ; sh:targetClass ems:Objective ; sh:path ( ems:x ems:y ) ; sh:minCount 1 .", "path"),
    ("ex:A a sh:PropertyShape ; sh:targetClass ems:Objective ; sh:path ems:x ; "
     "sh:qualifiedValueShape [ sh:class ems:Metric ] ; sh:qualifiedMinCount 1 .", "nested"),
    ("ex:A a sh:NodeShape ; sh:targetClass ems:Objective ; sh:sparql [ sh:ask \"ASK {}\" ] .", "SELECT"),
])
def test_unsupported_features_are_refused_at_compile_time(ttl: str, message: str) -> None:
    with pytest.raises(UnsupportedShape, match=message):
        CompiledShapes(_shapes(ttl), [])


def test_batching_is_only_for_queries_that_cannot_mix_focus_nodes() -> None:
    shapes = CompiledShapes(_shapes("""
        ex:A a sh:NodeShape ; sh:targetClass ems:Objective ;
            sh:sparql [ sh:select "SELECT $this WHERE { $this ems:x ?y }" ] .
        ex:B a sh:NodeShape ; sh:targetClass ems:Objective ;
            sh:sparql [ sh:select "SELECT $this (COUNT(?y) AS ?n) WHERE { $this ems:x ?y } GROUP BY $this" ] .
        ex:C a sh:NodeShape ; sh:targetClass ems:Objective ; sh:sparql [ sh:select "SELECT ?y WHERE { $this ems:x ?y }" ] .
    """), [])
    flags = {s.iri.rsplit("/", 1)[-1]: s.sparql[0].batchable for s in shapes.shapes}
    assert flags == {"A": True, "B": False, "C": False}


def test_shapes_the_engine_cannot_run_fall_back_to_pyshacl(kg: KnowledgeGraph, tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    shapes = tmp_path / "shapes"
    shutil.copytree(ROOT / "shapes", shapes)
    (shapes / "extra.ttl").write_text(PREFIXES + """
        ex:LabelPattern a sh:PropertyShape ; sh:targetClass ems:Objective ; sh:path rdfs:label ;
            sh:pattern "^[A-Z]" ; sh:severity sh:Warning ; sh:message "Labels start with a capital." .""")
    fallback = Validator(kg, shapes_dir=shapes)
    assert fallback.compiled is None
    assert "using pyshacl" in caplog.text  # a warning of emskg's logger, not a print
    declaration = (PREFIXES + "ex:S a ems:ManagementSystem ; ems:hasObjective ex:O . "
                   'ex:O a ems:Objective ; rdfs:label "lower case" .').encode()
    a = fallback.validate_bytes(declaration, ox.RdfFormat.TURTLE, "x.ttl")
    b = Validator(kg, engine="pyshacl", shapes_dir=shapes).validate_bytes(declaration, ox.RdfFormat.TURTLE, "x.ttl")
    assert outcome(a) == outcome(b)
    assert any(r.source_shape.endswith("LabelPattern") for r in a.results)


def test_the_scratch_store_is_recycled(kg: KnowledgeGraph, generated: list[Path]) -> None:
    v = Validator(kg)
    assert v.compiled is not None
    for shape in v.compiled.shapes:  # send every SPARQL constraint to pyoxigraph's scratch store
        shape.sparql = [dataclasses.replace(c, plan=None) for c in shape.sparql]
    v.compiled.RECYCLE_EVERY = 7  # type: ignore[misc]
    first = [outcome(v.validate_file(f)) for f in generated[:20]]
    assert 1 <= v.compiled._used <= 7  # used, and recycled (20 declarations went through it)
    again = [outcome(Validator(kg).validate_file(f)) for f in generated[:20]]
    assert first == again


def _rdflib_says_ill_typed(value: str, datatype: str) -> bool:
    import logging
    import warnings

    import rdflib

    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bool(rdflib.Literal(value, datatype=rdflib.URIRef(datatype)).ill_typed)


DURATION_TEXT = st.text(alphabet="P T Y M W D H S 0 1 9 . , - + : Z".replace(" ", ""), max_size=12)


@settings(max_examples=400, deadline=None)
@given(value=DURATION_TEXT | st.sampled_from(["P1Y", "PT", "P", "P1.5Y", "P0001-02-03", "P2024-01-01T00:00:00",
                                               "-P1D", "P1Y\n", "yearly", ""]))
def test_duration_well_formedness_matches_rdflib(value: str) -> None:
    xsd_duration = "http://www.w3.org/2001/XMLSchema#duration"
    lit = ox.Literal(value, datatype=ox.NamedNode(xsd_duration))
    assert well_formed(lit) == (not _rdflib_says_ill_typed(value, xsd_duration))

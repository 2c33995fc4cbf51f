"""Quality-control queries: none fires on the knowledge base, and each fires on a planted fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from emskg.core.paths import DataPaths
from emskg.graph.store import KnowledgeGraph, load_graph
from emskg.query.named import list_queries
from emskg.query.sparql import run_sparql

QC = {q.name: q for q in list_queries(include_qc=True) if q.name.startswith("qc/")}

PREFIXES = """@prefix ems: <https://w3id.org/emskg/ontology#> . @prefix kb: <https://w3id.org/emskg/kb/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""

#: One planted fault per QC query: Turtle added to a copy of the KB that the query must catch.
FAULTS = {
    "qc/missing-label-violation": "kb:X a ems:Barrier ; skos:definition \"d\" ; dcterms:source kb:sec-6.2 .",
    "qc/missing-source-violation": "kb:X a ems:Barrier ; rdfs:label \"x\" ; skos:definition \"d\" .",
    "qc/missing-definition-violation": "kb:X a ems:Barrier ; rdfs:label \"x\" ; dcterms:source kb:sec-6.2 .",
    "qc/source-not-a-section-violation": "kb:Quality dcterms:source kb:NoSuchSection .",
    "qc/claim-without-evidence-violation":
        "kb:QualServe ems:componentSupport [ a ems:ComponentSupport ; ems:component ems:Act ; ems:evidence \"e\" ;"
        " dcterms:source kb:sec-5.2 ] .",  # evidence but no support level
    "qc/component-contradiction-violation":
        "kb:BalancedScorecard ems:elementSupport [ a ems:ElementSupport ; ems:element kb:InternalAudit ;"
        " ems:evidence \"e\" ; dcterms:source kb:sec-5.2 ] .",
    "qc/untyped-initiative-violation":
        "kb:X a ems:ManagementInitiative ; rdfs:label \"x\" ; skos:definition \"d\" ; dcterms:source kb:sec-2.1 .",
    "qc/element-without-component-violation": "kb:Recordkeeping ems:partOfComponent ems:Act .",
    "qc/label-names-other-initiative-violation": "kb:GASB34 skos:altLabel \"QualServe for finance\" .",
    "qc/missing-initiative-profile-violation":
        "kb:X a ems:ManagementTool ; rdfs:label \"x\" ; skos:definition \"d\" ; dcterms:source kb:sec-2.1 .",
    # issue 12: a next step that says nothing about what it concerns
    "qc/statement-incomplete-violation":
        "kb:X a ems:SponsorAction ; rdfs:label \"x\" ; skos:definition \"d\" ; ems:listPosition 10 ;"
        " dcterms:source kb:sec-8 .",
    # issue 12: a recommendation linked to a misspelt barrier
    "qc/dangling-link-violation": "kb:NextStep-ExploreIncentives ems:concerns kb:Barrier-NoSuchBarrier .",
    # issue 15: an ontology header without its publication metadata
    "qc/ontology-metadata-violation":
        "<https://w3id.org/emskg/extra> a <http://www.w3.org/2002/07/owl#Ontology> ; rdfs:label \"x\" .",
}


def test_every_qc_query_has_a_planted_fault() -> None:
    assert set(QC) == set(FAULTS)


@pytest.mark.parametrize("name", sorted(QC))
def test_qc_query_passes_on_the_knowledge_base(kg: KnowledgeGraph, name: str) -> None:
    result = run_sparql(kg.store, QC[name].text)
    assert result.rows == [], f"{name} found: {result.rows[:3]}"


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_qc_query_catches_its_fault(data_copy: Path, name: str) -> None:
    (data_copy / "kb" / "zz-fault.ttl").write_text(PREFIXES + FAULTS[name])
    broken = load_graph(paths=DataPaths(data_copy))
    assert run_sparql(broken.store, QC[name].text).rows, f"{name} missed its planted fault"

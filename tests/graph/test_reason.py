"""The reasoner materialises what the ontology implies — checked against owlrl, the reference."""

from __future__ import annotations

import owlrl
import pyoxigraph as ox
import pytest
import rdflib

from emskg.core.rdfio import _to_rdflib_term, from_rdflib_term, parse_bytes
from emskg.graph.reason import UnsupportedAxiom, compile_rules, materialise
from emskg.graph.store import KnowledgeGraph

EMS = "https://w3id.org/emskg/ontology#"
KB = "https://w3id.org/emskg/kb/"
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def ems(name: str) -> ox.NamedNode:
    return ox.NamedNode(EMS + name)


def kb(name: str) -> ox.NamedNode:
    return ox.NamedNode(KB + name)


def has(kg: KnowledgeGraph, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode) -> bool:
    return any(True for _ in kg.store.quads_for_pattern(s, p, o, ox.DefaultGraph()))


def _ems_fragment(triples: set[tuple[object, object, object]]) -> set[tuple[object, object, object]]:
    def keep(s: object, p: object, o: object) -> bool:
        if isinstance(s, ox.Literal):
            return False
        return p.value.startswith(EMS) or (p == TYPE and isinstance(o, ox.NamedNode) and o.value.startswith(EMS))  # type: ignore[attr-defined]

    return {t for t in triples if keep(*t)}


@pytest.mark.slow
def test_closure_equals_owlrl_on_the_ems_fragment(kg: KnowledgeGraph) -> None:
    g = rdflib.Graph()
    for s, p, o in kg.triples(inferred=False):
        g.add((_to_rdflib_term(s), _to_rdflib_term(p), _to_rdflib_term(o)))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    theirs = _ems_fragment({(from_rdflib_term(s), from_rdflib_term(p), from_rdflib_term(o)) for s, p, o in g})
    ours = _ems_fragment(set(kg.triples(inferred=True)))
    assert theirs - ours == set(), "owlrl infers what emskg does not"
    assert ours - theirs == set(), "emskg infers what owlrl does not"


def test_element_chain_gives_component_support(kg: KnowledgeGraph) -> None:
    # supportsElement ∘ partOfComponent ⊑ supportsComponent; sub-elements inherit the component
    assert has(kg, kb("ISO14001"), ems("supportsElement"), kb("InternalAudit"))
    assert has(kg, kb("InternalAudit"), ems("partOfComponent"), ems("Check"))
    assert has(kg, kb("Recordkeeping"), ems("partOfComponent"), ems("Do"))  # III.C.2.b, two levels down


def test_sub_outcomes_roll_up(kg: KnowledgeGraph) -> None:
    # "an initiative that addresses environmental impacts addresses Impacts/Risks"
    assert has(kg, kb("ISO14001"), ems("addressesOutcome"), kb("EnvironmentalImpacts"))
    assert has(kg, kb("ISO14001"), ems("addressesOutcome"), kb("ImpactsRisks"))
    # three levels: asset investment → capital asset management → financials
    assert has(kg, kb("AssetInvestment"), ems("subOutcomeOf"), kb("Financials"))


def test_subclass_typing(kg: KnowledgeGraph) -> None:
    for tool in ("QualServe", "BalancedScorecard", "NBPEMS"):
        assert has(kg, kb(tool), TYPE, ems("ManagementInitiative"))
    assert has(kg, kb("SydneyWater"), TYPE, ems("Organization"))


def test_core_and_support_elements_follow_the_component(kg: KnowledgeGraph) -> None:
    core = {q.subject for q in kg.store.quads_for_pattern(None, TYPE, ems("CoreElement"), ox.DefaultGraph())}
    support = {q.subject for q in kg.store.quads_for_pattern(None, TYPE, ems("SupportElement"), ox.DefaultGraph())}
    assert kb("ManagementReview") in core and kb("MonitoringAndMeasuring") in core
    assert kb("PolicyStatement") in support and kb("Training") in support
    assert len(core) == 14  # Appendix C IV (11 incl. sub-items) + V (3)
    assert not core & support


def test_stage_parts_and_chains(kg: KnowledgeGraph) -> None:
    assert has(kg, kb("Disinfection"), ems("stageOf"), kb("DrinkingWaterValueChain"))
    # covering a stage covers the footnote-2 stages inside it
    assert has(kg, kb("PartnershipForSafeWater"), ems("coversStage"), kb("Disinfection"))


def test_inverse_properties(kg: KnowledgeGraph) -> None:
    assert has(kg, kb("AWWA"), ems("sponsors"), kb("QualServe"))
    assert has(kg, kb("ISO14001"), ems("adoptedBy"), kb("SydneyWater"))


def _triples(ttl: str) -> list:  # type: ignore[type-arg]
    return parse_bytes((f"@prefix ems: <{EMS}> . @prefix owl: <http://www.w3.org/2002/07/owl#> . "
                        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix x: <x:> .\n"
                        + ttl).encode(), ox.RdfFormat.TURTLE)


def test_unsupported_owl_is_refused_not_ignored() -> None:
    with pytest.raises(UnsupportedAxiom, match="someValuesFrom"):
        compile_rules(_triples("x:C owl:equivalentClass [ owl:onProperty x:p ; owl:someValuesFrom x:D ] ."))


def test_longer_chains_and_transitivity() -> None:
    t = _triples("x:P owl:propertyChainAxiom ( x:a x:b x:c ) . x:T a owl:TransitiveProperty ."
                 "x:1 x:a x:2 . x:2 x:b x:3 . x:3 x:c x:4 . x:1 x:T x:2 . x:2 x:T x:3 . x:3 x:T x:4 .")
    inferred = set(materialise(compile_rules(t), t).inferred)
    assert (ox.NamedNode("x:1"), ox.NamedNode("x:P"), ox.NamedNode("x:4")) in inferred
    assert (ox.NamedNode("x:1"), ox.NamedNode("x:T"), ox.NamedNode("x:4")) in inferred


def test_disjoint_classes_are_reported() -> None:
    t = _triples("x:A owl:disjointWith x:B . x:i a x:A , x:B .")
    assert materialise(compile_rules(t), t).inconsistencies


def test_extending_the_kb_closure_equals_reasoning_from_scratch(kg: KnowledgeGraph) -> None:
    decl = _triples("""
        @prefix kb: <https://w3id.org/emskg/kb/> .
        x:u ems:adoption [ a ems:Adoption ; ems:initiative kb:QualServe ] .
        x:i ems:elementSupport [ ems:element kb:Recordkeeping ] ; ems:outcomeFocus [ ems:outcome kb:AssetInvestment ] .
    """)
    asserted = kg.triples(inferred=False)
    rules = compile_rules(asserted)
    incremental = set(kg.closure.extend(rules, decl).inferred)
    scratch_closure = materialise(rules, asserted + decl)
    scratch = set(scratch_closure.inferred) - set(kg.triples(inferred=True)) - set(decl)
    assert incremental == scratch
    assert (ox.NamedNode("x:i"), ems("supportsComponent"), ems("Do")) in incremental
    assert (ox.NamedNode("x:i"), ems("addressesOutcome"), kb("Financials")) in incremental
    assert (ox.NamedNode("x:u"), ems("adopts"), kb("QualServe")) in incremental


def test_two_values_of_a_functional_property_are_reported_not_equated() -> None:
    t = _triples("ems:level a owl:FunctionalProperty . x:c ems:level x:Full , x:Partial . "
                 "x:d ems:level 1 , 1.0 .")  # 1 and 1.0 are the same number: no conflict
    clashes = materialise(compile_rules(t), t).inconsistencies
    assert [(c.individual, c.property) for c in clashes] == [(ox.NamedNode("x:c"), ems("level"))]
    assert "two values for the functional property" in clashes[0].describe()


def test_the_knowledge_base_has_no_functional_conflicts(kg: KnowledgeGraph) -> None:
    assert kg.inconsistencies == []


def test_inconsistencies_survive_the_cache(data_copy: object) -> None:
    from pathlib import Path

    from emskg.core.paths import DataPaths
    from emskg.graph.store import load_graph

    root = Path(str(data_copy))
    (root / "kb" / "zz-fault.ttl").write_text(
        f"@prefix ems: <{EMS}> . @prefix kb: <{KB}> .\n"
        'ems:Plan ems:cycleOrder 7 .\n'  # ems:cycleOrder is functional; Plan already has 1
        "kb:Recordkeeping ems:partOfComponent ems:Check .\n")  # Do and Check: support and core
    built = load_graph(paths=DataPaths(root))
    cached = load_graph(paths=DataPaths(root))
    assert sorted(c.describe() for c in cached.inconsistencies) == sorted(c.describe() for c in built.inconsistencies)
    kinds = {c.property is None for c in built.inconsistencies}
    assert kinds == {True, False}

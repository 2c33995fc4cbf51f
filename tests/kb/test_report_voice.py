"""Issue 12: the report's own voice — its objectives, key findings, conclusions and recommended next
steps, the Workgroup, what an EMS is — with the report's answers, every new fact by label, every
quote checked against the report text, and the Table 2 cells the re-audit set.

Each test names the section whose words fix the expected answer.
"""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from conftest import ROOT
from emskg.graph.store import KnowledgeGraph
from emskg.query.named import run_named_query
from emskg.query.sparql import run_sparql

KB = "https://w3id.org/emskg/kb/"
EMS = Namespace("https://w3id.org/emskg/ontology#")
REPORT = sorted((ROOT.parent / "shared" / "seeds").glob("004_*.txt"))


def local(term: str) -> str:
    return term.removeprefix(KB)


def rows(kg: KnowledgeGraph, query: str, **params: str) -> list[dict]:
    return run_named_query(kg.store, query, params).as_dicts()


def select(kg: KnowledgeGraph, query: str) -> list[dict]:
    return run_sparql(kg.store, query).as_dicts()


# --- section 8: the nine next steps -------------------------------------------------------------------

def test_exactly_nine_next_steps_in_the_reports_order(kg: KnowledgeGraph) -> None:
    """§8: 'Suggested next steps include:' three areas of further work; 'Some suggested steps that the
    project sponsors could consider in the short term include:' six."""
    got = [(r["kind"].value, int(r["position"].value), r["label"].value) for r in rows(kg, "recommendations")]
    assert got == [
        ("further work", 1, "“Proof of concept” efforts"),
        ("further work", 2, "Explore regulatory and financial incentives"),
        ("further work", 3, "Dispel concerns about implementation barriers by articulating the benefits"),
        ("short-term step for the sponsors", 4, "Show the benefits through pilot projects and success stories"),
        ("short-term step for the sponsors", 5, "Communicate with and educate utility managers about EMS"),
        ("short-term step for the sponsors", 6, "Materials for a quick self-assessment"),
        ("short-term step for the sponsors", 7, "Networking and mentoring, including public/private partnerships"),
        ("short-term step for the sponsors", 8, "Financial subsidies or technical assistance for pilot projects"),
        ("short-term step for the sponsors", 9, "Award and recognition programs"),
    ]
    assert all(r["section"].value == "8" for r in rows(kg, "recommendations"))


def test_next_steps_in_the_reports_words(kg: KnowledgeGraph) -> None:
    texts = {r["label"].value: r["text"].value for r in rows(kg, "recommendations")}
    assert texts["Explore regulatory and financial incentives"] == (
        "Further exploration of potential regulatory and financial incentives that might be provided to "
        "utilities adopting an integrated approach")
    assert "development of 2-3 case histories" in texts["“Proof of concept” efforts"]
    assert "such as that provided by NBP" in texts["Financial subsidies or technical assistance for pilot projects"]


@pytest.mark.parametrize(("step", "concerns"), [
    # "regulatory and financial incentives" -- §6.2's response "Regulatory responsiveness incentives"
    ("NextStep-ExploreIncentives", {"Response-RegulatoryIncentives", "Barrier-ResourceJustification"}),
    # "dispelling concerns regarding implementation barriers": every barrier of §6.2
    ("NextStep-DispelBarrierConcerns", {"Barrier-UpfrontResourcesAndTime", "Barrier-ResourceJustification",
                                        "Barrier-CulturalShift", "Barrier-IncreasedPaperwork",
                                        "Barrier-CloserScrutiny", "Response-ArticulateBenefits"}),
    # "Showing the benefits": the benefit areas of §4.3 and "Making information on these benefits ... known"
    ("NextStep-ShowBenefits", {"Response-ArticulateBenefits", "ContinualImprovementInOutcomes",
                               "OperationalConsistency", "ImprovedTeamwork", "CustomerResponsiveness"}),
    # "education of utility managers": "Create operator training courses and incorporate management
    # system concepts into trainings"
    ("NextStep-CommunicateAndEducate", {"Response-OperatorTraining", "Barrier-CulturalShift"}),
    # "such as that provided by NBP"
    ("NextStep-SubsidiesAndAssistance", {"NBP", "NBPEMS", "Barrier-UpfrontResourcesAndTime"}),
    # "networking and mentoring": "utilities can draw on the work of those who have “paved the way”"
    ("NextStep-NetworkingAndMentoring", {"Response-LeveragingOpportunities", "AdoptionDriver-PeerEncouragement"}),
    ("NextStep-AwardAndRecognition", {"AdoptionDriver-HighPerformanceRecognition", "Response-PromoteBestInClass"}),
    ("NextStep-SelfAssessmentMaterials", {"StartByPlanningAndSelfAssessing"}),
    ("NextStep-ProofOfConcept", {"StartByPlanningAndSelfAssessing", "ExpandingAlongTheValueChain",
                                 "IncreasingManagementOutcomes"}),
])
def test_what_each_next_step_concerns(kg: KnowledgeGraph, step: str, concerns: set[str]) -> None:
    got = {local(r["c"].value) for r in select(kg, f"SELECT ?c WHERE {{ kb:{step} ems:concerns ?c }}")}
    assert concerns <= got


def test_every_barrier_is_addressed_by_a_next_step(kg: KnowledgeGraph) -> None:
    """§8 'Further work dispelling concerns regarding implementation barriers': every §6.2 barrier."""
    result = rows(kg, "barriers-and-responses")
    assert len({r["barrier"].value for r in result}) == 5
    assert all("Dispel concerns about implementation barriers" in r["nextSteps"].value for r in result)


# --- sections 1.4 and 7: conclusions and key findings ----------------------------------------------------

def test_feasible_and_desirable(kg: KnowledgeGraph) -> None:
    """§1 / §1.4 and §7: 'it is both feasible and desirable to ... integrate' the initiatives."""
    result = rows(kg, "conclusions")
    feasible = {r["sectionNumber"].value for r in result if "both feasible and desirable" in r["text"].value}
    assert feasible == {"1.4", "7"}
    assert [r["label"].value for r in result if r["sectionNumber"].value == "7"][0] == (
        "Feasible and desirable to integrate the initiatives in a framework")


def test_conclusions_per_section(kg: KnowledgeGraph) -> None:
    result = rows(kg, "conclusions")
    per_section: dict[str, int] = {}
    for r in result:
        per_section[r["sectionNumber"].value] = per_section.get(r["sectionNumber"].value, 0) + 1
    assert per_section == {"1.4": 6, "7": 13, "8": 1}
    natural = [r for r in result if "natural starting point" in r["text"].value]
    assert {r["sectionNumber"].value for r in natural} == {"1.4", "7"}
    # §1.4: "The Workgroup has drawn these conclusions from the following findings."
    drawn = {r["label"].value: r["drawnFromFindings"].value for r in result
             if r["sectionNumber"].value == "1.4" and "drawnFromFindings" in r}
    assert sorted(drawn["Integrating the initiatives is feasible and desirable"].split(", ")) == [
        "1", "2", "2a", "2b", "3", "4"]


def test_key_findings(kg: KnowledgeGraph) -> None:
    """§1.4: findings 1, 2 (with 2a and 2b), 3 and 4."""
    result = rows(kg, "key-findings")
    assert [r["number"].value for r in result] == ["1", "2", "2a", "2b", "3", "4"]
    text = {r["number"].value: r["text"].value for r in result}
    assert "“initiative overload”" in text["1"]
    assert "nearly complete set of improvement “building blocks”" in text["2a"]
    assert text["2b"].startswith("The management system frameworks examined for this effort are structurally very similar.")
    assert "stormwater value chains" in text["3"]
    assert "naturally and highly complementary" in text["4"]
    # §7 says findings 1, 3 and 4 again
    assert {r["number"].value for r in result if r.get("restatedInSection") and r["restatedInSection"].value} == {
        "1", "3", "4"}


def test_finding_2a_concerns_the_tools_and_2b_the_frameworks(kg: KnowledgeGraph) -> None:
    def about(finding: str) -> set[str]:
        return {local(r["c"].value) for r in select(kg, f"SELECT ?c WHERE {{ kb:{finding} ems:concerns ?c . ?c a ?k "
                                                       "VALUES ?k { ems:ManagementTool ems:ManagementSystemFramework } }")}
    assert len(about("Finding-2a")) == 11  # Table 1: eleven tools
    assert about("Finding-2b") == {"EMSLocalGovernment", "ISO14001", "ISO9002", "NBPEMS", "OSHAVPP"}


# --- section 1: objectives; 1.2.1: what an EMS is; 1.3: the Workgroup ---------------------------------------

def test_five_project_objectives(kg: KnowledgeGraph) -> None:
    result = select(kg, "SELECT ?p ?l WHERE { ?o a ems:ProjectObjective ; ems:listPosition ?p ; rdfs:label ?l } ORDER BY ?p")
    assert [r["l"].value for r in result] == [
        "Identify successful uses of EMS and other management tools", "Identify barriers to integration",
        "Identify methods that facilitate integration", "Identify incentives to integrate",
        "Develop recommendations and guidance"]
    goal = select(kg, "SELECT ?d WHERE { ?g a ems:ProjectGoal ; skos:definition ?d }")
    assert len(goal) == 1 and "“roadmap”" in goal[0]["d"].value


def test_five_basic_components_of_an_ems(kg: KnowledgeGraph) -> None:
    """§1.2.1 lists five basic components, policy among them; §3.1 counts four (docs/modelling.md)."""
    result = select(kg, "SELECT ?b ?t WHERE { ?b a ems:EMSBasicComponent ; ems:correspondsTo ?t }")
    maps: dict[str, set[str]] = {}
    for r in result:
        maps.setdefault(local(r["b"].value), set()).add(r["t"].value.split("#")[-1].removeprefix(KB))
    assert maps == {"EMSComponent-Policy": {"PolicyStatement", "CommitPolicyLeadership"},
                    "EMSComponent-Plan": {"Plan"}, "EMSComponent-Do": {"Do"}, "EMSComponent-Check": {"Check"},
                    "EMSComponent-Act": {"Act"}}
    assert len(select(kg, "SELECT ?c WHERE { ?c a ems:Component }")) == 4  # the public contract keeps four


def test_an_ems_imposes_no_new_technical_requirements(kg: KnowledgeGraph) -> None:
    result = select(kg, "SELECT ?d ?n WHERE { ?s a ems:EMSCharacteristic ; skos:definition ?d ; "
                        "dcterms:source/ems:sectionNumber ?n }")
    texts = {r["d"].value for r in result}
    assert "An EMS does not impose new technical requirements." in texts
    assert any(t.startswith("An environmental management system (EMS) is an organizational approach") for t in texts)
    assert {r["n"].value for r in result} == {"1.2.1"}


def test_the_workgroups_size(kg: KnowledgeGraph) -> None:
    """§1.3: nine utility representatives, four ex-officio advisors, two face-to-face meetings (20
    hours), three conference calls."""
    [r] = select(kg, "SELECT * WHERE { kb:Workgroup a ems:Workgroup ; ems:utilityRepresentatives ?reps ; "
                     "ems:exOfficioAdvisors ?advisors ; ems:faceToFaceMeetings ?meetings ; ems:meetingHours ?hours ; "
                     "ems:conferenceCalls ?calls }")
    assert {k: int(v.value) for k, v in r.items()} == {"reps": 9, "advisors": 4, "meetings": 2, "hours": 20, "calls": 3}
    assert select(kg, "SELECT ?c WHERE { kb:Workgroup a ?c FILTER (?c = ems:Organization) }")  # ems:Workgroup ⊑ Organization


def test_adoption_trends_and_initiative_overload(kg: KnowledgeGraph) -> None:
    trends = select(kg, "SELECT ?d WHERE { ?t a ems:AdoptionTrend ; skos:definition ?d }")
    assert any("small, but growing segment" in r["d"].value for r in trends) and len(trends) == 3
    need = {r["l"].value for r in select(kg, "SELECT ?l WHERE { ?n a ems:IntegrationNeed ; rdfs:label ?l }")}
    assert "“Initiative overload”" in need
    reach = select(kg, "SELECT ?i WHERE { kb:Need-LimitedReach ems:concerns ?i . ?i ems:participation ?f }")
    assert {local(r["i"].value) for r in reach} == {"PartnershipForSafeWater", "NBPEMS", "QualServe",
                                                    "APWAAccreditation", "EMSLocalGovernment"}


def test_leverage_principles_and_differences(kg: KnowledgeGraph) -> None:
    """§3.3 and §3.4."""
    assert len(select(kg, "SELECT ?p WHERE { ?p a ems:LeveragePrinciple ; dcterms:source kb:sec-3.3 }")) == 6
    diffs = select(kg, "SELECT ?d WHERE { ?p a ems:ConventionalManagementDifference ; skos:definition ?d ; "
                       "dcterms:source kb:sec-3.4 }")
    assert len(diffs) == 5
    assert any("ongoing, regular cycle of checking and acting" in r["d"].value for r in diffs)


# --- Appendix B and D: web addresses ------------------------------------------------------------------------

def test_web_addresses_as_printed(kg: KnowledgeGraph) -> None:
    homes = {local(r["o"].value): r["h"].value for r in select(
        kg, "SELECT ?o ?h WHERE { ?o <http://xmlns.com/foaf/0.1/homepage> ?h }")}
    assert len(homes) == 13  # Appendix B prints an address for 13 organizations
    assert homes["AMSA"] == "http://www.amsa-cleanwater.org" and homes["EPA"] == "http://epa.gov"
    pages = {local(r["i"].value): r["p"].value for r in select(
        kg, "SELECT ?i ?p WHERE { ?i a ems:ManagementInitiative ; <http://xmlns.com/foaf/0.1/page> ?p }")}
    assert pages["QualServe"] == "http://www.awwa.org/Science/qualserve/qualserv.cfm"
    assert pages["ISO14001"] == pages["ISO9002"] == "http://www.iso.org"
    assert len(pages) == 13  # Balanced Scorecard and Bid-to-Goal have none


# --- the re-audit of Table 2 (docs/modelling.md "Issue 12: the re-audit") ------------------------------------

def test_audit_component_cells(kg: KnowledgeGraph) -> None:
    cells = {local(r["initiative"].value): [r[c].value for c in ("plan", "do", "check", "act")]
             for r in rows(kg, "component-matrix")}
    assert cells["QualServe"] == ["full", "gap", "partial", ""]
    assert cells["AssetManagement"] == cells["GASB34"] == ["full", "full", "", ""]
    assert cells["MalcolmBaldrige"] == ["partial", "partial", "", ""]
    assert cells["BalancedScorecard"] == ["full", "partial", "gap", "gap"]  # "lacks explicit elements"


def test_gasb34_is_by_analogy_not_stated(kg: KnowledgeGraph) -> None:
    """§5.2: 'may be described similarly to Asset Management'."""
    bases = {r["b"].value.split("#")[-1] for r in select(
        kg, "SELECT ?b WHERE { kb:GASB34 ems:componentSupport ?c . ?c ems:basis ?b }")}
    assert bases == {"ByAnalogy"}


def test_no_health_and_safety_outcome_from_a_quote_about_perceptions(kg: KnowledgeGraph) -> None:
    assert not select(kg, "SELECT ?c WHERE { kb:NBPEMS ems:outcomeFocus ?c . ?c ems:outcome kb:PublicHealthAndSafety }")
    assert not select(kg, "SELECT ?c WHERE { ?i ems:outcomeFocus ?c . ?c ems:evidence ?e . "
                          "FILTER(CONTAINS(?e, 'perceptions')) }")


def test_balanced_scorecard_outcomes_quote_what_they_claim(kg: KnowledgeGraph) -> None:
    result = select(kg, "SELECT ?o ?e WHERE { kb:BalancedScorecard ems:outcomeFocus ?c . ?c ems:outcome ?o ; ems:evidence ?e }")
    assert {local(r["o"].value) for r in result} == {"Financials", "ProcessQuality", "ServiceQuality", "Employees",
                                                     "StaffTraining"}
    assert all("provide training and career growth opportunities for employees" in r["e"].value for r in result)


def test_no_stage_claim_from_outside_knowledge(kg: KnowledgeGraph) -> None:
    """The report never names filtration for the Partnership for Safe Water; the stage follows from
    water treatment through the footnote-2 parts."""
    assert not select(kg, "SELECT ?c WHERE { kb:PartnershipForSafeWater ems:stageCoverage ?c . "
                          "?c ems:stage kb:SedimentRemovalAndFiltration }")
    assert select(kg, "SELECT ?s WHERE { kb:PartnershipForSafeWater ems:coversStage ?s "
                      "FILTER (?s = kb:SedimentRemovalAndFiltration) }")


def test_unique_elements_of_section_5_1_2(kg: KnowledgeGraph) -> None:
    def elements(initiative: str) -> set[str]:
        return {local(r["e"].value) for r in select(
            kg, f"SELECT ?e WHERE {{ kb:{initiative} ems:elementSupport ?c . ?c ems:element ?e ; "
                "dcterms:source <https://w3id.org/emskg/kb/sec-5.1.2> }")}
    assert {"PolicyStatement", "LegalRequirements", "VoluntaryCommitments", "GoalsAndTargets", "Metrics",
            "StaffRoles", "ManagementSystemAccountability", "EmergencyPreparedness"} <= elements("ISO14001")
    assert {"PolicyStatement", "GoalsAndTargets", "IdentificationOfRequirements"} <= elements("ISO9002")
    assert {"PolicyStatement", "GoalsAndTargets", "NonconformanceCorrectiveAction"} <= elements("OSHAVPP")


def test_evidence_query_lists_the_statements_about_an_initiative(kg: KnowledgeGraph) -> None:
    kinds = {r["kind"].value for r in rows(kg, "evidence", initiative="NBP EMS for Biosolids")}
    assert {"key finding", "conclusion", "recommended next step", "observation", "supports component"} <= kinds


#: Every node of issue 12's report statements, basic components and the Workgroup, by its label.
LABELS: dict[str, str] = {
    'Conclusion-Benefits': 'Benefits of the management system frameworks',
    'Conclusion-DistinctAdvantages': 'Frameworks offer distinct advantages over conventional management',
    'Conclusion-FeasibleAndDesirable': 'Integrating the initiatives is feasible and desirable',
    'Conclusion-NaturalStartingPoint': 'EMS are a natural starting point',
    'Conclusion-ProvenApproach': 'The frameworks are a well-established, proven plan-do-check-act approach',
    'Conclusion-SupplementNotProgram': 'The integration concept supplements existing initiatives and needs no formal program',
    'Conclusion7-AnyFramework': 'Any framework can put the core of a plan-do-check-act system in place',
    'Conclusion7-BarriersSurmountable': 'The barriers are surmountable',
    'Conclusion7-Benefits': 'The initiatives have provided substantial benefits',
    'Conclusion7-ClearerSense': 'Highly desirable to give managers a clearer sense of how the initiatives interrelate',
    'Conclusion7-Complementary': 'Tools and frameworks are naturally and highly complementary',
    'Conclusion7-DistinctAdvantages': 'Frameworks offer distinct advantages and a means to integrate the tools',
    'Conclusion7-FeasibleAndDesirable': 'Feasible and desirable to integrate the initiatives in a framework',
    'Conclusion7-FrameworksAndTools': 'Frameworks give the approach, tools the tailored methods',
    'Conclusion7-InitiativeOverload': '“Initiative overload” inhibits adoption',
    'Conclusion7-NaturalStartingPoint': 'Environmental management systems are a natural starting point',
    'Conclusion7-Overlap': 'Tools and frameworks cover every value chain and all major outcomes',
    'Conclusion7-ToolsEnhance': 'The tools enhance and tailor the frameworks',
    'Conclusion7-ToolsLowerBurden': 'The tools ground the system in performance and lower its burden',
    'Conclusion8-ConceptualApproach': 'The review resulted in a conceptual approach for integrating the initiatives',
    'Difference-ConventionalImplementation': 'Implementation elements tie conventional activities to goals',
    'Difference-CulturalShift': 'Routine assessment becomes part of doing business',
    'Difference-DetailedPlanning': 'More detail in planning and metrics',
    'Difference-IntegratedFunctions': 'Business functions aligned behind the selected goals',
    'Difference-RegularCheckAct': 'A regular cycle of checking and acting',
    'Difference-Standardization': 'More standardization and documentation, without inflexibility',
    'EMS-EmbracedByAllOrganizations': 'EMS embraced by all types of organizations',
    'EMS-NoNewTechnicalRequirements': 'An EMS imposes no new technical requirements',
    'EMS-OrganizationalApproach': 'An EMS is an organizational approach to managing environmental impacts',
    'EMS-PlanDoCheckAct': 'An EMS is built around plan-do-check-act and has five basic components',
    'EMS-StructuredFramework': 'An EMS is a structured framework for continual improvement',
    'EMS-TotalQualityManagement': 'An EMS is based on total quality management',
    'EMSComponent-Act': 'Act (basic component of an EMS)',
    'EMSComponent-Check': 'Check (basic component of an EMS)',
    'EMSComponent-Do': 'Do (basic component of an EMS)',
    'EMSComponent-Plan': 'Plan (basic component of an EMS)',
    'EMSComponent-Policy': 'Policy (basic component of an EMS)',
    'Finding-1': 'Finding 1: Utility managers need clearer direction on how the initiatives interrelate',
    'Finding-2': 'Finding 2: The initiatives fall into two categories: tools and frameworks',
    'Finding-2a': 'Finding 2a: The tools are building blocks, but not continual improvement frameworks',
    'Finding-2b': 'Finding 2b: The frameworks are structurally very similar',
    'Finding-3': 'Finding 3: Tools and frameworks together cover every value chain and outcome',
    'Finding-4': 'Finding 4: Tools in the context of a framework: naturally and highly complementary',
    'ISO14001-SectorPractices': 'Industry-specific best practices complement ISO 14001 and ISO 9002',
    'IntegrationConcept-Nesting': 'The integration approach lets the tools “nest” within a framework',
    'Leverage-AddOutcomes': 'Adjust support elements, keep core elements intact, to add outcomes',
    'Leverage-AnyFrameworkIntroduces': 'Any one framework can introduce continual improvement',
    'Leverage-CompletePackage': 'Frameworks and tools together: a complete management package',
    'Leverage-FrameworksIntegrateTools': 'Any framework can integrate the tools, which support its support elements',
    'Leverage-PhasedApproach': 'Start with a single-outcome framework, or with a planning tool',
    'Leverage-ToolsLowerBurden': 'The tools ground the system in performance and lower its burden',
    'NBP-GoodPracticesDifference': "The NBP's National Manual of Good Practices: its main difference from ISO 14001",
    'NBP-TwoWaysOfUse': 'Two ways to use the NBP EMS for Biosolids',
    'Need-FlavorOfTheMonth': 'Consecutive initiatives breed a “flavor of the month” skepticism',
    'Need-Guidance': 'Overload and lack of clarity may inhibit use; guidance would be useful',
    'Need-InitiativeOverload': '“Initiative overload”',
    'Need-InitiativesBeneficial': 'The initiatives have proved beneficial',
    'Need-LimitedReach': 'Even the most successful initiatives reach only a small portion of utilities',
    'NextStep-AwardAndRecognition': 'Award and recognition programs',
    'NextStep-CommunicateAndEducate': 'Communicate with and educate utility managers about EMS',
    'NextStep-DispelBarrierConcerns': 'Dispel concerns about implementation barriers by articulating the benefits',
    'NextStep-ExploreIncentives': 'Explore regulatory and financial incentives',
    'NextStep-NetworkingAndMentoring': 'Networking and mentoring, including public/private partnerships',
    'NextStep-ProofOfConcept': '“Proof of concept” efforts',
    'NextStep-SelfAssessmentMaterials': 'Materials for a quick self-assessment',
    'NextStep-ShowBenefits': 'Show the benefits through pilot projects and success stories',
    'NextStep-SubsidiesAndAssistance': 'Financial subsidies or technical assistance for pilot projects',
    'Objective-1': 'Identify successful uses of EMS and other management tools',
    'Objective-2': 'Identify barriers to integration',
    'Objective-3': 'Identify methods that facilitate integration',
    'Objective-4': 'Identify incentives to integrate',
    'Objective-5': 'Develop recommendations and guidance',
    'Obs-APWAManual': 'The APWA Works Management Practices Manual and accreditation cycle',
    'Obs-AWWAStandards': 'A utility adopts the AWWA standards that fit its operations',
    'Obs-AbsenceOfSuccessFactors': 'Without a critical factor the system may fail',
    'Obs-ActPurpose': 'The purpose of the act component',
    'Obs-AddOutcomes': 'Adding outcomes: why, and with which initiatives',
    'Obs-AnyFrameworkSimilarly': 'Any framework introduces continual improvement in a highly similar manner',
    'Obs-AppendixC-Act': 'Acting elements are implemented whatever the outcomes; their reach grows',
    'Obs-AppendixC-Check': 'Checking elements are implemented whatever the outcomes; their reach grows',
    'Obs-AppendixC-Do': 'Implementation components vary by management outcome',
    'Obs-AppendixC-Plan': 'Planning components follow the policy and the outcomes selected',
    'Obs-AssetManagementCheckAct': 'Asset Management needs checking and acting, which a framework can provide',
    'Obs-AssetManagementRole': 'Asset Management supplements any framework with an investment strategy',
    'Obs-BalancedScorecard': 'What the Balanced Scorecard is',
    'Obs-BalancedScorecardAdvantages': 'Potential advantages of the Balanced Scorecard',
    'Obs-BalancedScorecardGovernment': 'The Balanced Scorecard in government',
    'Obs-Baldrige': 'The Malcolm Baldrige National Quality Award and its criteria',
    'Obs-BaldrigeCategories': 'Categories of the Baldrige criteria',
    'Obs-BidToGoal': 'How Bid-to-Goal works',
    'Obs-BidToGoalCriteria': "Bid-to-Goal's criteria, goal and time allowed",
    'Obs-BidToGoalFactors': 'Three factors behind Bid-to-Goal',
    'Obs-CMOMBackground': 'Why CMOM: sewer system operation and maintenance',
    'Obs-CMOMBlueprint': 'CMOM as a blueprint, linked to a framework or as its basis',
    'Obs-CMOMRule': 'What the proposed CMOM rule stresses',
    'Obs-CheckPurpose': 'The purpose of the check component',
    'Obs-CoreElements': 'Checking and acting elements are consistent across outcomes',
    'Obs-DoOrientation': 'The outcomes selected determine the implementation elements',
    'Obs-DoPurpose': 'The purpose of the implementation component',
    'Obs-DriversLeadToChange': 'The drivers lead managers to examine tools and frameworks',
    'Obs-ElementTypes': 'Core and support elements',
    'Obs-ExpandFromBiosolids': 'Expanding from the biosolids value chain, or from one business unit',
    'Obs-FourComponents': 'Every framework has four high-level components: Plan, Do, Check, Act',
    'Obs-FrameworkSimilarities': 'The frameworks overlap most in do, check and act',
    'Obs-FrameworksInGeneral': 'The management system frameworks are structurally very similar and focus on a single outcome',
    'Obs-GASB34': 'What GASB-34 requires, and the modified approach',
    'Obs-GASB34Dates': 'When the GASB-34 requirements take effect',
    'Obs-ISO14001NoTargets': 'ISO 14001 gives an approach for setting objectives and targets, not the targets',
    'Obs-ISO9002NoTargets': 'Like ISO 14001, ISO 9002 gives an approach for setting targets, not the targets',
    'Obs-ISO9002SelfIdentification': 'ISO 9002 provides for self-identified quality policy and objectives',
    'Obs-InitiativeForms': 'Some initiatives are formal programs, others guidance, standards, methods or requirements',
    'Obs-InitiativeKinds': 'The initiatives examined: programs, guidance, voluntary standards, regulatory requirements',
    'Obs-InitiativesOverlap': 'The initiatives overlap, covering every value chain and all outcomes',
    'Obs-InitiativesProfiled': 'The initiatives were profiled to improve organizational performance',
    'Obs-InstitutionalMemory': 'Institutional memory matters as staff turn over and retire',
    'Obs-ManagementOutcomes': 'The management outcomes utilities balance and manage',
    'Obs-ManyApproaches': 'Many approaches to integrating the initiatives',
    'Obs-NBPBeyondCompliance': 'The NBP dictates no targets but requires going beyond compliance',
    'Obs-NaturalAffinity': 'A natural affinity between environmental management systems and the integration approach',
    'Obs-OSHAVPPProgram': 'OSHA VPP: a voluntary program for occupational safety and health planning',
    'Obs-OtherDocumentSystems': 'Other utilities credit improved document and records handling',
    'Obs-PartnershipForSafeWater': 'How the Partnership for Safe Water is implemented',
    'Obs-PerceivedBarriers': 'Some barriers may be perceived rather than real',
    'Obs-PlanPurpose': 'The purpose of the planning component',
    'Obs-PlanningToolsWhileDeveloping': 'Planning tools used while developing an EMS',
    'Obs-QualServeLessons': "QualServe's lessons need a framework to be implemented",
    'Obs-SelfAssessmentThenFramework': 'From self-assessment to a framework',
    'Obs-SupportElements': 'Planning and doing elements are tailored to the outcome',
    'Obs-Table2': 'What the lost Table 2 shows',
    'Obs-ToolExamples': 'Examples of the direction the tools provide',
    'Obs-ToolsInContext': 'The tools support planning and implementation within a framework',
    'Obs-ToolsInGeneral': 'What the management tools provide, and what they do not',
    'Obs-ToolsStrength': "The tools' strength is planning and doing; little checking and acting",
    'Obs-TwoWaysToCompare': 'Two ways to compare the initiatives: value chains and management outcomes',
    'ProjectGoal-Roadmap': 'A “roadmap” of the management programs, tools and systems',
    'Trend-GrowingInterest': 'More utilities are aware of and interested in EMS',
    'Trend-SmallButGrowing': 'EMS adoption by public utilities is small but growing',
    'Trend-UtilitiesBeginAdopting': 'Public utilities and local governments have begun adopting EMS',
    'Workgroup': 'EMS Integration Project Workgroup',
}


# --- every new fact by label -------------------------------------------------------------------------------

def test_every_statement_by_label(kg: KnowledgeGraph) -> None:
    result = select(kg, "SELECT ?s ?l WHERE { { ?s a ems:ReportStatement } UNION { ?s a ems:EMSBasicComponent } "
                        "UNION { ?s a ems:Workgroup } ?s rdfs:label ?l }")
    assert {local(r["s"].value): r["l"].value for r in result} == LABELS


# --- every quote verbatim ------------------------------------------------------------------------------------

def _report_text() -> str:
    lines = [line for line in REPORT[0].read_text(encoding="utf-8").splitlines()
             if not re.match(r"\s*(EMS Integration Project Workgroup Final Report|Page \d+)\s*$", line)]
    return re.sub(r"\s+", " ", re.sub(r"(?<=\w)-[ \t]*\n\s*", "-", "\n".join(lines)))


def _kb() -> Graph:
    g = Graph()
    for f in sorted((ROOT / "kb").glob("*.ttl")) + [ROOT / "ontology" / "emskg.ttl"]:
        g.parse(f)
    return g


@pytest.mark.skipif(not REPORT, reason="the report text (../shared/seeds/004_*.txt) is not beside the repository")
def test_every_quote_is_verbatim() -> None:
    """Every claim's evidence, and the words of every report statement, basic component and the
    Workgroup (definition and scope notes), appear in the report text (line breaks collapsed, a word
    hyphenated across a line joined, page footers dropped)."""
    text, g = _report_text(), _kb()
    quotes = {str(o) for o in g.objects(None, EMS.evidence)}
    voiced = set(g.subjects(RDF.type, EMS.EMSBasicComponent)) | set(g.subjects(RDF.type, EMS.Workgroup))
    for cls in (EMS.ProjectGoal, EMS.ProjectObjective, EMS.KeyFinding, EMS.Conclusion, EMS.Recommendation,
                EMS.NextStep, EMS.FurtherWork, EMS.SponsorAction, EMS.Observation, EMS.EMSCharacteristic,
                EMS.AdoptionTrend, EMS.IntegrationNeed, EMS.LeveragePrinciple, EMS.ConventionalManagementDifference):
        voiced |= set(g.subjects(RDF.type, cls))
    for s in voiced:
        quotes |= {str(o) for o in g.objects(s, SKOS.definition)} | {str(o) for o in g.objects(s, SKOS.scopeNote)}
    voice = Graph().parse(ROOT / "kb" / "voice.ttl")  # every quote of issue 12's file, Appendix A's included
    quotes |= {str(o) for p in (SKOS.definition, SKOS.scopeNote) for o in voice.objects(None, p)}
    assert len(quotes) > 300
    missing = [q[:120] for q in quotes if re.sub(r"\s+", " ", q) not in text]
    assert not missing, missing


def test_every_statement_cites_a_section_of_its_kind() -> None:
    """Findings come from §1.4, next steps from §8, §7's conclusions from §7."""
    g = _kb()
    sec = {s: {str(n) for src in g.objects(s, URIRef("http://purl.org/dc/terms/source"))
               for n in g.objects(src, EMS.sectionNumber)} for s in set(g.subjects(URIRef("http://purl.org/dc/terms/source")))}
    assert all(sec[s] == {"1.4"} for s in g.subjects(RDF.type, EMS.KeyFinding))
    assert all(sec[s] == {"8"} for s in g.subjects(RDF.type, EMS.NextStep))
    assert isinstance(next(iter(g.objects(URIRef(KB + "Workgroup"), EMS.meetingHours))), Literal)



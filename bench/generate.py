"""Generate realistic synthetic management-system declarations for benchmarks and scale tests.

Each declaration is one utility's Turtle file in the style of ``examples/conforming``: a utility of a
given kind (drinking water, wastewater, combined, stormwater) with a framework chosen as utilities
in the report do (mostly ISO 14001 or the NBP EMS, sometimes ISO 9002, OSHA VPP, the EPA EMS for
Local Government), outcomes starting from the framework's and growing (section 5.3.3), one to three
objectives per outcome, tools, a value-chain scope, and the Appendix C elements it has in place.

A controlled share of files carries exactly one defect from :data:`DEFECTS`; ``manifest.json``
records which, so a benchmark can check that validation finds what was planted.

    python bench/generate.py 1000 bench/out/decl-1000 --defects 0.3 --seed 7
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

PREFIXES = """@prefix ems:  <https://w3id.org/emskg/ontology#> .
@prefix kb:   <https://w3id.org/emskg/kb/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
"""

FRAMEWORKS = {  # framework -> (weight, its outcome)
    "ISO14001": (50, "EnvironmentalImpacts"),
    "NBPEMS": (20, "EnvironmentalImpacts"),
    "ISO9002": (12, "Quality"),
    "EMSLocalGovernment": (10, "EnvironmentalImpacts"),
    "OSHAVPP": (8, "OccupationalHealthAndSafety"),
}
TOOLS = ["AssetManagement", "APWAAccreditation", "AWWAAccreditation", "BidToGoal", "BalancedScorecard", "CMOM",
         "GASB34", "MalcolmBaldrige", "PartnershipForSafeWater", "QualServe"]
OUTCOMES = {  # selectable outcome -> sub-outcomes objectives may name
    "ImpactsRisks": ["EnvironmentalImpacts", "OccupationalHealthAndSafety", "PublicHealthAndSafety"],
    "Quality": ["ProcessQuality", "ProductQuality", "ServiceQuality"],
    "Financials": ["OperationsMaintenanceCosts", "RevenueManagement", "CapitalAssetManagement"],
    "HumanResources": ["Employees", "SkillBase", "StaffTraining"],
}
STAGES = {
    "drinking water": ["WaterSourceProtectionAndIntake", "WaterTreatment", "SolidsHandlingAndManagement",
                       "WaterDistributionAndStorage"],
    "wastewater": ["WastewaterCollectionAndPretreatment", "WastewaterTreatmentAndSolidsGeneration",
                   "PolishingAndEffluentDischarge", "SolidsStabilizationConditioningHandling",
                   "BiosolidsTransportationAndDisposition"],
    "stormwater": ["StormwaterDetentionAndCollection", "StormwaterMonitoringAndTreatment", "StormwaterDischarge"],
}
KINDS = {"drinking water": ["drinking water"], "wastewater": ["wastewater"],
         "combined": ["drinking water", "wastewater"], "stormwater": ["stormwater"]}
PLAN = ["CommitPolicyLeadership", "PolicyStatement", "ManagementCommitment", "StatementOfCommitment",
        "LeadershipAndSupport", "SelectionOfOutcomes", "IdentificationOfRequirements", "LegalRequirements",
        "VoluntaryCommitments", "GoalsAndTargets", "Metrics"]
DO = ["OperationalPractices", "StandardOperatingProcedures", "StandardMaintenanceProcedures",
      "StructureRolesResponsibilities", "StaffRoles", "AdministrativePractices", "DocumentControl", "Recordkeeping",
      "DataControl", "Communications", "InternalCommunications", "ExternalCommunications", "Training",
      "OperationsMaintenanceTraining", "EmergencyProcedures", "EmergencyPreparedness"]
CHECK = ["Measurement", "MonitoringAndMeasuring", "InspectionAndTesting", "Audits", "InternalAudit", "ExternalAudit",
         "Reporting", "PerformanceReports", "AuditReports", "NonconformanceCorrectiveAction"]
ACT = ["ManagementReview", "ImprovementPlans", "Adjustments"]
METRICS = {
    "EnvironmentalImpacts": ("Reduce total phosphorus discharged", "kg/day"),
    "OccupationalHealthAndSafety": ("Fewer lost-time injuries", "injuries per 200,000 hours"),
    "PublicHealthAndSafety": ("Keep filtered-water turbidity low", "NTU, 95th percentile"),
    "ProcessQuality": ("Fewer process upsets", "upsets per month"),
    "ProductQuality": ("Biosolids meeting Class A", "% of batches"),
    "ServiceQuality": ("Fewer service complaints", "complaints per 10,000 connections"),
    "OperationsMaintenanceCosts": ("Lower O&M cost per million gallons", "USD/MG"),
    "RevenueManagement": ("Collect billed revenue on time", "% collected within 60 days"),
    "CapitalAssetManagement": ("Renew pipe from a risk-ranked register", "% of pipe length per year"),
    "Employees": ("Retain operators", "% annual turnover"),
    "SkillBase": ("Certify operators", "% certified"),
    "StaffTraining": ("Train every employee on the EMS", "training hours per employee"),
}

#: One defect per defective file; the name says what is missing or wrong.
DEFECTS = ["no-metric", "no-target", "no-review", "no-policy", "no-commitment", "outcome-without-objective",
           "no-check-element", "missing-internal-audit", "tools-without-framework", "unknown-outcome",
           "unknown-element", "tool-as-framework"]


@dataclass
class Declaration:
    ident: str
    name: str
    kind: str
    framework: str | None
    tools: list[str]
    outcomes: list[str]
    stages: list[str]
    elements: list[str]
    objectives: list[dict[str, object]] = field(default_factory=list)
    policy: bool = True
    commitment: bool = True


def _pick_framework(rng: random.Random) -> str:
    names = list(FRAMEWORKS)
    return rng.choices(names, weights=[FRAMEWORKS[n][0] for n in names])[0]


def make(i: int, rng: random.Random, defect: str | None) -> Declaration:
    kind = rng.choice(list(KINDS))
    framework = _pick_framework(rng)
    if kind == "drinking water" and framework == "NBPEMS":
        framework = "ISO14001"  # the NBP EMS is for wastewater utilities that manage biosolids
    first = FRAMEWORKS[framework][1]
    base = next(k for k, subs in OUTCOMES.items() if first in subs or k == first)
    extra = rng.sample([o for o in OUTCOMES if o != base], k=rng.choice([0, 0, 1, 1, 2, 3]))
    outcomes = [base, *extra]
    stages = [s for chain in KINDS[kind] for s in STAGES[chain] if rng.random() < 0.85] or [STAGES[KINDS[kind][0]][0]]
    elements = PLAN + [e for e in DO if rng.random() < 0.8] + CHECK + ACT
    if "OperationalPractices" not in elements:
        elements.append("OperationalPractices")
    tools = rng.sample(TOOLS, k=rng.choice([0, 1, 1, 2, 3]))
    d = Declaration(f"u{i:05d}", f"Utility {i:05d} ({kind})", kind, framework, tools, outcomes, stages, elements)
    for outcome in outcomes:
        for j in range(rng.choice([1, 1, 2, 3])):
            sub = first if outcome == base and j == 0 and first != base else rng.choice(OUTCOMES[outcome])
            label, unit = METRICS[sub]
            d.objectives.append({"outcome": sub, "label": label, "unit": unit, "value": round(rng.uniform(1, 100), 1),
                                 "metric": True, "target": True, "review": True,
                                 "review_freq": rng.choice(["P1Y", "P6M", "P3M"])})
    if defect:
        _plant(d, defect, rng)
    return d


def _plant(d: Declaration, defect: str, rng: random.Random) -> None:
    obj = rng.choice(d.objectives)
    if defect == "no-metric":
        obj["metric"] = False
    elif defect == "no-target":
        obj["target"] = False
    elif defect == "no-review":
        obj["review"] = False
    elif defect == "no-policy":
        d.policy = False
    elif defect == "no-commitment":
        d.commitment = False
    elif defect == "outcome-without-objective":
        spare = [o for o in OUTCOMES if o not in d.outcomes]
        d.outcomes.append(rng.choice(spare) if spare else "HumanResources")
        d.objectives = [o for o in d.objectives if o["outcome"] not in OUTCOMES[d.outcomes[-1]]]
    elif defect == "no-check-element":
        d.elements = [e for e in d.elements if e not in CHECK]
    elif defect == "missing-internal-audit":
        d.elements = [e for e in d.elements if e not in ("Audits", "InternalAudit", "ExternalAudit")]
    elif defect == "tools-without-framework":
        d.framework = None
        d.tools = d.tools or ["QualServe"]
    elif defect == "unknown-outcome":
        d.outcomes.append("CustomerDelight")
    elif defect == "unknown-element":
        d.elements.append("MagicElement")
    elif defect == "tool-as-framework":
        d.framework = "QualServe"


def to_turtle(d: Declaration) -> str:
    ex = f"<https://example.org/{d.ident}/"
    out = [f"# {d.name}: synthetic declaration generated by bench/generate.py", PREFIXES,
           f"@prefix ex: {ex}> .", "",
           f'ex:Utility a ems:Utility ; rdfs:label "{d.name}"@en .', "",
           "ex:System a ems:ManagementSystem ;", f'    rdfs:label "{d.name} management system"@en ;',
           "    ems:operatedBy ex:Utility ;"]
    if d.framework:
        out.append(f"    ems:basedOnFramework kb:{d.framework} ;")
    if d.tools:
        out.append("    ems:usesInitiative " + ", ".join(f"kb:{t}" for t in d.tools) + " ;")
    out.append("    ems:selectsOutcome " + ", ".join(f"kb:{o}" for o in d.outcomes) + " ;")
    out.append("    ems:inScope " + ", ".join(f"kb:{s}" for s in d.stages) + " ;")
    if d.policy:
        out.append("    ems:hasPolicy ex:Policy ;")
    if d.commitment:
        out.append("    ems:hasCommitment ex:Commitment ;")
    if d.objectives:
        out.append("    ems:hasObjective " + ", ".join(f"ex:Objective{n}" for n in range(len(d.objectives))) + " ;")
    out.append("    ems:implementsElement " + ", ".join(f"kb:{e}" for e in d.elements) + " .\n")
    if d.policy:
        out.append('ex:Policy a ems:PolicyStatement ; rdfs:label "Policy"@en .')
    if d.commitment:
        out.append('ex:Commitment a ems:ManagementCommitment ; rdfs:label "Signed commitment of the general manager"@en .')
    reviews = set()
    for n, o in enumerate(d.objectives):
        lines = [f"ex:Objective{n} a ems:Objective ;", f'    rdfs:label "{o["label"]}"@en ;',
                 f"    ems:forOutcome kb:{o['outcome']} ;", "    ems:responsibleParty ex:Operations ;"]
        if o["target"]:
            lines.append(f"    ems:hasTarget ex:Target{n} ;")
        if o["metric"]:
            lines.append(f"    ems:measuredBy ex:Metric{n} ;")
        if o["review"]:
            lines.append(f"    ems:reviewedIn ex:Review{o['review_freq']} ;")
            reviews.add(str(o["review_freq"]))
        lines[-1] = lines[-1][:-1] + "."
        out.append("\n".join(lines))
        if o["target"]:
            out.append(f'ex:Target{n} a ems:Target ; rdfs:label "Target {n}"@en ; ems:targetValue {o["value"]} ; '
                       f'ems:unit "{o["unit"]}"@en .')
        if o["metric"]:
            out.append(f'ex:Metric{n} a ems:Metric ; rdfs:label "{o["label"]} ({o["unit"]})"@en ; ems:unit "{o["unit"]}"@en .')
    for freq in sorted(reviews):
        out.append(f'ex:Review{freq} a ems:ManagementReview ; rdfs:label "Management review every {freq}"@en ; '
                   f'ems:frequency "{freq}"^^xsd:duration .')
    out.append('ex:Operations rdfs:label "Operations Division"@en .')
    return "\n".join(out) + "\n"


def generate(n: int, folder: Path, defect_share: float = 0.3, seed: int = 7) -> dict[str, str | None]:
    """Write ``n`` declarations to ``folder``; returns file name -> planted defect (or None)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, str | None] = {}
    for i in range(n):
        defect = rng.choice(DEFECTS) if rng.random() < defect_share else None
        d = make(i, rng, defect)
        name = f"{d.ident}.ttl"
        (folder / name).write_text(to_turtle(d), encoding="utf-8")
        manifest[name] = defect
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=0))
    return manifest


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("n", type=int)
    p.add_argument("folder", type=Path)
    p.add_argument("--defects", type=float, default=0.3, help="share of files with one defect (0..1)")
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    m = generate(a.n, a.folder, a.defects, a.seed)
    print(f"wrote {len(m)} declarations to {a.folder} ({sum(v is not None for v in m.values())} with a defect)")


if __name__ == "__main__":
    main()

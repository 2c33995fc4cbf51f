"""``emskg check``: is the ontology consistent, and is the knowledge base well kept?

Two kinds of check, both reported as a list of findings:

* **Consistency** — HermiT (through owlready2, on the JVM) classifies ontology + KB: unsatisfiable
  classes and an inconsistent ABox are errors. Our own rule engine only covers OWL 2 RL, so a DL
  reasoner is the independent second opinion. HermiT does not know ``xsd:duration`` or
  ``xsd:gYear`` (outside the OWL 2 datatype map), so those literals are ignored rather than failing.
* **Quality** — every ``queries/qc/*-violation.rq`` must return no rows (the ODK convention): missing
  labels, definitions or sources, claims without evidence, contradictory component claims, ...
  Disjointness clashes found while building are reported too.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .queries import list_queries
from .rdfio import serialize
from .results import compact
from .sparql import run_sparql
from .store import KnowledgeGraph, load_graph

__all__ = ["Finding", "CheckReport", "run_checks", "reasoner_findings", "quality_findings"]


@dataclass(frozen=True)
class Finding:
    """One problem: which check found it and a one-line description."""

    check: str
    message: str


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    checks_run: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def lines(self) -> list[str]:
        out = [f"FAIL {f.check}: {f.message}" for f in self.findings]
        status = "ok" if self.ok else f"{len(self.findings)} problem{'s' if len(self.findings) != 1 else ''}"
        out.append(f"{len(self.checks_run)} checks run: {status}")
        return out


def reasoner_findings(kg: KnowledgeGraph) -> list[Finding]:
    """Run HermiT over the asserted graph; unsatisfiable classes and inconsistency are findings."""
    if shutil.which("java") is None:
        return [Finding("hermit", "java is not installed, so the HermiT consistency check cannot run "
                                  "(apt-get install default-jre-headless, or pass --no-reasoner)")]
    import owlready2
    from owlready2.base import OwlReadyInconsistentOntologyError

    with tempfile.TemporaryDirectory(prefix="emskg-check-") as tmp:
        nt = Path(tmp) / "emskg.nt"
        import pyoxigraph as ox

        nt.write_bytes(serialize(kg.triples(inferred=False), ox.RdfFormat.N_TRIPLES))
        world = owlready2.World()
        onto = world.get_ontology(nt.as_uri()).load(format="ntriples")
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                               ignore_unsupported_datatypes=True)
        except OwlReadyInconsistentOntologyError:
            return [Finding("hermit", "the ontology and knowledge base are inconsistent (HermiT found no model)")]
        except owlready2.OwlReadyJavaError as exc:
            first = str(exc).strip().splitlines()
            return [Finding("hermit", f"HermiT failed: {first[-1] if first else 'unknown error'}")]
        bad = [c for c in world.inconsistent_classes() if c is not owlready2.Nothing]
        return [Finding("hermit", f"unsatisfiable class {c.iri}") for c in bad]


def quality_findings(kg: KnowledgeGraph) -> tuple[list[Finding], list[str]]:
    """Every qc/ query returns no rows; each row it does return is a finding."""
    findings: list[Finding] = []
    names: list[str] = []
    for q in list_queries(include_qc=True):
        if not q.name.startswith("qc/"):
            continue
        names.append(q.name)
        result = run_sparql(kg.store, q.text, max_rows=50)
        for row in result.rows:
            cells = ", ".join(compact(t) for t in row if t is not None)
            findings.append(Finding(q.name, f"{q.title}: {cells}"))
    for c in kg.inconsistencies:
        findings.append(Finding("disjointness" if c.property is None else "functional-property", c.describe(compact)))
    return findings, names + ["disjointness", "functional-property"]


def run_checks(*, reasoner: bool = True, kg: KnowledgeGraph | None = None) -> CheckReport:
    kg = kg or load_graph()
    report = CheckReport()
    findings, names = quality_findings(kg)
    report.findings.extend(findings)
    report.checks_run.extend(names)
    if reasoner:
        report.findings.extend(reasoner_findings(kg))
        report.checks_run.append("hermit")
    return report

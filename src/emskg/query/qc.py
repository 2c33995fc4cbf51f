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

from dataclasses import dataclass, field

from ..graph.hermit import reasoner_problems
from ..graph.store import KnowledgeGraph, load_graph
from .formats import compact
from .named import list_queries
from .sparql import run_sparql

__all__ = ["Finding", "CheckReport", "run_checks", "quality_findings"]


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


def quality_findings(kg: KnowledgeGraph) -> tuple[list[Finding], list[str]]:
    """Every qc/ query returns no rows; each row it does return is a finding."""
    findings: list[Finding] = []
    names: list[str] = []
    for q in list_queries(include_qc=True):
        if not q.name.startswith("qc/"):
            continue
        names.append(q.name)
        result = run_sparql(kg.store, q.text, max_rows=50, trusted=True)
        for row in result.rows:
            cells = ", ".join(compact(t) for t in row if t is not None)
            findings.append(Finding(q.name, f"{q.title}: {cells}"))
    for c in kg.inconsistencies:
        findings.append(Finding("disjointness" if c.property is None else "functional-property", c.describe(compact)))
    return findings, names + ["disjointness", "functional-property"]


def run_checks(*, reasoner: bool = True, kg: KnowledgeGraph | None = None) -> CheckReport:
    """Every check: the qc/ queries, the build's clashes and (unless ``reasoner=False``) HermiT."""
    kg = kg or load_graph()
    report = CheckReport()
    findings, names = quality_findings(kg)
    report.findings.extend(findings)
    report.checks_run.extend(names)
    if reasoner:
        report.findings.extend(Finding("hermit", problem) for problem in reasoner_problems(kg))
        report.checks_run.append("hermit")
    return report

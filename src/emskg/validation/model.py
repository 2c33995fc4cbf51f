"""The result model of a validation run: what the CLI, the report formats and the HTTP API consume.

Plain frozen dataclasses with no dependency beyond the standard library, so that reading or
rendering a report — and registering the ``emskg validate`` command with its choices — never loads
the graph, the reasoner, rdflib or pyshacl.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "Suggestion",
    "ValidationResult",
    "CheckedPair",
    "FileReport",
    "RunReport",
    "Engine",
    "ENGINES",
    "FAIL_ON",
    "SEVERITIES",
    "REPORT_FORMATS",
    "WORKBOOK_FORMAT",
    "ElementInPlace",
    "ComponentScore",
    "SystemSummary",
    "DECLARATION_FORMATS",
]

Engine = Literal["fast", "pyshacl", "reference"]
#: The validation engines, default first (see :class:`emskg.Validator`).
ENGINES: tuple[Engine, ...] = ("fast", "pyshacl", "reference")
#: Result severities, most severe first (the names of sh:Violation, sh:Warning, sh:Info).
SEVERITIES = ("Violation", "Warning", "Info")
#: The least severe result that can be chosen to fail a run (:meth:`RunReport.exit_code`).
FAIL_ON = ("violation", "warning")
#: The formats a run report can be written in (:func:`emskg.validation.report.render`).
REPORT_FORMATS = ("text", "json", "turtle", "junit", "html")
#: The name of the spreadsheet format of a declaration (:mod:`emskg.validation.workbook`).
WORKBOOK_FORMAT = "xlsx"
#: The formats a declaration is converted between (``emskg convert --format``); RDF names as in core.rdfio.
DECLARATION_FORMATS = ("turtle", "jsonld", "xlsx", "nt", "rdfxml")


@dataclass(frozen=True)
class Suggestion:
    """An initiative that supports what is missing, with the report's words for why."""

    initiative: str
    label: str
    why: str
    source: str
    source_label: str
    is_framework: bool = False

    def to_json(self) -> dict[str, str]:
        return {"initiative": self.initiative, "label": self.label, "why": self.why, "source": self.source,
                "sourceLabel": self.source_label}


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with readable labels and the initiatives that would fill the gap.

    Terms are strings: IRIs as they are, blank nodes of the declaration as ``_:b1``, ``_:b2`` ... in
    the order they first appear in the file (so reports are identical from run to run), literals by
    their lexical form.
    """

    focus_node: str
    result_path: str | None
    severity: str
    message: str
    source_shape: str
    suggestions: tuple[Suggestion, ...] = ()
    focus_label: str | None = None
    value: str | None = None
    value_label: str | None = None
    value_datatype: str | None = None  # set when the value is a literal
    constraint_component: str | None = None
    #: The Plan/Do/Check/Act component the gap belongs to, and whether it is a core element (or a
    #: whole component): what the HTML report orders and scores by. Not part of what engines agree on.
    gap_component: str | None = field(default=None, compare=False)
    core_gap: bool = field(default=False, compare=False)

    @property
    def importance(self) -> int:
        """Smaller is more important: a missing core element or component, another violation, a warning."""
        if self.severity == "Violation":
            return 0 if self.core_gap else (1 if self.gap_component else 2)
        return 3 if self.severity == "Warning" else 4

    def key(self) -> tuple[str, str | None, str, str]:
        """What two engines must agree on: (focus node, path, source shape, severity)."""
        return (self.focus_node, self.result_path, self.source_shape, self.severity)

    def to_json(self) -> dict[str, Any]:
        return {
            "focusNode": self.focus_node,
            "focusLabel": self.focus_label,
            "resultPath": self.result_path,
            "value": self.value,
            "severity": self.severity,
            "message": self.message,
            "sourceShape": self.source_shape,
            "suggestions": [s.to_json() for s in self.suggestions],
        }


@dataclass(frozen=True)
class CheckedPair:
    """A (shape, focus node) pair that was checked: one JUnit test case."""

    shape: str
    shape_label: str
    focus_node: str
    focus_label: str | None


@dataclass(frozen=True)
class ElementInPlace:
    """An Appendix C element a system has in place (declared, or covered through a sub-element)."""

    iri: str
    label: str
    number: str
    component: str
    core: bool
    declared: bool


@dataclass(frozen=True)
class ComponentScore:
    """One row of a system's Plan/Do/Check/Act scorecard."""

    component: str
    in_place: int
    outline: int
    violations: int


@dataclass(frozen=True)
class SystemSummary:
    """What a declared system has in place, for the report managers read (``--format html``)."""

    system: str
    label: str | None
    utility: str | None
    frameworks: tuple[str, ...]
    initiatives: tuple[str, ...]
    outcomes: tuple[str, ...]
    stages: tuple[str, ...]
    objectives: tuple[str, ...]
    policy: str | None
    commitment: str | None
    elements: tuple[ElementInPlace, ...]
    scorecard: tuple[ComponentScore, ...]
    members: tuple[str, ...]  # the names of the nodes that belong to it (objectives, targets, reviews ...)


@dataclass(frozen=True)
class FileReport:
    """The validation of one file; ``error`` is set (and there are no results) when it could not be read.

    ``conforms`` means *no violation*: warnings and infos do not make a file non-conforming (like
    pyshacl's ``allow_warnings``); failing a run on warnings changes the exit code, not this.
    """

    file: str
    conforms: bool
    results: tuple[ValidationResult, ...] = ()
    error: str | None = None
    checks: tuple[CheckedPair, ...] = field(default=(), compare=False)
    systems: tuple[SystemSummary, ...] = field(default=(), compare=False)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "conforms": self.conforms,
                               "results": [r.to_json() for r in self.results]}
        if self.error is not None:
            out["error"] = self.error
        return out


@dataclass(frozen=True)
class RunReport:
    """The validation of every file of a run."""

    files: tuple[FileReport, ...]

    @property
    def conforms(self) -> bool:
        return all(f.conforms for f in self.files)

    def to_json(self) -> dict[str, Any]:
        return {"conforms": self.conforms, "files": [f.to_json() for f in self.files]}

    def exit_code(self, fail_on: str = "violation") -> int:
        """2 if a file could not be validated, 1 if a result at or above ``fail_on`` fails the run, else 0.

        Raises ``ValueError`` when ``fail_on`` is not one of :data:`FAIL_ON`."""
        if fail_on not in FAIL_ON:
            raise ValueError(f"fail_on takes one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        if any(f.error is not None for f in self.files):
            return 2
        failing = SEVERITIES[: SEVERITIES.index(fail_on.capitalize()) + 1]
        return 1 if any(r.severity in failing for f in self.files for r in f.results) else 0

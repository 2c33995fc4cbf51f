"""Writing a validation run: text for people, JSON for programs, a SHACL report, JUnit XML for CI,
and a printable HTML page for managers (:mod:`emskg.validation.html_report`).

Every renderer works from the :class:`~emskg.validation.model.RunReport` dataclasses alone (no rdflib, no
pyshacl), so the CLI and the HTTP endpoint print the same thing for the same run.
"""

from __future__ import annotations

import json
import textwrap
from collections import defaultdict
from collections.abc import Callable, Iterator
from xml.etree import ElementTree as ET

import pyoxigraph as ox

from ..core.rdfio import serialize
from ..core.terms import Triple
from ..core.terms import curie as _curie
from ..core.vocab import DCTERMS_SOURCE, EMSH, PREFIXES, RDF_TYPE, RDFS_COMMENT, RDFS_SEE_ALSO, XSD_BOOLEAN, sh
from .model import REPORT_FORMATS, SEVERITIES, CheckedPair, FileReport, RunReport, ValidationResult

__all__ = ["FORMATS", "render", "curie"]

FORMATS = REPORT_FORMATS

_CURIES = {**PREFIXES, "emsh": EMSH}


def render(report: RunReport, fmt: str, fail_on: str = "violation") -> str:
    """The run in ``fmt`` (one of :data:`FORMATS`); ``fail_on`` decides which results JUnit counts as
    failures and the text summary's verdict. Raises ``KeyError`` for an unknown format."""
    from .html_report import render_html  # only the HTML format needs it

    renderers: dict[str, Callable[[RunReport, str], str]] = {
        "text": _text, "json": _json, "turtle": _turtle, "junit": _junit, "html": render_html}
    return renderers[fmt](report, fail_on)


def curie(iri: str | None) -> str:
    """``ems:selectsOutcome`` for a known namespace, else the IRI itself."""
    if iri is None:
        return ""
    return _curie(iri, _CURIES) or iri


def _failing(fail_on: str) -> tuple[str, ...]:
    return SEVERITIES[: SEVERITIES.index(fail_on.capitalize()) + 1]


# --- JSON ---------------------------------------------------------------------------------------

def _json(report: RunReport, fail_on: str) -> str:
    """One file's report a line: ``indent=`` would switch json to its pure-Python encoder, far slower
    for runs of thousands of files (docs/design.md); this stays diff- and grep-friendly."""
    files = ",\n  ".join(json.dumps(f.to_json(), ensure_ascii=False) for f in report.files)
    return f'{{"conforms": {json.dumps(report.conforms)},\n "files": [\n  {files}\n ]}}\n' if files else \
        f'{{"conforms": {json.dumps(report.conforms)}, "files": []}}\n'



# --- text ---------------------------------------------------------------------------------------

_WRAP = 100


def _text(report: RunReport, fail_on: str) -> str:
    lines: list[str] = []
    for f in report.files:
        lines += _text_file(f)
        lines.append("")
    lines.append(_summary(report, fail_on))
    return "\n".join(lines) + "\n"


def _text_file(f: FileReport) -> Iterator[str]:
    if f.error is not None:
        yield f"{f.file}: ERROR {f.error}"
        return
    counts = ", ".join(_plural(n, sev.lower()) for sev in SEVERITIES if (n := f.count(sev)))
    yield f"{f.file}: {'conforms' if f.conforms else 'does not conform'}" + (f" ({counts})" if counts else "")
    by_focus: dict[str, list[ValidationResult]] = defaultdict(list)
    for r in f.results:
        by_focus[r.focus_node].append(r)
    for focus, results in by_focus.items():
        yield ""
        yield "  " + _named(focus, results[0].focus_label)
        for r in results:
            yield from _text_result(r)


def _text_result(r: ValidationResult) -> Iterator[str]:
    where = f"  {curie(r.result_path)}" if r.result_path else ""
    yield f"    {r.severity.upper()}{where}  [{curie(r.source_shape)}]"
    if r.value is not None and r.value != r.focus_node:  # a node shape's value is its focus node
        yield f"      value: {_named(r.value, r.value_label) if r.value_datatype is None else repr(r.value)}"
    yield from textwrap.wrap(r.message, _WRAP, initial_indent="      ", subsequent_indent="      ")
    if r.suggestions:
        yield "      Initiatives of the report that would fill this gap:"
    for s in r.suggestions:
        section = s.source_label.split(" – ")[0]  # "Section 5.2 – Utilizing ..." -> "Section 5.2"
        yield f"        - {s.label} ({'framework' if s.is_framework else 'tool'}; {section})"
        yield from textwrap.wrap(f"“{_shorten(s.why)}”", _WRAP, initial_indent="          ",
                                 subsequent_indent="           ")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _named(term: str, label: str | None) -> str:
    return f"{label} ({curie(term)})" if label else curie(term)


def _shorten(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def _summary(report: RunReport, fail_on: str) -> str:
    files = report.files
    errors = sum(1 for f in files if f.error is not None)
    violating = sum(1 for f in files if f.count("Violation"))
    warned = sum(1 for f in files if f.error is None and not f.count("Violation") and f.count("Warning"))
    clean = len(files) - errors - violating - warned
    totals = ", ".join(_plural(sum(f.count(sev) for f in files), sev.lower()) for sev in SEVERITIES[:2])
    verdict = {0: "PASS", 1: "FAIL", 2: "ERROR"}[report.exit_code(fail_on)]
    return (f"{verdict}: {_plural(len(files), 'file')}: {clean} clean, {warned} with warnings only, "
            f"{violating} with violations, {errors} unreadable ({totals})")


# --- SHACL validation report (Turtle) -----------------------------------------------------------

def _turtle(report: RunReport, fail_on: str) -> str:
    triples: list[Triple] = []
    for i, f in enumerate(report.files, 1):
        triples += _report_triples(f, f"f{i}")
    return serialize(triples, ox.RdfFormat.TURTLE).decode()


_sh = sh
_RDF_TYPE = RDF_TYPE
_BOOLEAN = XSD_BOOLEAN


def _report_triples(f: FileReport, scope: str) -> Iterator[Triple]:
    """One sh:ValidationReport per file; ``dcterms:source`` names the file, ``rdfs:seeAlso`` the suggestions."""
    node = ox.BlankNode(f"{scope}_report")
    yield node, _RDF_TYPE, _sh("ValidationReport")
    yield node, _sh("conforms"), ox.Literal("true" if f.conforms else "false", datatype=_BOOLEAN)
    yield node, DCTERMS_SOURCE, ox.Literal(f.file)
    if f.error is not None:
        yield node, RDFS_COMMENT, ox.Literal(f.error)
    for j, r in enumerate(f.results, 1):
        result = ox.BlankNode(f"{scope}_r{j}")
        yield node, _sh("result"), result
        yield from _result_triples(r, result, scope)


def _result_triples(r: ValidationResult, node: ox.BlankNode, scope: str) -> Iterator[Triple]:
    yield node, _RDF_TYPE, _sh("ValidationResult")
    yield node, _sh("focusNode"), _term(r.focus_node, scope)
    if r.result_path is not None and _is_iri(r.result_path):
        yield node, _sh("resultPath"), ox.NamedNode(r.result_path)
    yield node, _sh("resultSeverity"), _sh(r.severity)
    yield node, _sh("sourceShape"), ox.NamedNode(r.source_shape)
    if r.constraint_component:
        yield node, _sh("sourceConstraintComponent"), ox.NamedNode(r.constraint_component)
    yield node, _sh("resultMessage"), ox.Literal(r.message, language="en")
    if r.value is not None:
        value = (_term(r.value, scope) if r.value_datatype is None
                 else ox.Literal(r.value, datatype=ox.NamedNode(r.value_datatype)))
        yield node, _sh("value"), value
    for s in r.suggestions:
        yield node, RDFS_SEE_ALSO, ox.NamedNode(s.initiative)


def _term(name: str, scope: str) -> ox.NamedNode | ox.BlankNode:
    """A result's node: blank nodes are scoped to their file so two files' ``_:b1`` stay apart."""
    return ox.BlankNode(f"{scope}_{name[2:]}") if name.startswith("_:") else ox.NamedNode(name)


def _is_iri(text: str) -> bool:
    return ":" in text and not any(c in text for c in "<>^|/*+? ")


# --- JUnit XML ----------------------------------------------------------------------------------

def _junit(report: RunReport, fail_on: str) -> str:
    """One <testsuite> per file, one <testcase> per (shape, focus node) checked.

    Results at or above ``fail_on`` are <failure>s; the others are printed in <system-out>. A file
    that cannot be read is a suite with one <error>.
    """
    failing = _failing(fail_on)
    root = ET.Element("testsuites", name="emskg validate")
    totals: dict[str, int] = defaultdict(int)
    for f in report.files:
        suite = _junit_suite(f, failing)
        root.append(suite)
        for key in ("tests", "failures", "errors"):
            totals[key] += int(suite.get(key, "0"))
    for key, n in totals.items():
        root.set(key, str(n))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _junit_suite(f: FileReport, failing: tuple[str, ...]) -> ET.Element:
    suite = ET.Element("testsuite", name=f.file)
    if f.error is not None:
        case = ET.SubElement(suite, "testcase", classname=f.file, name="read and parse the declaration")
        ET.SubElement(case, "error", type="InputError", message=f.error).text = f.error
        suite.attrib.update(tests="1", failures="0", errors="1")
        return suite
    grouped: dict[tuple[str, str], list[ValidationResult]] = defaultdict(list)
    for r in f.results:
        grouped[(r.source_shape, r.focus_node)].append(r)
    cases = {(c.shape, c.focus_node): c for c in f.checks}
    for shape, focus in grouped.keys() - cases.keys():  # a result whose target the checks did not list
        first = grouped[(shape, focus)][0]
        cases[(shape, focus)] = CheckedPair(shape, curie(shape), focus, first.focus_label)
    failures = 0
    for key in sorted(cases):
        failures += _junit_case(suite, cases[key], grouped.get(key, []), failing)
    suite.attrib.update(tests=str(len(cases)), failures=str(failures), errors="0")
    return suite


def _junit_case(suite: ET.Element, check: CheckedPair, results: list[ValidationResult], failing: tuple[str, ...]) -> int:
    case = ET.SubElement(suite, "testcase", classname=_named(check.focus_node, check.focus_label),
                         name=f"{check.shape_label} ({curie(check.shape)})")
    failed = [r for r in results if r.severity in failing]
    if failed:
        failure = ET.SubElement(case, "failure", type=failed[0].severity, message=failed[0].message)
        failure.text = "\n".join(_plain(r) for r in failed)
    others = [r for r in results if r.severity not in failing]
    if others:
        ET.SubElement(case, "system-out").text = "\n".join(_plain(r) for r in others)
    return 1 if failed else 0


def _plain(r: ValidationResult) -> str:
    """A result as the few lines a CI page shows under a test case."""
    lines = [f"{r.severity}: {r.message}"]
    if r.result_path:
        lines.append(f"path: {curie(r.result_path)}")
    if r.value is not None:
        lines.append(f"value: {_named(r.value, r.value_label)}")
    lines += [f"suggestion: {s.label} — {s.source_label}" for s in r.suggestions]
    return "\n".join(lines)

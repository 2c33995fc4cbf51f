"""emskg.validation.html_report: the self-contained, printable page managers read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT
from emskg import RunReport, Validator
from emskg.graph.store import KnowledgeGraph
from emskg.validation.report import render

LAKESHORE_XLSX = EXAMPLES / "workbook" / "lakeshore.xlsx"
LAKESHORE_HTML = EXAMPLES / "workbook" / "lakeshore-report.html"


@pytest.fixture(scope="module")
def summarizer(kg: KnowledgeGraph) -> Validator:
    return Validator(kg, summarize=True, record_checks=False)


def _page(v: Validator, *paths: Path) -> str:
    return render(RunReport(tuple(v.validate_file(p.relative_to(ROOT)) for p in paths)), "html")


def test_the_page_is_self_contained_and_printable(summarizer: Validator) -> None:
    html = _page(summarizer, EXAMPLES / "broken" / "missing-core-element.ttl")
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html and "@media print" in html
    # nothing to fetch: no script, stylesheet link, image, font, iframe or URL in an attribute
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.I)
    assert "url(" not in html and "@import" not in html


def test_a_system_gets_a_scorecard_gaps_with_initiatives_and_what_is_in_place(summarizer: Validator) -> None:
    html = _page(summarizer, EXAMPLES / "broken" / "missing-core-element.ttl")
    assert "<h3>Millbrook Quality Management System</h3>" in html
    rows = re.findall(r"<tr><th>(\w+)</th><td>(\d+) of (\d+)</td>.*?<td>(.*?)</td></tr>", html)
    assert [(c, total) for c, _, total, _ in rows] == [("Plan", "11"), ("Do", "29"), ("Check", "11"), ("Act", "3")]
    assert "1 gap" in dict((c, s) for c, _, _, s in rows)["Check"]
    gaps = html.split("Gaps, most important first")[1].split("Already in place")[0]
    assert "Core element missing: internal audit" in gaps and "ISO 9002 - Quality Management System Standard" in gaps
    assert '<span class="badge core">core</span>' in gaps
    in_place = html.split("Already in place")[1]
    assert "IV.D</span>Nonconformance and corrective / preventive action" in in_place
    assert "(through a sub-element)" in in_place  # Measurement, covered by Monitoring and measuring


def test_gaps_are_ordered_core_first_then_other_violations_then_warnings(summarizer: Validator) -> None:
    html = _page(summarizer, EXAMPLES / "workbook" / "lakeshore.ttl")
    gaps = html.split("Gaps, most important first")[1]
    core = gaps.index("Core element missing: internal audit")
    plan = gaps.index("A selected outcome has no objective")
    warning = gaps.index("names no one responsible")
    assert core < plan < warning
    assert "Points to improve" in html  # warnings are a section of their own


def test_core_gaps_come_before_other_violations_whatever_the_rules_are_called(summarizer: Validator,
                                                                            tmp_path: Path) -> None:
    text = (EXAMPLES / "broken" / "missing-core-element.ttl").read_text(encoding="utf-8")
    text = text.replace("    ems:hasPolicy ex:Policy ;\n", "").replace(" kb:PerformanceReports,", "")
    path = tmp_path / "two-core-gaps-no-policy.ttl"
    path.write_text(text, encoding="utf-8")
    html = render(RunReport((summarizer.validate_file(path),)), "html")
    gaps = html.split("Gaps, most important first")[1]
    reporting, audit = gaps.index("Core element missing: reporting"), gaps.index("Core element missing: internal audit")
    policy = gaps.index("has no policy statement")  # emsh:PolicyShape sorts before emsh:ReportingShape by name
    assert max(reporting, audit) < policy


def test_a_file_that_cannot_be_read_and_a_file_without_a_system(summarizer: Validator, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    report = RunReport((summarizer.validate_file(bad), summarizer.validate_file(EXAMPLES / "broken" / "no-system.ttl")))
    html = render(report, "html")
    assert "could not be read" in html and "not a spreadsheet workbook" in html
    assert "The file declares no ems:ManagementSystem" in html


def test_the_example_report_is_what_validating_the_example_workbook_gives(summarizer: Validator) -> None:
    html = _page(summarizer, LAKESHORE_XLSX)
    assert html == LAKESHORE_HTML.read_text(encoding="utf-8"), (
        "regenerate: emskg validate --format html -o examples/workbook/lakeshore-report.html examples/workbook/lakeshore.xlsx")

"""``emskg validate`` as pipelines run it: the real console script in a subprocess, exit codes and formats."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib

from conftest import EXAMPLES

Run = Callable[..., subprocess.CompletedProcess[str]]

CONFORMING = "examples/conforming/riverbend-iso14001.ttl"
NO_METRIC = "examples/broken/no-metric.ttl"
NO_CHECK = "examples/broken/no-check-element.ttl"
WARNING_ONLY = "examples/broken/tools-without-framework.ttl"
MALFORMED = "examples/malformed/bad-syntax.ttl"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


# --- exit codes ---------------------------------------------------------------------------------

def test_a_conforming_file_exits_0(emskg_cli: Run) -> None:
    done = emskg_cli("validate", CONFORMING)
    assert done.returncode == 0, done.stderr
    assert "conforms" in done.stdout and done.stdout.rstrip().splitlines()[-1].startswith("PASS")


def test_a_violation_exits_1(emskg_cli: Run) -> None:
    done = emskg_cli("validate", CONFORMING, NO_METRIC)
    assert done.returncode == 1 and done.stderr == ""


def test_warnings_exit_0_unless_fail_on_warning(emskg_cli: Run) -> None:
    assert emskg_cli("validate", WARNING_ONLY).returncode == 0
    assert emskg_cli("validate", WARNING_ONLY, "--fail-on", "warning").returncode == 1
    assert emskg_cli("validate", CONFORMING, "--fail-on", "warning").returncode == 0


def test_a_malformed_file_exits_2_with_file_and_line(emskg_cli: Run) -> None:
    done = emskg_cli("validate", MALFORMED)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"emskg: {MALFORMED}:14:5: ")


def test_a_missing_file_exits_2(emskg_cli: Run) -> None:
    done = emskg_cli("validate", "examples/no-such-file.ttl")
    assert done.returncode == 2
    assert done.stderr == "emskg: examples/no-such-file.ttl: no such file\n"


def test_a_bad_file_does_not_hide_the_others_results(emskg_cli: Run) -> None:
    done = emskg_cli("validate", NO_METRIC, MALFORMED, CONFORMING, "--format", "json")
    assert done.returncode == 2
    doc = json.loads(done.stdout)
    assert [f["file"] for f in doc["files"]] == [NO_METRIC, MALFORMED, CONFORMING]
    assert doc["files"][0]["results"] and doc["files"][1]["error"].startswith(f"{MALFORMED}:14:")
    assert doc["files"][2]["conforms"] is True
    # one line per file, so a report of thousands of files can be grepped and diffed
    per_line = [json.loads(line.strip().rstrip(",")) for line in done.stdout.splitlines() if line.startswith("  {")]
    assert per_line == doc["files"]


@pytest.mark.parametrize("args", [[], ["--format", "yaml", CONFORMING], ["--jobs", "0", CONFORMING],
                                  ["--fail-on", "info", CONFORMING]])
def test_usage_errors_exit_2(emskg_cli: Run, args: list[str]) -> None:
    done = emskg_cli("validate", *args)
    assert done.returncode == 2 and done.stdout == ""


# --- formats ------------------------------------------------------------------------------------

def test_json_is_one_object_per_run(emskg_cli: Run) -> None:
    done = emskg_cli("validate", CONFORMING, NO_CHECK, WARNING_ONLY, "--format", "json")
    doc = json.loads(done.stdout)
    assert doc["conforms"] is False
    assert [f["conforms"] for f in doc["files"]] == [True, False, True]
    shapes = sorted(r["sourceShape"].rsplit("#", 1)[1] for r in doc["files"][1]["results"])
    assert shapes == ["CheckComponentShape", "InternalAuditShape", "MeasurementShape", "NonconformanceShape",
                      "ReportingShape"]
    for result in doc["files"][1]["results"]:
        assert result["severity"] == "Violation" and result["focusNode"] == "https://example.org/millbrook/QMS"
        assert result["resultPath"] in ("https://w3id.org/emskg/ontology#coversComponent",
                                        "https://w3id.org/emskg/ontology#coversElement")
    (warning,) = doc["files"][2]["results"]
    assert warning["severity"] == "Warning" and warning["suggestions"][0]["initiative"].endswith("ISO9002")


def test_turtle_is_a_shacl_validation_report(emskg_cli: Run) -> None:
    done = emskg_cli("validate", CONFORMING, NO_METRIC, WARNING_ONLY, "--format", "turtle")
    assert done.returncode == 1
    g = rdflib.Graph().parse(data=done.stdout, format="turtle")
    conforms = {str(g.value(r, rdflib.DCTERMS.source)): g.value(r, SH.conforms).toPython()
                for r in g.subjects(rdflib.RDF.type, SH.ValidationReport)}
    assert conforms == {CONFORMING: True, NO_METRIC: False, WARNING_ONLY: True}
    results = list(g.subjects(rdflib.RDF.type, SH.ValidationResult))
    assert len(results) == 2
    severities = {g.value(r, SH.resultSeverity) for r in results}
    assert severities == {SH.Violation, SH.Warning}
    for r in results:
        assert g.value(r, SH.focusNode) is not None and g.value(r, SH.sourceShape) is not None
        assert g.value(r, SH.resultMessage) is not None


def test_junit_has_a_suite_per_file_and_failures_for_violations(emskg_cli: Run) -> None:
    done = emskg_cli("validate", CONFORMING, NO_CHECK, WARNING_ONLY, MALFORMED, "--format", "junit")
    assert done.returncode == 2
    root = ET.fromstring(done.stdout)
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == [CONFORMING, NO_CHECK, WARNING_ONLY, MALFORMED]
    assert suites[CONFORMING].get("failures") == "0" and int(suites[CONFORMING].get("tests", "0")) > 30
    assert suites[NO_CHECK].get("failures") == "5"
    failed = [c.get("name") for c in suites[NO_CHECK].iter("testcase") if c.find("failure") is not None]
    assert len(failed) == 5 and any("Check element" in (n or "") for n in failed)
    assert suites[WARNING_ONLY].get("failures") == "0"
    assert any(c.find("system-out") is not None for c in suites[WARNING_ONLY].iter("testcase"))
    assert suites[MALFORMED].get("errors") == "1"
    assert root.get("failures") == "5" and root.get("errors") == "1"


def test_junit_counts_warnings_as_failures_with_fail_on_warning(emskg_cli: Run) -> None:
    done = emskg_cli("validate", WARNING_ONLY, "--format", "junit", "--fail-on", "warning")
    (suite,) = ET.fromstring(done.stdout).iter("testsuite")
    assert suite.get("failures") == "1" and done.returncode == 1


def test_text_is_grouped_by_focus_with_labels_suggestions_and_a_summary(emskg_cli: Run) -> None:
    done = emskg_cli("validate", "examples/broken/financials-no-plan.ttl", "examples/broken/no-outcome.ttl")
    out = done.stdout
    assert "Millbrook Quality Management System (https://example.org/millbrook/QMS)" in out
    assert "VIOLATION  ems:coversComponent  [emsh:PlanComponentShape]" in out
    for name in ("AMSA Asset Management Handbook", "Governmental Accounting Standards Board Statement #34",
                 "Bid-to-Goal", "QualServe", "APWA Management Accreditation Program"):
        assert f"- {name} (tool; Section 5.2)" in out
    assert "value: Product quality (kb:ProductQuality)" in out
    assert out.rstrip().splitlines()[-1] == (
        "FAIL: 2 files: 0 clean, 0 with warnings only, 2 with violations, 0 unreadable (2 violations, 1 warning)")


def test_output_goes_to_a_file(emskg_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "report.xml"
    done = emskg_cli("validate", NO_METRIC, "--format", "junit", "-o", str(out))
    assert done.returncode == 1 and done.stdout == ""
    assert ET.parse(out).getroot().tag == "testsuites"


def test_jobs_give_the_same_json(emskg_cli: Run) -> None:
    files = [str(p.relative_to(EXAMPLES.parent)) for p in sorted(EXAMPLES.rglob("*.ttl"))]
    one = emskg_cli("validate", *files, "--format", "json", "--jobs", "1")
    two = emskg_cli("validate", *files, "--format", "json", "--jobs", "2")
    assert one.returncode == two.returncode == 2  # the malformed example is among them
    assert one.stdout == two.stdout and json.loads(one.stdout)["files"]


@pytest.mark.slow
def test_the_reference_engine_gives_the_same_json(emskg_cli: Run) -> None:
    fast = emskg_cli("validate", NO_METRIC, "--format", "json")
    reference = emskg_cli("validate", NO_METRIC, "--format", "json", "--engine", "reference")
    assert reference.returncode == fast.returncode == 1
    assert reference.stdout == fast.stdout


def test_registering_the_command_does_not_import_rdflib() -> None:
    code = ("import argparse, sys, emskg.cli.validate as v; v.register(argparse.ArgumentParser().add_subparsers()); "
            "print('rdflib' in sys.modules, 'pyshacl' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]

"""``emskg template``, ``emskg convert``, and workbooks and HTML in ``emskg validate``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import rdflib
from rdflib.compare import isomorphic

from conftest import EXAMPLES

Run = Callable[..., subprocess.CompletedProcess[str]]
RIVERBEND = "examples/conforming/riverbend-iso14001.ttl"
MISSING_CORE = "examples/broken/missing-core-element.ttl"


def test_template_writes_the_workbook(emskg_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    done = emskg_cli("template", "-o", str(out))
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "How to fill this in" and "Objectives" in wb.sheetnames
    assert emskg_cli("template", "-o", "-").returncode == 2


@pytest.mark.parametrize("source", [RIVERBEND, "examples/conforming/eastfield-osha-vpp.jsonld", MISSING_CORE])
def test_convert_turtle_to_workbook_to_turtle_and_json_ld_is_lossless(emskg_cli: Run, tmp_path: Path, source: str) -> None:
    xlsx, ttl, jsonld = tmp_path / "d.xlsx", tmp_path / "d.ttl", tmp_path / "d.jsonld"
    assert emskg_cli("convert", source, "-o", str(xlsx)).returncode == 0
    assert emskg_cli("convert", str(xlsx), "-o", str(ttl)).returncode == 0
    assert emskg_cli("convert", str(xlsx), "-o", str(jsonld)).returncode == 0
    fmt = "json-ld" if source.endswith(".jsonld") else "turtle"
    original = rdflib.Graph().parse(source, format=fmt)
    assert isomorphic(original, rdflib.Graph().parse(ttl, format="turtle"))
    assert isomorphic(original, rdflib.Graph().parse(jsonld, format="json-ld"))


def test_convert_format_overrides_the_extension(emskg_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "declaration.bin"
    assert emskg_cli("convert", RIVERBEND, "-o", str(out), "--format", "xlsx").returncode == 0
    assert out.read_bytes()[:2] == b"PK"
    done = emskg_cli("convert", str(out), "--from", "xlsx", "-o", "-", "--format", "turtle")
    assert done.returncode == 0 and "ems:ManagementSystem" in done.stdout


def test_validating_a_workbook_gives_the_turtles_results(emskg_cli: Run, tmp_path: Path) -> None:
    xlsx = tmp_path / "missing-core-element.xlsx"
    assert emskg_cli("convert", MISSING_CORE, "-o", str(xlsx)).returncode == 0
    from_xlsx = emskg_cli("validate", str(xlsx), "--format", "json")
    from_ttl = emskg_cli("validate", MISSING_CORE, "--format", "json")
    assert from_xlsx.returncode == from_ttl.returncode == 1
    results = [json.loads(d.stdout)["files"][0]["results"] for d in (from_xlsx, from_ttl)]
    assert results[0] == results[1]


def test_a_bad_workbook_is_one_line_and_exit_2(emskg_cli: Run, tmp_path: Path) -> None:
    xlsx = tmp_path / "d.xlsx"
    assert emskg_cli("convert", MISSING_CORE, "-o", str(xlsx)).returncode == 0
    wb = openpyxl.load_workbook(xlsx)
    wb["Outcomes"]["B2"] = "Qualty"
    wb.save(xlsx)
    for command in (("validate", str(xlsx)), ("convert", str(xlsx), "-o", str(tmp_path / "out.ttl"))):
        done = emskg_cli(*command)
        assert done.returncode == 2
        assert done.stderr == (f"emskg: {xlsx}: sheet 'Outcomes', row 2, column 'Management outcome' (B): 'Qualty' is not "
                               "one of the outcomes of the knowledge graph (did you mean: Quality?)\n")
    assert not (tmp_path / "out.ttl").exists()
    notes = tmp_path / "notes.xlsx"
    notes.write_text("meeting notes")
    done = emskg_cli("validate", str(notes))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "not a spreadsheet workbook" in done.stderr


def test_validate_writes_the_html_report(emskg_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = emskg_cli("validate", MISSING_CORE, RIVERBEND, "--format", "html", "-o", str(out))
    assert done.returncode == 1 and done.stdout == ""
    html = out.read_text(encoding="utf-8")
    assert html.count('<section class="system">') == 2 and "Core element missing: internal audit" in html
    two = emskg_cli("validate", MISSING_CORE, RIVERBEND, "--format", "html", "--jobs", "2")
    assert two.stdout == html  # worker processes summarise too


def test_the_example_workbook_validates_like_its_turtle(emskg_cli: Run) -> None:
    xlsx = emskg_cli("validate", "examples/workbook/lakeshore.xlsx", "--format", "json")
    ttl = emskg_cli("validate", "examples/workbook/lakeshore.ttl", "--format", "json")
    assert xlsx.returncode == ttl.returncode == 1
    assert json.loads(xlsx.stdout)["files"][0]["results"] == json.loads(ttl.stdout)["files"][0]["results"]
    assert (EXAMPLES / "workbook" / "lakeshore-report.html").is_file()


def test_registering_the_commands_does_not_import_openpyxl_or_rdflib() -> None:
    code = ("import argparse, sys, emskg.cli as c; c.build_parser(); "
            "print('openpyxl' in sys.modules, 'rdflib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]

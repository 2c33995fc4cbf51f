"""The ``emskg`` command, run for real: answers, formats, and one-line errors with the right exit code."""

from __future__ import annotations

import csv
import importlib
import io
import json
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib

from conftest import ROOT

Run = Callable[..., subprocess.CompletedProcess[str]]
FLAGSHIP = ["query", "tools-for-component-outcome", "--param", "component=Check", "--param", "outcome=Financials"]


def one_line_error(proc: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_every_script_entry_point_imports() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts
    for target in scripts.values():
        module, _, attr = target.partition(":")
        assert callable(getattr(importlib.import_module(module), attr))


def test_installed_script_runs() -> None:
    exe = Path(sys.executable).with_name("emskg")
    proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
    from emskg import __version__

    assert proc.returncode == 0 and proc.stdout.strip() == f"emskg {__version__}"


def test_flagship_query_table(run_cli: Run) -> None:
    proc = run_cli(*FLAGSHIP)
    assert proc.returncode == 0, proc.stderr
    assert "QualServe" in proc.stdout and "APWA Management Accreditation Program" in proc.stdout
    assert "Balanced Scorecard" not in proc.stdout
    assert proc.stdout.rstrip().endswith("(3 rows)")


def test_flagship_query_json_is_sparql_results(run_cli: Run) -> None:
    proc = run_cli(*FLAGSHIP, "--format", "json")
    data = json.loads(proc.stdout)
    assert data["head"]["vars"][:2] == ["tool", "toolLabel"]
    labels = {b["toolLabel"]["value"] for b in data["results"]["bindings"]}
    assert "QualServe" in labels


def test_csv_tsv_xml_formats(run_cli: Run) -> None:
    rows = list(csv.DictReader(io.StringIO(run_cli(*FLAGSHIP, "--format", "csv").stdout)))
    assert "https://w3id.org/emskg/kb/QualServe" in {r["tool"] for r in rows}
    tsv = run_cli(*FLAGSHIP, "--format", "tsv").stdout.splitlines()
    assert tsv[0].split("\t")[:2] == ["?tool", "?toolLabel"] and "<https://w3id.org/emskg/kb/QualServe>" in "\n".join(tsv)
    root = ET.fromstring(run_cli(*FLAGSHIP, "--format", "xml").stdout)
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert len(root.findall(f"{ns}results/{ns}result")) == 3


def test_query_output_file(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "answer.json"
    assert run_cli(*FLAGSHIP, "--format", "json", "-o", str(out)).returncode == 0
    assert json.loads(out.read_text())["results"]["bindings"]


def test_queries_lists_names_and_parameters(run_cli: Run) -> None:
    data = json.loads(run_cli("queries", "--format", "json").stdout)
    flagship = next(q for q in data if q["name"] == "tools-for-component-outcome")
    assert [p["name"] for p in flagship["parameters"]] == ["component", "outcome"]
    assert flagship["parameters"][0]["default"] == "Check"


def test_sparql_text_file_and_stdin(run_cli: Run, tmp_path: Path) -> None:
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?i a ems:ManagementInitiative }"
    assert run_cli("sparql", q, "--format", "csv").stdout.splitlines()[1] == "15"
    f = tmp_path / "count.rq"
    f.write_text(q)
    assert run_cli("sparql", str(f), "--format", "csv").stdout.splitlines()[1] == "15"
    assert run_cli("sparql", "-", "--format", "csv", input=q).stdout.splitlines()[1] == "15"


def test_sparql_ask_and_construct(run_cli: Run) -> None:
    assert run_cli("sparql", "ASK { kb:QualServe ems:supportsComponent ems:Check }").stdout.strip() == "yes"
    proc = run_cli("sparql", "CONSTRUCT { ?i ems:supportsComponent ems:Check } WHERE { ?i ems:supportsComponent ems:Check }",
                   "--format", "turtle")
    g = rdflib.Graph().parse(data=proc.stdout, format="turtle")
    assert (rdflib.URIRef("https://w3id.org/emskg/kb/QualServe"), None, None) in g


@pytest.mark.parametrize(("args", "message"), [
    (["query", "no-such-query"], "no named query 'no-such-query'"),
    (["query", "tools-for-component-outcom"], "did you mean: tools-for-component-outcome"),
    (["query", "tools-for-component-outcome", "--param", "colour=red"], "has no parameter 'colour'"),
    (["query", "tools-for-component-outcome", "--param", "component=Chek"], "did you mean: check"),
    (["query", "tools-for-component-outcome", "--param", "component=Financials"], "no ems:Component named 'Financials'"),
    (["query", "tools-for-component-outcome", "--param", "kb:QualServe"], "--param takes NAME=VALUE"),
    (["query", "tools-for-component-outcome", "--param", "outcome=kb:QualServe"], "is not a ems:ManagementOutcome"),
    (["sparql", "SELECT ?x WHERE { ?x ?y }"], "SPARQL syntax error"),
    (["sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"], "SERVICE is not allowed"),
    (["sparql", "INSERT DATA { <x:a> <x:b> <x:c> }"], "SPARQL Update (INSERT) is not allowed"),
    (["sparql", "LOAD <http://127.0.0.1:9/x.ttl>"], "SPARQL Update (LOAD) is not allowed"),
    (["sparql", "/no/such/file.rq"], "/no/such/file.rq: cannot read"),
    (["sparql", "SELECT * WHERE { ?s ?p ?o }", "--format", "turtle"], "does not fit a SELECT"),
    (["query", "component-matrix", "--format", "bogus"], "invalid choice"),
    (["export", "-o", "/no/such/dir/out.ttl"], "cannot write"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_gives_one_line_and_exit_2(run_cli: Run, args: list[str], message: str) -> None:
    assert message in one_line_error(run_cli(*args))


def test_service_keyword_inside_strings_and_variables_is_fine(run_cli: Run) -> None:
    proc = run_cli("sparql", 'SELECT ?service WHERE { BIND("SERVICE LOAD" AS ?service) } # SERVICE', "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1] == "SERVICE LOAD"


def test_no_command_prints_usage_and_exits_2(run_cli: Run) -> None:
    proc = run_cli()
    assert proc.returncode == 2 and "usage" in proc.stdout.lower()


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_export_inferred(run_cli: Run, tmp_path: Path, fmt: str, rdflib_format: str) -> None:
    out = tmp_path / f"graph.{fmt}"
    assert run_cli("export", "--inferred", "-o", str(out), "--format", fmt).returncode == 0
    g = rdflib.Graph().parse(out, format=rdflib_format)
    ems = rdflib.Namespace("https://w3id.org/emskg/ontology#")
    kb = rdflib.Namespace("https://w3id.org/emskg/kb/")
    assert (kb.QualServe, ems.supportsComponent, ems.Check) in g  # inferred through the claim chain
    assert (kb.ISO14001, ems.addressesOutcome, kb.ImpactsRisks) in g  # sub-outcome roll-up
    assert (ems.ManagementTool, rdflib.RDFS.subClassOf, ems.ManagementInitiative) in g  # the ontology


def test_export_without_inferences_has_only_assertions(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "asserted.nt"
    assert run_cli("export", "-o", str(out)).returncode == 0
    g = rdflib.Graph().parse(out, format="nt")
    ems = rdflib.Namespace("https://w3id.org/emskg/ontology#")
    assert not list(g.triples((None, ems.supportsComponent, None)))
    assert list(g.triples((None, ems.componentSupport, None)))


def test_failed_export_leaves_existing_file_intact(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "keep.ttl"
    out.write_text("precious")
    proc = run_cli("export", "-o", str(out), "--format", "turtle", env={"EMSKG_HOME": str(tmp_path / "nowhere")})
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert out.read_text() == "precious"


def test_malformed_knowledge_base_names_file_and_line(run_cli: Run, data_copy: Path, tmp_path: Path) -> None:
    (data_copy / "kb" / "broken.ttl").write_text("@prefix kb: <https://w3id.org/emskg/kb/> .\n\nkb:a kb:b \n")
    proc = run_cli("build", env={"EMSKG_HOME": str(data_copy), "EMSKG_CACHE": str(tmp_path / "cache")})
    line = one_line_error(proc)
    assert "broken.ttl:4" in line


def test_query_path_does_not_import_rdflib(tmp_path: Path) -> None:
    """Cold start: the query path uses pyoxigraph only (rdflib alone costs ~0.25 s to import)."""
    code = ("import sys; from emskg.cli import main; "
            "rc = main(['query', 'tools-for-component-outcome', '--format', 'csv']); "
            "assert rc == 0; print('rdflib' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.slow
def test_check_passes_on_the_knowledge_base(run_cli: Run) -> None:
    proc = run_cli("check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith(": ok")


@pytest.mark.slow
def test_check_fails_with_a_clear_list(run_cli: Run, data_copy: Path, tmp_path: Path) -> None:
    # an element in both a support and a core component is a disjointness clash (section 3.2)
    (data_copy / "kb" / "zz-fault.ttl").write_text(
        "@prefix ems: <https://w3id.org/emskg/ontology#> . @prefix kb: <https://w3id.org/emskg/kb/> .\n"
        "kb:Recordkeeping ems:partOfComponent ems:Check .\n")
    proc = run_cli("check", env={"EMSKG_HOME": str(data_copy), "EMSKG_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 1
    assert "FAIL disjointness: kb:Recordkeeping is both" in proc.stdout
    assert "FAIL hermit: the ontology and knowledge base are inconsistent" in proc.stdout
    assert "FAIL qc/element-without-component-violation" in proc.stdout

"""``emskg register`` / ``emskg unregister`` for real (subprocess) on an ``oxigraph:PATH`` store."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from emskg.graph.store import KnowledgeGraph
from emskg.stores import open_store
from emskg.stores.load import load_kb

from .conftest import EXAMPLES

Run = Callable[..., subprocess.CompletedProcess[str]]
RIVERBEND = "examples/conforming/riverbend-iso14001.ttl"
NO_TARGET = "examples/broken/no-target.ttl"
MALFORMED = "examples/malformed/bad-syntax.ttl"


@pytest.fixture()
def spec(tmp_path: Path, kg: KnowledgeGraph) -> str:
    text = f"oxigraph:{tmp_path / 'db'}"
    store = open_store(text, env={})
    load_kb(store, kg)
    store.close()
    return text


def test_exit_codes_report_and_registration_lines(run_cli: Run, spec: str) -> None:
    ok = run_cli("register", RIVERBEND, "--store", spec)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"{RIVERBEND}: conforms\n")
    assert "PASS: 1 file" in ok.stdout
    (line,) = [x for x in ok.stdout.splitlines() if x.startswith("registered ")]
    assert len(line.split()[1]) == 16 and line.split()[2] == "https://example.org/riverbend/IMS"

    bad = run_cli("register", NO_TARGET, "--store", spec)
    assert bad.returncode == 1
    assert "does not conform" in bad.stdout and "registered " in bad.stdout

    unreadable = run_cli("register", MALFORMED, NO_TARGET, "--store", spec)
    assert unreadable.returncode == 2
    assert unreadable.stderr.splitlines() == [unreadable.stderr.splitlines()[0]]  # one line, naming the file
    assert unreadable.stderr.startswith(f"emskg: {MALFORMED}:14:")
    assert sum(x.startswith("registered ") for x in unreadable.stdout.splitlines()) == 1


def test_unregister_and_unknown_systems(run_cli: Run, spec: str) -> None:
    assert run_cli("register", NO_TARGET, NO_TARGET, RIVERBEND, "--store", spec).returncode == 1
    gone = run_cli("unregister", "https://example.org/millbrook/QMS", "--store", spec)
    assert gone.returncode == 0 and gone.stdout == "unregistered https://example.org/millbrook/QMS (2 registrations)\n"
    again = run_cli("unregister", "https://example.org/millbrook/QMS", "https://example.org/riverbend/IMS",
                    "--store", spec)
    assert again.returncode == 2
    assert again.stderr == "emskg: no registration of https://example.org/millbrook/QMS\n"
    assert again.stdout == "unregistered https://example.org/riverbend/IMS (1 registration)\n"


def test_sector_query_sees_registrations(run_cli: Run, spec: str) -> None:
    files = [str(p.relative_to(EXAMPLES.parent)) for p in sorted((EXAMPLES / "sector").glob("2025-*.ttl"))]
    assert run_cli("register", *files, "--store", spec, "--jobs", "2").returncode == 1
    done = run_cli("query", "sector-gaps", "--store", spec, "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [
        "https://w3id.org/emskg/shapes#ObjectiveMetricShape,objective has a metric,1,0.3333",
        "https://w3id.org/emskg/shapes#ObjectiveTargetShape,objective has a target,1,0.3333",
    ]

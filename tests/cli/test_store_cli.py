"""emskg load, and --store on query and sparql, run for real."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_load_into_an_oxigraph_folder_once(run_cli: Run, tmp_path: Path) -> None:
    store = f"oxigraph:{tmp_path / 'db'}"
    first = run_cli("load", "--store", store)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("loaded ") and f"into {store}" in first.stdout
    assert first.stderr == ""  # no progress bar when stderr is not a terminal
    again = run_cli("load", env={"EMSKG_STORE": store})
    assert again.returncode == 0 and again.stdout.endswith("nothing to load\n")
    q = run_cli("query", "key-findings", "--format", "csv", "--store", store)
    assert q.returncode == 0 and "Finding-1" in q.stdout
    s = run_cli("sparql", "ASK { ?s a <https://w3id.org/emskg/ontology#KeyFinding> }", "--format", "json", "--store", store)
    assert s.returncode == 0 and '"boolean":true' in s.stdout.replace(" ", "")


def test_memory_needs_no_loading(run_cli: Run) -> None:
    r = run_cli("load", "--store", "memory")
    assert r.returncode == 0 and "the memory store needs no loading" in r.stdout


def test_a_bad_store_is_one_line_and_exit_2(run_cli: Run) -> None:
    r = run_cli("query", "key-findings", "--store", "postgres:x")
    assert r.returncode == 2
    assert r.stderr == "emskg: unknown store 'postgres': use memory, oxigraph:PATH or sparql:QUERY_URL\n"


def test_a_store_that_is_down_is_one_line_and_exit_2(run_cli: Run) -> None:
    r = run_cli("query", "key-findings", env={"EMSKG_STORE": "sparql:http://u:secret-pw@127.0.0.1:1/sparql"})
    assert r.returncode == 2
    assert r.stderr == "emskg: store sparql:http://127.0.0.1:1/sparql is unreachable (cannot connect)\n"


def test_updates_are_refused_before_any_store_is_contacted(run_cli: Run) -> None:
    r = run_cli("sparql", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "--store", "sparql:http://127.0.0.1:1/sparql")
    assert r.returncode == 2 and "not allowed" in r.stderr and "unreachable" not in r.stderr


def test_load_draws_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    import os
    import sys

    primary, secondary = os.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "emskg.cli", "load", "--store", f"oxigraph:{tmp_path / 'db'}"],
                              stdout=subprocess.PIPE, stderr=secondary, cwd=Path(__file__).resolve().parents[2],
                              timeout=120)
        os.close(secondary)
        secondary = -1
        drawn = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        if secondary != -1:
            os.close(secondary)
        os.close(primary)
    assert proc.returncode == 0
    assert b"loading oxigraph:" in drawn and b"[##############################]" in drawn


def test_serve_refuses_a_folder_that_is_no_store(run_cli: Run, tmp_path: Path) -> None:
    r = run_cli("serve", "--store", f"oxigraph:{tmp_path / 'nothing'}", timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith("emskg: store oxigraph:") and "no Oxigraph store in that folder" in r.stderr

"""A small run of the benchmark harness: every section runs and the outcomes it checks hold.

The speed goals themselves are measured by ``make bench`` (bench/RESULTS.md), not asserted here:
timings on a shared CI machine are not a test. What is asserted is what must hold at any speed.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT

#: The last cell of a row of the queries table: a ratio (">" when rdflib hit the limit) or a failure.
RATIO = re.compile(r"^(>?[\d,]+x|rdflib fails)$")


def query_rows(out: str) -> list[tuple[str, str]]:
    """Every row of the ``## Queries`` tables (one per graph size): (query name, ratio cell)."""
    section = out.split("## Queries", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in section.splitlines()
            if line.startswith("|")]
    return [(r[0], r[-1]) for r in rows if r[0] not in ("query", "---")]  # not the headers and separators


@pytest.mark.slow
def test_benchmark_smoke_run() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--smoke"], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    for section in ("## Goals", "## Validation", "## Queries", "## Endpoint", "## Cold start", "## Stores"):
        assert section in out, section
    assert "Violation sets on the sample: **identical**" in out  # emskg finds what the naive pipeline finds
    assert "| endpoint errors | 0 | met |" in out  # no failed request under load
    # the four stores (memory, oxigraph:PATH, Virtuoso, Oxigraph server) answer every sector query alike
    assert "| sector queries: the same rows on every store | identical | met |" in out
    rows = query_rows(out)  # the rdflib comparison ran for every query and gave each a verdict
    assert rows and all(RATIO.match(cell) for _, cell in rows), rows
    flagship = [cell for name, cell in rows if name == "tools-for-component-outcome"]
    assert flagship and all(re.match(r"^>?[\d,]+x$", cell) for cell in flagship)  # a number, not a failure
    # The raw query's peer, Oxigraph's own server (the `oxigraph` binary of the test extras), ran in
    # the same run with the same answer: its rows, the comparison table and the goals line are there.
    assert "| Oxigraph server, raw query | 32 |" in out, out[out.find("## Endpoint"):][:3000]
    assert "### Raw query beside Oxigraph's own server" in out
    assert "| raw /sparql query beside Oxigraph's own server at concurrency 32 | Oxigraph " in out

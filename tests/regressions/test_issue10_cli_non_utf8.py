"""Issue 10, defect 8 (CLI) — a query file that is not UTF-8.

> a query file that is not UTF-8 exits 70 "internal error" instead of one line and exit 2.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from security.live import cli_one_line_error


def test_non_utf8_query_file(run_cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    """``emskg sparql FILE`` with ``b"SELECT * { ?s ?p \\xff }"``: exit 2, one stderr line mentioning UTF-8."""
    path = tmp_path / "query.rq"
    path.write_bytes(b"SELECT * { ?s ?p \xff }")
    line = cli_one_line_error(run_cli("sparql", str(path), timeout=60), 2)
    assert "utf-8" in line.lower(), line

"""Issue 10, defect 2 — Bad IRI-shaped parameters crash the job.

> `component=http://x> } ; DROP ALL ; {`, `<http://a b>`, `kb:<>`, `http://[::1` give HTTP 500
> "internal error" with a worker traceback in the log; the CLI exits 70. The docs promise 400 and exit 2.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import httpx
import pytest

from security.live import NO_CACHE, cli_one_line_error, json_error

VALUES = ["http://x> } ; DROP ALL ; {", "<http://a b>", "kb:<>", "http://[::1"]


@pytest.mark.parametrize("value", VALUES)
def test_http_400_without_traceback(client: httpx.Client, new_log: Callable[[], str], value: str) -> None:
    """The issue's values as ``component=``: 400 JSON, no Traceback in the server log."""
    r = client.get("/queries/tools-for-component-outcome", params={"component": value}, headers=NO_CACHE)
    json_error(r, 400)
    assert "Traceback" not in new_log()


@pytest.mark.parametrize("value", VALUES)
def test_cli_exit_2(run_cli: Callable[..., subprocess.CompletedProcess[str]], value: str) -> None:
    """The issue's values as ``--param component=``: exit 2 and one line (not 70)."""
    cli_one_line_error(run_cli("query", "tools-for-component-outcome", "--param", f"component={value}", timeout=60), 2)

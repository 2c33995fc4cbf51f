"""Issue 10, defect 8 (nesting).

> 5,000 nested `{ }` (20 KB) kill a worker by stack overflow
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx

from security.live import NO_CACHE, SecServer, cli_one_line_error, json_error

BOMB = "SELECT * WHERE " + "{" * 5000 + "}" * 5000


def test_http_nesting_is_400(sec_server: SecServer, client: httpx.Client, healthy_after: None) -> None:
    """5,000 nested groups to /sparql: 400 JSON mentioning nesting, no worker restarted; then /health 200
    and a normal query 200."""
    restarts = client.get("/health", headers=NO_CACHE).json()["workers"]["restarts"]
    r = client.post("/sparql", content=BOMB.encode(), headers={"Content-Type": "application/sparql-query"})
    assert "nest" in json_error(r, 400).lower()
    assert sec_server.health().status_code == 200
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=NO_CACHE).status_code == 200
    assert client.get("/health", headers=NO_CACHE).json()["workers"]["restarts"] == restarts


def test_cli_nesting_is_exit_2(run_cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    """The same text to ``emskg sparql FILE``: exit 2 and one line mentioning nesting (no stack overflow)."""
    path = tmp_path / "bomb.rq"
    path.write_text(BOMB, encoding="utf-8")
    assert "nest" in cli_one_line_error(run_cli("sparql", str(path), timeout=60), 2).lower()

"""Issue 10, defect 8 (BOM).

> a Turtle file starting with a UTF-8 byte-order mark is rejected as a syntax error
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx

from security.live import EXAMPLE_TTL, TOKEN

BOM = b"\xef\xbb\xbf"


def test_cli_accepts_bom(run_cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    """The conforming Riverbend example with a BOM prepended: ``emskg validate`` exit 0."""
    path = tmp_path / "riverbend-bom.ttl"
    path.write_bytes(BOM + EXAMPLE_TTL.read_bytes())
    proc = run_cli("validate", str(path), timeout=120)
    assert proc.returncode == 0, (proc.returncode, proc.stdout[-800:], proc.stderr[-300:])


def test_http_accepts_bom(client: httpx.Client) -> None:
    """The same body to ``POST /validate`` (Bearer t, text/turtle): 200 and conforms."""
    r = client.post("/validate", content=BOM + EXAMPLE_TTL.read_bytes(),
                    headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["conforms"] is True, r.text[:800]

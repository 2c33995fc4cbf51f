"""Issue 10, defect 3 — A quadratic scan outside every deadline.

> 40 KB of escaped quotes (`"\\"\\"\\"…`) takes ~8.5 s in the server process before any worker sees it,
> and `/health` stalls for seconds meanwhile; a 1 MiB body would stall it for far longer.

(The ~1,000,000-byte variant is in tests/security/test_input_bounds.py.)
"""

from __future__ import annotations

import time

import httpx
import pytest

from security.live import SecServer, health_while, json_error


@pytest.mark.slow
def test_40k_escaped_quotes(private_server: SecServer) -> None:
    """``POST /sparql`` with ``"`` + ``\\"`` x 20,000 (40 KB): a 4xx JSON answer within 15 s, and /health
    answers 200 within 3 s while it is in flight (a private server: today's scan holds the GIL)."""
    body = b'"' + b'\\"' * 20_000
    t0 = time.monotonic()
    r, health = health_while(private_server, lambda: httpx.post(
        private_server.base + "/sparql", content=body, headers={"Content-Type": "application/sparql-query"}, timeout=15))
    assert time.monotonic() - t0 < 16
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    json_error(r, r.status_code)
    assert health is not None and health < 3, "/health stalled while the body was scanned"

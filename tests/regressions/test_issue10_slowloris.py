"""Issue 10, defect 4 — Slow clients lock everyone out.

> 300 connections that send half a request header and wait make every other client get a plain-text
> 503 (a concurrency limit with no header-read timeout).
"""

from __future__ import annotations

import httpx
import pytest

from conftest import CLIENT_LIMITS
from security.live import HALF_HEADER, NO_CACHE, SecServer, open_sockets


@pytest.mark.slow
def test_half_headers_do_not_lock_out_other_clients(sec_server: SecServer) -> None:
    """300 connections each send half a header and wait; meanwhile 10 ordinary /health requests all get 200."""
    with open_sockets(sec_server.port, 300, HALF_HEADER) as socks:
        assert len(socks) >= 250
        statuses = []
        with httpx.Client(base_url=sec_server.base, timeout=5, limits=CLIENT_LIMITS) as c:
            for _ in range(10):
                try:
                    statuses.append(c.get("/health", headers=NO_CACHE).status_code)
                except httpx.HTTPError as exc:
                    statuses.append(type(exc).__name__)
    assert statuses == [200] * 10, statuses

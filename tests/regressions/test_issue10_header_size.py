"""Issue 10, defect 5 — Unbounded request headers.

> an 8 MiB header is read and answered 200, while bodies stop at 1 MiB.
"""

from __future__ import annotations

import pytest

from security.live import SecServer, connect, read_response


@pytest.mark.slow
def test_8mib_header_is_not_answered_200(sec_server: SecServer) -> None:
    """An 8 MiB header: refused (431, or the connection closed before it is all read); /health still 200."""
    refused = False
    with connect(sec_server.port, timeout=10) as s:
        try:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
            for _ in range(128):
                s.sendall(b"a" * 65536)
            s.sendall(b"\r\nConnection: close\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            refused = True
        r = read_response(s, timeout=10)
    assert refused or r.status == 431 or r.closed_early, (r.status, r.body[:200])
    assert r.status != 200
    if r.status == 431:
        r.json_error(431)
    assert sec_server.health().status_code == 200

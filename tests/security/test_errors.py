"""The right error for each cause, always one line of JSON — including the HTTP server's own refusals.

Malformed requests that never reach the application, path traversal under the static mount and the
resource routes, a worker killed from outside while it runs a query, and a client that goes away
in the middle of its body.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from security.live import (
    CROSS_JOIN,
    NO_CACHE,
    SecServer,
    busiest_child,
    connect,
    json_error,
    raw_exchange,
    sigkill,
)

MALFORMED = {
    "garbage line": b"GARBAGE\r\n\r\n",
    "invalid Content-Length": b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "bad method token": b"G(T /health HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad HTTP version": b"GET /health HTTP/9.Q\r\nHost: x\r\n\r\n",
    "header without colon": b"GET /health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n",
    "bare CR in a header value": b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
}


@pytest.mark.parametrize("request_bytes", list(MALFORMED.values()), ids=list(MALFORMED))
def test_server_refusals_are_json(sec_server: SecServer, request_bytes: bytes) -> None:
    """Attack: a request the HTTP parser rejects before the application sees it.
    Expected: 400 with ``content-type: application/json`` and a ``{"error": ...}`` body; /health answers."""
    r = raw_exchange(sec_server.port, request_bytes)
    r.json_error(400)
    assert sec_server.health().status_code == 200


# --- path traversal ------------------------------------------------------------------------------

TRAVERSALS = [
    "/static/../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2f..%2fpyproject.toml",
    "/static/..%2f..%2f..%2f..%2f..%2fpyproject.toml",
    "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/static/....//....//....//etc/passwd",
    "/static/%252e%252e/%252e%252e/etc/passwd",
    "/static//etc/passwd",
    "/ui/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/initiatives/..%2f..%2fetc%2fpasswd",
    "/queries/..%2f..%2f..%2fpyproject.toml",
    "/queries/../../../../etc/passwd",
    "/ui/queries/..%2f..%2f..%2f..%2fpyproject.toml",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_path_traversal_is_refused(sec_server: SecServer, target: str) -> None:
    """Attack: ``..`` (raw, percent-encoded, double-encoded) under /static, /ui and the resource routes,
    sent verbatim on a raw socket (no client-side normalisation). Expected: 404 or 400, and the body never
    holds /etc/passwd (``root:``) or pyproject.toml (``[project]``)."""
    r = raw_exchange(sec_server.port, b"GET " + target.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert r.status in (400, 404), (r.status, r.body[:300])
    assert b"root:" not in r.body and b"[project]" not in r.body


# --- a worker killed from outside ----------------------------------------------------------------

@pytest.mark.slow
def test_killed_worker_reports_why(sec_server: SecServer, client: httpx.Client, healthy_after: None) -> None:
    """Attack (or an operator, or the OOM killer): SIGKILL the worker busy with a long query.
    Expected: that request gets 503 JSON naming the cause ("SIGKILL" or "killed"), not "memory";
    afterwards /health 200 and a query 200 (the pool replaced the worker)."""
    sec_server.wait_idle()
    with ThreadPoolExecutor(1) as ex:
        fut = ex.submit(client.get, "/sparql", params={"query": CROSS_JOIN}, headers=NO_CACHE)
        time.sleep(0.5)
        victim = None
        for _ in range(5):
            victim = busiest_child(sec_server.pid)
            if victim is not None:
                break
        assert victim is not None, "no busy worker found"
        sigkill(victim)
        r = fut.result(timeout=15)
    message = json_error(r, 503)
    assert "sigkill" in message.lower() or "killed" in message.lower(), message
    assert "memory" not in message.lower(), message
    assert sec_server.health().status_code == 200
    sec_server.wait_idle()
    ok = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=NO_CACHE)
    assert ok.status_code == 200, ok.text[:300]


# --- a client that disconnects mid-body ------------------------------------------------------------

@pytest.mark.parametrize("path", ["/sparql", "/validate"])
def test_disconnect_mid_body_is_quiet(sec_server: SecServer, new_log: Callable[[], str], path: str) -> None:
    """Attack: headers announcing Content-Length 100000, 1000 body bytes, then the client closes; 5 times.
    Expected: the server log gains no Traceback, and /health answers."""
    ctype = b"application/sparql-query" if path == "/sparql" else b"text/turtle"
    for _ in range(5):
        with connect(sec_server.port, timeout=5) as s:
            s.sendall(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: " + ctype
                      + b"\r\nAuthorization: Bearer t\r\nContent-Length: 100000\r\n\r\n" + b"#" * 1000)
    time.sleep(1.0)  # let the server notice the disconnects and log whatever it logs
    assert sec_server.health().status_code == 200
    assert "Traceback" not in new_log()

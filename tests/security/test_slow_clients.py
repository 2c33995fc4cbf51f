"""Slow and idle clients cannot hold the server: a header-read timeout and a per-connection idle timeout.

The server under test has ``EMSKG_HEADER_TIMEOUT=2``; every bound below (10 s) is generous. Every
socket the tests open has a timeout and is closed at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from conftest import CLIENT_LIMITS
from security.live import HALF_HEADER, NO_CACHE, SecServer, closed_by_server, connect, open_sockets

SLOW_SOCKETS = 300


@pytest.mark.slow
def test_slow_headers_are_cut_off_and_others_are_served(sec_server: SecServer) -> None:
    """Attack (slowloris): 300 connections each send half a request header and wait.
    Expected: meanwhile 10 ordinary /health requests all get 200 (never 503); within 10 s the server
    has closed every slow connection."""
    with open_sockets(sec_server.port, SLOW_SOCKETS, HALF_HEADER) as socks:
        assert len(socks) >= 250, f"only {len(socks)} connections opened"
        statuses = []
        with httpx.Client(base_url=sec_server.base, timeout=5, limits=CLIENT_LIMITS) as c:
            for _ in range(10):
                try:
                    statuses.append(c.get("/health", headers=NO_CACHE).status_code)
                except httpx.HTTPError as exc:
                    statuses.append(type(exc).__name__)
        deadline = time.monotonic() + 10
        still_open = [s for s in socks if not closed_by_server(s, max(0.01, deadline - time.monotonic()))]
    assert statuses == [200] * 10, statuses
    assert not still_open, f"{len(still_open)} of {len(socks)} slow connections still open after 10 s"


@pytest.mark.slow
def test_idle_connection_is_closed(sec_server: SecServer) -> None:
    """Attack: a connection that sends nothing at all. Expected: the server closes it within 10 s."""
    with connect(sec_server.port, timeout=12) as s:
        assert closed_by_server(s, 10), "an idle connection was kept open for 10 s"


@pytest.mark.slow
def test_body_that_stops_midway_is_dropped(sec_server: SecServer, new_log: Callable[[], str]) -> None:
    """Attack: ``POST /sparql`` announcing Content-Length 1000 that sends 10 body bytes and waits (a lying
    Content-Length, larger than the body). Expected: the connection is dropped within 10 s (a 408 first is
    fine), no traceback in the log, and /health answers."""
    with connect(sec_server.port, timeout=12) as s:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                  b"Content-Length: 1000\r\n\r\nSELECT * W")
        assert closed_by_server(s, 10), "a stalled body held its connection for 10 s"
    assert sec_server.health().status_code == 200
    assert "Traceback" not in new_log()


@pytest.mark.slow
def test_keep_alive_connection_is_closed_after_idling(sec_server: SecServer) -> None:
    """Attack: one complete request on a keep-alive connection, then silence.
    Expected: the server closes the idle connection within 10 s."""
    with connect(sec_server.port, timeout=12) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nCache-Control: no-cache\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            assert chunk, "closed before answering"
            data += chunk
        assert data.startswith(b"HTTP/1.1 200")
        assert closed_by_server(s, 10)


@pytest.mark.slow
def test_many_idle_connections_do_not_lock_out_clients(sec_server: SecServer) -> None:
    """Attack: 300 connections that send nothing. Expected: 10 ordinary /health requests all 200 meanwhile,
    and every idle connection closed by the server within 10 s."""
    with open_sockets(sec_server.port, SLOW_SOCKETS, b"") as socks:
        statuses = []
        with httpx.Client(base_url=sec_server.base, timeout=5, limits=CLIENT_LIMITS) as c:
            for _ in range(10):
                try:
                    statuses.append(c.get("/health", headers=NO_CACHE).status_code)
                except httpx.HTTPError as exc:
                    statuses.append(type(exc).__name__)
        deadline = time.monotonic() + 10
        still_open = [s for s in socks if not closed_by_server(s, max(0.01, deadline - time.monotonic()))]
    assert statuses == [200] * 10, statuses
    assert not still_open, f"{len(still_open)} of {len(socks)} idle connections still open after 10 s"

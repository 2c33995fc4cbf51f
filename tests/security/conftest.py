"""Fixtures of the security battery: the session's server with the battery's settings, a client, a
loopback listener that counts connections, and a mark in the server log (to assert "no Traceback").

tests/regressions/conftest.py re-exports these fixtures; both directories share one server process
(:func:`security.live.start_server` starts it once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from conftest import CLIENT_LIMITS
from security.live import (
    LEDGER,
    CountingListener,
    SecServer,
    counting_listener,
    launch_server,
    start_server,
    stop_server,
)


@pytest.fixture(scope="session")
def sec_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecServer]:
    """``emskg serve`` with EMSKG_WORKERS=2, EMSKG_QUERY_TIMEOUT=3, EMSKG_HEADER_TIMEOUT=2,
    EMSKG_VALIDATE_TOKEN=t, EMSKG_WORKER_MEMORY_MB=1024, EMSKG_RESPONSE_CACHE_MB=64; log in a file."""
    server = start_server(tmp_path_factory.mktemp("sec-server"))
    try:
        yield server
    finally:
        stop_server()


@pytest.fixture(scope="session")
def client(sec_server: SecServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sec_server.base, timeout=30, limits=CLIENT_LIMITS) as c:
        yield c


@pytest.fixture()
def listener() -> Iterator[CountingListener]:
    """A fresh loopback listener (its own port) that counts accepted connections."""
    with counting_listener() as lst:
        yield lst


@pytest.fixture()
def new_log(sec_server: SecServer) -> Callable[[], str]:
    """The server log written since the test started."""
    offset = sec_server.log_size()
    return lambda: sec_server.log_since(offset)


@pytest.fixture()
def healthy_after(sec_server: SecServer) -> Iterator[None]:
    """After the test: every worker back, /health 200 (so one attack cannot fail the next test)."""
    yield
    sec_server.wait_idle()


@pytest.fixture()
def private_server(tmp_path: Path) -> Iterator[SecServer]:
    """A throwaway server (same settings) for an attack that may wreck it on today's code (a scan that
    holds the GIL for minutes): killed after the test so the session's server is not affected."""
    server = launch_server(tmp_path)
    try:
        yield server
    finally:
        server.stop(grace=5)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The battery's figures as the README's table: what was tried, and what got through (goal: 0)."""
    if "requests" not in LEDGER:
        return
    soak = LEDGER.get("soak")
    before, after = LEDGER.get("triples_before"), LEDGER.get("triples_after")
    rows = [
        ("requests answered by the battery's server", LEDGER["requests"]),
        ("5xx other than 503/504 (crashes)", LEDGER["status_5xx"]),
        ("workers that died other than by a deliberate kill", LEDGER["crashed_workers"]),
        ("tracebacks in the server log", LEDGER["tracebacks"]),
        ("writes (triples before -> after)", f"{before} -> {after}"),
        (f"outbound connections (listeners opened: {LEDGER['listeners']})", LEDGER["outbound"]),
    ]
    if soak:
        held = sum(v for k, v in soak["statuses"].items() if not isinstance(k, int))
        rows += [
            (f"soak: {soak['requests']} requests at concurrency 32 in {soak['seconds']:.1f} s, held/failed", held),
            ("soak: memory of the process tree", f"{soak['rss_before'] / 2**20:.0f} -> {soak['rss_after'] / 2**20:.0f} MB "
                                                 f"({(soak['rss_after'] - soak['rss_before']) / soak['rss_before']:+.1%})"),
        ]
    terminalreporter.section("security battery")
    for name, value in rows:
        terminalreporter.write_line(f"| {name} | {value} |")

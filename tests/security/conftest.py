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

from security.live import CountingListener, SecServer, counting_listener, launch_server, start_server, stop_server


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
    with httpx.Client(base_url=sec_server.base, timeout=30) as c:
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

"""CI stop 16: a POST on a reused connection got "Server disconnected without sending a response".

The server closed kept-alive connections after 5 s idle, and httpx reuses an idle connection for up
to 5 s: a request sent in the same instant as the server's close is lost (and a POST is not retried).
The fix: the server keeps idle connections longer (``EMSKG_KEEPALIVE_TIMEOUT``, default 8 s) than
the test clients reuse them (2 s), and the setting is honoured."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from conftest import CLIENT_LIMITS, live_server
from emskg.server.settings import Settings

TESTS = Path(__file__).resolve().parent.parent


def test_clients_drop_idle_connections_before_the_server_does() -> None:
    assert CLIENT_LIMITS.keepalive_expiry is not None
    assert CLIENT_LIMITS.keepalive_expiry * 2 <= Settings().keepalive_timeout


def test_every_test_client_uses_the_shared_limits() -> None:
    offenders = [f"{p.relative_to(TESTS)}:{n}" for p in TESTS.rglob("*.py")
                 for n, line in enumerate(p.read_text().splitlines(), 1)
                 if "httpx.Client(" in line and "CLIENT_LIMITS" not in line and p.name != Path(__file__).name]
    assert offenders == []


def _idle_close_after(base: str, wait: float) -> bool:
    """Send one request on a raw connection, wait ``wait`` s idle, and say whether the server closed it."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:  # the whole response (it may come in several segments)
            data += s.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        while len(body) < length:
            body += s.recv(65536)
        time.sleep(wait)
        s.settimeout(0.5)
        try:
            return s.recv(1) == b""
        except TimeoutError:
            return False


@pytest.mark.slow
def test_the_keepalive_setting_is_honoured(tmp_path: Path) -> None:
    with live_server({"EMSKG_KEEPALIVE_TIMEOUT": "1", "EMSKG_WORKERS": "1"}, tmp_path / "serve.log") as live:
        assert not _idle_close_after(live.base, 0.3)
        assert _idle_close_after(live.base, 1.8)

"""Issue 10, defect 8 (HTTP server refusals).

> uvicorn's own refusals are plain text, not the JSON line.
"""

from __future__ import annotations

import pytest

from security.live import SecServer, raw_exchange


@pytest.mark.parametrize("request_bytes", [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
], ids=["garbage", "bad Content-Length"])
def test_malformed_request_is_json_400(sec_server: SecServer, request_bytes: bytes) -> None:
    """A request uvicorn's parser rejects: 400, ``content-type: application/json``, ``{"error": ...}``."""
    raw_exchange(sec_server.port, request_bytes).json_error(400)

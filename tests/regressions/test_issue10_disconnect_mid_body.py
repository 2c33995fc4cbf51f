"""Issue 10, defect 7 — A client that disconnects mid-body.

> A client that disconnects mid-body leaves two tracebacks in the server log.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from security.live import SecServer, connect


def test_disconnect_mid_body_leaves_no_traceback(sec_server: SecServer, new_log: Callable[[], str]) -> None:
    """Headers with Content-Length 100000 and 1000 body bytes to ``POST /sparql``, then close; 5 times.
    The log gains no "Traceback" and /health answers."""
    for _ in range(5):
        with connect(sec_server.port, timeout=5) as s:
            s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                      b"Content-Length: 100000\r\n\r\n" + b"#" * 1000)
    time.sleep(1.0)
    assert sec_server.health().status_code == 200
    assert "Traceback" not in new_log()

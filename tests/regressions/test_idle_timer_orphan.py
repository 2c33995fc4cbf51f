"""Regression: an orphaned idle timer closed a kept-alive connection in the middle of a later request.

Found while merging issue 10's connection layer: the suite failed now and then with "Server
disconnected without sending a response". A request whose header block and body arrived in separate
reads armed the body-idle timer twice (once when its headers completed, once after the read); the
first handle was overwritten, never cancelled, and fired ``idle_timeout`` seconds later — closing
whatever request the connection was carrying by then, even one whose client was sending promptly.
"""

from __future__ import annotations

import socket
import time

import pytest

from security.live import SecServer

IDLE_TIMEOUT = 5.0  # the battery server's EMSKG_IDLE_TIMEOUT (the default)
QUERY = b"ASK { ?s ?p ?o }"


def _post_head(length: int) -> bytes:
    return (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Accept: application/sparql-results+json\r\nCache-Control: no-cache\r\n"
            b"Content-Length: " + str(length).encode() + b"\r\n\r\n")


def _response(s: socket.socket) -> bytes:
    """One whole response (headers and a Content-Length body), or what came before the server closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0)
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@pytest.mark.slow
def test_a_split_request_leaves_no_timer_behind(sec_server: SecServer) -> None:
    with socket.create_connection(("127.0.0.1", sec_server.port), timeout=15) as s:
        s.sendall(_post_head(len(QUERY)))  # headers and body in two reads: the timer was armed twice
        time.sleep(0.3)
        s.sendall(QUERY)
        first = _response(s)
        assert first.startswith(b"HTTP/1.1 200"), first[:200]
        start = time.monotonic()
        # The next request on the same connection straddles the moment the orphan would fire; its
        # client pauses 1.5 s between header and body, well within the idle limit.
        time.sleep(IDLE_TIMEOUT - 1.0 - 0.3)
        s.sendall(_post_head(len(QUERY)))
        time.sleep(1.5)
        s.sendall(QUERY)
        second = _response(s)
        assert time.monotonic() - start < IDLE_TIMEOUT + 5
        assert second.startswith(b"HTTP/1.1 200"), f"connection closed mid-request: {second[:200]!r}"

"""Every input bounded before it is read whole, and the right 4xx for each excess.

IRI-shaped parameters that are not IRIs, a quadratic-scan body, header size and count, the request
line, lying or invalid Content-Length, nesting bombs and a cross-join bomb, and the memory the
response cache may take for distinct GETs. Each refusal is one line of JSON; the server keeps
answering afterwards and its log gains no traceback.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

import httpx
import pytest

from security.live import (
    CROSS_JOIN,
    NO_CACHE,
    QUERY_TIMEOUT,
    SecServer,
    cli_one_line_error,
    connect,
    health_while,
    json_error,
    raw_exchange,
    read_response,
    tree_rss,
)

FLAGSHIP = "/queries/tools-for-component-outcome"

BAD_IRIS = {
    "injection": "http://x> } ; DROP ALL ; {",
    "space in brackets": "<http://a b>",
    "empty CURIE IRI": "kb:<>",
    "unclosed IPv6": "http://[::1",
    "bare scheme": "urn:",
    "10 KB IRI": "http://example.org/" + "a" * 10_240,
}


@pytest.mark.parametrize("value", list(BAD_IRIS.values()), ids=list(BAD_IRIS))
def test_bad_iri_parameter_is_400(sec_server: SecServer, client: httpx.Client, new_log: Callable[[], str],
                                  value: str) -> None:
    """Attack: an IRI-shaped named-query parameter that is no IRI (or an injection attempt).
    Expected: 400 one-line JSON, no traceback in the server log."""
    json_error(client.get(FLAGSHIP, params={"component": value}, headers=NO_CACHE), 400)
    assert "Traceback" not in new_log()
    assert sec_server.health().status_code == 200


@pytest.mark.parametrize("value", list(BAD_IRIS.values()), ids=list(BAD_IRIS))
def test_bad_iri_parameter_cli_exit_2(run_cli: Callable[..., subprocess.CompletedProcess[str]], value: str) -> None:
    """Attack: ``emskg query tools-for-component-outcome --param component=V`` with V not an IRI.
    Expected: exit 2 and one ``emskg:`` line."""
    cli_one_line_error(run_cli("query", "tools-for-component-outcome", "--param", f"component={value}", timeout=60), 2)


# --- a quadratic scan ----------------------------------------------------------------------------

@pytest.mark.slow
def test_million_byte_escaped_quotes_answered_quickly(private_server: SecServer) -> None:
    """Attack: ``POST /sparql`` (application/sparql-query) with ``"`` + ``\\"`` x 500,000 (~1,000,000
    bytes, under the body limit) — a quadratic tokeniser scan. Expected: a 4xx JSON answer within 15 s,
    and /health answers 200 within 3 s while it is in flight. (A private server: today's scan would hold
    the GIL for hours.)"""
    body = b'"' + b'\\"' * 500_000
    t0 = time.monotonic()
    r, health = health_while(private_server, lambda: httpx.post(
        private_server.base + "/sparql", content=body, headers={"Content-Type": "application/sparql-query"}, timeout=15))
    assert time.monotonic() - t0 < 16
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    json_error(r, r.status_code)
    assert health is not None and health < 3, "/health stalled while the body was scanned"


# --- headers, request line, Content-Length ------------------------------------------------------

def _get_health(extra_headers: bytes = b"", target: bytes = b"/health") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n" + extra_headers + b"Connection: close\r\n\r\n"


def test_one_100k_header_is_431(sec_server: SecServer) -> None:
    """Attack: one 100 KiB header value. Expected: 431 with a one-line JSON error."""
    r = raw_exchange(sec_server.port, _get_health(b"X-Big: " + b"a" * 102_400 + b"\r\n"))
    r.json_error(431)


def test_200_headers_are_431(sec_server: SecServer) -> None:
    """Attack: 200 small headers. Expected: 431 with a one-line JSON error."""
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(200))
    r = raw_exchange(sec_server.port, _get_health(many))
    r.json_error(431)


def test_20k_request_line_is_414(sec_server: SecServer) -> None:
    """Attack: a 20 KiB request target (``/health?x=AAAA...``). Expected: 414 with a one-line JSON error."""
    r = raw_exchange(sec_server.port, _get_health(target=b"/health?x=" + b"A" * 20_480))
    r.json_error(414)


@pytest.mark.slow
def test_8mib_header_is_refused_and_server_keeps_answering(sec_server: SecServer) -> None:
    """Attack: an 8 MiB header. Expected: refused (431, or the connection closed before it is all read),
    never answered 200; /health still answers."""
    head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: "
    refused = False
    status = None
    with connect(sec_server.port, timeout=10) as s:
        try:
            s.sendall(head)
            chunk = b"a" * 65536
            for _ in range(128):  # 8 MiB
                s.sendall(chunk)
            s.sendall(b"\r\nConnection: close\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            refused = True  # the server stopped reading / closed the connection
        r = read_response(s, timeout=10)
        status = r.status
        if not refused:
            assert r.status == 431 or r.closed_early, (r.status, r.body[:200])
    assert status != 200
    assert sec_server.health().status_code == 200


def test_content_length_smaller_than_the_body_is_no_5xx(sec_server: SecServer) -> None:
    """Attack: Content-Length smaller than the bytes sent (the rest looks like a second request).
    Expected: no 5xx, and the server keeps answering."""
    body = b"SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    r = raw_exchange(sec_server.port, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                                      b"Content-Length: 10\r\n\r\n" + body)
    assert r.status is None or r.status < 500, (r.status, r.body[:300])
    assert sec_server.health().status_code == 200


def test_huge_content_length_is_413(sec_server: SecServer) -> None:
    """Attack: ``Content-Length: 99999999999`` with no body. Expected: 413 one-line JSON, before any body is read."""
    r = raw_exchange(sec_server.port, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                                      b"Content-Length: 99999999999\r\n\r\n")
    r.json_error(413)


@pytest.mark.parametrize("value", [b"abc", b"-1"])
def test_invalid_content_length_is_400(sec_server: SecServer, value: bytes) -> None:
    """Attack: a Content-Length that is not a non-negative number. Expected: 400 one-line JSON."""
    r = raw_exchange(sec_server.port, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                                      b"Content-Length: " + value + b"\r\n\r\nSELECT * WHERE {}")
    r.json_error(400)


# --- query bombs ------------------------------------------------------------------------------------

NESTING_BOMBS = {
    "5000 nested braces": "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
    "5000 nested parentheses": "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
}
#: In a URL each brace costs 3 bytes (%7B): past 16 KiB the request target itself is refused (414), so GET
#: carries a smaller bomb that still crosses the 64-level nesting limit.
GET_DEPTH = 1000


@pytest.mark.parametrize("transport", ["GET", "POST"])
@pytest.mark.parametrize("bomb", list(NESTING_BOMBS))
def test_nesting_bomb_is_400(sec_server: SecServer, client: httpx.Client, new_log: Callable[[], str],
                             healthy_after: None, bomb: str, transport: str) -> None:
    """Attack: 5,000 nested groups or parentheses (a stack-overflow bomb for a recursive parser).
    Expected: 400 JSON whose message mentions nesting; no worker dies; /health and a normal query 200."""
    restarts = client.get("/health", headers=NO_CACHE).json()["workers"]["restarts"]
    text = NESTING_BOMBS[bomb]
    if transport == "GET":
        text = text.replace("{" * 5000, "{" * GET_DEPTH).replace("}" * 5000, "}" * GET_DEPTH)
        text = text.replace("(" * 5000, "(" * GET_DEPTH).replace(")" * 5000, ")" * GET_DEPTH)
        r = client.get("/sparql", params={"query": text}, headers=NO_CACHE)
    else:
        r = client.post("/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"})
    assert "nest" in json_error(r, 400).lower()
    assert sec_server.health().status_code == 200
    ok = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}, headers=NO_CACHE)
    assert ok.status_code == 200, ok.text[:300]
    assert client.get("/health", headers=NO_CACHE).json()["workers"]["restarts"] == restarts, "a worker died"
    assert "Traceback" not in new_log()


@pytest.mark.slow
def test_cross_join_bomb_is_504_and_the_next_query_works(sec_server: SecServer, client: httpx.Client,
                                                         healthy_after: None) -> None:
    """Attack: a three-way cross join (~1e11 rows). Expected: 504 JSON within timeout + 5 s; the next query 200."""
    t0 = time.monotonic()
    r = client.get("/sparql", params={"query": CROSS_JOIN}, headers=NO_CACHE)
    assert time.monotonic() - t0 < QUERY_TIMEOUT + 5
    json_error(r, 504)
    ok = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=NO_CACHE)
    assert ok.status_code == 200, ok.text[:300]


# --- memory of distinct GETs (the response cache is bounded in bytes) ----------------------------

@pytest.mark.slow
def test_distinct_10k_gets_keep_memory_bounded(sec_server: SecServer, client: httpx.Client) -> None:
    """Attack: 300 distinct ~10 KB GET queries (each a new cache key, each text new to every cache).
    Expected: the server's process tree grows by less than 60 MB (the response cache holds 64 MB at most,
    and these answers are small)."""
    client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"})
    before = tree_rss(sec_server.pid)
    for i in range(300):
        q = f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT 1 # {i} " + "x" * 10_000
        r = client.get("/sparql", params={"query": q})
        assert r.status_code == 200, r.text[:200]
    after = tree_rss(sec_server.pid)
    print(f"distinct 10 KB GETs x300: RSS {before / 2**20:.0f} MB -> {after / 2**20:.0f} MB")
    assert after - before < 60 * 2**20, (before, after)

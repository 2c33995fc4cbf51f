"""HTTP basic or digest, whichever the store's challenge asks for (the auth flow itself, step by step)."""

from __future__ import annotations

import base64

import httpx

from emskg.stores.remote import ChallengeAuth

SECRET = "pw-not-in-repr"


def _flow(auth: ChallengeAuth, challenge: str) -> tuple[bool, httpx.Request]:
    """Whether the first request carried credentials, and the request sent after the challenge."""
    request = httpx.Request("POST", "http://store.example/sparql", content=b"query=ASK%20%7B%7D")
    flow = auth.sync_auth_flow(request)
    first = "authorization" in next(flow).headers
    return first, flow.send(httpx.Response(401, headers={"WWW-Authenticate": challenge}, request=request))


def test_basic_when_the_server_asks_for_basic() -> None:
    auth = ChallengeAuth("emskg", SECRET)
    sent_first, retry = _flow(auth, 'Basic realm="store"')
    assert not sent_first  # nothing is sent before the server asks
    assert retry.headers["authorization"] == "Basic " + base64.b64encode(f"emskg:{SECRET}".encode()).decode()
    assert SECRET not in repr(auth)


def test_digest_when_the_server_asks_for_digest() -> None:
    auth = ChallengeAuth("emskg", SECRET)
    sent_first, retry = _flow(auth, 'Digest realm="SPARQL", nonce="abc123", qop="auth", algorithm=MD5')
    assert not sent_first
    header = retry.headers["authorization"]
    assert header.startswith("Digest ") and 'username="emskg"' in header and SECRET not in header
    # the scheme is remembered: the next request answers the known challenge up front
    nxt = auth.sync_auth_flow(httpx.Request("POST", "http://store.example/sparql", content=b"x"))
    assert next(nxt).headers["authorization"].startswith("Digest ")

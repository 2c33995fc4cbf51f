"""The response cache: repeated GETs of query results are served from memory, and nothing else is."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from emskg.server.response_cache import ResponseCache, ResponseCacheMiddleware


class Counting:
    """A stand-in app: counts evaluations; /fail answers 400; the body names the evaluation."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.calls += 1
        status = 400 if scope["path"].endswith("/fail") else 200
        body = f"answer {self.calls}".encode()
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": body})


def client(app: Counting, cache: ResponseCache, version: list[int] | None = None) -> httpx.AsyncClient:
    v = version if version is not None else [0]
    mw = ResponseCacheMiddleware(app, cache, prefixes=("/sparql", "/queries/"), version=lambda: v[0])  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=mw), base_url="http://test")


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_second_get_is_a_hit_with_the_same_bytes() -> None:
    app, cache = Counting(), ResponseCache(1 << 20)

    async def go() -> None:
        async with client(app, cache) as c:
            first = await c.get("/queries/q?x=1", headers={"Accept": "text/csv"})
            second = await c.get("/queries/q?x=1", headers={"Accept": "text/csv"})
            assert first.headers["x-emskg-cache"] == "miss" and second.headers["x-emskg-cache"] == "hit"
            assert first.content == second.content == b"answer 1"
            assert second.headers["content-type"] == "text/plain"

    run(go())
    assert app.calls == 1 and cache.stats()["hits"] == 1


@pytest.mark.parametrize(("path", "headers"), [
    ("/queries/q", {"Cache-Control": "no-cache"}),
    ("/queries/q", {"Authorization": "Bearer t"}),
    ("/health", {}),
    ("/queries/fail", {}),
])
def test_bypass_and_uncacheable(path: str, headers: dict[str, str]) -> None:
    app, cache = Counting(), ResponseCache(1 << 20)

    async def go() -> None:
        async with client(app, cache) as c:
            await c.get(path, headers=headers)
            await c.get(path, headers=headers)

    run(go())
    assert app.calls == 2


def test_key_includes_query_string_accept_and_method() -> None:
    app, cache = Counting(), ResponseCache(1 << 20)

    async def go() -> None:
        async with client(app, cache) as c:
            await c.get("/sparql?query=a")
            await c.get("/sparql?query=b")
            await c.get("/sparql?query=a", headers={"Accept": "text/csv"})
            await c.post("/sparql", content=b"query=a")
            await c.get("/sparql?query=a")

    run(go())
    assert app.calls == 4


def test_new_version_misses() -> None:
    app, cache, version = Counting(), ResponseCache(1 << 20), [0]

    async def go() -> None:
        async with client(app, cache, version) as c:
            await c.get("/queries/q")
            version[0] = 1  # a named query was edited
            r = await c.get("/queries/q")
            assert r.content == b"answer 2"

    run(go())


def test_lru_is_bounded_by_bytes() -> None:
    cache = ResponseCache(max_bytes=100, max_entry_bytes=60)
    for i in range(10):
        cache.put(("/q", str(i).encode(), b"", None), (200, [], b"x" * 40))
    assert cache.stats()["bytes"] <= 100 and cache.stats()["entries"] == 2
    cache.put(("/q", b"big", b"", None), (200, [], b"x" * 61))  # larger than one entry may be
    assert cache.get(("/q", b"big", b"", None)) is None
    assert cache.get(("/q", b"9", b"", None)) is not None  # the newest survive


def test_live_server_caches_named_queries(http: httpx.Client) -> None:
    url = "/queries/tools-for-component-outcome?component=Check&outcome=Human%20Resources"
    accept = {"Accept": "application/sparql-results+json"}
    first, again = http.get(url, headers=accept), http.get(url, headers=accept)
    assert first.status_code == again.status_code == 200
    assert again.headers["x-emskg-cache"] == "hit" and again.json() == first.json()
    assert again.headers["x-content-type-options"] == "nosniff"  # cached answers keep the safety headers
    fresh = http.get(url, headers={**accept, "Cache-Control": "no-cache"})
    assert "x-emskg-cache" not in fresh.headers and fresh.json() == first.json()


@pytest.mark.parametrize("path", ["/health", "/queries/tools-for-component-outcome?component=Check", "/",
                                  "/initiatives/QualServe"])
def test_head_answers_like_get_without_a_body(http: httpx.Client, path: str) -> None:
    get, head = http.get(path), http.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]

"""Issue 10, defect 6 — Memory grows with each distinct query text.

> (a cache keyed by whole query texts up to 1 MiB): 400 distinct 900 KB queries doubled the memory of
> the server and its workers.

(The GET / response-cache variant is in tests/security/test_input_bounds.py.)
"""

from __future__ import annotations

import httpx
import pytest

from security.live import SecServer, tree_rss


@pytest.mark.slow
def test_distinct_900k_queries_do_not_accumulate(sec_server: SecServer, client: httpx.Client) -> None:
    """POST 150 distinct valid ~900 KB queries; the server's process tree (sum of VmRSS) grows by < 150 MB."""
    client.post("/sparql", content=b"SELECT * WHERE { ?s ?p ?o } LIMIT 1", headers={"Content-Type": "application/sparql-query"})
    sec_server.wait_idle()
    before = tree_rss(sec_server.pid)
    for i in range(150):
        body = f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT 1 # {i:04d} ".encode() + b"x" * 900_000
        r = client.post("/sparql", content=body, headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 200, r.text[:200]
    sec_server.wait_idle()
    after = tree_rss(sec_server.pid)
    print(f"150 distinct 900 KB queries: RSS {before / 2**20:.0f} MB -> {after / 2**20:.0f} MB")
    assert after - before < 150 * 2**20, f"grew {(after - before) / 2**20:.0f} MB"

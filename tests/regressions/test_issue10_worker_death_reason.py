"""Issue 10, defect 8 (worker death).

> a job whose worker was killed reports "needed more memory" whatever the cause
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from security.live import CROSS_JOIN, NO_CACHE, SecServer, busiest_child, json_error, sigkill


@pytest.mark.slow
def test_sigkilled_worker_is_not_blamed_on_memory(sec_server: SecServer, client: httpx.Client,
                                                  healthy_after: None) -> None:
    """SIGKILL the worker running the cross-join bomb: 503 JSON naming SIGKILL / killed, not memory;
    then /health 200 and a query 200."""
    sec_server.wait_idle()
    with ThreadPoolExecutor(1) as ex:
        fut = ex.submit(client.get, "/sparql", params={"query": CROSS_JOIN}, headers=NO_CACHE)
        time.sleep(0.5)
        victim = None
        for _ in range(5):
            victim = busiest_child(sec_server.pid)
            if victim is not None:
                break
        assert victim is not None, "no busy worker found"
        sigkill(victim)
        r = fut.result(timeout=15)
    message = json_error(r, 503).lower()
    assert ("sigkill" in message or "killed" in message) and "memory" not in message, message
    assert sec_server.health().status_code == 200
    sec_server.wait_idle()
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=NO_CACHE).status_code == 200

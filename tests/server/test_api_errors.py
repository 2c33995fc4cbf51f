"""Every way a request can go wrong, against the live server: a one-line answer, never a 500.

Also the safety properties of an endpoint on the open internet: updates, LOAD and SERVICE refused
(and nothing changed), a runaway query stopped at the deadline with its worker killed (the CPU is
freed and the server keeps answering), a memory-hungry query contained, body size capped.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from conftest import CLIENT_LIMITS, LiveServer

CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~2.8e11 rows
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def one_line_error(r: httpx.Response, status: int) -> str:
    """The response is ``status`` with a one-line JSON ``{"error": ...}`` that leaks nothing."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    text = r.text.strip()
    assert "\n" not in text and "Traceback" not in text and "/work/" not in text and "site-packages" not in text
    body = json.loads(text)
    assert list(body) == ["error"] and body["error"]
    return str(body["error"])


def triple_counts(http: httpx.Client, asks: int = 6) -> set[int]:
    """The triple count as the workers see it now: fresh evaluations (``Cache-Control: no-cache``
    bypasses the response cache, which would answer every call after the first), asked often enough
    that both workers answer (an idle worker goes to the back of the queue)."""
    counts = set()
    for _ in range(asks):
        r = http.get("/sparql", params={"query": COUNT}, headers={"Cache-Control": "no-cache"})
        assert r.status_code == 200, r.text
        assert r.headers.get("x-emskg-cache") != "hit"
        counts.add(int(r.json()["results"]["bindings"][0]["n"]["value"]))
    return counts


def graph_triples(http: httpx.Client) -> int:
    """The default graph's size, counted once when the server loaded it (/health)."""
    return int(http.get("/health").json()["triples"])


# --- malformed and unknown ----------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "SELEC * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p }", "SELECT * WHERE { ?s undeclared:p ?o }", "",
    "SELECT * WHERE { ?s ?p ?o } LIMIT -1", "\x00\x01",
])
def test_malformed_queries_are_400(http: httpx.Client, query: str) -> None:
    message = one_line_error(http.get("/sparql", params={"query": query}), 400)
    assert len(message) <= 300


def test_unknown_named_query_is_404(http: httpx.Client) -> None:
    message = one_line_error(http.get("/queries/tools-for-componnt-outcome"), 404)
    assert "did you mean: tools-for-component-outcome" in message


@pytest.mark.parametrize("params", [
    {"component": "Chek"},                      # names nothing: a suggestion
    {"component": "QualServe"},                 # a term of the wrong class
    {"colour": "blue"},                         # not a parameter of the query
    {"component": ["Plan", "Check"]},           # a single-valued parameter given twice
])
def test_bad_parameters_are_400(http: httpx.Client, params: dict[str, object]) -> None:
    one_line_error(http.get("/queries/tools-for-component-outcome", params=params), 400)  # type: ignore[arg-type]


@pytest.mark.parametrize("url", ["/initiatives/NoSuchThing", "/outcomes/QualServe", "/no/such/path", "/queries/qc/none"])
def test_unknown_resources_are_404(http: httpx.Client, url: str) -> None:
    one_line_error(http.get(url), 404)


def test_unknown_page_is_an_html_404(http: httpx.Client) -> None:
    r = http.get("/ui/initiatives/NoSuchThing")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html") and "NoSuchThing" in r.text


def test_wrong_method_is_405(http: httpx.Client) -> None:
    one_line_error(http.put("/sparql", content=b"x"), 405)


def test_unacceptable_formats_are_406(http: httpx.Client) -> None:
    one_line_error(http.get("/sparql", params={"query": COUNT}, headers={"Accept": "image/png"}), 406)
    one_line_error(http.get("/sparql", params={"query": "DESCRIBE kb:QualServe", "format": "csv"}), 406)


def test_unsupported_post_bodies_are_415(http: httpx.Client) -> None:
    one_line_error(http.post("/sparql", content=COUNT.encode(), headers={"Content-Type": "text/plain"}), 415)
    one_line_error(http.post("/validate", content=b"x", headers={"Content-Type": "image/png",
                                                                   "Authorization": "Bearer test-validate-token"}), 415)


@pytest.mark.parametrize(("content", "ctype"), [
    (b"\xff\xfe SELECT", "application/sparql-query"),
    (b"query=a&query=b", "application/x-www-form-urlencoded"),
    (b"nothing=here", "application/x-www-form-urlencoded"),
])
def test_bad_post_bodies_are_400(http: httpx.Client, content: bytes, ctype: str) -> None:
    one_line_error(http.post("/sparql", content=content, headers={"Content-Type": ctype}), 400)


def test_bad_dataset_iri_is_400(http: httpx.Client) -> None:
    one_line_error(http.get("/sparql", params={"query": COUNT, "default-graph-uri": "not an iri"}), 400)


# --- read-only -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("how", "kwargs"), [
    ("query keyword", {"params": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}),
    ("delete where", {"params": {"query": "DELETE WHERE { ?s ?p ?o }"}}),
    ("load", {"params": {"query": "LOAD <http://127.0.0.1:9/x.ttl>"}}),
    ("clear", {"params": {"query": "CLEAR ALL"}}),
    ("service", {"params": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"}}),
    ("update param", {"params": {"update": "DROP ALL"}}),
])
def test_updates_load_and_service_are_refused_via_get(http: httpx.Client, how: str, kwargs: dict[str, object]) -> None:
    triples = graph_triples(http)
    assert triple_counts(http) == {triples}
    one_line_error(http.get("/sparql", **kwargs), 403)  # type: ignore[arg-type]
    assert triple_counts(http) == {triples}, how


@pytest.mark.parametrize(("content", "ctype"), [
    (b"update=DELETE+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D", "application/x-www-form-urlencoded"),
    (b"query=CLEAR+DEFAULT", "application/x-www-form-urlencoded"),
    (b"DELETE WHERE { ?s ?p ?o }", "application/sparql-update"),
    (b"INSERT DATA { <urn:a> <urn:b> <urn:c> }", "application/sparql-query"),
])
def test_updates_are_refused_via_post_and_nothing_changes(http: httpx.Client, content: bytes, ctype: str) -> None:
    health = http.get("/health").json()
    assert triple_counts(http) == {health["triples"]}
    one_line_error(http.post("/sparql", content=content, headers={"Content-Type": ctype}), 403)
    assert triple_counts(http) == {health["triples"]}  # on every worker, not from a cache
    after = http.get("/health").json()
    assert (after["triples"], after["digest"]) == (health["triples"], health["digest"])


# --- limits --------------------------------------------------------------------------------------------

def test_body_over_the_limit_is_413(http: httpx.Client) -> None:
    big = b"#" * (1_048_576 + 1)
    one_line_error(http.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"}), 413)


def test_chunked_body_over_the_limit_is_413(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"#" * 65536  # 2.5 MiB, no Content-Length

    r = http.post("/validate", content=chunks(), headers={"Content-Type": "text/turtle",
                                                           "Authorization": "Bearer test-validate-token"})
    one_line_error(r, 413)


def _child_cpu_seconds(parent: int) -> dict[int, float]:
    """CPU seconds used so far by each child process of ``parent`` (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            out[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / tick
    return out


def test_runaway_query_times_out_and_its_cpu_is_freed(http: httpx.Client, server: LiveServer) -> None:
    restarts = http.get("/health").json()["workers"]["restarts"]
    workers_before = set(_child_cpu_seconds(server.pid))
    started = time.monotonic()
    message = one_line_error(http.get("/sparql", params={"query": CROSS_JOIN}), 504)
    assert "timed out" in message
    assert time.monotonic() - started < 6
    # The server answers at once, and the killed worker's replacement comes up.
    assert http.get("/health", timeout=2).status_code == 200
    deadline = time.monotonic() + 20
    while http.get("/health").json()["workers"]["alive"] < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    health = http.get("/health").json()
    assert health["workers"]["restarts"] > restarts and health["workers"]["alive"] == 2
    # Nothing keeps burning a CPU: the worker that ran the query is gone (killed, not left running),
    # and a new process took its place. (No CPU-time threshold: the machine is shared.)
    workers_after = set(_child_cpu_seconds(server.pid))
    gone = workers_before - workers_after
    assert gone and not any(Path(f"/proc/{pid}").exists() for pid in gone), (workers_before, workers_after)
    assert workers_after - workers_before
    # The replacement answers, with the whole graph.
    assert triple_counts(http) == {graph_triples(http)}


def test_server_keeps_answering_while_queries_run_away(http: httpx.Client, server: LiveServer) -> None:
    with ThreadPoolExecutor(2) as ex, httpx.Client(base_url=server.base, timeout=30, limits=CLIENT_LIMITS) as other:
        slow = [ex.submit(other.get, "/sparql", params={"query": CROSS_JOIN}) for _ in range(2)]
        time.sleep(0.3)
        assert http.get("/health").status_code == 200
        assert http.get("/openapi.json").status_code == 200
        assert not all(f.done() for f in slow), "the runaway queries ended before the server was asked"
        statuses = {f.result().status_code for f in slow}
    assert statuses <= {503, 504}
    deadline = time.monotonic() + 20
    while http.get("/health").json()["workers"]["idle"] < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert triple_counts(http) == {graph_triples(http)}


def test_memory_hungry_query_is_contained(http: httpx.Client) -> None:
    r = http.get("/sparql", params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"})
    one_line_error(r, r.status_code)
    assert r.status_code in (503, 504)
    assert http.get("/health").status_code == 200
    deadline = time.monotonic() + 20
    while http.get("/health").json()["workers"]["idle"] < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert triple_counts(http) == {graph_triples(http)}


def test_workers_do_not_outlive_a_killed_server(tmp_path: Path) -> None:
    """SIGKILL the server mid-query: its worker (busy with a runaway query) exits by itself."""
    import signal
    import subprocess

    from conftest import EMSKG, ROOT, _free_port

    port = _free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        proc = subprocess.Popen([*EMSKG, "serve", "--port", str(port), "--workers", "1", "--timeout", "60",
                                 "--log-level", "warning"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            assert time.monotonic() < deadline and proc.poll() is None, (tmp_path / "serve.log").read_text()
        children = set(_child_cpu_seconds(proc.pid))
        with ThreadPoolExecutor(1) as ex:
            ex.submit(httpx.get, base + "/sparql", params={"query": CROSS_JOIN}, timeout=5)
            time.sleep(0.5)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=5)
        deadline = time.monotonic() + 5
        while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        alive = [pid for pid in children if Path(f"/proc/{pid}/stat").exists()
                 and Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"]
        assert not alive, f"workers {alive} outlived the server"
    finally:
        if proc.poll() is None:
            proc.kill()

"""The registry over HTTP (issue 13): GET/POST /declarations, GET/DELETE /declarations/{id}, against a
real ``emskg serve`` on its own store — never the session server's — with real worker processes.

Two servers: one on a fresh ``oxigraph:PATH`` store (``emskg load`` first) with a register token, and
one on the ``memory`` store in a temporary cache folder, started twice (with, then without a token)
to show that its registrations persist and that writes are refused when no token is configured.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from conftest import CLIENT_LIMITS, EXAMPLES, ROOT, LiveServer, live_server

TOKEN = "test-register-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = {"Content-Type": "text/turtle"}
RIVERBEND = EXAMPLES / "conforming" / "riverbend-iso14001.ttl"  # conforms: https://example.org/riverbend/IMS
NO_METRIC = EXAMPLES / "broken" / "no-metric.ttl"  # one violation: https://example.org/millbrook/QMS
RIVERBEND_IMS = "https://example.org/riverbend/IMS"
MILLBROOK_QMS = "https://example.org/millbrook/QMS"
COUNT_REGISTRATIONS = ("PREFIX ems: <https://w3id.org/emskg/ontology#> "
                       "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g a ems:Registration } }")


def _load(store: str) -> None:
    done = subprocess.run([sys.executable, "-m", "emskg.cli", "load", "--store", store], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh ``oxigraph:PATH`` store holding the knowledge graph (``emskg load``)."""
    path = tmp_path_factory.mktemp("registry-store") / "store"
    _load(f"oxigraph:{path}")
    return path


@pytest.fixture(scope="module")
def registry(store_path: Path) -> Iterator[LiveServer]:
    """``emskg serve --store oxigraph:<tmp>`` (2 workers, a register token, a 200 kB body limit)."""
    folder = store_path.parent
    store = f"oxigraph:{store_path}"
    # the default worker memory limit (2048 MB): a worker opens the RocksDB writer of an oxigraph:PATH store
    env = {"EMSKG_WORKERS": "2", "EMSKG_STORE": store, "EMSKG_REGISTER_TOKEN": TOKEN, "EMSKG_MAX_BODY": "200000",
           "EMSKG_VALIDATE_TOKEN": ""}
    with live_server(env, folder / "serve.log") as live:
        yield live


@pytest.fixture(scope="module")
def api(registry: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=registry.base, timeout=60, limits=CLIENT_LIMITS) as client:
        yield client


def _post(api: httpx.Client, path: Path, headers: dict[str, str] | None = None) -> httpx.Response:
    return api.post("/declarations", params={"name": path.name}, content=path.read_bytes(),
                    headers={**TURTLE, **AUTH, **(headers or {})})


def _systems(api: httpx.Client) -> dict[str, dict[str, object]]:
    r = api.get("/declarations")
    assert r.status_code == 200, r.text
    return {s["system"]: s for s in r.json()}


def _one_line_error(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    assert r.text.count("\n") == 1 and r.text.endswith("\n")
    message: str = r.json()["error"]
    assert message and "\n" not in message and "Traceback" not in message
    return message


def _clear(api: httpx.Client) -> None:
    for system in _systems(api):
        assert api.delete(f"/declarations/{quote(system, safe='')}", headers=AUTH).status_code == 200


# --- register, list, read, remove ------------------------------------------------------------------

def test_register_list_read_and_delete(api: httpx.Client) -> None:
    _clear(api)
    r = _post(api, RIVERBEND)
    assert r.status_code == 201, r.text
    body = r.json()
    reg = body["registration"]
    assert len(reg["id"]) == 16 and reg["iri"] == "https://w3id.org/emskg/registration/" + reg["id"]
    assert (reg["system"], reg["conforms"], reg["violations"], reg["sourceName"]) == (RIVERBEND_IMS, True, 0,
                                                                                      "riverbend-iso14001.ttl")
    assert r.headers["location"].endswith(f"/declarations/{reg['id']}")
    assert body["report"] == {"file": "riverbend-iso14001.ttl", "conforms": True, "results": []}

    r = _post(api, NO_METRIC)
    assert r.status_code == 201, r.text
    broken = r.json()["registration"]
    assert (broken["system"], broken["conforms"], broken["violations"]) == (MILLBROOK_QMS, False, 1)
    shapes = [x["sourceShape"] for x in r.json()["report"]["results"]]
    assert shapes == ["https://w3id.org/emskg/shapes#ObjectiveMetricShape"]

    systems = _systems(api)
    assert set(systems) == {RIVERBEND_IMS, MILLBROOK_QMS}
    assert systems[RIVERBEND_IMS]["id"] == reg["id"] and systems[RIVERBEND_IMS]["conforms"] is True
    assert (systems[MILLBROOK_QMS]["violations"], systems[MILLBROOK_QMS]["registrations"]) == (1, 1)
    assert systems[MILLBROOK_QMS]["links"] == {"self": f"/declarations/{broken['id']}"}

    # the stored report is the report POST answered, as `emskg validate --format json` gives it for the file
    assert r.headers["location"] == f"{str(api.base_url).rstrip('/')}/declarations/{broken['id']}"
    report = api.get(r.headers["location"])
    assert report.status_code == 200, report.text
    got = report.json()
    assert (got["file"], got["conforms"], got["system"]) == ("no-metric.ttl", False, MILLBROOK_QMS)
    assert [x["sourceShape"] for x in got["results"]] == shapes
    assert got["results"][0]["focusNode"] == "https://example.org/millbrook/TurbidityObjective"
    assert got["results"][0]["suggestions"], "the stored report keeps the gap suggestions"

    # registering the same system again adds a newer registration; the older one stays readable
    r = _post(api, RIVERBEND)
    assert r.status_code == 201, r.text
    again = r.json()["registration"]
    systems = _systems(api)
    assert systems[RIVERBEND_IMS]["id"] == again["id"] != reg["id"]
    assert systems[RIVERBEND_IMS]["registrations"] == 2
    assert api.get(f"/declarations/{reg['id']}").status_code == 200

    # DELETE by a registration id removes the system with its history ...
    r = api.delete(f"/declarations/{reg['id']}", headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json() == {"system": RIVERBEND_IMS, "removed": 2}
    assert set(_systems(api)) == {MILLBROOK_QMS}
    _one_line_error(api.get(f"/declarations/{again['id']}"), 404)
    # ... and by the system's IRI, URL-encoded
    r = api.delete(f"/declarations/{quote(MILLBROOK_QMS, safe='')}", headers=AUTH)
    assert r.status_code == 200 and r.json() == {"system": MILLBROOK_QMS, "removed": 1}
    assert _systems(api) == {}


def test_a_workbook_registers_as_its_turtle_does(api: httpx.Client) -> None:
    """The .xlsx workbook of `emskg template` is a declaration format of POST /declarations too."""
    _clear(api)
    workbook = EXAMPLES / "workbook" / "lakeshore.xlsx"
    r = api.post("/declarations", params={"name": workbook.name}, content=workbook.read_bytes(),
                 headers={**AUTH, "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    assert r.status_code == 201, r.text
    from_xlsx = r.json()
    r = api.post("/declarations", params={"name": "lakeshore.ttl"},
                 content=(EXAMPLES / "workbook" / "lakeshore.ttl").read_bytes(), headers={**TURTLE, **AUTH})
    from_ttl = r.json()
    assert from_xlsx["registration"]["system"] == from_ttl["registration"]["system"]
    assert from_xlsx["report"]["results"] == from_ttl["report"]["results"]
    assert _systems(api)[from_ttl["registration"]["system"]]["registrations"] == 2
    _clear(api)


def test_a_registration_is_seen_by_the_next_request_on_every_worker(api: httpx.Client) -> None:
    """Two workers each hold a read-only handle; the response cache keys on the store's generation."""
    _clear(api)

    def count() -> list[int]:  # the idle-worker queue is FIFO: consecutive requests alternate workers
        return [int(api.get("/sparql", params={"query": COUNT_REGISTRATIONS},
                            headers={"Accept": "application/sparql-results+json"}).json()
                    ["results"]["bindings"][0]["n"]["value"]) for _ in range(4)]

    assert count() == [0, 0, 0, 0]  # now cached
    assert _post(api, RIVERBEND).status_code == 201
    assert count() == [1, 1, 1, 1]
    assert [len(_systems(api)) for _ in range(4)] == [1, 1, 1, 1]
    assert _post(api, NO_METRIC).status_code == 201
    assert count() == [2, 2, 2, 2]
    assert api.delete(f"/declarations/{quote(RIVERBEND_IMS, safe='')}", headers=AUTH).status_code == 200
    assert count() == [1, 1, 1, 1]
    assert [sorted(_systems(api)) for _ in range(3)] == [[MILLBROOK_QMS]] * 3
    _clear(api)


def test_a_registration_by_another_process_reaches_cached_answers(api: httpx.Client, store_path: Path) -> None:
    """``emskg register`` beside the running server: the store's generation file keys the response cache."""
    from emskg.sector.registry import register_bytes
    from emskg.stores import open_store

    _clear(api)

    def count() -> list[str]:
        return [api.get("/sparql", params={"query": COUNT_REGISTRATIONS}, headers={"Accept": "text/csv"}).text.split()[-1]
                for _ in range(3)]

    assert count() == ["0", "0", "0"]
    store = open_store(f"oxigraph:{store_path}")
    try:
        register_bytes(store, RIVERBEND.read_bytes(), "turtle", "riverbend.ttl")
    finally:
        store.close()
    assert count() == ["1", "1", "1"]
    assert list(_systems(api)) == [RIVERBEND_IMS]
    _clear(api)


# --- refusals: one JSON line each ------------------------------------------------------------------

def test_writes_need_the_register_token(api: httpx.Client) -> None:
    _clear(api)
    r = api.post("/declarations", content=RIVERBEND.read_bytes(), headers=TURTLE)
    assert "token" in _one_line_error(r, 401) and r.headers["www-authenticate"].startswith("Bearer")
    _one_line_error(_post(api, RIVERBEND, {"Authorization": "Bearer wrong"}), 401)
    _one_line_error(_post(api, RIVERBEND, {"Authorization": "Basic dXNlcjpwYXNz"}), 401)
    assert _systems(api) == {}
    assert _post(api, RIVERBEND).status_code == 201
    _one_line_error(api.delete(f"/declarations/{quote(RIVERBEND_IMS, safe='')}"), 401)
    _one_line_error(api.delete(f"/declarations/{quote(RIVERBEND_IMS, safe='')}",
                               headers={"Authorization": "Bearer wrong"}), 401)
    assert set(_systems(api)) == {RIVERBEND_IMS}
    _clear(api)


def test_bad_bodies_and_unknown_ids(api: httpx.Client) -> None:
    _clear(api)
    assert "declaration" in _one_line_error(api.post("/declarations", content=b"this is not turtle",
                                                     headers={**TURTLE, **AUTH}), 400)
    _one_line_error(api.post("/declarations", content=b"", headers={**TURTLE, **AUTH}), 400)
    _one_line_error(api.post("/declarations", content=b"{}", headers={"Content-Type": "text/plain", **AUTH}), 415)
    _one_line_error(api.post("/declarations", content=b"#" * 300_000, headers={**TURTLE, **AUTH}), 413)
    assert _systems(api) == {}, "nothing unreadable is registered"
    _one_line_error(api.get("/declarations/0123456789abcdef"), 404)
    _one_line_error(api.get("/declarations/not-an-id"), 404)
    _one_line_error(api.delete("/declarations/0123456789abcdef", headers=AUTH), 404)
    _one_line_error(api.delete(f"/declarations/{quote('https://example.org/nobody', safe='')}", headers=AUTH), 404)


def test_the_registry_is_in_the_openapi_schema(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert set(paths["/declarations"]) == {"get", "post"}
    assert set(paths["/declarations/{id}"]) == {"get", "delete"}
    post = paths["/declarations"]["post"]
    assert {"201", "400", "401", "403", "413", "415", "503"} <= set(post["responses"])
    assert {"text/turtle", "application/ld+json"} <= set(post["requestBody"]["content"])
    assert {"401", "403", "404"} <= set(paths["/declarations/{id}"]["delete"]["responses"])
    assert "404" in paths["/declarations/{id}"]["get"]["responses"]


# --- the memory store: registrations kept under the cache folder; no token, no writes ----------------

@pytest.fixture(scope="module")
def memory_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the build cache, so the memory store's registrations stay in it."""
    from emskg.core.paths import cache_dir
    from emskg.graph.store import load_graph

    load_graph()  # built if needed
    copy = tmp_path_factory.mktemp("memory-cache") / "cache"
    shutil.copytree(cache_dir(), copy, ignore=shutil.ignore_patterns("registry"))
    return copy


def test_memory_store_keeps_registrations_and_refuses_writes_without_a_token(memory_cache: Path,
                                                                             tmp_path: Path) -> None:
    base_env = {"EMSKG_WORKERS": "2", "EMSKG_CACHE": str(memory_cache), "EMSKG_STORE": "memory",
                "EMSKG_WORKER_MEMORY_MB": "1024", "EMSKG_VALIDATE_TOKEN": "validate-only"}
    with live_server({**base_env, "EMSKG_REGISTER_TOKEN": TOKEN}, tmp_path / "first.log") as live, \
            httpx.Client(base_url=live.base, timeout=60, limits=CLIENT_LIMITS) as client:
        r = _post(client, NO_METRIC)
        assert r.status_code == 201, r.text
        ident = r.json()["registration"]["id"]
        assert [list(_systems(client)) for _ in range(3)] == [[MILLBROOK_QMS]] * 3
    assert any((memory_cache / "registry").glob("*.nq")), "the registration is kept under the cache folder"

    with live_server({**base_env, "EMSKG_REGISTER_TOKEN": ""}, tmp_path / "second.log") as live, \
            httpx.Client(base_url=live.base, timeout=60, limits=CLIENT_LIMITS) as client:
        assert _systems(client)[MILLBROOK_QMS]["id"] == ident  # it outlived the server
        assert client.get(f"/declarations/{ident}").json()["conforms"] is False
        for auth in ({}, AUTH, {"Authorization": "Bearer validate-only"}):
            r = client.post("/declarations", content=RIVERBEND.read_bytes(), headers={**TURTLE, **auth})
            assert "EMSKG_REGISTER_TOKEN" in _one_line_error(r, 403)
            _one_line_error(client.delete(f"/declarations/{ident}", headers=auth), 403)
        assert list(_systems(client)) == [MILLBROOK_QMS]


# --- a store that cannot be reached ------------------------------------------------------------------

def test_an_unreachable_store_is_a_503_naming_it_without_credentials(tmp_path: Path) -> None:
    """Nothing listens on port 9 (discard); the knowledge-graph pages keep working meanwhile."""
    env = {"EMSKG_WORKERS": "1", "EMSKG_STORE": "sparql:http://reader:s3cret@127.0.0.1:9/sparql",
           "EMSKG_REGISTER_TOKEN": TOKEN, "EMSKG_WORKER_MEMORY_MB": "1024"}
    with live_server(env, tmp_path / "serve.log") as live, \
            httpx.Client(base_url=live.base, timeout=60, limits=CLIENT_LIMITS) as client:
        for r in (client.get("/declarations"), client.get("/declarations/0123456789abcdef"),
                  _post(client, RIVERBEND), client.get("/sparql", params={"query": "ASK {}"})):
            message = _one_line_error(r, 503)
            assert "sparql:http://127.0.0.1:9/sparql" in message and "s3cret" not in message and "reader" not in message
        page = client.get("/ui/sector")
        assert page.status_code == 503 and "s3cret" not in page.text
        assert client.get("/initiatives/QualServe").status_code == 200
        assert client.get("/health").json()["status"] == "ok"
    assert "s3cret" not in (tmp_path / "serve.log").read_text()


# --- a sparql: store (a real Oxigraph server): the worker validates, the server process writes --------

def test_the_registry_on_a_sparql_store(tmp_path: Path) -> None:
    from emskg.stores import open_store
    from emskg.stores.load import load_kb
    from engines import OxigraphServer

    engine = OxigraphServer(tmp_path / "oxigraph").start()
    try:
        store = open_store(None, env=engine.env())
        load_kb(store)
        store.close()
        env = {**engine.env(), "EMSKG_WORKERS": "1", "EMSKG_REGISTER_TOKEN": TOKEN, "EMSKG_WORKER_MEMORY_MB": "1024"}
        with live_server(env, tmp_path / "serve.log") as live, \
                httpx.Client(base_url=live.base, timeout=60, limits=CLIENT_LIMITS) as client:
            assert _systems(client) == {}
            r = _post(client, NO_METRIC)
            assert r.status_code == 201, r.text
            ident = r.json()["registration"]["id"]
            assert r.json()["report"]["conforms"] is False
            assert _systems(client)[MILLBROOK_QMS]["violations"] == 1
            report = client.get(f"/declarations/{ident}").json()
            assert [x["sourceShape"] for x in report["results"]] == ["https://w3id.org/emskg/shapes#ObjectiveMetricShape"]
            gaps = client.get("/queries/sector-gaps", headers={"Accept": "text/csv"}).text.splitlines()
            assert gaps[1:] == ["https://w3id.org/emskg/shapes#ObjectiveMetricShape,objective has a metric,1,1"]
            _one_line_error(client.get("/declarations/0123456789abcdef"), 404)
            assert client.delete(f"/declarations/{ident}", headers=AUTH).json() == {"system": MILLBROOK_QMS, "removed": 1}
            assert _systems(client) == {}
    finally:
        engine.stop()

"""Shared fixtures: the real knowledge graph, and the real ``emskg`` command in a subprocess."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from emskg.graph.store import KnowledgeGraph, load_graph

ROOT = Path(__file__).resolve().parent.parent
EMSKG = [sys.executable, "-m", "emskg.cli"]


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    """The knowledge graph built from the repository's ontology/ and kb/ (cached)."""
    return load_graph()


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``emskg ARGS`` for real and capture its exit code and output."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run([*EMSKG, *args], input=input, capture_output=True, text=True,
                              env=full_env, cwd=cwd or ROOT, timeout=timeout)

    return run


@pytest.fixture()
def data_copy(tmp_path: Path) -> Iterator[Path]:
    """A throwaway copy of ontology/, kb/, shapes/ and queries/ to break on purpose (EMSKG_HOME)."""
    for folder in ("ontology", "kb", "shapes", "queries"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, tmp_path / folder)
    yield tmp_path


# --- emskg serve: one real server per test session (tests/server/) -----------------------------------------

SERVER_TOKEN = "test-validate-token"
#: Test clients drop an idle kept-alive connection after 2 s, well before the server's keep-alive
#: timeout (8 s): httpx's default (5 s) once equalled the server's, and a request sent just as the
#: server closed the connection was lost ("Server disconnected without sending a response", CI stop 16).
CLIENT_LIMITS = httpx.Limits(keepalive_expiry=2.0)


@dataclass(frozen=True)
class LiveServer:
    """A running ``emskg serve`` on a loopback port."""

    base: str
    pid: int
    token: str
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(env: dict[str, str], log: Path) -> Iterator[LiveServer]:
    """Start ``emskg serve`` with ``env`` added to the environment, wait for /health, stop it after."""
    port = _free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen([*EMSKG, "serve", "--port", str(port), "--log-level", "warning"],
                                env={**os.environ, **env}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"emskg serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"emskg serve did not answer /health within 90 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield LiveServer(base, proc.pid, env.get("EMSKG_VALIDATE_TOKEN", ""), log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``emskg serve`` in a subprocess (2 workers, 2 s timeout, 500-row limit, a validate token, CORS *)."""
    env = {"EMSKG_WORKERS": "2", "EMSKG_QUERY_TIMEOUT": "2", "EMSKG_MAX_ROWS": "500",
           "EMSKG_VALIDATE_TOKEN": SERVER_TOKEN, "EMSKG_CORS_ORIGINS": "*", "EMSKG_WORKER_MEMORY_MB": "1024"}
    with live_server(env, tmp_path_factory.mktemp("server") / "serve.log") as live:
        yield live


@pytest.fixture(scope="session")
def http(server: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client bound to the live server."""
    with httpx.Client(base_url=server.base, timeout=30, limits=CLIENT_LIMITS) as client:
        yield client


# --- emskg validate (tests/validation/, tests/cli/) -------------------------------------------

EXAMPLES = ROOT / "examples"
#: Every example declaration, malformed ones included (Brick-style: tests parametrise over all).
EXAMPLE_FILES = sorted(p for p in EXAMPLES.rglob("*") if p.suffix in (".ttl", ".jsonld"))
_EXPECT_PREFIXES = {"emsh": "https://w3id.org/emskg/shapes#", "ems": "https://w3id.org/emskg/ontology#",
                    "kb": "https://w3id.org/emskg/kb/"}


def expected_results(path: Path) -> set[tuple[str, str, str]]:
    """The ``# expect: SEVERITY SHAPE FOCUS`` lines of an example, as (severity, shape IRI, focus).

    CURIEs use the file's own ``@prefix`` lines (and emsh:/ems:/kb:); blank nodes are ``_:bN``.
    """
    text = path.read_text(encoding="utf-8")
    prefixes = dict(_EXPECT_PREFIXES)
    for line in text.splitlines():
        if line.startswith("@prefix"):
            _, name, iri, *_ = line.split()
            prefixes[name.rstrip(":")] = iri.strip("<>")

    def expand(term: str) -> str:
        if term.startswith("_:"):
            return term
        prefix, _, local = term.partition(":")
        return prefixes[prefix] + local

    out = set()
    for line in text.splitlines():
        if line.startswith("# expect:") and line.split(":", 1)[1].strip() != "conforms":
            severity, shape, focus = line.split(":", 1)[1].split()
            out.add((severity, expand(shape), expand(focus)))
    return out


@pytest.fixture(scope="session")
def validator(kg: KnowledgeGraph) -> Any:
    """One fast-engine :class:`emskg.validate.Validator` for the session (as a pipeline would)."""
    from emskg import Validator

    return Validator(kg)


@pytest.fixture(scope="session")
def emskg_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``emskg`` console script (the entry point pipelines call) in a subprocess."""
    script = Path(sys.executable).with_name("emskg")
    command = [str(script)] if script.is_file() else EMSKG

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*command, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout)

    return run

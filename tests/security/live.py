"""Shared machinery of the security battery (tests/security) and the issue-10 regressions.

* :class:`SecServer` — one ``emskg serve`` subprocess for the whole session, started with the
  battery's settings (2 workers, 3 s query timeout, 2 s header timeout, a validate token, a 1 GiB
  worker memory limit, a 64 MiB response cache), its stdout and stderr in a log file the tests read.
* :class:`CountingListener` — a loopback TCP listener that counts accepted connections and answers
  something plausible (SPARQL JSON results, a JSON-LD context, Turtle), so a fetch attempt would
  *succeed* if the code under test made one; the tests assert it counted none.
* Raw-socket helpers (every socket has a timeout), /proc-based process-tree RSS and CPU figures, and
  the one-line JSON error check every refusal must pass.

Everything is loopback-only and bounded in count and time.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
EMSKG = [sys.executable, "-m", "emskg.cli"]
TOKEN = "t"
EXAMPLE_TTL = ROOT / "examples" / "conforming" / "riverbend-iso14001.ttl"
EXAMPLE_JSONLD = ROOT / "examples" / "conforming" / "eastfield-osha-vpp.jsonld"

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
NO_CACHE = {"Cache-Control": "no-cache"}
QUERY_TIMEOUT = 3.0

SERVER_ENV = {
    "EMSKG_WORKERS": "2",
    "EMSKG_QUERY_TIMEOUT": "3",
    "EMSKG_HEADER_TIMEOUT": "2",
    "EMSKG_VALIDATE_TOKEN": TOKEN,
    "EMSKG_WORKER_MEMORY_MB": "1024",
    "EMSKG_RESPONSE_CACHE_MB": "64",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the server ------------------------------------------------------------------------------------

@dataclass
class SecServer:
    """A running ``emskg serve`` (loopback) with the battery's settings."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    base: str = field(init=False)

    def __post_init__(self) -> None:
        self.base = f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log.open("rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")

    def health(self, timeout: float = 3.0) -> httpx.Response:
        return httpx.get(self.base + "/health", headers=NO_CACHE, timeout=timeout)

    def wait_idle(self, timeout: float = 30.0) -> dict[str, int]:
        """Wait (bounded) until every worker is alive and idle again (after a kill or a timeout)."""
        deadline = time.monotonic() + timeout
        workers: dict[str, int] = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                workers = self.health().json()["workers"]
                if workers["alive"] == workers["size"] and workers["idle"] == workers["size"]:
                    return workers
            time.sleep(0.2)
        return workers

    def stop(self, grace: float = 15) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


_SERVER: SecServer | None = None
_SERVER_LOCK = threading.Lock()

#: What the battery did, for the summary printed at the end of a run (the README's security table):
#: listeners opened and unexpected connections to them, the session server's request and error counts.
LEDGER: dict[str, Any] = {"listeners": 0, "outbound": 0, "control_connections": 0}


def launch_server(log_dir: Path) -> SecServer:
    """Start an ``emskg serve`` with the battery's settings and wait (bounded) for /health."""
    port = free_port()
    log = log_dir / "serve.log"
    env = {**os.environ, **SERVER_ENV}
    env.pop("EMSKG_DEBUG", None)
    with log.open("wb") as out:
        proc = subprocess.Popen([*EMSKG, "serve", "--port", str(port), "--log-level", "info"],
                                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    server = SecServer(proc, port, log)
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"emskg serve exited with {proc.returncode}:\n{server.log_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if server.health(timeout=2).status_code == 200:
                return server
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"emskg serve did not answer /health within 90 s:\n{server.log_text()[-3000:]}")
        time.sleep(0.2)


def start_server(log_dir: Path) -> SecServer:
    """The session's server, started once (tests/security and tests/regressions share it)."""
    global _SERVER
    with _SERVER_LOCK:
        if _SERVER is None or _SERVER.proc.poll() is not None:
            _SERVER = launch_server(log_dir)
            LEDGER.setdefault("triples_before", _triples(_SERVER))
        return _SERVER


def stop_server() -> None:
    global _SERVER
    with _SERVER_LOCK:
        if _SERVER is not None:
            LEDGER["triples_after"] = _triples(_SERVER)
            _SERVER.stop()
            record_log(_SERVER.log_text())
            _SERVER = None


_ACCESS = re.compile(r'" (\d{3}) ')


def _triples(server: SecServer) -> int | None:
    """The store's triple count, evaluated afresh (no response cache), or None if the server is gone."""
    try:
        r = httpx.get(server.base + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                      headers={"Cache-Control": "no-cache", "Accept": "application/sparql-results+json"}, timeout=30)
        return int(r.json()["results"]["bindings"][0]["n"]["value"])
    except (httpx.HTTPError, ValueError, KeyError):
        return None


def record_log(text: str) -> None:
    """Counts from the session server's log: requests answered (uvicorn's access log), by status class,
    tracebacks, and workers that died of something other than the battery's deliberate kills."""
    statuses = [int(m.group(1)) for line in text.splitlines() if "HTTP/1.1\"" in line
                for m in [_ACCESS.search(line)] if m]
    LEDGER["requests"] = len(statuses)
    LEDGER["status_5xx"] = sum(1 for code in statuses if code >= 500 and code not in (503, 504))
    LEDGER["tracebacks"] = text.count("Traceback")
    LEDGER["crashed_workers"] = sum(1 for line in text.splitlines()
                                    if "died running" in line and "SIGKILL" not in line)


# --- the counting listener ---------------------------------------------------------------------------

SPARQL_JSON = b'{"head":{"vars":["a","b","c"]},"results":{"bindings":[{"a":{"type":"uri","value":"urn:x"}}]}}'
CONTEXT_JSONLD = json.dumps({"@context": json.loads(EXAMPLE_JSONLD.read_text(encoding="utf-8"))["@context"]}).encode()
TURTLE = b"<urn:a> <urn:b> <urn:c> .\n"


class CountingListener:
    """A loopback TCP server that counts the connections it accepts and answers like a real one.

    ``/ctx.jsonld`` gets the example's JSON-LD context, ``*.ttl`` a Turtle triple, anything else a
    SPARQL JSON result, so a fetch the code under test attempted would succeed.
    """

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="counting-listener", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            data = b""
            with contextlib.suppress(OSError):
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            self.requests.append(data[:2000])
            path = data.split(b" ", 2)[1] if data.count(b" ") >= 2 else b"/"
            if path.endswith(b".jsonld"):
                body, ctype = CONTEXT_JSONLD, b"application/ld+json"
            elif path.endswith(b".ttl"):
                body, ctype = TURTLE, b"text/turtle"
            else:
                body, ctype = SPARQL_JSON, b"application/sparql-results+json"
            with contextlib.suppress(OSError):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype + b"\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)

    #: Set by a control test that wants connections (proving the listener works); others count as leaks.
    expected = False

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
        LEDGER["listeners"] += 1
        LEDGER["control_connections" if self.expected else "outbound"] += self.connections


@contextlib.contextmanager
def counting_listener() -> Iterator[CountingListener]:
    listener = CountingListener()
    try:
        yield listener
    finally:
        listener.close()


# --- checks --------------------------------------------------------------------------------------------

def json_error(r: httpx.Response, *statuses: int) -> str:
    """``r`` has one of ``statuses`` and a one-line JSON ``{"error": ...}`` body that leaks nothing."""
    assert r.status_code in statuses, (r.status_code, r.text[:500])
    assert r.headers.get("content-type", "").startswith("application/json"), (r.headers, r.text[:300])
    text = r.text.strip()
    assert "\n" not in text and "Traceback" not in text and "/work/" not in text and "site-packages" not in text
    body = json.loads(text)
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], body
    return str(body["error"])


def cli_one_line_error(proc: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """The CLI failed with ``code`` and exactly one stderr line starting ``emskg:``."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == code, (proc.returncode, proc.stderr[-1000:], proc.stdout[-500:])
    assert len(lines) == 1 and lines[0].startswith("emskg:"), proc.stderr[-1000:]
    assert "Traceback" not in proc.stderr
    return lines[0]


def triple_count(base: str) -> int:
    """The number of triples, evaluated afresh by a worker (no response cache)."""
    r = httpx.get(base + "/sparql", params={"query": COUNT}, headers={**NO_CACHE, "Accept": "application/json"},
                  timeout=30)
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# --- raw sockets ------------------------------------------------------------------------------------

def connect(port: int, timeout: float = 5.0) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.settimeout(timeout)
    return s


@dataclass
class RawResponse:
    status: int | None
    headers: dict[str, str]
    body: bytes
    closed_early: bool  # the server closed (or reset) the connection before a full response

    def json_error(self, *statuses: int) -> str:
        assert self.status in statuses, (self.status, self.headers, self.body[:300])
        assert self.headers.get("content-type", "").startswith("application/json"), (self.headers, self.body[:300])
        body = json.loads(self.body.decode().strip())
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], body
        return str(body["error"])


def read_response(s: socket.socket, timeout: float = 10.0) -> RawResponse:
    """Read one HTTP/1.1 response (bounded by ``timeout`` overall and 4 MiB)."""
    deadline = time.monotonic() + timeout
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < 4 << 20:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (TimeoutError, ConnectionResetError, BrokenPipeError, OSError):
        pass
    if b"\r\n\r\n" not in data:
        return RawResponse(None, {}, data, True)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = headers.get("content-length")
    try:
        while (length is not None and len(body) < int(length)) or (length is None and time.monotonic() < deadline):
            s.settimeout(max(0.05, deadline - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
            if len(body) > 4 << 20:
                break
    except (TimeoutError, ConnectionResetError, OSError):
        pass
    return RawResponse(status, headers, body, False)


def raw_exchange(port: int, data: bytes, timeout: float = 10.0) -> RawResponse:
    """Send ``data`` on a fresh connection and read the answer (a reset while sending counts as closed)."""
    with connect(port, timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            return read_response(s, timeout=1.0)  # an answer sent before the reset, if any
        return read_response(s, timeout=timeout)


def closed_by_server(s: socket.socket, within: float) -> bool:
    """Whether the server closes ``s`` within ``within`` seconds (recv gives b'' or a reset).

    Data the server sends first (an error response) is read and skipped."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except TimeoutError:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
        except OSError:
            return True
        if not chunk:
            return True
    return False


# --- processes --------------------------------------------------------------------------------------

def _stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc/<pid>/task/*/children, else a /proc scan)."""
    out: set[int] = set()
    tasks = Path(f"/proc/{pid}/task")
    with contextlib.suppress(OSError):
        for task in tasks.iterdir():
            with contextlib.suppress(OSError):
                out.update(int(c) for c in (task / "children").read_text().split())
    if not out:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            fields = _stat_fields(int(stat.parent.name))
            if fields and int(fields[1]) == pid:
                out.add(int(stat.parent.name))
    return sorted(out)


def descendants(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo and len(seen) < 1000:
        p = todo.pop()
        seen.append(p)
        todo.extend(c for c in children(p) if c not in seen)
    return seen


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Sum of VmRSS of ``pid`` and all its descendants, bytes."""
    return sum(rss_bytes(p) for p in descendants(pid))


def cpu_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    if not fields:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busiest_child(pid: int, sample: float = 0.6) -> int | None:
    """The child of ``pid`` that used the most CPU over ``sample`` seconds (the worker running a query)."""
    before = {c: cpu_seconds(c) for c in children(pid)}
    time.sleep(sample)
    used = {c: cpu_seconds(c) - t for c, t in before.items() if Path(f"/proc/{c}").exists()}
    if not used:
        return None
    best = max(used, key=lambda c: used[c])
    return best if used[best] > 0.1 else None


def sigkill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


# --- attacks in flight ----------------------------------------------------------------------------

HALF_HEADER = b"GET /health HTTP/1.1\r\nHost: x\r\n"  # no final blank line: the request never ends


@contextlib.contextmanager
def open_sockets(port: int, n: int, first_bytes: bytes) -> Iterator[list[socket.socket]]:
    """``n`` connections that each send ``first_bytes`` and then nothing; all closed on exit."""
    socks: list[socket.socket] = []
    try:
        for _ in range(n):
            try:
                s = connect(port, timeout=5)
            except OSError:
                break  # the server (or the OS backlog) refuses more: fine, fewer attackers
            socks.append(s)
            if first_bytes:
                with contextlib.suppress(OSError):
                    s.sendall(first_bytes)
        yield socks
    finally:
        for s in socks:
            with contextlib.suppress(OSError):
                s.close()


def health_while(server: SecServer, request: Callable[[], httpx.Response]) -> tuple[httpx.Response, float | None]:
    """Run ``request`` in a thread; while it is in flight, time one /health. Returns (answer, health seconds)."""
    box: dict[str, object] = {}

    def go() -> None:
        try:
            box["r"] = request()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            box["exc"] = exc

    t = threading.Thread(target=go, daemon=True)
    t.start()
    time.sleep(0.3)
    health_seconds: float | None = None
    if t.is_alive():
        t0 = time.monotonic()
        try:
            if server.health(timeout=3).status_code == 200:
                health_seconds = time.monotonic() - t0
        except httpx.HTTPError:
            health_seconds = None
    else:
        health_seconds = 0.0  # answered before /health could be tried: nothing stalled
    t.join(timeout=20)
    assert "r" in box, box.get("exc", "the request did not finish within 20 s")
    return box["r"], health_seconds  # type: ignore[return-value]

"""HTTP endpoint under load: ``emskg serve`` on loopback, driven by Debian's ``wrk``.

Bounded by construction: every run lasts a fixed number of seconds against 127.0.0.1 only, and the
server is stopped at the end. Reports requests/s, p50 and p99 latency and errors (non-2xx responses
and socket errors) for the flagship named query and a raw ``/sparql`` GET, at concurrency 1, 8, 32.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass

from common import emskg_bin, table

RAW_QUERY = "SELECT ?i ?label WHERE { ?i a ems:ManagementTool ; ems:supportsComponent ems:Check ; rdfs:label ?label }"


@dataclass
class LoadResult:
    target: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int | None = None) -> subprocess.Popen[bytes]:
    cmd = [emskg_bin(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers:
        cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("emskg serve did not become healthy within 60 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def wrk(url: str, connections: int, seconds: int, accept: str, *headers: str) -> LoadResult:
    threads = min(2, connections)
    extra = [arg for h in headers for arg in ("-H", h)]
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s",
                          "-H", f"Accept: {accept}", *extra, url], capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in sock.groups()) if sock else 0)
    return LoadResult(url, connections, rps, p50, p99, requests, errors)


def run_bench(seconds: int = 10, levels: tuple[int, ...] = (1, 8, 32)) -> tuple[str, dict[str, float]]:
    if shutil.which("wrk") is None:
        return "## Endpoint\n\nwrk is not installed (apt-get install wrk): skipped.\n", {}
    port = free_port()
    proc = start_server(port)
    base = f"http://127.0.0.1:{port}"
    flagship = f"{base}/queries/tools-for-component-outcome?component=Check&outcome=Financials"
    raw = f"{base}/sparql?query={urllib.parse.quote(RAW_QUERY)}"
    json_results = "application/sparql-results+json"
    no_cache = "Cache-Control: no-cache"  # forces a fresh evaluation in a query worker
    targets = {
        "flagship named query": (flagship, json_results, ()),
        "flagship, no-cache (evaluated every time)": (flagship, json_results, (no_cache,)),
        "raw /sparql GET": (raw, json_results, ()),
        "raw /sparql GET, no-cache": (raw, json_results, (no_cache,)),
    }
    results: list[LoadResult] = []
    try:
        for name, (url, accept, headers) in targets.items():
            wrk(url, 8, 2, accept, *headers)  # warm-up
            for c in levels:
                r = wrk(url, c, seconds, accept, *headers)
                r.target = name
                results.append(r)
    finally:
        stop_server(proc)
    rows = [(r.target, r.connections, r.rps, r.p50_ms, r.p99_ms, r.requests, r.errors) for r in results]
    top = max(levels)
    figures: dict[str, float] = {"errors": float(sum(r.errors for r in results))}
    for r in results:
        if r.connections == top and r.target in ("flagship named query", "flagship, no-cache (evaluated every time)"):
            key = "cached" if r.target == "flagship named query" else "nocache"
            figures.update({f"{key}_rps": r.rps, f"{key}_p99": r.p99_ms})
    return "\n".join([
        "## Endpoint", "",
        f"`emskg serve` on 127.0.0.1, driven by `wrk` ({seconds} s per run, 2 threads, loopback only, "
        "JSON results). The server caches GET query results (the graph is static while it runs); the "
        "`no-cache` rows send `Cache-Control: no-cache`, so every request is evaluated by a query worker.", "",
        table(["target", "connections", "req/s", "p50 ms", "p99 ms", "requests", "errors"], rows), ""]), figures


if __name__ == "__main__":
    print(run_bench(seconds=5)[0])

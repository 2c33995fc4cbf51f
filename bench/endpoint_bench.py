"""HTTP endpoint under load: ``emskg serve`` on loopback, driven by Debian's ``wrk``.

Bounded by construction: every run lasts a fixed number of seconds against 127.0.0.1 only, and the
server is stopped at the end. Reports requests/s, p50 and p99 latency and errors (non-2xx responses
and socket errors) for the flagship named query and a raw ``/sparql`` GET, at concurrency 1, 8, 32.

The raw query is also sent to Oxigraph's own SPARQL server (the ``oxigraph`` binary of the PyPI
package of that name, ``serve-read-only``) loaded with exactly the quads emskg serves, in the same run:
emskg evaluates queries with the same engine (pyoxigraph), so the uncached figure has its natural
peer beside it, measured at the same moment of a shared machine. A missing or failing ``oxigraph``
is reported in one line and never stops the benchmark.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from common import emskg_bin, table

from emskg.core.vocab import PREFIXES

# Oxigraph has no predeclared prefixes, so the query declares its own, and emskg is sent the very same
# text: both engines parse one query (emskg's predeclared prefixes are overridden by these).
RAW_QUERY = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("ems", "rdfs")) + (
    "SELECT ?i ?label WHERE { ?i a ems:ManagementTool ; ems:supportsComponent ems:Check ; rdfs:label ?label }")
JSON_RESULTS = "application/sparql-results+json"
PEER = "Oxigraph server, raw query"


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
    """Stop a server started in its own session, and every process it spawned (emskg's query workers)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except ProcessLookupError:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


def oxigraph_bin() -> str | None:
    """The ``oxigraph`` server installed beside this interpreter (the test extras), else one on PATH."""
    here = Path(sys.executable).with_name("oxigraph")
    return str(here) if here.is_file() and os.access(here, os.X_OK) else shutil.which("oxigraph")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no message"


@contextmanager
def oxigraph_server(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """Oxigraph's own server on 127.0.0.1:``port``, serving exactly the quads emskg serves.

    The store emskg serves is dumped to N-Quads (default graph = everything, plus the per-source and
    inferred named graphs), loaded with the server's own ``oxigraph load`` into a temporary store
    directory, and served by ``serve-read-only`` until the block ends; the directory is removed after.
    Raises ``RuntimeError`` with a one-line reason when the binary is missing or does not start.
    """
    exe = oxigraph_bin()
    if exe is None:
        raise RuntimeError("`oxigraph` not found (pip install oxigraph, part of the test extras)")
    import pyoxigraph as ox

    from emskg.graph.store import load_graph

    with tempfile.TemporaryDirectory(prefix="emskg-bench-oxigraph-") as tmp:
        data, location, log = Path(tmp) / "kg.nq", Path(tmp) / "store", Path(tmp) / "server.log"
        load_graph().store.dump(output=str(data), format=ox.RdfFormat.N_QUADS)
        loaded = subprocess.run([exe, "load", "--location", str(location), "--file", str(data)],
                                capture_output=True, text=True, timeout=300)
        if loaded.returncode != 0:
            raise RuntimeError(f"`oxigraph load` failed: {_last_line(loaded.stderr)}")
        with log.open("wb") as err:
            proc = subprocess.Popen([exe, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                                    stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        try:
            _wait_until_answering(proc, f"http://127.0.0.1:{port}/query?query={urllib.parse.quote('ASK {}')}", log)
            yield proc
        finally:
            stop_server(proc)


def _wait_until_answering(proc: subprocess.Popen[bytes], url: str, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`oxigraph serve-read-only` exited ({proc.returncode}): {_last_line(log.read_text())}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"`oxigraph serve-read-only` did not answer within {seconds:.0f} s")


def count_rows(url: str) -> int:
    """Rows of a SPARQL JSON result, to check that both servers answer the benchmarked query alike."""
    req = urllib.request.Request(url, headers={"Accept": JSON_RESULTS, "Cache-Control": "no-cache"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return len(json.load(r)["results"]["bindings"])


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def wrk(url: str, connections: int, seconds: int, accept: str, *headers: str) -> LoadResult:
    """One bounded wrk run; raises RuntimeError with wrk's own words when it measured nothing (a
    server that died or never listened), so a caller can tell the reason in one line."""
    threads = min(2, connections)
    extra = [arg for h in headers for arg in ("-H", h)]
    done = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s",
                           "-H", f"Accept: {accept}", *extra, url], capture_output=True, text=True, timeout=seconds + 30)
    out = done.stdout

    def field(pattern: str) -> str:
        m = re.search(pattern, out, re.M)
        if m is None:  # e.g. "unable to connect to 127.0.0.1:PORT Connection refused"
            said = _last_line(done.stderr + "\n" + out)
            raise RuntimeError(f"wrk reported no figures: {said}")
        return m.group(1)

    rps = float(field(r"Requests/sec:\s+([\d.]+)"))
    p50 = _ms(field(r"^\s+50%\s+(\S+)"))
    p99 = _ms(field(r"^\s+99%\s+(\S+)"))
    requests = int(field(r"(\d+) requests in"))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in sock.groups()) if sock else 0)
    return LoadResult(url, connections, rps, p50, p99, requests, errors)


def _start_peer(stack: ExitStack, emskg_raw: str) -> tuple[str | None, str]:
    """Oxigraph's server for the raw query, or None and the one-line reason it is not measured.

    Measured only when it answers the query with as many rows as emskg does: a peer that answers a
    different question is no peer.
    """
    try:
        port = free_port()
        stack.enter_context(oxigraph_server(port))
        url = f"http://127.0.0.1:{port}/query?query={urllib.parse.quote(RAW_QUERY)}"
        peer_rows, emskg_rows = count_rows(url), count_rows(emskg_raw)
    except (RuntimeError, OSError, subprocess.SubprocessError, ValueError, KeyError) as exc:
        return None, f"Oxigraph server not measured: {exc}"
    if peer_rows != emskg_rows:
        return None, f"Oxigraph server not measured: it answers {peer_rows} rows where emskg answers {emskg_rows}"
    exe = oxigraph_bin() or "oxigraph"
    version = _last_line(subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout)
    return url, f"The Oxigraph server ({version}) answers the raw query with the same {peer_rows} rows as emskg."


def _measure(name: str, url: str, accept: str, headers: tuple[str, ...], connections: int, seconds: int) -> LoadResult:
    r = wrk(url, connections, seconds, accept, *headers)
    r.target = name
    return r


def run_bench(seconds: int = 10, levels: tuple[int, ...] = (1, 8, 32)) -> tuple[str, dict[str, float]]:
    if shutil.which("wrk") is None:
        return "## Endpoint\n\nwrk is not installed (apt-get install wrk): skipped.\n", {}
    port = free_port()
    proc = start_server(port)
    base = f"http://127.0.0.1:{port}"
    flagship = f"{base}/queries/tools-for-component-outcome?component=Check&outcome=Financials"
    raw = f"{base}/sparql?query={urllib.parse.quote(RAW_QUERY)}"
    no_cache = "Cache-Control: no-cache"  # forces a fresh evaluation in a query worker
    flagship_targets: dict[str, tuple[str, tuple[str, ...]]] = {
        "flagship named query": (flagship, ()),
        "flagship, no-cache (evaluated every time)": (flagship, (no_cache,)),
    }
    raw_targets: dict[str, tuple[str, tuple[str, ...]]] = {
        "raw /sparql GET": (raw, ()),
        "raw /sparql GET, no-cache": (raw, (no_cache,)),
    }
    results: list[LoadResult] = []
    peer_results: list[LoadResult] = []
    try:
        with ExitStack() as stack:
            peer_url, peer_note = _start_peer(stack, raw)
            print(f"bench: {peer_note}", file=sys.stderr, flush=True)
            for name, (url, headers) in flagship_targets.items():
                wrk(url, 8, 2, JSON_RESULTS, *headers)  # warm-up
                results += [_measure(name, url, JSON_RESULTS, headers, c, seconds) for c in levels]
            for url, headers in raw_targets.values():
                wrk(url, 8, 2, JSON_RESULTS, *headers)  # warm-up
            peer_url, peer_note = _peer_step(peer_url, peer_note, 8, 2, [])  # warm-up
            # Level by level, emskg cached, emskg no-cache and the peer back to back: the figures of
            # each ratio come from the same moment of the (shared, noisy) machine.
            raw_results: list[LoadResult] = []
            for c in levels:
                raw_results += [_measure(name, url, JSON_RESULTS, headers, c, seconds)
                                for name, (url, headers) in raw_targets.items()]
                peer_url, peer_note = _peer_step(peer_url, peer_note, c, seconds, peer_results)
            results += sorted(raw_results, key=lambda r: list(raw_targets).index(r.target))
    finally:
        stop_server(proc)
    if len(peer_results) != len(levels):
        peer_results = []
    rows = [(r.target, r.connections, r.rps, r.p50_ms, r.p99_ms, r.requests, r.errors) for r in results + peer_results]
    top = max(levels)
    figures: dict[str, float] = {"errors": float(sum(r.errors for r in results))}
    for r in results:
        if r.connections == top and r.target in ("flagship named query", "flagship, no-cache (evaluated every time)"):
            key = "cached" if r.target == "flagship named query" else "nocache"
            figures.update({f"{key}_rps": r.rps, f"{key}_p99": r.p99_ms})
    md = [
        "## Endpoint", "",
        f"`emskg serve` on 127.0.0.1, driven by `wrk` ({seconds} s per run, 2 threads, loopback only, "
        "JSON results). The server caches GET query results (the graph is static while it runs); the "
        "`no-cache` rows send `Cache-Control: no-cache`, so every request is evaluated by a query worker. "
        "The raw query declares its prefixes (`ems:`, `rdfs:`) and is sent as the same text to both servers.", "",
        table(["target", "connections", "req/s", "p50 ms", "p99 ms", "requests", "errors"], rows), ""]
    md += _peer_section(results, peer_results, peer_note, levels, figures)
    return "\n".join(md), figures


def _peer_step(url: str | None, note: str, connections: int, seconds: int,
               into: list[LoadResult]) -> tuple[str | None, str]:
    """One wrk run against the peer (none once it failed); a failure ends the peer's runs with a
    one-line note instead of stopping the benchmark."""
    if url is None:
        return None, note
    try:
        into.append(_measure(PEER, url, JSON_RESULTS, (), connections, seconds))
        return url, note
    except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as exc:
        note = f"Oxigraph server not measured: a wrk run against it failed ({exc})"
        print(f"bench: {note}", file=sys.stderr, flush=True)
        return None, note


def _peer_section(results: list[LoadResult], peer_results: list[LoadResult], note: str, levels: tuple[int, ...],
                  figures: dict[str, float]) -> list[str]:
    """The raw query on emskg (cached, uncached) beside Oxigraph's own server, level by level, with ratios."""
    head = ["### Raw query beside Oxigraph's own server", ""]
    if not peer_results:
        return [*head, note + ".", ""]
    by = {(r.target, r.connections): r.rps for r in results + peer_results}
    rows = []
    for c in levels:
        cached, nocache, peer = by[("raw /sparql GET", c)], by[("raw /sparql GET, no-cache", c)], by[(PEER, c)]
        rows.append((c, cached, nocache, peer, f"{nocache / peer:.2f}x", f"{cached / peer:.2f}x"))
    top = max(levels)
    figures.update({"raw_cached_rps": by[("raw /sparql GET", top)], "raw_nocache_rps": by[("raw /sparql GET, no-cache", top)],
                    "peer_rps": by[(PEER, top)], "peer_errors": float(sum(r.errors for r in peer_results)),
                    "peer_connections": float(top)})
    return [*head,
            "`oxigraph serve-read-only` (PyPI `oxigraph`, the same engine release as emskg's pyoxigraph) on a store "
            "loaded by `oxigraph load` from exactly the quads emskg serves; same query text, Accept, durations and "
            f"connections, measured right after emskg at each level. {note}", "",
            table(["connections", "emskg cached req/s", "emskg no-cache req/s", "Oxigraph req/s",
                   "emskg no-cache / Oxigraph", "emskg cached / Oxigraph"], rows), ""]


if __name__ == "__main__":
    print(run_bench(seconds=5)[0])

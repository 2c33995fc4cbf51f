"""Stores: ``load`` and ``register`` into each store, and the sector queries side by side.

The four stores of issue 13, measured in one run on the same machine: ``memory`` (the reference: the
embedded store, no disk, no network), ``oxigraph:PATH`` (a RocksDB folder in this process),
Virtuoso (Debian ``virtuoso-opensource``) and Oxigraph server (``oxigraph serve``), the last two
started for real on loopback in temporary folders with ``tests/engines_virtuoso.py`` and
``tests/engines.py`` and stopped afterwards.

For each store: ``load_kb`` (what ``emskg load`` runs) on an empty store, then a sector of N
declarations (``bench/sector_data.py``: several reporting years, re-declarations, planted defects)
registered with ``register_files(..., jobs=2)`` — what ``emskg register --jobs 2`` runs: validation
and reasoning in two worker processes, several whole declarations per atomic write. The same files
at the same registration times go into every store, so every store holds the same graphs. Then each
sector query (and ``systems-lacking`` for an element and for a rule) runs on each store: the first
run (cold: the store has never seen that query) and the median of the warm runs after it, and the
rows of the four stores are compared (numbers to 4 decimals; order-insensitive).

    python bench/run.py --only stores                 # 16,000 declarations on the four stores
    python bench/run.py --only stores --scale 66000   # 66,000 on Virtuoso and oxigraph:PATH
    python bench/stores_bench.py 2000                 # this section alone, N declarations
"""

from __future__ import annotations

import json
import os
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from common import ROOT, table

sys.path.insert(0, str(ROOT / "tests"))

from sector_data import Planned, generate_sector, register_sector  # noqa: E402

from emskg.errors import EmskgError  # noqa: E402
from emskg.graph.store import KnowledgeGraph, load_graph  # noqa: E402
from emskg.query.named import TermResolver, list_queries, run_named_query  # noqa: E402
from emskg.stores import GraphPayload, Store, open_store  # noqa: E402
from emskg.stores.embedded import MemoryStore  # noqa: E402
from emskg.stores.load import load_kb  # noqa: E402
from engines import OxigraphServer  # noqa: E402  (tests/engines.py: the Oxigraph server the tests start)
from engines_virtuoso import VirtuosoServer, free_port  # noqa: E402

STORES = ("memory", "oxigraph:PATH", "Virtuoso", "Oxigraph server")
#: What the 66,000 run measures (the stores one would hold the whole US sector in).
SCALE_STORES = ("oxigraph:PATH", "Virtuoso")
#: The full runs (16,000, and --scale N) register this many declarations into stores bulk-loaded with
#: the rest: registering all 16,000 into four stores one by one takes half an hour on 2 shared cores,
#: most of it in the stores' writes, and measures the same rate.
SCALE_REGISTERED = 2_000
#: ``systems-lacking`` needs a parameter: one element and one rule (both planted defects of generate.py).
LACKING = (("systems-lacking (element)", {"what": "kb:InternalAudit"}),
           ("systems-lacking (rule)", {"what": "emsh:ObjectiveTargetShape"}))
#: Virtuoso's buffers for the benchmark: the test engine's 20,000 pages (160 MB) hold the test data;
#: a 2.6 M-triple store wants its indexes in memory, as a production ini would (Virtuoso's own
#: guidance: about 2/3 of the memory given to it). 250,000 8 KiB pages = about 2 GB.
VIRTUOSO_BUFFERS = 250_000


class BenchVirtuoso(VirtuosoServer):
    """The tests' Virtuoso with production-sized buffers (the rest of its ini file unchanged)."""

    def write_ini(self) -> Path:
        ini = super().write_ini()
        text = ini.read_text().replace("NumberOfBuffers          = 20000",
                                       f"NumberOfBuffers          = {VIRTUOSO_BUFFERS}")
        text = text.replace("MaxDirtyBuffers          = 15000",
                            f"MaxDirtyBuffers          = {VIRTUOSO_BUFFERS * 3 // 4}")
        ini.write_text(text)
        return ini


@dataclass
class Measured:
    """One store's figures."""

    name: str
    load_s: float = 0.0
    load_quads: int = 0
    register_s: float = 0.0
    write_s: float = 0.0
    #: CPU seconds of the registration: this process, its worker processes, the engine's process
    cpu_self: float = 0.0
    cpu_workers: float = 0.0
    cpu_engine: float | None = None
    #: CPU seconds spent after the run until idle (RocksDB compaction; the engine's background work)
    cpu_after: float = 0.0
    #: registrations bulk-loaded before the measured ones (the --scale run), and how long that took
    prefilled: int = 0
    fill_s: float = 0.0
    registered: int = 0
    disk_bytes: int | None = None
    quads: int = 0
    cold: dict[str, float] = field(default_factory=dict)
    warm: dict[str, float] = field(default_factory=dict)
    rows: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.registered / self.register_s if self.register_s else 0.0


class _TimedWrites:
    """A store whose ``add_graphs`` calls are timed (the rest passes through): the write share of
    a registration run, to tell the store's cost from validation's."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.seconds = 0.0

    def add_graphs(self, graphs: Sequence[GraphPayload]) -> None:
        t = time.perf_counter()
        self._store.add_graphs(graphs)
        self.seconds += time.perf_counter() - t

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class _NQuadsFile:
    """Where ``register_files`` writes when the bench only wants the registrations' quads (to bulk-load
    them into the stores of the --scale run): N-Quads appended to a file."""

    kind = "memory"
    label = "N-Quads file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.quads = 0

    def add_graphs(self, graphs: Sequence[GraphPayload]) -> None:
        with self.path.open("ab") as f:
            for p in graphs:
                f.write(p.body + p.record)
        self.quads += sum(p.quads for p in graphs)


def _settle(pid: int | None, limit: float = 60.0) -> float:
    """CPU seconds this process (or the engine ``pid``) spends after a run until it idles (at most
    ``limit`` s): the compaction RocksDB leaves to its background threads, and an engine's own
    background work — part of what a registration costs, though it runs after ``register`` returns."""
    def cpu() -> float:
        if pid is None:
            return time.process_time()
        return process_cpu(pid) or 0.0

    start = cpu()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = cpu()
        time.sleep(1.0)
        if cpu() - before < 0.05:
            break
    return cpu() - start


def process_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) a process has used so far (Linux /proc), None when unknown."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@contextmanager
def engines(base: Path, wanted: Sequence[str]) -> Iterator[dict[str, tuple[dict[str, str], Path, int | None]]]:
    """The remote engines ``wanted`` names, started in ``base``: name -> (environment, data folder,
    process id). Stopped when the block ends, whatever happens in it."""
    with ExitStack() as stack:
        out: dict[str, tuple[dict[str, str], Path, int | None]] = {}
        if "Virtuoso" in wanted:
            virtuoso = BenchVirtuoso(folder=base / "virtuoso", sql_port=free_port(), http_port=free_port())
            virtuoso.folder.mkdir(parents=True)
            stack.callback(virtuoso.stop)  # registered first: an interrupted start-up stops it too
            virtuoso.start()
            virtuoso.setup_user()
            out["Virtuoso"] = (virtuoso.env(gsp=True), virtuoso.folder,
                               virtuoso.process.pid if virtuoso.process else None)
            stack.callback(lambda: _checkpoint(virtuoso))
            _VIRTUOSO[0] = virtuoso
        if "Oxigraph server" in wanted:
            server = OxigraphServer(base / "oxigraph-server" / "data")
            stack.callback(server.stop)
            server.start()
            out["Oxigraph server"] = (server.env(gsp=True), server.location, server.proc.pid if server.proc else None)
        yield out


_VIRTUOSO: list[VirtuosoServer | None] = [None]


def _checkpoint(server: VirtuosoServer) -> None:
    """Write Virtuoso's dirty pages to its database file (so the folder's size is the data's)."""
    if server.running:
        try:
            server.isql("checkpoint;")
        except (RuntimeError, subprocess.SubprocessError) as exc:
            print(f"bench: Virtuoso checkpoint failed: {exc}", file=sys.stderr)


def sector_queries() -> list[tuple[str, str, dict[str, str]]]:
    """(label, query name, parameters) for every ``# dataset: registry`` query."""
    out: list[tuple[str, str, dict[str, str]]] = []
    for q in list_queries():
        if q.dataset != "registry":
            continue
        if any(p.default is None for p in q.params):
            out += [(label, q.name, params) for label, params in LACKING if q.name == "systems-lacking"]
        else:
            out.append((q.name, q.name, {}))
    return out


def _cell(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal) and term.datatype.value.rsplit("#", 1)[-1] in (
            "integer", "decimal", "double", "float", "long", "int"):
        try:
            return f"{Decimal(term.value):.4f}"
        except InvalidOperation:
            return term.value
    return str(getattr(term, "value", term))


#: A query slower than this (cold) is run warm once only: the table still says how slow it is, and
#: a slow query cannot stretch the run by ``repeat`` times.
SLOW_S = 5.0


#: A query still running after this long is stopped and reported as slower than it (remote stores:
#: the request's timeout; oxigraph:PATH: the queries run in a child process, killed at the limit).
LIMIT_S = 60.0


def run_queries(store: Store, kg: KnowledgeGraph, m: Measured, repeat: int) -> None:
    """Each sector query on ``store``: the first run, the median of ``repeat`` more, and the rows."""
    resolver = TermResolver(kg.store)
    for label, name, params in sector_queries():
        try:
            t = time.perf_counter()
            result = run_named_query(store, name, params, resolver=resolver, timeout=LIMIT_S)
            m.cold[label] = time.perf_counter() - t
            samples = []
            for _ in range(repeat if m.cold[label] < SLOW_S else 1):
                t = time.perf_counter()
                run_named_query(store, name, params, resolver=resolver, timeout=LIMIT_S)
                samples.append(time.perf_counter() - t)
        except EmskgError as exc:
            print(f"bench: stores: {m.name}: {label}: {exc}", file=sys.stderr, flush=True)
            m.cold.setdefault(label, LIMIT_S)
            m.warm[label] = float("inf")
            m.rows[label] = [("timed out",) if "did not answer" in str(exc) else ("failed",)]
            continue
        m.warm[label] = statistics.median(samples)
        m.rows[label] = sorted(tuple(_cell(c) for c in row) for row in result.rows)


_CHILD = """
import json, statistics, sys, time
sys.path.insert(0, {bench!r})
import stores_bench as b
from emskg.graph.store import load_graph
from emskg.query.named import TermResolver, run_named_query
from emskg.stores import open_store
store = open_store({spec!r}, env={{}}, read_only=True)
resolver = TermResolver(load_graph().store)
for label, name, params in b.sector_queries():
    if label in {done!r}:
        continue
    print(json.dumps({{"start": label}}), flush=True)
    t = time.perf_counter(); result = run_named_query(store, name, params, resolver=resolver)
    cold = time.perf_counter() - t; samples = []
    for _ in range({repeat} if cold < b.SLOW_S else 1):
        t = time.perf_counter(); run_named_query(store, name, params, resolver=resolver)
        samples.append(time.perf_counter() - t)
    rows = sorted(tuple(b._cell(c) for c in row) for row in result.rows)
    print(json.dumps({{"label": label, "cold": cold, "warm": statistics.median(samples), "rows": rows}}), flush=True)
"""


def run_queries_apart(spec: str, m: Measured, repeat: int) -> None:
    """:func:`run_queries` for an embedded store, in a child process opening it read-only, killed when
    a query runs past :data:`LIMIT_S` (pyoxigraph cannot interrupt a query; a child can be killed)."""
    while len(m.cold) < len(sector_queries()):
        code = _CHILD.format(bench=str(ROOT / "bench"), spec=spec, done=sorted(m.cold), repeat=repeat)
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        started, current = time.monotonic(), None
        try:
            while True:
                ready, _, _ = select.select([child.stdout], [], [], 1.0)
                if ready:
                    line = child.stdout.readline()
                    if not line:
                        break
                    msg = json.loads(line)
                    if "start" in msg:
                        started, current = time.monotonic(), msg["start"]
                        continue
                    m.cold[msg["label"]], m.warm[msg["label"]] = msg["cold"], msg["warm"]
                    m.rows[msg["label"]] = [tuple(r) for r in msg["rows"]]
                    current = None
                elif current is not None and time.monotonic() - started > LIMIT_S * (1 + repeat):
                    print(f"bench: stores: {m.name}: {current}: stopped after {LIMIT_S:.0f} s", file=sys.stderr)
                    m.cold[current], m.warm[current], m.rows[current] = LIMIT_S, float("inf"), [("timed out",)]
                    break
                elif child.poll() is not None and not ready:
                    break
        finally:
            child.kill()
            child.wait()
        if current is None and child.returncode not in (0, -9) and len(m.cold) < len(sector_queries()):
            raise RuntimeError(f"query child failed with {child.returncode}")


def count_quads(store: Store) -> int:
    answer = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                         "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/emskg/')) }")
    for s in answer:
        if isinstance(s, ox.QuerySolution):
            n = s["n"]
            return int(n.value) if isinstance(n, ox.Literal) else 0
    return 0


def measure(name: str, store: Store, kg: KnowledgeGraph, plan: list[Planned], *, jobs: int, repeat: int,
            folder: Path | None, pid: int | None = None, prefill: tuple[Path, int] | None = None,
            gsp: str | None = None) -> Measured:
    """Load, register, query one store (already open and empty). ``prefill``: an N-Quads file of
    registrations bulk-loaded after ``load`` and before ``plan`` is registered, and how many."""
    m = Measured(name)
    print(f"bench: stores: {name}: load ...", file=sys.stderr, flush=True)
    t = time.perf_counter()
    loaded = load_kb(store, kg)
    m.load_s, m.load_quads = time.perf_counter() - t, loaded.quads if hasattr(loaded, "quads") else 0
    if prefill is not None:
        print(f"bench: stores: {name}: bulk-loading {prefill[1]:,} registrations ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        if name == "Virtuoso" and _VIRTUOSO[0] is not None:
            _VIRTUOSO[0].bulk_load([prefill[0]])  # ld_dir + rdf_loader_run + checkpoint (isql)
        elif name == "oxigraph:PATH":
            store.bulk_load_file(prefill[0])  # type: ignore[attr-defined]
        elif name == "Oxigraph server" and gsp:
            # the Graph Store Protocol's dataset upload: the N-Quads file in one POST to /store
            import httpx

            with prefill[0].open("rb") as body:
                httpx.post(gsp, content=body, headers={"Content-Type": "application/n-quads"}, timeout=3600,
                           trust_env=False).raise_for_status()
        else:  # memory: its ordinary writes, 50,000 quads at a time
            batch: list[ox.Quad] = []
            for q in ox.parse(path=str(prefill[0]), format=ox.RdfFormat.N_QUADS):
                batch.append(q)
                if len(batch) >= 50_000:
                    store.insert_quads(batch)
                    batch = []
            store.insert_quads(batch)
        m.fill_s, m.prefilled = time.perf_counter() - t, prefill[1]
        print(f"bench: stores: {name}: bulk-loaded in {m.fill_s:.0f} s", file=sys.stderr, flush=True)
    print(f"bench: stores: {name}: register {len(plan):,} ...", file=sys.stderr, flush=True)
    timed = _TimedWrites(store)
    cpu0, children0, engine0 = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN), process_cpu(pid)
    t = time.perf_counter()
    run = register_sector(timed, plan, kg=kg, jobs=jobs)
    m.register_s, m.write_s, m.registered = time.perf_counter() - t, timed.seconds, len(run.registrations)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, once they have exited
    m.cpu_self = time.process_time() - cpu0
    m.cpu_workers = children.ru_utime + children.ru_stime - children0.ru_utime - children0.ru_stime
    engine1 = process_cpu(pid)
    m.cpu_engine = engine1 - engine0 if engine0 is not None and engine1 is not None else None
    m.cpu_after = _settle(pid if name in ("Virtuoso", "Oxigraph server") else None)
    print(f"bench: stores: {name}: {m.registered:,} in {m.register_s:.1f} s ({m.rate:,.0f}/s; "
          f"writes {m.write_s:.1f} s); queries ...", file=sys.stderr, flush=True)
    m.quads = count_quads(store)
    if name == "oxigraph:PATH" and folder is not None:
        store.close()  # the child opens it read-only
        run_queries_apart(f"oxigraph:{folder}", m, repeat)
    else:
        run_queries(store, kg, m, repeat)
    if folder is not None:
        if name == "Virtuoso" and _VIRTUOSO[0] is not None:
            _checkpoint(_VIRTUOSO[0])
        m.disk_bytes = folder_bytes(folder)
    return m


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so the engines this section started are stopped."""
    def raise_exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, raise_exit)


def run_bench(*, n: int, wanted: Sequence[str] = STORES, jobs: int = 2, repeat: int = 3,
              work: Path | None = None, prefill: int = 0) -> tuple[str, dict[str, Any]]:
    """The section's Markdown and figures (``stores_*``). ``prefill``: the first that many of the
    ``n`` registrations are made once (validated and reasoned as ``register`` does) and bulk-loaded
    into each store; only the rest are registered and timed (the --scale run: the rate of
    registering into a store of that size, without hours of registering on a shared machine)."""
    _stop_on_sigterm()
    base = Path(tempfile.mkdtemp(prefix="emskg-bench-stores-", dir=work))
    results: list[Measured] = []
    systems = 0
    try:
        print(f"bench: stores: generating {n:,} declarations ...", file=sys.stderr, flush=True)
        plan = generate_sector(n, base / "files")
        systems = len({p.system for p in plan})
        kg = load_graph()
        filled: tuple[Path, int] | None = None
        if prefill:
            print(f"bench: stores: validating {prefill:,} declarations to bulk-load ...", file=sys.stderr, flush=True)
            sink = _NQuadsFile(base / "prefill.nq")
            t = time.perf_counter()
            register_sector(sink, plan[:prefill], kg=kg, jobs=jobs)
            print(f"bench: stores: {sink.quads:,} quads in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
            filled, plan = (sink.path, prefill), plan[prefill:]
        with engines(base, wanted) as remote:
            for name in wanted:
                store: Store
                folder: Path | None = None
                pid: int | None = None
                env: dict[str, str] = {}
                if name == "memory":
                    store = MemoryStore(load_graph(), registry=base / "memory-registry")
                    folder = base / "memory-registry"
                elif name == "oxigraph:PATH":
                    folder = base / "oxigraph"
                    store = open_store(f"oxigraph:{folder}", env={})
                else:
                    env, folder, pid = remote[name]
                    store = open_store(None, env=env, kg=kg)
                try:
                    results.append(measure(name, store, kg, plan, jobs=jobs, repeat=repeat, folder=folder, pid=pid,
                                           prefill=filled, gsp=env.get("EMSKG_STORE_GSP") if env else None))
                    r = results[-1]  # what this store measured, in case the run is stopped before the report
                    print(f"bench: stores: {name}: " + json.dumps({"cold": r.cold, "warm": r.warm, "quads": r.quads,
                                                                 "disk": r.disk_bytes, "fill_s": r.fill_s,
                                                                 "cpu": [r.cpu_self, r.cpu_workers, r.cpu_engine]}),
                          file=sys.stderr, flush=True)
                finally:
                    store.close()
                    if name == "memory":
                        del store  # its 2.6 M triples: let them go before the next store
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return report(results, n=n, jobs=jobs, repeat=repeat, systems=systems)


def _mib(b: int | None) -> str:
    return "—" if b is None else f"{b / 2**20:,.0f} MiB"


def _timing(m: Measured, q: str) -> str:
    if m.warm[q] != float("inf"):
        return f"{m.warm[q] * 1000:,.0f} ({m.cold[q] * 1000:,.0f})"
    return f"stopped at {LIMIT_S:.0f} s" if m.rows[q] == [("timed out",)] else "engine error"


def _per(cpu: float | None, n: int) -> str:
    return "—" if cpu is None or not n else f"{cpu * 1000 / n:.2f}"


def _idle_rate(m: Measured) -> str:
    cpu = m.cpu_self + m.cpu_workers + (m.cpu_engine or 0.0) + m.cpu_after
    return f"{2 * m.registered / cpu:,.0f}" if cpu else "—"


def report(results: list[Measured], *, n: int, jobs: int, repeat: int, systems: int) -> tuple[str, dict[str, Any]]:
    figures: dict[str, Any] = {"stores_n": n}
    names = [m.name for m in results]
    reference = results[0]
    labels = list(reference.cold)
    same = {m.name: all(m.rows.get(q) == reference.rows.get(q) for q in labels) for m in results}
    differ = sorted({q for m in results for q in labels if m.rows.get(q) != reference.rows.get(q)})
    for m in results:
        key = m.name.lower().replace(":path", "").replace(" ", "_")
        figures[f"stores_rate_{key}"] = m.rate
        figures[f"stores_load_{key}"] = m.load_s
        cpu = m.cpu_self + m.cpu_workers + (m.cpu_engine or 0.0) + m.cpu_after
        figures[f"stores_idle_rate_{key}"] = 2 * m.registered / cpu if cpu else 0.0
        figures[f"stores_slowest_{key}"] = max(max(m.warm.values()), max(m.cold.values()))
        figures[f"stores_same_{key}"] = same[m.name]
        if m.disk_bytes is not None:
            figures[f"stores_disk_{key}"] = m.disk_bytes
    figures["stores_differ"] = differ
    figures["stores_rows"] = {m.name: m.rows for m in results}
    for q in differ:  # what differs, for whoever fixes it
        for m in results:
            if m.rows.get(q) != reference.rows.get(q):
                a, b = set(reference.rows.get(q, [])), set(m.rows.get(q, []))
                print(f"bench: stores: {q}: {m.name} differs from {reference.name}: only in {reference.name} "
                      f"{sorted(a - b)[:3]}, only in {m.name} {sorted(b - a)[:3]}", file=sys.stderr)
    lines = [f"## Stores ({n:,} declarations)", "",
             f"{n:,} generated declarations of {systems:,} systems (`bench/sector_data.py`: reporting years "
             "2023-2025, re-declarations, a third with a planted defect) registered into each store with "
             f"`register_files(..., jobs={jobs})` (as `emskg register --jobs {jobs}`: validation and reasoning "
             "in worker processes, several whole declarations per atomic write), after `load_kb` (`emskg load`) "
             "on the empty store. Virtuoso and Oxigraph server run on loopback in temporary folders "
             f"(Virtuoso: the tests' ini with {VIRTUOSO_BUFFERS:,} buffers); writes go through SPARQL Update "
             "`INSERT DATA` (Virtuoso over HTTP digest), the KB load through the Graph Store Protocol; "
             "`oxigraph:PATH` bulk-loads each batch's graphs and writes their records in one transaction after them "
             "(`add_graphs`), `memory` one file per registration.",
             "", "### Load and register", ""]
    rows = []
    for m in results:
        rows.append((m.name, f"{m.load_s:.2f}", f"{m.registered:,}", f"{m.register_s:.1f}", f"{m.rate:,.0f}",
                     f"{m.write_s:.1f}", _per(m.cpu_self + m.cpu_workers, m.registered),
                     _per(m.cpu_engine, m.registered), _per(m.cpu_after, m.registered), _idle_rate(m), f"{m.quads:,}",
                     _mib(m.disk_bytes)))
    if any(m.prefilled for m in results):
        lines += [f"The first {results[0].prefilled:,} registrations were made once (`register_files` into an "
                  "N-Quads file: the same validation, reasoning and quads) and bulk-loaded into each store "
                  "(`oxigraph:PATH`: pyoxigraph's bulk loader; Virtuoso: `ld_dir` + `rdf_loader_run` over isql); "
                  f"the last {results[0].registered:,} were then registered as above, into the full store: the "
                  "rate below is registering into a store of this size. Bulk load: "
                  + "; ".join(f"{m.name} {m.fill_s:,.0f} s" for m in results) + ".", ""]
    lines.append(table(["store", "load s", "registered", "register s", "declarations/s", "of which writes s",
                        "CPU ms/declaration: emskg", "CPU ms/declaration: engine", "CPU ms/declaration after the run",
                        "declarations/s on 2 idle cores (CPU bound)",
                        "quads in named graphs", "folder on disk"], rows))
    lines += ["", "The machine is shared with other jobs, so wall-clock rates understate what 2 cores do alone; "
              "the CPU columns do not depend on the load: emskg = this process (parsing the workers' answers, "
              "building and writing the quads; for memory and oxigraph:PATH the store's own work is in it) plus "
              "its worker processes (validation and reasoning); engine = the Virtuoso or Oxigraph server process; "
              "after the run = what the store kept doing once `register` had returned, until idle (RocksDB's "
              "background compaction in this process for oxigraph:PATH, the engine's own for the servers). "
              "The last rate is 2 cores divided by the sum: what the run would reach if the work spread "
              "perfectly over 2 otherwise idle cores (an upper bound)."]
    lines += ["", "### Sector queries", "",
              f"Milliseconds per query, default parameters: cold = the first run of that query on the store, "
              f"warm = the median of {repeat} runs after it. Rows compared across the stores "
              "(numbers to 4 decimals, order-insensitive): "
              + ("**identical on every store**." if not differ else
                 f"**different** for {', '.join(differ)} (reference: {reference.name})."), ""]
    qrows = []
    for q in labels:
        qrows.append((q, f"{len(reference.rows[q]):,}",
                      *(_timing(m, q) for m in results)))
    qrows.append(("slowest", "", *(f"{max(m.warm.values()) * 1000:,.0f} ({max(m.cold.values()) * 1000:,.0f})"
                                   if max(m.warm.values()) != float("inf") else "stopped or failed" for m in results)))
    lines.append(table(["query", "rows", *(f"{x} warm (cold) ms" for x in names)], qrows))
    lines.append("")
    return "\n".join(lines), figures


def goal_rows(f: dict[str, Any], mark: Callable[[bool], str]) -> list[tuple[str, str, str]]:
    """The issue's targets for this section (bench/run.py's Goals table)."""
    if "stores_n" not in f:
        return []
    n = int(f["stores_n"])
    rows = []
    for key, name, goal in (("oxigraph", "oxigraph:PATH", 500), ("virtuoso", "Virtuoso", 200)):
        if f"stores_rate_{key}" in f:
            rate = f[f"stores_rate_{key}"]
            idle = f.get(f"stores_idle_rate_{key}", 0.0)
            rows.append((f"register ≥ {goal} declarations/s into {name} on 2 cores",
                         f"{rate:,.0f}/s on the shared machine; CPU-bound ceiling on 2 idle cores {idle:,.0f}/s",
                         mark(rate >= goal)))
    slow = {k.removeprefix("stores_slowest_"): v for k, v in f.items() if k.startswith("stores_slowest_")}
    if slow:
        rows.append((f"every sector query under 1 s with {n:,} declarations, each store",
                     ", ".join(f"{k} {v * 1000:,.0f} ms" for k, v in slow.items()), mark(max(slow.values()) < 1)))
    rows.append(("sector queries: the same rows on every store", "identical" if not f["stores_differ"] else
                 "different: " + ", ".join(f["stores_differ"]), mark(not f["stores_differ"])))
    return rows


def main() -> None:
    global LIMIT_S
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", type=int)
    p.add_argument("--stores", default=",".join(STORES))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--prefill", type=int, default=0, help="bulk-load this many of the N first (see run_bench)")
    p.add_argument("--limit", type=float, default=60.0, help="seconds after which a query is stopped")
    a = p.parse_args()
    LIMIT_S = a.limit
    md, figures = run_bench(n=a.n, wanted=[s.strip() for s in a.stores.split(",")], repeat=a.repeat,
                            prefill=a.prefill)
    print(md, flush=True)
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()

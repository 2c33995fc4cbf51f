"""The embedded stores: memory keeps registrations on disk, oxigraph:PATH is crash-safe, takes one
writer, and its readers follow later writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from emskg.errors import QueryError, StoreBusyError, StoreUnavailableError
from emskg.graph.store import load_graph
from emskg.stores import GraphPayload, open_store
from emskg.stores.embedded import PENDING_FILE, MemoryStore, OxigraphStore

REG = "https://w3id.org/emskg/registration/"


def _quads(graph: str, n: int) -> list[ox.Quad]:
    g = ox.NamedNode(graph)
    return [ox.Quad(ox.NamedNode(f"{graph}/s{i}"), ox.NamedNode("urn:p"), ox.Literal(str(i)), g) for i in range(n)]


def _count(store: object, graph: str) -> int:
    answer = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")  # type: ignore[attr-defined]
    return int(next(iter(answer))["n"].value)


def test_memory_registrations_outlive_the_process(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    writer = MemoryStore(load_graph(), registry=registry)
    writer.insert_quads(_quads(REG + "a", 3))
    writer.insert_quads(_quads(REG + "b", 2))
    assert len(list(registry.glob("*.nq"))) == 2
    reader = MemoryStore(load_graph(), registry=registry)  # a later process
    assert (_count(reader, REG + "a"), _count(reader, REG + "b")) == (3, 2)
    writer.drop_graphs([REG + "a"])
    assert _count(reader, REG + "a") == 0 and _count(reader, REG + "b") == 2  # a running reader follows
    writer.insert_quads(_quads(REG + "c", 1))
    assert _count(reader, REG + "c") == 1
    assert bool(reader.kb_query("ASK { ?s ?p ?o }"))


def test_memory_refuses_to_write_the_knowledge_graph(tmp_path: Path) -> None:
    store = MemoryStore(load_graph(), registry=tmp_path / "registry")
    with pytest.raises(QueryError):
        store.insert_quads(_quads("https://w3id.org/emskg/graph/inferred", 1))


def test_oxigraph_readers_follow_writes(tmp_path: Path) -> None:
    path = tmp_path / "db"
    writer = open_store(f"oxigraph:{path}", env={})
    writer.insert_quads(_quads(REG + "a", 3))
    reader = open_store(f"oxigraph:{path}", env={}, read_only=True)
    assert _count(reader, REG + "a") == 3
    writer.insert_quads(_quads(REG + "b", 4))
    assert _count(reader, REG + "b") == 4  # reopened because the generation marker changed
    writer.drop_graphs([REG + "a"])
    assert _count(reader, REG + "a") == 0
    writer.close()
    reader.close()


def test_a_missing_oxigraph_store_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match=r"no Oxigraph store in that folder"):
        open_store(f"oxigraph:{tmp_path / 'none'}", env={}, read_only=True)


def test_a_second_writer_is_told_the_store_is_busy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "db"
    OxigraphStore(path).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time, pyoxigraph as ox
        s = ox.Store({str(path)!r}); print("open", flush=True); time.sleep(60)""")], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"open"
        monkeypatch.setattr("emskg.stores.embedded.BUSY_WAIT_SECONDS", 0.5)
        with pytest.raises(StoreBusyError, match=r"in use by another writing process") as info:
            OxigraphStore(path)
        assert "\n" not in str(info.value)
        OxigraphStore(path, read_only=True).close()  # readers are not held up
    finally:
        holder.kill()
        holder.wait()


_WRITER = """
import sys
import pyoxigraph as ox
from emskg.stores.embedded import OxigraphStore
store = OxigraphStore(__import__("pathlib").Path(sys.argv[1]))
print("ready", flush=True)
for b in range(100000):
    g = ox.NamedNode(f"https://w3id.org/emskg/registration/{b}")
    store.insert_quads([ox.Quad(ox.NamedNode(f"urn:s{b}-{i}"), ox.NamedNode("urn:p"), ox.Literal(str(i)), g)
                        for i in range(500)])
    print(b, flush=True)
"""


def _kill_writer_after(code: str, path: Path, batches: int, pause: float) -> tuple[int, dict[str, int]]:
    """Run a writer script on the store at ``path``, SIGKILL it ``pause`` s after it reports batch
    number ``batches`` (in the middle of its next write), then open the store as the next writer does
    (recovery, sweep): the last batch it reported, and the quads per graph left."""
    proc = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready"
    done = -1
    deadline = time.monotonic() + 60
    while done < batches and time.monotonic() < deadline:
        done = int(proc.stdout.readline())
    time.sleep(pause)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    store = open_store(f"oxigraph:{path}", env={})
    answer = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    counts = {s["g"].value: int(s["n"].value) for s in answer}  # type: ignore[index]
    store.close()
    return done, counts


def test_a_killed_writer_leaves_every_batch_whole_or_absent(tmp_path: Path) -> None:
    done, counts = _kill_writer_after(_WRITER, tmp_path / "db", 20, 0.05)
    assert len(counts) >= done >= 20
    assert set(counts.values()) == {500}, {g: n for g, n in counts.items() if n != 500}


def test_kb_queries_on_an_unloaded_oxigraph_store_say_so(tmp_path: Path) -> None:
    from emskg.query.named import TermResolver, run_named_query

    store = open_store(f"oxigraph:{tmp_path / 'db'}", env={})
    with pytest.raises(StoreUnavailableError, match=r"holds no knowledge graph \(load it with: emskg load --store"):
        run_named_query(store, "key-findings", resolver=TermResolver(load_graph().store))
    store.close()


def _payload(graph: str, n: int) -> GraphPayload:
    """A registration-like graph: ``n`` body quads and a record (a quad whose subject is the graph)."""
    g = ox.NamedNode(graph)
    return GraphPayload.from_quads(graph, [*_quads(graph, n), ox.Quad(g, ox.NamedNode("urn:record"), ox.Literal("r"), g)])


def test_bulk_added_graphs_without_their_record_are_removed_by_the_next_writer(tmp_path: Path) -> None:
    # what a writer killed between the bulk-loaded bodies and the records' transaction leaves behind
    path = tmp_path / "db"
    store = OxigraphStore(path)
    store.add_graphs([_payload(f"{REG}whole{i}", 600) for i in range(40)])  # > BULK_MIN_QUADS: the bulk path
    assert not (path / PENDING_FILE).exists()
    interrupted = [_payload(f"{REG}cut{i}", 600) for i in range(3)]
    (path / PENDING_FILE).write_text("\n".join(p.name for p in interrupted))
    store.current().bulk_load(b"".join(p.body for p in interrupted), format=ox.RdfFormat.N_QUADS)
    store.close()
    reader = OxigraphStore(path, read_only=True)  # a reader changes nothing
    assert _count(reader, f"{REG}cut0") == 600
    reader.close()
    store = OxigraphStore(path)
    assert not (path / PENDING_FILE).exists()
    assert all(_count(store, p.name) == 0 for p in interrupted)
    assert all(_count(store, f"{REG}whole{i}") == 601 for i in range(40))
    store.close()


_BULK_WRITER = """
import sys
import pyoxigraph as ox
from emskg.stores.base import GraphPayload
from emskg.stores.embedded import OxigraphStore
store = OxigraphStore(__import__("pathlib").Path(sys.argv[1]))
print("ready", flush=True)
for b in range(100000):
    payloads = []
    for k in range(50):
        g = ox.NamedNode(f"https://w3id.org/emskg/registration/{b}-{k}")
        quads = [ox.Quad(ox.NamedNode(f"urn:s{b}-{k}-{i}"), ox.NamedNode("urn:p"), ox.Literal(str(i)), g) for i in range(500)]
        payloads.append(GraphPayload.from_quads(g.value, quads + [ox.Quad(g, ox.NamedNode("urn:record"), ox.Literal("r"), g)]))
    store.add_graphs(payloads)
    print(b, flush=True)
"""


def test_a_writer_killed_during_bulk_writes_leaves_every_graph_whole_or_absent(tmp_path: Path) -> None:
    done, counts = _kill_writer_after(_BULK_WRITER, tmp_path / "db", 3, 0.03)  # into the next bulk load
    assert len(counts) >= 50 * (done + 1)
    assert set(counts.values()) == {501}, {g: n for g, n in counts.items() if n != 501}

"""CI (session 4): a read-only ``oxigraph:PATH`` reader failed with "Corruption: ... 000009.sst: No
such file" — it reopened the store (the generation marker had changed) while the writer's
background compaction was deleting files the MANIFEST it read still named. A reader now reopens
and retries when its files vanish under it. Here a writer in another process keeps writing and
dropping graphs (flushes and compactions) while this process reads."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from emskg.stores import open_store

REG = "https://w3id.org/emskg/registration/"


def test_a_reader_survives_the_writers_compactions(tmp_path: Path) -> None:
    path = tmp_path / "db"
    open_store(f"oxigraph:{path}", env={}).close()
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import pyoxigraph as ox
        from emskg.stores import open_store
        store = open_store("oxigraph:{path}", env={{}})
        for round in range(150):
            g = ox.NamedNode("{REG}r%d" % round)
            store.insert_quads([ox.Quad(ox.NamedNode("urn:s%d" % i), ox.NamedNode("urn:p"), ox.Literal("x" * 200 + str(i)), g)
                                for i in range(2000)])
            if round % 3 == 0:
                store.drop_graphs(["{REG}r%d" % (round - 1)])
            if round % 20 == 0:
                store.current().optimize()
        store.close()
    """)])
    reader = open_store(f"oxigraph:{path}", env={}, read_only=True)
    queries = 0
    try:
        deadline = time.monotonic() + 10
        while writer.poll() is None and time.monotonic() < deadline:
            answer = reader.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
            assert int(next(iter(answer))["n"].value) >= 0  # type: ignore[index]
            queries += 1
    finally:
        writer.kill()
        writer.wait()
        reader.close()
    assert queries > 10

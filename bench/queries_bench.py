"""Named queries: emskg (pyoxigraph store) vs rdflib's SPARQL engine on the same graph.

Both engines get the same query text (parameters bound the same way, defaults used) over the same
triples: the inferred knowledge graph, then the knowledge graph plus N declarations and their
inferences. rdflib runs in a child process with a per-query time limit, so one slow query cannot
stall the benchmark; a query that exceeds it is reported as ">limit" and its ratio as a lower bound.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from common import table

from emskg.core.rdfio import parse_file
from emskg.core.sparqltext import bind_values
from emskg.core.vocab import PREFIXES
from emskg.graph.store import KnowledgeGraph
from emskg.query.named import TermResolver, bind_params, list_queries

SPARQL_PREFIXES = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())


def bound_texts(kg: KnowledgeGraph) -> list[tuple[str, str]]:
    """Each named query with its default parameters bound into the text."""
    resolver = TermResolver(kg.store)
    out = []
    for q in list_queries():
        text, subs = bind_params(q, {}, resolver)
        out.append((q.name, bind_values(text, subs)))
    return out


def store_with_declarations(kg: KnowledgeGraph, files: list[Path]) -> tuple[ox.Store, int]:
    """The KB store plus every declaration and what it adds to the closure, all in the default graph.

    Streamed into one bulk load, as ``emskg`` loads every store. Two other ways of building the same
    store measurably slow its queries down and no real load path uses them: 16,000 small
    transactions (~2x), and one bulk load from a materialised list of 2.6 M Python quads (~1.7x).
    """
    added = 0

    def quads() -> Iterator[ox.Quad]:
        nonlocal added
        for s, p, o in kg.triples(inferred=True):
            yield ox.Quad(s, p, o)
        for f in files:
            triples = parse_file(f)
            closure = kg.closure.extend(kg.rules, triples)
            added += len(triples) + len(closure.inferred)
            for s, p, o in (*triples, *closure.inferred):
                yield ox.Quad(s, p, o)

    store = ox.Store()
    store.bulk_extend(quads())
    return store, added


_CHILD = r'''
import json, signal, sys, time
import rdflib
path, limit, repeat = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
t = time.perf_counter(); g = rdflib.Graph(); g.parse(path, format="nt"); load = time.perf_counter() - t
list(g.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"))  # warm up: rdflib imports its SPARQL engine on first use
class Late(Exception): pass
def alarm(*_): raise Late()
signal.signal(signal.SIGALRM, alarm)
print(json.dumps({"_load": load}), flush=True)
for line in sys.stdin:  # one query a line; one answer a line, so the parent can time its own run right after
    text = json.loads(line)
    times = []
    try:
        for attempt in range(repeat):  # median of up to `repeat` runs; one when a run takes over a second
            signal.setitimer(signal.ITIMER_REAL, limit)
            t = time.perf_counter()
            rows = len(list(g.query(text)))
            times.append(time.perf_counter() - t)
            signal.setitimer(signal.ITIMER_REAL, 0)
            if times[-1] > 1:
                break
        out = {"s": sorted(times)[len(times) // 2], "rows": rows, "runs": len(times)}
    except Late:
        out = {"s": None, "error": f">{limit:g} s"}
    except Exception as e:
        out = {"s": None, "error": type(e).__name__}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    print(json.dumps(out), flush=True)
'''


_EMSKG_CHILD = r'''
import json, statistics, sys, time
import pyoxigraph as ox
from emskg.query.sparql import run_sparql
path, repeat = sys.argv[1], int(sys.argv[2])
t = time.perf_counter(); store = ox.Store(); store.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES)
print(json.dumps({"_load": time.perf_counter() - t}), flush=True)
for line in sys.stdin:
    text = json.loads(line)
    run_sparql(store, text)  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run_sparql(store, text)
        times.append(time.perf_counter() - t)
    print(json.dumps({"s": statistics.median(times)}), flush=True)
'''


class Peer:
    """A query engine in a child process of its own, loading the triples from a file and then
    timing one query at a time on request (a line of JSON in, a line of JSON out).

    Both engines run this way: each starts fresh from the same N-Triples, as a real process would
    load such a graph, and for each query rdflib and emskg are timed back to back, so both figures
    of a ratio come from the same moment of this shared machine, whose speed drifts within a run."""

    def __init__(self, script: str, *args: str) -> None:
        self._proc = subprocess.Popen([sys.executable, "-c", script, *args],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.load_s = float(self._answer()["_load"])

    def _answer(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"a benchmark child exited with {self._proc.wait()}")
        return json.loads(line)  # type: ignore[no-any-return]

    def time(self, text: str) -> dict[str, Any]:
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(text) + "\n")
        self._proc.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=120)


def compare(store: ox.Store, queries: list[tuple[str, str]], limit: float,
            repeat: int) -> tuple[str, list[float], float, list[str]]:
    """Markdown table of per-query times and ratios; the ratios; the flagship ms; queries under 30x."""
    rows, ratios, flagship, under = [], [], 0.0, []
    with tempfile.NamedTemporaryFile(suffix=".nt") as nt:
        store.dump(nt, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        nt.flush()
        theirs = Peer(_CHILD, nt.name, str(limit), "3")
        ours = Peer(_EMSKG_CHILD, nt.name, str(repeat))
        try:
            for name, text in queries:
                r = theirs.time(SPARQL_PREFIXES + text)
                o = float(ours.time(text)["s"])  # run_sparql predeclares the same prefixes
                if name == "tools-for-component-outcome":
                    flagship = o * 1000
                if r.get("s") is not None:
                    ratio = r["s"] / o
                    rdflib_cell: object = r["s"] * 1000
                    ratio_cell = f"{ratio:,.0f}x"
                else:
                    ratio = limit / o
                    rdflib_cell = r["error"]
                    ratio_cell = f">{ratio:,.0f}x" if str(r["error"]).startswith(">") else "rdflib fails"
                if ratio_cell != "rdflib fails":
                    ratios.append(ratio)
                    if ratio < 30:
                        under.append(f"{name} {ratio:.0f}x")
                rows.append((name, o * 1000, rdflib_cell, ratio_cell))
        finally:
            theirs.close()
            ours.close()
    md = table(["query", "emskg ms", "rdflib ms", "ratio"], rows)
    md += f"\n\nLoading the same N-Triples: rdflib {theirs.load_s:.1f} s, pyoxigraph {ours.load_s:.1f} s."
    return md, ratios, flagship, under


def run_bench(kg: KnowledgeGraph, decl_files: list[Path], limit: float = 60.0,
              repeat: int = 20) -> tuple[str, dict[str, Any]]:
    queries = bound_texts(kg)
    figures: dict[str, Any] = {}
    out = ["## Queries", "",
           "Every named query with its default parameters, on the same triples loaded from one N-Triples file "
           "into two fresh child processes: emskg = `emskg.run_sparql` on a pyoxigraph store, as the "
           "CLI and the server run queries (after a warm-up run, median of repeated runs); rdflib = "
           "`rdflib.Graph.query` (after a warm-up query, median of 3 runs, or one run when it takes over a "
           f"second; {limit:g} s limit). Each query is timed by rdflib and then by emskg right after, so the "
           "two figures of a ratio come from the same moment of the machine.", ""]
    md, ratios, flagship, under = compare(kg.store, queries, limit, repeat)
    figures.update(kb_min_ratio=min(ratios), kb_median_ratio=sorted(ratios)[len(ratios) // 2], kb_flagship_ms=flagship)
    figures["kb_under"] = ", ".join(under)
    out += [f"### On the knowledge graph ({len(kg)} triples)", "", md, "",
            f"Flagship `tools-for-component-outcome`: **{flagship:.2f} ms**; "
            f"slowest ratio {min(ratios):,.0f}x, median {sorted(ratios)[len(ratios) // 2]:,.0f}x.", ""]
    if decl_files:
        t = time.perf_counter()
        big, added = store_with_declarations(kg, decl_files)
        load = time.perf_counter() - t
        md, ratios, flagship, under = compare(big, queries, limit, max(3, repeat // 4))
        figures.update(big_min_ratio=min(ratios), big_median_ratio=sorted(ratios)[len(ratios) // 2],
                       big_flagship_ms=flagship, big_declarations=len(decl_files))
        figures["big_under"] = ", ".join(under)
        out += [f"### On the knowledge graph + {len(decl_files):,} declarations ({len(big):,} triples)", "",
                f"Built by parsing and reasoning every declaration on top of the cached KB closure: {load:.1f} s "
                f"({added:,} triples added).", "", md, "",
                f"Flagship: {flagship:.2f} ms; slowest ratio {min(ratios):,.0f}x, median "
                f"{sorted(ratios)[len(ratios) // 2]:,.0f}x.", ""]
    return "\n".join(out), figures


if __name__ == "__main__":
    from emskg.graph.store import load_graph

    files = sorted(Path(sys.argv[1]).glob("*.ttl")) if len(sys.argv) > 1 else []
    print(run_bench(load_graph(), files, limit=30, repeat=10)[0])


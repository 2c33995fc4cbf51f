"""Cold start: a one-shot ``emskg query`` against the interpreter alone and ``import rdflib``."""

from __future__ import annotations

import statistics
import sys
import time

from common import emskg_bin, run, table


def walls(cases: dict[str, list[str]], repeat: int) -> dict[str, float]:
    """Median wall time of each command, the commands interleaved round-robin so that a slow spell
    of a shared machine falls on all of them alike; one warm-up round first."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(repeat + 1):
        for name, cmd in cases.items():
            t = time.perf_counter()
            proc = run(cmd)
            if round_:
                samples[name].append(time.perf_counter() - t)
            if proc.returncode != 0:
                raise RuntimeError(f"{cmd}: {proc.stderr[-500:]}")
    return {name: statistics.median(s) for name, s in samples.items()}


def run_bench(repeat: int = 10) -> tuple[str, dict[str, float]]:
    cases = {
        "`python -c pass` (the interpreter)": [sys.executable, "-c", "pass"],
        "`python -c 'import rdflib'`": [sys.executable, "-c", "import rdflib"],
        "`emskg query tools-for-component-outcome`": [emskg_bin(), "query", "tools-for-component-outcome",
                                                      "--format", "csv"],
        "`emskg validate` one declaration": [emskg_bin(), "validate", "examples/conforming/riverbend-iso14001.ttl"],
    }
    times = walls(cases, repeat)
    names = list(times)
    query, rdflib_import = times[names[2]], times[names[1]]
    md = "\n".join([
        "## Cold start", "",
        f"Median wall time of {repeat} runs each, interleaved (the graph's cache already built; `emskg query` "
        "opens the cached on-disk store read-only and never imports rdflib).", "",
        table(["command", "ms"], [(n, t * 1000) for n, t in times.items()]), "",
        f"A complete `emskg query` answer takes **{query / rdflib_import:.2f}x** the time of merely importing rdflib.", ""])
    return md, {"query_ms": query * 1000, "rdflib_import_ms": rdflib_import * 1000, "python_ms": times[names[0]] * 1000}


if __name__ == "__main__":
    print(run_bench(5)[0])

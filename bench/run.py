"""``make bench``: every benchmark in one run, written to ``bench/RESULTS.md`` with the machine noted.

    python bench/run.py --out bench/RESULTS.md   # the full run (16,000 declarations; ~10 minutes, the stores ~20 more)
    python bench/run.py --smoke                  # a small, quick run of every section (part of make test)
    python bench/run.py --only endpoint          # one section (repeatable), e.g. while tuning the server
    python bench/run.py --only stores --scale 66000  # the stores at the size of the US sector (Virtuoso, oxigraph:PATH)
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import coldstart_bench
import common  # noqa: F401  (puts bench/ on sys.path)
import endpoint_bench
import queries_bench
import stores_bench
import validate_bench

from emskg.graph.store import load_graph

SECTIONS = ("validation", "queries", "endpoint", "coldstart", "stores")


def goals(f: dict[str, Any], smoke: bool) -> str:
    """The issue's targets next to what this run measured."""
    def mark(ok: bool) -> str:
        return "met" if ok else "**not met**"

    rows = []
    if "naive_rate" in f:
        rate = max(v for k, v in f.items() if k.startswith("rate_"))
        largest = max(int(k.split("_")[1]) for k in f if k.startswith("wall_"))
        wall_largest = min(v for k, v in f.items() if k.startswith(f"wall_{largest}_"))
        rows += [
            ("validation ≥ 500 declarations/s on 2 cores", f"{rate:,.0f}/s", mark(rate >= 500)),
            ("validation ≥ 100x the naive pipeline", f"{rate / f['naive_rate']:,.0f}x", mark(rate / f["naive_rate"] >= 100)),
            (f"{largest:,} declarations in under 60 s", f"{wall_largest:.1f} s", mark(wall_largest < 60)),
            ("same violation sets as the naive pipeline", "identical" if f["naive_same"] else "different",
             mark(bool(f["naive_same"]))),
        ]
    if "kb_min_ratio" in f:
        rows += [
            ("every named query ≥ 30x rdflib (KB)", _ratios(f, "kb"), mark(f["kb_min_ratio"] >= 30)),
            ("flagship query under 2 ms on the KB", f"{f['kb_flagship_ms']:.2f} ms", mark(f["kb_flagship_ms"] < 2)),
        ]
    if "big_min_ratio" in f:
        rows.append((f"every named query ≥ 30x rdflib (KB + {int(f['big_declarations']):,} declarations)",
                     _ratios(f, "big"), mark(f["big_min_ratio"] >= 30)))
    if "cached_rps" in f:
        rows.append(("flagship endpoint ≥ 1,000 req/s, p99 < 50 ms at concurrency 32",
                     f"{f['cached_rps']:,.0f} req/s, p99 {f['cached_p99']:.1f} ms (cached); "
                     f"{f['nocache_rps']:,.0f} req/s, p99 {f['nocache_p99']:.0f} ms (no-cache)",
                     mark(f["cached_rps"] >= 1000 and f["cached_p99"] < 50)))
        rows.append(("endpoint errors", f"{int(f['errors'])}", mark(f["errors"] == 0)))
        # No target to meet: the peer shows what the same engine serves without emskg's layers around it.
        if "peer_rps" in f:
            peer = f["peer_rps"]
            rows.append((f"raw /sparql query beside Oxigraph's own server at concurrency {int(f['peer_connections'])}",
                         f"Oxigraph {peer:,.0f} req/s; emskg no-cache {f['raw_nocache_rps']:,.0f} req/s "
                         f"({f['raw_nocache_rps'] / peer:.2f}x), cached {f['raw_cached_rps']:,.0f} req/s "
                         f"({f['raw_cached_rps'] / peer:.2f}x)", "for reference"))
        else:
            rows.append(("raw /sparql query beside Oxigraph's own server", "not measured (see Endpoint)", "for reference"))
    if "query_ms" in f:
        rows.append(("cold start close to the interpreter", f"query {f['query_ms']:.0f} ms vs import rdflib "
                     f"{f['rdflib_import_ms']:.0f} ms, python {f['python_ms']:.0f} ms",
                     mark(f["query_ms"] < f["rdflib_import_ms"])))
    rows += stores_bench.goal_rows(f, mark)
    note = " (smoke run: small sizes; not the figures to quote)" if smoke else ""
    return "\n".join([f"## Goals{note}", "", common.table(["goal", "measured", ""], rows), ""])


def _ratios(f: dict[str, Any], which: str) -> str:
    text = f"median {f[which + '_median_ratio']:,.0f}x, slowest {f[which + '_min_ratio']:,.0f}x"
    under = f.get(which + "_under")
    return text + (f" (under 30x: {under})" if under else "")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--smoke", action="store_true", help="small sizes and short runs, for the test suite")
    p.add_argument("--out", type=Path, help="write the Markdown report here (default: stdout)")
    p.add_argument("--only", action="append", choices=SECTIONS, metavar="SECTION",
                   help=f"run only this section (repeatable; one of: {', '.join(SECTIONS)})")
    p.add_argument("--seconds", type=int, help="seconds per endpoint load run (default: 10, smoke: 1)")
    p.add_argument("--scale", type=int, metavar="N",
                   help="stores section: register N declarations into Virtuoso and oxigraph:PATH only "
                        "(the 66,000 run) instead of 16,000 into the four stores")
    args = p.parse_args()
    started = time.perf_counter()
    kg = load_graph()
    figures: dict[str, Any] = {}
    sizes: tuple[int, ...]
    levels: tuple[int, ...]
    if args.smoke:
        sizes, sample, limit, repeat, seconds, levels, big = (50, 200), 2, 10.0, 3, 1, (1, 32), 200
        sector, sector_repeat = 40, 1
    else:
        sizes, sample, limit, repeat, seconds, levels, big = (100, 1000, 16000), 6, 60.0, 20, 10, (1, 8, 32), 16000
        sector, sector_repeat = 16000, 2
    seconds = args.seconds or seconds
    runs: dict[str, Callable[[], tuple[str, dict[str, Any]]]] = {
        "validation": lambda: validate_bench.run_bench(sizes=sizes, naive_sample=sample),
        "queries": lambda: queries_bench.run_bench(kg, validate_bench.declarations(big), limit=limit, repeat=repeat),
        "endpoint": lambda: endpoint_bench.run_bench(seconds=seconds, levels=levels),
        "coldstart": lambda: coldstart_bench.run_bench(repeat=3 if args.smoke else 10),
        "stores": lambda: stores_bench.run_bench(
            n=args.scale or sector, repeat=sector_repeat,
            wanted=stores_bench.SCALE_STORES if args.scale else stores_bench.STORES,
            prefill=0 if args.smoke else max(0, (args.scale or sector) - stores_bench.SCALE_REGISTERED)),
    }
    sections = []
    for name, fn in runs.items():
        if args.only and name not in args.only:
            continue
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        md, figs = fn()
        sections.append(md)
        figures.update(figs)
    header = [
        "# emskg benchmark results", "",
        f"Run {datetime.date.today().isoformat()} on {common.machine()}; every figure and every ratio below comes "
        f"from this one run ({time.perf_counter() - started:.0f} s). Reproduce with `make bench`."
        + (f" Sections run: {', '.join(args.only)} (`--only`)." if args.only else ""), ""]
    report = "\n".join([*header, goals(figures, args.smoke), *sections])
    if args.out:
        args.out.write_text(report)
        print(f"bench: wrote {args.out}", file=sys.stderr)
    else:
        print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

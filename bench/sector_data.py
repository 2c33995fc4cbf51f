"""A realistic sector to register: utilities declaring their management systems over several years.

Declarations come from :mod:`generate` (the style of ``examples/conforming``, with the defects of
``examples/broken`` planted in a share of them), with what a sector adds: each system states its
reporting period (``ems:reportingPeriod "2024"^^xsd:gYear``); a share of systems declare again in a
later year (usually having fixed their defect, sometimes with a new one), so the registry has a
history; and every declaration has a registration time inside its year, so ``sector-trend`` has
years to compare. Files are planned in time order, which is the order to register them in.

    from sector_data import generate_sector, register_sector
    plan = generate_sector(16_000, Path("/tmp/sector"))
    register_sector(store, plan, kg=kg, jobs=2)

    python bench/sector_data.py 16000 /tmp/sector --store oxigraph:/tmp/sector.oxdb --jobs 2
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import DEFECTS, make, to_turtle  # noqa: E402

__all__ = ["Planned", "generate_sector", "register_sector", "YEARS"]

YEARS = (2023, 2024, 2025)


@dataclass(frozen=True)
class Planned:
    """One declaration file to register, the system it declares, and when it is registered."""

    path: Path
    system: str
    year: int
    registered_at: datetime
    defect: str | None


def generate_sector(n: int, folder: Path, *, seed: int = 13, years: Sequence[int] = YEARS, resubmit: float = 0.35,
                    defect_share: float = 0.35) -> list[Planned]:
    """Write ``n`` declarations to ``folder`` and return them in registration order.

    About ``resubmit`` of the systems declare again in a later year; ``defect_share`` of the
    declarations carry one defect of :data:`generate.DEFECTS` (a re-declaration keeps its
    predecessor's defect a third of the time)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    plan: list[Planned] = []
    i = 0
    while len(plan) < n:
        first_year = rng.choice(list(years)[:-1]) if len(years) > 1 and rng.random() < resubmit else rng.choice(list(years))
        defect = rng.choice(DEFECTS) if rng.random() < defect_share else None
        year = first_year
        version = 0
        while len(plan) < n:
            decl_rng = random.Random(seed * 1_000_003 + i)  # the same utility's declaration each year
            d = make(i, decl_rng, defect)
            text = to_turtle(d).replace(
                "ex:System a ems:ManagementSystem ;",
                f'ex:System a ems:ManagementSystem ;\n    ems:reportingPeriod "{year}"^^xsd:gYear ;', 1)
            path = folder / f"{d.ident}-{year}.ttl"
            path.write_text(text, encoding="utf-8")
            when = datetime(year, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(364 * 86400),
                                                                microseconds=rng.randrange(1_000_000))
            plan.append(Planned(path, f"https://example.org/{d.ident}/System", year, when, defect))
            version += 1
            if year == years[-1] or rng.random() >= resubmit:
                break
            year += 1
            defect = defect if rng.random() < 1 / 3 else (rng.choice(DEFECTS) if rng.random() < defect_share / 2 else None)
        i += 1
    plan.sort(key=lambda p: p.registered_at)
    return plan


def register_sector(store: Any, plan: Sequence[Planned], *, kg: Any = None, jobs: int = 1) -> Any:
    """Register the planned files in order, each at its planned time (``emskg.sector.registry``)."""
    from emskg.sector.registry import register_files

    times: Iterator[datetime] = iter([p.registered_at for p in plan])
    return register_files(store, [p.path for p in plan], jobs=jobs, kg=kg, clock=lambda: next(times))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("n", type=int)
    p.add_argument("folder", type=Path)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--store", help="register them into this store too (memory, oxigraph:PATH, sparql:URL)")
    p.add_argument("--jobs", type=int, default=1)
    a = p.parse_args()
    plan = generate_sector(a.n, a.folder, seed=a.seed)
    print(f"wrote {len(plan)} declarations of {len({x.system for x in plan})} systems to {a.folder}")
    if a.store:
        from emskg.graph.store import load_graph, settle
        from emskg.stores import open_store  # type: ignore[attr-defined]

        kg = load_graph()
        settle()
        store = open_store(a.store)
        t = time.perf_counter()
        run = register_sector(store, plan, kg=kg, jobs=a.jobs)
        took = time.perf_counter() - t
        store.close()
        print(f"registered {len(run.registrations)} in {took:.1f} s ({len(run.registrations) / took:.0f}/s)")


if __name__ == "__main__":
    main()

"""Validating many files in several processes: ``emskg validate --jobs N``.

The files are cut into chunks that processes claim from a pair of shared counters: ``N - 1``
worker processes take chunks from the front, and the calling process — whose graph and shapes are
already loaded — takes them from the back. A run therefore starts at once (the workers join in
when they have loaded), ``--jobs 2`` on 2 cores means two busy processes rather than two plus an
idle parent, and the last chunks are shared out evenly. If a worker dies (killed, out of memory),
the chunks it had claimed are validated here and the run still reports every file, in order.
"""

from __future__ import annotations

import sys
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .validate import Engine, FileReport, Validator

__all__ = ["validate_in_processes", "CHUNK"]

#: Files per chunk: small enough to balance the end of a run, large enough that claiming one costs
#: nothing next to validating it (~1.5 ms a file).
CHUNK = 64


class _Claims:
    """Chunk indices handed out from both ends; a lock makes each claim atomic across processes."""

    def __init__(self, front: Synchronized[int], back: Synchronized[int]) -> None:
        self.front, self.back = front, back

    def next_front(self) -> int | None:
        with self.front.get_lock():  # both counters share this lock (see validate_in_processes)
            if self.front.value > self.back.value:
                return None
            self.front.value += 1
            return self.front.value - 1

    def next_back(self) -> int | None:
        with self.front.get_lock():
            if self.back.value < self.front.value:
                return None
            self.back.value -= 1
            return self.back.value + 1


def validate_in_processes(validator: Validator, paths: list[str], jobs: int) -> list[FileReport]:
    """Every file's report, in order, from ``jobs`` processes (this one included)."""
    workers = min(jobs, len(paths)) - 1
    size = max(1, min(CHUNK, len(paths) // (4 * (workers + 1))))
    chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
    ctx = get_context("spawn")
    front = ctx.Value("i", 0)
    back = ctx.Value("i", len(chunks) - 1, lock=front.get_lock())
    claims = _Claims(front, back)
    done: dict[int, list[FileReport]] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(str(validator.kg.paths.root), str(validator.shapes.folder), validator.engine,
                                       validator.record_checks, chunks, front, back)) as pool:
        # one task per chunk at most; a task that finds nothing left to claim returns at once
        futures: list[Future[tuple[int, list[FileReport]] | None]] = [
            pool.submit(_validate_next_chunk) for _ in chunks]
        try:
            while (i := claims.next_back()) is not None:
                done[i] = [validator.validate_file(p) for p in chunks[i]]
            for future in futures:
                result = future.result()
                if result is not None:
                    done[result[0]] = result[1]
        except BrokenProcessPool:
            print("emskg: a worker process died; validating its files in this one", file=sys.stderr)
        except BaseException:  # Ctrl-C: do not wait for the queued tasks
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    for i, chunk in enumerate(chunks):  # what a dead worker had claimed
        if i not in done:
            done[i] = [validator.validate_file(p) for p in chunk]
    return [r for i in range(len(chunks)) for r in done[i]]


# --- in the worker processes --------------------------------------------------------------------

_WORKER: Validator | None = None
_CHUNKS: list[list[str]] = []
_CLAIMS: _Claims | None = None


def _init_worker(root: str, shapes: str, engine: Engine, record_checks: bool, chunks: list[list[str]],
                 front: Synchronized[int], back: Synchronized[int]) -> None:
    """Each worker loads the cached knowledge graph (tens of ms) and the shapes once."""
    global _WORKER, _CHUNKS, _CLAIMS
    from .resources import DataPaths
    from .store import load_graph
    from .validate import Validator, settle

    _WORKER = Validator(load_graph(paths=DataPaths(Path(root))), engine=engine, shapes_dir=Path(shapes),
                        record_checks=record_checks)
    _CHUNKS, _CLAIMS = chunks, _Claims(front, back)
    settle()


def _validate_next_chunk() -> tuple[int, list[FileReport]] | None:
    assert _WORKER is not None and _CLAIMS is not None, "worker not initialised"
    i = _CLAIMS.next_front()
    if i is None:
        return None
    return i, [_WORKER.validate_file(p) for p in _CHUNKS[i]]

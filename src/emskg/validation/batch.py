"""Running a function over many items in several processes: ``emskg validate --jobs N``.

The runner knows nothing of validation: it gets the items (file names), a function for this process
and a picklable factory that builds the same function in each worker (``Validator.validate_files``
passes both). The items are cut into chunks that processes claim from a pair of shared counters: ``N - 1``
worker processes take chunks from the front, and the calling process — whose graph and shapes are
already loaded — takes them from the back. A run therefore starts at once (the workers join in
when they have loaded), ``--jobs 2`` on 2 cores means two busy processes rather than two plus an
idle parent, and the last chunks are shared out evenly. If a worker dies (killed, out of memory),
the chunks it had claimed are validated here and the run still reports every file, in order.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any, Protocol

from ..core.fsutil import atomic_write

__all__ = ["run_chunks", "iter_chunks", "CHUNK"]

log = logging.getLogger(__name__)

#: Items per chunk: small enough to balance the end of a run, large enough that claiming one costs
#: nothing next to working on it.
CHUNK = 64


class _SharedInt(Protocol):
    value: int


class _Claims:
    """Chunk indices handed out from both ends.

    Workers take chunks from the front under a lock, as they race each other. This process alone
    takes them from the back, and it never locks: a worker killed while holding the lock must not
    be able to stop it (the pool then fails, and this process validates what is left). Without the
    lock, the one chunk where the two ends meet may be done twice — harmless, the results are the
    same — but none is skipped, since each end only moves past chunks it has taken.
    """

    def __init__(self, front: Synchronized[int], back: _SharedInt) -> None:
        self._lock = front.get_lock()
        self._front: _SharedInt = front.get_obj()  # the raw shared ints: reading them takes no lock
        self._back = back

    def next_front(self) -> int | None:
        with self._lock:
            i = self._front.value
            if i > self._back.value:
                return None
            self._front.value = i + 1
            return i

    def next_back(self) -> int | None:
        i = self._back.value
        if i < self._front.value:
            return None
        self._back.value = i - 1
        return i


def run_chunks(paths: list[str], jobs: int, *, local: Callable[[str], Any],
               make_worker: Callable[[], Callable[[str], Any]]) -> list[Any]:
    """``local(item)`` for every item, in order, computed in ``jobs`` processes (this one included).

    ``local`` runs in this process; ``make_worker`` is called once in each worker process to build
    the same function there, so it must pickle (a module-level function or a ``functools.partial``
    of one). The answers must pickle too.

    Workers write each chunk's reports to a file of their own and answer only its number: a worker
    killed while sending a large answer through the pool's pipe would leave half a message there,
    and the pool would wait for the rest forever (CPython's ``ProcessPoolExecutor`` does); a short
    answer is written to the pipe in one piece."""
    workers = min(jobs, len(paths)) - 1
    size = max(1, min(CHUNK, len(paths) // (4 * (workers + 1))))
    chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
    ctx = get_context("spawn")
    front = ctx.Value("i", 0)
    back = ctx.RawValue("i", len(chunks) - 1)  # written by this process only
    claims = _Claims(front, back)
    done: dict[int, list[Any]] = {}
    with _answers_folder() as folder, \
            ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                initargs=(make_worker, chunks, front, back, folder)) as pool:
        # one task per chunk at most; a task that finds nothing left to claim returns at once
        futures: list[Future[int | None]] = [pool.submit(_validate_next_chunk) for _ in chunks]
        try:
            while (i := claims.next_back()) is not None:
                done[i] = [local(p) for p in chunks[i]]
            for future in futures:
                future.result()
        except BrokenProcessPool:
            log.warning("a worker process died; validating its files in this one")
        except BaseException:  # Ctrl-C: do not wait for the queued tasks
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        for i in range(len(chunks)):  # what the workers finished (a file is complete once it has its name)
            written = Path(folder, f"{i}.pickle")
            if i not in done and written.is_file():
                done[i] = pickle.loads(written.read_bytes())
    for i, chunk in enumerate(chunks):  # what a dead worker had claimed
        if i not in done:
            done[i] = [local(p) for p in chunk]
    return [r for i in range(len(chunks)) for r in done[i]]


@contextlib.contextmanager
def _answers_folder(attempts: int = 40) -> Iterator[str]:
    """A temporary folder for the workers' answer files, removed afterwards without ever raising.

    After an early stop (``iter_chunks`` closed, Ctrl-C) the pool is shut down without waiting, and a
    worker still running its chunk may write its answer file while the folder is being removed
    ("Directory not empty"): removal is retried for up to ``attempts`` × 25 ms, then left to the OS's
    temporary-file cleanup with a log line."""
    folder = tempfile.mkdtemp(prefix="emskg-jobs-")
    try:
        yield folder
    finally:
        for _ in range(attempts):
            shutil.rmtree(folder, ignore_errors=True)
            if not Path(folder).exists():
                break
            time.sleep(0.025)
        else:
            log.info("could not remove %s: a stopped worker is still writing to it", folder)


def iter_chunks(items: list[str], jobs: int, *, local: Callable[[str], Any],
                make_worker: Callable[[], Callable[[str], Any]]) -> Iterator[Any]:
    """``local(item)`` for every item, in order, computed in ``jobs`` worker processes and yielded
    as each chunk is done — for a caller with work of its own to do on every answer (``emskg
    register`` writes to the store while the workers validate the next chunks, so both cores stay
    busy). Unlike :func:`run_chunks` this process claims no chunk itself; ``local`` only takes over
    the chunks of a worker that died. Answers travel through files as in :func:`run_chunks`.

    Closing the iterator early stops the pool without waiting for queued chunks."""
    workers = max(1, min(jobs, len(items)))
    size = max(1, min(CHUNK, len(items) // (4 * workers)))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    ctx = get_context("spawn")
    with _answers_folder() as folder:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_stream_worker,
                                   initargs=(make_worker, folder))
        finished = False
        try:
            futures = [pool.submit(_stream_chunk, i, chunk) for i, chunk in enumerate(chunks)]
            for i, future in enumerate(futures):
                written = Path(folder, f"{i}.pickle")
                try:
                    future.result()
                    answers = pickle.loads(written.read_bytes())
                except (BrokenProcessPool, OSError, EOFError, pickle.UnpicklingError):
                    log.warning("a worker process died; working through its files in this one")
                    answers = [local(p) for p in chunks[i]]
                written.unlink(missing_ok=True)
                yield from answers
            finished = True
        finally:
            # on an early close (an error while writing, Ctrl-C) do not wait for the queued chunks
            pool.shutdown(wait=finished, cancel_futures=not finished)


# --- in the worker processes --------------------------------------------------------------------

_WORKER: Callable[[str], Any] | None = None
_CHUNKS: list[list[str]] = []
_CLAIMS: _Claims | None = None
_FOLDER = ""


def _init_worker(make_worker: Callable[[], Callable[[str], Any]], chunks: list[list[str]],
                 front: Synchronized[int], back: _SharedInt, folder: str) -> None:
    """Each worker builds its function once (for validation: loads the cached graph and the shapes)."""
    global _WORKER, _CHUNKS, _CLAIMS, _FOLDER
    from ..core.sandbox import deny_network

    deny_network()  # declarations are untrusted: nothing a worker parses may make it fetch
    _WORKER = make_worker()
    _CHUNKS, _CLAIMS, _FOLDER = chunks, _Claims(front, back), folder


def _validate_next_chunk() -> int | None:
    """Claim a chunk, work through it, and write its answers to ``FOLDER/N.pickle`` (renamed into place
    when complete); the answer is just N."""
    assert _WORKER is not None and _CLAIMS is not None, "worker not initialised"
    i = _CLAIMS.next_front()
    if i is None:
        return None
    answers = [_WORKER(p) for p in _CHUNKS[i]]
    atomic_write(Path(_FOLDER, f"{i}.pickle"), pickle.dumps(answers, protocol=pickle.HIGHEST_PROTOCOL))
    return i


def _init_stream_worker(make_worker: Callable[[], Callable[[str], Any]], folder: str) -> None:
    """A worker of :func:`iter_chunks`: sandboxed like the others, builds its function once."""
    global _WORKER, _FOLDER
    from ..core.sandbox import deny_network

    deny_network()
    _WORKER = make_worker()
    _FOLDER = folder


def _stream_chunk(i: int, chunk: list[str]) -> int:
    """Work through one chunk of :func:`iter_chunks` and write its answers to ``FOLDER/i.pickle``."""
    assert _WORKER is not None, "worker not initialised"
    answers = [_WORKER(p) for p in chunk]
    atomic_write(Path(_FOLDER, f"{i}.pickle"), pickle.dumps(answers, protocol=pickle.HIGHEST_PROTOCOL))
    return i

"""A small pool of worker processes that run every query the server answers, each under a deadline.

Why processes: pyoxigraph releases the GIL while it evaluates a query (measured: a Python thread
keeps full speed beside a running cross join), but nothing can *cancel* a query once it runs — a
``SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }`` would keep a core busy for days in
a thread. So each worker is a process holding its own store, loaded from the on-disk build cache
(~50 ms). A request borrows an idle worker, sends it one job over a pipe and waits at most the
deadline; a worker that misses it is killed (SIGKILL) and a fresh one is started in the
background, so the server stays up and the CPU is freed at once. A worker also runs under an
address-space limit: a query that tries to sort billions of rows dies alone (answered 503).

Workers are started with ``spawn`` (not ``fork``): the server process runs threads, and a forked
child of a threaded process can deadlock.

Registrations (``POST``/``DELETE /declarations``) change the store while the server runs. Each
worker holds its own read handle on it (an in-memory copy, or a read-only view of an ``oxigraph:PATH``
store, which RocksDB freezes at opening); the embedded stores notice a write by any process (their
generation file, :mod:`emskg.stores.embedded`) and resync before the next query, so the next request
after a write sees it on every worker, with no restart. The pool's own :attr:`WorkerPool.generation`,
bumped after each write the server makes, keys the response cache too.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import queue
import resource
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from ..errors import StoreUnavailableError
from .errors import STORE_RETRY_AFTER, HttpError, http_status, sanitize

__all__ = ["WorkerPool", "QueryTimeout", "ServiceBusy", "WorkerCrashed"]

log = logging.getLogger("emskg.workers")


class QueryTimeout(HttpError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"query timed out after {seconds:g} s (the limit protects the server; "
                         "narrow the query or add a LIMIT)", 504)


class ServiceBusy(HttpError):
    def __init__(self) -> None:
        super().__init__("all query workers are busy; retry shortly", 503, {"Retry-After": "2"})


class WorkerCrashed(HttpError):
    """A worker died while running a job; the message says how (signal or exit status)."""

    def __init__(self, exitcode: int | None = None) -> None:
        super().__init__(f"the query was aborted: {_death(exitcode)}", 503, {"Retry-After": "1"})


def _death(exitcode: int | None) -> str:
    """How a worker process ended, in words, from its exit code (negative: the signal that killed it)."""
    if exitcode is None:
        return "the query worker stopped answering"
    if exitcode >= 0:
        return f"the query worker exited with status {exitcode}"
    try:
        name = signal.Signals(-exitcode).name
    except ValueError:
        name = f"signal {-exitcode}"
    if name == "SIGKILL":
        return "the query worker was killed (SIGKILL) while running it"
    if name in ("SIGABRT", "SIGSEGV", "SIGBUS"):
        return (f"the query worker crashed ({name}); the query needed more memory or stack than a worker "
                "may use")
    return f"the query worker was stopped by {name}"


# --- the worker process ------------------------------------------------------------------------

def _exit_with_parent() -> None:
    """Exit if the server process dies, even mid-query (else a runaway query would outlive it).

    A watchdog thread rather than Linux's PR_SET_PDEATHSIG, which fires when the *thread* that
    spawned us exits — and workers are spawned from short-lived threads. The watchdog gets the GIL
    while a query runs because pyoxigraph releases it during evaluation.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="emskg-parent-watch", daemon=True).start()


def _worker_main(conn: Connection, memory_mb: int, warm: bool, store: str | None = None) -> None:
    """Entry point of a worker process: load the graph, then answer jobs until told to stop."""
    _exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole group; the server stops us
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from ..core.sandbox import deny_network

    deny_network()  # no query, however it gets past the guard, can open a connection from here
    from . import jobs

    try:
        ctx = jobs.Context.load(warm=warm, store=store)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which logs it
        conn.send(("failed", sanitize(str(exc))))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        name, args = msg
        try:
            conn.send(("ok", jobs.dispatch(ctx, name, args)))
        except MemoryError:
            conn.send(("error", 503, "the query was aborted: it needed more memory than a worker may use"))
        except StoreUnavailableError as exc:  # the store, not the query: 503 (504: its timeout) with its one line
            conn.send(("error", http_status(exc), sanitize(str(exc))))
        except Exception as exc:  # noqa: BLE001 - every error becomes a status and one line
            status = http_status(exc)
            if status >= 500:
                log.exception("job %r failed in worker %d", name, os.getpid())
                conn.send(("error", 500, "internal error while running the query"))
            else:
                conn.send(("error", status, sanitize(str(exc))))


# --- the pool (server side) --------------------------------------------------------------------

@dataclass(eq=False)  # identity semantics: workers live in a set
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """``size`` worker processes; :meth:`run` executes one job on an idle one, under a deadline."""

    def __init__(self, size: int, *, timeout: float, acquire_timeout: float | None = None,
                 memory_mb: int = 0, warm: bool = True, startup_timeout: float = 120.0,
                 store: str | None = None) -> None:
        self.size = size
        self.timeout = timeout
        self.acquire_timeout = timeout if acquire_timeout is None else acquire_timeout
        self.memory_mb = memory_mb
        self.warm = warm
        self.startup_timeout = startup_timeout
        #: The ``--store`` text each worker opens (credentials come from the inherited environment).
        self.store = store
        #: Bumped after every write to the store the server makes (keys the response cache).
        self.generation = 0
        self.restarts = 0
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    # -- life cycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Start every worker and wait until each has loaded the graph."""
        pending = [self._launch() for _ in range(self.size)]
        for proc, conn in pending:
            self._idle.put(self._await_ready(proc, conn))

    def close(self) -> None:
        """Stop every worker, busy or idle."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            with contextlib.suppress(OSError):
                w.conn.send(None)
        deadline = time.monotonic() + 2
        for w in workers:
            w.process.join(timeout=max(0.0, deadline - time.monotonic()))
            w.kill()

    def _launch(self) -> tuple[mp.process.BaseProcess, Connection]:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_main, args=(child, self.memory_mb, self.warm, self.store),
                                 name="emskg-worker", daemon=True)
        proc.start()
        child.close()
        return proc, parent

    def _await_ready(self, proc: mp.process.BaseProcess, conn: Connection) -> _Worker:
        worker = _Worker(proc, conn)
        try:
            if not conn.poll(self.startup_timeout):
                raise RuntimeError(f"worker did not start within {self.startup_timeout:g} s")
            status, detail = conn.recv()
        except (EOFError, OSError):
            status, detail = "failed", "worker exited during start-up"
        if status != "ready":
            worker.kill()
            raise RuntimeError(f"query worker failed to start: {detail}")
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, dead: _Worker) -> None:
        """Kill ``dead`` and start a successor in the background (retrying until the pool closes)."""
        with self._lock:
            self._all.discard(dead)
            self.restarts += 1
        dead.kill()

        def respawn() -> None:
            delay = 0.5
            while not self._closed:
                try:
                    worker = self._await_ready(*self._launch())
                except RuntimeError as exc:
                    log.error("%s; retrying in %.1f s", exc, delay)
                    time.sleep(delay)
                    delay = min(delay * 2, 30)
                    continue
                if self._closed:
                    worker.kill()
                else:
                    self._idle.put(worker)
                return

        threading.Thread(target=respawn, name="emskg-respawn", daemon=True).start()

    # -- jobs ------------------------------------------------------------------------------------
    def run(self, job: str, *args: Any, timeout: float | None = None) -> Any:
        """Run ``job`` on a worker; blocks, so call it from a thread, never inside ``async def``."""
        if self._closed:
            raise ServiceBusy()
        limit = self.timeout if timeout is None else timeout
        for _ in range(self.size + 1):  # a worker that died while idle is replaced, and the job goes to another
            try:
                worker = self._idle.get(timeout=self.acquire_timeout)
            except queue.Empty:
                raise ServiceBusy() from None
            try:
                worker.conn.send((job, args))
                break
            except (OSError, ValueError):
                log.warning("worker %s was gone before job %s; replacing it", worker.process.pid, job)
                self._replace(worker)
        else:
            raise ServiceBusy()
        try:
            if not worker.conn.poll(limit):
                log.warning("job %s exceeded %.1f s; killing worker %s", job, limit, worker.process.pid)
                self._replace(worker)
                raise QueryTimeout(limit)
            reply = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            worker.process.join(timeout=2)
            exitcode = worker.process.exitcode
            log.warning("worker %s died running %s (%s); replacing it", worker.process.pid, job, _death(exitcode))
            self._replace(worker)
            raise WorkerCrashed(exitcode) from None
        self._idle.put(worker)
        if reply[0] == "ok":
            return reply[1]
        _, status, message = reply
        # a 503 from a worker is the store (down, busy) or the worker's memory: worth retrying soon
        raise HttpError(message, status, {"Retry-After": STORE_RETRY_AFTER} if status == 503 else None)

    def bump(self) -> int:
        """Mark the store changed, so no cached answer from before the write is served again."""
        with self._lock:
            self.generation += 1
            return self.generation

    def stats(self) -> dict[str, int]:
        with self._lock:
            alive = len(self._all)
        return {"size": self.size, "alive": alive, "idle": self._idle.qsize(), "restarts": self.restarts}

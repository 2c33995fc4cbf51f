"""The named queries as a long-running server sees them: reloaded when ``queries/`` changes.

:func:`emskg.query.named.list_queries` caches the folder for the life of the process, which suits a
CLI run. A server runs for days while queries are added and edited, so this catalog checks the
folder's file names and modification times (a few ``stat`` calls, at most once per
``recheck_seconds``) and re-reads it only when they changed. The server process and every worker
hold one, so they agree on what exists within that interval.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ..core.paths import data_paths
from .named import NamedQuery, load_queries, lookup

__all__ = ["QueryCatalog"]


class QueryCatalog:
    """The named queries of one folder (default: the data's ``queries/``), fresh on every call."""

    def __init__(self, folder: Path | None = None, recheck_seconds: float = 1.0) -> None:
        self.folder = folder or data_paths().queries
        self.recheck_seconds = recheck_seconds
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._checked = float("-inf")
        self._queries: dict[str, NamedQuery] = {}
        self._lock = threading.Lock()

    def _current(self) -> dict[str, NamedQuery]:
        with self._lock:
            now = time.monotonic()
            if now - self._checked < self.recheck_seconds:
                return self._queries
            files = sorted(self.folder.rglob("*.rq")) if self.folder.is_dir() else []
            signature = tuple((f.as_posix(), (st := f.stat()).st_mtime_ns, st.st_size) for f in files)
            if signature != self._signature:
                self._queries = load_queries(self.folder) if files else {}
                self._signature = signature
            self._checked = now
            return self._queries

    def signature(self) -> object:
        """A value that changes whenever the folder's queries change."""
        self._current()
        return self._signature

    def all(self, include_qc: bool = False) -> list[NamedQuery]:
        """Every named query, ``qc/`` ones only when asked."""
        return [q for n, q in self._current().items() if include_qc or not n.startswith("qc/")]

    def get(self, name: str) -> NamedQuery:
        """The query called ``name``; unknown names raise with the closest matches as a hint."""
        return lookup(self._current(), name, "GET /queries lists them")

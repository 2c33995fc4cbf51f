"""``--jobs N``: several processes share the files, and a worker's death loses nothing."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

from conftest import ROOT
from emskg import Validator
from emskg.graph.store import KnowledgeGraph
from emskg.validation.batch import iter_chunks

FILES = sorted(str(p) for p in (ROOT / "examples").glob("*/*.ttl"))


def test_both_ends_share_the_work_and_keep_the_order(kg: KnowledgeGraph) -> None:
    validator = Validator(kg)
    files = FILES * 40
    serial = validator.validate_files(files)
    parallel = validator.validate_files(files, jobs=2)
    assert parallel.to_json() == serial.to_json()
    assert [f.file for f in parallel.files] == files


# --- iter_chunks: workers only, answers streamed in order (emskg register --jobs) ----------------

def _square(item: str) -> str:
    return str(int(item) ** 2)


def _make_square() -> Callable[[str], str]:
    return _square


def _die_on_seven(item: str) -> str:
    if item == "7":
        os.kill(os.getpid(), signal.SIGKILL)
    return _square(item)


def _make_dying() -> Callable[[str], str]:
    return _die_on_seven


def test_iter_chunks_streams_every_answer_in_order() -> None:
    items = [str(i) for i in range(300)]
    assert list(iter_chunks(items, 2, local=_square, make_worker=_make_square)) == [_square(i) for i in items]


def test_iter_chunks_works_through_a_dead_workers_files_here() -> None:
    items = [str(i) for i in range(40)]
    answers = list(iter_chunks(items, 2, local=_square, make_worker=_make_dying))
    assert answers == [_square(i) for i in items]


def test_iter_chunks_closed_early_stops_without_waiting() -> None:
    items = [str(i) for i in range(2000)]
    it = iter_chunks(items, 2, local=_square, make_worker=_make_square)
    assert next(it) == "0"
    it.close()  # the pool is shut down: no hang, no error

"""Regression: ``emskg validate --jobs N`` hung forever when a worker process was killed mid-run.

Fixed in commit 51bf0b0. Workers used to send each chunk's reports back through
``ProcessPoolExecutor``'s pipe; a worker killed (OOM killer, ``kill -9``) while writing a large answer
left half a message in the pipe, and the pool waited for the rest forever. A worker killed while
holding the shared claim lock could also stop the calling process from claiming. Now workers write
each chunk to a file of their own and answer only its number, and the calling process claims without
the lock; a dead worker's chunks are validated by the calling process, and the run reports every file.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

import pytest

from conftest import ROOT
from emskg import RunReport, Validator
from emskg.graph.store import KnowledgeGraph

FILES = sorted(str(p) for p in (ROOT / "examples").glob("*/*.ttl"))


def test_a_worker_killed_mid_run_loses_no_file(kg: KnowledgeGraph, caplog: pytest.LogCaptureFixture) -> None:
    validator = Validator(kg)
    files = FILES * 150  # a few seconds of work: the worker is killed long before the end
    expected = validator.validate_files(files[:len(FILES)]).to_json()["files"] * 150
    outcome: list[RunReport] = []
    run = threading.Thread(target=lambda: outcome.append(validator.validate_files(files, jobs=2)))
    run.start()
    deadline = time.monotonic() + 60
    while not multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)  # let it load the graph and start on a chunk
    assert run.is_alive(), "the run ended before the worker could be killed: give it more files"
    for child in multiprocessing.active_children():
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    run.join(timeout=120)
    assert outcome, "the run did not finish"
    assert outcome[0].to_json()["files"] == expected
    assert "a worker process died; validating its files in this one" in caplog.text

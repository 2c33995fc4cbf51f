"""``--jobs N``: several processes share the files, and a worker's death loses nothing."""

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


def test_both_ends_share_the_work_and_keep_the_order(kg: KnowledgeGraph) -> None:
    validator = Validator(kg)
    files = FILES * 40
    serial = validator.validate_files(files)
    parallel = validator.validate_files(files, jobs=2)
    assert parallel.to_json() == serial.to_json()
    assert [f.file for f in parallel.files] == files


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

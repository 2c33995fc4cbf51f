"""Shared fixtures: the real knowledge graph, and the real ``emskg`` command in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from emskg.store import KnowledgeGraph, load_graph

ROOT = Path(__file__).resolve().parent.parent
EMSKG = [sys.executable, "-m", "emskg.cli"]


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    """The knowledge graph built from the repository's ontology/ and kb/ (cached)."""
    return load_graph()


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``emskg ARGS`` for real and capture its exit code and output."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run([*EMSKG, *args], input=input, capture_output=True, text=True,
                              env=full_env, cwd=cwd or ROOT, timeout=timeout)

    return run


@pytest.fixture()
def data_copy(tmp_path: Path) -> Iterator[Path]:
    """A throwaway copy of ontology/, kb/, shapes/ and queries/ to break on purpose (EMSKG_HOME)."""
    for folder in ("ontology", "kb", "shapes", "queries"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, tmp_path / folder)
    yield tmp_path

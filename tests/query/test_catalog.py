"""The server's named-query catalog: it sees queries added, edited and removed while it runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from emskg.errors import UnknownQueryError
from emskg.query.catalog import QueryCatalog


def _write(folder: Path, name: str, title: str, mtime: int) -> None:
    path = folder / f"{name}.rq"
    path.write_text(f"# title: {title}\nSELECT * WHERE {{ ?s ?p ?o }} LIMIT 1\n")
    os.utime(path, ns=(mtime, mtime))  # distinct modification times, however fast the test runs


def test_added_edited_and_removed_queries_are_seen(tmp_path: Path) -> None:
    catalog = QueryCatalog(tmp_path, recheck_seconds=0)
    assert catalog.all() == []
    _write(tmp_path, "first", "First", 1_000_000_000)
    assert [q.name for q in catalog.all()] == ["first"]
    signature = catalog.signature()
    _write(tmp_path, "first", "First, edited", 2_000_000_000)
    assert catalog.get("first").title == "First, edited"
    assert catalog.signature() != signature  # what keeps the response cache from serving the old answer
    (tmp_path / "qc").mkdir()
    _write(tmp_path / "qc", "fault", "A fault", 3_000_000_000)
    assert [q.name for q in catalog.all()] == ["first"]
    assert [q.name for q in catalog.all(include_qc=True)] == ["first", "qc/fault"]
    (tmp_path / "first.rq").unlink()
    with pytest.raises(UnknownQueryError, match="GET /queries lists them"):
        catalog.get("first")


def test_the_folder_is_rechecked_at_most_once_an_interval(tmp_path: Path) -> None:
    catalog = QueryCatalog(tmp_path, recheck_seconds=3600)
    assert catalog.all() == []
    _write(tmp_path, "late", "Late", 1_000_000_000)
    assert catalog.all() == []  # within the interval: a few stat calls saved per request

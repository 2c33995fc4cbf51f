"""Building, caching and loading the graph: what the cache may and may not be trusted with."""

from __future__ import annotations

from pathlib import Path

import pytest

from emskg.core.paths import DataPaths
from emskg.errors import BuildError
from emskg.graph.store import KnowledgeGraph, load_graph


def _load(data: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, **kwargs: bool) -> KnowledgeGraph:
    monkeypatch.setenv("EMSKG_CACHE", str(cache))
    return load_graph(paths=DataPaths(data), **kwargs)


def test_a_damaged_cache_is_rebuilt_not_trusted(data_copy: Path, tmp_path: Path, kg: KnowledgeGraph,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    built = _load(data_copy, cache, monkeypatch)
    assert (built.asserted_count, built.inferred_count) == (kg.asserted_count, kg.inferred_count)
    (nq,) = cache.glob("kg-*.nq")
    nq.write_text("<urn:a> <urn:b> broken")  # a half-written or corrupted cache file
    again = _load(data_copy, cache, monkeypatch)
    assert len(again.triples()) == len(kg.triples())
    assert sorted(p.name for p in cache.iterdir() if p.name.startswith(".")) == []  # no temporary file left


def test_a_broken_source_is_a_build_error_naming_the_file(data_copy: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (data_copy / "kb" / "zz-broken.ttl").write_text("@prefix ems: <https://w3id.org/emskg/ontology#> .\nems:a ems:b .\nems:c\n")
    with pytest.raises(BuildError, match=r"zz-broken\.ttl:2:13"):
        _load(data_copy, tmp_path / "cache", monkeypatch)

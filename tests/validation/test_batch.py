"""``--jobs N``: several processes share the files, and a worker's death loses nothing."""

from __future__ import annotations

from conftest import ROOT
from emskg import Validator
from emskg.graph.store import KnowledgeGraph

FILES = sorted(str(p) for p in (ROOT / "examples").glob("*/*.ttl"))


def test_both_ends_share_the_work_and_keep_the_order(kg: KnowledgeGraph) -> None:
    validator = Validator(kg)
    files = FILES * 40
    serial = validator.validate_files(files)
    parallel = validator.validate_files(files, jobs=2)
    assert parallel.to_json() == serial.to_json()
    assert [f.file for f in parallel.files] == files

"""Regression (a CI run of session 5): ``iter_chunks`` closed early failed with "OSError: [Errno 39]
Directory not empty: '/tmp/emskg-jobs-…'": the pool is shut down without waiting, a worker still
running its chunk wrote its answer file while the temporary folder was being removed, and
``TemporaryDirectory``'s cleanup raised. The folder is now removed by retrying, never raising."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path
from typing import Any

import pytest

from emskg.validation import batch
from emskg.validation.batch import iter_chunks


def _square(item: str) -> str:
    return str(int(item) ** 2)


def _make_square() -> Any:
    return _square


def test_a_late_answer_file_during_removal_is_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_rmtree = shutil.rmtree
    folders: list[str] = []

    def rmtree_with_a_late_write(path: str, ignore_errors: bool = False, **kwargs: Any) -> None:
        if not folders:  # the first removal: a stopped worker writes its answer in the middle of it
            folders.append(path)
            real_rmtree(path, ignore_errors=True)
            Path(path).mkdir(exist_ok=True)
            Path(path, "7.pickle").write_bytes(b"late")
            if not ignore_errors:
                raise OSError(errno.ENOTEMPTY, "Directory not empty", path)
            return
        real_rmtree(path, ignore_errors=ignore_errors, **kwargs)

    monkeypatch.setattr(batch.shutil, "rmtree", rmtree_with_a_late_write)
    it = iter_chunks([str(i) for i in range(2000)], 2, local=_square, make_worker=_make_square)
    assert next(it) == "0"
    it.close()  # no "Directory not empty"
    assert folders and not Path(folders[0]).exists()


def test_closing_iter_chunks_early_again_and_again_never_raises() -> None:
    items = [str(i) for i in range(3000)]
    for _ in range(5):
        it = iter_chunks(items, 2, local=_square, make_worker=_make_square)
        assert next(it) == "0"
        it.close()

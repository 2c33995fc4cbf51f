"""Writing files so that no reader ever sees half of one."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write"]


def atomic_write(path: str | Path, data: bytes | Callable[[BinaryIO], object]) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    ``data`` is the bytes, or a function that writes them to the open file (for output too large to
    hold in memory, such as the N-Quads build cache).

    A concurrent reader (another process loading the build cache, a CI step reading a report) sees
    the old file or the new one, never a partial one. Raises ``OSError`` when the folder is not
    writable; the temporary file is removed."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            with tmp.open("wb") as f:
                data(f)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

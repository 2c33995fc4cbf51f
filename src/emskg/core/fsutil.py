"""Local files: reading one with a one-line error for each way it can fail, and writing so that no
reader ever sees half of one."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError

__all__ = ["atomic_write", "read_input"]


def read_input(path: str | Path, what: str = "a file") -> bytes:
    """The bytes of a local input file (``what`` names it in the message: "an RDF file", "a declaration").

    Raises ``InputError`` with one line for a missing file, a directory, or any other read error."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory, not {what}") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror})") from None


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

"""Where a command's output goes: a file (written atomically) or stdout."""

from __future__ import annotations

import sys

from ..core.fsutil import atomic_write
from ..errors import InputError

__all__ = ["write_output"]


def write_output(data: str | bytes, output: str | None) -> None:
    """Write to ``output`` (never leaving a half-written file behind), or to stdout for None or ``-``.

    Raises ``InputError`` when the file cannot be written."""
    raw = data.encode() if isinstance(data, str) else data
    if output and output != "-":
        try:
            atomic_write(output, raw)
        except OSError as exc:
            raise InputError(f"{output}: cannot write ({exc.strerror})") from None
    else:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()

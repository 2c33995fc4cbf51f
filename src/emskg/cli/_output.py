"""Where a command's output goes: a file (written atomically) or stdout; and where library warnings go."""

from __future__ import annotations

import sys

from ..core.fsutil import atomic_write
from ..errors import InputError

__all__ = ["write_output", "log_to_stderr"]


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


def log_to_stderr() -> None:
    """Show library warnings (an engine falling back, a worker dying) as ``emskg: ...`` lines on stderr.

    Called by the commands whose library code logs (``validate``); the others never import
    ``logging``, which would cost every one-shot command start-up time."""
    import logging

    logger = logging.getLogger("emskg")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("emskg: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)

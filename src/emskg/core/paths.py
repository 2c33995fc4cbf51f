"""Where emskg's own data lives: ontology, knowledge base, shapes, queries and the build cache.

A source checkout (editable install) reads the top-level folders, so editing a ``.ttl`` or ``.rq``
takes effect without reinstalling; a wheel carries copies under ``emskg/_data``. ``EMSKG_HOME``
overrides both (a folder with the same layout).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["DataPaths", "data_paths", "cache_dir"]


@dataclass(frozen=True)
class DataPaths:
    root: Path

    @property
    def ontology(self) -> Path:
        return self.root / "ontology"

    @property
    def kb(self) -> Path:
        return self.root / "kb"

    @property
    def shapes(self) -> Path:
        return self.root / "shapes"

    @property
    def queries(self) -> Path:
        return self.root / "queries"

    @property
    def datasets(self) -> Path:
        """Optional: TriG / N-Quads files of named graphs served beside the KB, as they are."""
        return self.root / "datasets"

    def dataset_files(self) -> list[Path]:
        """The named-graph files of :attr:`datasets` (``*.trig``, ``*.nq``), in a stable order."""
        return sorted(f for f in self.datasets.glob("*") if f.suffix in (".trig", ".nq"))

    def sources(self) -> list[Path]:
        """The Turtle files the graph is built from, ontology first, in a stable order."""
        return sorted(self.ontology.glob("*.ttl")) + sorted(self.kb.glob("*.ttl"))


def _is_data_root(path: Path) -> bool:
    return (path / "ontology").is_dir() and (path / "kb").is_dir()


@cache
def data_paths() -> DataPaths:
    """The data folders: ``EMSKG_HOME``, else the source checkout, else the wheel's copies.

    Raises ``RuntimeError`` when none has ``ontology/`` and ``kb/`` (a broken installation)."""
    env = os.environ.get("EMSKG_HOME")
    if env:
        return DataPaths(Path(env).resolve())
    package = Path(__file__).resolve().parent.parent  # src/emskg (or site-packages/emskg)
    for candidate in (package.parent.parent, package / "_data"):
        if _is_data_root(candidate):
            return DataPaths(candidate)
    raise RuntimeError("emskg data not found: set EMSKG_HOME to a folder with ontology/ and kb/")


def cache_dir(paths: DataPaths | None = None) -> Path:
    """Where built graphs are cached: ``EMSKG_CACHE``, else ``.emskg-cache`` beside the data."""
    env = os.environ.get("EMSKG_CACHE")
    if env:
        return Path(env)
    root = (paths or data_paths()).root
    if os.access(root, os.W_OK):
        return root / ".emskg-cache"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "emskg"

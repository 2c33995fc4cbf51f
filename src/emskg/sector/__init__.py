"""The sector's graph: declarations registered in a store, and the registry reads the sector views need.

``emskg register`` validates each declaration exactly as ``emskg validate`` does and writes it —
triples, inferences, SHACL report, registration record — into a named graph of its own
(:mod:`emskg.sector.registry`); the named sector queries (``queries/sector-*.rq``) answer from
those graphs on any store. docs/stores.md describes the layout.
"""

from __future__ import annotations

__all__: list[str] = []

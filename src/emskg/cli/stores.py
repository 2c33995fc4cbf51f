"""``--store STORE`` for every command that reads or writes a store, and ``emskg load``.

Shared by ``load``, ``query``, ``sparql``, ``serve``, ``register`` and ``unregister``:
:func:`add_store_argument` adds the flag, :func:`store_from_args` opens the store it names (the
flag wins over ``EMSKG_STORE``; default ``memory``). Importing this module stays cheap: the stores
are imported by the command that opens one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..graph.store import KnowledgeGraph
    from ..stores import Store, StoreSpec

__all__ = ["add_store_argument", "store_from_args", "store_spec_from_args", "progress_bar", "register", "cmd_load"]

STORE_HELP = ("where the graph lives: memory (default), oxigraph:PATH or sparql:QUERY_URL "
              "(EMSKG_STORE; EMSKG_STORE_UPDATE, EMSKG_STORE_GSP, EMSKG_STORE_USER, EMSKG_STORE_PASSWORD)")


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--store STORE`` (default: ``EMSKG_STORE``, else ``memory``)."""
    parser.add_argument("--store", metavar="STORE", default=None, help=STORE_HELP)


def store_spec_from_args(args: argparse.Namespace) -> StoreSpec:
    """The parsed ``--store`` (or ``EMSKG_STORE``); raises ``InputError`` for a bad one."""
    from ..stores import parse_store_spec

    return parse_store_spec(getattr(args, "store", None), os.environ)


def store_from_args(args: argparse.Namespace, *, read_only: bool = False, kg: KnowledgeGraph | None = None) -> Store:
    """The store ``--store`` / ``EMSKG_STORE`` names, opened (``read_only`` for ``oxigraph:PATH``
    readers). Raises ``InputError`` for a bad spec, ``StoreUnavailableError`` / ``StoreBusyError``."""
    from ..stores import open_store

    return open_store(store_spec_from_args(args), read_only=read_only, kg=kg)


def progress_bar(label: str, stream: Any = None) -> Callable[[int, int], None] | None:
    """A ``progress(done, total)`` callback drawing a one-line bar on stderr — None when stderr is
    not a terminal (pipelines and logs stay quiet)."""
    out = stream or sys.stderr
    if not out.isatty():
        return None
    last = [0.0]

    def draw(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < 0.1:
            return
        last[0] = now
        width = 30
        frac = done / total if total else 1.0
        filled = int(frac * width)
        out.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            out.write("\n")
        out.flush()

    return draw


def cmd_load(args: argparse.Namespace) -> int:
    from ..graph.store import load_graph
    from ..stores.load import load_kb

    spec = store_spec_from_args(args)
    kg = load_graph()
    load_graph(read_only=True)  # the build's on-disk form, as `emskg build` leaves it
    if spec.kind == "memory":
        print(f"built {kg.asserted_count} asserted + {kg.inferred_count} inferred triples (cache {kg.digest}); "
              "the memory store needs no loading")
        return 0
    store = store_from_args(args, kg=kg)
    try:
        result = load_kb(store, kg, progress_bar(f"loading {store.label}"), force=args.force)
    finally:
        store.close()
    if result.loaded:
        print(f"loaded {result.quads} quads in {result.graphs} graphs into {result.store} "
              f"(build {result.digest}) in {result.seconds:.1f} s")
    else:
        print(f"{result.store} holds build {result.digest} already: nothing to load")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``load`` subcommand."""
    p = sub.add_parser("load", help="write the ontology, knowledge base and inferences into a store",
                       description="Write the built graph into the store, in the same named graphs as the embedded "
                                   "store. Loading the same build twice does nothing; a new build replaces the old graphs.")
    add_store_argument(p)
    p.add_argument("--force", action="store_true", help="load even if the store holds this build already")
    p.set_defaults(func=cmd_load)

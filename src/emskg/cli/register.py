"""``emskg register`` and ``emskg unregister``: declarations into the store's registry, and out again.

``register`` validates each file exactly as ``emskg validate`` does (same validator, same text
report), reasons it on top of the knowledge graph, and stores it in its own named graph
(:mod:`emskg.sector.registry`); then it prints one ``registered ID SYSTEM`` line per registration.
Exit codes as ``validate``: 0 every declaration conforms, 1 some has a violation (it is registered
all the same), 2 some file could not be read (it is not registered; one ``emskg: ...`` line on
stderr names it). ``unregister`` removes every registration of each system IRI; a system with none
is one line on stderr and exit code 2 (the others are still removed).

Importing this module stays cheap: the store, the graph and the validator load inside the commands.
"""

from __future__ import annotations

import argparse
import sys

from ._output import log_to_stderr, write_output
from .stores import add_store_argument, progress_bar, store_from_args
from .validate import _jobs

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``register`` and ``unregister`` subcommands."""
    r = sub.add_parser(
        "register", help="validate declarations and store them, with their reports, in the store's registry",
        description="Validate declarations (as emskg validate does), reason them on top of the knowledge graph and "
                    "store each, with its SHACL report, in its own named graph: the sector queries answer from "
                    "them. Registering a system again adds a newer registration.")
    r.add_argument("files", nargs="+", metavar="FILE", help="declarations (.ttl, .jsonld ..., .xlsx workbooks)")
    add_store_argument(r)
    r.add_argument("--jobs", type=_jobs, default=1, metavar="N", help="validate in N processes (this one and N-1 workers)")
    r.add_argument("-o", "--output", help="write the report to a file instead of stdout")
    r.set_defaults(func=cmd_register)

    u = sub.add_parser("unregister", help="remove a system and all its registrations from the store's registry")
    u.add_argument("systems", nargs="+", metavar="SYSTEM_IRI", help="the IRI of a registered ems:ManagementSystem")
    add_store_argument(u)
    u.set_defaults(func=cmd_unregister)


def cmd_register(args: argparse.Namespace) -> int:
    from ..core.sandbox import deny_network
    from ..graph.store import load_graph, settle
    from ..sector.registry import register_files
    from ..validation.model import RunReport
    from ..validation.report import render

    log_to_stderr()
    kg = load_graph()
    store = store_from_args(args, kg=kg)
    settle()
    try:
        if store.kind != "sparql":  # a sparql: store talks over the network; the parsers never do
            deny_network()
        run = register_files(store, args.files, jobs=args.jobs, kg=kg, progress=progress_bar("registering"))
    finally:
        store.close()
    for _, error in run.unreadable:
        print(f"emskg: {error}", file=sys.stderr)
    lines = [render(RunReport(tuple(run.reports)), "text")]
    lines += [f"registered {r.id} {r.system}\n" for r in run.registrations]
    write_output("".join(lines), args.output)
    return run.exit_code()


def cmd_unregister(args: argparse.Namespace) -> int:
    from ..errors import NotFoundError
    from ..sector.registry import unregister

    store = store_from_args(args)
    code = 0
    try:
        for system in args.systems:
            try:
                n = unregister(store, [system])
            except NotFoundError as exc:
                print(f"emskg: {exc}", file=sys.stderr)
                code = 2
                continue
            print(f"unregistered {system} ({n} registration{'' if n == 1 else 's'})")
    finally:
        store.close()
    return code

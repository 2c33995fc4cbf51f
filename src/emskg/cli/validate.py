"""``emskg validate``: check declared management systems against the report's framework, for pipelines.

Exit codes: 0 every file conforms (warnings allowed unless ``--fail-on warning``), 1 a result fails
the run, 2 a usage or input error — a missing or unparseable file is reported as that file's entry
(and one ``emskg: FILE:LINE:COL: ...`` line on stderr) while the other files are still validated.

Importing this module must stay cheap (every ``emskg`` command imports it to build the parser), so
it reads its choices from the result model (:mod:`emskg.validation.model`, standard library only)
and imports the validator, rdflib and pyshacl inside the command.
"""

from __future__ import annotations

import argparse
import sys

from ..validation.model import ENGINES, FAIL_ON, REPORT_FORMATS
from ._output import log_to_stderr, write_output

__all__ = ["register", "cmd_validate"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``validate`` subcommand."""
    v = sub.add_parser(
        "validate", help="check declared management systems against the report's framework (SHACL)",
        description="Validate declarations of continual improvement management systems (Turtle, JSON-LD, .xlsx ...) "
                    "against the report's framework; every gap comes with the initiatives that would fill it.")
    v.add_argument("files", nargs="+", metavar="FILE",
                   help="declarations to validate (format from the extension: .ttl, .jsonld ..., .xlsx workbooks)")
    v.add_argument("--format", choices=REPORT_FORMATS, default="text",
                   help="text for people, json for programs, turtle (SHACL report), junit (CI test reports), "
                        "html (a printable page for managers: scorecard, gaps by importance, what is in place)")
    v.add_argument("--fail-on", choices=FAIL_ON, default="violation",
                   help="the least severe result that makes the exit code 1 (default: violation)")
    v.add_argument("--jobs", type=_jobs, default=1, metavar="N", help="validate in N processes (this one and N-1 workers)")
    v.add_argument("--engine", choices=ENGINES, default="fast",
                   help="fast (default: compiled shapes, about a millisecond a file), pyshacl (the same data graph "
                        "through pyshacl, ~10x slower), or reference (plain pyshacl + owlrl over the whole graph, "
                        "seconds a file)")
    v.add_argument("-o", "--output", help="write the report to a file instead of stdout")
    v.set_defaults(func=cmd_validate)


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number, not {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("--jobs takes a number of at least 1")
    return n


def cmd_validate(args: argparse.Namespace) -> int:
    from ..core.sandbox import deny_network
    from ..graph.store import load_graph, settle
    from ..validation.report import render
    from ..validation.validator import Validator

    log_to_stderr()
    deny_network()  # declarations are untrusted: no parser or engine may fetch what they name
    validator = Validator(load_graph(), engine=args.engine, record_checks=args.format == "junit",
                          summarize=args.format == "html")
    settle()
    report = validator.validate_files(args.files, jobs=args.jobs)
    for f in report.files:
        if f.error is not None:
            print(f"emskg: {f.error}", file=sys.stderr)
    write_output(render(report, args.format, fail_on=args.fail_on), args.output)
    return report.exit_code(args.fail_on)

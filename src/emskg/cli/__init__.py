"""The ``emskg`` command line.

Every subcommand imports only what it needs (``emskg query`` never imports rdflib), and every
user error — a missing file, a bad query, an unknown parameter — ends as one ``emskg: ...`` line on
stderr with exit code 2, never a traceback. Exit code 1 is reserved for "ran fine, and the answer
is no" (``check`` found problems, ``validate`` found violations).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import EXIT_USAGE, EmskgError, InputError

__all__ = ["main", "build_parser"]

#: Exit code for an internal error (BSD sysexits EX_SOFTWARE).
EXIT_SOFTWARE = 70


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2, like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: {message} (try: {self.prog} --help)\n")
        raise SystemExit(EXIT_USAGE)


def _params(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--param takes NAME=VALUE, got {pair!r}")
        out[key.strip()] = value.strip()
    return out


def _write(data: str | bytes, output: str | None) -> None:
    raw = data.encode() if isinstance(data, str) else data
    if output and output != "-":
        path = Path(output)
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_bytes(raw)
            tmp.replace(path)  # never leave a half-written file behind
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InputError(f"{output}: cannot write ({exc.strerror})") from None
    else:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()


# --- commands ----------------------------------------------------------------------------------

def cmd_build(args: argparse.Namespace) -> int:
    from .store import load_graph

    kg = load_graph(rebuild=args.force)
    load_graph(read_only=True)  # make sure the on-disk form one-shot commands open exists too
    print(f"built {kg.asserted_count} asserted + {kg.inferred_count} inferred triples (cache {kg.digest})")
    for c in kg.inconsistencies:
        print(f"warning: {c.describe()}", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .rdfio import format_for, serialize
    from .store import load_graph

    fmt = format_for(args.format or None, path=args.output if args.output != "-" else None)
    kg = load_graph()
    _write(serialize(kg.triples(inferred=args.inferred), fmt), args.output)
    return 0


def cmd_queries(args: argparse.Namespace) -> int:
    import json

    from .queries import list_queries

    queries = list_queries(include_qc=args.qc)
    if args.format == "json":
        print(json.dumps([q.to_json() for q in queries], indent=2))
        return 0
    for q in queries:
        params = " ".join(f"[{p.name}={p.default or '…'}]" for p in q.params)
        print(f"{q.name}  {params}".rstrip())
        print(f"    {q.title}")
    return 0


def _emit_result(result: object, fmt: str, output: str | None) -> None:
    from .results import render
    from .sparql import QueryResult

    assert isinstance(result, QueryResult)
    _write(render(result, fmt), output)


def cmd_query(args: argparse.Namespace) -> int:
    from .queries import get_query, run_named_query
    from .store import load_graph

    get_query(args.name)  # unknown names fail before the graph is loaded
    kg = load_graph(read_only=True)
    result = run_named_query(kg.store, args.name, _params(args.param))
    _emit_result(result, args.format, args.output)
    return 0


def cmd_sparql(args: argparse.Namespace) -> int:
    from .sparql import run_sparql
    from .store import load_graph

    text = args.query
    if text == "-":
        text = sys.stdin.read()
    elif text.endswith((".rq", ".sparql")) or (len(text) < 4096 and "{" not in text and Path(text).is_file()):
        try:
            text = Path(text).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{args.query}: cannot read ({exc.strerror})") from None
    kg = load_graph(read_only=True)
    _emit_result(run_sparql(kg.store, text), args.format, args.output)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .check import run_checks

    report = run_checks(reasoner=not args.no_reasoner)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


# --- parser ------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="emskg", description="Knowledge graph of continual-improvement management systems "
                                          "for water and wastewater utilities.")
    p.add_argument("--version", action="version", version=f"emskg {__version__}")
    sub: Any = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    b = sub.add_parser("build", help="reason over ontology + knowledge base and cache the result")
    b.add_argument("--force", action="store_true", help="rebuild even if the cache is current")
    b.set_defaults(func=cmd_build)

    e = sub.add_parser("export", help="write the graph (ontology + KB [+ inferences]) to a file")
    e.add_argument("--inferred", action="store_true", help="include everything the reasoner inferred")
    e.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    e.add_argument("--format", choices=["turtle", "nt", "jsonld", "rdfxml"],
                   help="RDF format (default: from the file extension, else turtle)")
    e.set_defaults(func=cmd_export)

    ql = sub.add_parser("queries", help="list the named queries")
    ql.add_argument("--qc", action="store_true", help="include the qc/ quality-control queries")
    ql.add_argument("--format", choices=["text", "json"], default="text")
    ql.set_defaults(func=cmd_queries)

    fmts = ["table", "csv", "tsv", "json", "xml", "turtle", "nt", "jsonld"]
    q = sub.add_parser("query", help="run a named query")
    q.add_argument("name", help="a name from `emskg queries`")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter: a label, local name, CURIE or IRI (repeatable)")
    q.add_argument("--format", choices=fmts, default="table")
    q.add_argument("-o", "--output", help="write to a file instead of stdout")
    q.set_defaults(func=cmd_query)

    s = sub.add_parser("sparql", help="run a SPARQL query (text, a .rq file, or - for stdin)")
    s.add_argument("query")
    s.add_argument("--format", choices=fmts, default="table")
    s.add_argument("-o", "--output", help="write to a file instead of stdout")
    s.set_defaults(func=cmd_sparql)

    c = sub.add_parser("check", help="ontology consistency (HermiT) and knowledge-base quality checks")
    c.add_argument("--no-reasoner", action="store_true", help="skip the HermiT consistency check (no Java)")
    c.set_defaults(func=cmd_check)

    # Feature commands live beside their feature; each module's import must stay cheap.
    from . import cli_serve, cli_validate

    cli_validate.register(sub)
    cli_serve.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except EmskgError as exc:
        print(f"emskg: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not bad input: still one line unless asked for the traceback
        if os.environ.get("EMSKG_DEBUG"):
            raise
        print(f"emskg: internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
              "(set EMSKG_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_SOFTWARE


if __name__ == "__main__":
    raise SystemExit(main())

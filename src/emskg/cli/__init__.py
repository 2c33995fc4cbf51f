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

from .._version import __version__
from ..core.rdfio import GRAPH_FORMATS
from ..errors import EXIT_USAGE, EmskgError, InputError
from ..query.formats import FORMATS as RESULT_FORMATS
from . import declare, register, serve, stores, validate
from ._output import write_output

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


# --- commands ----------------------------------------------------------------------------------

def cmd_build(args: argparse.Namespace) -> int:
    from ..graph.store import load_graph

    kg = load_graph(rebuild=args.force)
    load_graph(read_only=True)  # make sure the on-disk form one-shot commands open exists too
    print(f"built {kg.asserted_count} asserted + {kg.inferred_count} inferred triples (cache {kg.digest})")
    for c in kg.inconsistencies:
        print(f"warning: {c.describe()}", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..core.rdfio import format_for, serialize
    from ..graph.store import load_graph

    fmt = format_for(args.format or None, path=args.output if args.output != "-" else None)
    kg = load_graph()
    write_output(serialize(kg.triples(inferred=args.inferred), fmt), args.output)
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from ..core.vocab import EMSKG
    from ..graph.store import load_graph
    from ..query.publish import write_release

    endpoint = None if args.endpoint == "" else (args.endpoint or f"{EMSKG}sparql")
    written = write_release(load_graph(), args.output, endpoint)
    print(f"wrote {len(written)} files to {args.output}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from ..core.vocab import EMS
    from ..graph.store import load_graph
    from ..query.linked import ontology_triples
    from ..query.ontodoc import ONTOLOGY_CSS, ontology_html

    page = ontology_html(ontology_triples(load_graph()), EMS.rstrip("#"), "ontology.css")
    folder = Path(args.output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{folder}: cannot create the folder ({exc.strerror})") from None
    write_output(page, str(folder / "index.html"))
    write_output(ONTOLOGY_CSS, str(folder / "ontology.css"))
    print(f"wrote {folder / 'index.html'}")
    return 0


def cmd_queries(args: argparse.Namespace) -> int:
    import json

    from ..query.named import list_queries

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
    from ..query.formats import render
    from ..query.sparql import QueryResult

    assert isinstance(result, QueryResult)
    write_output(render(result, fmt), output)


def _utf8(data: bytes, source: str) -> str:
    """A query text; a byte-order mark is dropped, bytes that are not UTF-8 are an :class:`InputError`."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: not UTF-8 (byte {exc.start + 1}); SPARQL queries are UTF-8 text") from None


def _no_network() -> None:
    """Commands that read untrusted queries or data run without network access (:mod:`emskg.core.sandbox`)."""
    from ..core.sandbox import deny_network

    deny_network()


def cmd_query(args: argparse.Namespace) -> int:
    from ..graph.store import load_graph
    from ..query.named import TermResolver, get_query, run_named

    query = get_query(args.name)  # unknown names fail before the graph is loaded
    spec = stores.store_spec_from_args(args)
    if spec.kind != "sparql":
        _no_network()
    kg = load_graph(read_only=True)
    if spec.kind == "memory" and not query.reads_registry:
        result = run_named(kg.store, query, _params(args.param))  # the build cache itself: fastest
    else:
        store = stores.store_from_args(args, read_only=True, kg=None if spec.kind == "memory" else kg)
        try:
            result = run_named(store, query, _params(args.param), resolver=TermResolver(kg.store))
        finally:
            store.close()
    _emit_result(result, args.format, args.output)
    return 0


def cmd_sparql(args: argparse.Namespace) -> int:
    from ..graph.store import load_graph
    from ..query.sparql import guard, run_sparql

    spec = stores.store_spec_from_args(args)
    if spec.kind != "sparql":
        _no_network()
    text = args.query
    if text == "-":
        text = _utf8(sys.stdin.buffer.read(), "standard input")
    elif text.endswith((".rq", ".sparql")) or (len(text) < 4096 and "{" not in text and Path(text).is_file()):
        try:
            text = _utf8(Path(text).read_bytes(), args.query)
        except OSError as exc:
            raise InputError(f"{args.query}: cannot read ({exc.strerror})") from None
    if spec.kind == "memory":
        kg = load_graph(read_only=True)
        _emit_result(run_sparql(kg.store, text), args.format, args.output)
        return 0
    guard(text)  # refused before any store is opened or contacted
    store = stores.store_from_args(args, read_only=True)
    try:
        result = run_sparql(store, text)
    finally:
        store.close()
    _emit_result(result, args.format, args.output)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from ..query.qc import run_checks

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
    e.add_argument("--format", choices=GRAPH_FORMATS,
                   help="RDF format (default: from the file extension, else turtle)")
    e.set_defaults(func=cmd_export)

    r = sub.add_parser("release", help="write the release files: ontology, shapes and inferred graph in four "
                                       "formats, the VoID description and SHA-256 checksums, named by version")
    r.add_argument("-o", "--output", default="dist", help="output folder (default: dist)")
    r.add_argument("--endpoint", help="the SPARQL endpoint the VoID names (default: https://w3id.org/emskg/sparql; "
                                      "'' for none)")
    r.set_defaults(func=cmd_release)

    dc = sub.add_parser("docs", help="write the ontology's HTML documentation (index.html + ontology.css)")
    dc.add_argument("-o", "--output", default="docs/ontology", help="output folder (default: docs/ontology)")
    dc.set_defaults(func=cmd_docs)

    ql = sub.add_parser("queries", help="list the named queries")
    ql.add_argument("--qc", action="store_true", help="include the qc/ quality-control queries")
    ql.add_argument("--format", choices=["text", "json"], default="text")
    ql.set_defaults(func=cmd_queries)

    fmts = list(RESULT_FORMATS)
    q = sub.add_parser("query", help="run a named query")
    q.add_argument("name", help="a name from `emskg queries`")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter: a label, local name, CURIE or IRI (repeatable)")
    q.add_argument("--format", choices=fmts, default="table")
    q.add_argument("-o", "--output", help="write to a file instead of stdout")
    stores.add_store_argument(q)
    q.set_defaults(func=cmd_query)

    s = sub.add_parser("sparql", help="run a SPARQL query (text, a .rq file, or - for stdin)")
    s.add_argument("query")
    s.add_argument("--format", choices=fmts, default="table")
    s.add_argument("-o", "--output", help="write to a file instead of stdout")
    stores.add_store_argument(s)
    s.set_defaults(func=cmd_sparql)

    c = sub.add_parser("check", help="ontology consistency (HermiT) and knowledge-base quality checks")
    c.add_argument("--no-reasoner", action="store_true", help="skip the HermiT consistency check (no Java)")
    c.set_defaults(func=cmd_check)

    # Feature commands live in modules of their own; each module's import must stay cheap.
    validate.register(sub)
    declare.register(sub)
    register.register(sub)
    stores.register(sub)
    serve.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the process exit code (0 fine, 1 "the answer is no", 2 bad input, 70 a bug)."""
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

"""``emskg template`` and ``emskg convert``: declarations for people who do not write RDF.

``template`` writes the empty workbook (one sheet per part of a declaration, pick lists from the
knowledge graph, a "How to fill this in" sheet); ``convert`` turns a declaration between Turtle,
JSON-LD and the workbook (format from the extension, ``--format`` to override), losslessly.

Importing this module stays cheap: openpyxl, the graph and the converters are imported inside the
commands.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from ..validation.model import DECLARATION_FORMATS, WORKBOOK_FORMAT
from ._output import write_output

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``template`` and ``convert`` subcommands."""
    t = sub.add_parser(
        "template", help="write the spreadsheet a utility fills in to declare its management system",
        description="Write an .xlsx workbook with one sheet per part of a declaration, drop-down lists filled from the "
                    "knowledge graph and a 'How to fill this in' sheet. Validate the filled workbook with emskg validate.")
    t.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
    t.set_defaults(func=cmd_template)

    c = sub.add_parser(
        "convert", help="convert a declaration between Turtle, JSON-LD and the spreadsheet (.xlsx)",
        description="Convert a declaration of a management system between .ttl, .jsonld and .xlsx (formats from the "
                    "extensions). Lossless: the graph read back is the graph written.")
    c.add_argument("input", metavar="IN", help="the declaration to read")
    c.add_argument("-o", "--output", required=True, help="the file to write ('-' for stdout, not for .xlsx)")
    c.add_argument("--format", choices=DECLARATION_FORMATS, help="the output format (default: from the extension)")
    c.add_argument("--from", dest="from_format", choices=DECLARATION_FORMATS, metavar="FORMAT",
                   help="the input format (default: from the extension)")
    c.set_defaults(func=cmd_convert)


def cmd_template(args: argparse.Namespace) -> int:
    from ..graph.store import load_graph
    from ..validation.picklists import PickLists
    from ..validation.workbook import write_workbook

    if args.output == "-":
        raise InputError("template writes a binary workbook: give a file name (-o template.xlsx)")
    write_output(write_workbook([], PickLists.from_graph(load_graph())), args.output)
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from ..core.sandbox import deny_network
    from ..graph.store import load_graph
    from ..validation.declaration import declaration_format, read_declaration_file, write_declaration
    from ..validation.picklists import PickLists

    deny_network()  # a declaration is untrusted: no parser may fetch what it names
    out_fmt = declaration_format(args.format, path=None if args.output == "-" else Path(args.output))
    if out_fmt == WORKBOOK_FORMAT and args.output == "-":
        raise InputError("a workbook is binary: give a file name (-o FILE.xlsx)")
    picks: list[PickLists] = []

    def lists() -> PickLists:
        if not picks:
            picks.append(PickLists.from_graph(load_graph()))
        return picks[0]

    triples = read_declaration_file(args.input, lists, args.from_format)
    write_output(write_declaration(triples, out_fmt, lists), args.output)
    return 0

"""Reading and writing a declaration in any of its formats: the RDF formats and the .xlsx workbook.

One home for "which format is this declaration in" so that ``emskg validate``, ``emskg convert`` and
``POST /validate`` agree: an explicit name first, then a media type, then the file extension (and a
file that starts like a zip archive is a workbook whatever it is called). RDF goes through
:mod:`emskg.core.rdfio`; the workbook through :mod:`emskg.validation.workbook`, which needs the
knowledge graph's pick lists.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..core.fsutil import read_input
from ..core.rdfio import FORMAT_NAMES, format_for, parse_bytes, serialize
from ..core.terms import Triple
from ..errors import InputError
from .model import WORKBOOK_FORMAT
from .picklists import PickLists
from .workbook import MEDIA_TYPE, is_workbook, read_workbook, write_workbook

__all__ = ["declaration_format", "read_declaration", "read_declaration_file", "write_declaration", "WORKBOOK_MEDIA_TYPE"]

WORKBOOK_MEDIA_TYPE = MEDIA_TYPE
_WORKBOOK_NAMES = {WORKBOOK_FORMAT, "workbook", "excel"}


def declaration_format(name: str | None = None, path: str | Path | None = None, media_type: str | None = None) -> str:
    """The canonical format name (``turtle``, ``jsonld`` ... or ``xlsx``) from an explicit name, a
    media type or a file extension, in that order. Raises ``InputError`` for an unknown name or type."""
    if name:
        if name.lower() in _WORKBOOK_NAMES:
            return WORKBOOK_FORMAT
        return FORMAT_NAMES[format_for(name)]
    if media_type:
        if media_type.split(";")[0].strip().lower() == MEDIA_TYPE:
            return WORKBOOK_FORMAT
        return FORMAT_NAMES[format_for(media_type=media_type)]
    if path is not None and Path(path).suffix.lower() == ".xlsx":
        return WORKBOOK_FORMAT
    return FORMAT_NAMES[format_for(path=path)]


def read_declaration(data: bytes, fmt: str, source: str, picks: Callable[[], PickLists],
                     base_iri: str | None = None) -> list[Triple]:
    """The triples of a declaration. ``picks`` is called only for a workbook.

    Raises ``InputError`` (``RdfSyntaxError`` with the line for RDF; the sheet, row and column for a
    workbook) when it cannot be read."""
    if fmt == WORKBOOK_FORMAT:
        return read_workbook(data, picks(), source)
    if is_workbook(data):
        raise InputError(f"{source}: this is a spreadsheet workbook; name it .xlsx or say --format xlsx")
    return parse_bytes(data, format_for(fmt), source, base_iri=base_iri)


def read_declaration_file(path: str | Path, picks: Callable[[], PickLists], fmt: str | None = None) -> list[Triple]:
    """Read one local declaration file (format from its extension unless given).

    Raises ``InputError`` when the file cannot be read or parsed."""
    p = Path(path)
    data = read_input(p, "a declaration")
    chosen = declaration_format(fmt, path=p)
    return read_declaration(data, chosen, str(p), picks, base_iri=p.resolve().as_uri())


def write_declaration(triples: list[Triple], fmt: str, picks: Callable[[], PickLists]) -> bytes:
    """A declaration serialised as ``fmt`` (an RDF format name or ``xlsx``)."""
    if fmt == WORKBOOK_FORMAT:
        return write_workbook(triples, picks())
    return serialize(triples, format_for(fmt))

"""Serialising query results: the W3C SPARQL result formats, RDF graphs, and a table for people.

One implementation serves the CLI and the HTTP endpoint, so ``emskg query --format json`` and
``GET /sparql`` with ``Accept: application/sparql-results+json`` give byte-identical documents.
"""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox

from ..core.rdfio import GRAPH_FORMATS, format_for, serialize
from ..core.terms import ResultTerm, curie
from ..core.vocab import SPARQL_RESULTS, XSD_STRING
from ..errors import InputError
from .sparql import QueryResult

__all__ = ["SELECT_FORMATS", "GRAPH_FORMATS", "FORMATS", "MEDIA_TYPES", "render", "compact"]

SELECT_FORMATS = ("table", "csv", "tsv", "json", "xml")
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "table": "text/plain; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}

#: Every result format name: what ``emskg query`` and ``emskg sparql`` accept for ``--format``.
FORMATS = (*SELECT_FORMATS, *GRAPH_FORMATS)

_XSD_STRING = XSD_STRING.value


def escape(text: str) -> str:
    """XML character data (not xml.sax.saxutils, which pulls in urllib.request and slows start-up)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    return '"' + escape(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;") + '"'


def compact(term: ResultTerm | None) -> str:
    """A short, readable form: ``kb:QualServe``, a literal's text, ``_:b0``."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return curie(term.value) or term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def render(result: QueryResult, fmt: str) -> str | bytes:
    """Serialise ``result`` in ``fmt``.

    Raises ``InputError`` when ``fmt`` does not fit the result (a SELECT/ASK format for a graph)."""
    if result.kind == "graph":
        if fmt == "table":
            fmt = "turtle"
        if fmt not in GRAPH_FORMATS:
            raise InputError(f"format {fmt!r} does not fit a CONSTRUCT/DESCRIBE result (use {', '.join(GRAPH_FORMATS)})")
        return serialize(result.triples, format_for(fmt))
    if fmt not in SELECT_FORMATS:
        raise InputError(f"format {fmt!r} does not fit a SELECT/ASK result (use {', '.join(SELECT_FORMATS)})")
    return _RENDERERS[fmt](result)


# --- SELECT / ASK ----------------------------------------------------------------------------

def _json_term(t: ResultTerm) -> dict[str, object]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d: dict[str, object] = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != _XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    return {"type": "triple", "value": {"subject": _json_term(t.subject), "predicate": _json_term(t.predicate),
                                        "object": _json_term(t.object)}}


def _json(result: QueryResult) -> str:
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": result.boolean})
    bindings = [{v: _json_term(t) for v, t in zip(result.variables, row, strict=True) if t is not None}
                for row in result.rows]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}}, ensure_ascii=False)


def _xml_term(t: ResultTerm) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != _XSD_STRING:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    return f"<literal>{escape(str(t))}</literal>"


def _xml(result: QueryResult) -> str:
    out = ['<?xml version="1.0"?>', f'<sparql xmlns="{SPARQL_RESULTS}">', "<head>"]
    if result.kind == "ask":
        out += ["</head>", f"<boolean>{'true' if result.boolean else 'false'}</boolean>", "</sparql>"]
        return "\n".join(out)
    out += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    out += ["</head>", "<results>"]
    for row in result.rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(result.variables, row, strict=True) if t is not None]
        out.append("</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out)


def _csv(result: QueryResult) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if result.kind == "ask":
        w.writerow(["boolean"])
        w.writerow(["true" if result.boolean else "false"])
        return buf.getvalue()
    w.writerow(result.variables)
    for row in result.rows:
        w.writerow(["" if t is None else (f"_:{t.value}" if isinstance(t, ox.BlankNode) else
                                          t.value if not isinstance(t, ox.Triple) else str(t)) for t in row])
    return buf.getvalue()


def _tsv_term(t: ResultTerm | None) -> str:
    if t is None:
        return ""
    return str(t).replace("\t", "\\t").replace("\n", "\\n")  # pyoxigraph's str() is N-Triples syntax


def _tsv(result: QueryResult) -> str:
    if result.kind == "ask":
        return "?boolean\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join("?" + v for v in result.variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def _table(result: QueryResult) -> str:
    if result.kind == "ask":
        return ("yes" if result.boolean else "no") + "\n"
    headers = result.variables
    cells = [[_one_line(compact(t)) for t in row] for row in result.rows]
    widths = [min(60, max([len(h)] + [len(r[i]) for r in cells])) for i, h in enumerate(headers)]

    def fit(text: str, w: int) -> str:
        return (text if len(text) <= w else text[: w - 1] + "…").ljust(w)

    lines = ["  ".join(fit(h, w) for h, w in zip(headers, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(fit(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    n = len(result.rows)
    lines.append(f"({n} row{'s' if n != 1 else ''}{', truncated' if result.truncated else ''})")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


_RENDERERS = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv, "table": _table}

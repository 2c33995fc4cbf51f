"""The jobs a worker process runs: SPARQL, named queries, browsing, Table 2 and validation.

A job takes plain arguments and returns plain, picklable data — rendered bytes for the protocol
endpoints, dicts for JSON and HTML pages — because it crosses a pipe back to the server process.
Everything that touches the store happens here, inside a worker, where the pool's deadline and
memory limit apply; the server process itself never runs a query.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..core.rdfio import FORMATS, format_for, serialize
from ..core.vocab import EMS, RDF_TYPE, REGISTRATION
from ..errors import EmskgError, NotFoundError
from ..graph.store import KnowledgeGraph, load_graph, settle
from ..query.browse import EntityIndex, describe, list_entities, node
from ..query.catalog import QueryCatalog
from ..query.formats import compact, render
from ..query.linked import kb_iri, ontology_triples, resource_description, shapes_triples
from ..query.named import TermResolver, bind_params, run_named
from ..query.ontodoc import ontology_html
from ..query.publish import void_triples
from ..query.sparql import QueryResult, materialise, run_sparql
from ..query.table2 import table2
from ..validation.declaration import read_declaration, write_declaration
from ..validation.form import form_spec
from ..validation.html_report import render_html
from ..validation.model import WORKBOOK_FORMAT, RunReport
from ..validation.validator import Validator
from .errors import HttpError

if TYPE_CHECKING:
    from ..stores import Store

__all__ = ["Context", "Rendered", "dispatch", "JOBS"]

log = logging.getLogger("emskg.jobs")


@dataclass(frozen=True)
class Rendered:
    """A query result serialised for HTTP, with what the response headers need to say about it."""

    body: bytes
    format: str
    kind: str
    count: int
    truncated: bool


@dataclass
class Context:
    """What a worker keeps between jobs: the graph, the indexes built over it, and a read handle on
    the server's store (registrations; the store itself picks up writes made since it was opened)."""

    kg: KnowledgeGraph
    catalog: QueryCatalog = field(default_factory=QueryCatalog)
    #: The server's store (``emskg serve --store``); None: ``EMSKG_STORE``, else memory.
    store_spec: str | None = None
    _store: Store | None = field(default=None, repr=False)

    @classmethod
    def load(cls, warm: bool = True, store_spec: str | None = None) -> Context:
        ctx = cls(load_graph(), store_spec=store_spec)
        if warm:  # build the lazy indexes now, so no request pays for them inside its deadline
            ctx.index  # noqa: B018
            ctx.table2  # noqa: B018
            ctx.resolver.resolve("Plan", None, "warm-up")
            try:  # a broken validator must not keep the query endpoints from starting
                ctx.validator.validate_bytes(b"", ox.RdfFormat.TURTLE, "warm-up")
            except Exception:  # noqa: BLE001
                log.exception("the declaration validator failed to warm up; /validate will report errors")
            try:  # open the store now (the memory store reads its registrations), not inside a deadline
                ctx.store  # noqa: B018
            except EmskgError as exc:  # a store that is down must not keep the KB pages from starting
                log.warning("the store is not available yet: %s", exc)
            settle()  # the graph lives as long as the worker: keep the garbage collector off it
        return ctx

    @property
    def store(self) -> Store:
        """The server's store, opened read-only on first use (so a store that is down does not keep
        the KB pages from starting): registrations, sector queries and client SPARQL queries read
        it; the ``memory`` store is the worker's own graph plus the registrations kept on disk.
        Raises ``StoreUnavailableError``."""
        if self._store is None:
            from ..stores import open_store  # the registry stack loads on first use, not at warm-up

            self._store = open_store(self.store_spec, read_only=True, kg=self.kg)
        return self._store

    @cached_property
    def index(self) -> EntityIndex:
        return EntityIndex(self.kg)

    @cached_property
    def table2(self) -> dict[str, Any]:
        """Table 2 rebuilt: a dozen queries (the slowest page, ~0.3 s) over a graph that never changes
        while the worker lives, so it is computed once, at warm-up."""
        return table2(self.index)

    @cached_property
    def resolver(self) -> TermResolver:
        return TermResolver(self.kg.store)

    @cached_property
    def validator(self) -> Validator:
        """The declaration validator (no JUnit pairs: the API reports JSON)."""
        return Validator(self.kg, record_checks=False)


# --- query results -----------------------------------------------------------------------------

def _named_result(ctx: Context, name: str, params: Mapping[str, str], max_rows: int) -> QueryResult:
    """A KB named query on the worker's knowledge graph; a ``# dataset: registry`` one (the sector
    queries) on the server's store, with parameters resolved against the knowledge graph."""
    query = ctx.catalog.get(name)
    if query.dataset == "registry":
        return run_named(ctx.store, query, params, resolver=ctx.resolver, max_rows=max_rows)
    text, subs = bind_params(query, params, ctx.resolver)
    return run_sparql(ctx.kg.store, text, substitutions=subs, max_rows=max_rows, trusted=True)


def _sparql_result(ctx: Context, text: str, max_rows: int, default_graphs: list[str] | None = None,
                   named_graphs: list[str] | None = None, base_iri: str | None = None) -> QueryResult:
    """None for both graph lists: the query's own dataset; any list (even empty): the protocol's.
    Client queries run on the server's store (registrations included), guarded before they reach it."""
    return run_sparql(ctx.store, text, max_rows=max_rows, base_iri=base_iri,
                      default_graph=None if default_graphs is None else [ox.NamedNode(g) for g in default_graphs],
                      named_graphs=None if named_graphs is None else [ox.NamedNode(g) for g in named_graphs])


def _rendered(result: QueryResult, fmt: str) -> Rendered:
    body = render(result, fmt)
    count = len(result.triples) if result.kind == "graph" else len(result.rows)
    return Rendered(body.encode() if isinstance(body, str) else body, fmt, result.kind, count, result.truncated)


def job_sparql(ctx: Context, text: str, fmts: tuple[str | None, str | None], max_rows: int,
               default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
               refusals: tuple[str, str] = ("", ""), base_iri: str | None = None) -> Rendered:
    """``fmts``: the negotiated (SELECT/ASK, CONSTRUCT/DESCRIBE) formats; the result's kind picks one
    (None: the client accepts no format for that kind: 406 with the negotiation's ``refusals``).
    ``default_graphs`` / ``named_graphs``: the protocol's dataset (both None: the query's own);
    ``base_iri``: what relative IRIs in ``text`` resolve against."""
    result = _sparql_result(ctx, text, max_rows, default_graphs, named_graphs, base_iri)
    fmt = fmts[1] if result.kind == "graph" else fmts[0]
    if fmt is None:
        what = "CONSTRUCT/DESCRIBE" if result.kind == "graph" else "SELECT/ASK"
        refusal = refusals[1] if result.kind == "graph" else refusals[0]
        raise HttpError(refusal or f"none of the accepted types fits a {what} result", 406)
    return _rendered(result, fmt)


def job_named(ctx: Context, name: str, params: dict[str, str], fmt: str, max_rows: int) -> Rendered:
    return _rendered(_named_result(ctx, name, params, max_rows), fmt)


def _cell(ctx: Context, term: Any) -> dict[str, Any]:
    if term is None:
        return {"text": ""}
    shown = node(ctx.index, term)
    out = {"text": shown["label"] if "page" in shown else compact(term)}
    if isinstance(term, ox.NamedNode):
        out["title"] = term.value
        if "page" in shown:
            out["href"] = shown["page"]
    return out


def _table(ctx: Context, result: QueryResult) -> dict[str, Any]:
    """A result as rows of display cells (labels, links to entity pages) for the HTML pages."""
    if result.kind == "ask":
        return {"kind": "ask", "boolean": result.boolean, "columns": [], "rows": [], "truncated": False}
    if result.kind == "graph":
        columns = ["subject", "predicate", "object"]
        rows: list[tuple[Any, ...]] = list(result.triples)
    else:
        columns, rows = result.variables, list(result.rows)
    return {"kind": result.kind, "boolean": None, "columns": columns, "truncated": result.truncated,
            "rows": [[_cell(ctx, t) for t in row] for row in rows]}


def job_named_table(ctx: Context, name: str, params: dict[str, str], max_rows: int) -> dict[str, Any]:
    return _table(ctx, _named_result(ctx, name, params, max_rows))


def job_sparql_table(ctx: Context, text: str, max_rows: int) -> dict[str, Any]:
    return _table(ctx, _sparql_result(ctx, text, max_rows))


# --- browsing, Table 2, validation -------------------------------------------------------------

def job_list(ctx: Context, slug: str) -> list[dict[str, Any]]:
    return list_entities(ctx.index, slug)


def job_describe(ctx: Context, slug: str, ident: str) -> dict[str, Any]:
    return describe(ctx.index, slug, ident)


def job_table2(ctx: Context) -> dict[str, Any]:
    return ctx.table2


def job_options(ctx: Context, classes: list[str]) -> dict[str, list[str]]:
    """Labels of each class's instances (for the web form's suggestions), by class CURIE."""
    out: dict[str, list[str]] = {}
    for curie in classes:
        cls = ctx.resolver.expand(curie)
        labels = set()
        if cls is not None:
            for q in ctx.kg.store.quads_for_pattern(None, RDF_TYPE, cls, ox.DefaultGraph()):
                label = ctx.kg.label_of(q.subject) if isinstance(q.subject, ox.NamedNode) else None
                if label:
                    labels.add(label)
        out[curie] = sorted(labels, key=str.casefold)
    return out


def job_validate(ctx: Context, data: bytes, fmt_name: str, name: str) -> dict[str, Any]:
    """The run-level JSON of ``emskg validate --format json`` for one declaration. A workbook that
    cannot be read raises (400, naming the sheet, row and column); RDF that does not parse is a report
    whose file has an ``error``, as it always was."""
    if fmt_name == WORKBOOK_FORMAT:
        return RunReport((ctx.validator.validate_workbook(data, name),)).to_json()
    return RunReport((ctx.validator.validate_bytes(data, format_for(fmt_name), name),)).to_json()


def job_linked(ctx: Context, what: str, name: str, fmt: str) -> bytes:
    """The Linked Data description of ``what`` (``kb``: the KB resource ``name``, ``kb-header``,
    ``ontology``, ``shapes``) serialised as ``fmt``; raises NotFoundError for an unknown name."""
    if what == "ontology":
        triples = ontology_triples(ctx.kg)
    elif what == "shapes":
        triples = shapes_triples(ctx.kg)
    elif what == "kb-header":
        triples = resource_description(ctx.kg, kb_iri("").rstrip("/"))
    else:
        triples = resource_description(ctx.kg, kb_iri(name))
    return serialize(triples, FORMATS[fmt])


def ontology_iri() -> str:
    """The ontology's own IRI: its namespace without the ``#``."""
    return EMS.rstrip("#")


def job_ontology_html(ctx: Context, css_href: str) -> str:
    """The ontology's documentation page (:mod:`emskg.query.ontodoc`)."""
    return ontology_html(ontology_triples(ctx.kg), ontology_iri(), css_href)


def job_void(ctx: Context, endpoint: str, fmt: str) -> bytes:
    """The VoID/DCAT description of the dataset served at ``endpoint``, serialised as ``fmt``."""
    return serialize(void_triples(ctx.kg, endpoint), FORMATS[fmt])


def job_page_of(ctx: Context, name: str) -> str | None:
    """The web page of the KB resource ``name`` (None when it has no page of its own); raises
    NotFoundError when the graph says nothing about it."""
    iri = kb_iri(name)
    resource_description(ctx.kg, iri)
    page = node(ctx.index, ox.NamedNode(iri)).get("page")
    return str(page) if page else None

def job_validate_page(ctx: Context, data: bytes, fmt_name: str, name: str) -> dict[str, Any]:
    """The JSON report and the printable HTML report (:mod:`emskg.validation.html_report`) of one
    declaration, for the web page: validated once, rendered twice."""
    if fmt_name == WORKBOOK_FORMAT:
        report = RunReport((ctx.validator.validate_workbook(data, name, summarize=True),))
    else:
        report = RunReport((ctx.validator.validate_bytes(data, format_for(fmt_name), name, summarize=True),))
    return {"report": report.to_json(), "html": render_html(report)}


def job_form(ctx: Context) -> dict[str, Any]:
    """The declaration form generated from the form shapes and the graph (:mod:`emskg.validation.form`)."""
    return form_spec(ctx.kg)


def job_convert(ctx: Context, data: bytes, fmt_in: str, fmt_out: str, name: str) -> bytes:
    """A declaration converted between Turtle, JSON-LD, N-Triples, RDF/XML and the .xlsx workbook.
    Raises ``InputError`` (400) when it cannot be read."""
    triples = read_declaration(data, fmt_in, name, lambda: ctx.validator.picklists)
    return write_declaration(triples, fmt_out, lambda: ctx.validator.picklists)


# --- registrations (issue 13): the server's store, written one registration at a time ---------------

@contextmanager
def _writable(ctx: Context) -> Iterator[Store]:
    """A writable handle on the server's store, for one write. The memory store is the worker's own
    (already writable, and reopening it would reload every registration); an ``oxigraph:PATH`` store
    is opened for the write and closed after it, because it takes one writer process at a time (the
    server serialises its writes) while every worker keeps its read-only handle. Raises
    ``StoreUnavailableError`` / ``StoreBusyError``."""
    if ctx.store.kind == "memory":
        yield ctx.store
        return
    from ..stores import open_store

    store = open_store(ctx.store_spec, kg=ctx.kg)
    try:
        yield store
    finally:
        store.close()


def job_register(ctx: Context, data: bytes, fmt_name: str, name: str) -> dict[str, Any]:
    """Validate, reason and store one declaration: its registration record and its report (the JSON
    of one file of ``emskg validate --format json``). A declaration that cannot be read raises
    ``InputError`` (400) and is not stored."""
    from ..sector.registry import register_bytes

    with _writable(ctx) as store:
        reg, report = register_bytes(store, data, fmt_name, name, kg=ctx.kg)
    return {"registration": reg.to_json(), "report": report.to_json()}


_REG_ID = re.compile(r"[0-9a-f]{16}")


def _system_of(store: Store, ident: str) -> str:
    """The system a registration id (or a system IRI) names. Raises ``NotFoundError``."""
    if _REG_ID.fullmatch(ident):
        reg = REGISTRATION + ident
        answer = materialise(store.query(f"SELECT ?s WHERE {{ GRAPH <{reg}> {{ <{reg}> <{EMS}registers> ?s }} }}"), 1)
        for (term,) in answer.rows:
            if isinstance(term, ox.NamedNode):
                return term.value
        raise NotFoundError(f"no registration {ident!r} (see GET /declarations)")
    try:
        ox.NamedNode(ident)
    except ValueError:
        raise NotFoundError(f"{ident!r} is neither a registration id nor a system IRI") from None
    return ident


def job_unregister(ctx: Context, ident: str) -> dict[str, Any]:
    """Remove the system a registration id (or system IRI) names, with every registration of it (as
    ``emskg unregister``). Raises ``NotFoundError`` when nothing is registered under that name."""
    from ..sector.registry import unregister

    with _writable(ctx) as store:
        system = _system_of(store, ident)
        removed = unregister(store, [system])
    return {"system": system, "removed": removed}


def job_declarations(ctx: Context) -> list[dict[str, Any]]:
    """Every registered system's latest registration, with how many it has (``list_systems``)."""
    from ..sector.registry import list_systems

    systems: list[dict[str, Any]] = list_systems(ctx.store)
    return systems


def job_declaration(ctx: Context, ident: str) -> dict[str, Any]:
    """One registration's report, like one file of ``emskg validate --format json``. Raises
    ``NotFoundError`` for an id that names no registration."""
    if not _REG_ID.fullmatch(ident):
        raise NotFoundError(f"no registration {ident!r}: ids are 16 hex digits (see GET /declarations)")
    from ..sector.registry import registration_report

    report: dict[str, Any] = registration_report(ctx.store, ident)
    return report


#: The sector named queries the Sector page charts, in the order it shows them.
SECTOR_QUERIES = ("sector-gaps", "sector-elements", "sector-initiatives", "sector-frameworks", "sector-outcomes",
                  "sector-trend")


def job_sector(ctx: Context, max_rows: int) -> dict[str, Any]:
    """What the Sector page shows: the registered systems and each sector query's table (display
    cells, as the query pages get them). A sector query missing from the catalog is left out."""
    tables: dict[str, Any] = {}
    names = {q.name for q in ctx.catalog.all()}
    for name in SECTOR_QUERIES:
        if name in names:
            query = ctx.catalog.get(name)
            tables[name] = {"title": query.title, "description": query.description,
                            **_table(ctx, _named_result(ctx, name, {}, max_rows))}
    return {"systems": job_declarations(ctx), "tables": tables}


JOBS: dict[str, Callable[..., Any]] = {
    "linked": job_linked,
    "page_of": job_page_of,
    "ontology_html": job_ontology_html,
    "void": job_void,
    "sparql": job_sparql,
    "named": job_named,
    "named_table": job_named_table,
    "sparql_table": job_sparql_table,
    "list": job_list,
    "describe": job_describe,
    "table2": job_table2,
    "validate": job_validate,
    "validate_page": job_validate_page,
    "form": job_form,
    "convert": job_convert,
    "options": job_options,
    "register": job_register,
    "unregister": job_unregister,
    "declarations": job_declarations,
    "declaration": job_declaration,
    "sector": job_sector,
}


def dispatch(ctx: Context, name: str, args: tuple[Any, ...]) -> Any:
    job = JOBS.get(name)
    if job is None:
        raise HttpError(f"unknown job {name!r}", 500)
    return job(ctx, *args)

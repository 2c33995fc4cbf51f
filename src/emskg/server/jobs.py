"""The jobs a worker process runs: SPARQL, named queries, browsing, Table 2 and validation.

A job takes plain arguments and returns plain, picklable data — rendered bytes for the protocol
endpoints, dicts for JSON and HTML pages — because it crosses a pipe back to the server process.
Everything that touches the store happens here, inside a worker, where the pool's deadline and
memory limit apply; the server process itself never runs a query.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pyoxigraph as ox

from ..core.rdfio import FORMATS, format_for, serialize
from ..core.vocab import EMS, RDF_TYPE
from ..graph.store import KnowledgeGraph, load_graph, settle
from ..query.browse import EntityIndex, describe, list_entities, node
from ..query.catalog import QueryCatalog
from ..query.formats import compact, render
from ..query.linked import kb_iri, ontology_triples, resource_description, shapes_triples
from ..query.named import TermResolver, bind_params
from ..query.ontodoc import ontology_html
from ..query.publish import void_triples
from ..query.sparql import QueryResult, materialise, prepare, result_kind, run_sparql
from ..query.table2 import table2
from ..stores import Store, open_store, parse_store_spec
from ..stores.remote import RawAnswer, parse_answer
from ..validation.declaration import read_declaration, write_declaration
from ..validation.form import form_spec
from ..validation.html_report import render_html
from ..validation.model import WORKBOOK_FORMAT, RunReport
from ..validation.validator import Validator
from . import registry
from .errors import HttpError

__all__ = ["Context", "Rendered", "dispatch", "JOBS", "REMOTE_JOBS"]

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
    """What a worker keeps between jobs: the graph and the indexes built over it."""

    kg: KnowledgeGraph
    catalog: QueryCatalog = field(default_factory=QueryCatalog)
    #: The store /sparql and named queries run on when it is embedded (``memory``: the KB plus the
    #: registrations; ``oxigraph:PATH`` read-only). None for a ``sparql:`` store, which this process
    #: cannot reach (no sockets): the server sends those queries, workers prepare and render them.
    store: Store | None = None

    @classmethod
    def load(cls, warm: bool = True, store: str | None = None) -> Context:
        ctx = cls(load_graph())
        spec = parse_store_spec(store)
        if spec.kind != "sparql":
            ctx.store = open_store(spec, read_only=True, kg=ctx.kg)
        if warm:  # build the lazy indexes now, so no request pays for them inside its deadline
            ctx.index  # noqa: B018
            ctx.table2  # noqa: B018
            ctx.resolver.resolve("Plan", None, "warm-up")
            try:  # a broken validator must not keep the query endpoints from starting
                ctx.validator.validate_bytes(b"", ox.RdfFormat.TURTLE, "warm-up")
            except Exception:  # noqa: BLE001
                log.exception("the declaration validator failed to warm up; /validate will report errors")
            settle()  # the graph lives as long as the worker: keep the garbage collector off it
        return ctx

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

def _query_store(ctx: Context) -> ox.Store | Store:
    return ctx.store if ctx.store is not None else ctx.kg.store


def _named_result(ctx: Context, name: str, params: Mapping[str, str], max_rows: int) -> QueryResult:
    query = ctx.catalog.get(name)
    text, subs = bind_params(query, params, ctx.resolver)
    return run_sparql(_query_store(ctx), text, substitutions=subs, max_rows=max_rows, trusted=True,
                      kb=not query.reads_registry)


def _sparql_result(ctx: Context, text: str, max_rows: int, default_graphs: list[str] | None = None,
                   named_graphs: list[str] | None = None, base_iri: str | None = None) -> QueryResult:
    """None for both graph lists: the query's own dataset; any list (even empty): the protocol's."""
    return run_sparql(_query_store(ctx), text, max_rows=max_rows, base_iri=base_iri,
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


# --- queries on a sparql: store: prepared here, sent by the server process, rendered here ---------

#: The jobs that run a query on the store; on a ``sparql:`` store the server runs them in three steps.
REMOTE_JOBS = frozenset({"sparql", "named", "named_table", "sparql_table"})


def _fit(fmts: tuple[str | None, str | None], refusals: tuple[str, str], kind: str) -> str:
    fmt = fmts[1] if kind == "graph" else fmts[0]
    if fmt is None:
        what = "CONSTRUCT/DESCRIBE" if kind == "graph" else "SELECT/ASK"
        refusal = refusals[1] if kind == "graph" else refusals[0]
        raise HttpError(refusal or f"none of the accepted types fits a {what} result", 406)
    return fmt


def job_remote_prepare(ctx: Context, job: str, args: tuple[Any, ...]) -> dict[str, Any]:
    """Step 1 for a ``sparql:`` store: guard the query (client text is parsed here, never in the
    server process), bind parameters, pick the format; what the server sends and how to render it."""
    dataset: tuple[list[str] | None, list[str] | None] = (None, None)
    if job in ("sparql", "sparql_table"):
        text = args[0]
        full, _ = prepare(text)
        kind = result_kind(text)
        if job == "sparql":
            _, fmts, max_rows, default_graphs, named_graphs, refusals, base_iri = args
            render: tuple[Any, ...] = (_fit(fmts, refusals, kind), fmts, refusals, max_rows)
            dataset = (default_graphs, named_graphs)
            if base_iri:
                full = f"BASE <{base_iri}> " + full
        else:
            render = (None, None, None, args[1])
        return {"text": full, "kb": False, "dataset": dataset, "render": render}
    name, params, *rest = args
    query = ctx.catalog.get(name)
    text, subs = bind_params(query, params, ctx.resolver)
    full, _ = prepare(text, substitutions=subs, trusted=True)
    render = (rest[0], None, None, rest[1]) if job == "named" else (None, None, None, rest[0])
    return {"text": full, "kb": not query.reads_registry, "dataset": dataset, "render": render}


def job_remote_render(ctx: Context, job: str, content_type: str, body: bytes, render: tuple[Any, ...]) -> Any:
    """Step 3 for a ``sparql:`` store: parse the engine's answer, cap the rows, render it."""
    fmt, fmts, refusals, max_rows = render
    result = materialise(parse_answer(RawAnswer(content_type, body)), max_rows)
    if job in ("named_table", "sparql_table"):
        return _table(ctx, result)
    if fmts is not None:  # /sparql: the answer's kind decides (as job_sparql does)
        fmt = _fit(fmts, refusals, "graph" if result.kind == "graph" else "select")
    return _rendered(result, fmt)


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


# --- registrations (issue 13): /declarations on an embedded store (a sparql: one: state.py) ---------

def _embedded(ctx: Context) -> Store:
    if ctx.store is None:  # the server runs registry operations itself on a sparql: store
        raise HttpError("registry job sent to a worker of a sparql: store", 500)
    return ctx.store


@contextmanager
def _writable(ctx: Context) -> Iterator[Store]:
    """A writable handle on the server's store, for one write. The memory store is the worker's own
    (already writable; reopening it would reload every registration); an ``oxigraph:PATH`` store is
    opened for the write and closed after it, because it takes one writer process at a time (the
    server serialises its writes) while every worker keeps its read-only handle. Raises
    ``StoreUnavailableError`` / ``StoreBusyError``."""
    store = _embedded(ctx)
    if store.kind == "memory":
        yield store
        return
    writer = open_store(store.label, kg=ctx.kg)  # an embedded store's label is its spec (no credentials)
    try:
        yield writer
    finally:
        writer.close()


def job_register(ctx: Context, data: bytes, fmt_name: str, name: str) -> dict[str, Any]:
    """Validate, reason and store one declaration (:func:`emskg.server.registry.register`)."""
    with _writable(ctx) as store:
        return registry.register(store, data, fmt_name, name, ctx.kg)


def job_register_prepare(ctx: Context, data: bytes, fmt_name: str, name: str) -> dict[str, Any]:
    """Validate and reason one declaration for a ``sparql:`` store: its quads, for the server to send."""
    return registry.prepare_registration(data, fmt_name, name, ctx.kg)


def job_unregister(ctx: Context, ident: str) -> dict[str, Any]:
    with _writable(ctx) as store:
        return registry.unregister_ident(store, ident)


def job_declarations(ctx: Context) -> list[dict[str, Any]]:
    return registry.declarations(_embedded(ctx))


def job_declaration(ctx: Context, ident: str) -> dict[str, Any]:
    return registry.declaration(_embedded(ctx), ident)


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
    "remote_prepare": job_remote_prepare,
    "remote_render": job_remote_render,
    "register": job_register,
    "register_prepare": job_register_prepare,
    "unregister": job_unregister,
    "declarations": job_declarations,
    "declaration": job_declaration,
}


def dispatch(ctx: Context, name: str, args: tuple[Any, ...]) -> Any:
    job = JOBS.get(name)
    if job is None:
        raise HttpError(f"unknown job {name!r}", 500)
    return job(ctx, *args)

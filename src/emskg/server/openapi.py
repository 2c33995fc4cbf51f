"""Response models of the JSON API; FastAPI turns them into the OpenAPI schema at /openapi.json.

The models describe what :mod:`emskg.query.browse`, :mod:`emskg.query.table2` and the health check return, so
the published schema is checked against real responses on every request (FastAPI validates
``response_model`` output) and cannot drift from them silently.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .negotiate import GRAPH_OFFERS, SELECT_OFFERS

__all__ = [
    "RESULT_RESPONSES", "ERROR_RESPONSES",
    "ErrorBody", "Health", "Node", "PropertyValues", "Qualified", "EntitySummary", "EntityDetail",
    "QueryParameter", "NamedQueryInfo", "Table2", "ValidationRun", "DeclarationReport", "RegisteredSystem",
    "Registration", "Registered", "Unregistered", "WRITE_RESPONSES",
]


class ErrorBody(BaseModel):
    """Every error: one line, never a traceback."""

    error: str = Field(description="what went wrong, in one line")


class Health(BaseModel):
    status: str = Field(description="'ok' when every query worker is alive")
    version: str
    triples: int = Field(description="triples in the default (inferred) graph")
    asserted: int
    inferred: int
    digest: str = Field(description="digest of the sources the cached graph was built from")
    workers: dict[str, int]
    named_queries: int


class Node(BaseModel):
    """An IRI (with label and, when browsable, its API and page links) or a literal. A field that does
    not apply is left out of the JSON, not sent as ``null``."""

    label: str
    iri: str | None = None
    id: str | None = Field(None, description="local name, when the IRI is a browsable entity")
    href: str | None = Field(None, description="API resource of the entity")
    page: str | None = Field(None, description="web page of the entity")
    datatype: str | None = None
    language: str | None = None


class PropertyValues(BaseModel):
    property: Node
    inferred: bool = Field(description="true when the reasoner derived these values")
    values: list[Node]


class Qualified(BaseModel):
    """A claim (or step, or figure) kept as a node: what it is about, how, and the report's words."""

    property: Node = Field(description="the property linking the holder to the claim, e.g. ems:componentSupport")
    subject: Node = Field(description="the entity holding the claim")
    types: list[Node]
    label: str | None = None
    target: Node | None = Field(None, description="what the claim is about: component, outcome, stage, element or initiative")
    level: str | None = Field(None, description="full / partial support")
    basis: str | None = Field(None, description="stated / from scope")
    role: str | None = Field(None, description="adoption role")
    evidence: list[str] = Field(description="verbatim quotes of the report")
    sources: list[Node] = Field(description="report sections")
    details: list[PropertyValues]


class EntitySummary(BaseModel):
    id: str
    iri: str
    label: str
    definition: str | None = None
    types: list[Node] = Field(description="the subclasses of the collection's class it belongs to")
    href: str
    page: str


class EntityDetail(BaseModel):
    id: str
    iri: str
    collection: str
    label: str
    alt_labels: list[str]
    definition: str | None = None
    types: list[Node]
    sources: list[Node] = Field(description="report sections (dcterms:source)")
    properties: list[PropertyValues]
    qualified: list[Qualified] = Field(description="claims and other qualified values this entity holds")
    referenced_by: list[PropertyValues] = Field(description="entities that point at this one")
    qualified_by: list[Qualified] = Field(description="claims of other entities about this one")
    links: dict[str, str]


class QueryParameter(BaseModel):
    name: str
    type: str = Field(description="a class CURIE (value: a label, local name, CURIE or IRI), 'literal' or an xsd type")
    default: str | None
    description: str
    multiple: bool = Field(description="takes a comma-separated list")


class NamedQueryInfo(BaseModel):
    name: str
    title: str
    description: str
    parameters: list[QueryParameter]
    dataset: str = Field("kb", description="'kb': answers from the knowledge graph; 'registry': from the "
                                           "declarations registered in the server's store (the sector queries)")
    links: dict[str, str]


class Cell(BaseModel):
    value: str = Field(description="full / partial / gap / supported, or stated / via sub-outcome; empty: nothing said")
    evidence: list[str]
    sources: list[Node]
    via: list[Node] = Field(description="the sub-outcomes an outcome is addressed through")


class Table2Row(BaseModel):
    initiative: Node
    type: str = Field(description="framework, tool, or framework and tool")
    components: list[Cell] = Field(description="one cell per component, in the order of 'components'")
    outcomes: list[Cell] = Field(description="one cell per outcome, in the order of 'outcomes'")


class StageCoverage(BaseModel):
    initiative: Node
    basis: str


class Stage(BaseModel):
    stage: Node
    order: int
    initiatives: list[StageCoverage]
    parts: list[Node]


class ValueChain(BaseModel):
    chain: Node
    stages: list[Stage]


class Table2(BaseModel):
    """The report's lost Table 2 (components and outcomes) and value-chain coverage, rebuilt."""

    components: list[Node]
    outcomes: list[Node]
    rows: list[Table2Row]
    value_chains: list[ValueChain]


class ValidationRun(BaseModel):
    """The JSON report of ``emskg validate --format json``."""

    conforms: bool
    files: list[dict[str, Any]]


class DeclarationReport(BaseModel):
    """One declaration's validation report: one file of ``emskg validate --format json``."""

    model_config = ConfigDict(extra="allow")

    file: str
    conforms: bool = Field(description="true when no rule is violated (warnings allowed)")
    results: list[dict[str, Any]]


class RegisteredSystem(BaseModel):
    """A registered management system: its latest registration (the one the sector queries count)."""

    model_config = ConfigDict(extra="allow")

    system: str = Field(description="the ems:ManagementSystem's IRI")
    label: str | None = None
    id: str = Field(description="the latest registration's id: GET /declarations/{id} gives its report")
    registeredAt: str
    conforms: bool
    violations: int
    warnings: int
    registrations: int = Field(description="how many times the system was registered (its history)")
    links: dict[str, str]


class Registration(BaseModel):
    id: str = Field(description="16 hex digits")
    iri: str = Field(description="the registration's named graph")
    system: str
    registeredAt: str
    conforms: bool
    violations: int
    warnings: int
    sourceName: str
    reportingPeriod: str | None = None


class Registered(BaseModel):
    """What POST /declarations answers: the new registration and its report."""

    registration: Registration
    report: DeclarationReport
    links: dict[str, str]


class Unregistered(BaseModel):
    system: str = Field(description="the system removed from the registry")
    removed: int = Field(description="how many registrations (its whole history) were removed")


#: OpenAPI: the non-JSON bodies a query answer can have.
RESULT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Query results, by content negotiation (SELECT/ASK: SPARQL results JSON, XML, CSV, "
                         "TSV; CONSTRUCT/DESCRIBE: Turtle, N-Triples, JSON-LD, RDF/XML). "
                         "Header X-EMSKG-Truncated: true when the row limit cut the result.",
          "content": {m: {"schema": {"type": "string"}} for m in dict.fromkeys(
              o.media_type for o in (*SELECT_OFFERS[:4], *GRAPH_OFFERS[:4]))}},
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in {
        400: "malformed query or bad parameter", 403: "update, LOAD or SERVICE refused",
        404: "unknown name", 406: "no acceptable format", 413: "request body too large",
        415: "unsupported request media type", 503: "workers busy, query aborted (memory) or the store unreachable",
        504: "query timed out"}.items()
}
#: OpenAPI: what a write to the store (POST / DELETE /declarations) may answer besides ERROR_RESPONSES.
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "missing or wrong bearer token (EMSKG_REGISTER_TOKEN)"},
    403: {"model": ErrorBody, "description": "registration over HTTP is off: the server sets no EMSKG_REGISTER_TOKEN"},
}

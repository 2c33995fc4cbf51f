"""Registering declarations in a store, and reading the registry back.

A registration is one named graph, ``https://w3id.org/emskg/registration/<id>``, written by
:meth:`Store.add_graphs` as a :class:`~emskg.stores.base.GraphPayload`: its record last, so that a
killed ``emskg register`` leaves each declaration whole or absent as every registry query reads it
(docs/stores.md "Registrations and sector queries"). The graph holds:

* the declaration's triples, blank nodes skolemised to ``<registration>/genid/<n>`` — ``n`` is the
  number ``emskg validate`` gives the blank node in its reports (``_:b<n>``, order of first
  appearance), so a stored result's focus node is the report's, and the IRIs are stable, deletable
  and the same on every engine;
* what the reasoner infers from the declaration on top of the knowledge graph and that mentions a
  node of the declaration (never a fact about knowledge-base terms alone);
* ``ems:lacksElement``: each Appendix C element of the knowledge graph the system does not cover
  (closed-world, as registered), so the sector's "who lacks what" reads a few facts per system
  instead of every covered element;
* the registration record (``ems:Registration``: system, time, conformance, counts, file name,
  build digest, reporting period) and the SHACL report as RDF (``sh:ValidationReport`` and its
  ``sh:ValidationResult`` s, with ``ems:suggestedInitiative`` for each gap) plus each source shape's
  ``rdfs:label``, so sector queries need neither the shapes graph nor the validator.

A system's current registration is its latest one (``ems:registeredAt``, then the greater graph IRI):
computed by the queries, never stored, so registering never rewrites an older graph.

Validation is :class:`emskg.validation.validator.Validator` itself (the same engine, shapes and
results as ``emskg validate``); ``jobs`` > 1 runs it through :mod:`emskg.validation.batch`. Several
whole declarations go into each ``add_graphs`` call (each stays whole or absent as the registry
reads it), which is what makes bulk registration fast on every store. Workers send each
registration as N-Quads text, which this process hands to the store as it is.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..core.fsutil import read_input
from ..core.rdfio import format_for, parse_bytes
from ..core.terms import Triple, best_label
from ..core.vocab import (
    PREFIXES,
    RDF_LANG_STRING,
    RDF_TYPE,
    RDFS_LABEL,
    REGISTRATION,
    XSD_BOOLEAN,
    XSD_DATETIME,
    XSD_INTEGER,
    ems,
    sh,
)
from ..errors import EmskgError, InputError, NotFoundError
from ..stores.base import GraphPayload
from ..validation.model import SEVERITIES, FileReport, ValidationResult

if TYPE_CHECKING:
    from ..graph.store import KnowledgeGraph
    from ..stores.base import Store
    from ..validation.validator import Validator

__all__ = [
    "Registration", "RegisterRun", "Examined", "register_files", "register_bytes", "unregister", "list_systems",
    "registration_report", "registration_quads", "registration_payload", "BATCH_DECLARATIONS", "BATCH_QUADS",
]

#: At most this many whole declarations, or about this many quads, go into one ``add_graphs`` call
#: (a store may ask for more quads: ``batch_quads``, e.g. ``oxigraph:PATH``'s bulk loader).
BATCH_DECLARATIONS = 256
BATCH_QUADS = 60_000

_SYSTEM = ems("ManagementSystem")
_COVERS = ems("coversElement")
_LACKS = ems("lacksElement")
_PERIOD = ems("reportingPeriod")
_REGISTRATION = ems("Registration")


@dataclass(frozen=True)
class Registration:
    """One registration: a declaration stored in its own graph (``iri``) at ``registered_at`` (UTC)."""

    id: str
    iri: str
    system: str
    registered_at: datetime
    conforms: bool
    violations: int
    warnings: int
    source_name: str
    reporting_period: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "iri": self.iri, "system": self.system,
                "registeredAt": self.registered_at.isoformat().replace("+00:00", "Z"), "conforms": self.conforms,
                "violations": self.violations, "warnings": self.warnings, "sourceName": self.source_name,
                "reportingPeriod": self.reporting_period}


@dataclass
class RegisterRun:
    """What a run of :func:`register_files` did: a registration per readable file and a report per
    file (both in file order; an unreadable file's report has ``error`` set), and the files that could
    not be read, with why (they are not registered)."""

    registrations: list[Registration] = field(default_factory=list)
    reports: list[FileReport] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    def exit_code(self) -> int:
        """As ``emskg validate``: 2 if a file was unreadable, 1 if a declaration has a violation, else 0."""
        if self.unreadable:
            return 2
        return 1 if any(not r.conforms for r in self.reports) else 0


@dataclass(frozen=True)
class Examined:
    """One declaration validated and reasoned (what a worker process sends back): its report, its
    triples and the inferences that mention its nodes, and the SHA-256 of its bytes. ``declaration``
    is empty and ``report.error`` set when the file could not be read."""

    report: FileReport
    declaration: list[Triple]
    inferred: list[Triple]
    digest: str
    shape_labels: dict[str, str]
    #: every Appendix C element of the knowledge graph (for ``ems:lacksElement``)
    elements: tuple[ox.NamedNode, ...] = ()


# --- examining declarations (validate + reason) ---------------------------------------------------

class _Examiner:
    """A validator plus what registration adds to validation; one per process."""

    def __init__(self, validator: Validator) -> None:
        self.validator = validator
        self._elements: tuple[ox.NamedNode, ...] | None = None

    @property
    def elements(self) -> tuple[ox.NamedNode, ...]:
        """The knowledge graph's Appendix C elements (what a system can lack)."""
        if self._elements is None:
            self._elements = tuple(ox.NamedNode(c.iri) for c in self.validator.picklists.elements.choices)
        return self._elements

    def examine_file(self, path: str) -> Examined:
        """Read and examine one local file exactly as ``Validator.validate_file`` reads it; never
        raises for a bad file (the report carries the error)."""
        name = str(Path(path))
        try:
            data = read_input(path, "a declaration")
            if Path(path).suffix.lower() == ".xlsx":
                from ..validation.workbook import read_workbook

                triples = read_workbook(data, self.validator.picklists, name)
            else:
                triples = parse_bytes(data, format_for(path=path), name, base_iri=Path(path).resolve().as_uri())
            return self.examine(triples, name, data)
        except EmskgError as exc:
            return Examined(FileReport(name, False, error=exc.message), [], [], "", {})

    def examine(self, declaration: list[Triple], name: str, data: bytes) -> Examined:
        """Validate and reason parsed triples. Raises ``InputError`` when the reasoner refuses them."""
        report, inferred = self.validator.examine(declaration, name)
        nodes = {s for s, _, _ in declaration}
        nodes.update(o for _, _, o in declaration if isinstance(o, ox.BlankNode))
        mentioning = [t for t in dict.fromkeys(inferred) if t[0] in nodes or t[2] in nodes]
        info = self.validator.shapes.info
        labels = {r.source_shape: info[r.source_shape].label for r in report.results if r.source_shape in info}
        return Examined(report, declaration, mentioning, hashlib.sha256(data).hexdigest(), labels, self.elements)


_VALIDATORS: dict[int, tuple[KnowledgeGraph, Validator]] = {}
_VALIDATORS_LOCK = threading.Lock()


def _validator(kg: KnowledgeGraph | None) -> Validator:
    """One validator per knowledge graph for the life of the process (the server registers many
    declarations; compiling the shapes each time would cost more than validating)."""
    from ..graph.store import load_graph
    from ..validation.validator import Validator

    graph = kg if kg is not None else load_graph()
    with _VALIDATORS_LOCK:
        cached = _VALIDATORS.get(id(graph))
        if cached is None or cached[0] is not graph:
            cached = (graph, Validator(graph, record_checks=False))
            _VALIDATORS[id(graph)] = cached
        return cached[1]


# --- the registration graph --------------------------------------------------------------------

class _Clock:
    """Registration times: UTC, microseconds, strictly increasing within the process, so files
    registered in one run keep their order (the later file of a system is its newer registration)."""

    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            t = datetime.now(UTC)
            if t <= self._last:
                t = self._last + timedelta(microseconds=1)
            self._last = t
            return t


_CLOCK = _Clock()


def _xsd_datetime(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _bnode_numbers(declaration: Sequence[Triple]) -> dict[ox.BlankNode, int]:
    """Blank nodes numbered as the validator's reports number them (``_:b1`` ... by first appearance)."""
    numbers: dict[ox.BlankNode, int] = {}
    for s, _, o in declaration:
        for t in (s, o):
            if isinstance(t, ox.BlankNode) and t not in numbers:
                numbers[t] = len(numbers) + 1
    return numbers


def registration_quads(examined: Examined, registered_at: datetime, build_digest: str) -> tuple[Registration, list[ox.Quad]]:
    """The registration of one examined declaration and every quad of its graph (see
    :func:`_registration`). Raises ``InputError`` when the examined file was unreadable."""
    registration, reg, triples = _registration(examined, registered_at, build_digest)
    return registration, [ox.Quad(s, p, o, reg) for s, p, o in triples]


def registration_payload(examined: Examined, registered_at: datetime, build_digest: str) -> tuple[Registration, GraphPayload]:
    """:func:`registration_quads` as the payload :meth:`Store.add_graphs` writes: N-Quads text made
    from the terms directly (pyoxigraph writes a term as N-Triples does), the record apart. This is
    what every worker of ``register --jobs`` makes for each file, so it skips the quad objects.
    Raises ``InputError`` when the examined file was unreadable."""
    registration, reg, triples = _registration(examined, registered_at, build_digest)
    tail = f" {reg} .\n"
    body = "".join([f"{s} {p} {o}{tail}" for s, p, o in triples if s != reg])
    record = "".join([f"{s} {p} {o}{tail}" for s, p, o in triples if s == reg])
    return registration, GraphPayload(registration.iri, body.encode(), record.encode())


def _registration(examined: Examined, registered_at: datetime,
                  build_digest: str) -> tuple[Registration, ox.NamedNode, list[Triple]]:
    """The registration of one examined declaration, its graph's name, and every triple of its graph.

    The system is the declaration's ``ems:ManagementSystem`` (stated or inferred; the first by IRI
    when it declares several — the record then registers each). A declaration that declares none
    (that is its violation) is registered under ``<registration namespace>undeclared/<sha256 of its
    file name>``, so registering the same file again is a newer registration of the same entry.
    Raises ``InputError`` when the examined file was unreadable."""
    report = examined.report
    if report.error is not None:
        raise InputError(report.error)
    numbers = _bnode_numbers(examined.declaration)
    at_text = _xsd_datetime(registered_at)
    own = examined.declaration + examined.inferred
    systems = sorted({s for s, p, o in own if p == RDF_TYPE and o == _SYSTEM},
                     key=lambda t: (isinstance(t, ox.BlankNode), t.value))
    if not systems:
        key = REGISTRATION + "undeclared/" + hashlib.sha256(report.file.encode()).hexdigest()[:16]
    elif isinstance(systems[0], ox.NamedNode):
        key = systems[0].value
    else:  # a blank-node system: named as validate names it until the graph's IRI exists
        key = f"_:b{numbers.get(systems[0], 0)}"
    ident = hashlib.sha256(f"{key}|{at_text}|{examined.digest}".encode()).hexdigest()[:16]
    iri = REGISTRATION + ident
    reg = ox.NamedNode(iri)
    genid = iri + "/genid/"
    extra: dict[ox.BlankNode, ox.NamedNode] = {}

    def skolem(t: Any) -> Any:
        if isinstance(t, ox.BlankNode):
            n = numbers.get(t)
            if n is None:
                node = extra.get(t)
                if node is None:
                    node = extra[t] = ox.NamedNode(f"{genid}{len(numbers) + len(extra) + 1}")
                return node
            return ox.NamedNode(f"{genid}{n}")
        return t

    quads: list[Triple] = []
    add = quads.append
    if numbers:
        for s, p, o in dict.fromkeys(own):
            add((skolem(s), p, skolem(o)))
    else:
        quads.extend(dict.fromkeys(own))
    system_nodes = [skolem(s) for s in systems] or [ox.NamedNode(key)]
    covers = _COVERS
    stated_systems: list[ox.NamedNode | ox.BlankNode | None] = list(systems) or [None]
    for stated, node in zip(stated_systems, system_nodes, strict=True):
        covered = {o for s, p, o in own if p == covers and s == stated} if stated is not None else set()
        for element in examined.elements:
            if element not in covered:
                add((node, _LACKS, element))
    system = system_nodes[0].value
    periods = sorted({o.value for s, p, o in examined.declaration if p == _PERIOD and s in systems and isinstance(o, ox.Literal)})
    period_literals = [o for s, p, o in examined.declaration if p == _PERIOD and s in systems and isinstance(o, ox.Literal)]
    violations = report.count("Violation")
    warnings = report.count("Warning")
    add((reg, RDF_TYPE, _REGISTRATION))
    for node in system_nodes:
        add((reg, ems("registers"), node))
    add((reg, ems("registeredAt"), ox.Literal(at_text, datatype=XSD_DATETIME)))
    add((reg, ems("conforms"), ox.Literal("true" if report.conforms else "false", datatype=XSD_BOOLEAN)))
    add((reg, ems("violationCount"), ox.Literal(str(violations), datatype=XSD_INTEGER)))
    add((reg, ems("warningCount"), ox.Literal(str(warnings), datatype=XSD_INTEGER)))
    add((reg, ems("sourceName"), ox.Literal(Path(report.file).name)))
    add((reg, ems("buildDigest"), ox.Literal(build_digest)))
    if period_literals:
        add((reg, _PERIOD, min(period_literals, key=lambda lit: lit.value)))
    rep = ox.NamedNode(iri + "#report")
    add((reg, ems("validationReport"), rep))
    add((rep, RDF_TYPE, sh("ValidationReport")))
    add((rep, sh("conforms"), ox.Literal("true" if report.conforms else "false", datatype=XSD_BOOLEAN)))
    for i, r in enumerate(report.results, 1):
        quads.extend(_result_triples(r, ox.NamedNode(f"{iri}#r{i}"), rep, genid))
    for shape, label in sorted(examined.shape_labels.items()):
        add((ox.NamedNode(shape), RDFS_LABEL, ox.Literal(label, language="en")))
    registration = Registration(ident, iri, system, registered_at, report.conforms, violations, warnings,
                                Path(report.file).name, periods[0] if periods else None)
    return registration, reg, quads


def _node(name: str, genid: str) -> ox.NamedNode:
    """A report's term name as the stored node: ``_:b3`` is the declaration's third blank node."""
    return ox.NamedNode(genid + name[3:]) if name.startswith("_:b") else ox.NamedNode(name)


def _result_triples(r: ValidationResult, node: ox.NamedNode, rep: ox.NamedNode, genid: str) -> Iterator[Triple]:
    yield (rep, sh("result"), node)
    yield (node, RDF_TYPE, sh("ValidationResult"))
    yield (node, sh("focusNode"), _node(r.focus_node, genid))
    if r.result_path is not None and _is_iri(r.result_path):
        yield (node, sh("resultPath"), ox.NamedNode(r.result_path))
    if r.value is not None:
        if r.value_datatype is None:
            yield (node, sh("value"), _node(r.value, genid))
        elif r.value_datatype == RDF_LANG_STRING.value:
            yield (node, sh("value"), ox.Literal(r.value))
        else:
            yield (node, sh("value"), ox.Literal(r.value, datatype=ox.NamedNode(r.value_datatype)))
    yield (node, sh("resultSeverity"), sh(r.severity))
    yield (node, sh("sourceShape"), ox.NamedNode(r.source_shape))
    if r.constraint_component:
        yield (node, sh("sourceConstraintComponent"), ox.NamedNode(r.constraint_component))
    yield (node, sh("resultMessage"), ox.Literal(r.message, language="en"))
    for s in r.suggestions:
        yield (node, ems("suggestedInitiative"), ox.NamedNode(s.initiative))


def _is_iri(text: str) -> bool:
    """A result path that is one IRI (a complex SHACL path is kept out of the stored report)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return ":" in text and not any(c in text for c in "<>^|/*+? ") or text.startswith(("http://", "https://"))


# --- registering -------------------------------------------------------------------------------

def register_files(store: Store, files: Sequence[Path | str], *, jobs: int = 1, kg: KnowledgeGraph | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   clock: Callable[[], datetime] | None = None) -> RegisterRun:
    """Validate, reason and register each declaration file, in file order.

    Every readable file is registered, conforming or not (its report says which); a file that cannot
    be read or parsed is not, and is listed in ``unreadable`` with its one-line error. ``jobs`` > 1
    validates in that many processes (:mod:`emskg.validation.batch`: the same results); the
    registrations are written here, in file order, several whole declarations per
    :meth:`Store.add_graphs` (each whole or absent). ``progress(done, total)`` is called after each write. ``clock`` gives each
    registration's time (default: now, UTC, strictly increasing), called once per file in file order
    (benchmarks and tests that build a history pass their own).

    Raises ``StoreUnavailableError`` (or ``StoreBusyError``) when the store cannot be written — the
    declarations written before stay registered, each whole — and ``BuildError`` when the knowledge
    graph cannot be built."""
    validator = _validator(kg)
    registrar = _Registrar(_Examiner(validator), validator.kg.digest)
    now = clock or _CLOCK.now
    paths = [str(p) for p in files]
    run = RegisterRun()
    if not paths:
        return run
    # the times are taken before validating, in file order, so a run in several processes keeps the
    # order of the files (the later file of a system is its newer registration)
    items = [f"{_xsd_datetime(now())}\0{p}" for p in paths]
    registered: Iterable[_Registered]
    if jobs > 1 and len(paths) > 1:
        from ..validation.batch import iter_chunks

        # the workers validate and reason while this process writes what they have finished: the
        # store's write (~1-2 ms a declaration on Oxigraph) overlaps the next declarations' checks
        make = partial(_worker_registrar, str(validator.kg.paths.root), str(validator.shapes.folder))
        registered = iter_chunks(items, jobs, local=registrar.register, make_worker=make)
    else:
        registered = (registrar.register(item) for item in items)
    pending: list[GraphPayload] = []
    pending_regs: list[Registration] = []
    pending_quads = 0
    done = 0
    batch_quads = max(BATCH_QUADS, int(getattr(store, "batch_quads", BATCH_QUADS)))
    batch_declarations = BATCH_DECLARATIONS * (batch_quads // BATCH_QUADS)

    def flush() -> None:
        nonlocal done, pending_quads
        if pending_regs:
            store.add_graphs(pending)
            run.registrations.extend(pending_regs)
            done += len(pending_regs)
            pending.clear()
            pending_regs.clear()
            pending_quads = 0
            if progress is not None:
                progress(done + len(run.unreadable), len(paths))

    for item in registered:
        run.reports.append(item.report)
        if item.registration is None or item.payload is None:
            run.unreadable.append((item.report.file, item.report.error or "cannot be read"))
            continue
        pending.append(item.payload)
        pending_quads += item.payload.quads
        pending_regs.append(item.registration)
        if len(pending_regs) >= batch_declarations or pending_quads >= batch_quads:
            flush()
    flush()
    if progress is not None and run.unreadable and done == 0:
        progress(len(run.unreadable), len(paths))
    return run


@dataclass(frozen=True)
class _Registered:
    """One file's registration, ready to write: its graph as N-Quads text (bytes cross the process
    boundary far faster than pickled terms, and the store takes them as they are)."""

    report: FileReport
    registration: Registration | None
    payload: GraphPayload | None = None


class _Registrar:
    """Examines one ``time\0path`` item and builds its registration."""

    def __init__(self, examiner: _Examiner, digest: str) -> None:
        self.examiner = examiner
        self.digest = digest

    def register(self, item: str) -> _Registered:
        at_text, _, path = item.partition("\0")
        examined = self.examiner.examine_file(path)
        if examined.report.error is not None:
            return _Registered(examined.report, None)
        at = datetime.strptime(at_text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        registration, payload = registration_payload(examined, at, self.digest)
        return _Registered(examined.report, registration, payload)


def _worker_registrar(root: str, shapes: str) -> Callable[[str], _Registered]:
    """Build a worker process's registrar (sent by name to :func:`emskg.validation.batch.run_chunks`)."""
    from ..core.paths import DataPaths
    from ..graph.store import load_graph, settle
    from ..validation.validator import Validator

    kg = load_graph(paths=DataPaths(Path(root)))
    validator = Validator(kg, shapes_dir=Path(shapes), record_checks=False)
    settle()
    return _Registrar(_Examiner(validator), kg.digest).register




def register_bytes(store: Store, data: bytes, fmt_name: str, name: str, *, kg: KnowledgeGraph | None = None,
                   clock: Callable[[], datetime] | None = None) -> tuple[Registration, FileReport]:
    """Validate, reason and register one declaration given as bytes (``POST /declarations``).

    ``fmt_name`` is a declaration format name (``turtle``, ``jsonld``, ``xlsx`` ...: see
    :func:`emskg.validation.declaration.declaration_format`); ``name`` is what the report and the
    registration's ``ems:sourceName`` call it. Raises ``InputError`` when the bytes cannot be read
    as that format (nothing is registered), ``StoreUnavailableError`` when the store cannot be
    written, ``BuildError`` when the knowledge graph cannot be built. ``clock``: as for
    :func:`register_files`."""
    from ..validation.declaration import declaration_format, read_declaration

    validator = _validator(kg)
    fmt = declaration_format(fmt_name)
    triples = read_declaration(data, fmt, name, lambda: validator.picklists)
    item = _Examiner(validator).examine(triples, name, data)
    registration, payload = registration_payload(item, (clock or _CLOCK.now)(), validator.kg.digest)
    store.add_graphs([payload])
    return registration, item.report


# --- reading the registry ----------------------------------------------------------------------

_PROLOGUE = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())

#: Each system's latest registration (the shape every sector query shares).
_LATEST = """
  FILTER NOT EXISTS {
    GRAPH ?newer { ?newer ems:registers ?system ; ems:registeredAt ?at2 }
    FILTER (?at2 > ?at || (?at2 = ?at && STR(?newer) > STR(?reg)))
  }"""


def _rows(store: Store, text: str) -> list[dict[str, Any]]:
    """A SELECT's rows as {variable: term}; raises ``QueryError`` / ``StoreUnavailableError`` as the store does."""
    result = store.query(_PROLOGUE + text)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("expected a SELECT result")
    names = [v.value for v in result.variables]
    return [{n: t for n, t in zip(names, solution, strict=True) if t is not None} for solution in result]


def _registration_graphs(store: Store, system: str) -> list[str]:
    rows = _rows(store, "SELECT DISTINCT ?reg WHERE { GRAPH ?reg { ?reg a ems:Registration ; "
                        f"ems:registers {ox.NamedNode(system)} }} }}")
    return sorted(r["reg"].value for r in rows)


def unregister(store: Store, systems: Sequence[str]) -> int:
    """Remove every registration of each system (every graph whose record registers it); the number
    of registrations removed.

    Raises ``InputError`` for a system that is not an IRI and ``NotFoundError`` (naming them) when a
    system has no registration — before anything is removed; ``StoreUnavailableError`` when the
    store cannot be reached."""
    graphs: list[str] = []
    missing: list[str] = []
    for system in systems:
        try:
            ox.NamedNode(system)
        except ValueError:
            raise InputError(f"{system!r} is not an IRI (unregister takes the ems:ManagementSystem's IRI)") from None
        found = _registration_graphs(store, system)
        if not found:
            missing.append(system)
        graphs.extend(found)
    if missing:
        raise NotFoundError(f"no registration of {', '.join(missing)}")
    unique = list(dict.fromkeys(graphs))
    store.drop_graphs(unique)
    return len(unique)


def list_systems(store: Store) -> list[dict[str, Any]]:
    """Every registered system with its latest registration (``GET /declarations``): ``system``,
    ``label``, ``id``, ``registeredAt`` (ISO 8601, UTC), ``conforms``, ``violations``, ``warnings``,
    ``sourceName``, ``reportingPeriod`` (or None) and ``registrations`` (how many it has), by system IRI.

    Raises ``StoreUnavailableError`` when the store cannot be reached, ``QueryError`` when it refuses."""
    rows = _rows(store, """
SELECT ?system ?reg ?at ?conforms ?violations ?warnings ?source ?period ?label ?registrations WHERE {
  { SELECT ?system (COUNT(DISTINCT ?r) AS ?registrations)
    WHERE { GRAPH ?r { ?r a ems:Registration ; ems:registers ?system } } GROUP BY ?system }
  GRAPH ?reg {
    ?reg a ems:Registration ; ems:registers ?system ; ems:registeredAt ?at ; ems:conforms ?conforms ;
         ems:violationCount ?violations ; ems:warningCount ?warnings ; ems:sourceName ?source .
    OPTIONAL { ?reg ems:reportingPeriod ?period }
    OPTIONAL { ?system rdfs:label ?label }
  }""" + _LATEST + "\n}")
    out: dict[str, dict[str, Any]] = {}
    labels: dict[str, list[ox.Literal]] = {}
    for row in rows:
        system = row["system"].value
        if "label" in row:
            labels.setdefault(system, []).append(row["label"])
        if system in out:
            continue
        reg = row["reg"].value
        out[system] = {
            "system": system, "label": None, "id": reg.removeprefix(REGISTRATION),
            "registeredAt": row["at"].value, "conforms": row["conforms"].value == "true",
            "violations": int(row["violations"].value), "warnings": int(row["warnings"].value),
            "sourceName": row["source"].value, "reportingPeriod": row["period"].value if "period" in row else None,
            "registrations": int(row["registrations"].value)}
    for system, lits in labels.items():
        out[system]["label"] = best_label(sorted(lits, key=lambda lit: (lit.language or "", lit.value)))
    return [out[s] for s in sorted(out)]


def _ident(ident: str) -> str:
    """The registration graph IRI for an id (16 hex) or a full registration IRI; raises ``NotFoundError``."""
    iri = ident if ident.startswith(REGISTRATION) else REGISTRATION + ident
    rest = iri.removeprefix(REGISTRATION)
    if len(rest) != 16 or any(c not in "0123456789abcdef" for c in rest):
        raise NotFoundError(f"no registration {ident!r} (ids are 16 hex digits)")
    return iri


def registration_report(store: Store, ident: str) -> dict[str, Any]:
    """One registration's report, as ``emskg validate --format json`` gives it for that file (``file``,
    ``conforms``, ``results`` with focus node, path, value, severity, message, source shape and the
    suggested initiatives), plus the record (``id``, ``iri``, ``system``, ``registeredAt``,
    ``violations``, ``warnings``, ``reportingPeriod``). Blank nodes of the declaration are named
    ``_:b<n>`` as in ``validate``'s report.

    Raises ``NotFoundError`` when there is no such registration, ``StoreUnavailableError`` when the
    store cannot be reached."""
    iri = _ident(ident)
    reg = ox.NamedNode(iri)
    record = _rows(store, f"""
SELECT ?system ?at ?conforms ?violations ?warnings ?source ?period WHERE {{ GRAPH {reg} {{
  {reg} a ems:Registration ; ems:registers ?system ; ems:registeredAt ?at ; ems:conforms ?conforms ;
        ems:violationCount ?violations ; ems:warningCount ?warnings ; ems:sourceName ?source .
  OPTIONAL {{ {reg} ems:reportingPeriod ?period }} }} }} ORDER BY ?system""")
    if not record:
        raise NotFoundError(f"no registration {ident!r}")
    head = record[0]
    results = _rows(store, f"""
SELECT ?r ?focus ?focusLabel ?path ?value ?severity ?message ?shape ?initiative WHERE {{ GRAPH {reg} {{
  {reg} ems:validationReport ?report . ?report sh:result ?r .
  ?r sh:focusNode ?focus ; sh:resultSeverity ?severity ; sh:sourceShape ?shape ; sh:resultMessage ?message .
  OPTIONAL {{ ?r sh:resultPath ?path }} OPTIONAL {{ ?r sh:value ?value }}
  OPTIONAL {{ ?r ems:suggestedInitiative ?initiative }}
  OPTIONAL {{ ?focus rdfs:label ?focusLabel }} }} }}""")
    genid = iri + "/genid/"
    by_result: dict[str, dict[str, Any]] = {}
    initiatives: set[str] = set()
    for row in results:
        key = row["r"].value
        entry = by_result.get(key)
        if entry is None:
            value = row.get("value")
            entry = by_result[key] = {
                "focusNode": _name(row["focus"].value, genid), "focusLabel": None,
                "resultPath": row["path"].value if "path" in row else None,
                "value": None if value is None else _name(value.value, genid) if isinstance(value, ox.NamedNode) else value.value,
                "severity": row["severity"].value.removeprefix(sh("").value), "message": row["message"].value,
                "sourceShape": row["shape"].value, "suggestions": set(), "_labels": []}
        if "focusLabel" in row:
            entry["_labels"].append(row["focusLabel"])
        if "initiative" in row:
            entry["suggestions"].add(row["initiative"].value)
            initiatives.add(row["initiative"].value)
    facts = _initiative_facts(store, initiatives)
    out_results = []
    for entry in by_result.values():
        labels = entry.pop("_labels")
        entry["focusLabel"] = best_label(sorted(set(labels), key=lambda lit: (lit.language or "", lit.value)))
        suggested = sorted(entry["suggestions"], key=lambda i: (not facts.get(i, ("", False))[1],
                                                               facts.get(i, (i, False))[0].casefold(), i))
        entry["suggestions"] = [{"initiative": i, "label": facts.get(i, (i, False))[0]} for i in suggested]
        out_results.append(entry)
    out_results.sort(key=lambda e: (e["focusNode"], SEVERITIES.index(e["severity"]) if e["severity"] in SEVERITIES else 9,
                                    e["sourceShape"], e["resultPath"] or "", e["value"] or ""))
    return {"id": iri.removeprefix(REGISTRATION), "iri": iri, "system": head["system"].value,
            "registeredAt": head["at"].value, "file": head["source"].value, "conforms": head["conforms"].value == "true",
            "violations": int(head["violations"].value), "warnings": int(head["warnings"].value),
            "reportingPeriod": head["period"].value if "period" in head else None, "results": out_results}


def _name(iri: str, genid: str) -> str:
    return "_:b" + iri[len(genid):] if iri.startswith(genid) else iri


def _initiative_facts(store: Store, initiatives: set[str]) -> dict[str, tuple[str, bool]]:
    """Label and "is a framework" of each initiative, from the knowledge graph."""
    if not initiatives:
        return {}
    values = " ".join(str(ox.NamedNode(i)) for i in sorted(initiatives))
    result = store.kb_query(_PROLOGUE + f"""
SELECT ?i ?label ?framework WHERE {{ VALUES ?i {{ {values} }}
  OPTIONAL {{ ?i rdfs:label ?label }}
  BIND (EXISTS {{ ?i a ems:ManagementSystemFramework }} AS ?framework) }}""")
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("expected a SELECT result")
    labels: dict[str, list[ox.Literal]] = {}
    frameworks: dict[str, bool] = {}
    for solution in result:
        i, label, framework = solution[0], solution[1], solution[2]
        if i is None:
            continue
        labels.setdefault(i.value, [])
        if isinstance(label, ox.Literal):
            labels[i.value].append(label)
        frameworks[i.value] = framework is not None and framework.value == "true"
    return {i: (best_label(sorted(lits, key=lambda lit: (lit.language or "", lit.value))) or i, frameworks.get(i, False))
            for i, lits in labels.items()}

"""Validating a utility's declared management system against the report's framework (SHACL).

A declaration (Turtle, JSON-LD ...) describes an ``ems:ManagementSystem``; the shapes of ``shapes/``
check it against the Appendix C outline and sections 3 and 5, and every gap a shape finds comes
with the initiatives of the knowledge graph that would fill it (:mod:`emskg.gaps`).

Three engines give the same results (tests hold them to it on every example and on generated
declarations):

``reference``
    What people write today: ``pyshacl.validate`` on declaration + ontology + knowledge base with
    pyshacl's owlrl inference. About 5 s a declaration, because owlrl re-derives the whole RL
    closure of the knowledge base every time.
``pyshacl``
    Reasons only over what the declaration adds, on top of the cached knowledge-base closure
    (:meth:`emskg.reason.Closure.extend`, under a millisecond), and hands pyshacl a small data
    graph: the declaration, what it entails, and the knowledge-base triples *about the terms it
    names* (see :meth:`Validator.data_graph` for why that slice gives the reference's results).
    About 12 ms a declaration.
``fast`` (default)
    The same reasoning, then the shapes compiled by :mod:`emskg.shacl` and evaluated on the
    reasoner's layered index — nothing copied, no rdflib. About 1 ms a declaration. If the shapes
    use a SHACL feature that engine does not implement, ``fast`` says so once on stderr and runs
    the ``pyshacl`` engine instead.

One :class:`Validator` is built per process and reused for every file: the knowledge graph, the
shapes and the gap answers are loaded once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyoxigraph as ox

from .errors import EmskgError, InputError
from .gaps import Gap, GapAnalysis, Suggestion
from .rdfio import PREFIXES, Triple, format_for, parse_bytes, parse_file, to_rdflib
from .reason import Closure, UnsupportedAxiom, compile_rules, has_schema_triples, materialise
from .shacl import CompiledShapes, GraphView, RawResult, UnsupportedShape
from .store import KnowledgeGraph

if TYPE_CHECKING:  # rdflib and pyshacl are slow to import; only validation imports them
    import rdflib

__all__ = [
    "Suggestion",
    "ValidationResult",
    "FileReport",
    "RunReport",
    "Validator",
    "ENGINES",
    "FAIL_ON",
    "SEVERITIES",
]

Engine = Literal["fast", "pyshacl", "reference"]
ENGINES: tuple[Engine, ...] = ("fast", "pyshacl", "reference")
#: Result severities, most severe first (the names of sh:Violation, sh:Warning, sh:Info).
SEVERITIES = ("Violation", "Warning", "Info")
#: What ``--fail-on`` accepts: the least severe result that makes the run fail.
FAIL_ON = ("violation", "warning")

SH = "http://www.w3.org/ns/shacl#"
EMS = PREFIXES["ems"]
_RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
_SYSTEM = ox.NamedNode(EMS + "ManagementSystem")
_SELECTS = ox.NamedNode(EMS + "selectsOutcome")
_OUTCOME = ox.NamedNode(EMS + "ManagementOutcome")


# --- the public result model -------------------------------------------------------------------

@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with readable labels and the initiatives that would fill the gap.

    Terms are strings: IRIs as they are, blank nodes of the declaration as ``_:b1``, ``_:b2`` ... in
    the order they first appear in the file (so reports are identical from run to run), literals by
    their lexical form.
    """

    focus_node: str
    result_path: str | None
    severity: str
    message: str
    source_shape: str
    suggestions: tuple[Suggestion, ...] = ()
    focus_label: str | None = None
    value: str | None = None
    value_label: str | None = None
    value_datatype: str | None = None  # set when the value is a literal
    constraint_component: str | None = None

    def key(self) -> tuple[str, str | None, str, str]:
        """What two engines must agree on: (focus node, path, source shape, severity)."""
        return (self.focus_node, self.result_path, self.source_shape, self.severity)

    def to_json(self) -> dict[str, Any]:
        return {
            "focusNode": self.focus_node,
            "focusLabel": self.focus_label,
            "resultPath": self.result_path,
            "value": self.value,
            "severity": self.severity,
            "message": self.message,
            "sourceShape": self.source_shape,
            "suggestions": [s.to_json() for s in self.suggestions],
        }


@dataclass(frozen=True)
class Check:
    """A (shape, focus node) pair that was checked: a JUnit test case."""

    shape: str
    shape_label: str
    focus_node: str
    focus_label: str | None


@dataclass(frozen=True)
class FileReport:
    """The validation of one file; ``error`` is set (and there are no results) when it could not be read.

    ``conforms`` means *no violation*: warnings and infos do not make a file non-conforming (like
    pyshacl's ``allow_warnings``); ``--fail-on warning`` changes the exit code, not this.
    """

    file: str
    conforms: bool
    results: tuple[ValidationResult, ...] = ()
    error: str | None = None
    checks: tuple[Check, ...] = field(default=(), compare=False)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "conforms": self.conforms,
                               "results": [r.to_json() for r in self.results]}
        if self.error is not None:
            out["error"] = self.error
        return out


@dataclass(frozen=True)
class RunReport:
    """The validation of every file of a run."""

    files: tuple[FileReport, ...]

    @property
    def conforms(self) -> bool:
        return all(f.conforms for f in self.files)

    def to_json(self) -> dict[str, Any]:
        return {"conforms": self.conforms, "files": [f.to_json() for f in self.files]}

    def exit_code(self, fail_on: str = "violation") -> int:
        """2 if a file could not be validated, 1 if a result fails the run, else 0."""
        if fail_on not in FAIL_ON:
            raise InputError(f"--fail-on takes one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        if any(f.error is not None for f in self.files):
            return 2
        failing = SEVERITIES[: SEVERITIES.index(fail_on.capitalize()) + 1]
        return 1 if any(r.severity in failing for f in self.files for r in f.results) else 0


# --- the shapes ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShapeInfo:
    """What the validator needs to know about a shape besides what pyshacl does with it."""

    iri: str
    label: str
    message: str
    gaps: tuple[Gap, ...]
    targets: tuple[tuple[str, str], ...]  # (sh:targetClass | sh:targetObjectsOf | ..., IRI)


_TARGETS = ("targetClass", "targetObjectsOf", "targetSubjectsOf", "targetNode")


class Shapes:
    """The shapes of ``shapes/``, parsed once: as triples, as an rdflib graph for pyshacl, and indexed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        files = sorted(folder.glob("*.ttl"))
        if not files:
            raise InputError(f"no SHACL shapes found in {folder}")
        self.triples: list[Triple] = [t for f in files for t in parse_file(f)]
        self.info = _shape_info(self.triples)
        self.terms = _mentioned_terms(self.triples)
        self._graph: rdflib.Graph | None = None

    @property
    def graph(self) -> rdflib.Graph:
        if self._graph is None:
            import rdflib

            self._graph = to_rdflib(self.triples, rdflib.Graph(bind_namespaces="none"))
        return self._graph


_SPARQL_IRI = re.compile(r"<([^<>\s]+)>")
_SPARQL_NAME = re.compile(r"(?<![\w?$<])([A-Za-z][\w-]*):([\w-]+)")


def _mentioned_terms(triples: list[Triple]) -> frozenset[ox.NamedNode]:
    """Every IRI the shapes name as a value or in their SPARQL (prefixed names expanded).

    A shape can only read a predicate it names — as the object of ``sh:path``, of a path operator or
    list, of ``sh:targetObjectsOf`` ... — or writes in its SPARQL, so the fast engine's slice keeps
    the knowledge-base triples with these predicates (a superset: classes, elements and sections are
    in it too). The predicates that *describe* the shapes (``rdfs:label``, ``dcterms:source`` ...)
    are not read from the data. ``rdf:type`` (SPARQL's ``a``, ``sh:class``) and ``rdfs:subClassOf``
    (what ``sh:class`` follows) always are.
    """
    iris = {o.value for _, _, o in triples if isinstance(o, ox.NamedNode)}
    prefixes = _declared_prefixes(triples)
    for _, p, o in triples:
        if p.value in (SH + "select", SH + "ask") and isinstance(o, ox.Literal):
            iris.update(_SPARQL_IRI.findall(o.value))
            iris.update(prefixes[m[0]] + m[1] for m in _SPARQL_NAME.findall(o.value) if m[0] in prefixes)
    iris.update((_RDF_TYPE.value, PREFIXES["rdfs"] + "subClassOf"))
    return frozenset(ox.NamedNode(i) for i in iris)


def _declared_prefixes(triples: list[Triple]) -> dict[str, str]:
    """The ``sh:declare`` prefixes of the shapes graph (what their SPARQL can use)."""
    by_node: dict[Any, dict[str, str]] = defaultdict(dict)
    for s, p, o in triples:
        if p.value in (SH + "prefix", SH + "namespace") and isinstance(o, ox.Literal):
            by_node[s][p.value.removeprefix(SH)] = o.value
    return {d["prefix"]: d["namespace"] for d in by_node.values() if {"prefix", "namespace"} <= d.keys()}


def _shape_info(triples: Iterable[Triple]) -> dict[str, ShapeInfo]:
    by_subject: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = defaultdict(
        lambda: defaultdict(list))
    for s, p, o in triples:
        if isinstance(s, ox.NamedNode):
            by_subject[s.value][p.value].append(o)
    shape_types = {SH + "NodeShape", SH + "PropertyShape"}
    out = {}
    for iri, props in by_subject.items():
        if not shape_types & {t.value for t in props[_RDF_TYPE.value]}:
            continue
        gaps = [Gap("component", o.value) for o in props[EMS + "gapComponent"]]
        gaps += [Gap("element", o.value) for o in props[EMS + "gapElement"]]
        targets = tuple(sorted((t, o.value) for t in _TARGETS for o in props[SH + t]))
        out[iri] = ShapeInfo(iri, _first_text(props[_LABEL.value]) or iri, _first_text(props[SH + "message"]),
                             tuple(gaps), targets)
    return out


def _first_text(terms: Sequence[ox.NamedNode | ox.BlankNode | ox.Literal]) -> str:
    texts = sorted((t.language not in (None, "en"), t.value) for t in terms if isinstance(t, ox.Literal))
    return texts[0][1] if texts else ""


# --- the validator ------------------------------------------------------------------------------

class Validator:
    """Validates declarations against the shapes, with the knowledge graph; build once, reuse."""

    def __init__(self, kg: KnowledgeGraph, *, engine: Engine = "fast", shapes_dir: Path | None = None,
                 record_checks: bool = True) -> None:
        """``record_checks``: list every (shape, focus node) pair on each report, which only the JUnit
        format needs (one test case per pair); turning it off saves a third of a millisecond a file."""
        if engine not in ENGINES:
            raise InputError(f"unknown engine {engine!r} (use one of: {', '.join(ENGINES)})")
        self.kg = kg
        self.engine: Engine = engine
        self.shapes = Shapes(shapes_dir or kg.paths.shapes)
        self.gaps = GapAnalysis(kg)
        self.record_checks = record_checks
        self._reference_kb: list[Triple] | None = None
        self.compiled: CompiledShapes | None = None
        if engine == "fast":
            try:
                self.compiled = CompiledShapes(self.shapes.triples, kg.triples(inferred=True))
            except UnsupportedShape as exc:
                import sys

                print(f"emskg: note: the compiled SHACL engine cannot run these shapes ({exc}); "
                      "using pyshacl", file=sys.stderr)

    # -- entry points ---------------------------------------------------------------------------
    def validate_bytes(self, data: bytes, fmt: ox.RdfFormat, name: str, base_iri: str | None = None) -> FileReport:
        """Validate one declaration given as bytes; a file that cannot be read is a report with ``error``."""
        try:
            declaration = parse_bytes(data, fmt, name, base_iri=base_iri)
            return self._validate(declaration, name)
        except EmskgError as exc:
            return FileReport(name, False, error=exc.message)

    def validate_file(self, path: str | Path) -> FileReport:
        """Validate one local file (format from its extension)."""
        p = Path(path)
        try:
            data = p.read_bytes()
        except FileNotFoundError:
            return FileReport(str(p), False, error=f"{p}: no such file")
        except IsADirectoryError:
            return FileReport(str(p), False, error=f"{p}: is a directory, not an RDF file")
        except OSError as exc:
            return FileReport(str(p), False, error=f"{p}: cannot read ({exc.strerror})")
        return self.validate_bytes(data, format_for(path=p), str(p), base_iri=p.resolve().as_uri())

    def validate_files(self, paths: Iterable[str | Path], jobs: int = 1) -> RunReport:
        """Validate every file; with ``jobs`` > 1, in that many processes, this one included
        (:mod:`emskg.batch`; same results, same order)."""
        todo = [str(p) for p in paths]
        if jobs <= 1 or len(todo) < 2:
            return RunReport(tuple(self.validate_file(p) for p in todo))
        from .batch import validate_in_processes

        return RunReport(tuple(validate_in_processes(self, todo, jobs)))

    # -- one declaration ------------------------------------------------------------------------
    def _validate(self, declaration: list[Triple], name: str) -> FileReport:
        try:
            closure = self._closure(declaration)
        except UnsupportedAxiom as exc:
            raise InputError(f"{name}: {exc}") from None
        own = [*declaration, *closure.inferred]
        raw: Iterable[RawResult]
        if self.compiled is not None:
            raw = self.compiled.validate(closure.index, own)
        elif self.engine == "reference":
            raw = _report_results(self._reference_report(declaration))
        else:
            raw = _report_results(_run_shacl(self.data_graph(declaration, closure), self.shapes))
        context = _Context(self.kg, declaration, own, closure.index)
        results = tuple(sorted((self._result(r, context) for r in raw), key=_result_order))
        checks = tuple(self._checks(context)) if self.record_checks else ()
        return FileReport(name, not any(r.severity == "Violation" for r in results), results, checks=checks)

    def _closure(self, declaration: list[Triple]) -> Closure:
        """What the declaration entails on top of the KB closure; a declaration that adds axioms
        (``rdfs:subClassOf`` ...) can change what the KB entails, so it is reasoned from scratch."""
        if has_schema_triples(declaration):
            kb = self.kg.triples(inferred=False)
            return materialise(compile_rules(kb + declaration), kb + declaration)
        return self.kg.closure.extend(self.kg.rules, declaration)

    def data_graph(self, declaration: list[Triple], closure: Closure | None = None) -> list[Triple]:
        """The graph the fast engine validates: the declaration, what it entails, and the KB slice it needs.

        Why this gives the reference's results: the reference validates declaration ∪ ontology ∪ KB
        under OWL RL. (1) Entailments: the KB closure is cached; ``Closure.extend`` adds exactly what
        the declaration entails on top of it, including new triples about KB terms (an inverse, a
        chain). (2) Focus nodes: every shape targets declaration vocabulary (``ems:ManagementSystem``,
        ``ems:Objective``, objects of ``ems:hasObjective`` / ``ems:reviewedIn``) that the KB never
        uses (a test checks it), so both graphs have the same focus nodes. (3) Values: from a focus
        node the shapes follow declaration triples to the terms the declaration names, and read *their*
        KB triples — type, ``ems:subOutcomeOf`` — never a second hop, because the reasoner has
        materialised the transitive and chained facts already (the element hierarchy even arrives as
        entailments of the declaration: ``ems:coversElement``, ``ems:coversComponent``). So the KB
        triples whose subject is a term of the declaration or its entailments are all the KB the
        shapes can see. (4) Of those, a shape can only read predicates it names, so only triples
        with a predicate the shapes mention are kept (:func:`_mentioned_terms`; labels, definitions
        and sources are dropped: 750 -> 411 triples for the complete example, and copying them into
        rdflib had been a third of the time). A declaration that adds axioms (``rdfs:subClassOf`` ...)
        can change what the KB entails, so it is reasoned with the KB from scratch and validated with
        all of it.
        """
        closure = closure or self._closure(declaration)
        if has_schema_triples(declaration):
            kb = self.kg.triples(inferred=False)
            return list(dict.fromkeys([*declaration, *kb, *closure.inferred]))
        entailed = closure.inferred
        graph = dict.fromkeys([*declaration, *entailed])
        nodes = {t for s, _, o in graph for t in (s, o) if not isinstance(t, ox.Literal)}
        default, read = ox.DefaultGraph(), self.shapes.terms
        for node in nodes:
            for q in self.kg.store.quads_for_pattern(node, None, None, default):
                if q.predicate in read:
                    graph[(q.subject, q.predicate, q.object)] = None  # type: ignore[index]
        return list(graph)

    def _reference_report(self, declaration: list[Triple]) -> rdflib.Graph:
        """The naive pipeline: pyshacl over declaration + ontology + KB (asserted) with owlrl inference.

        ``PYSHACL_USE_FULL_MIXIN=1`` makes pyshacl mix the *whole* ``ont_graph`` into the data graph
        (without it, pyshacl only copies class and property definitions, not the KB's individuals, so
        no outcome or element would be known). In pyshacl 0.40 that code path returns a bare rdflib
        Dataset and the owlrl step then fails (``'Dataset' object has no attribute 'is_oxigraph'``),
        so this does the same mixing itself: the data graph is declaration ∪ ontology ∪ KB.
        """
        import pyshacl
        import rdflib

        if self._reference_kb is None:
            self._reference_kb = self.kg.triples(inferred=False)
        data = to_rdflib(self._reference_kb, rdflib.Graph(bind_namespaces="none"))
        to_rdflib(declaration, data)
        _, report, _ = pyshacl.validate(data, shacl_graph=self.shapes.graph, inference="owlrl", inplace=True)
        return report  # type: ignore[no-any-return]

    # -- results -------------------------------------------------------------------------------
    def _result(self, raw: _RawResult, context: _Context) -> ValidationResult:
        info = self.shapes.info.get(raw.shape)
        message = _pick_message(raw.messages, info)
        suggestions: tuple[Suggestion, ...] = ()
        if info is not None and info.gaps:
            suggestions = self.gaps.suggest(info.gaps, context.outcomes_for(raw.focus))
        value = raw.value
        return ValidationResult(
            focus_node=context.name(raw.focus), result_path=raw.path, severity=raw.severity, message=message,
            source_shape=raw.shape, suggestions=suggestions, focus_label=context.label(raw.focus),
            value=None if value is None else context.name(value),
            value_label=None if value is None else context.label(value),
            value_datatype=value.datatype.value if isinstance(value, ox.Literal) else None,
            constraint_component=raw.component)

    def _checks(self, context: _Context) -> Iterator[Check]:
        """Every (shape, focus node) pair the shapes target in this declaration."""
        for info in sorted(self.shapes.info.values(), key=lambda i: i.iri):
            for focus in sorted(context.targets(info.targets), key=context.name):
                yield Check(info.iri, info.label, context.name(focus), context.label(focus))


def _pick_message(messages: Sequence[str], info: ShapeInfo | None) -> str:
    """The shape's sh:message, unless the constraint that fired has a message of its own."""
    if info is not None and info.message:
        specific = [m for m in messages if m != info.message]
        return specific[0] if specific else info.message
    return messages[0] if messages else ""


def _result_order(r: ValidationResult) -> tuple[str, int, str, str, str]:
    return (r.focus_node, SEVERITIES.index(r.severity) if r.severity in SEVERITIES else 9, r.source_shape,
            r.result_path or "", r.value or "")


# --- running pyshacl -----------------------------------------------------------------------------

_PREPARED: dict[str, Any] = {}


def _run_shacl(data: list[Triple], shapes: Shapes) -> rdflib.Graph:
    """pyshacl on the slice: already reasoned, so no inference; in place, since the graph is ours."""
    import pyshacl

    graph = to_rdflib(data, _query_caching_graph())
    _, report, _ = pyshacl.validate(graph, shacl_graph=shapes.graph, inference="none", inplace=True)
    return report  # type: ignore[no-any-return]


def _query_caching_graph() -> rdflib.Graph:
    """An rdflib graph that parses each SPARQL text once per process.

    pyshacl sends a SPARQL-based constraint's text to ``Graph.query`` once per focus node, and
    rdflib parses it every time (pyparsing, ~25 ms a query: most of a validation). The text only
    depends on the shape, so the parsed query is kept and reused; evaluation is unchanged.
    """
    import rdflib
    from rdflib.plugins.sparql import prepareQuery

    class QueryCachingGraph(rdflib.Graph):
        def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(query_object, str):
                prepared = _PREPARED.get(query_object)
                if prepared is None:
                    prepared = _PREPARED[query_object] = prepareQuery(query_object)
                query_object = prepared
            return super().query(query_object, *args, **kwargs)

    return QueryCachingGraph(bind_namespaces="none")


_RawResult = RawResult


def _report_results(report: rdflib.Graph) -> Iterator[_RawResult]:
    """The sh:result nodes of a pyshacl report, as pyoxigraph terms."""
    from rdflib import URIRef

    from .rdfio import from_rdflib_term

    sh = {n: URIRef(SH + n) for n in ("result", "focusNode", "resultPath", "resultSeverity", "sourceShape",
                                       "resultMessage", "value", "sourceConstraintComponent")}
    for result in report.objects(None, sh["result"]):
        def one(name: str, node: Any = result) -> Any:
            return report.value(node, sh[name])

        path = one("resultPath")
        value = one("value")
        component = one("sourceConstraintComponent")
        yield _RawResult(
            focus=from_rdflib_term(one("focusNode")),
            path=None if path is None else _path_text(report, path),
            severity=str(one("resultSeverity")).removeprefix(SH),
            shape=str(one("sourceShape")),
            messages=tuple(sorted(str(m) for m in report.objects(result, sh["resultMessage"]))),
            value=None if value is None else from_rdflib_term(value),
            component=None if component is None else str(component),
        )


_PATH_OPERATORS = {"inversePath": "^{}", "zeroOrMorePath": "{}*", "oneOrMorePath": "{}+", "zeroOrOnePath": "{}?"}


def _path_text(graph: rdflib.Graph, path: Any) -> str:
    """A predicate path as its IRI; any other SHACL path in SPARQL property-path syntax."""
    from rdflib import RDF, BNode, URIRef
    from rdflib.collection import Collection

    if not isinstance(path, BNode):
        return str(path)
    for name, pattern in _PATH_OPERATORS.items():
        inner = graph.value(path, URIRef(SH + name))
        if inner is not None:
            return pattern.format(_path_part(graph, inner))
    alternatives = graph.value(path, URIRef(SH + "alternativePath"))
    if alternatives is not None:
        return "(" + "|".join(_path_part(graph, p) for p in Collection(graph, alternatives)) + ")"
    if graph.value(path, RDF.first) is not None:
        return "/".join(_path_part(graph, p) for p in Collection(graph, path))
    return "?"


def _path_part(graph: rdflib.Graph, path: Any) -> str:
    from rdflib import URIRef

    return f"<{path}>" if isinstance(path, URIRef) else _path_text(graph, path)


# --- what the declaration says -------------------------------------------------------------------

class _Context:
    """Names, labels, systems and outcomes of one declaration, for turning results into a report.

    Its maps are built on first use: most declarations in a batch have no results, and building them
    for every file had cost a sixth of the per-file time."""

    def __init__(self, kg: KnowledgeGraph, declaration: list[Triple], own: list[Triple], graph: GraphView) -> None:
        """``own``: the declaration and what it entails; ``graph``: the whole data graph (KB included)."""
        self.kg = kg
        self.graph = graph
        self._declaration = declaration
        self._own = own

    @cached_property
    def _bnodes(self) -> dict[str, str]:
        """Blank nodes renumbered in order of appearance, so reports are stable across runs."""
        bnodes: dict[str, str] = {}
        for s, _, o in self._declaration:
            for t in (s, o):
                if isinstance(t, ox.BlankNode) and t.value not in bnodes:
                    bnodes[t.value] = f"_:b{len(bnodes) + 1}"
        return bnodes

    @cached_property
    def _labels(self) -> dict[ox.NamedNode | ox.BlankNode, str]:
        labels: dict[ox.NamedNode | ox.BlankNode, str] = {}
        for s, p, o in self._declaration:
            if p == _LABEL and isinstance(o, ox.Literal) and (s not in labels or o.language in (None, "en")):
                labels[s] = o.value
        return labels

    @cached_property
    def _incoming(self) -> dict[Any, list[Any]]:
        incoming: dict[Any, list[Any]] = defaultdict(list)
        for s, _, o in self._own:
            incoming[o].append(s)
        return incoming

    def name(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
        if isinstance(term, ox.BlankNode):
            return self._bnodes.get(term.value, f"_:{term.value}")
        return term.value

    def label(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str | None:
        if isinstance(term, ox.Literal):
            return None
        return self._labels.get(term) or self.kg.label_of(term)

    def systems_of(self, focus: Any) -> list[Any]:
        """The management systems a focus node belongs to: itself, or those up to two links above it."""
        systems = set(self.graph.subjects(_RDF_TYPE, _SYSTEM))
        if focus in systems:
            return [focus]
        incoming = self._incoming
        near = set(incoming.get(focus, ()))
        near |= {s for n in near for s in incoming.get(n, ())}
        return sorted(near & systems, key=str) or sorted(systems, key=str)

    def outcomes_for(self, focus: Any) -> list[str]:
        """The known outcomes the focus node's system(s) select: what suggestions are for."""
        return sorted({o.value for system in self.systems_of(focus) for o in self.graph.objects(system, _SELECTS)
                       if isinstance(o, ox.NamedNode) and (o, _RDF_TYPE, _OUTCOME) in self.graph})

    def targets(self, targets: Iterable[tuple[str, str]]) -> set[Any]:
        """The focus nodes of a shape's targets (types are materialised, so no subclass walk)."""
        nodes: set[Any] = set()
        for kind, iri in targets:
            node = ox.NamedNode(iri)
            if kind == "targetClass":
                nodes.update(self.graph.subjects(_RDF_TYPE, node))
            elif kind == "targetObjectsOf":
                nodes.update(o for _, o in self.graph.pairs(node))
            elif kind == "targetSubjectsOf":
                nodes.update(s for s, _ in self.graph.pairs(node))
            elif kind == "targetNode":
                nodes.add(node)
        return nodes


def settle() -> None:
    """After loading: move the graph's long-lived objects out of the cyclic garbage collector's way.

    The KB closure index is ~100k dicts and sets that never die; every full collection would walk
    them again (measured: 21 ms each, 0.5 ms after freezing) — worth it in any process that
    validates many declarations."""
    import gc

    gc.collect()
    gc.freeze()

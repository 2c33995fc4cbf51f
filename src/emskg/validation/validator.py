"""Validating a utility's declared management system against the report's framework (SHACL).

A declaration (Turtle, JSON-LD ...) describes an ``ems:ManagementSystem``; the shapes of ``shapes/``
check it against the Appendix C outline and sections 3 and 5, and every gap a shape finds comes
with the initiatives of the knowledge graph that would fill it (:mod:`emskg.validation.gaps`).

Three engines give the same results (tests hold them to it on every example and on generated
declarations):

``reference``
    What people write today: ``pyshacl.validate`` on declaration + ontology + knowledge base with
    pyshacl's owlrl inference. Slow: owlrl re-derives the whole RL closure of the knowledge
    base every time.
``pyshacl``
    Reasons only over what the declaration adds, on top of the cached knowledge-base closure
    (:meth:`emskg.graph.reason.Closure.extend`), and hands pyshacl a small data
    graph: the declaration, what it entails, and the knowledge-base triples *about the terms it
    names* (see :meth:`Validator.data_graph` for why that slice gives the reference's results).
``fast`` (default)
    The same reasoning, then the shapes compiled by :mod:`emskg.shacl.engine` and evaluated on the
    reasoner's layered index — nothing copied, no rdflib. If the shapes use a SHACL feature that
    engine does not implement, ``fast`` logs a warning once and runs the ``pyshacl`` engine instead.
    docs/design.md has the measured cost of each engine.

One :class:`Validator` is built per process and reused for every file: the knowledge graph, the
shapes and the gap answers are loaded once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..core.paths import DataPaths
from ..core.rdfio import parse_bytes, parse_file
from ..core.terms import GraphView, Triple, best_label
from ..core.vocab import RDF_TYPE, RDFS_LABEL, ems
from ..errors import EmskgError, InputError
from ..graph.reason import Closure, UnsupportedAxiom, compile_rules, has_schema_triples, materialise
from ..graph.store import KnowledgeGraph, load_graph, settle
from ..shacl.engine import CompiledShapes, RawResult, UnsupportedShape
from .declaration import read_declaration_file
from .gaps import GapAnalysis
from .model import (
    ENGINES,
    SEVERITIES,
    CheckedPair,
    ComponentScore,
    ElementInPlace,
    Engine,
    FileReport,
    RunReport,
    Suggestion,
    SystemSummary,
    ValidationResult,
)
from .picklists import PickLists
from .pyshacl_engine import report_results, run_reference, run_sliced
from .shapes import ShapeInfo, Shapes
from .workbook import read_workbook

__all__ = ["Validator", "DeclarationContext"]

log = logging.getLogger(__name__)

_SYSTEM = ems("ManagementSystem")
_SELECTS = ems("selectsOutcome")
_OUTCOME = ems("ManagementOutcome")


class Validator:
    """Validates declarations against the shapes, with the knowledge graph; build once, reuse."""

    def __init__(self, kg: KnowledgeGraph, *, engine: Engine = "fast", shapes_dir: Path | None = None,
                 record_checks: bool = True, summarize: bool = False) -> None:
        """``record_checks``: list every (shape, focus node) pair on each report, which only the JUnit
        format needs (one test case per pair); turning it off saves time on every file.
        ``summarize``: add what each system has in place (:class:`SystemSummary`), which only the HTML
        report needs.

        Raises ``InputError`` for an unknown engine or a shapes folder without shapes."""
        if engine not in ENGINES:
            raise InputError(f"unknown engine {engine!r} (use one of: {', '.join(ENGINES)})")
        self.kg = kg
        self.engine: Engine = engine
        self.shapes = Shapes(shapes_dir or kg.paths.shapes)
        self.gaps = GapAnalysis(kg)
        self.record_checks = record_checks
        self.summarize = summarize
        self._gap_facts: dict[str, tuple[str | None, bool]] = {}
        self._reference_kb: list[Triple] | None = None
        self.compiled: CompiledShapes | None = None
        if engine == "fast":
            try:
                self.compiled = CompiledShapes(self.shapes.triples, kg.triples(inferred=True))
            except UnsupportedShape as exc:
                log.warning("note: the compiled SHACL engine cannot run these shapes (%s); using pyshacl", exc)

    # -- entry points ---------------------------------------------------------------------------
    def validate_bytes(self, data: bytes, fmt: ox.RdfFormat, name: str, base_iri: str | None = None, *,
                       summarize: bool | None = None) -> FileReport:
        """Validate one declaration given as bytes; a file that cannot be read is a report with ``error``.
        ``summarize`` overrides the validator's choice for this call."""
        try:
            declaration = parse_bytes(data, fmt, name, base_iri=base_iri)
            return self._validate(declaration, name, summarize)
        except EmskgError as exc:
            return FileReport(name, False, error=exc.message)

    def validate_file(self, path: str | Path) -> FileReport:
        """Validate one local file (format from its extension, .xlsx a workbook); never raises for a bad file."""
        name = str(Path(path))
        try:
            if Path(path).suffix.lower() == ".xlsx":
                return self._validate(read_declaration_file(path, self._picklists), name)
            return self._validate(parse_file(path), name)
        except EmskgError as exc:
            return FileReport(name, False, error=exc.message)

    def validate_workbook(self, data: bytes, name: str, *, summarize: bool | None = None) -> FileReport:
        """Validate a declaration given as an .xlsx workbook. Raises ``InputError`` (naming the sheet,
        row and column) when the workbook cannot be read: a caller that must answer 400 needs it raised."""
        return self._validate(read_workbook(data, self.picklists, name), name, summarize)

    @cached_property
    def picklists(self) -> PickLists:
        """The graph's labels a workbook picks from (built on first use: only workbooks need them)."""
        return PickLists.from_graph(self.kg)

    def _picklists(self) -> PickLists:
        return self.picklists

    def validate_files(self, paths: Iterable[str | Path], jobs: int = 1) -> RunReport:
        """Validate every file; with ``jobs`` > 1, in that many processes, this one included
        (:mod:`emskg.validation.batch`; same results, same order)."""
        todo = [str(p) for p in paths]
        if jobs <= 1 or len(todo) < 2:
            return RunReport(tuple(self.validate_file(p) for p in todo))
        from .batch import run_chunks  # only a multi-process run needs it

        worker = partial(_file_validator, str(self.kg.paths.root), str(self.shapes.folder), self.engine,
                         self.record_checks, self.summarize)
        return RunReport(tuple(run_chunks(todo, jobs, local=self.validate_file, make_worker=worker)))

    # -- one declaration ------------------------------------------------------------------------
    def examine(self, declaration: list[Triple], name: str) -> tuple[FileReport, list[Triple]]:
        """Validate parsed declaration triples and also return what the reasoner inferred from them on
        top of the knowledge graph — ``emskg register`` stores both, and reasoning twice would double
        its cost. Raises ``InputError`` when the declaration adds OWL axioms the reasoner refuses."""
        return self._examine(declaration, name, None)

    def _validate(self, declaration: list[Triple], name: str, summarize: bool | None = None) -> FileReport:
        return self._examine(declaration, name, summarize)[0]

    def _examine(self, declaration: list[Triple], name: str, summarize: bool | None) -> tuple[FileReport, list[Triple]]:
        try:
            closure = self._closure(declaration)
        except UnsupportedAxiom as exc:
            raise InputError(f"{name}: {exc}") from None
        own = [*declaration, *closure.inferred]
        raw: Iterable[RawResult]
        if self.compiled is not None:
            raw = self.compiled.validate(closure.index, own)
        elif self.engine == "reference":
            if self._reference_kb is None:
                self._reference_kb = self.kg.triples(inferred=False)
            raw = report_results(run_reference(self._reference_kb, declaration, self.shapes))
        else:
            raw = report_results(run_sliced(self.data_graph(declaration, closure), self.shapes))
        context = DeclarationContext(self.kg, declaration, own, closure.index)
        results = tuple(sorted((self._result(r, context) for r in raw), key=_result_order))
        checks = tuple(self._checks(context)) if self.record_checks else ()
        summaries = tuple(self._summaries(context, results)) if (self.summarize if summarize is None else summarize) else ()
        report = FileReport(name, not any(r.severity == "Violation" for r in results), results, checks=checks,
                            systems=summaries)
        return report, closure.inferred

    def _closure(self, declaration: list[Triple]) -> Closure:
        """What the declaration entails on top of the KB closure; a declaration that adds axioms
        (``rdfs:subClassOf`` ...) can change what the KB entails, so it is reasoned from scratch."""
        if has_schema_triples(declaration):
            kb = self.kg.triples(inferred=False)
            return materialise(compile_rules(kb + declaration), kb + declaration)
        return self.kg.closure.extend(self.kg.rules, declaration)

    def data_graph(self, declaration: list[Triple], closure: Closure | None = None) -> list[Triple]:
        """The graph the pyshacl engine validates: the declaration, what it entails, and the KB slice it needs.

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
        and sources are dropped: 750 -> 411 triples for the complete example, which rdflib then need
        not copy). A declaration that adds axioms (``rdfs:subClassOf`` ...)
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

    # -- results -------------------------------------------------------------------------------
    def _result(self, raw: RawResult, context: DeclarationContext) -> ValidationResult:
        info = self.shapes.info.get(raw.shape)
        message = _pick_message(raw.messages, info)
        suggestions: tuple[Suggestion, ...] = ()
        if info is not None and info.gaps:
            suggestions = self.gaps.suggest(info.gaps, context.outcomes_for(raw.focus))
        value = raw.value
        component, core = self._gap_facts_of(raw.shape, info)
        return ValidationResult(
            focus_node=context.name(raw.focus), result_path=raw.path, severity=raw.severity, message=message,
            source_shape=raw.shape, suggestions=suggestions, focus_label=context.label(raw.focus),
            value=None if value is None else context.name(value),
            value_label=None if value is None else context.label(value),
            value_datatype=value.datatype.value if isinstance(value, ox.Literal) else None,
            constraint_component=raw.component, gap_component=component, core_gap=core)

    def _gap_facts_of(self, shape: str, info: ShapeInfo | None) -> tuple[str | None, bool]:
        """The component a shape's gap belongs to, and whether it is a core element or a whole component."""
        if shape in self._gap_facts:
            return self._gap_facts[shape]
        component, core = None, False
        for gap in info.gaps if info is not None else ():
            if gap.kind == "component":
                component, core = component or self.kg.label_of(ox.NamedNode(gap.iri)), True
            else:
                choice = self.picklists.elements.get(gap.iri)
                if choice is not None:
                    component, core = component or choice.group or None, core or choice.core
        self._gap_facts[shape] = (component, core)
        return component, core

    def _summaries(self, context: DeclarationContext, results: Sequence[ValidationResult]) -> Iterator[SystemSummary]:
        """What each declared system has in place, and its Plan/Do/Check/Act scorecard."""
        g = context.graph
        picks = self.picklists
        adjacency: dict[Any, set[Any]] = defaultdict(set)
        for s, _, o in context.own:
            if not isinstance(o, ox.Literal):
                adjacency[s].add(o)
        components = [self.kg.label_of(c) or c.value for c in (ems("Plan"), ems("Do"), ems("Check"), ems("Act"))]
        for system in sorted(g.subjects(RDF_TYPE, _SYSTEM), key=context.name):
            def named(prop: str, sys: Any = system) -> tuple[str, ...]:
                return tuple(sorted({context.label(o) or context.name(o) for o in g.objects(sys, ems(prop))
                                     if not isinstance(o, ox.Literal)}, key=str.casefold))

            def first(prop: str, sys: Any = system) -> str | None:
                values = named(prop, sys)
                return values[0] if values else None

            declared = {o.value for o in g.objects(system, ems("implementsElement")) if isinstance(o, ox.NamedNode)}
            covered = {o.value for o in g.objects(system, ems("coversElement")) if isinstance(o, ox.NamedNode)}
            elements = tuple(ElementInPlace(c.iri, c.label, c.number, c.group, c.core, c.iri in declared)
                             for c in picks.elements.choices if c.iri in declared | covered)
            near = set(adjacency.get(system, ()))
            near |= {n2 for n in near for n2 in adjacency.get(n, ())}
            members = {context.name(n) for n in near if n in adjacency or isinstance(n, ox.BlankNode)}
            members.add(context.name(system))
            own = [r for r in results if r.focus_node in members]
            scorecard = tuple(
                ComponentScore(comp, sum(1 for e in elements if e.component == comp),
                               sum(1 for c in picks.elements.choices if c.group == comp),
                               sum(1 for r in own if r.severity == "Violation" and r.gap_component == comp))
                for comp in components)
            yield SystemSummary(
                context.name(system), context.label(system), first("operatedBy"), named("basedOnFramework"),
                named("usesInitiative"), named("selectsOutcome"), named("inScope"), named("hasObjective"),
                first("hasPolicy"), first("hasCommitment"), elements, scorecard, tuple(sorted(members)))

    def _checks(self, context: DeclarationContext) -> Iterator[CheckedPair]:
        """Every (shape, focus node) pair the shapes target in this declaration."""
        for info in sorted(self.shapes.info.values(), key=lambda i: i.iri):
            for focus in sorted(context.targets(info.targets), key=context.name):
                yield CheckedPair(info.iri, info.label, context.name(focus), context.label(focus))


def _pick_message(messages: Sequence[str], info: ShapeInfo | None) -> str:
    """The shape's sh:message, unless the constraint that fired has a message of its own."""
    if info is not None and info.message:
        specific = [m for m in messages if m != info.message]
        return specific[0] if specific else info.message
    return messages[0] if messages else ""


def _result_order(r: ValidationResult) -> tuple[str, int, str, str, str]:
    return (r.focus_node, SEVERITIES.index(r.severity) if r.severity in SEVERITIES else 9, r.source_shape,
            r.result_path or "", r.value or "")


def _file_validator(root: str, shapes: str, engine: Engine, record_checks: bool, summarize: bool = False) -> Any:
    """Build a worker process's validator (``validate_files`` with ``jobs`` > 1 sends this, by name,
    to :func:`emskg.validation.batch.run_chunks`): the cached graph and the shapes, loaded once."""
    validator = Validator(load_graph(paths=DataPaths(Path(root))), engine=engine, shapes_dir=Path(shapes),
                          record_checks=record_checks, summarize=summarize)
    settle()
    return validator.validate_file


class DeclarationContext:
    """Names, labels, systems and outcomes of one declaration, for turning results into a report.

    Its maps are built on first use: most declarations in a batch have no results, so most files
    never need them."""

    def __init__(self, kg: KnowledgeGraph, declaration: list[Triple], own: list[Triple], graph: GraphView) -> None:
        """``own``: the declaration and what it entails; ``graph``: the whole data graph (KB included)."""
        self.kg = kg
        self.graph = graph
        self._declaration = declaration
        self._own = own

    @property
    def own(self) -> list[Triple]:
        """The declaration and what it entails."""
        return self._own

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
        literals: dict[ox.NamedNode | ox.BlankNode, list[ox.Literal]] = defaultdict(list)
        for s, p, o in self._declaration:
            if p == RDFS_LABEL and isinstance(o, ox.Literal):
                literals[s].append(o)
        return {s: label for s, lits in literals.items() if (label := best_label(lits)) is not None}

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
        systems = set(self.graph.subjects(RDF_TYPE, _SYSTEM))
        if focus in systems:
            return [focus]
        incoming = self._incoming
        near = set(incoming.get(focus, ()))
        near |= {s for n in near for s in incoming.get(n, ())}
        return sorted(near & systems, key=str) or sorted(systems, key=str)

    def outcomes_for(self, focus: Any) -> list[str]:
        """The known outcomes the focus node's system(s) select: what suggestions are for."""
        return sorted({o.value for system in self.systems_of(focus) for o in self.graph.objects(system, _SELECTS)
                       if isinstance(o, ox.NamedNode) and (o, RDF_TYPE, _OUTCOME) in self.graph})

    def targets(self, targets: Iterable[tuple[str, str]]) -> set[Any]:
        """The focus nodes of a shape's targets (types are materialised, so no subclass walk)."""
        nodes: set[Any] = set()
        for kind, iri in targets:
            node = ox.NamedNode(iri)
            if kind == "targetClass":
                nodes.update(self.graph.subjects(RDF_TYPE, node))
            elif kind == "targetObjectsOf":
                nodes.update(o for _, o in self.graph.pairs(node))
            elif kind == "targetSubjectsOf":
                nodes.update(s for s, _ in self.graph.pairs(node))
            elif kind == "targetNode":
                nodes.add(node)
        return nodes

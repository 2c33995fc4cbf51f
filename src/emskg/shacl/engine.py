"""A compiled SHACL engine for the shapes emskg ships: the fast path of ``emskg validate``.

Why not pyshacl for every file? It needs an rdflib copy of the data graph and walks the shapes
graph anew on each call: ~12 ms a declaration even on a small slice of the knowledge graph, where
pipelines validate thousands. This module compiles the shapes once into plain Python checks and
evaluates them on the reasoner's layered index (the cached knowledge-graph closure underneath, the
declaration and what it entails on top), so nothing is copied per declaration. SPARQL-based
constraints are evaluated on the same index when their query is in :mod:`emskg.shacl.sparql_subset`;
others run in pyoxigraph over a scratch store holding the knowledge graph once, with each
declaration added as a named graph for the duration of its check.

The engine implements the SHACL-Core features the shapes use — targets (class, node, subjects-of,
objects-of), predicate and inverse paths, ``minCount``, ``maxCount``, ``class``, ``datatype``,
``hasValue``, ``in``, ``nodeKind``, ``deactivated``, severities and messages — and SPARQL-based
constraints (``sh:sparql`` with ``sh:select``, ``$this``, ``$PATH``, ``sh:prefixes``). A shapes graph
using anything else raises :class:`UnsupportedShape` at compile time and the validator falls back
to pyshacl; nothing is silently skipped. Tests check that the results equal pyshacl's on every
example and on generated declarations.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..core.sparqltext import bind_rows, bind_values, has_variable_predicate, iris_named, mixes_solutions, projection
from ..core.terms import GraphView, Term, Triple, read_list
from ..core.vocab import RDF, RDF_FIRST, RDF_REST, RDF_TYPE, RDFS_SUBCLASS_OF, SH, TRUE, XSD, sh
from .sparql_subset import NeedsEngine, SelectPlan, Unsupported, compile_select

__all__ = ["RawResult", "UnsupportedShape", "CompiledShapes", "GraphView", "well_formed"]

TYPE = RDF_TYPE
SUBCLASS = RDFS_SUBCLASS_OF


class UnsupportedShape(ValueError):
    """The shapes graph uses a SHACL feature this engine does not implement."""


@dataclass(frozen=True)
class RawResult:
    """One validation result, as both engines produce it before it is dressed for the report."""

    focus: Term
    path: str | None
    severity: str
    shape: str
    messages: tuple[str, ...]
    value: Term | None
    component: str | None


# --- what the engine understands --------------------------------------------------------------

#: Predicates allowed on a shape; anything else in the sh: namespace is unsupported.
_SHAPE_KEYS = frozenset(SH + n for n in (
    "targetClass", "targetNode", "targetObjectsOf", "targetSubjectsOf", "path", "minCount", "maxCount", "class", "datatype",
    "hasValue", "in", "nodeKind", "sparql", "severity", "message", "deactivated", "name", "description", "order", "group",
))
_NODE_KINDS = {
    "IRI": (ox.NamedNode,), "BlankNode": (ox.BlankNode,), "Literal": (ox.Literal,),
    "BlankNodeOrIRI": (ox.NamedNode, ox.BlankNode), "BlankNodeOrLiteral": (ox.BlankNode, ox.Literal),
    "IRIOrLiteral": (ox.NamedNode, ox.Literal),
}
#: rdflib's own duration pattern (rdflib.xsd_datetime.ISO8601_PERIOD_REGEX), copied so that the
#: common case — a well-formed duration — is decided without importing rdflib. pyshacl rejects a
#: value for sh:datatype when rdflib calls the literal ill-typed, so rdflib's rules are the ones to
#: match, quirks included ("PT" and "P1.5Y" pass, "P" fails); tests/shacl/test_engine.py holds the
#: two to the same answer on generated strings.
_RDFLIB_DURATION = re.compile(
    r"^(?P<sign>[+-])?P(?!\b)(?P<years>[0-9]+([,.][0-9]+)?Y)?(?P<months>[0-9]+([,.][0-9]+)?M)?"
    r"(?P<weeks>[0-9]+([,.][0-9]+)?W)?(?P<days>[0-9]+([,.][0-9]+)?D)?((?P<separator>T)(?P<hours>[0-9]+([,.][0-9]+)?H)?"
    r"(?P<minutes>[0-9]+([,.][0-9]+)?M)?(?P<seconds>[0-9]+([,.][0-9]+)?S)?)?$"
)
_PLAIN = frozenset({XSD + "string", RDF + "langString"})


def well_formed(lit: ox.Literal) -> bool:
    """Whether rdflib (and so pyshacl) considers the literal's lexical form valid for its datatype."""
    dt = lit.datatype.value
    if dt in _PLAIN:
        return True
    if dt == XSD + "duration":
        if _RDFLIB_DURATION.match(lit.value):
            return True
        if not lit.value.startswith("P"):  # rdflib's alternative format needs the P too
            return False
    return not _rdflib_ill_typed(lit)


def _rdflib_ill_typed(lit: ox.Literal) -> bool:
    """Ask rdflib itself (imported only for the rare literal the rules above cannot decide)."""
    import logging
    import warnings

    import rdflib

    logger = logging.getLogger("rdflib.term")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)  # rdflib logs a traceback for every ill-typed literal
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bool(rdflib.Literal(lit.value, datatype=rdflib.URIRef(lit.datatype.value)).ill_typed)
    finally:
        logger.setLevel(previous)


# --- compiled constraints -------------------------------------------------------------------

Check = Callable[[GraphView, Term, list[Term]], Iterator[tuple[Term | None, str]]]


def _min_count(n: int) -> Check:
    def check(g: GraphView, focus: Term, values: list[Term]) -> Iterator[tuple[Term | None, str]]:
        if len(values) < n:
            yield None, SH + "MinCountConstraintComponent"
    return check


def _max_count(n: int) -> Check:
    def check(g: GraphView, focus: Term, values: list[Term]) -> Iterator[tuple[Term | None, str]]:
        if len(values) > n:
            yield None, SH + "MaxCountConstraintComponent"
    return check


def _is_instance(g: GraphView, v: Term, cls: Term) -> bool:
    """``v rdf:type/rdfs:subClassOf* cls`` in the data graph (types are materialised, so usually one hop)."""
    if isinstance(v, ox.Literal):
        return False
    if (v, TYPE, cls) in g:
        return True
    seen: set[Term] = set()
    todo = list(g.objects(v, TYPE))
    while todo:
        t = todo.pop()
        if t == cls:
            return True
        if t not in seen:
            seen.add(t)
            todo.extend(g.objects(t, SUBCLASS))
    return False


def _class(cls: Term) -> Check:
    def check(g: GraphView, focus: Term, values: list[Term]) -> Iterator[tuple[Term | None, str]]:
        for v in values:
            if not _is_instance(g, v, cls):
                yield v, SH + "ClassConstraintComponent"
    return check


def _datatype(dt: ox.NamedNode) -> Check:
    def check(g: GraphView, focus: Term, values: list[Term]) -> Iterator[tuple[Term | None, str]]:
        for v in values:
            ok = isinstance(v, ox.Literal) and v.datatype == dt and well_formed(v)
            if not ok:
                yield v, SH + "DatatypeConstraintComponent"
    return check


def _has_value(expected: Term) -> Check:
    def check(g: GraphView, focus: Term, values: list[Term]) -> Iterator[tuple[Term | None, str]]:
        if expected not in values:
            yield None, SH + "HasValueConstraintComponent"
    return check


def _in(allowed: frozenset[Term]) -> Check:
    def check(g: GraphView, focus: Term, values: list[Term]) -> Iterator[tuple[Term | None, str]]:
        for v in values:
            if v not in allowed:
                yield v, SH + "InConstraintComponent"
    return check


def _node_kind(kinds: tuple[type, ...]) -> Check:
    def check(g: GraphView, focus: Term, values: list[Term]) -> Iterator[tuple[Term | None, str]]:
        for v in values:
            if not isinstance(v, kinds):
                yield v, SH + "NodeKindConstraintComponent"
    return check


@dataclass(frozen=True)
class SparqlConstraint:
    """A SELECT-based constraint: its text with prefixes and ``$PATH`` filled in, and its messages."""

    text: str
    messages: tuple[str, ...]
    projects_this: bool
    #: One evaluation may serve all focus nodes at once: $this is projected and nothing in the query
    #: (aggregates, LIMIT/OFFSET, a subquery) could mix the solutions of different focus nodes.
    batchable: bool
    #: The query compiled for :mod:`emskg.shacl.sparql_subset`, or None when it needs pyoxigraph.
    plan: SelectPlan | None = None


@dataclass
class CompiledShape:
    iri: str
    severity: str
    messages: tuple[str, ...]
    path: tuple[str, ox.NamedNode] | None  # ("predicate" | "inverse", p)
    path_text: str | None
    targets: list[tuple[str, Term]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    sparql: list[SparqlConstraint] = field(default_factory=list)

    def values(self, g: GraphView, focus: Term) -> list[Term]:
        if self.path is None:
            return [focus]
        kind, p = self.path
        found = g.objects(focus, p) if kind == "predicate" else g.subjects(p, focus)
        return list(dict.fromkeys(found))


# --- compiling the shapes graph ----------------------------------------------------------------

class _Triples:
    def __init__(self, triples: Iterable[Triple]) -> None:
        self.by_subject: dict[Term, dict[ox.NamedNode, list[Term]]] = defaultdict(lambda: defaultdict(list))
        for s, p, o in triples:
            self.by_subject[s][p].append(o)

    def values(self, s: Term, p: ox.NamedNode) -> list[Term]:
        return self.by_subject.get(s, {}).get(p, [])

    def one(self, s: Term, p: ox.NamedNode) -> Term | None:
        vals = self.values(s, p)
        if len(vals) > 1:
            raise UnsupportedShape(f"{s} has several values for {p.value}")
        return vals[0] if vals else None

    def rdf_list(self, head: Term) -> list[Term]:
        """An RDF list of the shapes graph; raises ``UnsupportedShape`` when it is malformed."""
        return read_list(head, lambda n: self.one(n, RDF_FIRST), lambda n: self.one(n, RDF_REST), UnsupportedShape)


def _literal_text(t: Term) -> str:
    return t.value if isinstance(t, ox.Literal) else str(t)


def _int(t: Term | None, what: str) -> int:
    if not isinstance(t, ox.Literal) or not re.fullmatch(r"\d+", t.value):
        raise UnsupportedShape(f"{what} must be a non-negative integer")
    return int(t.value)


def _prefixes(g: _Triples, constraint: Term) -> str:
    lines = []
    for source in g.values(constraint, sh("prefixes")):
        for decl in g.values(source, sh("declare")):
            prefix, ns = g.one(decl, sh("prefix")), g.one(decl, sh("namespace"))
            if prefix is None or ns is None:
                raise UnsupportedShape("sh:declare needs sh:prefix and sh:namespace")
            lines.append(f"PREFIX {_literal_text(prefix)}: <{_literal_text(ns)}>")
    return "\n".join(lines)


def _compile_shape(g: _Triples, shape: Term) -> CompiledShape:
    props = g.by_subject[shape]
    unknown = sorted(p.value for p in props if p.value.startswith(SH) and p.value not in _SHAPE_KEYS)
    if unknown:
        raise UnsupportedShape(f"{shape}: unsupported SHACL feature(s) {', '.join(u.removeprefix(SH) for u in unknown)}")
    severity = g.one(shape, sh("severity")) or sh("Violation")
    messages = tuple(sorted(_literal_text(m) for m in g.values(shape, sh("message"))))
    path_node = g.one(shape, sh("path"))
    path: tuple[str, ox.NamedNode] | None = None
    path_text = None
    if isinstance(path_node, ox.NamedNode):
        path, path_text = ("predicate", path_node), path_node.value
    elif isinstance(path_node, ox.BlankNode):
        inverse = g.one(path_node, sh("inversePath"))
        if not isinstance(inverse, ox.NamedNode) or len(g.by_subject[path_node]) != 1:
            raise UnsupportedShape(f"{shape}: only predicate and inverse paths are supported")
        path, path_text = ("inverse", inverse), f"^{inverse.value}"
    elif path_node is not None:
        raise UnsupportedShape(f"{shape}: bad sh:path")
    compiled = CompiledShape(str(shape.value), str(severity.value).removeprefix(SH), messages, path, path_text)
    for kind in ("targetClass", "targetNode", "targetObjectsOf", "targetSubjectsOf"):
        compiled.targets += [(kind, t) for t in g.values(shape, sh(kind))]
    for n in g.values(shape, sh("minCount")):
        compiled.checks.append(_min_count(_int(n, "sh:minCount")))
    for n in g.values(shape, sh("maxCount")):
        compiled.checks.append(_max_count(_int(n, "sh:maxCount")))
    compiled.checks += [_class(c) for c in g.values(shape, sh("class"))]
    for dt in g.values(shape, sh("datatype")):
        if not isinstance(dt, ox.NamedNode):
            raise UnsupportedShape(f"{shape}: sh:datatype must be an IRI")
        compiled.checks.append(_datatype(dt))
    compiled.checks += [_has_value(v) for v in g.values(shape, sh("hasValue"))]
    compiled.checks += [_in(frozenset(g.rdf_list(head))) for head in g.values(shape, sh("in"))]
    for node_kind in g.values(shape, sh("nodeKind")):
        name = node_kind.value.removeprefix(SH)
        if name not in _NODE_KINDS:
            raise UnsupportedShape(f"{shape}: unknown sh:nodeKind {node_kind.value}")
        compiled.checks.append(_node_kind(_NODE_KINDS[name]))
    for c in g.values(shape, sh("sparql")):
        keys = {p.value for p in g.by_subject[c]} - {RDF + "type"}
        if keys - {SH + "select", SH + "prefixes", SH + "message", SH + "deactivated"}:
            raise UnsupportedShape(f"{shape}: only SELECT-based SPARQL constraints are supported")
        if g.one(c, sh("deactivated")) == TRUE:
            continue
        select = g.one(c, sh("select"))
        if not isinstance(select, ox.Literal):
            raise UnsupportedShape(f"{shape}: sh:sparql needs sh:select")
        text = select.value
        if path_text is not None:
            text = text.replace("$PATH", f"<{path[1].value}>" if path and path[0] == "predicate"
                                else f"^<{path[1].value}>" if path else "")
        elif "$PATH" in text:
            raise UnsupportedShape(f"{shape}: $PATH in a shape without a path")
        projected = projection(text)
        projects = bool(projected and re.search(r"[?$]this\b", projected))
        own = tuple(sorted(_literal_text(x) for x in g.values(c, sh("message"))))
        batchable = projects and not mixes_solutions(text)
        full_text = _prefixes(g, c) + "\n" + text
        try:
            plan: SelectPlan | None = compile_select(full_text)
        except Unsupported:
            plan = None
        compiled.sparql.append(SparqlConstraint(full_text, own or messages, projects, batchable, plan))
    return compiled




class CompiledShapes:
    """Every active shape of a shapes graph, compiled; :meth:`validate` runs them on one declaration."""

    def __init__(self, shape_triples: Sequence[Triple], kb_triples: Iterable[Triple]) -> None:
        g = _Triples(shape_triples)
        shape_nodes = {s for s, p, o in shape_triples if p == TYPE and o in (sh("NodeShape"), sh("PropertyShape"))}
        shape_nodes |= {s for s, p, o in shape_triples if p.value in (SH + "targetClass", SH + "targetNode",
                                                                         SH + "targetObjectsOf", SH + "targetSubjectsOf")}
        referenced = {o for s, p, o in shape_triples if p.value in (SH + "property", SH + "node", SH + "not",
                                                                     SH + "qualifiedValueShape", SH + "or", SH + "and",
                                                                     SH + "xone")}
        if referenced:
            raise UnsupportedShape("nested shapes (sh:property, sh:node, sh:or ...) are not supported")
        self.shapes = [_compile_shape(g, s) for s in sorted(shape_nodes, key=str)
                       if g.one(s, sh("deactivated")) != TRUE]
        self._kb = [ox.Quad(s, p, o) for s, p, o in kb_triples]
        self._read = _predicates_read([c for shape in self.shapes for c in shape.sparql])
        self._store = self._fresh_store()
        self._used = 0

    #: Declarations per scratch store. Each declaration goes into a graph of its own that is never
    #: cleared (clearing costs ~3x adding, measured); a fresh store every so often bounds memory.
    RECYCLE_EVERY = 500

    def _fresh_store(self) -> ox.Store:
        store = ox.Store()
        store.extend(self._kb)
        return store

    def focus_nodes(self, shape: CompiledShape, g: GraphView) -> list[Term]:
        nodes: dict[Term, None] = {}
        for kind, t in shape.targets:
            if kind == "targetNode":
                nodes[t] = None
            elif kind == "targetClass":
                nodes.update(dict.fromkeys(g.subjects(TYPE, t)))
            elif kind == "targetObjectsOf":
                nodes.update(dict.fromkeys(o for _, o in g.pairs(t)))
            else:
                nodes.update(dict.fromkeys(s for s, _ in g.pairs(t)))
        return list(nodes)

    def validate(self, g: GraphView, own_triples: Iterable[Triple]) -> list[RawResult]:
        """Results for the data graph ``g`` whose non-KB part is ``own_triples``."""
        results: list[RawResult] = []
        with_sparql = []
        # Shapes share targets and paths (a dozen target ems:Objective), so each target set's focus
        # nodes and each (path, focus) value list is looked up once per declaration.
        targets_seen: dict[tuple[tuple[str, Term], ...], list[Term]] = {}
        values_seen: dict[tuple[tuple[str, ox.NamedNode] | None, Term], list[Term]] = {}
        for shape in self.shapes:
            key = tuple(shape.targets)
            focus_nodes = targets_seen.get(key)
            if focus_nodes is None:
                focus_nodes = targets_seen[key] = self.focus_nodes(shape, g)
            if shape.sparql and focus_nodes:
                with_sparql.append((shape, focus_nodes))
            for focus in focus_nodes:
                values = values_seen.get((shape.path, focus))
                if values is None:
                    values = values_seen[(shape.path, focus)] = shape.values(g, focus)
                for check in shape.checks:
                    for value, component in check(g, focus, values):
                        results.append(RawResult(focus, shape.path_text, shape.severity, shape.iri, shape.messages,
                                                 value, component))
        if with_sparql:
            results += self._sparql_results(with_sparql, g, own_triples)
        return results

    def _sparql_results(self, work: list[tuple[CompiledShape, list[Term]]], g: GraphView,
                        own: Iterable[Triple]) -> list[RawResult]:
        """SPARQL constraints: in Python where the query is in the subset, else in pyoxigraph."""
        out: list[RawResult] = []
        for_engine: list[tuple[CompiledShape, SparqlConstraint, list[Term]]] = []
        for shape, focus_nodes in work:
            for c in shape.sparql:
                if c.plan is None:
                    for_engine.append((shape, c, focus_nodes))
                    continue
                undecided = []
                for focus in focus_nodes:
                    try:
                        rows = c.plan.solutions(g, {"this": focus})
                    except NeedsEngine:
                        undecided.append(focus)
                        continue
                    out += self._rows(shape, c, rows, focus)
                if undecided:
                    for_engine.append((shape, c, undecided))
        if for_engine:
            out += self._engine_results(for_engine, own)
        return out

    def _engine_results(self, work: list[tuple[CompiledShape, SparqlConstraint, list[Term]]],
                        own: Iterable[Triple]) -> list[RawResult]:
        """Constraints run in pyoxigraph: the declaration goes into the scratch store as a graph of its own."""
        if self._used >= self.RECYCLE_EVERY:
            self._store, self._used = self._fresh_store(), 0
        self._used += 1
        graph = ox.NamedNode(f"urn:emskg:declaration:{self._used}")
        read = self._read
        self._store.extend(ox.Quad(s, p, o, graph) for s, p, o in own if read is None or p in read)
        out: list[RawResult] = []
        dataset: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.DefaultGraph(), graph]
        for shape, c, focus_nodes in work:
            iris = [f for f in focus_nodes if isinstance(f, ox.NamedNode)]
            if c.batchable and len(iris) > 1:
                out += self._run_batch(shape, c, iris, dataset)
                focus_nodes = [f for f in focus_nodes if not isinstance(f, ox.NamedNode)]
            for focus in focus_nodes:
                out += self._run_one(shape, c, focus, dataset)
        return out

    def _run_batch(self, shape: CompiledShape, c: SparqlConstraint, focus_nodes: list[ox.NamedNode],
                   dataset: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]) -> Iterator[RawResult]:
        rows = self._store.query(bind_rows(c.text, "this", focus_nodes), default_graph=dataset)
        yield from self._rows(shape, c, _solutions(rows), None)

    def _run_one(self, shape: CompiledShape, c: SparqlConstraint, focus: Term,
                 dataset: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]) -> Iterator[RawResult]:
        if c.projects_this:
            rows = self._store.query(c.text, default_graph=dataset, substitutions={ox.Variable("this"): focus})
        elif isinstance(focus, ox.NamedNode):
            rows = self._store.query(bind_values(c.text, {"this": focus}), default_graph=dataset)
        else:
            raise UnsupportedShape(f"{shape.iri}: a SELECT that does not project $this cannot bind a blank node")
        yield from self._rows(shape, c, _solutions(rows), focus)

    def _rows(self, shape: CompiledShape, c: SparqlConstraint, rows: Iterable[Mapping[str, Term | ox.Triple]],
              focus: Term | None) -> Iterator[RawResult]:
        """Results from a constraint's solutions; ``focus`` None: each solution's ``$this``."""
        for bound in rows:
            this = focus if focus is not None else bound["this"]
            assert not isinstance(this, ox.Triple)
            value = bound.get("value")
            if value is None and shape.path is None:
                value = this  # SHACL: in a node shape the value node is the focus node itself
            path = bound.get("path")
            yield RawResult(this, path.value if isinstance(path, ox.NamedNode) else shape.path_text, shape.severity,
                            shape.iri, tuple(_fill(m, bound, this) for m in c.messages),
                            value if not isinstance(value, ox.Triple) else None, SH + "SPARQLConstraintComponent")


def _solutions(rows: object) -> Iterator[dict[str, Term | ox.Triple]]:
    """pyoxigraph solutions as variable -> term (unbound variables left out)."""
    assert isinstance(rows, ox.QuerySolutions)
    names = [v.value for v in rows.variables]
    for row in rows:
        yield {n: row[i] for i, n in enumerate(names) if row[i] is not None}


def _predicates_read(constraints: Sequence[SparqlConstraint]) -> frozenset[ox.NamedNode] | None:
    """The predicates SPARQL constraints can read: every IRI their text names (``a`` = rdf:type).

    Only a declaration's triples with these predicates need to enter the scratch store (adding
    triples is the most expensive step there). A query with a variable predicate can read anything:
    then None, meaning all.
    """
    iris = {TYPE.value}
    for c in constraints:
        if has_variable_predicate(c.text):
            return None
        iris.update(iris_named(c.text))
    return frozenset(ox.NamedNode(i) for i in iris)


_TEMPLATE = re.compile(r"\{[?$](\w+)\}")


def _fill(message: str, bound: Mapping[str, Term | ox.Triple], focus: Term) -> str:
    """SHACL message templates: ``{?value}`` / ``{$this}`` become the bound terms."""
    def sub(m: re.Match[str]) -> str:
        t = focus if m.group(1) == "this" else bound.get(m.group(1))
        return m.group(0) if t is None else t.value if hasattr(t, "value") else str(t)

    return _TEMPLATE.sub(sub, message)

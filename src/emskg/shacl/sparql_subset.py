"""SHACL-SPARQL constraints evaluated in Python, over the reasoner's index, for the subset they use.

Why: a SPARQL constraint is a tiny query (a few triple patterns and a ``FILTER NOT EXISTS``) run
once per declaration. In pyoxigraph each run costs ~0.1 ms of parsing, planning and dataset set-up
plus copying the declaration into a store first — together a third of validating a file. The same
query evaluated here, as nested lookups on the index the reasoner has already built, costs a few
microseconds and copies nothing.

The subset is what constraint queries are written in::

    PREFIX ... SELECT [DISTINCT] ?v ... WHERE { group }
    group      := triple patterns (with ``;`` ``,`` ``a``, constant or ``^``-inverse predicates)
                  and FILTERs, in any order
    FILTER     := NOT EXISTS group | EXISTS group | ( expression )
    expression := || && ! ( ) = != EXISTS / NOT EXISTS group, BOUND(?v), sameTerm(a, b)
                  over variables and IRIs

with SPARQL's semantics: BGP solutions as a multiset, FILTERs scoped to their whole group,
``EXISTS`` by substitution of the current solution, three-valued logic for errors (an unbound
variable in ``=`` is an error; ``error || true`` is true). Anything else — OPTIONAL, UNION, literals
in expressions, variable predicates, ``SELECT *``, aggregates — makes :func:`compile_select` raise
:class:`Unsupported`, and the caller runs that constraint in pyoxigraph as before. At run time,
``=`` between two different literals (whose answer depends on datatypes) raises
:class:`NeedsEngine` so that the caller can hand that one evaluation to pyoxigraph: results never
depend on which path ran. Tests compare the two paths on every example and on generated data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import cast

import pyoxigraph as ox

from ..core.sparqltext import SUBSET_TOKEN
from ..core.terms import GraphView, Term, Triple
from ..core.vocab import RDF_TYPE

__all__ = ["Unsupported", "NeedsEngine", "SelectPlan", "compile_select"]

Solution = dict[str, Term]
TYPE = RDF_TYPE
#: The data graph a query is evaluated on (the SHACL engine's).
Graph = GraphView


class Unsupported(ValueError):
    """The query uses SPARQL outside the subset (the caller evaluates it with a full engine)."""


class NeedsEngine(Exception):
    """This evaluation met a case whose exact answer needs a full engine (literal comparison)."""


# --- the query, compiled ----------------------------------------------------------------------

@dataclass(frozen=True)
class Var:
    name: str


Node = Var | ox.NamedNode


@dataclass(frozen=True)
class Pattern:
    s: Node
    p: ox.NamedNode
    o: Node


@dataclass(frozen=True)
class Group:
    patterns: tuple[Pattern, ...]
    filters: tuple[Expr, ...]
    #: Join order per set of variables bound on entry (it depends on nothing else), made on first use.
    plans: dict[frozenset[str], tuple[Step, ...]] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def plan(self, bound: frozenset[str]) -> tuple[Step, ...]:
        steps = self.plans.get(bound)
        if steps is None:
            steps = self.plans[bound] = _join_order(self.patterns, bound)
        return steps


@dataclass(frozen=True)
class Exists:
    group: Group
    negated: bool


@dataclass(frozen=True)
class Op:
    name: str  # "||", "&&", "!", "=", "!=", "bound", "sameTerm"
    args: tuple[Expr, ...]


Expr = Exists | Op | Var | ox.NamedNode


class _Error(Exception):
    """A SPARQL expression error (unbound variable, ...): a FILTER that meets one is false."""


@dataclass(frozen=True)
class SelectPlan:
    """A compiled SELECT: run it with :meth:`solutions` on any graph with index-style lookups."""

    projection: tuple[str, ...]
    distinct: bool
    where: Group

    def solutions(self, graph: Graph, bindings: Mapping[str, Term]) -> list[Solution]:
        """The projected solutions with ``bindings`` pre-bound (SHACL's ``$this``), as a multiset."""
        found: list[Solution] = []
        _solve(graph, self.where, dict(bindings), found, first_only=False)
        rows = [{v: mu[v] for v in self.projection if v in mu} for mu in found]
        if self.distinct:
            unique: dict[tuple[tuple[str, Term], ...], Solution] = {}
            for row in rows:
                unique.setdefault(tuple(sorted(row.items(), key=lambda kv: kv[0])), row)
            rows = list(unique.values())
        return rows


# --- evaluation --------------------------------------------------------------------------------

# How a pattern is matched once the earlier steps have run: both ends known (a membership test),
# one end known (an index lookup), or neither (a scan of the predicate).
_CHECK, _OBJECTS, _SUBJECTS, _PAIRS = range(4)
Step = tuple[int, Pattern]


def _join_order(patterns: tuple[Pattern, ...], bound: frozenset[str]) -> tuple[Step, ...]:
    """Greedy: next the pattern with the most ends known (subject first), as a nested-loop join."""
    known = set(bound)
    todo = list(patterns)
    steps: list[Step] = []

    def is_known(n: Node) -> bool:
        return not isinstance(n, Var) or n.name in known

    while todo:
        best = max(range(len(todo)), key=lambda i: is_known(todo[i].s) * 2 + is_known(todo[i].o))
        pat = todo.pop(best)
        s_known, o_known = is_known(pat.s), is_known(pat.o)
        kind = _CHECK if s_known and o_known else _OBJECTS if s_known else _SUBJECTS if o_known else _PAIRS
        steps.append((kind, pat))
        known.update(n.name for n in (pat.s, pat.o) if isinstance(n, Var))
    return tuple(steps)


def _solve(graph: Graph, group: Group, mu: Solution, out: list[Solution], first_only: bool) -> bool:
    """Append the group's solutions extending ``mu`` to ``out``; True once one is found if ``first_only``.

    Each solution is a distinct mapping (the BGP's multiset semantics); FILTERs apply to the whole group."""
    steps = group.plan(frozenset(mu))
    filters = group.filters

    def step(i: int, mu: Solution) -> bool:
        if i == len(steps):
            for f in filters:
                if not _true(graph, f, mu):
                    return False
            out.append(mu)
            return first_only
        kind, pat = steps[i]
        s, o = pat.s, pat.o
        if kind == _CHECK:
            s_val = mu[s.name] if isinstance(s, Var) else s
            o_val = mu[o.name] if isinstance(o, Var) else o
            return cast(Triple, (s_val, pat.p, o_val)) in graph and step(i + 1, mu)  # a literal subject: not found
        if kind == _OBJECTS:
            assert isinstance(o, Var)
            name = o.name
            return any(step(i + 1, {**mu, name: x}) for x in graph.objects(mu[s.name] if isinstance(s, Var) else s, pat.p))
        if kind == _SUBJECTS:
            assert isinstance(s, Var)
            name = s.name
            return any(step(i + 1, {**mu, name: x}) for x in graph.subjects(pat.p, mu[o.name] if isinstance(o, Var) else o))
        assert isinstance(s, Var) and isinstance(o, Var)
        same = s.name == o.name
        for a, b in graph.pairs(pat.p):
            if same and a != b:
                continue
            if step(i + 1, {**mu, s.name: a, o.name: b}):
                return True
        return False

    return step(0, mu)


def _true(graph: Graph, expr: Expr, mu: Solution) -> bool:
    """A FILTER: its effective boolean value, with an error counting as false."""
    try:
        return _eval(graph, expr, mu)
    except _Error:
        return False


def _eval(graph: Graph, expr: Expr, mu: Solution) -> bool:
    if isinstance(expr, Exists):
        found = _solve(graph, expr.group, mu, [], first_only=True)
        return found != expr.negated
    if isinstance(expr, Op):
        name, args = expr.name, expr.args
        if name == "!":
            return not _eval(graph, args[0], mu)
        if name in ("||", "&&"):
            return _logical(graph, name, args, mu)
        if name == "bound":
            assert isinstance(args[0], Var)
            return args[0].name in mu
        a, b = _term(args[0], mu), _term(args[1], mu)
        if name == "sameTerm":
            return a == b
        equal = _equal(a, b)
        return equal if name == "=" else not equal
    raise _Error("not a boolean expression")  # a bare term: excluded at compile time


def _logical(graph: Graph, name: str, args: tuple[Expr, ...], mu: Solution) -> bool:
    """SPARQL's three-valued || and &&: an error is overruled by a deciding operand."""
    deciding = name == "||"  # the value that decides the whole expression
    error = None
    for arg in args:
        try:
            if _eval(graph, arg, mu) == deciding:
                return deciding
        except _Error as exc:
            error = exc
    if error is not None:
        raise error
    return not deciding


def _term(expr: Expr, mu: Solution) -> Term:
    if isinstance(expr, Var):
        if expr.name not in mu:
            raise _Error(f"?{expr.name} is unbound")
        return mu[expr.name]
    if isinstance(expr, ox.NamedNode):
        return expr
    raise _Error("not a term")


def _equal(a: Term, b: Term) -> bool:
    """RDFterm-equal, as far as it can be decided without datatype semantics."""
    if a == b:
        return True
    if isinstance(a, ox.Literal) and isinstance(b, ox.Literal):
        raise NeedsEngine("comparing two different literals")
    return False


# --- parsing -------------------------------------------------------------------------------------

def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = SUBSET_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise Unsupported(f"cannot read the query at {text[pos:pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup
        assert kind is not None
        if kind == "literal":
            raise Unsupported("literals are outside the subset (stores and rdflib normalise typed literals differently)")
        if kind != "comment":
            out.append((kind, m.group(kind)))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.prefixes: dict[str, str] = {}

    # token helpers
    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok[0] == "end":
            raise Unsupported("unexpected end of query")
        self.i += 1
        return tok

    def keyword(self, *words: str) -> bool:
        kind, value = self.peek()
        if kind == "word" and value.upper() in words:
            self.i += 1
            return True
        return False

    def expect(self, value: str) -> None:
        kind, got = self.take()
        if got != value:
            raise Unsupported(f"expected {value!r}, found {got!r}")

    # grammar
    def query(self) -> SelectPlan:
        while self.keyword("PREFIX"):
            kind, pname = self.take()
            kind2, iri = self.take()
            if kind != "pname" or not pname.endswith(":") or kind2 != "iri":
                raise Unsupported("malformed PREFIX")
            self.prefixes[pname[:-1]] = iri[1:-1]
        if not self.keyword("SELECT"):
            raise Unsupported("only SELECT queries")
        distinct = self.keyword("DISTINCT")
        projection: list[str] = []
        while self.peek()[0] == "var":
            projection.append(self.take()[1][1:])
        if not projection:
            raise Unsupported("only a list of projected variables (no *, no expressions)")
        self.keyword("WHERE")
        where = self.group()
        if self.peek()[0] != "end":
            raise Unsupported(f"solution modifiers ({self.peek()[1]}) are outside the subset")
        if len(set(projection)) != len(projection):
            raise Unsupported("a variable projected twice")
        return SelectPlan(tuple(projection), distinct, where)

    def group(self) -> Group:
        self.expect("{")
        patterns: list[Pattern] = []
        filters: list[Expr] = []
        while True:
            kind, value = self.peek()
            if value == "}" and kind == "op":
                self.i += 1
                break
            if value == "." and kind == "op":
                self.i += 1
            elif kind == "word" and value.upper() == "FILTER":
                self.i += 1
                filters.append(self.filter())
            elif kind == "word" and value != "a":
                raise Unsupported(f"{value.upper()} is outside the subset")
            elif value == "{":
                raise Unsupported("nested groups are outside the subset")
            else:
                patterns += self.triples()
        return Group(tuple(patterns), tuple(filters))

    def filter(self) -> Expr:
        kind, value = self.peek()
        if (kind, value) != ("op", "(") and not (kind == "word" and value.upper() in ("NOT", "EXISTS")):
            raise Unsupported("a FILTER other than (expression) or (NOT) EXISTS")
        expr = self.primary()
        if isinstance(expr, (Var, ox.NamedNode)):
            raise Unsupported("a FILTER on a bare term (effective boolean value)")
        return expr

    def expression(self) -> Expr:
        return self.operands("||", self.conjunction)

    def conjunction(self) -> Expr:
        return self.operands("&&", self.relational)

    def operands(self, op: str, operand: Callable[[], Expr]) -> Expr:
        """``a op b op c`` as one n-ary operation (|| and && are associative)."""
        terms = [operand()]
        while self.peek() == ("op", op):
            self.i += 1
            terms.append(operand())
        return terms[0] if len(terms) == 1 else Op(op, tuple(terms))

    def relational(self) -> Expr:
        left = self.unary()
        if self.peek() in (("op", "="), ("op", "!=")):
            op = self.take()[1]
            right = self.unary()
            for side in (left, right):
                if not isinstance(side, (Var, ox.NamedNode)):
                    raise Unsupported(f"{op} compares terms only")
            return Op(op, (left, right))
        return left

    def unary(self) -> Expr:
        if self.peek() == ("op", "!"):
            self.i += 1
            operand = self.unary()
            if isinstance(operand, (Var, ox.NamedNode)):
                raise Unsupported("! of a bare term")
            return Op("!", (operand,))
        return self.primary()

    def primary(self) -> Expr:
        kind, value = self.peek()
        if (kind, value) == ("op", "("):
            self.i += 1
            inner = self.expression()
            self.expect(")")
            return inner
        if kind == "var":
            self.i += 1
            return Var(value[1:])
        if kind in ("iri", "pname"):
            term = self.node()
            if not isinstance(term, ox.NamedNode):
                raise Unsupported("only IRIs and variables in expressions")
            return term
        if self.keyword("NOT"):
            if not self.keyword("EXISTS"):
                raise Unsupported("NOT without EXISTS")
            return Exists(self.group(), negated=True)
        if self.keyword("EXISTS"):
            return Exists(self.group(), negated=False)
        if self.keyword("BOUND"):
            self.expect("(")
            kind, var = self.take()
            if kind != "var":
                raise Unsupported("BOUND takes a variable")
            self.expect(")")
            return Op("bound", (Var(var[1:]),))
        if self.keyword("SAMETERM"):
            self.expect("(")
            a = self.primary()
            self.expect(",")
            b = self.primary()
            self.expect(")")
            if not all(isinstance(x, (Var, ox.NamedNode)) for x in (a, b)):
                raise Unsupported("sameTerm compares terms only")
            return Op("sameTerm", (a, b))
        raise Unsupported(f"{value!r} in an expression is outside the subset")

    def triples(self) -> list[Pattern]:
        subject = self.node()
        out: list[Pattern] = []
        while True:
            inverse = False
            if self.peek() == ("op", "^"):
                self.i += 1
                inverse = True
            if self.peek() == ("word", "a"):  # case-sensitive, unlike keywords
                self.i += 1
                predicate: Node = TYPE
            else:
                predicate = self.node()
            if not isinstance(predicate, ox.NamedNode):
                raise Unsupported("only constant predicates (no variables, no paths other than ^)")
            while True:
                obj = self.node()
                out.append(Pattern(obj, predicate, subject) if inverse else Pattern(subject, predicate, obj))
                if self.peek() != ("op", ","):
                    break
                self.i += 1
            if self.peek() != ("op", ";"):
                break
            while self.peek() == ("op", ";"):
                self.i += 1
            if self.peek() in (("op", "."), ("op", "}")):
                break
        return out

    def node(self) -> Node:
        kind, value = self.take()
        if kind == "var":
            return Var(value[1:])
        if kind == "iri":
            return _iri(value[1:-1])
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix not in self.prefixes:
                raise Unsupported(f"undeclared prefix {prefix}:")
            if not local or local.endswith(".") or "\\" in local:
                raise Unsupported(f"prefixed name {value!r}")
            return _iri(self.prefixes[prefix] + local)
        raise Unsupported(f"{value!r} is outside the subset (only IRIs and variables in patterns)")


def _iri(text: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(text)
    except ValueError:
        raise Unsupported(f"<{text}> is not an absolute IRI (no BASE in the subset)") from None


def compile_select(text: str) -> SelectPlan:
    """Compile a SELECT query of the subset; :class:`Unsupported` for anything outside it."""
    plan = _Parser(text).query()
    _check_variables(plan.where)
    return plan


def _check_variables(group: Group) -> None:
    """Refuse variables named like SHACL's other pre-bound ones (``$currentShape``, ``$shapesGraph``)."""
    def walk(g: Group) -> Iterator[str]:
        for pat in g.patterns:
            for n in (pat.s, pat.o):
                if isinstance(n, Var):
                    yield n.name
        for f in g.filters:
            yield from walk_expr(f)

    def walk_expr(e: Expr) -> Iterator[str]:
        if isinstance(e, Var):
            yield e.name
        elif isinstance(e, Exists):
            yield from walk(e.group)
        elif isinstance(e, Op):
            for a in e.args:
                yield from walk_expr(a)

    for name in walk(group):
        if name in ("currentShape", "shapesGraph"):
            raise Unsupported(f"${name} is not pre-bound by this engine")

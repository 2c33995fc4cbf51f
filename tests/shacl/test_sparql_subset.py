"""The Python evaluator for SHACL-SPARQL constraints gives pyoxigraph's answers, or refuses to answer."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine import PREFIXES, _shapes, generate, outcome

from conftest import ROOT
from emskg import Validator
from emskg.graph.reason import compile_rules, materialise
from emskg.graph.store import KnowledgeGraph
from emskg.shacl.engine import CompiledShapes
from emskg.shacl.sparql_subset import NeedsEngine, Unsupported, compile_select

EX = "https://example.org/x/"


def _engine_only(v: Validator) -> Validator:
    """The same validator with every SPARQL constraint sent to pyoxigraph."""
    assert v.compiled is not None
    for shape in v.compiled.shapes:
        shape.sparql = [dataclasses.replace(c, plan=None) for c in shape.sparql]
    return v


def test_every_shipped_constraint_is_in_the_subset(kg: KnowledgeGraph) -> None:
    v = Validator(kg)
    assert v.compiled is not None
    with_sparql = {s.iri.rsplit("#", 1)[-1]: len(s.sparql) for s in v.compiled.shapes if s.sparql}
    assert with_sparql == {"DeclarationShape": 1, "ObjectiveInScopeShape": 1, "OutcomeObjectiveShape": 1,
                           "ToolsWithoutFrameworkShape": 1}
    assert all(c.plan is not None for s in v.compiled.shapes for c in s.sparql)


def test_same_reports_as_pyoxigraph_on_examples_and_generated_declarations(kg: KnowledgeGraph, tmp_path: Path) -> None:
    generate.generate(120, tmp_path, defect_share=0.6, seed=11)
    root = ROOT / "examples"
    files = sorted(tmp_path.glob("*.ttl")) + sorted(root.glob("conforming/*.ttl")) + sorted(root.glob("broken/*.ttl"))
    fast, engine = Validator(kg), _engine_only(Validator(kg))
    sparql_results = 0
    for f in files:
        a, b = fast.validate_file(f), engine.validate_file(f)
        assert outcome(a) == outcome(b), f.name
        sparql_results += sum(r.constraint_component == "http://www.w3.org/ns/shacl#SPARQLConstraintComponent"
                              for r in a.results)
    assert sparql_results > 20  # SPARQL constraints fired, so the comparison compared something


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s <https://e.org/p> ?p2 . ?s ?p ?o }",
    "SELECT ?s WHERE { ?s <https://e.org/p> 'x' }",
    "SELECT ?s WHERE { ?s <https://e.org/p> 3 }",
    "SELECT ?s WHERE { ?s <https://e.org/p> ?o OPTIONAL { ?o <https://e.org/q> ?z } }",
    "SELECT ?s WHERE { { ?s <https://e.org/p> ?o } UNION { ?s <https://e.org/q> ?o } }",
    "SELECT ?s WHERE { ?s <https://e.org/p> ?o } ORDER BY ?s",
    "SELECT ?s WHERE { ?s <https://e.org/p> ?o } LIMIT 1",
    "SELECT ?s WHERE { ?s <https://e.org/p> ?o FILTER(?o > 3) }",
    "SELECT ?s WHERE { ?s <https://e.org/p> ?o FILTER(?o) }",
    "SELECT ?s WHERE { ?s <https://e.org/p>/<https://e.org/q> ?o }",
    "SELECT ?s WHERE { ?s <https://e.org/p>* ?o }",
    "SELECT ?s WHERE { ?s <https://e.org/p> [ <https://e.org/q> ?o ] }",
    "SELECT ?s WHERE { _:b <https://e.org/p> ?s }",
    "SELECT ?s WHERE { ?s <p> ?o }",
    "SELECT ?s WHERE { ?s x:p ?o }",
    "SELECT ?s WHERE { ?s <https://e.org/p> ?o BIND(?o AS ?z) }",
    "SELECT ?s WHERE { ?s <https://e.org/p> ?o MINUS { ?s <https://e.org/q> ?o } }",
    "SELECT (COUNT(?s) AS ?n) WHERE { ?s <https://e.org/p> ?o }",
    "SELECT ?s WHERE { ?s <https://e.org/p> ?o FILTER regex(str(?o), 'x') }",
    "SELECT $this WHERE { $this <https://e.org/p> $currentShape }",
    "ASK { ?s <https://e.org/p> ?o }",
    "SELECT ?s WHERE { GRAPH ?g { ?s <https://e.org/p> ?o } }",
])
def test_queries_outside_the_subset_are_refused(query: str) -> None:
    with pytest.raises(Unsupported):
        compile_select(query)


def test_comparing_two_different_literals_is_handed_to_the_engine() -> None:
    p = ox.NamedNode(EX + "p")
    one, other = ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), ox.Literal("1.0")
    index = materialise(compile_rules([]), [(ox.NamedNode(EX + "a"), p, one), (ox.NamedNode(EX + "b"), p, other)]).index
    plan = compile_select(f"SELECT ?a ?b WHERE {{ ?a <{p.value}> ?x . ?b <{p.value}> ?y FILTER (?x = ?y) }}")
    with pytest.raises(NeedsEngine):
        plan.solutions(index, {})


def test_a_constraint_the_subset_cannot_decide_runs_in_pyoxigraph(kg: KnowledgeGraph) -> None:
    shapes = CompiledShapes(_shapes("""
        ex:Same a sh:NodeShape ; sh:targetClass ems:Objective ; sh:message "same value" ;
            sh:sparql [ sh:select '''PREFIX ex: <https://example.org/x/>
                SELECT $this WHERE { $this ex:a ?x ; ex:b ?y FILTER (?x = ?y) }''' ] .
    """), kg.triples(inferred=True))
    assert shapes.shapes[0].sparql[0].plan is not None
    for b, fires in [("1.0", True), ("2", False), ('"1"', False)]:
        data = ox.parse((PREFIXES + f"ex:O a ems:Objective ; ex:a 1 ; ex:b {b} .").encode(), format=ox.RdfFormat.TURTLE)
        triples = [(q.subject, q.predicate, q.object) for q in data]
        closure = kg.closure.extend(kg.rules, triples)
        results = shapes.validate(closure.index, [*triples, *closure.inferred])
        assert bool(results) == fires, b  # 1 = 1.0 numerically: only a full engine knows


# --- random queries of the subset against pyoxigraph -----------------------------------------------

IRIS = [ox.NamedNode(EX + n) for n in ("a", "b", "c", "d")]
PREDICATES = [ox.NamedNode(EX + n) for n in ("p", "q")]
VARS = ["x", "y", "z"]

nodes = st.sampled_from([f"?{v}" for v in VARS] + [f"<{i.value}>" for i in IRIS[:2]])
patterns = st.tuples(nodes, st.sampled_from([f"<{p.value}>" for p in PREDICATES] + [f"^<{PREDICATES[0].value}>", "a"]),
                     nodes).map(" ".join)


def _expression(depth: int) -> st.SearchStrategy[str]:
    term = st.sampled_from([f"?{v}" for v in VARS] + [f"<{IRIS[0].value}>"])
    leaf = st.one_of(
        st.tuples(term, st.sampled_from(["=", "!="]), term).map(" ".join),
        st.sampled_from([f"BOUND(?{v})" for v in VARS]),
        st.tuples(term, term).map(lambda ab: f"sameTerm({ab[0]}, {ab[1]})"),
    )
    if depth == 0:
        return leaf
    sub = _expression(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["||", "&&"]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        sub.map(lambda e: f"!({e})"),
        _group(depth - 1).map(lambda g: f"EXISTS {g}"),
    )


def _group(depth: int) -> st.SearchStrategy[str]:
    filters = st.one_of(
        _expression(depth).map(lambda e: f"FILTER ({e})"),
        (_group(depth - 1) if depth else st.just("{ }")).map(lambda g: f"FILTER NOT EXISTS {g}"),
    )
    return st.tuples(st.lists(patterns, min_size=0, max_size=3), st.lists(filters, max_size=2)).map(
        lambda pf: "{ " + " . ".join(pf[0]) + (" . " if pf[0] else "") + " ".join(pf[1]) + " }")


graphs = st.lists(st.tuples(st.sampled_from(IRIS), st.sampled_from([*PREDICATES, ox.NamedNode(
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")]), st.sampled_from(IRIS)), max_size=12)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(triples=graphs, where=_group(2), distinct=st.booleans())
def test_random_queries_of_the_subset_agree_with_pyoxigraph(triples: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode]],
                                                            where: str, distinct: bool) -> None:
    query = f"SELECT {'DISTINCT ' if distinct else ''}?x ?y ?z WHERE {where}"
    plan = compile_select(query)
    index = materialise(compile_rules([]), list(dict.fromkeys(triples))).index
    store = ox.Store()
    store.extend(ox.Quad(s, p, o) for s, p, o in triples)
    expected = Counter(tuple((v, row[v]) for v in VARS if row[v] is not None) for row in store.query(query))
    got = Counter(tuple((v, sol[v]) for v in VARS if v in sol) for sol in plan.solutions(index, {}))
    assert got == expected, query

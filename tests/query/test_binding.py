"""Binding parameters by writing constants into a query gives the answers a joined VALUES row gives."""

from __future__ import annotations

import itertools
from collections import Counter

import pyoxigraph as ox
import pytest

from emskg.core.sparqltext import bind_values, where_brace
from emskg.graph.store import KnowledgeGraph
from emskg.query.named import list_queries
from emskg.query.sparql import run_sparql


def values_row(query: str, bindings: dict[str, ox.NamedNode]) -> str:
    """The plain form of pre-binding: one VALUES row opening the WHERE group."""
    brace = where_brace(query)
    names = " ".join(f"?{k}" for k in bindings)
    terms = " ".join(str(v) for v in bindings.values())
    return f"{query[:brace + 1]} VALUES ({names}) {{ ({terms}) }}{query[brace + 1:]}"


def instances(kg: KnowledgeGraph, cls: str, limit: int = 6) -> list[ox.NamedNode]:
    rows = run_sparql(kg.store, f"SELECT DISTINCT ?x WHERE {{ ?x a {cls} }} ORDER BY ?x").column("x")
    found = [t for t in rows if isinstance(t, ox.NamedNode)]
    step = max(1, len(found) // limit)
    return found[::step][:limit]


def single_valued_cases() -> list[tuple[str, str]]:
    return [(q.name, p.name) for q in list_queries() for p in q.params if p.is_class and not p.many]


@pytest.mark.parametrize(("query_name", "param"), single_valued_cases())
def test_constants_give_the_same_answers_as_a_values_row(kg: KnowledgeGraph, query_name: str, param: str) -> None:
    query = next(q for q in list_queries() if q.name == query_name)
    p = query.param(param)
    assert p is not None
    others = [o for o in query.params if o.is_class and not o.many and o.name != param]
    # the parameter alone, and together with each other parameter's first instances
    combos: list[dict[str, ox.NamedNode]] = [{param: v} for v in instances(kg, p.type)]
    for o in others:
        combos += [{param: a, o.name: b} for a, b in itertools.product(instances(kg, p.type, 3), instances(kg, o.type, 3))]
    text = query.text.replace("VALUES ?initiatives {}", "VALUES ?initiatives { kb:ISO14001 }")
    answered = 0
    for bindings in combos:
        fast = run_sparql(kg.store, bind_values(text, bindings))
        plain = run_sparql(kg.store, values_row(text, bindings))
        assert fast.variables == plain.variables
        assert Counter(fast.rows) == Counter(plain.rows), bindings
        answered += bool(fast.rows)
    assert answered, "no binding gave any row: the comparison compared nothing"


def test_the_flagship_query_is_bound_by_constants(kg: KnowledgeGraph) -> None:
    query = next(q for q in list_queries() if q.name == "tools-for-component-outcome")
    text = bind_values(query.text, {"component": ox.NamedNode("https://w3id.org/emskg/ontology#Check"),
                                    "outcome": ox.NamedNode("https://w3id.org/emskg/kb/Financials")})
    assert "VALUES" not in text and "?component" not in text.split("WHERE", 1)[1]


@pytest.mark.parametrize(("query", "expected"), [
    # a projected parameter keeps its column through a VALUES row, and is a constant in the pattern too
    ("SELECT ?x ?y WHERE { ?y <urn:p> ?x }", "SELECT ?x ?y WHERE { VALUES (?x) { (<urn:c>) } ?y <urn:p> <urn:c> }"),
    # assigned, tested or scoped: VALUES only
    ("SELECT ?y WHERE { BIND(<urn:d> AS ?x) }", "SELECT ?y WHERE { VALUES (?x) { (<urn:c>) } BIND(<urn:d> AS ?x) }"),
    ("SELECT ?y WHERE { ?y <urn:p> ?z FILTER(BOUND(?x)) }",
     "SELECT ?y WHERE { VALUES (?x) { (<urn:c>) } ?y <urn:p> ?z FILTER(BOUND(?x)) }"),
    ("SELECT ?y WHERE { ?y <urn:p> ?x MINUS { ?y <urn:q> ?x } }",
     "SELECT ?y WHERE { VALUES (?x) { (<urn:c>) } ?y <urn:p> ?x MINUS { ?y <urn:q> ?x } }"),
    ("SELECT ?y WHERE { { SELECT ?y WHERE { ?y <urn:p> ?x } } }",
     "SELECT ?y WHERE { VALUES (?x) { (<urn:c>) } { SELECT ?y WHERE { ?y <urn:p> ?x } } }"),
    ("SELECT ?y WHERE { ?y <urn:p> ?x { SELECT ?y WHERE { ?y <urn:q> ?x } } }",
     "SELECT ?y WHERE { VALUES (?x) { (<urn:c>) } ?y <urn:p> ?x { SELECT ?y WHERE { ?y <urn:q> ?x } } }"),
    ("SELECT ?y WHERE { MINUS { ?y <urn:q> ?x } ?y <urn:p> ?x }",
     "SELECT ?y WHERE { VALUES (?x) { (<urn:c>) } MINUS { ?y <urn:q> ?x } ?y <urn:p> ?x }"),
    # a sub-select or MINUS that does not mention it is no obstacle
    ("SELECT ?y WHERE { { SELECT ?y WHERE { ?y <urn:p> ?z } } MINUS { ?y <urn:r> ?z } ?y <urn:q> ?x }",
     "SELECT ?y WHERE { { SELECT ?y WHERE { ?y <urn:p> ?z } } MINUS { ?y <urn:r> ?z } ?y <urn:q> <urn:c> }"),
    ("SELECT ?y WHERE { VALUES (?z ?x) { (1 2) } ?y <urn:p> ?x }",
     "SELECT ?y WHERE { VALUES (?x) { (<urn:c>) } VALUES (?z ?x) { (1 2) } ?y <urn:p> ?x }"),
    # comments, strings and IRIs are left alone
    ("SELECT ?y WHERE { ?y <urn:p?x> ?x # ?x\n FILTER(?y != \"?x\") }",
     "SELECT ?y WHERE { ?y <urn:p?x> <urn:c> # ?x\n FILTER(?y != \"?x\") }"),
])
def test_where_a_constant_would_change_the_meaning_a_values_row_binds(query: str, expected: str) -> None:
    assert bind_values(query, {"x": ox.NamedNode("urn:c")}) == expected


def test_literals_are_bound_by_a_values_row() -> None:
    assert bind_values("SELECT ?y WHERE { ?y <urn:p> ?n }", {"n": ox.Literal("3")}) == \
        'SELECT ?y WHERE { VALUES (?n) { ("3") } ?y <urn:p> ?n }'

"""The one SPARQL lexer: what it finds outside comments, strings and IRIs."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from emskg.core.sparqltext import (
    bind_rows,
    has_variable_predicate,
    iris_named,
    mixes_solutions,
    projection,
    query_form,
    where_brace,
    words,
)
from emskg.errors import QueryError

EMS = "https://w3id.org/emskg/ontology#"


@pytest.mark.parametrize(("query", "form"), [
    ("# SELECT\nASK { ?s ?p ?o }", "ASK"),
    ('PREFIX x: <urn:x#> CONSTRUCT { ?s x:p "SELECT" } WHERE { ?s ?p ?o }', "CONSTRUCT"),
    ("describe <urn:a>", "DESCRIBE"),
    ("nothing here", None),
])
def test_query_form_skips_comments_and_strings(query: str, form: str | None) -> None:
    assert query_form(query) == form


def test_words_are_bare_keywords_only() -> None:
    assert list(words('SELECT ?load WHERE { ?s ems:insert "DELETE" } # DROP')) == ["SELECT", "WHERE"]


def test_where_brace_and_binding_rows() -> None:
    query = 'SELECT ?x WHERE { ?x ?p "{" }'
    assert query[where_brace(query)] == "{" and where_brace(query) == query.index("WHERE") + 6
    bound = bind_rows(query, "x", [ox.NamedNode("urn:a"), ox.NamedNode("urn:b")])
    assert "VALUES ?x { <urn:a> <urn:b> }" in bound
    with pytest.raises(QueryError):
        where_brace("ASK")


def test_iris_named_expands_declared_prefixes() -> None:
    text = f"PREFIX ems: <{EMS}> SELECT $this WHERE {{ $this ems:hasObjective ?o . ?o a <urn:x> . ?o un:known ?z }}"
    assert iris_named(text) == {EMS + "hasObjective", "urn:x"}
    assert iris_named("SELECT * WHERE { ?s ex:p ?o }", {"ex": "urn:ex#"}) == {"urn:ex#p"}


def test_solution_shape_helpers() -> None:
    assert has_variable_predicate("SELECT * WHERE { $this ?p ?o }")
    assert not has_variable_predicate("SELECT * WHERE { $this ems:p ?o }")
    assert mixes_solutions("SELECT $this (COUNT(?o) AS ?n) WHERE { $this ?p ?o } GROUP BY $this")
    assert mixes_solutions("SELECT $this WHERE { { SELECT ?o WHERE { ?o ?p ?q } } }")
    assert not mixes_solutions("SELECT $this WHERE { $this ems:p ?o }")
    assert projection("SELECT DISTINCT $this ?x WHERE { }") == "$this ?x"

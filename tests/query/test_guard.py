"""The query guard (emskg.query.guard, on emskg.core.sparqltext's lexer): terminals, bounds, the grammar layer.

Each case below is a way to write SERVICE or an update that a word regex misread (issue 10: ``true.SERVICE``
passed the old guard and pyoxigraph fetched the URL), or a text that must stay allowed.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emskg.core.sparqltext import keywords_of
from emskg.core.sparqltext import scan as _scan
from emskg.errors import ForbiddenQueryError, QueryError
from emskg.query.guard import MAX_QUERY_DEPTH, check, parsed_effects


def scan(text: str):  # type: ignore[no-untyped-def]
    return _scan(text, MAX_QUERY_DEPTH)

URL = "<http://127.0.0.1:9/>"

REFUSED = [
    f"SELECT * {{ ?s ?p true.SERVICE {URL} {{ ?a ?b ?c }} }}",
    f"SELECT * {{ ?s ?p false.SERVICE {URL} {{ ?a ?b ?c }} }}",
    f"PREFIX x: <http://e/> SELECT * {{ ?s ?p x:.SERVICE {URL} {{ ?a ?b ?c }} }}",
    f"SELECT * {{ ?s ?p 1.SERVICE {URL} {{ ?a ?b ?c }} }}",
    f'SELECT * {{ ?s ?p "x"@en.SERVICE {URL} {{ ?a ?b ?c }} }}',
    f"SELECT * {{ ?s ?p ?o.SERVICE {URL} {{ ?a ?b ?c }} }}",
    f"SELECT * {{ ?s ?p ?o }}SeRvIcE SILENT{URL}{{ ?a ?b ?c }}",
    f"SELECT * {{ OPTIONAL {{ SERVICE {URL} {{ ?a ?b ?c }} }} }}",
    f"SELECT * {{ {{ SELECT * {{ SERVICE {URL} {{ ?a ?b ?c }} }} }} }}",
    "SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE ?endpoint { ?a ?b ?c } } VALUES ?endpoint { <http://x/> } }",
    f"# a comment\nSELECT * {{\nSERVICE {URL} {{ ?a ?b ?c }} }}",
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR ALL",
    "DROP ALL",
    "DELETE WHERE { ?s ?p ?o }",
]

ALLOWED = [
    "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
    'SELECT * WHERE { ?s ?p "SERVICE <http://x/> { }" } LIMIT 1',
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/> { }",
    "PREFIX service: <http://e/> SELECT * WHERE { ?s service:load ?o }",
    "PREFIX x: <http://e/> SELECT * WHERE { ?s ?p x:a.SERVICE }",  # one prefixed name, as the grammar reads it
    "SELECT * WHERE { ?s <http://e/SERVICE> ?o }",
    "",
]


@pytest.mark.parametrize("text", REFUSED)
def test_service_and_updates_are_refused_however_written(text: str) -> None:
    with pytest.raises(ForbiddenQueryError):
        check(text)


@pytest.mark.parametrize("text", ALLOWED)
def test_the_same_words_elsewhere_are_allowed(text: str) -> None:
    check(text)


@pytest.mark.parametrize(("run", "words"), [
    ("true.SERVICE", ["TRUE", "SERVICE"]),
    ("x:.SERVICE", ["SERVICE"]),
    ("x:..SERVICE", ["SERVICE"]),
    ("x:a.SERVICE", []),  # PN_LOCAL may hold dots inside
    ("x:a.", []),
    ("a.b:c", []),  # PN_PREFIX may hold dots inside
    ("a.:SERVICE", ["A"]),  # not a prefix (ends in '.'): the word a, then :SERVICE (a prefixed name)
    ("SELECT", ["SELECT"]),
])
def test_name_runs_split_as_sparql_terminals_do(run: str, words: list[str]) -> None:
    assert list(keywords_of(run)) == words


def test_the_full_grammar_layer_finds_service_the_token_layer_is_not_needed_for() -> None:
    """Layer 2 on its own: a parse tree with a ServiceGraphPattern anywhere."""
    assert parsed_effects(f"SELECT * {{ OPTIONAL {{ SERVICE SILENT {URL} {{ ?s ?p ?o }} }} }}") == {"SERVICE"}
    assert parsed_effects("LOAD <http://x/>") == {"UPDATE"}
    assert parsed_effects("SELECT * { ?s ?p ?o }") == frozenset()
    assert parsed_effects("") == frozenset()  # the empty update is no operation


def test_nesting_is_bounded() -> None:
    ok = "SELECT * WHERE " + "{" * MAX_QUERY_DEPTH + " ?s ?p ?o " + "}" * MAX_QUERY_DEPTH
    assert check(ok).depth == MAX_QUERY_DEPTH
    with pytest.raises(QueryError, match="nests too deeply"):
        check("SELECT * WHERE " + "{" * 5000 + "}" * 5000)
    with pytest.raises(QueryError, match="nests too deeply"):
        check("SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }")


def test_length_is_bounded() -> None:
    with pytest.raises(QueryError, match="too long"):
        check("SELECT * WHERE { ?s ?p ?o } #" + "x" * 1_100_000)


def test_an_unterminated_string_stops_the_scan() -> None:
    """40 KB of escaped quotes took the old regex 8.5 s (every quote restarted a scan to the end)."""
    with pytest.raises(QueryError, match="unterminated string"):
        scan('"' + '\\"' * 500_000)  # 1 MB: one pass


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("SERVICE service .:;{}()<>\"'#?$x1 \n\\")), max_size=80))
def test_the_token_layer_never_misses_a_service_the_grammar_sees(text: str) -> None:
    """Differential: whenever rdflib's SPARQL 1.1 parse has a service pattern, the scan has the keyword."""
    query = "SELECT * WHERE { " + text + " }"
    try:
        found = scan(query).keywords
    except QueryError:
        return  # refused before any engine sees it
    if "SERVICE" in parsed_effects(query):
        assert "SERVICE" in found


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([".", ";", "}", "{", " ", "\n", "#c\n", "/**/", "..", "-", ":", "x:.", "true.", "1.", "?o."]),
       st.sampled_from(["SERVICE", "service", "SeRvIcE", "LOAD", "INSERT", "DROP", "CLEAR"]))
def test_keywords_joined_by_any_punctuation_are_refused(join: str, keyword: str) -> None:
    query = f"SELECT * WHERE {{ ?s ?p ?o {join}{keyword} {URL} {{ ?a ?b ?c }} }}"
    try:
        check(query)
    except ForbiddenQueryError:
        return
    except QueryError:
        return  # malformed: never reaches the engine
    # allowed only when the grammar reads no such keyword either (e.g. inside a comment)
    assert not parsed_effects(query)
    assert keyword.upper() not in scan(query).keywords

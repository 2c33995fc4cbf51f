"""What Virtuoso 7.2 (Debian virtuoso-opensource) does where emskg needs to know — raw SPARQL protocol
and Graph Store Protocol requests, no emskg code in between. Each test pins one finding of
docs/stores.md "Virtuoso"; when a Virtuoso release changes the behaviour, the test says which note
(and which adapter workaround in emskg.stores.remote) to revisit."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
import pytest

from conftest import CLIENT_LIMITS
from engines_virtuoso import VirtuosoServer

XSD = "http://www.w3.org/2001/XMLSchema#"
G = "https://w3id.org/emskg/registration/quirk-"
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def v(virtuoso: VirtuosoServer) -> Iterator[Client]:
    client = Client(virtuoso)
    client.update(f"""INSERT DATA {{
      GRAPH <{G}a> {{ <urn:s> <urn:p> "x"@en-US, "2026-01-02T03:04:05.500000Z"^^<{XSD}dateTime>,
                        "2026-01-02T03:04:05.123456+00:00"^^<{XSD}dateTime>, "2026"^^<{XSD}gYear>, true, 42,
                        "07"^^<{XSD}integer> }}
      GRAPH <{G}b> {{ <urn:s> <urn:q> 1 }} }}""")
    yield client
    client.update(f"DROP SILENT GRAPH <{G}a> ; DROP SILENT GRAPH <{G}b>")
    client.http.close()


class Client:
    """Raw requests to one Virtuoso."""

    def __init__(self, server: VirtuosoServer) -> None:
        self.server = server
        self.http = httpx.Client(timeout=60, limits=CLIENT_LIMITS)

    def post(self, params: list[tuple[str, str]], accept: str = JSON) -> httpx.Response:
        return self.http.post(self.server.query_url, content=urlencode(params).encode(),
                              headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})

    def rows(self, query: str, **dataset: list[str]) -> list[tuple[ox.Term | None, ...]]:
        params = [("query", query)] + [(k.replace("_", "-"), g) for k, gs in dataset.items() for g in gs]
        r = self.post(params)
        assert r.status_code == 200, r.text
        answer = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
        assert isinstance(answer, ox.QuerySolutions)
        return [tuple(s[x] for x in answer.variables) for s in answer]

    def raw_bindings(self, query: str) -> list[dict[str, dict[str, str]]]:
        r = self.post([("query", query)])
        assert r.status_code == 200, r.text
        return json.loads(r.content)["results"]["bindings"]  # type: ignore[no-any-return]

    def update(self, text: str) -> httpx.Response:
        r = self.http.post(self.server.update_url, data={"update": text}, auth=self.server.auth())
        assert r.status_code == 200, r.text
        return r

    def try_update(self, text: str) -> httpx.Response:
        return self.http.post(self.server.update_url, data={"update": text}, auth=self.server.auth())


def _values(rows: list[tuple[ox.Term | None, ...]]) -> set[str]:
    return {t.value for row in rows for t in row if t is not None}


# --- datasets --------------------------------------------------------------------------------------

def test_default_graph_is_the_union_of_every_graph(v: Client) -> None:
    """No dataset given: the default graph is every graph merged, Virtuoso's own system graphs too."""
    assert _values(v.rows("SELECT ?o WHERE { <urn:s> <urn:q> ?o }")) == {"1"}
    assert v.rows("SELECT ?s WHERE { ?s a <http://www.openlinksw.com/schemas/virtrdf#QuadMapFormat> } LIMIT 1")


def test_default_graph_uri_restricts_the_default_graph(v: Client) -> None:
    assert _values(v.rows("SELECT ?o WHERE { <urn:s> ?p ?o }", default_graph_uri=[f"{G}b"])) == {"1"}


def test_graph_ranges_over_every_graph_when_only_default_graph_uri_is_given(v: Client) -> None:
    """SPARQL 1.1 Protocol: a request naming default graphs only has no named graphs. Virtuoso keeps
    them all (emskg passes the same list as named-graph-uri)."""
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    seen = {t.value for (t,) in v.rows(query, default_graph_uri=[f"{G}b"]) if t is not None}
    assert {f"{G}a", f"{G}b", "http://www.openlinksw.com/schemas/virtrdf#"} <= seen
    assert _values(v.rows(query, default_graph_uri=[f"{G}b"], named_graph_uri=[f"{G}a"])) == {f"{G}a"}


def test_from_in_the_query_is_merged_with_the_protocol_dataset(v: Client) -> None:
    """SPARQL 1.1 Protocol: default-graph-uri overrides FROM. Virtuoso merges both."""
    rows = v.rows(f"SELECT ?p FROM <{G}a> WHERE {{ <urn:s> ?p ?o }}", default_graph_uri=[f"{G}b"])
    assert _values(rows) == {"urn:p", "urn:q"}


# --- terms -----------------------------------------------------------------------------------------

def test_stored_booleans_are_1_and_0_in_json_results(v: Client) -> None:
    [binding] = v.raw_bindings(f"SELECT ?o WHERE {{ GRAPH <{G}a> {{ ?s ?p ?o FILTER(DATATYPE(?o) = <{XSD}boolean>) }} }}")
    assert binding["o"] == {"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"}


def test_computed_booleans_are_integers(v: Client) -> None:
    """(1 < 2 AS ?b), a constant true, BOUND(…): xsd:integer 1/0 — emskg queries build booleans with
    STRDT("true", xsd:boolean) or take them from VALUES / the data."""
    [(t, lt, bound, strdt)] = v.rows(f'SELECT (true AS ?t) (1 < 2 AS ?lt) (BOUND(?x) AS ?b) '
                                     f'(STRDT("true", <{XSD}boolean>) AS ?s) {{}}')
    assert t == lt == ox.Literal("1", datatype=ox.NamedNode(XSD + "integer"))
    assert bound == ox.Literal("0", datatype=ox.NamedNode(XSD + "integer"))
    assert strdt is not None and strdt.datatype.value == XSD + "boolean"  # type: ignore[union-attr]


def test_literals_are_kept_as_values_not_as_written(v: Client) -> None:
    """Language tags lower-cased (as Oxigraph), numbers canonical (as Oxigraph), dateTimes in Virtuoso's
    own spelling: milliseconds or microseconds, Z for +00:00 (Oxigraph: shortest fraction)."""
    got = _values(v.rows(f"SELECT ?o WHERE {{ GRAPH <{G}a> {{ ?s ?p ?o }} }}"))
    assert {"x", "2026", "42", "7"} <= got
    assert "2026-01-02T03:04:05.500Z" in got and "2026-01-02T03:04:05.123456Z" in got
    [(tag,)] = v.rows(f'SELECT (LANG(?o) AS ?l) WHERE {{ GRAPH <{G}a> {{ ?s ?p ?o FILTER(isLiteral(?o) && LANG(?o) != "") }} }}')
    assert tag == ox.Literal("en-us")


def test_durations_are_refused_or_rewritten(v: Client) -> None:
    """xsd:duration: INSERT DATA fails (SR553), the Graph Store Protocol stores "P6Y" as "72" (months)."""
    r = v.try_update(f'INSERT DATA {{ GRAPH <{G}d> {{ <urn:s> <urn:p> "P6Y"^^<{XSD}duration> }} }}')
    assert r.status_code == 500 and "SR553" in r.text
    r = v.http.put(v.server.gsp_url, params={"graph": f"{G}d"}, auth=v.server.auth(),
                   content=f'<urn:s> <urn:p> "P6Y"^^<{XSD}duration> .\n'.encode(),
                   headers={"Content-Type": "application/n-triples"})
    assert r.status_code in (200, 201)
    assert _values(v.rows(f"SELECT ?o WHERE {{ GRAPH <{G}d> {{ ?s ?p ?o }} }}")) == {"72"}
    v.update(f"DROP SILENT GRAPH <{G}d>")


def test_blank_nodes(v: Client) -> None:
    """Refused in INSERT DATA; in a template, writable into one graph only (SR002 with two); answered as
    nodeID://b… which pyoxigraph refuses as a blank node label."""
    r = v.try_update(f"INSERT DATA {{ GRAPH <{G}n> {{ _:x <urn:p> 1 }} }}")
    assert r.status_code == 400 and "not allowed in a constant clause" in r.text
    r = v.try_update(f"INSERT {{ GRAPH <{G}n> {{ _:x <urn:p> 1 }} GRAPH <{G}m> {{ _:x <urn:q> 2 }} }} WHERE {{}}")
    assert r.status_code == 500 and "SR002" in r.text
    v.update(f"INSERT {{ GRAPH <{G}n> {{ _:x <urn:p> 1 }} }} WHERE {{}}")
    bindings = v.raw_bindings(f"SELECT ?s WHERE {{ GRAPH <{G}n> {{ ?s ?p ?o }} }}")
    assert bindings and all(b["s"]["type"] == "bnode" and b["s"]["value"].startswith("nodeID://") for b in bindings)
    with pytest.raises(SyntaxError):
        v.rows(f"SELECT ?s WHERE {{ GRAPH <{G}n> {{ ?s ?p ?o }} }}")
    v.update(f"DROP SILENT GRAPH <{G}n>")


def test_long_literals(v: Client) -> None:
    """1.5 MB literals go through INSERT DATA; the Graph Store Protocol refuses a line past ~64 KB."""
    big = "x" * 1_500_000
    v.update(f'INSERT DATA {{ GRAPH <{G}l> {{ <urn:s> <urn:p> "{big}" }} }}')
    assert _values(v.rows(f"SELECT ?o WHERE {{ GRAPH <{G}l> {{ ?s ?p ?o }} }}")) == {big}
    r = v.http.put(v.server.gsp_url, params={"graph": f"{G}l"}, auth=v.server.auth(),
                   content=f'<urn:s> <urn:p> "{"x" * 70_000}" .\n'.encode(), headers={"Content-Type": "application/n-triples"})
    assert r.status_code == 500
    v.update(f"DROP SILENT GRAPH <{G}l>")


# --- SPARQL dialect --------------------------------------------------------------------------------

def test_integer_division_truncates(v: Client) -> None:
    """SPARQL: xsd:integer / xsd:integer is an xsd:decimal (1/3 = 0.333…). Virtuoso: 0. Shares in emskg
    queries divide an xsd:decimal (15 digits on Virtuoso, 18 on Oxigraph: round them)."""
    [(a, b, c)] = v.rows(f"SELECT (1/3 AS ?a) (<{XSD}decimal>(1)/3 AS ?b) (ROUND(100 * <{XSD}decimal>(1) / 3) / 100 AS ?c) {{}}")
    assert a == ox.Literal("0", datatype=ox.NamedNode(XSD + "integer"))
    assert b is not None and b.value == "0.333333333333333"  # type: ignore[union-attr]
    assert c is not None and c.value == "0.33"  # type: ignore[union-attr]


def test_count_is_an_integer_and_year_works_on_zoned_datetimes(v: Client) -> None:
    [(n, y)] = v.rows(f'SELECT (COUNT(*) AS ?n) (YEAR("2025-12-31T23:30:00-05:00"^^<{XSD}dateTime>) AS ?y) '
                      '{ VALUES ?x { 1 2 } }')
    assert n == ox.Literal("2", datatype=ox.NamedNode(XSD + "integer"))
    assert y == ox.Literal("2025", datatype=ox.NamedNode(XSD + "integer"))


def test_exists_inside_an_expression_may_not_compile(v: Client) -> None:
    """EXISTS inside IF(…) in a BIND (and in some FILTER disjunctions) fails to compile: SQ074."""
    r = v.post([("query", 'SELECT ?m WHERE { ?s <urn:p> ?o BIND(IF(EXISTS { ?s <urn:q> ?z } && !BOUND(?n), "a", "") AS ?m) }')])
    assert r.status_code == 500 and "SQ074" in r.text


def test_base_must_come_before_prefix(v: Client) -> None:
    r = v.post([("query", "PREFIX ex: <urn:> BASE <urn:x> ASK {}")])
    assert r.status_code == 400 and "syntax error at 'BASE'" in r.text


def test_filter_not_exists_inside_graph_and_strstarts(v: Client) -> None:
    """The "latest registration" pattern the sector queries use works."""
    v.update(f"""INSERT DATA {{
      GRAPH <{G}r1> {{ <{G}r1> <urn:registers> <urn:sys> ; <urn:at> "2025-01-01T00:00:00Z"^^<{XSD}dateTime> }}
      GRAPH <{G}r2> {{ <{G}r2> <urn:registers> <urn:sys> ; <urn:at> "2026-01-01T00:00:00Z"^^<{XSD}dateTime> }} }}""")
    rows = v.rows(f"""SELECT ?reg WHERE {{
      GRAPH ?reg {{ ?reg <urn:registers> ?sys ; <urn:at> ?t }} FILTER(STRSTARTS(STR(?reg), "{G}"))
      FILTER NOT EXISTS {{ GRAPH ?r2 {{ ?r2 <urn:registers> ?sys ; <urn:at> ?t2 }}
                          FILTER(?t2 > ?t || (?t2 = ?t && STR(?r2) > STR(?reg))) }} }}""")
    assert _values(rows) == {f"{G}r2"}
    v.update(f"DROP SILENT GRAPH <{G}r1> ; DROP SILENT GRAPH <{G}r2>")


def test_group_concat(v: Client) -> None:
    """No SEPARATOR: an error (SR183). No values: "" (Oxigraph: unbound). A language tag common to the
    parts is dropped (Oxigraph keeps it)."""
    r = v.post([("query", "SELECT (GROUP_CONCAT(?x) AS ?e) { VALUES ?x { 1 2 } }")])
    assert r.status_code == 500 and "SR183" in r.text
    [(empty, tagged)] = v.rows('SELECT (GROUP_CONCAT(?x; separator=" ") AS ?e) (GROUP_CONCAT(?l; separator=" ") AS ?t) '
                               '{ VALUES ?l { "a"@en } OPTIONAL { VALUES ?x { 1 } FILTER(false) } }')
    assert empty == ox.Literal("") and tagged == ox.Literal("a")


# --- results formats -------------------------------------------------------------------------------

def test_construct_answers_json_when_json_is_acceptable(v: Client) -> None:
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G}b> {{ ?s ?p ?o }} }}"
    r = v.post([("query", query)], accept="application/sparql-results+json, application/n-triples")
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    r = v.post([("query", query)], accept="application/n-triples")
    assert r.headers["content-type"].startswith("application/n-triples")
    assert [t.object for t in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)] == [
        ox.Literal("1", datatype=ox.NamedNode(XSD + "integer"))]


# --- updates ---------------------------------------------------------------------------------------

def test_insert_data_of_5000_triples_in_one_graph_block_fails(v: Client) -> None:
    body = " ".join(f"<urn:s{i}> <urn:p> {i} ." for i in range(5_000))
    r = v.try_update(f"INSERT DATA {{ GRAPH <{G}big> {{ {body} }} }}")
    assert r.status_code == 400 and "SP030" in r.text
    half = " ".join(f"<urn:s{i}> <urn:p> {i} ." for i in range(2_500))
    v.update(f"INSERT DATA {{ GRAPH <{G}big> {{ {half} }} GRAPH <{G}big> {{ {half.replace('urn:s', 'urn:t')} }} }}")
    assert _values(v.rows(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G}big> {{ ?s ?p ?o }} }}")) == {"5000"}
    v.update(f"DROP SILENT GRAPH <{G}big>")


def test_updates_need_digest_auth(v: Client) -> None:
    """/sparql (anonymous) refuses updates with HTTP 500 SR186; /sparql-auth challenges Digest only."""
    r = v.http.post(v.server.query_url, data={"update": f"INSERT DATA {{ GRAPH <{G}x> {{ <urn:s> <urn:p> 1 }} }}"})
    assert r.status_code == 500 and "SR186" in r.text
    r = v.http.post(v.server.update_url, data={"query": "ASK {}"})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Digest ")
    r = v.http.post(v.server.update_url, data={"query": "ASK {}"}, auth=httpx.BasicAuth(v.server.user, v.server.password))
    assert r.status_code == 401


def test_dropping_graphs(v: Client) -> None:
    """DROP GRAPH of an absent graph fails (500); DROP SILENT and GSP DELETE (404 when absent) work."""
    assert v.try_update(f"DROP GRAPH <{G}absent>").status_code == 500
    v.update(f"DROP SILENT GRAPH <{G}absent>")
    v.update(f"INSERT DATA {{ GRAPH <{G}del> {{ <urn:s> <urn:p> 1 }} }}")
    assert v.http.delete(v.server.gsp_url, params={"graph": f"{G}del"}, auth=v.server.auth()).status_code == 200
    assert v.http.delete(v.server.gsp_url, params={"graph": f"{G}del"}, auth=v.server.auth()).status_code == 404


# --- timeouts and caps -----------------------------------------------------------------------------

SLOW = ("SELECT ?a (COUNT(*) AS ?n) WHERE { GRAPH <http://www.openlinksw.com/schemas/virtrdf#> "
        "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } } GROUP BY ?a")


def test_timeout_parameter_gives_a_partial_answer_with_http_200(v: Client) -> None:
    """"Anytime" queries: after about twice the ``timeout`` (ms) Virtuoso answers 200 with what it has and
    says so only in X-SQL-State: S1TAT — emskg refuses such answers."""
    started = time.monotonic()
    r = v.post([("query", SLOW), ("timeout", "500")])
    assert r.status_code == 200 and r.headers["x-sql-state"] == "S1TAT"
    assert "incomplete" in r.headers["x-sql-message"]
    assert time.monotonic() - started < 30


def test_a_failed_graph_store_upload_is_not_rolled_back(v: Client) -> None:
    """A PUT whose body breaks off with a syntax error answers 500, yet the graph's old triples are gone
    and the lines before the error are in: the Graph Store Protocol is no atomic write (registrations
    go through INSERT DATA, one transaction per request)."""
    g = f"{G}gsp-atomic"
    good = "\n".join(f"<urn:s{i}> <urn:p> {i} ." for i in range(100)).encode()
    bad = "\n".join(f"<urn:t{i}> <urn:p> {i} ." for i in range(100)).encode() + b'\n<urn:x> <urn:p> "broken .\n'
    put = {"params": {"graph": g}, "auth": v.server.auth(), "headers": {"Content-Type": "application/n-triples"}}
    assert v.http.put(v.server.gsp_url, content=good, **put).status_code == 201  # type: ignore[arg-type]
    assert v.http.put(v.server.gsp_url, content=bad, **put).status_code == 500  # type: ignore[arg-type]
    subjects = {t.value[:5] for (t,) in v.rows(f"SELECT DISTINCT ?s WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}") if t}
    assert subjects == {"urn:t"}
    v.update(f"DROP SILENT GRAPH <{g}>")


def test_a_failed_update_operation_keeps_the_ones_before_it(v: Client) -> None:
    """Operations of one update request are not one transaction: a failing second operation leaves the
    first one's triples in. One INSERT DATA that fails in its execution (here on a duration) leaves
    nothing: each registration is one INSERT DATA."""
    g = f"{G}upd-atomic"
    r = v.try_update(f"INSERT DATA {{ GRAPH <{g}> {{ <urn:a> <urn:p> 1 }} }} ; DROP GRAPH <{G}never-created>")
    assert r.status_code == 500
    assert v.rows(f"SELECT ?s WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}") == [(ox.NamedNode("urn:a"),)]
    v.update(f"DROP SILENT GRAPH <{g}>")
    r = v.try_update(f'INSERT DATA {{ GRAPH <{g}> {{ <urn:a> <urn:p> 1 . <urn:b> <urn:p> "P1Y"^^<{XSD}duration> . '
                     f'<urn:c> <urn:p> 3 }} }}')
    assert r.status_code == 500
    assert v.rows(f"SELECT ?s WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}") == []

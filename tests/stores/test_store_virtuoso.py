"""A sparql: store on a real Virtuoso (tests/engines_virtuoso.py): the adapter's answers to Virtuoso's
quirks (docs/stores.md "Virtuoso"), each test failing when its fix in emskg.stores.remote is undone."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from emskg.errors import QueryError, StoreTimeoutError, StoreUnavailableError
from emskg.stores import Store, open_store
from emskg.stores.remote import RemoteStore
from engines_virtuoso import VirtuosoServer, start_virtuoso

REG = "https://w3id.org/emskg/registration/"
#: Minutes of work on Virtuoso's own system graph (2,479 triples cubed): stopped by a timeout.
SLOW = ("SELECT ?a (COUNT(*) AS ?n) WHERE { GRAPH <http://www.openlinksw.com/schemas/virtrdf#> "
        "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } } GROUP BY ?a")


@pytest.fixture(scope="module")
def capped_virtuoso() -> Iterator[VirtuosoServer]:
    """A second Virtuoso configured as production servers often are: at most 5 result rows
    (Debian's ini says 10,000) and a 1 s execution limit."""
    server = start_virtuoso(sparql_settings={"ResultSetMaxRows": "5", "MaxQueryExecutionTime": "1"})
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


def _store(virtuoso: VirtuosoServer, *, gsp: bool = True) -> Store:
    return open_store(None, env=virtuoso.env(gsp=gsp))


def _count(store: Store, graph: str) -> int:
    answer = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(answer))["n"].value)  # type: ignore[call-overload, index]


def test_insert_of_many_triples_into_one_graph(virtuoso: VirtuosoServer) -> None:
    """Virtuoso's parser fails past ~4,990 triples in one GRAPH block: the adapter writes blocks of 1,000."""
    store = _store(virtuoso)
    g = REG + "virtuoso-many"
    quads = [ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(f"v{i}"), ox.NamedNode(g))
             for i in range(4_999)]  # one request (CHUNK_TRIPLES is 5,000), one graph
    store.insert_quads(quads)
    assert _count(store, g) == len(quads)
    store.drop_graphs([g])
    assert _count(store, g) == 0
    store.close()


def test_construct_answers_triples(virtuoso: VirtuosoServer) -> None:
    """Virtuoso answers a CONSTRUCT with SPARQL JSON when JSON is acceptable: the adapter asks for RDF."""
    store = _store(virtuoso)
    g = REG + "virtuoso-construct"
    store.insert_quads([ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x", language="en"), ox.NamedNode(g))])
    for text in (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}",
                 f"# a comment\nBASE <urn:x>\nPREFIX ex: <urn:>\nconstruct {{ ?s ?p ?o }} "
                 f"WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"):
        answer = store.query(text)
        assert not isinstance(answer, ox.QuerySolutions)
        assert list(answer) == [ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x", language="en"))]
    store.drop_graphs([g])
    store.close()


def test_partial_answer_at_the_engine_timeout_is_refused(virtuoso: VirtuosoServer) -> None:
    """With a ``timeout`` parameter Virtuoso stops the query and answers HTTP 200 with what it has
    (``X-SQL-State: S1TAT``): the adapter raises instead of handing on partial counts."""
    store = _store(virtuoso)
    assert isinstance(store, RemoteStore)
    store.query("ASK {}")  # learns the engine from its Server header
    request = store.query_request(SLOW, timeout=0.5)
    assert b"timeout=500" in request["content"]
    request["timeout"] = 60.0  # wait for the engine's own answer
    response = store.client.post(**request)
    assert response.status_code == 200 and response.headers["x-sql-state"] == "S1TAT"
    with pytest.raises(StoreTimeoutError, match="partial answer"):  # a timeout: the server answers 504
        store.check_response(response)
    store.close()


def test_rows_cut_by_the_engine_are_refused(capped_virtuoso: VirtuosoServer) -> None:
    """Virtuoso's ResultSetMaxRows cuts a SELECT silently but for an ``X-SPARQL-MaxRows`` header."""
    store = _store(capped_virtuoso)
    assert len(list(store.query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3"))) == 3  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="cut the answer at 5 rows"):
        store.query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 10")
    store.close()


def test_engine_execution_limit_is_an_error(capped_virtuoso: VirtuosoServer) -> None:
    """The ini file's MaxQueryExecutionTime (no ``timeout`` parameter) gives HTTP 500 SR171, not rows."""
    store = _store(capped_virtuoso)
    with pytest.raises(StoreUnavailableError, match="SR171"):
        store.query(SLOW)
    store.close()


XSD = "http://www.w3.org/2001/XMLSchema#"


def _lit(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


def test_terms_come_back_as_the_embedded_store_gives_them(virtuoso: VirtuosoServer) -> None:
    """Booleans (Virtuoso's JSON says 1/0), dateTimes (its own spelling: .500, Z for +00:00), durations
    (it refuses or rewrites them: P6Y becomes 12) and blank nodes (nodeID://…, which pyoxigraph refuses)."""
    store = _store(virtuoso, gsp=False)
    g = ox.NamedNode(REG + "virtuoso-terms")
    objects = [_lit("true", "boolean"), _lit("false", "boolean"), _lit("2026-11-30T13:40:00.5Z", "dateTime"),
               _lit("2026-11-30T13:40:00.12345Z", "dateTime"), _lit("2026-11-30T08:40:00.000001-05:00", "dateTime"),
               _lit("P6Y", "duration"), _lit("2026", "gYear"), _lit("42", "integer"), ox.Literal("x", language="en"),
               ox.Literal("a long one " * 10_000), ox.BlankNode("shared")]
    quads = [ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), o, g) for i, o in enumerate(objects)]
    quads.append(ox.Quad(ox.BlankNode("shared"), ox.NamedNode("urn:p"), ox.Literal("in another graph"),
                         ox.NamedNode(REG + "virtuoso-terms-2")))
    store.insert_quads(quads)
    answer = store.query(f"SELECT ?o WHERE {{ GRAPH <{g.value}> {{ ?s ?p ?o }} }}")
    got = {s["o"] for s in answer}  # type: ignore[index, union-attr]
    assert {o for o in got if not isinstance(o, ox.BlankNode)} == {o for o in objects if not isinstance(o, ox.BlankNode)}
    assert sum(isinstance(o, ox.BlankNode) for o in got) == 1
    # the blank node is one node across the two graphs (Virtuoso alone would have made two, or refused)
    joined = store.query(f"SELECT ?v WHERE {{ GRAPH <{g.value}> {{ ?s ?p ?b }} GRAPH <{REG}virtuoso-terms-2> {{ ?b ?q ?v }} }}")
    assert [s["v"] for s in joined] == [ox.Literal("in another graph")]  # type: ignore[index, union-attr]
    constructed = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g.value}> {{ ?s ?p ?o }} }}")
    assert {t.object for t in constructed if not isinstance(t.object, ox.BlankNode)} == got - {  # type: ignore[union-attr]
        o for o in got if isinstance(o, ox.BlankNode)}
    store.drop_graphs([g.value, REG + "virtuoso-terms-2"])
    store.close()


def test_load_the_knowledge_graph(virtuoso: VirtuosoServer, tmp_path_factory: pytest.TempPathFactory) -> None:
    """``load`` into Virtuoso: 380 blank nodes shared by a source graph and the inferred graph, xsd:duration
    literals and ~3,400 blank-node quads in one request all reach it (each failed before the adapter's fixes)."""
    from emskg.graph.store import load_graph
    from emskg.stores.load import load_kb

    fresh = start_virtuoso(tmp_path_factory.mktemp("virtuoso-load"))
    try:
        for gsp in (False, True):
            store = _store(fresh, gsp=gsp)
            result = load_kb(store, load_graph(), force=True)
            assert result.loaded and result.quads > 8_000
            n = store.kb_query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            assert int(next(iter(n))["n"].value) == result.quads  # type: ignore[call-overload, index]
            store.close()
    finally:
        fresh.stop()
        shutil.rmtree(fresh.folder, ignore_errors=True)

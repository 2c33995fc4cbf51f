"""A sparql: store on a real Virtuoso (tests/engines_virtuoso.py): the adapter's answers to Virtuoso's
quirks (docs/stores.md "Virtuoso"), each test failing when its fix in emskg.stores.remote is undone."""

from __future__ import annotations

import pyoxigraph as ox

from emskg.stores import Store, open_store
from engines_virtuoso import VirtuosoServer

REG = "https://w3id.org/emskg/registration/"


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
                 f"# a comment\nBASE <urn:x>\nPREFIX ex: <urn:>\nconstruct {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"):
        answer = store.query(text)
        assert not isinstance(answer, ox.QuerySolutions)
        assert list(answer) == [ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x", language="en"))]
    store.drop_graphs([g])
    store.close()

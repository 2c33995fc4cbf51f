"""Which dataset each kind of named query runs on: KB queries over the closure (kb_query), queries
marked ``# dataset: registry`` over the store's own dataset, where the registration graphs are."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from emskg.errors import QueryError
from emskg.graph.store import KnowledgeGraph
from emskg.query.named import TermResolver, load_queries, run_named
from emskg.stores import Store

REG = "https://w3id.org/emskg/registration/00000000000000aa"
QUERY = """# title: Registered things
# dataset: registry
SELECT ?s ?label WHERE {
  GRAPH ?reg { ?s <urn:test:registered> true }
  FILTER(STRSTARTS(STR(?reg), "https://w3id.org/emskg/registration/"))
  GRAPH ?kbg { ?c rdfs:label ?label } FILTER(STRSTARTS(STR(?kbg), "https://w3id.org/emskg/graph/"))
  FILTER(?c = ems:Component)
}
"""


def test_registry_queries_see_registrations_on_every_store(tmp_path: Path, kg: KnowledgeGraph,
                                                           loaded_stores: dict[str, Store]) -> None:
    (tmp_path / "registered.rq").write_text(QUERY)
    (tmp_path / "as-kb.rq").write_text(QUERY.replace("# dataset: registry\n", ""))
    queries = load_queries(tmp_path)
    assert queries["registered"].reads_registry and not queries["as-kb"].reads_registry
    quad = ox.Quad(ox.NamedNode("urn:test:system"), ox.NamedNode("urn:test:registered"),
                   ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")), ox.NamedNode(REG))
    resolver = TermResolver(kg.store)
    answers = {}
    for name, store in loaded_stores.items():
        store.insert_quads([quad])
        try:
            rows = run_named(store, queries["registered"], resolver=resolver).rows
            answers[name] = sorted((r[0].value, r[1].value) for r in rows)  # type: ignore[union-attr]
            if store.kind == "sparql":  # the KB dataset holds no registration graph there
                assert run_named(store, queries["as-kb"], resolver=resolver).rows == [], name
        finally:
            store.drop_graphs([REG])
    assert answers["memory"] and {s for s, _ in answers["memory"]} == {"urn:test:system"}
    assert answers["oxigraph"] == answers["memory"] and answers["server"] == answers["memory"]
    assert answers["virtuoso"] == answers["memory"]


def test_a_bad_dataset_header_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.rq").write_text("# dataset: everything\nASK {}\n")
    with pytest.raises(QueryError, match="kb or registry"):
        load_queries(tmp_path)

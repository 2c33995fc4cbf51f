"""Regression: SPARQL syntax errors pointed hundreds of columns past the end of the user's query.

Introduced and fixed in commit 3271156. emskg predeclares its prefixes by writing ``PREFIX`` lines in
front of the query, on its first line (so line numbers stay right); pyoxigraph's error positions on
line 1 then counted the prologue too. ``run_sparql`` moves them back by the prologue's length.
"""

from __future__ import annotations

import re

import pytest

from emskg.errors import QueryError
from emskg.graph.store import KnowledgeGraph
from emskg.query.sparql import run_sparql


@pytest.mark.parametrize("query", ["SELECT * WHERE { ?s ?p ?o", "SELEC * WHERE {}",
                                   "SELECT * WHERE { ?s ?p ?o . FILTER(?x = ) }"])
def test_the_column_is_within_the_query_as_written(kg: KnowledgeGraph, query: str) -> None:
    with pytest.raises(QueryError) as raised:
        run_sparql(kg.store, query)
    position = re.search(r"\b1:(\d+)\b", str(raised.value))
    assert position is not None, raised.value
    assert 1 <= int(position.group(1)) <= len(query) + 1

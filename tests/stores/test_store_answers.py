"""Every knowledge-base named query gives the same rows on memory, oxigraph:PATH and an Oxigraph server."""

from __future__ import annotations

import re
import shlex

import pyoxigraph as ox
import pytest

from emskg.graph.store import KnowledgeGraph
from emskg.query.named import NamedQuery, TermResolver, list_queries, run_named
from emskg.query.sparql import QueryResult
from emskg.stores import Store


def _cases() -> list[tuple[NamedQuery, dict[str, str]]]:
    """Each KB query with its defaults, and with the parameters of each of its ``# example:`` lines."""
    out: list[tuple[NamedQuery, dict[str, str]]] = []
    for q in list_queries(include_qc=True):
        if q.reads_registry:
            continue
        if not any(p.many and not p.default for p in q.params):
            out.append((q, {}))
        for example in q.examples:
            words = shlex.split(example)
            params = dict(w.split("=", 1) for w in words[words.index("--param") + 1::2]) if "--param" in words else {}
            if params:
                out.append((q, params))
    return out


_CONCAT = re.compile(r'GROUP_CONCAT\s*\(\s*(?:DISTINCT\s+)?[^;)]*?(?:;\s*SEPARATOR\s*=\s*"([^"]*)")?\s*\)\s+AS\s+\?(\w+)',
                     re.I)


def _separators(text: str) -> dict[str, str]:
    """GROUP_CONCAT result variables and their separators: the order of the parts is the engine's
    (SPARQL leaves it unspecified; it follows the store's internal term ids), so they compare sorted."""
    return {m.group(2): m.group(1) if m.group(1) is not None else " " for m in _CONCAT.finditer(text)}


def _term(t: object, sep: str | None = None) -> str:
    if isinstance(t, ox.BlankNode):
        return "_:b"
    if sep is not None and t is None:
        return ""  # no values: Oxigraph leaves a GROUP_CONCAT unbound, Virtuoso answers "" (docs/stores.md)
    if sep is not None and isinstance(t, ox.Literal):
        return sep.join(sorted(t.value.split(sep))) if sep else "".join(sorted(t.value))
    return str(t)


def _rows(result: QueryResult, separators: dict[str, str]) -> list[tuple[str, ...]]:
    if result.kind == "ask":
        return [(str(result.boolean),)]
    if result.kind == "graph":
        return [tuple(_term(t) for t in triple) for triple in result.triples]
    seps = [separators.get(v) for v in result.variables]
    return [tuple(_term(t, sep) for t, sep in zip(row, seps, strict=True)) for row in result.rows]


@pytest.mark.parametrize(("query", "params"), _cases(),
                         ids=lambda v: v.name if isinstance(v, NamedQuery) else ",".join(f"{k}={x}" for k, x in v.items()))
def test_every_store_gives_the_same_rows(query: NamedQuery, params: dict[str, str], kg: KnowledgeGraph,
                                         loaded_stores: dict[str, Store]) -> None:
    assert_same_answers(query, params, kg, loaded_stores)


def assert_same_answers(query: NamedQuery, params: dict[str, str], kg: KnowledgeGraph,
                        stores: dict[str, Store]) -> None:
    """Run ``query`` on every store and compare each answer with memory's: the same kind, columns
    and rows (order-insensitive; GROUP_CONCAT parts as sets), and under ORDER BY the same sequence
    of sort keys (rows that tie may come in any order)."""
    resolver = TermResolver(kg.store)
    answers = {name: run_named(store, query, params, resolver=resolver) for name, store in stores.items()}
    expected = answers.pop("memory")
    order = re.search(r"\bORDER\s+BY\b(.*?)(?:\bLIMIT\b|\bOFFSET\b|$)", query.text, re.I | re.S)
    keys = [expected.variables.index(v) for v in re.findall(r"\?(\w+)", order.group(1))
            if v in expected.variables] if order else []
    seps = _separators(query.text)
    for name, got in answers.items():
        assert got.kind == expected.kind and got.variables == expected.variables, name
        assert sorted(_rows(got, seps)) == sorted(_rows(expected, seps)), name
        assert [tuple(r[k] for k in keys) for r in _rows(got, seps)] == \
            [tuple(r[k] for k in keys) for r in _rows(expected, seps)], name

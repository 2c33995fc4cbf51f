"""The vocabulary and the term helpers every layer shares (one home each)."""

from __future__ import annotations

import ast
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ROOT
from emskg.core.terms import best_label, curie, read_list
from emskg.core.vocab import EMS, EMSH, KB, PREFIXES, RDF_FIRST, RDF_NIL, RDF_REST, RDF_TYPE

SRC = ROOT / "src" / "emskg"


def test_prefixes_are_the_namespaces() -> None:
    assert PREFIXES["ems"] == EMS and PREFIXES["kb"] == KB
    assert RDF_TYPE.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.mark.parametrize(("iri", "prefixes", "expected"), [
    (EMS + "selectsOutcome", PREFIXES, "ems:selectsOutcome"),
    (KB + "QualServe", PREFIXES, "kb:QualServe"),
    (EMS, PREFIXES, None),  # a namespace alone has no local part
    ("urn:x", PREFIXES, None),
    (EMSH + "PolicyShape", {**PREFIXES, "emsh": EMSH}, "emsh:PolicyShape"),
])
def test_curie(iri: str, prefixes: dict[str, str], expected: str | None) -> None:
    assert curie(iri, prefixes) == expected


@pytest.mark.parametrize(("labels", "expected"), [
    ([], None),
    ([("Wasser", "de")], "Wasser"),
    ([("Wasser", "de"), ("Water", "en"), ("Eau", None)], "Water"),
    ([("Eau", None), ("Water", "en")], "Eau"),
])
def test_best_label_prefers_english_or_untagged(labels: list[tuple[str, str | None]], expected: str | None) -> None:
    assert best_label(ox.Literal(text, language=lang) for text, lang in labels) == expected


def _links(triples: list[tuple[ox.BlankNode, ox.NamedNode, object]]) -> tuple[object, object]:
    def get(pred: ox.NamedNode) -> object:
        table = {s: o for s, p, o in triples if p == pred}
        return table.get

    return get(RDF_FIRST), get(RDF_REST)


def test_read_list_reads_and_refuses_malformed_lists() -> None:
    a, b = ox.BlankNode("a"), ox.BlankNode("b")
    one, two = ox.Literal("1"), ox.Literal("2")
    first, rest = _links([(a, RDF_FIRST, one), (a, RDF_REST, b), (b, RDF_FIRST, two), (b, RDF_REST, RDF_NIL)])
    assert read_list(a, first, rest) == [one, two]  # type: ignore[arg-type]
    first, rest = _links([(a, RDF_FIRST, one), (a, RDF_REST, a)])  # a cycle
    with pytest.raises(KeyError, match="malformed RDF list"):
        read_list(a, first, rest, KeyError)  # type: ignore[arg-type]
    first, rest = _links([(a, RDF_REST, RDF_NIL)])  # no rdf:first
    with pytest.raises(ValueError, match="malformed RDF list"):
        read_list(a, first, rest)  # type: ignore[arg-type]


def _string_constants(path: Path) -> list[str]:
    return [n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and n.value.startswith(("http://", "https://"))
            and n.value not in ("http://", "https://")]  # a URL built in an f-string is not a namespace


@pytest.mark.parametrize("module", sorted(p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")
                                          if p.name != "vocab.py"))
def test_no_module_but_vocab_writes_a_namespace(module: str) -> None:
    """One home for IRIs: every other module imports its constants from emskg.core.vocab."""
    assert _string_constants(SRC / module) == []

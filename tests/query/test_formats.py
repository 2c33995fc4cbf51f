"""The result formats, on hand-made results (the CLI and the endpoint share this one writer)."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from emskg.errors import InputError
from emskg.query.formats import FORMATS, compact, render
from emskg.query.sparql import QueryResult

KB = "https://w3id.org/emskg/kb/"
SELECT = QueryResult("select", variables=["s", "label", "n"], rows=[
    (ox.NamedNode(KB + "QualServe"), ox.Literal("Qual\tServe", language="en"),
     ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
    (ox.BlankNode("b0"), None, ox.Literal("x")),
])
ASK = QueryResult("ask", boolean=True)
GRAPH = QueryResult("graph", triples=[(ox.NamedNode(KB + "a"), ox.NamedNode(KB + "p"), ox.Literal("v"))])


def test_json() -> None:
    doc = json.loads(render(SELECT, "json"))
    assert doc["head"]["vars"] == ["s", "label", "n"]
    first, second = doc["results"]["bindings"]
    assert first["label"] == {"type": "literal", "value": "Qual\tServe", "xml:lang": "en"}
    assert first["n"]["datatype"].endswith("#integer") and second == {"s": {"type": "bnode", "value": "b0"},
                                                                      "n": {"type": "literal", "value": "x"}}
    assert json.loads(render(ASK, "json")) == {"head": {}, "boolean": True}


@pytest.mark.parametrize(("fmt", "expected"), [
    ("csv", "s,label,n\r\nhttps://w3id.org/emskg/kb/QualServe,Qual\tServe,3\r\n_:b0,,x\r\n"),
    ("tsv", '?s\t?label\t?n\n<https://w3id.org/emskg/kb/QualServe>\t"Qual\\tServe"@en\t'
            '"3"^^<http://www.w3.org/2001/XMLSchema#integer>\n_:b0\t\t"x"\n'),
])
def test_csv_and_tsv(fmt: str, expected: str) -> None:
    assert render(SELECT, fmt) == expected


def test_table_and_xml() -> None:
    table = str(render(SELECT, "table"))
    assert "kb:QualServe" in table and table.endswith("(2 rows)\n")
    assert render(ASK, "table") == "yes\n"
    xml = str(render(SELECT, "xml"))
    assert '<binding name="label"><literal xml:lang="en">Qual\tServe</literal></binding>' in xml
    assert "<boolean>true</boolean>" in str(render(ASK, "xml"))


@pytest.mark.parametrize("fmt", ["turtle", "nt", "jsonld", "rdfxml", "table"])
def test_graph_results_in_every_graph_format(fmt: str) -> None:
    body = render(GRAPH, fmt)
    parsed = ox.parse(body if isinstance(body, bytes) else body.encode(),
                      format={"turtle": ox.RdfFormat.TURTLE, "table": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                              "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}[fmt])
    assert [(q.subject, q.predicate, q.object) for q in parsed] == GRAPH.triples


def test_a_format_that_does_not_fit_is_an_input_error() -> None:
    assert set(FORMATS) == {"table", "csv", "tsv", "json", "xml", "turtle", "nt", "jsonld", "rdfxml"}
    with pytest.raises(InputError, match="CONSTRUCT/DESCRIBE"):
        render(GRAPH, "csv")
    with pytest.raises(InputError, match="SELECT/ASK"):
        render(SELECT, "rdfxml")
    assert (compact(None), compact(ox.BlankNode("b1")), compact(ox.NamedNode("urn:x"))) == ("", "_:b1", "urn:x")

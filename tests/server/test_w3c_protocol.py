"""The W3C SPARQL 1.1 Protocol test suite (query side), run against a real ``emskg serve``.

Reconstructed from the manifest of w3c/rdf-tests (``sparql/sparql11/protocol/manifest.ttl``): each
case keeps the test's IRI, name, request (method, path, content type, body) and expected response
(status class, result format, boolean). Nothing is fetched while the tests run. The manifest's
``/sparql/`` path is replaced by the endpoint's ``/sparql``, as the manifest asks.

* **Required** (21): the query tests and the ``bad_*`` tests. The seven positive update tests
  (``update_*``) do not apply: the endpoint is read-only by design and refuses updates with 403.
* **Optional dataset tests** (6): they need the manifest's ``ut:graphData`` loaded as named graphs;
  the server for this module serves them from ``datasets/w3c-protocol.trig`` in a copy of the data
  folder (a named-graph file is served as it is, beside the KB).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

import httpx
import pytest

from conftest import ROOT, LiveServer, live_server

MANIFEST = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#"
KASEI = "http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2F"

#: The manifest's ut:graphData (data1.nt, data2.nt, data3.nt), each in the graph its rdfs:label names.
GRAPH_DATA = "\n".join(
    f"<http://kasei.us/2009/09/sparql/data/data{i}.rdf> {{ <http://kasei.us/2009/09/sparql/data/data{i}.rdf> "
    f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://xmlns.com/foaf/0.1/Document> . }}"
    for i in (1, 2, 3))

BOOLEAN_TYPES = ("application/sparql-results+xml", "application/sparql-results+json")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = ("application/rdf+xml", "text/turtle", "application/n-triples", "application/xhtml+xml")


@dataclass(frozen=True)
class Case:
    name: str
    label: str
    method: str
    path: str
    status: int  # 2 for 2xx/3xx, 4 for 4xx
    content_type: str | None = None
    body: str | bytes | None = None
    fmt: str | None = None  # boolean | tabular | RDF
    boolean: bool | None = None
    dataset: bool = False  # an optional dataset test

    @property
    def iri(self) -> str:
        return MANIFEST + self.name


ASK_1_2 = ("ASK { <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?type . "
           "<http://kasei.us/2009/09/sparql/data/data2.rdf> a ?type . }")
ASK_G1_G2 = ("ASK { GRAPH ?g1 { <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?type } "
             "GRAPH ?g2 { <http://kasei.us/2009/09/sparql/data/data2.rdf> a ?type } }")
DG = f"default-graph-uri={KASEI}"
NG = f"named-graph-uri={KASEI}"
Q = "application/sparql-query"
FORM = "application/x-www-form-urlencoded"

CASES = [
    Case("query_post_form", "query via URL-encoded POST", "POST", f"/sparql/?{DG}data0.rdf", 2, FORM,
         "query=ASK%20%7B%7D", "boolean", True),
    Case("query_dataset_default_graphs_get", "GET query with protocol-specified default graph", "GET",
         "/sparql/?query=ASK%20%7B%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata1.rdf%3E%20a%20%3Ftype"
         "%20.%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata2.rdf%3E%20a%20%3Ftype%20.%20%7D"
         f"&{DG}data1.rdf&{DG}data2.rdf", 2, None, None, "boolean", True, True),
    Case("query_dataset_default_graphs_post", "POST query with protocol-specified default graphs", "POST",
         f"/sparql/?{DG}data1.rdf&{DG}data2.rdf", 2, Q, ASK_1_2, "boolean", True, True),
    Case("query_dataset_named_graphs_post", "POST query with protocol-specified named graphs", "POST",
         f"/sparql/?{NG}data1.rdf&{NG}data2.rdf", 2, Q, ASK_G1_G2, "boolean", True, True),
    Case("query_dataset_named_graphs_get", "GET query with protocol-specified named graphs", "GET",
         "/sparql/?query=ASK%20%7B%20GRAPH%20%3Fg1%20%7B%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2F"
         "data1.rdf%3E%20a%20%3Ftype%20%7D%20GRAPH%20%3Fg2%20%7B%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2F"
         f"data%2Fdata2.rdf%3E%20a%20%3Ftype%20%7D%20%7D&{NG}data1.rdf&{NG}data2.rdf", 2, None, None, "boolean",
         True, True),
    Case("query_dataset_full", "query with protocol-specified dataset (both named and default graphs)", "POST",
         f"/sparql/?{DG}data3.rdf&{NG}data1.rdf&{NG}data2.rdf", 2, Q,
         "ASK {\n  <http://kasei.us/2009/09/sparql/data/data3.rdf> a ?type\n"
         "  GRAPH ?g1 { <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?type }\n"
         "  GRAPH ?g2 { <http://kasei.us/2009/09/sparql/data/data2.rdf> a ?type }\n}", "boolean", True, True),
    Case("query_multiple_dataset", "query specifying dataset in both query string and protocol; test for use of "
         "protocol-specified dataset", "POST", f"/sparql/?{NG}data1.rdf&{NG}data2.rdf", 2, Q,
         "ASK FROM <http://kasei.us/2009/09/sparql/data/data3.rdf> { GRAPH ?g1 { <http://kasei.us/2009/09/sparql/"
         "data/data1.rdf> a ?type } GRAPH ?g2 { <http://kasei.us/2009/09/sparql/data/data2.rdf> a ?type } }",
         "boolean", True, True),
    Case("query_get", "query via GET", "GET", f"/sparql/?query=ASK%20%7B%7D&{DG}data0.rdf", 2, None, None,
         "boolean", True),
    Case("query_content_type_select", "query appropriate content type (expect one of: XML, JSON, CSV, TSV)",
         "POST", f"/sparql/?{DG}data0.rdf", 2, Q, "SELECT (1 AS ?value) {}", "tabular"),
    Case("query_content_type_ask", "query appropriate content type (expect one of: XML, JSON)", "POST",
         f"/sparql/?{DG}data0.rdf", 2, Q, "ASK {}", "boolean"),
    Case("query_content_type_describe", "query appropriate content type (expect one of: RDF/XML, Turtle, "
         "N-Triples, RDFa)", "POST", f"/sparql/?{DG}data0.rdf", 2, Q, "DESCRIBE <http://example.org/>", "RDF"),
    Case("query_content_type_construct", "query appropriate content type (expect one of: RDF/XML, Turtle, "
         "N-Triples, RDFa)", "POST", f"/sparql/?{DG}data0.rdf", 2, Q, "CONSTRUCT { <s> <p> 1 } WHERE {}", "RDF"),
    Case("query_post_direct", "query via POST directly", "POST", "/sparql/", 2, Q, "ASK {}", "boolean", True),
    Case("bad_query_method", "invoke query operation with a method other than GET or POST", "PUT",
         f"/sparql/?query=ASK%20%7B%7D&{DG}data0.rdf", 4, FORM),
    Case("bad_multiple_queries", "invoke query operation with more than one query string", "GET",
         "/sparql/?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", 4),
    Case("bad_query_wrong_media_type", "invoke query operation with a POST with media type that's not url-encoded "
         "or application/sparql-query", "POST", "/sparql/", 4, "text/plain", "ASK {}"),
    Case("bad_query_missing_form_type", "invoke query operation with url-encoded body, but without "
         "application/x-www-form-urlencoded media type", "POST", "/sparql/", 4, None, "query=ASK%20%7B%7D"),
    Case("bad_query_missing_direct_type", "invoke query operation with SPARQL body, but without "
         "application/sparql-query media type", "POST", "/sparql/", 4, None, "ASK {}"),
    Case("bad_query_non_utf8", "invoke query operation with direct POST, but with a non-UTF8 encoding (UTF-16)",
         "POST", "/sparql/", 4, "application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16")),
    Case("bad_query_syntax", "invoke query operation with invalid query syntax (4XX result)", "GET",
         "/sparql/?query=ASK%20%7B", 4),
    Case("bad_update_get", "invoke update operation with GET", "GET", "/sparql/?update=CLEAR%20ALL", 4),
    Case("bad_multiple_updates", "invoke update operation with more than one update string", "POST", "/sparql/", 4,
         FORM, "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT"),
    Case("bad_update_wrong_media_type", "invoke update operation with a POST with media type that's not url-encoded "
         "or application/sparql-update", "POST", "/sparql/", 4, "text/plain", "CLEAR NAMED"),
    Case("bad_update_missing_form_type", "invoke update operation with url-encoded body, but without "
         "application/x-www-form-urlencoded media type", "POST", "/sparql/", 4, None, "update=CLEAR%20NAMED"),
    Case("bad_update_non_utf8", "invoke update operation with direct POST, but with a non-UTF8 encoding", "POST",
         "/sparql/", 4, "application/sparql-update; charset=UTF-16", "CLEAR NAMED".encode("utf-16")),
    Case("bad_update_syntax", "invoke update operation with invalid update syntax", "POST", "/sparql/", 4, FORM,
         "update=CLEAR%20XYZ"),
    Case("bad_update_dataset_conflict", "invoke update with both using-graph-uri/using-named-graph-uri parameter "
         "and USING/WITH clause", "POST", "/sparql/?using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople", 4,
         "application/sparql-update",
         "PREFIX foaf:  <http://xmlns.com/foaf/0.1/>\nWITH <http://example/addresses>\n"
         "DELETE { ?person foaf:givenName 'Bill' }\nINSERT { ?person foaf:givenName 'William' }\n"
         "WHERE {\n    ?person foaf:givenName 'Bill'\n}"),
]
REQUIRED = [c for c in CASES if not c.dataset]
OPTIONAL = [c for c in CASES if c.dataset]


def test_the_suite_is_complete() -> None:
    assert (len(REQUIRED), len(OPTIONAL)) == (21, 6)
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server over a copy of the data folder plus the manifest's graph data as named graphs."""
    home = tmp_path_factory.mktemp("w3c-home")
    for folder in ("ontology", "kb", "shapes", "queries"):
        shutil.copytree(ROOT / folder, home / folder)
    (home / "datasets").mkdir()
    (home / "datasets" / "w3c-protocol.trig").write_text(GRAPH_DATA + "\n", encoding="utf-8")
    env = {"EMSKG_HOME": str(home), "EMSKG_WORKERS": "1", "EMSKG_QUERY_TIMEOUT": "5", "EMSKG_CACHE": str(home / "cache")}
    with live_server(env, home / "serve.log") as live:
        yield live


def _run(server: LiveServer, case: Case) -> httpx.Response:
    path = "/sparql" + case.path.removeprefix("/sparql/")
    headers = {"content-type": case.content_type} if case.content_type else {}
    body = case.body.encode() if isinstance(case.body, str) else case.body
    return httpx.request(case.method, server.base + path, headers=headers, content=body, timeout=30)


def _boolean(response: httpx.Response) -> bool:
    ctype = response.headers["content-type"].split(";")[0]
    if ctype == "application/sparql-results+json":
        return bool(json.loads(response.text)["boolean"])
    root = ElementTree.fromstring(response.content)
    node = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert node is not None, response.text
    return node.text == "true"


def _check(server: LiveServer, case: Case) -> None:
    response = _run(server, case)
    if case.status == 4:
        assert 400 <= response.status_code < 500, (case.iri, response.status_code, response.text[:200])
        return
    assert 200 <= response.status_code < 400, (case.iri, response.status_code, response.text[:200])
    ctype = response.headers["content-type"].split(";")[0].strip()
    allowed = {"boolean": BOOLEAN_TYPES, "tabular": TABULAR_TYPES, "RDF": RDF_TYPES}[case.fmt or "boolean"]
    assert ctype in allowed, (case.iri, ctype)
    if case.boolean is not None:
        assert _boolean(response) is case.boolean, (case.iri, response.text[:300])


@pytest.mark.parametrize("case", REQUIRED, ids=[c.name for c in REQUIRED])
def test_required(w3c_server: LiveServer, case: Case) -> None:
    _check(w3c_server, case)


@pytest.mark.parametrize("case", OPTIONAL, ids=[c.name for c in OPTIONAL])
def test_optional_dataset(w3c_server: LiveServer, case: Case) -> None:
    _check(w3c_server, case)


def test_graph_data_file_is_served_as_named_graphs(w3c_server: LiveServer) -> None:
    """The dataset file's graphs are named graphs only: not in the default graph, not reasoned."""
    ask = "ASK { <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?t }"
    r = httpx.get(w3c_server.base + "/sparql", params={"query": ask}, headers={"accept": BOOLEAN_TYPES[1]})
    assert r.json()["boolean"] is False
    r = httpx.get(w3c_server.base + "/sparql", params={"query": f"ASK {{ GRAPH ?g {{ {ask[6:-2]} }} }}"},
                  headers={"accept": BOOLEAN_TYPES[1]})
    assert r.json()["boolean"] is True


"""Fuzzing the live server: schemathesis on /openapi.json, hypothesis on queries, parameters, declarations.

Bounded: schemathesis runs at most 15 examples per operation, hypothesis about 100 per property,
each request with a client timeout. Queries are built from the named queries' own texts and from
SERVICE / LOAD / update keywords pointing at a counting loopback listener, joined with the
punctuation SPARQL's tokeniser treats specially (``.``, ``;``, ``}``, comments ...): whatever comes
out is answered with an expected status and never reaches the listener.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from conftest import CLIENT_LIMITS
from security.live import EXAMPLE_JSONLD, EXAMPLE_TTL, NO_CACHE, ROOT, TOKEN, CountingListener, SecServer

# --- schemathesis --------------------------------------------------------------------------------------


def _operation_labels() -> list[str]:
    """"METHOD /path" of every operation in the app's OpenAPI schema (built without starting a server)."""
    from emskg.server.app import create_app
    from emskg.server.settings import Settings

    spec = create_app(Settings()).openapi()
    methods = ("get", "post", "put", "patch", "delete")
    return [f"{m.upper()} {path}" for path, item in spec["paths"].items() for m in methods if m in item]


@pytest.fixture(scope="module")
def api_schema(sec_server: SecServer) -> object:
    """The live server's /openapi.json, loaded by schemathesis."""
    return schemathesis.openapi.from_url(sec_server.base + "/openapi.json")


@pytest.mark.slow
@pytest.mark.parametrize("label", _operation_labels())
def test_openapi_operations(api_schema: schemathesis.BaseSchema, sec_server: SecServer, label: str) -> None:
    """Attack: schemathesis-generated requests (schema-valid and schema-violating parameters, bodies and
    media types; at most 15 examples) for one operation of /openapi.json. Expected: never a 5xx; the
    response's content type and JSON body conform to the schema.

    Narrowed checks: ``status_code_conformance`` is left out because FastAPI's schema does not list the
    statuses every route can answer through the shared error handlers (400 for a malformed query string,
    404/405 from routing, 413 from the body cap, 503/504 from the worker pool); those are documented in
    docs/api.md and each has its own test in this battery. ``negative_data_rejection`` and
    ``positive_data_acceptance`` are left out because the schema types named-query parameters and SPARQL
    texts as plain strings, so "schema-valid" says nothing about whether a value names something."""
    operation = api_schema.find_operation_by_label(label)  # type: ignore[attr-defined]
    assert operation is not None, label
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(base_url=sec_server.base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=20,
                                          checks=[not_a_server_error, content_type_conformance,
                                                  response_schema_conformance])
        seen[response.status_code] = seen.get(response.status_code, 0) + 1

    seen: dict[int, int] = {}
    run()
    print(f"{label}: statuses {dict(sorted(seen.items()))}")
    assert seen, "schemathesis generated no request"



# --- hypothesis: queries -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_listener() -> Iterator[CountingListener]:
    listener = CountingListener()
    try:
        yield listener
    finally:
        listener.close()


@pytest.fixture(scope="module")
def fuzz_client(sec_server: SecServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sec_server.base, timeout=20, limits=CLIENT_LIMITS) as c:
        yield c


def _named_query_bodies() -> list[str]:
    texts = []
    for path in sorted((ROOT / "queries").glob("*.rq")):
        text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
        texts.append(text.strip())
    return texts


NAMED_TEXTS = _named_query_bodies()
URL = "http://127.0.0.1:{port}/"
ATTACK_FRAGMENTS = [
    "SERVICE <" + URL + "> { ?a ?b ?c }", "SERVICE SILENT <" + URL + "> { ?a ?b ?c }", "SeRvIcE <" + URL + "> {}",
    "service ?e { ?a ?b ?c }", "VALUES ?e { <" + URL + "> }", "LOAD <" + URL + "x.ttl>",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE WHERE { ?s ?p ?o }", "CLEAR ALL", "DROP ALL",
    "FROM <" + URL + "g>", "FROM NAMED <" + URL + "g>", "true", "false", "1", "x:", "PREFIX x: <http://e/>",
    "?s ?p ?o", "?s ?p", "?s ?p true", "?s ?p x:", "SELECT *", "SELECT * WHERE", "ASK", "{", "}", "OPTIONAL {", "FILTER EXISTS {",
    "{ SELECT * WHERE {", "GRAPH ?g {", "LIMIT 1",
]
JOINERS = [" ", ".", " . ", ";", " ; ", "}", "{", "\n", "# c\n", "#\n", ",", "\t", "", " }\n"]


TERMS = ["true", "false", "1", "1.5", "x:", "x:a", '"s"', "'s'", "<urn:a>", "?o", "[]", "()", "ems:Plan"]
PUNCTUATION = [".", " .", ";", " ;", ",", "", "\n", "#c\n", "\t.", ".#c\n"]


@st.composite
def service_after_a_term(draw: st.DrawFn) -> str:
    """A triple ending in a term, punctuation SPARQL may glue to it, then SERVICE in random case."""
    keyword = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in "service")
    silent = draw(st.sampled_from(["", " SILENT", " silent"]))
    glue = draw(st.sampled_from(PUNCTUATION))
    return (f"PREFIX x: <http://e/> SELECT * WHERE {{ ?s ?p {draw(st.sampled_from(TERMS))}{glue}"
            f"{keyword}{silent} <{URL}> {{ ?a ?b ?c }} }}")


@st.composite
def query_texts(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 3)) == 0:
        return draw(service_after_a_term())
    base = draw(st.sampled_from(NAMED_TEXTS))
    pieces = draw(st.lists(st.sampled_from(ATTACK_FRAGMENTS + ["<<BASE>>"]), min_size=1, max_size=8))
    joiners = draw(st.lists(st.sampled_from(JOINERS), min_size=len(pieces), max_size=len(pieces)))
    text = "".join(j + p for j, p in zip(joiners, pieces, strict=True))
    where = draw(st.sampled_from(["prefix", "inside", "suffix", "alone"]))
    if where == "alone":
        return text.replace("<<BASE>>", "")
    if where == "prefix":
        return text.replace("<<BASE>>", "") + " " + base
    if where == "suffix":
        return base + text.replace("<<BASE>>", "")
    brace = base.find("{")
    return base[:brace + 1] + text.replace("<<BASE>>", "") + base[brace + 1:]


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=query_texts(), how=st.sampled_from(["GET", "POST"]))
def test_random_query_texts(fuzz_client: httpx.Client, fuzz_listener: CountingListener, text: str, how: str) -> None:
    """Attack: random query texts made of the named queries and SERVICE / LOAD / update / FROM fragments
    joined by ``.``, ``;``, braces and comments. Expected: a status in {200, 400, 403, 406, 413, 504} and
    never a connection to the listener."""
    text = text.replace("{port}", str(fuzz_listener.port))
    before = fuzz_listener.connections
    if how == "GET":
        r = fuzz_client.get("/sparql", params={"query": text}, headers=NO_CACHE)
    else:
        r = fuzz_client.post("/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code in {200, 400, 403, 406, 413, 504}, (r.status_code, r.text[:300], text)
    assert fuzz_listener.connections == before, f"the server connected to the listener for: {text!r}"


# --- hypothesis: named-query parameters --------------------------------------------------------------

PARAM_QUERIES = [("tools-for-component-outcome", "component"), ("tools-for-component-outcome", "outcome"),
                 ("initiatives-adopted-by", "utility"), ("frameworks-for-stage", "stage")]
IRI_ALPHABET = st.sampled_from(list("<>{}[]:;/?#@!$&'()*+,=%\\\"` ^|~.-_") + ["http://", "kb:", "ems:", "urn:", "\u00e9", "\x00"])


def _known_params() -> set[tuple[str, str]]:
    out = set()
    for path in (ROOT / "queries").glob("*.rq"):
        for m in re.finditer(r"^# param: (\S+)", path.read_text(encoding="utf-8"), re.M):
            out.add((path.stem, m.group(1)))
    return out


KNOWN = _known_params()


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(target=st.sampled_from([p for p in PARAM_QUERIES if p in KNOWN] or sorted(KNOWN)[:4]),
       value=st.one_of(st.text(max_size=200), st.lists(IRI_ALPHABET, max_size=30).map("".join),
                       st.lists(st.sampled_from(["http://x", "> } ;", "DROP ALL", "{", "<", "a b", "[::1"]),
                                max_size=6).map("".join)))
def test_random_parameter_strings(fuzz_client: httpx.Client, target: tuple[str, str], value: str) -> None:
    """Attack: random strings (IRI punctuation, injection pieces, any Unicode) as a named query's parameter.
    Expected: never a 5xx (a value that names nothing is 400)."""
    name, param = target
    r = fuzz_client.get(f"/queries/{name}", params={param: value}, headers=NO_CACHE)
    assert r.status_code < 500, (r.status_code, r.text[:300], value)


# --- hypothesis: declarations ----------------------------------------------------------------------------

VALIDATE_CTYPES = ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"]
EXAMPLES = [EXAMPLE_TTL.read_bytes(), EXAMPLE_JSONLD.read_bytes()]


@st.composite
def declaration_bytes(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=2000))
    data = draw(st.sampled_from(EXAMPLES))
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 40))
        data = data[:at] + draw(st.binary(max_size=20)) + data[at + cut:]
    return data


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=declaration_bytes(), ctype=st.sampled_from(VALIDATE_CTYPES))
def test_random_declarations(fuzz_client: httpx.Client, data: bytes, ctype: str) -> None:
    """Attack: random bytes and byte-level mutations of the example declarations POSTed to /validate.
    Expected: never a 5xx (a declaration that does not parse is a 200 report with an error, or a 4xx)."""
    r = fuzz_client.post("/validate", content=data, headers={"Content-Type": ctype, "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code < 500, (r.status_code, r.text[:300], data[:200])

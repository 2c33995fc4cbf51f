"""A ``sparql:QUERY_URL`` store: any SPARQL 1.1 engine over HTTP (Oxigraph server, Virtuoso, ...).

* Queries: SPARQL 1.1 Protocol, ``POST`` form-encoded, asking for SPARQL JSON results (SELECT/ASK)
  or N-Triples (CONSTRUCT/DESCRIBE); answers are parsed with pyoxigraph
  (``parse_query_results`` / ``parse``), so callers get the same result objects as from an
  embedded store. ``kb_query`` passes the knowledge-graph graph names as ``default-graph-uri``: their
  merge is the closure, whatever the engine's own default graph is (Virtuoso's is every graph).
* Updates: ``POST application/sparql-update`` to ``EMSKG_STORE_UPDATE`` (default: the query URL),
  triples sent as ``INSERT DATA`` in chunks (never one request per triple); graph uploads use the
  Graph Store Protocol at ``EMSKG_STORE_GSP`` when it is set (``PUT``/``POST`` of N-Triples).
* Credentials: HTTP basic or digest, whichever the server's ``WWW-Authenticate`` challenge asks for.
  They are never in a message: errors name the store by its redacted label.
* Failures: connection refused, timeouts, HTTP 5xx and refused credentials raise
  :class:`~emskg.errors.StoreUnavailableError` (one line); a query the engine rejects (HTTP 400) is
  a :class:`~emskg.errors.QueryError`.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import defaultdict
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from ..core.vocab import GENID, OPAQUE_DATATYPE, XSD
from ..errors import QueryError, StoreTimeoutError, StoreUnavailableError
from .base import GraphPayload, QueryAnswer, StoreKind
from .spec import StoreSpec

__all__ = ["RemoteStore", "QUERY_ACCEPT", "parse_answer", "ChallengeAuth", "RawAnswer"]

log = logging.getLogger("emskg.stores")

#: What a query asks for: SPARQL JSON for SELECT/ASK, N-Triples for CONSTRUCT/DESCRIBE (engines pick
#: by the query form), with the other common forms as fallbacks.
QUERY_ACCEPT = ("application/sparql-results+json, application/n-triples, "
                "application/sparql-results+xml;q=0.8, text/turtle;q=0.7, text/plain;q=0.5")
#: What a CONSTRUCT/DESCRIBE asks for: RDF only — Virtuoso answers a CONSTRUCT with SPARQL JSON
#: (bindings of ?s ?p ?o) whenever JSON is acceptable, which would parse as a SELECT's rows.
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
#: The query form after the prologue (comments, BASE, PREFIX): CONSTRUCT and DESCRIBE answer triples.
_GRAPH_FORM = re.compile(r"^(?:\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s*[\w.-]*:\s*<[^>]*>)*(?:CONSTRUCT|DESCRIBE)\b", re.I)
#: Triples per ``INSERT DATA`` request (keeps each request well under engines' body and SQL limits).
CHUNK_TRIPLES = 5_000
#: Triples per ``INSERT DATA`` request to Virtuoso: it compiles an update into SQL and refuses one past
#: 10,000 lines of it ("SP031 … generated SQL text has exceeded 10000 lines"), which mixed KB quads
#: reach at ~3,000 triples; 1,000–2,000 are also its fastest request sizes. A registration larger than
#: this is written in several requests, each atomic (docs/stores.md "Virtuoso").
VIRTUOSO_CHUNK_TRIPLES = 2_000
#: Seconds to connect, and to wait for an answer when the caller gives no timeout.
CONNECT_TIMEOUT = 5.0
DEFAULT_TIMEOUT = 60.0
#: Seconds the list of the store's knowledge-graph graphs is reused before it is asked again.
KB_GRAPHS_TTL = 60.0

_RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}


@dataclass(frozen=True)
class RawAnswer:
    """An engine's answer before parsing (what the server hands a worker to parse and render)."""

    content_type: str
    body: bytes


def parse_answer(answer: RawAnswer) -> QueryAnswer:
    """Parse an engine's answer into pyoxigraph result objects, by its media type (a Virtuoso answer,
    marked by :data:`VIRTUOSO_MARK`, in the terms the embedded store would give: :func:`_virtuoso_json`).

    Raises :class:`QueryError` for a media type that is no result format, or a body that does not parse."""
    media = answer.content_type.split(";")[0].strip().lower()
    virtuoso = VIRTUOSO_MARK in answer.content_type
    try:
        if media in _RESULT_FORMATS:
            body = _virtuoso_json(answer.body) if virtuoso and _RESULT_FORMATS[media] == ox.QueryResultsFormat.JSON \
                else answer.body
            result: QueryAnswer = ox.parse_query_results(body, format=_RESULT_FORMATS[media])
            return result
        if media in _GRAPH_FORMATS:
            triples = [q.triple for q in ox.parse(answer.body, format=_GRAPH_FORMATS[media])]
            return [_virtuoso_triple(t) for t in triples] if virtuoso else triples
    except (SyntaxError, ValueError, OSError) as exc:
        raise QueryError(f"the store's answer does not parse ({_first_line(exc)})") from None
    raise QueryError(f"the store answered with {media or 'no media type'!r}, not a SPARQL result format")


#: A media-type parameter the adapter adds to a Virtuoso answer's type, so that whoever parses it
#: (this process or a server worker) knows to normalise its terms.
VIRTUOSO_MARK = "x-emskg-engine=virtuoso"
_XSD_BOOLEAN = XSD + "boolean"
_XSD_DATETIME = XSD + "dateTime"
#: XSD datatypes Virtuoso cannot keep (SR553 in INSERT DATA; the Graph Store Protocol stores ``P6Y``
#: as ``12``): written with an :data:`OPAQUE_DATATYPE` stand-in, read back as themselves.
_OPAQUE_ON_VIRTUOSO = frozenset(XSD + name for name in ("duration", "yearMonthDuration", "dayTimeDuration"))
_DATETIME = re.compile(r"^(-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$")


def canonical_datetime(value: str) -> str:
    """An ``xsd:dateTime`` in its canonical form, as Oxigraph stores it: no trailing zeros in the
    seconds' fraction, ``Z`` for UTC. Virtuoso keeps the value but not its spelling (``.5`` comes back
    ``.500``, ``+00:00`` as ``Z``)."""
    m = _DATETIME.match(value)
    if m is None:
        return value
    fraction = (m.group(2) or "").rstrip("0")
    zone = "Z" if m.group(3) in ("+00:00", "-00:00") else (m.group(3) or "")
    return m.group(1) + ("." + fraction if fraction else "") + zone


def _virtuoso_term_json(term: dict[str, Any]) -> None:
    """One SPARQL JSON term of a Virtuoso answer, in place: its blank nodes are ``nodeID://b123`` (not a
    blank node label: pyoxigraph refuses it), booleans ``1``/``0``, dateTimes in its own spelling, and
    :data:`GENID` IRIs stand for the blank nodes emskg wrote (:meth:`RemoteStore._storable`)."""
    kind, value = term.get("type"), term.get("value", "")
    if kind == "bnode" and value.startswith("nodeID://"):
        term["value"] = value[len("nodeID://"):]
    elif kind == "uri" and value.startswith(GENID):
        term["type"], term["value"] = "bnode", value[len(GENID):]
    elif str(term.get("datatype", "")).startswith(OPAQUE_DATATYPE):
        term["datatype"] = XSD + term["datatype"][len(OPAQUE_DATATYPE):]
    elif term.get("datatype") == _XSD_BOOLEAN:
        term["value"] = {"1": "true", "0": "false"}.get(value, value)
    elif term.get("datatype") == _XSD_DATETIME:
        term["value"] = canonical_datetime(value)


def _virtuoso_json(body: bytes) -> bytes:
    """A Virtuoso SPARQL JSON answer with its terms as the embedded store gives them (ASK: unchanged)."""
    data = json.loads(body)
    bindings = data.get("results", {}).get("bindings") if isinstance(data, dict) else None
    if not bindings:
        return body
    for binding in bindings:
        for term in binding.values():
            _virtuoso_term_json(term)
    return json.dumps(data).encode()


def _virtuoso_term(term: Any) -> Any:
    if isinstance(term, ox.NamedNode) and term.value.startswith(GENID):
        return ox.BlankNode(term.value[len(GENID):])
    if isinstance(term, ox.Literal) and term.datatype.value == _XSD_DATETIME:
        return ox.Literal(canonical_datetime(term.value), datatype=term.datatype)
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(OPAQUE_DATATYPE):
        return ox.Literal(term.value, datatype=ox.NamedNode(XSD + term.datatype.value[len(OPAQUE_DATATYPE):]))
    return term


def _virtuoso_triple(t: ox.Triple) -> ox.Triple:
    """A triple of a Virtuoso CONSTRUCT answer, its terms as the embedded store gives them."""
    return ox.Triple(_virtuoso_term(t.subject), t.predicate, _virtuoso_term(t.object))


def _skolem(term: Any) -> Any:
    """A term as Virtuoso can keep it: blank nodes as :data:`GENID` IRIs, durations with a stand-in datatype."""
    if isinstance(term, ox.BlankNode):
        return ox.NamedNode(GENID + term.value)
    if isinstance(term, ox.Literal) and term.datatype.value in _OPAQUE_ON_VIRTUOSO:
        return ox.Literal(term.value, datatype=ox.NamedNode(OPAQUE_DATATYPE + term.datatype.value[len(XSD):]))
    return term


def _refuse_partial(response: httpx.Response, label: str) -> None:
    """Raise when a successful answer is incomplete. Virtuoso says so only in headers, with HTTP 200:
    ``X-SQL-State: S1TAT`` when its ``timeout`` ("anytime query") stopped the query and it sent what it
    had (aggregates over part of the data, or no row); ``X-SPARQL-MaxRows`` when its ResultSetMaxRows
    cut the rows (docs/stores.md "Virtuoso")."""
    state = response.headers.get("x-sql-state")
    if state:
        raise StoreTimeoutError(f"store {label} stopped the query at its timeout and sent a partial answer "
                                    f"(SQL state {state[:20]}); emskg refuses partial answers")
    cap = response.headers.get("x-sparql-maxrows")
    if cap:
        raise QueryError(f"store {label} cut the answer at {cap[:20]} rows (its own result-row limit, Virtuoso's "
                         "ResultSetMaxRows); emskg refuses partial answers")


def _first_line(exc: BaseException | str) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


class ChallengeAuth(httpx.Auth):
    """HTTP basic or digest, as the server's ``WWW-Authenticate`` challenge asks; the scheme learnt
    from the first challenge is used up front afterwards (basic) or via the digest nonce (digest)."""

    requires_request_body = True

    def __init__(self, user: str, password: str) -> None:
        self._basic = httpx.BasicAuth(user, password)
        self._digest = httpx.DigestAuth(user, password)
        self._scheme: str | None = None

    def __repr__(self) -> str:
        return "ChallengeAuth(<redacted>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._scheme == "basic":
            yield from self._basic.auth_flow(request)
            return
        if self._scheme == "digest":
            yield from self._digest.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        challenge = response.headers.get("www-authenticate", "").strip().lower()
        if challenge.startswith("digest"):
            self._scheme = "digest"
            # DigestAuth answers the challenge it is shown: run its flow with this response
            flow = self._digest.auth_flow(request)
            next(flow)
            try:
                authed = flow.send(response)
            except StopIteration:
                return
            yield authed
        elif challenge.startswith("basic"):
            self._scheme = "basic"
            yield from self._basic.auth_flow(request)


class RemoteStore:
    """A SPARQL 1.1 store over HTTP (see the module docstring)."""

    kind: StoreKind = "sparql"

    def __init__(self, spec: StoreSpec, *, kb_graphs: Sequence[str] | None = None,
                 kb_candidates: Sequence[str] | None = None) -> None:
        """``kb_graphs``: the KB graph names, when known; ``kb_candidates``: the local build's graph
        names, so finding which of them the store holds is a few index lookups, not a scan of every
        quad (which costs seconds once millions of registration triples are in the store)."""
        assert spec.kind == "sparql" and spec.query_url
        self.spec = spec
        self.label = spec.label
        self.query_url = spec.query_url
        self.update_url = spec.update_url or spec.query_url
        self.gsp_url = spec.gsp_url
        self._kb_graphs = list(kb_graphs) if kb_graphs is not None else None
        self._kb_graphs_at = time.monotonic()
        self._kb_candidates = list(kb_candidates) if kb_candidates else None
        #: The engine's own query-timeout parameter, learnt from its Server header (Virtuoso: ``timeout`` in ms).
        self.timeout_param: str | None = None
        #: ``virtuoso`` or ``sparql`` (any other engine), learnt from the Server header of an answer.
        self.engine: str | None = None
        self._client: httpx.Client | None = None

    def __repr__(self) -> str:
        return f"RemoteStore({self.label})"

    # -- HTTP --------------------------------------------------------------------------------------
    def auth(self) -> httpx.Auth | None:
        """The credentials as an httpx auth (None without a user)."""
        if self.spec.user is None:
            return None
        return ChallengeAuth(self.spec.user, self.spec.password or "")

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(auth=self.auth(), follow_redirects=False, trust_env=False,
                                        timeout=httpx.Timeout(DEFAULT_TIMEOUT, connect=CONNECT_TIMEOUT))
        return self._client

    def query_request(self, text: str, *, default_graphs: Sequence[str] | None = None,
                      named_graphs: Sequence[str] | None = None, timeout: float | None = None) -> dict[str, Any]:
        """The keyword arguments of the protocol request for ``text`` (for ``httpx.Client.post`` or
        ``httpx.AsyncClient.post``): the server process sends it, a worker parses the answer."""
        form: list[tuple[str, str]] = [("query", text)]
        form += [("default-graph-uri", g) for g in default_graphs or ()]
        if self.engine == "virtuoso" and default_graphs and not named_graphs:
            # Virtuoso keeps every graph as a named graph when only default-graph-uri is given (SPARQL
            # says none): GRAPH ?g would reach registrations and its own system graphs from a KB query
            named_graphs = default_graphs
        form += [("named-graph-uri", g) for g in named_graphs or ()]
        if timeout is not None and self.timeout_param == "timeout":
            form.append(("timeout", str(max(1, int(timeout * 1000)))))
        accept = GRAPH_ACCEPT if _GRAPH_FORM.match(text) else QUERY_ACCEPT
        return {"url": self.query_url, "content": urlencode(form).encode(),
                "headers": {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
                "timeout": httpx.Timeout(timeout or DEFAULT_TIMEOUT, connect=CONNECT_TIMEOUT)}

    def check_response(self, response: httpx.Response, what: str = "query") -> RawAnswer:
        """The answer of a successful response; raises for the others (see the module docstring)."""
        server = response.headers.get("server", "")
        if "virtuoso" in server.lower():
            self.timeout_param = "timeout"
        self.engine = "virtuoso" if "virtuoso" in server.lower() else "sparql"
        status = response.status_code
        if status < 300:
            _refuse_partial(response, self.label)
            content_type = response.headers.get("content-type", "")
            if self.engine == "virtuoso":
                content_type += "; " + VIRTUOSO_MARK
            return RawAnswer(content_type, response.content)
        detail = _first_line(response.text) if response.content else response.reason_phrase
        if status in (401, 403):
            raise StoreUnavailableError(f"store {self.label} refused the credentials (HTTP {status})")
        if status >= 500 or status in (404, 405, 408, 429):
            raise StoreUnavailableError(f"store {self.label} failed the {what} (HTTP {status}: {detail})")
        raise QueryError(f"store {self.label} refused the {what} (HTTP {status}: {detail})")

    def transport_error(self, exc: Exception, timeout: float | None = None) -> StoreUnavailableError:
        """The one-line error for a request that got no answer."""
        if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
            return StoreTimeoutError(f"store {self.label} did not answer within {timeout or DEFAULT_TIMEOUT:g} s")
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            return StoreUnavailableError(f"store {self.label} is unreachable (cannot connect)")
        return StoreUnavailableError(f"store {self.label} is unreachable ({type(exc).__name__})")

    def _send(self, method: str, what: str, wait: float | None = None, **kwargs: Any) -> RawAnswer:
        try:
            response = self.client.request(method, **kwargs)
        except httpx.HTTPError as exc:
            raise self.transport_error(exc, wait) from None
        return self.check_response(response, what)

    # -- Store -------------------------------------------------------------------------------------
    def query(self, text: str, *, default_graphs: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, timeout: float | None = None) -> QueryAnswer:
        request = self.query_request(text, default_graphs=default_graphs, named_graphs=named_graphs, timeout=timeout)
        return parse_answer(self._send("POST", "query", timeout, **request))

    def kb_graphs(self) -> list[str]:
        """The knowledge graph's named graphs in this store (its source files and the inferred graph),
        asked again after :data:`KB_GRAPHS_TTL` seconds (another process may have loaded a new build)."""
        if self._kb_graphs is not None and time.monotonic() - self._kb_graphs_at > KB_GRAPHS_TTL:
            self._kb_graphs = None
        if self._kb_graphs is None:
            from ..graph.store import GRAPH_BASE

            if self._kb_candidates:
                values = " ".join(f"<{g}>" for g in self._kb_candidates)
                answer = self.query(f"SELECT ?g WHERE {{ VALUES ?g {{ {values} }} "
                                    f"FILTER EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }} }}")
            else:
                answer = self.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                                    f"FILTER(STRSTARTS(STR(?g), \"{GRAPH_BASE}\")) }}")
            names = sorted(s["g"].value for s in _solutions(answer) if s["g"] is not None)
            self._kb_graphs = [n for n in names if n != GRAPH_BASE + "load"]
            self._kb_graphs_at = time.monotonic()
        return self._kb_graphs

    def kb_query(self, text: str, *, timeout: float | None = None) -> QueryAnswer:
        graphs = self.kb_graphs()
        if not graphs:
            raise StoreUnavailableError(f"store {self.label} holds no knowledge graph "
                                        f"(load it with: emskg load --store {self.label})")
        return self.query(text, default_graphs=graphs, timeout=timeout)

    def update(self, text: str, timeout: float | None = None) -> None:
        """Send one SPARQL Update request."""
        self._send("POST", "update", timeout, url=self.update_url, content=text.encode(),
                   headers={"Content-Type": "application/sparql-update; charset=utf-8"},
                   timeout=httpx.Timeout(timeout or DEFAULT_TIMEOUT, connect=CONNECT_TIMEOUT))

    def insert_quads(self, quads: Sequence[ox.Quad]) -> None:
        """One ``INSERT DATA`` request (atomic on engines that run an update request as one transaction);
        more than :data:`CHUNK_TRIPLES` quads without blank nodes go in several requests (quads with
        blank nodes always go in one, so a shared node stays one node)."""
        quads = self._storable(quads)
        bnodes = any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads)
        size = VIRTUOSO_CHUNK_TRIPLES if self.engine == "virtuoso" else CHUNK_TRIPLES
        for chunk in [quads] if bnodes else _graph_chunks(quads, size):
            self.update(_insert_data(chunk))
        self._kb_graphs = None if any(_in_kb(q.graph_name) for q in quads) else self._kb_graphs

    def add_graphs(self, graphs: Sequence[GraphPayload]) -> None:
        """``INSERT DATA`` requests of whole graphs, made from the payloads' N-Quads text as it is
        (each line loses its graph name and goes in the graph's ``GRAPH`` block). A graph larger than
        one request is cut into several, its record in the last one, so the registry never reads it
        in part. Payloads with blank nodes, or any on an engine not yet known, go through
        :meth:`insert_quads` (Virtuoso needs them rewritten)."""
        if not graphs:
            return
        if self.engine is None:
            self.query("ASK {}")  # learns the engine from its Server header
        size = VIRTUOSO_CHUNK_TRIPLES if self.engine == "virtuoso" else CHUNK_TRIPLES
        parts: list[str] = []
        lines = 0
        for p in graphs:
            if _has_blank_node(p.body) or _has_blank_node(p.record):
                self.insert_quads(p.parsed())
                continue
            body, record = self._triples_text(p.name, p.body), self._triples_text(p.name, p.record)
            n_body, n_record = body.count("\n"), record.count("\n")
            if parts and lines + n_body + n_record > size:
                self.update("INSERT DATA {\n" + "".join(parts) + "}")
                parts, lines = [], 0
            if n_body + n_record <= size:
                parts.extend(_blocks(p.name, body + record))
                lines += n_body + n_record
                continue
            # larger than a request: its body in several, the record with the last of them
            rows = body.splitlines(keepends=True)
            for i in range(0, len(rows), size):
                text = "".join(rows[i:i + size])
                self.update("INSERT DATA {\n" + "".join(_blocks(p.name, text)) + "}")
            parts.extend(_blocks(p.name, record))
            lines += n_record
        if parts:
            self.update("INSERT DATA {\n" + "".join(parts) + "}")
        self._kb_graphs = None if any(_in_kb(ox.NamedNode(p.name)) for p in graphs) else self._kb_graphs

    def _triples_text(self, graph: str, nquads: bytes) -> str:
        """N-Quads lines of one graph as N-Triples lines (each ends ``<graph> .\\n``: a literal
        holds no raw line break, so that suffix is only ever a line's end). On Virtuoso, the datatypes
        it cannot keep get their stand-in (:func:`_skolem`)."""
        text = nquads.decode().replace(f" <{graph}> .\n", " .\n")
        if self.engine == "virtuoso":
            for datatype in _OPAQUE_ON_VIRTUOSO:
                suffix = f"^^<{datatype}> .\n"
                if suffix in text:
                    text = text.replace(suffix, f"^^<{OPAQUE_DATATYPE}{datatype[len(XSD):]}> .\n")
        return text

    def _storable(self, quads: Iterable[ox.Quad]) -> list[ox.Quad]:
        """Quads as this engine can keep them. Virtuoso cannot keep a blank node shared by two graphs:
        it refuses blank nodes in ``INSERT DATA`` (SP031), fails a template writing blank nodes into
        more than one graph (SR002) and scopes them to a request in the Graph Store Protocol — so on
        Virtuoso blank nodes travel as :data:`GENID` IRIs (their label kept), read back as blank nodes."""
        quads = list(quads)
        if self.engine is None and any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode | ox.Literal)
                                       for q in quads):
            self.query("ASK {}")  # learns the engine from its Server header
        if self.engine != "virtuoso":
            return quads
        return [ox.Quad(_skolem(q.subject), q.predicate, _skolem(q.object), q.graph_name) for q in quads]

    def replace_graphs(self, graphs: dict[str, Sequence[ox.Triple]]) -> None:
        """With ``EMSKG_STORE_GSP``: one Graph Store Protocol ``PUT`` per graph; else ``DROP SILENT``
        then chunked ``INSERT DATA``."""
        graphs = {name: [q.triple for q in self._storable(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name))
                                                          for t in triples)] for name, triples in graphs.items()}
        for name, triples in graphs.items():
            if self.gsp_url:
                body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else b""
                self._send("PUT", "upload", None, url=self.gsp_url, params={"graph": name}, content=body or b"",
                           headers={"Content-Type": "application/n-triples"})
                continue
            self.update(f"DROP SILENT GRAPH <{name}>")
            g = ox.NamedNode(name)
            for chunk in _chunks(list(triples), VIRTUOSO_CHUNK_TRIPLES if self.engine == "virtuoso" else CHUNK_TRIPLES):
                self.update(_insert_data([ox.Quad(t.subject, t.predicate, t.object, g) for t in chunk]))
        self._kb_graphs = None

    def append_graph(self, name: str, triples: Sequence[ox.Triple]) -> None:
        """Add triples to a graph: a Graph Store Protocol ``POST`` when ``EMSKG_STORE_GSP`` is set,
        else chunked ``INSERT DATA``."""
        if not self.gsp_url:
            g = ox.NamedNode(name)
            self.insert_quads([ox.Quad(t.subject, t.predicate, t.object, g) for t in triples])
            return
        g = ox.NamedNode(name)
        body = ox.serialize([q.triple for q in self._storable(ox.Quad(t.subject, t.predicate, t.object, g)
                                                              for t in triples)], format=ox.RdfFormat.N_TRIPLES)
        self._send("POST", "upload", None, url=self.gsp_url, params={"graph": name}, content=body or b"",
                   headers={"Content-Type": "application/n-triples"})
        self._kb_graphs = None

    def drop_graphs(self, names: Iterable[str]) -> None:
        names = list(names)
        for chunk in _chunks(names, 200):
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{n}>" for n in chunk))
        self._kb_graphs = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _solutions(answer: QueryAnswer) -> list[ox.QuerySolution]:
    return [s for s in answer if isinstance(s, ox.QuerySolution)] if isinstance(answer, ox.QuerySolutions) else []


def _in_kb(graph: object) -> bool:
    from ..graph.store import GRAPH_BASE

    return isinstance(graph, ox.NamedNode) and graph.value.startswith(GRAPH_BASE)


def _graph_chunks(quads: list[ox.Quad], size: int) -> Iterable[list[ox.Quad]]:
    """Requests of about ``size`` quads that never cut a graph in two: a registration is one graph,
    and several go in one ``insert_quads`` call, so each request holds whole registrations (one
    update request is one transaction: a writer stopped between two requests leaves each
    registration whole or absent). A graph larger than ``size`` alone is split."""
    by_graph: dict[str, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        by_graph[q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""].append(q)
    chunk: list[ox.Quad] = []
    for part in by_graph.values():
        if chunk and len(chunk) + len(part) > size:
            yield chunk
            chunk = []
        if len(part) > size:
            yield from _chunks(part, size)
        else:
            chunk.extend(part)
    if chunk:
        yield chunk


def _has_blank_node(nquads: bytes) -> bool:
    """Whether N-Quads text may hold a blank node (a term starting ``_:``; a literal holding `` _:``
    answers yes too, which only costs the slower path)."""
    return nquads.startswith(b"_:") or b" _:" in nquads or b"\n_:" in nquads


def _blocks(graph: str, triples: str) -> list[str]:
    """``GRAPH <g> { … }`` blocks of at most :data:`BLOCK_TRIPLES` lines each."""
    if not triples:
        return []
    name = str(ox.NamedNode(graph))  # a valid IRI, or ValueError: nothing else reaches the update text
    rows = triples.splitlines(keepends=True)
    if len(rows) <= BLOCK_TRIPLES:
        return [f"GRAPH {name} {{\n{triples}}}\n"]
    return [f"GRAPH {name} {{\n{''.join(rows[i:i + BLOCK_TRIPLES])}}}\n" for i in range(0, len(rows), BLOCK_TRIPLES)]


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), max(1, size)):
        yield items[i:i + size]


#: Triples per ``GRAPH <g> { … }`` block of one update: Virtuoso's SPARQL parser runs out of stack
#: ("SP030 … memory exhausted") past ~4,990 triples in one block, whatever the request size; several
#: blocks naming the same graph are fine (docs/stores.md "Virtuoso").
BLOCK_TRIPLES = 1_000


def _insert_data(quads: Sequence[ox.Quad]) -> str:
    """``INSERT DATA`` for quads, grouped by graph in blocks of :data:`BLOCK_TRIPLES`. A blank node
    label names one node within the request only (SPARQL Update), so quads sharing a blank node must
    travel together."""
    by_graph: dict[str, list[str]] = defaultdict(list)
    for q in quads:
        graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        by_graph[graph].append(f"{q.subject} {q.predicate} {q.object} .")
    parts = []
    for graph, lines in by_graph.items():
        for i in range(0, len(lines), BLOCK_TRIPLES):
            body = "\n".join(lines[i:i + BLOCK_TRIPLES])
            parts.append(f"GRAPH <{graph}> {{\n{body}\n}}" if graph else body)
    return "INSERT DATA {\n" + "\n".join(parts) + "\n}"

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

import logging
import time
from collections import defaultdict
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from ..errors import QueryError, StoreUnavailableError
from .base import QueryAnswer, StoreKind
from .spec import StoreSpec

__all__ = ["RemoteStore", "QUERY_ACCEPT", "parse_answer", "ChallengeAuth", "RawAnswer"]

log = logging.getLogger("emskg.stores")

#: What a query asks for: SPARQL JSON for SELECT/ASK, N-Triples for CONSTRUCT/DESCRIBE (engines pick
#: by the query form), with the other common forms as fallbacks.
QUERY_ACCEPT = ("application/sparql-results+json, application/n-triples, "
                "application/sparql-results+xml;q=0.8, text/turtle;q=0.7, text/plain;q=0.5")
#: Triples per ``INSERT DATA`` request (keeps each request well under engines' body and SQL limits).
CHUNK_TRIPLES = 5_000
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
    """Parse an engine's answer into pyoxigraph result objects, by its media type.

    Raises :class:`QueryError` for a media type that is no result format, or a body that does not parse."""
    media = answer.content_type.split(";")[0].strip().lower()
    try:
        if media in _RESULT_FORMATS:
            result: QueryAnswer = ox.parse_query_results(answer.body, format=_RESULT_FORMATS[media])
            return result
        if media in _GRAPH_FORMATS:
            return [q.triple for q in ox.parse(answer.body, format=_GRAPH_FORMATS[media])]
    except (SyntaxError, ValueError, OSError) as exc:
        raise QueryError(f"the store's answer does not parse ({_first_line(exc)})") from None
    raise QueryError(f"the store answered with {media or 'no media type'!r}, not a SPARQL result format")


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
        form += [("named-graph-uri", g) for g in named_graphs or ()]
        if timeout is not None and self.timeout_param == "timeout":
            form.append(("timeout", str(max(1, int(timeout * 1000)))))
        return {"url": self.query_url, "content": urlencode(form).encode(),
                "headers": {"Accept": QUERY_ACCEPT, "Content-Type": "application/x-www-form-urlencoded"},
                "timeout": httpx.Timeout(timeout or DEFAULT_TIMEOUT, connect=CONNECT_TIMEOUT)}

    def check_response(self, response: httpx.Response, what: str = "query") -> RawAnswer:
        """The answer of a successful response; raises for the others (see the module docstring)."""
        server = response.headers.get("server", "")
        if "virtuoso" in server.lower():
            self.timeout_param = "timeout"
        status = response.status_code
        if status < 300:
            return RawAnswer(response.headers.get("content-type", ""), response.content)
        detail = _first_line(response.text) if response.content else response.reason_phrase
        if status in (401, 403):
            raise StoreUnavailableError(f"store {self.label} refused the credentials (HTTP {status})")
        if status >= 500 or status in (404, 405, 408, 429):
            raise StoreUnavailableError(f"store {self.label} failed the {what} (HTTP {status}: {detail})")
        raise QueryError(f"store {self.label} refused the {what} (HTTP {status}: {detail})")

    def transport_error(self, exc: Exception, timeout: float | None = None) -> StoreUnavailableError:
        """The one-line error for a request that got no answer."""
        if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
            return StoreUnavailableError(f"store {self.label} did not answer within {timeout or DEFAULT_TIMEOUT:g} s")
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
        quads = list(quads)
        bnodes = any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads)
        for chunk in _chunks(quads, len(quads) if bnodes else CHUNK_TRIPLES):
            self.update(_insert_data(chunk))
        self._kb_graphs = None if any(_in_kb(q.graph_name) for q in quads) else self._kb_graphs

    def replace_graphs(self, graphs: dict[str, Sequence[ox.Triple]]) -> None:
        """With ``EMSKG_STORE_GSP``: one Graph Store Protocol ``PUT`` per graph; else ``DROP SILENT``
        then chunked ``INSERT DATA``."""
        for name, triples in graphs.items():
            if self.gsp_url:
                body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else b""
                self._send("PUT", "upload", None, url=self.gsp_url, params={"graph": name}, content=body or b"",
                           headers={"Content-Type": "application/n-triples"})
                continue
            self.update(f"DROP SILENT GRAPH <{name}>")
            g = ox.NamedNode(name)
            for chunk in _chunks(list(triples), CHUNK_TRIPLES):
                self.update(_insert_data([ox.Quad(t.subject, t.predicate, t.object, g) for t in chunk]))
        self._kb_graphs = None

    def append_graph(self, name: str, triples: Sequence[ox.Triple]) -> None:
        """Add triples to a graph: a Graph Store Protocol ``POST`` when ``EMSKG_STORE_GSP`` is set,
        else chunked ``INSERT DATA``."""
        if not self.gsp_url:
            g = ox.NamedNode(name)
            self.insert_quads([ox.Quad(t.subject, t.predicate, t.object, g) for t in triples])
            return
        body = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)
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


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), max(1, size)):
        yield items[i:i + size]


def _insert_data(quads: Sequence[ox.Quad]) -> str:
    """``INSERT DATA`` for quads, grouped by graph. A blank node label names one node within the
    request only (SPARQL Update), so quads sharing a blank node must travel together."""
    by_graph: dict[str, list[str]] = defaultdict(list)
    for q in quads:
        graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        by_graph[graph].append(f"{q.subject} {q.predicate} {q.object} .")
    parts = []
    for graph, lines in by_graph.items():
        body = "\n".join(lines)
        parts.append(f"GRAPH <{graph}> {{\n{body}\n}}" if graph else body)
    return "INSERT DATA {\n" + "\n".join(parts) + "\n}"

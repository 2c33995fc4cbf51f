"""What a SPARQL query would do, decided before it runs: the checks behind :func:`emskg.query.sparql.guard`.

A read-only, never-fetching store must refuse SPARQL Update (INSERT, DELETE, LOAD, CLEAR ...) and
``SERVICE`` (pyoxigraph follows it over HTTP). Three independent layers decide it:

1. **Bounds and terminals** (:func:`emskg.core.sparqltext.scan`). One linear pass tokenises the text with SPARQL 1.1's
   terminals — strings, IRIs, comments, variables, and prefixed names by the grammar's own rules
   (a local name never starts or ends with ``.``, a bare word never contains one, so
   ``true.SERVICE`` and ``x:.SERVICE`` are *two* tokens, as the engine reads them) — and measures
   the nesting depth. It refuses over-long or too deeply nested text (the engine's recursive parser
   would overflow the stack) and any ``SERVICE`` or update keyword. Every pattern is possessive
   and an unterminated string stops the scan, so no input makes it slower than linear.
2. **A real SPARQL parse** (:func:`parsed_effects`). Texts up to :data:`PARSE_CHECK_CHARS` are
   parsed with rdflib's SPARQL 1.1 grammar; a ``ServiceGraphPattern`` anywhere in the parse tree,
   or text that parses as an update, is refused. (Above that size rdflib's parser takes seconds;
   layers 1 and 3 still apply.)
3. **The engine cannot reach the network.** Queries run in processes under
   :func:`emskg.core.sandbox.deny_network`; if the engine still tries to fetch, the socket is refused by
   the kernel and :func:`engine_refusal` turns the engine's error into the same 403 refusal.

Decisions are memoised by a 16-byte digest of the text, in a bounded table: a long query text is
never kept in memory after its request.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict

from ..core.sparqltext import UPDATE_KEYWORDS, Scan, scan
from ..errors import ForbiddenQueryError, QueryError

__all__ = ["check", "parsed_effects", "engine_refusal", "MAX_QUERY_CHARS", "MAX_QUERY_DEPTH", "PARSE_CHECK_CHARS"]

#: Longest query text accepted (characters); the HTTP body limit is 1 MiB too.
MAX_QUERY_CHARS = 1_048_576
#: Deepest nesting of ``{ ( [`` accepted. Real queries nest a handful of levels; thousands overflow
#: the engine's recursive-descent parser (a worker killed by a 20 KB query).
MAX_QUERY_DEPTH = 64
#: Texts up to this size are also parsed with a full SPARQL 1.1 grammar (layer 2).
PARSE_CHECK_CHARS = 65_536

SERVICE_REFUSED = "SERVICE is not allowed: emskg never fetches remote data"
UPDATE_REFUSED = "SPARQL Update ({}) is not allowed: the knowledge graph is read-only"


def _refuse(keywords: frozenset[str] | set[str]) -> None:
    if "SERVICE" in keywords:
        raise ForbiddenQueryError(SERVICE_REFUSED)
    for word in sorted(keywords):
        if word in UPDATE_KEYWORDS:
            raise ForbiddenQueryError(UPDATE_REFUSED.format(word))


def parsed_effects(text: str) -> frozenset[str]:
    """Layer 2: ``{"SERVICE"}`` when rdflib's SPARQL 1.1 parse of ``text`` has a service pattern,
    ``{"UPDATE"}`` when the text parses as an update, else empty (a text the grammar rejects is left
    to the engine, which reports the syntax error)."""
    from pyparsing import ParseBaseException, ParseResults
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # pyparsing recurses ~30 frames per nesting level
    try:
        try:
            tree = parseQuery(text)
        except (ParseBaseException, RecursionError, ValueError):
            try:
                update = parseUpdate(text)
            except (ParseBaseException, RecursionError, ValueError, AttributeError, TypeError):
                return frozenset()
            # an empty text is a valid (empty) update: only operations count
            return frozenset(["UPDATE"]) if "request" in update else frozenset()
    finally:
        sys.setrecursionlimit(limit)
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                return frozenset(["SERVICE"])
            stack.extend(dict.values(node))
        elif isinstance(node, (ParseResults, list, tuple)):
            stack.extend(list(node))
    return frozenset()


try:  # the C module behind hashlib.blake2b, without importing OpenSSL (hashlib costs ~9 ms at start-up)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - another Python implementation
    from hashlib import blake2b

_memo: OrderedDict[bytes, tuple[Scan, str | None]] = OrderedDict()
_memo_lock = threading.Lock()
_MEMO_ENTRIES = 4096


def check(text: str, *, parse: bool = True) -> Scan:
    """Refuse what a read-only, never-fetching store must not run; return the scan.

    Raises :class:`ForbiddenQueryError` for SERVICE or an update (layers 1 and 2) and
    :class:`QueryError` for a text over :data:`MAX_QUERY_CHARS`, nested deeper than
    :data:`MAX_QUERY_DEPTH`, or with an unterminated string. ``parse=False`` skips layer 2, for
    texts emskg wrote itself (named queries with parameters bound as validated RDF terms).

    A text seen before is decided from the memo without scanning it again (named queries and
    dashboards repeat theirs); the key is a 16-byte BLAKE2 digest, never the text itself.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long: {len(text)} characters (limit {MAX_QUERY_CHARS})")
    key = blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest() + (b"p" if parse else b"t")
    with _memo_lock:
        known = _memo.get(key)
        if known is not None:
            _memo.move_to_end(key)
    if known is None:
        result = scan(text, MAX_QUERY_DEPTH)  # raises for bounds and bad strings (not memoised: rare)
        known = (result, _decide(text, result, parse))
        with _memo_lock:
            _memo[key] = known
            while len(_memo) > _MEMO_ENTRIES:
                _memo.popitem(last=False)
    result, refused = known
    if refused is not None:
        raise ForbiddenQueryError(refused)
    return result


def _decide(text: str, result: Scan, parse: bool) -> str | None:
    """The refusal message for ``text``, or None when it may run."""
    try:
        _refuse(result.keywords)
        if parse and len(text) <= PARSE_CHECK_CHARS:
            effects = parsed_effects(text)
            if "SERVICE" in effects:
                raise ForbiddenQueryError(SERVICE_REFUSED)
            if "UPDATE" in effects:
                raise ForbiddenQueryError(UPDATE_REFUSED.format("update"))
    except ForbiddenQueryError as exc:
        return exc.message
    return None


def engine_refusal(exc: BaseException) -> ForbiddenQueryError | None:
    """Layer 3: the refusal for an engine error caused by the network sandbox, else None.

    Under :func:`emskg.core.sandbox.deny_network` a fetch fails with ``EACCES`` when the engine opens
    its socket; that is reported like any other SERVICE refusal, never as a failed query.
    """
    if isinstance(exc, PermissionError) or "os error 13" in str(exc):
        return ForbiddenQueryError(SERVICE_REFUSED + " (the query tried to open a network connection)")
    return None

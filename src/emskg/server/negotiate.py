"""Content negotiation for the SPARQL protocol: Accept headers with q-values, and ``format=`` names.

Which formats are possible depends on the query form (SPARQL results for SELECT/ASK, RDF for
CONSTRUCT/DESCRIBE), so the choice is made per request from the query text. Clients differ: curl
sends ``*/*``, YASGUI ``application/sparql-results+json,*/*;q=0.9``, SPARQLWrapper repeats its
choice as ``format=json&output=json&results=json`` — and for some formats adds the media type as a
second value. An explicit parameter wins over Accept, as those clients expect.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..query.formats import MEDIA_TYPES
from .errors import HttpError

__all__ = ["SELECT_OFFERS", "GRAPH_OFFERS", "DESCRIPTION_OFFERS", "negotiate", "parse_accept", "FORMAT_PARAMS"]

#: Query-string parameters clients use to name the result format.
FORMAT_PARAMS = ("format", "output", "results")


@dataclass(frozen=True)
class Offer:
    """A media type the server can send, and the emskg renderer name behind it."""

    media_type: str
    fmt: str


def _offers(pairs: Iterable[tuple[str, str]]) -> tuple[Offer, ...]:
    return tuple(Offer(m, f) for m, f in pairs)


#: In server preference order; the first is the default for ``*/*`` or no Accept header.
SELECT_OFFERS = _offers([
    ("application/sparql-results+json", "json"), ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"), ("text/tab-separated-values", "tsv"), ("application/json", "json"),
    ("application/xml", "xml"), ("text/xml", "xml"), ("text/plain", "table"),
    ("application/javascript", "json"), ("text/javascript", "json"),
])
GRAPH_OFFERS = _offers([
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "jsonld"),
    ("application/rdf+xml", "rdfxml"), ("application/turtle", "turtle"), ("application/x-turtle", "turtle"),
    ("text/n3", "turtle"), ("text/rdf+n3", "turtle"), ("application/json", "jsonld"),
    ("application/xml", "rdfxml"), ("text/xml", "rdfxml"), ("text/plain", "nt"),
    ("application/x-json+ld", "jsonld"),
])
#: The service description, and an HTML page for people who open /sparql in a browser.
DESCRIPTION_OFFERS = (*GRAPH_OFFERS[:4], Offer("text/html", "html"))

#: ``format=`` names (and their aliases) per result kind.
_NAMES = {
    "select": {"json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv",
               "table": "table", "text": "table"},
    "graph": {"turtle": "turtle", "ttl": "turtle", "n3": "turtle", "nt": "nt", "ntriples": "nt",
              "n-triples": "nt", "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld", "xml": "rdfxml",
              "rdfxml": "rdfxml", "rdf+xml": "rdfxml", "rdf": "rdfxml"},
}


def parse_accept(header: str) -> list[tuple[str, float]]:
    """``(media range, q)`` pairs of an Accept header; malformed q-values count as 1, parameters are ignored."""
    out = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media or "/" not in media:
            continue
        q = 1.0
        for f in fields[1:]:
            key, _, value = f.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value)))
                except ValueError:
                    q = 1.0
        out.append((media, q))
    return out


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
    """q of the most specific range matching ``media_type`` (``type/subtype`` > ``type/*`` > ``*/*``)."""
    kind = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for rng, q in ranges:
        specificity = 2 if rng == media_type else 1 if rng == f"{kind}/*" else 0 if rng == "*/*" else -1
        if specificity > best[0]:
            best = (specificity, q)
    return best[1]


def _by_name(values: Sequence[str], kind: str, offers: Sequence[Offer]) -> Offer | None:
    """The first ``format=`` value that names an offer: a short name or a media type."""
    names = _NAMES["graph" if kind == "graph" else "select"]
    known_elsewhere = False
    for raw in values:
        value = raw.strip().lower()
        if value in names:
            fmt = names[value]
            return next(o for o in offers if o.fmt == fmt)
        offer = next((o for o in offers if o.media_type == value.split(";")[0].strip()), None)
        if offer:
            return offer
        known_elsewhere = known_elsewhere or any(value in n for n in _NAMES.values())
    if values and known_elsewhere:
        what = "CONSTRUCT/DESCRIBE" if kind == "graph" else "SELECT/ASK"
        raise HttpError(f"format {values[0]!r} does not fit a {what} result", 406)
    return None


def negotiate(offers: Sequence[Offer], accept: str | None, format_values: Sequence[str] = (),
              kind: str = "select") -> Offer:
    """The offer to send: a ``format=`` value if one fits, else the best by Accept (406 if none is acceptable)."""
    named = _by_name([v for v in format_values if v.strip()], kind, offers)
    if named is not None:
        return named
    if not accept or not accept.strip():
        return offers[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0]
    best, best_q = offers[0], 0.0
    for offer in offers:
        q = _quality(offer.media_type, ranges)
        if q > best_q:
            best, best_q = offer, q
    if best_q <= 0:
        types = ", ".join(dict.fromkeys(o.media_type for o in offers))
        raise HttpError(f"none of the accepted types is available; this resource offers {types}", 406)
    return best


def content_type(offer: Offer) -> str:
    """The Content-Type header: emskg's canonical media type for the format (with charset for text)."""
    return MEDIA_TYPES.get(offer.fmt, offer.media_type)

"""What the JSON routes and the web pages both do, so neither imports the other: reading a named
query's parameters from a query string, checking the validation token, validating a declaration
on a worker, and this server's own public URL. Each raises :class:`~emskg.server.errors.HttpError` with the status to answer.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

import pyoxigraph as ox
from fastapi import Request

from ..core.rdfio import MEDIA_TYPE_FORMATS
from ..query.named import NamedQuery
from ..validation.declaration import WORKBOOK_MEDIA_TYPE
from ..validation.model import WORKBOOK_FORMAT
from .errors import HttpError
from .negotiate import FORMAT_PARAMS
from .state import ServerState

__all__ = ["named_params", "check_token", "check_register_token", "bearer", "safe_name",
           "validate_declaration", "validate_for_page", "convert_declaration",
           "VALIDATE_TYPES", "CONVERT_TYPES", "public_url"]

#: Request media types /validate accepts, and the format each means (RDF, or the .xlsx workbook).
VALIDATE_TYPES = {**MEDIA_TYPE_FORMATS, WORKBOOK_MEDIA_TYPE: WORKBOOK_FORMAT}
#: What POST /convert writes: format name -> media type.
CONVERT_TYPES = {"turtle": "text/turtle", "jsonld": "application/ld+json", WORKBOOK_FORMAT: WORKBOOK_MEDIA_TYPE}


def public_url(request: Request, st: ServerState, path: str) -> str:
    """``path`` on this server as the world sees it: ``EMSKG_PUBLIC_URL`` behind a proxy, else the
    request's own base. A forged Host header that makes no IRI falls back to the bound address, so no
    document built from it breaks."""
    url = (st.settings.public_url or str(request.base_url)).rstrip("/") + path
    try:
        ox.NamedNode(url)
    except ValueError:
        url = f"http://{st.settings.host}:{st.settings.port}{path}"
    return url


def named_params(query: NamedQuery, pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Query-string pairs as the query's parameters: repeated list values joined, format names left out."""
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        param = query.param(key)
        if param is None and key in FORMAT_PARAMS:
            continue
        out.setdefault(key, []).append(value)
    for key, values in out.items():
        param = query.param(key)
        if len(values) > 1 and (param is None or not param.many):
            raise HttpError(f"parameter {key!r} given {len(values)} times; it takes one value", 400)
    return {k: ",".join(vs) for k, vs in out.items()}


def check_token(st: ServerState, given: str | None) -> None:
    """When EMSKG_VALIDATE_TOKEN is set, demand it (constant-time comparison)."""
    token = st.settings.validate_token
    if not token:
        return
    if not given or not hmac.compare_digest(given.encode(), token.encode()):
        raise HttpError("validation needs a valid bearer token", 401, {"WWW-Authenticate": "Bearer"})


def bearer(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (None when there is none)."""
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def check_register_token(st: ServerState, given: str | None) -> None:
    """Writes to the store need EMSKG_REGISTER_TOKEN. Raises ``HttpError`` 403 when the server sets
    none (registration over HTTP is off), 401 when the request's token is missing or wrong."""
    token = st.settings.register_token
    if not token:
        raise HttpError("registration over HTTP is off: the server sets no EMSKG_REGISTER_TOKEN "
                        "(use `emskg register FILE --store STORE`)", 403)
    if not given or not hmac.compare_digest(given.encode(), token.encode()):
        raise HttpError("registering needs a valid bearer token", 401,
                        {"WWW-Authenticate": 'Bearer realm="emskg", error="invalid_token"' if given else "Bearer"})


def safe_name(name: str) -> str:
    """A client-given declaration name as a report may show it: word characters, dots and dashes."""
    return re.sub(r"[^\w.-]", "_", name)[:80] or "declaration"


def validate_declaration(st: ServerState, data: bytes, fmt: str, name: str) -> dict[str, Any]:
    """Validate one declaration on a worker (blocking); the run-level JSON report of one file."""
    report: dict[str, Any] = st.run("validate", data, fmt, safe_name(name), timeout=st.settings.validate_timeout)
    return report


def validate_for_page(st: ServerState, data: bytes, fmt: str, name: str) -> tuple[dict[str, Any], str]:
    """Validate one declaration on a worker (blocking): the JSON report and the printable HTML report."""
    out: dict[str, Any] = st.run("validate_page", data, fmt, safe_name(name), timeout=st.settings.validate_timeout)
    return out["report"], out["html"]


def convert_declaration(st: ServerState, data: bytes, fmt_in: str, fmt_out: str) -> bytes:
    """Convert one declaration on a worker (blocking); a declaration that cannot be read is a 400."""
    if fmt_out not in CONVERT_TYPES:
        raise HttpError(f"convert to one of: {', '.join(CONVERT_TYPES)}", 400)
    out: bytes = st.run("convert", data, fmt_in, fmt_out, "declaration", timeout=st.settings.validate_timeout)
    return out

"""Which store a command uses: the ``STORE`` text (``--store`` flag, else ``EMSKG_STORE``, else
``memory``) and the ``EMSKG_STORE_*`` settings of a ``sparql:`` store, parsed once into a
:class:`StoreSpec`.

Credentials (``EMSKG_STORE_USER`` / ``EMSKG_STORE_PASSWORD``, or ``user:password@`` written into a
URL) live only in the spec's private fields: :attr:`StoreSpec.label`, ``str()`` and ``repr()`` name
the store without them, and every error built here names the label. Anything that talks about a
store to people (messages, logs, HTTP answers) uses ``label``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..errors import InputError
from .base import StoreKind

__all__ = ["StoreSpec", "parse_store_spec", "redact_url", "ENV_STORE", "ENV_UPDATE", "ENV_GSP", "ENV_USER",
           "ENV_PASSWORD"]

ENV_STORE = "EMSKG_STORE"
ENV_UPDATE = "EMSKG_STORE_UPDATE"
ENV_GSP = "EMSKG_STORE_GSP"
ENV_USER = "EMSKG_STORE_USER"
ENV_PASSWORD = "EMSKG_STORE_PASSWORD"

_SYNTAX = "memory, oxigraph:PATH or sparql:QUERY_URL"


@dataclass(frozen=True, repr=False)
class StoreSpec:
    """A parsed ``STORE``: ``kind`` plus a ``path`` (oxigraph) or URLs (sparql), and credentials that
    never show in ``label``, ``str`` or ``repr``."""

    kind: StoreKind
    path: Path | None = None
    query_url: str | None = None
    update_url: str | None = None
    gsp_url: str | None = None
    user: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """How the store is named in messages and logs: ``memory``, ``oxigraph:PATH``, ``sparql:URL``."""
        if self.kind == "memory":
            return "memory"
        if self.kind == "oxigraph":
            return f"oxigraph:{self.path}"
        return f"sparql:{redact_url(self.query_url or '')}"

    @property
    def text(self) -> str:
        """The spec as it can be passed on (``--store`` / ``EMSKG_STORE``) — without credentials,
        which travel in the environment only."""
        return self.label

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"StoreSpec({self.label})"

    def env(self) -> dict[str, str]:
        """The environment that recreates this spec in another process (worker processes), credentials
        included: pass it to a child's environment, never print it."""
        out = {ENV_STORE: self.text}
        if self.kind == "sparql":
            out[ENV_UPDATE] = self.update_url or ""
            out[ENV_GSP] = self.gsp_url or ""
            out[ENV_USER] = self.user or ""
            out[ENV_PASSWORD] = self.password or ""
        return out


def redact_url(url: str) -> str:
    """``url`` without any ``user:password@`` part (and without its query string, which may carry keys)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _url(text: str, what: str) -> tuple[str, str | None, str | None]:
    """A checked http(s) URL and any credentials written into it (removed from the URL)."""
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise InputError(f"{what}: {redact_url(text)!r} is not an http(s) URL")
    user, password = parts.username, parts.password
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), user, password


def parse_store_spec(text: str | None, env: Mapping[str, str] | None = None) -> StoreSpec:
    """The store ``text`` names (None or empty: ``EMSKG_STORE``, else ``memory``).

    Raises :class:`InputError` (one line, no credentials) for an unknown kind, an empty path or a URL
    that is not http(s)."""
    env = os.environ if env is None else env
    raw = (text or "").strip() or (env.get(ENV_STORE) or "").strip() or "memory"
    kind, sep, rest = raw.partition(":")
    kind = kind.strip().lower()
    if kind == "memory" and not sep:
        return StoreSpec("memory")
    if kind == "oxigraph" and sep:
        if not rest.strip():
            raise InputError(f"store 'oxigraph:' needs a folder: oxigraph:PATH (one of {_SYNTAX})")
        return StoreSpec("oxigraph", path=Path(rest.strip()).expanduser())
    if kind == "sparql" and sep:
        query_url, url_user, url_password = _url(rest.strip(), "store")
        update_raw = (env.get(ENV_UPDATE) or "").strip()
        update_url, _, _ = _url(update_raw, ENV_UPDATE) if update_raw else (query_url, None, None)
        gsp_raw = (env.get(ENV_GSP) or "").strip()
        gsp_url = _url(gsp_raw, ENV_GSP)[0] if gsp_raw else None
        user = (env.get(ENV_USER) or "") or url_user
        password = (env.get(ENV_PASSWORD) or "") or url_password
        return StoreSpec("sparql", query_url=query_url, update_url=update_url, gsp_url=gsp_url,
                         user=user or None, password=password or None)
    shown = raw if kind in ("memory", "oxigraph") else (f"sparql:{redact_url(rest)}" if kind == "sparql" else kind)
    raise InputError(f"unknown store {shown[:80]!r}: use {_SYNTAX}")

"""Server settings: environment variables first, then ``emskg serve`` flags on top.

Every limit that protects an endpoint on the open internet is here, with a default that is safe to
expose: a few seconds per query, a bounded result, a small request body, a small pool of worker
processes. ``Settings`` is immutable so the app factory and the worker pool see one consistent set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

__all__ = ["Settings", "ENV_VARS"]

#: Environment variable -> Settings field. Documented in docs/api.md.
ENV_VARS: dict[str, str] = {
    "EMSKG_HOST": "host",
    "EMSKG_PORT": "port",
    "EMSKG_WORKERS": "workers",
    "EMSKG_QUERY_TIMEOUT": "query_timeout",
    "EMSKG_VALIDATE_TIMEOUT": "validate_timeout",
    "EMSKG_MAX_ROWS": "max_rows",
    "EMSKG_MAX_BODY": "max_body_bytes",
    "EMSKG_WORKER_MEMORY_MB": "worker_memory_mb",
    "EMSKG_CORS_ORIGINS": "cors_origins",
    "EMSKG_VALIDATE_TOKEN": "validate_token",
    "EMSKG_REGISTER_TOKEN": "register_token",
    "EMSKG_REGISTER_TIMEOUT": "register_timeout",
    "EMSKG_STORE": "store",
    "EMSKG_PUBLIC_URL": "public_url",
    "EMSKG_RESPONSE_CACHE_MB": "response_cache_mb",
    "EMSKG_HEADER_TIMEOUT": "header_timeout",
    "EMSKG_IDLE_TIMEOUT": "idle_timeout",
    "EMSKG_KEEPALIVE_TIMEOUT": "keepalive_timeout",
    "EMSKG_MAX_URL": "max_url_bytes",
    "EMSKG_MAX_HEADER_BYTES": "max_header_bytes",
    "EMSKG_MAX_HEADERS": "max_headers",
    "EMSKG_MAX_CONNECTIONS": "max_connections",
    "EMSKG_MAX_INFLIGHT": "max_inflight",
}


def _default_workers() -> int:
    return max(2, min(4, os.cpu_count() or 2))


@dataclass(frozen=True)
class Settings:
    """What ``create_app`` needs; see :data:`ENV_VARS` for the environment names."""

    host: str = "127.0.0.1"
    port: int = 8000
    #: Worker processes that run queries; each holds its own copy of the store (a few MB).
    workers: int = field(default_factory=_default_workers)
    #: Seconds a query may run before its worker is killed and the client gets 504.
    query_timeout: float = 5.0
    #: Seconds a /validate request may run (reasoning over a declaration costs more than a query).
    validate_timeout: float = 10.0
    #: Rows (or triples) a response carries at most; more are cut and flagged.
    max_rows: int = 10_000
    #: Largest request body accepted, in bytes (413 beyond).
    max_body_bytes: int = 1_048_576
    #: Address-space limit of a worker, so a query that builds a huge sort cannot exhaust the host.
    worker_memory_mb: int = 2048
    #: Origins allowed by CORS ("*" for any); empty: no CORS headers.
    cors_origins: tuple[str, ...] = ()
    #: When set, POST /validate needs ``Authorization: Bearer <token>``.
    validate_token: str | None = field(default=None, repr=False)
    #: When set, POST and DELETE /declarations (writes to the store) need ``Authorization: Bearer <token>``;
    #: unset, they are refused (403). Separate from ``validate_token``: validating costs CPU and changes
    #: nothing, registering changes what every sponsor sees, so it is opted into on its own.
    register_token: str | None = field(default=None, repr=False)
    #: Seconds a registration may take (validation, reasoning and the write).
    register_timeout: float = 30.0
    #: The public base URL (behind a proxy) used in the service description instead of the Host header.
    public_url: str | None = None
    #: Memory for cached query responses (the graph is static while the server runs); 0 turns it off.
    response_cache_mb: int = 64
    #: Seconds a client has to send a complete request header (from connecting, or after a response): 408 beyond.
    header_timeout: float = 10.0
    #: Seconds without a byte while a request body is expected before the connection is closed.
    idle_timeout: float = 5.0
    #: Seconds an idle kept-alive connection stays open between requests. A client must stop reusing
    #: a connection before this (HTTP clients default to 5 s too: equal values race, and the request
    #: sent as the server closes is lost with "server disconnected").
    keepalive_timeout: float = 8.0
    #: Longest request target (path and query string) in bytes: 414 beyond (long queries go by POST).
    max_url_bytes: int = 16_384
    #: Largest header block in bytes, and most header fields: 431 beyond.
    max_header_bytes: int = 32_768
    max_headers: int = 100
    #: Open connections at most (more are answered 503 and closed), and requests handled at once (503 beyond).
    max_connections: int = 1024
    max_inflight: int = 256
    #: The store ``/sparql``, the named queries and ``/declarations`` run on (``memory``, ``oxigraph:PATH``,
    #: ``sparql:URL``; docs/stores.md); None: ``memory``. Not in ``repr``: a URL may carry credentials.
    store: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.query_timeout <= 0 or self.validate_timeout <= 0 or self.register_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if self.response_cache_mb < 0:
            raise ValueError("response_cache_mb must not be negative")
        if self.max_rows < 1 or self.max_body_bytes < 1:
            raise ValueError("max_rows and max_body_bytes must be positive")
        if self.header_timeout <= 0 or self.idle_timeout <= 0 or self.keepalive_timeout <= 0:
            raise ValueError("header_timeout, idle_timeout and keepalive_timeout must be positive")
        if min(self.max_url_bytes, self.max_header_bytes, self.max_headers, self.max_connections, self.max_inflight) < 1:
            raise ValueError("request and connection limits must be positive")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``EMSKG_*`` variables, then ``overrides`` (CLI flags; ``None`` = not given)."""
        env = os.environ if env is None else env
        types = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for var, name in ENV_VARS.items():
            raw = env.get(var)
            if raw is not None and raw.strip() != "":
                values[name] = _convert(name, str(types[name]), raw.strip(), var)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if isinstance(values.get("cors_origins"), str):
            values["cors_origins"] = _origins(values["cors_origins"])
        return replace(cls(), **values)


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(o.strip() for o in raw.split(",") if o.strip())


def _convert(name: str, type_name: str, raw: str, var: str) -> Any:
    try:
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
    except ValueError:
        raise ValueError(f"{var}={raw!r} is not a number") from None
    if name == "cors_origins":
        return _origins(raw)
    return raw

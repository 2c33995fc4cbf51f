"""``emskg serve``: the read-only HTTP endpoint (SPARQL protocol, JSON API, web pages) with uvicorn.

Imports stay inside the handler so that registering the subcommand costs nothing for
``emskg query`` and friends.
"""

from __future__ import annotations

import argparse

from ..errors import InputError
from .stores import add_store_argument, store_spec_from_args

__all__ = ["register", "cmd_serve"]


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ..server.app import create_app
    from ..server.protocol import guarded_protocol
    from ..server.settings import Settings

    try:
        settings = Settings.from_env(host=args.host, port=args.port, workers=args.workers,
                                     query_timeout=args.timeout, max_rows=args.max_rows,
                                     cors_origins=args.cors, store=args.store)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    spec = store_spec_from_args(args)  # a bad --store is one line before anything starts
    if spec.kind == "oxigraph":  # a folder that is not a store fails here, not in every worker
        from ..stores import open_store

        open_store(spec, read_only=True).close()
    # One uvicorn process; parallelism comes from the query worker pool, not from uvicorn workers. The
    # connection layer (timeouts, header bounds, request and connection caps) is emskg's protocol class.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=args.log_level,
                server_header=False, timeout_keep_alive=max(1, round(settings.keepalive_timeout)),
                http=guarded_protocol(settings),
                proxy_headers=args.proxy_headers, forwarded_allow_ips=args.forwarded_allow_ips)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` subcommand."""
    s = sub.add_parser("serve", help="serve the graph over HTTP: SPARQL endpoint, JSON API, web pages",
                       description="Read-only HTTP endpoint over the inferred knowledge graph. Every flag has an "
                                   "EMSKG_* environment variable (see docs/api.md); flags win.")
    s.add_argument("--host", help="interface to listen on (default 127.0.0.1; EMSKG_HOST)")
    s.add_argument("--port", type=int, help="port (default 8000; EMSKG_PORT)")
    s.add_argument("--workers", type=int, help="query worker processes (default: 2-4 by CPU; EMSKG_WORKERS)")
    s.add_argument("--timeout", type=float, help="seconds a query may run (default 5; EMSKG_QUERY_TIMEOUT)")
    s.add_argument("--max-rows", type=int, help="rows a result may carry (default 10000; EMSKG_MAX_ROWS)")
    s.add_argument("--cors", help="comma-separated origins allowed by CORS, or * (EMSKG_CORS_ORIGINS)")
    s.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    s.add_argument("--proxy-headers", action="store_true", help="trust X-Forwarded-* from --forwarded-allow-ips")
    s.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    add_store_argument(s)
    s.set_defaults(func=cmd_serve)

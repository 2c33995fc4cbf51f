"""The read-only HTTP service: the SPARQL 1.1 Protocol, the JSON API and the web pages.

``create_app(settings)`` (:mod:`emskg.server.app`) wires it together; ``create_app_from_env`` is the
factory for ``uvicorn --factory emskg.server:create_app_from_env``. Routes (``routes/``, ``web/``) are
leaves that only the app factory imports; queries run in worker processes (``workers``, ``jobs``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from .settings import Settings

__all__ = ["create_app", "create_app_from_env"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI app for ``settings`` (default: from the environment); see :mod:`emskg.server.app`."""
    from .app import create_app as create  # FastAPI is slow to import; the CLI imports this package

    return create(settings)


def create_app_from_env() -> Any:
    """For ``uvicorn --factory emskg.server:create_app_from_env``."""
    from .app import create_app_from_env as create

    return create()

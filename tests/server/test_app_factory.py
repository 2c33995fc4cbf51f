"""The app factory, in process: the documented entry points exist and wire every route, without
starting a worker (the lifespan, which loads the graph and the pool, runs only under a server)."""

from __future__ import annotations

import importlib

from fastapi import FastAPI

from emskg.server.settings import Settings


def test_the_documented_factory_for_uvicorn_exists() -> None:
    module, _, name = "emskg.server:create_app_from_env".partition(":")  # docs/api.md
    assert callable(getattr(importlib.import_module(module), name))


def test_create_app_wires_the_protocol_the_api_and_the_pages() -> None:
    from emskg.server import create_app

    app = create_app(Settings.from_env({}))
    assert isinstance(app, FastAPI)
    assert {"/sparql", "/health", "/queries", "/queries/{name}", "/validate", "/table2",
            "/initiatives/{id}"} <= set(app.openapi()["paths"])
    assert not any(p.startswith("/ui") for p in app.openapi()["paths"])  # pages stay out of the schema
    assert (app.url_path_for("home"), app.url_path_for("sparql_page")) == ("/", "/ui/sparql")

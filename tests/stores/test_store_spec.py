"""STORE text and EMSKG_STORE_* settings: parsing, the flag winning, and credentials never shown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from emskg.errors import InputError, StoreUnavailableError
from emskg.stores import open_store, parse_store_spec

SECRET = "s3cr3t-Pa55"


def test_memory_is_the_default() -> None:
    assert parse_store_spec(None, {}).kind == "memory"
    assert parse_store_spec("", {}).label == "memory"


def test_the_flag_wins_over_the_environment() -> None:
    env = {"EMSKG_STORE": "oxigraph:/from/env"}
    assert parse_store_spec(None, env).path == Path("/from/env")
    assert parse_store_spec("memory", env).kind == "memory"
    assert parse_store_spec("oxigraph:/flag", env).label == "oxigraph:/flag"


def test_sparql_urls_and_their_defaults() -> None:
    spec = parse_store_spec("sparql:http://127.0.0.1:7878/query", {})
    assert (spec.kind, spec.query_url, spec.update_url, spec.gsp_url) == (
        "sparql", "http://127.0.0.1:7878/query", "http://127.0.0.1:7878/query", None)
    spec = parse_store_spec("sparql:http://h/q", {"EMSKG_STORE_UPDATE": "http://h/u", "EMSKG_STORE_GSP": "http://h/g"})
    assert (spec.update_url, spec.gsp_url) == ("http://h/u", "http://h/g")


@pytest.mark.parametrize("text", ["bogus", "oxigraph:", "sparql:", "sparql:ftp://h/q", "sparql:not a url",
                                  "memory:x", f"sparql:http://u:{SECRET}@:99999/q"])
def test_a_bad_spec_is_one_line_without_credentials(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_store_spec(text, {"EMSKG_STORE_PASSWORD": SECRET})
    assert "\n" not in str(info.value) and SECRET not in str(info.value)


def _specs() -> list[tuple[str, dict[str, str]]]:
    return [(f"sparql:http://admin:{SECRET}@127.0.0.1:1/sparql?key={SECRET}", {}),
            ("sparql:http://127.0.0.1:1/sparql", {"EMSKG_STORE_USER": "admin", "EMSKG_STORE_PASSWORD": SECRET})]


@pytest.mark.parametrize(("text", "env"), _specs())
def test_credentials_are_kept_but_never_shown(text: str, env: dict[str, str]) -> None:
    spec = parse_store_spec(text, env)
    assert spec.user == "admin" and spec.password == SECRET
    for shown in (spec.label, str(spec), repr(spec), spec.text):
        assert SECRET not in shown and "admin" not in shown
    assert spec.label == "sparql:http://127.0.0.1:1/sparql"


@pytest.mark.parametrize(("text", "env"), _specs())
def test_an_unreachable_store_names_its_label_not_its_password(text: str, env: dict[str, str],
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = open_store(text, env=env)
    assert SECRET not in repr(store)
    with pytest.raises(StoreUnavailableError) as info:
        store.query("ASK {}")
    message = str(info.value)
    assert message == "store sparql:http://127.0.0.1:1/sparql is unreachable (cannot connect)"
    assert SECRET not in caplog.text
    store.close()

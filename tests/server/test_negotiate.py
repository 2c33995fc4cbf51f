"""Content negotiation, without a server."""

from __future__ import annotations


def test_accept_parsing_tolerates_junk() -> None:
    from emskg.server.negotiate import SELECT_OFFERS, negotiate, parse_accept

    assert parse_accept("text/csv;q=0.5, junk, ;q=1, application/json;q=abc") == [
        ("text/csv", 0.5), ("application/json", 1.0)]
    assert negotiate(SELECT_OFFERS, "junk").fmt == "json"
    assert negotiate(SELECT_OFFERS, "text/csv;level=1;q=0.8").fmt == "csv"

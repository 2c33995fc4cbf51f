"""Fixtures for the store tests: real engines started on loopback for the session."""

from engines_virtuoso import virtuoso  # noqa: F401  (the session's Virtuoso: tests/engines_virtuoso.py)

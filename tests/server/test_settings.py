"""Server settings from the environment and flags, without a server."""

from __future__ import annotations

import pytest


def test_settings_from_env_then_flags() -> None:
    from emskg.server.settings import Settings

    s = Settings.from_env({"EMSKG_PORT": "9000", "EMSKG_QUERY_TIMEOUT": "1.5", "EMSKG_CORS_ORIGINS": "a, b",
                           "EMSKG_VALIDATE_TOKEN": "s3cr3t-x"}, port=9100, workers=None)
    assert (s.port, s.query_timeout, s.cors_origins, s.validate_token) == (9100, 1.5, ("a", "b"), "s3cr3t-x")
    assert "s3cr3t-x" not in repr(s)  # the token never reaches a log line
    with pytest.raises(ValueError, match="EMSKG_MAX_ROWS"):
        Settings.from_env({"EMSKG_MAX_ROWS": "many"})
    with pytest.raises(ValueError):
        Settings.from_env({}, workers=0)

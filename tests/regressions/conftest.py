"""The issue-10 regressions share the security battery's server and fixtures (one server process)."""

from security.conftest import client, healthy_after, listener, new_log, private_server, sec_server

__all__ = ["client", "healthy_after", "listener", "new_log", "private_server", "sec_server"]

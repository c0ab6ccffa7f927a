"""The throwaway PostgreSQL server of the tests: moved to cxspec.testing (plugins use it too);
kept under this name for the tests that import it from here."""

from cxspec.testing import PostgresServer, ServerUnavailable, find_bindir, free_port

__all__ = ["PostgresServer", "ServerUnavailable", "find_bindir", "free_port"]

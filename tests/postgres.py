"""A real PostgreSQL 16 for the tests: pgserver's, on a Unix socket, no root and no apt needed.

One server for the whole session (started on first use, about a second); each test gets a
database of its own, so tests never see each other's rows.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pgserver
import psycopg


class Postgres:
    """The session's PostgreSQL server and the databases made on it."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="mindzie-pg-")
        self.server: Any = pgserver.get_server(self.folder.name, cleanup_mode="stop")
        self.admin_url: str = self.server.get_uri()

    @contextmanager
    def database(self) -> Iterator[str]:
        """A new, empty database; yields its URL and drops it afterwards."""
        name = f"mindzie_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield self.server.get_uri(database=name)
        finally:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.server.cleanup()
        self.folder.cleanup()

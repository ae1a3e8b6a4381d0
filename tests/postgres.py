"""A real PostgreSQL 16 for the tests: pgserver's, on a Unix socket, no root and no apt needed.

One server for the whole session (started on first use, about a second); each test gets a
database of its own, so tests never see each other's rows.
"""

from __future__ import annotations

import tempfile
import uuid
from typing import Any

import pgserver
import psycopg


class Postgres:
    """The session's PostgreSQL server and the databases made on it."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="mindzie-pg-")
        self.server: Any = pgserver.get_server(self.folder.name, cleanup_mode="stop")
        self.admin_url: str = self.server.get_uri()

    def database(self) -> str:
        """A new, empty database's URL. It is left in place: a server of the test may still be
        closing its connections when the test's fixtures end, and the session's cluster goes
        as a whole at the end."""
        name = f"mindzie_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return str(self.server.get_uri(database=name))

    def close(self) -> None:
        self.server.cleanup()
        self.folder.cleanup()

"""Which store a `db_url` names: `sqlite:///path` (SQLite file) or `postgresql://…` (PostgreSQL).

SQLite URLs read as SQLAlchemy's do: `sqlite:///relative/file.db`, `sqlite:////absolute/file.db`.
PostgreSQL URLs are libpq's, Unix-socket hosts included (`postgresql://user@/db?host=/run/pg`).
"""

from __future__ import annotations

from typing import Any

from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.storage.sql import SqlStore

SQLITE = "sqlite:///"
POSTGRES = ("postgresql://", "postgres://")


def is_postgres(url: str) -> bool:
    return url.startswith(POSTGRES)


def sqlite_path(url: str) -> str:
    """The file of a `sqlite:///…` URL."""
    if not url.startswith(SQLITE) or len(url) == len(SQLITE):
        raise InvalidRequest.for_field(
            "db_url", Message("must be sqlite:///PATH or postgresql://…, got {url!r}", url=url)
        )
    return url[len(SQLITE) :]


def open_store(url: str, **kwargs: Any) -> SqlStore:
    """The store `url` names, opened and migrated (keyword arguments go to its constructor)."""
    if is_postgres(url):
        from jupyter_mindzie.storage.postgres import MindziePostgresStore  # psycopg: an optional extra

        return MindziePostgresStore(url=url, **kwargs)
    from jupyter_mindzie.storage.sqlite import MindzieStore

    return MindzieStore(db_path=sqlite_path(url), **kwargs)

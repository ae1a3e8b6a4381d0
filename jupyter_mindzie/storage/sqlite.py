"""The SQLite store: the `Store` interface on one SQLite file, through sqlite-utils.

The queries are storage/sql.py's, shared with PostgreSQL; this module is the connection (WAL,
foreign keys, a busy timeout), the migrations (storage/migrations.py, on sqlite-utils) and
SQLite's dialect of the few things SQL does not standardise. Several servers on one machine may
share the file: WAL lets readers and one writer proceed together.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from traitlets import Float, Unicode, default

from jupyter_mindzie.storage import migrations
from jupyter_mindzie.storage.interface import ChangeListener, Row, Store
from jupyter_mindzie.storage.sql import SqlStore
from jupyter_mindzie.storage.transactions import ImmediateDatabase


class MindzieStore(SqlStore):
    """The metadata of every tenant in one SQLite file (WAL, migrated on open)."""

    db_path = Unicode(
        config=True,
        help="SQLite file for notebooks, versions and executions. Default: .mindzie/mindzie.db "
        "under the server's root directory.",
    )
    busy_timeout = Float(10.0, config=True, help="Seconds a write waits for another writer before failing.")

    @default("db_path")
    def _default_db_path(self) -> str:
        root = getattr(getattr(self.parent, "serverapp", None), "root_dir", None) or "."
        return str(Path(root) / ".mindzie" / "mindzie.db")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        path = Path(self.db_path).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            str(path), timeout=self.busy_timeout, check_same_thread=False, isolation_level=None
        )
        self.db = ImmediateDatabase(conn)  # writes wait `busy_timeout` for the lock
        try:
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.migrate()
        except sqlite3.DatabaseError as error:  # "file is not a database" should say which file
            conn.close()
            raise type(error)(f"{path}: {error}") from error

    # -- the store itself -----------------------------------------------------------------

    @property
    def location(self) -> str:
        return self.db_path

    @property
    def data_dir(self) -> Path:
        return Path(self.db_path).expanduser().parent

    @property
    def schema_version(self) -> int:
        return migrations.schema_version(self.db)

    def migrate(self) -> None:
        for version in migrations.migrate(self.db, self.db_path):
            self.log.info("mindzie store %s migrated to schema %d", self.db_path, version)

    def close(self) -> None:
        self.db.close()

    def listen(self, callback: ChangeListener) -> bool:
        """SQLite cannot tell other processes about a write: readers poll the file."""
        return False

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A transaction; nested blocks are savepoints (sqlite-utils' `atomic`)."""
        with self.db.atomic():
            yield

    # -- the dialect ----------------------------------------------------------------------

    def _execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        return int(self.db.execute(sql, list(args)).rowcount)

    def _execute_many(self, sql: str, rows: list[Sequence[Any]]) -> None:
        self.db.conn.executemany(sql, rows)

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return list(self.db.query(sql, list(args)))

    def _unique_errors(self) -> tuple[type[Exception], ...]:
        return (sqlite3.IntegrityError,)

    def _is_unique_violation(self, error: Exception, table: str, column: str) -> bool:
        return f"{table}.{column}" in str(error)

    def _skip_locked(self) -> str:
        return ""  # the claim's BEGIN IMMEDIATE holds the database: claims run one at a time

    def _lock_admission(self) -> None:
        """Nothing to take: the queueing transaction's BEGIN IMMEDIATE holds the database."""

    def _json_true(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}') = 1"

    def _json_present(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}') IS NOT NULL"


_IMPLEMENTS_STORE: type[Store] = MindzieStore  # mypy proves here that MindzieStore is a Store

"""The PostgreSQL store: the `Store` interface on a database several servers share.

The queries are storage/sql.py's, shared with SQLite; this module is psycopg 3 with a
connection pool, the migrations (storage/pg_migrations.py) and PostgreSQL's dialect. Writes of
an execution's progress and cancel requests send a `NOTIFY`, so waiting requests on other
servers wake at once (`listen`). psycopg is the optional extra `jupyter-mindzie[postgres]`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from traitlets import Float, Int, Unicode, default

from jupyter_mindzie.i18n import Message
from jupyter_mindzie.storage import pg_migrations
from jupyter_mindzie.storage.interface import ChangeListener, Row, Store, StoreUnreachable
from jupyter_mindzie.storage.sql import SqlStore

try:
    import psycopg
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    MISSING: ImportError | None = None
except ImportError as error:  # the optional extra: the class is still listed in --help-all
    MISSING = error

CHANNEL = "mindzie"
ADMISSION_LOCK = 0x6D696E647A6965  # "mindzie": the advisory lock key of queue admission
AWAY_WAIT_SECONDS = 0.05


@lru_cache(maxsize=512)
def _dialect(sql: str) -> str:
    """The shared `?` placeholders as psycopg's `%s` (and a literal `%` escaped)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _args(args: Sequence[Any]) -> list[Any]:
    # SQLite stores True as 1; PostgreSQL refuses a boolean in an integer column.
    return [int(value) if isinstance(value, bool) else value for value in args]


def _without_rowid(row: dict[str, Any]) -> Row:
    row.pop("rowid", None)  # SQLite's implicit rowid never shows in `SELECT *`; ours must not either
    return row


def redacted(url: str) -> str:
    """The URL without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class MindziePostgresStore(SqlStore):
    """The metadata of every tenant in one PostgreSQL database, for one or many servers."""

    url = Unicode(help="A libpq URI: postgresql://user:password@host:port/db (Unix-socket hosts too).")
    data_path = Unicode(
        config=True,
        help="Folder whose executions/ and datasets/ hold files (shared by every server). "
        "Default: .mindzie under the server's root directory.",
    )
    pool_size = Int(8, config=True, help="Most connections this server keeps open to PostgreSQL.")
    wait_seconds = Float(
        5.0,
        config=True,
        help="Most seconds a store call waits for a connection (the database may be restarting) before it fails.",
    )

    @default("data_path")
    def _default_data_path(self) -> str:
        root = getattr(getattr(self.parent, "serverapp", None), "root_dir", None) or "."
        return str(Path(root) / ".mindzie")

    def __init__(self, **kwargs: Any) -> None:
        if MISSING is not None:
            raise ImportError(
                "a postgresql:// db_url needs psycopg 3 and its pool: pip install 'jupyter-mindzie[postgres]'"
            ) from MISSING
        super().__init__(**kwargs)
        self._local = threading.local()
        self._closed = threading.Event()
        self._listener: threading.Thread | None = None
        self._away = False  # the last call found the database away: the next ones fail fast
        self.pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            self.url,
            min_size=1,
            max_size=max(1, self.pool_size),
            kwargs={"autocommit": True, "row_factory": dict_row},
            open=True,
            name="mindzie",
            timeout=self.wait_seconds,
        )
        self.pool.wait(timeout=30)
        self.migrate()

    # -- the store itself -----------------------------------------------------------------

    @property
    def location(self) -> str:
        return redacted(self.url)

    @property
    def data_dir(self) -> Path:
        return Path(self.data_path).expanduser()

    @property
    def schema_version(self) -> int:
        with self._connection() as conn:
            return pg_migrations.schema_version(conn)

    def migrate(self) -> None:
        with self._connection() as conn:
            for version in pg_migrations.migrate(conn, self.location):
                self.log.info("mindzie store %s migrated to schema %d", self.location, version)

    def close(self) -> None:
        self._closed.set()
        if self._listener is not None:
            self._listener.join(timeout=5)
        self.pool.close()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A transaction on one connection of the pool; nested blocks are savepoints."""
        conn: psycopg.Connection[Row] | None = getattr(self._local, "conn", None)
        with self._reachable():
            if conn is not None:
                with conn.transaction():
                    yield
                return
            with self._pooled() as conn:
                self._local.conn = conn
                try:
                    with conn.transaction():
                        yield
                finally:
                    self._local.conn = None

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Row]]:
        """The transaction's connection inside `atomic`, else one of the pool's."""
        conn: psycopg.Connection[Row] | None = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        with self._reachable(), self._pooled() as conn:
            yield conn

    def _pooled(self) -> AbstractContextManager[psycopg.Connection[Row]]:
        """A connection of the pool. While the database is away, a call waits only a moment for
        one: store calls are made on the event loop, and a dozen of them each waiting
        `wait_seconds` would keep every request, even the 503 that says so, waiting in line.
        The pool reconnects in its own threads; the first call that gets a connection again
        ends the fast failing."""
        return self.pool.connection(timeout=AWAY_WAIT_SECONDS if self._away else self.wait_seconds)

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """psycopg's "cannot reach the database" (a restart, the network, a full pool) as the
        backend-neutral StoreUnreachable; every other error stays what it is."""
        try:
            yield
        except psycopg.OperationalError as error:
            self._away = True
            raise StoreUnreachable(
                Message(
                    "the database {location} cannot be reached: {error}",
                    location=self.location,
                    error=str(error),
                )
            ) from error
        self._away = False

    # -- the dialect ----------------------------------------------------------------------

    def _execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        with self._connection() as conn, self._reachable():
            return int(conn.execute(_dialect(sql), _args(args)).rowcount)

    def _execute_many(self, sql: str, rows: list[Sequence[Any]]) -> None:
        with self._connection() as conn, self._reachable(), conn.cursor() as cursor:
            cursor.executemany(_dialect(sql), [_args(row) for row in rows])

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self._connection() as conn, self._reachable():
            return [_without_rowid(row) for row in conn.execute(_dialect(sql), _args(args)).fetchall()]

    def _unique_errors(self) -> tuple[type[Exception], ...]:
        return (psycopg.errors.UniqueViolation,)

    def _is_unique_violation(self, error: Exception, table: str, column: str) -> bool:
        constraint = getattr(getattr(error, "diag", None), "constraint_name", None)
        return constraint == f"{table}_{column}_key"

    def _skip_locked(self) -> str:
        return " FOR UPDATE SKIP LOCKED"

    def _lock_admission(self) -> None:
        """Queue admissions of every server, one after another, until this transaction ends."""
        self._query("SELECT pg_advisory_xact_lock(?) AS locked", [ADMISSION_LOCK])

    def _json_true(self, column: str, key: str) -> str:
        return f"({column}::jsonb -> '{key}') = 'true'::jsonb"

    def _json_present(self, column: str, key: str) -> str:
        return f"({column}::jsonb ->> '{key}') IS NOT NULL"

    def _notify(self, kind: str, execution_id: str) -> None:
        """Sent when the write commits (inside a transaction) or at once."""
        self._execute("SELECT pg_notify(?, ?)", [CHANNEL, f"{kind}:{execution_id}"])

    # -- news from other servers ------------------------------------------------------------

    def listen(self, callback: ChangeListener) -> bool:
        """`LISTEN` on a connection of its own, in a thread; reconnects after a database restart."""
        if self._listener is None:
            self._listener = threading.Thread(
                target=self._listen, args=(callback,), name="mindzie-pg-listen", daemon=True
            )
            self._listener.start()
        return True

    def _listen(self, callback: ChangeListener) -> None:
        while not self._closed.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not self._closed.is_set():
                        for notice in conn.notifies(timeout=0.5):
                            kind, _, execution_id = notice.payload.partition(":")
                            callback(kind, execution_id)
            except psycopg.Error as error:
                if self._closed.is_set():
                    return
                self.log.warning("mindzie: listening to %s failed (%s); retrying", self.location, error)
                self._closed.wait(1.0)
            except Exception:  # a callback's bug must not end the listening for good
                self.log.exception("mindzie: a change listener failed")
                time.sleep(0.1)


_IMPLEMENTS_STORE: type[Store] = MindziePostgresStore  # mypy proves here that it is a Store

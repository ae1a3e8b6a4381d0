"""SQLite transactions that wait for the write lock instead of failing at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils


class ImmediateDatabase(sqlite_utils.Database):
    """sqlite-utils' Database whose outermost `atomic` block takes the write lock as it begins.

    SQLite waits `busy_timeout` for the lock of a BEGIN IMMEDIATE. The deferred BEGIN of
    sqlite-utils' `atomic` (which its inserts, updates and upserts use too) reads before it
    writes, and is then refused at once with "database is locked" when another connection
    holds the lock: the timeout never applies. Nested blocks stay savepoints.
    """

    @contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.rollback()  # a no-op when the error already ended the transaction
            raise
        self.conn.commit()

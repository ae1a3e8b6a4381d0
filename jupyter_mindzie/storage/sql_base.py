"""What a SQL backend supplies to the shared queries (storage/sql.py), and the small statement
builders those queries use: insert, upsert, update, select, count and page.

The hooks: run a statement, run one statement for many rows, read rows, a transaction, tell a
unique violation from other errors, read a JSON field, and (optionally) notify other servers.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from traitlets.config import LoggingConfigurable

from jupyter_mindzie.storage.interface import (
    ChangeListener,
    Page,
    Row,
)
from jupyter_mindzie.storage.rows import decode, encode


def quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{column}"' for column in columns)


class SqlBase(LoggingConfigurable):
    """The hooks a backend implements and the statement builders on top of them."""

    # -- what a backend supplies ----------------------------------------------------------------

    def _execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        raise NotImplementedError

    def _execute_many(self, sql: str, rows: list[Sequence[Any]]) -> None:
        """Run one statement once per argument row, in one round trip where the driver can."""
        raise NotImplementedError

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """The rows of a query as dicts keyed by column name (not decoded)."""
        raise NotImplementedError

    def atomic(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _is_unique_violation(self, error: Exception, table: str, column: str) -> bool:
        """Whether `error` is the unique index on `table.column` refusing a row."""
        raise NotImplementedError

    def _unique_errors(self) -> tuple[type[Exception], ...]:
        """The driver's exception classes a unique violation raises."""
        raise NotImplementedError

    def _json_true(self, column: str, key: str) -> str:
        """SQL that holds when the JSON object in `column` has `key` set to true."""
        raise NotImplementedError

    def _json_present(self, column: str, key: str) -> str:
        """SQL that holds when the JSON object in `column` has `key` set to something not null."""
        raise NotImplementedError

    def _notify(self, kind: str, execution_id: str) -> None:
        """Tell the other servers on this database that an execution changed (when it can)."""

    # -- the store itself (backends override what they know) --------------------------------------

    @property
    def location(self) -> str:
        raise NotImplementedError

    @property
    def data_dir(self) -> Path:
        raise NotImplementedError

    @property
    def schema_version(self) -> int:
        raise NotImplementedError

    def migrate(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def listen(self, callback: ChangeListener) -> bool:
        return False  # readers poll, unless the backend can push other servers' writes

    # -- small helpers ------------------------------------------------------------------------------

    def _insert(self, table: str, row: Row) -> None:
        self._insert_many(table, [row])

    def _insert_many(self, table: str, rows: list[Row], *, conflict: str = "") -> None:
        """Insert rows (grouped by their columns, so each group is one executemany)."""
        groups: dict[tuple[str, ...], list[Sequence[Any]]] = {}
        for row in rows:
            stored = encode(row)
            groups.setdefault(tuple(stored), []).append(list(stored.values()))
        for columns, values in groups.items():
            marks = ", ".join("?" for _ in columns)
            sql = f'INSERT INTO "{table}" ({quoted(columns)}) VALUES ({marks}){conflict}'
            self._execute_many(sql, values)

    def _upsert_many(self, table: str, rows: list[Row], key: Sequence[str]) -> None:
        """Insert rows, or update the given columns of those whose `key` is already there."""
        by_columns: dict[tuple[str, ...], list[Row]] = {}
        for row in rows:
            by_columns.setdefault(tuple(row), []).append(row)
        for columns, group in by_columns.items():
            updates = [column for column in columns if column not in key]
            action = (
                "DO UPDATE SET " + ", ".join(f'"{c}" = excluded."{c}"' for c in updates)
                if updates
                else "DO NOTHING"
            )
            self._insert_many(table, group, conflict=f" ON CONFLICT ({quoted(key)}) {action}")

    def _update(self, table: str, where: str, args: Sequence[Any], changes: Row) -> int:
        if not changes:
            return 0
        stored = encode(changes)
        sets = ", ".join(f'"{column}" = ?' for column in stored)
        return self._execute(f'UPDATE "{table}" SET {sets} WHERE {where}', [*stored.values(), *args])

    def _select(
        self,
        table: str,
        where: str,
        args: Sequence[Any] = (),
        *,
        columns: str = "*",
        order_by: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        sql = f'SELECT {columns} FROM "{table}" WHERE {where}'
        if order_by:
            sql += f" ORDER BY {order_by}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        return [decode(row) for row in self._query(sql, args)]

    def _first(self, table: str, where: str, args: Sequence[Any], order_by: str | None = None) -> Row | None:
        rows = self._select(table, where, args, order_by=order_by, limit=1)
        return rows[0] if rows else None

    def _count(self, table: str, where: str, args: Sequence[Any] = ()) -> int:
        (row,) = self._query(f'SELECT COUNT(*) AS n FROM "{table}" WHERE {where}', args)
        return int(row["n"])

    def _page(
        self, table: str, where: str, args: Sequence[Any], page: int, page_size: int, **kw: Any
    ) -> Page:
        rows = self._select(table, where, args, limit=page_size, offset=(page - 1) * page_size, **kw)
        return rows, self._count(table, where, args)

"""The SQLite store: the `Store` interface on one SQLite file, through sqlite-utils.

Every call is short and returns plain dicts, so callers on the event loop never wait long and
never see SQL. The file runs in WAL mode, so several readers and one writer (also of other
servers on the same file) proceed together; its schema is migrated forward on open
(storage/migrations.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import sqlite_utils
from sqlite_utils.db import Table
from traitlets import Float, Unicode, default
from traitlets.config import LoggingConfigurable

from jupyter_mindzie.clock import stamp
from jupyter_mindzie.storage import migrations
from jupyter_mindzie.storage.interface import (
    Page,
    PathTaken,
    ProjectCounts,
    Row,
    ScheduleSlot,
    ScheduleState,
    Store,
)
from jupyter_mindzie.storage.rows import HISTORY_COLUMNS, decode, encode
from jupyter_mindzie.storage.sqlite_names import SqliteNames


class MindzieStore(SqliteNames, LoggingConfigurable):
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
        self.db = sqlite_utils.Database(conn)
        self.db.enable_wal()
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.migrate()

    def _table(self, name: str) -> Table:
        # `db[name]` is typed `Table | View`; every name we use is a table.
        return self.db.table(name)

    def _first(self, table: str, where: str, args: list[Any], order_by: str | None = None) -> Row | None:
        """The first matching row, decoded, or None."""
        rows = self._table(table).rows_where(where, args, order_by=order_by, limit=1)
        row = next(iter(rows), None)
        return decode(row) if row else None

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

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A transaction; nested blocks are savepoints (sqlite-utils' `atomic`)."""
        with self.db.atomic():
            yield

    # -- notebooks ----------------------------------------------------------------------

    def insert_notebook(self, row: Row, version: Row) -> None:
        """A notebook and its first version, together or not at all.

        Raises PathTaken when `path` is taken (its unique index), which callers use to reserve names.
        """
        try:
            with self.db.atomic():
                self._table("notebooks").insert(encode(row))
                self._table("notebook_versions").insert(encode(version))
        except sqlite3.IntegrityError as error:
            if "notebooks.path" in str(error):
                raise PathTaken(row["path"]) from error
            raise

    def get_notebook(self, tenant_id: str, project_id: str, notebook_id: str) -> Row | None:
        where = "notebook_id = ? AND tenant_id = ? AND project_id = ?"
        return self._first("notebooks", where, [notebook_id, tenant_id, project_id])

    def notebook_exists(self, tenant_id: str, project_id: str, notebook_id: str) -> bool:
        """Cheaper than `get_notebook` when only a 404 is at stake: nothing is decoded."""
        return bool(
            self._table("notebooks").count_where(
                "notebook_id = ? AND tenant_id = ? AND project_id = ?", [notebook_id, tenant_id, project_id]
            )
        )

    def path_taken(self, path: str) -> bool:
        return bool(self._table("notebooks").count_where("path = ?", [path]))

    def list_notebooks(
        self,
        tenant_id: str,
        project_id: str,
        *,
        status: str | None = None,
        kernel_type: str | None = None,
        enrichment_mode: bool | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> Page:
        """One page, newest first, ties broken by insertion order so pages never shuffle."""
        where = ["tenant_id = ?", "project_id = ?"]
        args: list[Any] = [tenant_id, project_id]
        if status is not None:
            where.append("status = ?")
            args.append(status)
        if kernel_type is not None:
            where.append("kernel_type = ?")
            args.append(kernel_type)
        if enrichment_mode is not None:
            where.append("enrichment_mode = ?")
            args.append(int(enrichment_mode))
        clause = " AND ".join(where)
        total = self._table("notebooks").count_where(clause, args)
        rows = self._table("notebooks").rows_where(
            clause,
            args,
            order_by="date_created DESC, rowid DESC",
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        return [decode(row) for row in rows], total

    def update_notebook(
        self,
        notebook_id: str,
        changes: Row,
        *,
        version: Row | None = None,
        expected_version: str | None = None,
    ) -> bool:
        """Apply `changes` (and record `version`) only if the notebook is still at `expected_version`.

        The compare-and-set makes `If-Match` safe against concurrent writers.
        """
        with self.db.atomic():
            sets = ", ".join(f"[{column}] = ?" for column in changes)
            sql = f"UPDATE notebooks SET {sets} WHERE notebook_id = ?"
            args = [*encode(changes).values(), notebook_id]
            if expected_version is not None:
                sql += " AND version = ?"
                args.append(expected_version)
            if self.db.execute(sql, args).rowcount != 1:
                return False
            if version is not None:
                self._table("notebook_versions").insert(encode(version))
        return True

    def delete_notebook(self, notebook_id: str) -> None:
        """The notebook, its versions and its execution history."""
        with self.db.atomic():
            for table in ("cell_results", "artifacts"):
                self._table(table).delete_where(
                    "execution_id IN (SELECT execution_id FROM executions WHERE notebook_id = ?)",
                    [notebook_id],
                )
            self._table("executions").delete_where("notebook_id = ?", [notebook_id])
            self._table("notebook_versions").delete_where("notebook_id = ?", [notebook_id])
            self._table("schedule_state").delete_where("notebook_id = ?", [notebook_id])
            self._table("schedule_slots").delete_where("notebook_id = ?", [notebook_id])
            self._table("notebooks").delete_where("notebook_id = ?", [notebook_id])

    def projects(self) -> list[ProjectCounts]:
        """Every tenant/project pair that holds a notebook or a dataset, with their counts."""
        sql = """
            SELECT tenant_id, project_id, SUM(notebooks) AS notebooks, SUM(datasets) AS datasets
            FROM (
                SELECT tenant_id, project_id, 1 AS notebooks, 0 AS datasets FROM notebooks
                UNION ALL
                SELECT tenant_id, project_id, 0, 1 FROM datasets
            )
            GROUP BY tenant_id, project_id
            ORDER BY tenant_id, project_id
        """
        return [cast(ProjectCounts, row) for row in self.db.query(sql)]  # the query's columns are its keys

    # -- versions -----------------------------------------------------------------------

    def list_versions(self, notebook_id: str, *, page: int = 1, page_size: int = 20) -> Page:
        """Newest first, without their content."""
        table = self._table("notebook_versions")
        total = table.count_where("notebook_id = ?", [notebook_id])
        rows = table.rows_where(
            "notebook_id = ?",
            [notebook_id],
            select="notebook_id, version, change, created_by, date_created, settings",
            order_by="major DESC, minor DESC, patch DESC",
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        return [decode(row) for row in rows], total

    def get_version(self, notebook_id: str, version: str) -> Row | None:
        return self._first("notebook_versions", "notebook_id = ? AND version = ?", [notebook_id, version])

    def latest_version(self, notebook_id: str) -> Row | None:
        order = "major DESC, minor DESC, patch DESC"
        return self._first("notebook_versions", "notebook_id = ?", [notebook_id], order_by=order)

    # -- executions ---------------------------------------------------------------------

    def insert_execution(self, row: Row, cells: list[Row]) -> None:
        with self.db.atomic():
            self._table("executions").insert(encode(row))
            if cells:
                self._table("cell_results").insert_all(cells)

    def update_execution(self, execution_id: str, changes: Row) -> None:
        self._table("executions").update(execution_id, encode(changes))

    def save_progress(self, execution_id: str, changes: Row, cells: list[Row]) -> None:
        """One short transaction for a batch of progress: the execution row and changed cells."""
        with self.db.atomic():
            if changes:
                self._table("executions").update(execution_id, encode(changes))
            if cells:
                self._table("cell_results").upsert_all(cells, pk=("execution_id", "cell_id"))

    def get_execution(self, execution_id: str) -> Row | None:
        return self._first("executions", "execution_id = ?", [execution_id])

    def find_execution(
        self, tenant_id: str, project_id: str, notebook_id: str, execution_id: str
    ) -> Row | None:
        where = "execution_id = ? AND notebook_id = ? AND tenant_id = ? AND project_id = ?"
        return self._first("executions", where, [execution_id, notebook_id, tenant_id, project_id])

    def list_executions(self, notebook_id: str, *, page: int = 1, page_size: int = 20) -> Page:
        """A page of the history, without what a history line never shows (`cell_ids`, `options`):
        decoding those on every poll of a long run's history is most of its cost."""
        table = self._table("executions")
        rows = table.rows_where(
            "notebook_id = ?",
            [notebook_id],
            select=", ".join(HISTORY_COLUMNS),
            order_by="date_queued DESC, rowid DESC",
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        return [decode(row) for row in rows], table.count_where("notebook_id = ?", [notebook_id])

    def execution_ids(self, notebook_id: str) -> list[str]:
        return [
            row["execution_id"]
            for row in self._table("executions").rows_where(
                "notebook_id = ?", [notebook_id], select="execution_id"
            )
        ]

    def active_executions(self) -> list[Row]:
        """Executions not yet ended, oldest first."""
        rows = self._table("executions").rows_where("status = 'Running'", order_by="date_queued, rowid")
        return [decode(row) for row in rows]

    def recent_durations(self, notebook_id: str, limit: int = 10) -> list[float]:
        rows = self._table("executions").rows_where(
            "notebook_id = ? AND status = 'Completed' AND total_seconds IS NOT NULL",
            [notebook_id],
            select="total_seconds",
            order_by="date_queued DESC",
            limit=limit,
        )
        return [row["total_seconds"] for row in rows]

    def cell_results(self, execution_id: str) -> list[Row]:
        return list(
            self._table("cell_results").rows_where("execution_id = ?", [execution_id], order_by="position")
        )

    def insert_artifacts(self, rows: list[Row]) -> None:
        if rows:
            self._table("artifacts").upsert_all([encode(row) for row in rows], pk=("execution_id", "name"))

    def artifacts(self, execution_id: str) -> list[Row]:
        rows = self._table("artifacts").rows_where(
            "execution_id = ?", [execution_id], order_by="position, name"
        )
        return [decode(row) for row in rows]

    def artifact(self, execution_id: str, name: str) -> Row | None:
        return self._first("artifacts", "execution_id = ? AND name = ?", [execution_id, name])

    def prune_executions(self, before: str) -> list[str]:
        """Forget executions that ended before `before` (a stamp); returns their ids."""
        ids = [
            row["execution_id"]
            for row in self._table("executions").rows_where(
                "status != 'Running' AND end_time IS NOT NULL AND end_time < ?",
                [before],
                select="execution_id",
            )
        ]
        with self.db.atomic():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join("?" for _ in chunk)
                for table in ("cell_results", "artifacts", "executions"):
                    self.db.execute(f"DELETE FROM {table} WHERE execution_id IN ({marks})", chunk)
        return ids

    # -- schedules ----------------------------------------------------------------------

    def scheduled_notebooks(self) -> list[Row]:
        """Notebooks whose integration asks for automatic runs on a cron schedule."""
        rows = self._table("notebooks").rows_where(
            "json_extract(integration, '$.autoExecution') = 1 "
            "AND json_extract(integration, '$.scheduleExecution') IS NOT NULL"
        )
        return [decode(row) for row in rows]

    def schedule_state(self, notebook_id: str) -> ScheduleState | None:
        # the table's columns are the TypedDict's keys, none of them JSON
        return cast(ScheduleState | None, self._first("schedule_state", "notebook_id = ?", [notebook_id]))

    def set_schedule_state(self, notebook_id: str, cron: str, anchor: str) -> None:
        self._table("schedule_state").upsert(
            {"notebook_id": notebook_id, "cron": cron, "anchor": anchor}, pk="notebook_id"
        )

    def claim_slot(self, notebook_id: str, slot: str, outcome: str, claimed_by: str) -> bool:
        """Record a slot once: True only for the one caller (of any server) that got it."""
        try:
            self._table("schedule_slots").insert(
                {
                    "notebook_id": notebook_id,
                    "slot": slot,
                    "outcome": outcome,
                    "claimed_by": claimed_by,
                    "date_claimed": stamp(),
                }
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def set_slot_execution(self, notebook_id: str, slot: str, execution_id: str | None, outcome: str) -> None:
        self._table("schedule_slots").update(
            (notebook_id, slot), {"execution_id": execution_id, "outcome": outcome}
        )

    def schedule_slots(self, notebook_id: str) -> list[ScheduleSlot]:
        rows = self._table("schedule_slots").rows_where("notebook_id = ?", [notebook_id], order_by="slot")
        return [cast(ScheduleSlot, row) for row in rows]  # the table's columns are its keys

    # -- datasets -----------------------------------------------------------------------

    def insert_dataset(self, row: Row) -> None:
        self._table("datasets").insert(encode(row))

    def get_dataset(self, tenant_id: str, project_id: str, dataset_id: str) -> Row | None:
        where = "dataset_id = ? AND tenant_id = ? AND project_id = ?"
        return self._first("datasets", where, [dataset_id, tenant_id, project_id])

    def find_dataset(self, dataset_id: str) -> Row | None:
        """A dataset by id alone: for the kernel-side context, which is already scoped."""
        return self._first("datasets", "dataset_id = ?", [dataset_id])

    def list_datasets(self, tenant_id: str, project_id: str, *, page: int = 1, page_size: int = 20) -> Page:
        clause, args = "tenant_id = ? AND project_id = ?", [tenant_id, project_id]
        table = self._table("datasets")
        rows = table.rows_where(
            clause,
            args,
            order_by="date_created DESC, rowid DESC",
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        return [decode(row) for row in rows], table.count_where(clause, args)

    def delete_dataset(self, dataset_id: str) -> None:
        self._table("datasets").delete_where("dataset_id = ?", [dataset_id])


_IMPLEMENTS_STORE: type[Store] = MindzieStore  # mypy proves here that MindzieStore is a Store

"""The metadata store: notebooks and their versions in one SQLite file, through sqlite-utils.

Every call is short and returns plain dicts, so callers on the event loop never wait long and
never see SQL. The schema carries a version (`PRAGMA user_version`) and is migrated forward
on open.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils
from traitlets import Float, Unicode, default
from traitlets.config import LoggingConfigurable

HISTORY_COLUMNS = (
    "execution_id",
    "status",
    "phase",
    "priority",
    "parameters",
    "notebook_version",
    "source",
    "date_queued",
    "start_time",
    "end_time",
    "total_seconds",
    "current_cell_index",
    "total_cells",
    "completed_cells",
    "successful_cells",
    "failed_cells",
    "error_type",
    "resources",
)
JSON_COLUMNS = (
    "integration",
    "environment",
    "cell_times",
    "settings",
    "columns",
    "parameters",
    "options",
    "resources",
    "meta",
    "cell_ids",
    "lineage",
    "new_columns",
)


def _migrate_1(db: sqlite_utils.Database) -> None:
    """Notebooks and their versions."""
    db["notebooks"].create(
        {
            "notebook_id": str,
            "tenant_id": str,
            "project_id": str,
            "name": str,
            "description": str,
            "kernel_type": str,
            "status": str,
            "version": str,
            "path": str,
            "enrichment_mode": int,
            "integration": str,
            "environment": str,
            "python_version": str,
            "created_by": str,
            "date_created": str,
            "date_modified": str,
            "last_execution_date": str,
            "execution_count": int,
            "cell_count": int,
            "cells_hash": str,
            "file_modified": str,
            "cell_times": str,
        },
        pk="notebook_id",
        not_null={"tenant_id", "project_id", "name", "kernel_type", "status", "version", "path"},
        defaults={"status": "Ready", "execution_count": 0, "cell_count": 0, "enrichment_mode": 0},
    )
    notebooks = db["notebooks"]
    notebooks.create_index(["path"], unique=True)
    notebooks.create_index(["tenant_id", "project_id", "date_created"])
    notebooks.create_index(["tenant_id", "project_id", "status", "date_created"])
    notebooks.create_index(["tenant_id", "project_id", "kernel_type", "date_created"])
    notebooks.create_index(["tenant_id", "project_id", "enrichment_mode", "date_created"])
    db["notebook_versions"].create(
        {
            "notebook_id": str,
            "version": str,
            "major": int,
            "minor": int,
            "patch": int,
            "change": str,
            "created_by": str,
            "date_created": str,
            "settings": str,
            "content": str,
        },
        pk=("notebook_id", "version"),
        not_null={"content", "settings"},
    )
    db["notebook_versions"].create_index(["notebook_id", "major", "minor", "patch"])


def _migrate_2(db: sqlite_utils.Database) -> None:
    """Datasets, executions, their per-cell results and their artifacts."""
    db["datasets"].create(
        {
            "dataset_id": str,
            "tenant_id": str,
            "project_id": str,
            "name": str,
            "format": str,
            "record_count": int,
            "columns": str,
            "size": int,
            "file": str,
            "created_by": str,
            "date_created": str,
        },
        pk="dataset_id",
        not_null={"tenant_id", "project_id", "name", "format", "file"},
    )
    db["datasets"].create_index(["tenant_id", "project_id", "date_created"])
    db["executions"].create(
        {
            "execution_id": str,
            "notebook_id": str,
            "tenant_id": str,
            "project_id": str,
            "status": str,
            "phase": str,
            "priority": str,
            "priority_rank": int,
            "parameters": str,
            "options": str,
            "cell_ids": str,
            "notebook_version": str,
            "source": str,
            "created_by": str,
            "date_queued": str,
            "start_time": str,
            "end_time": str,
            "total_seconds": float,
            "current_cell": str,
            "current_cell_index": int,
            "total_cells": int,
            "completed_cells": int,
            "successful_cells": int,
            "failed_cells": int,
            "error_type": str,
            "error_message": str,
            "kernel_id": str,
            "resources": str,
        },
        pk="execution_id",
        not_null={"notebook_id", "tenant_id", "project_id", "status", "phase"},
    )
    db["executions"].create_index(["notebook_id", "date_queued"])
    db["executions"].create_index(["status", "phase"])
    db["cell_results"].create(
        {
            "execution_id": str,
            "cell_id": str,
            "position": int,
            "status": str,
            "execution_seconds": float,
            "has_output": int,
            "output_type": str,
            "error_type": str,
            "error_message": str,
        },
        pk=("execution_id", "cell_id"),
    )
    db["artifacts"].create(
        {
            "execution_id": str,
            "name": str,
            "kind": str,
            "content_type": str,
            "size": int,
            "cell_id": str,
            "position": int,
            "meta": str,
        },
        pk=("execution_id", "name"),
    )
    db["artifacts"].create_index(["execution_id", "kind", "position"])


def _migrate_3(db: sqlite_utils.Database) -> None:
    """Schedules: where each one's clock stands, and every slot fired or missed (the lease)."""
    db["schedule_state"].create({"notebook_id": str, "cron": str, "anchor": str}, pk="notebook_id")
    db["schedule_slots"].create(
        {
            "notebook_id": str,
            "slot": str,
            "outcome": str,
            "execution_id": str,
            "claimed_by": str,
            "date_claimed": str,
        },
        pk=("notebook_id", "slot"),
    )


def _migrate_4(db: sqlite_utils.Database) -> None:
    """The kernel's process id, so a restarted server can stop kernels a killed one left behind."""
    db["executions"].add_column("kernel_pid", int)


def _migrate_5(db: sqlite_utils.Database) -> None:
    """Datasets a run published: where they came from and which columns the run added."""
    db.table("datasets").add_column("lineage", str)
    db.table("datasets").add_column("new_columns", str)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _migrate_1,
    _migrate_2,
    _migrate_3,
    _migrate_4,
    _migrate_5,
]
SCHEMA_VERSION = len(MIGRATIONS)


class StoreTooNew(RuntimeError):
    """The file was written by a newer jupyter-mindzie; refusing beats corrupting it."""


class MindzieStore(LoggingConfigurable):
    """Notebooks and versions in SQLite (WAL, migrated on open)."""

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

    # -- schema -------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise StoreTooNew(
                f"{self.db_path} has schema version {current}; this jupyter-mindzie knows "
                f"up to {SCHEMA_VERSION}. Upgrade jupyter-mindzie."
            )
        for number in range(current, SCHEMA_VERSION):
            with self.db.atomic():
                MIGRATIONS[number](self.db)
                self.db.execute(f"PRAGMA user_version = {number + 1}")
            self.log.info("mindzie store %s migrated to schema %d", self.db_path, number + 1)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self.db.atomic():
            yield

    # -- notebooks ----------------------------------------------------------------------

    def insert_notebook(self, row: dict[str, Any], version: dict[str, Any]) -> None:
        """A notebook and its first version, together or not at all.

        Raises sqlite3.IntegrityError when `path` is taken, which callers use to reserve names.
        """
        with self.db.atomic():
            self.db["notebooks"].insert(_encode(row))
            self.db["notebook_versions"].insert(_encode(version))

    def get_notebook(self, tenant_id: str, project_id: str, notebook_id: str) -> dict[str, Any] | None:
        rows = self.db["notebooks"].rows_where(
            "notebook_id = ? AND tenant_id = ? AND project_id = ?",
            [notebook_id, tenant_id, project_id],
            limit=1,
        )
        row = next(iter(rows), None)
        return _decode(row) if row else None

    def notebook_exists(self, tenant_id: str, project_id: str, notebook_id: str) -> bool:
        """Cheaper than `get_notebook` when only a 404 is at stake: nothing is decoded."""
        return bool(
            self.db["notebooks"].count_where(
                "notebook_id = ? AND tenant_id = ? AND project_id = ?", [notebook_id, tenant_id, project_id]
            )
        )

    def path_taken(self, path: str) -> bool:
        return bool(self.db["notebooks"].count_where("path = ?", [path]))

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
    ) -> tuple[list[dict[str, Any]], int]:
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
        total = self.db["notebooks"].count_where(clause, args)
        rows = self.db["notebooks"].rows_where(
            clause,
            args,
            order_by="date_created DESC, rowid DESC",
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        return [_decode(row) for row in rows], total

    def update_notebook(
        self,
        notebook_id: str,
        changes: dict[str, Any],
        *,
        version: dict[str, Any] | None = None,
        expected_version: str | None = None,
    ) -> bool:
        """Apply `changes` (and record `version`) only if the notebook is still at `expected_version`.

        The compare-and-set makes `If-Match` safe against concurrent writers.
        """
        with self.db.atomic():
            sets = ", ".join(f"[{column}] = ?" for column in changes)
            sql = f"UPDATE notebooks SET {sets} WHERE notebook_id = ?"
            args = [*_encode(changes).values(), notebook_id]
            if expected_version is not None:
                sql += " AND version = ?"
                args.append(expected_version)
            if self.db.execute(sql, args).rowcount != 1:
                return False
            if version is not None:
                self.db["notebook_versions"].insert(_encode(version))
        return True

    def delete_notebook(self, notebook_id: str) -> None:
        """The notebook, its versions and its execution history."""
        with self.db.atomic():
            for table in ("cell_results", "artifacts"):
                self.db[table].delete_where(
                    "execution_id IN (SELECT execution_id FROM executions WHERE notebook_id = ?)",
                    [notebook_id],
                )
            self.db["executions"].delete_where("notebook_id = ?", [notebook_id])
            self.db["notebook_versions"].delete_where("notebook_id = ?", [notebook_id])
            self.db["schedule_state"].delete_where("notebook_id = ?", [notebook_id])
            self.db["schedule_slots"].delete_where("notebook_id = ?", [notebook_id])
            self.db["notebooks"].delete_where("notebook_id = ?", [notebook_id])

    def projects(self) -> list[dict[str, Any]]:
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
        return [dict(row) for row in self.db.query(sql)]

    # -- versions -----------------------------------------------------------------------

    def list_versions(
        self, notebook_id: str, *, page: int = 1, page_size: int = 20
    ) -> tuple[list[dict[str, Any]], int]:
        """Newest first, without their content."""
        table = self.db["notebook_versions"]
        total = table.count_where("notebook_id = ?", [notebook_id])
        rows = table.rows_where(
            "notebook_id = ?",
            [notebook_id],
            select="notebook_id, version, change, created_by, date_created, settings",
            order_by="major DESC, minor DESC, patch DESC",
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        return [_decode(row) for row in rows], total

    def get_version(self, notebook_id: str, version: str) -> dict[str, Any] | None:
        rows = self.db["notebook_versions"].rows_where(
            "notebook_id = ? AND version = ?", [notebook_id, version], limit=1
        )
        row = next(iter(rows), None)
        return _decode(row) if row else None

    def latest_version(self, notebook_id: str) -> dict[str, Any] | None:
        rows = self.db["notebook_versions"].rows_where(
            "notebook_id = ?", [notebook_id], order_by="major DESC, minor DESC, patch DESC", limit=1
        )
        row = next(iter(rows), None)
        return _decode(row) if row else None

    # -- executions ---------------------------------------------------------------------

    def insert_execution(self, row: dict[str, Any], cells: list[dict[str, Any]]) -> None:
        with self.db.atomic():
            self.db["executions"].insert(_encode(row))
            if cells:
                self.db["cell_results"].insert_all(cells)

    def update_execution(self, execution_id: str, changes: dict[str, Any]) -> None:
        self.db["executions"].update(execution_id, _encode(changes))

    def save_progress(self, execution_id: str, changes: dict[str, Any], cells: list[dict[str, Any]]) -> None:
        """One short transaction for a batch of progress: the execution row and changed cells."""
        with self.db.atomic():
            if changes:
                self.db["executions"].update(execution_id, _encode(changes))
            if cells:
                self.db["cell_results"].upsert_all(cells, pk=("execution_id", "cell_id"))

    def get_execution(self, execution_id: str) -> dict[str, Any] | None:
        row = next(iter(self.db["executions"].rows_where("execution_id = ?", [execution_id], limit=1)), None)
        return _decode(row) if row else None

    def find_execution(
        self, tenant_id: str, project_id: str, notebook_id: str, execution_id: str
    ) -> dict[str, Any] | None:
        rows = self.db["executions"].rows_where(
            "execution_id = ? AND notebook_id = ? AND tenant_id = ? AND project_id = ?",
            [execution_id, notebook_id, tenant_id, project_id],
            limit=1,
        )
        row = next(iter(rows), None)
        return _decode(row) if row else None

    def list_executions(
        self, notebook_id: str, *, page: int = 1, page_size: int = 20
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of the history, without what a history line never shows (`cell_ids`, `options`):
        decoding those on every poll of a long run's history is most of its cost."""
        table = self.db["executions"]
        rows = table.rows_where(
            "notebook_id = ?",
            [notebook_id],
            select=", ".join(HISTORY_COLUMNS),
            order_by="date_queued DESC, rowid DESC",
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        return [_decode(row) for row in rows], table.count_where("notebook_id = ?", [notebook_id])

    def execution_ids(self, notebook_id: str) -> list[str]:
        return [
            row["execution_id"]
            for row in self.db["executions"].rows_where(
                "notebook_id = ?", [notebook_id], select="execution_id"
            )
        ]

    def active_executions(self) -> list[dict[str, Any]]:
        """Executions not yet ended, oldest first."""
        rows = self.db["executions"].rows_where("status = 'Running'", order_by="date_queued, rowid")
        return [_decode(row) for row in rows]

    def recent_durations(self, notebook_id: str, limit: int = 10) -> list[float]:
        rows = self.db["executions"].rows_where(
            "notebook_id = ? AND status = 'Completed' AND total_seconds IS NOT NULL",
            [notebook_id],
            select="total_seconds",
            order_by="date_queued DESC",
            limit=limit,
        )
        return [row["total_seconds"] for row in rows]

    def cell_results(self, execution_id: str) -> list[dict[str, Any]]:
        return list(
            self.db["cell_results"].rows_where("execution_id = ?", [execution_id], order_by="position")
        )

    def insert_artifacts(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.db["artifacts"].upsert_all([_encode(row) for row in rows], pk=("execution_id", "name"))

    def artifacts(self, execution_id: str) -> list[dict[str, Any]]:
        rows = self.db["artifacts"].rows_where("execution_id = ?", [execution_id], order_by="position, name")
        return [_decode(row) for row in rows]

    def artifact(self, execution_id: str, name: str) -> dict[str, Any] | None:
        rows = self.db["artifacts"].rows_where("execution_id = ? AND name = ?", [execution_id, name], limit=1)
        row = next(iter(rows), None)
        return _decode(row) if row else None

    def prune_executions(self, before: str) -> list[str]:
        """Forget executions that ended before `before` (a stamp); returns their ids."""
        ids = [
            row["execution_id"]
            for row in self.db["executions"].rows_where(
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

    def scheduled_notebooks(self) -> list[dict[str, Any]]:
        """Notebooks whose integration asks for automatic runs on a cron schedule."""
        rows = self.db["notebooks"].rows_where(
            "json_extract(integration, '$.autoExecution') = 1 "
            "AND json_extract(integration, '$.scheduleExecution') IS NOT NULL"
        )
        return [_decode(row) for row in rows]

    def schedule_state(self, notebook_id: str) -> dict[str, Any] | None:
        row = next(
            iter(self.db["schedule_state"].rows_where("notebook_id = ?", [notebook_id], limit=1)), None
        )
        return dict(row) if row else None

    def set_schedule_state(self, notebook_id: str, cron: str, anchor: str) -> None:
        self.db["schedule_state"].upsert(
            {"notebook_id": notebook_id, "cron": cron, "anchor": anchor}, pk="notebook_id"
        )

    def claim_slot(self, notebook_id: str, slot: str, outcome: str, claimed_by: str) -> bool:
        """Record a slot once: True only for the one caller (of any server) that got it."""
        try:
            self.db["schedule_slots"].insert(
                {
                    "notebook_id": notebook_id,
                    "slot": slot,
                    "outcome": outcome,
                    "claimed_by": claimed_by,
                    "date_claimed": _now(),
                }
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def set_slot_execution(self, notebook_id: str, slot: str, execution_id: str | None, outcome: str) -> None:
        self.db["schedule_slots"].update(
            (notebook_id, slot), {"execution_id": execution_id, "outcome": outcome}
        )

    def schedule_slots(self, notebook_id: str) -> list[dict[str, Any]]:
        return list(self.db["schedule_slots"].rows_where("notebook_id = ?", [notebook_id], order_by="slot"))

    # -- datasets -----------------------------------------------------------------------

    def insert_dataset(self, row: dict[str, Any]) -> None:
        self.db["datasets"].insert(_encode(row))

    def get_dataset(self, tenant_id: str, project_id: str, dataset_id: str) -> dict[str, Any] | None:
        rows = self.db["datasets"].rows_where(
            "dataset_id = ? AND tenant_id = ? AND project_id = ?",
            [dataset_id, tenant_id, project_id],
            limit=1,
        )
        row = next(iter(rows), None)
        return _decode(row) if row else None

    def find_dataset(self, dataset_id: str) -> dict[str, Any] | None:
        """A dataset by id alone: for the kernel-side context, which is already scoped."""
        row = next(iter(self.db["datasets"].rows_where("dataset_id = ?", [dataset_id], limit=1)), None)
        return _decode(row) if row else None

    def list_datasets(
        self, tenant_id: str, project_id: str, *, page: int = 1, page_size: int = 20
    ) -> tuple[list[dict[str, Any]], int]:
        clause, args = "tenant_id = ? AND project_id = ?", [tenant_id, project_id]
        table = self.db["datasets"]
        rows = table.rows_where(
            clause,
            args,
            order_by="date_created DESC, rowid DESC",
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        return [_decode(row) for row in rows], table.count_where(clause, args)

    def delete_dataset(self, dataset_id: str) -> None:
        self.db["datasets"].delete_where("dataset_id = ?", [dataset_id])


def _now() -> str:
    from jupyter_mindzie.clock import stamp

    return stamp()


def _encode(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: json.dumps(value, ensure_ascii=False) if key in JSON_COLUMNS and value is not None else value
        for key, value in row.items()
    }


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: json.loads(value) if key in JSON_COLUMNS and isinstance(value, str) else value
        for key, value in row.items()
    }

"""The store's queries, written once in the SQL that SQLite and PostgreSQL share.

`SqlStore` implements the whole `Store` interface on the hooks of storage/sql_base.py.
Statements use `?` placeholders, double-quoted identifiers, `INSERT … ON CONFLICT` and
`LIMIT/OFFSET`, which both databases read the same; the one dialect difference left in a query
(reading a JSON field) is a hook too. So a backend is its connection, its migrations and its
dialect, and no query exists twice.
"""

from __future__ import annotations

from typing import Any, cast

from jupyter_mindzie.clock import stamp
from jupyter_mindzie.storage.interface import (
    Page,
    PathTaken,
    ProjectCounts,
    ProjectName,
    Row,
    ServerLease,
    Store,
)
from jupyter_mindzie.storage.rows import HISTORY_COLUMNS
from jupyter_mindzie.storage.sql_attempts import SqlAttempts
from jupyter_mindzie.storage.sql_outbox import SqlOutbox
from jupyter_mindzie.storage.sql_queue import SqlQueue
from jupyter_mindzie.storage.sql_schedules import SqlSchedules

_VERSION_ORDER = "major DESC, minor DESC, patch DESC"
_NEWEST = "date_created DESC, rowid DESC"


class SqlStore(SqlOutbox, SqlQueue, SqlAttempts, SqlSchedules):
    """Every query of the store; subclasses bring the connection, the schema and the dialect."""

    # -- notebooks ----------------------------------------------------------------------------------

    def insert_notebook(self, row: Row, version: Row) -> None:
        """Raises PathTaken when `path` is taken (its unique index): callers reserve names so."""
        try:
            with self.atomic():
                self._insert("notebooks", row)
                self._insert("notebook_versions", version)
        except self._unique_errors() as error:
            if self._is_unique_violation(error, "notebooks", "path"):
                raise PathTaken(row["path"]) from error
            raise

    def get_notebook(self, tenant_id: str, project_id: str, notebook_id: str) -> Row | None:
        where = "notebook_id = ? AND tenant_id = ? AND project_id = ?"
        return self._first("notebooks", where, [notebook_id, tenant_id, project_id])

    def notebook_exists(self, tenant_id: str, project_id: str, notebook_id: str) -> bool:
        """Cheaper than `get_notebook` when only a 404 is at stake: nothing is decoded."""
        where = "notebook_id = ? AND tenant_id = ? AND project_id = ?"
        return bool(self._count("notebooks", where, [notebook_id, tenant_id, project_id]))

    def path_taken(self, path: str) -> bool:
        return bool(self._count("notebooks", "path = ?", [path]))

    def set_tenant_name(self, tenant_id: str, name: str | None) -> None:
        with self.atomic():
            self._execute('DELETE FROM "tenant_names" WHERE tenant_id = ?', [tenant_id])
            if name is not None:
                self._insert_many(
                    "tenant_names", [{"tenant_id": tenant_id, "name": name, "date_modified": stamp()}]
                )

    def set_project_name(self, tenant_id: str, project_id: str, name: str | None) -> None:
        with self.atomic():
            where = "tenant_id = ? AND project_id = ?"
            self._execute(f'DELETE FROM "project_names" WHERE {where}', [tenant_id, project_id])
            if name is not None:
                row = {
                    "tenant_id": tenant_id,
                    "project_id": project_id,
                    "name": name,
                    "date_modified": stamp(),
                }
                self._insert_many("project_names", [row])

    def tenant_names(self) -> dict[str, str]:
        return {row["tenant_id"]: row["name"] for row in self._select("tenant_names", "1 = 1")}

    def project_names(self) -> list[ProjectName]:
        rows = self._select(
            "project_names", "1 = 1", columns="tenant_id, project_id, name", order_by="tenant_id, project_id"
        )
        return [cast(ProjectName, row) for row in rows]  # the query's columns are its keys

    def notebooks_at(self, path: str) -> list[Row]:
        folder = path.rstrip("/") + "/"
        where = "path = ? OR substr(path, 1, ?) = ?"
        return self._select("notebooks", where, [path, len(folder), folder], order_by="path")

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
        for column, value in (("status", status), ("kernel_type", kernel_type)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if enrichment_mode is not None:
            where.append("enrichment_mode = ?")
            args.append(int(enrichment_mode))
        return self._page("notebooks", " AND ".join(where), args, page, page_size, order_by=_NEWEST)

    def update_notebook(
        self,
        notebook_id: str,
        changes: Row,
        *,
        version: Row | None = None,
        expected_version: str | None = None,
    ) -> bool:
        """The compare-and-set on `expected_version` makes `If-Match` safe against concurrent writers."""
        with self.atomic():
            where, args = "notebook_id = ?", [notebook_id]
            if expected_version is not None:
                where += " AND version = ?"
                args.append(expected_version)
            if self._update("notebooks", where, args, changes) != 1:
                return False
            if version is not None:
                self._insert("notebook_versions", version)
        return True

    def delete_notebook(self, notebook_id: str) -> None:
        with self.atomic():
            self._forget_attempts(notebook_id)
            for table in ("cell_results", "artifacts"):
                self._execute(
                    f"DELETE FROM {table} WHERE execution_id IN "
                    "(SELECT execution_id FROM executions WHERE notebook_id = ?)",
                    [notebook_id],
                )
            for table in ("executions", "notebook_versions", "schedule_state", "schedule_slots", "notebooks"):
                self._execute(f"DELETE FROM {table} WHERE notebook_id = ?", [notebook_id])

    def projects(self) -> list[ProjectCounts]:
        sql = """
            SELECT tenant_id, project_id, SUM(notebooks) AS notebooks, SUM(datasets) AS datasets
            FROM (
                SELECT tenant_id, project_id, 1 AS notebooks, 0 AS datasets FROM notebooks
                UNION ALL
                SELECT tenant_id, project_id, 0, 1 FROM datasets
            ) AS owned
            GROUP BY tenant_id, project_id
            ORDER BY tenant_id, project_id
        """
        return [
            cast(ProjectCounts, {**row, "notebooks": int(row["notebooks"]), "datasets": int(row["datasets"])})
            for row in self._query(sql)
        ]

    # -- versions -----------------------------------------------------------------------------------

    def list_versions(self, notebook_id: str, *, page: int = 1, page_size: int = 20) -> Page:
        columns = "notebook_id, version, change, created_by, date_created, settings"
        return self._page(
            "notebook_versions",
            "notebook_id = ?",
            [notebook_id],
            page,
            page_size,
            columns=columns,
            order_by=_VERSION_ORDER,
        )

    def get_version(self, notebook_id: str, version: str) -> Row | None:
        return self._first("notebook_versions", "notebook_id = ? AND version = ?", [notebook_id, version])

    def latest_version(self, notebook_id: str) -> Row | None:
        return self._first("notebook_versions", "notebook_id = ?", [notebook_id], order_by=_VERSION_ORDER)

    # -- executions ---------------------------------------------------------------------------------

    def insert_execution(self, row: Row, cells: list[Row]) -> None:
        with self.atomic():
            self._insert("executions", row)
            if cells:
                self._insert_many("cell_results", cells)

    def save_progress(
        self, execution_id: str, changes: Row, cells: list[Row], *, owner: str | None = None
    ) -> bool:
        """One short transaction for a batch of progress: the execution row and changed cells."""
        if owner is not None and not self._still_owned(execution_id, owner):
            return False
        if not changes and not cells:
            return True
        with self.atomic():
            if owner is None:
                self._update("executions", "execution_id = ?", [execution_id], changes)
            elif (
                not self._update(
                    "executions",
                    "execution_id = ? AND (owner = ? OR owner IS NULL)",
                    [execution_id, owner],
                    changes,
                )
                and changes
            ):
                return False  # taken over between the check and the write
            if cells:
                self._upsert_many("cell_results", cells, ("execution_id", "cell_id"))
            self._notify("execution", execution_id)
        return True

    def _still_owned(self, execution_id: str, owner: str) -> bool:
        rows = self._select("executions", "execution_id = ?", [execution_id], columns="owner", limit=1)
        return bool(rows) and rows[0].get("owner") in (owner, None)

    def get_execution(self, execution_id: str) -> Row | None:
        return self._first("executions", "execution_id = ?", [execution_id])

    def find_execution(
        self, tenant_id: str, project_id: str, notebook_id: str, execution_id: str
    ) -> Row | None:
        where = "execution_id = ? AND notebook_id = ? AND tenant_id = ? AND project_id = ?"
        return self._first("executions", where, [execution_id, notebook_id, tenant_id, project_id])

    def list_executions(self, notebook_id: str, *, page: int = 1, page_size: int = 20) -> Page:
        """Without `cell_ids` and `options`: decoding those on every poll of a long run's history
        is most of its cost."""
        return self._page(
            "executions",
            "notebook_id = ?",
            [notebook_id],
            page,
            page_size,
            columns=", ".join(HISTORY_COLUMNS),
            order_by="date_queued DESC, rowid DESC",
        )

    def execution_ids(self, notebook_id: str) -> list[str]:
        rows = self._query("SELECT execution_id FROM executions WHERE notebook_id = ?", [notebook_id])
        return [row["execution_id"] for row in rows]

    def active_executions(self) -> list[Row]:
        return self._select("executions", "status = 'Running'", order_by="date_queued, rowid")

    def recent_durations(self, notebook_id: str, limit: int = 10) -> list[float]:
        rows = self._select(
            "executions",
            "notebook_id = ? AND status = 'Completed' AND total_seconds IS NOT NULL",
            [notebook_id],
            columns="total_seconds",
            order_by="date_queued DESC",
            limit=limit,
        )
        return [float(row["total_seconds"]) for row in rows]

    def cell_results(self, execution_id: str) -> list[Row]:
        return self._select("cell_results", "execution_id = ?", [execution_id], order_by="position")

    def prune_executions(self, before: str) -> list[str]:
        """Forget executions that ended before `before` (a stamp); returns their ids."""
        with self.atomic():
            ids = [
                row["execution_id"]
                for row in self._query(
                    "SELECT execution_id FROM executions "
                    "WHERE status != 'Running' AND end_time IS NOT NULL AND end_time < ?",
                    [before],
                )
            ]
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join("?" for _ in chunk)
                for table in ("cell_results", "artifacts", "execution_attempts", "executions"):
                    self._execute(f"DELETE FROM {table} WHERE execution_id IN ({marks})", chunk)
        return ids

    # -- servers and their executions ----------------------------------------------------------------

    def register_server(self, server_id: str, host: str, pid: int) -> None:
        now = stamp()
        row = {"server_id": server_id, "host": host, "pid": pid, "date_started": now, "heartbeat": now}
        self._upsert_many("servers", [row], ("server_id",))

    def heartbeat(self, server_id: str) -> bool:
        return self._update("servers", "server_id = ?", [server_id], {"heartbeat": stamp()}) == 1

    def servers(self) -> list[ServerLease]:
        rows = self._select("servers", "1 = 1", order_by="date_started, server_id")
        return [cast(ServerLease, row) for row in rows]  # the table's columns are its keys

    def forget_server(self, server_id: str) -> None:
        self._execute("DELETE FROM servers WHERE server_id = ?", [server_id])

    def take_orphans(self, owner: str, expired_before: str) -> list[Row]:
        """Each Running execution whose owner is gone or let its lease expire becomes `owner`'s.

        A compare-and-set on the previous owner, row by row: of servers taking at once, exactly
        one gets each execution, and no lock is held while the others read.
        """
        candidates = self._query(
            "SELECT e.execution_id, e.owner FROM executions AS e "
            "LEFT JOIN servers AS s ON s.server_id = e.owner "
            "WHERE e.status = 'Running' AND (e.owner IS NULL OR e.owner <> ?) "
            "AND (e.owner IS NOT NULL OR e.phase <> 'Queued') "  # a waiting row is anyone's to claim
            "AND (s.server_id IS NULL OR s.heartbeat < ?) "
            "ORDER BY e.date_queued, e.rowid",
            [owner, expired_before],
        )
        taken = []
        for candidate in candidates:
            previous = candidate["owner"] or ""
            changed = self._execute(
                "UPDATE executions SET owner = ? "
                "WHERE execution_id = ? AND status = 'Running' AND COALESCE(owner, '') = ?",
                [owner, candidate["execution_id"], previous],
            )
            if changed == 1:
                row = self.get_execution(candidate["execution_id"])
                if row is not None:
                    taken.append({**row, "previous_owner": candidate["owner"]})
        return taken

    def request_cancel(self, execution_id: str) -> bool:
        changed = self._update(
            "executions", "execution_id = ? AND status = 'Running'", [execution_id], {"cancel_requested": 1}
        )
        if changed:
            self._notify("cancel", execution_id)
        return changed == 1

    def cancel_requests(self, owner: str) -> list[str]:
        rows = self._query(
            "SELECT execution_id FROM executions "
            "WHERE owner = ? AND status = 'Running' AND cancel_requested = 1",
            [owner],
        )
        return [row["execution_id"] for row in rows]

    # -- artifacts ----------------------------------------------------------------------------------

    def insert_artifacts(self, rows: list[Row]) -> None:
        if rows:
            self._upsert_many("artifacts", rows, ("execution_id", "name"))

    def artifacts(self, execution_id: str) -> list[Row]:
        return self._select("artifacts", "execution_id = ?", [execution_id], order_by="position, name")

    def artifact(self, execution_id: str, name: str) -> Row | None:
        return self._first("artifacts", "execution_id = ? AND name = ?", [execution_id, name])

    # -- datasets -----------------------------------------------------------------------------------

    def insert_dataset(self, row: Row) -> None:
        self._insert("datasets", row)

    def get_dataset(self, tenant_id: str, project_id: str, dataset_id: str) -> Row | None:
        where = "dataset_id = ? AND tenant_id = ? AND project_id = ?"
        return self._first("datasets", where, [dataset_id, tenant_id, project_id])

    def find_dataset(self, dataset_id: str) -> Row | None:
        """A dataset by id alone: for the kernel-side context, which is already scoped."""
        return self._first("datasets", "dataset_id = ?", [dataset_id])

    def list_datasets(self, tenant_id: str, project_id: str, *, page: int = 1, page_size: int = 20) -> Page:
        where, args = "tenant_id = ? AND project_id = ?", [tenant_id, project_id]
        return self._page("datasets", where, args, page, page_size, order_by=_NEWEST)

    def delete_dataset(self, dataset_id: str) -> None:
        self._execute("DELETE FROM datasets WHERE dataset_id = ?", [dataset_id])


_IMPLEMENTS_STORE: type[Store] = SqlStore  # mypy proves here that every SqlStore is a Store

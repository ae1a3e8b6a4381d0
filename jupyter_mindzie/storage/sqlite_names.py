"""The display names of tenants and projects in the SQLite store (MindzieStore mixes this in)."""

from __future__ import annotations

from typing import cast

import sqlite_utils

from jupyter_mindzie.clock import stamp
from jupyter_mindzie.storage.interface import ProjectName


class SqliteNames:
    """`tenant_names` and `project_names` (migration 6): labels only, never part of a path."""

    db: sqlite_utils.Database

    def set_tenant_name(self, tenant_id: str, name: str | None) -> None:
        table = self.db.table("tenant_names")
        if name is None:
            table.delete_where("tenant_id = ?", [tenant_id])
        else:
            table.upsert({"tenant_id": tenant_id, "name": name, "date_modified": stamp()}, pk="tenant_id")

    def set_project_name(self, tenant_id: str, project_id: str, name: str | None) -> None:
        table = self.db.table("project_names")
        if name is None:
            table.delete_where("tenant_id = ? AND project_id = ?", [tenant_id, project_id])
        else:
            row = {"tenant_id": tenant_id, "project_id": project_id, "name": name, "date_modified": stamp()}
            table.upsert(row, pk=("tenant_id", "project_id"))

    def tenant_names(self) -> dict[str, str]:
        return {row["tenant_id"]: row["name"] for row in self.db.table("tenant_names").rows}

    def project_names(self) -> list[ProjectName]:
        rows = self.db.table("project_names").rows_where(
            select="tenant_id, project_id, name", order_by="tenant_id, project_id"
        )
        return [cast(ProjectName, row) for row in rows]  # the query's columns are its keys

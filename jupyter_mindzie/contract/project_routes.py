"""The routes about projects themselves (their display names), beside the table in routes.py."""

from __future__ import annotations

from typing import Any

from jupyter_mindzie.contract.components import ref
from jupyter_mindzie.contract.routes import _route

PROJECT_ROUTES: list[dict[str, Any]] = [
    _route(
        "put",
        "/api/mindzie/projects/{tenantId}/{projectId}",
        "nameProject",
        "Server",
        "Give a tenant and a project display names",
        description="Names are labels: folders on disk and every path keep the GUIDs. `null` forgets a "
        "name, an absent field keeps it. Needs the execute grant on the tenant (403 for a reader, 404 "
        "without access); `GET /api/mindzie/projects` lists the names.",
        body="project-names",
        example={"tenantName": "Demo company", "projectName": "Loan applications"},
        success=(200, "The project with its names.", {"application/json": {"schema": ref("project")}}, None),
        errors=(400, 403, 404),
    ),
]

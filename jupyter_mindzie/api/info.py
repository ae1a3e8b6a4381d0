"""`GET /api/mindzie/info`: the extension's version and what the caller may reach."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mindzie import __version__
from jupyter_mindzie.api.base import MindzieHandler


class InfoHandler(MindzieHandler):
    """What the JupyterLab panel asks first: is the server side there, and for whom."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        user = self.current_user
        self.write_json(
            {
                "version": __version__,
                "user": {
                    "username": self.username,
                    "name": getattr(user, "name", None) or self.username,
                },
                "tenants": self.services.access.tenants_of(self.username),
                "executeTenants": self.services.access.tenants_of(self.username, execute=True),
            }
        )


class ProjectsHandler(MindzieHandler):
    """`GET /api/mindzie/projects`: the tenant/project pairs this user reaches that hold anything."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        access = self.services.access
        projects = [
            {
                "tenantId": row["tenant_id"],
                "projectId": row["project_id"],
                "notebookCount": row["notebooks"],
                "datasetCount": row["datasets"],
            }
            for row in self.library.projects()
            if access.allows(self.username, row["tenant_id"])
        ]
        self.write_json({"projects": projects, "tenants": access.tenants_of(self.username)})


def info_routes() -> list[tuple[str, type]]:
    return [(r"/api/mindzie/info/?", InfoHandler), (r"/api/mindzie/projects/?", ProjectsHandler)]

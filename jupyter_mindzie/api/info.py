"""`GET /api/mindzie/info`: the extension's version and what the caller may reach."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mindzie import __version__
from jupyter_mindzie.api.base import MindzieHandler
from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.notebooks.projects import ProjectListing


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


def project_view(row: ProjectListing) -> dict[str, object]:
    return {
        "tenantId": row["tenant_id"],
        "projectId": row["project_id"],
        "tenantName": row["tenant_name"],
        "projectName": row["project_name"],
        "notebookCount": row["notebooks"],
        "datasetCount": row["datasets"],
    }


class ProjectsHandler(MindzieHandler):
    """`GET /api/mindzie/projects`: the tenant/project pairs this user reaches, with their names."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        access = self.services.access
        projects = [
            project_view(row)
            for row in self.services.projects.list()
            if access.allows(self.username, row["tenant_id"])
        ]
        self.write_json({"projects": projects, "tenants": access.tenants_of(self.username)})


class ProjectNamesHandler(MindzieHandler):
    """`PUT /api/mindzie/projects/{tenantId}/{projectId}`: display names, for whoever may run
    notebooks in the tenant (readers see the names, but do not change them)."""

    @web.authenticated
    @authorized
    async def put(self, tenant_id: str, project_id: str) -> None:
        scope = self.scope(tenant_id, project_id, execute=True)
        names = self.read_json("project-names")
        if not names:
            raise InvalidRequest.for_field("body", Message("must set tenantName, projectName or both"))
        self.write_json(project_view(self.services.projects.rename(scope, names)))


def info_routes() -> list[tuple[str, type]]:
    return [
        (r"/api/mindzie/info/?", InfoHandler),
        (r"/api/mindzie/projects/?", ProjectsHandler),
        (r"/api/mindzie/projects/(?P<tenant_id>[^/]+)/(?P<project_id>[^/]+)/?", ProjectNamesHandler),
    ]

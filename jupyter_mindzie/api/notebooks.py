"""Notebook endpoints: list, create, upload, get (and old versions), update, delete."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mindzie.api.base import (
    ANY_ID,
    PROJECT,
    TENANT,
    MindzieHandler,
    UnknownEndpointHandler,
)
from jupyter_mindzie.api.views import (
    list_item_view,
    notebook_view,
    page_view,
    version_view,
)
from jupyter_mindzie.api.wire import query_value, validated_fields
from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.events import NotebookAction
from jupyter_mindzie.guids import parse_guid
from jupyter_mindzie.i18n import Message, negotiate
from jupyter_mindzie.notebooks.parameters import infer_parameters

if TYPE_CHECKING:
    from jupyter_mindzie.access import Scope
    from jupyter_mindzie.services import Services

NOTEBOOK = rf"(?P<notebook_id>{ANY_ID})"


def notebook_changed(services: Services, scope: Scope, row: dict[str, Any], action: NotebookAction) -> None:
    """Tell the server's event subscribers (ids and the new version's ETag only)."""
    if services.events is not None:
        services.events.notebook_changed(scope, row["notebook_id"], action, row.get("version"))


class NotebooksHandler(MindzieHandler):
    """`GET …/notebooks`: one page of a project's notebooks."""

    @web.authenticated
    @authorized
    async def get(self, tenant_id: str, project_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        query = self.read_query(
            "notebook-list-query", integers=("page", "pageSize"), booleans=("enrichmentMode",)
        )
        page, page_size = query.get("page", 1), query.get("pageSize", 20)
        rows, total = self.library.list_notebooks(
            scope,
            status=query.get("status"),
            kernel_type=query.get("kernelType"),
            enrichment_mode=query.get("enrichmentMode"),
            page=page,
            page_size=page_size,
        )
        self.write_json(page_view("notebooks", [list_item_view(r) for r in rows], total, page, page_size))


class NotebookCreateHandler(MindzieHandler):
    """`POST …/notebook`: a new notebook from a template."""

    @web.authenticated
    @authorized
    async def post(self, tenant_id: str, project_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        request = self.read_json("notebook-create")
        self.services.notifier.check(request.get("integration"))
        # The templates' prose: the body's `locale`, else the caller's Accept-Language.
        locale = negotiate(request["locale"]) if request.get("locale") else self.language
        (row, nb), warnings = await self.library.create(
            scope, request, locale, may_execute=self.may_execute(scope)
        )
        notebook_changed(self.services, scope, row, "created")
        self.set_header("Location", self.notebook_url(row))
        self.set_header("ETag", f'"{row["version"]}"')
        self.write_json(
            {**notebook_view(row, nb), "validation": self.warnings(warnings)}, status=HTTPStatus.CREATED
        )

    def notebook_url(self, row: dict[str, Any]) -> str:
        return f"{self.base_url}api/{row['tenant_id']}/{row['project_id']}/notebook/{row['notebook_id']}"


class NotebookUploadHandler(NotebookCreateHandler):
    """`POST …/notebook/upload`: an existing `.ipynb` (multipart/form-data)."""

    @web.authenticated
    @authorized
    async def post(self, tenant_id: str, project_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        self.library.check_upload_size(len(self.request.body))
        content_type = self.request.headers.get("Content-Type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            raise InvalidRequest.for_field(
                "file", Message("send the notebook as multipart/form-data with a 'file' part")
            )
        files = self.request.files.get("file") or []
        if len(files) != 1:
            raise InvalidRequest.for_field(
                "file", Message("is required: exactly one .ipynb file part named 'file'")
            )
        fields = validated_fields("notebook-upload", self.request.body_arguments)
        upload = files[0]
        (row, nb), warnings = await self.library.upload(
            scope, upload["body"], upload.get("filename") or "", fields
        )
        notebook_changed(self.services, scope, row, "created")
        self.set_header("Location", self.notebook_url(row))
        self.set_header("ETag", f'"{row["version"]}"')
        self.write_json(
            {**notebook_view(row, nb), "validation": self.warnings(warnings)}, status=HTTPStatus.CREATED
        )


class NotebookBaseHandler(MindzieHandler):
    """What the handlers of one notebook share; no verbs, so none is inherited by accident."""

    def notebook_id(self, text: str) -> str:
        return parse_guid(text, "notebookId")


class NotebookHandler(NotebookBaseHandler):
    """`GET|PUT|DELETE …/notebook/{notebookId}`."""

    @web.authenticated
    @authorized
    async def get(self, tenant_id: str, project_id: str, notebook_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        notebook_id = self.notebook_id(notebook_id)
        include_content = self.flag("includeContent")
        version = query_value(self, "version")
        if version:
            row, nb, snapshot = await self.library.get_version(scope, notebook_id, version)
            view = notebook_view(
                row, nb, include_content=include_content, settings=snapshot["settings"], version=snapshot
            )
        else:
            row, nb = await self.library.get(scope, notebook_id)
            view = notebook_view(row, nb, include_content=include_content)
        self.set_header("ETag", f'"{view["notebookVersion"]}"')
        self.write_json(view)

    @web.authenticated
    @authorized
    async def put(self, tenant_id: str, project_id: str, notebook_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        notebook_id = self.notebook_id(notebook_id)
        request = await self.read_large_json("notebook-update")
        self.services.notifier.check(request.get("integration"))
        (row, nb), warnings = await self.library.update(
            scope, notebook_id, request, self.if_match(), may_execute=self.may_execute(scope)
        )
        notebook_changed(self.services, scope, row, "updated")
        self.set_header("ETag", f'"{row["version"]}"')
        view = notebook_view(row, nb)
        if warnings:
            view["validation"] = self.warnings(warnings)
        self.write_json(view)

    @web.authenticated
    @authorized
    async def delete(self, tenant_id: str, project_id: str, notebook_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        notebook_id = self.notebook_id(notebook_id)
        await self.services.engine.delete_notebook(scope, notebook_id)
        notebook_changed(self.services, scope, {"notebook_id": notebook_id}, "deleted")
        self.set_status(HTTPStatus.NO_CONTENT)
        self.finish()


class NotebookVersionsHandler(NotebookBaseHandler):
    """`GET …/notebook/{notebookId}/versions`: every version, newest first."""

    @web.authenticated
    @authorized
    async def get(self, tenant_id: str, project_id: str, notebook_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        notebook_id = self.notebook_id(notebook_id)
        query = self.read_query("page-query", integers=("page", "pageSize"))
        page, page_size = query.get("page", 1), query.get("pageSize", 20)
        rows, total = await self.library.versions(scope, notebook_id, page, page_size)
        self.write_json(page_view("versions", [version_view(r) for r in rows], total, page, page_size))


class NotebookParametersHandler(NotebookBaseHandler):
    """`GET …/notebook/{notebookId}/parameters`: the `parameters` cell's names, types and defaults."""

    @web.authenticated
    @authorized
    async def get(self, tenant_id: str, project_id: str, notebook_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        row, nb = await self.library.get(scope, self.notebook_id(notebook_id))
        parameters = [
            {
                "name": item["name"],
                "type": item["inferred_type_name"],
                "default": item["default"],
                "help": item["help"],
                "value": item["value"],
                "literal": item["literal"],
            }
            for item in infer_parameters(nb)
        ]
        self.write_json(
            {"notebookId": row["notebook_id"], "notebookVersion": row["version"], "parameters": parameters}
        )


def notebook_routes() -> list[tuple[str, type]]:
    base = rf"/api/{TENANT}/{PROJECT}"
    return [
        (rf"{base}/notebooks/?", NotebooksHandler),
        (rf"{base}/notebook/?", NotebookCreateHandler),
        (rf"{base}/notebook/upload/?", NotebookUploadHandler),
        (rf"{base}/notebook/{NOTEBOOK}/versions/?", NotebookVersionsHandler),
        (rf"{base}/notebook/{NOTEBOOK}/parameters/?", NotebookParametersHandler),
        (rf"{base}/notebook/{NOTEBOOK}/?", NotebookHandler),
    ]


def fallback_routes() -> list[tuple[str, type]]:
    """Registered last: unknown paths under a project answer a problem+json 404."""
    return [(rf"/api/{TENANT}/{PROJECT}/.*", UnknownEndpointHandler)]

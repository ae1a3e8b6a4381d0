"""The notebook library: notebooks as real `.ipynb` files through the server's ContentsManager,
with their settings and every version in the store.

An edit of a file made in JupyterLab is noticed on the next read and recorded as a new minor
version, so the API and the editor never disagree about what a notebook is.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat
from jupyter_core.utils import ensure_async
from nbformat import NotebookNode
from tornado.web import HTTPError
from traitlets import Any as AnyTrait
from traitlets import Instance, Int, TraitError, Unicode, validate
from traitlets.config import LoggingConfigurable

from jupyter_mindzie.access import Scope
from jupyter_mindzie.clock import stamp
from jupyter_mindzie.errors import (
    Conflict,
    InvalidRequest,
    NotebookNotFound,
    NotebookRunning,
    PreconditionFailed,
    VersionNotFound,
)
from jupyter_mindzie.execution.catalog import MindzieKernelCatalog
from jupyter_mindzie.guids import new_guid
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.limits import check_upload_size
from jupyter_mindzie.notebooks import versions
from jupyter_mindzie.notebooks.cells import TemplateCell
from jupyter_mindzie.notebooks.documents import (
    METADATA_KEY,
    build_notebook,
    changed_cell_ids,
    fingerprint,
    read_upload,
    safe_stem,
    set_settings,
)
from jupyter_mindzie.notebooks.edits import edit_off_loop
from jupyter_mindzie.notebooks.files import NotebookFiles, modified_stamp
from jupyter_mindzie.notebooks.rows import new_notebook_row
from jupyter_mindzie.notebooks.settings import (
    DEFAULT_INTEGRATION,
    merge_environment,
    merge_integration,
    schedule_forbidden,
    schedule_of,
    settings_of,
    updated_settings,
)
from jupyter_mindzie.notebooks.templates import template_cells
from jupyter_mindzie.notebooks.uploads import resolve_kernel, upload_settings
from jupyter_mindzie.offload import MindzieOffload
from jupyter_mindzie.storage.interface import PathTaken, ProjectCounts, Store
from jupyter_mindzie.storage.sql import SqlStore

Loaded = tuple[dict[str, Any], NotebookNode]


class MindzieNotebookLibrary(LoggingConfigurable):
    """Create, read, version, update and delete notebooks of one tenant's project."""

    notebooks_dir = Unicode(
        "mindzie/{tenant_id}/{project_id}",
        config=True,
        help="Folder (relative to the server's root, '/'-separated) that holds a project's "
        "notebooks; {tenant_id} and {project_id} are filled in.",
    )
    max_upload_size = Int(
        50 * 1024 * 1024, config=True, help="Largest notebook upload accepted, in bytes (else 413)."
    )

    store: Instance[Store] = Instance(SqlStore)
    kernels = Instance(MindzieKernelCatalog)
    contents_manager = AnyTrait(help="The server's ContentsManager.")
    offload = Instance(MindzieOffload, allow_none=True)

    @validate("notebooks_dir")
    def _check_notebooks_dir(self, proposal: Any) -> str:
        value = proposal["value"].strip("/")
        parts = PurePosixPath(value).parts
        if not value or ".." in parts or "\\" in value:
            raise TraitError(f"notebooks_dir must be a relative folder without '..': {value!r}")
        return str(value)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.files = NotebookFiles(self.contents_manager, self.store, self.log)

    def _lock(self, notebook_id: str) -> asyncio.Lock:
        """One writer per notebook at a time within this server."""
        lock = self._locks.get(notebook_id)
        if lock is None:
            lock = self._locks[notebook_id] = asyncio.Lock()
        return lock

    def folder(self, scope: Scope) -> str:
        return self.notebooks_dir.format(tenant_id=scope.tenant_id, project_id=scope.project_id)

    # -- create and upload --------------------------------------------------------------

    async def create(
        self, scope: Scope, request: dict[str, Any], locale: str = "en", *, may_execute: bool = True
    ) -> tuple[Loaded, list[dict[str, str]]]:
        """A new notebook from a template; `locale` ("en", "ja") is the language of the template's
        prose; `may_execute`: whether the caller holds the execute grant (needed to set a schedule)."""
        kernelspec = await self.kernels.require(request.get("kernelType") or "python3")
        kernel_type = kernelspec["name"]  # as resolved: "python" is the native python3
        integration = merge_integration(DEFAULT_INTEGRATION, request.get("integration") or {})
        if schedule_of(integration) and not may_execute:
            raise schedule_forbidden("integration.autoExecution")
        environment = merge_environment({}, request.get("environment") or {})
        cells = [
            TemplateCell(cell["cellType"], cell["content"]) for cell in request.get("initialCells") or []
        ]
        cells += template_cells(
            request.get("template") or "blank", kernelspec["language"], integration["datasetBinding"], locale
        )
        nb = build_notebook(kernelspec, cells)
        nb.metadata["language_info"] = await self.kernels.language_info(kernel_type)
        settings = {
            "notebookName": request["notebookName"].strip(),
            "notebookDescription": request.get("notebookDescription"),
            "kernelType": kernel_type,
            "integration": integration,
            "environment": environment,
        }
        loaded = await self._add(scope, nb, settings, change="created")
        warnings = await self.kernels.missing(
            kernel_type, environment["packages"], environment["customLibraries"], self._os_dir(scope)
        )
        return loaded, warnings

    def check_upload_size(self, size: int) -> None:
        check_upload_size(size, self.max_upload_size)

    async def upload(
        self, scope: Scope, data: bytes, filename: str, fields: dict[str, str]
    ) -> tuple[Loaded, list[dict[str, str]]]:
        self.check_upload_size(len(data))
        nb, warnings = read_upload(data)
        kernel_type, kernel_warnings = resolve_kernel(nb, await self.kernels.specs())
        settings, setting_warnings = upload_settings(nb, filename, fields, kernel_type)
        warnings += kernel_warnings + setting_warnings
        environment = settings["environment"]
        loaded = await self._add(scope, nb, settings, change="uploaded")
        warnings += await self.kernels.missing(
            kernel_type, environment["packages"], environment["customLibraries"], self._os_dir(scope)
        )
        return loaded, warnings

    async def _add(self, scope: Scope, nb: NotebookNode, settings: dict[str, Any], change: str) -> Loaded:
        """Reserve a file name in the store, then write the file: two creates never share a path."""
        notebook_id = new_guid()
        now = stamp()
        full = {
            "notebookId": notebook_id,
            "tenantId": scope.tenant_id,
            "projectId": scope.project_id,
            **settings,
        }
        set_settings(nb, full)
        folder = self.folder(scope)
        await self.files.ensure_folder(folder)
        content = json.dumps(nb, ensure_ascii=False)
        row = new_notebook_row(notebook_id, scope, settings, nb, now)
        version = versions.version_row(
            notebook_id, versions.Version(1, 0, 0), change, scope.author, now, full, content
        )
        stem = safe_stem(settings["notebookName"])
        for attempt in range(1, 1000):
            path = f"{folder}/{stem if attempt == 1 else f'{stem}-{attempt}'}.ipynb"
            if self.store.path_taken(path) or await ensure_async(self.contents_manager.exists(path)):
                continue
            try:
                self.store.insert_notebook({**row, "path": path}, version)
            except PathTaken:
                continue  # another request took this name a moment ago
            break
        else:  # pragma: no cover - a thousand notebooks of one name
            raise Conflict(
                Message(
                    "too many notebooks are named {name!r} in this project", name=settings["notebookName"]
                )
            )
        try:
            model = await self.files.write(path, nb)
        except Exception:
            self.store.delete_notebook(notebook_id)
            raise
        self.store.update_notebook(notebook_id, {"file_modified": modified_stamp(model)})
        return self._row(scope, notebook_id), nb

    # -- read ---------------------------------------------------------------------------

    async def get(self, scope: Scope, notebook_id: str) -> Loaded:
        """The notebook as its file is now, recording a JupyterLab edit as a new version."""
        self._row(scope, notebook_id)
        async with self._lock(notebook_id):
            return await self._load(scope, notebook_id)

    async def _load(self, scope: Scope, notebook_id: str) -> Loaded:
        row = self._row(scope, notebook_id)
        model = await self.files.read(row)
        nb = model["content"]
        # Mid-save, the read is the notebook before the save: the next read records the save.
        if model.get("saving") or modified_stamp(model) == row["file_modified"]:
            return row, nb
        changes: dict[str, Any] = {"file_modified": modified_stamp(model)}
        version = None
        if fingerprint(nb) != row["cells_hash"]:
            latest = self.store.latest_version(notebook_id)
            before = nbformat.from_dict(json.loads(latest["content"])) if latest else None
            edited_at = modified_stamp(model)
            next_version = versions.bump(row["version"], cells_changed=True)
            cell_times = dict(row.get("cell_times") or {})
            cell_times.update(dict.fromkeys(changed_cell_ids(before, nb), edited_at))
            changes.update(
                version=str(next_version),
                cells_hash=fingerprint(nb),
                cell_count=len(nb.cells),
                cell_times=cell_times,
                date_modified=edited_at,
            )
            version = versions.version_row(
                notebook_id,
                next_version,
                "file-edit",
                None,
                edited_at,
                settings_of(row),
                json.dumps(nb, ensure_ascii=False),
            )
            self.log.info("mindzie: %s was edited on disk; now version %s", row["path"], next_version)
        self.store.update_notebook(notebook_id, changes, version=version, expected_version=row["version"])
        row = self._row(scope, notebook_id)
        if nb.metadata.get(METADATA_KEY) != settings_of(row):
            # The store owns the settings: a save that carried stale ones (an editor that had the
            # file open) never reverts them, and the file is brought back in line.
            set_settings(nb, settings_of(row))
            model = await self.files.write(row["path"], nb)
            self.store.update_notebook(notebook_id, {"file_modified": modified_stamp(model)})
            self.log.info("mindzie: %s carried stale settings; rewrote metadata.mindzie", row["path"])
            row = self._row(scope, notebook_id)
        return row, nb

    # -- following JupyterLab's own file actions (contents events) ------------------------

    async def follow_rename(self, old_path: str, new_path: str) -> None:
        """A file or folder renamed or moved in JupyterLab: its notebooks keep their ids and follow it."""
        old_path, new_path = old_path.strip("/"), new_path.strip("/")
        for row in self.store.notebooks_at(old_path):
            async with self._lock(row["notebook_id"]):
                path = new_path + row["path"][len(old_path) :]
                self.store.update_notebook(row["notebook_id"], {"path": path})
                self.log.info("mindzie: notebook %s moved to %s", row["notebook_id"], path)

    async def follow_save(self, path: str) -> None:
        """A file saved by JupyterLab: record the edit now, and realign its settings (see `_load`)."""
        for row in self.store.notebooks_at(path.strip("/")):
            if row["path"] == path.strip("/"):
                await self.get(Scope(row["tenant_id"], row["project_id"], "jupyterlab"), row["notebook_id"])

    async def get_version(
        self, scope: Scope, notebook_id: str, version: str
    ) -> tuple[dict[str, Any], NotebookNode, dict[str, Any]]:
        if versions.parse(version) is None:
            raise InvalidRequest.for_field(
                "version", Message("must be a version like 1.2.0, got {version!r}", version=version)
            )
        row, _ = await self.get(scope, notebook_id)
        snapshot = self.store.get_version(notebook_id, version)
        if snapshot is None:
            raise VersionNotFound(
                Message(
                    "notebook {notebook_id} has no version {version}",
                    notebook_id=notebook_id,
                    version=version,
                )
            )
        return row, nbformat.from_dict(json.loads(snapshot["content"])), snapshot

    def list_notebooks(self, scope: Scope, **filters: Any) -> tuple[list[dict[str, Any]], int]:
        """One page of the project's notebooks (filters as `MindzieStore.list_notebooks`)."""
        return self.store.list_notebooks(scope.tenant_id, scope.project_id, **filters)

    def projects(self) -> list[ProjectCounts]:
        """Every tenant/project pair holding notebooks or datasets, with their counts."""
        return self.store.projects()

    async def versions(
        self, scope: Scope, notebook_id: str, page: int, page_size: int
    ) -> tuple[list[dict[str, Any]], int]:
        await self.get(scope, notebook_id)  # a pending JupyterLab edit is a version too
        return self.store.list_versions(notebook_id, page=page, page_size=page_size)

    # -- update and delete --------------------------------------------------------------

    async def update(
        self,
        scope: Scope,
        notebook_id: str,
        request: dict[str, Any],
        if_match: list[str] | None,
        *,
        may_execute: bool = True,
    ) -> tuple[Loaded, list[dict[str, str]]]:
        """A partial update. A schedule runs as whoever last set it or changed the cells it
        runs, so doing either needs the execute grant (`may_execute`)."""
        self._row(scope, notebook_id)
        async with self._lock(notebook_id):
            row, nb = await self._load(scope, notebook_id)
            versions.check_if_match(row["version"], if_match)
            old = settings_of(row)
            new = updated_settings(old, request)
            edited = await edit_off_loop(self.offload, nb, request.get("cells"), new)
            updated, cells_changed = edited.notebook, edited.cells_hash != row["cells_hash"]
            if not cells_changed and new == old:
                return (row, nb), []
            schedule = schedule_of(new["integration"])
            schedule_by = row.get("schedule_by") if schedule else None
            if schedule and (cells_changed or schedule != schedule_of(old["integration"])):
                if not may_execute:
                    raise schedule_forbidden("cells" if cells_changed else "integration.autoExecution")
                schedule_by = scope.username
            now = stamp()
            next_version = versions.bump(row["version"], cells_changed=cells_changed)
            model = await self.files.write(row["path"], updated)
            cell_times = dict(row.get("cell_times") or {})
            cell_times.update(dict.fromkeys(edited.changed_ids, now))
            changes = {
                "name": new["notebookName"],
                "description": new["notebookDescription"],
                "integration": new["integration"],
                "environment": new["environment"],
                "enrichment_mode": int(bool(new["integration"]["enrichmentMode"])),
                "version": str(next_version),
                "date_modified": now,
                "cells_hash": edited.cells_hash,
                "cell_count": len(updated.cells),
                "cell_times": {cell.id: cell_times.get(cell.id, now) for cell in updated.cells},
                "file_modified": modified_stamp(model),
                "schedule_by": schedule_by,
            }
            version = versions.version_row(
                notebook_id,
                next_version,
                "cells" if cells_changed else "settings",
                scope.author,
                now,
                new,
                edited.text,
            )
            if not self.store.update_notebook(
                notebook_id, changes, version=version, expected_version=row["version"]
            ):
                raise PreconditionFailed(
                    Message("the notebook changed while it was being updated; read it again and retry")
                )
        warnings: list[dict[str, str]] = []
        if new["environment"] != old["environment"]:
            warnings = await self.kernels.missing(
                new["kernelType"],
                new["environment"]["packages"],
                new["environment"]["customLibraries"],
                self._os_dir(scope),
            )
        return (self._row(scope, notebook_id), updated), warnings

    async def delete(self, scope: Scope, notebook_id: str) -> None:
        self._row(scope, notebook_id)
        async with self._lock(notebook_id):
            row = self._row(scope, notebook_id)
            if row["status"] == "Running":
                raise NotebookRunning(
                    Message(
                        "notebook {notebook_id} has a running execution; cancel it first",
                        notebook_id=notebook_id,
                    )
                )
            try:
                await ensure_async(self.contents_manager.delete(row["path"]))
            except HTTPError as error:
                if error.status_code != 404:
                    raise
            self.store.delete_notebook(notebook_id)

    # -- helpers ------------------------------------------------------------------------

    def require(self, scope: Scope, notebook_id: str) -> None:
        """404 unless the notebook exists in this scope; neither its file nor its row is read."""
        if not self.store.notebook_exists(scope.tenant_id, scope.project_id, notebook_id):
            raise _not_found(notebook_id)

    def _row(self, scope: Scope, notebook_id: str) -> dict[str, Any]:
        row = self.store.get_notebook(scope.tenant_id, scope.project_id, notebook_id)
        if row is None:
            raise _not_found(notebook_id)
        return row

    def _os_dir(self, scope: Scope) -> Path | None:
        return self.files.os_path(self.folder(scope))


def _not_found(notebook_id: str) -> NotebookNotFound:
    return NotebookNotFound(
        Message(
            "notebook {notebook_id} was not found in this project, or you have no access to it",
            notebook_id=notebook_id,
        )
    )

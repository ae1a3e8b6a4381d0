"""The notebook library: notebooks as real `.ipynb` files through the server's ContentsManager,
with their settings and every version in the store.

An edit of a file made in JupyterLab is noticed on the next read and recorded as a new minor
version, so the API and the editor never disagree about what a notebook is.
"""

from __future__ import annotations

import asyncio
import copy
import json
import weakref
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat
from croniter import croniter
from jupyter_core.utils import ensure_async
from nbformat import NotebookNode
from tornado.web import HTTPError
from traitlets import Any as AnyTrait
from traitlets import Instance, Int, TraitError, Unicode, validate
from traitlets.config import LoggingConfigurable

from jupyter_mindzie.access import Scope
from jupyter_mindzie.api.views import settings_of
from jupyter_mindzie.clock import stamp, utcnow
from jupyter_mindzie.contract import schemas
from jupyter_mindzie.errors import (
    Conflict,
    InvalidRequest,
    NotebookNotFound,
    NotebookRunning,
    PreconditionFailed,
    TooLarge,
    VersionNotFound,
)
from jupyter_mindzie.execution.catalog import MindzieKernelCatalog
from jupyter_mindzie.guids import new_guid
from jupyter_mindzie.notebooks import versions
from jupyter_mindzie.notebooks.documents import (
    build_notebook,
    changed_cell_ids,
    fingerprint,
    read_upload,
    replace_cells,
    safe_stem,
    set_settings,
)
from jupyter_mindzie.notebooks.templates import TemplateCell, template_cells
from jupyter_mindzie.storage.interface import PathTaken, Store
from jupyter_mindzie.storage.sqlite import MindzieStore

DEFAULT_INTEGRATION: dict[str, Any] = {
    "enrichmentMode": False,
    "datasetBinding": None,
    "outputFormat": "enriched_dataframe",
    "autoExecution": False,
    "scheduleExecution": None,
}

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

    store: Instance[Store] = Instance(MindzieStore)
    kernels = Instance(MindzieKernelCatalog)
    contents_manager = AnyTrait(help="The server's ContentsManager.")

    @validate("notebooks_dir")
    def _check_notebooks_dir(self, proposal: Any) -> str:
        value = proposal["value"].strip("/")
        parts = PurePosixPath(value).parts
        if not value or ".." in parts or "\\" in value:
            raise TraitError(f"notebooks_dir must be a relative folder without '..': {value!r}")
        return value

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, notebook_id: str) -> asyncio.Lock:
        """One writer per notebook at a time within this server."""
        lock = self._locks.get(notebook_id)
        if lock is None:
            lock = self._locks[notebook_id] = asyncio.Lock()
        return lock

    def folder(self, scope: Scope) -> str:
        return self.notebooks_dir.format(tenant_id=scope.tenant_id, project_id=scope.project_id)

    # -- create and upload --------------------------------------------------------------

    async def create(self, scope: Scope, request: dict[str, Any]) -> tuple[Loaded, list[dict[str, str]]]:
        kernel_type = request.get("kernelType") or "python3"
        kernelspec = await self.kernels.require(kernel_type)
        integration = _merge_integration(DEFAULT_INTEGRATION, request.get("integration") or {})
        environment = _environment({}, request.get("environment") or {})
        cells = [
            TemplateCell(cell["cellType"], cell["content"]) for cell in request.get("initialCells") or []
        ]
        cells += template_cells(
            request.get("template") or "blank", kernelspec["language"], integration["datasetBinding"]
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
        if size > self.max_upload_size:
            raise TooLarge(
                f"the upload is {size} bytes; the limit is {self.max_upload_size} bytes",
                errors=[{"field": "file", "message": f"must be at most {self.max_upload_size} bytes"}],
            )

    async def upload(
        self, scope: Scope, data: bytes, filename: str, fields: dict[str, str]
    ) -> tuple[Loaded, list[dict[str, str]]]:
        self.check_upload_size(len(data))
        nb, warnings = read_upload(data)
        specs = await self.kernels.specs()
        kernel_type = nb.metadata.get("kernelspec", {}).get("name")
        if not kernel_type:
            kernel_type = "python3"
            warnings.append(
                {
                    "code": "no-kernelspec",
                    "field": "file",
                    "message": "the notebook names no kernel; python3 is used",
                }
            )
        if kernel_type in specs:
            nb.metadata["kernelspec"] = MindzieKernelCatalog.summary(kernel_type, specs[kernel_type])
        else:
            warnings.append(
                {
                    "code": "unknown-kernel",
                    "field": "file",
                    "message": f"kernel {kernel_type!r} is not available on this server "
                    f"(available: {', '.join(sorted(specs)) or 'none'}); runs will fail until it is",
                }
            )
            nb.metadata.setdefault("kernelspec", {"name": kernel_type, "display_name": kernel_type})
        stem = PurePosixPath(filename.replace("\\", "/")).name
        name = (
            (fields.get("notebookName") or "").strip() or stem.removesuffix(".ipynb") or "Uploaded notebook"
        )
        integration = dict(DEFAULT_INTEGRATION)
        if fields.get("enrichmentMode"):
            integration["enrichmentMode"] = fields["enrichmentMode"] == "true"
        integration["datasetBinding"] = (fields.get("datasetBinding") or "").lower() or None
        declared, ignored = _file_environment(nb)
        warnings += ignored
        environment = _environment(declared, {})
        settings = {
            "notebookName": name[:200],
            "notebookDescription": fields.get("notebookDescription") or None,
            "kernelType": kernel_type,
            "integration": integration,
            "environment": environment,
        }
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
        await self._ensure_folder(folder)
        content = json.dumps(nb, ensure_ascii=False)
        row = {
            "notebook_id": notebook_id,
            "tenant_id": scope.tenant_id,
            "project_id": scope.project_id,
            "name": settings["notebookName"],
            "description": settings["notebookDescription"],
            "kernel_type": settings["kernelType"],
            "status": "Ready",
            "version": versions.FIRST,
            "enrichment_mode": int(bool(settings["integration"]["enrichmentMode"])),
            "integration": settings["integration"],
            "environment": settings["environment"],
            "created_by": scope.username,
            "date_created": now,
            "date_modified": now,
            "execution_count": 0,
            "cell_count": len(nb.cells),
            "cells_hash": fingerprint(nb),
            "cell_times": {cell.id: now for cell in nb.cells},
        }
        version = self._version_row(
            notebook_id, versions.parse(versions.FIRST), change, scope.username, now, full, content
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
            raise Conflict(f"too many notebooks are named {settings['notebookName']!r} in this project")
        try:
            model = await self._write(path, nb)
        except Exception:
            self.store.delete_notebook(notebook_id)
            raise
        self.store.update_notebook(notebook_id, {"file_modified": _stamp_of(model)})
        return self._row(scope, notebook_id), nb

    # -- read ---------------------------------------------------------------------------

    async def get(self, scope: Scope, notebook_id: str) -> Loaded:
        """The notebook as its file is now, recording a JupyterLab edit as a new version."""
        self._row(scope, notebook_id)
        async with self._lock(notebook_id):
            return await self._load(scope, notebook_id)

    async def _load(self, scope: Scope, notebook_id: str) -> Loaded:
        row = self._row(scope, notebook_id)
        model = await self._read(row)
        nb = model["content"]
        if _stamp_of(model) == row["file_modified"]:
            return row, nb
        changes: dict[str, Any] = {"file_modified": _stamp_of(model)}
        version = None
        if fingerprint(nb) != row["cells_hash"]:
            latest = self.store.latest_version(notebook_id)
            before = nbformat.from_dict(json.loads(latest["content"])) if latest else None
            edited_at = _stamp_of(model)
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
            version = self._version_row(
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
        return self._row(scope, notebook_id), nb

    async def get_version(
        self, scope: Scope, notebook_id: str, version: str
    ) -> tuple[dict[str, Any], NotebookNode, dict[str, Any]]:
        if versions.parse(version) is None:
            raise InvalidRequest.for_field("version", f"must be a version like 1.2.0, got {version!r}")
        row, _ = await self.get(scope, notebook_id)
        snapshot = self.store.get_version(notebook_id, version)
        if snapshot is None:
            raise VersionNotFound(f"notebook {notebook_id} has no version {version}")
        return row, nbformat.from_dict(json.loads(snapshot["content"])), snapshot

    def list(self, scope: Scope, **filters: Any) -> tuple[list[dict[str, Any]], int]:
        return self.store.list_notebooks(scope.tenant_id, scope.project_id, **filters)

    async def versions(
        self, scope: Scope, notebook_id: str, page: int, page_size: int
    ) -> tuple[list[dict[str, Any]], int]:
        await self.get(scope, notebook_id)  # a pending JupyterLab edit is a version too
        return self.store.list_versions(notebook_id, page=page, page_size=page_size)

    # -- update and delete --------------------------------------------------------------

    async def update(
        self, scope: Scope, notebook_id: str, request: dict[str, Any], if_match: list[str] | None
    ) -> tuple[Loaded, list[dict[str, str]]]:
        self._row(scope, notebook_id)
        async with self._lock(notebook_id):
            row, nb = await self._load(scope, notebook_id)
            if if_match is not None and "*" not in if_match and row["version"] not in if_match:
                raise PreconditionFailed(
                    f"the notebook is at version {row['version']}, not {', '.join(if_match)}; "
                    "read it again and retry",
                    errors=[{"field": "If-Match", "message": f"current version is {row['version']}"}],
                )
            old = settings_of(row)
            new = copy.deepcopy(old)
            for key in ("notebookName", "notebookDescription"):
                if key in request:
                    new[key] = request[key].strip() if key == "notebookName" else request[key]
            if "integration" in request:
                new["integration"] = _merge_integration(old["integration"], request["integration"])
            if "environment" in request:
                new["environment"] = _environment(old["environment"], request["environment"])
            updated = nb
            if "cells" in request:
                updated = replace_cells(copy.deepcopy(nb), request["cells"])
            cells_changed = fingerprint(updated) != row["cells_hash"]
            if not cells_changed and new == old:
                return (row, nb), []
            now = stamp()
            next_version = versions.bump(row["version"], cells_changed=cells_changed)
            set_settings(updated, new)
            model = await self._write(row["path"], updated)
            cell_times = dict(row.get("cell_times") or {})
            cell_times.update(dict.fromkeys(changed_cell_ids(nb, updated), now))
            changes = {
                "name": new["notebookName"],
                "description": new["notebookDescription"],
                "integration": new["integration"],
                "environment": new["environment"],
                "enrichment_mode": int(bool(new["integration"]["enrichmentMode"])),
                "version": str(next_version),
                "date_modified": now,
                "cells_hash": fingerprint(updated),
                "cell_count": len(updated.cells),
                "cell_times": {cell.id: cell_times.get(cell.id, now) for cell in updated.cells},
                "file_modified": _stamp_of(model),
            }
            version = self._version_row(
                notebook_id,
                next_version,
                "cells" if cells_changed else "settings",
                scope.username,
                now,
                new,
                json.dumps(updated, ensure_ascii=False),
            )
            if not self.store.update_notebook(
                notebook_id, changes, version=version, expected_version=row["version"]
            ):
                raise PreconditionFailed(
                    "the notebook changed while it was being updated; read it again and retry"
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
                raise NotebookRunning(f"notebook {notebook_id} has a running execution; cancel it first")
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

    async def _read(self, row: dict[str, Any]) -> dict[str, Any]:
        """The file's model; a file removed behind our back is restored from its last version."""
        manager = self.contents_manager
        try:
            return await ensure_async(manager.get(row["path"], content=True, type="notebook"))
        except HTTPError as error:
            if error.status_code != 404:
                raise Conflict(
                    f"the file {row['path']} cannot be read as a notebook ({error.log_message}); "
                    "fix or restore it in JupyterLab"
                ) from None
        latest = self.store.latest_version(row["notebook_id"])
        assert latest is not None  # every notebook is inserted with its first version
        self.log.warning("mindzie: %s was missing; restoring version %s", row["path"], latest["version"])
        await self._ensure_folder(str(PurePosixPath(row["path"]).parent))
        await self._write(row["path"], nbformat.from_dict(json.loads(latest["content"])))
        return await ensure_async(manager.get(row["path"], content=True, type="notebook"))

    async def _write(self, path: str, nb: NotebookNode) -> dict[str, Any]:
        model = {"type": "notebook", "format": "json", "content": nb}
        return await ensure_async(self.contents_manager.save(model, path))

    async def _ensure_folder(self, folder: str) -> None:
        parts = PurePosixPath(folder).parts
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            if not await ensure_async(self.contents_manager.dir_exists(path)):
                await ensure_async(self.contents_manager.save({"type": "directory"}, path))

    def _os_dir(self, scope: Scope) -> Path | None:
        root = getattr(self.contents_manager, "root_dir", None)
        return Path(root, self.folder(scope)) if root else None

    @staticmethod
    def _version_row(
        notebook_id: str,
        version: versions.Version,
        change: str,
        user: str | None,
        when: str,
        settings: dict[str, Any],
        content: str,
    ) -> dict[str, Any]:
        return {
            "notebook_id": notebook_id,
            "version": str(version),
            "major": version.major,
            "minor": version.minor,
            "patch": version.patch,
            "change": change,
            "created_by": user,
            "date_created": when,
            "settings": settings,
            "content": content,
        }


def _stamp_of(model: dict[str, Any]) -> str:
    moment = model.get("last_modified")
    return stamp(moment) if moment is not None else stamp(utcnow())


def _merge_integration(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Field-by-field merge with the rules the schema cannot say: cron syntax, binding case."""
    merged = {**DEFAULT_INTEGRATION, **current, **changes}
    merged["datasetBinding"] = (merged.get("datasetBinding") or "").lower() or None
    cron = merged.get("scheduleExecution") or None
    if cron is not None:
        cron = " ".join(cron.split())
        if len(cron.split(" ")) != 5 or not croniter.is_valid(cron):
            raise InvalidRequest.for_field(
                "integration.scheduleExecution",
                f"must be a 5-field cron expression (minute hour day month weekday), got {cron!r}",
            )
    merged["scheduleExecution"] = cron
    if merged["autoExecution"] and not cron:
        raise InvalidRequest.for_field(
            "integration.scheduleExecution", "is required when autoExecution is true"
        )
    return merged


def _file_environment(nb: NotebookNode) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The environment an uploaded file declares in `metadata.mindzie`, if it keeps the API's rules."""
    mindzie = nb.metadata.get("mindzie")
    declared = mindzie.get("environment", {}) if isinstance(mindzie, dict) else {}
    problems = schemas.definition_problems("environment", declared)
    if not problems:
        return declared, []
    reasons = "; ".join(f"{p['field'] or 'environment'}: {p['message']}" for p in problems[:3])
    message = f"metadata.mindzie.environment is ignored ({reasons})"
    return {}, [{"code": "environment-ignored", "field": "file", "message": message}]


def _environment(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, list[str]]:
    """packages and customLibraries; pythonVersion is read from the kernel, never taken as input."""
    return {
        "packages": list(changes.get("packages", current.get("packages", []))),
        "customLibraries": list(changes.get("customLibraries", current.get("customLibraries", []))),
    }


def _not_found(notebook_id: str) -> NotebookNotFound:
    return NotebookNotFound(
        f"notebook {notebook_id} was not found in this project, or you have no access to it"
    )

"""Datasets: CSV and Parquet files a project's notebooks are bound to.

Each dataset is a folder `<datasets_dir>/<datasetId>/` holding the file as uploaded
(`data.csv` or `data.parquet`) and `meta.json`, which the kernel-side helper (`sdk.py`) reads;
its row in the store answers the API. A folder appears whole (staged, then renamed) and the row
comes last, so neither the API nor a kernel ever sees half a dataset. An upload streams into
its staging folder (`stage`), so a large file is never held in server memory; a CSV is kept as
UTF-8 whatever encoding it came in (recorded as `encoding`), so kernels read it one way.

Datasets come from uploads, and from runs: a table a run published with `publish_enriched`
is registered by the server after the run (`register_published`), with its lineage.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import os
import shutil
from pathlib import Path
from typing import Any

from traitlets import Instance, Int, TraitError, Unicode, default, validate
from traitlets.config import LoggingConfigurable

from jupyter_mindzie.access import Scope
from jupyter_mindzie.clock import iso_from_stamp, stamp
from jupyter_mindzie.errors import DatasetNotFound
from jupyter_mindzie.guids import new_guid
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.limits import check_upload_size
from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.sql import SqlStore
from jupyter_mindzie.storage.table_reads import TableHead, read_head
from jupyter_mindzie.storage.tables import (
    FORMAT_FILES,
    detect_file_format,
    event_log_warnings,
    file_stem,
    inspect_table,
    rewrite_with_commas,
    transcode_csv_file,
)

META_FILE = "meta.json"
UPLOAD_PART = "upload.part"  # a staged upload's file, named for its format once known
MAX_NAME_LENGTH = 200


class MindzieDatasetLibrary(LoggingConfigurable):
    """Stores uploaded datasets as files beside the store and their metadata in it."""

    store: Instance[Store] = Instance(SqlStore)
    datasets_dir = Unicode(
        config=True,
        help="Folder of dataset files (absolute once set). Default: datasets/ beside the store's "
        "SQLite file, i.e. <root>/.mindzie/datasets, which notebooks opened in JupyterLab find by "
        "walking up from their folder.",
    )
    max_upload_size = Int(
        200 * 1024 * 1024, config=True, help="Largest dataset upload accepted, in bytes (else 413)."
    )

    @default("datasets_dir")
    def _default_datasets_dir(self) -> str:
        return str(self.store.data_dir / "datasets")

    @validate("datasets_dir")
    def _absolute_datasets_dir(self, proposal: Any) -> str:
        # kernels run in other working directories: they must get an absolute path
        if not proposal["value"].strip():
            raise TraitError("datasets_dir must not be empty")
        return str(Path(proposal["value"]).expanduser().absolute())

    @validate("max_upload_size")
    def _positive_size(self, proposal: Any) -> int:
        if proposal["value"] < 1:
            raise TraitError("max_upload_size must be at least 1 byte")
        return int(proposal["value"])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        Path(self.datasets_dir).mkdir(parents=True, exist_ok=True)

    def folder(self, dataset_id: str) -> Path:
        return Path(self.datasets_dir) / dataset_id

    # -- upload -------------------------------------------------------------------------

    def check_upload_size(self, size: int) -> None:
        check_upload_size(size, self.max_upload_size)

    async def upload(self, scope: Scope, data: bytes, filename: str, name: str | None) -> dict[str, Any]:
        """Store one CSV or Parquet file given as bytes (see `stage` for a streamed one)."""
        self.check_upload_size(len(data))
        dataset_id = new_guid()
        staged = await asyncio.to_thread(self.stage, dataset_id)
        try:
            await asyncio.to_thread(staged.write_bytes, data)
        except BaseException:
            await asyncio.to_thread(self.discard_staged, dataset_id)
            raise
        return await self.store_staged(scope, dataset_id, filename, name)

    def stage(self, dataset_id: str) -> Path:
        """Blocking: a hidden folder for an upload in progress; returns the path to write its file to."""
        staging = self._staging(dataset_id)
        staging.mkdir(parents=True)
        return staging / UPLOAD_PART

    def discard_staged(self, dataset_id: str) -> None:
        """Blocking: remove what an upload left in staging (a failed or abandoned upload)."""
        shutil.rmtree(self._staging(dataset_id), ignore_errors=True)

    async def store_staged(
        self, scope: Scope, dataset_id: str, filename: str, name: str | None
    ) -> dict[str, Any]:
        """Turn a staged upload into a dataset; returns its row plus `column_types` (not a store column).

        The file is read in pieces (its head and tail for the format, chunks for the count), so
        a large one never sits in server memory. The staging folder is gone afterwards either way.
        """
        try:
            size, fmt = await asyncio.to_thread(self._check_staged, dataset_id, filename)
            encoding, delimiter = None, None
            if fmt == "csv":  # stored as UTF-8 whatever it came in, so kernels read it one way
                staged = self._staging(dataset_id) / UPLOAD_PART
                encoding = await asyncio.to_thread(transcode_csv_file, staged)
                delimiter = await asyncio.to_thread(rewrite_with_commas, staged)
                size = await asyncio.to_thread(lambda: staged.stat().st_size)
            row: dict[str, Any] = {
                "dataset_id": dataset_id,
                "tenant_id": scope.tenant_id,
                "project_id": scope.project_id,
                "name": (name or "").strip() or file_stem(filename)[:MAX_NAME_LENGTH] or "dataset",
                "format": fmt,
                "file": FORMAT_FILES[fmt],
                "size": size,
                "created_by": scope.author,
                "date_created": stamp(),
            }
            meta = await asyncio.to_thread(self._write_folder, row, encoding)
        except BaseException:
            await asyncio.to_thread(self.discard_staged, dataset_id)
            raise
        row.update(record_count=meta["recordCount"], columns=meta["columns"])
        try:
            self.store.insert_dataset(row)
        except BaseException:
            await asyncio.to_thread(self._remove_folder, row["dataset_id"])
            raise
        self.log.info("mindzie dataset %s (%s, %d rows) stored", row["dataset_id"], fmt, row["record_count"])
        return {
            **row,
            "column_types": meta["columnTypes"],
            "encoding": encoding,
            "delimiter": delimiter,
            "warnings": event_log_warnings(row["columns"]),
        }

    async def register_published(
        self,
        scope: Scope,
        path: Path,
        name: str,
        *,
        source: dict[str, str | None],
        new_columns: list[str],
    ) -> dict[str, Any]:
        """Make a CSV a run published a dataset of its project, with its lineage.

        `source` is `{executionId, notebookId, datasetId}` (the dataset the run was bound to, or
        None). The artifact is copied, so deleting the execution leaves the dataset whole.
        """
        dataset_id = new_guid()
        staged = await asyncio.to_thread(self.stage, dataset_id)
        try:
            # a run's tables are written with a BOM, for Excel; datasets are kept as plain UTF-8
            await asyncio.to_thread(_copy_as_utf8, path, staged)
            row: dict[str, Any] = {
                "dataset_id": dataset_id,
                "tenant_id": scope.tenant_id,
                "project_id": scope.project_id,
                "name": name.strip()[:MAX_NAME_LENGTH] or "dataset",
                "format": "csv",
                "file": FORMAT_FILES["csv"],
                "size": await asyncio.to_thread(lambda: staged.stat().st_size),
                "created_by": scope.author,
                "date_created": stamp(),
                "lineage": dict(source),
                "new_columns": list(new_columns),
            }
            meta = await asyncio.to_thread(self._write_folder, row, "utf-8-sig")
        except BaseException:
            await asyncio.to_thread(self.discard_staged, dataset_id)
            raise
        row.update(record_count=meta["recordCount"], columns=meta["columns"])
        try:
            self.store.insert_dataset(row)
        except BaseException:
            await asyncio.to_thread(self._remove_folder, dataset_id)
            raise
        self.log.info(
            "mindzie dataset %s (%d rows) registered from execution %s",
            dataset_id,
            row["record_count"],
            source.get("executionId"),
        )
        return row

    def _staging(self, dataset_id: str) -> Path:
        return Path(self.datasets_dir) / f".staging-{dataset_id}"

    def _check_staged(self, dataset_id: str, filename: str) -> tuple[int, str]:
        """Blocking: the staged file's size (within the limit) and format."""
        path = self._staging(dataset_id) / UPLOAD_PART
        size = path.stat().st_size
        self.check_upload_size(size)
        return size, detect_file_format(path, filename)

    def _write_folder(self, row: dict[str, Any], encoding: str | None = None) -> dict[str, Any]:
        """Blocking: name the staged file, inspect it, write meta.json, then rename the folder into place."""
        staging = self._staging(row["dataset_id"])
        try:
            os.replace(staging / UPLOAD_PART, staging / row["file"])
            info = inspect_table(staging / row["file"], row["format"])
            meta = {
                "datasetId": row["dataset_id"],
                "tenantId": row["tenant_id"],
                "projectId": row["project_id"],
                "name": row["name"],
                "format": info.format,
                "file": row["file"],
                "columns": info.columns,
                "columnTypes": info.column_types,
                "recordCount": info.record_count,
                "encoding": encoding,
                "size": row["size"],
                "dateCreated": iso_from_stamp(row["date_created"]),
            }
            if row.get("lineage"):
                meta.update(source=row["lineage"], newColumns=row.get("new_columns") or [])
            (staging / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
            os.replace(staging, self.folder(row["dataset_id"]))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return meta

    # -- read and delete ----------------------------------------------------------------

    def get(self, scope: Scope, dataset_id: str) -> dict[str, Any]:
        row = self.store.get_dataset(scope.tenant_id, scope.project_id, dataset_id)
        if row is None:
            raise not_found(dataset_id)
        return row

    def list_datasets(
        self, scope: Scope, page: int = 1, page_size: int = 20
    ) -> tuple[list[dict[str, Any]], int]:
        return self.store.list_datasets(scope.tenant_id, scope.project_id, page=page, page_size=page_size)

    def encoding(self, row: dict[str, Any]) -> str | None:
        """The encoding the CSV was uploaded in (meta.json); older CSVs were UTF-8, Parquet has none."""
        if row.get("format") != "csv":
            return None
        try:
            meta = json.loads((self.folder(row["dataset_id"]) / META_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return "utf-8"
        found = meta.get("encoding")
        return found if isinstance(found, str) else "utf-8"

    def column_types(self, dataset_id: str) -> dict[str, str]:
        """From meta.json (a small file); empty when it cannot be read."""
        try:
            meta = json.loads((self.folder(dataset_id) / META_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        types = meta.get("columnTypes")
        return types if isinstance(types, dict) else {}

    def file_path(self, row: dict[str, Any]) -> Path:
        """The stored file of a dataset row (`get` checked the scope)."""
        return self.folder(row["dataset_id"]) / str(row["file"])

    async def preview(self, scope: Scope, dataset_id: str, rows: int) -> tuple[dict[str, Any], TableHead]:
        """The dataset's row and its first `rows` rows; the types are the whole file's, from meta.json."""
        row = self.get(scope, dataset_id)
        try:
            head = await asyncio.to_thread(read_head, self.file_path(row), row["format"], rows)
        except FileNotFoundError:  # deleted while we looked
            raise not_found(dataset_id) from None
        types = self.column_types(dataset_id)
        return row, head._replace(
            column_types={c: types.get(c) or head.column_types[c] for c in head.columns}
        )

    async def delete(self, scope: Scope, dataset_id: str) -> None:
        """The row first (the API stops showing it), then the files."""
        self.get(scope, dataset_id)
        self.store.delete_dataset(dataset_id)
        await asyncio.to_thread(self._remove_folder, dataset_id)

    def _remove_folder(self, dataset_id: str) -> None:
        folder = self.folder(dataset_id)
        if not folder.exists():
            return
        # renamed first so a kernel never reads a half-deleted folder
        doomed = folder.with_name(f".deleted-{dataset_id}")
        os.replace(folder, doomed)
        shutil.rmtree(doomed, ignore_errors=True)


def not_found(dataset_id: str) -> DatasetNotFound:
    """The one 404 of a dataset, whether it is missing or another tenant's."""
    return DatasetNotFound(
        Message("dataset {dataset_id} not found, or you have no access to it", dataset_id=dataset_id)
    )


def _copy_as_utf8(source: Path, target: Path) -> None:
    """Copy a UTF-8 file in chunks, leaving out a byte-order mark at its start."""
    with source.open("rb") as reading, target.open("wb") as writing:
        head = reading.read(len(codecs.BOM_UTF8))
        writing.write(head if head != codecs.BOM_UTF8 else b"")
        shutil.copyfileobj(reading, writing, 1 << 20)

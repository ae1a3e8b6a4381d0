"""A dataset's content: a preview of its first rows, and its file as a download.

Both are scoped like every dataset route (another tenant's dataset is the same 404). A download
streams the stored file in chunks (a large dataset never sits in server memory); a CSV starts
with a UTF-8 BOM, so Excel (Japanese Excel above all) reads it as UTF-8 rather than Shift-JIS.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from jupyter_mindzie.api.base import PROJECT, TENANT
from jupyter_mindzie.api.datasets import DATASET, DatasetBaseHandler
from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.guids import parse_guid
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.storage.datasets import not_found
from jupyter_mindzie.storage.table_reads import TableHead, parquet_to_csv
from jupyter_mindzie.storage.tables import UTF8_BOM

DEFAULT_PREVIEW_ROWS = 20  # the schema's maximum (dataset-preview-query) bounds what a client may ask
CHUNK = 256 * 1024
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


class DatasetPreviewHandler(DatasetBaseHandler):
    """`GET …/dataset/{datasetId}/preview?rows=N`: the columns with their types and the first N rows."""

    @web.authenticated
    @authorized
    async def get(self, tenant_id: str, project_id: str, dataset_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        query = self.read_query("dataset-preview-query", integers=("rows",))
        dataset_id = parse_guid(dataset_id, "datasetId")
        row, head = await self.datasets.preview(scope, dataset_id, query.get("rows", DEFAULT_PREVIEW_ROWS))
        self.write_json(preview_view(row, head))


class DatasetDownloadHandler(DatasetBaseHandler):
    """`GET …/dataset/{datasetId}/download[?format=csv|parquet]`: the file, as an attachment."""

    @web.authenticated
    @authorized
    async def get(self, tenant_id: str, project_id: str, dataset_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        query = self.read_query("dataset-download-query")
        row = self.datasets.get(scope, parse_guid(dataset_id, "datasetId"))
        stored, wanted = row["format"], query.get("format", row["format"])
        if wanted == "parquet" and stored != "parquet":
            raise InvalidRequest.for_field(
                "format", Message("a CSV dataset is downloaded as CSV only; leave format out")
            )
        self.set_header("Content-Type", CONTENT_TYPES[wanted])
        self.set_header("Content-Disposition", attachment(row["name"], wanted, row["dataset_id"]))
        self.set_header("X-Content-Type-Options", "nosniff")
        path = self.datasets.file_path(row)
        if wanted == stored:
            await send_file(self, path, row["dataset_id"], prefix=UTF8_BOM if stored == "csv" else b"")
            return
        with tempfile.TemporaryDirectory(prefix="mindzie-dataset-") as scratch:
            converted = Path(scratch) / "data.csv"
            try:
                await asyncio.to_thread(parquet_to_csv, path, converted)
            except FileNotFoundError:
                raise not_found(row["dataset_id"]) from None
            await send_file(self, converted, row["dataset_id"])


def preview_view(row: dict[str, Any], head: TableHead) -> dict[str, Any]:
    return {
        "datasetId": row["dataset_id"],
        "name": row["name"],
        "format": row["format"],
        "recordCount": row["record_count"],
        "columns": [{"name": c, "type": head.column_types.get(c, "object")} for c in head.columns],
        "rows": head.rows,
        "truncated": row["record_count"] > len(head.rows),
    }


def attachment(name: str, suffix: str, dataset_id: str) -> str:
    """`Content-Disposition` naming the file after the dataset (RFC 6266).

    A name that is not plain ASCII goes in `filename*` (RFC 5987, UTF-8 percent-encoded), which
    every current browser prefers; `filename` then holds an ASCII stand-in for older clients.
    """
    stem = re.sub(r"[\x00-\x1f\x7f/\\]+", "_", name).strip(" .") or "dataset"
    filename = f"{stem}.{suffix}"
    fallback = re.sub(r"[^A-Za-z0-9._ ()-]+", "_", filename)
    if fallback == filename:
        return f'attachment; filename="{filename}"'
    if not re.search(r"[A-Za-z0-9]", fallback.rsplit(".", 1)[0]):
        fallback = f"dataset-{dataset_id[:8]}.{suffix}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def send_file(handler: DatasetBaseHandler, path: Path, dataset_id: str, prefix: bytes = b"") -> None:
    """Stream `prefix` then the file in chunks read off the event loop."""
    try:
        handle = await asyncio.to_thread(path.open, "rb")
    except FileNotFoundError:  # deleted since the row was read
        raise not_found(dataset_id) from None
    with handle:
        handler.set_header("Content-Length", str(len(prefix) + os.fstat(handle.fileno()).st_size))
        try:
            if prefix:
                handler.write(prefix)
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                handler.write(chunk)
                await handler.flush()
        except StreamClosedError:  # the client went away: nothing left to answer
            return
    await handler.finish(set_content_type=handler._headers["Content-Type"])


def dataset_file_routes() -> list[tuple[str, type]]:
    base = rf"/api/{TENANT}/{PROJECT}/dataset/{DATASET}"
    return [
        (rf"{base}/preview/?", DatasetPreviewHandler),
        (rf"{base}/download/?", DatasetDownloadHandler),
    ]

"""Dataset endpoints: upload, list, get, delete."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mindzie.api.base import ANY_ID, PROJECT, TENANT, MindzieHandler
from jupyter_mindzie.api.streaming import StreamedForm, content_length, too_large
from jupyter_mindzie.api.views import dataset_view, page_view
from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.guids import new_guid, parse_guid
from jupyter_mindzie.i18n import Message

if TYPE_CHECKING:
    from jupyter_mindzie.storage.datasets import MindzieDatasetLibrary

DATASET = rf"(?P<dataset_id>{ANY_ID})"


class DatasetBaseHandler(MindzieHandler):
    """What the dataset handlers share: the library and the dataset's URL."""

    @property
    def datasets(self) -> MindzieDatasetLibrary:
        return self.services.datasets

    def dataset_url(self, row: dict[str, Any]) -> str:
        return f"{self.base_url}api/{row['tenant_id']}/{row['project_id']}/dataset/{row['dataset_id']}"


class DatasetsHandler(DatasetBaseHandler):
    """`GET …/datasets`: one page of a project's datasets, newest first."""

    @web.authenticated
    @authorized
    async def get(self, tenant_id: str, project_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        query = self.read_query("page-query", integers=("page", "pageSize"))
        page, page_size = query.get("page", 1), query.get("pageSize", 20)
        rows, total = self.datasets.list_datasets(scope, page, page_size)
        self.write_json(page_view("datasets", [dataset_view(r) for r in rows], total, page, page_size))


@web.stream_request_body
class DatasetCreateHandler(DatasetBaseHandler):
    """`POST …/dataset`: a CSV or Parquet file (multipart/form-data, part `file`, field `name`).

    The body streams to a staging file as it arrives (`StreamedForm`): server memory stays flat
    however large the upload. Who may upload, where, and how much is checked before the first
    byte of the body is read.
    """

    form: StreamedForm | None = None
    staged_id: str | None = None

    async def prepare(self) -> None:  # type: ignore[override]  # as APIHandler.prepare is
        await super().prepare()
        if self._finished or self.request.method != "POST":
            return
        if not self.current_user:
            raise web.HTTPError(403)
        if not self.authorizer.is_authorized(self, self.current_user, "write", self.auth_resource):
            raise web.HTTPError(403)
        # 404 before the body, for a project the user cannot reach
        self.scope(self.path_kwargs["tenant_id"], self.path_kwargs["project_id"])
        limit = self.datasets.max_upload_size
        declared = content_length(self.request.headers)
        if declared is not None and declared > limit:
            raise too_large(declared, limit, "file")
        content_type = self.request.headers.get("Content-Type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            raise InvalidRequest.for_field(
                "file", Message("send the dataset as multipart/form-data with a 'file' part")
            )
        # Tornado's own cap would cut the connection; ours answers 413 with a problem instead.
        self.request.connection.set_max_body_size(max(limit, declared or 0) + 2**20)  # type: ignore[union-attr]
        dataset_id = new_guid()
        target = await asyncio.to_thread(self.datasets.stage, dataset_id)
        self.staged_id = dataset_id
        self.form = StreamedForm(content_type, target, max_bytes=limit)

    async def data_received(self, chunk: bytes) -> None:
        if self.form is not None:
            await self.form.feed(chunk)

    @web.authenticated
    @authorized
    async def post(self, tenant_id: str, project_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        form, dataset_id = self.form, self.staged_id
        assert form is not None and dataset_id is not None, "prepare staged the upload"
        try:
            await form.finish()
            self.check_parts(form)
            fields = form.text_fields("dataset-upload")
        except BaseException:
            self.staged_id = None
            await asyncio.to_thread(self.datasets.discard_staged, dataset_id)  # before the answer
            raise
        self.staged_id = None  # from here the library owns the staging folder
        row = await self.datasets.store_staged(scope, dataset_id, form.filename, fields.get("name"))
        self.set_header("Location", self.dataset_url(row))
        view = dataset_view(row, row["column_types"], encoding=row["encoding"])
        view.update(delimiter=row["delimiter"], validation=self.warnings(row["warnings"]))
        self.write_json(view, status=HTTPStatus.CREATED)

    def check_parts(self, form: StreamedForm) -> None:
        """Exactly one part named `file` (a plain field of that name is taken as the content)."""
        unknown = sorted(set(form.other_files))
        if unknown:
            raise InvalidRequest(
                Message(
                    "unknown file parts: {names}; send the dataset as the part 'file'",
                    names=", ".join(unknown),
                ),
                errors=[
                    {
                        "field": name,
                        "message": Message("is not a known field (known: {known})", known="file, name"),
                    }
                    for name in unknown
                ],
            )
        if form.file_parts != 1:
            raise InvalidRequest.for_field(
                "file", Message("is required: exactly one CSV or Parquet file part named 'file'")
            )

    def on_finish(self) -> None:
        self._discard()

    def on_connection_close(self) -> None:
        super().on_connection_close()
        self._discard()

    def _discard(self) -> None:
        """An upload that did not become a dataset leaves nothing in staging."""
        if self.form is not None:
            self.form.discard()
        dataset_id, self.staged_id = self.staged_id, None
        if dataset_id is not None:
            asyncio.get_event_loop().run_in_executor(None, self.datasets.discard_staged, dataset_id)


class DatasetHandler(DatasetBaseHandler):
    """`GET|DELETE …/dataset/{datasetId}`."""

    @web.authenticated
    @authorized
    async def get(self, tenant_id: str, project_id: str, dataset_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        row = self.datasets.get(scope, parse_guid(dataset_id, "datasetId"))
        types = self.datasets.column_types(row["dataset_id"])
        self.write_json(dataset_view(row, types, encoding=self.datasets.encoding(row)))

    @web.authenticated
    @authorized
    async def delete(self, tenant_id: str, project_id: str, dataset_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        await self.datasets.delete(scope, parse_guid(dataset_id, "datasetId"))
        self.set_status(HTTPStatus.NO_CONTENT)
        self.finish()


def dataset_routes() -> list[tuple[str, type]]:
    base = rf"/api/{TENANT}/{PROJECT}"
    return [
        (rf"{base}/datasets/?", DatasetsHandler),
        (rf"{base}/dataset/?", DatasetCreateHandler),
        (rf"{base}/dataset/{DATASET}/?", DatasetHandler),
    ]

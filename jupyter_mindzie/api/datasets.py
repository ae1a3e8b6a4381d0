"""Dataset endpoints: upload, list, get, delete."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mindzie.api.base import ANY_ID, PROJECT, TENANT, MindzieHandler
from jupyter_mindzie.api.views import dataset_view, page_view
from jupyter_mindzie.contract import schemas
from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.guids import parse_guid
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


class DatasetCreateHandler(DatasetBaseHandler):
    """`POST …/dataset`: a CSV or Parquet file (multipart/form-data, part `file`, field `name`)."""

    @web.authenticated
    @authorized
    async def post(self, tenant_id: str, project_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        self.datasets.check_upload_size(len(self.request.body))
        content_type = self.request.headers.get("Content-Type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            raise InvalidRequest.for_field(
                "file", Message("send the dataset as multipart/form-data with a 'file' part")
            )
        data, filename = self.file_part()
        fields = {
            name: values[-1].decode("utf-8", errors="replace")
            for name, values in self.request.body_arguments.items()
            if name != "file"
        }
        schemas.validate("dataset-upload", fields)
        row = await self.datasets.upload(scope, data, filename, fields.get("name"))
        self.set_header("Location", self.dataset_url(row))
        view = dataset_view(row, row["column_types"], encoding=row["encoding"])
        view.update(delimiter=row["delimiter"], validation={"warnings": row["warnings"]})
        self.write_json(view, status=HTTPStatus.CREATED)

    def file_part(self) -> tuple[bytes, str]:
        """The one `file` part; a `file` field sent without a file name is taken as its content."""
        unknown = sorted(set(self.request.files) - {"file"})
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
        files = self.request.files.get("file") or []
        plain = self.request.body_arguments.get("file") or []
        if len(files) + len(plain) != 1:
            raise InvalidRequest.for_field(
                "file", Message("is required: exactly one CSV or Parquet file part named 'file'")
            )
        if files:
            return files[0]["body"], files[0].get("filename") or ""
        return plain[0], ""


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

"""Execution endpoints: execute, status, cancel, history, results and artifact downloads."""

from __future__ import annotations

import asyncio
import os
import tempfile
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_mindzie.api.base import ANY_ID, PROJECT, TENANT, MindzieHandler, authorized_to_execute
from jupyter_mindzie.api.status import status_body, status_etag
from jupyter_mindzie.api.views import (
    execution_accepted_view,
    execution_item_view,
    execution_view,
    page_view,
)
from jupyter_mindzie.contract.enums import is_terminal
from jupyter_mindzie.errors import ArtifactNotFound
from jupyter_mindzie.execution.idempotency import HEADER, parse_key, submit_once
from jupyter_mindzie.execution.news import wait_for_news
from jupyter_mindzie.execution.records import open_no_follow
from jupyter_mindzie.guids import parse_guid
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.results.archive import zip_artifacts
from jupyter_mindzie.results.views import results_view

if TYPE_CHECKING:
    from jupyter_mindzie.access import Scope
    from jupyter_mindzie.execution.engine import MindzieEngine
    from jupyter_mindzie.execution.records import ExecutionRecords

NOTEBOOK = rf"(?P<notebook_id>{ANY_ID})"
EXECUTION = rf"(?P<execution_id>{ANY_ID})"
CHUNK = 256 * 1024
# Outputs are untrusted: never let a downloaded HTML output run script in our origin.
SANDBOX_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"


class ExecutionHandlerBase(MindzieHandler):
    @property
    def engine(self) -> MindzieEngine:
        return self.services.engine

    @property
    def records(self) -> ExecutionRecords:
        return self.engine.records

    def ids(self, notebook_id: str, execution_id: str) -> tuple[str, str]:
        """The path's notebook and execution GUIDs, canonical; a 400 naming the one at fault."""
        return parse_guid(notebook_id, "notebookId"), parse_guid(execution_id, "executionId")

    def execution_url(self, execution: dict[str, Any]) -> str:
        return (
            f"{self.request.protocol}://{self.request.host}{self.base_url}api/{execution['tenant_id']}/"
            f"{execution['project_id']}/notebook/{execution['notebook_id']}/execution/{execution['execution_id']}"
        )


class ExecuteHandler(ExecutionHandlerBase):
    """`POST …/notebook/{notebookId}/execute`: queue a run (202)."""

    @web.authenticated
    @authorized_to_execute
    async def post(self, tenant_id: str, project_id: str, notebook_id: str) -> None:
        scope = self.scope(tenant_id, project_id, execute=True)
        notebook_id = parse_guid(notebook_id, "notebookId")
        key = parse_key(self.request.headers.get(HEADER))
        request = self.read_json("execute-request")

        async def submit() -> dict[str, Any]:
            return execution_accepted_view(await self.engine.submit(scope, notebook_id, request))

        body = await (
            submit()
            if key is None
            else submit_once(self.engine.store, scope, notebook_id, key, request, submit)
        )
        where = {"tenant_id": scope.tenant_id, "project_id": scope.project_id, "notebook_id": notebook_id}
        self.set_header("Location", self.execution_url({**where, "execution_id": body["executionId"]}))
        self.write_json(body, status=HTTPStatus.ACCEPTED)


class ExecutionHandler(ExecutionHandlerBase):
    """`GET …/execution/{executionId}`: status, progress, per-cell results, resources.

    A client that sends the status's ETag back (`If-None-Match`) with `Prefer: wait=N` is
    answered as soon as the status changes, or with 304 after N seconds: it learns of the end
    of a run the moment it is written, without polling.
    """

    @web.authenticated
    @authorized
    async def get(self, tenant_id: str, project_id: str, notebook_id: str, execution_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        notebook_id, execution_id = self.ids(notebook_id, execution_id)
        # A long run's cellResults are most of its status: ?includeCells=false for cheap polling.
        include_cells = self.flag("includeCells", default=True)
        wait = min(self.preferred_wait(), self.engine.longest_status_wait)
        body = await self._status_after(scope, notebook_id, execution_id, include_cells, wait)
        if self._gone:
            return
        if wait:
            self.set_header("Preference-Applied", f"wait={wait:g}")
        if self.check_etag_header():
            self.set_status(HTTPStatus.NOT_MODIFIED)
            self.finish()
            return
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(body)

    async def _status_after(
        self, scope: Scope, notebook_id: str, execution_id: str, include_cells: bool, wait: float
    ) -> bytes:
        """The status body (its ETag set), once it differs from If-None-Match or `wait` s have passed."""
        seen: tuple[dict[str, Any], int | None] | None = None
        body = b""

        async def read(written: bool) -> tuple[bytes, bool]:
            nonlocal seen, body
            execution = self.records.get(scope, notebook_id, execution_id)
            state = (execution, self.engine.queue_position(execution_id, execution))
            # After a quiet spell, only a changed row (another server's write) is worth a new body.
            if written or state != seen:
                seen = state
                body = status_body(self.engine, execution, include_cells)
                self.set_header("ETag", status_etag(body))
            done = is_terminal(execution["status"]) or self._gone or not self.awaits_news()
            return body, done

        return await wait_for_news(
            read,
            lambda timeout: self.engine.notifier.next_change(execution_id, timeout),
            wait=wait,
            recheck=self.engine.status_recheck_seconds,
        )

    _gone = False

    def on_connection_close(self) -> None:
        """A client that hung up stops the wait."""
        self._gone = True
        super().on_connection_close()

    def awaits_news(self) -> bool:
        """The client names the status it has (not `*`), and it is the current one."""
        return self.request.headers.get("If-None-Match", "").strip() != "*" and self.check_etag_header()


class CancelHandler(ExecutionHandlerBase):
    """`POST …/execution/{executionId}/cancel`: 202, or 409 once it has ended."""

    @web.authenticated
    @authorized_to_execute
    async def post(self, tenant_id: str, project_id: str, notebook_id: str, execution_id: str) -> None:
        scope = self.scope(tenant_id, project_id, execute=True)
        notebook_id, execution_id = self.ids(notebook_id, execution_id)
        execution = await self.engine.cancel(scope, notebook_id, execution_id)
        cells = self.records.cell_results(execution_id)
        view = execution_view(execution, cells, [], None, self.records.attempts(execution_id))
        self.write_json(view, status=HTTPStatus.ACCEPTED)


class ExecutionsHandler(ExecutionHandlerBase):
    """`GET …/notebook/{notebookId}/executions`: the notebook's history, newest first."""

    @web.authenticated
    @authorized
    async def get(self, tenant_id: str, project_id: str, notebook_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        notebook_id = parse_guid(notebook_id, "notebookId")
        self.library.require(scope, notebook_id)
        query = self.read_query("page-query", integers=("page", "pageSize"))
        page, page_size = query.get("page", 1), query.get("pageSize", 20)
        rows, total = self.records.history(notebook_id, page=page, page_size=page_size)
        self.write_json(
            page_view("executions", [execution_item_view(r) for r in rows], total, page, page_size)
        )


class ResultsHandler(ExecutionHandlerBase):
    """`GET …/execution/{executionId}/results`: typed outputs, or one zip of every artifact."""

    @web.authenticated
    @authorized
    async def get(self, tenant_id: str, project_id: str, notebook_id: str, execution_id: str) -> None:
        scope = self.scope(tenant_id, project_id)
        notebook_id, execution_id = self.ids(notebook_id, execution_id)
        execution = self.records.get(scope, notebook_id, execution_id)
        query = self.read_query("results-query")
        artifacts = self.records.artifacts(execution_id)
        folder = self.records.artifacts_dir(execution_id)
        if query.get("format") == "download":
            await self.send_zip(execution, folder, [a["name"] for a in artifacts])
            return
        base = self.execution_url(execution)
        view = await asyncio.to_thread(
            results_view,
            execution,
            artifacts,
            fmt=query.get("format", "summary"),
            output_type=query.get("outputType", "all"),
            cell_id=query.get("cellId"),
            artifact_url=lambda name: f"{base}/artifacts/{name}",
            read_text=lambda name: self.records.artifact_text(execution_id, name),
        )
        self.write_json(view)

    async def send_zip(self, execution: dict[str, Any], folder: Path, names: list[str]) -> None:
        with tempfile.TemporaryDirectory(prefix="mindzie-zip-") as scratch:
            target = Path(scratch) / "results.zip"
            await asyncio.to_thread(zip_artifacts, folder, names, target)
            self.set_header("Content-Type", "application/zip")
            self.set_header(
                "Content-Disposition", f'attachment; filename="execution-{execution["execution_id"]}.zip"'
            )
            self.set_header("X-Content-Type-Options", "nosniff")
            await stream_file(self, target)


class ArtifactHandler(ExecutionHandlerBase):
    """`GET …/execution/{executionId}/artifacts/{name}`: one artifact, as an attachment."""

    @web.authenticated
    @authorized
    async def get(
        self, tenant_id: str, project_id: str, notebook_id: str, execution_id: str, name: str
    ) -> None:
        scope = self.scope(tenant_id, project_id)
        notebook_id, execution_id = self.ids(notebook_id, execution_id)
        self.records.get(scope, notebook_id, execution_id)
        artifact, path = self.records.artifact(execution_id, name)
        self.set_header("Content-Type", artifact["content_type"])
        self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Security-Policy", SANDBOX_CSP)
        await stream_file(self, path)


async def stream_file(handler: MindzieHandler, path: Path) -> None:
    """Send a file in chunks, so a large artifact never sits in memory whole (never through a link)."""
    try:
        handle = open_no_follow(path)
    except OSError:
        raise ArtifactNotFound(Message("no artifact {name!r}", name=path.name)) from None
    with handle:
        handler.set_header("Content-Length", str(os.fstat(handle.fileno()).st_size))
        while chunk := await asyncio.to_thread(handle.read, CHUNK):
            handler.write(chunk)
            await handler.flush()
    await handler.finish(set_content_type=handler._headers["Content-Type"])


def execution_routes() -> list[tuple[str, type]]:
    base = rf"/api/{TENANT}/{PROJECT}/notebook/{NOTEBOOK}"
    return [
        (rf"{base}/execute/?", ExecuteHandler),
        (rf"{base}/executions/?", ExecutionsHandler),
        (rf"{base}/execution/{EXECUTION}/?", ExecutionHandler),
        (rf"{base}/execution/{EXECUTION}/cancel/?", CancelHandler),
        (rf"{base}/execution/{EXECUTION}/results/?", ResultsHandler),
        (
            rf"{base}/execution/{EXECUTION}/artifacts/(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{{0,200}})",
            ArtifactHandler,
        ),
    ]

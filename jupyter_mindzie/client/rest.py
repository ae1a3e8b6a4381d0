"""MindzieClient: a Python client of the notebook API, what the seed's `NotebookManager` should have been.

It keeps the seed's method names and positional arguments (so its example ports by changing
one import), but works: `list_notebooks` uses the right ids, every failure raises a typed
exception carrying the server's RFC 9457 problem, waits are bounded, downloads are streamed.
Only `requests` and our standard-library-only `errors` and `contract.enums` are imported, so scripts and the
`jupyter mindzie` commands start fast. The errors are the server's own classes
(`jupyter_mindzie.errors`), made from each problem by `MindzieError.from_problem`.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests

from jupyter_mindzie.client.responses import raise_for_problem, save_download
from jupyter_mindzie.contract.enums import is_terminal
from jupyter_mindzie.errors import (
    AuthenticationError,
    Conflict,
    ExecutionTimeout,
    Forbidden,
    InvalidRequest,
    MindzieError,
    NotFound,
    PreconditionFailed,
    RetryLater,
    TooLarge,
    TooManyRequests,
)

__all__ = [
    "AuthenticationError",
    "BadRequest",
    "Conflict",
    "ExecutionTimeout",
    "Forbidden",
    "MindzieClient",
    "MindzieError",
    "NotFound",
    "NotebookManager",
    "PayloadTooLarge",
    "PreconditionFailed",
    "TooManyRequests",
]

# Seconds one status request may wait on the server for news: below the idle timeouts of
# common proxies (60 s), so a quiet run does not look like a dead connection.
LONGEST_WAIT = 30
# The seed's client sends these when the caller gives no integration settings; kept so code
# ported from it creates the same notebooks.
SEED_INTEGRATION = {"enrichmentMode": True, "outputFormat": "enriched_dataframe", "autoExecution": False}
SEED_OUTPUT_OPTIONS = {"captureOutputs": True, "saveIntermediateResults": True, "generateReport": True}


# The client raises the server's own error classes; these are the names it has always had.
BadRequest = InvalidRequest
PayloadTooLarge = TooLarge


# -- the client -------------------------------------------------------------------------


class MindzieClient:
    """One tenant's project on one server: notebooks, executions, results and datasets."""

    def __init__(
        self,
        base_url: str,
        tenant_id: str,
        project_id: str,
        token: str | None = None,
        *,
        timeout: float = 60.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tenant_id = tenant_id
        self.project_id = project_id
        self.timeout = timeout
        self.session = session or requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> MindzieClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------------

    def url(self, *parts: str) -> str:
        """The URL of a path under this client's project."""
        return "/".join([self.base_url, "api", self.tenant_id, self.project_id, *parts])

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send one request; an error reply raises its typed MindzieError."""
        kwargs.setdefault("timeout", self.timeout)
        response = self.session.request(method, url, **kwargs)
        raise_for_problem(response)
        return response

    def _json(self, method: str, *parts: str, **kwargs: Any) -> dict[str, Any]:
        """The JSON object the server answers at a path under the project."""
        response = self.request(method, self.url(*parts), **kwargs)
        body: dict[str, Any] = response.json()
        return body

    # -- notebooks --------------------------------------------------------------------

    def create_notebook(
        self,
        name: str,
        description: str | None = None,
        kernel_type: str = "python3",
        template: str | None = None,
        integration: dict[str, Any] | None = None,
        *,
        environment: dict[str, Any] | None = None,
        initial_cells: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        """A new notebook (201); `integration` defaults to the seed client's settings."""
        body = _without_none(
            {
                "notebookName": name,
                "notebookDescription": description,
                "kernelType": kernel_type,
                "template": template,
                "integration": integration if integration is not None else dict(SEED_INTEGRATION),
                "environment": environment,
                "initialCells": initial_cells,
            }
        )
        return self._json("POST", "notebook", json=body)

    def upload_notebook(
        self,
        file_path: str | os.PathLike[str],
        name: str | None = None,
        dataset_binding: str | None = None,
        *,
        enrichment_mode: bool = True,
    ) -> dict[str, Any]:
        """Upload an `.ipynb` (multipart, streamed from disk); the answer carries `validation.warnings`."""
        path = Path(file_path)
        data = {
            "notebookName": name or path.stem,
            "enrichmentMode": "true" if enrichment_mode else "false",
            "datasetBinding": dataset_binding or "",
        }
        with path.open("rb") as handle:
            files = {"file": (path.name, handle, "application/x-ipynb+json")}
            return self._json("POST", "notebook", "upload", files=files, data=data)

    def get_notebook(
        self, notebook_id: str, *, include_content: bool = False, version: str | None = None
    ) -> dict[str, Any]:
        """The notebook object (an older one with `version`); `notebookVersion` is its ETag."""
        params = _without_none({"includeContent": "true" if include_content else None, "version": version})
        return self._json("GET", "notebook", notebook_id, params=params)

    def update_notebook(
        self,
        notebook_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        integration: dict[str, Any] | None = None,
        environment: dict[str, Any] | None = None,
        cells: list[dict[str, Any]] | None = None,
        if_match: str | None = None,
    ) -> dict[str, Any]:
        """Partial update; `cells` replaces every cell. With `if_match` (a version) a concurrent
        change makes it fail with PreconditionFailed instead of being overwritten."""
        body = _without_none(
            {
                "notebookName": name,
                "notebookDescription": description,
                "integration": integration,
                "environment": environment,
                "cells": cells,
            }
        )
        headers = {"If-Match": f'"{if_match}"'} if if_match else {}
        return self._json("PUT", "notebook", notebook_id, json=body, headers=headers)

    def delete_notebook(self, notebook_id: str) -> None:
        """Delete the notebook, its file and its execution history (Conflict while it runs)."""
        self.request("DELETE", self.url("notebook", notebook_id))

    def list_notebooks(
        self,
        status: str | None = None,
        enrichment_mode: bool | None = None,
        page: int = 1,
        page_size: int = 20,
        *,
        kernel_type: str | None = None,
    ) -> dict[str, Any]:
        """One page: `{notebooks[], totalCount, page, pageSize, hasNextPage}`, newest first."""
        params = _without_none(
            {
                "page": page,
                "pageSize": page_size,
                "status": status,
                "kernelType": kernel_type,
                "enrichmentMode": None if enrichment_mode is None else str(bool(enrichment_mode)).lower(),
            }
        )
        return self._json("GET", "notebooks", params=params)

    # -- executions -------------------------------------------------------------------

    def execute_notebook(
        self,
        notebook_id: str,
        parameters: dict[str, Any] | None = None,
        timeout: float = 1800,
        *,
        execution_mode: str = "all",
        cell_range: tuple[str, str] | Mapping[str, str] | None = None,
        capture_outputs: bool = True,
        save_intermediate_results: bool = True,
        generate_report: bool = True,
        priority: str = "Normal",
        stop_on_error: bool = False,
        retry: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Queue a run (202); output options default to the seed's. `cell_range` is
        `(startCell, endCell)`, inclusive cell ids; `retry` is the request's
        `{maxRetries, onTimeout, onCellError, delaySeconds}`.

        The request carries an `Idempotency-Key` (`idempotency_key`, else a new one per call), so
        it is sent again after a dropped connection, a timeout or a 503 without ever queueing a
        second run: the server answers a repeat with the first request's execution."""
        if isinstance(cell_range, tuple):
            cell_range = {"startCell": cell_range[0], "endCell": cell_range[1]}
        body = _without_none(
            {
                "executionMode": execution_mode,
                "cellRange": dict(cell_range) if cell_range is not None else None,
                "parameters": parameters or {},
                "outputOptions": {
                    "captureOutputs": capture_outputs,
                    "saveIntermediateResults": save_intermediate_results,
                    "generateReport": generate_report,
                },
                "timeout": timeout,
                "priority": priority,
                "stopOnError": stop_on_error,
                "retry": dict(retry) if retry is not None else None,
            }
        )
        key = idempotency_key or str(uuid.uuid4())
        response = self._post_again(self.url("notebook", notebook_id, "execute"), body, key)
        accepted: dict[str, Any] = response.json()
        return accepted

    def _post_again(self, url: str, body: dict[str, Any], key: str, attempts: int = 5) -> requests.Response:
        """POST with an Idempotency-Key, sent again with backoff while the network or the server
        fails in passing (no answer, 503, the key's first request still being answered)."""
        for attempt in range(1, attempts + 1):
            delay = min(0.25 * 2**attempt, 8.0)
            try:
                return self.request("POST", url, json=body, headers={"Idempotency-Key": key})
            except (requests.ConnectionError, requests.Timeout):
                if attempt == attempts:
                    raise
            except (RetryLater, Conflict) as error:
                passing = error.status == 503 or error.problem_type == "idempotency-key-in-use"
                if not passing or attempt == attempts:
                    raise
                if isinstance(error, RetryLater) and error.retry_after:
                    delay = min(float(error.retry_after), 30.0)
            time.sleep(delay)
        raise AssertionError("unreachable")  # the last attempt returned or raised

    def get_execution_status(
        self, notebook_id: str, execution_id: str, *, include_cells: bool = True
    ) -> dict[str, Any]:
        """The run's status; `include_cells=False` leaves `cellResults` out (cheap to poll)."""
        params = None if include_cells else {"includeCells": "false"}
        return self._json("GET", "notebook", notebook_id, "execution", execution_id, params=params)

    def wait_for_completion(
        self,
        notebook_id: str,
        execution_id: str,
        poll_interval: float = 2.0,
        timeout: float = 3600,
        *,
        on_status: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Wait until the execution ends and return its whole last status; ExecutionTimeout
        after `timeout` seconds.

        Each request waits on the server for the next change (`If-None-Match` with
        `Prefer: wait=N`), so the end is seen the moment it is written; `poll_interval` only
        paces a server that answers at once. `on_status` sees each new status (a progress
        display; those leave out `cellResults`, which the returned status has).
        """
        deadline = time.monotonic() + timeout
        url = self.url("notebook", notebook_id, "execution", execution_id)
        status: dict[str, Any] = {}
        etag: str | None = None
        while True:
            wait = int(min(deadline - time.monotonic(), LONGEST_WAIT))
            headers = (
                {"Prefer": f"wait={wait}", **({"If-None-Match": etag} if etag else {})} if wait > 0 else {}
            )
            response = self.request(
                "GET",
                url,
                params={"includeCells": "false"},
                headers=headers,
                timeout=self.timeout + max(wait, 0),
            )
            if response.status_code != 304:
                status, etag = response.json(), response.headers.get("ETag")
                if on_status is not None:
                    on_status(status)
                if is_terminal(status["status"]):
                    return self.get_execution_status(notebook_id, execution_id)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ExecutionTimeout(execution_id, timeout, status)
            if wait <= 0 or "Preference-Applied" not in response.headers:
                time.sleep(min(poll_interval, remaining))

    def get_execution_results(
        self,
        notebook_id: str,
        execution_id: str,
        output_type: str = "all",
        format_type: str = "detailed",
        *,
        cell_id: str | None = None,
    ) -> dict[str, Any]:
        """Typed results; `format_type` `summary` leaves content out, `detailed` inlines it."""
        params = _without_none({"outputType": output_type, "format": format_type, "cellId": cell_id})
        return self._json("GET", "notebook", notebook_id, "execution", execution_id, "results", params=params)

    def download_results(self, notebook_id: str, execution_id: str, path: str | os.PathLike[str]) -> Path:
        """Every artifact as one zip, streamed to `path` (a folder: the server's file name in it)."""
        url = self.url("notebook", notebook_id, "execution", execution_id, "results")
        return self.download(url, path, params={"format": "download"})

    def download_artifact(
        self, notebook_id: str, execution_id: str, name: str, path: str | os.PathLike[str]
    ) -> Path:
        """One artifact (an output file, enriched CSV, model, report) streamed to `path`."""
        url = self.url("notebook", notebook_id, "execution", execution_id, "artifacts", name)
        return self.download(url, path)

    def download(self, url: str, path: str | os.PathLike[str], params: dict[str, str] | None = None) -> Path:
        """Stream any download of this server (e.g. a result's `downloadUrl`) to a file.

        Written under a temporary name and renamed, so `path` never holds half a file.
        """
        with self.request("GET", url, params=params, stream=True) as response:
            return save_download(response, path, url)

    def cancel_execution(self, notebook_id: str, execution_id: str) -> dict[str, Any]:
        """Stop a queued or running execution (202); Conflict once it has ended."""
        return self._json("POST", "notebook", notebook_id, "execution", execution_id, "cancel")

    def list_executions(self, notebook_id: str, page: int = 1, page_size: int = 20) -> dict[str, Any]:
        """The notebook's history, newest first: `{executions[], totalCount, …}`."""
        return self._json(
            "GET", "notebook", notebook_id, "executions", params={"page": page, "pageSize": page_size}
        )

    # -- datasets ---------------------------------------------------------------------

    def upload_dataset(self, path: str | os.PathLike[str], name: str | None = None) -> dict[str, Any]:
        """Upload a CSV or Parquet file (streamed from disk) as a dataset of this project."""
        source = Path(path)
        data = {"name": name} if name else {}
        with source.open("rb") as handle:
            return self._json("POST", "dataset", files={"file": (source.name, handle)}, data=data)

    def list_datasets(self, page: int = 1, page_size: int = 20) -> dict[str, Any]:
        return self._json("GET", "datasets", params={"page": page, "pageSize": page_size})

    def get_dataset(self, dataset_id: str) -> dict[str, Any]:
        return self._json("GET", "dataset", dataset_id)

    def delete_dataset(self, dataset_id: str) -> None:
        self.request("DELETE", self.url("dataset", dataset_id))

    def preview_dataset(self, dataset_id: str, rows: int | None = None) -> dict[str, Any]:
        """The columns (name, type) and the first `rows` rows (server default 20, at most 500)."""
        return self._json("GET", "dataset", dataset_id, "preview", params=_without_none({"rows": rows}))

    def download_dataset(
        self, dataset_id: str, path: str | os.PathLike[str], format_type: str | None = None
    ) -> Path:
        """The dataset's file streamed to `path` (a folder: the dataset's name in it); a CSV has a BOM.

        `format_type="csv"` converts a Parquet dataset to CSV on the server.
        """
        url = self.url("dataset", dataset_id, "download")
        return self.download(url, path, params=_without_none({"format": format_type}))


# Code ported from the seed's example keeps its class name.
NotebookManager = MindzieClient


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    """Leave unset options out, so the server applies its own defaults."""
    return {key: value for key, value in values.items() if value is not None}

"""Every endpoint of the API as a row of a table: method, path, schemas, answers and errors.

`jupyter_mindzie.contract.openapi` turns the table into the OpenAPI document; a test checks
that every route the server registers is in it.
"""

from __future__ import annotations

from typing import Any

from jupyter_mindzie.contract.components import ref
from jupyter_mindzie.contract.examples import (
    CREATE_EXAMPLE,
    DATASET_EXAMPLE,
    ETAG,
    EXECUTE_EXAMPLE,
    LOCATION,
    PAGED,
    PREFERENCE_APPLIED,
    STATUS_ETAG,
    UPDATE_EXAMPLE,
    UPLOAD_EXAMPLE,
)

PROJECT = "/api/{tenantId}/{projectId}"
NOTEBOOK = f"{PROJECT}/notebook/{{notebookId}}"
EXECUTION = f"{NOTEBOOK}/execution/{{executionId}}"

PATH_PARAMETERS = {
    "tenantId": "The tenant (GUID, any case).",
    "projectId": "The project (GUID, any case).",
    "notebookId": "The notebook (GUID, any case).",
    "executionId": "The execution (GUID, any case).",
    "datasetId": "The dataset (GUID, any case).",
}
ARTIFACT_NAME = {
    "type": "string",
    "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$",
    "description": "An artifact's file name, as a `downloadUrl` of the results names it.",
}
ARTIFACT_TYPES = (
    "text/html",
    "image/png",
    "image/jpeg",
    "image/svg+xml",
    "application/json",
    "text/plain",
    "text/csv",
    "application/octet-stream",
    "application/x-ipynb+json",
)


def _artifact_schema(content_type: str) -> dict[str, Any]:
    if content_type.endswith("json"):
        return {"description": "The JSON the notebook produced (an output's value, the executed notebook)."}
    return {"type": "string", "format": "binary"}


def _route(
    method: str,
    path: str,
    operation_id: str,
    tag: str,
    summary: str,
    *,
    description: str = "",
    query: str | list[dict[str, Any]] | None = None,
    headers: list[dict[str, Any]] | None = None,
    body: str | None = None,
    multipart: tuple[str, str] | None = None,
    example: dict[str, Any] | None = None,
    success: tuple[int, str, dict[str, Any] | None, dict[str, Any] | None],
    errors: tuple[int, ...] = (),
    also: dict[int, dict[str, Any]] | None = None,
    execute: bool = False,
) -> dict[str, Any]:
    return {
        "method": method,
        "path": path,
        "operationId": operation_id,
        "tag": tag,
        "summary": summary,
        "description": description,
        "query": query,
        "headers": headers or [],
        "body": body,
        "multipart": multipart,
        "example": example,
        "success": success,
        "errors": errors,
        "also": also or {},
        "execute": execute,
    }


def _json(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": ref(name)}}


ROUTES: list[dict[str, Any]] = [
    # -- server ---------------------------------------------------------------------------------
    _route(
        "get",
        "/api/mindzie/info",
        "getInfo",
        "Server",
        "The extension's version, the caller and the tenants they reach",
        success=(200, "The server info.", _json("Info"), None),
    ),
    _route(
        "get",
        "/api/mindzie/projects",
        "listProjects",
        "Server",
        "The tenant/project pairs the caller reaches that hold anything",
        success=(200, "The projects.", _json("Projects"), None),
    ),
    _route(
        "get",
        "/api/mindzie/openapi.yaml",
        "getOpenApiYaml",
        "Server",
        "This document, as YAML",
        success=(200, "The OpenAPI document.", {"application/yaml": {"schema": {"type": "object"}}}, None),
    ),
    _route(
        "get",
        "/api/mindzie/openapi.json",
        "getOpenApiJson",
        "Server",
        "This document, as JSON",
        success=(200, "The OpenAPI document.", {"application/json": {"schema": {"type": "object"}}}, None),
    ),
    # -- notebooks ------------------------------------------------------------------------------
    _route(
        "get",
        f"{PROJECT}/notebooks",
        "listNotebooks",
        "Notebooks",
        "One page of the project's notebooks, newest first",
        query="notebook-list-query",
        success=(200, "A page of notebooks.", _json("NotebookList"), None),
        errors=(400, 404),
    ),
    _route(
        "post",
        f"{PROJECT}/notebook",
        "createNotebook",
        "Notebooks",
        "Create a notebook from a template",
        description="The notebook is a real .ipynb file under the server's root, with its settings in "
        "`metadata.mindzie` and a cell tagged `parameters`. `initialCells` come first, then the template's cells. "
        "Requirements the kernel's environment lacks come back as `validation.warnings`.",
        body="notebook-create",
        example=CREATE_EXAMPLE,
        success=(201, "The new notebook (version 1.0.0).", _json("Notebook"), {**LOCATION, **ETAG}),
        errors=(400, 404, 413),
    ),
    _route(
        "post",
        f"{PROJECT}/notebook/upload",
        "uploadNotebook",
        "Notebooks",
        "Upload an .ipynb file",
        description="The file is parsed and validated with nbformat (older v4 minors upgraded); cell ids are kept, "
        "missing ones assigned. Warnings name what to fix (no `parameters` cell, missing packages, …).",
        multipart=("notebook-upload", "The .ipynb file."),
        example=UPLOAD_EXAMPLE,
        success=(201, "The new notebook.", _json("Notebook"), {**LOCATION, **ETAG}),
        errors=(400, 404, 413),
    ),
    _route(
        "get",
        NOTEBOOK,
        "getNotebook",
        "Notebooks",
        "A notebook, as it is now or at an older version",
        description="A change of the file made in JupyterLab is seen here as a new minor version.",
        query=[
            {
                "name": "includeContent",
                "in": "query",
                "description": "Add each cell's `content`.",
                "schema": {"type": "boolean", "default": False},
            },
            {
                "name": "version",
                "in": "query",
                "description": "An older version (see …/versions).",
                "schema": {
                    "type": "string",
                    "pattern": "^(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})$",
                },
            },
        ],
        success=(200, "The notebook.", _json("Notebook"), ETAG),
        errors=(400, 404, 409),
    ),
    _route(
        "put",
        NOTEBOOK,
        "updateNotebook",
        "Notebooks",
        "Change a notebook's settings or replace its cells",
        description="A change of cells bumps the minor version, a change of settings only the patch; a request "
        "that changes nothing keeps the version. `integration` and `environment` are merged field by field.",
        headers=[
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": 'The version the change is based on ("1.4.0", or a list, or *); a stale one is answered 412. '
                "Leave the header out rather than send it empty.",
                # what `MindzieHandler.if_match` accepts: at least one tag, not only commas and spaces
                "schema": {"type": "string", "pattern": "[^\\s,]"},
            }
        ],
        body="notebook-update",
        example=UPDATE_EXAMPLE,
        success=(200, "The updated notebook.", _json("Notebook"), ETAG),
        errors=(400, 404, 409, 412, 413),
    ),
    _route(
        "delete",
        NOTEBOOK,
        "deleteNotebook",
        "Notebooks",
        "Delete a notebook, its file and its execution history",
        success=(204, "Deleted.", None, None),
        errors=(400, 404, 409),
    ),
    _route(
        "get",
        f"{NOTEBOOK}/versions",
        "listNotebookVersions",
        "Notebooks",
        "Every version of a notebook, newest first",
        query=PAGED,
        success=(200, "A page of versions.", _json("NotebookVersions"), None),
        errors=(400, 404, 409),
    ),
    _route(
        "get",
        f"{NOTEBOOK}/parameters",
        "getNotebookParameters",
        "Notebooks",
        "The names, types and defaults of the `parameters` cell",
        success=(200, "The parameters.", _json("NotebookParameters"), None),
        errors=(400, 404, 409),
    ),
    # -- executions -----------------------------------------------------------------------------
    _route(
        "post",
        f"{NOTEBOOK}/execute",
        "executeNotebook",
        "Executions",
        "Queue a run of the notebook on a fresh kernel",
        description="Parameters are injected as papermill does. The run waits in a priority queue for a slot; "
        "poll the execution named by `Location` while its `status` is Running.",
        body="execute-request",
        example=EXECUTE_EXAMPLE,
        success=(202, "Queued.", _json("ExecutionAccepted"), LOCATION),
        errors=(400, 404, 409, 413, 429),
        execute=True,
    ),
    _route(
        "get",
        f"{NOTEBOOK}/executions",
        "listExecutions",
        "Executions",
        "The notebook's execution history, newest first",
        query=PAGED,
        success=(200, "A page of executions.", _json("ExecutionList"), None),
        errors=(400, 404),
    ),
    _route(
        "get",
        EXECUTION,
        "getExecution",
        "Executions",
        "Status, progress, per-cell results and resources of a run",
        description="To follow a run without polling, send the last `ETag` back as If-None-Match with "
        "`Prefer: wait=N` (RFC 7240): the answer comes the moment the status changes, or is 304 after N "
        "seconds without a change (at once for a run that has ended).",
        query=[
            {
                "name": "includeCells",
                "in": "query",
                "description": "false leaves `cellResults` out: cheap polling of a run of many cells.",
                "schema": {"type": "boolean", "default": True},
            }
        ],
        headers=[
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "The `ETag` of the status last seen: unchanged, it is answered 304.",
                "schema": {"type": "string"},
            },
            {
                "name": "Prefer",
                "in": "header",
                "required": False,
                "description": "`wait=N`: with If-None-Match, wait up to N seconds for a change before answering.",
                "schema": {"type": "string"},
            },
        ],
        success=(200, "The execution.", _json("Execution"), {**STATUS_ETAG, **PREFERENCE_APPLIED}),
        errors=(400, 404),
        also={
            304: {
                "description": "Unchanged since the ETag sent as If-None-Match (after waiting, when asked to).",
                "headers": {**STATUS_ETAG, **PREFERENCE_APPLIED},
            }
        },
    ),
    _route(
        "post",
        f"{EXECUTION}/cancel",
        "cancelExecution",
        "Executions",
        "Stop a queued or running execution",
        description="Interrupts the kernel, then shuts it down. An execution that has ended: 409.",
        success=(202, "Cancelling (or cancelled, when it was still queued).", _json("Execution"), None),
        errors=(400, 404, 409),
        execute=True,
    ),
    _route(
        "get",
        f"{EXECUTION}/results",
        "getResults",
        "Results",
        "The typed outputs of a run, or one zip of every artifact",
        query="results-query",
        success=(
            200,
            "The results; with format=download a zip of every artifact.",
            {
                **_json("Results"),
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
            },
            None,
        ),
        errors=(400, 404),
    ),
    _route(
        "get",
        f"{EXECUTION}/artifacts/{{name}}",
        "getArtifact",
        "Results",
        "One artifact of a run, as an attachment",
        description="Served with its own Content-Type, `Content-Disposition: attachment`, `nosniff` and a "
        "sandboxing Content-Security-Policy (outputs are untrusted).",
        success=(
            200,
            "The file.",
            {t: {"schema": _artifact_schema(t)} for t in ARTIFACT_TYPES},
            {
                "Content-Disposition": {
                    "required": True,
                    "schema": {"type": "string", "pattern": "^attachment"},
                },
            },
        ),
        errors=(400, 404),
    ),
    # -- datasets -------------------------------------------------------------------------------
    _route(
        "post",
        f"{PROJECT}/dataset",
        "uploadDataset",
        "Datasets",
        "Upload a CSV or Parquet dataset",
        multipart=("dataset-upload", "A CSV (UTF-8, comma-separated, header row) or Parquet file."),
        example=DATASET_EXAMPLE,
        success=(201, "The new dataset.", _json("Dataset"), LOCATION),
        errors=(400, 404, 413),
    ),
    _route(
        "get",
        f"{PROJECT}/datasets",
        "listDatasets",
        "Datasets",
        "One page of the project's datasets, newest first",
        query=PAGED,
        success=(200, "A page of datasets.", _json("DatasetList"), None),
        errors=(400, 404),
    ),
    _route(
        "get",
        f"{PROJECT}/dataset/{{datasetId}}",
        "getDataset",
        "Datasets",
        "A dataset",
        success=(200, "The dataset.", _json("Dataset"), None),
        errors=(400, 404),
    ),
    _route(
        "delete",
        f"{PROJECT}/dataset/{{datasetId}}",
        "deleteDataset",
        "Datasets",
        "Delete a dataset and its file",
        success=(204, "Deleted.", None, None),
        errors=(400, 404),
    ),
]

# Any request can be malformed (e.g. a Content-Type the server cannot parse), unauthenticated, or hit a bug.
ALWAYS = (400, 403, 500)
ERROR_DESCRIPTIONS = {
    400: "The request breaks the API's rules: a bad GUID, body, form field, header or query value (`errors` "
    "names each field), or a body that cannot be parsed as its Content-Type says.",
    403: "Not authenticated (no or a wrong token), the server's authorizer refused, or the caller may read "
    "the tenant but not run its notebooks (execute, cancel).",
    404: "Not found, or in a tenant or project the caller may not reach (both answer the same).",
    409: "The resource's state forbids it: a notebook with a running execution, a run that has ended, "
    "a kernel the server lacks, a file that cannot be read as a notebook.",
    412: "If-Match names a version that is no longer current.",
    413: "The upload, or a JSON body, is over the configured size limit.",
    429: "Too many executions of this project are waiting; `Retry-After` says when to try again.",
    500: "A bug: the server log has the traceback.",
}

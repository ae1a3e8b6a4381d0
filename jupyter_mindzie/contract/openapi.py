"""The OpenAPI 3.1 document of the API, built from the JSON Schemas in `schema/api/` and a table of routes.

The schemas that validate requests at run time and describe responses are used as they are
(OpenAPI 3.1 speaks JSON Schema 2020-12): each file becomes a component, each `$defs` entry a
component of its own, and every `urn:jupyter-mindzie:api:…` reference is rewritten to point at
those components, so no schema is written twice. Regenerate the committed copy with

    python -m jupyter_mindzie.contract.openapi --write        # writes schema/openapi.yaml

and check it is current with `--check` (the tests do the same).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any

from jupyter_mindzie import __version__
from jupyter_mindzie.contract.schemas import URN_PREFIX, schema_dir

PROBLEM_JSON = "application/problem+json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
REF_PREFIX = "#/components/schemas/"
# Keywords of a schema file's root that make it a schema, not a mere holder of `$defs`.
_META_KEYS = {"$schema", "$id", "title", "description", "$defs"}

# -- components from schema/api -------------------------------------------------------------


def component_name(stem: str) -> str:
    """`notebook-create` → `NotebookCreate`: file schemas are PascalCase, `$defs` keep their names."""
    return "".join(part.capitalize() for part in stem.split("-"))


def load_schemas(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    folder = folder or schema_dir()
    return {path.stem: json.loads(path.read_text("utf-8")) for path in sorted(folder.glob("*.json"))}


def build_components(schemas: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every schema file and every `$defs` entry as `components/schemas`, references rewritten."""
    components: dict[str, dict[str, Any]] = {}
    origin: dict[str, str] = {}

    def add(name: str, schema: dict[str, Any], source: str) -> None:
        if name in components:
            raise ValueError(f"schema name {name!r} of {source} is already used by {origin[name]}")
        components[name] = schema
        origin[name] = source

    for stem, document in schemas.items():
        expected = f"{URN_PREFIX}{stem}"
        if document.get("$id") != expected:
            raise ValueError(f"schema/api/{stem}.json must have $id {expected!r}")
        for def_name, definition in document.get("$defs", {}).items():
            add(def_name, _rewrite(definition, stem), f"{stem}.json#/$defs/{def_name}")
        if set(document) - _META_KEYS:
            root = {k: v for k, v in document.items() if k not in ("$schema", "$id", "$defs")}
            add(component_name(stem), _rewrite(root, stem), f"{stem}.json")
    return dict(sorted(components.items(), key=lambda item: (item[0][0].islower(), item[0])))


def _rewrite(node: Any, stem: str) -> Any:
    """A copy of `node` whose `$ref`s point into `#/components/schemas`."""
    if isinstance(node, list):
        return [_rewrite(item, stem) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _rewrite(value, stem) for key, value in node.items()}
    if isinstance(node.get("$ref"), str):
        result["$ref"] = _component_ref(node["$ref"], stem)
    return result


def _component_ref(ref: str, stem: str) -> str:
    target, _, pointer = ref.partition("#")
    if target:
        if not target.startswith(URN_PREFIX):
            raise ValueError(f"{stem}.json: only {URN_PREFIX}… references are supported, got {ref!r}")
        stem = target[len(URN_PREFIX) :]
    if not pointer:
        return REF_PREFIX + component_name(stem)
    match = re.fullmatch(r"/\$defs/([^/]+)", pointer)
    if match is None:
        raise ValueError(f"{stem}.json: a reference must name a file or one of its $defs, got {ref!r}")
    return REF_PREFIX + match.group(1)


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF_PREFIX + name}


# -- the routes -----------------------------------------------------------------------------

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


LOCATION = {
    "Location": {
        "description": "The URL of the new resource.",
        "required": True,
        "schema": {"type": "string"},
    }
}
ETAG = {
    "ETag": {
        "description": 'The notebook version, quoted ("1.4.0"); send it back as If-Match.',
        "required": True,
        "schema": {"type": "string", "pattern": '^"[0-9]+\\.[0-9]+\\.[0-9]+"$'},
    }
}
STATUS_ETAG = {
    "ETag": {
        "description": "Names this status; send it back as If-None-Match, with `Prefer: wait=N`, to wait for the next change.",
        "required": True,
        "schema": {"type": "string"},
    }
}
PREFERENCE_APPLIED = {
    "Preference-Applied": {
        "description": "`wait=N` when the request asked to wait (N capped by `MindzieEngine.longest_status_wait`).",
        "required": False,
        "schema": {"type": "string", "pattern": "^wait=[0-9]+$"},
    }
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
PAGED = "page-query"

# Request examples, in the style of the vendor documentation; each is valid against its schema (tested).
CREATE_EXAMPLE = {
    "notebookName": "Process Mining Analysis",
    "notebookDescription": "Cycle times and bottlenecks of the order-to-cash log",
    "kernelType": "python3",
    "template": "process_mining_starter",
    "integration": {"enrichmentMode": True, "outputFormat": "enriched_dataframe", "autoExecution": False},
    "environment": {"packages": ["pandas>=2.0"]},
}
UPDATE_EXAMPLE = {
    "notebookDescription": "Weekly bottleneck report",
    "integration": {"autoExecution": True, "scheduleExecution": "0 6 * * 1"},
    "cells": [
        {"cellId": "cell-001", "cellType": "code", "content": "top_n = 5"},
        {"cellType": "markdown", "content": "# Bottlenecks"},
    ],
}
EXECUTE_EXAMPLE = {
    "executionMode": "all",
    "parameters": {"top_n_bottlenecks": 3},
    "outputOptions": {"captureOutputs": True, "saveIntermediateResults": False, "generateReport": True},
    "timeout": 600,
    "priority": "High",
    "stopOnError": False,
}
UPLOAD_EXAMPLE = {
    "file": json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [
                {
                    "id": "cell-001",
                    "cell_type": "code",
                    "metadata": {"tags": ["parameters"]},
                    "source": "x = 1",
                    "outputs": [],
                    "execution_count": None,
                }
            ],
        }
    ),
    "notebookName": "Customer Journey Analysis",
    "enrichmentMode": "true",
}
DATASET_EXAMPLE = {
    "file": "case_id,activity,timestamp\nc1,Order received,2024-01-02T09:00:00\nc1,Order shipped,2024-01-03T15:30:00\n",
    "name": "Order-to-cash event log",
}

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
                "description": 'The version the change is based on ("1.4.0", or a list, or *); a stale one is answered 412.',
                "schema": {"type": "string"},
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


# -- the document ---------------------------------------------------------------------------


def build_document(schemas: dict[str, dict[str, Any]] | None = None, server_url: str = "/") -> dict[str, Any]:
    """The OpenAPI 3.1 document, as a plain dict (ready for JSON or YAML)."""
    schemas = schemas if schemas is not None else load_schemas()
    components = build_components(schemas)
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        operation = _operation(route, schemas, components)
        paths.setdefault(route["path"], {})[route["method"]] = operation
        parameters = [_path_parameter(name) for name in re.findall(r"{(\w+)}", route["path"])]
        if parameters:
            paths[route["path"]]["parameters"] = parameters
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": "jupyter-mindzie notebook API",
            "version": __version__,
            "summary": "Process-mining notebooks as a service, per tenant and project, on a Jupyter server.",
            "description": (
                "Notebooks are .ipynb files the Jupyter server holds; executions run on the server's kernels. "
                "Ids are GUIDs (any case in, lower case out); times are ISO 8601 UTC with Z. Every error is "
                "`application/problem+json` (RFC 9457). Request bodies are validated with the same JSON Schemas "
                "this document is built from (`schema/api/`)."
            ),
            "license": {"name": "BSD-3-Clause", "identifier": "BSD-3-Clause"},
        },
        "servers": [{"url": server_url, "description": "The Jupyter server (its base_url)."}],
        "security": [{"bearerToken": []}, {"jupyterToken": []}],
        "tags": [
            {"name": "Notebooks", "description": "Notebooks, their versions and parameters."},
            {"name": "Executions", "description": "Runs of a notebook on the server's kernels."},
            {
                "name": "Results",
                "description": "What a run produced: outputs, datasets, models, reports, files.",
            },
            {"name": "Datasets", "description": "Event logs and other tables a notebook can be bound to."},
            {"name": "Server", "description": "About the server, the caller and this document."},
        ],
        "paths": paths,
        "components": {
            "schemas": components,
            "responses": {
                _error_name(status): {
                    "description": ERROR_DESCRIPTIONS[status],
                    **({"headers": RETRY_AFTER} if status == 429 else {}),
                    "content": {PROBLEM_JSON: {"schema": ref("Problem")}},
                }
                for status in sorted(ERROR_DESCRIPTIONS)
            },
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The Jupyter server's token: `Authorization: Bearer <token>`.",
                },
                "jupyterToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "The Jupyter server's token as Jupyter's own clients send it: `Authorization: token <token>`.",
                },
            },
        },
    }


def _error_name(status: int) -> str:
    return HTTPStatus(status).phrase.title().replace(" ", "").replace("-", "")


def _path_parameter(name: str) -> dict[str, Any]:
    schema = ARTIFACT_NAME if name == "name" else ref("guid")
    description = PATH_PARAMETERS.get(name, ARTIFACT_NAME["description"])
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


def _operation(
    route: dict[str, Any], schemas: dict[str, dict[str, Any]], components: dict[str, Any]
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route["operationId"],
        "tags": [route["tag"]],
        "summary": route["summary"],
    }
    if route["description"]:
        operation["description"] = route["description"]
    parameters = _query_parameters(route["query"], schemas) + route["headers"]
    if parameters:
        operation["parameters"] = parameters
    if route["body"]:
        media: dict[str, Any] = {"schema": ref(component_name(route["body"]))}
        if route["example"] is not None:
            media["example"] = route["example"]
        operation["requestBody"] = {"required": True, "content": {"application/json": media}}
    if route["multipart"]:
        operation["requestBody"] = _multipart(*route["multipart"], schemas, route["example"])
    status, description, content, headers = route["success"]
    success: dict[str, Any] = {"description": description}
    if headers:
        success["headers"] = headers
    if content:
        success["content"] = content
    responses: dict[str, Any] = {str(status): success}
    responses.update({str(code): response for code, response in route["also"].items()})
    for error in sorted({*route["errors"], *ALWAYS}):
        responses[str(error)] = {"$ref": f"#/components/responses/{_error_name(error)}"}
    operation["responses"] = responses
    if route["execute"]:
        operation["x-jupyter-permission"] = "execute kernels"
    return operation


def _query_parameters(
    query: str | list[dict[str, Any]] | None, schemas: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Query parameters from a query schema's properties (or given as they are)."""
    if query is None:
        return []
    if isinstance(query, list):
        parameters = copy.deepcopy(query)
    else:
        parameters = []
        for name, prop in schemas[query].get("properties", {}).items():
            parameter: dict[str, Any] = {"name": name, "in": "query", "schema": _rewrite(prop, query)}
            if "description" in prop:
                parameter["description"] = prop["description"]
            parameters.append(parameter)
    for parameter in parameters:
        # the server reads `?name=` as if the parameter were not sent (forms send empty fields)
        parameter.update(required=False, allowEmptyValue=True)
    return parameters


def _multipart(
    fields_schema: str,
    file_description: str,
    schemas: dict[str, dict[str, Any]],
    example: dict[str, Any] | None,
) -> dict[str, Any]:
    """A multipart/form-data body: the `file` part plus the text fields of `fields_schema`."""
    fields = schemas[fields_schema]
    properties: dict[str, Any] = {
        "file": {"type": "string", "format": "binary", "description": file_description}
    }
    properties.update(
        {name: _rewrite(prop, fields_schema) for name, prop in fields.get("properties", {}).items()}
    )
    media: dict[str, Any] = {
        "schema": {
            "type": "object",
            "additionalProperties": fields.get("additionalProperties", True),
            "required": ["file", *fields.get("required", [])],
            "properties": properties,
        },
    }
    if example is not None:
        media["example"] = example
    return {
        "required": True,
        "description": fields.get("description", ""),
        "content": {"multipart/form-data": media},
    }


# -- output ---------------------------------------------------------------------------------


def to_yaml(document: dict[str, Any]) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:  # shared headers are written out, not as &anchors
            return True

    header = "# Generated by `python -m jupyter_mindzie.contract.openapi --write` from schema/api/*.json: do not edit.\n"
    return header + yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=110)


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1)


@cache
def served(fmt: str, server_url: str) -> str:
    """The document as the server serves it (servers → its base_url), built once per process."""
    document = build_document(server_url=server_url)
    return to_yaml(document) if fmt == "yaml" else to_json(document)


def committed_path() -> Path:
    return Path(__file__).resolve().parents[2] / "schema" / "openapi.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jupyter_mindzie.contract.openapi",
        description="Print, write or check the OpenAPI document.",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"write {committed_path()}")
    action.add_argument("--check", action="store_true", help="fail when the committed file is stale")
    parser.add_argument("--json", action="store_true", help="print JSON instead of YAML")
    options = parser.parse_args(argv)
    document = build_document()
    if options.write or options.check:
        text = to_yaml(document)
        path = committed_path()
        if options.check:
            if not path.is_file() or path.read_text("utf-8") != text:
                print(
                    f"{path} is stale: run python -m jupyter_mindzie.contract.openapi --write",
                    file=sys.stderr,
                )
                return 1
            return 0
        path.write_text(text, "utf-8")
        print(f"wrote {path}")
        return 0
    sys.stdout.write(to_json(document) + "\n" if options.json else to_yaml(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
from jupyter_mindzie.contract.components import build_components, component_name, load_schemas, ref, rewrite
from jupyter_mindzie.contract.dataset_routes import DATASET_FILE_ROUTES
from jupyter_mindzie.contract.examples import RETRY_AFTER
from jupyter_mindzie.contract.project_routes import PROJECT_ROUTES
from jupyter_mindzie.contract.routes import ALWAYS, ARTIFACT_NAME, ERROR_DESCRIPTIONS, PATH_PARAMETERS, ROUTES

PROBLEM_JSON = "application/problem+json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
REF_PREFIX = "#/components/schemas/"
# Keywords of a schema file's root that make it a schema, not a mere holder of `$defs`.
_META_KEYS = {"$schema", "$id", "title", "description", "$defs"}


# -- the document ---------------------------------------------------------------------------


def build_document(schemas: dict[str, dict[str, Any]] | None = None, server_url: str = "/") -> dict[str, Any]:
    """The OpenAPI 3.1 document, as a plain dict (ready for JSON or YAML)."""
    schemas = schemas if schemas is not None else load_schemas()
    components = build_components(schemas)
    paths: dict[str, dict[str, Any]] = {}
    for route in [*ROUTES, *DATASET_FILE_ROUTES, *PROJECT_ROUTES]:
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
        fields_schema, file_description = route["multipart"]
        operation["requestBody"] = _multipart(fields_schema, file_description, schemas, route["example"])
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
            parameter: dict[str, Any] = {"name": name, "in": "query", "schema": rewrite(prop, query)}
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
        {name: rewrite(prop, fields_schema) for name, prop in fields.get("properties", {}).items()}
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

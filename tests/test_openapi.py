"""The OpenAPI document: current, valid, complete, served, and true to what the live server answers."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import time
import zipfile
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from schemathesis.specs.openapi import definitions
from tornado.web import RequestHandler

from jupyter_mindzie.contract import components, openapi, routes

from .support import OTHER_TENANT, PROJECT, TENANT, Reply, assert_problem, multipart

DOCUMENT = openapi.build_document()
GUID = "0c1e8400-e29b-41d4-a716-446655440000"
SAMPLES = dict.fromkeys(routes.PATH_PARAMETERS, GUID) | {"name": "report.html"}
JSON_TYPES = ("application/json", "application/problem+json")


# -- the document itself --------------------------------------------------------------------


def test_the_committed_document_is_current():
    committed = openapi.committed_path().read_text("utf-8")
    assert committed == openapi.to_yaml(DOCUMENT), (
        "stale: run `python -m jupyter_mindzie.contract.openapi --write`"
    )
    assert openapi.main(["--check"]) == 0
    assert yaml.safe_load(committed) == json.loads(openapi.to_json(DOCUMENT))


def test_the_document_is_openapi_3_1_with_valid_schemas_and_references():
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in Draft202012Validator(definitions.OPENAPI_31).iter_errors(DOCUMENT)
    ]
    assert not errors, errors[:5]
    for _name, schema in DOCUMENT["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return own + [r for v in node.values() for r in refs(v)]
        return [r for v in node for r in refs(v)] if isinstance(node, list) else []

    for ref in refs(DOCUMENT):
        target: Any = DOCUMENT
        assert ref.startswith("#/"), ref
        for part in ref[2:].split("/"):
            assert part in target, f"{ref} does not resolve"
            target = target[part]


def test_request_schemas_are_the_ones_the_server_validates_with():
    """Built from schema/api, not copied: each request body is the file's schema, references rewritten."""
    from jupyter_mindzie.contract import schemas

    bodies = {
        (path, method): operation["requestBody"]["content"]
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        if method != "parameters" and "requestBody" in operation
    }
    assert bodies[(f"{routes.PROJECT}/notebook", "post")]["application/json"]["schema"] == components.ref(
        "NotebookCreate"
    )
    assert bodies[(routes.NOTEBOOK, "put")]["application/json"]["schema"] == components.ref("NotebookUpdate")
    assert bodies[(f"{routes.NOTEBOOK}/execute", "post")]["application/json"]["schema"] == components.ref(
        "ExecuteRequest"
    )
    component = DOCUMENT["components"]["schemas"]["NotebookCreate"]
    assert component["properties"]["kernelType"] == components.ref("kernelType")
    assert (
        DOCUMENT["components"]["schemas"]["kernelType"]
        == schemas.schema("definitions")["$defs"]["kernelType"]
    )
    # every example the document shows is valid against the schema it illustrates
    for (_path, _method), content in bodies.items():
        for media, spec in content.items():
            if "example" in spec and media == "application/json":
                validate(spec["example"], spec["schema"])


def allowed(handler: type) -> set[str]:
    return {
        m.lower()
        for m in handler.SUPPORTED_METHODS
        if m != "OPTIONS"
        and getattr(handler, m.lower(), None) is not getattr(RequestHandler, m.lower(), None)
    }


def test_every_route_and_verb_is_documented_and_nothing_else(mindzie_app):
    routes = [(re.compile(pattern + "$"), handler) for pattern, handler, *_ in mindzie_app.handlers]

    def handler_of(path: str) -> type:
        return next(handler for pattern, handler in routes if pattern.match(path))

    documented = set()
    for template, item in DOCUMENT["paths"].items():
        sample = template.format(**SAMPLES)
        for method in set(item) - {"parameters"}:
            assert method in allowed(handler_of(sample)), (
                f"{method.upper()} {template} is documented but not served"
            )
            documented.add((handler_of(sample), method))
    served = {(handler, method) for _, handler in routes for method in allowed(handler)}
    assert served - documented == set(), "served but not documented"


# -- conformance of real answers --------------------------------------------------------------


def validate(instance: Any, schema: dict[str, Any]) -> None:
    root = {**schema, "components": DOCUMENT["components"]}
    errors = sorted(Draft202012Validator(root).iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]


def conforms(reply: Reply, method: str, template: str) -> Any:
    """The reply's status, headers, content type and body are as the document says; returns the body."""
    responses = DOCUMENT["paths"][template][method.lower()]["responses"]
    assert str(reply.status) in responses, (
        f"{reply.status} is not documented for {method} {template}: {reply.body[:300]!r}"
    )
    spec = responses[str(reply.status)]
    if "$ref" in spec:
        spec = DOCUMENT["components"]["responses"][spec["$ref"].rsplit("/", 1)[1]]
    for name, header in spec.get("headers", {}).items():
        if header.get("required"):
            assert name in reply.headers, f"{method} {template} {reply.status} lacks {name}"
            value = reply.headers[name]
            assert re.search(header["schema"].get("pattern", ""), value), (name, value)
    content = spec.get("content")
    if not content:
        assert not reply.body, reply.body
        return None
    media = reply.content_type.split(";")[0].strip()
    assert media in content, f"{method} {template} {reply.status}: {media} is not one of {list(content)}"
    if media in JSON_TYPES:
        body = json.loads(reply.body)
        validate(body, content[media]["schema"])
        return body
    return reply.body


@pytest.fixture
def call(api):
    """Call an operation by its documented template; every answer is checked against the document."""

    async def call(method: str, template: str, body: Any = None, **kwargs: Any) -> tuple[Reply, Any]:
        values = {"tenantId": TENANT, "projectId": PROJECT, **kwargs.pop("ids", {})}
        reply = await api(method, template.format(**values).lstrip("/"), body, **kwargs)
        return reply, conforms(reply, method, template)

    return call


NOTEBOOK = routes.NOTEBOOK
EXECUTION = routes.EXECUTION
PROJECT_PATH = routes.PROJECT
CELLS = [
    {"cellId": "cell-001", "cellType": "code", "content": "x = 1"},
    {"cellType": "markdown", "content": "# Figures"},
    {
        "cellType": "code",
        "content": (
            "from IPython.display import JSON, Image, display\nimport base64\n"
            "display(Image(data=base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==')))\n"
            "display(JSON({'x': x}))\nprint('printed', x)"
        ),
    },
    {"cellType": "raw", "content": "raw text"},
    {
        "cellType": "code",
        "content": (
            "import mindzie_sdk\nevents = mindzie_sdk.load_dataset()\nevents['late'] = events['case_id'] == 'c1'\n"
            "mindzie_sdk.publish_enriched(events, 'events with lateness')\n"
            "mindzie_sdk.publish_model({'threshold': 2}, 'late model', metrics={'accuracy': 0.5}, features=['case_id'])\n"
            "len(events)"
        ),
    },
    {"cellType": "code", "content": "raise ValueError('expected failure')"},
]
EVENTS = b"case_id,activity,timestamp\nc1,A,2024-01-01T10:00:00\nc1,B,2024-01-02T10:00:00\nc2,A,2024-01-03T10:00:00\n"


async def wait(call: Any, ids: dict[str, str], until: Any, deadline: float = 120) -> dict[str, Any]:
    end = time.monotonic() + deadline
    while True:
        reply, status = await call("GET", EXECUTION, ids=ids)
        assert reply.status == 200
        if until(status):
            return status
        assert time.monotonic() < end, status
        await asyncio.sleep(0.05)


async def test_a_whole_workflow_answers_as_documented(call, api):
    reply, info = await call("GET", "/api/mindzie/info")
    assert reply.status == 200 and info["tenants"] == "*"

    # datasets
    body, headers = multipart({"name": "events"}, [("file", "events.csv", EVENTS)])
    reply, dataset = await call("POST", f"{PROJECT_PATH}/dataset", raw=body, headers=headers)
    assert reply.status == 201 and dataset["columnTypes"]
    dataset_ids = {"datasetId": dataset["datasetId"]}
    reply, listed = await call("GET", f"{PROJECT_PATH}/datasets", params={"pageSize": 1})
    assert reply.status == 200 and listed["datasets"][0]["datasetId"] == dataset["datasetId"]
    reply, fetched = await call("GET", f"{PROJECT_PATH}/dataset/{{datasetId}}", ids=dataset_ids)
    assert reply.status == 200 and "columnTypes" in fetched
    reply, preview = await call("GET", f"{PROJECT_PATH}/dataset/{{datasetId}}/preview", ids=dataset_ids)
    assert reply.status == 200 and preview["rows"]
    reply, _ = await call(
        "GET", f"{PROJECT_PATH}/dataset/{{datasetId}}/preview", ids=dataset_ids, params={"rows": 0}
    )
    assert reply.status == 400
    reply, data = await call("GET", f"{PROJECT_PATH}/dataset/{{datasetId}}/download", ids=dataset_ids)
    assert reply.status == 200 and data.startswith(b"\xef\xbb\xbf")

    # notebooks: create (with warnings), update, versions, parameters, reads
    reply, notebook = await call(
        "POST",
        f"{PROJECT_PATH}/notebook",
        {
            "notebookName": "Conformance",
            "notebookDescription": None,
            "template": "blank",
            "integration": {"enrichmentMode": True, "datasetBinding": dataset["datasetId"].upper()},
            "environment": {"packages": ["pandas>=2", "surely-not-installed-anywhere"]},
        },
    )
    assert reply.status == 201 and notebook["validation"]["warnings"]
    ids = {"notebookId": notebook["notebookId"]}
    reply, notebook = await call("PUT", NOTEBOOK, {"cells": CELLS}, ids=ids, headers={"If-Match": '"1.0.0"'})
    assert reply.status == 200 and notebook["notebookVersion"] == "1.1.0"
    reply, _ = await call(
        "PUT", NOTEBOOK, {"notebookDescription": "stale"}, ids=ids, headers={"If-Match": '"1.0.0"'}
    )
    assert_problem(reply, 412, field="If-Match")
    reply, _ = await call("PUT", NOTEBOOK, {"notebookTitle": "typo"}, ids=ids)
    assert_problem(reply, 400, field="notebookTitle")
    reply, _ = await call("GET", NOTEBOOK, ids=ids, params={"includeContent": "true"})
    assert reply.status == 200 and all("content" in cell for cell in _["cells"])
    assert {cell["cellType"] for cell in _["cells"]} == {"code", "markdown", "raw"}
    reply, old = await call("GET", NOTEBOOK, ids=ids, params={"version": "1.0.0"})
    assert reply.status == 200 and old["notebookVersion"] == "1.0.0"
    reply, _ = await call("GET", NOTEBOOK, ids=ids, params={"version": "9.9.9"})
    assert_problem(reply, 404, problem_type="version-not-found")
    reply, versions = await call("GET", f"{NOTEBOOK}/versions", ids=ids)
    assert reply.status == 200 and versions["totalCount"] == 2
    reply, parameters = await call("GET", f"{NOTEBOOK}/parameters", ids=ids)
    assert reply.status == 200 and parameters["parameters"][0]["name"] in ("x", "dataset_id")

    # upload
    file = json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 4,
            "metadata": {},
            "cells": [
                {"cell_type": "code", "metadata": {}, "source": "1", "outputs": [], "execution_count": None},
            ],
        }
    ).encode()
    body, headers = multipart({"enrichmentMode": "false"}, [("file", "uploaded.ipynb", file)])
    reply, uploaded = await call("POST", f"{PROJECT_PATH}/notebook/upload", raw=body, headers=headers)
    assert reply.status == 201 and {w["code"] for w in uploaded["validation"]["warnings"]} >= {
        "upgraded",
        "no-parameters-cell",
    }
    reply, notebooks = await call("GET", f"{PROJECT_PATH}/notebooks", params={"enrichmentMode": "true"})
    assert reply.status == 200 and notebooks["totalCount"] == 1

    # a run: queued, running, completed with one failed cell; outputs, enriched data, a model, a report
    reply, accepted = await call(
        "POST",
        f"{NOTEBOOK}/execute",
        {"priority": "High", "outputOptions": {"generateReport": True}},
        ids=ids,
    )
    assert reply.status == 202
    run = {**ids, "executionId": accepted["executionId"]}
    reply, _ = await call("DELETE", NOTEBOOK, ids=ids)
    assert_problem(reply, 409)
    final = await wait(call, run, lambda s: s["status"] != "Running")
    assert final["status"] == "Completed" and final["progress"]["failedCells"] == 1, final
    assert final["outputs"]["enrichedData"] and final["resources"]["peakMemoryBytes"]
    reply, history = await call("GET", f"{NOTEBOOK}/executions", ids=ids)
    assert reply.status == 200 and history["executions"][0]["executionId"] == run["executionId"]
    reply, summary = await call("GET", f"{EXECUTION}/results", ids=run)
    assert reply.status == 200 and summary["counts"]["models"] == 1 and summary["enrichedDatasets"]
    reply, detailed = await call("GET", f"{EXECUTION}/results", ids=run, params={"format": "detailed"})
    assert reply.status == 200 and "counts" not in detailed and any(o["content"] for o in detailed["outputs"])
    reply, plots = await call(
        "GET", f"{EXECUTION}/results", ids=run, params={"outputType": "plots", "cellId": "cell-003"}
    )
    assert reply.status == 200 and plots["outputs"][0]["dimensions"] == {"width": 1, "height": 1}
    reply, archive = await call("GET", f"{EXECUTION}/results", ids=run, params={"format": "download"})
    assert reply.status == 200 and zipfile.ZipFile(io.BytesIO(archive)).namelist()
    urls = [
        item["downloadUrl"]
        for key in ("outputs", "enrichedDatasets", "models", "reports")
        for item in summary[key]
    ]
    for url in [*urls, summary["executedNotebook"]["downloadUrl"]]:
        reply, _ = await call(
            "GET", f"{EXECUTION}/artifacts/{{name}}", ids={**run, "name": url.rsplit("/", 1)[1]}
        )
        assert reply.status == 200, url
    reply, _ = await call("GET", f"{EXECUTION}/artifacts/{{name}}", ids={**run, "name": "missing.txt"})
    assert_problem(reply, 404)
    reply, _ = await call("POST", f"{EXECUTION}/cancel", ids=run)
    assert_problem(reply, 409)

    # a run cancelled while it runs
    reply, sleeper = await call(
        "POST",
        f"{PROJECT_PATH}/notebook",
        {
            "notebookName": "Sleeper",
            "initialCells": [
                {"cellType": "code", "content": "import time\ntime.sleep(60)"},
            ],
        },
    )
    sleeper_ids = {"notebookId": sleeper["notebookId"]}
    reply, accepted = await call("POST", f"{NOTEBOOK}/execute", {}, ids=sleeper_ids)
    sleeping = {**sleeper_ids, "executionId": accepted["executionId"]}
    await wait(call, sleeping, lambda s: s["phase"] == "Executing")
    reply, _cancelling = await call("POST", f"{EXECUTION}/cancel", ids=sleeping)
    assert reply.status == 202
    assert (await wait(call, sleeping, lambda s: s["status"] != "Running"))["status"] == "Cancelled"

    # errors, and the end of things
    reply, _ = await call("GET", NOTEBOOK, ids={"notebookId": "not-a-guid"})
    assert_problem(reply, 400, field="notebookId")
    reply, _ = await call("GET", NOTEBOOK, ids={**ids, "tenantId": OTHER_TENANT})
    assert_problem(reply, 404)
    reply, _ = await call("GET", f"{PROJECT_PATH}/notebooks", params={"pageSize": "500"})
    assert_problem(reply, 400, field="pageSize")
    reply, _ = await call("GET", f"{PROJECT_PATH}/notebooks", headers={"Authorization": "token wrong"})
    assert_problem(reply, 403)
    reply, _ = await call("DELETE", NOTEBOOK, ids={"notebookId": uploaded["notebookId"]})
    assert reply.status == 204
    reply, _ = await call("DELETE", f"{PROJECT_PATH}/dataset/{{datasetId}}", ids=dataset_ids)
    assert reply.status == 204
    names = {"tenantName": "Conformance Inc.", "projectName": "Workflow"}
    reply, named = await call("PUT", "/api/mindzie/projects/{tenantId}/{projectId}", names)
    assert reply.status == 200 and named["projectName"] == "Workflow"
    reply, _ = await call("PUT", "/api/mindzie/projects/{tenantId}/{projectId}", {"projectName": ""})
    assert_problem(reply, 400, field="projectName")
    reply, projects = await call("GET", "/api/mindzie/projects")
    assert reply.status == 200 and projects["projects"] == [  # the table the run published stays a dataset
        {
            "tenantId": TENANT,
            "projectId": PROJECT,
            "tenantName": "Conformance Inc.",
            "projectName": "Workflow",
            "notebookCount": 2,
            "datasetCount": 1,
        }
    ]


async def test_an_unsupported_method_is_a_405_problem_naming_the_allowed_ones(api):
    reply = await api("PATCH", f"api/{TENANT}/{PROJECT}/notebook/{GUID}", {"notebookName": "x"})
    assert_problem(reply, 405)
    assert reply.headers["Allow"] == "GET, DELETE, PUT, OPTIONS"
    # the versions and parameters of a notebook are read-only: no verb is inherited from the notebook's handler
    for path in ("versions", "parameters"):
        for method in ("PUT", "DELETE"):
            reply = await api(
                method, f"api/{TENANT}/{PROJECT}/notebook/{GUID}/{path}", {} if method == "PUT" else None
            )
            assert_problem(reply, 405)
            assert reply.headers["Allow"] == "GET, OPTIONS"


async def test_an_empty_if_match_is_a_400_naming_it(call):
    reply, notebook = await call("POST", f"{PROJECT_PATH}/notebook", {"notebookName": "x"})
    reply, _ = await call(
        "PUT",
        NOTEBOOK,
        {"notebookDescription": "y"},
        ids={"notebookId": notebook["notebookId"]},
        headers={"If-Match": " "},
    )
    assert_problem(reply, 400, field="If-Match")


@pytest.mark.parametrize(
    ("metadata", "ignored"),
    [
        ({"mindzie": {"environment": []}}, True),
        ({"mindzie": {"environment": {"packages": 5}}}, True),
        ({"mindzie": {"environment": {"packages": "pandas"}}}, True),
        ({"mindzie": {"environment": {"packages": [{"name": "pandas"}]}}}, True),
        ({"mindzie": "not an object"}, False),
        ({"language_info": {"name": "python", "version": 3}}, False),
    ],
)
async def test_odd_metadata_in_an_uploaded_file_never_breaks_the_answer(call, metadata, ignored):
    """Once 500s (a list or number where the environment's lists belong) or a number as pythonVersion."""
    file = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": []}).encode()
    body, headers = multipart({}, [("file", "odd.ipynb", file)])
    reply, uploaded = await call("POST", f"{PROJECT_PATH}/notebook/upload", raw=body, headers=headers)
    assert reply.status == 201, reply.body
    assert uploaded["environment"] == {"pythonVersion": None, "packages": [], "customLibraries": []}
    assert ("environment-ignored" in {w["code"] for w in uploaded["validation"]["warnings"]}) is ignored
    reply, _ = await call("GET", NOTEBOOK, ids={"notebookId": uploaded["notebookId"]})
    assert reply.status == 200


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_are_not_json(call, literal):
    """Python's json reads them; accepted, they came back in the 202 body as invalid JSON."""
    reply, notebook = await call("POST", f"{PROJECT_PATH}/notebook", {"notebookName": "x"})
    reply, _ = await call(
        "POST",
        f"{NOTEBOOK}/execute",
        raw=f'{{"parameters": {{"x": {literal}}}}}',
        ids={"notebookId": notebook["notebookId"]},
    )
    assert_problem(reply, 400, field="body")


@pytest.mark.parametrize(
    "cell",
    [
        {"metadata": {"execution": "not an object"}},
        {"metadata": {"execution": {"shell.execute_reply": 5}}},
        {"execution_count": "seven"},
        {"cell_type": "weird"},
    ],
)
async def test_a_file_edited_by_hand_never_breaks_the_answer(call, jp_root_dir, cell):
    """Once a 500 (execution metadata that is not an object) or a shape the document does not allow."""
    reply, notebook = await call("POST", f"{PROJECT_PATH}/notebook", {"notebookName": "edited"})
    path = jp_root_dir / notebook["path"]
    content = json.loads(path.read_text("utf-8"))
    content["cells"] = [
        {
            "id": "c1",
            "cell_type": "code",
            "metadata": {},
            "source": "1",
            "outputs": [],
            "execution_count": None,
            **cell,
        }
    ]
    path.write_text(json.dumps(content), "utf-8")
    later = time.time() + 5
    os.utime(path, (later, later))
    for params in ({}, {"includeContent": "true"}):
        reply, edited = await call("GET", NOTEBOOK, ids={"notebookId": notebook["notebookId"]}, params=params)
        assert reply.status == 200 and edited["notebookVersion"] == "1.1.0"


ODD_PUBLISHER = """from IPython.display import display
display({'application/vnd.mindzie.enriched-dataset+json': {'name': 5, 'recordCount': 'many', 'newColumns': 'abc'}, 'text/plain': 'x'}, raw=True)
display({'application/vnd.mindzie.model+json': {'name': ['m'], 'modelType': 7, 'accuracy': 'high', 'metrics': [1], 'features': 'abc'}, 'text/plain': 'm'}, raw=True)
display({'application/json': {'a': 1}}, raw=True, metadata={'title': 5})
"""


async def test_what_a_notebook_publishes_is_typed_as_documented(call):
    """A notebook can display anything under the helper's MIME types; the answers keep their documented types."""
    reply, notebook = await call(
        "POST",
        f"{PROJECT_PATH}/notebook",
        {
            "notebookName": "odd",
            "initialCells": [
                {"cellType": "code", "content": ODD_PUBLISHER},
            ],
        },
    )
    ids = {"notebookId": notebook["notebookId"]}
    reply, accepted = await call("POST", f"{NOTEBOOK}/execute", {}, ids=ids)
    run = {**ids, "executionId": accepted["executionId"]}
    final = await wait(call, run, lambda s: s["status"] != "Running")
    assert final["status"] == "Completed" and final["outputs"]["enrichedData"] == {
        "recordCount": None,
        "newColumns": None,
    }
    for fmt in ("summary", "detailed"):
        reply, results = await call("GET", f"{EXECUTION}/results", ids=run, params={"format": fmt})
        assert reply.status == 200
    (dataset,) = results["enrichedDatasets"]
    (model,) = results["models"]
    assert dataset["recordCount"] is None and dataset["newColumns"] == [] and isinstance(dataset["name"], str)
    assert model["accuracy"] is None and model["metrics"] == {} and model["features"] == []


class TestUploadLimit:
    @pytest.fixture
    def mindzie_config(self):
        return {
            "MindzieNotebookLibrary": {"max_upload_size": 64},
            "MindzieDatasetLibrary": {"max_upload_size": 64},
        }

    async def test_over_the_limit_is_a_documented_413(self, call):
        for template, name in (
            (f"{PROJECT_PATH}/notebook/upload", "big.ipynb"),
            (f"{PROJECT_PATH}/dataset", "big.csv"),
        ):
            body, headers = multipart({}, [("file", name, b"x" * 100)])
            reply, _ = await call("POST", template, raw=body, headers=headers)
            assert_problem(reply, 413, field="file")


# -- served ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["yaml", "json"])
async def test_the_document_is_served_behind_authentication(api, jp_base_url, fmt):
    reply = await api("GET", f"api/mindzie/openapi.{fmt}")
    assert reply.status == 200
    served = yaml.safe_load(reply.body) if fmt == "yaml" else json.loads(reply.body)
    assert served == {**DOCUMENT, "servers": [{**DOCUMENT["servers"][0], "url": jp_base_url}]}
    assert reply.content_type == {"yaml": "application/yaml", "json": "application/json"}[fmt]
    denied = await api("GET", f"api/mindzie/openapi.{fmt}", headers={"Authorization": "token wrong"})
    assert_problem(denied, 403)


async def test_the_document_and_the_server_agree_on_if_match_and_python_version(call):
    """Once schema-valid but refused (an empty If-Match), and readOnly but accepted (pythonVersion)."""
    import jsonschema

    from jupyter_mindzie.contract.openapi import build_document

    operation = build_document()["paths"]["/api/{tenantId}/{projectId}/notebook/{notebookId}"]["put"]
    (header,) = [p for p in operation["parameters"] if p["name"] == "If-Match"]
    reply, notebook = await call("POST", f"{PROJECT_PATH}/notebook", {"notebookName": "x"})
    ids = {"notebookId": notebook["notebookId"]}
    for value in ("", " ", " , "):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(value, header["schema"])
        reply, _ = await call(
            "PUT", NOTEBOOK, {"notebookDescription": "y"}, ids=ids, headers={"If-Match": value}
        )
        assert_problem(reply, 400, field="If-Match")
    jsonschema.validate('"1.0.0"', header["schema"])

    environment = {"pythonVersion": "2.7.0", "packages": ["nbformat"]}
    reply, updated = await call("PUT", NOTEBOOK, {"environment": environment}, ids=ids)
    assert reply.status == 200, reply.body
    assert updated["environment"]["pythonVersion"] != "2.7.0", "read from the kernel, never taken as input"

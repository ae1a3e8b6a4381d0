"""Schemathesis against a live `jupyter server`: thousands of generated requests, no 5xx, every answer as documented.

The fuzzer loads the document the server serves (`/api/mindzie/openapi.json`) and runs its
examples, coverage and fuzzing phases (not the stateful one: no chains of calls whose outcome
depends on timing). Checks: every `all` check except `positive_data_acceptance`, since a request
the schema allows can still be refused for what only the server knows (a kernel it lacks, a cron
expression croniter rejects, a file that is not a notebook or a CSV).

Real data is reachable: the tenant, project, notebook, execution, dataset and artifact path
parameters are drawn most of the time from what `seed()` made (schemathesis dictionaries), the
rest of the time generated. DELETE draws often from spare notebooks and datasets, so the seeded ones
usually stay (a seed may still delete them late in the run). `POST …/execute` only ever reaches a notebook that does not exist (a hook rewrites any
valid notebookId before the request is sent), so the fuzzer validates execute bodies without
starting kernels; the test asserts afterwards that no execution but the seeded run exists.

Knobs: MINDZIE_FUZZ_EXAMPLES (per operation and phase, default 50), MINDZIE_FUZZ_SEED.
"""

from __future__ import annotations

import collections
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import schemathesis  # noqa: F401  # the fuzzer runs in a subprocess: a missing install fails collection here

from jupyter_mindzie.contract import openapi, routes

from .support import PROJECT, TENANT, TOKEN, Server

pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(900)]

MIN_REQUESTS = 2000
EXAMPLES = int(os.environ.get("MINDZIE_FUZZ_EXAMPLES", "50"))
SEED = int(os.environ.get("MINDZIE_FUZZ_SEED", "20240120"))
ABSENT_NOTEBOOK = "00000000-0000-4000-8000-0000000000ab"
UNKNOWN_SCOPE = "00000000-0000-4000-8000-0000000000cd"

# Loaded by the schemathesis process (SCHEMATHESIS_HOOKS).
HOOKS = f'''
"""Hooks of the mindzie fuzz run; see tests/test_fuzz.py."""
import re

import schemathesis

GUID = re.compile(r"^[0-9a-fA-F]{{8}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{12}}$")


@schemathesis.hook
def before_call(context, case, kwargs):
    """`POST …/execute` never reaches a real notebook: no kernels are started by the fuzzer.

    A tenant or project that is not GUID-shaped is by design no route of ours (it may be
    Jupyter's or another extension's, tests/test_other_extensions.py): such values become a
    GUID no one has, so every request the fuzzer sends is one we answer.
    """
    for name in ("tenantId", "projectId"):
        value = (case.path_parameters or {{}}).get(name)
        if value is not None and not (isinstance(value, str) and GUID.match(value)):
            case.path_parameters[name] = "{UNKNOWN_SCOPE}"
    if case.operation.method.upper() == "POST" and case.operation.path.endswith("/execute"):
        notebook_id = (case.path_parameters or {{}}).get("notebookId")
        if isinstance(notebook_id, str) and GUID.match(notebook_id):
            case.path_parameters["notebookId"] = "{ABSENT_NOTEBOOK}"

'''

SEED_CODE = [
    "x = 1",
    "# Figures",
    "from IPython.display import JSON, Image, display\n"
    "import base64\n"
    "display(Image(data=base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==')))\n"
    "display(JSON({'x': x}))\n"
    "print('done', x)",
    "import mindzie_sdk\n"
    "events = mindzie_sdk.load_dataset()\n"
    "events['late'] = events['case_id'] == 'c1'\n"
    "mindzie_sdk.publish_enriched(events, 'events with lateness')\n"
    "mindzie_sdk.publish_model({'threshold': 2}, 'late model', metrics={'accuracy': 0.5}, features=['case_id'])\n"
    "len(events)",
]
EVENTS = b"case_id,activity,timestamp\n" + b"".join(
    f"c{i % 5},{'AB'[i % 2]},2024-01-{1 + i % 28:02d}T10:00:00\n".encode() for i in range(40)
)
UPLOAD_NOTEBOOK = json.dumps(
    {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "id": "a",
                "cell_type": "code",
                "metadata": {},
                "source": "1",
                "outputs": [],
                "execution_count": None,
            }
        ],
    }
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "root"
    root.mkdir()
    # cold kernels: the only kernel of the run is the seeded execution's
    running = Server(root, "--MindzieKernelPool.size=0", "--MindzieEngine.slots=1")
    running.start()
    yield running
    running.stop()


def created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201, 202), response.text
    return response.json()


def seed(server: Server) -> dict[str, Any]:
    """A dataset, a notebook bound to it with one completed run (outputs, enriched data, a model,
    a report), and spare notebooks and datasets for DELETE."""
    dataset = created(
        server.call("POST", "dataset", files={"file": ("events.csv", EVENTS)}, data={"name": "events"})
    )
    spare_datasets = [
        created(server.call("POST", "dataset", files={"file": (f"spare-{i}.csv", EVENTS)}))["datasetId"]
        for i in range(6)
    ]
    notebook = created(
        server.call(
            "POST",
            "notebook",
            json={
                "notebookName": "fuzz target",
                "integration": {"enrichmentMode": True, "datasetBinding": dataset["datasetId"]},
            },
        )
    )
    cells = [
        {
            "cellId": f"cell-{number:03d}",
            "cellType": "markdown" if source.startswith("#") else "code",
            "content": source,
        }
        for number, source in enumerate(SEED_CODE, start=1)
    ]
    notebook = created(server.call("PUT", f"notebook/{notebook['notebookId']}", json={"cells": cells}))
    spare_notebooks = [
        created(server.call("POST", "notebook", json={"notebookName": f"spare {i}"}))["notebookId"]
        for i in range(6)
    ]
    run = created(
        server.call(
            "POST",
            f"notebook/{notebook['notebookId']}/execute",
            json={"outputOptions": {"generateReport": True}},
        )
    )
    final = server.wait_for(
        notebook["notebookId"], run["executionId"], lambda s: s["status"] != "Running", deadline=120
    )
    assert final["status"] == "Completed" and final["progress"]["failedCells"] == 0, final
    results = created(
        server.call("GET", f"notebook/{notebook['notebookId']}/execution/{run['executionId']}/results")
    )
    urls = [
        item["downloadUrl"]
        for key in ("outputs", "enrichedDatasets", "models", "reports")
        for item in results[key]
    ]
    urls.append(results["executedNotebook"]["downloadUrl"])
    assert results["enrichedDatasets"] and results["models"] and results["reports"], results
    return {
        "tenant": [TENANT],
        "project": [PROJECT],
        "notebook": [notebook["notebookId"]],
        "spareNotebook": spare_notebooks,
        "execution": [run["executionId"]],
        "dataset": [dataset["datasetId"]],
        "spareDataset": spare_datasets,
        "artifact": [url.rsplit("/", 1)[1] for url in urls if url],
        "cellId": [cell["cellId"] for cell in notebook["cells"]],
        "version": ["1.0.0", notebook["notebookVersion"]],
        "notebookFile": [UPLOAD_NOTEBOOK],
        "csvFile": [EVENTS.decode()],
    }


def config(dictionaries: dict[str, list[str]]) -> str:
    """schemathesis.toml: the seeded values as dictionaries, bound to parameters with a probability."""
    lines = []
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]

    def binding(parameter: str, dictionary: str, probability: float) -> str:
        return f'"{parameter}" = {{ dictionary = "{dictionary}", probability = {probability} }}'

    lines += [
        "[parameters]",
        binding("path.tenantId", "tenant", 0.85),
        binding("path.projectId", "project", 0.85),
        binding("path.notebookId", "notebook", 0.7),
        binding("path.executionId", "execution", 0.7),
        binding("path.datasetId", "dataset", 0.7),
        binding("path.name", "artifact", 0.7),
        binding("query.cellId", "cellId", 0.5),
        binding("query.version", "version", 0.5),
        "",
        # A body over the server's size limit is refused with 413 before it is read, as the
        # document says: that is a rejection too (schemathesis's default list has no 413).
        "[checks.negative_data_rejection]",
        'expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]',
        "",
    ]
    for operation, parameter, dictionary, probability in (
        ("deleteNotebook", "path.notebookId", "spareNotebook", 0.3),
        ("deleteDataset", "path.datasetId", "spareDataset", 0.3),
        ("uploadNotebook", "body.file", "notebookFile", 0.4),
        ("uploadDataset", "body.file", "csvFile", 0.4),
    ):
        lines += [
            "[[operations]]",
            f'include-operation-id = "{operation}"',
            f"parameters = {{ {binding(parameter, dictionary, probability)} }}",
            "",
        ]
    return "\n".join(lines)


def statistics(har: dict[str, Any], document: dict[str, Any]) -> dict[str, collections.Counter[int]]:
    """Requests per documented operation (or `METHOD path` for undocumented ones), by status."""
    templates = [
        (
            re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$"),
            path,
            set(item) - {"parameters"},
        )
        for path, item in document["paths"].items()
    ]
    stats: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    for entry in har["log"]["entries"]:
        method = entry["request"]["method"].lower()
        path = urlparse(entry["request"]["url"]).path
        match = next(((template, methods) for rx, template, methods in templates if rx.match(path)), None)
        if match is not None and method in match[1]:
            key = f"{method.upper()} {match[0]}"
        else:
            key = f"{method.upper()} (not documented) {match[0] if match else path}"
        stats[key][entry["response"]["status"]] += 1
    return stats


def test_thousands_of_generated_requests_get_documented_answers_and_no_5xx(server: Server, tmp_path: Path):
    dictionaries = seed(server)
    work = tmp_path / "fuzz"
    work.mkdir()
    (work / "schemathesis.toml").write_text(config(dictionaries), "utf-8")
    (work / "mindzie_fuzz_hooks.py").write_text(HOOKS, "utf-8")
    url = f"http://127.0.0.1:{server.port}/api/mindzie/openapi.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(work / "schemathesis.toml"),
        "run",
        url,
        "-H",
        f"Authorization: Bearer {TOKEN}",
        "--phases",
        "examples,coverage,fuzzing",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "har,junit",
        "--report-dir",
        str(work / "reports"),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "mindzie_fuzz_hooks", "PYTHONPATH": str(work)}
    started = time.monotonic()
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=780)
    seconds = time.monotonic() - started
    output = done.stdout + done.stderr

    (har_path,) = (work / "reports").glob("har-*.json")
    stats = statistics(json.loads(har_path.read_text("utf-8")), openapi.build_document())
    total = sum(sum(counter.values()) for counter in stats.values())
    table = "\n".join(
        f"{sum(counter.values()):6d}  {key}  {dict(sorted(counter.items()))}"
        for key, counter in sorted(stats.items())
    )
    report = f"{total} requests in {seconds:.0f} s (seed {SEED}, {EXAMPLES} examples)\n{table}"
    (tmp_path / "fuzz-statistics.txt").write_text(report, "utf-8")
    print(report)

    assert done.returncode == 0, output[-20000:]
    assert total >= MIN_REQUESTS, report
    server_errors = {
        key: counter for key, counter in stats.items() if any(status >= 500 for status in counter)
    }
    assert not server_errors, report
    # every documented operation was exercised, and the seeded data was reached
    documented = {
        f"{m.upper()} {path}"
        for path, item in openapi.build_document()["paths"].items()
        for m in item
        if m != "parameters"
    }
    documented.discard("GET /api/mindzie/openapi.json")  # the fuzzer's own schema URL: loaded, not fuzzed
    assert documented <= set(stats), documented - set(stats)
    for operation in (
        f"GET {routes.NOTEBOOK}",
        f"PUT {routes.NOTEBOOK}",
        f"GET {routes.EXECUTION}",
        f"GET {routes.EXECUTION}/results",
        f"GET {routes.EXECUTION}/artifacts/{{name}}",
        f"GET {routes.PROJECT}/dataset/{{datasetId}}",
        f"DELETE {routes.NOTEBOOK}",
        f"DELETE {routes.PROJECT}/dataset/{{datasetId}}",
        f"POST {routes.PROJECT}/notebook/upload",
        f"POST {routes.PROJECT}/dataset",
    ):
        assert any(200 <= status < 300 for status in stats[operation]), (operation, report)
    assert any(status == 409 for status in stats[f"POST {routes.EXECUTION}/cancel"]), report
    # the fuzzer started no execution: none but the seeded run (which goes with its notebook
    # when a DELETE draws the seeded notebook's id)
    with sqlite3.connect(f"file:{server.root / '.mindzie' / 'mindzie.db'}?mode=ro", uri=True) as db:
        (executions,) = db.execute(
            "SELECT count(*) FROM executions WHERE execution_id <> ?", dictionaries["execution"]
        ).fetchone()
    assert executions == 0
    assert "Uncaught exception" not in server.log.read_text(errors="replace")

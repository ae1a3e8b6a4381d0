"""The process_mining_starter on real data: run through the server on a log whose ground truth
is known, bound to an uploaded dataset, unbound, and without scikit-learn."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from jupyter_mindzie.demo import COLUMNS, FAST_CASES, demo_event_log
from mindzie_sdk import ENRICHED_MIME, MODEL_MIME, PROCESS_MAP_MIME
from mindzie_sdk.synthetic import generate_loan_log

from .support import PROJECT, TENANT, project_path, upload, wait_for
from .support import execute as execute_api

EVENT_COLUMNS = ["event_index", "waiting_time_hours", "is_rework", "is_bottleneck"]
CASE_COLUMNS = [
    "case_id",
    "first_event",
    "last_event",
    "event_count",
    "cycle_time_hours",
    "variant",
    "rework_events",
    "rework_hours",
    "customer_segment",
    "journey_score",
    "anomaly_flag",
    "slow_probability",
]


async def starter(api: Any, dataset_id: str | None) -> dict[str, Any]:
    body = {
        "notebookName": "Starter",
        "template": "process_mining_starter",
        "integration": {"datasetBinding": dataset_id},
    }
    reply = await api("POST", project_path("notebook"), body)
    assert reply.status == 201, reply.body
    return reply.json


async def execute(
    nb: nbformat.NotebookNode, cwd: Path, context: dict[str, Any] | None, *, errors_allowed: bool = False
) -> list[Any]:
    """Run as an execution's kernel would: MINDZIE_CONTEXT in the environment. Returns the outputs."""
    env = {k: v for k, v in os.environ.items() if k != "MINDZIE_CONTEXT"}
    if context is not None:
        env["MINDZIE_CONTEXT"] = json.dumps(context)
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    await client.async_execute(env=env)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert errors_allowed or not [o for o in outputs if o.output_type == "error"]
    return outputs


def bundles(outputs: list[Any], mime: str) -> list[Any]:
    return [o.data[mime] for o in outputs if mime in o.get("data", {})]


def metrics_of(outputs: list[Any]) -> dict[str, Any]:
    (metrics,) = bundles(outputs, "application/json")
    return metrics


async def test_the_starter_finds_a_planted_bottleneck_and_rework_loop(api, mindzie_app):
    """Through the API on a real kernel: the log's bottleneck is before Credit Check (not the
    demo's Manager Approval) and half the cases go round the document loop."""
    planted = generate_loan_log(
        cases=1200, seed=21, bottleneck="Credit Check", bottleneck_hours=60, rework_probability=0.5
    )
    buffer = io.StringIO()
    planted.frame().to_csv(buffer, index=False)
    dataset = (await upload(api, buffer.getvalue().encode(), "planted.csv")).json
    notebook = await starter(api, dataset["datasetId"])
    accepted = await execute_api(api, notebook, {"parameters": {"top_n_bottlenecks": 2}})
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"], deadline=180)
    assert final["status"] == "Completed" and final["progress"]["failedCells"] == 0, final
    results = (
        await api(
            "GET",
            project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"], "results"),
            params={"format": "detailed"},
        )
    ).json

    (metrics,) = [o["content"] for o in results["outputs"] if o["contentType"] == "application/json"]
    assert metrics["caseCount"] == 1200
    assert metrics["topBottleneck"]["target"] == "Credit Check"
    assert metrics["bottleneckActivities"][0] == "Credit Check" and len(metrics["bottleneckActivities"]) == 2
    assert not set(metrics["bottleneckActivities"]) & {
        "Offer Accepted",
        "Offer Declined",
        "Reject Application",
    }
    assert metrics["reworkCases"] == len(planted.rework_cases)
    assert metrics["reworkActivities"][0] == "Review Application"
    assert metrics["firstTimeRight"] == round(1 - len(planted.rework_cases) / 1200, 4)
    assert 0 < metrics["processEfficiency"] < 100
    model = metrics["slowCaseModel"]
    assert model["earlyEventsK"] == 3 and model["heldOutCases"] == 360
    assert model["accuracy"] > model["baselineAccuracy"]

    plots = [o for o in results["outputs"] if o["outputType"] == "image/png"]
    (process_map,) = [p for p in plots if p["title"] == "Process map"]
    assert process_map["contentType"] == "image/png" and process_map["dimensions"]["width"] > 200
    assert (await api("GET", process_map["downloadUrl"].split("/a%40b/", 1)[1])).body.startswith(b"\x89PNG")

    # both enriched tables are datasets of the project now, with their lineage
    listed = (await api("GET", project_path("datasets"))).json["datasets"]
    made = {d["name"].split(" (run")[0]: d for d in listed if d["source"]}
    assert sorted(made) == ["cases_enriched", "event_log_enriched"]
    cases = made["cases_enriched"]
    assert cases["source"] == {
        "executionId": accepted["executionId"],
        "notebookId": notebook["notebookId"],
        "datasetId": dataset["datasetId"],
    }
    assert cases["recordCount"] == 1200 and cases["newColumns"] == CASE_COLUMNS[1:]
    assert made["event_log_enriched"]["newColumns"] == EVENT_COLUMNS


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
async def test_the_starter_bound_to_an_uploaded_dataset_publishes_the_enriched_tables(
    api, mindzie_app, jp_root_dir, tmp_path, fmt
):
    frame = demo_event_log(FAST_CASES)
    buffer = io.BytesIO()
    if fmt == "csv":
        frame.to_csv(buffer, index=False)
    else:
        frame.to_parquet(buffer, index=False)
    dataset = (await upload(api, buffer.getvalue(), f"demo_event_log.{fmt}")).json
    notebook = await starter(api, dataset["datasetId"])
    nb = nbformat.read(jp_root_dir / notebook["path"], as_version=4)
    (parameters,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert f"dataset_id = '{dataset['datasetId']}'" in parameters.source
    artifacts = tmp_path / "artifacts"
    context = {
        "executionId": "e0e0e0e0-0000-4000-8000-000000000001",
        "notebookId": notebook["notebookId"],
        "tenantId": TENANT,
        "projectId": PROJECT,
        "datasetId": dataset["datasetId"],
        "datasetsDir": mindzie_app.datasets.datasets_dir,
        "artifactsDir": str(artifacts),
    }

    outputs = await execute(nb, jp_root_dir / Path(notebook["path"]).parent, context)

    enriched = {b["name"]: b for b in bundles(outputs, ENRICHED_MIME)}
    assert enriched["event_log_enriched"]["columns"] == [*COLUMNS, *EVENT_COLUMNS]
    assert enriched["event_log_enriched"]["newColumns"] == EVENT_COLUMNS
    assert enriched["cases_enriched"]["columns"] == CASE_COLUMNS
    events = pd.read_csv(artifacts / "enriched-event_log_enriched.csv")
    assert len(events) == len(frame) and events["is_bottleneck"].any() and events["is_rework"].any()
    cases = pd.read_csv(artifacts / "enriched-cases_enriched.csv")
    assert set(cases["customer_segment"]) == {"small", "medium", "large"}
    assert cases["journey_score"].between(0, 100).all() and cases["anomaly_flag"].dtype == bool
    assert cases["slow_probability"].between(0, 1).all()
    (model,) = bundles(outputs, MODEL_MIME)
    assert model["name"] == "slow_case_predictor" and "amount" in model["features"]
    assert not [f for f in model["features"] if "Offer" in f], "outcome steps must not be features"
    (process_map,) = bundles(outputs, PROCESS_MAP_MIME)
    assert process_map["cases"] == FAST_CASES and process_map["events"] == len(frame)
    metrics = metrics_of(outputs)
    assert metrics["topBottleneck"]["target"] == "Manager Approval"
    assert metrics["activityFrequencies"]["Submit Application"] == FAST_CASES


@pytest.mark.slow  # the starter on the whole bundled log: about 10 s
async def test_the_unbound_starter_uses_a_sample_log_and_writes_nothing(api, jp_root_dir):
    notebook = await starter(api, None)
    nb = nbformat.read(jp_root_dir / notebook["path"], as_version=4)
    outputs = await execute(nb, jp_root_dir, None)
    assert all(b["file"] is None for b in bundles(outputs, ENRICHED_MIME))
    assert metrics_of(outputs)["caseCount"] == FAST_CASES


async def test_metrics_do_not_depend_on_display_parameters(api, jp_root_dir):
    notebook = await starter(api, None)
    runs = []
    for display in (
        "top_n_bottlenecks = 1; map_view = 'frequency'",
        "top_n_bottlenecks = 6; map_paths = 0.3",
    ):
        nb = nbformat.read(jp_root_dir / notebook["path"], as_version=4)
        at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(display))
        runs.append(metrics_of(await execute(nb, jp_root_dir, None)))
    first, second = runs
    assert len(first.pop("bottleneckActivities")) == 1 and len(second.pop("bottleneckActivities")) == 6
    assert first == second


async def test_without_scikit_learn_the_starter_says_so_and_goes_on(api, jp_root_dir):
    notebook = await starter(api, None)
    nb = nbformat.read(jp_root_dir / notebook["path"], as_version=4)
    # the kernel's import of sklearn fails, as in an environment without it
    nb.cells.insert(0, nbformat.v4.new_code_cell("import sys\nsys.modules['sklearn'] = None"))
    outputs = await execute(nb, jp_root_dir, None)
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "scikit-learn is not installed, so the slow-case model is skipped" in text
    assert not bundles(outputs, MODEL_MIME)
    metrics = metrics_of(outputs)
    assert metrics["slowCaseModel"] is None and metrics["caseCount"] == FAST_CASES
    (cases,) = [b for b in bundles(outputs, ENRICHED_MIME) if b["name"] == "cases_enriched"]
    assert "slow_probability" not in cases["columns"]

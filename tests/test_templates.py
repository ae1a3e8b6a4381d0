"""The process_mining_starter template run on real data: the demo log uploaded as a dataset, or bundled."""

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

from jupyter_mindzie.demo import (
    COLUMNS,
    demo_event_log,
    demo_event_log_rows,
    write_demo_event_log,
)
from mindzie_sdk import ENRICHED_MIME, MODEL_MIME

from .support import PROJECT, TENANT, project_path, upload

NEW_COLUMNS = ["waiting_time_hours", "cycle_time_hours", "is_bottleneck", "event_index"]


async def starter(api: Any, dataset_id: str | None) -> dict[str, Any]:
    body = {
        "notebookName": "Starter",
        "template": "process_mining_starter",
        "integration": {"datasetBinding": dataset_id},
    }
    reply = await api("POST", project_path("notebook"), body)
    assert reply.status == 201, reply.body
    return reply.json


async def execute(nb: nbformat.NotebookNode, cwd: Path, context: dict[str, Any] | None) -> list[Any]:
    """Run as an execution's kernel would: MINDZIE_CONTEXT in the environment. Returns the outputs."""
    env = {k: v for k, v in os.environ.items() if k != "MINDZIE_CONTEXT"}
    if context is not None:
        env["MINDZIE_CONTEXT"] = json.dumps(context)
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    await client.async_execute(env=env)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    return outputs


CASE_COLUMNS = [
    "case_id",
    "first_event",
    "last_event",
    "event_count",
    "cycle_time_hours",
    "anomaly_flag",
    "rework",
    "bottleneck_wait_hours",
]


def published(outputs: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The enriched event log's and the metrics' outputs; the per-case table and model are checked here."""
    bundles = {
        o.data[ENRICHED_MIME]["name"]: o.data[ENRICHED_MIME]
        for o in outputs
        if ENRICHED_MIME in o.get("data", {})
    }
    assert sorted(bundles) == ["cases_enriched", "event_log_enriched"]
    cases = bundles["cases_enriched"]
    assert cases["columns"] == CASE_COLUMNS and cases["recordCount"] == 1000
    assert cases["newColumns"] == [c for c in CASE_COLUMNS if c != "case_id"]
    (model,) = [o.data[MODEL_MIME] for o in outputs if MODEL_MIME in o.get("data", {})]
    assert model["modelType"] == "RandomForestClassifier" and model["accuracy"] > 0.6
    assert "Manager Approval" in model["features"]
    enriched = bundles["event_log_enriched"]
    (metrics,) = [o for o in outputs if "application/json" in o.get("data", {})]
    values = metrics.data["application/json"]
    assert 0 < values["processEfficiency"] < 100 and values["anomalousCases"] >= 0
    assert values["activityFrequencies"]["Submit Application"] == 1000
    assert metrics.metadata["title"] == "Process mining metrics"
    assert any("image/png" in o.get("data", {}) for o in outputs)
    return enriched, values


def dataset_bytes(fmt: str, tmp_path: Path) -> tuple[bytes, str]:
    if fmt == "csv":
        return write_demo_event_log(tmp_path / "demo_event_log.csv").read_bytes(), "demo_event_log.csv"
    buffer = io.BytesIO()
    demo_event_log().to_parquet(buffer, index=False)
    return buffer.getvalue(), "demo_event_log.parquet"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
async def test_the_starter_bound_to_an_uploaded_dataset_publishes_the_enriched_log(
    api, mindzie_app, jp_root_dir, tmp_path, fmt
):
    data, filename = dataset_bytes(fmt, tmp_path)
    dataset = (await upload(api, data, filename)).json
    notebook = await starter(api, dataset["datasetId"])
    nb = nbformat.read(jp_root_dir / notebook["path"], as_version=4)
    (parameters,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert f"dataset_id = '{dataset['datasetId']}'" in parameters.source
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    context = {
        "executionId": "e0e0e0e0-0000-4000-8000-000000000001",
        "notebookId": notebook["notebookId"],
        "tenantId": TENANT,
        "projectId": PROJECT,
        "datasetId": dataset["datasetId"],
        "datasetsDir": mindzie_app.datasets.datasets_dir,
        "artifactsDir": str(artifacts),
    }

    enriched, metrics = published(await execute(nb, jp_root_dir / Path(notebook["path"]).parent, context))

    rows = len(demo_event_log_rows())
    assert enriched == {
        "name": "event_log_enriched",
        "file": "enriched-event_log_enriched.csv",
        "recordCount": rows,
        "newColumns": NEW_COLUMNS,
        "columns": [*COLUMNS, *NEW_COLUMNS],
        "format": "pandas_dataframe",
    }
    written = pd.read_csv(artifacts / "enriched-event_log_enriched.csv")
    assert list(written.columns) == [*COLUMNS, *NEW_COLUMNS] and len(written) == rows
    assert written["is_bottleneck"].any() and (written["cycle_time_hours"] > 0).all()
    assert metrics["caseCount"] == 1000 and metrics["eventCount"] == rows
    assert "Manager Approval" in metrics["bottleneckActivities"]
    cases = pd.read_csv(artifacts / "enriched-cases_enriched.csv")
    assert list(cases.columns) == CASE_COLUMNS and cases["anomaly_flag"].dtype == bool
    (model_file,) = artifacts.glob("model-slow_case_predictor.*")  # joblib when installed, else pickle
    assert model_file.stat().st_size > 1000


@pytest.mark.slow  # the starter on the whole bundled log: about 10 s
async def test_the_unbound_starter_uses_the_bundled_log_and_writes_nothing(api, jp_root_dir):
    notebook = await starter(api, None)
    nb = nbformat.read(jp_root_dir / notebook["path"], as_version=4)
    enriched, metrics = published(await execute(nb, jp_root_dir, None))
    assert enriched["file"] is None and enriched["newColumns"] == NEW_COLUMNS
    assert enriched["recordCount"] == metrics["eventCount"] == len(demo_event_log_rows())
    assert metrics["caseCount"] == 1000

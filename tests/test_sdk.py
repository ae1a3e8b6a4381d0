"""The kernel-side helper, run where notebooks run it: in real kernels, on datasets the server stored."""

from __future__ import annotations

import io
import json
import os
import pickle
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from jupyter_mindzie.access import Scope
from jupyter_mindzie.demo import COLUMNS, demo_event_log_rows, write_demo_event_log
from jupyter_mindzie.storage.datasets import MindzieDatasetLibrary
from jupyter_mindzie.storage.sqlite import MindzieStore
from mindzie_sdk import (
    ENRICHED_MIME,
    MODEL_MIME,
    DatasetNotFoundError,
    ProcessMiningClient,
    execution_context,
    find_datasets_dir,
)
from mindzie_sdk.client import jsonable, safe_name

from .support import OTHER_PROJECT, OTHER_TENANT, PROJECT, TENANT

MISSING = "880e8400-e29b-41d4-a716-446655440000"


class ServerFolder:
    """A server root as the extension lays it out: `.mindzie/` with the store and datasets."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = MindzieStore(db_path=str(root / ".mindzie" / "mindzie.db"))
        self.library = MindzieDatasetLibrary(store=self.store)

    @property
    def datasets_dir(self) -> str:
        return self.library.datasets_dir

    async def upload(
        self, data: bytes, filename: str, tenant: str = TENANT, project: str = PROJECT
    ) -> dict[str, Any]:
        return await self.library.upload(Scope(tenant, project, "analyst"), data, filename, None)

    def context(self, dataset_id: str | None, artifacts: Path | None, **extra: Any) -> dict[str, Any]:
        return {
            "executionId": "e0e0e0e0-0000-4000-8000-000000000001",
            "notebookId": "b0b0b0b0-0000-4000-8000-000000000001",
            "tenantId": TENANT,
            "projectId": PROJECT,
            "datasetId": dataset_id,
            "datasetsDir": self.datasets_dir,
            "artifactsDir": str(artifacts) if artifacts else None,
            **extra,
        }


@pytest.fixture
def server(tmp_path: Path):
    folder = ServerFolder(tmp_path / "root")
    yield folder
    folder.store.close()


@pytest.fixture
def demo_csv(tmp_path: Path) -> bytes:
    return write_demo_event_log(tmp_path / "demo_event_log.csv").read_bytes()


async def run_cells(sources: list[str], cwd: Path, context: dict[str, Any] | None) -> nbformat.NotebookNode:
    """Execute the cells in a fresh python3 kernel started in `cwd`, with MINDZIE_CONTEXT = `context`."""
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    env = {k: v for k, v in os.environ.items() if k != "MINDZIE_CONTEXT"}
    if context is not None:
        env["MINDZIE_CONTEXT"] = json.dumps(context)
    client = NotebookClient(
        nb, kernel_name="python3", timeout=120, allow_errors=True, resources={"metadata": {"path": str(cwd)}}
    )
    await client.async_execute(env=env)
    return nb


def outputs(cell: Any, output_type: str | None = None) -> list[Any]:
    return [o for o in cell.outputs if output_type is None or o.output_type == output_type]


def no_errors(nb: nbformat.NotebookNode) -> None:
    errors = [f"{o.ename}: {o.evalue}" for cell in nb.cells for o in outputs(cell, "error")]
    assert not errors, errors


def error_of(cell: Any) -> tuple[str, str]:
    (error,) = outputs(cell, "error")
    return error.ename, error.evalue


# -- in an execution ------------------------------------------------------------------------


async def test_load_and_publish_in_an_execution(server, demo_csv, tmp_path):
    dataset = await server.upload(demo_csv, "demo_event_log.csv")
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    nb = await run_cells(
        [
            "from mindzie_sdk import ProcessMiningClient\n"
            "client = ProcessMiningClient()\n"
            "events = client.load_dataset()\n"
            "print(len(events), list(events.columns))",
            "import numpy as np\n"
            "events['waiting_hours'] = 1.5\n"
            "events['is_late'] = events['amount'] > 20000\n"
            "info = client.publish_enriched(events, 'Loan events / enriched')",
            "client.publish_metrics({'caseCount': np.int64(400), 'meanHours': np.float64('nan'), 'top': ('a', 'b')}, 'KPIs')",
            "import statistics\n"
            "model = client.publish_model(statistics.NormalDist(10, 2), 'wait model', metrics={'accuracy': np.float64(0.875), 'rmse': 1.25},\n"
            "                             features=['amount', 'activity'])\n"
            "print(model['file'])",
        ],
        tmp_path,
        server.context(dataset["dataset_id"], artifacts),
    )
    no_errors(nb)
    loading, enriching, metrics, modelling = nb.cells
    assert outputs(loading, "stream")[0].text.strip() == f"{len(demo_event_log_rows())} {list(COLUMNS)}"

    # the enriched dataframe: one display_data output, its file, its new columns
    (shown,) = outputs(enriching)
    assert shown.output_type == "display_data" and shown.metadata == {"title": "Loan events / enriched"}
    info = shown.data[ENRICHED_MIME]
    assert info == {
        "name": "Loan events / enriched",
        "file": "enriched-Loan-events-enriched.csv",
        "recordCount": len(demo_event_log_rows()),
        "newColumns": ["waiting_hours", "is_late"],
        "columns": [*COLUMNS, "waiting_hours", "is_late"],
        "format": "pandas_dataframe",
    }
    assert "<caption>" in shown.data["text/html"] and "<table" in shown.data["text/html"]
    assert shown.data["text/html"].count("<tr") == 1 + 10  # header and the first ten rows
    assert "waiting_hours, is_late" in shown.data["text/plain"]
    written = pd.read_csv(artifacts / info["file"])
    assert list(written.columns) == info["columns"] and len(written) == info["recordCount"]

    # metrics: plain JSON (numpy made plain, NaN as null) with the title in the output's metadata
    (shown,) = outputs(metrics)
    assert shown.metadata["title"] == "KPIs"
    assert shown.data["application/json"] == {"caseCount": 400, "meanHours": None, "top": ["a", "b"]}
    assert json.loads(shown.data["text/plain"]) == shown.data["application/json"]

    # the model: a file the test (never the server) may unpickle
    printed, shown = outputs(modelling, "stream")[0], outputs(modelling, "display_data")[0]
    model = shown.data[MODEL_MIME]
    suffix = ".joblib" if _has_joblib() else ".pkl"
    assert model == {
        "name": "wait model",
        "file": f"model-wait-model{suffix}",
        "modelType": "NormalDist",
        "accuracy": 0.875,
        "metrics": {"accuracy": 0.875, "rmse": 1.25},
        "features": ["amount", "activity"],
    }
    assert printed.text.strip() == model["file"] and "accuracy 0.875" in shown.data["text/plain"]
    if suffix == ".pkl":
        assert pickle.loads((artifacts / model["file"]).read_bytes()) == statistics.NormalDist(10, 2)
    assert sorted(os.listdir(artifacts)) == sorted([info["file"], model["file"]])  # no partial files left


async def test_parquet_datasets_load_and_explicit_base_columns_win(server, tmp_path):
    frame = pd.DataFrame({"case_id": ["C1", "C2"], "activity": ["A", "B"], "amount": [1.5, 2.5]})
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    dataset = await server.upload(buffer.getvalue(), "events.parquet")
    nb = await run_cells(
        [
            "import mindzie_sdk\n"
            f"events = mindzie_sdk.load_dataset('{dataset['dataset_id'].upper()}')\n"
            "print(events.dtypes.to_dict())",
            "events['score'] = events['amount'] * 2\n"
            "mindzie_sdk.publish_enriched(events, 'scored', base_columns=['case_id'])['newColumns']",
        ],
        tmp_path,
        server.context(None, tmp_path / "made-on-demand"),
    )
    no_errors(nb)
    assert "float64" in outputs(nb.cells[0], "stream")[0].text
    assert outputs(nb.cells[1], "execute_result")[0].data["text/plain"] == "['activity', 'amount', 'score']"
    assert (tmp_path / "made-on-demand" / "enriched-scored.csv").is_file()


async def test_unknown_unbound_and_other_tenants_datasets_are_not_found(server, tmp_path):
    theirs = await server.upload(b"case_id,activity\nC1,A\n", "theirs.csv", tenant=OTHER_TENANT)
    other_project = await server.upload(b"case_id,activity\nC1,A\n", "other.csv", project=OTHER_PROJECT)
    mine = await server.upload(b"case_id,activity\nC1,A\n", "mine.csv")
    nb = await run_cells(
        [
            "from mindzie_sdk import ProcessMiningClient, DatasetNotFoundError\n"
            "client = ProcessMiningClient()\n"
            f"client.load_dataset('{MISSING}')",
            "client.load_dataset()",
            f"client.load_dataset('{theirs['dataset_id']}')",
            f"client.load_dataset('{other_project['dataset_id']}')",
            "client.load_dataset('../../etc/passwd')",
            "try:\n    client.load_dataset()\nexcept LookupError as error:\n    print(type(error).__name__, isinstance(error, DatasetNotFoundError))",
            "[d['name'] for d in client.list_datasets()]",
        ],
        tmp_path,
        server.context(None, None),
    )
    unknown, unbound, other_tenant, other_proj, traversal, caught, listed = nb.cells
    assert error_of(unknown) == (
        "DatasetNotFoundError",
        f"dataset {MISSING} was not found; upload it with POST /api/{TENANT}/{PROJECT}/dataset or bind another",
    )
    name, message = error_of(unbound)
    assert name == "DatasetNotFoundError" and "no dataset is bound" in message
    # another tenant's or project's dataset reads exactly like a missing one
    for cell, dataset in ((other_tenant, theirs), (other_proj, other_project)):
        assert error_of(cell) == (
            "DatasetNotFoundError",
            error_of(unknown)[1].replace(MISSING, dataset["dataset_id"]),
        )
    assert error_of(traversal)[0] == "DatasetNotFoundError"
    assert outputs(caught, "stream")[0].text.strip() == "DatasetNotFoundError True"
    assert outputs(listed, "execute_result")[0].data["text/plain"] == repr([mine["name"]])


async def test_outside_an_execution_the_datasets_folder_is_found_upwards(server, demo_csv, tmp_path):
    dataset = await server.upload(demo_csv, "demo_event_log.csv")
    other = await server.upload(b"case_id\nC1\n", "theirs.csv", tenant=OTHER_TENANT)
    notebook_folder = server.root / "mindzie" / TENANT / PROJECT
    notebook_folder.mkdir(parents=True)
    nb = await run_cells(
        [
            "import mindzie_sdk\n"
            "client = mindzie_sdk.ProcessMiningClient()\n"
            "print(client.context['datasetsDir'])\n"
            "print(client.context['artifactsDir'], client.context['tenantId'], client.context['datasetId'])",
            f"events = mindzie_sdk.load_dataset('{dataset['dataset_id']}')\n"
            "events['cycle_hours'] = 2.0\n"
            "mindzie_sdk.publish_enriched(events, 'local try')",
            "sorted(d['name'] for d in mindzie_sdk.list_datasets())",
        ],
        notebook_folder,
        None,
    )
    no_errors(nb)
    found, published, listed = nb.cells
    assert outputs(found, "stream")[0].text.split("\n")[:2] == [server.datasets_dir, "None None None"]
    info = outputs(published, "display_data")[0].data[ENRICHED_MIME]
    # still displayed, but nothing written; new columns against the dataset just loaded
    assert info["file"] is None and info["newColumns"] == ["cycle_hours"]
    assert info["recordCount"] == len(demo_event_log_rows())
    # tenant and project are unknown here: the analyst sees the whole folder
    assert outputs(listed, "execute_result")[0].data["text/plain"] == repr(
        sorted([dataset["name"], other["name"]])
    )


# -- without a kernel -----------------------------------------------------------------------


def test_importing_the_helper_is_light():
    code = (
        "import sys, mindzie_sdk, jupyter_mindzie.sdk as sdk\n"
        "assert mindzie_sdk.ProcessMiningClient is sdk.ProcessMiningClient\n"
        "assert mindzie_sdk.publish_enriched is sdk.publish_enriched\n"
        "print(sorted(m for m in ('tornado', 'jupyter_server', 'pandas', 'IPython', 'sqlite_utils') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


async def test_a_client_loads_in_process_and_remembers_the_columns(server, tmp_path):
    dataset = await server.upload(b"case_id,activity\nC1,A\nC1,B\n", "two.csv")
    client = ProcessMiningClient(server.context(dataset["dataset_id"], None))
    frame = client.load_dataset()
    assert list(frame.columns) == ["case_id", "activity"] and len(frame) == 2
    assert client.context["datasetsDir"] == server.datasets_dir
    client.context["datasetId"] = None  # a copy: the client's context is not changed through it
    assert client.load_dataset().shape == (2, 2)
    with pytest.raises(DatasetNotFoundError, match="no datasets folder"):
        ProcessMiningClient({"datasetId": dataset["dataset_id"]}).load_dataset()


def test_the_context_comes_from_the_environment_or_the_folders(monkeypatch, tmp_path):
    (tmp_path / "root" / ".mindzie" / "datasets").mkdir(parents=True)
    deep = tmp_path / "root" / "mindzie" / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.delenv("MINDZIE_CONTEXT", raising=False)
    assert find_datasets_dir(deep) == tmp_path / "root" / ".mindzie" / "datasets"
    assert find_datasets_dir(tmp_path) is None
    context = execution_context(deep)
    assert context["datasetsDir"] == str(tmp_path / "root" / ".mindzie" / "datasets")
    assert context["artifactsDir"] is None and context["tenantId"] is None
    monkeypatch.setenv("MINDZIE_CONTEXT", json.dumps({"datasetId": MISSING, "datasetsDir": "/data"}))
    assert execution_context(deep) == {**dict.fromkeys(context), "datasetId": MISSING, "datasetsDir": "/data"}
    monkeypatch.setenv("MINDZIE_CONTEXT", "{not json")
    with pytest.raises(RuntimeError, match="MINDZIE_CONTEXT"):
        execution_context()


def test_safe_names_and_plain_json():
    assert safe_name("event_log_enriched") == "event_log_enriched"
    assert safe_name("../../Loan events / 2024") == "Loan-events-2024"
    assert safe_name("ローン") == "unnamed"
    assert jsonable({"n": float("inf"), "t": pd.Timestamp("2024-01-02T03:04:05"), "s": {1}}) == {
        "n": None,
        "t": "2024-01-02T03:04:05",
        "s": [1],
    }


def _has_joblib() -> bool:
    import importlib.util

    return importlib.util.find_spec("joblib") is not None

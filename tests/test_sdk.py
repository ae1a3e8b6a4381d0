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
        "register": True,
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


# -- process maps -----------------------------------------------------------------------------

# The shape the lab extension's renderer reads (its JSON Schema lives with the frontend).
WAITING = {
    "type": "object",
    "additionalProperties": False,
    "required": ["mean", "median", "p90"],
    "properties": {k: {"type": "number", "minimum": 0} for k in ("mean", "median", "p90")},
}
COUNT = {"type": "integer", "minimum": 0}
PROCESS_MAP_SHAPE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "nodes", "edges", "cases", "events"],
    "properties": {
        "version": {"const": 1},
        "nodes": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "label", "frequency", "caseFrequency", "start", "end"],
                "properties": {
                    "id": {"type": "string"},
                    "label": {"type": "string"},
                    **dict.fromkeys(("frequency", "caseFrequency", "start", "end"), COUNT),
                },
            },
        },
        "edges": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["source", "target", "frequency", "caseFrequency", "waiting"],
                "properties": {
                    "source": {"type": "string"},
                    "target": {"type": "string"},
                    "frequency": COUNT,
                    "caseFrequency": COUNT,
                    "waiting": WAITING,
                },
            },
        },
        "cases": COUNT,
        "events": COUNT,
        "startNode": {"type": "string"},
        "endNode": {"type": "string"},
    },
}

SMALL_LOG = pd.DataFrame(
    [
        ("c1", "A", "2024-01-01 00:00"),
        ("c1", "B", "2024-01-01 01:00"),
        ("c2", "A", "2024-01-01 00:00"),
        ("c2", "B", "2024-01-01 03:00"),
        ("c2", "C", "2024-01-01 04:00"),
    ],
    columns=["case_id", "activity", "timestamp"],
)


def test_the_process_map_document():
    import jsonschema

    from mindzie_sdk.maps import process_map

    document = process_map(SMALL_LOG)
    jsonschema.validate(document, PROCESS_MAP_SHAPE)
    assert (document["cases"], document["events"]) == (2, 5)
    nodes = {n["id"]: n for n in document["nodes"]}
    assert nodes["A"] == {"id": "A", "label": "A", "frequency": 2, "caseFrequency": 2, "start": 2, "end": 0}
    assert (nodes["B"]["end"], nodes["C"]["end"]) == (1, 1)
    edges = {(e["source"], e["target"]): e for e in document["edges"]}
    assert edges[("A", "B")]["waiting"] == {"mean": 7200.0, "median": 7200.0, "p90": 10080.0}
    assert edges[("A", "B")]["frequency"] == 2 and edges[("B", "C")]["frequency"] == 1
    assert edges[("__start__", "A")]["frequency"] == 2
    assert edges[("B", "__end__")]["frequency"] == edges[("C", "__end__")]["frequency"] == 1
    assert document["startNode"] == "__start__" and document["endNode"] == "__end__"
    assert json.loads(json.dumps(document)) == document  # plain JSON


def test_filtering_keeps_the_most_frequent_and_leaves_no_box_unconnected():
    from mindzie_sdk.maps import filter_map, process_map
    from mindzie_sdk.synthetic import generate_loan_log

    document = process_map(generate_loan_log(cases=300).frame())
    shown = filter_map(document, activities=0.5, paths=0.1)
    kept = {n["id"] for n in shown["nodes"]}
    assert len(kept) == 5 and "Submit Application" in kept and "Offer Declined" not in kept
    ends = kept | {"__start__", "__end__"}
    assert all(e["source"] in ends and e["target"] in ends for e in shown["edges"])
    for node in kept:
        assert any(e["target"] == node for e in shown["edges"]) and any(
            e["source"] == node for e in shown["edges"]
        )
    assert filter_map(document) == document
    with pytest.raises(ValueError, match="paths must be a share"):
        filter_map(document, paths=0)


@pytest.mark.parametrize("graphviz", [True, False], ids=["dot", "matplotlib"])
def test_images_come_from_dot_else_from_matplotlib(graphviz, monkeypatch, tmp_path):
    from mindzie_sdk.maps import dot_executable, png_size, process_map, render_images

    if graphviz:
        assert dot_executable(), "Graphviz is installed on this machine (make demo installs it)"
    else:
        monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without dot
        assert dot_executable() is None
    document = process_map(SMALL_LOG)
    for view in ("frequency", "performance"):
        svg, png, engine = render_images(document, view)
        assert engine == ("graphviz" if graphviz else "matplotlib")
        assert "<svg" in svg and (">A</text>" in svg if graphviz else "<path" in svg)
        width, height = png_size(png)
        assert width > 50 and height > 50
    if graphviz:
        assert "2.0 h" in render_images(document, "performance")[0]  # the median wait of A → B
    with pytest.raises(ValueError, match="view must be one of"):
        render_images(document, "heat")


async def test_show_process_map_displays_one_bundle_that_results_type_as_a_plot(tmp_path):
    from jupyter_mindzie.results.extraction import extract_results
    from jupyter_mindzie.results.views import results_view
    from mindzie_sdk import PROCESS_MAP_MIME

    log = tmp_path / "log.csv"
    SMALL_LOG.to_csv(log, index=False)
    nb = await run_cells(
        [
            "import pandas as pd\n"
            "from mindzie_sdk import show_process_map\n"
            f"document = show_process_map(pd.read_csv({str(log)!r}), view='performance', title='Loan map')"
        ],
        tmp_path,
        None,
    )
    no_errors(nb)
    (shown,) = outputs(nb.cells[0])
    assert sorted(shown.data) == [PROCESS_MAP_MIME, "image/png", "image/svg+xml", "text/plain"]
    assert shown.metadata["title"] == "Loan map" and shown.metadata[PROCESS_MAP_MIME]["view"] == "performance"
    import jsonschema

    jsonschema.validate(shown.data[PROCESS_MAP_MIME], PROCESS_MAP_SHAPE)

    nb.cells[0].id = "map"
    rows = extract_results(nb, {"map"}, tmp_path / "artifacts")
    (row,) = rows
    assert row["kind"] == "output" and row["content_type"] == "image/png" and row["name"].endswith(".png")
    assert row["meta"]["outputType"] == "image/png" and row["meta"]["title"] == "Loan map"
    assert row["meta"]["dimensions"]["width"] > 50 and PROCESS_MAP_MIME in row["meta"]["mimeTypes"]
    view = results_view(
        {"execution_id": "e", "status": "Completed"},
        [{**row, "execution_id": "e"}],
        fmt="summary",
        output_type="plots",
        cell_id=None,
        artifact_url=lambda name: f"https://host/artifacts/{name}",
        read_text=lambda name: "",
    )
    (plot,) = view["outputs"]
    assert (
        plot["contentType"] == "image/png" and plot["downloadUrl"] == f"https://host/artifacts/{row['name']}"
    )

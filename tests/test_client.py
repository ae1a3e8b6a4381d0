"""MindzieClient against a live server: the seed's whole workflow, cancelling, typed errors.

The client blocks, the test server runs on the test's event loop: each scenario is a plain
function run in a thread (`asyncio.to_thread`), as a script would run it.
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

from jupyter_mindzie.client import (
    AuthenticationError,
    BadRequest,
    Conflict,
    ExecutionTimeout,
    MindzieClient,
    MindzieError,
    NotebookManager,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    TooManyRequests,
)
from jupyter_mindzie.demo import demo_event_log_rows, write_demo_event_log
from jupyter_mindzie.errors import InvalidRequest, NotebookNotFound, TooLarge

from .support import OTHER_PROJECT, PROJECT, TENANT

UPLOAD_LIMIT = 64 * 1024


@pytest.fixture
def mindzie_config() -> dict[str, Any]:
    return {"MindzieNotebookLibrary": {"max_upload_size": UPLOAD_LIMIT}}


@pytest.fixture
def client(server_url: str, jp_serverapp: Any) -> Any:
    with MindzieClient(server_url, TENANT, PROJECT, jp_serverapp.identity_provider.token) as made:
        yield made


def wait_until(
    client: MindzieClient, notebook_id: str, execution_id: str, ready: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """Poll the status until `ready(status)`; fail after a minute."""
    deadline = time.monotonic() + 60
    while not ready(status := client.get_execution_status(notebook_id, execution_id)):
        assert time.monotonic() < deadline, f"gave up waiting; last status {status}"
        time.sleep(0.05)
    return status


# -- the seed's workflow --------------------------------------------------------------------


def seed_workflow(client: MindzieClient, folder: Path) -> None:
    """Upload the demo log, create and bind the starter, run it with parameters, fetch everything."""
    dataset = client.upload_dataset(
        write_demo_event_log(folder / "loan_applications.csv"), "Loan applications"
    )
    assert dataset["recordCount"] == len(demo_event_log_rows())
    assert {"case_id", "activity", "timestamp"} <= set(dataset["columns"])
    assert client.get_dataset(dataset["datasetId"])["name"] == "Loan applications"
    assert [d["datasetId"] for d in client.list_datasets()["datasets"]] == [dataset["datasetId"]]

    # the seed's positional call; without integration the seed's settings are sent
    notebook = client.create_notebook(
        "Advanced Process Analytics", "異常検知を含むプロセス分析", "python3", "process_mining_starter"
    )
    assert notebook["integration"]["enrichmentMode"] is True and notebook["notebookVersion"] == "1.0.0"
    bound = client.update_notebook(
        notebook["notebookId"],
        integration={"datasetBinding": dataset["datasetId"]},
        if_match=notebook["notebookVersion"],
    )
    assert (
        bound["integration"]["datasetBinding"] == dataset["datasetId"] and bound["notebookVersion"] == "1.0.1"
    )
    notebook_id = notebook["notebookId"]

    execution = client.execute_notebook(notebook_id, {"top_n_bottlenecks": 2}, timeout=600)
    assert execution["status"] == "Running"
    assert execution["parameters"] == {"top_n_bottlenecks": 2, "dataset_id": dataset["datasetId"]}
    execution_id = execution["executionId"]
    polled: list[dict[str, Any]] = []
    final = client.wait_for_completion(
        notebook_id, execution_id, poll_interval=0.2, timeout=240, on_status=polled.append
    )
    assert final["status"] == "Completed" and final["progress"]["failedCells"] == 0, final
    assert "cellResults" not in polled[-1], "polls leave the cells out"
    assert polled[-1] == {key: value for key, value in final.items() if key != "cellResults"}
    assert all(before != after for before, after in itertools.pairwise(polled)), (
        "each status once: the server waits for news"
    )
    assert [cell["status"] for cell in final["cellResults"]] == ["Success"] * len(final["cellResults"])

    results = client.get_execution_results(notebook_id, execution_id, "all", "detailed")
    metrics = next(o["content"] for o in results["outputs"] if o["contentType"] == "application/json")
    assert len(metrics["bottleneckActivities"]) == 2
    enriched = next(d for d in results["enrichedDatasets"] if d["recordCount"] == dataset["recordCount"])
    assert "is_bottleneck" in enriched["newColumns"]
    assert results["reports"] and results["reports"][0]["format"] == "html"  # the seed asks for a report

    archive = client.download_results(notebook_id, execution_id, folder)
    assert archive == folder / f"execution-{execution_id}.zip"
    assert "executed.ipynb" in zipfile.ZipFile(archive).namelist()
    name = enriched["downloadUrl"].rsplit("/", 1)[-1]
    saved = client.download_artifact(notebook_id, execution_id, name, folder / "enriched.csv")
    with saved.open(encoding="utf-8") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == dataset["recordCount"]
    assert client.download(enriched["downloadUrl"], folder / "again.csv").read_bytes() == saved.read_bytes()
    assert not list(folder.glob(".*"))  # no partial download left behind

    history = client.list_executions(notebook_id)
    assert [e["executionId"] for e in history["executions"]] == [execution_id]
    assert client.get_notebook(notebook_id)["executionCount"] == 1
    listed = client.list_notebooks(status="Ready", enrichment_mode=True)
    assert [n["notebookId"] for n in listed["notebooks"]] == [notebook_id]

    client.delete_dataset(dataset["datasetId"])
    left = client.list_datasets()["datasets"]  # the tables the run published stay datasets
    assert len(left) == 2 and {d["source"]["executionId"] for d in left} == {execution_id}


async def test_the_seed_workflow_runs_against_the_server(client, tmp_path):
    await asyncio.to_thread(seed_workflow, client, tmp_path)


# -- a long run: timeout of the wait, conflicts, cancel ---------------------------------------


def long_run(client: MindzieClient) -> None:
    notebook = client.create_notebook("Slow", "sleeps", template="blank")
    notebook_id = notebook["notebookId"]
    client.update_notebook(
        notebook_id, cells=[{"cellType": "code", "content": "import time\ntime.sleep(120)"}]
    )
    execution = client.execute_notebook(notebook_id, generate_report=False, save_intermediate_results=False)
    execution_id = execution["executionId"]
    wait_until(client, notebook_id, execution_id, lambda s: s["phase"] == "Executing" and s["currentCell"])

    with pytest.raises(ExecutionTimeout) as timed_out:
        client.wait_for_completion(notebook_id, execution_id, poll_interval=0.05, timeout=0.2)
    assert isinstance(timed_out.value, TimeoutError) and timed_out.value.last_status["status"] == "Running"
    with pytest.raises(Conflict) as running:
        client.delete_notebook(notebook_id)
    assert running.value.status == 409 and "running" in str(running.value)

    cancelled = client.cancel_execution(notebook_id, execution_id)
    assert cancelled["executionId"] == execution_id
    final = client.wait_for_completion(notebook_id, execution_id, poll_interval=0.1, timeout=60)
    assert final["status"] == "Cancelled"
    with pytest.raises(Conflict) as ended:
        client.cancel_execution(notebook_id, execution_id)
    assert ended.value.status == 409 and ended.value.problem["status"] == 409
    client.delete_notebook(notebook_id)
    with pytest.raises(NotFound):
        client.get_notebook(notebook_id)


async def test_a_long_run_is_waited_for_then_cancelled(client):
    await asyncio.to_thread(long_run, client)


# -- typed errors ---------------------------------------------------------------------------


def typed_errors(client: MindzieClient, server_url: str, folder: Path) -> None:
    with pytest.raises(BadRequest) as bad:
        client.create_notebook("x", template="no_such_template")
    assert bad.value.status == 400 and [e["field"] for e in bad.value.errors] == ["template"]
    assert str(bad.value) == bad.value.problem["detail"] and "process_mining_starter" in str(bad.value)

    with pytest.raises(NotFound) as missing:
        client.get_notebook(str(uuid.uuid4()))
    assert missing.value.status == 404 and missing.value.problem_type == "notebook-not-found"

    notebook = client.create_notebook("Versioned", None, template="blank")
    client.update_notebook(notebook["notebookId"], description="changed")
    with pytest.raises(PreconditionFailed) as stale:
        client.update_notebook(notebook["notebookId"], name="late", if_match=notebook["notebookVersion"])
    assert stale.value.status == 412 and "1.0.1" in str(stale.value)

    big = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = '" + "a" * UPLOAD_LIMIT + "'")])
    nbformat.write(big, folder / "big.ipynb")
    with pytest.raises(PayloadTooLarge) as too_large:
        client.upload_notebook(folder / "big.ipynb", "Big")
    assert too_large.value.status == 413

    with (
        MindzieClient(
            server_url, TENANT, OTHER_PROJECT, client.session.headers["Authorization"].split()[1]
        ) as other,
        pytest.raises(NotFound),
    ):  # another project's notebook is not there for it
        other.get_notebook(notebook["notebookId"])
    with MindzieClient(server_url, TENANT, PROJECT, "not-the-token") as stranger:
        with pytest.raises(AuthenticationError) as denied:
            stranger.list_notebooks()
    assert denied.value.status in (401, 403) and isinstance(denied.value, MindzieError)


async def test_errors_are_typed_and_carry_the_problem(client, server_url, tmp_path):
    await asyncio.to_thread(typed_errors, client, server_url, tmp_path)


# -- code ported from the seed ------------------------------------------------------------------


def ported_seed_calls(manager: NotebookManager, folder: Path) -> None:
    """The seed example's calls, unchanged but for the import."""
    path = folder / "analysis.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), path)
    uploaded = manager.upload_notebook(str(path), "カスタマージャーニー分析")
    assert uploaded["notebookName"] == "カスタマージャーニー分析"
    assert "no-parameters-cell" in {w["code"] for w in uploaded["validation"]["warnings"]}
    manager.create_notebook(
        "Advanced Process Analytics",
        "異常検知",
        "python3",
        "process_mining_starter",
        {"enrichmentMode": True, "outputFormat": "enriched_dataframe", "autoExecution": False},
    )
    listed = manager.list_notebooks(status="Ready", enrichment_mode=True, page_size=1)
    assert listed["totalCount"] == 2 and listed["hasNextPage"] and len(listed["notebooks"]) == 1


async def test_the_seed_s_notebook_manager_name_still_works(server_url, jp_serverapp, tmp_path):
    assert NotebookManager is MindzieClient
    manager = NotebookManager(server_url, TENANT, PROJECT, jp_serverapp.identity_provider.token)
    await asyncio.to_thread(ported_seed_calls, manager, tmp_path)


def server_classes(client: MindzieClient) -> None:
    assert BadRequest is InvalidRequest and PayloadTooLarge is TooLarge
    with pytest.raises(NotebookNotFound) as missing:  # narrowed by the problem's type
        client.get_notebook(str(uuid.uuid4()))
    assert isinstance(missing.value, NotFound) and missing.value.problem["type"] == "notebook-not-found"

    notebook = client.create_notebook("Slow", "sleeps", template="blank")
    notebook_id = notebook["notebookId"]
    client.update_notebook(
        notebook_id, cells=[{"cellType": "code", "content": "import time\ntime.sleep(120)"}]
    )
    options = {"generate_report": False, "save_intermediate_results": False}
    running = client.execute_notebook(notebook_id, **options)["executionId"]
    wait_until(client, notebook_id, running, lambda s: s["phase"] == "Executing")
    waiting = client.execute_notebook(notebook_id, **options)["executionId"]
    with pytest.raises(TooManyRequests) as full:
        client.execute_notebook(notebook_id, **options)
    assert full.value.status == 429 and full.value.problem_type == "too-many-queued"
    assert full.value.retry_after is not None and full.value.retry_after >= 5  # from Retry-After
    for execution_id in (waiting, running):
        client.cancel_execution(notebook_id, execution_id)
        assert client.wait_for_completion(notebook_id, execution_id, timeout=60)["status"] == "Cancelled"


@pytest.mark.parametrize("mindzie_config", [{"MindzieEngine": {"slots": 1, "max_queued_per_project": 1}}])
async def test_the_client_raises_the_servers_own_error_classes(client):
    await asyncio.to_thread(server_classes, client)

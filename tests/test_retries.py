"""Retries of executions (`retry` on execute), through a real server and real kernels.

A kernel that dies (`os._exit(1)` in a cell) is the failure outside the notebook that a retry
is for; a marker file left by the first attempt lets the second one live.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .support import (
    Server,
    assert_problem,
    execute,
    kernel_ids,
    no_kernels_left,
    notebook_with,
    project_path,
    status,
    wait_for,
)


def dies_once(marker: Path) -> str:
    """A cell whose kernel dies the first time it runs, and prints the second time."""
    return (
        "import os, pathlib\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "if not marker.exists():\n"
        "    marker.write_text('died')\n"
        "    os._exit(1)\n"
        "print('second time lucky')"
    )


ALWAYS_DIES = "import os\nos._exit(1)"


def retry(**fields: Any) -> dict[str, Any]:
    return {"retry": {"delaySeconds": 0, **fields}}


async def test_a_dead_kernel_is_retried_as_a_new_attempt_of_the_same_execution(api, tmp_path):
    notebook = await notebook_with(api, dies_once(tmp_path / "marker"), "print('after')")
    accepted = await execute(api, notebook, retry(maxRetries=2))
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"], deadline=90)

    assert final["executionId"] == accepted["executionId"]
    assert final["status"] == "Completed" and final["errorType"] is None, final
    assert final["attempt"] == 2
    first, second = final["attempts"]
    assert (first["attempt"], first["status"], first["errorType"]) == (1, "Error", "DeadKernelError")
    assert first["startTime"] and first["endTime"] and first["endTime"] <= second["startTime"]
    assert (second["attempt"], second["status"], second["errorType"]) == (2, "Completed", None)
    # the cells are the second attempt's, and so are the results: nothing of the dead one
    assert [c["status"] for c in final["cellResults"]] == ["Success", "Success", "Success"]
    assert final["progress"]["completedCells"] == 3
    results = await api(
        "GET",
        project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"], "results"),
        params={"format": "detailed"},
    )
    assert results.status == 200, results.body
    assert b"second time lucky" in results.body
    history = await api("GET", project_path("notebook", notebook["notebookId"], "executions"))
    assert [e["executionId"] for e in history.json["executions"]] == [accepted["executionId"]]
    notebook_now = await api("GET", project_path("notebook", notebook["notebookId"]))
    assert notebook_now.json["status"] == "Ready"
    assert await no_kernels_left(api)


async def test_a_kernel_that_always_dies_ends_in_error_after_every_attempt(api):
    notebook = await notebook_with(api, ALWAYS_DIES)
    accepted = await execute(api, notebook, retry(maxRetries=2))
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"], deadline=120)
    assert final["status"] == "Error" and final["errorType"] == "DeadKernelError", final
    assert final["attempt"] == 3
    assert [(a["attempt"], a["status"], a["errorType"]) for a in final["attempts"]] == [
        (1, "Error", "DeadKernelError"),
        (2, "Error", "DeadKernelError"),
        (3, "Error", "DeadKernelError"),
    ]
    assert "nextAttemptTime" not in final
    notebook_now = await api("GET", project_path("notebook", notebook["notebookId"]))
    assert notebook_now.json["status"] == "Kernel_Dead"
    assert await no_kernels_left(api)


async def test_a_cell_error_is_retried_only_when_asked(api):
    notebook = await notebook_with(api, "raise ValueError('always wrong')")
    body = {"stopOnError": True, **retry(maxRetries=1)}
    accepted = await execute(api, notebook, body)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert (final["status"], final["errorType"], final["attempt"]) == ("Error", "ValueError", 1), final
    assert len(final["attempts"]) == 1

    asked = await execute(api, notebook, {"stopOnError": True, **retry(maxRetries=1, onCellError=True)})
    final = await wait_for(api, notebook["notebookId"], asked["executionId"], deadline=90)
    assert (final["status"], final["errorType"], final["attempt"]) == ("Error", "ValueError", 2), final
    assert [a["status"] for a in final["attempts"]] == ["Error", "Error"]


async def test_without_retry_nothing_is_retried(api):
    notebook = await notebook_with(api, ALWAYS_DIES)
    accepted = await execute(api, notebook)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert (final["status"], final["attempt"]) == ("Error", 1)
    assert [a["status"] for a in final["attempts"]] == ["Error"]


async def test_a_cancel_during_the_delay_stops_the_retries(api, mindzie_app):
    notebook = await notebook_with(api, ALWAYS_DIES)
    accepted = await execute(api, notebook, {"retry": {"maxRetries": 3, "delaySeconds": 600}})
    execution_id = accepted["executionId"]
    waiting = await wait_for(
        api, notebook["notebookId"], execution_id, until=lambda s: s["attempt"] == 2, deadline=60
    )
    assert (waiting["status"], waiting["phase"]) == ("Running", "Queued"), waiting
    assert waiting["nextAttemptTime"] > waiting["attempts"][0]["endTime"]
    assert [c["status"] for c in waiting["cellResults"]] == ["Pending", "Pending"]  # reset for it
    assert mindzie_app.engine.retries.waiting() == [execution_id]

    url = project_path("notebook", notebook["notebookId"], "execution", execution_id)
    cancelled = await api("POST", f"{url}/cancel")
    assert cancelled.status == 202, cancelled.body
    assert cancelled.json["status"] == "Cancelled"
    final = await status(api, notebook["notebookId"], execution_id)
    assert (final["status"], final["errorType"], final["attempt"]) == ("Cancelled", "Cancelled", 2)
    assert [a["status"] for a in final["attempts"]] == ["Error", "Cancelled"]
    assert "nextAttemptTime" not in final
    assert mindzie_app.engine.retries.waiting() == []
    assert not await kernel_ids(api)
    assert_problem(await api("POST", f"{url}/cancel"), 409, problem_type="execution-finished")


async def test_retry_values_are_bounded_and_named_when_wrong(api):
    notebook = await notebook_with(api, "print(1)")
    url = project_path("notebook", notebook["notebookId"], "execute")
    for body, field in [
        ({"retry": {"maxRetries": 11}}, "retry.maxRetries"),
        ({"retry": {"maxRetries": -1}}, "retry.maxRetries"),
        ({"retry": {"maxRetries": 1.5}}, "retry.maxRetries"),
        ({"retry": {"delaySeconds": 3601}}, "retry.delaySeconds"),
        ({"retry": {"onTimeout": "yes"}}, "retry.onTimeout"),
        ({"retry": {"forever": True}}, "retry.forever"),
        ({"retry": 3}, "retry"),
    ]:
        assert_problem(await api("POST", url, body), 400, field=field)


@pytest.mark.restart
def test_a_retry_waiting_its_delay_survives_a_killed_server(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    marker = tmp_path / "marker"
    server = Server(root, "--MindzieKernelPool.size=0")
    try:
        server.start()
        created = server.call("POST", "notebook", json={"notebookName": "dies once"}).json()
        notebook_id = created["notebookId"]
        cells = [
            {"cellId": "cell-001", "cellType": "code", "content": "x = 1"},
            {"cellType": "code", "content": dies_once(marker)},
        ]
        assert server.call("PUT", f"notebook/{notebook_id}", json={"cells": cells}).ok
        body = {"retry": {"maxRetries": 1, "delaySeconds": 10}}
        accepted = server.call("POST", f"notebook/{notebook_id}/execute", json=body).json()
        execution_id = accepted["executionId"]
        waiting = server.wait_for(notebook_id, execution_id, lambda s: s["attempt"] == 2)
        assert (waiting["phase"], waiting["attempts"][0]["errorType"]) == ("Queued", "DeadKernelError")

        server.kill()  # during the delay: the pending retry is only in the store now
        server.start()
        final = server.wait_for(notebook_id, execution_id, lambda s: s["status"] != "Running", deadline=90)
        assert (final["status"], final["attempt"]) == ("Completed", 2), final
        assert [a["status"] for a in final["attempts"]] == ["Error", "Completed"]
        # the restarted server waited out what was left of the delay before it ran the attempt
        assert final["endTime"] >= waiting["nextAttemptTime"]
    finally:
        server.stop()

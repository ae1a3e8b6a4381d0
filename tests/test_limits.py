"""Limits answer clearly: 413 for bodies and parameters too large, 429 with Retry-After for a full queue."""

from __future__ import annotations

import pytest

from .support import assert_problem, execute, notebook_with, project_path, wait_for


@pytest.fixture
def mindzie_config():
    return {
        "MindzieEngine": {"slots": 1, "max_queued_per_project": 2, "max_parameters_bytes": 1000},
        "MindzieApp": {"max_request_body": 50_000},
    }


async def test_a_full_queue_is_429_with_retry_after(api):
    blocker = await notebook_with(api, "import time\nfor _ in range(600):\n    time.sleep(0.1)")
    running = await execute(api, blocker)
    await wait_for(api, blocker["notebookId"], running["executionId"], lambda s: s["phase"] == "Executing")
    queued = [await execute(api, blocker) for _ in range(2)]
    reply = await api("POST", project_path("notebook", blocker["notebookId"], "execute"), {})
    problem = assert_problem(reply, 429, problem_type="too-many-queued")
    assert int(reply.headers["Retry-After"]) >= 5 and "2 executions waiting" in problem["detail"]
    for execution in [running, *queued]:
        await api(
            "POST",
            project_path("notebook", blocker["notebookId"], "execution", execution["executionId"], "cancel"),
        )
    accepted = await api("POST", project_path("notebook", blocker["notebookId"], "execute"), {})
    assert accepted.status == 202, "the queue has room again"
    await api(
        "POST",
        project_path("notebook", blocker["notebookId"], "execution", accepted.json["executionId"], "cancel"),
    )


async def test_parameters_and_bodies_over_their_limits_are_413(api):
    notebook = await notebook_with(api, "print(x)")
    reply = await api(
        "POST", project_path("notebook", notebook["notebookId"], "execute"), {"parameters": {"x": "y" * 2000}}
    )
    assert_problem(reply, 413, field="parameters")
    big = {"cells": [{"cellType": "code", "content": "#" * 60_000}]}
    assert_problem(await api("PUT", project_path("notebook", notebook["notebookId"]), big), 413, field="body")
    assert (await api("GET", project_path("notebook", notebook["notebookId"]))).json[
        "notebookVersion"
    ] == "1.1.0"

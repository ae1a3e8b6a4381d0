"""Limits answer clearly: 413 for bodies and parameters too large, 429 with Retry-After for a full queue."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

from .support import (
    OTHER_PROJECT,
    OTHER_TENANT,
    PROJECT,
    TENANT,
    TERMINAL,
    assert_problem,
    execute,
    kernel_ids,
    notebook_with,
    project_path,
    wait_for,
)


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


BLOCKER = "import time\nfor _ in range(600):\n    time.sleep(0.1)"


async def notebook_in(api, tenant: str, project: str, source: str = "print('quick')") -> dict:
    body = {"notebookName": "n", "initialCells": [{"cellType": "code", "content": source}]}
    reply = await api("POST", project_path("notebook", tenant=tenant, project=project), body)
    assert reply.status == 201, reply.body
    return reply.json


async def submit(api, notebook: dict, body: dict | None = None):
    path = project_path(
        "notebook",
        notebook["notebookId"],
        "execute",
        tenant=notebook["tenantId"],
        project=notebook["projectId"],
    )
    return await api("POST", path, body or {})


async def cancel_all(api, accepted: list[tuple[dict, dict]], *, settle: Any = None) -> None:
    """Cancel each run; with `settle` (the app), also wait until each has ended and only the
    pool's kernels are left, so the server's own shutdown at teardown finds no kernel that a
    run is still shutting down."""
    for notebook, execution in accepted:
        path = project_path(
            "notebook",
            notebook["notebookId"],
            "execution",
            execution["executionId"],
            tenant=notebook["tenantId"],
            project=notebook["projectId"],
        )
        await api("POST", f"{path}/cancel")
    if settle is None:
        return
    for notebook, execution in accepted:
        path = project_path(
            "notebook",
            notebook["notebookId"],
            "execution",
            execution["executionId"],
            tenant=notebook["tenantId"],
            project=notebook["projectId"],
        )
        end = time.monotonic() + 60
        while (await api("GET", path)).json["status"] not in TERMINAL:
            assert time.monotonic() < end
            await asyncio.sleep(0.05)
    end = time.monotonic() + 30
    while set(await kernel_ids(api)) - set(settle.engine.pool.kernel_ids()):
        assert time.monotonic() < end, "a cancelled run's kernel was not shut down"
        await asyncio.sleep(0.05)


class TestFairQueue:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieEngine": {"slots": 1, "max_queued_per_project": 100, "max_queued_per_tenant": 60}}

    async def test_a_tenant_with_50_queued_runs_delays_another_tenants_run_by_one_slot_turn(
        self, api, mindzie_app
    ):
        a = await notebook_in(api, TENANT, PROJECT, BLOCKER)
        quick_a = await notebook_in(api, TENANT, PROJECT)
        quick_b = await notebook_in(api, OTHER_TENANT, OTHER_PROJECT)
        blocker = (await submit(api, a)).json
        await wait_for(api, a["notebookId"], blocker["executionId"], lambda s: s["phase"] == "Executing")
        flood = [(quick_a, (await submit(api, quick_a, {"priority": "High"})).json) for _ in range(50)]
        single = (await submit(api, quick_b)).json
        status_of = project_path(
            "notebook",
            quick_b["notebookId"],
            "execution",
            single["executionId"],
            tenant=OTHER_TENANT,
            project=OTHER_PROJECT,
        )
        assert (await api("GET", status_of)).json["queuePosition"] == 1, "others' runs are not counted"
        last = project_path("notebook", quick_a["notebookId"], "execution", flood[-1][1]["executionId"])
        assert (await api("GET", last)).json["queuePosition"] == 50
        await cancel_all(api, [(a, blocker)])
        end = time.monotonic() + 120
        while (final := (await api("GET", status_of)).json)["status"] == "Running":
            assert time.monotonic() < end
            await asyncio.sleep(0.05)
        assert final["status"] == "Completed"
        started_before = 0
        for _, execution in flood:
            row = (
                await api(
                    "GET",
                    project_path("notebook", quick_a["notebookId"], "execution", execution["executionId"]),
                )
            ).json
            if row["phase"] != "Queued" and row["startTime"] < final["startTime"]:
                started_before += 1
        assert started_before <= 1, f"{started_before} of the flood went first"
        await cancel_all(api, flood, settle=mindzie_app)

    @pytest.mark.parametrize(
        "mindzie_config",
        [
            {
                "MindzieEngine": {
                    "slots": 1,
                    "max_queued_per_project": 100,
                    "max_queued_per_tenant": 3,
                    "max_queued": 5,
                }
            }
        ],
    )
    async def test_caps_per_tenant_over_fresh_projects_and_for_the_server_are_429(self, api, mindzie_app):
        blocker = await notebook_in(api, TENANT, PROJECT, BLOCKER)
        running = (await submit(api, blocker)).json
        await wait_for(
            api, blocker["notebookId"], running["executionId"], lambda s: s["phase"] == "Executing"
        )
        accepted = [(blocker, running)]
        projects = [str(uuid.uuid4()) for _ in range(4)]
        for project in projects[:3]:  # any GUID is a project: three fresh ones, one run each
            notebook = await notebook_in(api, TENANT, project)
            accepted.append((notebook, (await submit(api, notebook)).json))
        refused = await submit(api, await notebook_in(api, TENANT, projects[3]))
        problem = assert_problem(refused, 429, problem_type="too-many-queued")
        assert "this tenant already has 3" in problem["detail"] and int(refused.headers["Retry-After"]) >= 5
        other = await notebook_in(api, OTHER_TENANT, OTHER_PROJECT)
        for _ in range(2):
            reply = await submit(api, other)
            assert reply.status == 202, "another tenant still has room"
            accepted.append((other, reply.json))
        third = await notebook_in(api, "aa0e8400-e29b-41d4-a716-4466554400aa", PROJECT)
        full = await submit(api, third)
        problem = assert_problem(full, 429, problem_type="too-many-queued")
        assert "the server already has 5" in problem["detail"] and int(full.headers["Retry-After"]) >= 5
        await cancel_all(api, accepted, settle=mindzie_app)

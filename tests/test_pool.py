"""The warm kernel pool: fresh kernels for every run, refilled, the server's own, closed with it."""

from __future__ import annotations

import asyncio
import time

import pytest

from .support import execute, kernel_ids, notebook_with, project_path, wait_for


@pytest.fixture
def mindzie_config():
    return {"MindzieKernelPool": {"size": 1}}


async def wait_for_pool(api, mindzie_app, count: int, deadline: float = 60) -> set[str]:
    end = time.monotonic() + deadline
    while len(mindzie_app.engine.pool.kernel_ids()) != count:
        assert time.monotonic() < end, "the pool did not fill"
        await asyncio.sleep(0.05)
    return set(mindzie_app.engine.pool.kernel_ids())


async def test_runs_take_fresh_warm_kernels_and_the_pool_refills(api, mindzie_app, jp_root_dir):
    pooled = await wait_for_pool(api, mindzie_app, 1)
    assert pooled <= await kernel_ids(api), "pooled kernels are the server's own"
    notebook = await notebook_with(
        api,
        "import os, json\nprint(json.loads(os.environ['MINDZIE_CONTEXT'])['executionId'], os.getcwd())",
        "leak = 'from the first run'",
        "print(globals().get('leak_from_before', 'clean'), get_ipython().history_manager.hist_file)",
    )
    first = await execute(api, notebook)
    done = await wait_for(api, notebook["notebookId"], first["executionId"])
    assert done["status"] == "Completed"
    assert mindzie_app.store.get_execution(first["executionId"])["kernel_id"] in pooled, (
        "the run used the warm kernel"
    )
    results = (
        await api(
            "GET",
            project_path("notebook", notebook["notebookId"], "execution", first["executionId"], "results"),
            params={"format": "detailed", "cellId": "cell-002"},
        )
    ).json
    execution_id, cwd = results["outputs"][0]["content"].split()
    assert execution_id == first["executionId"], "a warm kernel gets this run's context"
    assert cwd == str(jp_root_dir / notebook["path"]).rsplit("/", 1)[0], "and runs in the notebook's folder"
    last = (
        await api(
            "GET",
            project_path("notebook", notebook["notebookId"], "execution", first["executionId"], "results"),
            params={"format": "detailed", "cellId": "cell-004"},
        )
    ).json
    assert last["outputs"][0]["content"].split() == ["clean", ":memory:"], "started as a run's kernel is"

    refilled = await wait_for_pool(api, mindzie_app, 1)
    assert refilled.isdisjoint(pooled), "a pooled kernel is used once, never given back"
    await api(
        "PUT",
        project_path("notebook", notebook["notebookId"]),
        {
            "cells": [
                {"cellId": "cell-001", "cellType": "code", "content": "x = 1"},
                {"cellType": "code", "content": "print(globals().get('leak', 'clean'))"},
            ]
        },
    )
    second = await execute(api, notebook)
    await wait_for(api, notebook["notebookId"], second["executionId"])
    results = (
        await api(
            "GET",
            project_path("notebook", notebook["notebookId"], "execution", second["executionId"], "results"),
            params={"format": "detailed"},
        )
    ).json
    assert results["outputs"][0]["content"].strip() == "clean", "no state leaks between runs"


async def test_the_pool_shuts_its_kernels_down_with_the_engine(api, mindzie_app):
    pooled = await wait_for_pool(api, mindzie_app, 1)
    await mindzie_app.engine.pool.close()
    assert not pooled & await kernel_ids(api)
    assert await mindzie_app.engine.pool.take("python3") is None


@pytest.mark.slow  # waits for the idle pool to empty: about 7 s
class TestIdlePool:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieKernelPool": {"size": 1, "idle_timeout": 1.0}}

    async def test_an_idle_pool_empties_and_refills_on_the_next_run(self, api, mindzie_app):
        pooled = await wait_for_pool(api, mindzie_app, 1)
        await wait_for_pool(api, mindzie_app, 0)
        end = time.monotonic() + 30
        while pooled & await kernel_ids(api):  # shut down, not only forgotten
            assert time.monotonic() < end
            await asyncio.sleep(0.05)
        assert await mindzie_app.engine.pool.take("python3") is None, "the first run after idling is cold"
        await wait_for_pool(api, mindzie_app, 1)


class TestRefill:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieKernelPool": {"size": 1, "refill_delay": 600.0}}

    async def test_the_pool_refills_when_the_run_ends_not_while_it_runs(self, api, mindzie_app):
        pooled = await wait_for_pool(api, mindzie_app, 1)
        notebook = await notebook_with(api, "import time\ntime.sleep(1.5)", "time.sleep(1)")
        accepted = await execute(api, notebook)
        running = await wait_for(
            api,
            notebook["notebookId"],
            accepted["executionId"],
            lambda s: s["currentCell"] == "cell-002" or s["status"] != "Running",
        )
        assert running["status"] == "Running"
        run_kernel = mindzie_app.store.get_execution(accepted["executionId"])["kernel_id"]
        assert run_kernel in pooled
        assert await kernel_ids(api) == {run_kernel}, "no kernel start competes with a short run"
        done = await wait_for(api, notebook["notebookId"], accepted["executionId"])
        assert done["status"] == "Completed"
        refilled = await wait_for_pool(api, mindzie_app, 1, deadline=60)
        assert refilled.isdisjoint(pooled)

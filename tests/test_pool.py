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


# -- preloaded kernels ---------------------------------------------------------------------


async def outputs_of(api, notebook_id: str, execution_id: str) -> dict[str, str]:
    """cellId -> the text (or MIME type, for images) of the cell's first output."""
    results = (
        await api(
            "GET",
            project_path("notebook", notebook_id, "execution", execution_id, "results"),
            params={"format": "detailed"},
        )
    ).json
    found: dict[str, str] = {}
    for output in results["outputs"]:
        text = output["contentType"] if output["contentType"].startswith("image/") else output["content"]
        found.setdefault(output["cellId"], str(text).strip())
    return found


class TestPreload:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieKernelPool": {"size": 1, "learned_imports": 8}}

    async def test_a_preloaded_kernel_shows_an_empty_namespace_and_nothing_leaks(self, api, mindzie_app):
        pool = mindzie_app.engine.pool
        assert {"pandas", "matplotlib.pyplot", "sklearn.ensemble"} <= set(pool.preload), (
            "the default preload is what the templates import"
        )
        await wait_for_pool(api, mindzie_app, 1)
        probe = (
            "names = get_ipython().run_line_magic('who_ls', '')\n"
            "import sys, json, os\n"
            "print(names, 'pandas' in sys.modules, [k for k in globals() if 'mindzie' in k],"
            " hasattr(json, 'leaked'), os.environ.get('MINDZIE_LEAK'))"
        )
        notebook = await notebook_with(
            api,
            probe,
            "leak = 1\njson.leaked = True\nos.environ['MINDZIE_LEAK'] = '1'",
            "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
        )
        first = await execute(api, notebook)
        assert (await wait_for(api, notebook["notebookId"], first["executionId"]))["status"] == "Completed"
        seen = await outputs_of(api, notebook["notebookId"], first["executionId"])
        assert seen["cell-002"] == "['x'] True [] False None", (
            "preloaded; only the parameters in the namespace"
        )
        assert seen["cell-004"] == "image/png", "plots of a preloaded pyplot still show inline"

        refilled = await wait_for_pool(api, mindzie_app, 1)
        second = await execute(api, notebook)
        assert (await wait_for(api, notebook["notebookId"], second["executionId"]))["status"] == "Completed"
        assert mindzie_app.store.get_execution(second["executionId"])["kernel_id"] in refilled
        first_kernel = mindzie_app.store.get_execution(first["executionId"])["kernel_id"]
        second_kernel = mindzie_app.store.get_execution(second["executionId"])["kernel_id"]
        assert first_kernel != second_kernel
        again = await outputs_of(api, notebook["notebookId"], second["executionId"])
        assert again["cell-002"] == "['x'] True [] False None", "nothing of the first run reaches the second"

    async def test_the_pool_learns_what_the_last_runs_imported(self, api, mindzie_app):
        pool = mindzie_app.engine.pool
        await wait_for_pool(api, mindzie_app, 1)
        assert "xml.dom.minidom" not in pool.modules_for("python3")
        notebook = await notebook_with(
            api, "import sys\nprint('xml.dom.minidom' in sys.modules)\nimport xml.dom.minidom"
        )
        seen = []
        # The kernel warmed while run 1 ran cannot know yet; the one warmed after it ended does.
        for _ in range(3):
            accepted = await execute(api, notebook)
            done = await wait_for(api, notebook["notebookId"], accepted["executionId"])
            assert done["status"] == "Completed"
            seen.append((await outputs_of(api, notebook["notebookId"], accepted["executionId"]))["cell-002"])
            await wait_for_pool(api, mindzie_app, 1)
        assert "xml.dom.minidom" in pool.modules_for("python3")
        assert seen[0] == "False" and seen[2] == "True", seen


class TestNoPreload:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieKernelPool": {"size": 1, "preload": []}}

    async def test_preload_off_imports_nothing_and_learns_nothing(self, api, mindzie_app):
        await wait_for_pool(api, mindzie_app, 1)
        notebook = await notebook_with(api, "import sys\nprint('pandas' in sys.modules)\nimport fractions")
        accepted = await execute(api, notebook)
        assert (await wait_for(api, notebook["notebookId"], accepted["executionId"]))["status"] == "Completed"
        assert (await outputs_of(api, notebook["notebookId"], accepted["executionId"]))["cell-002"] == "False"
        assert mindzie_app.engine.pool.modules_for("python3") == []


# -- a pool that keeps up ------------------------------------------------------------------


class TestDefaultSize:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieKernelPool": {"size": None, "preload": []}, "MindzieEngine": {"slots": 2}}

    async def test_the_pool_keeps_one_kernel_per_slot(self, api, mindzie_app):
        assert mindzie_app.engine.pool.target_size == 2
        await wait_for_pool(api, mindzie_app, 2)


class TestSideBySide:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieKernelPool": {"size": 2, "preload": []}}

    async def test_two_kernels_taken_at_once_are_warmed_again_side_by_side(self, api, mindzie_app):
        pool = mindzie_app.engine.pool
        await wait_for_pool(api, mindzie_app, 2)
        taken = [await pool.take("python3"), await pool.take("python3")]
        try:
            assert all(taken)
            end = time.monotonic() + 30
            while len(await kernel_ids(api)) < 4:  # the two taken and both replacements
                assert time.monotonic() < end, "the replacements did not start"
                await asyncio.sleep(0.01)
            assert not pool.kernel_ids(), "the second replacement started only once the first was ready"
            await wait_for_pool(api, mindzie_app, 2)
        finally:
            for warm in taken:
                if warm is not None:
                    await pool._shutdown(warm)


class TestPriority:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieKernelPool": {"size": 1, "preload": []}}

    async def test_a_take_refills_at_once_at_a_lower_priority_and_the_run_gets_normal_priority(
        self, api, mindzie_app
    ):
        import os

        import psutil

        pool = mindzie_app.engine.pool
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        pooled = await wait_for_pool(api, mindzie_app, 1)
        notebook = await notebook_with(
            api, "import os, time\nprint(os.getpriority(os.PRIO_PROCESS, 0))\ntime.sleep(2)"
        )
        accepted = await execute(api, notebook)
        end = time.monotonic() + 30
        while not (pid := pool._soonest("python3")[1]):
            assert time.monotonic() < end, "no refill started while the run ran"
            await asyncio.sleep(0.01)
        expected = min(19, ours + pool.warm_nice)  # Linux caps niceness at 19 (a test run under `nice`)
        assert psutil.Process(pid).nice() == expected, "the refill yields the CPU"
        done = await wait_for(api, notebook["notebookId"], accepted["executionId"])
        assert done["status"] == "Completed"
        assert mindzie_app.store.get_execution(accepted["executionId"])["kernel_id"] in pooled
        seen = await outputs_of(api, notebook["notebookId"], accepted["executionId"])
        assert seen["cell-002"] == str(ours), "a run's kernel runs at the server's priority"


class TestWaitForWarming:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieKernelPool": {"size": 1, "preload": []}}

    async def test_a_take_while_the_first_kernel_warms_waits_for_it(self, api, mindzie_app):
        pool = mindzie_app.engine.pool
        assert not pool.kernel_ids(), "asked before the pool is ready"
        warm = await pool.take("python3")
        try:
            assert warm is not None, "waited for the warming kernel instead of going cold"
            assert warm.kernel_id in await kernel_ids(api)
        finally:
            if warm is not None:
                await pool._shutdown(warm)


class TestColdRatherThanWaiting:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieKernelPool": {"size": 1}}

    async def test_a_take_goes_cold_when_the_warming_kernel_has_its_preload_ahead(self, api, mindzie_app):
        """A preload takes longer than a boot: a run that may not need pandas does not wait for it."""
        pool = mindzie_app.engine.pool
        await wait_for_pool(api, mindzie_app, 1)
        first = await pool.take("python3")
        try:
            assert first is not None
            started = time.monotonic()
            assert await pool.take("python3") is None, "the refill has just begun: start a cold kernel"
            assert time.monotonic() - started < 1.0
        finally:
            if first is not None:
                await pool._shutdown(first)


class TestFailingWarmUp:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieKernelPool": {"size": 1, "preload_timeout": 0.001, "retry_initial": 0.05}}

    async def test_a_failing_warm_up_is_retried_with_backoff_and_logged_once(self, api, mindzie_app):
        import logging

        pool = mindzie_app.engine.pool
        records: list[logging.LogRecord] = []
        handler = logging.Handler(logging.DEBUG)
        handler.emit = records.append  # type: ignore[method-assign]
        pool.log.addHandler(handler)
        try:
            end = time.monotonic() + 90
            while pool.warm_failures < 3:
                assert time.monotonic() < end, "the pool did not retry"
                await asyncio.sleep(0.05)
            started = time.monotonic()
            assert await pool.take("python3") is None, "a failing pool sends the run to a cold kernel"
            assert time.monotonic() - started < 1.0, "without waiting for it"
            pool.preload_timeout = 120.0  # the machine recovers
            await wait_for_pool(api, mindzie_app, 1, deadline=120)
        finally:
            pool.log.removeHandler(handler)
        warnings = [
            r for r in records if r.levelno >= logging.WARNING and "could not start" in r.getMessage()
        ]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
        assert any("again after" in r.getMessage() for r in records)
        assert not await kernel_ids(api) - set(pool.kernel_ids()), "failed warm-ups leave no kernel behind"


async def test_iopub_is_confirmed_with_stale_kernel_info_replies_queued(jp_serverapp):
    """Why the pool failed to warm at start: replies left on shell by `wait_for_ready` (or by a
    kernel that answered late) made every later attempt read the previous attempt's reply."""
    from jupyter_core.utils import ensure_async

    from jupyter_mindzie.execution.kernel_client import CHANNELS, confirm_iopub

    manager = jp_serverapp.kernel_manager
    kernel_id = await ensure_async(manager.start_kernel(kernel_name="python3"))
    client = manager.get_kernel(kernel_id).client()
    try:
        await ensure_async(client.start_channels(**CHANNELS))
        for _ in range(3):
            client.kernel_info()  # three replies nobody reads
        info = await confirm_iopub(client, timeout=30)
        assert info["msg_type"] == "kernel_info_reply"
    finally:
        client.stop_channels()
        await ensure_async(manager.shutdown_kernel(kernel_id, now=True))


class TestDeadOnStart:
    @pytest.fixture
    def mindzie_config(self, jp_data_dir):
        import json
        import sys

        spec = jp_data_dir / "kernels" / "dies-at-start"
        spec.mkdir(parents=True)
        argv = [sys.executable, "-c", "import sys; sys.exit(3)", "{connection_file}"]
        (spec / "kernel.json").write_text(
            json.dumps({"argv": argv, "display_name": "dies", "language": "python"})
        )
        return {
            "MindzieKernelPool": {
                "size": 1,
                "kernel_names": ["dies-at-start"],
                "preload": [],
                "retry_initial": 30.0,
            }
        }

    async def test_a_kernel_that_dies_while_starting_fails_its_warm_up_at_once(self, api, mindzie_app):
        pool = mindzie_app.engine.pool
        end = time.monotonic() + 20  # not the 60 s of startup_timeout
        while pool.warm_failures < 1:
            assert time.monotonic() < end, "the pool waited for a dead kernel to answer"
            await asyncio.sleep(0.05)
        assert await pool.take("dies-at-start") is None

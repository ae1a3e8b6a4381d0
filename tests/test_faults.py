"""Kernel faults end in a clear terminal state within seconds, and the server stays responsive."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from .conftest import assert_problem, project_path
from .test_executions_api import execute, kernel_ids, no_kernels_left, notebook_with, status, wait_for
from .test_notebooks_api import create


def kernelspec(data_dir: Path, name: str, python: str) -> Path:
    """A kernelspec the server finds in its data dir, as an admin would install one."""
    folder = data_dir / "kernels" / name
    folder.mkdir(parents=True)
    spec = {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": name,
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return folder


@pytest.fixture
def mindzie_config():
    return {"MindzieEngine": {"max_cell_output_bytes": 100_000}}


async def test_a_cell_that_floods_output_is_cut_and_the_run_completes(api):
    notebook = await notebook_with(
        api,
        "import sys\nfor i in range(50_000):\n    sys.stdout.write('x' * 99 + '\\n')",
        "print('after the flood')",
    )
    accepted = await execute(api, notebook)
    seen_running = await wait_for(
        api,
        notebook["notebookId"],
        accepted["executionId"],
        lambda s: s["currentCell"] == "cell-002" or s["status"] != "Running",
    )
    assert (await api("GET", "api/status")).status == 200, "the server answers during the flood"
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"], deadline=60)
    assert seen_running and final["status"] == "Completed"
    assert [c["status"] for c in final["cellResults"]] == ["Success", "Success", "Success"]
    results = (
        await api(
            "GET",
            project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"], "results"),
            params={"format": "detailed", "cellId": "cell-002"},
        )
    ).json
    kept = "".join(o["content"] for o in results["outputs"])
    assert len(kept) < 200_000 < 50_000 * 100
    assert "[mindzie] output truncated" in kept


async def test_a_cell_that_exhausts_memory_fails_alone(api):
    notebook = await notebook_with(
        api,
        "import resource\nresource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))\nhog = bytearray(8 * 2**30)",
        "print('still alive')",
    )
    accepted = await execute(api, notebook)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"], deadline=60)
    assert final["status"] == "Completed"
    by_id = {c["cellId"]: c for c in final["cellResults"]}
    assert by_id["cell-002"]["status"] == "Error" and by_id["cell-002"]["errorType"] == "MemoryError"
    assert by_id["cell-003"]["status"] == "Success"


async def test_a_kernelspec_removed_after_the_notebook_was_made(api, jp_data_dir):
    folder = kernelspec(jp_data_dir, "doomed", sys.executable)
    notebook = await create(api, {"notebookName": "doomed", "kernelType": "doomed"})
    assert notebook["kernelType"] == "doomed"
    shutil.rmtree(folder)
    problem = assert_problem(
        await api("POST", project_path("notebook", notebook["notebookId"], "execute"), {}),
        409,
        problem_type="kernel-unavailable",
    )
    assert "doomed" in problem["detail"]
    assert (await api("GET", project_path("notebook", notebook["notebookId"]))).json["status"] == "Ready"


async def test_a_kernel_that_fails_to_start_ends_the_run_as_an_error(api, jp_data_dir):
    kernelspec(jp_data_dir, "broken", "/nonexistent/python3")
    notebook = await create(api, {"notebookName": "broken", "kernelType": "broken"})
    started = time.monotonic()
    accepted = await execute(api, notebook)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"], deadline=30)
    assert time.monotonic() - started < 20
    assert final["status"] == "Error" and final["errorType"] == "KernelStartError"
    assert "broken" in final["errorMessage"]
    assert all(c["status"] == "Skipped" for c in final["cellResults"])
    assert not await kernel_ids(api)
    assert (await api("GET", project_path("notebook", notebook["notebookId"]))).json["status"] == "Error"
    assert (await status(api, notebook["notebookId"], accepted["executionId"]))["phase"] == "Error"


# A process that holds the store's write lock for 15 s, as a backup or another tool might.
LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
conn.execute("UPDATE notebooks SET description = description")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


class TestALockedStore:
    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieStore": {"busy_timeout": 2.0}}

    async def test_a_15_second_exclusive_lock_during_a_run_never_leaves_it_stuck(self, api, mindzie_app):
        notebook = await notebook_with(api, "import time\ntime.sleep(1.5)", "print('done')")
        accepted = await execute(api, notebook)
        await wait_for(
            api, notebook["notebookId"], accepted["executionId"], lambda s: s["phase"] == "Executing"
        )
        locker = await asyncio.create_subprocess_exec(
            sys.executable, "-c", LOCKER, mindzie_app.store.location, "15", stdout=asyncio.subprocess.PIPE
        )
        assert locker.stdout is not None
        assert await locker.stdout.readline() == b"locked\n"
        locked_at = time.monotonic()
        try:
            # writes cannot be made: a 503 that says when to come back, never a 500
            refused = await api("POST", project_path("notebook"), {"notebookName": "during the lock"})
            assert_problem(refused, 503, problem_type="store-unavailable")
            assert int(refused.headers["Retry-After"]) > 0
            # the run ended meanwhile, but its end cannot be written yet: reads still answer
            assert (await status(api, notebook["notebookId"], accepted["executionId"]))["status"] == "Running"
        finally:
            assert await locker.wait() == 0
        assert time.monotonic() - locked_at >= 14
        final = await wait_for(api, notebook["notebookId"], accepted["executionId"], deadline=60)
        assert final["status"] == "Completed" and final["progress"]["successfulCells"] == 3, final
        assert await no_kernels_left(api), "the run's kernel was released"
        # the slot lives on
        again = await execute(api, notebook)
        assert (await wait_for(api, notebook["notebookId"], again["executionId"]))["status"] == "Completed"
        assert (await api("POST", project_path("notebook"), {"notebookName": "after the lock"})).status == 201

"""Kernel faults end in a clear terminal state within seconds, and the server stays responsive."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from jupyter_mindzie.execution.kernel_client import QUEUED_MESSAGES, message_limit

from .support import (
    assert_problem,
    create,
    execute,
    kernel_ids,
    no_kernels_left,
    notebook_with,
    project_path,
    status,
    wait_for,
)


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


MiB = 2**20
FLOODS = {
    "six 40 MB JSON displays": "from IPython.display import display\n"
    "for _ in range(6):\n    display({'application/json': {'rows': 'x' * 40_000_000}}, raw=True)",
    "a display updated to 100 MB": "from IPython.display import display\n"
    "h = display({'text/plain': 'small'}, raw=True, display_id=True)\n"
    "h.update({'text/plain': 'y' * 100_000_000}, raw=True)",
    "one 150 MB message": "import sys\nsys.stdout.write('z' * 150_000_000)\nsys.stdout.flush()",
    "JSON under the message limit, over the cell's": "from IPython.display import display\n"
    "for _ in range(3):\n    display({'application/json': {str(i): 'v' * 100 for i in range(30_000)}}, raw=True)",
    "many outputs over the run's limit": "from IPython.display import display\n"
    "for _ in range(40):\n    display({'text/plain': 'w' * 3_000_000}, raw=True)",
}


class TestOutputFloods:
    """Whatever a notebook prints, one run costs the server a bounded amount of memory."""

    @pytest.fixture
    def mindzie_config(self):
        return {"MindzieEngine": {"max_cell_output_bytes": 4 * MiB, "max_output_bytes": 12 * MiB}}

    @pytest.fixture
    def production_logging(self, jp_serverapp):
        """As in production: at DEBUG nbclient logs every message's content, and pytest keeps logs."""
        from traitlets.log import get_logger

        loggers = {jp_serverapp.log, get_logger()}
        levels = {logger: logger.level for logger in loggers}
        for logger in loggers:
            logger.setLevel("INFO")
        yield
        for logger, level in levels.items():
            logger.setLevel(level)

    async def test_every_way_of_flooding_keeps_the_servers_memory_bounded(
        self, api, mindzie_app, production_logging
    ):
        import threading

        import psutil

        server = psutil.Process()  # the test's process is the Jupyter server
        notebook = await notebook_with(api, *FLOODS.values(), "print('after the floods')")
        # a first run loads what any run needs (nbconvert, kernel clients): not the floods' cost
        quiet = await notebook_with(
            api, "from IPython.display import display\ndisplay({'text/plain': 'x'}, raw=True)"
        )
        await wait_for(api, quiet["notebookId"], (await execute(api, quiet))["executionId"])
        baseline = server.memory_info().rss
        peak, done = [baseline], threading.Event()

        def sample() -> None:  # a thread: the event loop may be busy decoding
            while not done.wait(0.01):
                peak.append(server.memory_info().rss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            accepted = await execute(api, notebook)
            final = await wait_for(api, notebook["notebookId"], accepted["executionId"], deadline=300)
        finally:
            done.set()
            sampler.join()
        # The stated bound (README): kept output, twice (the executed notebook is written from
        # it), and the queued and decoding messages, each under the message limit.
        limit = message_limit(4 * MiB, 12 * MiB)
        bound = 2 * 12 * MiB + (QUEUED_MESSAGES + 8) * limit
        print(f"the server grew by {(max(peak) - baseline) / MiB:.0f} MiB; bound {bound / MiB:.0f} MiB")
        assert max(peak) - baseline < bound, f"the server grew by {(max(peak) - baseline) / MiB:.0f} MiB"
        assert final["status"] == "Completed", final
        assert [c["status"] for c in final["cellResults"]] == ["Success"] * (len(FLOODS) + 2)
        folder = mindzie_app.engine.records.artifacts_dir(accepted["executionId"])
        on_disk = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
        assert on_disk < 3 * 12 * MiB, f"{on_disk / MiB:.0f} MiB on disk"  # outputs, and executed.ipynb
        url = project_path(
            "notebook", notebook["notebookId"], "execution", accepted["executionId"], "results"
        )
        detailed = (await api("GET", url, params={"format": "detailed"})).json["outputs"]
        by_cell: dict[str, str] = {}
        for output in detailed:
            by_cell[output["cellId"]] = by_cell.get(output["cellId"], "") + str(output["content"] or "")
        for cell_id in ("cell-002", "cell-003", "cell-004", "cell-005", "cell-006"):
            assert "[mindzie] output truncated" in by_cell.get(cell_id, ""), cell_id
        assert by_cell["cell-007"] == "after the floods\n", "the kernel's output still arrives"
        assert by_cell["cell-006"].count("w" * 1000) < 40, "the run's limit cut the many outputs short"

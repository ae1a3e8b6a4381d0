"""Kernel faults end in a clear terminal state within seconds, and the server stays responsive."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from .support import (
    assert_problem,
    create,
    execute,
    kernel_ids,
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

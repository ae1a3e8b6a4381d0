"""A real server killed with SIGKILL mid-run, then started again on the same root."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from .support import Server

pytestmark = pytest.mark.restart


def notebook(server: Server, name: str, source: str) -> str:
    created = server.call("POST", "notebook", json={"notebookName": name}).json()
    cells = [
        {"cellId": "cell-001", "cellType": "code", "content": "x = 1"},
        {"cellType": "code", "content": source},
    ]
    assert server.call("PUT", f"notebook/{created['notebookId']}", json={"cells": cells}).ok
    return str(created["notebookId"])


def kernel_processes(kernel_id: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if kernel_id in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


def only_kernel(server: Server, deadline: float = 15) -> list[str]:
    """The server's kernels once the finished runs' ones have shut down (one run is left)."""
    end = time.monotonic() + deadline
    while True:
        kernels = requests.get(
            f"http://127.0.0.1:{server.port}/api/kernels", headers=server.headers, timeout=10
        ).json()
        if len(kernels) == 1 or time.monotonic() > end:
            return [kernel["id"] for kernel in kernels]
        time.sleep(0.1)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "root"
    root.mkdir()
    running = Server(root, "--MindzieEngine.slots=1", "--MindzieKernelPool.size=0")
    yield running
    running.stop()


def test_a_killed_server_restarts_with_nothing_lost_and_nothing_left_running(server: Server):
    server.start()
    done_id = notebook(server, "finished before the crash", "print('done')")
    done = server.call("POST", f"notebook/{done_id}/execute", json={}).json()
    assert (
        server.wait_for(done_id, done["executionId"], lambda s: s["status"] != "Running")["status"]
        == "Completed"
    )

    long_id = notebook(server, "long", "import time\nfor _ in range(3000):\n    time.sleep(0.1)")
    running = server.call("POST", f"notebook/{long_id}/execute", json={}).json()
    status = server.wait_for(long_id, running["executionId"], lambda s: s["currentCell"] == "cell-002")
    waiting = server.call("POST", f"notebook/{done_id}/execute", json={"parameters": {"x": 2}}).json()
    done_file = server.root / server.call("GET", f"notebook/{done_id}").json()["path"]
    queued = server.call("GET", f"notebook/{done_id}/execution/{waiting['executionId']}").json()
    assert queued["phase"] == "Queued"
    waiting_version = queued["notebookVersion"]
    (kernel_id,) = only_kernel(server)
    assert status["status"] == "Running"

    server.kill()
    # edited while the server is down: the run queued before the crash runs what was submitted
    done_file.write_text(done_file.read_text().replace("print('done')", "print('edited later')"))
    server.start()

    # nothing lost
    names = {n["notebookName"] for n in server.call("GET", "notebooks").json()["notebooks"]}
    assert names == {"finished before the crash", "long"}
    assert (
        server.call("GET", f"notebook/{done_id}/execution/{done['executionId']}").json()["status"]
        == "Completed"
    )
    # nothing left running: the interrupted run ended as an error, its kernel is gone
    interrupted = server.wait_for(
        long_id, running["executionId"], lambda s: s["status"] != "Running", deadline=10
    )
    assert interrupted["status"] == "Error" and interrupted["errorType"] == "ServerStopped"
    assert "server stopped" in interrupted["errorMessage"]
    assert [c["status"] for c in interrupted["cellResults"]] == ["Success", "Error"]
    assert server.call("GET", f"notebook/{long_id}").json()["status"] == "Error"
    deadline = time.monotonic() + 10
    while kernel_processes(kernel_id) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not kernel_processes(kernel_id), "the killed server's kernel must not outlive the restart"
    # the queued run is queued again and completes
    requeued = server.wait_for(done_id, waiting["executionId"], lambda s: s["status"] != "Running")
    assert requeued["status"] == "Completed" and requeued["parameters"] == {"x": 2}
    assert requeued["notebookVersion"] == waiting_version
    printed = server.call(
        "GET",
        f"notebook/{done_id}/execution/{waiting['executionId']}/results",
        params={"format": "detailed", "cellId": "cell-002"},
    ).json()["outputs"][0]["content"]
    assert printed.strip() == "done"
    # new runs work
    fresh = server.call(
        "POST",
        f"notebook/{long_id}/execute",
        json={"executionMode": "range", "cellRange": {"startCell": "cell-001", "endCell": "cell-001"}},
    ).json()
    assert (
        server.wait_for(long_id, fresh["executionId"], lambda s: s["status"] != "Running")["status"]
        == "Completed"
    )
    assert os.path.exists(server.root / ".mindzie" / "mindzie.db")

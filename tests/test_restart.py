"""A real server killed with SIGKILL mid-run, then started again on the same root."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests

TENANT = "5a4d1e2f-0000-4000-8000-00000000de40"
PROJECT = "660e8400-e29b-41d4-a716-446655440000"
TOKEN = "restart-test-token"


class Server:
    """`jupyter server` as an operator runs it: its own process, a port, a root directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = root.parent / "server.log"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/{TENANT}/{PROJECT}"

    def start(self) -> None:
        command = [
            sys.executable, "-m", "jupyter_server", f"--port={self.port}", "--port-retries=0",
            "--no-browser", "--ServerApp.allow_root=True", f"--ServerApp.root_dir={self.root}",
            f"--IdentityProvider.token={TOKEN}", "--Engine.slots=1", "--Scheduler.enabled=False", "--KernelPool.size=0",
            "--ServerApp.jpserver_extensions={'jupyter_mindzie': True}",
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/api/status", headers=self.headers, timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the server did not start:\n{self.log.read_text()}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}"}

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{self.api}/{path}", headers=self.headers, timeout=30, **kwargs)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(server: Server, notebook_id: str, execution_id: str, until: Any, deadline: float = 60) -> dict[str, Any]:
    end = time.monotonic() + deadline
    while True:
        status = server.call("GET", f"notebook/{notebook_id}/execution/{execution_id}").json()
        if until(status):
            return status
        assert time.monotonic() < end, status
        time.sleep(0.1)


def notebook(server: Server, name: str, source: str) -> str:
    created = server.call("POST", "notebook", json={"notebookName": name}).json()
    cells = [{"cellId": "cell-001", "cellType": "code", "content": "x = 1"}, {"cellType": "code", "content": source}]
    assert server.call("PUT", f"notebook/{created['notebookId']}", json={"cells": cells}).ok
    return str(created["notebookId"])


def kernel_processes(kernel_id: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if kernel_id in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "root"
    root.mkdir()
    running = Server(root)
    yield running
    running.stop()


def test_a_killed_server_restarts_with_nothing_lost_and_nothing_left_running(server: Server):
    server.start()
    done_id = notebook(server, "finished before the crash", "print('done')")
    done = server.call("POST", f"notebook/{done_id}/execute", json={}).json()
    assert wait_for(server, done_id, done["executionId"], lambda s: s["status"] != "Running")["status"] == "Completed"

    long_id = notebook(server, "long", "import time\nfor _ in range(3000):\n    time.sleep(0.1)")
    running = server.call("POST", f"notebook/{long_id}/execute", json={}).json()
    status = wait_for(server, long_id, running["executionId"], lambda s: s["currentCell"] == "cell-002")
    waiting = server.call("POST", f"notebook/{done_id}/execute", json={"parameters": {"x": 2}}).json()
    assert server.call("GET", f"notebook/{done_id}/execution/{waiting['executionId']}").json()["phase"] == "Queued"
    kernels = requests.get(f"http://127.0.0.1:{server.port}/api/kernels", headers=server.headers, timeout=10).json()
    (kernel_id,) = [k["id"] for k in kernels]
    assert status["status"] == "Running"

    server.kill()
    server.start()

    # nothing lost
    names = {n["notebookName"] for n in server.call("GET", "notebooks").json()["notebooks"]}
    assert names == {"finished before the crash", "long"}
    assert server.call("GET", f"notebook/{done_id}/execution/{done['executionId']}").json()["status"] == "Completed"
    # nothing left running: the interrupted run ended as an error, its kernel is gone
    interrupted = wait_for(server, long_id, running["executionId"], lambda s: s["status"] != "Running", deadline=10)
    assert interrupted["status"] == "Error" and interrupted["errorType"] == "ServerStopped"
    assert "server stopped" in interrupted["errorMessage"]
    assert [c["status"] for c in interrupted["cellResults"]] == ["Success", "Error"]
    assert server.call("GET", f"notebook/{long_id}").json()["status"] == "Error"
    deadline = time.monotonic() + 10
    while kernel_processes(kernel_id) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not kernel_processes(kernel_id), "the killed server's kernel must not outlive the restart"
    # the queued run is queued again and completes
    requeued = wait_for(server, done_id, waiting["executionId"], lambda s: s["status"] != "Running")
    assert requeued["status"] == "Completed" and requeued["parameters"] == {"x": 2}
    # new runs work
    fresh = server.call("POST", f"notebook/{long_id}/execute", json={"executionMode": "range",
                        "cellRange": {"startCell": "cell-001", "endCell": "cell-001"}}).json()
    assert wait_for(server, long_id, fresh["executionId"], lambda s: s["status"] != "Running")["status"] == "Completed"
    assert os.path.exists(server.root / ".mindzie" / "mindzie.db")

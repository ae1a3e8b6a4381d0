"""Real `jupyter server` processes for tests that need one of their own (restarts, gateways, fuzzing)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

TENANT = "5a4d1e2f-0000-4000-8000-00000000de40"
PROJECT = "660e8400-e29b-41d4-a716-446655440000"
TOKEN = "mindzie-test-token"


class Server:
    """`jupyter server` as an operator runs it: its own process, a port, a root directory."""

    def __init__(self, root: Path, *extra: str, name: str = "server", scheduler: bool = False) -> None:
        self.root = root
        self.scheduler = scheduler
        self.extra = list(extra)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = root.parent / f"{name}.log"  # servers sharing a root name their logs apart

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/{TENANT}/{PROJECT}"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--port={self.port}",
            "--port-retries=0",
            "--no-browser",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={self.root}",
            f"--IdentityProvider.token={TOKEN}",
            f"--MindzieScheduler.enabled={self.scheduler}",
            "--ServerApp.jpserver_extensions={'jupyter_mindzie': True}",
            *self.extra,
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if requests.get(
                    f"http://127.0.0.1:{self.port}/api/status", headers=self.headers, timeout=2
                ).ok:
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

    def tracebacks(self) -> list[str]:
        """The tracebacks this server printed, without those of the kernels that share its stderr.

        ipykernel may print one of its own while it shuts down (its control thread flushes
        stderr into an IOPub socket the main thread has just closed); that is the kernel's,
        after it answered, and not a fault of the server.
        """
        return [
            block
            for block in traceback_blocks(self.log.read_text(errors="replace"))
            if "/ipykernel/" not in block
        ]


def traceback_blocks(log: str) -> list[str]:
    """Each `Traceback (most recent call last):` block in a log, up to its exception line."""
    blocks: list[str] = []
    lines = log.splitlines()
    for start, line in enumerate(lines):
        if line.lstrip().startswith("Traceback (most recent call last)"):
            margin = len(line) - len(line.lstrip())
            end = start + 1
            while end < len(lines) and len(lines[end]) - len(lines[end].lstrip()) > margin:
                end += 1
            blocks.append("\n".join(lines[start : end + 1]))
    return blocks


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    server: Server, notebook_id: str, execution_id: str, until: Any, deadline: float = 60
) -> dict[str, Any]:
    """Poll an execution until `until(status)` holds, or fail at the deadline."""
    end = time.monotonic() + deadline
    while True:
        status = server.call("GET", f"notebook/{notebook_id}/execution/{execution_id}").json()
        if until(status):
            return status
        assert time.monotonic() < end, status
        time.sleep(0.1)

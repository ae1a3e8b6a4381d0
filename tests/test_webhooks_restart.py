"""A webhook whose receiver is down survives a server killed between two attempts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .support import PROJECT, TENANT, Server

pytestmark = pytest.mark.restart


class Receiver(ThreadingHTTPServer):
    """Answers 503 while `down`, else 204; records (status, headers, body) of every POST."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Hook)
        self.down = True
        self.calls: list[tuple[int, dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def until(self, holds: Any, deadline: float = 60) -> list[tuple[int, dict[str, str], bytes]]:
        end = time.monotonic() + deadline
        while not holds(self.calls):
            assert time.monotonic() < end, self.calls
            time.sleep(0.05)
        return list(self.calls)


class Hook(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = 503 if self.server.down else 204
        self.server.calls.append((status, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    thread = threading.Thread(target=found.serve_forever, daemon=True)
    thread.start()
    yield found
    found.shutdown()
    found.server_close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "root"
    root.mkdir()
    running = Server(
        root,
        "--MindzieKernelPool.size=0",
        "--MindzieNotifier.allowed_hosts=127.0.0.1",
        "--MindzieNotifier.backoff_seconds=1",
        "--MindzieNotifier.claim_seconds=3",
        "--MindzieNotifier.poll_seconds=0.5",
    )
    yield running
    running.stop()


def test_a_delivery_left_by_a_killed_server_is_sent_after_its_restart(
    server: Server, receiver: Receiver
) -> None:
    server.start()
    created = server.call("POST", "notebook", json={"notebookName": "told"}).json()
    notebook_id = created["notebookId"]
    hooks = {"integration": {"notifications": {"onSuccess": [receiver.url]}}}
    assert server.call("PUT", f"notebook/{notebook_id}", json=hooks).ok
    accepted = server.call("POST", f"notebook/{notebook_id}/execute", json={}).json()
    done = server.wait_for(notebook_id, accepted["executionId"], lambda s: s["status"] != "Running")
    assert done["status"] == "Completed"
    receiver.until(lambda calls: len(calls) >= 2)  # the first attempt and a retry, both refused

    server.kill()
    refused = len(receiver.calls)
    receiver.down = False
    server.start()
    calls = receiver.until(lambda calls: any(status == 204 for status, _, _ in calls))
    assert [status for status, _, _ in calls] == [503] * refused + [204]
    assert len({headers["webhook-id"] for _, headers, _ in calls}) == 1, "one id across the restart"
    secret = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_mindzie.cli",
            "webhook-secret",
            TENANT,
            PROJECT,
            "--root",
            str(server.root),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    _, headers, body = calls[-1]
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    assert (
        headers["webhook-signature"]
        == "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    )
    assert server.tracebacks() == []

"""What test modules share: ids, calls through the `api` fixture, waits, and real `jupyter server` processes.

Test modules import helpers from here only, never from one another; fixtures live in conftest.py.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import requests
from jupyter_server.auth import IdentityProvider, User

from jupyter_mindzie.contract.enums import TERMINAL_STATUSES

TENANT = "5a4d1e2f-0000-4000-8000-00000000de40"
PROJECT = "660e8400-e29b-41d4-a716-446655440000"
OTHER_TENANT = "770e8400-e29b-41d4-a716-446655440000"
OTHER_PROJECT = "990e8400-e29b-41d4-a716-446655440000"
DATASET = "880e8400-e29b-41d4-a716-446655440000"
TOKEN = "mindzie-test-token"
TERMINAL = TERMINAL_STATUSES


# -- replies of the `api` fixture -----------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: Any
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


def project_path(*parts: str, tenant: str = TENANT, project: str = PROJECT) -> str:
    return "/".join(["api", tenant, project, *parts])


def assert_problem(
    reply: Reply, status: int, field: str | None = None, problem_type: str | None = None
) -> dict[str, Any]:
    """A problem+json answer with `status`, naming `field` when given."""
    assert reply.status == status, reply.body
    assert reply.content_type.startswith("application/problem+json"), reply.content_type
    problem = reply.json
    assert problem["status"] == status
    assert problem["title"] and problem["detail"] and problem["message"]
    if problem_type:
        assert problem["type"] == problem_type, problem
    if field is not None:
        fields = [error["field"] for error in problem.get("errors", [])]
        assert field in fields, problem
    return problem


# -- notebooks, executions and datasets through the `api` fixture ---------------------------


async def create(api: Any, body: dict[str, Any] | None = None, **where: str) -> dict[str, Any]:
    reply = await api("POST", project_path("notebook", **where), body or {"notebookName": "Analysis"})
    assert reply.status == 201, reply.body
    return reply.json


async def notebook_with(
    api: Any, *sources: str, parameters: str = "x = 1", name: str = "run me"
) -> dict[str, Any]:
    """A notebook whose first code cell is the parameters cell, then one code cell per source."""
    notebook = await create(api, {"notebookName": name})
    cells = [{"cellId": "cell-001", "cellType": "code", "content": parameters}]
    cells += [{"cellType": "code", "content": source} for source in sources]
    reply = await api("PUT", project_path("notebook", notebook["notebookId"]), {"cells": cells})
    assert reply.status == 200, reply.body
    return reply.json


async def execute(api: Any, notebook: dict[str, Any], body: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = await api("POST", project_path("notebook", notebook["notebookId"], "execute"), body or {})
    assert reply.status == 202, reply.body
    assert reply.headers["Location"].endswith(f"/execution/{reply.json['executionId']}")
    return reply.json


async def status(api: Any, notebook_id: str, execution_id: str) -> dict[str, Any]:
    reply = await api("GET", project_path("notebook", notebook_id, "execution", execution_id))
    assert reply.status == 200, reply.body
    return reply.json


async def wait_for(
    api: Any, notebook_id: str, execution_id: str, until: Any = None, deadline: float = 120
) -> dict[str, Any]:
    """Poll the status until `until(status)` (default: a terminal status) or fail at the deadline."""
    until = until or (lambda s: s["status"] in TERMINAL)
    end = time.monotonic() + deadline
    while True:
        current = await status(api, notebook_id, execution_id)
        if until(current):
            return current
        assert time.monotonic() < end, f"gave up waiting; last status {current}"
        await asyncio.sleep(0.05)


async def kernel_ids(api: Any, deadline: float = 10) -> set[str]:
    """The server's kernels. jupyter_server lists a kernel it is still starting before it sets
    the kernel's `last_activity`, and answers that moment with a 500 (its own race, which the
    pool's background starts make likelier): such an answer is asked again."""
    end = time.monotonic() + deadline
    while (reply := await api("GET", "api/kernels")).status == 500 and time.monotonic() < end:
        await asyncio.sleep(0.05)
    assert reply.status == 200, reply.body
    return {kernel["id"] for kernel in reply.json}


def multipart(
    fields: dict[str, str], files: list[tuple[str, str | None, bytes]]
) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body; a file whose name is None is sent as a plain field."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, filename, data in files:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: application/octet-stream\r\n\r\n"
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


async def upload(
    api: Any,
    data: bytes,
    filename: str | None = "events.csv",
    *,
    tenant: str = TENANT,
    project: str = PROJECT,
    **fields: str,
) -> Reply:
    """`POST …/dataset` with `data` as its file."""
    body, headers = multipart(fields, [("file", filename, data)])
    reply: Reply = await api(
        "POST", project_path("dataset", tenant=tenant, project=project), raw=body, headers=headers
    )
    return reply


# -- a `jupyter server` process of a test's own ----------------------------------------------


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

    def wait_for(
        self,
        notebook_id: str,
        execution_id: str,
        until: Callable[[dict[str, Any]], bool],
        deadline: float = 60,
    ) -> dict[str, Any]:
        """Poll an execution until `until(status)` holds, or fail at the deadline."""
        end = time.monotonic() + deadline
        while True:
            current: dict[str, Any] = self.call(
                "GET", f"notebook/{notebook_id}/execution/{execution_id}"
            ).json()
            if until(current):
                return current
            assert time.monotonic() < end, current
            time.sleep(0.1)

    def tracebacks(self) -> list[str]:
        """The tracebacks this server printed, without those of the kernels that share its stderr.

        ipykernel may print one of its own while it shuts down (its control thread flushes
        stderr into an IOPub socket the main thread has just closed); that is the kernel's,
        after it answered, and not a fault of the server. jupyter_server's `GET /api/kernels`
        lists a kernel it is still starting before it sets its `last_activity`, and logs that
        request's 500 (`kernel_ids` asks again): its own race, not ours.
        """
        return [
            block
            for block in traceback_blocks(self.log.read_text(errors="replace"))
            if "/ipykernel/" not in block and UPSTREAM_KERNEL_LIST_RACE not in block
        ]


UPSTREAM_KERNEL_LIST_RACE = (
    "The 'last_activity' trait of a ServerKernelManager instance expected a datetime, not the NoneType None"
)


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


async def no_kernels_left(api: Any, deadline: float = 15) -> bool:
    """A finished run's kernel shuts down after its terminal state is written: wait for it."""
    end = time.monotonic() + deadline
    while await kernel_ids(api):
        if time.monotonic() > end:
            return False
        await asyncio.sleep(0.05)
    return True


class TokenUsers(IdentityProvider):
    """Several named users on one server, each with a token (as a hub or proxy would provide)."""

    users = {"alice-token": "alice", "bob-token": "bob", "eve-token": "eve"}

    def get_user(self, handler: Any) -> User | None:
        match = re.match(r"(?:token|bearer)\s+(\S+)", handler.request.headers.get("Authorization", ""), re.I)
        name = self.users.get(match.group(1)) if match else None
        if name is None:
            return None
        handler._token_authenticated = True  # a header token, like the server's own: no XSRF
        return User(username=name)


def notebook_bytes(nb: Any) -> bytes:
    return nbformat.writes(nb).encode("utf-8")


async def upload_notebook(api: Any, data: bytes, filename: str = "analysis.ipynb", **fields: str) -> Reply:
    """POST …/notebook/upload with the file (and form fields) as multipart/form-data."""
    body, headers = multipart(fields, [("file", filename, data)])
    reply: Reply = await api("POST", project_path("notebook", "upload"), raw=body, headers=headers)
    return reply


async def run_uploaded(api: Any, nb: Any, **body: Any) -> tuple[dict[str, Any], Any]:
    """Upload `nb`, run it to a terminal state; the final status and the executed notebook."""
    reply = await upload_notebook(api, notebook_bytes(nb))
    assert reply.status == 201, reply.body
    notebook = reply.json
    accepted = await execute(api, notebook, body)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    url = project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"])
    executed = await api("GET", f"{url}/artifacts/executed.ipynb")
    assert executed.status == 200, executed.body
    return final, nbformat.reads(executed.body.decode("utf-8"), as_version=4)


class OwnPostgres:
    """A PostgreSQL of a test's own (pgserver's), which the test may stop and start again on the
    same data folder: the same URL serves again, with every row kept."""

    def __init__(self, folder: Path) -> None:
        import pgserver

        self.folder = folder
        self.server: Any = pgserver.get_server(folder, cleanup_mode="stop")
        self.url: str = self.server.get_uri()

    def stop(self) -> None:
        self.server.cleanup()

    def start(self) -> None:
        import pgserver

        self.server = pgserver.get_server(self.folder, cleanup_mode="stop")
        assert self.server.get_uri() == self.url

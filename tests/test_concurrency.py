"""Twenty clients at once on a real server: no lock errors, no 5xx, no lost update."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from .support import Server

pytestmark = pytest.mark.slow  # its own server process, twenty clients, real kernels

CLIENTS = 20
INCREMENTS = 5


@pytest.fixture
def server(tmp_path: Path):
    root = tmp_path / "root"
    root.mkdir()
    running = Server(root, "--MindzieKernelPool.size=0", "--MindzieEngine.slots=2")
    running.start()
    yield running
    running.stop()


def increment(server: Server, notebook_id: str) -> tuple[int, int]:
    """Read-modify-write the shared counter with If-Match, retrying on 412 as a careful client does."""
    done = conflicts = 0
    with requests.Session() as session:
        session.headers.update(server.headers)
        while done < INCREMENTS:
            current = session.get(f"{server.api}/notebook/{notebook_id}", timeout=60)
            assert current.status_code == 200, current.text
            count = int(current.json()["notebookDescription"])
            reply = session.put(
                f"{server.api}/notebook/{notebook_id}",
                json={"notebookDescription": str(count + 1)},
                headers={"If-Match": current.headers["ETag"]},
                timeout=60,
            )
            if reply.status_code == 412:
                conflicts += 1
                continue
            assert reply.status_code == 200, reply.text
            done += 1
    return done, conflicts


def busy_client(server: Server, n: int, shared: str) -> dict[str, int]:
    """Create a notebook, edit it, run it, and bump the shared counter."""
    with requests.Session() as session:
        session.headers.update(server.headers)
        created = session.post(f"{server.api}/notebook", json={"notebookName": f"client {n}"}, timeout=60)
        assert created.status_code == 201, created.text
        notebook_id = created.json()["notebookId"]
        cells = [
            {"cellId": "cell-001", "cellType": "code", "content": f"n = {n}"},
            {"cellType": "code", "content": "print(n)"},
        ]
        assert (
            session.put(f"{server.api}/notebook/{notebook_id}", json={"cells": cells}, timeout=60).status_code
            == 200
        )
        accepted = session.post(f"{server.api}/notebook/{notebook_id}/execute", json={}, timeout=60)
        assert accepted.status_code == 202, accepted.text
    done, conflicts = increment(server, shared)
    final = server.wait_for(
        notebook_id, accepted.json()["executionId"], lambda s: s["status"] != "Running", deadline=240
    )
    return {"done": done, "conflicts": conflicts, "completed": int(final["status"] == "Completed")}


def test_twenty_clients_create_update_and_execute_at_once(server: Server):
    shared = server.call(
        "POST", "notebook", json={"notebookName": "shared counter", "notebookDescription": "0"}
    ).json()
    with ThreadPoolExecutor(CLIENTS) as pool:
        outcomes = list(pool.map(lambda n: busy_client(server, n, shared["notebookId"]), range(CLIENTS)))
    final = server.call("GET", f"notebook/{shared['notebookId']}").json()
    assert int(final["notebookDescription"]) == CLIENTS * INCREMENTS, "no update was lost"
    assert final["notebookVersion"] == f"1.0.{CLIENTS * INCREMENTS}"
    assert sum(o["completed"] for o in outcomes) == CLIENTS
    assert server.call("GET", "notebooks", params={"pageSize": 100}).json()["totalCount"] == CLIENTS + 1
    log = server.log.read_text()
    assert "database is locked" not in log and " 500 " not in log
    assert server.tracebacks() == []

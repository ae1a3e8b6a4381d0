"""Several real `jupyter server` processes sharing one queue: the store's (PostgreSQL, and a
SQLite file on one root). A run queued on a busy server starts on an idle one; tenants take
turns across the servers; limits, `queuePosition` and cancel hold wherever a run was queued.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
import sqlite_utils

from .support import TENANT, Server

pytestmark = pytest.mark.slow

LEASE = ["--MindzieLease.heartbeat_seconds=1", "--MindzieLease.lease_seconds=6"]
BLOCKER = "import time\nfor _ in range(1200):\n    time.sleep(0.1)"
OTHER = "aa0e8400-e29b-41d4-a716-4466554400bb"  # tenant Y
PROJECT_Y = "bb0e8400-e29b-41d4-a716-4466554400cc"


class Caller:
    """A server's API for a tenant and project other than the support module's defaults."""

    def __init__(self, server: Server, tenant: str, project: str) -> None:
        self.server, self.base = server, f"http://127.0.0.1:{server.port}/api/{tenant}/{project}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method, f"{self.base}/{path}", headers=self.server.headers, timeout=30, **kwargs
        )


def notebook(caller: Any, source: str) -> str:
    body = {"notebookName": "n", "initialCells": [{"cellType": "code", "content": source}]}
    created = caller.call("POST", "notebook", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["notebookId"])


def submit(caller: Any, notebook_id: str) -> str:
    reply = caller.call("POST", f"notebook/{notebook_id}/execute", json={})
    assert reply.status_code == 202, reply.text
    return str(reply.json()["executionId"])


def state(caller: Any, notebook_id: str, execution_id: str) -> dict[str, Any]:
    reply = caller.call(
        "GET", f"notebook/{notebook_id}/execution/{execution_id}", params={"includeCells": "false"}
    )
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def wait_until(
    caller: Any, notebook_id: str, execution_id: str, until: Any, deadline: float = 90
) -> dict[str, Any]:
    end = time.monotonic() + deadline
    while not until(current := state(caller, notebook_id, execution_id)):
        assert time.monotonic() < end, current
        time.sleep(0.1)
    return current


def owner_pid(db: Any, execution_id: str) -> int:
    """The process of the server that claimed the execution (its lease id is host:pid:…)."""
    owner = db(f"SELECT owner FROM executions WHERE execution_id = '{execution_id}'")
    return int(owner.split(":")[1])


@pytest.fixture(params=["postgresql", "sqlite"])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, Server, Any]]:
    """Two servers of one slot each on one root and one store; `db(sql)` reads one value."""
    root = tmp_path / "root"
    root.mkdir()
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        store = [f"--MindzieApp.db_url={url}"]

        def db(sql: str) -> Any:
            with psycopg.connect(url) as conn:
                return conn.execute(sql).fetchone()[0]  # type: ignore[index]
    else:
        path = root / ".mindzie" / "mindzie.db"
        store = [f"--MindzieApp.db_url=sqlite:///{path}", "--MindzieEngine.queue_poll_seconds=0.5"]

        def db(sql: str) -> Any:
            conn = sqlite_utils.Database(path)
            try:
                return conn.execute(sql).fetchone()[0]
            finally:
                conn.close()

    common = [*store, "--MindzieEngine.slots=1", "--MindzieKernelPool.size=0", *LEASE]
    limits = ["--MindzieEngine.max_queued_per_tenant=6"]
    a, b = Server(root, *common, *limits, name="a"), Server(root, *common, *limits, name="b")
    a.start()
    b.start()
    yield a, b, db
    for server in (a, b):
        server.stop()
    assert not a.tracebacks() and not b.tracebacks(), (a.log.read_text()[-3000:], b.log.read_text()[-3000:])


def test_a_run_queued_on_a_busy_server_starts_on_an_idle_one(pair):
    a, b, db = pair
    blocker = notebook(a, BLOCKER)
    busy = submit(a, blocker)
    wait_until(a, blocker, busy, lambda s: s["phase"] == "Executing")
    # Either idle server may claim the first run: whichever did is the busy one.
    pids = {server.process.pid: server for server in (a, b)}  # type: ignore[union-attr]
    holder = pids[owner_pid(db, busy)]
    idle = b if holder is a else a

    quick = notebook(holder, "print('quick')")
    queued_at = time.monotonic()
    run = submit(holder, quick)  # the holder's only slot is taken: the idle server claims it
    final = wait_until(idle, quick, run, lambda s: s["status"] != "Running", deadline=60)
    assert final["status"] == "Completed", final
    assert owner_pid(db, run) == idle.process.pid  # type: ignore[union-attr]
    assert time.monotonic() - queued_at < 30
    assert state(holder, blocker, busy)["phase"] == "Executing", "the busy server's run was never touched"
    assert holder.call("POST", f"notebook/{blocker}/execution/{busy}/cancel").status_code == 202
    wait_until(idle, blocker, busy, lambda s: s["status"] == "Cancelled")


def test_tenants_take_turns_across_servers_and_limits_positions_and_cancel_hold_on_both(pair, tmp_path):
    a, b, db = pair
    y_a, y_b = Caller(a, OTHER, PROJECT_Y), Caller(b, OTHER, PROJECT_Y)
    order = tmp_path / "order.txt"
    record = f"with open({str(order)!r}, 'a') as f:\n    f.write(name + '\\n')"
    blocker = notebook(a, BLOCKER)
    busy = [submit(a, blocker), submit(b, blocker)]  # tenant X holds both servers' slots
    for execution_id in busy:
        wait_until(a, blocker, execution_id, lambda s: s["phase"] == "Executing")
    flood_nb = notebook(a, f"name = 'x'\n{record}")
    flood = [submit((a, b)[n % 2], flood_nb) for n in range(6)]  # X floods, through both servers
    refused = b.call("POST", f"notebook/{flood_nb}/execute", json={})
    assert refused.status_code == 429 and "this tenant already has 6" in refused.json()["detail"], (
        refused.text
    )
    assert int(refused.headers["Retry-After"]) >= 5
    single_nb = notebook(y_b, f"name = 'y'\n{record}")
    single = submit(y_b, single_nb)  # Y has room: the cap is per tenant, counted on every server

    # positions: among the caller's own tenant's waiting runs, the same on both servers
    assert [state(server, flood_nb, flood[-1])["queuePosition"] for server in (a, b)] == [6, 6]
    assert [state(caller, single_nb, single)["queuePosition"] for caller in (y_a, y_b)] == [1, 1]
    # a queued run is cancelled from the server that did not queue it
    cancelled = b.call("POST", f"notebook/{flood_nb}/execution/{flood[0]}/cancel")
    assert cancelled.status_code == 202 and cancelled.json()["status"] == "Cancelled", cancelled.text
    assert all(cell["status"] == "Skipped" for cell in cancelled.json()["cellResults"])
    assert state(a, flood_nb, flood[-1])["queuePosition"] == 5

    # one slot frees (B's): Y's single run goes before the rest of X's flood
    assert a.call("POST", f"notebook/{blocker}/execution/{busy[1]}/cancel").status_code == 202
    assert wait_until(y_a, single_nb, single, lambda s: s["status"] != "Running")["status"] == "Completed"
    assert a.call("POST", f"notebook/{blocker}/execution/{busy[0]}/cancel").status_code == 202
    for execution_id in flood[1:]:
        assert (
            wait_until(a, flood_nb, execution_id, lambda s: s["status"] != "Running")["status"] == "Completed"
        )
    assert order.read_text().split() == ["y"] + ["x"] * 5
    assert db(f"SELECT COUNT(*) FROM executions WHERE tenant_id = '{TENANT}' AND status = 'Running'") == 0


@pytest.fixture(params=["postgresql", "sqlite"])
def idle_pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two servers on one store with no slot, so what they queue stays queued; caps of 10 runs
    per project, 20 per tenant, 30 in all."""
    root = tmp_path / "root"
    root.mkdir()
    if request.param == "postgresql":
        store = [f"--MindzieApp.db_url={request.getfixturevalue('pg_url')}"]
    else:
        store = [f"--MindzieApp.db_url=sqlite:///{root / '.mindzie' / 'mindzie.db'}"]
    common = [
        *store,
        "--MindzieEngine.slots=0",
        "--MindzieKernelPool.size=0",
        "--MindzieEngine.max_queued_per_project=10",
        "--MindzieEngine.max_queued_per_tenant=20",
        "--MindzieEngine.max_queued=30",
        *LEASE,
    ]
    a, b = Server(root, *common, name="a"), Server(root, *common, name="b")
    a.start()
    b.start()
    yield a, b
    for server in (a, b):
        server.stop()
    assert not a.tracebacks() and not b.tracebacks(), (a.log.read_text()[-3000:], b.log.read_text()[-3000:])


def burst(targets: list[tuple[Any, str]]) -> list[requests.Response]:
    """One POST …/execute per (caller, notebook), all sent at once from threads of their own."""
    start = threading.Barrier(len(targets))

    def post(target: tuple[Any, str]) -> requests.Response:
        caller, notebook_id = target
        start.wait(timeout=30)
        return caller.call("POST", f"notebook/{notebook_id}/execute", json={})

    with ThreadPoolExecutor(len(targets)) as pool:
        return list(pool.map(post, targets))


def test_thirty_concurrent_submits_across_two_servers_never_pass_a_queue_cap(idle_pair):
    a, b = idle_pair
    projects = [f"cc0e8400-e29b-41d4-a716-4466554400{n:02d}" for n in range(3)]

    def accepted(replies: list[requests.Response], detail: str) -> int:
        assert {reply.status_code for reply in replies} <= {202, 429}, [r.text for r in replies]
        for reply in replies:
            if reply.status_code == 429:
                assert detail in reply.json()["detail"] and int(reply.headers["Retry-After"]) >= 5, reply.text
        return sum(reply.status_code == 202 for reply in replies)

    # the project cap: 30 runs of one project through both servers at once
    one = notebook(a, "1")
    replies = burst([((a, b)[n % 2], one) for n in range(30)])
    assert accepted(replies, "this project already has 10") == 10
    # the tenant cap: 30 runs spread over three fresh projects of the tenant; 10 places left
    x = [(Caller(server, TENANT, project), project) for project in projects for server in (a, b)]
    x_notebooks = [notebook(caller, "1") for caller, _ in x[::2]]
    targets = [(x[(n % 3) * 2 + n % 2][0], x_notebooks[n % 3]) for n in range(30)]
    assert accepted(burst(targets), "this tenant already has 20") == 10
    # the cap of the service: another tenant's 30 runs over three projects; 10 places left
    y = [(Caller(server, OTHER, project), project) for project in projects for server in (a, b)]
    y_notebooks = [notebook(caller, "1") for caller, _ in y[::2]]
    targets = [(y[(n % 3) * 2 + n % 2][0], y_notebooks[n % 3]) for n in range(30)]
    assert accepted(burst(targets), "the server already has 30") == 10
    for server in (a, b):  # what was let in is there, on both servers
        listed = server.call("GET", f"notebook/{one}/executions")
        assert listed.status_code == 200 and listed.json()["totalCount"] == 10, listed.text

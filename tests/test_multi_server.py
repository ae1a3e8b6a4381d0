"""Several real `jupyter server` processes on one PostgreSQL and one root directory: one service.

A run belongs to the server that claimed it from the store's queue; a peer takes it over only
when that server is gone (kill -9), ending what was running (ServerStopped) and running what it
had claimed but not started, each once. A
cancel or a change made on one server reaches a request on another at once, and a cron slot
fires once however many servers see it. Each run's kernel appends its pid to a marker file
named by its execution id, so a run that happened twice would show.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest
import requests

from .support import Server

pytestmark = pytest.mark.slow

RUNS = 60
TERMINAL = ("Completed", "Error", "Cancelled")
LEASE = ["--MindzieLease.heartbeat_seconds=1", "--MindzieLease.lease_seconds=6"]


def marker_cell(markers: Path) -> str:
    return (
        "import json, os, time\n"
        "execution_id = json.loads(os.environ['MINDZIE_CONTEXT'])['executionId']\n"
        f"with open(os.path.join({str(markers)!r}, execution_id), 'a') as marker:\n"
        "    marker.write(f'{os.getpid()}\\n')\n"
        "time.sleep(pause)"
    )


def notebook(server: Server, name: str, *sources: str, parameters: str = "pause = 1") -> str:
    created = server.call("POST", "notebook", json={"notebookName": name})
    assert created.status_code == 201, created.text
    cells = [{"cellId": "cell-001", "cellType": "code", "content": parameters}]
    cells += [{"cellType": "code", "content": source} for source in sources]
    notebook_id = str(created.json()["notebookId"])
    assert server.call("PUT", f"notebook/{notebook_id}", json={"cells": cells}).ok
    return notebook_id


def history(server: Server, notebook_id: str) -> list[dict[str, Any]]:
    reply = server.call("GET", f"notebook/{notebook_id}/executions", params={"pageSize": 100})
    assert reply.status_code == 200, reply.text
    return list(reply.json()["executions"])


def claimed_by(url: str, pid: int, phases: tuple[str, ...] = ()) -> set[str]:
    """Executions whose owner is the server of this process id (lease ids are host:pid:…),
    in one of `phases` if given."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT execution_id, phase FROM executions WHERE split_part(owner, ':', 2) = %s", [str(pid)]
        ).fetchall()
    return {row[0] for row in rows if not phases or row[1] in phases}


def start_all(servers: list[Server]) -> None:
    with ThreadPoolExecutor(len(servers)) as pool:
        list(pool.map(Server.start, servers))


@pytest.fixture
def cluster(tmp_path: Path, pg_url: str) -> Iterator[tuple[Path, str, list[Server]]]:
    """A shared root and database; the test builds and starts its servers into the list."""
    root = tmp_path / "root"
    root.mkdir()
    servers: list[Server] = []
    yield root, pg_url, servers
    for server in servers:
        server.stop()


def test_a_peer_never_touches_a_live_servers_run_and_cancel_and_news_cross_servers(cluster, tmp_path):
    root, url, servers = cluster
    markers, go = tmp_path / "markers", tmp_path / "go"
    markers.mkdir()
    common = [f"--MindzieApp.db_url={url}", "--MindzieKernelPool.size=0", *LEASE]
    a = Server(root, *common, name="a")
    # B re-reads the store only every 30 s: a wait answered sooner was woken by A's NOTIFY
    b = Server(root, *common, "--MindzieEngine.status_recheck_seconds=30", name="b")
    servers += [a, b]
    a.start()
    wait_for_go = f"while not os.path.exists({str(go)!r}):\n    time.sleep(0.02)"
    notebook_id = notebook(
        a, "long", marker_cell(markers), wait_for_go, "time.sleep(300)", parameters="pause = 0"
    )
    execution_id = a.call("POST", f"notebook/{notebook_id}/execute", json={}).json()["executionId"]
    a.wait_for(notebook_id, execution_id, lambda s: s["progress"]["currentCellIndex"] == 3, deadline=60)
    (kernel,) = requests.get(f"http://127.0.0.1:{a.port}/api/kernels", headers=a.headers, timeout=10).json()
    b.start()

    # B's start-up recovery and its heartbeats leave A's run and kernel alone
    time.sleep(2.5)  # several of B's rounds (heartbeat_seconds=1) pass; there is no event to wait on
    seen_on_b = b.call("GET", f"notebook/{notebook_id}/execution/{execution_id}").json()
    assert (seen_on_b["status"], seen_on_b["phase"], seen_on_b["progress"]["currentCellIndex"]) == (
        "Running",
        "Executing",
        3,
    ), seen_on_b
    assert any(kernel["id"] in " ".join(p.info["cmdline"] or []) for p in psutil.process_iter(["cmdline"]))

    # news crosses: a request waiting on B is answered within 1 s of A writing the next change
    current = b.call("GET", f"notebook/{notebook_id}/execution/{execution_id}")

    def wait_on_b() -> tuple[requests.Response, float]:
        reply = requests.get(
            f"{b.api}/notebook/{notebook_id}/execution/{execution_id}",
            headers={**b.headers, "If-None-Match": current.headers["ETag"], "Prefer": "wait=25"},
            timeout=60,
        )
        return reply, time.monotonic()

    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(wait_on_b)
        time.sleep(1.0)  # the request is parked on B by now; answering it early would fail below
        go.touch()
        changed = time.monotonic()
        waited, answered = waiting.result()
    assert waited.status_code == 200, waited.status_code
    before, after = current.json()["progress"], waited.json()["progress"]
    assert after["completedCells"] == before["completedCells"] + 1, (before, after)  # the go cell ended
    assert answered - changed < 1.0, f"answered {answered - changed:.2f} s after the change"

    # cancel crosses: asked on B, A stops the run within 2 s
    asked = time.monotonic()
    assert b.call("POST", f"notebook/{notebook_id}/execution/{execution_id}/cancel").status_code == 202
    final = b.wait_for(notebook_id, execution_id, lambda s: s["status"] in TERMINAL, deadline=10)
    assert final["status"] == "Cancelled" and time.monotonic() - asked < 2.0, final
    assert b.call("POST", f"notebook/{notebook_id}/execution/{execution_id}/cancel").status_code == 409
    assert (markers / execution_id).read_text().count("\n") == 1
    assert not a.tracebacks() and not b.tracebacks()


def test_three_servers_run_sixty_executions_through_a_kill_each_once_and_a_cron_once_per_slot(
    cluster, tmp_path
):
    root, url, servers = cluster
    markers = tmp_path / "markers"
    markers.mkdir()
    common = [
        f"--MindzieApp.db_url={url}",
        "--MindzieEngine.slots=2",
        "--MindzieKernelPool.size=1",
        *LEASE,
    ]
    ticks = "--MindzieScheduler.tick_interval=1"
    # the victim does not schedule: a slot it claimed just before dying would be lost, by design
    # (a slot fires at most once), and this test counts slots
    servers += [
        Server(root, *common, ticks, name="first", scheduler=True),
        Server(root, *common, ticks, name="second", scheduler=True),
        Server(root, *common, name="victim"),
    ]
    start_all(servers)
    first, second, victim = servers
    cron_id = notebook(first, "every minute", "print('tick')", parameters="x = 1")
    assert first.call(
        "PUT",
        f"notebook/{cron_id}",
        json={"integration": {"autoExecution": True, "scheduleExecution": "* * * * *"}},
    ).ok
    notebook_id = notebook(first, "marked", marker_cell(markers))

    def submit(n: int) -> tuple[str, str]:
        server = servers[n % 3]
        reply = server.call("POST", f"notebook/{notebook_id}/execute", json={"parameters": {"n": n}})
        assert reply.status_code == 202, reply.text
        return reply.json()["executionId"], server.port

    with ThreadPoolExecutor(6) as pool:
        submitted = dict(pool.map(submit, range(RUNS)))

    # kill -9 the victim while it runs some and more wait (the queue is the store's: the victim
    # runs what any server accepted, and what it accepted waits for any server's slot)
    assert victim.process is not None
    deadline = time.monotonic() + 60
    while not (victims := claimed_by(url, victim.process.pid, phases=("Executing",))):
        assert time.monotonic() < deadline, "the victim never ran anything"
        time.sleep(0.1)
    victim.kill()
    killed = time.monotonic()
    victims = claimed_by(url, victim.process.pid)  # what it ran or had claimed at the kill

    # every execution ends, exactly once, in one terminal state
    deadline = time.monotonic() + 120
    while True:
        rows = {row["executionId"]: row for row in history(first, notebook_id)}
        if all(row["status"] in TERMINAL for row in rows.values()):
            break
        assert time.monotonic() < deadline, [r for r in rows.values() if r["status"] not in TERMINAL]
        time.sleep(0.25)
    assert set(rows) == set(submitted), "no execution lost"
    outcomes = {eid: (row["status"], row.get("errorType")) for eid, row in rows.items()}
    stopped = {eid for eid, outcome in outcomes.items() if outcome == ("Error", "ServerStopped")}
    completed = {eid for eid, outcome in outcomes.items() if outcome[0] == "Completed"}
    assert completed | stopped == set(submitted), outcomes
    assert stopped and stopped <= victims and len(stopped) <= 2, "only what the victim ran at the kill"
    assert victims - stopped <= completed, "what the victim had claimed but not started ran elsewhere"
    for eid in submitted:
        lines = (markers / eid).read_text().splitlines() if (markers / eid).exists() else []
        assert len(lines) <= 1, f"{eid} ran {len(lines)} times"
        if eid in completed:
            assert len(lines) == 1, f"{eid} completed without running its cells"
    for eid in stopped:  # taken over within one lease period of the kill
        status = first.call("GET", f"notebook/{notebook_id}/execution/{eid}").json()
        assert status["errorMessage"] == "the server stopped during the run"
    assert time.monotonic() - killed < 120
    for server in (first, second):
        assert not server.tracebacks(), server.log.read_text()[-3000:]
        assert requests.get(
            f"http://127.0.0.1:{server.port}/api/status", headers=server.headers, timeout=10
        ).ok

    # the cron fired once per slot, whichever server saw the slot first
    deadline = time.monotonic() + 75
    while not [e for e in history(first, cron_id) if e["source"] == "schedule"]:
        assert time.monotonic() < deadline, "no slot fired"
        time.sleep(0.5)
    time.sleep(3)  # both schedulers tick (every second) a few more times after the slot fired
    fired = {e["executionId"] for e in history(second, cron_id) if e["source"] == "schedule"}
    with psycopg.connect(url) as conn:
        slots = conn.execute(
            "SELECT slot, outcome, execution_id, claimed_by FROM schedule_slots WHERE notebook_id = %s",
            [cron_id],
        ).fetchall()
    claimed = [slot for slot in slots if slot[1] == "fired"]
    assert claimed and {slot[2] for slot in claimed} == fired, (slots, fired)
    assert len(claimed) == len(fired), "one execution per slot"

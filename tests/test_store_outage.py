"""PostgreSQL stopped under a running server: the API answers 503 with Retry-After, quickly, and
serves again once the database is back. The test runs a PostgreSQL of its own, which it stops."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .support import OwnPostgres, create, execute, notebook_with, project_path, wait_for


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[OwnPostgres]:
    database = OwnPostgres(tmp_path / "pg")
    yield database
    database.stop()


@pytest.fixture
def mindzie_config(own_postgres: OwnPostgres) -> dict[str, Any]:
    return {
        "MindzieApp": {"db_url": own_postgres.url},
        "MindziePostgresStore": {"wait_seconds": 1.0},
        "MindzieScheduler": {"enabled": False},
    }


async def test_while_the_database_is_down_the_api_answers_503_then_serves_again(api, own_postgres):
    notebook = await create(api, {"notebookName": "kept"})
    own_postgres.stop()

    started = time.monotonic()
    reply = await api("GET", project_path("notebooks"))
    assert reply.status == 503, reply.body
    assert time.monotonic() - started < 5, "an answer, not a hang"
    assert reply.content_type.startswith("application/problem+json")
    assert reply.json["type"] == "store-unavailable" and int(reply.headers["Retry-After"]) > 0
    write = await api("POST", project_path("notebook"), {"notebookName": "while down"})
    assert write.status == 503, write.body

    own_postgres.start()
    deadline = time.monotonic() + 30
    while (reply := await api("GET", project_path("notebook", notebook["notebookId"]))).status == 503:
        assert time.monotonic() < deadline, "the pool never reconnected"
        await asyncio.sleep(0.1)
    assert reply.status == 200 and reply.json["notebookName"] == "kept"


async def follow(api: Any, notebook_id: str, execution_id: str, deadline: float = 180) -> list[str]:
    """A client that waits for each change (`Prefer: wait`), as the panel does, and tries again
    after a 503; the phases it saw, up to the terminal status."""
    url = project_path("notebook", notebook_id, "execution", execution_id)
    seen: list[str] = []
    headers = {"Prefer": "wait=5"}  # the first answer at once; then each change as it comes
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        reply = await api("GET", url, params={"includeCells": "false"}, headers=headers)
        if reply.status == 503:
            assert int(reply.headers["Retry-After"]) > 0
            await asyncio.sleep(0.2)
            continue
        if reply.status == 200:
            headers["If-None-Match"] = reply.headers["ETag"]
            seen.append(reply.json["phase"])
            if reply.json["status"] != "Running":
                return seen
    raise AssertionError(f"never saw the end; saw {seen}")


async def test_a_postgresql_restart_mid_run_loses_no_run_no_write_and_no_slot(api, own_postgres, mindzie_app):
    engine = mindzie_app.engine
    cells = ["import time\ntime.sleep(0.4)"] * 15  # about 6 s of cells, with progress after each
    notebook = await notebook_with(api, *cells, name="through a restart")
    accepted = [await execute(api, notebook) for _ in range(engine.slots + 1)]  # one waits its turn
    ids = [execution["executionId"] for execution in accepted]
    for execution_id in ids[: engine.slots]:
        await wait_for(
            api, notebook["notebookId"], execution_id, lambda s: s["progress"]["currentCellIndex"] >= 2
        )
    followers = [asyncio.ensure_future(follow(api, notebook["notebookId"], eid)) for eid in ids]

    own_postgres.stop()
    started = time.monotonic()
    reply = await api("GET", project_path("notebooks"))
    assert reply.status == 503 and int(reply.headers["Retry-After"]) > 0, reply.body
    assert time.monotonic() - started < 5, "an answer, not a hang"
    status = await api("GET", project_path("notebook", notebook["notebookId"], "execution", ids[0]))
    assert status.status == 503 and status.json["type"] == "store-unavailable", status.body
    # The database stays down for a while, as a restart does: the kernels run on meanwhile, and
    # their progress, the third run's claim and the first runs' ends meet a store that is away.
    await asyncio.sleep(4)
    own_postgres.start()

    seen = await asyncio.wait_for(asyncio.gather(*followers), 180)
    finals = [await wait_for(api, notebook["notebookId"], eid) for eid in ids]
    for final, phases in zip(finals, seen, strict=True):
        assert final["status"] == "Completed", final
        assert final["progress"]["completedCells"] == final["progress"]["totalCells"] == 16, final
        assert all(cell["status"] == "Success" for cell in final["cellResults"]), final["cellResults"]
        assert phases[-1] == "Completed", phases
    assert all(not worker.done() for worker in engine._workers), "no slot died"
    assert len(engine._workers) == engine.slots
    again = await execute(api, notebook)
    assert (await wait_for(api, notebook["notebookId"], again["executionId"]))["status"] == "Completed"

"""Cron schedules driven by a controllable clock: once per slot, across restarts and servers."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jupyter_mindzie.execution.scheduler import MindzieScheduler

from .support import TENANT, TokenUsers, assert_problem, notebook_with, project_path, wait_for


class Clock:
    """The time a scheduler sees, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def mindzie_config():
    return {"MindzieScheduler": {"enabled": False}}  # the tests' own schedulers tick by hand


def scheduler(app: Any, clock: Clock) -> MindzieScheduler:
    """A scheduler as a (re)started server, or a second server on the same store, would have."""
    return MindzieScheduler(parent=app, store=app.store, engine=app.engine, access=app.access, clock=clock)


async def scheduled(api: Any, cron: str = "* * * * *") -> dict[str, Any]:
    notebook = await notebook_with(api, "print('scheduled run')")
    reply = await api(
        "PUT",
        project_path("notebook", notebook["notebookId"]),
        {"integration": {"autoExecution": True, "scheduleExecution": cron}},
    )
    assert reply.status == 200, reply.body
    return notebook


async def test_a_per_minute_schedule_fires_once_per_minute_across_a_restart(api, mindzie_app):
    notebook = await scheduled(api)
    clock = Clock(datetime(2030, 1, 1, 10, 0, 5, tzinfo=UTC))
    first = scheduler(mindzie_app, clock)
    assert await first.tick() == []  # a new schedule starts now; nothing before it is due

    clock.advance(seconds=60)  # 10:01:05: the 10:01 slot
    fired = await first.tick()
    assert len(fired) == 1
    assert await first.tick() == [], "a slot fires once"
    assert await scheduler(mindzie_app, clock).tick() == [], (
        "a second server on the store does not fire it again"
    )

    clock.advance(seconds=60)  # 10:02:05, after a restart
    restarted = scheduler(mindzie_app, clock)
    fired += await restarted.tick()
    assert len(fired) == 2 and await restarted.tick() == []

    clock.advance(minutes=5, seconds=25)  # 10:07:30: the server was down for 10:03 … 10:06
    fired += await scheduler(mindzie_app, clock).tick()
    assert len(fired) == 3

    slots = mindzie_app.store.schedule_slots(notebook["notebookId"])
    assert [(s["slot"][11:16], s["outcome"]) for s in slots] == [
        ("10:01", "fired"),
        ("10:02", "fired"),
        ("10:03", "missed"),
        ("10:04", "missed"),
        ("10:05", "missed"),
        ("10:06", "missed"),
        ("10:07", "fired"),
    ]
    assert {s["execution_id"] for s in slots if s["outcome"] == "fired"} == set(fired)

    for execution_id in fired:
        final = await wait_for(api, notebook["notebookId"], execution_id)
        assert final["status"] == "Completed" and final["source"] == "schedule"
    history = (await api("GET", project_path("notebook", notebook["notebookId"], "executions"))).json
    assert history["totalCount"] == 3 and {e["source"] for e in history["executions"]} == {"schedule"}


async def test_a_slot_seen_too_late_is_recorded_as_missed(api, mindzie_app):
    notebook = await scheduled(api, "0 2 * * *")
    clock = Clock(datetime(2030, 1, 1, 1, 0, tzinfo=UTC))
    await scheduler(mindzie_app, clock).tick()
    clock.advance(hours=1, minutes=10)  # 02:10: the 02:00 slot passed while nobody looked
    assert await scheduler(mindzie_app, clock).tick() == []
    slots = mindzie_app.store.schedule_slots(notebook["notebookId"])
    assert [(s["slot"][11:16], s["outcome"]) for s in slots] == [("02:00", "missed")]


async def test_changing_or_disabling_a_schedule(api, mindzie_app):
    notebook = await scheduled(api, "*/5 * * * *")
    clock = Clock(datetime(2030, 1, 1, 9, 59, tzinfo=UTC))
    ticker = scheduler(mindzie_app, clock)
    await ticker.tick()
    await api(
        "PUT",
        project_path("notebook", notebook["notebookId"]),
        {"integration": {"scheduleExecution": "0 * * * *"}},
    )
    clock.advance(minutes=2)  # 10:01: the new hourly schedule starts now; 10:00 is not owed
    assert await ticker.tick() == []
    await api(
        "PUT", project_path("notebook", notebook["notebookId"]), {"integration": {"autoExecution": False}}
    )
    clock.advance(hours=1)
    assert await ticker.tick() == []
    assert mindzie_app.store.schedule_slots(notebook["notebookId"]) == []


async def test_a_cron_that_never_fires_is_refused_and_isolated_in_the_tick(api, mindzie_app):
    notebook = await notebook_with(api, "print('x')")
    reply = await api(
        "PUT",
        project_path("notebook", notebook["notebookId"]),
        {"integration": {"autoExecution": True, "scheduleExecution": "0 0 30 2 *"}},
    )
    problem = assert_problem(reply, 400, field="integration.scheduleExecution")
    assert "never fires" in problem["detail"]

    # One that reached the store before this check (an older release) must not stop the others.
    broken = await notebook_with(api, "print('broken')")
    good = await scheduled(api)
    assert mindzie_app.store.update_notebook(
        broken["notebookId"],
        {"integration": {**broken["integration"], "autoExecution": True, "scheduleExecution": "0 0 30 2 *"}},
    )
    clock = Clock(datetime(2030, 1, 1, 10, 0, 5, tzinfo=UTC))
    ticker = scheduler(mindzie_app, clock)
    await ticker.tick()
    clock.advance(seconds=60)
    fired = await ticker.tick()
    assert len(fired) == 1
    final = await wait_for(api, good["notebookId"], fired[0])
    assert final["status"] == "Completed"
    clock.advance(seconds=60)
    assert len(await ticker.tick()) == 1, "the broken schedule keeps failing alone"


class TestScheduleGrants:
    """A schedule runs code: only as a user who holds, and still holds, the execute grant."""

    @pytest.fixture
    def mindzie_config(self):
        return {
            "ServerApp": {"identity_provider_class": TokenUsers},
            "MindzieScheduler": {"enabled": False},
            "MindzieAccess": {"grants": {"alice": [TENANT], "bob": ["*"]}, "execute_grants": {"bob": ["*"]}},
        }

    async def test_a_reader_can_neither_schedule_nor_change_scheduled_cells(self, api, mindzie_app):
        alice, bob = {"Authorization": "token alice-token"}, {"Authorization": "token bob-token"}
        schedule = {"autoExecution": True, "scheduleExecution": "* * * * *"}
        create = {"notebookName": "mine", "integration": schedule, "initialCells": []}
        assert_problem(await api("POST", project_path("notebook"), create, headers=alice), 403)
        own = await api("POST", project_path("notebook"), {"notebookName": "mine"}, headers=alice)
        assert_problem(
            await api(
                "PUT",
                project_path("notebook", own.json["notebookId"]),
                {"integration": schedule},
                headers=alice,
            ),
            403,
            field="integration.autoExecution",
        )

        theirs = await api("POST", project_path("notebook"), {"notebookName": "bob's"}, headers=bob)
        url = project_path("notebook", theirs.json["notebookId"])
        cells = [{"cellType": "code", "content": "print('bob')"}]
        assert (await api("PUT", url, {"integration": schedule, "cells": cells}, headers=bob)).status == 200
        evil = [{"cellType": "code", "content": "print('alice runs this as bob')"}]
        assert_problem(await api("PUT", url, {"cells": evil}, headers=alice), 403, field="cells")
        assert (await api("PUT", url, {"notebookDescription": "renamed"}, headers=alice)).status == 200

        clock = Clock(datetime(2030, 1, 1, 10, 0, 5, tzinfo=UTC))
        ticker = scheduler(mindzie_app, clock)
        await ticker.tick()
        clock.advance(seconds=60)
        (fired,) = await ticker.tick()
        final = await wait_for(functools.partial(api, headers=bob), theirs.json["notebookId"], fired)
        assert final["status"] == "Completed"
        assert mindzie_app.store.get_execution(fired)["created_by"] == "bob"

        # bob's execute grant is taken away: the next slot is refused, nothing runs
        mindzie_app.access.execute_grants = {"carol": ["*"]}
        clock.advance(seconds=60)
        assert await ticker.tick() == []
        slots = mindzie_app.store.schedule_slots(theirs.json["notebookId"])
        assert [s["outcome"] for s in slots] == ["fired", "refused"]
        history = (await api("GET", f"{url}/executions", headers=bob)).json
        assert history["totalCount"] == 1

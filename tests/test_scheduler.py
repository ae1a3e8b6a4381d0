"""Cron schedules driven by a controllable clock: once per slot, across restarts and servers."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jupyter_mindzie.execution.scheduler import MindzieScheduler, slots_between

from .support import TENANT, TokenUsers, assert_problem, notebook_with, project_path, wait_for

BERLIN = ZoneInfo("Europe/Berlin")


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


async def scheduled(api: Any, cron: str = "* * * * *", zone: str | None = None) -> dict[str, Any]:
    notebook = await notebook_with(api, "print('scheduled run')")
    integration: dict[str, Any] = {"autoExecution": True, "scheduleExecution": cron}
    if zone is not None:
        integration["scheduleTimezone"] = zone
    reply = await api("PUT", project_path("notebook", notebook["notebookId"]), {"integration": integration})
    assert reply.status == 200, reply.body
    return dict(reply.json)


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


async def tick_through(ticker: MindzieScheduler, clock: Clock, until: datetime) -> list[str]:
    """Tick every five minutes, as a server's scheduler would, until the clock reaches `until`."""
    fired: list[str] = []
    while clock.now < until:
        clock.advance(minutes=5)
        fired += await ticker.tick()
    return fired


def local_slots(app: Any, notebook_id: str) -> list[tuple[str, str]]:
    """The recorded slots as Berlin wall-clock times with their offsets, and their outcomes."""
    slots = app.store.schedule_slots(notebook_id)
    return [
        (datetime.fromisoformat(s["slot"]).astimezone(BERLIN).strftime("%m-%d %H:%M%z"), s["outcome"])
        for s in slots
    ]


async def test_a_slot_the_spring_forward_skips_fires_once(api, mindzie_app):
    # Berlin, 2030-03-31: at 02:00 CET the clock jumps to 03:00 CEST, so 02:30 never shows.
    notebook = await scheduled(api, "30 2 * * *", "Europe/Berlin")
    assert notebook["integration"]["scheduleTimezone"] == "Europe/Berlin"
    clock = Clock(datetime(2030, 3, 30, 23, 0, tzinfo=UTC))  # 00:00 CET
    ticker = scheduler(mindzie_app, clock)
    await ticker.tick()
    fired = await tick_through(ticker, clock, datetime(2030, 3, 31, 4, 0, tzinfo=UTC))  # 06:00 CEST
    assert len(fired) == 1
    assert local_slots(mindzie_app, notebook["notebookId"]) == [("03-31 03:30+0200", "fired")]
    final = await wait_for(api, notebook["notebookId"], fired[0])
    assert final["status"] == "Completed" and final["source"] == "schedule"


async def test_a_slot_the_fall_back_repeats_fires_once(api, mindzie_app):
    # Berlin, 2030-10-27: at 03:00 CEST the clock goes back to 02:00 CET, so 02:30 shows twice.
    notebook = await scheduled(api, "30 2 * * *", "Europe/Berlin")
    clock = Clock(datetime(2030, 10, 26, 22, 0, tzinfo=UTC))  # 00:00 CEST
    ticker = scheduler(mindzie_app, clock)
    await ticker.tick()
    fired = await tick_through(ticker, clock, datetime(2030, 10, 27, 5, 0, tzinfo=UTC))  # 06:00 CET
    assert len(fired) == 1
    assert local_slots(mindzie_app, notebook["notebookId"]) == [("10-27 02:30+0200", "fired")]
    await wait_for(api, notebook["notebookId"], fired[0])


def test_every_half_hour_across_both_changes_has_no_gap_and_no_double():
    spring = slots_between(
        "*/30 * * * *",
        datetime(2030, 3, 30, 23, 0, tzinfo=UTC),
        datetime(2030, 3, 31, 2, 0, tzinfo=UTC),
        BERLIN,
    )
    assert [s.astimezone(BERLIN).strftime("%H:%M") for s in spring] == [
        "00:30", "01:00", "01:30", "03:00", "03:30", "04:00"
    ]  # fmt: skip
    autumn = slots_between(
        "0 * * * *",
        datetime(2030, 10, 26, 22, 0, tzinfo=UTC),
        datetime(2030, 10, 27, 3, 0, tzinfo=UTC),
        BERLIN,
    )
    # 02:00 shows twice that night; an hourly schedule runs at the first, then at 03:00 CET
    assert [s.astimezone(BERLIN).strftime("%H:%M%z") for s in autumn] == [
        "01:00+0200", "02:00+0200", "03:00+0100", "04:00+0100"
    ]  # fmt: skip


async def test_the_schedule_s_time_zone_defaults_to_utc_and_must_be_known(api, mindzie_app):
    notebook = await scheduled(api, "0 6 * * 1")
    assert notebook["integration"]["scheduleTimezone"] == "UTC"
    path = project_path("notebook", notebook["notebookId"])
    for zone in ("Mars/Olympus_Mons", "../../etc/passwd", "CEST+2"):
        reply = await api("PUT", path, {"integration": {"scheduleTimezone": zone}})
        assert_problem(reply, 400, "integration.scheduleTimezone")
    reply = await api("PUT", path, {"integration": {"scheduleTimezone": "America/New_York"}})
    assert reply.status == 200 and reply.json["integration"]["scheduleTimezone"] == "America/New_York"
    # a new zone restarts the schedule's clock: nothing before the change is owed
    clock = Clock(datetime(2030, 1, 7, 10, 0, tzinfo=UTC))  # Monday 05:00 in New York
    ticker = scheduler(mindzie_app, clock)
    await ticker.tick()
    fired = await tick_through(ticker, clock, datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    assert (
        len(fired) == 1
        and mindzie_app.store.schedule_slots(notebook["notebookId"])[0]["slot"][11:16] == "11:00"
    )
    await wait_for(api, notebook["notebookId"], fired[0])

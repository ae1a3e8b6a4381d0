"""Cron schedules: notebooks with `autoExecution` run on their `scheduleExecution` as ordinary
executions (source "schedule").

Cron times are wall-clock times in the notebook's `scheduleTimezone` (UTC by default). A slot
that a daylight-saving change skips (02:30 on a spring-forward night in Berlin) runs once, as
much later as the clock jumped (03:30); one the change repeats (02:30 on a fall-back night)
runs once, the first time the clock shows it.

Every slot is claimed in the store before it runs, so a slot fires once even when two servers
share the store or the server restarts; slots that passed while no server was up are recorded
as missed and never run late.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from traitlets import Any as AnyTrait
from traitlets import Bool, Float, Instance
from traitlets.config import LoggingConfigurable

from jupyter_mindzie.access import MindzieAccess, Scope
from jupyter_mindzie.clock import from_stamp, stamp, utcnow
from jupyter_mindzie.errors import MindzieError
from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.sql import SqlStore


class MindzieScheduler(LoggingConfigurable):
    """Fires due cron slots of scheduled notebooks through the engine."""

    enabled = Bool(True, config=True, help="Run notebooks on their cron schedules.")
    tick_interval = Float(15.0, config=True, help="Seconds between looks at the schedules.")
    grace = Float(
        90.0,
        config=True,
        help="A slot older than this many seconds when first seen is recorded as missed, not run.",
    )

    store: Instance[Store] = Instance(SqlStore)
    engine = AnyTrait(help="The MindzieEngine that runs the scheduled executions.")
    access = Instance(MindzieAccess, allow_none=True, help="Whose execute grants each firing checks.")
    clock: Callable[[], datetime] = staticmethod(utcnow)

    def __init__(self, **kwargs: Any) -> None:
        clock = kwargs.pop("clock", None)
        super().__init__(**kwargs)
        if clock is not None:
            self.clock = clock
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._task: asyncio.Task[None] | None = None
        self._failing: dict[str, str | None] = {}  # notebook id -> the cron whose failure was logged

    def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.get_event_loop().create_task(self._loop(), name="mindzie-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # one bad schedule must not stop the others for good
                self.log.exception("mindzie: the scheduler's tick failed")
            await asyncio.sleep(self.tick_interval)

    async def tick(self) -> list[str]:
        """Fire every slot due now; returns the ids of the executions started."""
        now = self.clock()
        started = []
        for row in self.store.scheduled_notebooks():
            try:
                execution_id = await self._tick_one(row, now)
            except Exception:  # one bad row (a cron that never fires, …) must not stop the others
                self._report_failure(row)
                continue
            self._failing.pop(row["notebook_id"], None)
            if execution_id:
                started.append(execution_id)
        return started

    def _report_failure(self, row: dict[str, Any]) -> None:
        """The traceback once per broken schedule, not every tick."""
        notebook_id, cron = row["notebook_id"], row["integration"].get("scheduleExecution")
        if self._failing.get(notebook_id) == cron:
            self.log.debug("mindzie: the schedule %r of %s still fails", cron, notebook_id)
            return
        self._failing[notebook_id] = cron
        self.log.exception("mindzie: the schedule %r of notebook %s failed; it is skipped", cron, notebook_id)

    async def _tick_one(self, row: dict[str, Any], now: datetime) -> str | None:
        notebook_id = row["notebook_id"]
        cron = row["integration"]["scheduleExecution"]
        zone = row["integration"].get("scheduleTimezone") or "UTC"
        key = schedule_key(cron, zone)
        state = self.store.schedule_state(notebook_id)
        if state is None or state["cron"] != key:
            # A new or changed schedule starts now: nothing before it counts as missed.
            self.store.set_schedule_state(notebook_id, key, stamp(now))
            return None
        anchor = from_stamp(state["anchor"]) or now
        due = slots_between(cron, anchor, now, ZoneInfo(zone))
        if not due:
            return None
        *passed, latest = due
        for slot in passed:
            self.store.claim_slot(notebook_id, stamp(slot), "missed", self.identity)
        self.store.set_schedule_state(notebook_id, key, stamp(latest))
        if (now - latest).total_seconds() > self.grace:
            self.store.claim_slot(notebook_id, stamp(latest), "missed", self.identity)
            return None
        # The run is this user's: whoever last set the schedule or changed the cells it runs.
        owner = row.get("schedule_by") or row.get("created_by") or ""
        if self.access is not None and not self.access.allows(owner, row["tenant_id"], execute=True):
            if self.store.claim_slot(notebook_id, stamp(latest), "refused", self.identity):
                self.log.warning(
                    "mindzie: scheduled run of %s at %s refused: %r may not run notebooks of tenant %s",
                    notebook_id,
                    latest,
                    owner,
                    row["tenant_id"],
                )
            return None
        if not self.store.claim_slot(notebook_id, stamp(latest), "claimed", self.identity):
            return None  # another server (or an earlier tick) has it
        scope = Scope(row["tenant_id"], row["project_id"], owner)
        try:
            execution = await self.engine.submit(scope, notebook_id, {"source": "schedule"})
        except MindzieError as error:
            self.log.warning(
                "mindzie: scheduled run of %s at %s not started: %s", notebook_id, latest, error.detail
            )
            self.store.set_slot_execution(notebook_id, stamp(latest), None, "failed")
            return None
        self.store.set_slot_execution(notebook_id, stamp(latest), execution["execution_id"], "fired")
        self.log.info(
            "mindzie: schedule %r of %s fired execution %s", cron, notebook_id, execution["execution_id"]
        )
        return str(execution["execution_id"])


def schedule_key(cron: str, zone: str) -> str:
    """What the schedule clock is kept for: a change of cron or of zone starts it afresh.

    A UTC schedule keeps the bare cron, as states written before zones existed have it.
    """
    return cron if zone == "UTC" else f"CRON_TZ={zone} {cron}"


def slots_between(
    cron: str, after: datetime, until: datetime, zone: ZoneInfo | None = None, limit: int = 10_000
) -> list[datetime]:
    """Cron slots in (after, until] as UTC instants, oldest first (bounded: a long outage is a
    long list).

    croniter walks the zone's wall clock (naive times, so it never sees an offset change);
    each wall time becomes an instant with `fold=0` (PEP 495), so a time that does not exist
    that night is read with the offset before the jump and a repeated time means its first
    occurrence. Two wall
    times landing on one instant, or one before an instant already due, are the same slot.
    """
    zone = zone or ZoneInfo("UTC")
    wall = after.astimezone(zone).replace(tzinfo=None)
    iterator = croniter(cron, wall)
    slots: list[datetime] = []
    while len(slots) < limit:
        local: datetime = iterator.get_next(datetime)
        slot = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if slot > until:
            break
        if slot > after and (not slots or slot > slots[-1]):
            slots.append(slot)
    return slots

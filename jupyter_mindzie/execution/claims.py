"""Slots taking work from the store's queue: when to look, and one claim at a time.

Queued executions are rows every server sharing the store can claim (storage/sql_queue.py). An
idle slot looks when its own server queues a run, when a slot of its server frees, when a peer
queues one (PostgreSQL's `NOTIFY`, through `follow_other_servers`), and every
`queue_poll_seconds` regardless (how SQLite's servers hear of each other's runs, and a net for a
notice missed while PostgreSQL restarted).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.retry import is_transient


class Wakeup:
    """Wakes every idle slot at once; a slot takes its ticket before it looks, so a wake that
    comes while it looks is never lost."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def ticket(self) -> asyncio.Event:
        return self._event

    def wake(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    @staticmethod
    async def wait(ticket: asyncio.Event, timeout: float) -> None:
        """Until a wake after the ticket was taken, or `timeout` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ticket.wait(), timeout)


class Claimer:
    """Claims the next waiting execution for this server; a store that cannot answer is logged
    once per outage, and the slot looks again later."""

    def __init__(self, store: Store, identity: str, log: logging.Logger | logging.LoggerAdapter[Any]) -> None:
        self.store = store
        self.identity = identity
        self.log = log
        self._failing = False

    def next(self) -> dict[str, Any] | None:
        try:
            row = self.store.claim_next(self.identity)
        except Exception as error:
            if not is_transient(error):
                self.log.exception("mindzie: a slot could not claim a queued execution")
            elif not self._failing:
                self.log.warning("mindzie: the store cannot hand out queued executions (%s); retrying", error)
            self._failing = True
            return None
        if self._failing:
            self.log.info("mindzie: the store hands out queued executions again")
            self._failing = False
        return row

    def release(self, execution_id: str) -> None:
        """Put a claimed execution back (this server stops before it started); peers take it.
        If the store cannot answer, a peer's recovery puts it back once this lease expires."""
        try:
            self.store.release_claim(execution_id, self.identity)
        except Exception as error:
            self.log.warning(
                "mindzie: execution %s could not be put back in the queue: %s", execution_id, error
            )

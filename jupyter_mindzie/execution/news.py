"""Waking whoever waits for an execution's next change, so clients need not poll."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

State = TypeVar("State")


class ChangeNotifier:
    """One event per execution that somebody waits on; every write of its status sets it."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self._waiters: collections.Counter[str] = collections.Counter()

    async def next_change(self, execution_id: str, timeout: float) -> bool:
        """True at the next write of this execution's status, False after `timeout` seconds."""
        event = self._events.setdefault(execution_id, asyncio.Event())
        self._waiters[execution_id] += 1
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        finally:
            self._waiters[execution_id] -= 1
            if not self._waiters[execution_id]:  # the last one out forgets the execution
                del self._waiters[execution_id]
                if self._events.get(execution_id) is event:
                    del self._events[execution_id]
        return True

    def has_waiters(self, execution_id: str) -> bool:
        """Whether somebody waits in `next_change` for this execution."""
        return execution_id in self._waiters

    def announce(self, *execution_ids: str) -> None:
        """Wake whoever waits in `next_change` for these executions."""
        for execution_id in execution_ids:
            event = self._events.pop(execution_id, None)
            if event is not None:
                event.set()


async def wait_for_news(
    read: Callable[[bool], Awaitable[tuple[State, bool]]],
    next_change: Callable[[float], Awaitable[bool]],
    *,
    wait: float,
    recheck: float,
) -> State:
    """Read the state until it is news to the caller, or until `wait` seconds have passed.

    `read(written)` returns the state and whether the caller should stop waiting (it differs
    from what the caller has, it is final, or the caller has gone); `written` says whether a
    write was seen since the last read, so a reader can skip rebuilding an unchanged state.
    Other servers sharing the store do not wake `next_change`: the state is read again every
    `recheck` seconds.
    """
    deadline = time.monotonic() + wait
    written = True
    while True:
        state, done = await read(written)
        remaining = deadline - time.monotonic()
        if done or remaining <= 0:
            return state
        written = await next_change(min(remaining, recheck))

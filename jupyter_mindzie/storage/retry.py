"""Store writes that outlast a locked or briefly unavailable database: retried with backoff.

A write that fails because another process holds the database (`database is locked`, a backup
taking an exclusive lock, a disk that blinked) is worth trying again; a write that fails for
any other reason is a bug and is raised at once. The terminal state of a run is retried until
the store answers, so no run is left `Running` by a lock that passed.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from jupyter_mindzie.storage.interface import StoreUnreachable

T = TypeVar("T")

# SQLite's messages for conditions that pass: contention, and a file that is briefly unreadable.
_TRANSIENT = (
    "database is locked",
    "database table is locked",
    "database schema is locked",
    "disk i/o error",
    "unable to open database file",
)

RETRY_AFTER_SECONDS = 5  # what a client is told while the store cannot answer


def is_transient(error: BaseException) -> bool:
    """An error of the store that may pass if the same call is made again later."""
    if isinstance(error, StoreUnreachable):  # PostgreSQL restarting, the network, the pool
        return True
    return isinstance(error, sqlite3.OperationalError) and any(
        text in str(error).lower() for text in _TRANSIENT
    )


def backoff(attempt: int, first: float = 0.2, longest: float = 5.0) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, …): doubling, capped."""
    return float(min(longest, first * 2 ** (attempt - 1)))


async def retrying(
    call: Callable[..., T],
    *args: Any,
    what: str,
    log: logging.Logger | logging.LoggerAdapter[Any],
    give_up: Callable[[], bool] = lambda: False,
    first: float = 0.2,
    longest: float = 5.0,
) -> T:
    """`call(*args)`, again after a transient store error, with backoff, until it works.

    `give_up()` is asked after each failure (e.g. the server is stopping): then the last error
    is raised. Any other error is raised at once.
    """
    attempt = 0
    while True:
        try:
            return call(*args)
        except Exception as error:
            if not is_transient(error):
                raise
            attempt += 1
            if give_up():
                raise
            delay = backoff(attempt, first, longest)
            (log.warning if attempt == 1 else log.info)(
                "mindzie: the store could not %s (%s); retry %d in %.1f s", what, error, attempt, delay
            )
            await asyncio.sleep(delay)

"""An execution as the engine tracks it, and its progress written to the store in batches.

A run of many short cells reports after every cell; writing each report would cost the store
more than the cells cost the kernel, so changes gather in memory and are written at most every
`flush_interval` seconds, and at once when forced (phase changes, the terminal state).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_mindzie.access import Scope
from jupyter_mindzie.errors import StoreUnavailable
from jupyter_mindzie.execution.news import ChangeNotifier
from jupyter_mindzie.execution.runner import NotebookRunner
from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.retry import backoff, is_transient


@dataclass
class Run:
    """One execution in this server: its runner, its place in the queue, its unsaved progress."""

    execution_id: str
    notebook_id: str
    scope: Scope
    runner: NotebookRunner
    rank: int
    seq: int
    changes: dict[str, Any] = field(default_factory=dict)
    dirty_cells: set[str] = field(default_factory=set)
    last_flush: float = 0.0
    flush_handle: asyncio.TimerHandle | None = None
    failed_flushes: int = 0  # writes refused in a row by a locked or unavailable store
    task: asyncio.Task[None] | None = None

    @property
    def cancel_requested(self) -> bool:
        return self.runner.cancel_requested

    @property
    def waiting(self) -> bool:
        """Queued, and not cancelled while it waited."""
        return self.task is None and not self.cancel_requested


class ProgressWriter:
    """Writes runs' changes to the store, batched, and wakes whoever waits for news of them."""

    def __init__(self, store: Store, notifier: ChangeNotifier, flush_interval: float) -> None:
        self.store = store
        self.notifier = notifier
        self.flush_interval = flush_interval

    def record(self, run: Run, changes: dict[str, Any], cells: list[str], force: bool) -> None:
        """Write now when forced or when the last write is old enough; else soon."""
        run.changes.update(changes)
        run.dirty_cells.update(cells)
        due = time.monotonic() - run.last_flush >= self.flush_interval
        if force or due:
            self.flush(run)
        elif run.flush_handle is None:
            delay = self.flush_interval - (time.monotonic() - run.last_flush)
            run.flush_handle = asyncio.get_running_loop().call_later(delay, self.flush, run)

    def flush(self, run: Run) -> bool:
        """Write what gathered; while the store cannot answer it is kept and tried again with
        backoff (False), so a lock never ends or stalls the run."""
        if run.flush_handle is not None:
            run.flush_handle.cancel()
            run.flush_handle = None
        cells = [
            {
                **(run.runner.cells.get(cell_id) or run.runner.skipped[cell_id]),
                "execution_id": run.execution_id,
            }
            for cell_id in run.dirty_cells
        ]
        try:
            self.store.save_progress(run.execution_id, run.changes, cells)
        except Exception as error:
            if not is_transient(error):
                raise
            run.failed_flushes += 1
            delay = backoff(run.failed_flushes)
            run.flush_handle = asyncio.get_running_loop().call_later(delay, self.flush, run)
            return False
        run.failed_flushes = 0
        run.changes, run.dirty_cells = {}, set()
        run.last_flush = time.monotonic()
        self.notifier.announce(run.execution_id)
        return True

    async def written(self, run: Run, give_up: Callable[[], bool]) -> None:
        """Until everything the run gathered is in the store (the terminal state must be).

        Raises the store's error when `give_up()` (the server stops): recovery ends the run then.
        """
        while not self.flush(run):
            if give_up():
                if run.flush_handle is not None:
                    run.flush_handle.cancel()
                raise StoreUnavailable("the store did not answer before the server stopped", retry_after=None)
            await asyncio.sleep(backoff(run.failed_flushes))

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
from jupyter_mindzie.clock import stamp
from jupyter_mindzie.errors import StoreUnavailable
from jupyter_mindzie.execution.lifecycle import RunLifecycle, RunNews
from jupyter_mindzie.execution.news import ChangeNotifier
from jupyter_mindzie.execution.runner import NotebookRunner
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.retry import backoff, is_transient


@dataclass
class Run:
    """One execution this server claimed: its runner, its priority, its unsaved progress."""

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
    taken_over: bool = False  # another server ended it: nothing more of it is written

    @property
    def cancel_requested(self) -> bool:
        return self.runner.cancel_requested


class ProgressWriter:
    """Writes runs' changes to the store, batched, and wakes whoever waits for news of them."""

    def __init__(
        self,
        store: Store,
        notifier: ChangeNotifier,
        flush_interval: float,
        owner: str | None = None,
        lifecycle: RunLifecycle | None = None,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.lifecycle = lifecycle or RunLifecycle()
        self.flush_interval = flush_interval
        self.owner = owner  # this server's lease id: writes stop once a peer has taken a run over

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

    def still_ours(self, run: Run) -> bool:
        """Whether this server still owns the run (always, without a lease)."""
        if not run.taken_over and not self.store.save_progress(run.execution_id, {}, [], owner=self.owner):
            run.taken_over = True
        return not run.taken_over

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
        if run.taken_over:
            run.changes, run.dirty_cells = {}, set()
            return True
        try:
            written = self.store.save_progress(run.execution_id, run.changes, cells, owner=self.owner)
        except Exception as error:
            if not is_transient(error):
                raise
            run.failed_flushes += 1
            delay = backoff(run.failed_flushes)
            run.flush_handle = asyncio.get_running_loop().call_later(delay, self.flush, run)
            return False
        run.failed_flushes = 0
        if not written:
            # A peer ended this run while this server could not renew its lease (a stall, an
            # outage): its state is the peer's now. Stop the run; write nothing more of it.
            run.taken_over = True
            run.runner.stop()
        news = RunNews(
            run.execution_id,
            run.changes.get("status") if written else None,
            run.changes.get("phase") if written else None,
            tuple(run.dirty_cells) if written else (),
            scope=run.scope,
            notebook_id=run.notebook_id,
        )
        run.changes, run.dirty_cells = {}, set()
        run.last_flush = time.monotonic()
        self.notifier.announce(run.execution_id)
        if written:
            self.lifecycle.publish(news)
        return True

    async def written(self, run: Run, give_up: Callable[[], bool]) -> None:
        """Until everything the run gathered is in the store (the terminal state must be).

        Raises the store's error when `give_up()` (the server stops): recovery ends the run then.
        """
        while not self.flush(run):
            if give_up():
                if run.flush_handle is not None:
                    run.flush_handle.cancel()
                raise StoreUnavailable(
                    Message("the store did not answer before the server stopped"), retry_after=None
                )
            await asyncio.sleep(backoff(run.failed_flushes))


def notebook_after_run(
    row: dict[str, Any], status: str, dead_kernel: bool, language_info: dict[str, Any], *, others_remain: bool
) -> dict[str, Any]:
    """What a run's end changes in its notebook's row: counts, the kernel's Python, its status.

    The status follows the last run only once none of the notebook's runs is left.
    """
    changes: dict[str, Any] = {}
    if status != "Cancelled":
        changes["last_execution_date"] = stamp()
        changes["execution_count"] = (row.get("execution_count") or 0) + 1
        if language_info.get("name") == "python" and language_info.get("version"):
            changes["python_version"] = language_info["version"]
    if not others_remain:
        changes["status"] = "Kernel_Dead" if dead_kernel else ("Error" if status == "Error" else "Ready")
    return changes

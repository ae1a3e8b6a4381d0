"""Retries: whether a run's end is tried again, and the next attempt of the same execution.

An execute request may carry `retry: {maxRetries, onTimeout, onCellError, delaySeconds}`. A run
that ends in Error for a reason outside the notebook (its kernel died, or failed to start) is
queued again after `delaySeconds` as a new attempt of the same execution: the same id, the same
notebook version and parameters, its cells reset and the failed attempt's artifacts removed, so
the final results are the last attempt's alone. A timeout is retried only with `onTimeout`, a
cell's own error (stopOnError, a non-zero exit, the parameters) only with `onCellError`: a
notebook that fails by itself fails again. A cancel, or the server stopping, is never retried.

The attempt that ended is kept in the store (`execution_attempts`), and the execution row goes
back to `Running`/`Queued` with its `attempt` and `retry_at` in one transaction, so a server
that stops during the delay leaves the pending retry in the store and its successor queues it
(`resume`). Exactly one terminal state is ever written: the last attempt's.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import shutil
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from jupyter_mindzie.clock import from_stamp, stamp, utcnow
from jupyter_mindzie.contract.enums import is_terminal
from jupyter_mindzie.execution.lifecycle import RunLifecycle, RunNews
from jupyter_mindzie.execution.progress import ProgressWriter, Run
from jupyter_mindzie.execution.records import ExecutionRecords
from jupyter_mindzie.execution.recovery import end_abandoned
from jupyter_mindzie.execution.runner import Outcome
from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.retry import retrying

OUTSIDE_THE_NOTEBOOK = frozenset({"DeadKernelError", "KernelStartError"})
"""Errors retried whenever a run asks for retries."""
NEVER_RETRIED = frozenset({"Cancelled", "ServerStopped"})
"""Ends nobody wants tried again: a cancel, and the server stopping (recovery ends those)."""


@dataclass(frozen=True)
class RetryPolicy:
    """An execution's `retry`, as its request gave it (the schema bounds every value)."""

    max_retries: int = 0
    on_timeout: bool = False
    on_cell_error: bool = False
    delay_seconds: float = 5.0

    @classmethod
    def of(cls, options: dict[str, Any] | None) -> RetryPolicy:
        retry = (options or {}).get("retry") or {}
        return cls(
            max_retries=int(retry.get("maxRetries", 0)),
            on_timeout=bool(retry.get("onTimeout", False)),
            on_cell_error=bool(retry.get("onCellError", False)),
            delay_seconds=float(retry.get("delaySeconds", 5.0)),
        )

    def retries(self, outcome: Outcome, attempt: int) -> bool:
        """Whether attempt number `attempt`, ended with `outcome`, is followed by another."""
        if outcome.status != "Error" or attempt > self.max_retries:
            return False
        kind = outcome.error_type or ""
        if kind in NEVER_RETRIED:
            return False
        if kind in OUTSIDE_THE_NOTEBOOK:
            return True
        if kind == "TimeoutError":
            return self.on_timeout
        return self.on_cell_error


class RetryHost(Protocol):
    """What retries need of the engine (named here, so this module never imports it)."""

    @property
    def store(self) -> Store: ...

    @property
    def log(self) -> logging.Logger | logging.LoggerAdapter[Any]: ...

    progress: ProgressWriter
    lifecycle: RunLifecycle
    records: ExecutionRecords

    def stopping(self) -> bool: ...

    async def requeue(self, execution: dict[str, Any]) -> None: ...


class Retries:
    """The engine's retries: `after` decides at a run's end, then waits out the delay and
    queues the next attempt; `cancel` ends a retry still waiting; `resume` picks up, after a
    restart, a retry a stopped server left waiting."""

    def __init__(self, host: RetryHost) -> None:
        self.host = host
        self._waiting: dict[str, asyncio.Task[None]] = {}

    async def after(self, run: Run, outcome: Outcome) -> bool:
        """True when this end is retried: the next attempt is then in the store and queued
        after its delay, and the caller writes no terminal state."""
        host = self.host
        if run.cancel_requested or run.taken_over or host.stopping():
            return False
        row = host.store.get_execution(run.execution_id)
        if row is None:
            return False
        attempt = int(row.get("attempt") or 1)
        policy = RetryPolicy.of(row.get("options"))
        if not policy.retries(outcome, attempt):
            return False
        try:
            return await self._retry(run, outcome, row, attempt, policy)
        except asyncio.CancelledError:  # a cancel as the attempt ended: this end is the last
            task = asyncio.current_task()
            if host.stopping() or task is None:
                raise
            task.uncancel()
            return False

    async def _retry(
        self, run: Run, outcome: Outcome, row: dict[str, Any], attempt: int, policy: RetryPolicy
    ) -> bool:
        host = self.host
        await host.progress.written(run, give_up=host.stopping)  # the ended attempt, whole
        end = utcnow()
        started = from_stamp(row.get("start_time"))
        next_at = stamp(end + timedelta(seconds=policy.delay_seconds))
        ended = {
            "attempt": attempt,
            "status": outcome.status,
            "error_type": outcome.error_type,
            "error_message": outcome.error_message,
            "start_time": row.get("start_time"),
            "end_time": stamp(end),
            "total_seconds": round((end - started).total_seconds(), 3) if started else None,
        }
        changes = {**NEXT_ATTEMPT, "attempt": attempt + 1, "retry_at": next_at, "start_time": stamp(end)}
        cells = [
            {**cell, **PENDING_CELL, "execution_id": run.execution_id} for cell in run.runner.cells.values()
        ]
        retried = await retrying(
            functools.partial(host.store.retry_execution, owner=host.progress.owner),
            run.execution_id,
            ended,
            changes,
            cells,
            what="queue the next attempt",
            log=host.log,
            give_up=host.stopping,
        )
        if not retried:  # a peer took the run over, or it ended meanwhile: nothing more here
            return False
        # From here on, no await until the retry waits where a cancel finds it (`_waiting`).
        host.progress.notifier.announce(run.execution_id)
        news = RunNews(
            run.execution_id,
            "Running",
            "Queued",
            tuple(run.runner.cells),
            scope=run.scope,
            notebook_id=run.notebook_id,
        )
        host.lifecycle.publish(news)
        host.log.warning(
            "mindzie: execution %s attempt %d ended %s (%s); attempt %d queued in %gs",
            run.execution_id,
            attempt,
            outcome.status,
            outcome.error_type,
            attempt + 1,
            policy.delay_seconds,
        )
        # The next attempt starts once this one's kernel is released: the release stops every
        # process marked with the execution's id, which the next attempt's kernel would be.
        self._wait({**row, **changes}, policy.delay_seconds, after=run.task)
        return True

    def resume(self, execution: dict[str, Any]) -> bool:
        """A queued execution found after a restart: True when it is a retry still waiting its
        delay (queued once the delay is over), False when the caller queues it now."""
        retry_at = from_stamp(execution.get("retry_at"))
        if retry_at is None or int(execution.get("attempt") or 1) < 2:
            return False
        self._wait(execution, max(0.0, (retry_at - utcnow()).total_seconds()))
        return True

    def cancel(self, execution: dict[str, Any]) -> bool:
        """End a retry still waiting here (Cancelled); False when none waits for this execution."""
        task = self._waiting.get(execution["execution_id"])
        if task is None or task.done():
            return False
        del self._waiting[execution["execution_id"]]
        task.cancel()
        self._end_cancelled(execution)
        return True

    def stop(self) -> None:
        """The server stops: waiting retries stay in the store, for the next server to queue."""
        for task in self._waiting.values():
            task.cancel()
        self._waiting.clear()

    def waiting(self) -> list[str]:
        return list(self._waiting)

    def _wait(self, execution: dict[str, Any], delay: float, after: asyncio.Task[None] | None = None) -> None:
        execution_id = execution["execution_id"]
        waits = self._queue_later(execution, delay, after)
        task = asyncio.create_task(waits, name=f"mindzie-retry-{execution_id}")
        self._waiting[execution_id] = task

    async def _queue_later(
        self, execution: dict[str, Any], delay: float, after: asyncio.Task[None] | None
    ) -> None:
        host, execution_id = self.host, execution["execution_id"]
        try:
            await asyncio.sleep(delay)
            if after is not None:
                await asyncio.wait([after])
            # The failed attempt's files must not mix with the next one's results.
            folder = host.records.artifacts_dir(execution_id)
            await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)
            row = host.store.get_execution(execution_id)
            if row is None or is_terminal(row["status"]) or row.get("attempt") != execution.get("attempt"):
                return  # deleted, ended or taken on by someone else meanwhile
            if row.get("cancel_requested"):  # asked through another server while it waited
                self._end_cancelled(row)
                return
            await host.requeue(row)  # queued: a free slot of any server claims it
            host.log.info("mindzie: execution %s attempt %s queued", execution_id, row.get("attempt"))
        except asyncio.CancelledError:
            raise
        except Exception:  # the next server's recovery queues it (or ends it) from the store
            host.log.exception("mindzie: the next attempt of execution %s could not be queued", execution_id)
        finally:
            if self._waiting.get(execution_id) is asyncio.current_task():
                del self._waiting[execution_id]

    def _end_cancelled(self, execution: dict[str, Any]) -> None:
        message = "cancelled while it waited to be tried again"
        end_abandoned(self.host.progress, execution, "Cancelled", message, self.host.log, status="Cancelled")


NEXT_ATTEMPT: dict[str, Any] = {
    "status": "Running",
    "phase": "Queued",
    "end_time": None,
    "total_seconds": None,
    "current_cell": None,
    "current_cell_index": 0,
    "completed_cells": 0,
    "successful_cells": 0,
    "failed_cells": 0,
    "error_type": None,
    "error_message": None,
    "kernel_id": None,
    "kernel_pid": None,
    "resources": None,
}
"""The execution's fields as a new attempt starts them (the attempt, its times are added)."""
PENDING_CELL: dict[str, Any] = {
    "status": "Pending",
    "execution_seconds": None,
    "has_output": 0,
    "output_type": None,
    "error_type": None,
    "error_message": None,
}

"""A run's end written to the store: artifacts, published datasets, the terminal state and the
notebook's status, each retried while the store cannot answer (a lock, PostgreSQL restarting),
so no run is left Running by an outage that passed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from jupyter_mindzie.clock import from_stamp, stamp, utcnow
from jupyter_mindzie.execution.progress import ProgressWriter, Run, notebook_after_run
from jupyter_mindzie.execution.publishing import register_published
from jupyter_mindzie.execution.records import ExecutionRecords
from jupyter_mindzie.execution.recovery import announce_abandoned, mend_notebook, save_abandoned
from jupyter_mindzie.execution.runner import Outcome
from jupyter_mindzie.storage.datasets import MindzieDatasetLibrary
from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.retry import retrying


class RunEndings:
    """Writes how runs ended; `stopping()` says when to stop retrying (the server stops)."""

    def __init__(
        self,
        store: Store,
        datasets: MindzieDatasetLibrary,
        records: ExecutionRecords,
        progress: ProgressWriter,
        log: logging.Logger | logging.LoggerAdapter[Any],
        stopping: Callable[[], bool],
    ) -> None:
        self.store, self.datasets, self.records, self.progress = store, datasets, records, progress
        self.log, self.stopping = log, stopping

    async def still_ours(self, run: Run) -> bool:
        """Whether this server still owns the run, asked until the store answers."""
        return await retrying(
            self.progress.still_ours, run, what="check who owns the run", log=self.log, give_up=self.stopping
        )

    async def record(self, run: Run, outcome: Outcome) -> None:
        """The terminal state, retried until the store takes it (a lock must not leave it Running)."""
        artifacts = [{**row, "execution_id": run.execution_id} for row in outcome.artifacts]
        await self._retried(self.store.insert_artifacts, artifacts, what="save the artifacts")
        row = await self._retried(self.store.get_execution, run.execution_id, what="read the run") or {}
        if outcome.status == "Completed":
            await register_published(
                self.datasets,
                run,
                outcome.artifacts,
                options=row.get("options") or {},
                artifacts_dir=self.records.artifacts_dir(run.execution_id),
                log=self.log,
            )
        end = utcnow()
        started = from_stamp(row.get("start_time"))
        changes = {
            "status": outcome.status,
            "phase": outcome.status,
            "error_type": outcome.error_type,
            "error_message": outcome.error_message,
            "end_time": stamp(end),
            "total_seconds": round((end - started).total_seconds(), 3) if started else None,
            "current_cell": None,
            "resources": outcome.resources,
        }
        self.progress.record(run, changes, [], force=True)
        await self.progress.written(run, give_up=self.stopping)
        await self._retried(
            self.end_notebook, run, outcome.status, outcome.dead_kernel, what="update the notebook"
        )
        self.log.info("mindzie: execution %s ended %s", run.execution_id, outcome.status)

    async def unstartable(self, row: dict[str, Any], message: str, release: Callable[[str], None]) -> None:
        """End as Error a run this server claimed but could not prepare (its notebook file is no
        longer a notebook, …), retried while the store cannot answer: a lock at that moment must
        not leave the row claimed by a live server, whose lease never lapses. When the server
        stops first, the claim is put back (`release`) for a peer, or this server's restart."""
        execution_id = row["execution_id"]
        try:
            await self._retried(
                save_abandoned,
                self.store,
                row,
                "QueueError",
                message,
                "Error",
                what="end a run that could not start",
            )
        except BaseException:
            release(execution_id)
            raise
        announce_abandoned(self.progress, row, "Error")
        await self._retried(mend_notebook, self.store, row, "Error", what="update the notebook")
        self.log.warning("mindzie: execution %s ended: %s", execution_id, message)

    def end_notebook(self, run: Run, status: str, dead_kernel: bool) -> None:
        """The notebook's status follows its last run, once none of its runs is left on any server."""
        others = self.store.notebook_busy(run.notebook_id, besides=run.execution_id)
        row = self.store.get_notebook(run.scope.tenant_id, run.scope.project_id, run.notebook_id)
        info = run.runner.spec.nb.metadata.get("language_info", {})
        changes = notebook_after_run(row, status, dead_kernel, info, others_remain=others) if row else {}
        if changes:
            self.store.update_notebook(run.notebook_id, changes)

    async def _retried(self, call: Callable[..., Any], *args: Any, what: str) -> Any:
        return await retrying(call, *args, what=what, log=self.log, give_up=self.stopping)

"""MindzieEngine: a fair queue feeding a fixed number of slots; each execution runs with nbclient
on a fresh kernel from the server's own kernel manager, and leaves typed results behind.

Tenants with waiting work take turns for the slots (execution/queue.py); each tenant, and the
server as a whole, may only have so many executions waiting.

The notebook file is never written by a run: the executed copy is an artifact of the execution.
Progress is kept in memory by the runner and written to the store in small batches, so a run
of many short cells costs the store little.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from pathlib import Path
from typing import Any

from traitlets import Any as AnyTrait
from traitlets import Float, Instance, Int, Unicode, default
from traitlets.config import LoggingConfigurable

from jupyter_mindzie.access import Scope
from jupyter_mindzie.clock import from_stamp, stamp, utcnow
from jupyter_mindzie.contract.enums import PRIORITY_RANK, is_terminal
from jupyter_mindzie.errors import ExecutionFinished, MindzieError
from jupyter_mindzie.execution.leases import MindzieLease
from jupyter_mindzie.execution.lifecycle import RunLifecycle, RunNews
from jupyter_mindzie.execution.news import ChangeNotifier
from jupyter_mindzie.execution.planning import RunLimits, check_parameters_size, plan_run
from jupyter_mindzie.execution.pool import MindzieKernelPool
from jupyter_mindzie.execution.progress import ProgressWriter, Run, end_notebook
from jupyter_mindzie.execution.publishing import register_published
from jupyter_mindzie.execution.queue import FairQueue, check_queue_room
from jupyter_mindzie.execution.records import ExecutionRecords
from jupyter_mindzie.execution.recovery import end_abandoned, orphans_to_mend, resubmission
from jupyter_mindzie.execution.retries import Retries
from jupyter_mindzie.execution.runner import NotebookRunner, Outcome
from jupyter_mindzie.guids import new_guid
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.notebooks.library import MindzieNotebookLibrary
from jupyter_mindzie.storage.datasets import MindzieDatasetLibrary
from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.retry import retrying
from jupyter_mindzie.storage.sql import SqlStore


class MindzieEngine(LoggingConfigurable):
    """Queues executions by priority and runs them on the server's kernels."""

    slots = Int(2, config=True, help="How many executions run at once.")
    startup_timeout = Float(60.0, config=True, help="Seconds a kernel may take to start.")
    flush_interval = Float(
        0.5, config=True, help="Seconds between batched progress writes of a running execution."
    )
    max_cell_output_bytes = Int(
        10 * 2**20,
        config=True,
        help="Output kept per cell of a run; past it, output is dropped with a notice.",
    )
    max_output_bytes = Int(
        100 * 2**20, config=True, help="Output kept per run; past it, output is dropped with a notice."
    )
    max_queued_per_project = Int(
        100, config=True, help="Executions a project may have waiting; more are answered 429."
    )
    max_queued_per_tenant = Int(
        200,
        config=True,
        help="Executions a tenant may have waiting, over all its projects (any GUID is a project); "
        "more are answered 429.",
    )
    max_queued = Int(
        1000,
        config=True,
        help="Executions the server keeps waiting, over all tenants; more are answered 429 with Retry-After.",
    )
    max_parameters_bytes = Int(
        1 * 2**20, config=True, help="Largest `parameters` object of a run, as JSON (else 413)."
    )
    longest_status_wait = Float(
        60.0, config=True, help="Most seconds a status request may wait for a change (`Prefer: wait=N`)."
    )
    status_recheck_seconds = Float(
        1.0,
        config=True,
        help="How often a waiting status request reads the store again, to see writes of other servers sharing it.",
    )
    artifacts_root = Unicode(
        config=True,
        help="Folder of each execution's artifacts. Default: executions/ beside the store.",
    )

    store: Instance[Store] = Instance(SqlStore)
    library = Instance(MindzieNotebookLibrary)
    datasets = Instance(MindzieDatasetLibrary)
    kernel_manager = AnyTrait(help="The server's kernel manager.")
    pool = Instance(MindzieKernelPool, allow_none=True)
    lease = Instance(MindzieLease, allow_none=True, help="This server's lease, when it shares its store.")

    @default("artifacts_root")
    def _default_artifacts_root(self) -> str:
        return str(self.store.data_dir / "executions")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._queue = FairQueue()
        self._workers: list[asyncio.Task[None]] = []
        self._runs: dict[str, Run] = {}
        self._seq = itertools.count()
        self._stopping = False
        self.notifier = ChangeNotifier()
        self.lifecycle = RunLifecycle()  # server events, webhooks and metrics listen here
        owner = self.lease.server_id if self.lease is not None else None
        self.progress = ProgressWriter(self.store, self.notifier, self.flush_interval, owner, self.lifecycle)
        self.records = ExecutionRecords(self.store, self.artifacts_root)
        self.retries = Retries(self)  # the next attempt of a run that ended in a retried Error

    def stopping(self) -> bool:
        """The server is stopping: slots take no new work (a call, as it changes while a slot waits)."""
        return self._stopping

    # -- submit, cancel, read ----------------------------------------------------------------

    async def submit(self, scope: Scope, notebook_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Queue an execution of the notebook as it is now; answer the seed's 202 body."""
        check_parameters_size(request.get("parameters") or {}, self.max_parameters_bytes)
        check_queue_room(
            list(self._runs.values()),
            scope,
            project=self.max_queued_per_project,
            tenant=self.max_queued_per_tenant,
            server=self.max_queued,
            retry_after=max(5, int(self.records.estimate_seconds(notebook_id) or 30)),
        )
        execution_id = new_guid()
        runner, execution = await self._prepare(scope, notebook_id, request, execution_id)
        cells = [*runner.cells.values(), *runner.skipped.values()]
        owner = self.lease.server_id if self.lease is not None else None
        self.store.insert_execution(
            {**execution, "owner": owner}, [{**cell, "execution_id": execution_id} for cell in cells]
        )
        self.store.update_notebook(notebook_id, {"status": "Running"})
        self.lifecycle.publish(
            RunNews(execution_id, "Running", "Queued", scope=scope, notebook_id=notebook_id)
        )
        self._enqueue(execution_id, notebook_id, scope, runner, execution["priority"])
        return {**execution, "estimated_duration": self.records.estimate(notebook_id)}

    async def _prepare(
        self,
        scope: Scope,
        notebook_id: str,
        request: dict[str, Any],
        execution_id: str,
        version: str | None = None,
    ) -> tuple[NotebookRunner, dict[str, Any]]:
        """The runner of one execution and its store row, from the notebook as it is now (or
        as it was at `version`: a run queued before a restart runs what was submitted)."""
        if version is None:
            row, nb = await self.library.get(scope, notebook_id)
        else:
            row, nb, snapshot = await self.library.get_version(scope, notebook_id, version)
            kernel_type = (snapshot.get("settings") or {}).get("kernelType") or row["kernel_type"]
            row = {**row, "version": version, "kernel_type": kernel_type}
        plan = await plan_run(
            self.library.kernels,
            scope,
            row,
            nb,
            request,
            execution_id=execution_id,
            artifacts_dir=self.records.artifacts_dir(execution_id),
            datasets_dir=Path(self.datasets.datasets_dir),
            os_working_dir=self._os_folder(str(Path(row["path"]).parent)),
            limits=RunLimits(self.startup_timeout, self.max_cell_output_bytes, self.max_output_bytes),
        )
        pool = self.pool if plan.language == "python" else None  # warm kernels take Python set-up code
        return NotebookRunner(plan.spec, self.kernel_manager, self, self.log, pool=pool), plan.execution

    def _enqueue(
        self, execution_id: str, notebook_id: str, scope: Scope, runner: NotebookRunner, priority: str
    ) -> None:
        run = Run(execution_id, notebook_id, scope, runner, PRIORITY_RANK[priority], next(self._seq))
        self._runs[execution_id] = run
        self._ensure_workers()
        self._queue.put(execution_id, scope.tenant_id, run.rank, run.seq)

    # -- after a restart -----------------------------------------------------------------------

    async def recover(self) -> None:
        """Mend what a stopped or killed server left: re-queue waiting executions, end the
        running ones as Error, stop their orphaned kernels, and mend their notebooks.

        With a lease, only executions of servers that are gone or let their lease expire are
        taken (each by one server); a live peer's runs and kernels are never touched.
        """
        for execution, ending in orphans_to_mend(self.store, self.lease, set(self._runs)):
            if ending is None:
                if not self.retries.resume(execution):  # a retry waiting its delay waits on
                    await self._requeue(execution)
            else:
                error_type, message, status = ending
                end_abandoned(self.progress, execution, error_type, message, self.log, status=status)

    async def _requeue(self, execution: dict[str, Any]) -> None:
        scope, request = resubmission(execution)
        try:
            runner, _ = await self._prepare(
                scope,
                execution["notebook_id"],
                request,
                execution["execution_id"],
                version=execution.get("notebook_version"),
            )
        except MindzieError as error:
            end_abandoned(
                self.progress,
                execution,
                "RequeueError",
                f"could not be queued again after a restart: {error.detail}",
                self.log,
            )
            return
        self._enqueue(execution["execution_id"], execution["notebook_id"], scope, runner, request["priority"])
        self.log.info("mindzie: execution %s queued again", execution["execution_id"])

    async def cancel(self, scope: Scope, notebook_id: str, execution_id: str) -> dict[str, Any]:
        """Stop a queued or running execution: interrupt, then shut its kernel down."""
        execution = self.records.get(scope, notebook_id, execution_id)
        run = self._runs.get(execution_id)
        if self.retries.cancel(execution):  # it waited to be tried again
            return self.records.get(scope, notebook_id, execution_id)
        if run is None and not is_terminal(execution["status"]) and self.store.request_cancel(execution_id):
            return execution  # another server drives it: it hears of the request through the store
        if is_terminal(execution["status"]) or run is None:
            raise ExecutionFinished(
                Message(
                    "execution {execution_id} has already ended ({status})",
                    execution_id=execution_id,
                    status=execution["status"],
                )
            )
        self._cancel_run(run)
        return self.records.get(scope, notebook_id, execution_id)

    def _cancel_run(self, run: Run) -> None:
        if run.cancel_requested:  # a second cancel must not cut the first one's clean-up short
            return
        run.runner.cancel()
        if run.task is None:  # still queued: it ends here, and the slot skips it
            self._end_queued(run)
            self._queue.remove(run.execution_id)
            self._runs.pop(run.execution_id, None)

    def cancel_requested_elsewhere(self, execution_ids: list[str]) -> None:
        """Cancel requests other servers recorded in the store for runs of this one."""
        for execution_id in execution_ids:
            run = self._runs.get(execution_id)
            if run is not None:
                self.log.info("mindzie: execution %s cancelled through another server", execution_id)
                self._cancel_run(run)

    async def delete_notebook(self, scope: Scope, notebook_id: str) -> None:
        """Delete a notebook, its file and its execution history (409 while a run of it is active)."""
        executions = self.records.execution_ids(notebook_id)
        await self.library.delete(scope, notebook_id)
        await self.records.remove_artifacts(executions)

    def queue_position(self, execution_id: str) -> int | None:
        """1 for the tenant's next to start, among its own waiting runs only; None when not waiting."""
        run = self._runs.get(execution_id)
        if run is None or run.task is not None:
            return None
        return self._queue.position(execution_id)

    # -- slots ---------------------------------------------------------------------------------

    def _ensure_workers(self) -> None:
        self._workers = [task for task in self._workers if not task.done()]
        while len(self._workers) < self.slots:
            self._workers.append(asyncio.create_task(self._work(), name="mindzie-engine-slot"))

    async def _work(self) -> None:
        while not self.stopping():
            execution_id = await self._queue.get()
            run = self._runs.get(execution_id)
            if run is None or run.cancel_requested:
                continue
            run.task = asyncio.create_task(self._execute(run), name=f"mindzie-execution-{execution_id}")
            self.notifier.announce(
                *(r.execution_id for r in self._runs.values() if r.task is None)
            )  # moved up the queue
            try:
                await asyncio.shield(run.task)
            except asyncio.CancelledError:
                if self.stopping():
                    run.runner.stop()
                    with contextlib.suppress(asyncio.CancelledError):
                        await run.task
                    raise
            except Exception:  # a slot never dies: the next run needs it
                self.log.exception("mindzie: execution %s could not be ended cleanly", execution_id)
            finally:  # unless its retry already put the next attempt in its place
                if self._runs.get(execution_id) is run:
                    del self._runs[execution_id]

    async def stop(self) -> None:
        """Stop what runs (their kernels are shut down) and stop the slots."""
        self._stopping = True
        self.retries.stop()
        running = [run for run in self._runs.values() if run.task is not None]
        for run in running:
            run.runner.stop()
        for run in running:
            with contextlib.suppress(asyncio.CancelledError):
                await run.task  # type: ignore[misc]
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        if self.pool is not None:
            await self.pool.close()

    async def _execute(self, run: Run) -> None:
        outcome = await run.runner.run()
        try:
            if self.progress.still_ours(run):
                if not await self.retries.after(run, outcome):  # else its next attempt is queued
                    await self._record_end(run, outcome)
            else:
                self.log.warning("mindzie: execution %s was taken over by another server", run.execution_id)
        finally:  # a store that never answered must not keep the kernel, or the slot
            await run.runner.release()  # after the terminal state: the slot stays taken until it is down
        if self.pool is not None:
            if outcome.status == "Completed" and not run.taken_over:
                spec = run.runner.spec
                ran = set(spec.run_cell_ids)
                await self.pool.learn(
                    spec.kernel_name, [c.source for c in spec.nb.cells if c.get("id") in ran]
                )
            self.pool.warm()  # top up whatever a take could not refill yet

    async def _record_end(self, run: Run, outcome: Outcome) -> None:
        """The terminal state, retried until the store takes it (a lock must not leave it Running)."""
        artifacts = [{**row, "execution_id": run.execution_id} for row in outcome.artifacts]
        await retrying(
            self.store.insert_artifacts,
            artifacts,
            what="save the artifacts",
            log=self.log,
            give_up=self.stopping,
        )
        if outcome.status == "Completed":
            await register_published(
                self.datasets,
                run,
                outcome.artifacts,
                options=(self.store.get_execution(run.execution_id) or {}).get("options") or {},
                artifacts_dir=self.records.artifacts_dir(run.execution_id),
                log=self.log,
            )
        end = utcnow()
        row = self.store.get_execution(run.execution_id)
        started = from_stamp(row["start_time"]) if row is not None else None
        self.changed(
            run.runner,
            {
                "status": outcome.status,
                "phase": outcome.status,
                "error_type": outcome.error_type,
                "error_message": outcome.error_message,
                "end_time": stamp(end),
                "total_seconds": round((end - started).total_seconds(), 3) if started else None,
                "current_cell": None,
                "resources": outcome.resources,
            },
            [],
            force=True,
        )
        await self.progress.written(run, give_up=self.stopping)
        await retrying(
            end_notebook,
            self.store,
            self._runs.values(),
            run,
            outcome.status,
            outcome.dead_kernel,
            what="update the notebook",
            log=self.log,
            give_up=self.stopping,
        )
        self.log.info("mindzie: execution %s ended %s", run.execution_id, outcome.status)

    def _end_queued(self, run: Run) -> None:
        for cell_id in run.runner.cells:
            run.runner.set_cell(cell_id, "Skipped")
        self.changed(
            run.runner,
            {
                "status": "Cancelled",
                "phase": "Cancelled",
                "error_type": "Cancelled",
                "error_message": "cancelled before it started",
                "end_time": stamp(),
                "total_seconds": 0.0,
            },
            list(run.runner.cells),
            force=True,
        )
        end_notebook(self.store, self._runs.values(), run, "Cancelled", False)

    # -- progress, batched ---------------------------------------------------------------------

    def changed(self, runner: NotebookRunner, changes: dict[str, Any], cells: list[str], force: bool) -> None:
        """The runner's observer: its changes reach the store in batches."""
        run = self._runs.get(runner.spec.context["executionId"])
        if run is not None:
            self.progress.record(run, changes, cells, force)

    def _os_folder(self, api_folder: str) -> str:
        root = getattr(self.library.contents_manager, "root_dir", None) or "."
        return str(Path(root, api_folder))

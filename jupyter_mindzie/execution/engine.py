"""MindzieEngine: a fixed number of slots taking executions from the store's queue; each runs
with nbclient on a fresh kernel from the server's own kernel manager, and leaves typed results.

Queued executions are rows, shared by every server on the store: a slot that frees claims the
next (tenants take turns, then priority, then first come; execution/claims.py), whichever
server queued it. Each tenant, and the service as a whole, may only have so many waiting.

The notebook file is never written by a run: the executed copy is an artifact of the execution.
Progress is kept in memory by the runner and written to the store in small batches, so a run
of many short cells costs the store little.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from traitlets import Any as AnyTrait
from traitlets import Float, Instance, Int, Unicode, default
from traitlets.config import LoggingConfigurable

from jupyter_mindzie.access import Scope
from jupyter_mindzie.contract.enums import is_terminal
from jupyter_mindzie.errors import ExecutionFinished, MindzieError
from jupyter_mindzie.execution.claims import Claimer, Wakeup
from jupyter_mindzie.execution.endings import RunEndings
from jupyter_mindzie.execution.leases import MindzieLease
from jupyter_mindzie.execution.lifecycle import RunLifecycle, RunNews
from jupyter_mindzie.execution.news import ChangeNotifier
from jupyter_mindzie.execution.planning import RunLimits, check_parameters_size, plan_run
from jupyter_mindzie.execution.pool import MindzieKernelPool
from jupyter_mindzie.execution.progress import ProgressWriter, Run
from jupyter_mindzie.execution.queue import QueueRoom
from jupyter_mindzie.execution.records import ExecutionRecords
from jupyter_mindzie.execution.recovery import end_abandoned, orphans_to_mend, resubmission
from jupyter_mindzie.execution.retries import Retries
from jupyter_mindzie.execution.runner import NotebookRunner
from jupyter_mindzie.guids import new_guid
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.notebooks.library import MindzieNotebookLibrary
from jupyter_mindzie.storage.datasets import MindzieDatasetLibrary
from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.retry import backoff, is_transient
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
    queue_poll_seconds = Float(
        1.0,
        config=True,
        help="How often an idle slot looks for queued executions besides being woken (how "
        "servers sharing a SQLite file see each other's runs; PostgreSQL tells them at once).",
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
        self._workers: list[asyncio.Task[None]] = []
        self._runs: dict[str, Run] = {}
        self._stopping = False
        self.notifier = ChangeNotifier()
        self.lifecycle = RunLifecycle()  # server events, webhooks and metrics listen here
        self.wakeup = Wakeup()
        owner = self.lease.server_id if self.lease is not None else None
        self.identity = owner or f"local:{new_guid()[:8]}"  # whose claim a row is
        self.claimer = Claimer(self.store, self.identity, self.log)
        self.progress = ProgressWriter(self.store, self.notifier, self.flush_interval, owner, self.lifecycle)
        self.records = ExecutionRecords(self.store, self.artifacts_root)
        self.endings = RunEndings(
            self.store, self.datasets, self.records, self.progress, self.log, self.stopping
        )
        self.retries = Retries(self)  # the next attempt of a run that ended in a retried Error

    def stopping(self) -> bool:
        """The server is stopping: slots take no new work (a call, as it changes while a slot waits)."""
        return self._stopping

    # -- submit, cancel, read ----------------------------------------------------------------

    async def submit(self, scope: Scope, notebook_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Queue an execution of the notebook as it is now; answer the seed's 202 body."""
        check_parameters_size(request.get("parameters") or {}, self.max_parameters_bytes)
        room = QueueRoom(
            self.max_queued_per_project,
            self.max_queued_per_tenant,
            self.max_queued,
            retry_after=max(5, int(self.records.estimate_seconds(notebook_id) or 30)),
        )
        room.check(self.store, scope)
        execution_id = new_guid()
        runner, execution = await self._prepare(scope, notebook_id, request, execution_id)
        cells = [*runner.cells.values(), *runner.skipped.values()]
        room.queue(self.store, execution, [{**cell, "execution_id": execution_id} for cell in cells])
        self.store.update_notebook(notebook_id, {"status": "Running"})
        self.lifecycle.publish(
            RunNews(execution_id, "Running", "Queued", scope=scope, notebook_id=notebook_id)
        )
        self._ensure_workers()
        self.wakeup.wake()  # whichever slot of any server is free claims it; peers hear NOTIFY
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
            os_working_dir=str(Path(self._contents_root, row["path"]).parent),
            limits=RunLimits(self.startup_timeout, self.max_cell_output_bytes, self.max_output_bytes),
        )
        pool = self.pool if plan.language == "python" else None  # warm kernels take Python set-up code
        return NotebookRunner(plan.spec, self.kernel_manager, self, self.log, pool=pool), plan.execution

    # -- after a restart -----------------------------------------------------------------------

    async def recover(self) -> None:
        """Start the slots (or replace one that died), and mend what a stopped or killed server
        left: what it claimed but never started goes back in the queue; what it ran ends as
        Error, its orphaned kernel stopped and its notebook mended.

        With a lease, only executions of servers that are gone or let their lease expire are
        taken (each by one server); a live peer's runs and kernels are never touched.
        """
        self._ensure_workers()
        for execution, ending in orphans_to_mend(self.store, self.lease, set(self._runs)):
            if ending is None:
                if not self.retries.resume(execution):  # a retry waiting its delay waits on
                    self.claimer.release(execution["execution_id"])
                    self.log.info(
                        "mindzie: execution %s queued again after a restart", execution["execution_id"]
                    )
            else:
                error_type, message, status = ending
                end_abandoned(self.progress, execution, error_type, message, self.log, status=status)

    async def _adopt(self, row: dict[str, Any]) -> Run | None:
        """The run of an execution this server claimed, from the notebook version it was
        submitted with (it may have been queued on another server)."""
        scope, request = resubmission(row)
        execution_id, attempt = row["execution_id"], 0
        while True:
            try:
                runner, _ = await self._prepare(
                    scope, row["notebook_id"], request, execution_id, version=row.get("notebook_version")
                )
                break
            except MindzieError as error:
                message = f"could not be started: {error.detail}"
                await self.endings.unstartable(row, message, self.claimer.release)
                return None
            except Exception as error:  # the store away: the claim is ours, so try again
                if not is_transient(error):  # it would fail the same on every server, every time
                    self.log.exception("mindzie: execution %s could not be prepared", execution_id)
                    await self.endings.unstartable(
                        row, f"could not be started: {error}", self.claimer.release
                    )
                    return None
                if self.stopping():
                    self.claimer.release(execution_id)
                    raise
                attempt += 1
                await asyncio.sleep(backoff(attempt))
            except asyncio.CancelledError:  # the server stops: a peer (or this one, later) runs it
                self.claimer.release(execution_id)
                raise
        run = Run(execution_id, row["notebook_id"], scope, runner, row.get("priority_rank") or 1, 0)
        self._runs[execution_id] = run
        if row.get("cancel_requested"):  # asked before a server that let it go claimed it
            self._cancel_run(run)  # (asked while this one prepares it: the lease's poll tells)
            return None
        return run

    async def requeue(self, execution: dict[str, Any]) -> None:
        """Put an execution this server holds (a retry whose delay is over) back in the queue."""
        self.claimer.release(execution["execution_id"])
        self.wakeup.wake()

    async def cancel(self, scope: Scope, notebook_id: str, execution_id: str) -> dict[str, Any]:
        """Stop a queued or running execution: interrupt, then shut its kernel down."""
        execution = self.records.get(scope, notebook_id, execution_id)
        run = self._runs.get(execution_id)
        if self.retries.cancel(execution):  # it waited to be tried again
            return self.records.get(scope, notebook_id, execution_id)
        if run is None and not is_terminal(execution["status"]):
            if self.store.take_waiting(execution_id, self.identity):  # still queued: it never starts
                self._end_waiting(execution)
                return self.records.get(scope, notebook_id, execution_id)
            if self.store.request_cancel(execution_id):
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
        if run.task is None:  # claimed, not started: it ends here
            self._runs.pop(run.execution_id, None)
            if (row := self.store.get_execution(run.execution_id)) is not None:
                self._end_waiting(row)

    def _end_waiting(self, execution: dict[str, Any]) -> None:
        message = "cancelled before it started"
        end_abandoned(self.progress, execution, "Cancelled", message, self.log, status="Cancelled")

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

    def queue_position(self, execution_id: str, execution: dict[str, Any] | None = None) -> int | None:
        """1 for the tenant's next to start, among its own waiting runs only, on every server;
        None when not waiting (known without a query when the caller has the row)."""
        if execution is not None and (execution["phase"] != "Queued" or execution.get("owner")):
            return None
        return self.store.queue_position(execution_id)

    # -- slots ---------------------------------------------------------------------------------

    def _ensure_workers(self) -> None:
        self._workers = [task for task in self._workers if not task.done()]
        while len(self._workers) < self.slots:
            self._workers.append(asyncio.create_task(self._work(), name="mindzie-engine-slot"))

    async def _work(self) -> None:
        while not self.stopping():
            ticket = self.wakeup.ticket()
            row = self.claimer.next()
            try:
                run = await self._adopt(row) if row is not None else None
            except Exception:  # a slot never dies: a peer's recovery or this one's mends the run
                self.log.exception("mindzie: a queued execution could not be started")
                continue
            if run is None:
                if row is None:
                    await self.wakeup.wait(ticket, self.queue_poll_seconds)
                continue
            self.wakeup.wake()  # another idle slot may find more waiting
            execution_id = run.execution_id
            run.task = asyncio.create_task(self._execute(run), name=f"mindzie-execution-{execution_id}")
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
            if await self.endings.still_ours(run):
                if not await self.retries.after(run, outcome):  # else its next attempt is queued
                    await self.endings.record(run, outcome)
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

    # -- progress, batched ---------------------------------------------------------------------

    def changed(self, runner: NotebookRunner, changes: dict[str, Any], cells: list[str], force: bool) -> None:
        """The runner's observer: its changes reach the store in batches."""
        run = self._runs.get(runner.spec.context["executionId"])
        if run is not None:
            self.progress.record(run, changes, cells, force)

    @property
    def _contents_root(self) -> str:
        return getattr(self.library.contents_manager, "root_dir", None) or "."

"""Engine: a priority queue feeding a fixed number of slots; each execution runs with nbclient
on a fresh kernel from the server's own kernel manager, and leaves typed results behind.

The notebook file is never written by a run: the executed copy is an artifact of the execution.
Progress is kept in memory and written to the store in small batches, so a run of many short
cells costs the store little.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from traitlets import Any as AnyTrait
from traitlets import Float, Instance, Int, Unicode, default
from traitlets.config import LoggingConfigurable

from . import humanize
from .access import Scope
from .clock import from_stamp, stamp, utcnow
from .datasets import DatasetLibrary
from .errors import Conflict, InvalidRequest, NotFound
from .guids import new_guid
from .library import NotebookLibrary
from .parameters import inject_parameters
from .resources import ResourceSampler, disk_usage
from .results import cell_summary, extract_results
from .store import Store

PRIORITY_RANK = {"High": 0, "Normal": 1, "Low": 2}
TERMINAL = ("Completed", "Error", "Cancelled")
INJECTED_TAG = "injected-parameters"


class ExecutionNotFound(NotFound):
    problem_type = "execution-not-found"


class ExecutionFinished(Conflict):
    problem_type = "execution-finished"


class KernelUnavailable(Conflict):
    problem_type = "kernel-unavailable"


@dataclass
class Run:
    """The live state of one execution, from submission to its terminal state."""

    execution_id: str
    notebook_id: str
    scope: Scope
    nb: NotebookNode
    kernel_name: str
    run_cell_ids: list[str]
    options: dict[str, Any]
    folder: str
    cells: dict[str, dict[str, Any]]
    rank: int
    seq: int
    changes: dict[str, Any] = field(default_factory=dict)
    dirty_cells: set[str] = field(default_factory=set)
    last_flush: float = 0.0
    flush_handle: asyncio.TimerHandle | None = None
    cancel_requested: bool = False
    timed_out: bool = False
    task: asyncio.Task[None] | None = None
    kernel_id: str | None = None


class Engine(LoggingConfigurable):
    """Queues executions by priority and runs them on the server's kernels."""

    slots = Int(2, config=True, help="How many executions run at once.")
    startup_timeout = Float(60.0, config=True, help="Seconds a kernel may take to start.")
    flush_interval = Float(
        0.5, config=True, help="Seconds between batched progress writes of a running execution."
    )
    artifacts_root = Unicode(
        config=True,
        help="Folder of each execution's artifacts. Default: executions/ beside the store.",
    )

    store = Instance(Store)
    library = Instance(NotebookLibrary)
    datasets = Instance(DatasetLibrary)
    kernel_manager = AnyTrait(help="The server's kernel manager.")

    @default("artifacts_root")
    def _default_artifacts_root(self) -> str:
        return str(Path(self.store.db_path).parent / "executions")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._queue: asyncio.PriorityQueue[tuple[int, int, str]] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._runs: dict[str, Run] = {}
        self._seq = itertools.count()
        self._stopping = False

    # -- submit, cancel, read ----------------------------------------------------------------

    async def submit(self, scope: Scope, notebook_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Queue an execution of the notebook as it is now; answer the seed's 202 body."""
        row, nb = await self.library.get(scope, notebook_id)
        kernel_name = row["kernel_type"]
        language = await self.library.kernels.language(kernel_name)
        if language is None:
            raise KernelUnavailable(
                f"the notebook's kernel {kernel_name!r} is not available on this server"
            )
        run_cell_ids, skipped = _cells_to_run(nb, request)
        parameters = dict(request.get("parameters") or {})
        binding = row["integration"].get("datasetBinding")
        if binding and "dataset_id" not in parameters:
            parameters["dataset_id"] = binding
        prepared = inject_parameters(nb, parameters, kernel_name=kernel_name, language=language)
        options = {
            "executionMode": request.get("executionMode", "all"),
            "cellRange": request.get("cellRange"),
            "outputOptions": {
                "captureOutputs": True,
                "saveIntermediateResults": False,
                "generateReport": False,
                **(request.get("outputOptions") or {}),
            },
            "timeout": request.get("timeout", 1800),
            "stopOnError": request.get("stopOnError", False),
        }
        priority = request.get("priority", "Normal")
        execution_id = new_guid()
        now = stamp()
        cells = {
            cell_id: _cell_row(execution_id, cell_id, position, "Pending")
            for position, cell_id in enumerate(run_cell_ids)
        }
        skipped_rows = [
            _cell_row(execution_id, cell_id, len(run_cell_ids) + n, "Skipped")
            for n, cell_id in enumerate(skipped)
        ]
        execution = {
            "execution_id": execution_id,
            "notebook_id": notebook_id,
            "tenant_id": scope.tenant_id,
            "project_id": scope.project_id,
            "status": "Running",
            "phase": "Queued",
            "priority": priority,
            "priority_rank": PRIORITY_RANK[priority],
            "parameters": parameters,
            "options": options,
            "cell_ids": run_cell_ids,
            "notebook_version": row["version"],
            "source": "api",
            "created_by": scope.username,
            "date_queued": now,
            "start_time": now,
            "total_cells": len(run_cell_ids),
            "completed_cells": 0,
            "successful_cells": 0,
            "failed_cells": 0,
        }
        self.store.insert_execution(execution, [*cells.values(), *skipped_rows])
        self.store.update_notebook(notebook_id, {"status": "Running"})
        run = Run(
            execution_id=execution_id,
            notebook_id=notebook_id,
            scope=scope,
            nb=prepared,
            kernel_name=kernel_name,
            run_cell_ids=run_cell_ids,
            options=options,
            folder=str(Path(row["path"]).parent),
            cells=cells,
            rank=PRIORITY_RANK[priority],
            seq=next(self._seq),
        )
        self._runs[execution_id] = run
        self._ensure_workers()
        assert self._queue is not None
        self._queue.put_nowait((run.rank, run.seq, execution_id))
        return {**execution, "estimated_duration": self.estimate(notebook_id)}

    async def cancel(self, scope: Scope, notebook_id: str, execution_id: str) -> dict[str, Any]:
        """Stop a queued or running execution: interrupt, then shut its kernel down."""
        execution = self.get(scope, notebook_id, execution_id)
        run = self._runs.get(execution_id)
        if execution["status"] in TERMINAL or run is None:
            raise ExecutionFinished(
                f"execution {execution_id} has already ended ({execution['status']})"
            )
        if run.cancel_requested:  # a second cancel must not cut the first one's clean-up short
            return execution
        run.cancel_requested = True
        if run.task is not None:
            run.task.cancel()
        else:  # still queued: it ends here, and the worker skips it
            self._runs.pop(execution_id, None)
            await self._finish_queued(run)
        return self.get(scope, notebook_id, execution_id)

    def get(self, scope: Scope, notebook_id: str, execution_id: str) -> dict[str, Any]:
        execution = self.store.find_execution(scope.tenant_id, scope.project_id, notebook_id, execution_id)
        if execution is None:
            raise ExecutionNotFound(
                f"execution {execution_id} of notebook {notebook_id} was not found, or you have no access to it"
            )
        return execution

    def queue_position(self, execution_id: str) -> int | None:
        """1 for the next to start; None when not waiting."""
        run = self._runs.get(execution_id)
        if run is None or run.task is not None:
            return None
        waiting = [r for r in self._runs.values() if r.task is None and not r.cancel_requested]
        return 1 + sum(1 for r in waiting if (r.rank, r.seq) < (run.rank, run.seq))

    def estimate(self, notebook_id: str) -> str:
        """From this notebook's recent completed runs; "unknown" before the first."""
        durations = sorted(self.store.recent_durations(notebook_id))
        if not durations:
            return "unknown"
        low = durations[len(durations) // 4]
        high = durations[(3 * len(durations)) // 4]
        return humanize.duration_range(low, high)

    def artifacts_dir(self, execution_id: str) -> Path:
        return Path(self.artifacts_root) / execution_id

    async def remove_artifacts(self, execution_ids: list[str]) -> None:
        folders = [self.artifacts_dir(execution_id) for execution_id in execution_ids]
        await asyncio.to_thread(lambda: [shutil.rmtree(f, ignore_errors=True) for f in folders])

    # -- workers -------------------------------------------------------------------------------

    def _ensure_workers(self) -> None:
        if self._queue is None:
            self._queue = asyncio.PriorityQueue()
        self._workers = [task for task in self._workers if not task.done()]
        while len(self._workers) < self.slots:
            self._workers.append(asyncio.create_task(self._work(), name="mindzie-engine-slot"))

    async def _work(self) -> None:
        assert self._queue is not None
        while not self._stopping:
            _, _, execution_id = await self._queue.get()
            run = self._runs.get(execution_id)
            if run is None or run.cancel_requested:
                continue
            run.task = asyncio.create_task(self._execute(run), name=f"mindzie-execution-{execution_id}")
            try:
                await asyncio.shield(run.task)
            except asyncio.CancelledError:
                if self._stopping:
                    run.task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await run.task
                    raise
            finally:
                self._runs.pop(execution_id, None)

    async def stop(self) -> None:
        """Cancel what runs (their kernels are shut down) and stop the slots."""
        self._stopping = True
        running = [run.task for run in self._runs.values() if run.task is not None]
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    # -- one execution -------------------------------------------------------------------------

    async def _execute(self, run: Run) -> None:
        outcome: dict[str, Any] = {"status": "Completed"}
        dead_kernel = False
        sampler = ResourceSampler(None)
        client: NotebookClient | None = None
        folder = self.artifacts_dir(run.execution_id)
        timer = asyncio.get_running_loop().call_later(run.options["timeout"], self._expire, run)
        try:
            self._update(run, {"phase": "Starting"}, force=True)
            await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
            km = await self._start_kernel(run, folder)
            sampler = ResourceSampler(_kernel_pid(km))
            sampler.start()
            client = await self._connect(run, km)
            self._update(run, {"phase": "Executing"}, force=True)
            outcome = await self._run_cells(run, client)
        except (asyncio.CancelledError, DeadKernelError) as error:
            # nbclient reports any cancellation of a cell as DeadKernelError: our flags tell
            # a timeout, a cancel and a server stop from a kernel that really died.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                task.uncancel()
            outcome, dead_kernel = self._interruption(run, error)
        except KernelStartFailed as error:
            outcome = {"status": "Error", "error_type": "KernelStartError", "error_message": str(error)}
        except Exception as error:  # an engine bug must still end the run, never leave it Running
            self.log.exception("mindzie: execution %s failed", run.execution_id)
            outcome = {"status": "Error", "error_type": type(error).__name__, "error_message": str(error)}
        finally:
            timer.cancel()
            await self._finish(run, client, sampler, outcome, dead_kernel)

    def _expire(self, run: Run) -> None:
        run.timed_out = True
        if run.task is not None:
            run.task.cancel()

    def _interruption(self, run: Run, error: BaseException) -> tuple[dict[str, Any], bool]:
        """The outcome of a run cut short, and whether its kernel died."""
        if run.timed_out:
            error_type = "TimeoutError"
            message = f"the execution did not finish within {humanize.duration(run.options['timeout'])}"
        elif run.cancel_requested:
            self._fail_running_cell(run, "Cancelled", "the execution was cancelled")
            return {"status": "Cancelled", "error_type": "Cancelled", "error_message": "cancelled on request"}, False
        elif self._stopping or isinstance(error, asyncio.CancelledError):
            error_type, message = "ServerStopped", "the server stopped during the run"
        else:
            self._fail_running_cell(run, "DeadKernelError", "the kernel died while running this cell")
            return {"status": "Error", "error_type": "DeadKernelError", "error_message": "the kernel died during the run"}, True
        self._fail_running_cell(run, error_type, message)
        return {"status": "Error", "error_type": error_type, "error_message": message}, False

    async def _start_kernel(self, run: Run, folder: Path) -> Any:
        context = {
            "executionId": run.execution_id,
            "notebookId": run.notebook_id,
            "tenantId": run.scope.tenant_id,
            "projectId": run.scope.project_id,
            "datasetId": (run.nb.metadata.get("mindzie", {}).get("integration") or {}).get("datasetBinding"),
            "datasetsDir": str(Path(self.datasets.datasets_dir).resolve()),
            "artifactsDir": str(folder.resolve()),
        }
        encoded = json.dumps(context)
        env = {**os.environ, "MINDZIE_CONTEXT": encoded, "KERNEL_MINDZIE_CONTEXT": encoded}
        try:
            kernel_id = await ensure_async(
                self.kernel_manager.start_kernel(kernel_name=run.kernel_name, path=run.folder, env=env)
            )
        except Exception as error:
            raise KernelStartFailed(f"kernel {run.kernel_name!r} failed to start: {error}") from error
        run.kernel_id = kernel_id
        self._update(run, {"kernel_id": kernel_id})
        km = self.kernel_manager.get_kernel(kernel_id)
        # A run must see its kernel die, not a silently restarted one with none of its state.
        km.autorestart = False
        with contextlib.suppress(Exception):
            km.stop_restarter()
        return km

    async def _connect(self, run: Run, km: Any) -> NotebookClient:
        os_folder = self._os_folder(run.folder)
        client = NotebookClient(
            run.nb,
            km=km,
            timeout=None,
            allow_errors=True,
            record_timing=True,
            kernel_name=run.kernel_name,
            resources={"metadata": {"path": os_folder}},
        )
        # Set the client after construction: NotebookClient drops a kc given to its constructor.
        kc = km.client()
        client.kc = kc
        await ensure_async(kc.start_channels())
        try:
            await ensure_async(kc.wait_for_ready(timeout=self.startup_timeout))
        except RuntimeError as error:
            raise KernelStartFailed(f"kernel {run.kernel_name!r} did not become ready: {error}") from error
        kc.allow_stdin = False
        client.reset_execution_trackers()
        info = await client.async_wait_for_reply(await ensure_async(kc.kernel_info()))
        if info is not None and "language_info" in info["content"]:
            run.nb.metadata["language_info"] = info["content"]["language_info"]
        return client

    async def _run_cells(self, run: Run, client: NotebookClient) -> dict[str, Any]:
        wanted = set(run.run_cell_ids)
        stop_on_error = run.options["stopOnError"]
        save_intermediate = run.options["outputOptions"]["saveIntermediateResults"]
        last_save = 0.0
        for index, cell in enumerate(run.nb.cells):
            injected = INJECTED_TAG in cell.get("metadata", {}).get("tags", [])
            if cell.cell_type != "code" or (cell.get("id") not in wanted and not injected):
                continue
            if injected:
                await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
                if any(o.get("output_type") == "error" for o in cell.outputs):
                    return {"status": "Error", "error_type": "ParameterError", "error_message": "the injected parameters failed to run"}
                continue
            position = run.run_cell_ids.index(cell.id)
            self._set_cell(run, cell.id, {"status": "Running"})
            self._update(run, {"current_cell": cell.id, "current_cell_index": position + 1})
            started = time.monotonic()
            await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            summary = cell_summary(cell)
            self._set_cell(
                run,
                cell.id,
                {
                    "status": summary["status"],
                    "execution_seconds": round(time.monotonic() - started, 3),
                    "has_output": int(summary["hasOutput"]),
                    "output_type": summary["outputType"],
                    "error_type": summary["errorType"],
                    "error_message": summary["errorMessage"],
                },
            )
            failed = summary["status"] == "Error"
            counts = self._counts(run)
            self._update(run, counts)
            if save_intermediate and time.monotonic() - last_save >= self.flush_interval:
                last_save = time.monotonic()
                await asyncio.to_thread(_write_notebook, run.nb, self.artifacts_dir(run.execution_id) / "executed.ipynb")
            if failed and stop_on_error:
                return {
                    "status": "Error",
                    "error_type": summary["errorType"],
                    "error_message": f"cell {cell.id} failed and stopOnError is set: {summary['errorMessage']}",
                }
        return {"status": "Completed"}

    async def _finish(
        self,
        run: Run,
        client: NotebookClient | None,
        sampler: ResourceSampler,
        outcome: dict[str, Any],
        dead_kernel: bool,
    ) -> None:
        """Stop the kernel, keep the executed notebook and results, end the run for good."""
        self._update(run, {"phase": "Finishing"}, force=True)
        await sampler.stop()
        if client is not None and client.kc is not None:
            with contextlib.suppress(Exception):
                await ensure_async(client.kc.stop_channels())
        await self._shutdown_kernel(run, interrupt=outcome["status"] != "Completed" and not dead_kernel)
        for cell_id, cell in run.cells.items():
            if cell["status"] in ("Pending", "Running"):
                self._set_cell(run, cell_id, {"status": "Skipped"})
        folder = self.artifacts_dir(run.execution_id)
        try:
            artifacts = await asyncio.to_thread(self._collect, run, folder)
            self.store.insert_artifacts(artifacts)
        except Exception:
            self.log.exception("mindzie: results of execution %s could not be saved", run.execution_id)
        disk = await asyncio.to_thread(disk_usage, folder) if folder.exists() else None
        end = utcnow()
        started = from_stamp(self.store.get_execution(run.execution_id)["start_time"])
        changes = {
            **self._counts(run),
            "status": outcome["status"],
            "phase": outcome["status"],
            "error_type": outcome.get("error_type"),
            "error_message": outcome.get("error_message"),
            "end_time": stamp(end),
            "total_seconds": round((end - started).total_seconds(), 3) if started else None,
            "current_cell": None,
            "resources": {
                "peakMemoryBytes": sampler.peak_rss,
                "cpuTimeSeconds": sampler.cpu_seconds,
                "diskUsageBytes": disk,
            },
        }
        self._update(run, changes, force=True)
        self._end_notebook(run, outcome["status"], dead_kernel)
        self.log.info("mindzie: execution %s ended %s", run.execution_id, outcome["status"])

    def _collect(self, run: Run, folder: Path) -> list[dict[str, Any]]:
        """Blocking work of the end of a run: executed notebook, typed results, report."""
        folder.mkdir(parents=True, exist_ok=True)
        executed = folder / "executed.ipynb"
        _write_notebook(run.nb, executed)
        options = run.options["outputOptions"]
        rows = extract_results(run.nb, set(run.run_cell_ids), folder)
        if not options["captureOutputs"]:
            rows = [row for row in rows if row["kind"] != "output"]
        rows.append(_artifact("executed.ipynb", "notebook", "application/x-ipynb+json", executed, 10**6, {}))
        if options["generateReport"]:
            from .reports import render_html_report

            report = folder / "report.html"
            title = run.nb.metadata.get("mindzie", {}).get("notebookName") or "Notebook report"
            render_html_report(run.nb, report, title)
            rows.append(_artifact("report.html", "report", "text/html", report, 10**6 + 1, {"format": "html", "title": title}))
        return [{**row, "execution_id": run.execution_id} for row in rows]

    async def _shutdown_kernel(self, run: Run, interrupt: bool) -> None:
        if run.kernel_id is None or run.kernel_id not in self.kernel_manager:
            return
        try:
            if interrupt:
                with contextlib.suppress(Exception):
                    await ensure_async(self.kernel_manager.interrupt_kernel(run.kernel_id))
            await ensure_async(self.kernel_manager.shutdown_kernel(run.kernel_id, now=interrupt))
        except Exception:
            self.log.warning("mindzie: kernel %s of execution %s did not shut down cleanly", run.kernel_id, run.execution_id, exc_info=True)

    async def _finish_queued(self, run: Run) -> None:
        for cell_id in run.cells:
            self._set_cell(run, cell_id, {"status": "Skipped"})
        now = stamp()
        self._update(
            run,
            {"status": "Cancelled", "phase": "Cancelled", "error_type": "Cancelled", "error_message": "cancelled before it started", "end_time": now, "total_seconds": 0.0},
            force=True,
        )
        self._end_notebook(run, "Cancelled", False)

    def _end_notebook(self, run: Run, status: str, dead_kernel: bool) -> None:
        """The notebook's status follows its last run, once none of its runs is left."""
        others = [r for r in self._runs.values() if r.notebook_id == run.notebook_id and r.execution_id != run.execution_id and not r.cancel_requested]
        row = self.store.get_notebook(run.scope.tenant_id, run.scope.project_id, run.notebook_id)
        if row is None:
            return
        changes: dict[str, Any] = {}
        if status != "Cancelled" or row.get("last_execution_date") is None:
            changes["last_execution_date"] = stamp()
        if status != "Cancelled":
            changes["execution_count"] = (row.get("execution_count") or 0) + 1
            version = run.nb.metadata.get("language_info", {}).get("version")
            if version and run.nb.metadata.get("language_info", {}).get("name") == "python":
                changes["python_version"] = version
        if not others:
            changes["status"] = "Kernel_Dead" if dead_kernel else ("Error" if status == "Error" else "Ready")
        self.store.update_notebook(run.notebook_id, changes)

    # -- progress bookkeeping ------------------------------------------------------------------

    def _set_cell(self, run: Run, cell_id: str, changes: dict[str, Any]) -> None:
        run.cells[cell_id].update(changes)
        run.dirty_cells.add(cell_id)

    def _fail_running_cell(self, run: Run, error_type: str, message: str) -> None:
        for cell_id, cell in run.cells.items():
            if cell["status"] == "Running":
                self._set_cell(run, cell_id, {"status": "Error", "error_type": error_type, "error_message": message})

    @staticmethod
    def _counts(run: Run) -> dict[str, int]:
        statuses = [cell["status"] for cell in run.cells.values()]
        return {
            "completed_cells": sum(s in ("Success", "Error") for s in statuses),
            "successful_cells": statuses.count("Success"),
            "failed_cells": statuses.count("Error"),
        }

    def _update(self, run: Run, changes: dict[str, Any], force: bool = False) -> None:
        """Batch progress: write now when forced or when the last write is old enough."""
        run.changes.update(changes)
        due = time.monotonic() - run.last_flush >= self.flush_interval
        if force or due:
            self._flush(run)
        elif run.flush_handle is None:
            delay = self.flush_interval - (time.monotonic() - run.last_flush)
            run.flush_handle = asyncio.get_running_loop().call_later(delay, self._flush, run)

    def _flush(self, run: Run) -> None:
        if run.flush_handle is not None:
            run.flush_handle.cancel()
            run.flush_handle = None
        cells = [run.cells[cell_id] for cell_id in run.dirty_cells]
        self.store.save_progress(run.execution_id, run.changes, cells)
        run.changes, run.dirty_cells = {}, set()
        run.last_flush = time.monotonic()

    def _os_folder(self, api_folder: str) -> str:
        root = getattr(self.library.contents_manager, "root_dir", None) or "."
        return str(Path(root, api_folder))


class KernelStartFailed(RuntimeError):
    """The kernel could not be started or never became ready."""


def _cells_to_run(nb: NotebookNode, request: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Code cell ids in the run, and those skipped, per `executionMode` and `cellRange`."""
    ids = [cell.get("id") for cell in nb.cells]
    cell_range = request.get("cellRange")
    if request.get("executionMode") == "range" and not cell_range:
        raise InvalidRequest.for_field("cellRange", "is required when executionMode is 'range'")
    start, end = 0, len(ids) - 1
    if cell_range:
        for key in ("startCell", "endCell"):
            if cell_range[key] not in ids:
                raise InvalidRequest.for_field(f"cellRange.{key}", f"{cell_range[key]!r} is not a cell of this notebook")
        start, end = ids.index(cell_range["startCell"]), ids.index(cell_range["endCell"])
        if end < start:
            raise InvalidRequest.for_field("cellRange.endCell", "comes before startCell")
    code = [(i, cell.get("id")) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    run = [cell_id for i, cell_id in code if start <= i <= end]
    skipped = [cell_id for i, cell_id in code if not start <= i <= end]
    return run, skipped


def _cell_row(execution_id: str, cell_id: str, position: int, status: str) -> dict[str, Any]:
    return {
        "execution_id": execution_id,
        "cell_id": cell_id,
        "position": position,
        "status": status,
        "execution_seconds": None,
        "has_output": 0,
        "output_type": None,
        "error_type": None,
        "error_message": None,
    }


def _kernel_pid(km: Any) -> int | None:
    """The local kernel's process id; None for a remote (gateway) kernel."""
    provisioner = getattr(km, "provisioner", None)
    pid = getattr(provisioner, "pid", None)
    return pid if isinstance(pid, int) else None


def _write_notebook(nb: NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    nbformat.write(nb, str(temporary))
    temporary.replace(path)


def _artifact(name: str, kind: str, content_type: str, path: Path, position: int, meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "content_type": content_type,
        "size": path.stat().st_size,
        "cell_id": None,
        "position": position,
        "meta": meta,
    }

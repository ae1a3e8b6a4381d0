"""NotebookRunner: one run of a prepared notebook on a fresh kernel, from start to a terminal state.

Shared by the server's engine (kernels from the server's kernel manager) and `jupyter mindzie
run` (a kernel manager of its own), so both inject, execute and type results the same way.
The runner owns the run's state; an observer hears about every change (the engine batches
them into the store, the command draws a progress bar).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from jupyter_mindzie import humanize
from jupyter_mindzie.execution.cell_rules import clear_outputs, may_fail
from jupyter_mindzie.execution.early_outputs import EarlyOutputs
from jupyter_mindzie.execution.kernel_client import (
    BoundedNotebookClient,
    KernelStartFailed,
    connect_run_client,
    kernel_pid,
)
from jupyter_mindzie.execution.kernel_start import start_kernel
from jupyter_mindzie.execution.resources import ResourceSampler, disk_usage, stop_what_kernel_left
from jupyter_mindzie.notebooks.parameters import INJECTED_TAG
from jupyter_mindzie.results.collection import collect_artifacts, write_notebook
from jupyter_mindzie.results.extraction import MAX_OUTPUT_BYTES, cell_summary
from jupyter_mindzie.results.output_files import OutputFiles

if TYPE_CHECKING:
    from jupyter_mindzie.execution.kernel_client import WarmKernel

PENDING, RUNNING, SKIPPED = "Pending", "Running", "Skipped"


class RunObserver(Protocol):
    def changed(self, runner: NotebookRunner, changes: dict[str, Any], cells: list[str], force: bool) -> None:
        """`changes` to the execution's fields and the ids of cells whose result changed."""


@dataclass
class RunSpec:
    """What to run and how: everything a runner needs, nothing about where it is stored."""

    nb: NotebookNode
    kernel_name: str
    run_cell_ids: list[str]
    skipped_cell_ids: list[str]
    working_dir: str  # the kernel manager's path for the kernel's cwd
    kernel_arguments: list[str]  # extra command-line arguments of a fresh kernel (kernels.run_arguments)
    os_working_dir: str
    artifacts_dir: Path
    context: dict[str, Any]
    timeout: float = 1800
    stop_on_error: bool = False
    capture_outputs: bool = True
    save_intermediate: bool = False
    generate_report: bool = False
    report_hide_code: bool = False
    startup_timeout: float = 60
    report_title: str = "Notebook report"
    max_cell_output_bytes: int = 10 * 2**20
    max_output_bytes: int = 100 * 2**20


@dataclass
class Outcome:
    status: str = "Completed"
    error_type: str | None = None
    error_message: str | None = None
    dead_kernel: bool = False
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    resources: dict[str, Any] = field(default_factory=dict)


class NotebookRunner:
    """Runs one `RunSpec` on a kernel of `kernel_manager`; ends in exactly one terminal state."""

    def __init__(
        self, spec: RunSpec, kernel_manager: Any, observer: RunObserver, log: Any, pool: Any = None
    ) -> None:
        self.spec = spec
        self.kernel_manager = kernel_manager
        self.pool = pool  # a MindzieKernelPool of warm Python kernels, or None
        self.observer = observer
        self.log = log
        self.cells: dict[str, dict[str, Any]] = {
            cell_id: _cell_state(cell_id, n, PENDING) for n, cell_id in enumerate(spec.run_cell_ids)
        }
        offset = len(spec.run_cell_ids)
        self.skipped: dict[str, dict[str, Any]] = {
            cell_id: _cell_state(cell_id, offset + n, SKIPPED)
            for n, cell_id in enumerate(spec.skipped_cell_ids)
        }
        self._tally = Counter(cell["status"] for cell in self.cells.values())
        self.kernel_id: str | None = None
        self.kernel_pid: int | None = None
        self.sampler = ResourceSampler(None)
        self.warm: WarmKernel | None = None
        self.cancel_requested = False
        self.timed_out = False
        self.stopping = False
        self._interrupted = False
        self._release_interrupt = False
        self.task: asyncio.Task[Outcome] | None = None
        self.output_files = OutputFiles(spec.artifacts_dir)
        self.early_outputs = (
            EarlyOutputs(self.output_files, MAX_OUTPUT_BYTES) if spec.capture_outputs else None
        )

    # -- control ------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Interrupt, then shut the kernel down; a second call changes nothing."""
        if self.cancel_requested:
            return
        self.cancel_requested = True
        self._interrupt()

    def stop(self) -> None:
        """The server is stopping: end the run as an error, its kernel shut down."""
        self.stopping = True
        self._interrupt()

    def _interrupt(self) -> None:
        """Cancel the run's task once: a second cancel would cut its clean-up short."""
        if self.task is not None and not self._interrupted:
            self._interrupted = True
            self.task.cancel()

    def counts(self) -> dict[str, int]:
        """Progress counters, kept as cells change: a 10,000-cell run asks after every cell."""
        return {
            "completed_cells": self._tally["Success"] + self._tally["Error"],
            "successful_cells": self._tally["Success"],
            "failed_cells": self._tally["Error"],
        }

    def set_cell(self, cell_id: str, status: str, **fields: Any) -> None:
        """Change a cell of the run (status and result fields), keeping the counters true."""
        cell = self.cells[cell_id]
        self._tally[cell["status"]] -= 1
        self._tally[status] += 1
        cell.update(status=status, **fields)

    # -- the run ------------------------------------------------------------------------------

    async def run(self) -> Outcome:
        """Start to finish; call it as the body of `self.task` so cancel and timeout reach it."""
        self.task = asyncio.current_task()
        if self.cancel_requested or self.stopping:  # asked before this task first ran
            self._interrupt()  # it is cut short at its first await, inside the handling below
        spec = self.spec
        outcome = Outcome()
        sampler = ResourceSampler(None)
        client: NotebookClient | None = None
        timer = asyncio.get_running_loop().call_later(spec.timeout, self._expire)
        clear_outputs(spec.nb)
        try:
            self._tell({"phase": "Starting"}, force=True)
            await asyncio.to_thread(spec.artifacts_dir.mkdir, parents=True, exist_ok=True)
            km = await self._start_kernel()
            sampler = self.sampler = ResourceSampler(kernel_pid(km))
            sampler.start()
            client = await self._connect(km)
            self._tell({"phase": "Executing"}, force=True)
            outcome = await self._run_cells(client)
        except (asyncio.CancelledError, DeadKernelError) as error:
            # nbclient reports any cancellation of a cell as DeadKernelError: our flags tell
            # a timeout, a cancel and a stop from a kernel that really died.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                task.uncancel()
            outcome = self._interruption(error)
        except KernelStartFailed as error:
            outcome = Outcome("Error", "KernelStartError", str(error))
        except Exception as error:  # a bug must still end the run, never leave it running
            self.log.exception("mindzie: a run of %s failed", spec.kernel_name)
            outcome = Outcome("Error", type(error).__name__, str(error))
        finally:
            timer.cancel()
            await self._finish(client, sampler, outcome)
        return outcome

    def _expire(self) -> None:
        if not self._interrupted:
            self.timed_out = True
            self._interrupt()

    def _interruption(self, error: BaseException) -> Outcome:
        if self.timed_out:
            message = f"the execution did not finish within {humanize.duration(self.spec.timeout)}"
            self._fail_running_cell("TimeoutError", message)
            return Outcome("Error", "TimeoutError", message)
        if self.cancel_requested:
            self._fail_running_cell("Cancelled", "the execution was cancelled")
            return Outcome("Cancelled", "Cancelled", "cancelled on request")
        if self.stopping or isinstance(error, asyncio.CancelledError):
            self._fail_running_cell("ServerStopped", "the server stopped during the run")
            return Outcome("Error", "ServerStopped", "the server stopped during the run")
        self._fail_running_cell("DeadKernelError", "the kernel died while running this cell")
        return Outcome("Error", "DeadKernelError", "the kernel died during the run", dead_kernel=True)

    async def _start_kernel(self) -> Any:
        spec = self.spec
        self.warm = await self.pool.take(spec.kernel_name) if self.pool is not None else None
        kernel_id = self.warm.kernel_id if self.warm is not None else None
        if kernel_id is None:
            encoded = json.dumps(spec.context)
            # KERNEL_-prefixed variables are the ones a Jupyter gateway passes on to remote kernels.
            env = {**os.environ, "MINDZIE_CONTEXT": encoded, "KERNEL_MINDZIE_CONTEXT": encoded}
            try:  # the kernel is the run's the moment it exists, whatever cancels the run
                kernel_id = await start_kernel(
                    self.kernel_manager,
                    self._claim,
                    kernel_name=spec.kernel_name,
                    path=spec.working_dir,
                    env=env,
                    extra_arguments=spec.kernel_arguments,
                )
            except Exception as error:
                raise KernelStartFailed(f"kernel {spec.kernel_name!r} failed to start: {error}") from error
        self._claim(kernel_id)
        km = self.kernel_manager.get_kernel(kernel_id)
        self._tell({"kernel_id": kernel_id, "kernel_pid": self.kernel_pid}, force=True)
        # A run must see its kernel die, not a silently restarted one with none of its state.
        with contextlib.suppress(Exception):
            km.stop_restarter()  # before autorestart is off: it only stops a restarter when on
        km.autorestart = False
        return km

    def _claim(self, kernel_id: str) -> None:
        """The run owns its kernel from here: `release` shuts it down (and what its process left)."""
        self.kernel_id, self.kernel_pid = kernel_id, kernel_pid(self.kernel_manager.get_kernel(kernel_id))

    async def _connect(self, km: Any) -> NotebookClient:
        spec = self.spec
        client = BoundedNotebookClient(
            spec.nb,
            max_cell_output_bytes=spec.max_cell_output_bytes,
            max_output_bytes=spec.max_output_bytes,
            km=km,
            timeout=None,
            allow_errors=True,
            record_timing=True,
            kernel_name=spec.kernel_name,
            resources={"metadata": {"path": spec.os_working_dir}},
        )
        info = await connect_run_client(
            client, self.warm, spec.context, spec.os_working_dir, spec.kernel_name, spec.startup_timeout
        )
        if info is not None and "language_info" in info["content"]:
            spec.nb.metadata["language_info"] = info["content"]["language_info"]
        return client

    async def _run_cells(self, client: NotebookClient) -> Outcome:
        spec = self.spec
        last_save = 0.0
        for index, cell in enumerate(spec.nb.cells):
            if self._interrupted:  # Python 3.11's wait_for (nbclient's, the pool's) can swallow a cancel
                raise asyncio.CancelledError
            injected = INJECTED_TAG in cell.get("metadata", {}).get("tags", [])
            if cell.cell_type != "code" or (cell.get("id") not in self.cells and not injected):
                continue
            if injected:
                await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
                if any(o.get("output_type") == "error" for o in cell.outputs):
                    return Outcome("Error", "ParameterError", "the injected parameters failed to run")
                continue
            position = self.cells[cell.id]["position"]
            self.set_cell(cell.id, RUNNING)
            self._tell({"current_cell": cell.id, "current_cell_index": position + 1}, [cell.id])
            started = time.monotonic()
            await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            summary = cell_summary(cell, getattr(client, "replies", {}).get(index))
            self.set_cell(
                cell.id,
                summary["status"],
                execution_seconds=round(time.monotonic() - started, 3),
                has_output=int(summary["hasOutput"]),
                output_type=summary["outputType"],
                error_type=summary["errorType"],
                error_message=summary["errorMessage"],
            )
            self._tell(self.counts(), [cell.id])
            if self.early_outputs is not None:
                self.early_outputs.add(cell)
            if spec.save_intermediate and time.monotonic() - last_save >= 0.5:
                last_save = time.monotonic()
                await asyncio.to_thread(write_notebook, spec.nb, spec.artifacts_dir / "executed.ipynb")
            if summary["exit"] == "clean":  # sys.exit(0): the notebook stopped itself, as under papermill
                return Outcome()
            if summary["exit"] == "error":
                return Outcome(
                    "Error", "SystemExit", f"cell {cell.id} exited with code {summary['errorMessage']}"
                )
            if summary["status"] == "Error" and spec.stop_on_error and not may_fail(cell):
                return Outcome(
                    "Error",
                    summary["errorType"],
                    f"cell {cell.id} failed and stopOnError is set: {summary['errorMessage']}",
                )
        return Outcome()

    async def _finish(
        self, client: NotebookClient | None, sampler: ResourceSampler, outcome: Outcome
    ) -> None:
        """Keep the executed notebook and its results; stop the kernel now only if it was cut short.

        A run that ended by itself leaves its idle kernel to `release`, so its caller can
        publish the terminal state first: a graceful kernel shutdown takes up to a second
        and nothing a client reads depends on it.
        """
        self._tell({"phase": "Finishing"}, force=True)
        await sampler.stop()
        if isinstance(client, BoundedNotebookClient):
            try:
                client.keep_widget_state()
            except Exception:
                self.log.warning("mindzie: the widget state of a run could not be kept", exc_info=True)
        kc = client.kc if client is not None else (self.warm.client if self.warm is not None else None)
        if isinstance(client, BoundedNotebookClient):
            client.close_monitor()
        if kc is not None:
            with contextlib.suppress(Exception):
                await ensure_async(kc.stop_channels())
        self._release_interrupt = outcome.status != "Completed" and not outcome.dead_kernel
        if self._interrupted or outcome.dead_kernel:
            await self.release()
        else:
            self._interrupted = True  # from here on a cancel or stop must not cut the shutdown short
        leftover = [cell_id for cell_id, cell in self.cells.items() if cell["status"] in (PENDING, RUNNING)]
        for cell_id in leftover:
            self.set_cell(cell_id, SKIPPED)
        try:
            if self.early_outputs is not None:
                await self.early_outputs.settle()
            outcome.artifacts = await asyncio.to_thread(self._collect)
        except Exception:
            self.log.exception("mindzie: the results of a run could not be saved")
        folder = self.spec.artifacts_dir
        outcome.resources = {
            "peakMemoryBytes": sampler.peak_rss,
            "cpuTimeSeconds": sampler.cpu_seconds,
            "diskUsageBytes": await asyncio.to_thread(disk_usage, folder) if folder.exists() else None,
        }
        self._tell(self.counts(), leftover)

    def _collect(self) -> list[dict[str, Any]]:
        spec = self.spec
        return collect_artifacts(
            spec.nb,
            spec.run_cell_ids,
            spec.artifacts_dir,
            capture_outputs=spec.capture_outputs,
            generate_report=spec.generate_report,
            report_title=spec.report_title,
            report_hide_code=spec.report_hide_code,
            files=self.output_files,
        )

    async def release(self) -> None:
        """Shut the run's kernel down, and every process it left (once; a no-op when `run` already did)."""
        kernel_id, self.kernel_id = self.kernel_id, None
        if kernel_id is None:
            return
        interrupt = self._release_interrupt
        try:
            if kernel_id in self.kernel_manager:
                if interrupt:
                    with contextlib.suppress(Exception):
                        await ensure_async(self.kernel_manager.interrupt_kernel(kernel_id))
                await ensure_async(self.kernel_manager.shutdown_kernel(kernel_id, now=interrupt))
        except Exception:
            self.log.warning("mindzie: kernel %s did not shut down cleanly", kernel_id, exc_info=True)
        await stop_what_kernel_left(
            self.kernel_pid,
            (kernel_id, str(self.spec.context.get("executionId") or "")),
            self.sampler.seen,
            self.log,
        )

    def _fail_running_cell(self, error_type: str, message: str) -> None:
        for cell_id in [cell_id for cell_id, cell in self.cells.items() if cell["status"] == RUNNING]:
            self.set_cell(cell_id, "Error", error_type=error_type, error_message=message)
            self._tell({}, [cell_id])

    def _tell(self, changes: dict[str, Any], cells: list[str] | None = None, force: bool = False) -> None:
        self.observer.changed(self, changes, cells or [], force)


def _cell_state(cell_id: str, position: int, status: str) -> dict[str, Any]:
    return {
        "cell_id": cell_id,
        "position": position,
        "status": status,
        "execution_seconds": None,
        "has_output": 0,
        "output_type": None,
        "error_type": None,
        "error_message": None,
    }

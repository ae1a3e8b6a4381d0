"""Mending what a stopped or killed server left behind: runs that can no longer finish."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import psutil

from jupyter_mindzie.access import Scope
from jupyter_mindzie.clock import from_stamp, stamp, utcnow
from jupyter_mindzie.execution.leases import MindzieLease
from jupyter_mindzie.execution.lifecycle import RunNews
from jupyter_mindzie.execution.progress import ProgressWriter
from jupyter_mindzie.storage.interface import Store


def end_abandoned(
    writer: ProgressWriter,
    execution: dict[str, Any],
    error_type: str,
    message: str,
    log: logging.Logger | logging.LoggerAdapter[Any],
    *,
    status: str = "Error",
) -> None:
    """End an execution nobody drives any more (as Error, or Cancelled when it was asked to
    be before it started), its kernel stopped, its notebook mended."""
    stop_orphaned_kernel(execution.get("kernel_pid"), execution.get("kernel_id"))
    save_abandoned(writer.store, execution, error_type, message, status)
    announce_abandoned(writer, execution, status)
    mend_notebook(writer.store, execution, status)
    log.warning("mindzie: execution %s ended: %s", execution["execution_id"], message)


def save_abandoned(
    store: Store, execution: dict[str, Any], error_type: str, message: str, status: str
) -> None:
    """The terminal state of an abandoned execution, its unfinished cells ended with it (one
    write: it can be made again until the store takes it)."""
    execution_id = execution["execution_id"]
    cells = []
    for cell in store.cell_results(execution_id):
        if cell["status"] == "Running":
            cells.append({**cell, "status": "Error", "error_type": error_type, "error_message": message})
        elif cell["status"] == "Pending":
            cells.append({**cell, "status": "Skipped"})
    end = utcnow()
    started = from_stamp(execution.get("start_time"))
    store.save_progress(
        execution_id,
        {
            "status": status,
            "phase": status,
            "error_type": error_type,
            "error_message": message,
            "end_time": stamp(end),
            "total_seconds": round((end - started).total_seconds(), 3) if started else None,
            "current_cell": None,
        },
        cells,
    )


def announce_abandoned(writer: ProgressWriter, execution: dict[str, Any], status: str) -> None:
    """Tell waiting requests and the run's listeners (events, webhooks, metrics) that it ended."""
    execution_id = execution["execution_id"]
    writer.notifier.announce(execution_id)
    scope = Scope(execution["tenant_id"], execution["project_id"], execution.get("created_by") or "")
    news = RunNews(execution_id, status, status, scope=scope, notebook_id=execution["notebook_id"])
    writer.lifecycle.publish(news)


def mend_notebook(store: Store, execution: dict[str, Any], status: str) -> None:
    """The notebook's status after an abandoned run, once none of its runs is left."""
    if not store.notebook_busy(execution["notebook_id"], besides=execution["execution_id"]):
        store.update_notebook(execution["notebook_id"], {"status": "Error" if status == "Error" else "Ready"})


def stop_orphaned_kernel(pid: int | None, kernel_id: str | None) -> None:
    """Kill the kernel a killed server left running, if that process is still that kernel."""
    if not pid or not kernel_id:
        return
    try:
        process = psutil.Process(pid)
        if kernel_id not in " ".join(process.cmdline()):
            return  # the pid now belongs to something else
        for child in process.children(recursive=True):
            child.kill()
        process.kill()
    except psutil.Error:
        return


RESUBMITTED_OPTIONS = (
    "executionMode",
    "cellRange",
    "outputOptions",
    "timeout",
    "stopOnError",
    "registerDatasets",
)


def resubmission(execution: dict[str, Any]) -> tuple[Scope, dict[str, Any]]:
    """The scope and execute request that queue a waiting execution again, as it was submitted."""
    scope = Scope(execution["tenant_id"], execution["project_id"], execution.get("created_by") or "")
    options = execution.get("options") or {}
    request = {
        **{key: options[key] for key in RESUBMITTED_OPTIONS if options.get(key) is not None},
        "parameters": execution.get("parameters") or {},
        "priority": execution.get("priority") or "Normal",
        "source": execution.get("source") or "api",
    }
    return scope, request


def orphans_to_mend(
    store: Store, lease: MindzieLease | None, running_here: set[str]
) -> Iterator[tuple[dict[str, Any], tuple[str, str, str] | None]]:
    """The executions this server must mend now, each with how it ends (error type, message,
    status), or None when it was claimed but never started: it goes back in the queue.

    With a lease, only executions of servers that are gone or let their lease expire are taken
    (each by one server); a live peer's runs and kernels are never touched.
    """
    orphans = (
        store.take_orphans(lease.server_id, lease.expired_before())
        if lease is not None
        else store.active_executions()
    )
    for execution in orphans:
        if execution["execution_id"] in running_here:
            continue
        if lease is not None and not lease.is_local(execution.get("previous_owner")):
            execution = {**execution, "kernel_pid": None}  # a process id of another host
        if execution["phase"] != "Queued":
            yield execution, ("ServerStopped", "the server stopped during the run", "Error")
        elif execution.get("cancel_requested"):
            yield execution, ("Cancelled", "cancelled before it started", "Cancelled")
        else:
            yield execution, None

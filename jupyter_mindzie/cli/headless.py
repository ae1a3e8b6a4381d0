"""A run on a kernel of this process: the server's runner, a tqdm bar, and the run.json it leaves."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_mindzie.cli.errors import SIGNAL_EXIT
from jupyter_mindzie.cli.output import labelled
from jupyter_mindzie.cli.parser import PROG
from jupyter_mindzie.cli.texts import _, duration

if TYPE_CHECKING:
    import logging

    from jupyter_client.multikernelmanager import AsyncMultiKernelManager

    from jupyter_mindzie.execution.runner import NotebookRunner, Outcome, RunSpec


async def execute(spec: RunSpec, progress: bool | None) -> tuple[Outcome, NotebookRunner, int | None]:
    """Run on a kernel of our own; SIGINT/SIGTERM cancel the run (a second Ctrl-C stops at once).

    Returns the outcome, the runner (its cells) and the signal that stopped the run, if any.
    """
    import asyncio

    from jupyter_mindzie.execution.runner import NotebookRunner

    kernels = local_kernel_manager()
    bar = CellProgress(len(spec.run_cell_ids), progress)
    runner = NotebookRunner(spec, kernels, bar, _run_log())
    loop = asyncio.get_running_loop()
    stopped_by: list[int] = []

    def stop(signum: int) -> None:
        stopped_by.append(signum)
        for handled in SIGNAL_EXIT:
            loop.remove_signal_handler(handled)  # a second signal interrupts at once
        bar.write(
            _("stopping: cancelling the run and shutting the kernel down (Ctrl-C again to quit at once)")
        )
        runner.cancel()

    for signum in SIGNAL_EXIT:
        loop.add_signal_handler(signum, stop, signum)
    try:
        outcome = await asyncio.create_task(runner.run())
        await runner.release()
    finally:
        for signum in SIGNAL_EXIT:
            loop.remove_signal_handler(signum)
        bar.close()
        await kernels.shutdown_all(now=True)  # one started while cancelling must not outlive us
    return outcome, runner, stopped_by[0] if stopped_by else None


def _run_log() -> logging.Logger:
    """The runner's log: its warnings on stderr, prefixed with the command."""
    import logging

    log = logging.getLogger(__name__)
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(f"{PROG} run: %(message)s"))  # the runner's log stays English
        log.addHandler(handler)
        log.propagate = False
    return log


def local_kernel_manager() -> AsyncMultiKernelManager:
    """jupyter_client's multi-kernel manager with the server's `start_kernel(path=...)` call.

    The runner is written against the server's kernel manager, whose `path` is the kernel's
    working directory; here it is a local folder, handed on as `cwd`. Kernels get the plain
    AsyncKernelManager: it has no restarter, which would start a new kernel once a run has shut
    its own down. Connection files go where Jupyter keeps them, not into the notebook's folder.
    """
    from jupyter_client.multikernelmanager import AsyncMultiKernelManager
    from jupyter_core.paths import jupyter_runtime_dir

    class LocalKernelManager(AsyncMultiKernelManager):
        # jupyter_client types the synchronous manager's start_kernel as returning a str and
        # overrides it with a coroutine under its own `type: ignore`; this override inherits that.
        async def start_kernel(  # type: ignore[override]
            self, *, kernel_name: str | None = None, path: str | None = None, **kwargs: Any
        ) -> str:
            if path is not None:
                kwargs.setdefault("cwd", path)
            kernel_id: str = await super().start_kernel(kernel_name=kernel_name, **kwargs)
            return kernel_id

    runtime = jupyter_runtime_dir()
    Path(runtime).mkdir(parents=True, exist_ok=True)
    return LocalKernelManager(
        kernel_manager_class="jupyter_client.manager.AsyncKernelManager", connection_dir=runtime
    )


class CellProgress:
    """The runner's observer for a terminal: a tqdm bar of the run's cells."""

    def __init__(self, total: int, enabled: bool | None) -> None:
        from tqdm import tqdm

        self.phases = {
            "Starting": _("starting kernel"),
            "Executing": _("running"),
            "Finishing": _("saving results"),
        }
        # disable=None: tqdm shows the bar only on a terminal
        self.bar = tqdm(
            total=total,
            unit=_("cell"),
            file=sys.stderr,
            disable=None if enabled is None else not enabled,
            dynamic_ncols=True,
            desc=self.phases["Starting"],
        )

    def changed(self, runner: NotebookRunner, changes: dict[str, Any], cells: list[str], force: bool) -> None:
        if changes.get("phase") in self.phases:
            self.bar.set_description_str(self.phases[changes["phase"]], refresh=False)
        counts = runner.counts()
        current = changes.get("current_cell")
        postfix = [current] if current else []
        if counts["failed_cells"]:
            postfix.append(_("{count} failed", count=counts["failed_cells"]))
        if postfix:
            self.bar.set_postfix_str(", ".join(postfix), refresh=False)
        self.bar.update(counts["completed_cells"] - self.bar.n)

    def write(self, message: str) -> None:
        self.bar.write(message, file=sys.stderr)

    def close(self) -> None:
        self.bar.close()


# -- what the run leaves ------------------------------------------------------------------


def run_manifest(
    source: Path,
    spec: RunSpec,
    *,
    parameters: dict[str, Any],
    outcome: Outcome,
    runner: NotebookRunner,
    seconds: float,
) -> dict[str, Any]:
    """run.json: what ran, how it ended, and every file it wrote (a later run removes those)."""
    cells = [*runner.cells.values(), *runner.skipped.values()]
    return {
        "executionId": spec.context["executionId"],
        "notebook": str(source),
        "kernel": spec.kernel_name,
        "parameters": parameters,
        "status": outcome.status,
        "errorType": outcome.error_type,
        "errorMessage": outcome.error_message,
        "durationSeconds": round(seconds, 3),
        "counts": {_camel(key): value for key, value in runner.counts().items()},
        "cells": [
            {
                "cellId": cell["cell_id"],
                "status": cell["status"],
                "executionSeconds": cell["execution_seconds"],
                "errorType": cell["error_type"],
                "errorMessage": cell["error_message"],
            }
            for cell in sorted(cells, key=lambda cell: cell["position"])
        ],
        "artifacts": [
            {
                "name": row["name"],
                "kind": row["kind"],
                "contentType": row["content_type"],
                "size": row["size"],
                "cellId": row.get("cell_id"),
            }
            for row in outcome.artifacts
        ],
        "resources": outcome.resources,
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def print_run_summary(manifest: dict[str, Any], folder: Path) -> None:
    counts = manifest["counts"]
    skipped = sum(1 for cell in manifest["cells"] if cell["status"] == "Skipped")
    kinds = [artifact["kind"] for artifact in manifest["artifacts"]]
    summary = {
        "status": manifest["status"],
        "duration": duration(manifest["durationSeconds"]),
        "ok": counts["successfulCells"],
        "failed": counts["failedCells"],
    }
    if skipped:
        print(
            _(
                "{status} in {duration}: {ok} cells ok, {failed} failed, {skipped} skipped",
                **summary,
                skipped=skipped,
            )
        )
    else:
        print(_("{status} in {duration}: {ok} cells ok, {failed} failed", **summary))
    if manifest["status"] != "Completed" and manifest["errorMessage"]:
        print(f"  {manifest['errorType']}: {manifest['errorMessage']}")
    for cell in manifest["cells"]:
        if cell["status"] == "Error" and cell["errorType"] not in ("Cancelled",):
            print(
                "  "
                + _(
                    "{cell_id} failed: {error}",
                    cell_id=cell["cellId"],
                    error=f"{cell['errorType']}: {cell['errorMessage']}",
                )
            )
    made = {
        "outputs": kinds.count("output"),
        "enriched": kinds.count("enriched"),
        "models": kinds.count("model"),
    }
    if "report" in kinds:
        print(
            "  " + _("outputs {outputs}, enriched datasets {enriched}, models {models} + report.html", **made)
        )
    else:
        print("  " + _("outputs {outputs}, enriched datasets {enriched}, models {models}", **made))
    for line in labelled(
        [(_("executed notebook:"), folder / "executed.ipynb"), (_("artifacts:"), f"{folder}{os.sep}")]
    ):
        print("  " + line)

"""What is known of executions, for the API: scoped reads of their rows, cells and artifacts.

The handlers ask this, never the store: every read names the tenant and project it is for, so
another tenant's execution is as missing as one that never was.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import IO, Any

from jupyter_mindzie import humanize
from jupyter_mindzie.access import Scope
from jupyter_mindzie.errors import ArtifactNotFound, ExecutionNotFound
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.storage.interface import Store


class ExecutionRecords:
    """Executions' rows, cell results, artifacts and history, and the estimates made from them."""

    def __init__(self, store: Store, artifacts_root: str) -> None:
        self.store = store
        self.artifacts_root = artifacts_root

    def get(self, scope: Scope, notebook_id: str, execution_id: str) -> dict[str, Any]:
        execution = self.store.find_execution(scope.tenant_id, scope.project_id, notebook_id, execution_id)
        if execution is None:
            raise ExecutionNotFound(
                Message(
                    "execution {execution_id} of notebook {notebook_id} was not found, or you have no access to it",
                    execution_id=execution_id,
                    notebook_id=notebook_id,
                )
            )
        return execution

    def cell_results(self, execution_id: str) -> list[dict[str, Any]]:
        return self.store.cell_results(execution_id)

    def attempts(self, execution_id: str) -> list[dict[str, Any]]:
        """The attempts that ended and were retried, oldest first (the current one is the row)."""
        return self.store.attempts(execution_id)

    def artifacts(self, execution_id: str) -> list[dict[str, Any]]:
        return self.store.artifacts(execution_id)

    def artifact(self, execution_id: str, name: str) -> tuple[dict[str, Any], Path]:
        """An artifact's row and file; only names the store recorded, so no path escapes."""
        row = self.store.artifact(execution_id, name)
        path = self.artifacts_dir(execution_id) / name
        if row is None or not self.is_plain_file(execution_id, path):
            raise ArtifactNotFound(
                Message(
                    "execution {execution_id} has no artifact {name!r}", execution_id=execution_id, name=name
                )
            )
        return row, path

    def is_plain_file(self, execution_id: str, path: Path) -> bool:
        """A regular file right in the execution's folder: a link (which a child of the kernel
        may have put in place of an artifact) could lead to any file of the server."""
        folder = self.artifacts_dir(execution_id)
        if path.is_symlink() or folder.is_symlink() or not path.is_file():
            return False
        return path.resolve().parent == folder.resolve()

    def artifact_text(self, execution_id: str, name: str) -> str:
        """An artifact's text for `results?format=detailed`: "" for a link or a missing file,
        and bytes that are not UTF-8 replaced, never an error (the kernel wrote them)."""
        path = self.artifacts_dir(execution_id) / name
        if not self.is_plain_file(execution_id, path):
            return ""
        try:
            with open_no_follow(path) as handle:
                return handle.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def history(self, notebook_id: str, *, page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
        """One page of a notebook's executions, newest first, and how many there are."""
        return self.store.list_executions(notebook_id, page=page, page_size=page_size)

    def execution_ids(self, notebook_id: str) -> list[str]:
        return self.store.execution_ids(notebook_id)

    def estimate_seconds(self, notebook_id: str) -> float | None:
        """The median duration of the notebook's recent completed runs."""
        durations = sorted(self.store.recent_durations(notebook_id))
        return durations[len(durations) // 2] if durations else None

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

        def remove() -> None:
            for folder in folders:
                shutil.rmtree(folder, ignore_errors=True)

        await asyncio.to_thread(remove)


def open_no_follow(path: Path) -> IO[bytes]:
    """Open for reading, refusing a link even if one replaced the file since it was checked."""
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb")

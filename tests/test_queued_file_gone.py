"""A queued run whose notebook file changed behind our back, before a slot claimed it.

Deleted through Jupyter's ContentsManager, the file is restored from the version the run was
submitted with, and the run completes. Replaced with something that is not a notebook, the run
cannot be prepared: it ends Error saying why, even when the store is locked at that very
moment (its end is retried until the store answers), and nothing is left claimed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import Any

import pytest
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

from .support import PROJECT, TENANT, execute, notebook_with, project_path, wait_for

LOCK_SECONDS = 3.0


class LockingContents(AsyncLargeFileManager):
    """Jupyter's own contents manager; when a slot reads the run's notebook to prepare it,
    another connection holds the store's write lock for LOCK_SECONDS, as a backup or a second
    writer would. (The library also reads the file when it hears of a save: that read is not
    the slot's.)"""

    lock: tuple[str, str] | None = None  # (the notebook's path, the store's file)
    released = threading.Event()

    async def get(
        self, path: str, content: bool = True, type: str | None = None, format: str | None = None
    ) -> Any:
        if LockingContents.lock is not None and path.strip("/") == LockingContents.lock[0] and slot_reads():
            _, db_path = LockingContents.lock
            LockingContents.lock = None
            held = threading.Event()
            threading.Thread(target=hold_write_lock, args=(db_path, held), daemon=True).start()
            assert held.wait(10), "the lock was never taken"
        return await super().get(path, content=content, type=type, format=format)


def slot_reads() -> bool:
    task = asyncio.current_task()
    return task is not None and task.get_name() == "mindzie-engine-slot"


def hold_write_lock(db_path: str, held: threading.Event) -> None:
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    held.set()
    LockingContents.released.wait(LOCK_SECONDS)  # the outage's length, not a wait for a condition
    conn.rollback()
    conn.close()
    LockingContents.released.set()


@pytest.fixture
def mindzie_config() -> dict[str, Any]:
    return {
        "ServerApp": {"contents_manager_class": LockingContents},
        "MindzieEngine": {"slots": 1},
        "MindzieStore": {"busy_timeout": 0.3},  # a write waits this long for the lock, then fails
        "MindzieScheduler": {"enabled": False},
    }


async def queued_behind_a_blocker(api: Any, source: str) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """A run of a new notebook queued while the only slot is busy, and how to free the slot."""
    blocker = await notebook_with(api, "import time\nfor _ in range(600):\n    time.sleep(0.1)")
    busy = await execute(api, blocker)
    await wait_for(api, blocker["notebookId"], busy["executionId"], lambda s: s["phase"] == "Executing")
    target = await notebook_with(api, source)
    queued = await execute(api, target)

    async def free_the_slot() -> None:
        cancel = project_path("notebook", blocker["notebookId"], "execution", busy["executionId"], "cancel")
        assert (await api("POST", cancel)).status == 202

    return target, queued, free_the_slot


def claimed_rows(mindzie_app: Any) -> list[dict[str, Any]]:
    return [row for row in mindzie_app.store.active_executions() if row.get("owner")]


async def test_a_notebook_file_deleted_while_its_run_waits_is_restored_and_runs(api, jp_serverapp):
    target, queued, free_the_slot = await queued_behind_a_blocker(api, "print('from the submitted version')")
    await jp_serverapp.contents_manager.delete(target["path"])
    await free_the_slot()
    final = await wait_for(api, target["notebookId"], queued["executionId"])
    assert final["status"] == "Completed", final
    assert await jp_serverapp.contents_manager.file_exists(target["path"])


async def test_a_run_that_cannot_be_prepared_ends_error_even_when_the_store_is_locked_then(
    api, jp_serverapp, mindzie_app
):
    target, queued, free_the_slot = await queued_behind_a_blocker(api, "print('never')")
    manager = jp_serverapp.contents_manager
    await manager.delete(target["path"])
    await manager.save({"type": "file", "format": "text", "content": "not a notebook"}, target["path"])
    LockingContents.released.clear()
    LockingContents.lock = (target["path"], mindzie_app.store.db_path)
    await free_the_slot()
    final = await wait_for(api, target["notebookId"], queued["executionId"], deadline=60)
    assert LockingContents.lock is None, "the slot read the run's notebook while the store was locked"
    assert LockingContents.released.is_set(), "it ended once the lock was gone"
    assert final["status"] == "Error", final
    assert final["errorType"] == "QueueError", final
    message = final["errorMessage"]
    assert message.startswith("could not be started: the file ") and target["path"] in message, message
    assert "cannot be read as a notebook" in message, message
    assert not claimed_rows(mindzie_app), "nothing stays claimed"
    assert mindzie_app.store.queue_counts(TENANT, PROJECT)["server"] == 0

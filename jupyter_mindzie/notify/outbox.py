"""From a run's news to the outbox: which event, which URLs, what body.

`RunWebhooks.hear` listens to the engine's `RunLifecycle`. It acts on news of runs this server
drives only (`local`), so each event of a run is written once, and writes one delivery per
URL into the store; the sender (notify/notifier.py) does the rest. The duration warning is a
timer armed when the run starts and disarmed when it ends.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from jupyter_mindzie.access import Scope
from jupyter_mindzie.clock import iso_from_stamp, stamp, to_iso, utcnow
from jupyter_mindzie.execution.lifecycle import RunNews
from jupyter_mindzie.guids import new_guid
from jupyter_mindzie.storage.interface import Row, Store

STARTED = "execution.started"
SUCCEEDED = "execution.succeeded"
FAILED = "execution.failed"
DURATION_WARNING = "execution.duration_warning"

RECEIVERS = {STARTED: "onStart", SUCCEEDED: "onSuccess", FAILED: "onFailure", DURATION_WARNING: "onFailure"}
"""Which of a notebook's `integration.notifications` lists hears each event."""

log = logging.getLogger(__name__)


def event_of(news: RunNews) -> str | None:
    """The webhook event a write of a run's state is, if any (a cancel is none)."""
    if news.phase == "Starting":
        return STARTED
    return {"Completed": SUCCEEDED, "Error": FAILED}.get(news.status or "")


def payload(event: str, notebook: Row, execution: Row) -> dict[str, Any]:
    """The JSON a receiver gets: ids, the run's state and times, never its outputs."""
    return {
        "type": event,
        "timestamp": to_iso(utcnow()),
        "data": {
            "tenantId": execution["tenant_id"],
            "projectId": execution["project_id"],
            "notebookId": execution["notebook_id"],
            "notebookName": notebook["name"],
            "executionId": execution["execution_id"],
            "status": execution["status"],
            "phase": execution["phase"],
            "source": execution.get("source"),
            "startTime": iso_from_stamp(execution.get("start_time")),
            "endTime": iso_from_stamp(execution.get("end_time")),
            "totalSeconds": execution.get("total_seconds"),
            "totalCells": execution.get("total_cells"),
            "completedCells": execution.get("completed_cells"),
            "failedCells": execution.get("failed_cells"),
            "errorType": execution.get("error_type"),
            "errorMessage": execution.get("error_message"),
        },
    }


class RunWebhooks:
    """Writes the deliveries a run's news calls for; `wake` tells the sender there is work."""

    def __init__(self, store: Store, wake: Callable[[], None]) -> None:
        self.store = store
        self.wake = wake
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def hear(self, news: RunNews) -> None:
        if not news.local or news.scope is None or news.notebook_id is None:
            return
        event = event_of(news)
        if event is None:
            return
        if event != STARTED:
            timer = self._timers.pop(news.execution_id, None)
            if timer is not None:
                timer.cancel()
        notifications = self._notifications(news.scope, news.notebook_id)
        if not notifications:
            return
        self.enqueue(event, news.scope, news.notebook_id, news.execution_id)
        seconds = notifications.get("onDurationWarningSeconds")
        if event == STARTED and seconds and notifications.get("onFailure"):
            self._arm(seconds, news.scope, news.notebook_id, news.execution_id)

    def enqueue(self, event: str, scope: Scope, notebook_id: str, execution_id: str) -> int:
        """One pending delivery per URL of the event's list; the number written."""
        notebook = self.store.get_notebook(scope.tenant_id, scope.project_id, notebook_id)
        execution = self.store.get_execution(execution_id)
        if notebook is None or execution is None:
            return 0
        urls = (self._notifications_of(notebook) or {}).get(RECEIVERS[event]) or []
        if not urls:
            return 0
        body = json.dumps(payload(event, notebook, execution), ensure_ascii=False, separators=(",", ":"))
        now = stamp()
        rows = [
            {
                "delivery_id": new_guid(),
                "tenant_id": scope.tenant_id,
                "project_id": scope.project_id,
                "notebook_id": notebook_id,
                "execution_id": execution_id,
                "event": event,
                "url": url,
                "body": body,
                "next_attempt": now,
                "date_created": now,
            }
            for url in dict.fromkeys(urls)  # a URL listed twice is sent once
        ]
        added = self.store.enqueue_deliveries(rows)
        if added:
            self.wake()
        return added

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    def _notifications(self, scope: Scope, notebook_id: str) -> dict[str, Any] | None:
        notebook = self.store.get_notebook(scope.tenant_id, scope.project_id, notebook_id)
        return self._notifications_of(notebook) if notebook is not None else None

    @staticmethod
    def _notifications_of(notebook: Row) -> dict[str, Any] | None:
        found = (notebook.get("integration") or {}).get("notifications")
        return found if isinstance(found, dict) else None

    def _arm(self, seconds: float, scope: Scope, notebook_id: str, execution_id: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # news from outside the server's loop: no timer to keep
            return
        self._timers[execution_id] = loop.call_later(
            seconds, self._duration_passed, scope, notebook_id, execution_id
        )

    def _duration_passed(self, scope: Scope, notebook_id: str, execution_id: str) -> None:
        self._timers.pop(execution_id, None)
        try:
            execution = self.store.get_execution(execution_id)
            if execution is not None and execution["status"] == "Running":
                self.enqueue(DURATION_WARNING, scope, notebook_id, execution_id)
        except Exception:
            log.exception("mindzie: the duration warning of %s could not be written", execution_id)

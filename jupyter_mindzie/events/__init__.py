"""Server events: execution and notebook changes through jupyter_server's `event_logger`.

jupyter_server sends every event to every subscriber of `/api/events/subscribe` (JupyterLab's
`IEventManager` is one), whatever their tenant: the events carry only ids, the status, the phase
and an ETag, and clients read the details through the REST API, where tenancy is checked.
The schemas are YAML files beside this module, registered as jupyter_server registers its own.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from jupyter_mindzie.api.status import status_body, status_etag
from jupyter_mindzie.contract.enums import is_terminal
from jupyter_mindzie.execution.lifecycle import RunNews

if TYPE_CHECKING:
    from jupyter_events import EventLogger

    from jupyter_mindzie.access import Scope
    from jupyter_mindzie.execution.engine import MindzieEngine

log = logging.getLogger(__name__)

EVENTS_URI = "https://events.mindzie.dev"
EXECUTION_EVENTS = f"{EVENTS_URI}/execution/v1"
NOTEBOOK_EVENTS = f"{EVENTS_URI}/notebook/v1"
PING_EVENTS = f"{EVENTS_URI}/ping/v1"
"""Posted by the panel to `/api/events` and heard back: its check that the socket delivers."""
SCHEMAS = Path(__file__).parent / "schemas"

REMEMBERED = 4096
"""Executions whose last ETag is kept, so a write that changed nothing a client reads (the
same status body) is not told twice."""

NotebookAction = Literal["created", "updated", "deleted"]


def register_schemas(event_logger: EventLogger) -> None:
    """Register our schemas with the server's logger (once, however many apps share it)."""
    for schema_id in (EXECUTION_EVENTS, NOTEBOOK_EVENTS, PING_EVENTS):
        if schema_id not in event_logger.schemas.schema_ids:
            relative = schema_id.removeprefix(f"{EVENTS_URI}/")
            event_logger.register_event_schema(SCHEMAS / f"{relative}.yaml")


def run_action(news: RunNews) -> str:
    """What a write of a run's state was, in the schema's words."""
    if news.status is not None and is_terminal(news.status):
        return "ended"
    if news.phase == "Queued":
        return "queued"
    if news.phase == "Starting":
        return "started"
    if news.cells:  # a phase change written with them (a fast cell) is told by the phase field
        return "cell-finished"
    return "progressed"


class MindzieEvents:
    """Emits our events: a listener of the engine's run news, and called by the notebook handlers."""

    def __init__(self, event_logger: EventLogger, engine: MindzieEngine) -> None:
        self.event_logger = event_logger
        self.engine = engine
        self._told: OrderedDict[str, str] = OrderedDict()
        register_schemas(event_logger)

    def listen(self) -> None:
        self.engine.lifecycle.subscribe(self.run_news)

    def heard(self, schema_id: str) -> bool:
        """Whether anybody would receive an event of this schema. jupyter_events checks the
        same before it builds one; checking first spares the status read behind the ETag."""
        logger: Any = self.event_logger
        if logger.handlers:
            return True
        listeners = (getattr(logger, name, {}) for name in ("_modified_listeners", "_unmodified_listeners"))
        return any(found.get(schema_id) for found in listeners)

    def run_news(self, news: RunNews) -> None:
        """One write of a run: its ids, its status and phase as stored, and its status's ETag."""
        if not self.heard(EXECUTION_EVENTS):
            return
        execution = self.engine.store.get_execution(news.execution_id)
        if execution is None:
            return  # deleted with its notebook since: nothing left to read
        etag = status_etag(status_body(self.engine, execution))
        if self._told.get(news.execution_id) == etag:
            return  # nothing a client reads changed (a write of what was already there)
        self._told[news.execution_id] = etag
        self._told.move_to_end(news.execution_id)
        while len(self._told) > REMEMBERED:
            self._told.popitem(last=False)
        data = {
            "action": run_action(news),
            "tenantId": execution["tenant_id"],
            "projectId": execution["project_id"],
            "notebookId": execution["notebook_id"],
            "executionId": execution["execution_id"],
            "status": execution["status"],
            "phase": execution["phase"],
            "etag": etag,
            "local": news.local,
        }
        self.event_logger.emit(schema_id=EXECUTION_EVENTS, data=data)

    def notebook_changed(
        self, scope: Scope, notebook_id: str, action: NotebookAction, version: str | None = None
    ) -> None:
        """A notebook created, updated or deleted through the API; a failure is logged, never
        raised into the request that made the change."""
        data: dict[str, Any] = {
            "action": action,
            "tenantId": scope.tenant_id,
            "projectId": scope.project_id,
            "notebookId": notebook_id,
        }
        if version is not None:
            data["etag"] = f'"{version}"'
        try:
            self.event_logger.emit(schema_id=NOTEBOOK_EVENTS, data=data)
        except Exception:
            log.exception("mindzie: the %s event of notebook %s failed", action, notebook_id)

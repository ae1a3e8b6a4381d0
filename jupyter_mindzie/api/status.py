"""An execution's status body and its ETag, computed once for the REST answer and the events.

A server event carries the ETag of the status as `GET …/execution/{executionId}` would answer it
at that moment, so a client holding that ETag knows it need not read again.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from jupyter_mindzie.api.views import execution_view

if TYPE_CHECKING:
    from jupyter_mindzie.execution.engine import MindzieEngine


def status_body(engine: MindzieEngine, execution: dict[str, Any], include_cells: bool = True) -> bytes:
    """The JSON of the execution's status, as the status endpoint sends it."""
    execution_id = execution["execution_id"]
    cells = engine.records.cell_results(execution_id) if include_cells else None
    artifacts = engine.records.artifacts(execution_id)
    attempts = engine.records.attempts(execution_id)
    position = engine.queue_position(execution_id, execution)
    view = execution_view(execution, cells, artifacts, position, attempts)
    return json.dumps(view, ensure_ascii=False).encode()


def status_etag(body: bytes) -> str:
    """The strong ETag of a status body (quoted, as in the header)."""
    return f'"{hashlib.sha1(body).hexdigest()}"'

"""Run news written by other servers: a peer's progress write, heard through the store, retold.

With several servers on one PostgreSQL, each write of a run's progress sends a `NOTIFY` that every
server hears, the writer included. The writer has already told its own listeners; the others
learn here what the write changed (the row now in the store, against what they last saw of it)
and publish a `RunNews(local=False)`, so server events reach subscribers of every server.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from jupyter_mindzie.access import Scope
from jupyter_mindzie.execution.lifecycle import RunLifecycle, RunNews
from jupyter_mindzie.storage.interface import Store

log = logging.getLogger(__name__)

REMEMBERED = 4096
"""Executions whose last seen status and phase are kept: enough for every run of a busy hour;
one forgotten only makes its next change tell its status and phase again."""


class PeerNews:
    """Turns the store's notifications of other servers' writes into run news."""

    def __init__(self, store: Store, lifecycle: RunLifecycle, server_id: str | None) -> None:
        self.store = store
        self.lifecycle = lifecycle
        self.server_id = server_id
        self._seen: OrderedDict[str, tuple[str, str]] = OrderedDict()

    def heard(self, execution_id: str) -> None:
        """A write of this execution was committed somewhere (on the event loop's thread)."""
        try:
            row = self.store.get_execution(execution_id)
        except Exception as error:  # the store away for a moment: this news is lost, not the run
            log.warning("mindzie: could not read %s to retell a peer's write: %s", execution_id, error)
            return
        if row is None or (self.server_id is not None and row.get("owner") == self.server_id):
            return  # gone, or our own write coming back: its news was told when it was written
        status, phase = str(row["status"]), str(row["phase"])
        before = self._seen.pop(execution_id, None)
        self._seen[execution_id] = (status, phase)
        while len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)
        scope = Scope(row["tenant_id"], row["project_id"], username="")
        self.lifecycle.publish(
            RunNews(
                execution_id,
                status if before is None or before[0] != status else None,
                phase if before is None or before[1] != phase else None,
                scope=scope,
                notebook_id=row["notebook_id"],
                local=False,
            )
        )

"""How many executions may wait: per project, per tenant and in all, over every server.

The queue itself is the store's (storage/sql_queue.py): queued executions are rows, and the
order in which they get a slot is the claim's. Tenants with waiting work take turns, one run per
turn, so a tenant with fifty runs queued delays another tenant's single run by one slot turn at
most; within a tenant its own runs go by priority (High, Normal, Low), first come first served
within one. Priority is the caller's choice, so it orders the caller's tenant's runs and never
lets one tenant jump the others.

The caps are exact: the store counts and inserts in one step, under a lock that every server's
submits share, so concurrent submits never pass a cap. A cheap count before the run is prepared
refuses most submits of a full queue before they cost anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jupyter_mindzie.access import Scope
from jupyter_mindzie.errors import TooManyRequests
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.interface_queue import QueueCounts, QueueFull


def refusal(cap: str, count: int) -> Message:
    """What a 429 says for the cap that is full."""
    if cap == "project":
        return Message("this project already has {count} executions waiting; try again later", count=count)
    if cap == "tenant":
        return Message("this tenant already has {count} executions waiting; try again later", count=count)
    return Message("the server already has {count} executions waiting; try again later", count=count)


@dataclass(frozen=True)
class QueueRoom:
    """The caps of one submit, and the Retry-After its 429 gives."""

    project: int
    tenant: int
    server: int
    retry_after: int

    @property
    def caps(self) -> QueueCounts:
        return {"project": self.project, "tenant": self.tenant, "server": self.server}

    def check(self, store: Store, scope: Scope) -> None:
        """429 with Retry-After when a cap is already reached (before the run is prepared)."""
        counts = store.queue_counts(scope.tenant_id, scope.project_id)
        for cap, count, limit in (
            ("project", counts["project"], self.project),
            ("tenant", counts["tenant"], self.tenant),
            ("server", counts["server"], self.server),
        ):
            if count >= limit:
                raise TooManyRequests(refusal(cap, count), retry_after=self.retry_after)

    def queue(self, store: Store, execution: dict[str, Any], cells: list[dict[str, Any]]) -> None:
        """Queue the execution, or 429 when a cap is reached: counted and inserted as one step."""
        try:
            store.queue_execution(execution, cells, self.caps)
        except QueueFull as full:
            raise TooManyRequests(refusal(full.cap, full.count), retry_after=self.retry_after) from None

"""How many executions may wait: per project, per tenant and in all, over every server.

The queue itself is the store's (storage/sql_queue.py): queued executions are rows, and the
order in which they get a slot is the claim's. Tenants with waiting work take turns, one run per
turn, so a tenant with fifty runs queued delays another tenant's single run by one slot turn at
most; within a tenant its own runs go by priority (High, Normal, Low), first come first served
within one. Priority is the caller's choice, so it orders the caller's tenant's runs and never
lets one tenant jump the others.
"""

from __future__ import annotations

from jupyter_mindzie.access import Scope
from jupyter_mindzie.errors import TooManyRequests
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.storage.interface import Store


def check_queue_room(
    store: Store, scope: Scope, *, project: int, tenant: int, server: int, retry_after: int
) -> None:
    """429 with Retry-After when the project, the tenant or the service has enough waiting.

    Counted from the store's rows, so the limits hold across the servers sharing it.
    """
    counts = store.queue_counts(scope.tenant_id, scope.project_id)
    checks = (
        (
            counts["project"],
            project,
            Message(
                "this project already has {count} executions waiting; try again later",
                count=counts["project"],
            ),
        ),
        (
            counts["tenant"],
            tenant,
            Message(
                "this tenant already has {count} executions waiting; try again later", count=counts["tenant"]
            ),
        ),
        (
            counts["server"],
            server,
            Message(
                "the server already has {count} executions waiting; try again later", count=counts["server"]
            ),
        ),
    )
    for count, limit, message in checks:
        if count >= limit:
            raise TooManyRequests(message, retry_after=retry_after)

"""FairQueue: the order in which waiting executions get a slot.

Tenants with waiting work take turns, one run per turn, so a tenant with fifty runs queued
delays another tenant's single run by one slot turn at most. Within a tenant its own runs go by
priority (High, Normal, Low), first come first served within one: priority is the caller's
choice, so it orders the caller's tenant's runs and never lets one tenant jump the others.

Plain data with no I/O, so the same order can later be kept in a shared store.
"""

from __future__ import annotations

import asyncio
import heapq
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from jupyter_mindzie.access import Scope
from jupyter_mindzie.errors import TooManyRequests
from jupyter_mindzie.execution.progress import Run
from jupyter_mindzie.i18n import Message


@dataclass(order=True)
class _Entry:
    rank: int  # 0 for High: lower goes first
    seq: int
    item: str = field(compare=False)


class FairQueue:
    """Waiting items by tenant: round-robin among tenants, then by (rank, seq) within one."""

    def __init__(self) -> None:
        self._waiting: dict[str, list[_Entry]] = {}  # tenant -> heap of its entries
        self._tenant_of: dict[str, str] = {}  # item -> tenant
        self._turns: deque[str] = deque()  # tenants with waiting work, the next one first
        self._ready = asyncio.Event()

    def __len__(self) -> int:
        return len(self._tenant_of)

    def __contains__(self, item: object) -> bool:
        return item in self._tenant_of

    def put(self, item: str, tenant: str, rank: int, seq: int) -> None:
        if tenant not in self._waiting:
            self._waiting[tenant] = []
            self._turns.append(tenant)  # a tenant new to the queue waits for its turn like others
        heapq.heappush(self._waiting[tenant], _Entry(rank, seq, item))
        self._tenant_of[item] = tenant
        self._ready.set()

    def remove(self, item: str) -> None:
        """Forget an item that no longer waits (cancelled); unknown items are ignored."""
        tenant = self._tenant_of.pop(item, None)
        if tenant is None:
            return
        entries = [entry for entry in self._waiting[tenant] if entry.item != item]
        heapq.heapify(entries)
        self._waiting[tenant] = entries
        if not entries:
            self._drop(tenant)

    def pop(self) -> str | None:
        """The next item, or None when nothing waits: the first tenant in turn gives its best."""
        if not self._turns:
            return None
        tenant = self._turns.popleft()
        entry = heapq.heappop(self._waiting[tenant])
        del self._tenant_of[entry.item]
        if self._waiting[tenant]:
            self._turns.append(tenant)  # its next run waits for the others' turns
        else:
            del self._waiting[tenant]
        return entry.item

    async def get(self) -> str:
        """Wait for the next item."""
        while True:
            item = self.pop()
            if item is not None:
                return item
            self._ready.clear()
            await self._ready.wait()

    def tenant_count(self, tenant: str) -> int:
        return len(self._waiting.get(tenant, ()))

    def position(self, item: str) -> int | None:
        """1 + how many of the same tenant's items go first; None when not waiting.

        Only the caller's own tenant is counted: how much others have queued is theirs to know.
        """
        tenant = self._tenant_of.get(item)
        if tenant is None:
            return None
        entries = self._waiting[tenant]
        mine = next(entry for entry in entries if entry.item == item)
        return 1 + sum(1 for entry in entries if entry < mine)

    def _drop(self, tenant: str) -> None:
        del self._waiting[tenant]
        self._turns.remove(tenant)


def check_queue_room(
    runs: Sequence[Run], scope: Scope, *, project: int, tenant: int, server: int, retry_after: int
) -> None:
    """429 with Retry-After when the project, the tenant or the server has enough waiting."""
    waiting = [r for r in runs if r.waiting]
    of_tenant = [r for r in waiting if r.scope.tenant_id == scope.tenant_id]
    of_project = [r for r in of_tenant if r.scope.project_id == scope.project_id]
    checks = (
        (
            len(of_project),
            project,
            Message(
                "this project already has {count} executions waiting; try again later", count=len(of_project)
            ),
        ),
        (
            len(of_tenant),
            tenant,
            Message(
                "this tenant already has {count} executions waiting; try again later", count=len(of_tenant)
            ),
        ),
        (
            len(waiting),
            server,
            Message("the server already has {count} executions waiting; try again later", count=len(waiting)),
        ),
    )
    for count, limit, message in checks:
        if count >= limit:
            raise TooManyRequests(message, retry_after=retry_after)

"""The store as the queue: queued executions are rows, and servers with a free slot claim them.

`Store` extends this protocol. Tenants with waiting work take turns (each tenant's turn is a
durable counter, so the round-robin holds across servers); within a tenant, priority (High,
Normal, Low), then first come first served. A row waits while it is `Running`/`Queued` with no
owner; a claim makes the claimer its owner, and exactly one of many claimers gets each row.
"""

from __future__ import annotations

from typing import Any, Protocol, TypedDict


class QueueCounts(TypedDict):
    """Executions waiting now, over every server sharing the store."""

    project: int
    tenant: int
    server: int


class QueueFull(Exception):
    """A queue cap the new execution would pass: which one (`project`, `tenant` or `server`),
    and how many already wait there."""

    def __init__(self, cap: str, count: int) -> None:
        super().__init__(f"{cap} has {count} executions waiting")
        self.cap, self.count = cap, count


class QueueStore(Protocol):
    """What the engine's slots need from the store to share one queue between servers."""

    def queue_execution(
        self, row: dict[str, Any], cells: list[dict[str, Any]], caps: QueueCounts | None = None
    ) -> None:
        """Record a waiting execution (no owner) and its cells, and tell other servers it waits.

        With `caps`, raises QueueFull instead when the row's project, its tenant or the whole
        store already has that many waiting. Counting and inserting are one step: of many
        submits at once, on any servers, never more than a cap are let in.
        """
        ...

    def claim_next(self, owner: str) -> dict[str, Any] | None:
        """The next waiting execution, now `owner`'s; None when nothing waits.

        The tenant whose turn it is (the one served least recently; among tenants never served,
        the one waiting longest) gives its best run: lowest `priority_rank`, then oldest. Of
        several claimers at once, on any servers, each row goes to exactly one.
        """
        ...

    def release_claim(self, execution_id: str, owner: str) -> bool:
        """Put an execution `owner` claimed but did not start back in the queue (owner cleared)."""
        ...

    def take_waiting(self, execution_id: str, owner: str) -> bool:
        """Make a waiting execution `owner`'s with a cancel requested, so it never starts;
        False when it is no longer waiting (a slot claimed it, or it ended)."""
        ...

    def queue_counts(self, tenant_id: str, project_id: str) -> QueueCounts:
        """How many executions wait: of the project, of the tenant, in all."""
        ...

    def queue_position(self, execution_id: str) -> int | None:
        """1 + how many of the same tenant's waiting executions go before this one; None when it
        does not wait. Other tenants' runs are not counted: how much they queued is theirs."""
        ...

    def notebook_busy(self, notebook_id: str, *, besides: str) -> bool:
        """Whether another execution of the notebook is queued or running, on any server (its
        status then waits for the last of them)."""
        ...

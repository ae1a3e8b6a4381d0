"""The store's webhook outbox: deliveries written with the run's news, sent by whichever server
claims them, and each project's signing secret.

A delivery is a row before it is a request, so a restart or a receiver that is down loses
nothing: the row waits, is claimed by one server at a time (a lease), and is retried until the
receiver answers 2xx or its attempts run out.
"""

from __future__ import annotations

from typing import Any, Protocol

Row = dict[str, Any]  # as in storage/interface.py, which extends this protocol


class OutboxStore(Protocol):
    """Webhook deliveries and the projects' webhook secrets."""

    def enqueue_deliveries(self, rows: list[Row]) -> int:
        """Add pending deliveries; one already there for the same execution, event and URL is
        kept as it is (news heard twice sends once). The number added."""
        ...

    def claim_deliveries(self, server_id: str, now: str, until: str, limit: int) -> list[Row]:
        """Pending deliveries due by `now` that no live claim holds, now `server_id`'s until `until`.

        A compare-and-set row by row: of servers claiming at once, exactly one gets each.
        """
        ...

    def next_delivery_due(self) -> str | None:
        """When the earliest pending delivery is due (its claim may still hold it), or None."""
        ...

    def finish_delivery(self, delivery_id: str, server_id: str, changes: Row) -> bool:
        """Record an attempt's outcome and release the claim, if `server_id` still holds it."""
        ...

    def release_deliveries(self, server_id: str) -> None:
        """Give up `server_id`'s claims (it stops): other servers may send them at once."""
        ...

    def deliveries(self, execution_id: str) -> list[Row]:
        """An execution's deliveries, oldest first."""
        ...

    def webhook_secret(self, tenant_id: str, project_id: str, candidate: str) -> str:
        """The project's signing secret; `candidate` becomes it when the project has none yet."""
        ...

    def rotate_webhook_secret(self, tenant_id: str, project_id: str, secret: str) -> None:
        """Replace the project's signing secret: deliveries from now on are signed with it."""
        ...

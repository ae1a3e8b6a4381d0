"""What retries and idempotent submits need from the store (part of `Store`).

A retried execution keeps its id: each attempt that ended and was retried is a row of its own,
and the execution row describes the attempt under way (or the last one). An `Idempotency-Key`
is a row whose primary key is the tenant, the notebook and the key, so of two requests with
one key exactly one claims it, on any backend and any number of servers.
"""

from __future__ import annotations

from typing import Any, Protocol

Row = dict[str, Any]


class AttemptStore(Protocol):
    # -- attempts ------------------------------------------------------------------------

    def retry_execution(
        self, execution_id: str, ended: Row, changes: Row, cells: list[Row], *, owner: str | None = None
    ) -> bool:
        """In one transaction: keep the attempt that ended (`ended`: attempt, status, error_type,
        error_message, start_time, end_time, total_seconds), set the execution's `changes` (the
        next attempt, queued) and reset its `cells`. False, writing nothing, when `owner` no
        longer owns the execution (a peer took it over)."""
        ...

    def attempts(self, execution_id: str) -> list[Row]:
        """The attempts of an execution that ended and were retried, oldest first."""
        ...

    def pending_retries(self) -> list[Row]:
        """Executions waiting for a retry (`retry_at` set and still queued), soonest first."""
        ...

    # -- idempotency keys ----------------------------------------------------------------

    def claim_idempotency_key(
        self,
        tenant_id: str,
        project_id: str,
        notebook_id: str,
        key: str,
        fingerprint: str,
        *,
        expired_before: str,
        abandoned_before: str,
    ) -> bool:
        """True when this request now holds the key: it was free, expired (created before
        `expired_before`), or claimed before `abandoned_before` by a request that never
        answered. False when another request holds it."""
        ...

    def idempotency_key(self, tenant_id: str, notebook_id: str, key: str) -> Row | None:
        """The key's row (fingerprint, execution_id, response as JSON text, date_created)."""
        ...

    def complete_idempotency_key(
        self, tenant_id: str, notebook_id: str, key: str, execution_id: str, response: str
    ) -> None:
        """The request holding the key was answered: later ones get `response` (JSON text)."""
        ...

    def release_idempotency_key(self, tenant_id: str, notebook_id: str, key: str, fingerprint: str) -> None:
        """The request holding the key failed before it queued anything: the key is free again."""
        ...

    def prune_idempotency_keys(self, before: str) -> int:
        """Forget keys created before `before` (a stamp); returns how many."""
        ...

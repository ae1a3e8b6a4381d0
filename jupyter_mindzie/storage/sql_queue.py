"""The queue's queries (storage/interface_queue.py), written once for SQLite and PostgreSQL.

A claim is one short transaction: lock the turn row of the tenant whose turn it is, lock that
tenant's best waiting execution, make it the claimer's, and move the tenant's turn to the back.
On PostgreSQL the locks are `SELECT … FOR UPDATE SKIP LOCKED`, so claimers on several servers
never wait for each other and take different tenants at once; on SQLite the transaction is
`BEGIN IMMEDIATE` (storage/transactions.py), which runs claims one at a time. The lock clause
is one dialect hook (`_skip_locked`).

Queueing against the caps counts what waits and inserts the row in one transaction that first
takes the queue's admission lock (`_lock_admission`): PostgreSQL's transaction-scoped advisory
lock, so submits on every server count one after another and none passes a cap; SQLite's
`BEGIN IMMEDIATE` already holds the database. Claims never take that lock: a claim only makes
the count smaller, so at worst a submit is refused for a row claimed that instant.
"""

from __future__ import annotations

from typing import Any

from jupyter_mindzie.storage.interface_queue import QueueCounts, QueueFull
from jupyter_mindzie.storage.sql_base import SqlBase

WAITING = "{t}.status = 'Running' AND {t}.phase = 'Queued' AND {t}.owner IS NULL"
"""A row that waits for a slot: queued, and claimed by nobody."""


def waiting(alias: str) -> str:
    return WAITING.format(t=alias)


class SqlQueue(SqlBase):
    """Queued executions as the one queue of every server on the database."""

    def _skip_locked(self) -> str:
        """The clause that locks the selected row and skips rows others hold ("" on SQLite,
        whose `BEGIN IMMEDIATE` already holds the whole database)."""
        raise NotImplementedError

    def _lock_admission(self) -> None:
        """Wait for the queue's admission lock, held until the transaction ends (nothing on
        SQLite, whose `BEGIN IMMEDIATE` already serialises every writer)."""
        raise NotImplementedError

    def queue_execution(
        self, row: dict[str, Any], cells: list[dict[str, Any]], caps: QueueCounts | None = None
    ) -> None:
        with self.atomic():
            if caps is not None:
                self._lock_admission()
                counts = self.queue_counts(row["tenant_id"], row["project_id"])
                for cap, count, limit in (
                    ("project", counts["project"], caps["project"]),
                    ("tenant", counts["tenant"], caps["tenant"]),
                    ("server", counts["server"], caps["server"]),
                ):
                    if count >= limit:
                        raise QueueFull(cap, count)
            self._insert("executions", {**row, "owner": None})
            if cells:
                self._insert_many("cell_results", cells)
            self._execute(
                "INSERT INTO queue_turns (tenant_id, turn) VALUES (?, 0) ON CONFLICT DO NOTHING",
                [row["tenant_id"]],
            )
            self._notify("queued", row["execution_id"])

    def claim_next(self, owner: str) -> dict[str, Any] | None:
        for _ in range(3):  # a tenant whose waiting rows are all locked this instant: try the next turn
            with self.atomic():
                claimed = self._claim_in_turn(owner)
            if claimed is not None:
                return claimed if claimed else None
        return None

    def _claim_in_turn(self, owner: str) -> dict[str, Any] | None:
        """The claimed row; {} when nothing waits; None when the tenant in turn had nothing free."""
        tenants = self._query(
            "SELECT t.tenant_id FROM queue_turns AS t "
            f"WHERE EXISTS (SELECT 1 FROM executions AS w WHERE w.tenant_id = t.tenant_id AND {waiting('w')}) "
            "ORDER BY t.turn, (SELECT MIN(f.rowid) FROM executions AS f "
            f"WHERE f.tenant_id = t.tenant_id AND {waiting('f')}), t.tenant_id "
            f"LIMIT 1{self._skip_locked()}"
        )
        if not tenants:
            return {}
        tenant_id = tenants[0]["tenant_id"]
        rows = self._query(
            f"SELECT e.execution_id FROM executions AS e WHERE e.tenant_id = ? AND {waiting('e')} "
            f"ORDER BY e.priority_rank, e.rowid LIMIT 1{self._skip_locked()}",
            [tenant_id],
        )
        if not rows:
            return None
        execution_id = rows[0]["execution_id"]
        if not self._execute(
            f"UPDATE executions SET owner = ? WHERE execution_id = ? AND {waiting('executions')}",
            [owner, execution_id],
        ):
            return None
        self._execute(
            "UPDATE queue_turns SET turn = (SELECT MAX(turn) FROM queue_turns) + 1 WHERE tenant_id = ?",
            [tenant_id],
        )
        return self._first("executions", "execution_id = ?", [execution_id]) or None

    def release_claim(self, execution_id: str, owner: str) -> bool:
        released = self._execute(
            "UPDATE executions SET owner = NULL "
            "WHERE execution_id = ? AND owner = ? AND status = 'Running' AND phase = 'Queued'",
            [execution_id, owner],
        )
        if released:
            self._notify("queued", execution_id)
        return released == 1

    def take_waiting(self, execution_id: str, owner: str) -> bool:
        return (
            self._execute(
                "UPDATE executions SET owner = ?, cancel_requested = 1 "
                f"WHERE execution_id = ? AND {waiting('executions')}",
                [owner, execution_id],
            )
            == 1
        )

    def queue_counts(self, tenant_id: str, project_id: str) -> QueueCounts:
        (row,) = self._query(
            "SELECT COUNT(*) AS server, "
            "COALESCE(SUM(CASE WHEN e.tenant_id = ? THEN 1 ELSE 0 END), 0) AS tenant, "
            "COALESCE(SUM(CASE WHEN e.tenant_id = ? AND e.project_id = ? THEN 1 ELSE 0 END), 0) AS project "
            f"FROM executions AS e WHERE {waiting('e')}",
            [tenant_id, tenant_id, project_id],
        )
        return {"project": int(row["project"]), "tenant": int(row["tenant"]), "server": int(row["server"])}

    def queue_position(self, execution_id: str) -> int | None:
        (row,) = self._query(
            "SELECT COUNT(*) AS n FROM executions AS me JOIN executions AS q ON q.tenant_id = me.tenant_id "
            f"WHERE me.execution_id = ? AND {waiting('me')} AND {waiting('q')} "
            "AND (q.priority_rank < me.priority_rank "
            "OR (q.priority_rank = me.priority_rank AND q.rowid <= me.rowid))",
            [execution_id],
        )
        return int(row["n"]) or None

    def notebook_busy(self, notebook_id: str, *, besides: str) -> bool:
        rows = self._query(
            "SELECT execution_id FROM executions WHERE notebook_id = ? AND status = 'Running' "
            "AND execution_id <> ? LIMIT 1",
            [notebook_id, besides],
        )
        return bool(rows)

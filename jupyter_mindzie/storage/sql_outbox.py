"""The outbox's queries (storage/interface_outbox.py), in the SQL both backends share."""

from __future__ import annotations

from jupyter_mindzie.clock import stamp
from jupyter_mindzie.storage.interface import Row
from jupyter_mindzie.storage.sql_base import SqlBase

_FREE = "state = 'pending' AND (claimed_until IS NULL OR claimed_until < ?)"


class SqlOutbox(SqlBase):
    """Webhook deliveries and secrets; mixed into `SqlStore`."""

    def enqueue_deliveries(self, rows: list[Row]) -> int:
        added = 0
        for row in rows:
            added += self._execute(
                'INSERT INTO "webhook_deliveries" '
                "(delivery_id, tenant_id, project_id, notebook_id, execution_id, event, url, body, "
                "state, attempts, next_attempt, date_created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) "
                "ON CONFLICT (execution_id, event, url) DO NOTHING",
                [
                    row["delivery_id"],
                    row["tenant_id"],
                    row["project_id"],
                    row["notebook_id"],
                    row["execution_id"],
                    row["event"],
                    row["url"],
                    row["body"],
                    row["next_attempt"],
                    row.get("date_created") or stamp(),
                ],
            )
        return added

    def claim_deliveries(self, server_id: str, now: str, until: str, limit: int) -> list[Row]:
        candidates = self._query(
            f'SELECT delivery_id FROM "webhook_deliveries" WHERE {_FREE} AND next_attempt <= ? '
            f"ORDER BY next_attempt, rowid LIMIT {int(limit)}",
            [now, now],
        )
        claimed = []
        for candidate in candidates:
            # The free condition again in the UPDATE: PostgreSQL re-checks it on the row a
            # concurrent claim just changed, SQLite runs one writer at a time.
            changed = self._execute(
                f'UPDATE "webhook_deliveries" SET claimed_by = ?, claimed_until = ? '
                f"WHERE delivery_id = ? AND {_FREE}",
                [server_id, until, candidate["delivery_id"], now],
            )
            if changed == 1:
                claimed.extend(
                    self._select("webhook_deliveries", "delivery_id = ?", [candidate["delivery_id"]])
                )
        return claimed

    def next_delivery_due(self) -> str | None:
        rows = self._query(
            "SELECT MIN(next_attempt) AS due FROM \"webhook_deliveries\" WHERE state = 'pending'"
        )
        due = rows[0]["due"] if rows else None
        return str(due) if due else None

    def finish_delivery(self, delivery_id: str, server_id: str, changes: Row) -> bool:
        released = {**changes, "claimed_by": None, "claimed_until": None}
        where = "delivery_id = ? AND claimed_by = ? AND state = 'pending'"
        return self._update("webhook_deliveries", where, [delivery_id, server_id], released) == 1

    def release_deliveries(self, server_id: str) -> None:
        self._execute(
            'UPDATE "webhook_deliveries" SET claimed_by = NULL, claimed_until = NULL '
            "WHERE claimed_by = ? AND state = 'pending'",
            [server_id],
        )

    def deliveries(self, execution_id: str) -> list[Row]:
        return self._select("webhook_deliveries", "execution_id = ?", [execution_id], order_by="rowid")

    def webhook_secret(self, tenant_id: str, project_id: str, candidate: str) -> str:
        where = "tenant_id = ? AND project_id = ?"
        row = {"tenant_id": tenant_id, "project_id": project_id, "secret": candidate, "date_created": stamp()}
        self._insert_many(
            "webhook_secrets", [row], conflict=" ON CONFLICT (tenant_id, project_id) DO NOTHING"
        )
        (stored,) = self._select("webhook_secrets", where, [tenant_id, project_id])
        return str(stored["secret"])

    def rotate_webhook_secret(self, tenant_id: str, project_id: str, secret: str) -> None:
        row = {"tenant_id": tenant_id, "project_id": project_id, "secret": secret, "date_created": stamp()}
        self._upsert_many("webhook_secrets", [row], ("tenant_id", "project_id"))

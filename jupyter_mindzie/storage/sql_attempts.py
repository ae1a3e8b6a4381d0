"""The queries of retries and idempotent submits (storage/interface_attempts.py), in the SQL both
backends share."""

from __future__ import annotations

from jupyter_mindzie.clock import stamp
from jupyter_mindzie.storage.interface_attempts import Row
from jupyter_mindzie.storage.sql_base import SqlBase

_KEY = "tenant_id = ? AND notebook_id = ? AND idempotency_key = ?"


class SqlAttempts(SqlBase):
    """Attempts of executions and idempotency keys; mixed into `SqlStore`."""

    def retry_execution(
        self, execution_id: str, ended: Row, changes: Row, cells: list[Row], *, owner: str | None = None
    ) -> bool:
        with self.atomic():
            where, args = "execution_id = ? AND status = 'Running'", [execution_id]
            if owner is not None:
                where, args = f"{where} AND (owner = ? OR owner IS NULL)", [execution_id, owner]
            if not self._update("executions", where, args, changes):
                return False
            self._upsert_many(
                "execution_attempts", [{**ended, "execution_id": execution_id}], ("execution_id", "attempt")
            )
            if cells:
                self._upsert_many("cell_results", cells, ("execution_id", "cell_id"))
            self._notify("execution", execution_id)
        return True

    def attempts(self, execution_id: str) -> list[Row]:
        return self._select("execution_attempts", "execution_id = ?", [execution_id], order_by="attempt")

    def pending_retries(self) -> list[Row]:
        return self._select(
            "executions",
            "status = 'Running' AND phase = 'Queued' AND retry_at IS NOT NULL",
            order_by="retry_at, rowid",
        )

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
        claimed = self._execute(
            'INSERT INTO "idempotency_keys" '
            "(tenant_id, project_id, notebook_id, idempotency_key, fingerprint, date_created) "
            "VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (tenant_id, notebook_id, idempotency_key) DO UPDATE SET "
            "project_id = excluded.project_id, fingerprint = excluded.fingerprint, "
            "execution_id = NULL, response = NULL, date_created = excluded.date_created "
            'WHERE "idempotency_keys".date_created < ? '
            'OR ("idempotency_keys".response IS NULL AND "idempotency_keys".date_created < ?)',
            [tenant_id, project_id, notebook_id, key, fingerprint, stamp(), expired_before, abandoned_before],
        )
        return claimed == 1

    def idempotency_key(self, tenant_id: str, notebook_id: str, key: str) -> Row | None:
        return self._first("idempotency_keys", _KEY, [tenant_id, notebook_id, key])

    def complete_idempotency_key(
        self, tenant_id: str, notebook_id: str, key: str, execution_id: str, response: str
    ) -> None:
        self._update(
            "idempotency_keys",
            _KEY,
            [tenant_id, notebook_id, key],
            {"execution_id": execution_id, "response": response},
        )

    def release_idempotency_key(self, tenant_id: str, notebook_id: str, key: str, fingerprint: str) -> None:
        self._execute(
            f'DELETE FROM "idempotency_keys" WHERE {_KEY} AND fingerprint = ? AND response IS NULL',
            [tenant_id, notebook_id, key, fingerprint],
        )

    def _forget_attempts(self, notebook_id: str) -> None:
        """A deleted notebook's attempts and keys (inside `delete_notebook`'s transaction)."""
        self._execute(
            'DELETE FROM "execution_attempts" WHERE execution_id IN '
            "(SELECT execution_id FROM executions WHERE notebook_id = ?)",
            [notebook_id],
        )
        self._execute('DELETE FROM "idempotency_keys" WHERE notebook_id = ?', [notebook_id])

    def prune_idempotency_keys(self, before: str) -> int:
        return self._execute('DELETE FROM "idempotency_keys" WHERE date_created < ?', [before])

"""The schedules' queries (cron state and the slots fired once across servers), written once for
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import cast

from jupyter_mindzie.clock import stamp
from jupyter_mindzie.storage.interface import Row, ScheduleSlot, ScheduleState
from jupyter_mindzie.storage.sql_base import SqlBase, quoted


class SqlSchedules(SqlBase):
    """Which notebooks are scheduled, where each schedule stands, and its claimed slots."""

    def scheduled_notebooks(self) -> list[Row]:
        where = (
            f"{self._json_true('integration', 'autoExecution')} "
            f"AND {self._json_present('integration', 'scheduleExecution')}"
        )
        return self._select("notebooks", where)

    def schedule_state(self, notebook_id: str) -> ScheduleState | None:
        # the table's columns are the TypedDict's keys, none of them JSON
        return cast(ScheduleState | None, self._first("schedule_state", "notebook_id = ?", [notebook_id]))

    def set_schedule_state(self, notebook_id: str, cron: str, anchor: str) -> None:
        row = {"notebook_id": notebook_id, "cron": cron, "anchor": anchor}
        self._upsert_many("schedule_state", [row], ("notebook_id",))

    def claim_slot(self, notebook_id: str, slot: str, outcome: str, claimed_by: str) -> bool:
        """Record a slot once: the primary key decides which of many servers got it."""
        row = {
            "notebook_id": notebook_id,
            "slot": slot,
            "outcome": outcome,
            "claimed_by": claimed_by,
            "date_claimed": stamp(),
        }
        stored = list(row.values())
        marks = ", ".join("?" for _ in row)
        sql = f"INSERT INTO schedule_slots ({quoted(list(row))}) VALUES ({marks}) ON CONFLICT DO NOTHING"
        return self._execute(sql, stored) == 1

    def set_slot_execution(self, notebook_id: str, slot: str, execution_id: str | None, outcome: str) -> None:
        self._update(
            "schedule_slots",
            "notebook_id = ? AND slot = ?",
            [notebook_id, slot],
            {"execution_id": execution_id, "outcome": outcome},
        )

    def schedule_slots(self, notebook_id: str) -> list[ScheduleSlot]:
        rows = self._select("schedule_slots", "notebook_id = ?", [notebook_id], order_by="slot")
        return [cast(ScheduleSlot, row) for row in rows]  # the table's columns are its keys

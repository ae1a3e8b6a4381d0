"""The SQLite schema and its migrations, numbered in `PRAGMA user_version` (SQLite only).

Migration n brings the schema from version n - 1 to n, in one transaction, so a server killed
while migrating leaves the file at the version before. A migration, once released, never
changes: the next change is the next function in MIGRATIONS.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from jupyter_mindzie.i18n import Message
from jupyter_mindzie.storage.interface import StoreTooNew


def _migrate_1(db: sqlite_utils.Database) -> None:
    """Notebooks and their versions."""
    db.table("notebooks").create(
        {
            "notebook_id": str,
            "tenant_id": str,
            "project_id": str,
            "name": str,
            "description": str,
            "kernel_type": str,
            "status": str,
            "version": str,
            "path": str,
            "enrichment_mode": int,
            "integration": str,
            "environment": str,
            "python_version": str,
            "created_by": str,
            "date_created": str,
            "date_modified": str,
            "last_execution_date": str,
            "execution_count": int,
            "cell_count": int,
            "cells_hash": str,
            "file_modified": str,
            "cell_times": str,
        },
        pk="notebook_id",
        not_null={"tenant_id", "project_id", "name", "kernel_type", "status", "version", "path"},
        defaults={"status": "Ready", "execution_count": 0, "cell_count": 0, "enrichment_mode": 0},
    )
    notebooks = db.table("notebooks")
    notebooks.create_index(["path"], unique=True)
    notebooks.create_index(["tenant_id", "project_id", "date_created"])
    notebooks.create_index(["tenant_id", "project_id", "status", "date_created"])
    notebooks.create_index(["tenant_id", "project_id", "kernel_type", "date_created"])
    notebooks.create_index(["tenant_id", "project_id", "enrichment_mode", "date_created"])
    db.table("notebook_versions").create(
        {
            "notebook_id": str,
            "version": str,
            "major": int,
            "minor": int,
            "patch": int,
            "change": str,
            "created_by": str,
            "date_created": str,
            "settings": str,
            "content": str,
        },
        pk=("notebook_id", "version"),
        not_null={"content", "settings"},
    )
    db.table("notebook_versions").create_index(["notebook_id", "major", "minor", "patch"])


def _migrate_2(db: sqlite_utils.Database) -> None:
    """Datasets, executions, their per-cell results and their artifacts."""
    db.table("datasets").create(
        {
            "dataset_id": str,
            "tenant_id": str,
            "project_id": str,
            "name": str,
            "format": str,
            "record_count": int,
            "columns": str,
            "size": int,
            "file": str,
            "created_by": str,
            "date_created": str,
        },
        pk="dataset_id",
        not_null={"tenant_id", "project_id", "name", "format", "file"},
    )
    db.table("datasets").create_index(["tenant_id", "project_id", "date_created"])
    db.table("executions").create(
        {
            "execution_id": str,
            "notebook_id": str,
            "tenant_id": str,
            "project_id": str,
            "status": str,
            "phase": str,
            "priority": str,
            "priority_rank": int,
            "parameters": str,
            "options": str,
            "cell_ids": str,
            "notebook_version": str,
            "source": str,
            "created_by": str,
            "date_queued": str,
            "start_time": str,
            "end_time": str,
            "total_seconds": float,
            "current_cell": str,
            "current_cell_index": int,
            "total_cells": int,
            "completed_cells": int,
            "successful_cells": int,
            "failed_cells": int,
            "error_type": str,
            "error_message": str,
            "kernel_id": str,
            "resources": str,
        },
        pk="execution_id",
        not_null={"notebook_id", "tenant_id", "project_id", "status", "phase"},
    )
    db.table("executions").create_index(["notebook_id", "date_queued"])
    db.table("executions").create_index(["status", "phase"])
    db.table("cell_results").create(
        {
            "execution_id": str,
            "cell_id": str,
            "position": int,
            "status": str,
            "execution_seconds": float,
            "has_output": int,
            "output_type": str,
            "error_type": str,
            "error_message": str,
        },
        pk=("execution_id", "cell_id"),
    )
    db.table("artifacts").create(
        {
            "execution_id": str,
            "name": str,
            "kind": str,
            "content_type": str,
            "size": int,
            "cell_id": str,
            "position": int,
            "meta": str,
        },
        pk=("execution_id", "name"),
    )
    db.table("artifacts").create_index(["execution_id", "kind", "position"])


def _migrate_3(db: sqlite_utils.Database) -> None:
    """Schedules: where each one's clock stands, and every slot fired or missed (the lease)."""
    db.table("schedule_state").create({"notebook_id": str, "cron": str, "anchor": str}, pk="notebook_id")
    db.table("schedule_slots").create(
        {
            "notebook_id": str,
            "slot": str,
            "outcome": str,
            "execution_id": str,
            "claimed_by": str,
            "date_claimed": str,
        },
        pk=("notebook_id", "slot"),
    )


def _migrate_4(db: sqlite_utils.Database) -> None:
    """The kernel's process id, so a restarted server can stop kernels a killed one left behind."""
    db.table("executions").add_column("kernel_pid", int)


def _migrate_5(db: sqlite_utils.Database) -> None:
    """Datasets a run published: where they came from and which columns the run added."""
    db.table("datasets").add_column("lineage", str)
    db.table("datasets").add_column("new_columns", str)


def _migrate_6(db: sqlite_utils.Database) -> None:
    """Servers with their leases, and which one owns each execution (several servers, one store)."""
    db.table("servers").create(
        {"server_id": str, "host": str, "pid": int, "date_started": str, "heartbeat": str},
        pk="server_id",
        not_null={"host", "pid", "heartbeat"},
    )
    executions = db.table("executions")
    executions.add_column("owner", str)
    executions.add_column("cancel_requested", int, not_null_default=0)
    executions.create_index(["owner", "status"])


def _migrate_7(db: sqlite_utils.Database) -> None:
    """Who set a notebook's schedule: each firing runs as that user, if they may still run it."""
    db.table("notebooks").add_column("schedule_by", str)


def _migrate_8(db: sqlite_utils.Database) -> None:
    """Display names of tenants and projects (their folders keep the GUID paths)."""
    db.table("tenant_names").create({"tenant_id": str, "name": str, "date_modified": str}, pk="tenant_id")
    db.table("project_names").create(
        {"tenant_id": str, "project_id": str, "name": str, "date_modified": str},
        pk=("tenant_id", "project_id"),
    )


def _migrate_9(db: sqlite_utils.Database) -> None:
    """The webhook outbox (a delivery per run, event and URL, claimed by one server at a time)
    and each project's signing secret."""
    db.table("webhook_deliveries").create(
        {
            "delivery_id": str,
            "tenant_id": str,
            "project_id": str,
            "notebook_id": str,
            "execution_id": str,
            "event": str,
            "url": str,
            "body": str,
            "state": str,
            "attempts": int,
            "next_attempt": str,
            "claimed_by": str,
            "claimed_until": str,
            "last_status": int,
            "last_error": str,
            "date_created": str,
            "date_finished": str,
        },
        pk="delivery_id",
        not_null={"tenant_id", "project_id", "execution_id", "event", "url", "body", "state", "next_attempt"},
        defaults={"state": "pending", "attempts": 0},
    )
    deliveries = db.table("webhook_deliveries")
    deliveries.create_index(["execution_id", "event", "url"], unique=True)
    deliveries.create_index(["state", "next_attempt"])
    db.table("webhook_secrets").create(
        {"tenant_id": str, "project_id": str, "secret": str, "date_created": str},
        pk=("tenant_id", "project_id"),
        not_null={"secret"},
    )


def _migrate_10(db: sqlite_utils.Database) -> None:
    """The queue in the store: each tenant's turn for the slots, and an index for claims.

    Rows queued by a release that kept its queue in memory have an owner: they stay that
    server's (or a peer takes them over when it dies) and are never claimed twice.
    """
    db.execute(QUEUE_TURNS)
    db.execute(QUEUE_INDEX)
    db.execute(QUEUE_TURNS_BACKFILL)


QUEUE_TURNS = "CREATE TABLE queue_turns (tenant_id TEXT PRIMARY KEY, turn INTEGER NOT NULL DEFAULT 0)"
QUEUE_INDEX = "CREATE INDEX executions_queue ON executions (tenant_id, status, phase, priority_rank)"
QUEUE_TURNS_BACKFILL = (
    "INSERT INTO queue_turns (tenant_id, turn) SELECT DISTINCT tenant_id, 0 FROM executions "
    "WHERE status = 'Running' ON CONFLICT DO NOTHING"
)


def _migrate_11(db: sqlite_utils.Database) -> None:
    """Retries and idempotent submits: which attempt an execution is at and when the next may
    start, each attempt that ended and was retried, and the `Idempotency-Key`s of execute requests."""
    executions = db.table("executions")
    executions.add_column("attempt", int, not_null_default=1)
    executions.add_column("retry_at", str)
    for statement in ATTEMPT_TABLES:
        db.execute(statement)


ATTEMPT_TABLES = (
    "CREATE TABLE execution_attempts (execution_id TEXT NOT NULL, attempt INTEGER NOT NULL, "
    "status TEXT NOT NULL, error_type TEXT, error_message TEXT, start_time TEXT, end_time TEXT, "
    "total_seconds FLOAT, PRIMARY KEY (execution_id, attempt))",
    "CREATE TABLE idempotency_keys (tenant_id TEXT NOT NULL, project_id TEXT NOT NULL, "
    "notebook_id TEXT NOT NULL, idempotency_key TEXT NOT NULL, fingerprint TEXT NOT NULL, "
    "execution_id TEXT, response TEXT, date_created TEXT NOT NULL, "
    "PRIMARY KEY (tenant_id, notebook_id, idempotency_key))",
    "CREATE INDEX idempotency_keys_age ON idempotency_keys (date_created)",
)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _migrate_1,
    _migrate_2,
    _migrate_3,
    _migrate_4,
    _migrate_5,
    _migrate_6,
    _migrate_7,
    _migrate_8,
    _migrate_9,
    _migrate_10,
    _migrate_11,
]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    """The version the file's schema is at (0 for a new file)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite_utils.Database, label: str) -> list[int]:
    """Apply the migrations the file lacks; returns the versions reached, in order.

    Raises StoreTooNew, naming `label`, when the file is at a newer schema than this release's.
    """
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise StoreTooNew(
            Message(
                "{label} has schema version {current}; this jupyter-mindzie knows up to {known}. "
                "Upgrade jupyter-mindzie.",
                label=label,
                current=current,
                known=SCHEMA_VERSION,
            )
        )
    reached = []
    for number in range(current, SCHEMA_VERSION):
        with db.atomic():
            MIGRATIONS[number](db)
            db.execute(f"PRAGMA user_version = {number + 1}")
        reached.append(number + 1)
    return reached

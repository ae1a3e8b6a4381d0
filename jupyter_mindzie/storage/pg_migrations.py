"""The PostgreSQL schema and its migrations, numbered in the table `mindzie_schema`.

The same tables and columns as SQLite's (storage/migrations.py), so one set of queries serves
both; PostgreSQL numbers its own migrations, starting with this release's whole schema. Each
runs in one transaction under an advisory lock, so servers starting together on a new
database migrate it once and the others wait, then find it done.
"""

from __future__ import annotations

from typing import Any

from jupyter_mindzie.i18n import Message
from jupyter_mindzie.storage.interface import StoreTooNew

_LOCK = 0x6D696E647A6965  # "mindzie": one advisory lock for every migrating server

SCHEMA_1 = """
CREATE TABLE notebooks (
    rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    notebook_id text PRIMARY KEY,
    tenant_id text NOT NULL,
    project_id text NOT NULL,
    name text NOT NULL,
    description text,
    kernel_type text NOT NULL,
    status text NOT NULL DEFAULT 'Ready',
    version text NOT NULL,
    path text NOT NULL CONSTRAINT notebooks_path_key UNIQUE,
    enrichment_mode integer DEFAULT 0,
    integration text,
    environment text,
    python_version text,
    created_by text,
    date_created text,
    date_modified text,
    last_execution_date text,
    execution_count integer DEFAULT 0,
    cell_count integer DEFAULT 0,
    cells_hash text,
    file_modified text,
    cell_times text,
    schedule_by text
);
CREATE INDEX notebooks_project ON notebooks (tenant_id, project_id, date_created);
CREATE INDEX notebooks_status ON notebooks (tenant_id, project_id, status, date_created);
CREATE INDEX notebooks_kernel ON notebooks (tenant_id, project_id, kernel_type, date_created);
CREATE INDEX notebooks_enrichment ON notebooks (tenant_id, project_id, enrichment_mode, date_created);

CREATE TABLE notebook_versions (
    notebook_id text NOT NULL,
    version text NOT NULL,
    major integer,
    minor integer,
    patch integer,
    change text,
    created_by text,
    date_created text,
    settings text NOT NULL,
    content text NOT NULL,
    PRIMARY KEY (notebook_id, version)
);
CREATE INDEX notebook_versions_order ON notebook_versions (notebook_id, major, minor, patch);

CREATE TABLE datasets (
    rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    dataset_id text PRIMARY KEY,
    tenant_id text NOT NULL,
    project_id text NOT NULL,
    name text NOT NULL,
    format text NOT NULL,
    record_count bigint,
    columns text,
    size bigint,
    file text NOT NULL,
    created_by text,
    date_created text,
    lineage text,
    new_columns text
);
CREATE INDEX datasets_project ON datasets (tenant_id, project_id, date_created);

CREATE TABLE executions (
    rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    execution_id text PRIMARY KEY,
    notebook_id text NOT NULL,
    tenant_id text NOT NULL,
    project_id text NOT NULL,
    status text NOT NULL,
    phase text NOT NULL,
    priority text,
    priority_rank integer,
    parameters text,
    options text,
    cell_ids text,
    notebook_version text,
    source text,
    created_by text,
    date_queued text,
    start_time text,
    end_time text,
    total_seconds double precision,
    current_cell text,
    current_cell_index integer,
    total_cells integer,
    completed_cells integer,
    successful_cells integer,
    failed_cells integer,
    error_type text,
    error_message text,
    kernel_id text,
    resources text,
    kernel_pid integer,
    owner text,
    cancel_requested integer NOT NULL DEFAULT 0
);
CREATE INDEX executions_history ON executions (notebook_id, date_queued);
CREATE INDEX executions_status ON executions (status, phase);
CREATE INDEX executions_owner ON executions (owner, status);

CREATE TABLE cell_results (
    execution_id text NOT NULL,
    cell_id text NOT NULL,
    position integer,
    status text,
    execution_seconds double precision,
    has_output integer,
    output_type text,
    error_type text,
    error_message text,
    PRIMARY KEY (execution_id, cell_id)
);

CREATE TABLE artifacts (
    execution_id text NOT NULL,
    name text NOT NULL,
    kind text,
    content_type text,
    size bigint,
    cell_id text,
    position integer,
    meta text,
    PRIMARY KEY (execution_id, name)
);
CREATE INDEX artifacts_order ON artifacts (execution_id, kind, position);

CREATE TABLE schedule_state (notebook_id text PRIMARY KEY, cron text, anchor text);
CREATE TABLE schedule_slots (
    notebook_id text NOT NULL,
    slot text NOT NULL,
    outcome text,
    execution_id text,
    claimed_by text,
    date_claimed text,
    PRIMARY KEY (notebook_id, slot)
);

CREATE TABLE tenant_names (
    tenant_id text PRIMARY KEY,
    name text NOT NULL,
    date_modified text
);

CREATE TABLE project_names (
    tenant_id text NOT NULL,
    project_id text NOT NULL,
    name text NOT NULL,
    date_modified text,
    PRIMARY KEY (tenant_id, project_id)
);

CREATE TABLE servers (
    server_id text PRIMARY KEY,
    host text NOT NULL,
    pid integer NOT NULL,
    date_started text,
    heartbeat text NOT NULL
);
"""

SCHEMA_2 = """
CREATE TABLE webhook_deliveries (
    rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    delivery_id text PRIMARY KEY,
    tenant_id text NOT NULL,
    project_id text NOT NULL,
    notebook_id text,
    execution_id text NOT NULL,
    event text NOT NULL,
    url text NOT NULL,
    body text NOT NULL,
    state text NOT NULL DEFAULT 'pending',
    attempts integer DEFAULT 0,
    next_attempt text NOT NULL,
    claimed_by text,
    claimed_until text,
    last_status integer,
    last_error text,
    date_created text,
    date_finished text,
    UNIQUE (execution_id, event, url)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt);

CREATE TABLE webhook_secrets (
    tenant_id text NOT NULL,
    project_id text NOT NULL,
    secret text NOT NULL,
    date_created text,
    PRIMARY KEY (tenant_id, project_id)
);
"""
"""The webhook outbox and the projects' signing secrets (SQLite's migration 9)."""


SCHEMA_3 = """
CREATE TABLE queue_turns (tenant_id text PRIMARY KEY, turn bigint NOT NULL DEFAULT 0);
CREATE INDEX executions_queue ON executions (tenant_id, status, phase, priority_rank);
INSERT INTO queue_turns (tenant_id, turn)
    SELECT DISTINCT tenant_id, 0 FROM executions WHERE status = 'Running' ON CONFLICT DO NOTHING;
"""
"""The queue in the store: each tenant's turn for the slots (SQLite's migration 10)."""

SCHEMA_4 = """
ALTER TABLE executions ADD COLUMN attempt integer NOT NULL DEFAULT 1;
ALTER TABLE executions ADD COLUMN retry_at text;
CREATE TABLE execution_attempts (
    execution_id text NOT NULL,
    attempt integer NOT NULL,
    status text NOT NULL,
    error_type text,
    error_message text,
    start_time text,
    end_time text,
    total_seconds double precision,
    PRIMARY KEY (execution_id, attempt)
);
CREATE TABLE idempotency_keys (
    tenant_id text NOT NULL,
    project_id text NOT NULL,
    notebook_id text NOT NULL,
    idempotency_key text NOT NULL,
    fingerprint text NOT NULL,
    execution_id text,
    response text,
    date_created text NOT NULL,
    PRIMARY KEY (tenant_id, notebook_id, idempotency_key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (date_created);
"""
"""Retries and idempotent submits (SQLite's migration 11)."""

MIGRATIONS: list[str] = [SCHEMA_1, SCHEMA_2, SCHEMA_3, SCHEMA_4]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: Any) -> int:
    """The version the database's schema is at (0 for a new database)."""
    found = conn.execute("SELECT to_regclass('mindzie_schema') IS NOT NULL AS present").fetchone()
    if not found["present"]:
        return 0
    row = conn.execute("SELECT version FROM mindzie_schema").fetchone()
    return int(row["version"]) if row else 0


def migrate(conn: Any, label: str) -> list[int]:
    """Apply the migrations the database lacks (under the advisory lock); the versions reached."""
    reached = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        conn.execute("CREATE TABLE IF NOT EXISTS mindzie_schema (version integer NOT NULL)")
        current = schema_version(conn)
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
        for number in range(current, SCHEMA_VERSION):
            conn.execute(MIGRATIONS[number])
            reached.append(number + 1)
        if reached:
            conn.execute("DELETE FROM mindzie_schema")
            conn.execute("INSERT INTO mindzie_schema (version) VALUES (%s)", [SCHEMA_VERSION])
    return reached

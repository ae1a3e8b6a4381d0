"""The store interface: what the services need from a metadata backend, in domain terms.

`MindzieStore` (SQLite, storage/sqlite.py) and `MindziePostgresStore` (storage/postgres.py)
implement it, both on the queries of storage/sql.py, and pass the same contract suite
(tests/test_store_contract.py).

Rows are plain dicts keyed by snake_case column names (`notebook_id`, `date_created`, …), with
JSON columns (`integration`, `parameters`, `cell_times`, …) already decoded; stamps are the
sortable text of `jupyter_mindzie.clock.stamp`. Every call is short, so callers may make it on
the event loop. Nothing here names a database library: a backend translates its own errors
into the ones below.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, TypedDict

from jupyter_mindzie.storage.interface_attempts import AttemptStore
from jupyter_mindzie.storage.interface_outbox import OutboxStore
from jupyter_mindzie.storage.interface_queue import QueueStore

Row = dict[str, Any]
Page = tuple[list[Row], int]
"""One page of rows and the total count of rows matching the same filters."""


class PathTaken(Exception):
    """Another notebook already holds this path; the caller picks another name."""


class StoreTooNew(RuntimeError):
    """The database was written by a newer jupyter-mindzie; refusing beats corrupting it."""


class StoreUnreachable(ConnectionError):
    """The database cannot be reached just now (restarting, network, no free connection); the
    same call may succeed in a moment. The API answers it 503 with Retry-After."""

    retry_after = 5


class ProjectCounts(TypedDict):
    tenant_id: str
    project_id: str
    notebooks: int
    datasets: int


class ProjectName(TypedDict):
    tenant_id: str
    project_id: str
    name: str


class ScheduleState(TypedDict):
    notebook_id: str
    cron: str
    anchor: str


class ScheduleSlot(TypedDict):
    notebook_id: str
    slot: str
    outcome: str
    execution_id: str | None
    claimed_by: str
    date_claimed: str


class ServerLease(TypedDict):
    server_id: str
    host: str
    pid: int
    date_started: str
    heartbeat: str


ChangeListener = Callable[[str, str], None]
"""Called with a kind ("execution", "cancel") and an execution id when another server wrote."""


class Store(OutboxStore, QueueStore, AttemptStore, Protocol):
    """Notebooks, versions, executions, artifacts, datasets and schedules of every tenant."""

    # -- the store itself -----------------------------------------------------------------

    @property
    def location(self) -> str:
        """Where the data lives, for logs and messages (a file path, or a URL without secrets)."""
        ...

    @property
    def data_dir(self) -> Path:
        """The folder whose `executions/` and `datasets/` hold files by default."""
        ...

    @property
    def schema_version(self) -> int:
        """The schema the database is at now."""
        ...

    def migrate(self) -> None:
        """Bring the schema up to this release's; a no-op when it is there already.

        Raises StoreTooNew when the database is at a newer schema than this release knows.
        """
        ...

    def atomic(self) -> AbstractContextManager[None]:
        """A transaction: the writes inside commit together, or none does if the block raises.

        Blocks nest; an inner block that raises undoes only its own writes.
        """
        ...

    def close(self) -> None:
        """Release the connection(s); the store is not used afterwards."""
        ...

    def listen(self, callback: ChangeListener) -> bool:
        """Call `callback` (from any thread) when another server writes an execution's progress or
        a cancel request; False when the backend cannot, and readers must poll instead."""
        ...

    # -- notebooks --------------------------------------------------------------------------

    def insert_notebook(self, row: Row, version: Row) -> None:
        """A notebook and its first version, together or not at all.

        Raises PathTaken when another notebook holds `row["path"]`: callers reserve names so.
        """
        ...

    def get_notebook(self, tenant_id: str, project_id: str, notebook_id: str) -> Row | None:
        """The notebook, or None when it is missing or belongs to another project."""
        ...

    def notebook_exists(self, tenant_id: str, project_id: str, notebook_id: str) -> bool:
        """Whether `get_notebook` would find it, without reading the row."""
        ...

    def path_taken(self, path: str) -> bool:
        """Whether any notebook, of any project, holds this path."""
        ...

    def notebooks_at(self, path: str) -> list[Row]:
        """Notebooks, of any project, whose file is `path` or lies inside the folder `path`."""
        ...

    def list_notebooks(
        self,
        tenant_id: str,
        project_id: str,
        *,
        status: str | None = None,
        kernel_type: str | None = None,
        enrichment_mode: bool | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> Page:
        """One page of a project's notebooks matching every filter given, newest first.

        Notebooks created in the same instant keep their insertion order (the later first),
        so the same request always returns the same page.
        """
        ...

    def update_notebook(
        self,
        notebook_id: str,
        changes: Row,
        *,
        version: Row | None = None,
        expected_version: str | None = None,
    ) -> bool:
        """Apply `changes` and record `version`, atomically.

        With `expected_version`, only while the notebook is still at that version (a
        compare-and-set). False, and nothing written, when it is not or the notebook is missing.
        """
        ...

    def delete_notebook(self, notebook_id: str) -> None:
        """The notebook with its versions, executions (cells, artifacts) and schedule, atomically."""
        ...

    def projects(self) -> list[ProjectCounts]:
        """Every tenant/project pair holding a notebook or a dataset, with counts, sorted by ids."""
        ...

    # -- display names -------------------------------------------------------------------------

    def set_tenant_name(self, tenant_id: str, name: str | None) -> None:
        """Name the tenant, or forget its name with None."""
        ...

    def set_project_name(self, tenant_id: str, project_id: str, name: str | None) -> None:
        """Name the project, or forget its name with None."""
        ...

    def tenant_names(self) -> dict[str, str]:
        """Every named tenant's name by its id."""
        ...

    def project_names(self) -> list[ProjectName]:
        """Every named project, sorted by ids."""
        ...

    # -- versions -----------------------------------------------------------------------------

    def list_versions(self, notebook_id: str, *, page: int = 1, page_size: int = 20) -> Page:
        """A page of versions, highest semantic version first, without their `content`."""
        ...

    def get_version(self, notebook_id: str, version: str) -> Row | None:
        """One version with its content, or None."""
        ...

    def latest_version(self, notebook_id: str) -> Row | None:
        """The highest semantic version (not the latest written), or None."""
        ...

    # -- executions ---------------------------------------------------------------------------

    def insert_execution(self, row: Row, cells: list[Row]) -> None:
        """An execution and its per-cell rows, together or not at all."""
        ...

    def save_progress(
        self, execution_id: str, changes: Row, cells: list[Row], *, owner: str | None = None
    ) -> bool:
        """A batch of progress in one transaction: execution columns, and cells inserted or replaced.

        With `owner`, only while that server still owns the execution (or none does): once a
        peer has taken it over, nothing is written and the answer is False, so a server that
        lost its lease can never give a run a second terminal state.
        """
        ...

    def get_execution(self, execution_id: str) -> Row | None:
        """An execution by id alone (callers that have already checked its scope), or None."""
        ...

    def find_execution(
        self, tenant_id: str, project_id: str, notebook_id: str, execution_id: str
    ) -> Row | None:
        """The execution only if it belongs to this notebook of this project, else None."""
        ...

    def list_executions(self, notebook_id: str, *, page: int = 1, page_size: int = 20) -> Page:
        """A page of a notebook's history, latest queued first (insertion order breaks ties).

        Rows hold the history columns only (storage.rows.HISTORY_COLUMNS).
        """
        ...

    def execution_ids(self, notebook_id: str) -> list[str]:
        """The ids of every execution of the notebook, in no particular order."""
        ...

    def active_executions(self) -> list[Row]:
        """Executions of every tenant not yet ended (status Running), oldest queued first."""
        ...

    def recent_durations(self, notebook_id: str, limit: int = 10) -> list[float]:
        """Seconds taken by the notebook's latest `limit` Completed executions, latest first."""
        ...

    def cell_results(self, execution_id: str) -> list[Row]:
        """The execution's per-cell rows in notebook order."""
        ...

    def prune_executions(self, before: str) -> list[str]:
        """Forget ended executions whose `end_time` is before the stamp `before`, with their
        cells and artifacts, atomically; returns their ids. Running ones are never pruned."""
        ...

    # -- servers, and which one owns an execution ---------------------------------------------

    def register_server(self, server_id: str, host: str, pid: int) -> None:
        """Record a server (or renew its record) with a fresh heartbeat."""
        ...

    def heartbeat(self, server_id: str) -> bool:
        """Renew the server's lease; False when its record is gone (a peer judged it dead)."""
        ...

    def servers(self) -> list[ServerLease]:
        """Every server registered on this database, oldest first."""
        ...

    def forget_server(self, server_id: str) -> None:
        """Drop a server's record: its executions are orphans for the next `take_orphans`."""
        ...

    def take_orphans(self, owner: str, expired_before: str) -> list[Row]:
        """Make `owner` the owner of every Running execution whose owner is missing or whose
        heartbeat is older than `expired_before`; return those rows (with `previous_owner`).
        A waiting execution (Queued, no owner) is no orphan: any server claims it.

        Exactly one of several servers calling at once gets each execution.
        """
        ...

    def request_cancel(self, execution_id: str) -> bool:
        """Ask the execution's owner to cancel it; False when it is no longer Running."""
        ...

    def cancel_requests(self, owner: str) -> list[str]:
        """Running executions of `owner` that a cancel was requested for."""
        ...

    # -- artifacts ----------------------------------------------------------------------------

    def insert_artifacts(self, rows: list[Row]) -> None:
        """Record artifacts; one of the same execution and name is replaced."""
        ...

    def artifacts(self, execution_id: str) -> list[Row]:
        """The execution's artifacts in output order (`position`, then `name`)."""
        ...

    def artifact(self, execution_id: str, name: str) -> Row | None:
        """One artifact by name, or None: only recorded names are ever served."""
        ...

    # -- schedules ----------------------------------------------------------------------------

    def scheduled_notebooks(self) -> list[Row]:
        """Notebooks of every tenant whose integration has `autoExecution` and a cron."""
        ...

    def schedule_state(self, notebook_id: str) -> ScheduleState | None:
        """Where the notebook's schedule clock stands, or None before its first tick."""
        ...

    def set_schedule_state(self, notebook_id: str, cron: str, anchor: str) -> None:
        """Insert or replace the notebook's schedule clock."""
        ...

    def claim_slot(self, notebook_id: str, slot: str, outcome: str, claimed_by: str) -> bool:
        """Record a slot once: True for the one caller, of any server on this database, that
        recorded it; False for every later one."""
        ...

    def set_slot_execution(self, notebook_id: str, slot: str, execution_id: str | None, outcome: str) -> None:
        """What became of a claimed slot (the execution it started, or why none)."""
        ...

    def schedule_slots(self, notebook_id: str) -> list[ScheduleSlot]:
        """Every slot recorded for the notebook, oldest first."""
        ...

    # -- datasets -----------------------------------------------------------------------------

    def insert_dataset(self, row: Row) -> None:
        """Record a dataset's metadata (its file is the dataset library's business)."""
        ...

    def get_dataset(self, tenant_id: str, project_id: str, dataset_id: str) -> Row | None:
        """The dataset, or None when it is missing or belongs to another project."""
        ...

    def list_datasets(self, tenant_id: str, project_id: str, *, page: int = 1, page_size: int = 20) -> Page:
        """One page of a project's datasets, newest first (insertion order breaks ties)."""
        ...

    def delete_dataset(self, dataset_id: str) -> None:
        """Forget the dataset's metadata; nothing happens when it is missing."""
        ...

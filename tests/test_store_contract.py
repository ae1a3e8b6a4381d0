"""The store contract: what every backend of `storage.interface.Store` promises the services.

Each test runs once per backend in BACKENDS. A new backend adds one factory there: a context
manager that prepares an empty database and yields a `Backend` able to open store instances on
it (each its own connection, as separate servers would) and to force the schema version.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
import sqlite_utils

from jupyter_mindzie.clock import stamp
from jupyter_mindzie.storage import pg_migrations
from jupyter_mindzie.storage.interface import PathTaken, Store, StoreTooNew
from jupyter_mindzie.storage.migrations import SCHEMA_VERSION
from jupyter_mindzie.storage.postgres import MindziePostgresStore
from jupyter_mindzie.storage.rows import HISTORY_COLUMNS
from jupyter_mindzie.storage.sqlite import MindzieStore

from .support import OTHER_PROJECT, OTHER_TENANT, PROJECT, TENANT

T0 = datetime(2024, 1, 20, 10, 30, tzinfo=UTC)


@dataclass
class Backend:
    open: Callable[[], Store]
    """A new store instance on the same database, migrated as a starting server would."""
    set_schema_version: Callable[[int], None]
    """Write a schema version straight into the database, as another release would have."""
    schema_version: int
    """The version this release migrates to."""


@contextmanager
def sqlite_backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    path = request.getfixturevalue("tmp_path") / "store" / "mindzie.db"

    def set_schema_version(version: int) -> None:
        db = sqlite_utils.Database(path)
        db.execute(f"PRAGMA user_version = {version}")
        db.close()

    yield Backend(lambda: MindzieStore(db_path=str(path)), set_schema_version, SCHEMA_VERSION)


@contextmanager
def postgres_backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    url = request.getfixturevalue("pg_url")
    data = request.getfixturevalue("tmp_path") / "data"

    def set_schema_version(version: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("UPDATE mindzie_schema SET version = %s", [version])

    yield Backend(
        lambda: MindziePostgresStore(url=url, data_path=str(data)),
        set_schema_version,
        pg_migrations.SCHEMA_VERSION,
    )


BACKENDS: dict[str, Callable[[pytest.FixtureRequest], AbstractContextManager[Backend]]] = {
    "sqlite": sqlite_backend,
    "postgresql": postgres_backend,
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    opened: list[Store] = []

    with BACKENDS[request.param](request) as real:

        def open_store() -> Store:
            store = real.open()
            opened.append(store)
            return store

        yield Backend(open_store, real.set_schema_version, real.schema_version)
        for store in opened:
            store.close()


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.open()


# -- rows as the services write them --------------------------------------------------------


def guid() -> str:
    return str(uuid.uuid4())


def at(minutes: float) -> str:
    return stamp(T0 + timedelta(minutes=minutes))


def notebook_row(
    tenant_id: str = TENANT, project_id: str = PROJECT, *, created: str | None = None, **columns: Any
) -> dict[str, Any]:
    notebook_id = guid()
    return {
        "notebook_id": notebook_id,
        "tenant_id": tenant_id,
        "project_id": project_id,
        "name": f"Analysis {notebook_id[:8]}",
        "description": "Fällt aus 🎉",
        "kernel_type": "python3",
        "status": "Ready",
        "version": "1.0.0",
        "path": f"mindzie/{tenant_id}/{project_id}/{notebook_id}.ipynb",
        "enrichment_mode": 0,
        "integration": {"autoExecution": False, "scheduleExecution": None, "datasetBinding": None},
        "environment": {"packages": ["pandas"]},
        "created_by": "alice",
        "date_created": created or at(0),
        "date_modified": created or at(0),
        "cell_times": {"cell-001": at(0)},
        **columns,
    }


def version_row(notebook_id: str, version: str = "1.0.0", *, content: str = "{}") -> dict[str, Any]:
    major, minor, patch = (int(part) for part in version.split("."))
    return {
        "notebook_id": notebook_id,
        "version": version,
        "major": major,
        "minor": minor,
        "patch": patch,
        "change": "created",
        "created_by": "alice",
        "date_created": at(0),
        "settings": {"notebookName": "Analysis"},
        "content": content,
    }


def add_notebook(store: Store, *args: str, **kwargs: Any) -> dict[str, Any]:
    row = notebook_row(*args, **kwargs)
    store.insert_notebook(row, version_row(row["notebook_id"]))
    return row


def execution_row(notebook: dict[str, Any], *, queued: str | None = None, **columns: Any) -> dict[str, Any]:
    return {
        "execution_id": guid(),
        "notebook_id": notebook["notebook_id"],
        "tenant_id": notebook["tenant_id"],
        "project_id": notebook["project_id"],
        "status": "Running",
        "phase": "Queued",
        "priority": "Normal",
        "priority_rank": 1,
        "parameters": {"threshold": 0.5, "label": "Straße"},
        "options": {"stopOnError": True},
        "cell_ids": ["cell-001", "cell-002"],
        "notebook_version": "1.0.0",
        "source": "api",
        "created_by": "alice",
        "date_queued": queued or at(0),
        "start_time": queued or at(0),
        "total_cells": 2,
        "completed_cells": 0,
        "successful_cells": 0,
        "failed_cells": 0,
        **columns,
    }


def cell_rows(execution_id: str, count: int = 2) -> list[dict[str, Any]]:
    return [
        {"execution_id": execution_id, "cell_id": f"cell-{n:03d}", "position": n - 1, "status": "Pending"}
        for n in range(count, 0, -1)  # written out of order: reads must sort them
    ]


def add_execution(store: Store, notebook: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    row = execution_row(notebook, **kwargs)
    store.insert_execution(row, cell_rows(row["execution_id"]))
    return row


def dataset_row(
    tenant_id: str = TENANT, project_id: str = PROJECT, *, created: str | None = None
) -> dict[str, Any]:
    return {
        "dataset_id": guid(),
        "tenant_id": tenant_id,
        "project_id": project_id,
        "name": "events.csv",
        "format": "csv",
        "record_count": 3,
        "columns": ["case", "activity", "timestamp"],
        "size": 120,
        "file": "data.csv",
        "created_by": "alice",
        "date_created": created or at(0),
        "lineage": None,  # a dataset uploaded, not published by a run
        "new_columns": None,
    }


def ids(rows: list[dict[str, Any]], key: str = "notebook_id") -> list[str]:
    return [row[key] for row in rows]


# -- notebooks ----------------------------------------------------------------------------------


def test_a_notebook_reads_back_as_written_and_only_in_its_project(store: Store) -> None:
    row = add_notebook(store)
    notebook_id = row["notebook_id"]

    assert store.get_notebook(TENANT, PROJECT, notebook_id) == {
        **row,
        "python_version": None,
        "last_execution_date": None,
        "execution_count": 0,
        "cell_count": 0,
        "cells_hash": None,
        "file_modified": None,
        "schedule_by": None,
    }
    assert store.notebook_exists(TENANT, PROJECT, notebook_id)
    assert store.path_taken(row["path"]) and not store.path_taken(row["path"] + ".bak")
    for tenant_id, project_id in [(OTHER_TENANT, PROJECT), (TENANT, OTHER_PROJECT)]:
        assert store.get_notebook(tenant_id, project_id, notebook_id) is None
        assert not store.notebook_exists(tenant_id, project_id, notebook_id)
    assert store.get_notebook(TENANT, PROJECT, guid()) is None


def test_a_taken_path_is_refused_and_nothing_of_the_second_notebook_is_kept(store: Store) -> None:
    first = add_notebook(store)
    second = notebook_row(path=first["path"])

    with pytest.raises(PathTaken):
        store.insert_notebook(second, version_row(second["notebook_id"]))

    assert store.get_notebook(TENANT, PROJECT, second["notebook_id"]) is None
    assert store.latest_version(second["notebook_id"]) is None
    assert store.list_notebooks(TENANT, PROJECT)[1] == 1


def test_notebooks_at_a_path_are_that_file_or_those_inside_that_folder(store: Store) -> None:
    inside = add_notebook(store, path="work/a/one.ipynb")
    deeper = add_notebook(store, path="work/a/b/two.ipynb", tenant_id=OTHER_TENANT)
    add_notebook(store, path="work/ab/three.ipynb")

    assert [row["notebook_id"] for row in store.notebooks_at("work/a")] == [
        deeper["notebook_id"],
        inside["notebook_id"],
    ]
    assert [row["notebook_id"] for row in store.notebooks_at("work/a/one.ipynb")] == [inside["notebook_id"]]
    assert store.notebooks_at("work/a/one") == []


def test_listing_filters_by_status_kernel_and_enrichment_within_the_project(store: Store) -> None:
    ready = add_notebook(store, created=at(1))
    running_r = add_notebook(store, created=at(2), status="Running", kernel_type="ir")
    enriching = add_notebook(store, created=at(3), enrichment_mode=1)
    add_notebook(store, OTHER_TENANT, PROJECT, created=at(4))
    add_notebook(store, TENANT, OTHER_PROJECT, created=at(5))

    def listed(**filters: Any) -> tuple[list[str], int]:
        rows, total = store.list_notebooks(TENANT, PROJECT, **filters)
        return ids(rows), total

    everything = [enriching["notebook_id"], running_r["notebook_id"], ready["notebook_id"]]
    assert listed() == (everything, 3)
    assert listed(status="Running") == ([running_r["notebook_id"]], 1)
    assert listed(kernel_type="python3") == ([enriching["notebook_id"], ready["notebook_id"]], 2)
    assert listed(enrichment_mode=True) == ([enriching["notebook_id"]], 1)
    assert listed(enrichment_mode=False) == ([running_r["notebook_id"], ready["notebook_id"]], 2)
    assert listed(status="Running", kernel_type="python3") == ([], 0)
    assert listed(page=2, page_size=2) == ([ready["notebook_id"]], 3)
    assert listed(page=3, page_size=2) == ([], 3)


def test_pages_are_newest_first_and_never_shuffle_notebooks_of_the_same_instant(store: Store) -> None:
    older = add_notebook(store, created=at(0))
    same_instant = [add_notebook(store, created=at(5)) for _ in range(5)]
    newest = add_notebook(store, created=at(9))

    expected = [newest["notebook_id"], *reversed(ids(same_instant)), older["notebook_id"]]
    for _ in range(2):  # the same request, the same pages
        paged: list[str] = []
        for page in range(1, 5):
            rows, total = store.list_notebooks(TENANT, PROJECT, page=page, page_size=2)
            assert total == 7
            paged += ids(rows)
        assert paged == expected


def test_an_update_with_a_stale_version_writes_nothing(store: Store) -> None:
    row = add_notebook(store)
    notebook_id = row["notebook_id"]

    assert store.update_notebook(notebook_id, {"status": "Running", "environment": {"packages": []}})
    updated = store.get_notebook(TENANT, PROJECT, notebook_id)
    assert updated is not None
    assert updated["status"] == "Running" and updated["environment"] == {"packages": []}

    next_version = version_row(notebook_id, "1.1.0", content='{"cells": []}')
    assert store.update_notebook(
        notebook_id, {"version": "1.1.0", "name": "Renamed"}, version=next_version, expected_version="1.0.0"
    )
    stale = version_row(notebook_id, "1.2.0")
    assert not store.update_notebook(
        notebook_id, {"version": "1.2.0", "name": "Lost"}, version=stale, expected_version="1.0.0"
    )
    after = store.get_notebook(TENANT, PROJECT, notebook_id)
    assert after is not None and (after["version"], after["name"]) == ("1.1.0", "Renamed")
    assert store.get_version(notebook_id, "1.2.0") is None
    assert store.get_version(notebook_id, "1.1.0") == {**next_version}
    assert not store.update_notebook(guid(), {"status": "Error"})


def test_deleting_a_notebook_forgets_its_versions_executions_and_schedule(store: Store) -> None:
    doomed, kept = add_notebook(store), add_notebook(store)
    doomed_run, kept_run = add_execution(store, doomed), add_execution(store, kept)
    for run in (doomed_run, kept_run):
        store.insert_artifacts([artifact_row(run["execution_id"], "report.html", 0)])
    store.set_schedule_state(doomed["notebook_id"], "0 * * * *", at(0))
    assert store.claim_slot(doomed["notebook_id"], at(60), "claimed", "server-a")

    store.delete_notebook(doomed["notebook_id"])

    assert store.get_notebook(TENANT, PROJECT, doomed["notebook_id"]) is None
    assert store.latest_version(doomed["notebook_id"]) is None
    assert store.execution_ids(doomed["notebook_id"]) == []
    assert store.get_execution(doomed_run["execution_id"]) is None
    assert store.cell_results(doomed_run["execution_id"]) == []
    assert store.artifacts(doomed_run["execution_id"]) == []
    assert store.schedule_state(doomed["notebook_id"]) is None
    assert store.schedule_slots(doomed["notebook_id"]) == []
    assert store.execution_ids(kept["notebook_id"]) == [kept_run["execution_id"]]
    assert len(store.cell_results(kept_run["execution_id"])) == 2
    assert len(store.artifacts(kept_run["execution_id"])) == 1


def test_projects_count_notebooks_and_datasets_sorted_by_ids(store: Store) -> None:
    add_notebook(store)
    add_notebook(store)
    store.insert_dataset(dataset_row())
    store.insert_dataset(dataset_row(OTHER_TENANT, OTHER_PROJECT))

    assert store.projects() == sorted(
        [
            {"tenant_id": TENANT, "project_id": PROJECT, "notebooks": 2, "datasets": 1},
            {"tenant_id": OTHER_TENANT, "project_id": OTHER_PROJECT, "notebooks": 0, "datasets": 1},
        ],
        key=lambda row: (row["tenant_id"], row["project_id"]),
    )


def test_tenant_and_project_names_are_set_replaced_and_forgotten(store: Store) -> None:
    assert store.tenant_names() == {} and store.project_names() == []
    store.set_tenant_name(TENANT, "Demo company")
    store.set_project_name(TENANT, PROJECT, "Loan applications")
    store.set_project_name(OTHER_TENANT, OTHER_PROJECT, "Claims")
    store.set_project_name(TENANT, PROJECT, "Loans 2024")  # a rename replaces the name

    assert store.tenant_names() == {TENANT: "Demo company"}
    assert store.project_names() == sorted(
        [
            {"tenant_id": TENANT, "project_id": PROJECT, "name": "Loans 2024"},
            {"tenant_id": OTHER_TENANT, "project_id": OTHER_PROJECT, "name": "Claims"},
        ],
        key=lambda row: (row["tenant_id"], row["project_id"]),
    )
    assert store.projects() == [], "a name alone is no content"

    store.set_tenant_name(TENANT, None)
    store.set_project_name(TENANT, PROJECT, None)
    store.set_project_name(TENANT, OTHER_PROJECT, None)  # forgetting a name never given is a no-op
    assert store.tenant_names() == {}
    assert store.project_names() == [
        {"tenant_id": OTHER_TENANT, "project_id": OTHER_PROJECT, "name": "Claims"}
    ]


# -- versions -----------------------------------------------------------------------------------


def test_versions_sort_by_semantic_version_not_by_text_or_writing_order(store: Store) -> None:
    row = add_notebook(store)
    notebook_id = row["notebook_id"]
    for version in ("1.10.0", "1.9.0", "2.0.0", "1.9.1"):
        store.update_notebook(notebook_id, {"version": version}, version=version_row(notebook_id, version))
    # written last, but not the highest: the latest version is the highest one
    store.update_notebook(notebook_id, {"version": "1.2.0"}, version=version_row(notebook_id, "1.2.0"))

    rows, total = store.list_versions(notebook_id, page=1, page_size=3)
    assert total == 6
    assert [r["version"] for r in rows] == ["2.0.0", "1.10.0", "1.9.1"]
    assert all("content" not in r for r in rows) and rows[0]["settings"] == {"notebookName": "Analysis"}
    rest, _ = store.list_versions(notebook_id, page=2, page_size=3)
    assert [r["version"] for r in rest] == ["1.9.0", "1.2.0", "1.0.0"]
    latest = store.latest_version(notebook_id)
    assert latest is not None and latest["version"] == "2.0.0" and latest["content"] == "{}"
    assert store.get_version(notebook_id, "3.0.0") is None
    assert store.latest_version(guid()) is None
    assert store.list_versions(guid()) == ([], 0)


# -- executions ---------------------------------------------------------------------------------


def test_an_execution_reads_back_with_its_cells_in_order_and_only_in_its_scope(store: Store) -> None:
    notebook = add_notebook(store)
    row = add_execution(store, notebook)
    execution_id = row["execution_id"]

    found = store.get_execution(execution_id)
    assert found is not None
    assert {key: found[key] for key in row} == row
    assert store.find_execution(TENANT, PROJECT, notebook["notebook_id"], execution_id) == found
    for scope in [
        (OTHER_TENANT, PROJECT, notebook["notebook_id"]),
        (TENANT, OTHER_PROJECT, notebook["notebook_id"]),
        (TENANT, PROJECT, guid()),
    ]:
        assert store.find_execution(*scope, execution_id) is None
    assert store.get_execution(guid()) is None
    assert [cell["cell_id"] for cell in store.cell_results(execution_id)] == ["cell-001", "cell-002"]


def test_progress_updates_the_execution_and_inserts_or_replaces_cells(store: Store) -> None:
    notebook = add_notebook(store)
    execution_id = add_execution(store, notebook)["execution_id"]

    store.save_progress(
        execution_id,
        {
            "phase": "Executing",
            "current_cell": "cell-002",
            "completed_cells": 1,
            "resources": {"peakRss": 10},
        },
        [
            {"execution_id": execution_id, "cell_id": "cell-001", "position": 0, "status": "Completed"},
            {"execution_id": execution_id, "cell_id": "cell-003", "position": 2, "status": "Pending"},
        ],
    )
    store.save_progress(execution_id, {}, [])  # an empty batch is allowed and changes nothing

    execution = store.get_execution(execution_id)
    assert execution is not None
    assert (execution["phase"], execution["current_cell"], execution["completed_cells"]) == (
        "Executing",
        "cell-002",
        1,
    )
    assert execution["resources"] == {"peakRss": 10}
    cells = store.cell_results(execution_id)
    assert [(c["cell_id"], c["status"]) for c in cells] == [
        ("cell-001", "Completed"),
        ("cell-002", "Pending"),
        ("cell-003", "Pending"),
    ]


def test_history_is_latest_queued_first_with_history_columns_only(store: Store) -> None:
    notebook, other = add_notebook(store), add_notebook(store)
    first = add_execution(store, notebook, queued=at(1))
    ties = [add_execution(store, notebook, queued=at(2)) for _ in range(3)]
    add_execution(store, other, queued=at(3))

    rows, total = store.list_executions(notebook["notebook_id"], page=1, page_size=3)
    assert total == 4
    assert ids(rows, "execution_id") == list(reversed(ids(ties, "execution_id")))
    assert all(set(row) == set(HISTORY_COLUMNS) for row in rows)
    assert rows[0]["parameters"] == {"threshold": 0.5, "label": "Straße"}
    more, _ = store.list_executions(notebook["notebook_id"], page=2, page_size=3)
    assert ids(more, "execution_id") == [first["execution_id"]]
    assert sorted(store.execution_ids(notebook["notebook_id"])) == sorted(ids([first, *ties], "execution_id"))


def test_active_executions_are_the_running_ones_of_every_tenant_oldest_first(store: Store) -> None:
    mine, theirs = add_notebook(store), add_notebook(store, OTHER_TENANT, OTHER_PROJECT)
    late = add_execution(store, mine, queued=at(3))
    early = add_execution(store, theirs, queued=at(1))
    add_execution(store, mine, queued=at(0), status="Completed", phase="Completed", end_time=at(1))
    started = add_execution(store, mine, queued=at(2))
    store.save_progress(started["execution_id"], {"phase": "Executing"}, [])

    active = store.active_executions()
    assert ids(active, "execution_id") == ids([early, started, late], "execution_id")
    assert active[1]["phase"] == "Executing" and active[1]["cell_ids"] == ["cell-001", "cell-002"]


def test_recent_durations_are_of_completed_runs_latest_first(store: Store) -> None:
    notebook = add_notebook(store)
    for minute, seconds in enumerate([5.0, 6.5, 7.25, 8.0]):
        add_execution(store, notebook, queued=at(minute), status="Completed", total_seconds=seconds)
    add_execution(store, notebook, queued=at(10), status="Error", total_seconds=99.0)
    add_execution(store, notebook, queued=at(11), status="Completed")  # no duration recorded
    add_execution(store, add_notebook(store), queued=at(12), status="Completed", total_seconds=1.0)

    assert store.recent_durations(notebook["notebook_id"]) == [8.0, 7.25, 6.5, 5.0]
    assert store.recent_durations(notebook["notebook_id"], limit=2) == [8.0, 7.25]
    assert store.recent_durations(guid()) == []


# -- artifacts ----------------------------------------------------------------------------------


def artifact_row(execution_id: str, name: str, position: int, size: int = 10) -> dict[str, Any]:
    return {
        "execution_id": execution_id,
        "name": name,
        "kind": "report",
        "content_type": "text/html",
        "size": size,
        "cell_id": "cell-001",
        "position": position,
        "meta": {"title": "Bericht ✓"},
    }


def test_artifacts_are_in_output_order_and_a_name_is_recorded_once(store: Store) -> None:
    execution_id = add_execution(store, add_notebook(store))["execution_id"]
    store.insert_artifacts(
        [
            artifact_row(execution_id, "b.csv", 1),
            artifact_row(execution_id, "a.csv", 1),
            artifact_row(execution_id, "z.png", 0),
        ]
    )
    store.insert_artifacts([artifact_row(execution_id, "a.csv", 1, size=99)])
    store.insert_artifacts([])

    assert [(a["name"], a["size"]) for a in store.artifacts(execution_id)] == [
        ("z.png", 10),
        ("a.csv", 99),
        ("b.csv", 10),
    ]
    assert store.artifact(execution_id, "a.csv") == artifact_row(execution_id, "a.csv", 1, size=99)
    assert store.artifact(execution_id, "../mindzie.db") is None
    assert store.artifacts(guid()) == []


def test_prune_forgets_only_runs_that_ended_before_the_cutoff(store: Store) -> None:
    notebook = add_notebook(store)
    old = add_execution(store, notebook, status="Completed", phase="Completed", end_time=at(10))
    failed = add_execution(store, notebook, status="Error", phase="Error", end_time=at(20))
    recent = add_execution(store, notebook, status="Completed", phase="Completed", end_time=at(40))
    running = add_execution(store, notebook)
    for run in (old, recent):
        store.insert_artifacts([artifact_row(run["execution_id"], "report.html", 0)])

    pruned = store.prune_executions(at(30))

    assert sorted(pruned) == sorted([old["execution_id"], failed["execution_id"]])
    for gone in (old, failed):
        assert store.get_execution(gone["execution_id"]) is None
        assert store.cell_results(gone["execution_id"]) == []
        assert store.artifacts(gone["execution_id"]) == []
    assert sorted(store.execution_ids(notebook["notebook_id"])) == sorted(
        [recent["execution_id"], running["execution_id"]]
    )
    assert len(store.artifacts(recent["execution_id"])) == 1
    assert store.prune_executions(at(30)) == []


# -- datasets -----------------------------------------------------------------------------------


def test_datasets_read_back_page_newest_first_and_stay_in_their_project(store: Store) -> None:
    older = dataset_row(created=at(0))
    ties = [dataset_row(created=at(1)) for _ in range(2)]
    theirs = dataset_row(OTHER_TENANT, PROJECT, created=at(2))
    for row in (older, *ties, theirs):
        store.insert_dataset(row)

    assert store.get_dataset(TENANT, PROJECT, older["dataset_id"]) == older
    assert store.get_dataset(TENANT, PROJECT, theirs["dataset_id"]) is None
    rows, total = store.list_datasets(TENANT, PROJECT, page=1, page_size=2)
    assert (ids(rows, "dataset_id"), total) == ([ties[1]["dataset_id"], ties[0]["dataset_id"]], 3)
    assert ids(store.list_datasets(TENANT, PROJECT, page=2, page_size=2)[0], "dataset_id") == [
        older["dataset_id"]
    ]

    store.delete_dataset(older["dataset_id"])
    store.delete_dataset(guid())
    assert store.get_dataset(TENANT, PROJECT, older["dataset_id"]) is None
    assert store.list_datasets(TENANT, PROJECT)[1] == 2


# -- schedules ----------------------------------------------------------------------------------


def test_scheduled_notebooks_are_those_with_auto_execution_and_a_cron(store: Store) -> None:
    def integration(auto: bool, cron: str | None) -> dict[str, Any]:
        return {"autoExecution": auto, "scheduleExecution": cron, "datasetBinding": None}

    hourly = add_notebook(store, integration=integration(True, "0 * * * *"))
    add_notebook(store, integration=integration(False, "0 * * * *"))
    add_notebook(store, integration=integration(True, None))
    elsewhere = add_notebook(store, tenant_id=OTHER_TENANT, integration=integration(True, "*/5 * * * *"))

    scheduled = store.scheduled_notebooks()
    assert sorted(ids(scheduled)) == sorted([hourly["notebook_id"], elsewhere["notebook_id"]])
    assert {row["integration"]["scheduleExecution"] for row in scheduled} == {"0 * * * *", "*/5 * * * *"}


def test_the_schedule_clock_is_missing_until_set_then_replaced(store: Store) -> None:
    notebook_id = add_notebook(store)["notebook_id"]
    assert store.schedule_state(notebook_id) is None
    store.set_schedule_state(notebook_id, "0 * * * *", at(0))
    store.set_schedule_state(notebook_id, "*/5 * * * *", at(5))
    assert store.schedule_state(notebook_id) == {
        "notebook_id": notebook_id,
        "cron": "*/5 * * * *",
        "anchor": at(5),
    }


def test_a_slot_is_won_once_across_store_instances(backend: Backend) -> None:
    server_a, server_b = backend.open(), backend.open()
    notebook_id = add_notebook(server_a)["notebook_id"]

    assert server_a.claim_slot(notebook_id, at(60), "claimed", "server-a")
    assert not server_b.claim_slot(notebook_id, at(60), "claimed", "server-b")
    assert not server_a.claim_slot(notebook_id, at(60), "missed", "server-a")
    assert server_b.claim_slot(notebook_id, at(0), "missed", "server-b")
    execution_id = guid()
    server_a.set_slot_execution(notebook_id, at(60), execution_id, "fired")

    slots = server_b.schedule_slots(notebook_id)
    assert [(s["slot"], s["outcome"], s["claimed_by"], s["execution_id"]) for s in slots] == [
        (at(0), "missed", "server-b", None),
        (at(60), "fired", "server-a", execution_id),
    ]
    assert all(s["date_claimed"] for s in slots)


def test_a_slot_claimed_at_the_same_moment_by_many_servers_has_one_winner(backend: Backend) -> None:
    servers = [backend.open() for _ in range(6)]
    notebook_id = add_notebook(servers[0])["notebook_id"]
    start = threading.Barrier(len(servers))

    def claim(index: int) -> bool:
        start.wait(timeout=30)
        return servers[index].claim_slot(notebook_id, at(60), "claimed", f"server-{index}")

    with ThreadPoolExecutor(len(servers)) as pool:
        won = list(pool.map(claim, range(len(servers))))

    assert won.count(True) == 1
    (slot,) = servers[1].schedule_slots(notebook_id)
    assert slot["claimed_by"] == f"server-{won.index(True)}"


# -- schema and transactions ----------------------------------------------------------------------


def test_migrating_again_or_reopening_changes_neither_schema_nor_data(backend: Backend) -> None:
    first = backend.open()
    assert first.schema_version == backend.schema_version
    row = add_notebook(first)
    first.migrate()
    assert first.schema_version == backend.schema_version
    first.close()

    again = backend.open()
    assert again.schema_version == backend.schema_version
    assert again.get_notebook(TENANT, PROJECT, row["notebook_id"]) is not None
    assert again.list_notebooks(TENANT, PROJECT)[1] == 1


def test_a_database_of_a_newer_release_is_refused(backend: Backend) -> None:
    backend.open().close()
    backend.set_schema_version(backend.schema_version + 1)
    with pytest.raises(StoreTooNew, match="Upgrade jupyter-mindzie"):
        backend.open()


class Abort(Exception):
    pass


def test_atomic_rolls_every_write_back_when_the_block_raises(store: Store) -> None:
    kept = add_notebook(store)
    old = add_execution(store, kept, status="Completed", phase="Completed", end_time=at(1))
    lost, dataset = notebook_row(), dataset_row()

    with pytest.raises(Abort), store.atomic():
        store.insert_notebook(lost, version_row(lost["notebook_id"]))
        store.insert_dataset(dataset)
        store.update_notebook(kept["notebook_id"], {"status": "Running"})
        assert store.prune_executions(at(60)) == [old["execution_id"]]  # inside, it is pruned
        raise Abort

    assert store.get_notebook(TENANT, PROJECT, lost["notebook_id"]) is None
    assert store.get_dataset(TENANT, PROJECT, dataset["dataset_id"]) is None
    found = store.get_notebook(TENANT, PROJECT, kept["notebook_id"])
    assert found is not None and found["status"] == "Ready"
    assert store.get_execution(old["execution_id"]) is not None


def test_a_nested_block_that_raises_undoes_only_its_own_writes(backend: Backend) -> None:
    store, observer = backend.open(), backend.open()
    outer, inner = notebook_row(), notebook_row()

    with store.atomic():
        store.insert_notebook(outer, version_row(outer["notebook_id"]))
        with pytest.raises(Abort), store.atomic():
            store.insert_notebook(inner, version_row(inner["notebook_id"]))
            raise Abort
        assert observer.get_notebook(TENANT, PROJECT, outer["notebook_id"]) is None  # not committed yet

    assert observer.get_notebook(TENANT, PROJECT, outer["notebook_id"]) is not None
    assert observer.get_notebook(TENANT, PROJECT, inner["notebook_id"]) is None


# -- servers, leases and ownership ----------------------------------------------------------------


def test_servers_register_renew_their_lease_and_are_forgotten(backend: Backend) -> None:
    store = backend.open()
    store.register_server("server-a", "host-1", 101)
    store.register_server("server-b", "host-2", 202)
    before = {s["server_id"]: s["heartbeat"] for s in store.servers()}
    assert set(before) == {"server-a", "server-b"}

    assert store.heartbeat("server-a")
    (renewed,) = [s for s in store.servers() if s["server_id"] == "server-a"]
    assert renewed["heartbeat"] >= before["server-a"] and (renewed["host"], renewed["pid"]) == ("host-1", 101)
    store.forget_server("server-b")
    assert [s["server_id"] for s in store.servers()] == ["server-a"]
    assert not store.heartbeat("server-b"), "a forgotten server learns it lost its lease"


def test_only_runs_of_dead_or_expired_owners_are_taken_each_by_one_server(backend: Backend) -> None:
    store = backend.open()
    notebook = add_notebook(store)
    for server_id in ("alive", "expired", *(f"taker-{n}" for n in range(4))):
        store.register_server(server_id, "host", 1)
    alive = add_execution(store, notebook, owner="alive", queued=at(1))
    expired = add_execution(store, notebook, owner="expired", queued=at(2))
    vanished = add_execution(store, notebook, owner="vanished", queued=at(3))
    # running since before owners were recorded (a waiting row with no owner is anyone's to claim)
    legacy = add_execution(store, notebook, queued=at(4), phase="Executing")
    add_execution(store, notebook, queued=at(4.5))  # waiting: no orphan
    mine = add_execution(store, notebook, owner="taker-0", queued=at(5))
    add_execution(store, notebook, owner="expired", status="Completed", phase="Completed", end_time=at(6))
    store.heartbeat("alive")
    cutoff = stamp()  # "expired" last beat before now; the others beat again after it
    for server_id in ("alive", *(f"taker-{n}" for n in range(4))):
        store.heartbeat(server_id)

    takers = [backend.open() for _ in range(4)]
    start = threading.Barrier(len(takers))

    def take(index: int) -> list[dict[str, Any]]:
        start.wait(timeout=30)
        return takers[index].take_orphans(f"taker-{index}", cutoff)

    with ThreadPoolExecutor(len(takers)) as pool:
        results = list(pool.map(take, range(len(takers))))

    taken = [row for rows in results for row in rows]
    assert sorted(ids(taken, "execution_id")) == sorted(ids([expired, vanished, legacy], "execution_id"))
    for index, rows in enumerate(results):
        for row in rows:
            assert row["owner"] == f"taker-{index}"
            assert store.get_execution(row["execution_id"])["owner"] == f"taker-{index}"  # type: ignore[index]
    assert {row["execution_id"]: row["previous_owner"] for row in taken} == {
        expired["execution_id"]: "expired",
        vanished["execution_id"]: "vanished",
        legacy["execution_id"]: None,
    }
    assert store.get_execution(alive["execution_id"])["owner"] == "alive"  # type: ignore[index]
    assert store.get_execution(mine["execution_id"])["owner"] == "taker-0"  # type: ignore[index]
    assert takers[1].take_orphans("taker-1", cutoff) == []


def test_a_cancel_request_reaches_the_owner_only_while_the_run_is_running(backend: Backend) -> None:
    requester, owner = backend.open(), backend.open()
    notebook = add_notebook(requester)
    running = add_execution(requester, notebook, owner="server-a")
    other = add_execution(requester, notebook, owner="server-b")
    ended = add_execution(requester, notebook, owner="server-a", status="Completed", phase="Completed")

    assert owner.cancel_requests("server-a") == []
    assert requester.request_cancel(running["execution_id"])
    assert not requester.request_cancel(ended["execution_id"])
    assert owner.cancel_requests("server-a") == [running["execution_id"]]
    assert owner.cancel_requests("server-b") == []
    owner.save_progress(running["execution_id"], {"status": "Cancelled", "phase": "Cancelled"}, [])
    assert owner.cancel_requests("server-a") == []
    assert other["execution_id"] not in owner.cancel_requests("server-b")


def test_a_backend_that_listens_hears_other_instances_writes(backend: Backend) -> None:
    writer, reader = backend.open(), backend.open()
    heard: list[tuple[str, str]] = []
    arrived = threading.Event()

    def hear(kind: str, execution_id: str) -> None:
        heard.append((kind, execution_id))
        arrived.set()

    if not reader.listen(hear):
        return  # readers of this backend poll: nothing more is promised (SQLite)
    execution_id = add_execution(writer, add_notebook(writer))["execution_id"]
    end = time.monotonic() + 5
    while not arrived.is_set() and time.monotonic() < end:  # the listener connects in the background
        writer.save_progress(execution_id, {"phase": "Executing"}, [])
        arrived.wait(0.1)
    assert ("execution", execution_id) in heard
    writer.request_cancel(execution_id)
    end = time.monotonic() + 5
    while ("cancel", execution_id) not in heard and time.monotonic() < end:
        time.sleep(0.02)
    assert ("cancel", execution_id) in heard


def test_progress_is_written_only_while_the_writer_owns_the_run(backend: Backend) -> None:
    stalled, peer = backend.open(), backend.open()
    notebook = add_notebook(stalled)
    run = add_execution(stalled, notebook, owner="server-a")
    execution_id = run["execution_id"]
    cell = {"execution_id": execution_id, "cell_id": "cell-001", "position": 0, "status": "Running"}
    assert stalled.save_progress(execution_id, {"phase": "Executing"}, [cell], owner="server-a")

    # the peer ends the run after server-a's lease expired, and owns it from then on
    assert [row["execution_id"] for row in peer.take_orphans("server-b", "9999")] == [execution_id]
    peer.save_progress(execution_id, {"status": "Error", "phase": "Error"}, [], owner="server-b")

    # server-a wakes up and reports the end it saw: nothing of it is written
    late = {**cell, "status": "Success"}
    assert not stalled.save_progress(
        execution_id, {"status": "Completed", "phase": "Completed"}, [late], owner="server-a"
    )
    assert not stalled.save_progress(execution_id, {}, [], owner="server-a")
    row = stalled.get_execution(execution_id)
    assert row is not None and (row["status"], row["owner"]) == ("Error", "server-b")
    assert [c["status"] for c in stalled.cell_results(execution_id)] == ["Running", "Pending"]
    # a store without leases (one server, no owner given) writes as before
    assert peer.save_progress(execution_id, {"error_message": "noted"}, [])


# -- retries and idempotency keys ---------------------------------------------------------------


def test_a_retry_keeps_the_ended_attempt_and_queues_the_next_only_for_its_owner(backend: Backend) -> None:
    store, peer = backend.open(), backend.open()
    notebook = add_notebook(store)
    run = add_execution(store, notebook, owner="server-a", phase="Executing")
    execution_id = run["execution_id"]
    assert store.get_execution(execution_id)["attempt"] == 1  # type: ignore[index]
    assert store.attempts(execution_id) == []
    ended = {
        "attempt": 1,
        "status": "Error",
        "error_type": "DeadKernelError",
        "error_message": "the kernel died during the run",
        "start_time": at(0),
        "end_time": at(1),
        "total_seconds": 60.0,
    }
    changes = {"attempt": 2, "phase": "Queued", "retry_at": at(2), "error_type": None}
    cells = [{**cell, "status": "Pending"} for cell in cell_rows(execution_id)]
    assert store.retry_execution(execution_id, ended, changes, cells, owner="server-a")
    row = peer.get_execution(execution_id)
    assert row is not None and (row["attempt"], row["phase"], row["status"]) == (2, "Queued", "Running")
    assert [(a["attempt"], a["error_type"], a["total_seconds"]) for a in peer.attempts(execution_id)] == [
        (1, "DeadKernelError", 60.0)
    ]
    assert [r["execution_id"] for r in peer.pending_retries()] == [execution_id]
    # a server that lost the run to a peer writes nothing of its retry
    assert [r["execution_id"] for r in peer.take_orphans("server-b", "9999")] == [execution_id]
    assert not store.retry_execution(
        execution_id, {**ended, "attempt": 2}, {"attempt": 3}, [], owner="server-a"
    )
    assert len(peer.attempts(execution_id)) == 1
    # an execution that ended is never queued again
    peer.save_progress(execution_id, {"status": "Cancelled", "phase": "Cancelled"}, [], owner="server-b")
    assert not peer.retry_execution(execution_id, {**ended, "attempt": 2}, {"attempt": 3}, [])
    assert peer.pending_retries() == []
    # pruning and deleting forget attempts with their executions
    peer.save_progress(execution_id, {"end_time": at(3)}, [])
    assert peer.prune_executions(at(10)) == [execution_id]
    assert peer.attempts(execution_id) == []


def test_an_idempotency_key_is_held_by_one_request_until_it_expires(backend: Backend) -> None:
    notebook = add_notebook(backend.open())
    where = (TENANT, PROJECT, notebook["notebook_id"])
    key = "order-42"
    window = {"expired_before": at(0), "abandoned_before": at(-10)}

    stores = [backend.open() for _ in range(8)]
    barrier = threading.Barrier(len(stores))

    def claim(store: Store) -> bool:
        barrier.wait()
        return store.claim_idempotency_key(*where, key, "fp-1", **window)

    with ThreadPoolExecutor(len(stores)) as pool:
        results = list(pool.map(claim, stores))
    assert results.count(True) == 1, results

    store = stores[0]
    held = store.idempotency_key(TENANT, notebook["notebook_id"], key)
    assert held is not None and (held["fingerprint"], held["response"]) == ("fp-1", None)
    # the same key in another notebook, or another tenant's, is another key
    assert store.claim_idempotency_key(TENANT, PROJECT, guid(), key, "fp-1", **window)
    assert store.claim_idempotency_key(
        OTHER_TENANT, OTHER_PROJECT, notebook["notebook_id"], key, "fp", **window
    )
    # a request that failed gives its key back; one that answered keeps it
    store.release_idempotency_key(TENANT, notebook["notebook_id"], key, "fp-other")
    assert store.idempotency_key(TENANT, notebook["notebook_id"], key) is not None
    store.release_idempotency_key(TENANT, notebook["notebook_id"], key, "fp-1")
    assert store.idempotency_key(TENANT, notebook["notebook_id"], key) is None
    assert store.claim_idempotency_key(*where, key, "fp-2", **window)
    store.complete_idempotency_key(
        TENANT, notebook["notebook_id"], key, "exec-1", '{"executionId": "exec-1"}'
    )
    answered = store.idempotency_key(TENANT, notebook["notebook_id"], key)
    assert answered is not None and (answered["execution_id"], answered["fingerprint"]) == ("exec-1", "fp-2")
    # answered keys are not taken over as abandoned; an expired one is free again
    late = {"expired_before": at(0), "abandoned_before": stamp(datetime.now(UTC) + timedelta(days=1))}
    assert not store.claim_idempotency_key(*where, key, "fp-3", **late)
    future = stamp(datetime.now(UTC) + timedelta(days=2))
    assert store.claim_idempotency_key(*where, key, "fp-3", expired_before=future, abandoned_before=at(0))
    assert store.idempotency_key(TENANT, notebook["notebook_id"], key)["response"] is None  # type: ignore[index]
    assert store.prune_idempotency_keys(future) == 3
    assert store.idempotency_key(TENANT, notebook["notebook_id"], key) is None

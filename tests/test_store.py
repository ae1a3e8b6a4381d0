"""The SQLite store: WAL, schema version and migrations, indexes, and its place under the root."""

from __future__ import annotations

import sqlite3

import pytest

from jupyter_mindzie.storage.interface import StoreTooNew
from jupyter_mindzie.storage.migrations import SCHEMA_VERSION
from jupyter_mindzie.storage.sqlite import MindzieStore

from .support import PROJECT, TENANT, assert_problem, create, project_path


def test_a_new_store_is_migrated_and_in_wal_mode(tmp_path):
    store = MindzieStore(db_path=str(tmp_path / "deep" / "mindzie.db"))
    assert store.schema_version == SCHEMA_VERSION
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    indexed = {tuple(index.columns) for index in store.db["notebooks"].indexes}
    assert ("tenant_id", "project_id", "status", "date_created") in indexed
    assert ("tenant_id", "project_id", "kernel_type", "date_created") in indexed
    assert ("tenant_id", "project_id", "enrichment_mode", "date_created") in indexed
    assert ("path",) in indexed
    store.close()


def test_reopening_keeps_data_and_does_not_migrate_twice(tmp_path):
    path = str(tmp_path / "mindzie.db")
    first = MindzieStore(db_path=path)
    first.db["notebook_versions"].insert(
        {"notebook_id": "n", "version": "1.0.0", "settings": "{}", "content": "{}"}
    )
    first.close()
    again = MindzieStore(db_path=path)
    assert again.schema_version == SCHEMA_VERSION
    assert again.db["notebook_versions"].count == 1
    again.close()


def test_a_store_from_a_newer_release_is_refused(tmp_path):
    path = tmp_path / "mindzie.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreTooNew, match="Upgrade jupyter-mindzie"):
        MindzieStore(db_path=str(path))


def test_list_queries_use_the_indexes(tmp_path):
    store = MindzieStore(db_path=str(tmp_path / "mindzie.db"))
    plan = " ".join(
        str(row[-1])
        for row in store.db.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM notebooks WHERE tenant_id = ? AND project_id = ? "
            "AND status = ? ORDER BY date_created DESC LIMIT 20",
            ["t", "p", "Ready"],
        ).fetchall()
    )
    assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, plan
    store.close()


async def test_the_server_keeps_its_store_under_the_root(api, jp_root_dir, mindzie_app):
    notebook = await create(api)
    assert mindzie_app.store.db_path == str(jp_root_dir / ".mindzie" / "mindzie.db")
    with sqlite3.connect(jp_root_dir / ".mindzie" / "mindzie.db") as conn:
        (name,) = conn.execute(
            "SELECT name FROM notebooks WHERE notebook_id = ?", [notebook["notebookId"]]
        ).fetchone()
    assert name == "Analysis"


class TestConfiguredPaths:
    @pytest.fixture
    def mindzie_config(self, tmp_path):
        return {
            "MindzieStore": {"db_path": str(tmp_path / "elsewhere" / "meta.db")},
            "MindzieNotebookLibrary": {"notebooks_dir": "analyses/{tenant_id}-{project_id}"},
        }

    async def test_db_path_and_notebooks_dir_are_configurable(self, api, tmp_path, jp_root_dir, mindzie_app):
        notebook = await create(api)
        assert (tmp_path / "elsewhere" / "meta.db").is_file()
        assert notebook["path"].startswith("analyses/") and (jp_root_dir / notebook["path"]).is_file()
        assert mindzie_app.store.db_path.endswith("meta.db")


@pytest.fixture(params=["corrupt", "newer"])
def broken_store(request, tmp_path):
    path = tmp_path / "broken" / "mindzie.db"
    path.parent.mkdir()
    if request.param == "corrupt":
        path.write_bytes(b"this is not a SQLite database" * 100)
    else:
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA user_version = 99")
    return path


class TestAStoreThatCannotBeOpened:
    @pytest.fixture
    def mindzie_config(self, broken_store):
        return {"MindzieStore": {"db_path": str(broken_store)}}

    async def test_every_endpoint_answers_503_naming_the_cause(self, capfd, broken_store, api):
        # capfd first: the server's log handler writes to the stderr it sees when it starts
        from jupyter_mindzie.contract.openapi import build_document

        ids = {
            "tenantId": TENANT,
            "projectId": PROJECT,
            "notebookId": PROJECT,
            "executionId": PROJECT,
            "datasetId": PROJECT,
            "name": "executed.ipynb",
        }
        checked = 0
        for template, operations in build_document()["paths"].items():
            for method in ("get", "post", "put", "delete"):
                if method not in operations:
                    continue
                body = {"notebookName": "x"} if method in ("post", "put") else None
                reply = await api(method.upper(), template.format(**ids), body)
                problem = assert_problem(reply, 503, problem_type="store-unavailable")
                assert (
                    str(broken_store) in problem["detail"] and "jupyter mindzie db check" in problem["detail"]
                )
                checked += 1
        assert checked >= 15
        assert_problem(await api("GET", project_path("no", "such", "endpoint")), 503)
        unauthenticated = await api("GET", project_path("notebooks"), headers={"Authorization": "token no"})
        assert_problem(unauthenticated, 403)
        errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("[E ")]
        assert any(str(broken_store) in line and "jupyter mindzie db check" in line for line in errors)

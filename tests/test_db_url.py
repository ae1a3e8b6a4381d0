"""`MindzieApp.db_url` picks the store: a real server on PostgreSQL, and on a SQLite file named by URL."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from jupyter_mindzie.storage.postgres import MindziePostgresStore
from jupyter_mindzie.storage.sqlite import MindzieStore

from .support import execute, notebook_with, project_path, wait_for


class TestPostgres:
    @pytest.fixture
    def mindzie_config(self, pg_url):
        return {"MindzieApp": {"db_url": pg_url}}

    async def test_notebooks_and_executions_live_in_postgresql(self, api, mindzie_app, pg_url, jp_root_dir):
        assert isinstance(mindzie_app.store, MindziePostgresStore)
        assert mindzie_app.store.data_dir == jp_root_dir / ".mindzie"
        notebook = await notebook_with(api, "print(x * 2)", name="on postgres")
        accepted = await execute(api, notebook, {"parameters": {"x": 21}})
        final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
        assert final["status"] == "Completed", final
        results = await api(
            "GET",
            project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"], "results"),
            params={"format": "detailed", "cellId": notebook["cells"][1]["cellId"]},
        )
        assert results.json["outputs"][0]["content"].strip() == "42"

        with psycopg.connect(pg_url) as conn:
            row = conn.execute(
                "SELECT e.status, e.owner, s.pid FROM executions e JOIN servers s ON s.server_id = e.owner "
                "WHERE e.execution_id = %s",
                [accepted["executionId"]],
            ).fetchone()
        assert row is not None and row[0] == "Completed" and row[1] == mindzie_app.lease.server_id
        assert not (jp_root_dir / ".mindzie" / "mindzie.db").exists(), "no SQLite file beside PostgreSQL"
        listed = await api("GET", project_path("notebooks"))
        assert [n["notebookName"] for n in listed.json["notebooks"]] == ["on postgres"]


class TestSqliteUrl:
    @pytest.fixture
    def mindzie_config(self, tmp_path):
        return {"MindzieApp": {"db_url": f"sqlite:///{tmp_path / 'named' / 'meta.db'}"}}

    async def test_a_sqlite_url_names_the_file(self, api, mindzie_app, tmp_path):
        assert isinstance(mindzie_app.store, MindzieStore)
        notebook = await notebook_with(api, "print(1)")
        with sqlite3.connect(tmp_path / "named" / "meta.db") as conn:
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM notebooks WHERE notebook_id = ?", [notebook["notebookId"]]
            ).fetchone()
        assert count == 1

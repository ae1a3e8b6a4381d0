"""PostgreSQL stopped under a running server: the API answers 503 with Retry-After, quickly, and
serves again once the database is back. The test runs a PostgreSQL of its own, which it stops."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pgserver
import pytest

from .support import create, project_path


class OwnPostgres:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.server: Any = pgserver.get_server(folder, cleanup_mode="stop")
        self.url: str = self.server.get_uri()

    def stop(self) -> None:
        self.server.cleanup()

    def start(self) -> None:
        self.server = pgserver.get_server(self.folder, cleanup_mode="stop")
        assert self.server.get_uri() == self.url


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[OwnPostgres]:
    database = OwnPostgres(tmp_path / "pg")
    yield database
    database.stop()


@pytest.fixture
def mindzie_config(own_postgres: OwnPostgres) -> dict[str, Any]:
    return {
        "MindzieApp": {"db_url": own_postgres.url},
        "MindziePostgresStore": {"wait_seconds": 1.0},
        "MindzieScheduler": {"enabled": False},
    }


async def test_while_the_database_is_down_the_api_answers_503_then_serves_again(api, own_postgres):
    notebook = await create(api, {"notebookName": "kept"})
    own_postgres.stop()

    started = time.monotonic()
    reply = await api("GET", project_path("notebooks"))
    assert reply.status == 503, reply.body
    assert time.monotonic() - started < 5, "an answer, not a hang"
    assert reply.content_type.startswith("application/problem+json")
    assert reply.json["type"] == "store-unavailable" and int(reply.headers["Retry-After"]) > 0
    write = await api("POST", project_path("notebook"), {"notebookName": "while down"})
    assert write.status == 503, write.body

    own_postgres.start()
    deadline = time.monotonic() + 30
    while (reply := await api("GET", project_path("notebook", notebook["notebookId"]))).status == 503:
        assert time.monotonic() < deadline, "the pool never reconnected"
        await asyncio.sleep(0.1)
    assert reply.status == 200 and reply.json["notebookName"] == "kept"

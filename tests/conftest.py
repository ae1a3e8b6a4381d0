"""A real Jupyter server with the extension, a real ContentsManager and a real SQLite file per test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from .support import Reply

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """One real PostgreSQL for the session (tests/postgres.py), started when a test first needs it."""
    from .postgres import Postgres

    server = Postgres()
    yield server
    server.close()


@pytest.fixture
def pg_url(postgres: Any) -> str:
    """The URL of a fresh, empty database on the session's PostgreSQL."""
    return str(postgres.database())


@pytest.fixture
def mindzie_config() -> dict[str, Any]:
    """Extra traitlets config for a test's server; override in a module to change it."""
    return {}


@pytest.fixture
def jp_server_config(jp_server_config: Any, mindzie_config: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_mindzie": True},
            "allow_unauthenticated_access": False,
            "terminals_enabled": False,
            "reraise_server_extension_failures": True,
        },
        "FileContentsManager": {"delete_to_trash": False},
        # Cold kernels by default: tests then see exactly the kernels their runs start.
        "MindzieKernelPool": {"size": 0},
    }
    for section, values in mindzie_config.items():
        config.setdefault(section, {}).update(values)
    return config


@pytest.fixture
def server_url(jp_http_port: int, jp_base_url: str, http_server_client: Any) -> str:
    """The test server's URL for clients of our own; `http_server_client` makes it listen."""
    return f"http://127.0.0.1:{jp_http_port}{jp_base_url.rstrip('/')}"


@pytest.fixture
def mindzie_app(jp_serverapp: Any) -> Any:
    """The running MindzieApp, for tests that set up state the API cannot (yet) make."""
    (app,) = jp_serverapp.extension_manager.extension_apps["jupyter_mindzie"]
    return app


@pytest.fixture
def api(jp_fetch: Any):
    """Call the API and get the reply whatever its status (jp_fetch raises on 4xx)."""

    async def call(
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
    ) -> Reply:
        payload: Any = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if payload is None and method in ("POST", "PUT"):
            payload = b""
        try:
            response = await jp_fetch(
                *path.strip("/").split("/"),
                method=method,
                body=payload,
                params=params or {},
                headers=headers or {},
                allow_nonstandard_methods=True,
            )
        except HTTPClientError as error:
            response = error.response
            assert response is not None, error
        return Reply(response.code, response.headers, response.body or b"")

    return call

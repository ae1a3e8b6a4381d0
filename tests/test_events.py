"""Server events: a subscriber of jupyter_server's `/api/events/subscribe` hears each run and
notebook change, with ids, status, phase and an ETag only; a peer server's runs reach it too."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from jupyter_mindzie.events import EXECUTION_EVENTS, NOTEBOOK_EVENTS, PING_EVENTS

from .support import (
    PROJECT,
    TENANT,
    TOKEN,
    Server,
    execute,
    notebook_with,
    project_path,
    wait_for,
)

SECRET = "Kunde-7f3a-geheim"
"""Written into the notebook's name, parameters, sources, outputs and errors: never in an event."""


async def events_until(
    socket: WebSocketClientConnection, done: Any, deadline: float = 120
) -> list[dict[str, Any]]:
    """The raw messages, parsed, up to and including the first for which `done(event)` holds."""
    heard: list[dict[str, Any]] = []
    end = time.monotonic() + deadline
    while True:
        remaining = end - time.monotonic()
        assert remaining > 0, f"gave up waiting; heard {heard}"
        message = await asyncio.wait_for(socket.read_message(), remaining)
        assert isinstance(message, str), f"the socket closed; heard {heard}"
        event = json.loads(message)
        if event["schema_id"] in (EXECUTION_EVENTS, NOTEBOOK_EVENTS):
            # no tenant data in ours (jupyter_server's own contents events carry file paths)
            assert SECRET not in message, message
        heard.append(event)
        if done(heard[-1]):
            return heard


def of(heard: list[dict[str, Any]], schema_id: str, **where: str) -> list[dict[str, Any]]:
    return [e for e in heard if e["schema_id"] == schema_id and all(e.get(k) == v for k, v in where.items())]


def etag_of(reply: Any) -> str:
    return str(reply.headers["ETag"])


async def test_a_subscriber_hears_a_run_from_queued_to_its_end_with_ids_only(
    api: Any, jp_ws_fetch: Any
) -> None:
    socket = await jp_ws_fetch("api", "events", "subscribe")
    notebook = await notebook_with(
        api,
        "import time; time.sleep(0.7)",  # longer than a batch of writes: its own cell-finished
        f"print('{SECRET} output')",
        f"raise ValueError('{SECRET} error')",
        parameters=f"label = '{SECRET} default'",
        name=f"{SECRET} notebook",
    )
    accepted = await execute(api, notebook, {"parameters": {"label": f"{SECRET} parameter"}})
    execution_id = accepted["executionId"]
    heard = await events_until(
        socket, lambda e: e.get("executionId") == execution_id and e.get("action") == "ended"
    )
    socket.close()
    final = await wait_for(api, notebook["notebookId"], execution_id)
    # Completed with a failed cell; the error's text is told through the REST API only
    assert final["status"] == "Completed", final
    assert any(SECRET in json.dumps(c) for c in final["cellResults"] if c["status"] == "Error")

    runs = of(heard, EXECUTION_EVENTS, executionId=execution_id)
    actions = [e["action"] for e in runs]
    assert actions[:2] == ["queued", "started"] and actions[-1] == "ended", actions
    assert actions.count("ended") == 1 and "cell-finished" in actions, actions
    for event in runs:
        assert set(event) == {
            "schema_id",
            "action",
            "tenantId",
            "projectId",
            "notebookId",
            "executionId",
            "status",
            "phase",
            "etag",
            "local",
        }, event
        assert (event["tenantId"], event["projectId"], event["notebookId"]) == (
            TENANT,
            PROJECT,
            notebook["notebookId"],
        )
        assert event["local"] is True
    assert runs[0]["phase"] == "Queued" and runs[-1]["status"] == runs[-1]["phase"] == "Completed"
    # the last event's ETag is the status's: a client holding it has nothing to read
    reply = await api("GET", project_path("notebook", notebook["notebookId"], "execution", execution_id))
    assert runs[-1]["etag"] == etag_of(reply)
    cached = await api(
        "GET",
        project_path("notebook", notebook["notebookId"], "execution", execution_id),
        headers={"If-None-Match": runs[-1]["etag"]},
    )
    assert cached.status == 304


async def test_notebook_changes_are_events_carrying_the_version_etag(api: Any, jp_ws_fetch: Any) -> None:
    socket = await jp_ws_fetch("api", "events", "subscribe")
    notebook = await notebook_with(api, f"print('{SECRET}')", name=f"{SECRET} notebook")
    notebook_id = notebook["notebookId"]
    got = await api("GET", project_path("notebook", notebook_id))
    deleted = await api("DELETE", project_path("notebook", notebook_id))
    assert deleted.status == 204
    heard = await events_until(socket, lambda e: e.get("action") == "deleted", deadline=30)
    socket.close()
    changes = of(heard, NOTEBOOK_EVENTS, notebookId=notebook_id)
    assert [e["action"] for e in changes] == ["created", "updated", "deleted"], changes
    assert changes[1]["etag"] == etag_of(got) and changes[0]["etag"] != changes[1]["etag"]
    assert "etag" not in changes[2]
    assert all(e["tenantId"] == TENANT and e["projectId"] == PROJECT for e in changes)


async def test_events_need_the_token(server_url: str) -> None:
    url = server_url.replace("http://", "ws://") + "/api/events/subscribe"
    with pytest.raises(HTTPClientError) as refused:
        await websocket_connect(url)
    assert refused.value.code in (302, 401, 403), refused.value  # sent to log in, never subscribed


@pytest.mark.slow
async def test_a_peer_servers_run_reaches_the_subscribers_of_another(tmp_path: Path, pg_url: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    common = [f"--MindzieApp.db_url={pg_url}", "--MindzieKernelPool.size=0"]
    # B has no slot, so the run is A's (the store's queue would let either claim it).
    a, b = Server(root, *common, name="a"), Server(root, *common, "--MindzieEngine.slots=0", name="b")
    try:
        await asyncio.gather(asyncio.to_thread(a.start), asyncio.to_thread(b.start))
        request = HTTPRequest(
            f"ws://127.0.0.1:{b.port}/api/events/subscribe",
            headers={"Authorization": f"token {TOKEN}"},
        )
        socket = await websocket_connect(request)
        created = await asyncio.to_thread(a.call, "POST", "notebook", json={"notebookName": SECRET})
        notebook_id = created.json()["notebookId"]
        cells = [{"cellType": "code", "content": f"print('{SECRET}')"} for _ in range(2)]
        assert (await asyncio.to_thread(a.call, "PUT", f"notebook/{notebook_id}", json={"cells": cells})).ok
        accepted = await asyncio.to_thread(a.call, "POST", f"notebook/{notebook_id}/execute", json={})
        execution_id = accepted.json()["executionId"]
        heard = await events_until(
            socket, lambda e: e.get("executionId") == execution_id and e.get("action") == "ended"
        )
        socket.close()
        runs = of(heard, EXECUTION_EVENTS, executionId=execution_id)
        assert all(e["local"] is False and e["notebookId"] == notebook_id for e in runs), runs
        assert runs[-1]["status"] == "Completed", runs
        # a peer's progress writes are retold (its queueing is told by the server it was sent to)
        assert [e["action"] for e in runs].count("ended") == 1 and len(runs) >= 2, runs
        on_b = await asyncio.to_thread(b.call, "GET", f"notebook/{notebook_id}/execution/{execution_id}")
        assert runs[-1]["etag"] == on_b.headers["ETag"]
        assert not a.tracebacks() and not b.tracebacks()
    finally:
        await asyncio.gather(asyncio.to_thread(a.stop), asyncio.to_thread(b.stop))


async def test_the_panels_check_posted_to_api_events_comes_back_on_the_socket(
    api: Any, jp_ws_fetch: Any
) -> None:
    socket = await jp_ws_fetch("api", "events", "subscribe")
    check = {"schema_id": PING_EVENTS, "version": "1", "data": {"nonce": "n0nce"}}
    posted = await api("POST", "api/events", check)
    assert posted.status == 204, posted.body
    heard = await events_until(socket, lambda e: e["schema_id"] == PING_EVENTS, deadline=30)
    assert heard[-1] == {"schema_id": PING_EVENTS, "nonce": "n0nce"}
    # anything else in a check is refused (while somebody listens: jupyter_events validates then)
    posted = await api("POST", "api/events", {**check, "data": {"nonce": "n", "path": SECRET}})
    socket.close()
    assert posted.status == 400, posted.body

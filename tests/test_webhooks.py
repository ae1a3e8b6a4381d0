"""Webhooks of runs, against a real HTTP receiver on loopback: signed, retried, allowed hosts only."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from tornado import httpserver, web

from jupyter_mindzie.cli.main import run_command
from jupyter_mindzie.notify.notifier import MindzieNotifier

from .support import (
    PROJECT,
    TENANT,
    assert_problem,
    execute,
    free_port,
    notebook_with,
    project_path,
    wait_for,
)


@pytest.fixture
def mindzie_config() -> dict[str, Any]:
    return {"MindzieNotifier": {"allowed_hosts": ["127.0.0.1"], "backoff_seconds": 0.3, "poll_seconds": 0.5}}


@dataclass
class Call:
    name: str
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every POST; `fail[name]` more POSTs to /hook/<name> are answered 500."""

    port: int
    calls: list[Call] = field(default_factory=list)
    fail: dict[str, int] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hook/{name}"

    def to(self, name: str) -> list[Call]:
        return [call for call in self.calls if call.name == name]

    async def until(self, name: str, count: int = 1, deadline: float = 60) -> list[Call]:
        """The calls to `name` once `count` of them were answered 2xx."""
        end = time.monotonic() + deadline
        while sum(200 <= c.answered < 300 for c in self.to(name)) < count:
            assert time.monotonic() < end, self.calls
            await asyncio.sleep(0.05)
        return self.to(name)


class Hook(web.RequestHandler):
    def initialize(self, receiver: Receiver) -> None:
        self.receiver = receiver

    def post(self, name: str) -> None:
        failing = self.receiver.fail.get(name, 0)
        self.receiver.fail[name] = max(0, failing - 1)
        status = 500 if failing else 204
        headers = {key.lower(): value for key, value in self.request.headers.items()}
        self.receiver.calls.append(Call(name, headers, self.request.body, status))
        self.set_status(status)


@pytest.fixture
def receiver(jp_asyncio_loop: Any) -> Any:
    """A tornado app on the test server's own loop, on a loopback port of its own."""
    found = Receiver(free_port())

    async def listen() -> httpserver.HTTPServer:
        server = httpserver.HTTPServer(web.Application([(r"/hook/(\w+)", Hook, {"receiver": found})]))
        server.listen(found.port, "127.0.0.1")
        return server

    server = jp_asyncio_loop.run_until_complete(listen())
    yield found
    server.stop()


def signed_by(secret: str, call: Call) -> bool:
    """The README's check, written out: Standard Webhooks' v1 HMAC-SHA256 signature."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{call.headers['webhook-id']}.{call.headers['webhook-timestamp']}.".encode() + call.body
    expected = "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, given) for given in call.headers["webhook-signature"].split())


async def with_hooks(api: Any, notebook: dict[str, Any], notifications: dict[str, Any]) -> None:
    body = {"integration": {"notifications": notifications}}
    reply = await api("PUT", project_path("notebook", notebook["notebookId"]), body)
    assert reply.status == 200, reply.body
    assert reply.json["integration"]["notifications"] == {
        "onStart": [],
        "onSuccess": [],
        "onFailure": [],
        "onDurationWarningSeconds": None,
        **notifications,
    }


async def test_a_receiver_that_fails_twice_gets_the_same_signed_delivery_a_third_time(
    api: Any, mindzie_app: Any, receiver: Receiver, capsys: Any
) -> None:
    receiver.fail["success"] = 2
    notebook = await notebook_with(api, "print('one')")
    await with_hooks(
        api, notebook, {"onStart": [receiver.url("start")], "onSuccess": [receiver.url("success")]}
    )
    accepted = await execute(api, notebook)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed"

    calls = await receiver.until("success")
    assert [c.answered for c in calls] == [500, 500, 204]
    assert len({c.headers["webhook-id"] for c in calls}) == 1, "one idempotency id for every attempt"
    assert len({c.body for c in calls}) == 1
    assert (
        run_command(["webhook-secret", TENANT, PROJECT, "--root", str(mindzie_app.serverapp.root_dir)]) == 0
    )
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("whsec_") and all(signed_by(secret, c) for c in calls)
    assert all(abs(int(c.headers["webhook-timestamp"]) - time.time()) < 300 for c in calls)
    assert all(c.headers["content-type"] == "application/json" for c in calls)
    event = calls[0].json
    assert event["type"] == "execution.succeeded"
    assert event["data"]["executionId"] == accepted["executionId"]
    assert event["data"]["status"] == "Completed" and event["data"]["notebookName"] == "run me"

    (started,) = await receiver.until("start")
    assert started.json["type"] == "execution.started" and signed_by(secret, started)
    assert started.headers["webhook-id"] != calls[0].headers["webhook-id"]
    rows = mindzie_app.engine.store.deliveries(accepted["executionId"])
    assert {(r["event"], r["state"], r["attempts"]) for r in rows} == {
        ("execution.started", "delivered", 1),
        ("execution.succeeded", "delivered", 3),
    }

    # a forged body no longer matches, and a rotated secret signs what comes next
    assert not signed_by(secret, Call("x", calls[0].headers, calls[0].body + b" ", 0))
    assert (
        run_command(
            ["webhook-secret", TENANT, PROJECT, "--rotate", "--root", str(mindzie_app.serverapp.root_dir)]
        )
        == 0
    )
    rotated = capsys.readouterr().out.strip()
    assert rotated != secret
    again = await execute(api, notebook)
    await wait_for(api, notebook["notebookId"], again["executionId"])
    latest = (await receiver.until("success", 2))[-1]
    assert signed_by(rotated, latest) and not signed_by(secret, latest)


async def test_a_run_over_its_duration_warns_the_failure_hooks_and_an_error_tells_them(
    api: Any, receiver: Receiver
) -> None:
    slow = await notebook_with(api, "import time\ntime.sleep(3)")
    hooks = {
        "onFailure": [receiver.url("failure")],
        "onSuccess": [receiver.url("ok")],
        "onDurationWarningSeconds": 1,
    }
    await with_hooks(api, slow, hooks)
    accepted = await execute(api, slow)
    (warning,) = await receiver.until("failure")
    assert warning.json["type"] == "execution.duration_warning"
    assert warning.json["data"]["status"] == "Running"
    assert (await wait_for(api, slow["notebookId"], accepted["executionId"]))["status"] == "Completed"
    (done,) = await receiver.until("ok")
    assert done.json["type"] == "execution.succeeded"

    failing = await notebook_with(api, "raise SystemExit(3)")
    await with_hooks(api, failing, {"onFailure": [receiver.url("broken")], "onDurationWarningSeconds": 60})
    accepted = await execute(api, failing)
    assert (await wait_for(api, failing["notebookId"], accepted["executionId"]))["status"] == "Error"
    (failed,) = await receiver.until("broken")
    assert failed.json["type"] == "execution.failed" and failed.json["data"]["errorType"]
    assert len(receiver.to("failure")) == 1, "the first run warned once"


async def test_a_url_outside_the_allowed_hosts_is_a_400_naming_it(api: Any, receiver: Receiver) -> None:
    notebook = await notebook_with(api, "print('one')")
    path = project_path("notebook", notebook["notebookId"])
    outside = {"onStart": [receiver.url("start")], "onFailure": ["http://169.254.169.254/latest/meta-data"]}
    reply = await api("PUT", path, {"integration": {"notifications": outside}})
    assert_problem(reply, 400, "integration.notifications.onFailure[0]")
    other_port = {"onSuccess": ["http://localhost:8080/hook"]}
    reply = await api(
        "POST", project_path("notebook"), {"notebookName": "x", "integration": {"notifications": other_port}}
    )
    assert_problem(reply, 400, "integration.notifications.onSuccess[0]")
    for bad, where in (
        ({"onStart": ["file:///etc/passwd"]}, "integration.notifications.onStart[0]"),
        ({"onStart": ["http://user:pw@127.0.0.1/"]}, "integration.notifications.onStart[0]"),
        ({"onFailure": ["http://a]b?", "http://[::1"]}, "integration.notifications.onFailure[0]"),
        ({"onStart": "http://127.0.0.1/"}, "integration.notifications.onStart"),
        ({"onDurationWarningSeconds": 0}, "integration.notifications.onDurationWarningSeconds"),
        ({"onEnd": []}, "integration.notifications.onEnd"),
    ):
        assert_problem(await api("PUT", path, {"integration": {"notifications": bad}}), 400, where)
    # nothing was kept, and none is removal
    reply = await api("GET", path)
    assert "notifications" not in reply.json["integration"]
    await with_hooks(api, notebook, {"onStart": [receiver.url("start")]})
    reply = await api("PUT", path, {"integration": {"notifications": None}})
    assert reply.status == 200 and "notifications" not in reply.json["integration"]


async def test_no_host_is_allowed_by_default(api: Any, mindzie_app: Any) -> None:
    assert MindzieNotifier.class_traits()["allowed_hosts"].default() == []
    mindzie_app.notifier.allowed_hosts = []  # this module's servers allow the receiver's
    notebook = await notebook_with(api, "print('one')")
    body = {"integration": {"notifications": {"onStart": ["http://127.0.0.1:9/hook"]}}}
    reply = await api("PUT", project_path("notebook", notebook["notebookId"]), body)
    assert_problem(reply, 400, "integration.notifications.onStart[0]")

"""`Idempotency-Key` on execute, through a real server (SQLite and PostgreSQL), and the Python
client retrying its execute through a dropped connection."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import threading
from typing import Any

import pytest

from .support import (
    PROJECT,
    TENANT,
    assert_problem,
    notebook_with,
    project_path,
    wait_for,
)


async def post(api: Any, notebook: dict[str, Any], body: dict[str, Any], key: str | None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return await api(
        "POST", project_path("notebook", notebook["notebookId"], "execute"), body, headers=headers
    )


async def history(api: Any, notebook: dict[str, Any]) -> list[str]:
    reply = await api("GET", project_path("notebook", notebook["notebookId"], "executions"))
    return [e["executionId"] for e in reply.json["executions"]]


async def test_the_same_key_answers_the_first_execution_and_starts_no_second_run(api):
    notebook = await notebook_with(api, "print('once')")
    body = {"parameters": {"x": 2}}
    first = await post(api, notebook, body, "order-42")
    assert first.status == 202, first.body
    again = await post(api, notebook, body, '"order-42"')  # the IETF draft's quoted form is the same key
    assert again.status == 202, again.body
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    await wait_for(api, notebook["notebookId"], first.json["executionId"])
    late = await post(api, notebook, body, "order-42")  # after the run ended: still the first
    assert late.json == first.json
    assert await history(api, notebook) == [first.json["executionId"]]

    # another body with that key is refused, naming the header; another key is another run
    assert_problem(
        await post(api, notebook, {"parameters": {"x": 3}}, "order-42"),
        422,
        field="Idempotency-Key",
        problem_type="idempotency-key-reused",
    )
    other = await post(api, notebook, body, "order-43")
    assert other.status == 202 and other.json["executionId"] != first.json["executionId"]
    # the same key on another notebook is that notebook's own
    second_notebook = await notebook_with(api, "print('elsewhere')")
    elsewhere = await post(api, second_notebook, body, "order-42")
    assert elsewhere.status == 202 and elsewhere.json["executionId"] != first.json["executionId"]


async def test_a_malformed_key_is_a_400_and_a_failed_request_gives_its_key_back(api):
    notebook = await notebook_with(api, "print(1)")
    for key in ["", "   ", "x" * 256, "naïve", "tab\there"]:
        assert_problem(await post(api, notebook, {}, key), 400, field="Idempotency-Key")
    assert_problem(await post(api, notebook, {"priority": "Urgent"}, "k-1"), 400, field="priority")
    refused = await post(api, notebook, {"parameters": {"x": 1}, "timeout": -1}, "k-2")
    assert_problem(refused, 400, field="timeout")
    assert await history(api, notebook) == []
    fixed = await post(api, notebook, {"parameters": {"x": 1}}, "k-2")  # a key that answered 400 is free
    assert fixed.status == 202, fixed.body


async def concurrent_posts_start_one_run(api: Any) -> None:
    notebook = await notebook_with(api, "import time\ntime.sleep(0.2)")
    body = {"parameters": {"x": 7}}
    replies = await asyncio.gather(*(post(api, notebook, body, "same-key") for _ in range(12)))
    assert {reply.status for reply in replies} == {202}, [r.body for r in replies]
    ids = {reply.json["executionId"] for reply in replies}
    assert len(ids) == 1
    assert {reply.headers["Location"] for reply in replies} == {replies[0].headers["Location"]}
    assert await history(api, notebook) == list(ids)
    await wait_for(api, notebook["notebookId"], ids.pop())


async def test_concurrent_posts_with_one_key_start_one_run_on_sqlite(api):
    await concurrent_posts_start_one_run(api)


class TestOnPostgreSQL:
    @pytest.fixture
    def mindzie_config(self, pg_url):
        return {"MindzieApp": {"db_url": pg_url}}

    async def test_concurrent_posts_with_one_key_start_one_run(self, api):
        await concurrent_posts_start_one_run(api)


# -- the Python client through a connection that drops --------------------------------------


class DroppingProxy:
    """A loopback TCP proxy that forwards the first connection's request to the server, then
    closes that connection before any answer reaches the client; later connections pass."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.forwarded_first = threading.Event()
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(client, self.connections == 1), daemon=True).start()

    def _serve(self, client: socket.socket, drop: bool) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        if drop:
            request = self._one_request(client)
            upstream.sendall(request)
            upstream.recv(65536)  # the server answered: the run is queued
            self.forwarded_first.set()
            client.close()  # ... and the client never hears it
            upstream.close()
            return
        pipes = [(client, upstream), (upstream, client)]
        threads = [threading.Thread(target=self._pipe, args=pair, daemon=True) for pair in pipes]
        for thread in threads:
            thread.start()

    @staticmethod
    def _one_request(client: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            data += client.recv(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(rest) < length:
            rest += client.recv(65536)
        return head + b"\r\n\r\n" + rest

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stop = True
        self.listener.close()


async def test_the_client_retries_an_execute_through_a_dropped_connection_without_a_second_run(
    api, jp_http_port, jp_base_url, jp_auth_header, http_server_client
):
    token = jp_auth_header["Authorization"].split()[-1]
    notebook = await notebook_with(api, "print('once')")
    proxy = DroppingProxy(jp_http_port)
    base = f"http://127.0.0.1:{proxy.port}{jp_base_url.rstrip('/')}"
    script = f"""
import json
from jupyter_mindzie.client.rest import MindzieClient
client = MindzieClient({base!r}, {TENANT!r}, {PROJECT!r}, {token!r}, timeout=30)
notebook_id = {notebook["notebookId"]!r}
answers = [client.execute_notebook(notebook_id, {{"x": 5}})]  # through the dropped connection
answers.append(client.execute_notebook(notebook_id, {{"x": 5}}))  # a new call: a new key, a new run
answers += [client.execute_notebook(notebook_id, {{"x": 6}}, idempotency_key="mine") for _ in range(2)]
print(json.dumps([answer["executionId"] for answer in answers]))
"""
    try:
        # The client blocks: run it in its own process, so this test's server keeps answering.
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        proxy.close()
    assert process.returncode == 0, err.decode()
    dropped, fresh, mine, mine_again = json.loads(out)
    assert proxy.forwarded_first.is_set() and proxy.connections >= 2
    assert len({dropped, fresh, mine}) == 3 and mine_again == mine
    assert sorted(await history(api, notebook)) == sorted([dropped, fresh, mine])  # one run per call
    for execution_id in (dropped, fresh, mine):
        final = await wait_for(api, notebook["notebookId"], execution_id)
        assert final["status"] == "Completed"

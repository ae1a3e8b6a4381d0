"""Large notebook bodies are parsed, validated, hashed and encoded off the event loop (`offload.py`).

A ticker coroutine records the CPU time the event loop's thread spends between two of its
ticks while a 15 MB notebook is PUT. CPU time rather than wall time: this machine is shared,
and a neighbour's load stretches wall-clock gaps whatever the server does, while the loop's own
CPU time between ticks is what one request takes from every other request. Before the offload
the parse, the schema walk, the copy, the fingerprints and the encoding of the cells held the
loop for 140-220 ms of CPU at a stretch here (and about 1 s of wall time in the issue's
measurement); what stays on the loop is the server's ContentsManager reading and saving the file
(its JSON, validation and signature) and the store's write of the version, 50-80 ms here.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import psutil

from .support import assert_problem, create, project_path

MB = 1024 * 1024
STALL_CPU_BOUND = 0.120  # seconds; see the module's docstring


def large_cells(total: int, tag: str, count: int = 100) -> list[dict[str, Any]]:
    line = "events = events[events['case_id'] != 'C0042']  # a line of analysis code\n"
    size = total // count
    body = (line * (size // len(line) + 1))[: size - len(tag)]
    return [{"cellType": "code", "content": body + tag} for _ in range(count)]


async def longest_loop_cpu(call: Any) -> tuple[float, Any]:
    """Run `call()`; the most CPU time the loop's thread spent between two ticks meanwhile."""
    longest = 0.0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal longest
        last = time.thread_time()
        while not done.is_set():
            await asyncio.sleep(0.002)
            now = time.thread_time()
            longest, last = max(longest, now - last), now

    ticker = asyncio.ensure_future(tick())
    await asyncio.sleep(0.01)
    try:
        result = await call()
    finally:
        done.set()
        await ticker
    return longest, result


async def test_a_15_mb_put_leaves_the_event_loop_free(api, mindzie_app):
    notebook = await create(api, {"notebookName": "large"})
    path = project_path("notebook", notebook["notebookId"])
    # the first large request starts the worker process: not what is measured
    warm = await api("PUT", path, {"cells": large_cells(2 * MB, "warm")})
    assert warm.status == 200, warm.body
    stalls = []
    for attempt in range(2):
        cells = large_cells(15 * MB, f"# {attempt}")
        stall, reply = await longest_loop_cpu(lambda c=cells: api("PUT", path, {"cells": c}))
        assert reply.status == 200, reply.body[:500]
        stalls.append(stall)
    # the better of two: a neighbour's burst can slow one; the old code was over the bound in both
    assert min(stalls) < STALL_CPU_BOUND, f"the loop's thread was busy {stalls} s at a stretch"
    # what the worker made is what the API and the file hold
    got = (await api("GET", path, params={"includeContent": "true"})).json
    assert len(got["cells"]) == 100 and got["cells"][0]["content"].endswith("# 1")
    versions = (await api("GET", project_path("notebook", notebook["notebookId"], "versions"))).json
    assert versions["versions"][0]["version"] == got["notebookVersion"]


async def test_a_large_bad_body_is_still_a_400_naming_the_field(api, mindzie_app):
    notebook = await create(api, {"notebookName": "large"})
    cells = large_cells(2 * MB, "")
    cells[3]["cellType"] = "sql"
    reply = await api("PUT", project_path("notebook", notebook["notebookId"]), {"cells": cells})
    assert_problem(reply, 400, field="cells[3].cellType")
    assert mindzie_app.offload._executor is not None  # it went through the worker
    broken = b'{"cells": [' + b'{"cellType": "code", "content": "x"},' * 60_000 + b"]"
    assert_problem(
        await api("PUT", project_path("notebook", notebook["notebookId"]), raw=broken), 400, field="body"
    )


async def test_the_worker_stops_with_the_offload(api, mindzie_app):
    notebook = await create(api, {"notebookName": "large"})
    reply = await api(
        "PUT", project_path("notebook", notebook["notebookId"]), {"cells": large_cells(2 * MB, "")}
    )
    assert reply.status == 200, reply.body
    executor = mindzie_app.offload._executor
    workers = [psutil.Process(pid) for pid in executor._processes]
    assert workers and all(w.is_running() for w in workers)
    await asyncio.to_thread(mindzie_app.offload.close)  # what the server's stop does
    assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)
    # and a later large request starts a new one
    again = await api(
        "PUT", project_path("notebook", notebook["notebookId"]), {"cells": large_cells(2 * MB, "x")}
    )
    assert again.status == 200 and mindzie_app.offload._executor is not executor


async def test_a_killed_worker_costs_no_request(api, mindzie_app):
    notebook = await create(api, {"notebookName": "large"})
    path = project_path("notebook", notebook["notebookId"])
    assert (await api("PUT", path, {"cells": large_cells(2 * MB, "a")})).status == 200
    for pid in mindzie_app.offload._executor._processes:
        psutil.Process(pid).kill()  # as the OOM killer would
    reply = await api("PUT", path, {"cells": large_cells(2 * MB, "b")})
    assert reply.status == 200, reply.body[:500]
    got = (await api("GET", path, params={"includeContent": "true"})).json
    assert got["cells"][0]["content"].endswith("b")
    assert (await api("PUT", path, {"cells": large_cells(2 * MB, "c")})).status == 200  # a new worker
    assert mindzie_app.offload._executor is not None

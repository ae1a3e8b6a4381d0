"""Prometheus metrics at the server's own `/metrics`: scraped during runs and after them."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from tornado.httpclient import AsyncHTTPClient

from .support import execute, notebook_with, wait_for


@pytest.fixture
def mindzie_config() -> dict[str, Any]:
    # One slot, so a second run waits in the queue; a warm pool of one without preloads (quick).
    return {"MindzieEngine": {"slots": 1}, "MindzieKernelPool": {"size": 1, "preload": []}}


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(api: Any) -> Samples:
    reply = await api("GET", "metrics")
    assert reply.status == 200, reply.body
    assert reply.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(reply.body.decode())
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_move_with_runs_and_need_the_token(
    api: Any, server_url: str, tmp_path: Path, mindzie_app: Any
) -> None:
    refused = await AsyncHTTPClient().fetch(f"{server_url}/metrics", raise_error=False)
    assert refused.code in (401, 403), refused.code  # jupyter_server's authenticate_prometheus
    before = await scrape(api)
    assert value(before, "mindzie_kernel_pool_size") == 1

    go = tmp_path / "go"
    waiting = f"import os, time\nend = time.monotonic() + 60\nwhile not os.path.exists({str(go)!r}) and time.monotonic() < end:\n    time.sleep(0.02)"
    slow = await notebook_with(api, waiting, name="waits for go")
    quick = await notebook_with(api, "print('quick')", name="quick")
    first = await execute(api, slow)
    await wait_for(api, slow["notebookId"], first["executionId"], lambda s: s["phase"] == "Executing")
    second = await execute(api, quick)  # one slot: it waits behind the first

    during = await scrape(api)
    assert value(during, "mindzie_executions_running") == 1
    assert value(during, "mindzie_executions_queued") == 1
    assert value(during, "mindzie_executions_total", status="Completed") == value(
        before, "mindzie_executions_total", status="Completed"
    )
    assert value(during, "mindzie_execution_queue_wait_seconds_count") == (
        value(before, "mindzie_execution_queue_wait_seconds_count") + 1
    )

    go.touch()
    for notebook, accepted in ((slow, first), (quick, second)):
        final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
        assert final["status"] == "Completed", final

    # a slot is held until the run's kernel is shut down, just after its terminal state
    end = time.monotonic() + 30
    while value(after := await scrape(api), "mindzie_executions_running") and time.monotonic() < end:
        await asyncio.sleep(0.05)
    assert value(after, "mindzie_executions_running") == 0
    assert value(after, "mindzie_executions_queued") == 0
    for name, labels in (
        ("mindzie_executions_total", {"status": "Completed"}),
        ("mindzie_execution_duration_seconds_count", {}),
        ("mindzie_execution_queue_wait_seconds_count", {}),
    ):
        assert value(after, name, **labels) == value(before, name, **labels) + 2, name
    assert value(after, "mindzie_executions_total", status="Error") == value(
        before, "mindzie_executions_total", status="Error"
    )
    # the second run waited for the first: at least as long as the go file took to appear
    waited = value(after, "mindzie_execution_queue_wait_seconds_sum") - value(
        during, "mindzie_execution_queue_wait_seconds_sum"
    )
    assert waited > 0
    takes = ("mindzie_kernel_pool_hits_total", "mindzie_kernel_pool_misses_total")
    assert sum(value(after, n) for n in takes) == sum(value(before, n) for n in takes) + 2
    assert (
        value(after, "mindzie_webhook_deliveries_total", outcome="delivered") >= 0
    )  # defined, no caller yet
    assert ("mindzie_webhook_failures_total", frozenset()) in after
    # no label names a tenant, a project or a notebook
    mine = {labels for (name, labels) in after if name.startswith("mindzie_")}
    assert {key for labels in mine for key, _ in labels} <= {"status", "outcome", "le"}


def test_news_a_peer_wrote_is_not_counted_again() -> None:
    """Several servers on one store: each counts the runs it drove, never a peer's it heard of."""
    from jupyter_mindzie.execution.lifecycle import RunNews
    from jupyter_mindzie.metrics import EXECUTIONS, QUEUE_SECONDS, RUN_SECONDS, RunMetrics

    def counts() -> tuple[float, ...]:
        families = {
            m.name: m for m in (*EXECUTIONS.collect(), *RUN_SECONDS.collect(), *QUEUE_SECONDS.collect())
        }
        completed = next(
            s.value for s in families["mindzie_executions"].samples if s.labels == {"status": "Completed"}
        )
        histograms = [
            s.value
            for name in ("mindzie_execution_duration_seconds", "mindzie_execution_queue_wait_seconds")
            for s in families[name].samples
            if s.name.endswith("_count")
        ]
        return (completed, *histograms)

    listener, before = RunMetrics(), counts()
    for phase, status in (("Queued", "Running"), ("Starting", None), ("Completed", "Completed")):
        listener(RunNews("peer-run", status, phase, local=False))
    assert counts() == before
    for phase, status in (("Queued", "Running"), ("Starting", None), ("Completed", "Completed")):
        listener(RunNews("own-run", status, phase))
    assert counts() == tuple(n + 1 for n in before)

"""Prometheus metrics of runs, the queue, the kernel pool and webhooks.

jupyter_server already serves `prometheus_client`'s default registry at `/metrics`, behind its
own authentication (`ServerApp.authenticate_prometheus`), so the metrics live there: no port or
handler of ours. Counters and histograms are fed by run news (`RunLifecycle`), only this
server's own (`RunNews.local`), so that several servers on one store count each run once. The
gauges are read from the engine and the pool when Prometheus scrapes, so they cannot drift.

No label names a tenant, a project or a notebook: one series each would grow without bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from jupyter_mindzie.contract.enums import TERMINAL_STATUSES, is_terminal
from jupyter_mindzie.execution.engine import MindzieEngine
from jupyter_mindzie.execution.lifecycle import RunNews
from jupyter_mindzie.storage.interface import StoreUnreachable

EXECUTIONS = Counter(
    "mindzie_executions", "Executions that reached a terminal state on this server, by status.", ["status"]
)
RUN_SECONDS = Histogram(
    "mindzie_execution_duration_seconds",
    "Seconds from a slot taking an execution (phase Starting) to its terminal state.",
    buckets=(0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600),
)
QUEUE_SECONDS = Histogram(
    "mindzie_execution_queue_wait_seconds",
    "Seconds an execution waited in the queue, from Queued to a slot taking it.",
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600),
)
WEBHOOK_DELIVERIES = Counter(
    "mindzie_webhook_deliveries",
    "Webhook delivery attempts, by outcome: delivered (a 2xx), failed (to be retried).",
    ["outcome"],
)
WEBHOOK_FAILURES = Counter(
    "mindzie_webhook_failures", "Webhook events given up on after their last retry (never delivered)."
)
for _status in TERMINAL_STATUSES:  # every series exists from the start, at 0: rates work at once
    EXECUTIONS.labels(status=_status)
for _outcome in ("delivered", "failed"):
    WEBHOOK_DELIVERIES.labels(outcome=_outcome)


def webhook_attempted(delivered: bool) -> None:
    """Count one webhook POST: `delivered` when the receiver answered 2xx."""
    WEBHOOK_DELIVERIES.labels(outcome="delivered" if delivered else "failed").inc()


def webhook_given_up() -> None:
    """Count one webhook event whose retries are exhausted."""
    WEBHOOK_FAILURES.inc()


class RunMetrics:
    """Listens to an engine's run news: counts terminal states, times the queue and the run."""

    LIMIT = 100_000  # runs remembered at once; more (news lost elsewhere) drops the oldest

    def __init__(self) -> None:
        self._queued: dict[str, float] = {}
        self._started: dict[str, float] = {}

    def __call__(self, news: RunNews) -> None:
        if not news.local:
            return
        now = time.monotonic()
        if news.phase == "Queued":
            _remember(self._queued, news.execution_id, now, self.LIMIT)
        elif news.phase == "Starting":
            queued = self._queued.pop(news.execution_id, None)
            if queued is not None:
                QUEUE_SECONDS.observe(now - queued)
            _remember(self._started, news.execution_id, now, self.LIMIT)
        if news.status is not None and is_terminal(news.status):
            EXECUTIONS.labels(status=news.status).inc()
            self._queued.pop(news.execution_id, None)
            started = self._started.pop(news.execution_id, None)
            if started is not None:
                RUN_SECONDS.observe(now - started)


def _remember(times: dict[str, float], key: str, now: float, limit: int) -> None:
    times[key] = now
    if len(times) > limit:
        del times[next(iter(times))]


class EngineCollector(Collector):
    """The gauges, read from the watched engines and their pools at scrape time."""

    def __init__(self) -> None:
        self.engines: list[MindzieEngine] = []

    def collect(self) -> Iterator[Metric]:
        queued = GaugeMetricFamily(
            "mindzie_executions_queued", "Executions waiting for a slot, on every server sharing the store."
        )
        running = GaugeMetricFamily(
            "mindzie_executions_running",
            "Executions holding a slot of this server (from start until their kernel is shut down).",
        )
        ready = GaugeMetricFamily("mindzie_kernel_pool_ready", "Warm kernels ready for the next run.")
        target = GaugeMetricFamily("mindzie_kernel_pool_size", "Warm kernels the pool keeps per kernelspec.")
        hits = CounterMetricFamily("mindzie_kernel_pool_hits", "Runs that took a warm kernel from the pool.")
        misses = CounterMetricFamily(
            "mindzie_kernel_pool_misses",
            "Runs of a pooled kernelspec that found no warm kernel and started one.",
        )
        failures = CounterMetricFamily("mindzie_kernel_pool_warm_failures", "Pool warm-ups that failed.")
        waiting, busy = _counts(self.engines)
        if waiting is not None:
            queued.add_metric([], waiting)
        running.add_metric([], busy)
        pools = [engine.pool for engine in self.engines if engine.pool is not None]
        ready.add_metric([], sum(len(pool.kernel_ids()) for pool in pools))
        target.add_metric([], sum(pool.target_size if pool.enabled else 0 for pool in pools))
        hits.add_metric([], sum(pool.hits for pool in pools))
        misses.add_metric([], sum(pool.misses for pool in pools))
        failures.add_metric([], sum(pool.warm_failures for pool in pools))
        yield from (queued, running, ready, target, hits, misses, failures)


def _counts(engines: Iterable[MindzieEngine]) -> tuple[int | None, int]:
    """(waiting on every server sharing the store, running here): the one place that reads the
    engines' runs. Waiting is None while the store cannot answer: a scrape never fails for it."""
    runs: list[Any] = [run for engine in engines for run in engine._runs.values()]
    stores = {id(engine.store): engine.store for engine in engines}.values()
    try:
        waiting: int | None = sum(store.queue_counts("", "")["server"] for store in stores)
    except StoreUnreachable:
        waiting = None
    return waiting, sum(1 for run in runs if run.task is not None)


COLLECTOR = EngineCollector()
REGISTRY.register(COLLECTOR)  # once per process: the registry refuses a second of the same names
_unsubscribe: dict[int, Callable[[], None]] = {}


def watch(engine: MindzieEngine) -> None:
    """Count the engine's runs and show its gauges (until `forget`)."""
    unsubscribe = engine.lifecycle.subscribe(RunMetrics())
    COLLECTOR.engines.append(engine)
    _unsubscribe[id(engine)] = unsubscribe


def forget(engine: MindzieEngine) -> None:
    """Stop showing a stopped engine (tests start many servers in one process)."""
    unsubscribe = _unsubscribe.pop(id(engine), None)
    if unsubscribe is not None:
        unsubscribe()
    if engine in COLLECTOR.engines:
        COLLECTOR.engines.remove(engine)

"""P6: 100 short runs on one server against the same 100 on two servers sharing one PostgreSQL.

Both sides use a real PostgreSQL 16 (the `pgserver` wheel, on a Unix socket, as the tests start
it), a database of their own, and real `jupyter server` processes with `MindzieEngine.slots=2`
and their default pool (one warm kernel per slot). One server: its own root. Two servers: one
shared root and one database, as a load balancer would front them; the POSTs alternate between
them, and so do the status requests. Each side gets the same load: the 100 POSTs in a row
(a run waits in the memory of the server that accepted it), then, until every run is terminal,
a status request (`GET …/execution/{id}`, cycling through the runs) every 50 ms and the list
every 200 ms to see which ended.

Throughput is runs per second from the first POST to the last terminal state; the status p95 is
over the status requests made meanwhile. The sides run one after the other in one run (the
other side's servers stopped), `--rounds` times, alternating which goes first; the figures are
medians over rounds.

Where the time goes: CPU seconds per run of the server processes themselves, of their kernels
(started, warmed, run and shut down: one per run), and of PostgreSQL, against what the machine
had (cores × wall time), and how busy the machine was overall (other users included: it is
shared).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from common import TERMINAL, Row, Server, banner, median, percentile, stray_kernels, table, ten_cells


@dataclass
class Side:
    """What one side of P6 measured in one round."""

    servers: int
    runs: int
    wall: float
    status_latencies: list[float]
    not_completed: int
    cpu: dict[str, float]  # seconds: server, kernels, postgres, machine (every process), available
    leaked: int
    load: tuple[float, float]

    @property
    def throughput(self) -> float:
        return self.runs / self.wall


# -- PostgreSQL ----------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres() -> Iterator[Any]:
    """pgserver's PostgreSQL in a temporary folder, stopped and removed at the end."""
    import pgserver

    folder = tempfile.mkdtemp(prefix="mindzie-bench-p6-pg-")
    server = pgserver.get_server(folder, cleanup_mode="stop")
    try:
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def new_database(pg: Any) -> str:
    import psycopg

    name = f"mindzie_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg.get_uri(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return str(pg.get_uri(database=name))


# -- CPU accounting ------------------------------------------------------------------------------


def tree_cpu(pid: int) -> tuple[float, float]:
    """(the process's own CPU seconds, its descendants'): live ones read now, ended ones from
    what the process collected when it reaped them (kernels that were shut down)."""
    try:
        process = psutil.Process(pid)
        times = process.cpu_times()
        own = times.user + times.system
        descendants = times.children_user + times.children_system
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child_times = child.cpu_times()
                descendants += child_times.user + child_times.system
    except psutil.Error:
        return 0.0, 0.0
    return own, descendants


def machine_busy() -> float:
    """CPU seconds every process of the machine has used (all cores): shared with others."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


class CpuMeter:
    """CPU used by the servers, their kernels and PostgreSQL between `start` and `stop`."""

    def __init__(self, servers: list[Server], pg_pid: int) -> None:
        self.servers, self.pg_pid = servers, pg_pid

    def read(self) -> dict[str, float]:
        own = [tree_cpu(server.pid) for server in self.servers]
        return {
            "server": sum(o for o, _ in own),
            "kernels": sum(d for _, d in own),
            "postgres": sum(tree_cpu(self.pg_pid)),
            "machine": machine_busy(),
            "clock": time.monotonic(),
        }

    def start(self) -> None:
        self.first = self.read()

    def stop(self) -> dict[str, float]:
        last = self.read()
        used = {key: last[key] - self.first[key] for key in last}
        used["available"] = used.pop("clock") * (os.cpu_count() or 1)
        return used


# -- one side ------------------------------------------------------------------------------------


def statuses(
    servers: list[Server], notebook_id: str, ids: list[str], stop: threading.Event, interval: float
) -> list[float]:
    """GET an execution's status every `interval` s, cycling through the runs and the servers."""
    latencies: list[float] = []
    for n in itertools.count():
        if stop.is_set():
            break
        if ids:
            server = servers[n % len(servers)]
            started = time.perf_counter()
            server.call("GET", f"notebook/{notebook_id}/execution/{ids[n % len(ids)]}")
            latencies.append(time.perf_counter() - started)
        stop.wait(interval)
    return latencies


def drive(servers: list[Server], notebook_id: str, runs: int) -> tuple[float, list[float], int]:
    """POST `runs` executions round-robin over the servers, read while they run: (wall time
    until all terminal, status latencies, runs not Completed)."""
    ids: list[str] = []
    stop = threading.Event()
    latencies: list[list[float]] = []
    reader = threading.Thread(
        target=lambda: latencies.append(statuses(servers, notebook_id, ids, stop, 0.05)), daemon=True
    )
    started = time.perf_counter()
    ids.append(servers[0].submit(notebook_id))
    reader.start()
    for n in range(1, runs):
        ids.append(servers[n % len(servers)].submit(notebook_id))
    deadline = time.monotonic() + 120 + 20 * runs
    pending, states = set(ids), {}
    while pending and time.monotonic() < deadline:
        page = servers[0].call("GET", f"notebook/{notebook_id}/executions?pageSize=100").json()
        states = {item["executionId"]: item["status"] for item in page["executions"]}
        pending = {e for e in pending if states.get(e, "Running") not in TERMINAL}
        if pending:
            time.sleep(0.2)
    wall = time.perf_counter() - started
    stop.set()
    reader.join(timeout=30)
    if pending:
        raise RuntimeError(f"{len(pending)} of {runs} executions not terminal after the deadline")
    return wall, latencies[0] if latencies else [], sum(1 for e in ids if states.get(e) != "Completed")


def side(count: int, pg: Any, runs: int, pool_size: int | None) -> Side:
    """Start `count` servers on one new database and one root, warm them, run, stop them."""
    url = new_database(pg)
    root = Path(tempfile.mkdtemp(prefix=f"mindzie-bench-p6-root{count}-"))
    extra = [f"--MindzieApp.db_url={url}", f"--MindzieEngine.max_queued_per_project={runs + 10}"]
    servers = [
        Server(f"p6-{count}-{n}", slots=2, pool_size=pool_size, root=root, extra=extra) for n in range(count)
    ]
    try:
        starters = [threading.Thread(target=server.start) for server in servers]
        for thread in starters:
            thread.start()
        for thread in starters:
            thread.join()
        for server in servers:
            if server.process is None or server.process.poll() is not None:
                raise RuntimeError(f"server {server.name} did not start:\n{server.tail()}")
        notebook_id, _ = servers[0].notebook("short run", ten_cells())
        warm_id, _ = servers[0].notebook("warm-up", ten_cells())
        for server in servers:  # untimed: imports, caches, the first pooled kernels
            server.run(warm_id, follow=True)
        time.sleep(3)  # the pools refill after the warm-up runs (their kernels' boot is not timed)
        meter = CpuMeter(servers, pg.get_pid())
        load_before = os.getloadavg()[0]
        meter.start()
        wall, latencies, not_completed = drive(servers, notebook_id, runs)
        cpu = meter.stop()
        load_after = os.getloadavg()[0]
        leaked = sum(stray_kernels(server, settle=5.0 if n == 0 else 0.0) for n, server in enumerate(servers))
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"  {count} server(s): {runs} runs in {wall:.1f} s ({runs / wall:.2f}/s), status p95 "
        f"{percentile(latencies, 95) * 1000:.0f} ms over {len(latencies)}; CPU per run: server "
        f"{cpu['server'] / runs:.2f} s, kernels {cpu['kernels'] / runs:.2f} s, postgres "
        f"{cpu['postgres'] / runs:.3f} s; machine {cpu['machine'] / cpu['available']:.0%} busy; "
        f"load {load_before:.1f} → {load_after:.1f}",
        flush=True,
    )
    return Side(count, runs, wall, latencies, not_completed, cpu, leaked, (load_before, load_after))


# -- the bench -----------------------------------------------------------------------------------


def main(args: argparse.Namespace) -> list[Row]:
    runs = args.runs or (4 if args.smoke else 30 if args.quick else 100)
    if runs > 100:
        raise SystemExit("P6 reads the runs' states from one page of the history: at most 100 runs")
    rounds = 1 if args.smoke else args.rounds
    pool_size = 1 if args.smoke else None
    banner(f"P6: {runs} short runs, one server against two on one PostgreSQL ({rounds} round(s))")
    one: list[Side] = []
    two: list[Side] = []
    with postgres() as pg:
        for n in range(rounds):
            order = (1, 2) if n % 2 == 0 else (2, 1)
            for count in order:
                (one if count == 1 else two).append(side(count, pg, runs, pool_size))
    return rows(one, two, runs)


def rows(one: list[Side], two: list[Side], runs: int) -> list[Row]:
    def med(sides: list[Side], value: Any) -> float:
        return median([value(s) for s in sides])

    def per_run(sides: list[Side], key: str) -> float:
        return med(sides, lambda s: s.cpu[key] / s.runs)

    def share(sides: list[Side], key: str) -> float:
        return med(sides, lambda s: 100 * s.cpu[key] / s.cpu["available"])

    def ours_share(sides: list[Side]) -> float:
        return med(
            sides,
            lambda s: 100 * (s.cpu["server"] + s.cpu["kernels"] + s.cpu["postgres"]) / s.cpu["available"],
        )

    throughput = (med(one, lambda s: s.throughput), med(two, lambda s: s.throughput))
    p95 = (
        med(one, lambda s: percentile(s.status_latencies, 95) * 1000),
        med(two, lambda s: percentile(s.status_latencies, 95) * 1000),
    )
    p50 = (
        med(one, lambda s: median(s.status_latencies) * 1000),
        med(two, lambda s: median(s.status_latencies) * 1000),
    )
    failed = sum(s.not_completed for s in one + two)
    leaked = sum(s.leaked for s in one + two)
    loads = [f"{a:.1f}→{b:.1f}" for s in one + two for a, b in [s.load]]
    samples = {
        "one_status": [x for s in one for x in s.status_latencies],
        "two_status": [x for s in two for x in s.status_latencies],
        "one_wall": [s.wall for s in one],
        "two_wall": [s.wall for s in two],
    }
    result = [
        Row(
            "P6",
            f"{runs} short runs: throughput, two servers (2 slots each) on one PostgreSQL",
            throughput[1],
            throughput[0],
            "one server, 2 slots",
            unit="runs/s",
            note=f"{failed} not Completed" if failed else f"load average {', '.join(loads)}",
            samples=samples,
        ),
        Row(
            "P6",
            "status request p95 during the runs, two servers",
            p95[1],
            p95[0],
            "one server",
            unit="ms",
        ),
        Row("P6", "status request p50 during the runs, two servers", p50[1], p50[0], "one server", unit="ms"),
    ]
    for key, what in (
        ("server", "server processes' CPU per run"),
        ("kernels", "kernels' CPU per run (start, preload, run, shutdown)"),
        ("postgres", "PostgreSQL's CPU per run"),
    ):
        result.append(
            Row("P6", f"{what}, two servers", per_run(two, key), per_run(one, key), "one server", unit="s")
        )
    result += [
        Row(
            "P6",
            "share of the machine's CPU (2 cores × wall) used by servers + kernels + PostgreSQL, two servers",
            ours_share(two),
            ours_share(one),
            "one server",
            unit="%",
        ),
        Row(
            "P6",
            "share of the machine's CPU busy (every process, other users included), two servers",
            share(two, "machine"),
            share(one, "machine"),
            "one server",
            unit="%",
        ),
        Row(
            "P6",
            "kernel processes left running by the servers after the runs",
            float(leaked),
            0.0,
            "none expected",
            unit="",
            target="0",
            met=leaked == 0 and failed == 0,
        ),
    ]
    return result


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a shorter run: 30 executions a side")
    p.add_argument(
        "--smoke", action="store_true", help="the test's run: 4 executions a side, one round, pool of 1"
    )
    p.add_argument("--runs", type=int, default=0, help="executions a side (default 100)")
    p.add_argument("--rounds", type=int, default=1, help="rounds of both sides, alternating the order")
    p.add_argument("--json", type=Path, help="also write the rows here (every sample)")
    return p


if __name__ == "__main__":
    options = parser().parse_args()
    result = main(options)
    print(table(result))
    if options.json:
        from common import rows_json, write_json

        write_json(options.json, rows_json(result))

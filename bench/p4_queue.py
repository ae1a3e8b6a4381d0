"""P4: 50 executions queued at once on 4 slots: total time, and GET latency while they run.

Ours: a server with `MindzieEngine.slots=4` (and the default pool of one warm kernel) gets 50 POSTs of
the 10-cell notebook in a row; a reader thread meanwhile GETs an execution's status and the
notebook list, one request every 50 ms, until every run is terminal. The same reads on the idle
server, just before, are the baseline. The alternative for the total time: the same 50 runs with
papermill's Python API on 4 worker processes (papermill imported in each before timing).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import shutil
import tempfile
import threading
import time
from pathlib import Path

from common import (
    Row,
    Server,
    banner,
    median,
    percentile,
    stray_kernels,
    table,
    ten_cells,
)


def _papermill_worker_init() -> None:
    import papermill  # noqa: F401


def _papermill_one(source: str, out: str) -> float:
    import papermill

    started = time.perf_counter()
    papermill.execute_notebook(source, out, kernel_name="python3", progress_bar=False, log_output=False)
    return time.perf_counter() - started


def reads(
    server: Server, notebook_id: str, execution_ids: list[str], stop: threading.Event, interval: float
) -> list[float]:
    """GET status (cycling through the executions) and the notebook list, alternately."""
    latencies: list[float] = []
    n = 0
    while not stop.is_set():
        if n % 2 == 0 and execution_ids:
            path = f"notebook/{notebook_id}/execution/{execution_ids[(n // 2) % len(execution_ids)]}"
        else:
            path = "notebooks"
        started = time.perf_counter()
        server.call("GET", path)
        latencies.append(time.perf_counter() - started)
        n += 1
        stop.wait(interval)
    return latencies


def load(server: Server, nb_id: str, runs: int) -> tuple[float, list[float], list[float], list[str]]:
    """Submit `runs` executions at once and read while they run: (wall time, GET latencies,
    POST latencies, executions not Completed)."""
    stop = threading.Event()
    ids: list[str] = []
    result: list[list[float]] = []
    reader = threading.Thread(
        target=lambda: result.append(reads(server, nb_id, ids, stop, 0.05)), daemon=True
    )
    started = time.perf_counter()
    ids.append(server.submit(nb_id))
    reader.start()
    posts = []
    for _ in range(runs - 1):
        t = time.perf_counter()
        ids.append(server.submit(nb_id))
        posts.append(time.perf_counter() - t)
    deadline = time.monotonic() + 60 + 10 * runs
    pending = set(ids)
    states: dict[str, str] = {}
    while pending and time.monotonic() < deadline:
        items = server.call("GET", f"notebook/{nb_id}/executions?pageSize=100").json()["executions"]
        states = {i["executionId"]: i["status"] for i in items}
        pending = {e for e in pending if states.get(e, "Running") == "Running"}
        time.sleep(0.1)
    total = time.perf_counter() - started
    stop.set()
    reader.join(timeout=30)
    if pending:
        raise RuntimeError(f"{len(pending)} executions still running after the deadline")
    return total, result[0] if result else [], posts, [e for e in ids if states.get(e) != "Completed"]


def main(args: argparse.Namespace) -> list[Row]:
    runs = args.runs or (12 if args.quick else 50)
    slots = args.slots
    banner(f"P4: {runs} executions queued on {slots} slots, GETs every 50 ms while they run")
    with Server("p4", pool_size=1, slots=slots) as server:
        nb_id, path = server.notebook("ten cells", ten_cells())
        work = Path(tempfile.mkdtemp(prefix="mindzie-bench-p4-alt-"))
        source = Path(shutil.copy(path, work / "ten-cells.ipynb"))
        time.sleep(3)
        server.run(nb_id)  # warm-up
        # Baseline: the same reads on the idle server.
        stop = threading.Event()
        done_ids = [
            server.call("GET", f"notebook/{nb_id}/executions?pageSize=1").json()["executions"][0][
                "executionId"
            ]
        ]
        timer = threading.Timer(3.0, stop.set)
        timer.start()
        idle = reads(server, nb_id, done_ids, stop, 0.05)
        time.sleep(2)

        total, busy, posts, failed = load(server, nb_id, runs)
        leaked = stray_kernels(server)

    # The alternative: 50 papermill runs on 4 worker processes.
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(
        slots, mp_context=ctx, initializer=_papermill_worker_init
    ) as pool:
        list(
            pool.map(
                _papermill_one, [str(source)] * slots, [str(work / f"warm-{i}.ipynb") for i in range(slots)]
            )
        )
        started = time.perf_counter()
        list(
            pool.map(
                _papermill_one, [str(source)] * runs, [str(work / f"out-{i}.ipynb") for i in range(runs)]
            )
        )
        papermill_total = time.perf_counter() - started
    shutil.rmtree(work, ignore_errors=True)

    print(
        f"  ours {total:.1f} s ({len(failed)} not Completed), papermill ×{slots} {papermill_total:.1f} s; "
        f"{len(busy)} GETs under load, {len(idle)} idle",
        flush=True,
    )
    p95, p95_idle = percentile(busy, 95) * 1000, percentile(idle, 95) * 1000
    return [
        Row(
            "P4",
            f"{runs} runs queued on {slots} slots: wall time until all terminal",
            total,
            papermill_total,
            f"papermill on {slots} processes",
            note=f"{len(failed)} not Completed" if failed else "",
        ),
        Row(
            "P4",
            "GET p95 (status + list) while they run",
            p95,
            p95_idle,
            "same GETs, idle server",
            unit="ms",
            target="≤ 50 ms",
            met=p95 <= 50 and not failed,
            samples={"ours": busy, "alt": idle},
        ),
        Row(
            "P4",
            "GET p50 (status + list) while they run",
            median(busy) * 1000,
            median(idle) * 1000,
            "same GETs, idle server",
            unit="ms",
        ),
        Row("P4", "POST …/execute p95 while queueing", percentile(posts, 95) * 1000, None, unit="ms"),
        Row(
            "P4",
            "kernel processes left running by the server after the runs",
            float(leaked),
            0.0,
            "none expected",
            unit="",
            target="0",
            met=leaked == 0,
        ),
    ]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a smoke run: 12 executions")
    p.add_argument("--runs", type=int, default=0, help="executions (default 50)")
    p.add_argument(
        "--slots", type=int, default=4, help="MindzieEngine.slots and papermill workers (default 4)"
    )
    return p


if __name__ == "__main__":
    print(table(main(parser().parse_args())))

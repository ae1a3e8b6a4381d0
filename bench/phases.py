"""Where a run's time goes: when each phase is first seen, from the POST on.

    python bench/phases.py [--cells 10] [--pool 1] [--runs 8] [--think 2] [--poll 0.005]
    python bench/phases.py --starter [--runs 6] [--think 4]     # P7's run: the starter, report on

Polls the status (`?includeCells=false`) every `--poll` seconds and prints, per run, the
milliseconds the POST took, from the POST to the first sight of Starting, Executing, Finishing
and the terminal state, and the sum of the cells' own execution times; then the medians. What
lies between Executing and Finishing beyond the cells' sum is the per-cell overhead; Finishing
to the terminal state is the end of the run (executed notebook, results, report, the store's
writes). Not a benchmark against anything: a magnifying glass for the P1, P2 and P7 figures
(a phase shorter than the poll interval may not be seen at all).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from common import TERMINAL, Server, ten_cells

PHASES = ("Starting", "Executing", "Finishing", "Completed")


def starter(server: Server) -> tuple[str, dict[str, Any]]:
    """The process-mining starter on the 1,000-case demo log, report on (P7's run)."""
    from p7_starter import event_log

    logs = server.scratch / "logs"
    logs.mkdir()
    created = server.call(
        "POST", "notebook", json={"notebookName": "starter", "template": "process_mining_starter"}
    ).json()
    body = {
        "parameters": {"dataset_path": str(event_log(logs, 1000))},
        "outputOptions": {"generateReport": True},
    }
    return created["notebookId"], body


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cells", type=int, default=10, help="code cells in the notebook (default 10)")
    parser.add_argument(
        "--starter", action="store_true", help="time P7's run (the starter, report on) instead"
    )
    parser.add_argument(
        "--pool", type=int, default=1, help="MindzieKernelPool.size of the server (default 1)"
    )
    parser.add_argument("--runs", type=int, default=8, help="runs to time (default 8)")
    parser.add_argument("--think", type=float, default=2.0, help="seconds between runs (default 2)")
    parser.add_argument(
        "--poll", type=float, default=0.005, help="seconds between status polls (default 0.005)"
    )
    args = parser.parse_args()

    columns = ("POST", *PHASES, "cells")
    seen_at: dict[str, list[float]] = {column: [] for column in columns}
    with Server("phases", pool_size=args.pool) as server:
        if args.starter:
            notebook_id, body = starter(server)
        else:
            notebook_id, _ = server.notebook("phases", ten_cells(args.cells))
            body = {}
        server.run(notebook_id, body=body)  # warm-up: imports, caches, the pool's first kernel
        for number in range(1, args.runs + 1):
            time.sleep(args.think)
            started = time.perf_counter()
            execution_id = server.submit(notebook_id, body)
            seen: dict[str, float] = {"POST": (time.perf_counter() - started) * 1000}
            while True:
                status = server.status(notebook_id, execution_id, include_cells=False)
                seen.setdefault(status["phase"], (time.perf_counter() - started) * 1000)
                if status["status"] in TERMINAL:
                    break
                time.sleep(args.poll)
            cells = server.status(notebook_id, execution_id)["cellResults"]
            seen["cells"] = 1000 * sum(c.get("executionTimeSeconds") or 0.0 for c in cells)
            for column in columns:
                if column in seen:
                    seen_at[column].append(seen[column])
            print(
                f"run {number}: "
                + ", ".join(f"{column} {seen[column]:.0f} ms" for column in columns if column in seen),
                flush=True,
            )
    print(
        "median: "
        + ", ".join(
            f"{column} {statistics.median(values):.0f} ms" for column, values in seen_at.items() if values
        )
    )


if __name__ == "__main__":
    main()

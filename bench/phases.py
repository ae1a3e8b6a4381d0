"""Where a run's time goes: when each phase is first seen, from the POST on.

    python bench/phases.py [--cells 10] [--pool 1] [--runs 8] [--think 2] [--poll 0.005]

Polls the status (`?includeCells=false`) every `--poll` seconds and prints, per run, the
milliseconds from the POST to the first sight of Starting, Executing, Finishing and the
terminal state, then the medians. Not a benchmark against anything: a magnifying glass for
the P1 and P2 figures (a phase shorter than the poll interval may not be seen at all).
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import TERMINAL, Server, ten_cells

PHASES = ("Starting", "Executing", "Finishing", "Completed")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cells", type=int, default=10, help="code cells in the notebook (default 10)")
    parser.add_argument(
        "--pool", type=int, default=1, help="MindzieKernelPool.size of the server (default 1)"
    )
    parser.add_argument("--runs", type=int, default=8, help="runs to time (default 8)")
    parser.add_argument("--think", type=float, default=2.0, help="seconds between runs (default 2)")
    parser.add_argument(
        "--poll", type=float, default=0.005, help="seconds between status polls (default 0.005)"
    )
    args = parser.parse_args()

    seen_at: dict[str, list[float]] = {phase: [] for phase in PHASES}
    with Server("phases", pool_size=args.pool) as server:
        notebook_id, _ = server.notebook("phases", ten_cells(args.cells))
        server.run(notebook_id)  # warm-up: imports, caches, the pool's first kernel
        for number in range(1, args.runs + 1):
            time.sleep(args.think)
            started = time.perf_counter()
            execution_id = server.submit(notebook_id)
            seen: dict[str, float] = {}
            while True:
                status = server.status(notebook_id, execution_id, include_cells=False)
                seen.setdefault(status["phase"], (time.perf_counter() - started) * 1000)
                if status["status"] in TERMINAL:
                    break
                time.sleep(args.poll)
            for phase in PHASES:
                if phase in seen:
                    seen_at[phase].append(seen[phase])
            print(
                f"run {number}: "
                + ", ".join(f"{phase} {seen[phase]:.0f} ms" for phase in PHASES if phase in seen)
            )
    print(
        "median: "
        + ", ".join(
            f"{phase} {statistics.median(values):.0f} ms" for phase, values in seen_at.items() if values
        )
    )


if __name__ == "__main__":
    main()

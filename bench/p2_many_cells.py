"""P2: a 1,000-cell notebook: our cost per cell against plain nbclient.

Both sides start a fresh kernel (the server runs with `MindzieKernelPool.size=0`), so the fixed costs
match. The per-cell cost is the marginal one, (T(1,000 cells) − T(10 cells)) / 990, taken per
repetition for each side, which leaves kernel start and shutdown out. The whole-run ratio is
shown too. Ours is timed from POST …/execute until the client sees its terminal status, waiting
as `MindzieClient.wait_for_completion` does: each status request (`?includeCells=false`) sends
the last ETag back with `Prefer: wait=30` and is answered when the status changes. The full
status carries 1,000 per-cell results (what one costs, with and without them, is measured
below). `--poll` times a client polling every 20 ms instead, as P2 did before 2026-12-04.
"""

from __future__ import annotations

import argparse
import shutil
import time

from common import (
    Row,
    Server,
    banner,
    median,
    nbclient_run,
    stray_kernels,
    table,
    ten_cells,
)


def main(args: argparse.Namespace) -> list[Row]:
    cells = args.cells or (200 if args.quick else 1000)
    reps = args.reps or (1 if args.quick else 3)
    follow = not args.poll
    banner(f"P2: {cells}-cell notebook, {reps} repetitions, pool off on both sides")
    ours_big, ours_small, alt_big, alt_small = [], [], [], []
    cpu_ours, cpu_alt = [], []  # CPU seconds per cell: the server process / this process
    with Server("p2", pool_size=0) as server:
        big_id, big_path = server.notebook("many cells", ten_cells(cells))
        small_id, small_path = server.notebook("ten cells", ten_cells(10))
        work = server.scratch / "alt"
        work.mkdir()
        big = shutil.copy(big_path, work / "big.ipynb")
        small = shutil.copy(small_path, work / "small.ipynb")
        server.run(small_id, light=True, follow=follow)  # warm-up
        nbclient_run(small)
        for rep in range(reps):
            before = server.cpu_seconds()
            ours_big.append(server.run(big_id, light=True, follow=follow))
            cpu_ours.append((server.cpu_seconds() - before) / cells)
            before = time.process_time()
            alt_big.append(nbclient_run(big))
            cpu_alt.append((time.process_time() - before) / cells)
            ours_small.append(server.run(small_id, light=True, follow=follow))
            alt_small.append(nbclient_run(small))
            print(
                f"  rep {rep + 1}/{reps}: ours {ours_big[-1]:.2f} s / {ours_small[-1]:.2f} s, "
                f"nbclient {alt_big[-1]:.2f} s / {alt_small[-1]:.2f} s",
                flush=True,
            )
        # What one status request of a finished 1,000-cell run costs (what a UI polls).
        last = server.call("GET", f"notebook/{big_id}/executions?pageSize=1").json()["executions"][0][
            "executionId"
        ]
        last_small = server.call("GET", f"notebook/{small_id}/executions?pageSize=1").json()["executions"][0][
            "executionId"
        ]
        status_big, status_small, status_light = [], [], []
        for _ in range(5 if args.quick else 20):
            for samples, nb_id, ex_id, cells_too in (
                (status_big, big_id, last, True),
                (status_small, small_id, last_small, True),
                (status_light, big_id, last, False),
            ):
                started = time.perf_counter()
                server.status(nb_id, ex_id, include_cells=cells_too)
                samples.append(time.perf_counter() - started)
        leaked = stray_kernels(server)

    span = cells - 10
    ours_cell = [(b - s) / span for b, s in zip(ours_big, ours_small, strict=False)]
    alt_cell = [(b - s) / span for b, s in zip(alt_big, alt_small, strict=False)]
    per_ours, per_alt = median(ours_cell), median(alt_cell)
    return [
        Row(
            "P2",
            f"marginal cost per cell, {cells}-cell notebook"
            + (", the client polling every 20 ms" if args.poll else ", the client waiting for news"),
            per_ours * 1000,
            per_alt * 1000,
            "plain nbclient",
            unit="ms",
            target="≤ 1.15×",
            met=per_ours / per_alt <= 1.15,
            samples={"ours": ours_cell, "alt": alt_cell},
        ),
        Row(
            "P2",
            f"whole run of the {cells}-cell notebook (submit → terminal)",
            median(ours_big),
            median(alt_big),
            "plain nbclient",
            samples={"ours": ours_big, "alt": alt_big},
        ),
        Row(
            "P2",
            f"CPU per cell of the {cells}-cell run: the server process vs the nbclient process",
            median(cpu_ours) * 1000,
            median(cpu_alt) * 1000,
            "plain nbclient",
            unit="ms",
            note="kernels excluded; ours includes Jupyter's own per-message work and the client's status requests",
            samples={"ours": cpu_ours, "alt": cpu_alt},
        ),
        Row(
            "P2",
            f"GET status of a finished {cells}-cell run",
            median(status_big) * 1000,
            median(status_small) * 1000,
            "same, 10-cell run",
            unit="ms",
            note="polled by clients while a run goes on",
        ),
        Row(
            "P2",
            f"GET status of a finished {cells}-cell run with ?includeCells=false",
            median(status_light) * 1000,
            median(status_big) * 1000,
            "with its cell results",
            unit="ms",
            note="how clients poll a long run",
        ),
        Row(
            "P2",
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
    p.add_argument("--quick", action="store_true", help="a smoke run: 200 cells, 1 repetition")
    p.add_argument(
        "--cells", type=int, default=0, help="cells in the big notebook (default 1000; the API allows 1000)"
    )
    p.add_argument("--reps", type=int, default=0, help="repetitions (default 3)")
    p.add_argument(
        "--poll", action="store_true", help="poll the status every 20 ms instead of waiting for news"
    )
    return p


if __name__ == "__main__":
    print(table(main(parser().parse_args())))

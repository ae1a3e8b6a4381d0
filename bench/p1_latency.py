"""P1: per-run latency of a 10-cell notebook through the REST API, against papermill and nbclient.

Ours: POST …/execute, then wait for the terminal state as the Python client does (each status
request sends the last ETag back with `Prefer: wait=30`, and the server answers when the status
changes): submit → terminal seen by the client. One more row polls the status every 20 ms
instead, as a client that does not wait for news. With the pool (its default size: one kernel per slot, preloaded) a person's think time (2 s)
passes before each run, as between two clicks. Without the pool (`MindzieKernelPool.size=0`) every run
starts its kernel, like plain nbclient. The alternatives run the same .ipynb file the server
wrote: papermill's Python API in this process, the `papermill` command as a process, and
`NotebookClient(nb).execute()` in this process. Each repetition runs every variant once,
interleaved, so a noisy neighbour hits all of them alike.

Then the pooled run and papermill in-process again, both beside a bounded load the bench starts
and stops (`load.py`: CPU burners and a process starting and stopping kernels in a loop, as
other users of a shared server make), on a new server; its pool's failed warm-ups are counted
from its log.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time

from common import (
    BIN,
    Row,
    Server,
    banner,
    median,
    nbclient_run,
    papermill_command,
    papermill_run,
    stray_kernels,
    table,
    ten_cells,
)
from load import background_load


def command(argv: list[str]) -> float:
    """Seconds for one whole process."""
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - started


def main(args: argparse.Namespace) -> list[Row]:
    reps = args.reps or (2 if args.quick else 5)
    think = args.think
    banner(f"P1: 10-cell notebook, {reps} runs of each variant, think time {think:.1f} s")
    import papermill  # noqa: F401  (imported before timing, as a long-lived process has it)

    samples: dict[str, list[float]] = {
        k: [] for k in ("pool", "pool_polled", "plain", "pm", "pm_cmd", "nbclient", "our_cmd")
    }
    with Server("p1-pool", pool_size=None) as pooled, Server("p1-nopool", pool_size=0) as plain:
        pool_nb, path = pooled.notebook("ten cells", ten_cells())
        plain_nb, _ = plain.notebook("ten cells", ten_cells())
        work = pooled.scratch / "alt"
        work.mkdir()
        source = shutil.copy(path, work / "ten-cells.ipynb")
        out = work / "out.ipynb"
        # Warm-up, not timed: first requests, lazy imports in the server, the OS file cache.
        time.sleep(think)
        pooled.run(pool_nb, follow=True)
        plain.run(plain_nb, follow=True)
        papermill_run(source, out)
        nbclient_run(source)
        for rep in range(reps):
            time.sleep(think)  # a person reads the last result; the pool refills meanwhile
            samples["pool"].append(pooled.run(pool_nb, follow=True))
            samples["pm"].append(papermill_run(source, out))
            samples["pm_cmd"].append(papermill_command(source, out))
            samples["plain"].append(plain.run(plain_nb, follow=True))
            samples["nbclient"].append(nbclient_run(source))
            samples["our_cmd"].append(
                command(
                    [
                        str(BIN / "jupyter-mindzie"),
                        "run",
                        str(source),
                        "-o",
                        str(work / "run"),
                        "--no-progress",
                    ]
                )
            )
            time.sleep(think)
            samples["pool_polled"].append(pooled.run(pool_nb, poll=0.02))
            print(
                f"  run {rep + 1}/{reps}: " + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in samples.items()),
                flush=True,
            )
        leaked = stray_kernels(pooled) + stray_kernels(plain)
        # CLI start-up: what every command pays before it does anything.
        help_ours = [command([str(BIN / "jupyter-mindzie"), "--help"]) for _ in range(3)]
        help_pm = [command([str(BIN / "papermill"), "--help"]) for _ in range(3)]

    loaded = under_load(reps, think, args.burners)
    m = {k: median(v) for k, v in samples.items()}
    rows = [
        Row(
            "P1",
            "10-cell run via REST, pool on, 2 s think time",
            m["pool"],
            m["pm"],
            "papermill in-process",
            target="≤ 0.15×",
            met=m["pool"] / m["pm"] <= 0.15,
            samples={"ours": samples["pool"], "alt": samples["pm"]},
        ),
        Row(
            "P1",
            "10-cell run via REST, pool on, 2 s think time",
            m["pool"],
            m["pm_cmd"],
            "papermill command",
            target="≤ 0.15×",
            met=m["pool"] / m["pm_cmd"] <= 0.15,
            samples={"ours": samples["pool"], "alt": samples["pm_cmd"]},
        ),
        Row(
            "P1",
            "the same, the client polling every 20 ms instead of waiting for news",
            m["pool_polled"],
            m["pm"],
            "papermill in-process",
            samples={"ours": samples["pool_polled"], "alt": samples["pm"]},
        ),
        Row(
            "P1",
            "10-cell run via REST, pool off",
            m["plain"],
            m["nbclient"],
            "plain nbclient",
            target="≤ 1.10×",
            met=m["plain"] / m["nbclient"] <= 1.10,
            samples={"ours": samples["plain"], "alt": samples["nbclient"]},
        ),
        Row(
            "P1",
            "10-cell run via REST, pool off",
            m["plain"],
            m["pm"],
            "papermill in-process",
            samples={"ours": samples["plain"], "alt": samples["pm"]},
        ),
        Row(
            "P1",
            "10-cell run as a command: `jupyter mindzie run` (whole process)",
            m["our_cmd"],
            m["pm_cmd"],
            "papermill command",
            samples={"ours": samples["our_cmd"], "alt": samples["pm_cmd"]},
        ),
        Row(
            "P1",
            "CLI start-up: `jupyter mindzie --help`",
            median(help_ours),
            median(help_pm),
            "`papermill --help`",
            samples={"ours": help_ours, "alt": help_pm},
        ),
        Row(
            "P1",
            "kernel processes left running by the server after the runs",
            float(leaked),
            0.0,
            "none expected",
            unit="",
            target="0",
            met=leaked == 0,
        ),
    ]
    return rows + loaded


def under_load(reps: int, think: float, burners: int) -> list[Row]:
    """The pooled run and papermill in-process, interleaved, beside CPU burners and kernel churn."""
    banner(f"P1 under load: {burners} CPU burners and a kernel start/stop loop, {reps} runs of each")
    import papermill  # noqa: F401

    ours: list[float] = []
    theirs: list[float] = []
    server = Server("p1-load", pool_size=None)
    with server:
        notebook_id, path = server.notebook("ten cells", ten_cells())
        work = server.scratch / "alt"
        work.mkdir()
        source = shutil.copy(path, work / "ten-cells.ipynb")
        out = work / "out.ipynb"
        with background_load(burners=burners):
            time.sleep(think)
            server.run(notebook_id, follow=True)  # warm-up, not timed
            papermill_run(source, out)
            for rep in range(reps):
                time.sleep(think)
                ours.append(server.run(notebook_id, follow=True))
                theirs.append(papermill_run(source, out))
                print(
                    f"  loaded run {rep + 1}/{reps}: ours {ours[-1]:.3f} s, papermill {theirs[-1]:.3f} s",
                    flush=True,
                )
    failures, warnings = server.pool_failures()
    ratio = median(ours) / median(theirs)
    return [
        Row(
            "P1",
            f"10-cell run via REST, pool on, beside {burners} CPU burners and a kernel start/stop loop",
            median(ours),
            median(theirs),
            "papermill in-process, same load",
            target="≤ 0.35×",
            met=ratio <= 0.35,
            samples={"ours": ours, "alt": theirs},
        ),
        Row(
            "P1",
            "pool warm-ups that failed under that load (warnings logged)",
            float(failures),
            float(warnings),
            "warnings in the log",
            unit="",
            note="a failure is retried with backoff and logged once per streak",
        ),
    ]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a smoke run: 2 repetitions")
    p.add_argument("--reps", type=int, default=0, help="repetitions of each variant (default 5)")
    p.add_argument("--think", type=float, default=2.0, help="seconds between runs with the pool (default 2)")
    p.add_argument("--burners", type=int, default=2, help="CPU burners of the loaded run (default 2)")
    return p


if __name__ == "__main__":
    print(table(main(parser().parse_args())))

"""P5: the server's memory over 500 executions, and its peak while a 200 MB artifact downloads.

Growth: a server with `MindzieEngine.slots=2` and `MindzieKernelPool.size=2` (so the kernel starts overlap
the runs, as on a busy server; no preloaded modules) runs a one-cell notebook 500 times, at most 4 submitted at a
time. The server process's RSS (its kernels are other processes) is read after 20 warm-up
runs (imports, caches) and after the 500; the growth is the difference.
Leaked kernel processes are counted too; past 25 the loop stops, so a leak cannot exhaust the
machine.

Download: one execution publishes a 200 MB enriched dataset (`publish_enriched`, the
kernel-side helper), another a 20 MB one; each is downloaded through its `downloadUrl` with a
streaming client while the server's RSS is sampled every 5 ms. Peak minus the RSS just before
is the download's cost; the same file through Jupyter's own `/files/` handler is the
alternative.
"""

from __future__ import annotations

import argparse
import os
import time

import psutil
import requests
from common import HEADERS, Row, Server, banner, sampling, stray_kernels, table

BIG_CELL = """\
import pandas as pd
from mindzie_sdk import ProcessMiningClient
rows = {rows}
frame = pd.DataFrame({{"payload": ["x" * 99] * rows}})
info = ProcessMiningClient().publish_enriched(frame, "big", base_columns=[])
del frame
"""


def growth(server: Server, runs: int, warmup: int) -> tuple[float, float, int, int, list[tuple[int, float]]]:
    """(RSS after warm-up, RSS after the runs, runs done, leaked kernels, trace of (runs, MB))."""
    nb_id, _ = server.notebook("one cell", ["value = 6 * 7\nprint(value)"])
    trace: list[tuple[int, float]] = []

    def batch(count: int, done: int) -> tuple[int, int]:
        window: list[str] = []
        finished = leaked = 0
        submitted = 0
        while finished < count:
            while submitted < count and len(window) < 4:
                window.append(server.submit(nb_id))
                submitted += 1
            state = server.wait(nb_id, window.pop(0), poll=0.05)
            if state["status"] != "Completed":
                raise RuntimeError(f"a run ended {state['status']}")
            finished += 1
            if (done + finished) % 50 == 0:
                trace.append((done + finished, server.rss_mb()))
                leaked = stray_kernels(server, settle=0)
                print(
                    f"  {done + finished} runs: server RSS {trace[-1][1]:.1f} MB, leaked kernels {leaked}",
                    flush=True,
                )
                if leaked > 25:
                    for execution_id in window:
                        server.wait(nb_id, execution_id, poll=0.1)
                    return finished, leaked
        return finished, leaked

    batch(warmup, 0)
    time.sleep(3)
    before = server.rss_mb()
    trace.append((0, before))
    done, leaked = batch(runs, 0)
    time.sleep(5)  # let the pool settle and the last kernels stop
    after = server.rss_mb()
    leaked = stray_kernels(server, settle=0)
    return before, after, done, leaked, trace


def download_peak(server: Server, url: str, interval: float = 0.005) -> tuple[float, int]:
    """(peak RSS above the RSS just before, in MB; bytes received) for one streamed download."""
    process = psutil.Process(server.pid)
    base = process.memory_info().rss
    received = 0
    with sampling(lambda: process.memory_info().rss, interval) as samples:
        with requests.get(url, headers=HEADERS, stream=True, timeout=600) as response:
            response.raise_for_status()
            for chunk in response.iter_content(1 << 20):
                received += len(chunk)
    return (max([*samples, base]) - base) / 2**20, received


def artifact(server: Server, megabytes: int) -> tuple[str, str]:
    """Run a notebook that publishes a `megabytes` MB enriched dataset; (its downloadUrl, its file)."""
    rows = megabytes * 2**20 // 100  # 99 characters and a newline a row
    nb_id, _ = server.notebook(f"artifact {megabytes} MB", [BIG_CELL.format(rows=rows)])
    execution_id = server.submit(nb_id)
    state = server.wait(nb_id, execution_id, poll=0.2, timeout=600)
    if state["status"] != "Completed":
        raise RuntimeError(f"the {megabytes} MB run ended {state['status']}: {state.get('errorMessage')}")
    results = server.call("GET", f"notebook/{nb_id}/execution/{execution_id}/results").json()
    (dataset,) = results["enrichedDatasets"]
    name = dataset["downloadUrl"].rsplit("/", 1)[1]
    file = server.root / ".mindzie" / "executions" / execution_id / name
    return dataset["downloadUrl"], str(file)


def main(args: argparse.Namespace) -> list[Row]:
    runs = args.runs or (30 if args.quick else 500)
    big, small = (50, 5) if args.quick else (200, 20)
    banner(f"P5: server memory over {runs} executions; downloads of {big} MB and {small} MB artifacts")
    # The pool's kernels import nothing ahead (`preload=[]`): the one-cell notebook needs
    # nothing, this bench weighs the server's memory, not its kernels', and a kernel importing
    # pandas, matplotlib and scikit-learn 520 times was more than half of `make bench`.
    with Server("p5", pool_size=2, slots=2, extra=["--MindzieKernelPool.preload=[]"]) as server:
        before, after, done, leaked, trace = growth(server, runs, warmup=5 if args.quick else 20)
        rows = [
            Row(
                "P5",
                f"server RSS growth over {done} executions (after {before:.0f} MB warm)",
                after - before,
                None,
                unit="MB",
                target="≤ 30 MB",
                met=(after - before) <= 30 and done == runs,
                note="" if done == runs else f"stopped after {done}: {leaked} leaked kernels",
                samples={"trace": [mb for _, mb in trace]},
            ),
            Row(
                "P5",
                "kernel processes left running by the server after the runs",
                float(leaked),
                0.0,
                "none expected",
                unit="",
                target="0",
                met=leaked == 0,
            ),
        ]
        url_small, _ = artifact(server, small)
        url_big, file_big = artifact(server, big)
        time.sleep(2)
        peak_small, got_small = download_peak(server, url_small)
        peak_big, got_big = download_peak(server, url_big)
        # Jupyter's own file download of the same file, for comparison (a hard link in the root).
        visible = server.root / "files-bench"
        visible.mkdir()
        os.link(file_big, visible / "big.csv")
        peak_files, got_files = download_peak(server, f"{server.url}/files/files-bench/big.csv")
        print(
            f"  downloads: {got_small / 2**20:.0f} MB +{peak_small:.1f} MB, {got_big / 2**20:.0f} MB +{peak_big:.1f} MB, "
            f"/files/ {got_files / 2**20:.0f} MB +{peak_files:.1f} MB",
            flush=True,
        )
    rows += [
        Row(
            "P5",
            f"peak RSS increase while downloading the {big} MB artifact",
            peak_big,
            peak_small,
            f"same, {small} MB artifact",
            unit="MB",
            target=f"≤ {small} MB case + 10 MB",
            met=peak_big <= peak_small + 10 and got_big >= big * 2**20 * 0.99,
        ),
        Row(
            "P5",
            f"peak RSS increase while downloading the {big} MB artifact",
            peak_big,
            peak_files,
            "Jupyter's /files/ handler, same file",
            unit="MB",
        ),
    ]
    return rows


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--quick", action="store_true", help="a smoke run: 30 executions, 50 MB and 5 MB artifacts"
    )
    p.add_argument("--runs", type=int, default=0, help="executions for the growth (default 500)")
    return p


if __name__ == "__main__":
    print(table(main(parser().parse_args())))

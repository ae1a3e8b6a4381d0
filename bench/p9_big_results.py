"""P9: the results of a big run — a 1,000,000-row enriched event log — served without loading it.

One run builds a 1,000,000-row enriched event log in its kernel and publishes it with the
kernel-side helper (`ProcessMiningClient.publish_enriched`, which also shows a preview of its
first rows). Then:
- `GET …/results?format=detailed` 200 times: p50/p95, and the server's RSS meanwhile (the
  table is described by its metadata, never read by the server);
- its CSV through the `downloadUrl`, twice (the second from the page cache, as the target
  says), in MB/s, with the server's peak RSS; against Jupyter's own `/files/` handler on the
  same file (a hard link in the root) and reading the file straight from disk in this process.
"""

from __future__ import annotations

import argparse
import os
import time

import psutil
import requests
from common import HEADERS, Row, Server, banner, median, percentile, sampling, table

BIG_RUN = """\
import numpy as np
import pandas as pd
from mindzie_sdk import ProcessMiningClient
rows = {rows}
n = np.arange(rows)
activities = np.array(["Submit", "Review", "Approve", "Reject", "Pay", "Archive"])
frame = pd.DataFrame({{
    "case_id": pd.Series(n // 6).map("LA-{{:06d}}".format),
    "activity": activities[n % 6],
    "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(n * 37, unit="s"),
    "cycle_time_hours": (n % 500) / 7.0,
    "is_bottleneck": n % 6 == 1,
    "event_index": n % 6 + 1,
}})
published = ProcessMiningClient().publish_enriched(frame, "event_log_enriched", base_columns=["case_id", "activity", "timestamp"])
"""


def download(server: Server, url: str) -> tuple[float, float, int]:
    """(MB/s, peak server RSS growth in MB, bytes) for one streamed download of `url`."""
    process = psutil.Process(server.pid)
    before = process.memory_info().rss
    received = 0
    with sampling(lambda: process.memory_info().rss, 0.005) as rss:
        started = time.perf_counter()
        with requests.get(url, headers=HEADERS, stream=True, timeout=600) as response:
            response.raise_for_status()
            for chunk in response.iter_content(1 << 20):
                received += len(chunk)
        elapsed = time.perf_counter() - started
    return received / 2**20 / elapsed, (max(rss, default=before) - before) / 2**20, received


def read_from_disk(path: str) -> float:
    """MB/s of reading the file in 1 MB pieces in this process (page cache): the ceiling."""
    started = time.perf_counter()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            size += len(chunk)
    return size / 2**20 / (time.perf_counter() - started)


def main(args: argparse.Namespace) -> list[Row]:
    rows = args.rows or (200_000 if args.quick else 1_000_000)
    requests_count = 50 if args.quick else 200
    banner(f"P9: a run publishing a {rows:,}-row enriched table; results and its CSV download")
    with Server("p9", pool_size=None) as server:
        notebook_id, _ = server.notebook("big run", [BIG_RUN.format(rows=rows)])
        execution_id = server.submit(notebook_id)
        state = server.follow(notebook_id, execution_id, timeout=1200)
        if state["status"] != "Completed":
            raise RuntimeError(f"the big run ended {state['status']}: {state.get('errorMessage')}")
        results_url = f"notebook/{notebook_id}/execution/{execution_id}/results?format=detailed"
        results = server.call("GET", results_url).json()
        (dataset,) = results["enrichedDatasets"]
        if dataset["recordCount"] != rows:
            raise RuntimeError(f"the enriched table reads {dataset['recordCount']} records, not {rows}")
        name = dataset["downloadUrl"].rsplit("/", 1)[1]
        file = server.root / ".mindzie" / "executions" / execution_id / name
        size_mb = file.stat().st_size / 2**20
        process = psutil.Process(server.pid)
        before = process.memory_info().rss
        with sampling(lambda: process.memory_info().rss, 0.005) as rss:
            times = []
            for _ in range(requests_count):
                started = time.perf_counter()
                server.call("GET", results_url)
                times.append((time.perf_counter() - started) * 1000)
        results_growth = (max(rss, default=before) - before) / 2**20
        download(server, dataset["downloadUrl"])  # into the page cache
        speeds, peaks = [], []
        for _ in range(3):
            speed, peak, received = download(server, dataset["downloadUrl"])
            assert received == file.stat().st_size
            speeds.append(speed)
            peaks.append(peak)
        (server.root / "files-bench").mkdir()
        os.link(file, server.root / "files-bench" / "big.csv")
        files_speeds = [download(server, f"{server.url}/files/files-bench/big.csv")[0] for _ in range(3)]
        disk = median([read_from_disk(str(file)) for _ in range(3)])
        print(
            f"  results p95 {percentile(times, 95):.1f} ms; download {median(speeds):.0f} MB/s "
            f"(/files/ {median(files_speeds):.0f} MB/s, disk {disk:.0f} MB/s) of {size_mb:.0f} MB",
            flush=True,
        )
    return [
        Row(
            "P9",
            f"GET results?format=detailed p95 of a run with a {rows:,}-row enriched table, {requests_count} requests",
            percentile(times, 95),
            unit="ms",
            target="≤ 50 ms",
            met=percentile(times, 95) <= 50,
            note=f"p50 {median(times):.1f} ms; server RSS +{results_growth:.1f} MB meanwhile",
            samples={"ours": times},
        ),
        Row(
            "P9",
            f"download of its CSV ({size_mb:.0f} MB) through the downloadUrl, from the page cache",
            median(speeds),
            median(files_speeds),
            "Jupyter's /files/ handler, same file",
            unit="MB/s",
            target="≥ 100 MB/s",
            met=median(speeds) >= 100,
            note=f"reading the file in this process: {disk:.0f} MB/s",
            samples={"ours": speeds, "alt": files_speeds},
        ),
        Row(
            "P9",
            "peak server RSS growth during those downloads",
            max(peaks),
            size_mb,
            "the file's size",
            unit="MB",
            samples={"ours": peaks},
        ),
    ]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a smoke run: 200,000 rows, 50 requests")
    p.add_argument("--rows", type=int, default=0, help="rows of the enriched table (default 1,000,000)")
    return p


if __name__ == "__main__":
    print(table(main(parser().parse_args())))

"""bench/p6_scale.py's smoke run, so the benchmark cannot rot: its servers, its PostgreSQL, its rows.

The figures are not asserted (the machine is shared): only that both sides ran every execution
to Completed, measured status requests and CPU on each, and left no kernel behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.timeout(600)
def test_p6_smoke_runs_both_sides_and_reports_them_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "p6.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BENCH.parent), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "p6_scale.py", "--smoke", "--json", str(out)],
        cwd=BENCH,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = {row["what"].split(", two servers")[0]: row for row in json.loads(out.read_text())}

    throughput = next(row for what, row in rows.items() if what.endswith("throughput"))
    assert "not Completed" not in throughput["note"], throughput["note"]
    assert throughput["ours"] > 0 and throughput["alternative"] > 0 and throughput["ratio"] > 0
    assert throughput["samples"]["one_status"] and throughput["samples"]["two_status"]
    p95 = rows["status request p95 during the runs"]
    assert p95["ours"] > 0 and p95["alternative"] > 0
    kernels = next(row for what, row in rows.items() if what.startswith("kernels' CPU per run"))
    assert kernels["ours"] > 0.05 and kernels["alternative"] > 0.05  # a kernel started and ran per run
    postgres = rows["PostgreSQL's CPU per run"]
    assert postgres["ours"] > 0 and postgres["alternative"] > 0  # both sides wrote to the database
    leaked = rows["kernel processes left running by the servers after the runs"]
    assert leaked["met"] is True and leaked["ours"] == 0

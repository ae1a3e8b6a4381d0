"""`make demo`'s seeding: the event log and a starter notebook the server then serves."""

from __future__ import annotations

import csv
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from jupyter_mindzie.demo import (
    DEMO_PROJECT_ID,
    DEMO_PROJECT_NAME,
    DEMO_TENANT_ID,
    DEMO_TENANT_NAME,
    demo_event_log,
    demo_event_log_rows,
    seed_demo,
)
from mindzie_sdk import mining

from .support import free_port


def test_the_event_log_is_deterministic_and_has_the_starter_s_columns():
    rows = demo_event_log_rows()
    assert rows == demo_event_log_rows()
    assert {"case_id", "activity", "timestamp", "resource", "amount"} <= set(rows[0])
    assert len({row["case_id"] for row in rows}) == 5000
    assert demo_event_log_rows(1000, seed=8) != demo_event_log_rows(1000)


def test_the_demo_process_is_realistic():
    log = demo_event_log()
    rework = mining.rework(log)
    assert 0.2 < rework.loc["Review Application", "share"] < 0.4  # a third of cases go round the loop
    workload = mining.resource_workload(log)
    assert workload.loc["chloe", "median_wait"] > 2 * workload.loc["anna", "median_wait"]
    weekend = log[log["resource"].isin(["anna", "ben", "chloe", "dana", "erik"])]
    assert not (weekend["timestamp"].astype("datetime64[ns]").dt.day_of_week >= 5).any()
    cycle = mining.cases(log)["cycle_time"]
    assert cycle.max() > 20 * 86400 > cycle.median()  # a few cases were forgotten for weeks


async def test_seeding_twice_gives_one_starter_that_the_api_serves(jp_root_dir, api):
    first = await seed_demo(jp_root_dir)
    second = await seed_demo(jp_root_dir)
    assert first == second and (jp_root_dir / first).is_file()
    log = jp_root_dir / "mindzie" / DEMO_TENANT_ID / DEMO_PROJECT_ID / "demo_event_log.csv"
    with log.open(encoding="utf-8") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == len(demo_event_log_rows())
    listed = (await api("GET", f"api/{DEMO_TENANT_ID}/{DEMO_PROJECT_ID}/notebooks")).json
    assert [n["notebookName"] for n in listed["notebooks"]] == ["Process mining starter"]
    assert listed["notebooks"][0]["path"] == first
    datasets = (await api("GET", f"api/{DEMO_TENANT_ID}/{DEMO_PROJECT_ID}/datasets")).json["datasets"]
    assert len(datasets) == 1 and datasets[0]["recordCount"] == len(demo_event_log_rows())
    notebook = (
        await api(
            "GET", f"api/{DEMO_TENANT_ID}/{DEMO_PROJECT_ID}/notebook/{listed['notebooks'][0]['notebookId']}"
        )
    ).json
    assert notebook["integration"]["datasetBinding"] == datasets[0]["datasetId"]
    (project,) = (await api("GET", "api/mindzie/projects")).json["projects"]
    assert (project["tenantName"], project["projectName"]) == (DEMO_TENANT_NAME, DEMO_PROJECT_NAME)
    assert project["projectId"] in first, "the folder keeps the project's GUID"


@pytest.mark.slow
def test_the_demo_launcher_ends_its_start_up_with_the_url_the_project_and_the_first_click(tmp_path):
    root = tmp_path / "demo"
    seeded = subprocess.run(
        [sys.executable, "-m", "jupyter_mindzie.demo", str(root)], capture_output=True, text=True, timeout=300
    )
    assert seeded.returncode == 0, seeded.stderr
    port = free_port()
    launcher = subprocess.Popen(
        [sys.executable, "-m", "jupyter_mindzie.demo_server", str(root), "--no-browser", f"--port={port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert launcher.stdout is not None
        lines: list[str] = []
        end = time.monotonic() + 180
        while not any("Stop with Ctrl+C." in line for line in lines):
            assert time.monotonic() < end and launcher.poll() is None, "".join(lines)
            lines.append(launcher.stdout.readline())
        block = "".join(lines)
        opened = re.search(r"Open +(http://\S+)\?token=(\w+)", block)
        assert opened and f":{port}/lab/tree/mindzie/{DEMO_TENANT_ID}/" in opened.group(1), block
        assert f"Project   {DEMO_PROJECT_NAME} ({DEMO_TENANT_NAME})" in block
        assert "click the mindzie icon" in block and "press Run" in block
        api = re.search(r"export MINDZIE_URL=(\S+) TOKEN=(\w+)", block)
        assert api and api.group(2) == opened.group(2)
        # the printed URL and token are the ones the README's curl examples take
        reply = requests.get(
            f"{api.group(1)}/api/mindzie/projects",
            headers={"Authorization": f"Bearer {api.group(2)}"},
            timeout=10,
        )
        assert reply.status_code == 200
        assert reply.json()["projects"][0]["projectName"] == DEMO_PROJECT_NAME
    finally:
        launcher.send_signal(signal.SIGTERM)
        _, errors = launcher.communicate(timeout=60)
    assert "kernel pool could not start" not in errors, errors

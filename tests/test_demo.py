"""`make demo`'s seeding: the event log and a starter notebook the server then serves."""

from __future__ import annotations

import csv

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

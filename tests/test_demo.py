"""`make demo`'s seeding: the event log and a starter notebook the server then serves."""

from __future__ import annotations

import csv

from jupyter_mindzie.demo import (
    DEMO_PROJECT_ID,
    DEMO_TENANT_ID,
    demo_event_log_rows,
    seed_demo,
)


def test_the_event_log_is_deterministic_and_has_the_starter_s_columns():
    rows = demo_event_log_rows()
    assert rows == demo_event_log_rows()
    assert {"case_id", "activity", "timestamp"} <= set(rows[0])
    assert len({row["case_id"] for row in rows}) == 1000


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

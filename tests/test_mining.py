"""The process-mining toolkit against answers computed by hand on a four-case log, and the
directly-follows graph against a plain pandas groupby on the generated loan log."""

from __future__ import annotations

import pandas as pd
import pytest

from mindzie_sdk import mining
from mindzie_sdk.mining import LogColumns
from mindzie_sdk.synthetic import OUTCOME_ACTIVITIES, generate_loan_log

H = 3600.0

# case 1: A → B → C; case 2: A → B → B → C (B redone); case 3: A → C; case 4: A → B → C.
EVENTS = [
    ("c1", "A", "2024-01-01 00:00", "x"),
    ("c1", "B", "2024-01-01 01:00", "y"),
    ("c1", "C", "2024-01-01 03:00", "x"),
    ("c2", "A", "2024-01-01 00:00", "x"),
    ("c2", "B", "2024-01-01 02:00", "y"),
    ("c2", "B", "2024-01-01 02:30", "y"),
    ("c2", "C", "2024-01-01 04:30", "z"),
    ("c3", "A", "2024-01-03 00:00", "x"),
    ("c3", "C", "2024-01-03 10:00", "z"),
    ("c4", "A", "2024-01-03 00:00", "x"),
    ("c4", "B", "2024-01-03 01:00", "w"),
    ("c4", "C", "2024-01-03 05:00", "z"),
]


@pytest.fixture
def log() -> pd.DataFrame:
    """The events shuffled: every function must order them itself."""
    frame = pd.DataFrame(EVENTS, columns=["case_id", "activity", "timestamp", "resource"])
    return frame.sample(frac=1, random_state=3).reset_index(drop=True)


def test_transitions_pair_consecutive_events_of_a_case(log):
    pairs = mining.transitions(log)
    c2 = pairs[pairs["case"] == "c2"]
    assert list(zip(c2["source"], c2["target"], c2["waiting"], strict=True)) == [
        ("A", "B", 2 * H),
        ("B", "B", 0.5 * H),
        ("B", "C", 2 * H),
    ]
    assert len(pairs) == len(EVENTS) - 4  # one fewer pair than events per case


def test_directly_follows_counts_and_waiting_times(log):
    graph = mining.directly_follows(log).set_index(["source", "target"])
    assert list(graph.index) == [("A", "B"), ("B", "C"), ("A", "C"), ("B", "B")]
    assert graph.loc[("A", "B")].to_dict() == {
        "frequency": 3,
        "case_frequency": 3,
        "waiting_mean": 4800.0,  # (1 h + 2 h + 1 h) / 3
        "waiting_median": H,
        "waiting_p90": 6480.0,  # linear between the 2nd and 3rd of [1 h, 1 h, 2 h]
    }
    assert graph.loc[("B", "C"), "waiting_mean"] == 9600.0  # (2 h + 2 h + 4 h) / 3
    assert graph.loc[("B", "C"), "waiting_p90"] == 12960.0
    assert graph.loc[("A", "C"), "waiting_median"] == 10 * H
    assert graph.loc[("B", "B")].to_dict()["frequency"] == 1


def test_start_and_end_activities(log):
    assert mining.start_activities(log).to_dict() == {"A": 4}
    assert mining.end_activities(log).to_dict() == {"C": 4}
    table = mining.activities(log)
    assert table.to_dict("index") == {
        "A": {"frequency": 4, "case_frequency": 4, "start": 4, "end": 0},
        "B": {"frequency": 4, "case_frequency": 3, "start": 0, "end": 0},
        "C": {"frequency": 4, "case_frequency": 4, "start": 0, "end": 4},
    }


def test_cases_and_variants(log):
    cases = mining.cases(log)
    assert cases["cycle_time"].to_dict() == {"c1": 3 * H, "c2": 4.5 * H, "c3": 10 * H, "c4": 5 * H}
    assert cases.loc["c2", "variant"] == "A → B → B → C"
    variants = mining.variants(log)
    assert variants["variant"].tolist() == ["A → B → C", "A → B → B → C", "A → C"]
    assert variants["cases"].tolist() == [2, 1, 1]
    assert variants["share"].tolist() == [0.5, 0.25, 0.25]
    assert variants["mean_cycle_time"].tolist() == [4 * H, 4.5 * H, 10 * H]
    assert variants["length"].tolist() == [3, 4, 2]


def test_rework(log):
    table = mining.rework(log)
    assert table.to_dict("index") == {"B": {"cases": 1, "share": 0.25, "repeats": 1}}
    assert mining.rework_cases(log).to_dict() == {"c1": 0, "c2": 1, "c3": 0, "c4": 0}
    assert mining.rework_time(log).to_dict() == {"c1": 0.0, "c2": 0.5 * H, "c3": 0.0, "c4": 0.0}


def test_rework_time_counts_overlapping_loops_once():
    # B at 1 h and 5 h, C at 3 h and 7 h: loops span 1–5 h and 3–7 h, together 6 h
    events = [("k", a, f"2024-01-01 0{h}:00") for a, h in [("A", 0), ("B", 1), ("C", 3), ("B", 5), ("C", 7)]]
    frame = pd.DataFrame(events, columns=["case_id", "activity", "timestamp"])
    assert mining.rework_time(frame).to_dict() == {"k": 6 * H}


def test_resource_workload(log):
    table = mining.resource_workload(log)
    assert table.index.tolist() == ["x", "y", "z", "w"]
    assert table.loc["x", ["events", "cases", "activities"]].tolist() == [5, 4, 2]
    assert table.loc["x", "share"] == 5 / 12
    assert table.loc["x", "mean_wait"] == 2 * H  # only c1's C has a previous event
    assert table.loc["y", "mean_wait"] == (H + 2 * H + 0.5 * H) / 3
    assert table.loc["y", "median_wait"] == H
    assert table.loc["z", "mean_wait"] == (2 * H + 10 * H + 4 * H) / 3


def test_handover_of_work_leaves_out_a_resource_following_itself(log):
    table = mining.handover_of_work(log)
    assert list(zip(table["source"], table["target"], table["frequency"], strict=True)) == [
        ("x", "y", 2),
        ("w", "z", 1),
        ("x", "w", 1),
        ("x", "z", 1),
        ("y", "x", 1),
        ("y", "z", 1),
    ]
    assert table.loc[0, "waiting_mean"] == 1.5 * H


def test_events_over_time_keeps_empty_periods(log):
    table = mining.events_over_time(log, "D")
    assert table.to_dict("list") == {
        "events": [7, 0, 5],
        "cases_started": [2, 0, 2],
        "cases_ended": [2, 0, 2],
    }
    assert [str(day.date()) for day in table.index] == ["2024-01-01", "2024-01-02", "2024-01-03"]


def test_bottlenecks_rank_by_waiting_and_leave_out_outcomes(log):
    graph = mining.directly_follows(log)
    ranked = mining.bottlenecks(graph)
    assert list(zip(ranked["source"], ranked["target"], strict=True)) == [
        ("A", "C"),
        ("B", "C"),
        ("A", "B"),
        ("B", "B"),
    ]
    without_c = mining.bottlenecks(graph, exclude_targets=["C"])
    assert without_c["target"].tolist() == ["B", "B"]
    frequent = mining.bottlenecks(graph, min_frequency=2, by="waiting_mean")
    assert list(zip(frequent["source"], frequent["target"], strict=True)) == [("B", "C"), ("A", "B")]
    with pytest.raises(ValueError, match="by must be"):
        mining.bottlenecks(graph, by="waiting_max")


def test_first_events_and_summary(log):
    early = mining.first_events(log, 2)
    assert early.groupby("case_id")["activity"].agg(list).to_dict() == {
        "c1": ["A", "B"],
        "c2": ["A", "B"],
        "c3": ["A", "C"],
        "c4": ["A", "B"],
    }
    with pytest.raises(ValueError, match="k must be"):
        mining.first_events(log, 0)
    summary = mining.summary(log)
    assert (summary["cases"], summary["events"], summary["activities"]) == (4, 12, 3)
    assert str(summary["start"]) == "2024-01-01 00:00:00" and str(summary["end"]) == "2024-01-03 10:00:00"


def test_other_column_names_and_a_clear_error_for_missing_ones(log):
    renamed = log.rename(
        columns={"case_id": "Case", "activity": "Step", "timestamp": "When", "resource": "Who"}
    )
    cols = LogColumns("Case", "Step", "When", "Who")
    assert mining.directly_follows(renamed, cols).equals(mining.directly_follows(log))
    assert mining.handover_of_work(renamed, cols).equals(mining.handover_of_work(log))
    with pytest.raises(KeyError, match=r"\['case_id', 'activity', 'timestamp'\] are not in the event log"):
        mining.directly_follows(renamed)
    with pytest.raises(KeyError, match="'resource' is not in the event log"):
        mining.resource_workload(log.drop(columns="resource"))


def test_an_empty_log_gives_empty_tables():
    empty = pd.DataFrame(columns=["case_id", "activity", "timestamp"])
    assert mining.directly_follows(empty).empty and mining.variants(empty).empty


def test_the_dfg_equals_a_groupby_of_consecutive_pairs_on_the_generated_log():
    frame = generate_loan_log(cases=1500, seed=11).frame()
    graph = mining.directly_follows(frame).set_index(["source", "target"])["frequency"]
    ordered = frame.assign(timestamp=pd.to_datetime(frame["timestamp"])).sort_values(
        ["case_id", "timestamp"], kind="stable"
    )
    ordered["next"] = ordered.groupby("case_id")["activity"].shift(-1)
    expected = ordered.dropna(subset=["next"]).groupby(["activity", "next"]).size()
    expected.index.names = ["source", "target"]
    assert graph.sort_index().to_dict() == expected.sort_index().to_dict()
    assert graph.sum() == len(frame) - frame["case_id"].nunique()


def test_the_generated_log_holds_what_was_planted():
    planted = generate_loan_log(cases=2000, seed=5, bottleneck="Credit Check", bottleneck_hours=60)
    frame = planted.frame()
    assert (
        planted.rows
        == generate_loan_log(cases=2000, seed=5, bottleneck="Credit Check", bottleneck_hours=60).rows
    )
    ranked = mining.bottlenecks(
        mining.directly_follows(frame), exclude_targets=OUTCOME_ACTIVITIES, min_frequency=20
    )
    assert ranked.loc[0, "target"] == "Credit Check"
    reworked = mining.rework_cases(frame)
    assert set(reworked[reworked > 0].index) == planted.rework_cases
    staff = frame[~frame["resource"].isin(["portal", "customer", "credit-bot"])]
    stamps = pd.to_datetime(staff["timestamp"])
    assert (stamps.dt.weekday < 5).all() and stamps.dt.hour.between(8, 17).all()  # office hours only
    workload = mining.resource_workload(frame)
    assert (
        workload.loc["anna", "median_wait"]
        < workload.loc["ben", "median_wait"]
        < workload.loc["chloe", "median_wait"]
    )
    assert 0 < len(planted.anomalous_cases) < 60
    with pytest.raises(ValueError, match="bottleneck must be one of"):
        generate_loan_log(cases=1, bottleneck="Lunch")

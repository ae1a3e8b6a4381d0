"""Process-mining functions on a pandas event log: one row per event, no AGPL dependency.

Every function takes the log and the names of its case, activity and timestamp columns
(defaults `case_id`, `activity`, `timestamp`), orders events by case then time (ties keep the
log's order), and returns a DataFrame or Series. Times are in seconds. Waiting time is the time
between an event and the next event of the same case: the log has one timestamp per event, so
what happens between two events is not split into queueing and work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

VARIANT_SEPARATOR = " → "


@dataclass(frozen=True)
class LogColumns:
    """Which columns of a log hold the case id, the activity, the timestamp and the resource."""

    case: str = "case_id"
    activity: str = "activity"
    timestamp: str = "timestamp"
    resource: str = "resource"


def ordered(log: pd.DataFrame, cols: LogColumns | None = None) -> pd.DataFrame:
    """A copy of `log` with parsed timestamps, sorted by case then time (stable).

    Raises KeyError naming the missing columns, so a wrong parameter is found at once.
    """
    cols = cols or LogColumns()
    missing = [name for name in (cols.case, cols.activity, cols.timestamp) if name not in log.columns]
    if missing:
        raise KeyError(f"columns {missing} are not in the event log; it has {list(map(str, log.columns))}")
    frame = log.copy()
    frame[cols.timestamp] = pd.to_datetime(frame[cols.timestamp])
    return frame.sort_values([cols.case, cols.timestamp], kind="stable").reset_index(drop=True)


def transitions(log: pd.DataFrame, cols: LogColumns | None = None) -> pd.DataFrame:
    """Each pair of consecutive events of a case: `case, source, target, waiting` (seconds).

    With a resource column, also `source_resource` and `target_resource`.
    """
    cols = cols or LogColumns()
    frame = ordered(log, cols)
    following = frame.groupby(cols.case, sort=False).shift(-1)
    pairs = pd.DataFrame(
        {
            "case": frame[cols.case],
            "source": frame[cols.activity],
            "target": following[cols.activity],
            "waiting": (following[cols.timestamp] - frame[cols.timestamp]).dt.total_seconds(),
        }
    )
    if cols.resource in frame.columns:
        pairs["source_resource"] = frame[cols.resource]
        pairs["target_resource"] = following[cols.resource]
    return pairs[following[cols.activity].notna()].reset_index(drop=True)


def directly_follows(log: pd.DataFrame, cols: LogColumns | None = None) -> pd.DataFrame:
    """The directly-follows graph: one row per transition `source → target`.

    Columns: `source, target, frequency` (times it happened), `case_frequency` (cases it
    happened in), and the waiting time in seconds `waiting_mean, waiting_median, waiting_p90`.
    Sorted by frequency, most frequent first.
    """
    pairs = transitions(log, cols)
    if pairs.empty:
        return pd.DataFrame(
            columns=[
                "source",
                "target",
                "frequency",
                "case_frequency",
                "waiting_mean",
                "waiting_median",
                "waiting_p90",
            ]
        )
    grouped = pairs.groupby(["source", "target"], sort=True)
    graph = grouped.agg(
        frequency=("waiting", "size"),
        case_frequency=("case", "nunique"),
        waiting_mean=("waiting", "mean"),
        waiting_median=("waiting", "median"),
    )
    graph["waiting_p90"] = grouped["waiting"].quantile(0.9)
    graph = graph.reset_index().sort_values(["frequency", "source", "target"], ascending=[False, True, True])
    return graph.reset_index(drop=True)


def start_activities(log: pd.DataFrame, cols: LogColumns | None = None) -> pd.Series:
    """How many cases begin with each activity, most frequent first."""
    cols = cols or LogColumns()
    first = ordered(log, cols).groupby(cols.case, sort=False)[cols.activity].first()
    return _counts(first, "cases")


def end_activities(log: pd.DataFrame, cols: LogColumns | None = None) -> pd.Series:
    """How many cases end with each activity, most frequent first."""
    cols = cols or LogColumns()
    last = ordered(log, cols).groupby(cols.case, sort=False)[cols.activity].last()
    return _counts(last, "cases")


def _counts(values: pd.Series, name: str) -> pd.Series:
    counts = values.value_counts()
    counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    counts.index.name = "activity"
    return counts.rename(name)


def activities(log: pd.DataFrame, cols: LogColumns | None = None) -> pd.DataFrame:
    """Per activity: `frequency` (events), `case_frequency` (cases), `start` and `end` (cases
    that begin or end with it). Most frequent first."""
    cols = cols or LogColumns()
    frame = ordered(log, cols)
    table = frame.groupby(cols.activity).agg(
        frequency=(cols.case, "size"), case_frequency=(cols.case, "nunique")
    )
    table["start"] = start_activities(frame, cols).reindex(table.index, fill_value=0)
    table["end"] = end_activities(frame, cols).reindex(table.index, fill_value=0)
    table.index.name = "activity"
    return table.sort_index().sort_values("frequency", ascending=False, kind="stable")


def cases(log: pd.DataFrame, cols: LogColumns | None = None) -> pd.DataFrame:
    """One row per case: `start, end, events, cycle_time` (seconds from first to last event)
    and `variant` (its activities joined by " → ")."""
    cols = cols or LogColumns()
    frame = ordered(log, cols)
    grouped = frame.groupby(cols.case, sort=True)
    table = pd.DataFrame(grouped[cols.timestamp].agg(start="min", end="max", events="size"))
    table["cycle_time"] = (table["end"] - table["start"]).dt.total_seconds()
    table["variant"] = grouped[cols.activity].agg(lambda names: VARIANT_SEPARATOR.join(map(str, names)))
    table.index.name = cols.case
    return table


def variants(log: pd.DataFrame, cols: LogColumns | None = None) -> pd.DataFrame:
    """The distinct paths through the process: `variant, cases, share` (of all cases),
    `mean_cycle_time` and `median_cycle_time` (seconds), `length` (events). Most cases first,
    ties by variant text."""
    table = cases(log, cols)
    grouped = table.groupby("variant")
    found = grouped.agg(
        cases=("events", "size"),
        mean_cycle_time=("cycle_time", "mean"),
        median_cycle_time=("cycle_time", "median"),
        length=("events", "first"),
    )
    found["share"] = found["cases"] / len(table) if len(table) else 0.0
    found = found.reset_index().sort_values(["cases", "variant"], ascending=[False, True])
    order = ["variant", "cases", "share", "mean_cycle_time", "median_cycle_time", "length"]
    return found[order].reset_index(drop=True)


def rework(log: pd.DataFrame, cols: LogColumns | None = None) -> pd.DataFrame:
    """Activities done more than once in a case (rework loops).

    Per activity: `cases` where it repeats, `share` of all cases, `repeats` (executions beyond
    the first, summed over cases). Only activities that repeat somewhere; most cases first.
    """
    cols = cols or LogColumns()
    frame = ordered(log, cols)
    per_case = frame.groupby([cols.activity, cols.case]).size()
    repeated = per_case[per_case > 1]
    total = frame[cols.case].nunique()
    table = pd.DataFrame(
        {
            "cases": repeated.groupby(level=0).size(),
            "repeats": (repeated - 1).groupby(level=0).sum(),
        }
    )
    table["share"] = table["cases"] / total if total else 0.0
    table.index.name = "activity"
    table = table.sort_index().sort_values("cases", ascending=False, kind="stable")
    return table[["cases", "share", "repeats"]].astype({"cases": int, "repeats": int})


def rework_cases(log: pd.DataFrame, cols: LogColumns | None = None) -> pd.Series:
    """Per case, how many of its events repeat an activity it already had (0 for none)."""
    cols = cols or LogColumns()
    frame = ordered(log, cols)
    again = frame.duplicated([cols.case, cols.activity])
    return again.groupby(frame[cols.case]).sum().astype(int).rename("repeated_events")


def rework_time(log: pd.DataFrame, cols: LogColumns | None = None) -> pd.Series:
    """Per case, seconds spent in rework loops: from the first execution of an activity to its
    last repetition, overlapping loops counted once (0 for a case without rework)."""
    cols = cols or LogColumns()
    frame = ordered(log, cols)
    spans = frame.groupby([cols.case, cols.activity], sort=False)[cols.timestamp].agg(["min", "max", "size"])
    spans = spans[spans["size"] > 1].reset_index().sort_values([cols.case, "min"], kind="stable")
    seconds = dict.fromkeys(frame[cols.case].unique(), 0.0)
    for case_id, loops in spans.groupby(cols.case, sort=False):
        total, reach = 0.0, None
        for begin, end in zip(loops["min"], loops["max"], strict=True):
            if reach is None or begin > reach:
                total += (end - begin).total_seconds()
                reach = end
            elif end > reach:
                total += (end - reach).total_seconds()
                reach = end
        seconds[case_id] = total
    series = pd.Series(seconds, name="rework_time", dtype=float)
    series.index.name = cols.case
    return series.sort_index()


def resource_workload(log: pd.DataFrame, cols: LogColumns | None = None) -> pd.DataFrame:
    """Per resource: `events`, `cases`, `share` of all events, `activities` (distinct), and
    `mean_wait` / `median_wait`: seconds from the case's previous event to this resource's
    event, a measure of how fast work reaches and leaves their desk. Busiest first."""
    cols = cols or LogColumns()
    if cols.resource not in log.columns:
        raise KeyError(
            f"column {cols.resource!r} is not in the event log; it has {list(map(str, log.columns))}"
        )
    frame = ordered(log, cols)
    previous = frame.groupby(cols.case, sort=False)[cols.timestamp].shift()
    frame["_wait"] = (frame[cols.timestamp] - previous).dt.total_seconds()
    table = frame.groupby(cols.resource).agg(
        events=(cols.case, "size"),
        cases=(cols.case, "nunique"),
        activities=(cols.activity, "nunique"),
        mean_wait=("_wait", "mean"),
        median_wait=("_wait", "median"),
    )
    table["share"] = table["events"] / len(frame) if len(frame) else 0.0
    table.index.name = "resource"
    table = table.sort_index().sort_values("events", ascending=False, kind="stable")
    return table[["events", "cases", "share", "activities", "mean_wait", "median_wait"]]


def handover_of_work(log: pd.DataFrame, cols: LogColumns | None = None) -> pd.DataFrame:
    """Who passes work to whom: consecutive events of a case done by different resources.

    Columns `source, target, frequency, case_frequency, waiting_mean` (seconds), most frequent
    first. A resource following itself is not a handover and is left out.
    """
    cols = cols or LogColumns()
    if cols.resource not in log.columns:
        raise KeyError(
            f"column {cols.resource!r} is not in the event log; it has {list(map(str, log.columns))}"
        )
    pairs = transitions(log, cols)
    pairs = pairs[pairs["source_resource"] != pairs["target_resource"]]
    table = pairs.groupby(["source_resource", "target_resource"]).agg(
        frequency=("case", "size"), case_frequency=("case", "nunique"), waiting_mean=("waiting", "mean")
    )
    table = table.reset_index().rename(columns={"source_resource": "source", "target_resource": "target"})
    table = table.sort_values(["frequency", "source", "target"], ascending=[False, True, True])
    return table.reset_index(drop=True)


def events_over_time(log: pd.DataFrame, freq: str = "W", cols: LogColumns | None = None) -> pd.DataFrame:
    """Per period (`freq`, a pandas frequency such as "D", "W", "MS"): `events`, `cases_started`
    and `cases_ended`; periods without any are kept with zeros, so the series has no holes."""
    cols = cols or LogColumns()
    frame = ordered(log, cols)
    stamps = frame.set_index(cols.timestamp)
    table = pd.DataFrame({"events": stamps[cols.case].resample(freq).size()})
    spans = cases(frame, cols)
    table["cases_started"] = spans.set_index("start")["events"].resample(freq).size()
    table["cases_ended"] = spans.set_index("end")["events"].resample(freq).size()
    table.index.name = "period"
    return table.fillna(0).astype(int)


def bottlenecks(
    graph: pd.DataFrame,
    *,
    exclude_targets: Iterable[str] = (),
    by: str = "waiting_median",
    min_frequency: int = 1,
) -> pd.DataFrame:
    """Transitions of a directly-follows graph ranked by waiting time, longest first.

    `exclude_targets` drops transitions into activities whose wait is not the organisation's
    (outcomes such as "Offer Accepted" wait for the customer); `by` picks the statistic
    (`waiting_median` resists the few stuck cases, `waiting_mean` weighs them); transitions seen
    fewer than `min_frequency` times are dropped as noise.
    """
    if by not in ("waiting_mean", "waiting_median", "waiting_p90"):
        raise ValueError(f"by must be waiting_mean, waiting_median or waiting_p90, not {by!r}")
    excluded = set(exclude_targets)
    kept = graph[~graph["target"].isin(excluded) & (graph["frequency"] >= min_frequency)]
    return kept.sort_values([by, "frequency"], ascending=[False, False]).reset_index(drop=True)


def first_events(log: pd.DataFrame, k: int, cols: LogColumns | None = None) -> pd.DataFrame:
    """The first `k` events of every case: what is known early, before the outcome."""
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    cols = cols or LogColumns()
    frame = ordered(log, cols)
    return frame[frame.groupby(cols.case, sort=False).cumcount() < k].reset_index(drop=True)


def summary(log: pd.DataFrame, cols: LogColumns | None = None) -> dict[str, Any]:
    """Cases, events, activities and the period the log covers."""
    cols = cols or LogColumns()
    frame = ordered(log, cols)
    return {
        "cases": int(frame[cols.case].nunique()),
        "events": len(frame),
        "activities": int(frame[cols.activity].nunique()),
        "start": frame[cols.timestamp].min(),
        "end": frame[cols.timestamp].max(),
    }

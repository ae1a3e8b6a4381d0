"""The `process_mining_starter` template: an analyst's first look at an event log, as cells."""

from __future__ import annotations

from jupyter_mindzie.notebooks.cells import TemplateCell, code, markdown, parameters_source
from jupyter_mindzie.notebooks.starter_ja import COMMENTS_JA, MARKDOWN_JA


def starter_cells(dataset_id: str | None, locale: str = "en") -> list[TemplateCell]:
    """The starter's cells; with `locale="ja"` its prose and comments are Japanese, its code the same."""
    body = localized_body(locale)
    parameters = parameters_source(
        "python",
        dataset_id,
        {
            "dataset_path": "",
            "case_column": "case_id",
            "activity_column": "activity",
            "timestamp_column": "timestamp",
            "resource_column": "resource",
            "outcome_activities": list(STARTER_OUTCOMES),
            "min_transition_share": 0.01,
            "early_events_k": 3,
            "top_n_bottlenecks": 3,
            "map_view": "frequency",
            "map_activities": 1.0,
            "map_paths": 1.0,
        },
        locale=locale,
    )
    return [markdown(cell) if kind == "markdown" else code(cell) for kind, cell in body[:1]] + [
        TemplateCell("code", parameters, ("parameters",)),
        *(markdown(cell) if kind == "markdown" else code(cell) for kind, cell in body[1:]),
    ]


def localized_body(locale: str) -> list[tuple[str, str]]:
    """STARTER_BODY in `locale`: markdown cells replaced, comments of code cells translated."""
    if locale != "ja":
        return STARTER_BODY
    markdown_ja = iter(MARKDOWN_JA)
    body: list[tuple[str, str]] = []
    for kind, source in STARTER_BODY:
        if kind == "markdown":
            body.append((kind, next(markdown_ja)))
            continue
        for english, japanese in COMMENTS_JA.items():
            source = source.replace(english, japanese)
        body.append((kind, source))
    return body


STARTER_OUTCOMES = ("Offer Accepted", "Offer Declined", "Reject Application")

# (kind, source) after the title; the parameters cell goes right after the title.
STARTER_BODY: list[tuple[str, str]] = [
    (
        "markdown",
        """
        # Process mining starter

        An event log has one row per event: a case id, an activity and a timestamp (a resource
        and case attributes such as an amount are used when present). This notebook draws the
        process map, lists the variants, measures cycle times, finds the bottlenecks and the
        rework, shows who does the work, and trains a model that tells early whether a case
        will be slow. Change the parameters below, or pass them to a run.

        Parameters that only change what is *shown* (`top_n_bottlenecks`, `map_*`) never change
        a metric, so runs stay comparable.
        """,
    ),
    (
        "code",
        """
        from pathlib import Path

        import matplotlib.pyplot as plt
        import pandas as pd
        from IPython.display import display

        from mindzie_sdk import ProcessMiningClient, mining
        from mindzie_sdk.mining import LogColumns

        client = ProcessMiningClient()
        cols = LogColumns(case_column, activity_column, timestamp_column, resource_column)


        def load_event_log():
            \"\"\"The mindzie dataset `dataset_id`, else the file `dataset_path`, else a sample of the demo log.\"\"\"
            if dataset_id:
                return client.load_dataset(dataset_id)
            if dataset_path:
                if Path(dataset_path).suffix.lower() == ".parquet":
                    return pd.read_parquet(dataset_path)
                return pd.read_csv(dataset_path)
            from mindzie_sdk.synthetic import generate_loan_log
            return generate_loan_log(cases=1000).frame()


        raw_log = load_event_log()
        source_columns = list(raw_log.columns)  # what the enrichment adds is measured against these
        event_log = mining.ordered(raw_log, cols)  # timestamps parsed, sorted by case and time
        has_resource = resource_column in event_log.columns
        """,
    ),
    ("markdown", "## Overview"),
    (
        "code",
        """
        overview = mining.summary(event_log, cols)
        cases = mining.cases(event_log, cols)
        cases["cycle_time_hours"] = cases["cycle_time"] / 3600
        pd.Series({
            "cases": overview["cases"],
            "events": overview["events"],
            "activities": overview["activities"],
            "first event": overview["start"],
            "last event": overview["end"],
            "events per case (mean)": round(overview["events"] / max(overview["cases"], 1), 2),
        }, name="event log").to_frame()
        """,
    ),
    (
        "markdown",
        """
        ## Process map

        Boxes are activities, arrows the directly-follows transitions (how often one activity
        came right after another in a case). In JupyterLab with mindzie the map is interactive:
        switch between frequency and performance (median waiting time), and filter activities
        and paths with the sliders.
        """,
    ),
    (
        "code",
        """
        process_map = client.show_process_map(
            event_log, case=case_column, activity=activity_column, timestamp=timestamp_column,
            view=map_view, activities=map_activities, paths=map_paths, title="Process map")
        """,
    ),
    ("markdown", "## Variants\n\nThe distinct paths cases took, the ten most common first."),
    (
        "code",
        """
        variants = mining.variants(event_log, cols)
        top_variants = variants.head(10).assign(
            share=lambda v: (100 * v["share"]).round(1),
            mean_cycle_time_hours=lambda v: (v["mean_cycle_time"] / 3600).round(1),
        )[["variant", "cases", "share", "mean_cycle_time_hours", "length"]]
        top_variants.rename(columns={"share": "share of cases (%)"})
        """,
    ),
    ("markdown", "## Cycle time\n\nFrom a case's first event to its last."),
    (
        "code",
        """
        cycle = cases["cycle_time_hours"]
        display(pd.Series({"mean": cycle.mean(), "median": cycle.median(), "p90": cycle.quantile(0.9)},
                          name="cycle time (hours)").round(1).to_frame())
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
        left.hist(cycle / 24, bins=40, color="#5b8def")
        for label, value, style in (("median", cycle.median(), "-"), ("p90", cycle.quantile(0.9), "--")):
            left.axvline(value / 24, color="#d9534f", linestyle=style, label=f"{label} {value / 24:.1f} d")
        left.set(title="Cycle time per case", xlabel="days", ylabel="cases")
        left.legend()
        over_time = mining.events_over_time(event_log, "W", cols)
        right.plot(over_time.index, over_time["cases_started"], label="cases started")
        right.plot(over_time.index, over_time["cases_ended"], label="cases ended")
        right.set(title="Cases per week", ylabel="cases")
        right.legend()
        fig.autofmt_xdate()
        fig.tight_layout()
        plt.show()
        """,
    ),
    (
        "markdown",
        """
        ## Bottlenecks

        The transitions with the longest median waiting time. Transitions into outcome
        activities (`outcome_activities`: there the wait is the customer's) and into end
        activities (where most of their occurrences end a case) are left out, and so are
        transitions seen in fewer than `min_transition_share` of the cases (too rare to be a
        bottleneck). The table shows the first `top_n_bottlenecks`.
        """,
    ),
    (
        "code",
        """
        graph = mining.directly_follows(event_log, cols)
        activity_table = mining.activities(event_log, cols)
        end_like = activity_table.index[activity_table["end"] >= 0.5 * activity_table["frequency"]]
        excluded = sorted(set(outcome_activities) | set(end_like))
        ranking = mining.bottlenecks(graph, exclude_targets=excluded,
                                     min_frequency=max(1, round(min_transition_share * len(cases))))
        if ranking.empty:
            raise ValueError(f"no transition is left once {excluded} are excluded; check outcome_activities")
        hours = ranking[["waiting_median", "waiting_mean", "waiting_p90"]] / 3600
        bottleneck_table = pd.concat([ranking[["source", "target", "frequency"]], hours.round(1)], axis=1)
        top_bottleneck = ranking.iloc[0]
        bottleneck_table.head(top_n_bottlenecks)
        """,
    ),
    (
        "markdown",
        """
        ## Rework and resources

        Rework is an activity done again in the same case; the time of a rework loop runs from
        the first execution of the activity to its last repetition. Workload shows who does how
        much, and how long work waits before each resource's events.
        """,
    ),
    (
        "code",
        """
        rework = mining.rework(event_log, cols)
        repeated_events = mining.rework_cases(event_log, cols)
        rework_seconds = mining.rework_time(event_log, cols).reindex(cases.index, fill_value=0.0)
        display(rework.assign(share=lambda r: (100 * r["share"]).round(1))
                .rename(columns={"share": "share of cases (%)"}))
        if has_resource:
            workload = mining.resource_workload(event_log, cols)
            display(workload.assign(share=lambda w: (100 * w["share"]).round(1),
                                    median_wait_hours=lambda w: (w["median_wait"] / 3600).round(1))
                    [["events", "cases", "share", "activities", "median_wait_hours"]])
            handover = mining.handover_of_work(event_log, cols)
            display(handover.assign(mean_wait_hours=(handover["waiting_mean"] / 3600).round(1))
                    .drop(columns="waiting_mean").head(10))
        else:
            print(f"no {resource_column!r} column: no resource workload")
        """,
    ),
    (
        "markdown",
        """
        ## Slow-case model, from the first events only

        Can we tell early that a case will be slow? A case is *slow* when its cycle time is
        above the median of the completed cases (those that reached an outcome activity). The
        model sees only the first `early_events_k` events of a case: which activities, by whom,
        how long they took, the weekday it came in, and its numeric attributes (such as the
        amount). Nothing from the end of the case leaks in, so an open case can be scored as
        soon as it has `early_events_k` events. Accuracy is measured on held-out cases, beside
        the baseline of always guessing the more common class.
        """,
    ),
    (
        "code",
        """
        try:
            from sklearn.ensemble import RandomForestClassifier
            from sklearn.model_selection import train_test_split
        except ImportError:
            RandomForestClassifier = None
            print("scikit-learn is not installed, so the slow-case model is skipped "
                  "(pip install scikit-learn, or the jupyter_mindzie[ml] extra).")

        early = mining.first_events(event_log, early_events_k, cols)
        grouped = early.groupby(case_column)
        features = pd.crosstab(early[case_column], early[activity_column]).add_prefix("activity: ")
        if has_resource:
            features = features.join(pd.crosstab(early[case_column], early[resource_column]).add_prefix("resource: "))
        features["early_hours"] = (grouped[timestamp_column].max() - grouped[timestamp_column].min()).dt.total_seconds() / 3600
        features["start_weekday"] = grouped[timestamp_column].min().dt.day_of_week
        attributes = [c for c in event_log.select_dtypes("number").columns if c not in (case_column,)]
        features = features.join(grouped[attributes].first())
        features = features[grouped.size() >= early_events_k].fillna(0)

        completed = cases.index[event_log.groupby(case_column)[activity_column].last().isin(outcome_activities)]
        labelled = features.index.intersection(completed)
        slow = cases.loc[labelled, "cycle_time_hours"] > cases.loc[completed, "cycle_time_hours"].median()
        model_metrics = None
        if RandomForestClassifier is not None and slow.nunique() == 2 and slow.value_counts().min() >= 5:
            X_train, X_test, y_train, y_test = train_test_split(
                features.loc[labelled], slow, test_size=0.3, random_state=0, stratify=slow)
            model = RandomForestClassifier(n_estimators=100, min_samples_leaf=5, random_state=0, n_jobs=1)
            model.fit(X_train, y_train)
            majority = y_train.mode()[0]
            model_metrics = {
                "accuracy": round(float(model.score(X_test, y_test)), 3),
                "baselineAccuracy": round(float((y_test == majority).mean()), 3),
                "heldOutCases": int(len(y_test)),
                "earlyEventsK": int(early_events_k),
            }
            client.publish_model(model, "slow_case_predictor", metrics=model_metrics,
                                 features=[str(c) for c in features.columns])
            print(f"slow-case predictor from the first {early_events_k} events: accuracy "
                  f"{model_metrics['accuracy']:.2f} on {len(y_test)} held-out cases; "
                  f"always guessing {'slow' if majority else 'not slow'}: {model_metrics['baselineAccuracy']:.2f}")
        elif RandomForestClassifier is not None:
            print("too few completed cases of each kind (slow, not slow) to train the model")
        """,
    ),
    (
        "markdown",
        """
        ## Enriched tables

        The event log gains `event_index` (position in its case), `waiting_time_hours` (since
        the case's previous event), `is_rework` (the activity was already done in this case) and
        `is_bottleneck` (the event ends the worst bottleneck transition).

        The case table has one row per case with derived columns:
        - `customer_segment`: the size of the loan, `small` (amount under 10,000), `medium`
          (under 25,000) or `large`; `unknown` without an `amount` column;
        - `journey_score`: 0–100, the share of cases that took longer than this one, lowered by
          the share of its time spent in rework (100 is a fast case without rework);
        - `anomaly_flag`: a cycle time beyond the upper fence (third quartile + 1.5 × the
          interquartile range), or a variant fewer than 0.2 % of the cases took;
        - `slow_probability`: the model's chance that the case is slow (with scikit-learn).
        """,
    ),
    (
        "code",
        """
        enriched = event_log.copy()
        enriched["event_index"] = enriched.groupby(case_column).cumcount() + 1
        enriched["waiting_time_hours"] = (enriched.groupby(case_column)[timestamp_column].diff()
                                          .dt.total_seconds() / 3600).fillna(0.0).round(3)
        enriched["is_rework"] = enriched.duplicated([case_column, activity_column])
        previous_activity = enriched.groupby(case_column)[activity_column].shift()
        enriched["is_bottleneck"] = ((previous_activity == top_bottleneck["source"])
                                     & (enriched[activity_column] == top_bottleneck["target"]))
        enriched[timestamp_column] = enriched[timestamp_column].dt.strftime("%Y-%m-%dT%H:%M:%S")
        events_published = client.publish_enriched(enriched, "event_log_enriched", base_columns=source_columns)

        case_table = cases.rename(columns={"start": "first_event", "end": "last_event", "events": "event_count"})
        case_table = case_table[["first_event", "last_event", "event_count", "cycle_time_hours", "variant"]].copy()
        case_table["cycle_time_hours"] = case_table["cycle_time_hours"].round(3)
        case_table["rework_events"] = repeated_events.reindex(case_table.index, fill_value=0)
        case_table["rework_hours"] = (rework_seconds / 3600).round(3)
        if "amount" in event_log.columns:
            amount = event_log.groupby(case_column)["amount"].first().reindex(case_table.index)
            case_table["customer_segment"] = pd.cut(amount, [-float("inf"), 10_000, 25_000, float("inf")],
                                                    labels=["small", "medium", "large"], right=False).astype(str)
        else:
            case_table["customer_segment"] = "unknown"
        slower_share = 1 - cases["cycle_time"].rank(pct=True, method="max")
        rework_share = (rework_seconds / cases["cycle_time"].where(cases["cycle_time"] > 0)).fillna(0.0)
        case_table["journey_score"] = (100 * slower_share * (1 - rework_share)).round(1)
        q1, q3 = cases["cycle_time_hours"].quantile([0.25, 0.75])
        variant_share = cases["variant"].map(cases["variant"].value_counts(normalize=True))
        case_table["anomaly_flag"] = (cases["cycle_time_hours"] > q3 + 1.5 * (q3 - q1)) | (variant_share < 0.002)
        if model_metrics is not None:
            case_table["slow_probability"] = pd.Series(
                model.predict_proba(features)[:, list(model.classes_).index(True)], index=features.index
            ).reindex(case_table.index).round(3)
        case_table = case_table.reset_index()
        for column in ("first_event", "last_event"):
            case_table[column] = case_table[column].dt.strftime("%Y-%m-%dT%H:%M:%S")
        cases_published = client.publish_enriched(case_table, "cases_enriched", base_columns=source_columns)
        """,
    ),
    (
        "markdown",
        """
        ## Process mining metrics

        None of these numbers depends on a display parameter. `processEfficiency` is the
        percentage of all case time (the sum of the cycle times) that is **not** spent in
        rework loops, a loop's time running from the first execution of an activity to its
        last repetition in the same case. `firstTimeRight` is the share of cases without any
        rework. `bottleneckActivities` lists the targets of the first `top_n_bottlenecks`
        transitions of the bottleneck ranking.
        """,
    ),
    (
        "code",
        """
        total_seconds = float(cases["cycle_time"].sum())
        metrics = {
            "caseCount": int(len(cases)),
            "eventCount": int(len(event_log)),
            "activityCount": int(overview["activities"]),
            "periodStart": overview["start"].isoformat(),
            "periodEnd": overview["end"].isoformat(),
            "avgCycleTime": f"{cycle.mean():.1f} hours",
            "avgCycleTimeHours": round(float(cycle.mean()), 2),
            "medianCycleTimeHours": round(float(cycle.median()), 2),
            "p90CycleTimeHours": round(float(cycle.quantile(0.9)), 2),
            "variantCount": int(len(variants)),
            "topVariantShare": round(float(variants["share"].iloc[0]), 4),
            "top10VariantShare": round(float(variants["share"].head(10).sum()), 4),
            "topBottleneck": {
                "source": str(top_bottleneck["source"]),
                "target": str(top_bottleneck["target"]),
                "medianWaitHours": round(float(top_bottleneck["waiting_median"]) / 3600, 2),
                "p90WaitHours": round(float(top_bottleneck["waiting_p90"]) / 3600, 2),
                "cases": int(top_bottleneck["case_frequency"]),
            },
            "bottleneckActivities": [str(t) for t in ranking["target"].head(top_n_bottlenecks)],
            "reworkCases": int((repeated_events > 0).sum()),
            "reworkCaseShare": round(float((repeated_events > 0).mean()), 4),
            "reworkActivities": [str(a) for a in rework.index[rework["share"] >= min_transition_share]],
            "firstTimeRight": round(float((repeated_events == 0).mean()), 4),
            "processEfficiency": round(100 * (1 - float(rework_seconds.sum()) / total_seconds), 1) if total_seconds else None,
            "anomalousCases": int(case_table["anomaly_flag"].sum()),
            "activityFrequencies": {str(k): int(v) for k, v in activity_table["frequency"].items()},
            "slowCaseModel": model_metrics,
        }
        client.publish_metrics(metrics, "Process mining metrics")
        """,
    ),
]

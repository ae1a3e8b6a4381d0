"""Starting cells for new notebooks: `blank` and `process_mining_starter`.

Each template is a list of `(cell_type, source, tags)`; the cell tagged `parameters` holds
papermill-style defaults, so a run's parameters are injected right after it.
"""

from __future__ import annotations

from typing import NamedTuple

from jupyter_mindzie.errors import InvalidRequest


class TemplateCell(NamedTuple):
    cell_type: str
    source: str
    tags: tuple[str, ...] = ()


TEMPLATES = ("blank", "process_mining_starter")
PYTHON_ONLY = {"process_mining_starter"}


def parameters_source(language: str, dataset_id: str | None, extra: dict[str, object] | None = None) -> str:
    """The `parameters` cell in the kernel's language; `dataset_id` is the bound dataset."""
    values: dict[str, object] = {"dataset_id": dataset_id, **(extra or {})}
    if language == "python":
        lines = ["# Parameters: defaults for a run; mindzie injects a run's values after this cell."]
        lines += [f"{name} = {value!r}" for name, value in values.items()]
    elif language == "R":
        lines = ["# Parameters: defaults for a run; mindzie injects a run's values after this cell."]
        lines += [f"{name} <- {_r_literal(value)}" for name, value in values.items()]
    else:
        lines = [f"// Parameters (dataset_id = {dataset_id or 'none'}); set defaults for a run here."]
    return "\n".join(lines)


def _r_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def template_cells(template: str, language: str, dataset_id: str | None) -> list[TemplateCell]:
    if template not in TEMPLATES:
        raise InvalidRequest.for_field("template", f"must be one of: {', '.join(TEMPLATES)}")
    if template in PYTHON_ONLY and language != "python":
        raise InvalidRequest.for_field(
            "template", f"{template} needs a Python kernel; this kernel's language is {language}"
        )
    if template == "blank":
        return [TemplateCell("code", parameters_source(language, dataset_id), ("parameters",))]
    return _starter(dataset_id)


def _starter(dataset_id: str | None) -> list[TemplateCell]:
    parameters = parameters_source(
        "python",
        dataset_id,
        {
            "dataset_path": "",
            "case_column": "case_id",
            "activity_column": "activity",
            "timestamp_column": "timestamp",
            "top_n_bottlenecks": 3,
        },
    )
    return [
        TemplateCell(
            "markdown",
            "# Process mining starter\n\n"
            "Cycle times, bottleneck activities, activity frequencies, process efficiency, "
            "enriched tables and (with scikit-learn) a slow-case model, from an event log with "
            "one row per event (case id, activity, timestamp). Change the parameters below or "
            "pass them to a run.",
        ),
        TemplateCell("code", parameters, ("parameters",)),
        TemplateCell(
            "code",
            "from pathlib import Path\n\n"
            "import matplotlib.pyplot as plt\n"
            "import pandas as pd\n"
            "from mindzie_sdk import ProcessMiningClient\n\n"
            "client = ProcessMiningClient()\n\n\n"
            "def load_event_log():\n"
            '    """The mindzie dataset `dataset_id`, else the file `dataset_path`, else the bundled demo log."""\n'
            "    if dataset_id:\n"
            "        return client.load_dataset(dataset_id)\n"
            "    if dataset_path:\n"
            "        if Path(dataset_path).suffix.lower() == '.parquet':\n"
            "            return pd.read_parquet(dataset_path)\n"
            "        return pd.read_csv(dataset_path)\n"
            "    from jupyter_mindzie.demo import demo_event_log\n"
            "    return demo_event_log()\n\n\n"
            "event_log = load_event_log()\n"
            "source_columns = list(event_log.columns)  # what the enrichment adds is measured against these\n"
            "missing = {case_column, activity_column, timestamp_column} - set(event_log.columns)\n"
            "if missing:\n"
            "    raise KeyError(f'columns {sorted(missing)} are not in the event log; '\n"
            "                   f'it has {list(event_log.columns)}')\n"
            "event_log[timestamp_column] = pd.to_datetime(event_log[timestamp_column])\n"
            "event_log = event_log.sort_values([case_column, timestamp_column], kind='stable')\n"
            "print(f'{len(event_log)} events in {event_log[case_column].nunique()} cases')",
        ),
        TemplateCell("markdown", "## Cycle time per case"),
        TemplateCell(
            "code",
            "cases = event_log.groupby(case_column)[timestamp_column].agg(['min', 'max', 'count'])\n"
            "cases['cycle_time_hours'] = (cases['max'] - cases['min']).dt.total_seconds() / 3600\n"
            "cycle_time = cases['cycle_time_hours'].describe(percentiles=[0.5, 0.9])\n"
            "cycle_time.rename('hours').to_frame().round(2)",
        ),
        TemplateCell("markdown", "## Bottleneck activities"),
        TemplateCell(
            "code",
            "previous = event_log.groupby(case_column)[timestamp_column].shift()\n"
            "event_log['waiting_time_hours'] = ((event_log[timestamp_column] - previous)\n"
            "                                   .dt.total_seconds() / 3600).fillna(0.0)\n"
            "waiting = (event_log.groupby(activity_column)['waiting_time_hours']\n"
            "           .agg(['mean', 'median', 'count'])\n"
            "           .sort_values('mean', ascending=False))\n"
            "bottlenecks = list(waiting.index[:top_n_bottlenecks])\n"
            "waiting.round(2)",
        ),
        TemplateCell("markdown", "## Waiting time before each activity"),
        TemplateCell(
            "code",
            "fig, ax = plt.subplots(figsize=(8, 4))\n"
            "colors = ['#d9534f' if name in bottlenecks else '#5b8def' for name in waiting.index]\n"
            "waiting['mean'].plot.barh(ax=ax, color=colors)\n"
            "ax.invert_yaxis()\n"
            "ax.set_xlabel('mean waiting time (hours)')\n"
            "ax.set_ylabel('')\n"
            "ax.set_title('Waiting time before each activity (bottlenecks in red)')\n"
            "fig.tight_layout()\n"
            "plt.show()",
        ),
        TemplateCell("markdown", "## Activity frequencies"),
        TemplateCell(
            "code",
            "frequencies = event_log[activity_column].value_counts().rename('events').to_frame()\n"
            "frequencies['cases'] = event_log.groupby(activity_column)[case_column].nunique()\n"
            "frequencies['share_of_cases'] = (frequencies['cases'] / len(cases)).round(3)\n"
            "frequencies",
        ),
        TemplateCell("markdown", "## Enriched event log"),
        TemplateCell(
            "code",
            "enriched = event_log.merge(cases[['cycle_time_hours']], left_on=case_column, right_index=True)\n"
            "enriched['is_bottleneck'] = enriched[activity_column].isin(bottlenecks)\n"
            "enriched['event_index'] = enriched.groupby(case_column).cumcount() + 1\n"
            "published = client.publish_enriched(enriched, 'event_log_enriched', base_columns=source_columns)",
        ),
        TemplateCell(
            "markdown",
            "## Cases\n\n"
            "One row per case: cycle time, number of events, rework (an activity repeated), hours "
            "spent waiting for the bottleneck activities, and an anomaly flag for cycle times beyond "
            "the upper fence (third quartile + 1.5 × the interquartile range).",
        ),
        TemplateCell(
            "code",
            "case_table = cases.rename(columns={'min': 'first_event', 'max': 'last_event', 'count': 'event_count'})\n"
            "q1, q3 = case_table['cycle_time_hours'].quantile([0.25, 0.75])\n"
            "case_table['anomaly_flag'] = case_table['cycle_time_hours'] > q3 + 1.5 * (q3 - q1)\n"
            "case_table['rework'] = event_log.groupby(case_column)[activity_column].agg(lambda a: bool(a.duplicated().any()))\n"
            "in_bottleneck = event_log[event_log[activity_column].isin(bottlenecks)]\n"
            "case_table['bottleneck_wait_hours'] = (in_bottleneck.groupby(case_column)['waiting_time_hours'].sum()\n"
            "                                       .reindex(case_table.index, fill_value=0.0))\n"
            "case_table = case_table.reset_index()\n"
            "cases_published = client.publish_enriched(case_table, 'cases_enriched', base_columns=source_columns)",
        ),
        TemplateCell(
            "markdown",
            "## Slow-case model\n\n"
            "With scikit-learn installed: a random forest that tells, from the activities a case "
            "went through, whether its cycle time will be above the median.",
        ),
        TemplateCell(
            "code",
            "try:\n"
            "    from sklearn.ensemble import RandomForestClassifier\n"
            "    from sklearn.model_selection import train_test_split\n"
            "except ImportError:\n"
            "    RandomForestClassifier = None\n"
            "    print('scikit-learn is not installed: no model this time')\n\n"
            "features = pd.crosstab(event_log[case_column], event_log[activity_column])\n"
            "features['event_count'] = features.sum(axis=1)\n"
            "slow = (cases['cycle_time_hours'] > cases['cycle_time_hours'].median()).reindex(features.index)\n"
            "if RandomForestClassifier is not None and slow.nunique() == 2 and slow.value_counts().min() >= 2:\n"
            "    X_train, X_test, y_train, y_test = train_test_split(\n"
            "        features, slow, test_size=0.25, random_state=0, stratify=slow)\n"
            "    model = RandomForestClassifier(n_estimators=100, random_state=0).fit(X_train, y_train)\n"
            "    accuracy = round(float(model.score(X_test, y_test)), 3)\n"
            "    client.publish_model(model, 'slow_case_predictor', metrics={'accuracy': accuracy},\n"
            "                         features=[str(c) for c in features.columns])\n"
            "    print(f'slow-case predictor: accuracy {accuracy:.2f} on {len(X_test)} held-out cases')",
        ),
        TemplateCell(
            "markdown",
            "## Process mining metrics\n\n"
            "`processEfficiency` is the share of all case time not spent waiting for the bottleneck "
            "activities.",
        ),
        TemplateCell(
            "code",
            "variants = event_log.groupby(case_column)[activity_column].agg(tuple)\n"
            "total_hours = float(cases['cycle_time_hours'].sum())\n"
            "bottleneck_hours = float(case_table['bottleneck_wait_hours'].sum())\n"
            "metrics = {\n"
            "    'caseCount': int(len(cases)),\n"
            "    'eventCount': int(len(event_log)),\n"
            "    'avgCycleTime': f\"{cases['cycle_time_hours'].mean():.1f} hours\",\n"
            "    'avgCycleTimeHours': round(float(cases['cycle_time_hours'].mean()), 2),\n"
            "    'medianCycleTimeHours': round(float(cases['cycle_time_hours'].median()), 2),\n"
            "    'p90CycleTimeHours': round(float(cases['cycle_time_hours'].quantile(0.9)), 2),\n"
            "    'bottleneckActivities': bottlenecks,\n"
            "    'processEfficiency': round(100 * (1 - bottleneck_hours / total_hours), 1) if total_hours else None,\n"
            "    'anomalousCases': int(case_table['anomaly_flag'].sum()),\n"
            "    'activityFrequencies': {str(k): int(v) for k, v in frequencies['events'].items()},\n"
            "    'variantCount': int(variants.nunique()),\n"
            "    'topVariantShare': round(float(variants.value_counts(normalize=True).iloc[0]), 3),\n"
            "}\n"
            "client.publish_metrics(metrics, 'Process mining metrics')",
        ),
    ]

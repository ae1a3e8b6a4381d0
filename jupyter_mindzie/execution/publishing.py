"""Tables a run published become datasets of its project: the server registers them, never the kernel."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from jupyter_mindzie.execution.progress import Run
from jupyter_mindzie.storage.datasets import MindzieDatasetLibrary


async def register_published(
    datasets: MindzieDatasetLibrary,
    run: Run,
    artifacts: list[dict[str, Any]],
    *,
    options: dict[str, Any],
    artifacts_dir: Path,
    log: logging.Logger | logging.LoggerAdapter[Any],
) -> None:
    """Tables the run published become datasets of its project, before its terminal state
    is written (so a client that sees Completed finds them). The kernel never writes the
    store: the server registers what the run's outputs announced. A table that cannot be
    registered is logged and skipped; the run's outcome stays as it is."""
    if not options.get("registerDatasets", True):
        return
    context = run.runner.spec.context
    source = {
        "executionId": run.execution_id,
        "notebookId": run.notebook_id,
        "datasetId": context.get("datasetId") if isinstance(context.get("datasetId"), str) else None,
    }
    for row in artifacts:
        meta = row.get("meta") or {}
        if row["kind"] != "enriched" or meta.get("missingFile") or meta.get("register") is False:
            continue
        name = f"{meta.get('name') or row['name']} (run {run.execution_id[:8]})"
        try:
            await datasets.register_published(
                run.scope,
                artifacts_dir / row["name"],
                name,
                source=source,
                new_columns=list(meta.get("newColumns") or []),
            )
        except Exception as error:  # a table a notebook wrote may be anything
            log.warning(
                "mindzie: execution %s: table %s not registered as a dataset: %s",
                run.execution_id,
                row["name"],
                getattr(error, "detail", None) or error,
            )

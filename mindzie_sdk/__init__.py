"""`mindzie_sdk`: the kernel-side helper notebooks import to load datasets, mine event logs
(`mindzie_sdk.mining`), draw process maps and publish results."""

from typing import Any

from mindzie_sdk.client import (
    DatasetNotFoundError,
    ProcessMiningClient,
    execution_context,
    find_datasets_dir,
    list_datasets,
    load_dataset,
    publish_enriched,
    publish_metrics,
    publish_model,
    show_process_map,
)
from mindzie_sdk.mimes import CONTEXT_ENV, ENRICHED_MIME, MODEL_MIME, PROCESS_MAP_MIME

__all__ = [
    "CONTEXT_ENV",
    "ENRICHED_MIME",
    "MODEL_MIME",
    "PROCESS_MAP_MIME",
    "DatasetNotFoundError",
    "ProcessMiningClient",
    "execution_context",
    "find_datasets_dir",
    "list_datasets",
    "load_dataset",
    "publish_enriched",
    "publish_metrics",
    "publish_model",
    "show_process_map",
]


def __getattr__(name: str) -> Any:
    """`process_map` and `LogColumns` need pandas: imported on first use (and left out of
    `__all__`), so that the server, which reads this package's MIME types, never imports pandas."""
    if name == "process_map":
        from mindzie_sdk.maps import process_map

        return process_map
    if name == "LogColumns":
        from mindzie_sdk.mining import LogColumns

        return LogColumns
    raise AttributeError(f"module 'mindzie_sdk' has no attribute {name!r}")

"""`mindzie_sdk`: the kernel-side helper notebooks import to load datasets and publish results."""

from mindzie_sdk.client import (
    CONTEXT_ENV,
    ENRICHED_MIME,
    MODEL_MIME,
    DatasetNotFoundError,
    ProcessMiningClient,
    execution_context,
    find_datasets_dir,
    list_datasets,
    load_dataset,
    publish_enriched,
    publish_metrics,
    publish_model,
)

__all__ = [
    "CONTEXT_ENV",
    "ENRICHED_MIME",
    "MODEL_MIME",
    "DatasetNotFoundError",
    "ProcessMiningClient",
    "execution_context",
    "find_datasets_dir",
    "list_datasets",
    "load_dataset",
    "publish_enriched",
    "publish_metrics",
    "publish_model",
]

"""`mindzie_sdk`: the name notebooks import the kernel-side helper by (`jupyter_mindzie.sdk`)."""

from jupyter_mindzie.sdk import (
    CONTEXT_ENV,
    ENRICHED_MIME,
    MODEL_MIME,
    DatasetNotFoundError,
    ProcessMiningClient,
    execution_context,
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
    "list_datasets",
    "load_dataset",
    "publish_enriched",
    "publish_metrics",
    "publish_model",
]

"""The routes about a dataset's content (preview, download), beside the table in routes.py."""

from __future__ import annotations

from typing import Any

from jupyter_mindzie.contract.routes import PROJECT, _json, _route

DATASET = f"{PROJECT}/dataset/{{datasetId}}"

DATASET_FILE_ROUTES: list[dict[str, Any]] = [
    _route(
        "get",
        f"{DATASET}/preview",
        "previewDataset",
        "Datasets",
        "The dataset's columns with their types, and its first rows",
        description="Reads only the first rows of the file, whatever its size. `rows` is 1-500 (default 20); "
        "types are the pandas dtypes of the whole file, as a kernel's `load_dataset` gives them.",
        query="dataset-preview-query",
        success=(200, "The preview.", _json("DatasetPreview"), None),
        errors=(400, 404),
    ),
    _route(
        "get",
        f"{DATASET}/download",
        "downloadDataset",
        "Datasets",
        "The dataset's file, as an attachment",
        description="Streamed. A CSV (UTF-8) starts with a byte order mark, so Excel reads it as UTF-8; "
        "`format=csv` converts a Parquet dataset to such a CSV, `format=parquet` of a CSV dataset is a 400. "
        "`Content-Disposition` names the file after the dataset, with `filename*` (RFC 5987) for names "
        "that are not ASCII.",
        query="dataset-download-query",
        success=(
            200,
            "The file.",
            {
                "text/csv": {"schema": {"type": "string", "format": "binary"}},
                "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
            },
            {
                "Content-Disposition": {
                    "required": True,
                    "schema": {"type": "string", "pattern": "^attachment"},
                },
            },
        ),
        errors=(400, 404),
    ),
]

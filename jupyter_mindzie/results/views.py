"""The seed's results answer, built from an execution's artifact rows (no Tornado, no store)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.results.extraction import (
    DATA_TYPES,
    FORMATS,
    IMAGES,
    MAX_CONTENT_BYTES,
    OUTPUT_TYPES,
    RICH_OUTPUTS,
)


def results_view(
    execution: dict[str, Any],
    artifacts: list[dict[str, Any]],
    *,
    fmt: str,
    output_type: str,
    cell_id: str | None,
    artifact_url: Callable[[str], str],
    read_text: Callable[[str], str],
) -> dict[str, Any]:
    """The seed's results answer built from the execution's artifact rows.

    `fmt` `summary` leaves out `content` and adds `counts`; `detailed` inlines text and JSON
    content (not images, nor files over 1 MB). Categories `output_type` does not select come
    back empty; `cell_id` narrows outputs, datasets and models (reports belong to no cell).
    """
    _check_choice("format", fmt, FORMATS)
    _check_choice("outputType", output_type, OUTPUT_TYPES)
    rows = sorted((_decoded(row) for row in artifacts), key=_order)

    def selected(kind: str, categories: tuple[str, ...]) -> list[dict[str, Any]]:
        if output_type != "all" and output_type not in categories:
            return []
        return [r for r in rows if r["kind"] == kind and (cell_id is None or r.get("cell_id") == cell_id)]

    detailed = fmt == "detailed"
    outputs = [
        _output_item(row, artifact_url, read_text if detailed else None)
        for row in selected("output", ("data", "plots"))
        if _in_category(row, output_type)
    ]
    enriched = [_enriched_item(row, artifact_url) for row in selected("enriched", ("data",))]
    models = [_model_item(row, artifact_url) for row in selected("model", ("models",))]
    reports, notebook = [], None
    if output_type in ("all", "reports"):
        reports = [_report_item(row, artifact_url) for row in rows if row["kind"] == "report"]
        notebook = next(
            (
                {"name": r["name"], "downloadUrl": artifact_url(r["name"])}
                for r in rows
                if r["kind"] == "notebook"
            ),
            None,
        )
    view: dict[str, Any] = {
        "executionId": execution["execution_id"],
        "status": execution["status"],
        "outputs": outputs,
        "enrichedDatasets": enriched,
        "models": models,
        "reports": reports,
        "executedNotebook": notebook,
    }
    if not detailed:
        view["counts"] = {
            "outputs": len(outputs),
            "enrichedDatasets": len(enriched),
            "models": len(models),
            "reports": len(reports),
        }
    return view


def _check_choice(field: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidRequest.for_field(
            field, Message("must be one of: {allowed}", allowed=", ".join(allowed))
        )


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A row whose `meta` may still be the JSON text the store keeps."""
    meta = row.get("meta")
    if isinstance(meta, str):
        meta = json.loads(meta)
    return {**row, "meta": meta or {}}


def _order(row: dict[str, Any]) -> tuple[bool, int, str]:
    """By position; rows without one (reports, the notebook) after the outputs."""
    position = row.get("position")
    return (position is None, position or 0, row["name"])


def _in_category(row: dict[str, Any], output_type: str) -> bool:
    content_type = row["content_type"]
    if output_type == "plots":
        return content_type in IMAGES
    if output_type == "data":
        return content_type in DATA_TYPES and row["meta"].get("nbformatOutputType") in RICH_OUTPUTS
    return True


def _output_item(
    row: dict[str, Any], artifact_url: Callable[[str], str], read_text: Callable[[str], str] | None
) -> dict[str, Any]:
    meta = row["meta"]
    item: dict[str, Any] = {
        "cellId": row.get("cell_id"),
        "outputType": meta.get("outputType"),
        "contentType": row["content_type"],
        "title": meta.get("title"),
    }
    truncated = bool(meta.get("truncated"))
    if read_text is not None:
        item["content"], inline_truncated = _content(row, read_text)
        truncated = truncated or inline_truncated
    item.update(dimensions=meta.get("dimensions"), downloadUrl=artifact_url(row["name"]))
    if truncated:
        item["truncated"] = True
    if read_text is not None and meta.get("processMap") is not None:
        item["processMap"] = meta["processMap"]
    return item


def _content(row: dict[str, Any], read_text: Callable[[str], str]) -> tuple[Any, bool]:
    """(content, cut short?): text as a string, JSON as its value, images as None."""
    content_type = row["content_type"]
    if content_type in IMAGES:
        return None, False
    size = row.get("size")
    if size is None or size > MAX_CONTENT_BYTES:
        return None, size is not None
    text = read_text(row["name"])
    if content_type != "application/json":
        return text, False
    try:
        return json.loads(text), False
    except json.JSONDecodeError:  # only a file the size guard cut short
        return None, True


def _enriched_item(row: dict[str, Any], artifact_url: Callable[[str], str]) -> dict[str, Any]:
    meta = row["meta"]
    return {
        "name": meta.get("name") or row["name"],
        "recordCount": meta.get("recordCount"),
        "newColumns": meta.get("newColumns") or [],
        "format": meta.get("format"),
        "downloadUrl": _download_url(row, artifact_url),
    }


def _model_item(row: dict[str, Any], artifact_url: Callable[[str], str]) -> dict[str, Any]:
    meta = row["meta"]
    return {
        "name": meta.get("name") or row["name"],
        "modelType": meta.get("modelType"),
        "accuracy": meta.get("accuracy"),
        "metrics": meta.get("metrics") or {},
        "features": meta.get("features") or [],
        "downloadUrl": _download_url(row, artifact_url),
    }


def _report_item(row: dict[str, Any], artifact_url: Callable[[str], str]) -> dict[str, Any]:
    meta = row["meta"]
    return {
        "name": meta.get("title") or meta.get("name") or row["name"],
        "format": meta.get("format") or Path(row["name"]).suffix.lstrip(".") or None,
        "downloadUrl": artifact_url(row["name"]),
    }


def _download_url(row: dict[str, Any], artifact_url: Callable[[str], str]) -> str | None:
    """No link to a file the kernel announced but never wrote."""
    return None if row["meta"].get("missingFile") else artifact_url(row["name"])

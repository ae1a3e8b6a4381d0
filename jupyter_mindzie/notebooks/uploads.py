"""Uploaded notebooks: which kernel they run on, and the settings an upload's form fields give."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from nbformat import NotebookNode

from jupyter_mindzie.execution.catalog import MindzieKernelCatalog, for_language, resolve_name
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.notebooks.settings import DEFAULT_INTEGRATION, file_environment, merge_environment


def resolve_kernel(nb: NotebookNode, specs: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    """The kernelspec an uploaded notebook names (python3 when none), recorded in its metadata."""
    warnings: list[dict[str, str]] = []
    declared = nb.metadata.get("kernelspec", {})
    kernel_type = declared.get("name")
    language = declared.get("language")
    if kernel_type:
        kernel_type = resolve_name(kernel_type, specs) or kernel_type
    elif isinstance(language, str) and (by_language := for_language(language, specs)):
        kernel_type = by_language
        warnings.append(
            {
                "code": "kernel-from-language",
                "field": "file",
                "message": Message(
                    "the notebook's kernelspec names only its language ({language}); {kernel} is used",
                    language=language,
                    kernel=by_language,
                ),
            }
        )
    if not kernel_type:
        kernel_type = "python3"
        warnings.append(
            {
                "code": "no-kernelspec",
                "field": "file",
                "message": Message("the notebook names no kernel; python3 is used"),
            }
        )
    if kernel_type in specs:
        nb.metadata["kernelspec"] = MindzieKernelCatalog.summary(kernel_type, specs[kernel_type])
    else:
        warnings.append(
            {
                "code": "unknown-kernel",
                "field": "file",
                "message": Message(
                    "kernel {kernel!r} is not available on this server (available: {available}); "
                    "runs will fail until it is",
                    kernel=kernel_type,
                    available=", ".join(sorted(specs)) or Message("none"),
                ),
            }
        )
        nb.metadata["kernelspec"] = {"display_name": kernel_type, **declared, "name": kernel_type}
    return kernel_type, warnings


def upload_settings(
    nb: NotebookNode, filename: str, fields: dict[str, str], kernel_type: str
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The new notebook's settings from the upload's form fields and the file's own metadata."""
    stem = PurePosixPath(filename.replace("\\", "/")).name
    name = (fields.get("notebookName") or "").strip() or stem.removesuffix(".ipynb") or "Uploaded notebook"
    integration = dict(DEFAULT_INTEGRATION)
    if fields.get("enrichmentMode"):
        integration["enrichmentMode"] = fields["enrichmentMode"] == "true"
    integration["datasetBinding"] = (fields.get("datasetBinding") or "").lower() or None
    declared, warnings = file_environment(nb)
    settings = {
        "notebookName": name[:200],
        "notebookDescription": fields.get("notebookDescription") or None,
        "kernelType": kernel_type,
        "integration": integration,
        "environment": merge_environment(declared, {}),
    }
    return settings, warnings

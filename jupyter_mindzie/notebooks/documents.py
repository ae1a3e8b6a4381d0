"""Notebook documents with nbformat: building, cell ids, upload checks, summaries, file names.

Pure functions over `NotebookNode`s; reading and writing files is the library's job.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.jsonvalues import first_problem
from jupyter_mindzie.notebooks.cells import TemplateCell

METADATA_KEY = "mindzie"
_CELL_ID = re.compile(r"^cell-(\d+)$")
_FACTORIES: dict[str, Callable[..., NotebookNode]] = {
    "code": new_code_cell,
    "markdown": new_markdown_cell,
    "raw": new_raw_cell,
}


# -- building ---------------------------------------------------------------------------


def next_cell_id(taken: set[str]) -> str:
    """`cell-001`, `cell-002`, …: one past the highest such id already taken."""
    highest = max((int(m.group(1)) for m in map(_CELL_ID.match, taken) if m), default=0)
    candidate = f"cell-{highest + 1:03d}"
    while candidate in taken:  # pragma: no cover - only with ids beyond our pattern
        highest += 1
        candidate = f"cell-{highest + 1:03d}"
    taken.add(candidate)
    return candidate


def make_cell(cell_type: str, source: str, cell_id: str, tags: Sequence[str] = ()) -> NotebookNode:
    factory = _FACTORIES[cell_type]
    cell: NotebookNode = factory(source=source)
    cell.id = cell_id
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def build_notebook(kernelspec: dict[str, str], cells: Iterable[TemplateCell]) -> NotebookNode:
    """A valid nbformat 4.5 notebook whose cells get `cell-001`, `cell-002`, …"""
    nb: NotebookNode = new_notebook()
    nb.metadata["kernelspec"] = kernelspec
    nb.metadata["language_info"] = {"name": kernelspec.get("language", "python")}
    taken: set[str] = set()
    nb.cells = [make_cell(c.cell_type, c.source, next_cell_id(taken), c.tags) for c in cells]
    nbformat.validate(nb)
    return nb


def replace_cells(nb: NotebookNode, requested: list[dict[str, Any]]) -> NotebookNode:
    """The notebook with exactly `requested` cells.

    A cell that names an existing id and keeps its type keeps its metadata and, if its
    source is unchanged, its outputs; cells without an id get the next `cell-NNN`.
    """
    existing = {cell.get("id"): cell for cell in nb.cells}
    named = [c["cellId"] for c in requested if c.get("cellId")]
    seen: set[str] = set()
    for index, cell_id in enumerate(named):
        if cell_id in seen:
            raise InvalidRequest.for_field(
                f"cells[{index}].cellId", Message("{cell_id!r} is used twice", cell_id=cell_id)
            )
        seen.add(cell_id)
    taken = set(named)
    cells = []
    for item in requested:
        cell_id = item.get("cellId") or next_cell_id(taken)
        old = existing.get(cell_id)
        if old is not None and old.cell_type == item["cellType"]:
            cell = NotebookNode(json.loads(json.dumps(old)))
            if cell.source != item["content"] and cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            cell.source = item["content"]
        else:
            cell = make_cell(item["cellType"], item["content"], cell_id)
        cells.append(cell)
    nb.cells = cells
    return nb


def set_settings(nb: NotebookNode, settings: dict[str, Any]) -> None:
    """The integration settings travel with the file, under `metadata.mindzie`."""
    nb.metadata[METADATA_KEY] = settings


# -- reading ----------------------------------------------------------------------------


def fingerprint(nb: NotebookNode) -> str:
    """What makes a new minor version: the cells' ids, types and sources (not outputs)."""
    digest = hashlib.sha256()
    for cell in nb.cells:
        digest.update(json.dumps([cell.get("id"), cell.cell_type, _source(cell)]).encode("utf-8"))
    return digest.hexdigest()


def changed_cell_ids(before: NotebookNode | None, after: NotebookNode) -> list[str]:
    old = {c.get("id"): (c.cell_type, _source(c)) for c in before.cells} if before else {}
    return [c.get("id") for c in after.cells if old.get(c.get("id")) != (c.cell_type, _source(c))]


def has_parameters_cell(nb: NotebookNode) -> bool:
    return any("parameters" in cell.get("metadata", {}).get("tags", []) for cell in nb.cells)


def python_version(nb: NotebookNode) -> str | None:
    info = nb.metadata.get("language_info", {})
    version = info.get("version")  # an uploaded file may hold anything here
    return version if info.get("name") == "python" and isinstance(version, str) else None


def cell_summaries(
    nb: NotebookNode, cell_times: dict[str, str], default_time: str | None, include_content: bool
) -> list[dict[str, Any]]:
    """The seed's `cells[]`: run state for code cells, `lastModified` for the others."""
    summaries = []
    for cell in nb.cells:
        cell_id = cell.get("id")
        summary: dict[str, Any] = {"cellId": cell_id, "cellType": cell.cell_type}
        if cell.cell_type == "code":
            outputs = cell.get("outputs", [])
            errored = any(output.get("output_type") == "error" for output in outputs)
            # a file edited by hand may hold anything here: only the types nbformat allows count
            count = cell.get("execution_count")
            count = count if isinstance(count, int) and not isinstance(count, bool) else None
            execution = cell.get("metadata", {}).get("execution")
            replied = execution.get("shell.execute_reply") if isinstance(execution, dict) else None
            summary.update(
                executionCount=count,
                hasOutput=bool(outputs),
                lastExecuted=replied if isinstance(replied, str) else None,
                executionStatus="Error" if errored else ("Success" if count is not None else None),
            )
        else:
            summary["lastModified"] = cell_times.get(cell_id, default_time)
        if include_content:
            summary["content"] = _source(cell)
        summaries.append(summary)
    return summaries


def _source(cell: NotebookNode) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


# -- uploads ----------------------------------------------------------------------------


def read_upload(data: bytes) -> tuple[NotebookNode, list[dict[str, str]]]:
    """Parse, upgrade to nbformat 4.5 and validate an uploaded `.ipynb`.

    Returns the notebook and warnings; raises InvalidRequest naming the `file` field.
    """
    try:
        text = data.decode("utf-8-sig")
        raw = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidRequest.for_field(
            "file", Message("is not a JSON notebook: {error}", error=str(error))
        ) from None
    except RecursionError:
        raise InvalidRequest.for_field("file", Message("is nested too deeply to be a notebook")) from None
    problem = first_problem(raw, max_depth=MAX_FILE_DEPTH)
    if problem is not None:
        where, reason = problem
        raise InvalidRequest.for_field(
            "file", Message("is not a notebook we can keep: {where} {reason}", where=where, reason=reason)
        )
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise InvalidRequest.for_field("file", Message("is JSON but not a notebook (no 'nbformat' field)"))
    original = (raw.get("nbformat"), raw.get("nbformat_minor"))
    if not isinstance(original[0], int) or original[0] < 3 or original[0] > 4:
        raise InvalidRequest.for_field(
            "file",
            Message("has nbformat {version!r}; versions 3 and 4 are supported", version=original[0]),
        )
    try:
        # Read and convert without nbformat's validate-and-repair: it warns about the ids
        # `_ensure_cell_ids` repairs below (and reports), and `validate` runs after that.
        nb = nbformat.convert(nbformat.reader.reads(text), 4)
    except Exception as error:  # nbformat raises many kinds for broken documents
        raise InvalidRequest.for_field(
            "file", Message("is not a valid notebook: {error}", error=str(error))
        ) from None
    warnings: list[dict[str, str]] = []
    nbformat.v4.rwbase.strip_transient(nb)  # a file must not bring its own trust
    if (nb.nbformat, nb.get("nbformat_minor", 0)) < (4, 5):
        warnings.append(
            {
                "code": "upgraded",
                "field": "file",
                "message": Message(
                    "upgraded from nbformat {major}.{minor} to 4.5", major=original[0], minor=original[1]
                ),
            }
        )
        nb.nbformat_minor = 5
    raw_cells = raw.get("cells") if original[0] == 4 else None
    warnings += _ensure_cell_ids(nb, raw_cells if isinstance(raw_cells, list) else [])
    # A kernelspec naming only its language is read by Jupyter's tools (the kernel is found by
    # language); nbformat's schema wants a name. It is set aside here and resolved by the caller.
    partial = nb.metadata.get("kernelspec")
    if isinstance(partial, dict) and not partial.get("name") and isinstance(partial.get("language"), str):
        del nb.metadata["kernelspec"]
    else:
        partial = None
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        raise InvalidRequest.for_field(
            "file", Message("is not a valid notebook {where}", where=invalid_part(nb, error))
        ) from None
    if partial is not None:
        nb.metadata["kernelspec"] = partial
    if not has_parameters_cell(nb):
        warnings.append(
            {
                "code": "no-parameters-cell",
                "field": "file",
                "message": Message(
                    "no cell is tagged 'parameters'; run parameters will be injected as the first cell"
                ),
            }
        )
    return nb, warnings


# Outputs nest deeper than settings (JSON outputs of a kernel): a looser limit for whole files.
MAX_FILE_DEPTH = 200


def invalid_part(nb: NotebookNode, error: nbformat.ValidationError) -> Message:
    """Where nbformat's complaint is, naming the cell (its id and number) when it is in one.

    nbformat's own wording (`error.message`, jsonschema's) stays as it is: it is not ours.
    """
    path = list(error.absolute_path)
    where: str = "/".join(str(part) for part in path) or Message("top level")
    if len(path) >= 2 and path[0] == "cells" and isinstance(path[1], int) and path[1] < len(nb.cells):
        cell = nb.cells[path[1]]
        return Message(
            "in cell {cell_id} (number {number}) at {path}: {reason}",
            cell_id=cell.get("id") or "?",
            number=path[1] + 1,
            path=where,
            reason=error.message,
        )
    return Message("at {path}: {reason}", path=where, reason=error.message)


def _ensure_cell_ids(nb: NotebookNode, raw_cells: list[Any]) -> list[dict[str, str]]:
    """Keep the file's valid ids; give missing, invalid or repeated ones the next `cell-NNN`.

    Judged on the cells as uploaded (`raw_cells`), since nbformat's reader invents ids of
    its own for converted or repeated ones.
    """
    valid = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
    given = [c.get("id") if isinstance(c, dict) else None for c in raw_cells]
    given += [None] * (len(nb.cells) - len(given))
    taken = {i for i in given if isinstance(i, str) and valid.match(i)}
    seen: set[str] = set()
    assigned = repaired = 0
    for cell, cell_id in zip(nb.cells, given, strict=False):
        if isinstance(cell_id, str) and valid.match(cell_id) and cell_id not in seen:
            cell["id"] = cell_id
            seen.add(cell_id)
            continue
        if cell_id is None:
            assigned += 1
        else:
            repaired += 1
        cell["id"] = next_cell_id(taken)
        seen.add(cell["id"])
    warnings = []
    if assigned:
        warnings.append(
            {
                "code": "cell-ids-assigned",
                "field": "file",
                "message": Message("{count} cells had no id and were given one", count=assigned),
            }
        )
    if repaired:
        warnings.append(
            {
                "code": "cell-ids-repaired",
                "field": "file",
                "message": Message(
                    "{count} cells had an invalid or repeated id and were given a new one", count=repaired
                ),
            }
        )
    return warnings


# -- file names -------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)
_MAX_STEM_BYTES = 120


def safe_stem(name: str) -> str:
    """A file name stem from a notebook name: letters and digits of any script kept,
    separators and path tricks turned into '-', no leading dots, at most 120 UTF-8 bytes."""
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE.sub("-", text).strip("-._")
    text = re.sub(r"-{2,}", "-", text)
    encoded = text.encode("utf-8")[:_MAX_STEM_BYTES]
    text = encoded.decode("utf-8", errors="ignore").strip("-._")
    if text.lower().endswith(".ipynb"):
        text = text[: -len(".ipynb")].strip("-._")
    return text or "notebook"

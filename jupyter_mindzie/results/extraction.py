"""Outputs of an executed notebook → typed results: artifact files, store rows, the results view.

Pure functions: the engine calls `extract_results` in a thread after a run and stores the rows
in the `artifacts` table; the results handler builds its answer with `results_view`.
Everything an output carries is untrusted: files the kernel names are only accepted as plain
names inside the artifacts folder, and models are never unpickled.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from PIL import Image

from jupyter_mindzie.contract.schemas import validator
from jupyter_mindzie.results.output_files import OutputFiles
from mindzie_sdk.mimes import ENRICHED_MIME, MODEL_MIME, PROCESS_MAP_MIME  # schema/api/process-map.json

MAX_OUTPUT_BYTES = 50 * 1024 * 1024
MAX_CONTENT_BYTES = 1024 * 1024  # larger text files are only downloaded, never inlined

# Richest first: the one MIME type an output is stored and shown as.
PREFERRED = ("text/html", "image/png", "image/jpeg", "image/svg+xml", "application/json", "text/plain")
EXTENSIONS = {
    "text/html": "html",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/svg+xml": "svg",
    "application/json": "json",
    "text/plain": "txt",
}
IMAGES = {"image/png", "image/jpeg", "image/svg+xml"}
BINARY = {"image/png", "image/jpeg"}
DATA_TYPES = {"text/html", "application/json", "text/plain"}
RICH_OUTPUTS = {"execute_result", "display_data"}
OUTPUT_TYPES = ("all", "data", "plots", "models", "reports")
FORMATS = ("summary", "detailed")

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


# -- extraction -------------------------------------------------------------------------


def extract_results(
    nb: NotebookNode,
    run_cell_ids: set[str],
    artifacts_dir: Path,
    *,
    max_output_bytes: int = MAX_OUTPUT_BYTES,
    files: OutputFiles | None = None,
) -> list[dict[str, Any]]:
    """Write one file per output of the run's code cells and return their `artifacts` rows.

    Rows are `{name, kind, content_type, size, cell_id, position, meta}`, kind `output`,
    `enriched` or `model`; `position` counts every output of the run in notebook order.
    A dataset or model published twice under one file name keeps only its last row.
    """
    artifacts_dir.mkdir(parents=True, exist_ok=True)
    files = files or OutputFiles(artifacts_dir)
    rows: dict[str, dict[str, Any]] = {}
    position = 0
    for cell, heading in _code_cells_with_headings(nb):
        cell_id = cell.get("id")
        if cell_id not in run_cell_ids:
            continue
        for number, output in enumerate(cell.get("outputs", []), start=1):
            stem = _stem(cell_id, number)
            row = _published_row(output, stem, artifacts_dir) or _output_row(
                output, stem, heading, files, max_output_bytes
            )
            if row is not None:
                row.update(cell_id=cell_id, position=position)
                rows[row["name"]] = row
            position += 1
    files.forget_all_but({name for name, row in rows.items() if row["kind"] == "output"})
    return sorted(rows.values(), key=lambda row: row["position"])


def write_output_file(
    output: NotebookNode, cell_id: str, number: int, files: OutputFiles, max_output_bytes: int
) -> None:
    """Write the file `extract_results` will keep for this output of a finished cell, ahead of
    the run's end (results/output_files.py). Published datasets and models have theirs already
    (one whose bundle is not the helper's shape is left to the end, which keeps it as an output)."""
    data = output.get("data", {})
    if ENRICHED_MIME in data or MODEL_MIME in data:
        return
    written = _output_file(output, _stem(cell_id, number))
    if written is not None:
        name, content_type, payload = written
        files.write(name, _kept(payload, content_type, max_output_bytes))


def _stem(cell_id: str, number: int) -> str:
    return f"{_SAFE_ID.sub('_', cell_id)}-{number}"


# `sys.exit()`, `sys.exit(0)` and `raise SystemExit` show these values: a clean stop, as papermill
# reads them (it ignores a SystemExit error output whose evalue is "" or "0").
CLEAN_EXIT_VALUES = ("", "0", "None")


def cell_summary(cell: NotebookNode, reply: dict[str, Any] | None = None) -> dict[str, Any]:
    """A code cell's outcome for the per-cell results: output kind and its first error.

    `reply` is the cell's execute_reply content: a reply with status `error` fails the cell
    even when the kernel sent no error output. `exit` is `clean` or `error` when the cell
    raised SystemExit (the run stops there), else None.
    """
    outputs = cell.get("outputs", [])
    error = next((o for o in outputs if o.get("output_type") == "error"), None)
    first_type = None
    if outputs:
        first_type = _seed_output_type(outputs[0], _content_type(outputs[0]))
    error_type = error.get("ename") if error else None
    error_message = error.get("evalue") if error else None
    if error is None and reply is not None and reply.get("status") == "error":
        error_type = reply.get("ename") or "ExecutionError"
        error_message = reply.get("evalue") or "the kernel replied with an error"
    exit_kind = None
    if error_type == "SystemExit":
        exit_kind = "clean" if str(error_message or "") in CLEAN_EXIT_VALUES else "error"
    failed = error_type is not None and exit_kind != "clean"
    return {
        "hasOutput": bool(outputs),
        "outputType": first_type,
        "errorType": error_type if failed else None,
        "errorMessage": error_message if failed else None,
        "status": "Error" if failed else "Success",
        "exit": exit_kind,
    }


def _code_cells_with_headings(nb: NotebookNode) -> Iterator[tuple[NotebookNode, str | None]]:
    """Each code cell with the last heading of the closest markdown cell above that has one."""
    heading = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = _last_heading(_text(cell.get("source", ""))) or heading
        elif cell.cell_type == "code":
            yield cell, heading


def _last_heading(markdown: str) -> str | None:
    """The text of the last ATX heading, ignoring `#` comment lines inside code fences."""
    found, fenced = None, False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := _HEADING.match(line)):
            found = match.group(1).strip()
    return found


def _published_row(output: NotebookNode, stem: str, artifacts_dir: Path) -> dict[str, Any] | None:
    """A dataset or model the kernel-side helper published (its file is already on disk)."""
    data = output.get("data", {})
    fields: tuple[str, ...]
    if ENRICHED_MIME in data:
        kind, mime, content_type, ext = "enriched", ENRICHED_MIME, "text/csv", "csv"
        fields = ("name", "recordCount", "newColumns", "columns", "format")
    elif MODEL_MIME in data:
        kind, mime, content_type, ext = "model", MODEL_MIME, "application/octet-stream", "bin"
        fields = ("name", "modelType", "accuracy", "metrics", "features")
    else:
        return None
    bundle = data[mime]
    if isinstance(bundle, str):
        try:
            bundle = json.loads(bundle)
        except json.JSONDecodeError:
            return None
    if not isinstance(bundle, dict):
        return None  # not the helper's shape: kept as an ordinary output instead
    meta: dict[str, Any] = {field: _typed(field, bundle.get(field)) for field in fields}
    if kind == "enriched" and bundle.get("register") is False:
        meta["register"] = False  # publish_enriched(register=False): an artifact, not a dataset
    file_name = plain_name(bundle.get("file"))
    size = regular_file_size(artifacts_dir / file_name) if file_name else None
    if size is None:
        meta["missingFile"] = True
    return {
        "name": file_name or f"{stem}.{ext}",
        "kind": kind,
        "content_type": content_type,
        "size": size,
        "meta": meta,
    }


# A notebook can display anything under the helper's MIME types: keep a field only when it has
# the type the API documents for it (schema/api/results.json), else None.
_FIELD_TYPES = {
    "name": "text",
    "title": "text",
    "format": "text",
    "modelType": "text",
    "recordCount": "count",
    "accuracy": "number",
    "metrics": "object",
    "newColumns": "texts",
    "columns": "texts",
    "features": "texts",
}


def _typed(field: str, value: Any) -> Any:
    kind = _FIELD_TYPES[field]
    if kind == "text":
        ok = isinstance(value, str)
    elif kind == "texts":
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
    elif kind == "count":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    elif kind == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    else:
        ok = isinstance(value, dict)
    return value if ok else None


def _output_file(output: NotebookNode, stem: str) -> tuple[str, str, bytes] | None:
    """(file name, content type, bytes) of an ordinary output, in its richest MIME type; None
    for one we cannot show (e.g. a widget without a text form)."""
    content_type = _content_type(output)
    if content_type is None:
        return None
    try:
        payload = _payload(output, content_type)
    except ValueError:  # broken base64 from the kernel: keep the text form if there is one
        if "text/plain" not in output.get("data", {}):
            return None
        content_type = "text/plain"
        payload = _payload(output, content_type)
    return f"{stem}.{EXTENSIONS[content_type]}", content_type, payload


def _kept(payload: bytes, content_type: str, max_bytes: int) -> bytes:
    """What the file of an output holds: all of it, or its first `max_bytes`."""
    if len(payload) > max_bytes:
        return _truncate(payload, max_bytes, text=content_type not in BINARY)
    return payload


def _output_row(
    output: NotebookNode, stem: str, heading: str | None, files: OutputFiles, max_bytes: int
) -> dict[str, Any] | None:
    """An ordinary output written as `{stem}.{ext}` in its richest MIME type."""
    written = _output_file(output, stem)
    if written is None:
        return None
    name, content_type, payload = written
    meta: dict[str, Any] = {
        "outputType": _seed_output_type(output, content_type),
        "nbformatOutputType": output.get("output_type"),
        "title": _typed("title", output.get("metadata", {}).get("title")) or heading,
        "mimeTypes": sorted(output.get("data", {})) or ["text/plain"],
    }
    if content_type in IMAGES:
        meta["dimensions"] = _dimensions(content_type, payload)
    if output.get("output_type") == "error":
        meta.update(ename=output.get("ename"), evalue=output.get("evalue"))
    if output.get("output_type") == "stream":
        meta["streamName"] = output.get("name")
    if (process_map := _process_map(output)) is not None:
        meta["processMap"] = process_map
    if len(payload) > max_bytes:
        meta.update(truncated=True, originalSize=len(payload))
    payload = _kept(payload, content_type, max_bytes)
    files.write(name, payload)
    return {
        "name": name,
        "kind": "output",
        "content_type": content_type,
        "size": len(payload),
        "meta": meta,
    }


def _process_map(output: NotebookNode) -> dict[str, Any] | None:
    """The output's process map, kept beside its image so the panel can draw it interactively.

    Only a map valid against schema/api/process-map.json and small enough to inline; any other
    leaves the output an ordinary image.
    """
    value = output.get("data", {}).get(PROCESS_MAP_MIME)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    if not isinstance(value, dict) or not validator("process-map").is_valid(value):
        return None
    if len(json.dumps(value)) > MAX_CONTENT_BYTES:
        return None
    return dict(value)


def _content_type(output: NotebookNode) -> str | None:
    kind = output.get("output_type")
    if kind in ("stream", "error"):
        return "text/plain"
    data = output.get("data", {})
    return next((mime for mime in PREFERRED if mime in data), None)


def _seed_output_type(output: NotebookNode, content_type: str | None) -> str | None:
    """The seed shows the MIME type for images and JSON, the nbformat type otherwise."""
    if content_type in IMAGES or content_type == "application/json":
        return content_type
    return output.get("output_type")


def _payload(output: NotebookNode, content_type: str) -> bytes:
    kind = output.get("output_type")
    if kind == "stream":
        return _utf8(_strip_ansi(_text(output.get("text", ""))))
    if kind == "error":
        traceback = "\n".join(output.get("traceback") or [])
        text = traceback or f"{output.get('ename')}: {output.get('evalue')}"
        return _utf8(_strip_ansi(text))
    value = output["data"][content_type]
    if content_type in BINARY:
        return base64.b64decode(_text(value))
    if content_type == "application/json":
        return _utf8(json.dumps(value, ensure_ascii=False))
    text = _text(value)
    return _utf8(_strip_ansi(text) if content_type == "text/plain" else text)


def _truncate(payload: bytes, limit: int, *, text: bool) -> bytes:
    """The first `limit` bytes; for text without a split UTF-8 sequence at the end."""
    cut = payload[:limit]
    return cut.decode("utf-8", errors="ignore").encode("utf-8") if text else cut


def _dimensions(content_type: str, payload: bytes) -> dict[str, float] | None:
    if content_type == "image/svg+xml":
        return svg_dimensions(payload.decode("utf-8", errors="replace"))
    try:
        with Image.open(BytesIO(payload)) as image:
            width, height = image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return {"width": width, "height": height}


_SVG_TAG = re.compile(r"<svg\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LENGTH = re.compile(r"^\s*(\d*\.?\d+(?:[eE][-+]?\d+)?)\s*(px|pt|pc|in|cm|mm)?\s*$")
_CSS_PIXELS = {None: 1.0, "px": 1.0, "pt": 96 / 72, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}


def svg_dimensions(svg: str) -> dict[str, float] | None:
    """Width and height in CSS pixels from the root `<svg>` tag, or its viewBox.

    Read with a regular expression, not an XML parser: the SVG is untrusted and only one
    start tag is needed.
    """
    tag = _SVG_TAG.search(svg[:65536])
    if tag is None:
        return None
    attributes = {
        m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _ATTRIBUTE.finditer(tag.group(0))
    }
    width, height = _css_pixels(attributes.get("width")), _css_pixels(attributes.get("height"))
    if width is None or height is None:
        box = re.split(r"[\s,]+", attributes.get("viewbox", "").strip())
        if len(box) != 4:
            return None
        width, height = _css_pixels(box[2]), _css_pixels(box[3])
    if width is None or height is None:
        return None
    return {"width": width, "height": height}


def _css_pixels(length: str | None) -> float | None:
    match = _LENGTH.match(length or "")
    if match is None:
        return None  # missing, a percentage or a relative unit (em): no absolute size
    value = round(float(match.group(1)) * _CSS_PIXELS[match.group(2)], 2)
    return int(value) if value.is_integer() else value


def plain_name(value: Any) -> str | None:
    """A file name the kernel gave, only if it cannot point outside the artifacts folder."""
    if not isinstance(value, str) or not value or value in (".", ".."):
        return None
    if "/" in value or "\\" in value or "\x00" in value or value.startswith("."):
        return None
    return value


def regular_file_size(path: Path) -> int | None:
    """The size of a regular file; None when missing or a symlink (it could lead anywhere)."""
    if path.is_symlink() or not path.is_file():
        return None
    return path.stat().st_size


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _utf8(text: str) -> bytes:
    """UTF-8, with lone surrogates (JSON allows them) escaped rather than failing the run."""
    return text.encode("utf-8", errors="backslashreplace")


def _text(value: Any) -> str:
    """nbformat multiline strings may be lists of lines."""
    return "".join(value) if isinstance(value, list) else str(value)

"""What a finished run leaves on disk: the executed notebook, typed results and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from jupyter_mindzie.results.extraction import extract_results
from jupyter_mindzie.results.output_files import OutputFiles


def collect_artifacts(
    nb: NotebookNode,
    run_cell_ids: list[str],
    folder: Path,
    *,
    capture_outputs: bool,
    generate_report: bool,
    report_title: str,
    report_hide_code: bool = False,
    files: OutputFiles | None = None,
) -> list[dict[str, Any]]:
    """Blocking work of the end of a run: executed notebook, typed results, report; their rows.
    `files` knows the output files the run wrote early (execution/early_outputs.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    executed = folder / "executed.ipynb"
    write_notebook(nb, executed)
    rows = extract_results(nb, set(run_cell_ids), folder, files=files)
    if not capture_outputs:
        rows = [row for row in rows if row["kind"] != "output"]
    rows.append(_artifact("executed.ipynb", "notebook", "application/x-ipynb+json", executed, 10**6, {}))
    if generate_report:
        from jupyter_mindzie.results.reports import render_html_report

        report = folder / "report.html"
        render_html_report(nb, report, report_title, hide_code=report_hide_code)
        rows.append(
            _artifact(
                "report.html",
                "report",
                "text/html",
                report,
                10**6 + 1,
                {"format": "html", "title": report_title},
            )
        )
    return rows


def write_notebook(nb: NotebookNode, path: Path) -> None:
    """Write whole or not at all: a reader never sees half a notebook.

    nbformat's JSON writer, without the validation `nbformat.write` runs first only to log what
    it finds (it writes an invalid notebook all the same): the notebook was read through the
    ContentsManager, and nbclient made its outputs with nbformat's `output_from_msg`, which
    validates each. For 1,000 cells that validation was a quarter of the writing.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    text = nbformat.v4.writes(nb)
    temporary.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")  # as nbformat.write
    temporary.replace(path)


def _artifact(
    name: str, kind: str, content_type: str, path: Path, position: int, meta: dict[str, Any]
) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "content_type": content_type,
        "size": path.stat().st_size,
        "cell_id": None,
        "position": position,
        "meta": meta,
    }

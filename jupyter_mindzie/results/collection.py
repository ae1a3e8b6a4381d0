"""What a finished run leaves on disk: the executed notebook, typed results and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from jupyter_mindzie.results.extraction import extract_results


def collect_artifacts(
    nb: NotebookNode,
    run_cell_ids: list[str],
    folder: Path,
    *,
    capture_outputs: bool,
    generate_report: bool,
    report_title: str,
    report_hide_code: bool = False,
) -> list[dict[str, Any]]:
    """Blocking work of the end of a run: executed notebook, typed results, report; their rows."""
    folder.mkdir(parents=True, exist_ok=True)
    executed = folder / "executed.ipynb"
    write_notebook(nb, executed)
    rows = extract_results(nb, set(run_cell_ids), folder)
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
    """Write whole or not at all: a reader never sees half a notebook."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    nbformat.write(nb, str(temporary))
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

"""HTML reports of executed notebooks with nbconvert (`generateReport`).

The report uses nbconvert's `lab` look through a small template of ours (templates/
mindzie_report) that leaves out every script the lab template loads from a CDN, so a report
opens offline, and through an exporter that remembers the code cells' highlighted input
(report_filters.py: half the rendering, the same from one run of a notebook to the next).
nbconvert takes about a second to import, so it is imported when a report is rendered, not
when the server starts. Rendering blocks: the engine calls this off the event loop.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

REPORT_TEMPLATE = "mindzie_report"
TEMPLATES_DIR = Path(__file__).parent / "templates"

# One exporter per worker thread: building one (and compiling its templates) costs about
# 0.1 s of every report, and an exporter is not safe to share between threads.
_exporters = threading.local()


def _exporter(hide_code: bool) -> Any:
    """This thread's exporter for reports with (or without) their code cells' input."""
    key = "without_code" if hide_code else "with_code"
    exporter = getattr(_exporters, key, None)
    if exporter is None:
        from jupyter_mindzie.results.report_filters import ReportExporter

        exporter = ReportExporter(
            template_name=REPORT_TEMPLATE,
            extra_template_basedirs=[str(TEMPLATES_DIR)],
            exclude_input=hide_code,
            exclude_input_prompt=hide_code,
        )
        setattr(_exporters, key, exporter)
    return exporter


def render_html_report(nb: NotebookNode, target: Path, title: str, *, hide_code: bool = False) -> int:
    """Render `nb` (outputs included; its code cells' input unless `hide_code`) to a standalone
    HTML file that references nothing outside itself; returns the bytes written.

    Outputs stay as the kernel made them (untrusted HTML): whoever serves the file must
    sandbox it.
    """
    # The lab template prefers the notebook's own metadata title over the resources' name.
    metadata = NotebookNode({**nb.get("metadata", {}), "title": title})
    titled = NotebookNode({**nb, "metadata": metadata})
    body, _ = _exporter(hide_code).from_notebook_node(titled, resources={"metadata": {"name": title}})
    data = body.encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return len(data)

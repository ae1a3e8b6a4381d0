"""HTML reports of executed notebooks with nbconvert (`generateReport`).

nbconvert takes about a second to import, so it is imported when a report is rendered, not
when the server starts. Rendering blocks: the engine calls this off the event loop.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

REPORT_TEMPLATE = "lab"

# One exporter per worker thread: building one (and compiling its templates) costs about
# 0.1 s of every report, and an exporter is not safe to share between threads.
_exporters = threading.local()


def _exporter() -> Any:
    exporter = getattr(_exporters, "html", None)
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = _exporters.html = HTMLExporter(template_name=REPORT_TEMPLATE)
    return exporter


def render_html_report(nb: NotebookNode, target: Path, title: str) -> int:
    """Render `nb` (outputs included) to a standalone HTML file; returns the bytes written.

    Outputs stay as the kernel made them (untrusted HTML): whoever serves the file must
    sandbox it.
    """
    # The lab template prefers the notebook's own metadata title over the resources' name.
    metadata = NotebookNode({**nb.get("metadata", {}), "title": title})
    titled = NotebookNode({**nb, "metadata": metadata})
    body, _ = _exporter().from_notebook_node(titled, resources={"metadata": {"name": title}})
    data = body.encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return len(data)

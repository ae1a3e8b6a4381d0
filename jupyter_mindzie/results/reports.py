"""HTML reports of executed notebooks with nbconvert (`generateReport`).

nbconvert takes about a second to import, so it is imported when a report is rendered, not
when the server starts. Rendering blocks: the engine calls this off the event loop.
"""

from __future__ import annotations

from pathlib import Path

from nbformat import NotebookNode

REPORT_TEMPLATE = "lab"


def render_html_report(nb: NotebookNode, target: Path, title: str) -> int:
    """Render `nb` (outputs included) to a standalone HTML file; returns the bytes written.

    Outputs stay as the kernel made them (untrusted HTML): whoever serves the file must
    sandbox it.
    """
    from nbconvert import HTMLExporter

    # The lab template prefers the notebook's own metadata title over the resources' name.
    metadata = NotebookNode({**nb.get("metadata", {}), "title": title})
    titled = NotebookNode({**nb, "metadata": metadata})
    exporter = HTMLExporter(template_name=REPORT_TEMPLATE)
    body, _ = exporter.from_notebook_node(titled, resources={"metadata": {"name": title}})
    data = body.encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return len(data)

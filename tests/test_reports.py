"""report.html: nbconvert's lab look, nothing fetched from outside the file, code hidden on request."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from .support import execute, notebook_with, project_path, wait_for

# Attributes through which a page loads or links something.
URL_ATTRIBUTES = {"src", "href", "srcset", "data", "action", "poster", "background"}
ABSOLUTE = re.compile(r"^\s*([a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
CSS_REFERENCE = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]+)|@import\s+['\"]?([^'\";\s]+)", re.IGNORECASE)


class ReferenceCollector(HTMLParser):
    """Every URL the document would load or link: tag attributes, and url()/@import in styles."""

    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value:
                self.references.extend(part.split()[0] for part in value.split(",") if part.strip())
            if name == "style" and value:
                self._css(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data)

    def _css(self, css: str) -> None:
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)  # comments name sites, they load nothing
        for match in CSS_REFERENCE.finditer(css):
            self.references.append(match.group(1) or match.group(2))


def external_references(html: str) -> list[str]:
    collector = ReferenceCollector()
    collector.feed(html)
    return [ref for ref in collector.references if ABSOLUTE.match(ref) and not ref.startswith("data:")]


def test_the_checker_sees_what_the_lab_template_fetches() -> None:
    """nbconvert's own lab template loads require.js and MathJax from a CDN: the check catches it."""
    from nbconvert import HTMLExporter
    from nbformat.v4 import new_markdown_cell, new_notebook

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(
        new_notebook(cells=[new_markdown_cell("$x^2$")])
    )
    assert any("require" in ref for ref in external_references(body))
    assert any("mathjax" in ref.lower() for ref in external_references(body))


async def report_of(api: Any, notebook: dict[str, Any], **output_options: bool) -> str:
    accepted = await execute(api, notebook, {"outputOptions": {"generateReport": True, **output_options}})
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed", final
    results = (
        await api(
            "GET",
            project_path("notebook", notebook["notebookId"], "execution", accepted["executionId"], "results"),
        )
    ).json
    (report,) = results["reports"]
    reply = await api("GET", report["downloadUrl"].split("/a%40b/", 1)[1])
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/html")
    return reply.body.decode()


PLOT = """
import matplotlib
matplotlib.use("agg")
import matplotlib.pyplot as plt
plt.plot([1, 2, 3], [3, 1, 2])
plt.title("cycle time")
plt.show()
"""


async def test_the_report_references_nothing_outside_itself(api: Any) -> None:
    notebook = await notebook_with(
        api, "import pandas as pd\npd.DataFrame({'case_id': [1, 2], 'duration': [3.5, 4.0]})", PLOT
    )
    reply = await api(
        "GET", project_path("notebook", notebook["notebookId"]), params={"includeContent": "true"}
    )
    body = [
        {"cellId": c["cellId"], "cellType": c["cellType"], "content": c["content"]}
        for c in reply.json["cells"]
    ]
    body.insert(0, {"cellType": "markdown", "content": "# Cycle times\n\nEuler: $e^{i\\pi} + 1 = 0$"})
    assert (await api("PUT", project_path("notebook", notebook["notebookId"]), {"cells": body})).status == 200

    html = await report_of(api, notebook)
    assert external_references(html) == []
    assert "jp-Notebook" in html and "data:image/png;base64," in html  # the lab look, the plot inlined
    assert "e^{i\\pi} + 1 = 0" in html  # math kept as TeX
    assert 'class="jp-InputArea' in html and "DataFrame" in html  # code shown by default


async def test_report_hide_code_leaves_the_code_out(api: Any) -> None:
    notebook = await notebook_with(api, "secret_recipe = 6 * 7\nprint('answer', secret_recipe)")
    html = await report_of(api, notebook, reportHideCode=True)
    assert "answer 42" in html
    assert "secret_recipe" not in html and 'class="jp-InputArea' not in html
    assert external_references(html) == []

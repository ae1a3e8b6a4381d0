"""The report's remembered filters: the same report as nbconvert's own exporter, run after run."""

from __future__ import annotations

from typing import Any

import pytest
from nbconvert import HTMLExporter
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from jupyter_mindzie.results import report_filters
from jupyter_mindzie.results.report_filters import Memo, ReportExporter
from jupyter_mindzie.results.reports import REPORT_TEMPLATE, TEMPLATES_DIR


def notebook(first_source: str = "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2]})\ndf") -> NotebookNode:
    cells = [
        new_markdown_cell("# Cycle times\n\nThe <b>slowest</b> cases."),
        new_code_cell(
            first_source,
            execution_count=1,
            outputs=[
                new_output("stream", name="stdout", text="loading\n"),
                new_output(
                    "execute_result",
                    data={"text/html": "<table><tr><td>1</td></tr></table>", "text/plain": "   a\n0  1"},
                    execution_count=1,
                ),
            ],
        ),
        new_code_cell("for case in cases:\n    print(f'{case!r} <done>')  # a comment", execution_count=2),
        new_code_cell("%matplotlib inline\n!ls", execution_count=3, metadata={"tags": ["parameters"]}),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    return nb


def exporters(**options: Any) -> tuple[Any, Any]:
    common = {"template_name": REPORT_TEMPLATE, "extra_template_basedirs": [str(TEMPLATES_DIR)], **options}
    return HTMLExporter(**common), ReportExporter(**common)


@pytest.fixture(autouse=True)
def fresh_memos() -> None:
    report_filters.highlighted.clear()
    report_filters.cleaned.clear()


@pytest.mark.parametrize("options", [{}, {"exclude_input": True, "exclude_input_prompt": True}])
def test_the_report_is_nbconverts_byte_for_byte_and_the_second_reuses_the_inputs(
    options: dict[str, Any],
) -> None:
    theirs, ours = exporters(**options)
    nb = notebook()
    expected, _ = theirs.from_notebook_node(nb)
    first, _ = ours.from_notebook_node(nb)
    assert first == expected
    assert report_filters.highlighted.hits == 0
    second, _ = ours.from_notebook_node(nb)
    assert second == expected
    hidden = bool(options)
    assert report_filters.highlighted.hits == (0 if hidden else 3)
    assert report_filters.cleaned.hits == (0 if hidden else 3)


def test_a_changed_cell_or_language_is_highlighted_anew() -> None:
    theirs, ours = exporters()
    ours.from_notebook_node(notebook())
    changed = notebook("total = sum(range(10))  # renamed")
    report, _ = ours.from_notebook_node(changed)
    assert report == theirs.from_notebook_node(changed)[0]
    assert "renamed" in report and "DataFrame" not in report
    other = notebook()
    other.metadata["language_info"] = {"name": "r", "pygments_lexer": "r"}
    report, _ = ours.from_notebook_node(other)
    assert report == theirs.from_notebook_node(other)[0]
    assert "hl-r" in report and "hl-ipython3" not in report


def test_the_memo_is_bounded_and_forgets_the_least_recently_used() -> None:
    memo = Memo(entries=2)
    made: list[str] = []

    def make(value: str) -> Any:
        return lambda: made.append(value) or value

    memo.get("a", make("a"))
    memo.get("b", make("b"))
    memo.get("a", make("a"))  # a is now the most recent
    memo.get("c", make("c"))  # b goes
    memo.get("a", make("a"))
    memo.get("b", make("b"))
    assert made == ["a", "b", "c", "b"]
    assert memo.hits == 2


def test_inputs_larger_than_the_bound_are_not_kept() -> None:
    theirs, ours = exporters()
    nb = notebook("x = 1\n" * (report_filters.LARGEST // 6 + 1))
    assert ours.from_notebook_node(nb)[0] == theirs.from_notebook_node(nb)[0]
    assert ours.from_notebook_node(nb)[0] == theirs.from_notebook_node(nb)[0]
    assert report_filters.highlighted.hits == 2  # the two small cells; the large one each time

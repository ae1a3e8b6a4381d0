"""Executed notebooks → artifact files and rows, the results view, zips, HTML reports."""

from __future__ import annotations

import base64
import json
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from PIL import Image

from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.results.archive import zip_artifacts
from jupyter_mindzie.results.extraction import PROCESS_MAP_MIME, cell_summary, extract_results, svg_dimensions
from jupyter_mindzie.results.reports import render_html_report
from jupyter_mindzie.results.views import results_view
from mindzie_sdk import ENRICHED_MIME, MODEL_MIME

TRACEBACK = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mKeyError\x1b[0m                                  Traceback (most recent call last)",
    "\x1b[0;32m----> 1\x1b[0m df[\x1b[38;5;124m'customer_id'\x1b[39m]",
    "\x1b[0;31mKeyError\x1b[0m: 'customer_id'",
]
SVG = (
    '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="345.6pt" height="172.8pt" viewBox="0 0 345.6 172.8">'
    "<rect width='10' height='10'/></svg>"
)
METRICS = {
    "avgCycleTime": "4.2 hours",
    "bottleneckActivities": ["Review", "Approval"],
    "processEfficiency": 78.5,
}
HTML_TABLE = "<table><tr><td>15,420 records</td></tr></table>"


def image_base64(size: tuple[int, int], fmt: str) -> str:
    buffer = BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format=fmt)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def cell(source: str, *outputs: NotebookNode) -> NotebookNode:
    return new_code_cell(source, outputs=list(outputs), execution_count=1)


def enriched_bundle(file: str | None) -> NotebookNode:
    bundle = {
        "name": "journey_enhanced",
        "file": file,
        "recordCount": 3,
        "newColumns": ["segment"],
        "columns": ["case_id", "segment"],
        "format": "pandas_dataframe",
    }
    return new_output(
        "display_data", data={ENRICHED_MIME: bundle, "text/plain": "<enriched journey_enhanced>"}
    )


def model_bundle(file: str | None) -> NotebookNode:
    bundle = {
        "name": "churn",
        "file": file,
        "modelType": "RandomForestClassifier",
        "accuracy": 0.87,
        "metrics": {"f1": 0.8},
        "features": ["journey_score", "cycle_time"],
    }
    return new_output("display_data", data={MODEL_MIME: bundle, "text/plain": "<model churn>"})


def executed_notebook() -> NotebookNode:
    """Cells as a run leaves them; ids `c1`…`c10` in order."""
    cells = [
        new_markdown_cell("# Overview\n\nSome words.\n\n## Dataset summary"),
        cell(
            "print('loading'); df",
            new_output("stream", name="stdout", text="\x1b[1mloading\x1b[0m\n"),
            new_output(
                "execute_result",
                data={"text/html": HTML_TABLE, "text/plain": "   records\n0  15420"},
                execution_count=1,
            ),
        ),
        new_markdown_cell("A fenced block is not a heading:\n```python\n# not a title\n```"),
        cell(
            "plots",
            new_output(
                "display_data", data={"image/png": image_base64((64, 48), "PNG"), "text/plain": "<Figure>"}
            ),
            new_output("display_data", data={"image/svg+xml": SVG, "text/plain": "<Figure>"}),
            new_output(
                "display_data",
                data={"image/jpeg": image_base64((30, 20), "JPEG")},
                metadata={"title": "Journey flow"},
            ),
        ),
        new_markdown_cell("### Metrics ###"),
        cell(
            "metrics",
            new_output(
                "display_data",
                data={"application/json": METRICS, "text/plain": "{...}"},
                metadata={"title": "Process mining metrics"},
            ),
            new_output("error", ename="KeyError", evalue="'customer_id'", traceback=TRACEBACK),
        ),
        cell("publish", enriched_bundle("journey_enhanced.csv"), model_bundle("churn.pkl")),
        cell("publish broken", enriched_bundle("gone.csv"), model_bundle(None)),
        cell("not run", new_output("stream", name="stdout", text="stale\n")),
        cell(
            "widget",
            new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "x"}}),
            new_output("stream", name="stderr", text="after the widget\n"),
        ),
    ]
    nb = new_notebook(cells=cells)
    for index, each in enumerate(nb.cells, start=1):
        each.id = f"c{index}"
    nbformat.validate(nb)
    return nb


RUN = {"c2", "c4", "c6", "c7", "c8", "c10"}


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    folder = tmp_path / "artifacts"
    folder.mkdir()
    (folder / "journey_enhanced.csv").write_text("case_id,segment\n1,a\n2,b\n3,a\n")
    (folder / "churn.pkl").write_bytes(b"\x80\x04not really a pickle")
    return folder


@pytest.fixture
def rows(artifacts: Path) -> list[dict[str, Any]]:
    return extract_results(executed_notebook(), RUN, artifacts)


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in rows}


# -- extraction -------------------------------------------------------------------------


def test_rows_follow_the_notebook_with_global_positions(rows):
    assert [(r["name"], r["kind"], r["cell_id"], r["position"]) for r in rows] == [
        ("c2-1.txt", "output", "c2", 0),
        ("c2-2.html", "output", "c2", 1),
        ("c4-1.png", "output", "c4", 2),
        ("c4-2.svg", "output", "c4", 3),
        ("c4-3.jpg", "output", "c4", 4),
        ("c6-1.json", "output", "c6", 5),
        ("c6-2.txt", "output", "c6", 6),
        ("journey_enhanced.csv", "enriched", "c7", 7),
        ("churn.pkl", "model", "c7", 8),
        ("gone.csv", "enriched", "c8", 9),
        ("c8-2.bin", "model", "c8", 10),
        ("c10-2.txt", "output", "c10", 12),  # the widget-only output has no form we can show
    ]
    assert set(rows[0]) == {"name", "kind", "content_type", "size", "cell_id", "position", "meta"}


def test_each_output_is_stored_in_its_richest_type(rows, artifacts):
    named = by_name(rows)
    assert named["c2-2.html"]["content_type"] == "text/html"
    assert (artifacts / "c2-2.html").read_text() == HTML_TABLE
    assert named["c2-2.html"]["meta"]["mimeTypes"] == ["text/html", "text/plain"]
    assert named["c4-1.png"]["content_type"] == "image/png"
    assert (artifacts / "c4-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert named["c4-3.jpg"]["content_type"] == "image/jpeg"
    assert json.loads((artifacts / "c6-1.json").read_text()) == METRICS
    assert (artifacts / "c4-2.svg").read_text() == SVG
    for row in rows:
        if row["kind"] == "output":
            assert row["size"] == (artifacts / row["name"]).stat().st_size


def test_output_types_keep_the_seeds_values(rows):
    types = {
        name: row["meta"]["outputType"] for name, row in by_name(rows).items() if row["kind"] == "output"
    }
    assert types == {
        "c2-1.txt": "stream",
        "c2-2.html": "execute_result",
        "c4-1.png": "image/png",
        "c4-2.svg": "image/svg+xml",
        "c4-3.jpg": "image/jpeg",
        "c6-1.json": "application/json",
        "c6-2.txt": "error",
        "c10-2.txt": "stream",
    }


def test_titles_come_from_metadata_else_the_nearest_heading_above(rows):
    titles = {name: row["meta"]["title"] for name, row in by_name(rows).items() if row["kind"] == "output"}
    assert titles["c2-1.txt"] == "Dataset summary"
    assert titles["c4-1.png"] == "Dataset summary"  # the fenced '# not a title' is code
    assert titles["c4-3.jpg"] == "Journey flow"
    assert titles["c6-1.json"] == "Process mining metrics"
    assert titles["c6-2.txt"] == "Metrics"


def test_a_notebook_without_headings_has_no_titles(artifacts):
    nb = new_notebook(cells=[cell("1", new_output("stream", name="stdout", text="x"))])
    nb.cells[0].id = "only"
    (row,) = extract_results(nb, {"only"}, artifacts)
    assert row["meta"]["title"] is None


def test_images_carry_their_real_dimensions(rows):
    named = by_name(rows)
    assert named["c4-1.png"]["meta"]["dimensions"] == {"width": 64, "height": 48}
    assert named["c4-3.jpg"]["meta"]["dimensions"] == {"width": 30, "height": 20}
    assert named["c4-2.svg"]["meta"]["dimensions"] == {"width": 460.8, "height": 230.4}  # pt → px
    assert "dimensions" not in named["c2-2.html"]["meta"]


@pytest.mark.parametrize(
    ("svg", "expected"),
    [
        ('<svg width="800" height="600">', {"width": 800, "height": 600}),
        ("<svg width='2in' height='1in'>", {"width": 192, "height": 96}),
        ('<svg width="100%" height="100%" viewBox="0,0,320,240">', {"width": 320, "height": 240}),
        ('<svg viewBox="0 0 10.5 20">', {"width": 10.5, "height": 20}),
        ('<svg width="10em" height="5em">', None),
        ("<svg>", None),
        ("not svg at all", None),
    ],
)
def test_svg_dimensions(svg, expected):
    assert svg_dimensions(svg) == expected


def test_errors_are_plain_tracebacks_with_name_and_value(rows, artifacts):
    row = by_name(rows)["c6-2.txt"]
    assert row["content_type"] == "text/plain"
    assert row["meta"]["ename"] == "KeyError" and row["meta"]["evalue"] == "'customer_id'"
    text = (artifacts / "c6-2.txt").read_text()
    assert "\x1b" not in text
    assert text.endswith("KeyError: 'customer_id'")
    assert "----> 1 df['customer_id']" in text


def test_streams_are_plain_text_without_ansi(rows, artifacts):
    row = by_name(rows)["c2-1.txt"]
    assert (artifacts / "c2-1.txt").read_text() == "loading\n"
    assert row["meta"]["streamName"] == "stdout" and row["meta"]["mimeTypes"] == ["text/plain"]


def test_published_datasets_and_models_are_their_files(rows):
    named = by_name(rows)
    dataset, model = named["journey_enhanced.csv"], named["churn.pkl"]
    assert dataset["content_type"] == "text/csv" and dataset["size"] == 28
    assert dataset["meta"] == {
        "name": "journey_enhanced",
        "recordCount": 3,
        "newColumns": ["segment"],
        "columns": ["case_id", "segment"],
        "format": "pandas_dataframe",
    }
    assert model["content_type"] == "application/octet-stream" and model["size"] == 21
    assert model["meta"] == {
        "name": "churn",
        "modelType": "RandomForestClassifier",
        "accuracy": 0.87,
        "metrics": {"f1": 0.8},
        "features": ["journey_score", "cycle_time"],
    }


def test_missing_published_files_are_recorded_as_missing(rows, artifacts):
    named = by_name(rows)
    assert named["gone.csv"]["size"] is None and named["gone.csv"]["meta"]["missingFile"] is True
    assert named["c8-2.bin"]["size"] is None and named["c8-2.bin"]["meta"]["missingFile"] is True  # file null
    assert not (artifacts / "gone.csv").exists() and not (artifacts / "c8-2.bin").exists()


@pytest.mark.parametrize("file", ["../outside.csv", "/etc/passwd", ".hidden.csv", "sub/dir.csv", "link.csv"])
def test_published_file_names_cannot_leave_the_artifacts_folder(artifacts, file):
    (artifacts.parent / "outside.csv").write_text("secret")
    (artifacts / ".hidden.csv").write_text("x")
    (artifacts / "link.csv").symlink_to(artifacts.parent / "outside.csv")
    nb = new_notebook(cells=[cell("publish", enriched_bundle(file))])
    nb.cells[0].id = "p"
    (row,) = extract_results(nb, {"p"}, artifacts)
    assert row["name"] == ("link.csv" if file == "link.csv" else "p-1.csv")
    assert row["size"] is None and row["meta"]["missingFile"] is True


def test_a_dataset_published_twice_keeps_its_last_row(artifacts):
    nb = new_notebook(
        cells=[
            cell("a", enriched_bundle("journey_enhanced.csv")),
            cell("b", enriched_bundle("journey_enhanced.csv")),
        ]
    )
    nb.cells[0].id, nb.cells[1].id = "a", "b"
    (row,) = extract_results(nb, {"a", "b"}, artifacts)
    assert (row["cell_id"], row["position"]) == ("b", 1)


def test_only_cells_of_the_run_are_read(rows, artifacts):
    assert not any(row["cell_id"] == "c9" for row in rows)
    assert not list(artifacts.glob("c9-*"))


def test_outputs_over_the_limit_are_truncated_and_say_so(artifacts):
    text = "é" * 100  # 200 bytes; a cut at 51 would split a character
    nb = new_notebook(
        cells=[
            cell(
                "big",
                new_output("stream", name="stdout", text=text),
                new_output("display_data", data={"image/png": image_base64((64, 48), "PNG")}),
                new_output("stream", name="stdout", text="small"),
            )
        ]
    )
    nb.cells[0].id = "big"
    rows = by_name(extract_results(nb, {"big"}, artifacts, max_output_bytes=51))
    stream, image, small = rows["big-1.txt"], rows["big-2.png"], rows["big-3.txt"]
    assert stream["meta"]["truncated"] is True and stream["meta"]["originalSize"] == 200
    assert (artifacts / "big-1.txt").read_text() == "é" * 25 and stream["size"] == 50
    assert image["meta"]["truncated"] is True and image["size"] == 51
    assert image["meta"]["dimensions"] == {"width": 64, "height": 48}  # measured before the cut
    assert "truncated" not in small["meta"]


def test_invalid_base64_falls_back_to_the_text_form(artifacts):
    nb = new_notebook(
        cells=[cell("bad", new_output("display_data", data={"image/png": "abc", "text/plain": "<Figure>"}))]
    )
    nb.cells[0].id = "bad"
    (row,) = extract_results(nb, {"bad"}, artifacts)
    assert (row["name"], row["content_type"]) == ("bad-1.txt", "text/plain")


# -- per-cell summaries -----------------------------------------------------------------


def test_cell_summary():
    nb = executed_notebook()
    assert cell_summary(nb.cells[1]) == {
        "hasOutput": True,
        "outputType": "stream",
        "errorType": None,
        "errorMessage": None,
        "status": "Success",
        "exit": None,
    }
    assert cell_summary(nb.cells[3])["outputType"] == "image/png"
    assert cell_summary(nb.cells[5]) == {
        "hasOutput": True,
        "outputType": "application/json",
        "errorType": "KeyError",
        "errorMessage": "'customer_id'",
        "status": "Error",
        "exit": None,
    }
    assert cell_summary(new_code_cell("x = 1")) == {
        "hasOutput": False,
        "outputType": None,
        "errorType": None,
        "errorMessage": None,
        "status": "Success",
        "exit": None,
    }


# -- the results view -------------------------------------------------------------------

EXECUTION = {"execution_id": "bb0e8400-e29b-41d4-a716-446655440000", "status": "Completed"}


def stored(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as the store gives them back (meta as JSON text), plus report and notebook."""
    extra = [
        {
            "name": "report.html",
            "kind": "report",
            "content_type": "text/html",
            "size": 10,
            "cell_id": None,
            "position": None,
            "meta": {"title": "Customer Analytics Summary", "format": "html"},
        },
        {
            "name": "executed.ipynb",
            "kind": "notebook",
            "content_type": "application/x-ipynb+json",
            "size": 10,
            "cell_id": None,
            "position": None,
            "meta": {},
        },
    ]
    return [{**row, "meta": json.dumps(row["meta"])} for row in reversed(rows + extra)]


def view(rows: list[dict[str, Any]], artifacts: Path, **options: Any) -> dict[str, Any]:
    options = {"fmt": "summary", "output_type": "all", "cell_id": None, **options}
    return results_view(
        EXECUTION,
        stored(rows),
        artifact_url=lambda name: f"http://localhost:8888/artifacts/{name}",
        read_text=lambda name: (artifacts / name).read_text(encoding="utf-8"),
        **options,
    )


def test_summary_lists_everything_without_content(rows, artifacts):
    answer = view(rows, artifacts)
    assert answer["executionId"] == EXECUTION["execution_id"] and answer["status"] == "Completed"
    assert [o["cellId"] for o in answer["outputs"]] == ["c2", "c2", "c4", "c4", "c4", "c6", "c6", "c10"]
    assert answer["outputs"][2] == {
        "cellId": "c4",
        "outputType": "image/png",
        "contentType": "image/png",
        "title": "Dataset summary",
        "dimensions": {"width": 64, "height": 48},
        "downloadUrl": "http://localhost:8888/artifacts/c4-1.png",
    }
    assert answer["enrichedDatasets"] == [
        {
            "name": "journey_enhanced",
            "recordCount": 3,
            "newColumns": ["segment"],
            "format": "pandas_dataframe",
            "downloadUrl": "http://localhost:8888/artifacts/journey_enhanced.csv",
        },
        {
            "name": "journey_enhanced",
            "recordCount": 3,
            "newColumns": ["segment"],
            "format": "pandas_dataframe",
            "downloadUrl": None,
        },
    ]
    assert answer["models"][0] == {
        "name": "churn",
        "modelType": "RandomForestClassifier",
        "accuracy": 0.87,
        "metrics": {"f1": 0.8},
        "features": ["journey_score", "cycle_time"],
        "downloadUrl": "http://localhost:8888/artifacts/churn.pkl",
    }
    assert answer["reports"] == [
        {
            "name": "Customer Analytics Summary",
            "format": "html",
            "downloadUrl": "http://localhost:8888/artifacts/report.html",
        }
    ]
    assert answer["executedNotebook"] == {
        "name": "executed.ipynb",
        "downloadUrl": "http://localhost:8888/artifacts/executed.ipynb",
    }
    assert answer["counts"] == {"outputs": 8, "enrichedDatasets": 2, "models": 2, "reports": 1}
    assert all("content" not in item for item in answer["outputs"])


def test_detailed_inlines_text_and_json_but_not_images(rows, artifacts):
    answer = view(rows, artifacts, fmt="detailed")
    content = {(o["cellId"], o["contentType"]): o["content"] for o in answer["outputs"]}
    assert content[("c2", "text/html")] == HTML_TABLE
    assert content[("c6", "application/json")] == METRICS
    assert content[("c4", "image/png")] is None and content[("c4", "image/svg+xml")] is None
    assert "counts" not in answer


def test_detailed_leaves_big_text_to_the_download(rows, artifacts):
    big = "x" * (1024 * 1024 + 1)
    (artifacts / "c2-1.txt").write_text(big)
    rows = [{**row, "size": len(big)} if row["name"] == "c2-1.txt" else row for row in rows]
    first = view(rows, artifacts, fmt="detailed")["outputs"][0]
    assert first["content"] is None and first["truncated"] is True


def test_detailed_json_cut_by_the_size_guard_has_no_content(artifacts):
    nb = new_notebook(cells=[cell("j", new_output("display_data", data={"application/json": METRICS}))])
    nb.cells[0].id = "j"
    rows = extract_results(nb, {"j"}, artifacts, max_output_bytes=20)
    (item,) = view(rows, artifacts, fmt="detailed")["outputs"]
    assert item["content"] is None and item["truncated"] is True


@pytest.mark.parametrize(
    ("output_type", "outputs", "datasets", "models", "reports"),
    [
        ("data", ["c2-2.html", "c6-1.json"], 2, 0, 0),
        ("plots", ["c4-1.png", "c4-2.svg", "c4-3.jpg"], 0, 0, 0),
        ("models", [], 0, 2, 0),
        ("reports", [], 0, 0, 1),
    ],
)
def test_output_type_selects_categories(rows, artifacts, output_type, outputs, datasets, models, reports):
    answer = view(rows, artifacts, output_type=output_type)
    assert [o["downloadUrl"].rsplit("/", 1)[1] for o in answer["outputs"]] == outputs
    assert answer["counts"] == {
        "outputs": len(outputs),
        "enrichedDatasets": datasets,
        "models": models,
        "reports": reports,
    }
    assert (answer["executedNotebook"] is not None) == (output_type == "reports")


def test_cell_id_narrows_outputs_datasets_and_models(rows, artifacts):
    answer = view(rows, artifacts, cell_id="c7")
    assert answer["outputs"] == []
    assert [d["downloadUrl"] for d in answer["enrichedDatasets"]] == [
        "http://localhost:8888/artifacts/journey_enhanced.csv"
    ]
    assert [m["name"] for m in answer["models"]] == ["churn"]
    assert len(answer["reports"]) == 1
    assert [o["outputType"] for o in view(rows, artifacts, cell_id="c6")["outputs"]] == [
        "application/json",
        "error",
    ]


def test_bad_choices_are_invalid_requests(rows, artifacts):
    with pytest.raises(InvalidRequest) as raised:
        view(rows, artifacts, output_type="tables")
    assert raised.value.errors[0]["field"] == "outputType"
    with pytest.raises(InvalidRequest) as raised:
        view(rows, artifacts, fmt="download")
    assert raised.value.errors[0]["field"] == "format"


# -- zips and reports -------------------------------------------------------------------


def test_zip_holds_the_named_files_only(rows, artifacts, tmp_path):
    names = [row["name"] for row in rows] + ["c2-1.txt", "../escape.txt", "never-written.csv"]
    (tmp_path / "escape.txt").write_text("outside")
    target = zip_artifacts(artifacts, names, tmp_path / "results.zip")
    with zipfile.ZipFile(target) as archive:
        listed = archive.namelist()
        assert listed == [row["name"] for row in rows if row["size"] is not None]
        assert archive.read("c6-1.json") == (artifacts / "c6-1.json").read_bytes()
        assert archive.read("churn.pkl") == b"\x80\x04not really a pickle"
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())


@pytest.mark.filterwarnings("ignore:Your element with mimetype")  # the widget output, on purpose
def test_html_report_holds_the_outputs(tmp_path):
    target = tmp_path / "reports" / "report.html"
    written = render_html_report(executed_notebook(), target, "Customer <Analytics>")
    html = target.read_text(encoding="utf-8")
    assert written == target.stat().st_size
    assert "<title>Customer &lt;Analytics&gt;</title>" in html
    assert HTML_TABLE in html
    assert "data:image/png;base64," in html
    assert "loading" in html and "KeyError" in html


# -- a real run -------------------------------------------------------------------------


async def test_a_real_matplotlib_figure_has_its_pixel_size(tmp_path):
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Cycle times"),
            new_code_cell(
                "%config InlineBackend.print_figure_kwargs = {'bbox_inches': None}\n"
                "import matplotlib.pyplot as plt\n"
                "fig, ax = plt.subplots(figsize=(4, 3), dpi=50)\n"
                "ax.plot([1, 2, 3])\n"
                "plt.show()"
            ),
        ]
    )
    nb.cells[1].id = "plot"
    await NotebookClient(nb, kernel_name="python3", timeout=60).async_execute()
    rows = extract_results(nb, {"plot"}, tmp_path)
    (row,) = [r for r in rows if r["content_type"] == "image/png"]
    assert row["meta"]["dimensions"] == {"width": 200, "height": 150}
    assert row["meta"]["title"] == "Cycle times"
    with Image.open(tmp_path / row["name"]) as image:
        assert image.size == (200, 150)


PROCESS_MAP = {
    "version": 1,
    "nodes": [
        {"id": "A", "label": "Submit", "frequency": 2, "caseFrequency": 2, "start": 2, "end": 0},
        {"id": "B", "label": "Approve", "frequency": 2, "caseFrequency": 2, "start": 0, "end": 2},
    ],
    "edges": [
        {"source": "__start__", "target": "A", "frequency": 2, "caseFrequency": 2},
        {
            "source": "A",
            "target": "B",
            "frequency": 2,
            "caseFrequency": 2,
            "waiting": {"mean": 3600.0, "median": 3600.0, "p90": 5400.0},
        },
        {"source": "B", "target": "__end__", "frequency": 2, "caseFrequency": 2},
    ],
    "cases": 2,
    "events": 4,
    "startNode": "__start__",
    "endNode": "__end__",
}


def map_output(process_map: Any) -> NotebookNode:
    return new_output(
        "display_data",
        data={
            PROCESS_MAP_MIME: process_map,
            "image/svg+xml": SVG,
            "image/png": image_base64((40, 20), "PNG"),
            "text/plain": "<process map>",
        },
    )


def test_a_process_map_is_its_image_and_carries_the_map_when_detailed(artifacts):
    nb = new_notebook(
        cells=[cell("show_process_map(log)", map_output(PROCESS_MAP), map_output({"version": 2}))]
    )
    nb.cells[0].id = "m"
    rows = extract_results(nb, {"m"}, artifacts)
    detailed, broken = view(rows, artifacts, fmt="detailed")["outputs"]
    assert detailed["contentType"] == "image/png" and detailed["downloadUrl"].endswith("/m-1.png")
    assert detailed["processMap"] == PROCESS_MAP
    assert broken["contentType"] == "image/png" and "processMap" not in broken  # not a map we know
    summary = view(rows, artifacts)["outputs"][0]
    assert "processMap" not in summary
    plots = view(rows, artifacts, fmt="detailed", output_type="plots")["outputs"]
    assert [o.get("processMap") for o in plots] == [PROCESS_MAP, None]

"""Notebooks run as papermill and nbclient run them: stale outputs, tags, SystemExit, error replies."""

from __future__ import annotations

from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from .support import execute, notebook_bytes, project_path, wait_for
from .support import run_uploaded as run
from .support import upload_notebook as upload


def notebook_of(*cells: Any, kernel: str = "python3") -> nbformat.NotebookNode:
    """A notebook of the given cells (sources become code cells with ids c1, c2, …)."""
    nb = new_notebook(
        metadata={"kernelspec": {"name": kernel, "display_name": "Python 3", "language": "python"}}
    )
    for number, cell in enumerate(cells, start=1):
        nb.cells.append(new_code_cell(cell, id=f"c{number}") if isinstance(cell, str) else cell)
    return nb


def statuses(final: dict[str, Any]) -> dict[str, str]:
    return {cell["cellId"]: cell["status"] for cell in final["cellResults"]}


def by_id(nb: nbformat.NotebookNode, cell_id: str) -> Any:
    return next(cell for cell in nb.cells if cell.get("id") == cell_id)


STALE = [new_output("display_data", data={"text/plain": "an old picture"})]


def stale(source: str, cell_id: str) -> Any:
    return new_code_cell(source, id=cell_id, outputs=list(STALE), execution_count=41)


async def test_cells_a_run_did_not_run_keep_no_old_outputs(api):
    nb = notebook_of(
        "x = 1",
        stale("raise ValueError('stop here')", "c2"),
        stale("print('never')", "c3"),
        stale("", "c4"),
        new_markdown_cell("# the end", id="m1"),
    )
    final, executed = await run(api, nb, stopOnError=True, outputOptions={"generateReport": True})
    assert final["status"] == "Error"
    assert statuses(final) == {"c1": "Success", "c2": "Error", "c3": "Skipped", "c4": "Skipped"}
    for cell_id in ("c3", "c4"):
        assert by_id(executed, cell_id).outputs == [] and by_id(executed, cell_id).execution_count is None
    assert [o["output_type"] for o in by_id(executed, "c2").outputs] == ["error"]
    url = project_path("notebook", final["notebookId"], "execution", final["executionId"], "results")
    results = (await api("GET", url, params={"format": "detailed"})).json
    assert {o["cellId"] for o in results["outputs"]} == {"c2"}
    report = await api("GET", url.rsplit("/", 1)[0] + "/artifacts/report.html")
    assert report.status == 200 and b"an old picture" not in report.body


async def test_an_error_reply_without_an_error_output_fails_the_cell(api):
    final, _ = await run(
        api, notebook_of("x = 1", "%undefined_line_magic", "print('never')"), stopOnError=True
    )
    assert final["status"] == "Error"
    assert statuses(final) == {"c1": "Success", "c2": "Error", "c3": "Skipped"}
    failed = next(cell for cell in final["cellResults"] if cell["cellId"] == "c2")
    assert failed["errorType"] == "UsageError"


async def test_sys_exit_zero_is_a_clean_stop(api):
    for source in ("import sys\nsys.exit()", "import sys\nsys.exit(0)", "raise SystemExit"):
        final, executed = await run(api, notebook_of("x = 1", source, "print('never')"))
        assert final["status"] == "Completed", (source, final)
        assert statuses(final) == {"c1": "Success", "c2": "Success", "c3": "Skipped"}, source
        assert by_id(executed, "c3").outputs == []


async def test_a_non_zero_exit_is_an_error(api):
    final, _ = await run(api, notebook_of("import sys\nsys.exit(3)", "print('never')"))
    assert final["status"] == "Error" and final["errorType"] == "SystemExit"
    assert statuses(final) == {"c1": "Error", "c2": "Skipped"}


async def test_nbclient_tags_and_empty_cells(api):
    nb = notebook_of(
        new_code_cell("1 / 0", id="c1", metadata={"tags": ["raises-exception"]}),
        new_code_cell("print('not me')", id="c2", metadata={"tags": ["skip-execution"]}),
        new_code_cell("   \n", id="c3"),
        "print('ran')",
    )
    final, executed = await run(api, nb, stopOnError=True)
    assert final["status"] == "Completed", final
    assert statuses(final) == {"c1": "Error", "c2": "Skipped", "c3": "Skipped", "c4": "Success"}
    assert by_id(executed, "c2").execution_count is None and by_id(executed, "c3").execution_count is None
    assert by_id(executed, "c4").outputs[0]["text"] == "ran\n"
    assert final["progress"]["totalCells"] == 2


async def test_widget_state_is_kept_for_the_views_the_outputs_show(api):
    nb = notebook_of(
        "import ipywidgets\nslider = ipywidgets.IntSlider(value=7)\nslider",
        "from tqdm.notebook import tqdm\nfor _ in tqdm(range(3)):\n    pass",
    )
    final, executed = await run(api, nb)
    assert final["status"] == "Completed", final
    state = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]
    assert state["version_major"] == 2
    views = [
        output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for cell in executed.cells
        for output in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
    ]
    assert len(views) == 2 and all(view in state["state"] for view in views)
    slider = state["state"][views[0]]
    assert slider["model_name"] == "IntSliderModel" and slider["state"]["value"] == 7


async def test_the_python_kernel_name_runs_on_the_native_kernel(api):
    nb = notebook_of("import sys\nprint(sys.version_info[0])", kernel="python")
    final, executed = await run(api, nb)
    assert final["status"] == "Completed", final
    assert executed.metadata["kernelspec"]["name"] == "python3"
    created = await api("POST", project_path("notebook"), {"notebookName": "py", "kernelType": "python"})
    assert created.status == 201 and created.json["kernelType"] == "python3"


async def test_a_kernelspec_with_only_a_language_is_accepted_with_a_warning(api):
    nb = notebook_of("print('ok')")
    nb.metadata["kernelspec"] = {"language": "python"}
    reply = await upload(api, notebook_bytes(nb))
    assert reply.status == 201, reply.body
    assert "kernel-from-language" in [w["code"] for w in reply.json["validation"]["warnings"]]
    assert reply.json["kernelType"] == "python3"
    accepted = await execute(api, reply.json)
    final = await wait_for(api, reply.json["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed"

"""Third-party notebooks run through the API beside papermill, with the same parameters.

The notebooks are papermill's own test notebooks (as installed) and ones written from the
patterns of nbclient's and papermill's tests (tests/corpus/). Each runs through the API with
`stopOnError: true` and in-process through `papermill.execute_notebook`; the terminal state,
which cells ran, and their outputs must agree. Where papermill and nbclient disagree
(`raises-exception`: nbclient runs on, papermill fails the run at the end), nbclient's
per-cell behaviour is the contract and only the terminal state is read from that tag.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from pathlib import Path
from typing import Any

import nbformat
import papermill
import pytest
from papermill.exceptions import PapermillExecutionError

from .support import run_uploaded as run

PAPERMILL_NOTEBOOKS = Path(papermill.__file__).parent / "tests" / "notebooks"
OWN = Path(__file__).parent / "corpus"

# papermill's notebooks that cannot run the same way here: a shell cell running papermill
# itself, a 60 s sleep, an R kernel, and a check of papermill's own working directory.
NOT_HERE = {"binder.ipynb", "keyboard_interrupt.ipynb", "notimplemented_translator.ipynb", "read_check.ipynb"}
PARAMETERS: dict[str, dict[str, Any]] = {
    "simple_execute.ipynb": {"msg": "Hello from the corpus"},
    "complex_parameters.ipynb": {"msg": "changed", "a": 3.5},
    "no_parameters.ipynb": {"msg": "injected first"},
    "result_no_exec.ipynb": {"foo": 2},
    "parameters_override.ipynb": {"alpha": 0.25, "name": "カスタマー", "count": 3},
    "stale_outputs_after_error.ipynb": {"n": 5},
}


def corpus() -> list[Path]:
    shipped = sorted(p for p in PAPERMILL_NOTEBOOKS.glob("*.ipynb") if p.name not in NOT_HERE)
    return shipped + sorted(OWN.glob("*.ipynb"))


def under_papermill(source: Path, target: Path, parameters: dict[str, Any]) -> tuple[str, Any]:
    """papermill's terminal state and executed notebook (in a worker thread with a loop of its own)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return _papermill(source, target, parameters)
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def _papermill(source: Path, target: Path, parameters: dict[str, Any]) -> tuple[str, Any]:
    named = nbformat.read(str(source), as_version=4).metadata.get("kernelspec", {}).get("name")
    try:
        papermill.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            kernel_name=None if named else "python3",  # the API's default for a file naming none
            cwd=str(target.parent),
            progress_bar=False,
        )
    except PapermillExecutionError as error:
        executed = nbformat.read(str(target), as_version=4)
        cells = [c for c in executed.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
        failed = cells[error.cell_index] if error.cell_index < len(cells) else None
        expected_failure = failed is not None and "raises-exception" in failed.metadata.get("tags", [])
        return ("Completed" if expected_failure else "Error"), executed
    return "Completed", nbformat.read(str(target), as_version=4)


def code_cells(nb: Any) -> list[Any]:
    """The notebook's own code cells, without injected parameters or papermill's error notes."""
    skip = {"injected-parameters", "papermill-error-cell-tag"}
    return [c for c in nb.cells if c.cell_type == "code" and not skip & set(c.metadata.get("tags", []))]


def outputs(cell: Any) -> list[Any]:
    """What an output says, without what differs between two runs (tracebacks' paths, ids)."""
    shown: list[tuple[str, Any, Any]] = []
    for output in cell.get("outputs", []):
        kind = output["output_type"]
        if kind == "stream":  # how a stream is cut into messages is timing: consecutive ones join
            if shown and shown[-1][0] == "stream" and shown[-1][1] == output["name"]:
                shown[-1] = (kind, output["name"], shown[-1][2] + output["text"])
            else:
                shown.append((kind, output["name"], output["text"]))
        elif kind == "error":
            shown.append((kind, output["ename"], output["evalue"]))
        else:
            data = output.get("data", {})
            text = data.get("text/plain") if "application/vnd.jupyter.widget-view+json" not in data else None
            shown.append((kind, sorted(data), text))
    return shown


def widget_models(nb: Any) -> list[str]:
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    return sorted(model["model_name"] for model in state.get("state", {}).values())


@pytest.mark.slow
@pytest.mark.parametrize("source", corpus(), ids=lambda p: p.name)
async def test_a_notebook_runs_as_under_papermill(api, tmp_path, source):
    parameters = PARAMETERS.get(source.name, {})
    # A fresh context: jupyter_core keeps the running loop in a context variable that
    # asyncio.to_thread would copy, and papermill's nbclient would then try to run on it.
    job = functools.partial(under_papermill, source, tmp_path / "papermill" / source.name, parameters)
    expected_state, expected = await asyncio.get_running_loop().run_in_executor(
        None, contextvars.Context().run, job
    )
    nb = nbformat.read(str(source), as_version=4)
    body: dict[str, Any] = {"stopOnError": True}
    if parameters:
        body["parameters"] = parameters
    final, executed = await run(api, nb, **body)

    assert final["status"] == expected_state, final
    theirs, ours = code_cells(expected), code_cells(executed)
    assert len(ours) == len(theirs)
    assert [c.execution_count is not None for c in ours] == [c.execution_count is not None for c in theirs]
    assert [outputs(c) for c in ours] == [outputs(c) for c in theirs]
    assert widget_models(executed) == widget_models(expected)
    ran = {c["cellId"] for c in final["cellResults"] if c["status"] in ("Success", "Error")}
    assert ran == {c.id for c in ours if c.execution_count is not None}

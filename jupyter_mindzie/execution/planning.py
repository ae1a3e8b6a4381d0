"""Planning one execution: which cells run, the injected parameters, the runner's spec, the row.

Pure work on a notebook and a request (plus the kernel catalog's answers), kept apart from the
engine's queue and slots so that a submit, a re-queue after a restart and `jupyter mindzie run`
plan a run the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from jupyter_mindzie.access import Scope
from jupyter_mindzie.clock import stamp
from jupyter_mindzie.contract.enums import PRIORITY_RANK
from jupyter_mindzie.errors import InvalidRequest, KernelUnavailable, NotebookInvalid, TooLarge
from jupyter_mindzie.execution.catalog import MindzieKernelCatalog
from jupyter_mindzie.execution.cell_rules import is_executable
from jupyter_mindzie.execution.runner import RunSpec
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.notebooks.documents import invalid_part
from jupyter_mindzie.notebooks.parameters import inject_parameters


@dataclass(frozen=True)
class RunLimits:
    """The engine's settings that every run carries."""

    startup_timeout: float
    max_cell_output_bytes: int
    max_output_bytes: int


@dataclass(frozen=True)
class Plan:
    """A planned execution: what the runner runs, the store row, and the kernel's language."""

    spec: RunSpec
    execution: dict[str, Any]
    language: str


async def plan_run(
    kernels: MindzieKernelCatalog,
    scope: Scope,
    row: dict[str, Any],
    nb: NotebookNode,
    request: dict[str, Any],
    *,
    execution_id: str,
    artifacts_dir: Path,
    datasets_dir: Path,
    os_working_dir: str,
    limits: RunLimits,
) -> Plan:
    """Plan a run of the notebook `row`/`nb` as `request` asks (a validated execute body)."""
    kernel_name = await kernels.resolve(row["kernel_type"]) or row["kernel_type"]
    language = await kernels.language(kernel_name)
    if language is None:
        raise KernelUnavailable(
            Message(
                "the notebook's kernel {kernel_name!r} is not available on this server",
                kernel_name=kernel_name,
            )
        )
    try:
        run_cells, skipped = cells_to_run(nb, request.get("executionMode", "all"), request.get("cellRange"))
    except CellRangeError as error:
        raise InvalidRequest.for_field(error.field, error.message) from None
    parameters = dict(request.get("parameters") or {})
    binding = row["integration"].get("datasetBinding")
    if binding and "dataset_id" not in parameters:
        parameters["dataset_id"] = binding
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        raise NotebookInvalid(
            Message(
                "the notebook's file is not a valid notebook {where}; fix it in JupyterLab",
                where=invalid_part(nb, error),
            )
        ) from None
    prepared = inject_parameters(nb, parameters, kernel_name=kernel_name, language=language)
    output_options = {
        "captureOutputs": True,
        "saveIntermediateResults": False,
        "generateReport": False,
        **(request.get("outputOptions") or {}),
    }
    options = {
        "executionMode": request.get("executionMode", "all"),
        "cellRange": request.get("cellRange"),
        "outputOptions": output_options,
        "timeout": request.get("timeout", 1800),
        "stopOnError": request.get("stopOnError", False),
        "retry": request.get("retry"),  # read at each attempt's end (execution/retries.py)
        # published tables become datasets unless the request said saveIntermediateResults: false
        "registerDatasets": request.get(
            "registerDatasets",
            (request.get("outputOptions") or {}).get("saveIntermediateResults") is not False,
        ),
    }
    priority = request.get("priority", "Normal")
    dataset_id = parameters.get("dataset_id")
    spec = RunSpec(
        nb=prepared,
        kernel_name=kernel_name,
        run_cell_ids=run_cells,
        skipped_cell_ids=skipped,
        working_dir=str(Path(row["path"]).parent),
        kernel_arguments=await kernels.run_arguments(kernel_name),
        os_working_dir=os_working_dir,
        artifacts_dir=artifacts_dir,
        context={
            "executionId": execution_id,
            "notebookId": row["notebook_id"],
            "tenantId": scope.tenant_id,
            "projectId": scope.project_id,
            "datasetId": dataset_id if isinstance(dataset_id, str) else binding,
            "datasetsDir": str(datasets_dir.resolve()),
            "artifactsDir": str(artifacts_dir.resolve()),
        },
        timeout=options["timeout"],
        stop_on_error=options["stopOnError"],
        capture_outputs=output_options["captureOutputs"],
        save_intermediate=output_options["saveIntermediateResults"],
        generate_report=output_options["generateReport"],
        report_hide_code=output_options.get("reportHideCode", False),
        startup_timeout=limits.startup_timeout,
        report_title=row["name"],
        max_cell_output_bytes=limits.max_cell_output_bytes,
        max_output_bytes=limits.max_output_bytes,
    )
    now = stamp()
    execution = {
        "execution_id": execution_id,
        "notebook_id": row["notebook_id"],
        "tenant_id": scope.tenant_id,
        "project_id": scope.project_id,
        "status": "Running",
        "phase": "Queued",
        "priority": priority,
        "priority_rank": PRIORITY_RANK[priority],
        "parameters": parameters,
        "options": options,
        "cell_ids": run_cells,
        "notebook_version": row["version"],
        "source": request.get("source", "api"),
        "created_by": scope.author,
        "date_queued": now,
        "start_time": now,
        "total_cells": len(run_cells),
        "completed_cells": 0,
        "successful_cells": 0,
        "failed_cells": 0,
    }
    return Plan(spec, execution, language)


def cells_to_run(
    nb: NotebookNode, execution_mode: str, cell_range: dict[str, str] | None
) -> tuple[list[str], list[str]]:
    """Code cell ids in the run, and those skipped, per `executionMode` and `cellRange`.

    As nbclient does, empty code cells and those tagged `skip-execution` are never sent to the
    kernel: they are skipped whatever the range.

    Raises ValueError naming the field at fault (callers turn it into their own error).
    """
    ids = [cell.get("id") for cell in nb.cells]
    if execution_mode == "range" and not cell_range:
        raise CellRangeError("cellRange", Message("is required when executionMode is 'range'"))
    start, end = 0, len(ids) - 1
    if cell_range:
        for key in ("startCell", "endCell"):
            if cell_range[key] not in ids:
                raise CellRangeError(
                    f"cellRange.{key}",
                    Message("{cell!r} is not a cell of this notebook", cell=cell_range[key]),
                )
        start, end = ids.index(cell_range["startCell"]), ids.index(cell_range["endCell"])
        if end < start:
            raise CellRangeError("cellRange.endCell", Message("comes before startCell"))
    code = [(i, cell) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    run = [cell.get("id") for i, cell in code if start <= i <= end and is_executable(cell)]
    return run, [cell.get("id") for _, cell in code if cell.get("id") not in run]


class CellRangeError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(Message("{field}: {message}", field=field, message=message))
        self.field, self.message = field, message


def check_parameters_size(parameters: dict[str, Any], limit: int) -> None:
    """413 when a run's parameters are over `limit` bytes as JSON."""
    size = len(json.dumps(parameters))
    if size > limit:
        raise TooLarge(
            Message("the parameters are {size} bytes as JSON; the limit is {limit}", size=size, limit=limit),
            errors=[
                {
                    "field": "parameters",
                    "message": Message("must be at most {limit} bytes as JSON", limit=limit),
                }
            ],
        )

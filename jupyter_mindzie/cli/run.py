"""`jupyter mindzie run`: check what the user gave, run the notebook headless, write run.json.

Every check that needs no kernel comes first (a mistake costs no kernel start); the run itself
is `headless.execute`, on a kernel of this process, with the server's runner.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_mindzie.cli.errors import FAILED, OK, SIGNAL_EXIT, UsageError
from jupyter_mindzie.cli.headless import execute, print_run_summary, run_manifest
from jupyter_mindzie.cli.parameters import collect_parameters
from jupyter_mindzie.cli.parser import PROG
from jupyter_mindzie.cli.texts import _, local
from jupyter_mindzie.errors import MindzieError
from jupyter_mindzie.i18n import Message

if TYPE_CHECKING:
    from jupyter_client.kernelspec import KernelSpec
    from nbformat import NotebookNode

    from jupyter_mindzie.cli.parser import Commands
    from jupyter_mindzie.execution.runner import RunSpec

MANIFEST = "run.json"
NO_LIMIT = 10.0**9  # seconds: `--timeout 0` (a run has to end some day for call_later)

RUN_HELP = Message(
    """\
Run a notebook headless on a fresh kernel, the way the server runs an execution (same
parameter injection, same results), and write the executed notebook and its artifacts.

Where things go: --output names a folder (default: <notebook stem>-run/ beside the
notebook). It receives executed.ipynb, one file per output, the enriched CSVs and models
the notebook publishes, report.html with --report, and run.json (status, cells, artifacts).
Running again into the same folder replaces the files of the earlier run; a non-empty
folder that holds no earlier run is refused. The input notebook is never written.

Parameters are merged as papermill does: -f files, then -y strings, then -p, then -r.
-p values are typed like papermill's: True, False, None, integers and floats, else text.

The kernel runs in the notebook's folder. Its MINDZIE_CONTEXT names the dataset (-p
dataset_id, else the notebook's datasetBinding), the datasets folder (the first
.mindzie/datasets above the notebook) and the output folder, so mindzie_sdk loads and
publishes as it does on the server.

Exit code: 0 when the run completed with no failed cell; 1 when a cell failed or the run
ended in Error; 2 for a mistake in the command; 130 when stopped with Ctrl-C (the kernel
is shut down and what ran so far is written).
"""
)


def add_commands(commands: Commands) -> None:
    run = commands.add_parser(
        "run",
        help=_("run a notebook headless and write its results"),
        description=local(RUN_HELP),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("notebook", metavar="NOTEBOOK", help=_("the .ipynb file to run"))
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help=_("a parameter, typed like papermill's -p (repeatable)"),
    )
    run.add_argument(
        "-r",
        "--raw-parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help=_("a parameter kept as text (repeatable)"),
    )
    run.add_argument(
        "-f",
        "--parameters-file",
        action="append",
        default=[],
        metavar="FILE",
        help=_("a YAML (or JSON) file of parameters (repeatable)"),
    )
    run.add_argument(
        "-y",
        "--parameters-yaml",
        action="append",
        default=[],
        metavar="YAML",
        help=_("a YAML mapping of parameters given inline (repeatable)"),
    )
    run.add_argument(
        "-o", "--output", metavar="FOLDER", help=_("folder for the executed notebook and artifacts")
    )
    run.add_argument(
        "--timeout",
        type=_seconds,
        default=1800.0,
        metavar="S",
        help=_("seconds for the whole run, 0 for no limit (default: 1800)"),
    )
    run.add_argument(
        "--cells",
        metavar="START:END",
        help=_(
            "run only these cells, inclusive: cell ids or 1-based cell numbers; "
            "either end may be left out (cell-003:, :5)"
        ),
    )
    run.add_argument("--stop-on-error", action="store_true", help=_("stop at the first failing cell"))
    run.add_argument("--report", action="store_true", help=_("also render report.html (nbconvert)"))
    run.add_argument(
        "-k", "--kernel", metavar="NAME", help=_("kernel to use (default: the notebook's kernelspec)")
    )
    run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=_("show a progress bar (default: only on a terminal)"),
    )
    run.set_defaults(handler=cmd_run, prog=f"{PROG} run")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a number of seconds: {text!r}", text=text)) from None
    if not 0 <= value < NO_LIMIT:
        raise argparse.ArgumentTypeError(
            _("must be 0 (no limit) or a positive number of seconds, got {text!r}", text=text)
        )
    return value or NO_LIMIT


# -- the inputs --------------------------------------------------------------------------


def notebook_file(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        raise UsageError(_("notebook {path} does not exist", path=path))
    if not path.is_file():
        raise UsageError(_("notebook {path} is not a file", path=path))
    return path.resolve()


def output_folder(source: Path, option: str | None) -> Path:
    """The run's folder: --output, else `<stem>-run/` beside the notebook; never the input's own."""
    if option and option.lower().endswith(".ipynb"):
        raise UsageError(
            _(
                "--output names a folder (the executed notebook is written as FOLDER/executed.ipynb), got {option}",
                option=option,
            )
        )
    folder = Path(option).expanduser().resolve() if option else source.with_name(f"{source.stem}-run")
    if folder.exists() and not folder.is_dir():
        raise UsageError(_("--output {folder} exists and is not a folder", folder=folder))
    if folder == source.parent:
        raise UsageError(
            _("the output folder {folder} holds the input notebook; choose another --output", folder=folder)
        )
    return folder


def read_notebook(source: Path) -> NotebookNode:
    """Parsed, upgraded to nbformat 4.5 and validated by the rules of the server's upload."""
    from jupyter_mindzie.notebooks.documents import read_upload

    try:
        data = source.read_bytes()
    except OSError as error:
        raise UsageError(
            _("notebook {path} cannot be read: {error}", path=source, error=str(error))
        ) from None
    try:
        nb, _warnings = read_upload(data)
    except MindzieError as error:
        raise UsageError(
            _("{name} {message}", name=source.name, message=local(_field_message(error)))
        ) from None
    return nb


def _field_message(error: MindzieError) -> str:
    """The message of a one-field InvalidRequest without its field prefix."""
    return error.errors[0]["message"] if error.errors else str(error)


def kernel_spec(kernel_name: str) -> KernelSpec:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        return manager.get_kernel_spec(kernel_name)
    except NoSuchKernel:
        known = ", ".join(sorted(manager.find_kernel_specs())) or _("none")
        raise UsageError(
            _("unknown kernel {name!r}; installed kernels: {known}", name=kernel_name, known=known)
        ) from None


def select_cells(nb: NotebookNode, cells: str | None) -> tuple[list[str], list[str]]:
    """The code cells to run and those skipped, by the server's own rule (`cells_to_run`)."""
    from jupyter_mindzie.execution.planning import CellRangeError, cells_to_run

    if cells is None:
        return cells_to_run(nb, "all", None)
    start, colon, end = cells.partition(":")
    if not colon:
        raise UsageError(
            _("--cells takes START:END (cell ids or 1-based cell numbers), got {cells!r}", cells=cells)
        )
    ids = [cell.get("id") for cell in nb.cells]
    if not ids:
        raise UsageError(_("--cells: the notebook has no cells"))
    cell_range = {"startCell": _cell_ref(start, ids, ids[0]), "endCell": _cell_ref(end, ids, ids[-1])}
    try:
        return cells_to_run(nb, "range", cell_range)
    except CellRangeError as error:
        raise UsageError(_("--cells: {message}", message=local(error.message))) from None


def _cell_ref(text: str, ids: list[str], default: str) -> str:
    text = text.strip()
    if not text:
        return default
    if text.isdigit():
        if not 1 <= int(text) <= len(ids):
            raise UsageError(
                _(
                    "--cells: cell number {number} is out of range; the notebook has {count} cells",
                    number=text,
                    count=len(ids),
                )
            )
        return ids[int(text) - 1]
    return text


def inject(nb: NotebookNode, parameters: dict[str, Any], kernel_name: str, language: str) -> NotebookNode:
    from jupyter_mindzie.notebooks.parameters import inject_parameters

    try:
        return inject_parameters(nb, parameters, kernel_name=kernel_name, language=language)
    except MindzieError as error:
        raise UsageError(_("bad parameter: {message}", message=local(_field_message(error)))) from None


def prepare_folder(folder: Path) -> None:
    """Make the run's folder, first removing what an earlier run wrote there (named in its run.json)."""
    if folder.is_dir() and any(folder.iterdir()):
        earlier = _earlier_files(folder)
        if earlier is None:
            raise UsageError(
                _(
                    "the output folder {folder} is not empty and holds no earlier run "
                    "(no {manifest}); choose another --output",
                    folder=folder,
                    manifest=MANIFEST,
                )
            )
        for name in earlier:
            if (folder / name).is_file() and not (folder / name).is_symlink():
                (folder / name).unlink()
    folder.mkdir(parents=True, exist_ok=True)


def _earlier_files(folder: Path) -> list[str] | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
        names = [item["name"] for item in manifest["artifacts"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    plain = [
        name
        for name in names
        if isinstance(name, str) and name == Path(name).name and not name.startswith(".")
    ]
    return [*plain, MANIFEST]


# -- the run -----------------------------------------------------------------------------


def cmd_run(options: argparse.Namespace) -> int:
    """`jupyter mindzie run`: check what the user gave, run it, write run.json and a summary."""
    import asyncio

    source, spec, parameters = prepare_run(options)
    started = time.monotonic()
    outcome, runner, stopped_by = asyncio.run(execute(spec, options.progress))
    manifest = run_manifest(
        source,
        spec,
        parameters=parameters,
        outcome=outcome,
        runner=runner,
        seconds=time.monotonic() - started,
    )
    text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
    (spec.artifacts_dir / MANIFEST).write_text(text, "utf-8")
    print_run_summary(manifest, spec.artifacts_dir)
    if stopped_by is not None:
        return SIGNAL_EXIT[stopped_by]
    return OK if outcome.status == "Completed" and not manifest["counts"]["failedCells"] else FAILED


def prepare_run(options: argparse.Namespace) -> tuple[Path, RunSpec, dict[str, Any]]:
    """Every check that needs no kernel, cheapest first: a mistake costs no kernel start."""
    from jupyter_mindzie.execution.catalog import run_arguments

    source = notebook_file(options.notebook)
    parameters = collect_parameters(options)
    folder = output_folder(source, options.output)
    _skip_iri_format_checks()
    nb = read_notebook(source)
    kernel_name = options.kernel or nb.metadata.get("kernelspec", {}).get("name") or "python3"
    kernelspec = kernel_spec(kernel_name)
    language = kernelspec.language
    run_ids, skipped_ids = select_cells(nb, options.cells)
    settings = nb.metadata.get("mindzie") or {}
    binding = (settings.get("integration") or {}).get("datasetBinding")
    if binding and "dataset_id" not in parameters:  # as the engine does for a bound notebook
        parameters["dataset_id"] = binding
    prepared = inject(nb, parameters, kernel_name, language)
    prepare_folder(folder)
    spec = run_spec(
        options,
        source=source,
        folder=folder,
        nb=prepared,
        kernel_name=kernel_name,
        cells=(run_ids, skipped_ids),
        parameters=parameters,
        kernel_arguments=run_arguments({"argv": kernelspec.argv}),
    )
    return source, spec, parameters


def _skip_iri_format_checks() -> None:
    """Leave out jsonschema's optional IRI checker in this process: importing it builds a grammar
    (1-2 s of every run's start-up), and no notebook schema has an "iri" format."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def run_spec(
    options: argparse.Namespace,
    *,
    source: Path,
    folder: Path,
    nb: NotebookNode,
    kernel_name: str,
    cells: tuple[list[str], list[str]],
    parameters: dict[str, Any],
    kernel_arguments: list[str],
) -> RunSpec:
    """The run as the engine would describe it, with the CLI's kernel context (see README)."""
    from jupyter_mindzie.execution.runner import RunSpec
    from jupyter_mindzie.guids import new_guid
    from jupyter_mindzie.notebooks.parameters import INJECTED_TAG
    from mindzie_sdk import find_datasets_dir

    run_ids, skipped_ids = cells

    # an injected-parameters cell left in the file by papermill was replaced, not run as a cell
    present = {
        cell.get("id") for cell in nb.cells if INJECTED_TAG not in cell.get("metadata", {}).get("tags", [])
    }
    settings = nb.metadata.get("mindzie") or {}
    datasets = find_datasets_dir(source.parent)
    dataset_id = parameters.get("dataset_id")
    return RunSpec(
        nb=nb,
        kernel_name=kernel_name,
        run_cell_ids=[cell_id for cell_id in run_ids if cell_id in present],
        skipped_cell_ids=[cell_id for cell_id in skipped_ids if cell_id in present],
        working_dir=str(source.parent),
        kernel_arguments=kernel_arguments,
        os_working_dir=str(source.parent),
        artifacts_dir=folder,
        context={
            "executionId": new_guid(),
            "notebookId": settings.get("notebookId"),
            "tenantId": settings.get("tenantId"),
            "projectId": settings.get("projectId"),
            "datasetId": str(dataset_id) if dataset_id else None,
            "datasetsDir": str(datasets) if datasets else None,
            "artifactsDir": str(folder),
        },
        timeout=options.timeout,
        stop_on_error=options.stop_on_error,
        generate_report=options.report,
        report_title=settings.get("notebookName") or source.stem,
    )

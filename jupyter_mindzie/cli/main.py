"""`jupyter mindzie`: start a Jupyter server with the extension, or run one of its subcommands.

Without a subcommand every argument goes to `MindzieApp.launch_instance()`, so the server's own
options keep working. Subcommands are parsed with argparse (pairs like `-p NAME VALUE` and
positional ids are awkward in traitlets) and import what they need only when they run: the
server, nbclient and pandas cost seconds and `--help` or `list` needs none of them.

Exit codes: 0 done; 1 the run or the server reported a failure; 2 a mistake in the command
(one line on stderr, never a traceback); 130/143 stopped by Ctrl-C/SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from jupyter_mindzie.client import MindzieClient
    from jupyter_mindzie.execution.runner import NotebookRunner, Outcome, RunSpec
    from jupyter_mindzie.storage.sqlite import MindzieStore

PROG = "jupyter mindzie"
OK, FAILED, USAGE, INTERRUPTED = 0, 1, 2, 130
SIGNAL_EXIT: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}
DEFAULT_URL = "http://localhost:8888"
MANIFEST = "run.json"
NO_LIMIT = 10.0**9  # seconds: `--timeout 0` (a run has to end some day for call_later)


class UsageError(Exception):
    """A mistake in the command line or its files: one line on stderr, exit code 2."""


class CommandFailed(Exception):
    """The server or the store said no, or could not be reached: one line on stderr, exit code 1."""


# -- entry point ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    """The `jupyter-mindzie` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        sys.exit(run_command(args))
    if args[:1] in (["-h"], ["--help"]):
        build_parser().print_help()
        return
    if args[:1] == ["--version"]:
        from jupyter_mindzie import __version__

        print(__version__)
        return
    if args and (guess := _mistyped_command(args[0])):
        # the server would take it as a file to open and start anyway
        print(
            f"{PROG}: error: unknown command {args[0]!r}; did you mean {guess!r}? (see {PROG} --help)",
            file=sys.stderr,
        )
        sys.exit(USAGE)
    from jupyter_mindzie.app import MindzieApp

    MindzieApp.launch_instance(args)


def _mistyped_command(word: str) -> str | None:
    """The subcommand `word` was probably meant to be, unless it is an option or an existing file."""
    import difflib

    if word.startswith("-") or Path(word).exists():
        return None
    return next(iter(difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.6)), None)


def run_command(argv: Sequence[str]) -> int:
    """Parse and run one subcommand; every expected failure becomes one line and an exit code."""
    options = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = options.handler
    try:
        return handler(options)
    except UsageError as error:
        return _complain(options, error, USAGE)
    except CommandFailed as error:
        return _complain(options, error, FAILED)
    except KeyboardInterrupt:
        print(f"{options.prog}: interrupted", file=sys.stderr)
        return INTERRUPTED


def _complain(options: argparse.Namespace, error: Exception, code: int) -> int:
    message = " ".join(str(error).split())  # one line, whatever the message held
    print(f"{options.prog}: error: {message}", file=sys.stderr)
    return code


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line (with a pointer to --help), exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(USAGE)


# -- the parser -------------------------------------------------------------------------------

RUN_HELP = """\
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


def build_parser() -> Parser:
    parser = Parser(
        prog=PROG,
        description="Process-mining notebooks as a service. Without a subcommand, start a Jupyter "
        "server with the mindzie extension; every Jupyter Server option applies "
        f"(see `{PROG} --help-all`).",
    )
    commands = parser.add_subparsers(title="subcommands", metavar="COMMAND", parser_class=Parser)
    _add_run(commands)
    _add_remote(commands)
    _add_db(commands)
    demo = commands.add_parser(
        "demo",
        help="seed a demo project (event log + starter notebook)",
        description="Seed ROOT with the demo tenant's project: the demo event log "
        "and the process-mining starter notebook (what `make demo` uses).",
    )
    demo.add_argument("root", nargs="?", default="demo", help="folder to seed (default: demo)")
    demo.set_defaults(handler=cmd_demo, prog=f"{PROG} demo")
    return parser


def _add_run(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        help="run a notebook headless and write its results",
        description=RUN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("notebook", metavar="NOTEBOOK", help="the .ipynb file to run")
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a parameter, typed like papermill's -p (repeatable)",
    )
    run.add_argument(
        "-r",
        "--raw-parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a parameter kept as text (repeatable)",
    )
    run.add_argument(
        "-f",
        "--parameters-file",
        action="append",
        default=[],
        metavar="FILE",
        help="a YAML (or JSON) file of parameters (repeatable)",
    )
    run.add_argument(
        "-y",
        "--parameters-yaml",
        action="append",
        default=[],
        metavar="YAML",
        help="a YAML mapping of parameters given inline (repeatable)",
    )
    run.add_argument(
        "-o", "--output", metavar="FOLDER", help="folder for the executed notebook and artifacts"
    )
    run.add_argument(
        "--timeout",
        type=_seconds,
        default=1800.0,
        metavar="S",
        help="seconds for the whole run, 0 for no limit (default: 1800)",
    )
    run.add_argument(
        "--cells",
        metavar="START:END",
        help="run only these cells, inclusive: cell ids or 1-based cell numbers; "
        "either end may be left out (cell-003:, :5)",
    )
    run.add_argument("--stop-on-error", action="store_true", help="stop at the first failing cell")
    run.add_argument("--report", action="store_true", help="also render report.html (nbconvert)")
    run.add_argument(
        "-k", "--kernel", metavar="NAME", help="kernel to use (default: the notebook's kernelspec)"
    )
    run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: only on a terminal)",
    )
    run.set_defaults(handler=cmd_run, prog=f"{PROG} run")


def _add_remote(commands: Any) -> None:
    server = Parser(add_help=False)
    group = server.add_argument_group("server")
    group.add_argument(
        "--url",
        default=os.environ.get("MINDZIE_URL") or DEFAULT_URL,
        help=f"the server's URL with its base_url (env MINDZIE_URL; default {DEFAULT_URL})",
    )
    group.add_argument(
        "--token",
        default=os.environ.get("MINDZIE_TOKEN") or os.environ.get("JUPYTER_TOKEN"),
        help="the server's token (env MINDZIE_TOKEN or JUPYTER_TOKEN)",
    )
    group.add_argument(
        "--tenant", default=os.environ.get("MINDZIE_TENANT"), help="tenant id (env MINDZIE_TENANT)"
    )
    group.add_argument(
        "--project", default=os.environ.get("MINDZIE_PROJECT"), help="project id (env MINDZIE_PROJECT)"
    )
    group.add_argument(
        "--json", action="store_true", help="print the server's JSON answer instead of a table"
    )

    def add(name: str, help: str, handler: Callable[[argparse.Namespace], int]) -> Parser:
        sub: Parser = commands.add_parser(
            name, help=help, description=help[0].upper() + help[1:] + ".", parents=[server]
        )
        sub.set_defaults(handler=handler, prog=f"{PROG} {name}")
        return sub

    listing = add("list", "list the project's notebooks on a running server", cmd_list)
    listing.add_argument("--status", choices=["Ready", "Running", "Error", "Kernel_Dead"])
    listing.add_argument("--kernel", metavar="NAME", help="only notebooks of this kernel type")
    _add_paging(listing)
    executions = add("executions", "list a notebook's executions, newest first", cmd_executions)
    executions.add_argument("notebook_id", metavar="NOTEBOOK_ID")
    _add_paging(executions)
    status = add("status", "show an execution's status and per-cell results", cmd_status)
    status.add_argument("notebook_id", metavar="NOTEBOOK_ID")
    status.add_argument("execution_id", metavar="EXECUTION_ID")
    results = add("results", "show an execution's results, or download them all as a zip", cmd_results)
    results.add_argument("notebook_id", metavar="NOTEBOOK_ID")
    results.add_argument("execution_id", metavar="EXECUTION_ID")
    results.add_argument(
        "--output-type", default="all", choices=["all", "data", "plots", "models", "reports"]
    )
    results.add_argument("--detailed", action="store_true", help="with --json: inline the outputs' content")
    results.add_argument(
        "--download", metavar="PATH", help="write every artifact as one zip to PATH (a file or folder)"
    )
    datasets = add("datasets", "list the project's datasets", cmd_datasets)
    _add_paging(datasets)


def _add_paging(parser: Parser) -> None:
    parser.add_argument("--page", type=_positive_int, default=1, help="page number (default 1)")
    parser.add_argument(
        "--page-size", type=_positive_int, default=20, help="items per page, 1-100 (default 20)"
    )


def _add_db(commands: Any) -> None:
    db = commands.add_parser(
        "db",
        help="check, upgrade or prune the metadata store",
        description="Housekeeping of the SQLite store the server keeps.",
    )
    db.set_defaults(handler=lambda _: db.error("choose check, upgrade or prune"), prog=f"{PROG} db")
    where = Parser(add_help=False)
    group = where.add_argument_group("store")
    group.add_argument("--root", default=".", help="the server's root directory (default: the current one)")
    group.add_argument("--db", metavar="PATH", help="the store file (default: ROOT/.mindzie/mindzie.db)")
    actions = db.add_subparsers(title="actions", metavar="ACTION", parser_class=Parser)
    check = actions.add_parser(
        "check",
        parents=[where],
        help="schema version, integrity and row counts",
        description="Report the store's schema version, SQLite's integrity_check and "
        "row counts, without changing anything. Exit code 1 when the store needs "
        "an upgrade or is damaged.",
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(handler=cmd_db_check, prog=f"{PROG} db check")
    upgrade = actions.add_parser(
        "upgrade",
        parents=[where],
        help="migrate the store to this version's schema",
        description="Migrate the store to the schema of this jupyter-mindzie "
        "(the server also does it when it starts).",
    )
    upgrade.set_defaults(handler=cmd_db_upgrade, prog=f"{PROG} db upgrade")
    prune = actions.add_parser(
        "prune",
        parents=[where],
        help="forget old executions and their artifacts",
        description="Forget executions that ended before the given age, with their "
        "cell results and artifact folders. Running executions are kept.",
    )
    prune.add_argument(
        "--older-than", required=True, type=_age, metavar="AGE", help="an age such as 30d, 12h, 2w, 90m"
    )
    prune.add_argument(
        "--artifacts-dir",
        metavar="PATH",
        help="the executions' artifacts folder (default: executions/ beside the store)",
    )
    prune.add_argument("--dry-run", action="store_true", help="only list what would be pruned")
    prune.set_defaults(handler=cmd_db_prune, prog=f"{PROG} db prune")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value < NO_LIMIT:
        raise argparse.ArgumentTypeError(
            f"must be 0 (no limit) or a positive number of seconds, got {text!r}"
        )
    return value or NO_LIMIT


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text!r}")
    return int(text)


_AGE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _age(text: str) -> timedelta:
    match = _AGE.match(text.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"must be a number and a unit (s, m, h, d, w) such as 30d, got {text!r}"
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


# -- run: inputs --------------------------------------------------------------------------


def resolve_type(value: str) -> Any:
    """A `-p` value typed exactly as papermill's CLI does (`papermill.cli._resolve_type`)."""
    if value == "True":
        return True
    if value == "False":
        return False
    if value == "None":
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def collect_parameters(options: argparse.Namespace) -> dict[str, Any]:
    """Every parameter source, merged in papermill's order: files, YAML strings, -p, -r."""
    parameters: dict[str, Any] = {}
    for path in options.parameters_file:
        parameters.update(_yaml_mapping(_read_text(Path(path), "parameters file"), path))
    for text in options.parameters_yaml:
        parameters.update(_yaml_mapping(text, "-y"))
    for name, value in options.parameter:
        parameters[name] = resolve_type(value)
    for name, value in options.raw_parameter:
        parameters[name] = value
    return parameters


def _yaml_mapping(text: str, origin: str) -> dict[str, Any]:
    """Parameters from YAML with papermill's loader rules (dates stay text)."""
    import yaml

    class NoDatesSafeLoader(yaml.SafeLoader):
        yaml_implicit_resolvers = {
            key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
            for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }

    try:
        value = yaml.load(text, Loader=NoDatesSafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise UsageError(f"{origin} is not valid YAML: {problem}{where}") from None
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise UsageError(f"{origin} must be a mapping of parameter names to values")
    return value


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{what} {path} cannot be read: {error}") from None


def notebook_file(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        raise UsageError(f"notebook {path} does not exist")
    if not path.is_file():
        raise UsageError(f"notebook {path} is not a file")
    return path.resolve()


def output_folder(source: Path, option: str | None) -> Path:
    """The run's folder: --output, else `<stem>-run/` beside the notebook; never the input's own."""
    if option and option.lower().endswith(".ipynb"):
        raise UsageError(
            f"--output names a folder (the executed notebook is written as FOLDER/executed.ipynb), "
            f"got {option}"
        )
    folder = Path(option).expanduser().resolve() if option else source.with_name(f"{source.stem}-run")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--output {folder} exists and is not a folder")
    if folder == source.parent:
        raise UsageError(f"the output folder {folder} holds the input notebook; choose another --output")
    return folder


def read_notebook(source: Path) -> NotebookNode:
    """Parsed, upgraded to nbformat 4.5 and validated by the rules of the server's upload."""
    from jupyter_mindzie.errors import MindzieError
    from jupyter_mindzie.notebooks.documents import read_upload

    try:
        data = source.read_bytes()
    except OSError as error:
        raise UsageError(f"notebook {source} cannot be read: {error}") from None
    try:
        nb, _warnings = read_upload(data)
    except MindzieError as error:
        raise UsageError(f"{source.name} {_field_message(error)}") from None
    return nb


def _field_message(error: Any) -> str:
    """The message of a one-field InvalidRequest without its field prefix."""
    return error.errors[0]["message"] if getattr(error, "errors", None) else str(error)


def kernel_spec(kernel_name: str) -> Any:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        return manager.get_kernel_spec(kernel_name)
    except NoSuchKernel:
        known = ", ".join(sorted(manager.find_kernel_specs())) or "none"
        raise UsageError(f"unknown kernel {kernel_name!r}; installed kernels: {known}") from None


def select_cells(nb: NotebookNode, cells: str | None) -> tuple[list[str], list[str]]:
    """The code cells to run and those skipped, by the server's own rule (`cells_to_run`)."""
    from jupyter_mindzie.execution.runner import CellRangeError, cells_to_run

    if cells is None:
        return cells_to_run(nb, "all", None)
    start, colon, end = cells.partition(":")
    if not colon:
        raise UsageError(f"--cells takes START:END (cell ids or 1-based cell numbers), got {cells!r}")
    ids = [cell.get("id") for cell in nb.cells]
    if not ids:
        raise UsageError("--cells: the notebook has no cells")
    cell_range = {"startCell": _cell_ref(start, ids, ids[0]), "endCell": _cell_ref(end, ids, ids[-1])}
    try:
        return cells_to_run(nb, "range", cell_range)
    except CellRangeError as error:
        raise UsageError(f"--cells: {error.message}") from None


def _cell_ref(text: str, ids: list[str], default: str) -> str:
    text = text.strip()
    if not text:
        return default
    if text.isdigit():
        if not 1 <= int(text) <= len(ids):
            raise UsageError(
                f"--cells: cell number {text} is out of range; the notebook has {len(ids)} cells"
            )
        return ids[int(text) - 1]
    return text


def inject(nb: NotebookNode, parameters: dict[str, Any], kernel_name: str, language: str) -> NotebookNode:
    from jupyter_mindzie.errors import MindzieError
    from jupyter_mindzie.notebooks.parameters import inject_parameters

    try:
        return inject_parameters(nb, parameters, kernel_name=kernel_name, language=language)
    except MindzieError as error:
        raise UsageError(f"bad parameter: {_field_message(error)}") from None


def prepare_folder(folder: Path) -> None:
    """Make the run's folder, first removing what an earlier run wrote there (named in its run.json)."""
    if folder.is_dir() and any(folder.iterdir()):
        earlier = _earlier_files(folder)
        if earlier is None:
            raise UsageError(
                f"the output folder {folder} is not empty and holds no earlier run "
                f"(no {MANIFEST}); choose another --output"
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


# -- run: execution -----------------------------------------------------------------------


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


async def execute(spec: RunSpec, progress: bool | None) -> tuple[Outcome, NotebookRunner, int | None]:
    """Run on a kernel of our own; SIGINT/SIGTERM cancel the run (a second Ctrl-C stops at once).

    Returns the outcome, the runner (its cells) and the signal that stopped the run, if any.
    """
    import asyncio

    from jupyter_mindzie.execution.runner import NotebookRunner

    kernels = local_kernel_manager()
    bar = CellProgress(len(spec.run_cell_ids), progress)
    runner = NotebookRunner(spec, kernels, bar, _run_log())
    loop = asyncio.get_running_loop()
    stopped_by: list[int] = []

    def stop(signum: int) -> None:
        stopped_by.append(signum)
        for handled in SIGNAL_EXIT:
            loop.remove_signal_handler(handled)  # a second signal interrupts at once
        bar.write("stopping: cancelling the run and shutting the kernel down (Ctrl-C again to quit at once)")
        runner.cancel()

    for signum in SIGNAL_EXIT:
        loop.add_signal_handler(signum, stop, signum)
    try:
        outcome = await asyncio.create_task(runner.run())
        await runner.release()
    finally:
        for signum in SIGNAL_EXIT:
            loop.remove_signal_handler(signum)
        bar.close()
        await kernels.shutdown_all(now=True)  # one started while cancelling must not outlive us
    return outcome, runner, stopped_by[0] if stopped_by else None


def _run_log() -> Any:
    """The runner's log: its warnings on stderr, prefixed with the command."""
    import logging

    log = logging.getLogger("jupyter_mindzie.cli.main")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(f"{PROG} run: %(message)s"))
        log.addHandler(handler)
        log.propagate = False
    return log


def local_kernel_manager() -> Any:
    """jupyter_client's multi-kernel manager with the server's `start_kernel(path=...)` call.

    The runner is written against the server's kernel manager, whose `path` is the kernel's
    working directory; here it is a local folder, handed on as `cwd`. Kernels get the plain
    AsyncKernelManager: it has no restarter, which would start a new kernel once a run has shut
    its own down. Connection files go where Jupyter keeps them, not into the notebook's folder.
    """
    from jupyter_client.multikernelmanager import AsyncMultiKernelManager
    from jupyter_core.paths import jupyter_runtime_dir

    class LocalKernelManager(AsyncMultiKernelManager):
        async def start_kernel(
            self, *, kernel_name: str | None = None, path: str | None = None, **kwargs: Any
        ) -> str:
            if path is not None:
                kwargs.setdefault("cwd", path)
            return await super().start_kernel(kernel_name=kernel_name, **kwargs)

    runtime = jupyter_runtime_dir()
    Path(runtime).mkdir(parents=True, exist_ok=True)
    return LocalKernelManager(
        kernel_manager_class="jupyter_client.manager.AsyncKernelManager", connection_dir=runtime
    )


class CellProgress:
    """The runner's observer for a terminal: a tqdm bar of the run's cells."""

    PHASES = {"Starting": "starting kernel", "Executing": "running", "Finishing": "saving results"}

    def __init__(self, total: int, enabled: bool | None) -> None:
        from tqdm import tqdm

        # disable=None: tqdm shows the bar only on a terminal
        self.bar = tqdm(
            total=total,
            unit="cell",
            file=sys.stderr,
            disable=None if enabled is None else not enabled,
            dynamic_ncols=True,
            desc="starting kernel",
        )

    def changed(self, runner: NotebookRunner, changes: dict[str, Any], cells: list[str], force: bool) -> None:
        if changes.get("phase") in self.PHASES:
            self.bar.set_description_str(self.PHASES[changes["phase"]], refresh=False)
        counts = runner.counts()
        current = changes.get("current_cell")
        postfix = [current] if current else []
        if counts["failed_cells"]:
            postfix.append(f"{counts['failed_cells']} failed")
        if postfix:
            self.bar.set_postfix_str(", ".join(postfix), refresh=False)
        self.bar.update(counts["completed_cells"] - self.bar.n)

    def write(self, message: str) -> None:
        self.bar.write(message, file=sys.stderr)

    def close(self) -> None:
        self.bar.close()


# -- run: report --------------------------------------------------------------------------


def run_manifest(
    source: Path,
    spec: RunSpec,
    *,
    parameters: dict[str, Any],
    outcome: Outcome,
    runner: NotebookRunner,
    seconds: float,
) -> dict[str, Any]:
    """run.json: what ran, how it ended, and every file it wrote (a later run removes those)."""
    cells = [*runner.cells.values(), *runner.skipped.values()]
    return {
        "executionId": spec.context["executionId"],
        "notebook": str(source),
        "kernel": spec.kernel_name,
        "parameters": parameters,
        "status": outcome.status,
        "errorType": outcome.error_type,
        "errorMessage": outcome.error_message,
        "durationSeconds": round(seconds, 3),
        "counts": {_camel(key): value for key, value in runner.counts().items()},
        "cells": [
            {
                "cellId": cell["cell_id"],
                "status": cell["status"],
                "executionSeconds": cell["execution_seconds"],
                "errorType": cell["error_type"],
                "errorMessage": cell["error_message"],
            }
            for cell in sorted(cells, key=lambda cell: cell["position"])
        ],
        "artifacts": [
            {
                "name": row["name"],
                "kind": row["kind"],
                "contentType": row["content_type"],
                "size": row["size"],
                "cellId": row.get("cell_id"),
            }
            for row in outcome.artifacts
        ],
        "resources": outcome.resources,
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def print_run_summary(manifest: dict[str, Any], folder: Path) -> None:
    from jupyter_mindzie.humanize import duration

    counts = manifest["counts"]
    skipped = sum(1 for cell in manifest["cells"] if cell["status"] == "Skipped")
    kinds = [artifact["kind"] for artifact in manifest["artifacts"]]
    line = (
        f"{manifest['status']} in {duration(manifest['durationSeconds'])}: "
        f"{counts['successfulCells']} cells ok, {counts['failedCells']} failed"
    )
    print(line + (f", {skipped} skipped" if skipped else ""))
    if manifest["status"] != "Completed" and manifest["errorMessage"]:
        print(f"  {manifest['errorType']}: {manifest['errorMessage']}")
    for cell in manifest["cells"]:
        if cell["status"] == "Error" and cell["errorType"] not in ("Cancelled",):
            print(f"  {cell['cellId']} failed: {cell['errorType']}: {cell['errorMessage']}")
    report = " + report.html" if "report" in kinds else ""
    print(
        f"  outputs {kinds.count('output')}, enriched datasets {kinds.count('enriched')}, "
        f"models {kinds.count('model')}{report}"
    )
    print(f"  executed notebook: {folder / 'executed.ipynb'}")
    print(f"  artifacts:         {folder}{os.sep}")


# -- commands against a server ------------------------------------------------------------


def remote(options: argparse.Namespace) -> MindzieClient:
    """A client for the project named by --url, --token, --tenant and --project."""
    from jupyter_mindzie.client import MindzieClient

    if not (options.tenant and options.project):
        raise UsageError("give --tenant and --project (or set MINDZIE_TENANT and MINDZIE_PROJECT)")
    return MindzieClient(options.url, options.tenant, options.project, options.token)


def call(options: argparse.Namespace, request: Callable[[MindzieClient], Any]) -> Any:
    """One request; the server's problem `detail`, or why it could not be reached, as CommandFailed."""
    import requests

    from jupyter_mindzie.client import MindzieError

    with remote(options) as client:
        try:
            return request(client)
        except MindzieError as error:
            raise CommandFailed(f"{error} (HTTP {error.status})") from None
        except requests.ConnectionError:
            raise CommandFailed(
                f"cannot reach a server at {options.url}: is `{PROG}` running there?"
            ) from None
        except requests.Timeout:
            raise CommandFailed(f"the server at {options.url} did not answer in time") from None
        except requests.RequestException as error:
            raise CommandFailed(f"request to {options.url} failed: {error}") from None


def show(options: argparse.Namespace, answer: Any, render: Callable[[Any], Iterator[str]]) -> int:
    if options.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        for line in render(answer):
            print(line)
    return OK


def cmd_list(options: argparse.Namespace) -> int:
    answer = call(
        options,
        lambda c: c.list_notebooks(
            status=options.status, page=options.page, page_size=options.page_size, kernel_type=options.kernel
        ),
    )
    return show(
        options,
        answer,
        lambda a: _page_lines(
            a,
            "notebooks",
            [
                ("NOTEBOOK ID", "notebookId"),
                ("NAME", "notebookName"),
                ("STATUS", "status"),
                ("KERNEL", "kernelType"),
                ("CELLS", "cellCount"),
                ("VERSION", "notebookVersion"),
                ("LAST RUN", "lastExecutionDate"),
            ],
            options.page,
        ),
    )


def cmd_executions(options: argparse.Namespace) -> int:
    answer = call(options, lambda c: c.list_executions(options.notebook_id, options.page, options.page_size))
    return show(
        options,
        answer,
        lambda a: _page_lines(
            a,
            "executions",
            [
                ("EXECUTION ID", "executionId"),
                ("STATUS", "status"),
                ("STARTED", "startTime"),
                ("DURATION", "totalDuration"),
                ("CELLS", _cell_counts),
                ("SOURCE", "source"),
            ],
            options.page,
        ),
    )


def _cell_counts(item: dict[str, Any]) -> str:
    progress = item["progress"]
    return f"{progress['successfulCells']} ok, {progress['failedCells']} failed of {progress['totalCells']}"


def cmd_status(options: argparse.Namespace) -> int:
    answer = call(options, lambda c: c.get_execution_status(options.notebook_id, options.execution_id))
    return show(options, answer, _status_lines)


def cmd_results(options: argparse.Namespace) -> int:
    if options.download:
        destination = Path(options.download).expanduser()
        if not destination.is_dir() and not destination.parent.is_dir():
            raise UsageError(f"--download: folder {destination.parent} does not exist")
        target = call(
            options, lambda c: c.download_results(options.notebook_id, options.execution_id, destination)
        )
        print(f"wrote {target} ({target.stat().st_size} bytes)")
        return OK
    fmt = "detailed" if options.detailed else "summary"
    answer = call(
        options,
        lambda c: c.get_execution_results(
            options.notebook_id, options.execution_id, options.output_type, fmt
        ),
    )
    return show(options, answer, _results_lines)


def cmd_datasets(options: argparse.Namespace) -> int:
    answer = call(options, lambda c: c.list_datasets(options.page, options.page_size))
    return show(
        options,
        answer,
        lambda a: _page_lines(
            a,
            "datasets",
            [
                ("DATASET ID", "datasetId"),
                ("NAME", "name"),
                ("FORMAT", "format"),
                ("RECORDS", "recordCount"),
                ("COLUMNS", "columns"),
                ("CREATED", "dateCreated"),
            ],
            options.page,
        ),
    )


Column = tuple[str, str | Callable[[dict[str, Any]], Any]]


def _page_lines(answer: dict[str, Any], key: str, columns: list[Column], page: int) -> Iterator[str]:
    """One page of a listing as a table; a column is a JSON field or a function of the item."""
    items = answer[key]
    if not items:
        yield f"no {key}" + (f" on page {page}" if page > 1 else "")
        return
    rows = [[field(item) if callable(field) else item.get(field) for _, field in columns] for item in items]
    yield from table([title for title, _ in columns], rows)
    more = f"; next: --page {page + 1}" if answer.get("hasNextPage") else ""
    yield f"{len(items)} of {answer['totalCount']} {key} (page {page}){more}"


def _status_lines(status: dict[str, Any]) -> Iterator[str]:
    progress = status["progress"]
    phase = f" ({status['phase']})" if status.get("phase") not in (None, status["status"]) else ""
    yield f"execution  {status['executionId']}  of notebook {status['notebookId']}"
    yield f"status     {status['status']}{phase}, {progress['percentComplete']}%"
    yield f"time       {status['startTime']} to {status.get('endTime') or 'now'} ({status.get('totalDuration') or '-'})"
    yield (
        f"cells      {progress['completedCells']}/{progress['totalCells']} done, "
        f"{progress['successfulCells']} ok, {progress['failedCells']} failed"
    )
    if status.get("errorType"):
        yield f"error      {status['errorType']}: {status.get('errorMessage')}"
    rows = [
        [
            c["cellId"],
            c["status"],
            c.get("executionTime"),
            c.get("outputType"),
            f"{c['errorType']}: {c['errorMessage']}" if c.get("errorType") else None,
        ]
        for c in status.get("cellResults", [])
    ]
    if rows:
        yield ""
        yield from table(["CELL", "STATUS", "TIME", "OUTPUT", "ERROR"], rows)


def _results_lines(results: dict[str, Any]) -> Iterator[str]:
    yield f"execution {results['executionId']}: {results['status']}"
    sections = [
        (
            "outputs",
            ["CELL", "OUTPUT TYPE", "CONTENT TYPE", "TITLE"],
            lambda o: [o["cellId"], o["outputType"], o["contentType"], o.get("title")],
        ),
        (
            "enrichedDatasets",
            ["ENRICHED DATASET", "RECORDS", "NEW COLUMNS", "DOWNLOAD"],
            lambda d: [d["name"], d["recordCount"], d["newColumns"], d["downloadUrl"]],
        ),
        (
            "models",
            ["MODEL", "TYPE", "ACCURACY", "DOWNLOAD"],
            lambda m: [m["name"], m["modelType"], m["accuracy"], m["downloadUrl"]],
        ),
        ("reports", ["REPORT", "FORMAT", "DOWNLOAD"], lambda r: [r["name"], r["format"], r["downloadUrl"]]),
    ]
    for key, headers, row in sections:
        if results.get(key):
            yield ""
            yield from table(headers, [row(item) for item in results[key]])
    notebook = results.get("executedNotebook")
    if notebook:
        yield ""
        yield f"executed notebook: {notebook['downloadUrl']}"


def table(headers: list[str], rows: list[list[Any]]) -> Iterator[str]:
    """Aligned columns; wide (CJK) characters count twice, as a terminal shows them."""
    cells = [[_cell_text(value) for value in row] for row in rows]
    widths = [max(_width(line[i]) for line in [headers, *cells]) for i in range(len(headers))]
    for line in [headers, *cells]:
        yield "  ".join(
            text + " " * (width - _width(text)) for text, width in zip(line, widths, strict=True)
        ).rstrip()


def _cell_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    return " ".join(str(value).split())


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


# -- db -----------------------------------------------------------------------------------


def store_path(options: argparse.Namespace) -> Path:
    path = Path(options.db) if options.db else Path(options.root) / ".mindzie" / "mindzie.db"
    path = path.expanduser().resolve()
    if not path.is_file():
        raise UsageError(f"no store at {path} (give --root or --db)")
    return path


def inspect_store(path: Path) -> dict[str, Any]:
    """Version, integrity and counts, read without migrating or writing anything."""
    import sqlite3

    from jupyter_mindzie.storage.migrations import SCHEMA_VERSION

    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            counts = {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in tables}
            running = (
                conn.execute("SELECT COUNT(*) FROM executions WHERE status = 'Running'").fetchone()[0]
                if "executions" in tables
                else 0
            )
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise CommandFailed(f"{path} is not a readable SQLite store: {error}") from None
    return {
        "path": str(path),
        "size": path.stat().st_size,
        "schemaVersion": version,
        "currentSchemaVersion": SCHEMA_VERSION,
        "integrity": integrity,
        "counts": counts,
        "runningExecutions": running,
    }


def cmd_db_check(options: argparse.Namespace) -> int:
    from jupyter_mindzie.humanize import size

    report = inspect_store(store_path(options))
    healthy = report["integrity"] == ["ok"] and report["schemaVersion"] == report["currentSchemaVersion"]
    if options.json:
        print(json.dumps({**report, "healthy": healthy}, indent=2))
        return OK if healthy else FAILED
    version, current = report["schemaVersion"], report["currentSchemaVersion"]
    advice = (
        ""
        if version == current
        else f"; run `{PROG} db upgrade`"
        if version < current
        else "; written by a newer jupyter-mindzie"
    )
    print(f"store      {report['path']} ({size(report['size'])})")
    print(f"schema     {version} (this jupyter-mindzie: {current}){advice}")
    print(f"integrity  {'; '.join(report['integrity'][:5])}")
    print(f"running    {report['runningExecutions']} executions")
    for line in table(["TABLE", "ROWS"], [[name, count] for name, count in report["counts"].items()]):
        print(line)
    return OK if healthy else FAILED


def cmd_db_upgrade(options: argparse.Namespace) -> int:
    path = store_path(options)
    before = inspect_store(path)["schemaVersion"]
    store = open_store(path)
    after = store.schema_version
    store.close()
    print(f"{path}: schema {before} -> {after}" if after != before else f"{path}: already at schema {after}")
    return OK


def open_store(path: Path) -> MindzieStore:
    """The store, migrated to this version's schema as the server would on start."""
    from jupyter_mindzie.storage.interface import StoreTooNew
    from jupyter_mindzie.storage.sqlite import MindzieStore

    try:
        return MindzieStore(db_path=str(path))
    except StoreTooNew as error:
        raise CommandFailed(str(error)) from None


def cmd_db_prune(options: argparse.Namespace) -> int:
    from jupyter_mindzie.clock import stamp, to_iso, utcnow
    from jupyter_mindzie.humanize import size

    path = store_path(options)
    cutoff = utcnow() - options.older_than
    artifacts = Path(options.artifacts_dir).resolve() if options.artifacts_dir else path.parent / "executions"
    store = open_store(path)
    try:
        ids = prunable(store, stamp(cutoff)) if options.dry_run else store.prune_executions(stamp(cutoff))
    finally:
        store.close()
    folders = [artifacts / execution_id for execution_id in ids if (artifacts / execution_id).is_dir()]
    freed = sum(file.stat().st_size for folder in folders for file in folder.rglob("*") if file.is_file())
    if options.dry_run:
        for execution_id in ids:
            print(execution_id)
        print(
            f"would prune {len(ids)} executions that ended before {to_iso(cutoff)} "
            f"and {len(folders)} artifact folders ({size(freed)})"
        )
        return OK
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"pruned {len(ids)} executions that ended before {to_iso(cutoff)}; "
        f"removed {len(folders)} artifact folders ({size(freed)})"
    )
    return OK


class _Rollback(Exception):
    pass


def prunable(store: MindzieStore, before: str) -> list[str]:
    """What `prune_executions` would forget, found by pruning in a transaction that is rolled back,
    so a dry run can never disagree with the real one."""
    found: list[str] = []
    try:
        with store.atomic():
            found = store.prune_executions(before)
            raise _Rollback
    except _Rollback:
        pass
    return found


# -- demo ---------------------------------------------------------------------------------


def cmd_demo(options: argparse.Namespace) -> int:
    from jupyter_mindzie.demo import main as seed

    seed([options.root])
    return OK


COMMANDS = ("run", "list", "executions", "status", "results", "datasets", "db", "demo")

if __name__ == "__main__":
    main()

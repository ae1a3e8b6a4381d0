"""The commands that talk to a running server through the client: list, executions, status, results, datasets.

`datasets` lists by default; `datasets preview ID` shows the first rows, `datasets download ID`
streams the file to disk.

Each is one request (`call`): the server's problem, or why it could not be reached, becomes one
line and exit code 1. `requests` and the client are imported only when a command runs.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_mindzie.cli.errors import OK, CommandFailed, UsageError
from jupyter_mindzie.cli.output import labelled, page_lines, show, table
from jupyter_mindzie.cli.parser import PROG, Parser
from jupyter_mindzie.cli.texts import _, duration_text, local_size, moment
from jupyter_mindzie.contract.enums import NOTEBOOK_STATUSES
from jupyter_mindzie.errors import MindzieError
from jupyter_mindzie.i18n import environment_language

if TYPE_CHECKING:
    from jupyter_mindzie.cli.parser import Commands
    from jupyter_mindzie.client import MindzieClient

DEFAULT_URL = "http://localhost:8888"


def add_commands(commands: Commands) -> None:
    server = Parser(add_help=False)
    group = server.add_argument_group(_("server"))
    group.add_argument(
        "--url",
        default=os.environ.get("MINDZIE_URL") or DEFAULT_URL,
        help=_("the server's URL with its base_url (env MINDZIE_URL; default {url})", url=DEFAULT_URL),
    )
    group.add_argument(
        "--token",
        default=os.environ.get("MINDZIE_TOKEN") or os.environ.get("JUPYTER_TOKEN"),
        help=_("the server's token (env MINDZIE_TOKEN or JUPYTER_TOKEN)"),
    )
    group.add_argument(
        "--tenant", default=os.environ.get("MINDZIE_TENANT"), help=_("tenant id (env MINDZIE_TENANT)")
    )
    group.add_argument(
        "--project", default=os.environ.get("MINDZIE_PROJECT"), help=_("project id (env MINDZIE_PROJECT)")
    )
    group.add_argument(
        "--json", action="store_true", help=_("print the server's JSON answer instead of a table")
    )

    def add(name: str, help: str, description: str, handler: Callable[[argparse.Namespace], int]) -> Parser:
        sub: Parser = commands.add_parser(name, help=help, description=description, parents=[server])
        sub.set_defaults(handler=handler, prog=f"{PROG} {name}")
        return sub

    listing = add(
        "list",
        _("list the project's notebooks on a running server"),
        _("List the project's notebooks on a running server."),
        cmd_list,
    )
    listing.add_argument("--status", choices=NOTEBOOK_STATUSES)
    listing.add_argument("--kernel", metavar="NAME", help=_("only notebooks of this kernel type"))
    _add_paging(listing)
    executions = add(
        "executions",
        _("list a notebook's executions, newest first"),
        _("List a notebook's executions, newest first."),
        cmd_executions,
    )
    executions.add_argument("notebook_id", metavar="NOTEBOOK_ID")
    _add_paging(executions)
    status = add(
        "status",
        _("show an execution's status and per-cell results"),
        _("Show an execution's status and per-cell results."),
        cmd_status,
    )
    status.add_argument("notebook_id", metavar="NOTEBOOK_ID")
    status.add_argument("execution_id", metavar="EXECUTION_ID")
    results = add(
        "results",
        _("show an execution's results, or download them all as a zip"),
        _("Show an execution's results, or download them all as a zip."),
        cmd_results,
    )
    results.add_argument("notebook_id", metavar="NOTEBOOK_ID")
    results.add_argument("execution_id", metavar="EXECUTION_ID")
    results.add_argument(
        "--output-type", default="all", choices=["all", "data", "plots", "models", "reports"]
    )
    results.add_argument(
        "--detailed", action="store_true", help=_("with --json: inline the outputs' content")
    )
    results.add_argument(
        "--download", metavar="PATH", help=_("write every artifact as one zip to PATH (a file or folder)")
    )
    datasets = add(
        "datasets",
        _("list the project's datasets, or preview or download one"),
        _("List the project's datasets, or preview or download one."),
        cmd_datasets,
    )
    datasets.add_argument(
        "action",
        nargs="?",
        default="list",
        choices=("list", "preview", "download"),
        help=_("list (default), preview DATASET_ID, or download DATASET_ID"),
    )
    datasets.add_argument("dataset_id", nargs="?", metavar="DATASET_ID")
    datasets.add_argument(
        "--rows", type=_positive_int, help=_("preview: how many of the first rows (1-500, default 20)")
    )
    datasets.add_argument(
        "--output",
        metavar="PATH",
        default=".",
        help=_("download: the file or folder to write (default: the dataset's name in this folder)"),
    )
    datasets.add_argument(
        "--format", choices=("csv", "parquet"), help=_("download: convert a Parquet dataset to CSV")
    )
    _add_paging(datasets)


def _add_paging(parser: Parser) -> None:
    parser.add_argument("--page", type=_positive_int, default=1, help=_("page number (default 1)"))
    parser.add_argument(
        "--page-size", type=_positive_int, default=20, help=_("items per page, 1-100 (default 20)")
    )


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(_("must be a positive whole number, got {text!r}", text=text))
    return int(text)


# -- the requests ------------------------------------------------------------------------


def remote(options: argparse.Namespace) -> MindzieClient:
    """A client for the project named by --url, --token, --tenant and --project."""
    from jupyter_mindzie.client import MindzieClient

    if not (options.tenant and options.project):
        raise UsageError(_("give --tenant and --project (or set MINDZIE_TENANT and MINDZIE_PROJECT)"))
    client = MindzieClient(options.url, options.tenant, options.project, options.token)
    # the server's problems in the user's language (LANG); data, and so --json, never changes
    client.session.headers["Accept-Language"] = environment_language()
    return client


def call(options: argparse.Namespace, request: Callable[[MindzieClient], Any]) -> Any:
    """One request; the server's problem `detail`, or why it could not be reached, as CommandFailed."""
    import requests

    with remote(options) as client:
        try:
            return request(client)
        except MindzieError as error:
            # the detail is already in the user's language: the client sent Accept-Language
            raise CommandFailed(
                _("{detail} (HTTP {status})", detail=str(error), status=error.status)
            ) from None
        except requests.ConnectionError:
            raise CommandFailed(
                _("cannot reach a server at {url}: is `{prog}` running there?", url=options.url, prog=PROG)
            ) from None
        except requests.Timeout:
            raise CommandFailed(_("the server at {url} did not answer in time", url=options.url)) from None
        except requests.RequestException as error:
            raise CommandFailed(
                _("request to {url} failed: {error}", url=options.url, error=str(error))
            ) from None


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
        lambda a: page_lines(
            a,
            "notebooks",
            [
                (_("NOTEBOOK ID"), "notebookId"),
                (_("NAME"), "notebookName"),
                (_("STATUS"), "status"),
                (_("KERNEL"), "kernelType"),
                (_("CELLS"), "cellCount"),
                (_("VERSION"), "notebookVersion"),
                (_("LAST RUN"), lambda n: moment(n.get("lastExecutionDate"))),
            ],
            options.page,
            _("notebooks"),
        ),
    )


def cmd_executions(options: argparse.Namespace) -> int:
    answer = call(options, lambda c: c.list_executions(options.notebook_id, options.page, options.page_size))
    return show(
        options,
        answer,
        lambda a: page_lines(
            a,
            "executions",
            [
                (_("EXECUTION ID"), "executionId"),
                (_("STATUS"), "status"),
                (_("STARTED"), lambda e: moment(e.get("startTime"))),
                (_("DURATION"), lambda e: duration_text(e.get("totalDuration"))),
                (_("CELLS"), _cell_counts),
                (_("SOURCE"), "source"),
            ],
            options.page,
            _("executions"),
        ),
    )


def _cell_counts(item: dict[str, Any]) -> str:
    progress = item["progress"]
    return _(
        "{ok} ok, {failed} failed of {total}",
        ok=progress["successfulCells"],
        failed=progress["failedCells"],
        total=progress["totalCells"],
    )


def cmd_status(options: argparse.Namespace) -> int:
    answer = call(options, lambda c: c.get_execution_status(options.notebook_id, options.execution_id))
    return show(options, answer, _status_lines)


def cmd_results(options: argparse.Namespace) -> int:
    if options.download:
        destination = Path(options.download).expanduser()
        if not destination.is_dir() and not destination.parent.is_dir():
            raise UsageError(_("--download: folder {folder} does not exist", folder=destination.parent))
        target = call(
            options, lambda c: c.download_results(options.notebook_id, options.execution_id, destination)
        )
        print(_("wrote {path} ({size} bytes)", path=target, size=target.stat().st_size))
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
    if options.action != "list":
        if not options.dataset_id:
            raise UsageError(_("datasets {action}: give the DATASET_ID", action=options.action))
        return _dataset_preview(options) if options.action == "preview" else _dataset_download(options)
    if options.dataset_id:
        raise UsageError(
            _(
                "datasets list takes no DATASET_ID (did you mean: datasets preview {dataset_id}?)",
                dataset_id=options.dataset_id,
            )
        )
    answer = call(options, lambda c: c.list_datasets(options.page, options.page_size))
    return show(
        options,
        answer,
        lambda a: page_lines(
            a,
            "datasets",
            [
                (_("DATASET ID"), "datasetId"),
                (_("NAME"), "name"),
                (_("FORMAT"), "format"),
                (_("RECORDS"), "recordCount"),
                (_("COLUMNS"), "columns"),
                (_("CREATED"), lambda d: moment(d.get("dateCreated"))),
            ],
            options.page,
            _("datasets"),
        ),
    )


def _dataset_preview(options: argparse.Namespace) -> int:
    answer = call(options, lambda c: c.preview_dataset(options.dataset_id, options.rows))
    return show(options, answer, _preview_lines)


def _preview_lines(preview: dict[str, Any]) -> Iterator[str]:
    shown = len(preview["rows"])
    yield _(
        "dataset {dataset_id}  {name} ({format})",
        dataset_id=preview["datasetId"],
        name=preview["name"],
        format=preview["format"],
    )
    yield from table([f"{c['name']} ({c['type']})" for c in preview["columns"]], preview["rows"])
    if preview["truncated"]:
        yield _("{shown} of {total} rows; more with --rows", shown=shown, total=preview["recordCount"])
    else:
        yield _("{shown} of {total} rows", shown=shown, total=preview["recordCount"])


def _dataset_download(options: argparse.Namespace) -> int:
    destination = Path(options.output).expanduser()
    if not destination.is_dir() and not destination.parent.is_dir():
        raise UsageError(_("--output: folder {folder} does not exist", folder=destination.parent))
    target = call(options, lambda c: c.download_dataset(options.dataset_id, destination, options.format))
    print(_("wrote {path} ({size})", path=target, size=local_size(target.stat().st_size)))
    return OK


def _status_lines(status: dict[str, Any]) -> Iterator[str]:
    progress = status["progress"]
    state = (
        _(
            "{status} ({phase}), {percent}%",
            status=status["status"],
            phase=status["phase"],
            percent=progress["percentComplete"],
        )
        if status.get("phase") not in (None, status["status"])
        else _("{status}, {percent}%", status=status["status"], percent=progress["percentComplete"])
    )
    pairs: list[tuple[str, Any]] = [
        (
            _("execution"),
            _(
                "{execution_id}  of notebook {notebook_id}",
                execution_id=status["executionId"],
                notebook_id=status["notebookId"],
            ),
        ),
        (_("status"), state),
        (
            _("time"),
            _(
                "{start} to {end} ({duration})",
                start=moment(status["startTime"]),
                end=moment(status.get("endTime")) or _("now"),
                duration=duration_text(status.get("totalDuration")) or "-",
            ),
        ),
        (
            _("cells"),
            _(
                "{done}/{total} done, {ok} ok, {failed} failed",
                done=progress["completedCells"],
                total=progress["totalCells"],
                ok=progress["successfulCells"],
                failed=progress["failedCells"],
            ),
        ),
    ]
    if status.get("errorType"):
        pairs.append((_("error"), f"{status['errorType']}: {status.get('errorMessage')}"))
    yield from labelled(pairs)
    rows = [
        [
            c["cellId"],
            c["status"],
            duration_text(c.get("executionTime")),
            c.get("outputType"),
            f"{c['errorType']}: {c['errorMessage']}" if c.get("errorType") else None,
        ]
        for c in status.get("cellResults", [])
    ]
    if rows:
        yield ""
        yield from table([_("CELL"), _("STATUS"), _("TIME"), _("OUTPUT"), _("ERROR")], rows)


def _results_lines(results: dict[str, Any]) -> Iterator[str]:
    yield _(
        "execution {execution_id}: {status}", execution_id=results["executionId"], status=results["status"]
    )
    sections: list[tuple[str, list[str], Callable[[dict[str, Any]], list[Any]]]] = [
        (
            "outputs",
            [_("CELL"), _("OUTPUT TYPE"), _("CONTENT TYPE"), _("TITLE")],
            lambda o: [o["cellId"], o["outputType"], o["contentType"], o.get("title")],
        ),
        (
            "enrichedDatasets",
            [_("ENRICHED DATASET"), _("RECORDS"), _("NEW COLUMNS"), _("DOWNLOAD")],
            lambda d: [d["name"], d["recordCount"], d["newColumns"], d["downloadUrl"]],
        ),
        (
            "models",
            [_("MODEL"), _("TYPE"), _("ACCURACY"), _("DOWNLOAD")],
            lambda m: [m["name"], m["modelType"], m["accuracy"], m["downloadUrl"]],
        ),
        (
            "reports",
            [_("REPORT"), _("FORMAT"), _("DOWNLOAD")],
            lambda r: [r["name"], r["format"], r["downloadUrl"]],
        ),
    ]
    for key, headers, row in sections:
        if results.get(key):
            yield ""
            yield from table(headers, [row(item) for item in results[key]])
    notebook = results.get("executedNotebook")
    if notebook:
        yield ""
        yield _("executed notebook: {url}", url=notebook["downloadUrl"])

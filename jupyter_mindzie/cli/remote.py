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
from jupyter_mindzie.cli.output import page_lines, show, table
from jupyter_mindzie.cli.parser import PROG, Parser
from jupyter_mindzie.contract.enums import NOTEBOOK_STATUSES
from jupyter_mindzie.errors import MindzieError
from jupyter_mindzie.i18n import environment_language

if TYPE_CHECKING:
    from jupyter_mindzie.cli.parser import Commands
    from jupyter_mindzie.client import MindzieClient

DEFAULT_URL = "http://localhost:8888"


def add_commands(commands: Commands) -> None:
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
    listing.add_argument("--status", choices=NOTEBOOK_STATUSES)
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
    datasets = add("datasets", "list the project's datasets, or preview or download one", cmd_datasets)
    datasets.add_argument(
        "action",
        nargs="?",
        default="list",
        choices=("list", "preview", "download"),
        help="list (default), preview DATASET_ID, or download DATASET_ID",
    )
    datasets.add_argument("dataset_id", nargs="?", metavar="DATASET_ID")
    datasets.add_argument(
        "--rows", type=_positive_int, help="preview: how many of the first rows (1-500, default 20)"
    )
    datasets.add_argument(
        "--output",
        metavar="PATH",
        default=".",
        help="download: the file or folder to write (default: the dataset's name in this folder)",
    )
    datasets.add_argument(
        "--format", choices=("csv", "parquet"), help="download: convert a Parquet dataset to CSV"
    )
    _add_paging(datasets)


def _add_paging(parser: Parser) -> None:
    parser.add_argument("--page", type=_positive_int, default=1, help="page number (default 1)")
    parser.add_argument(
        "--page-size", type=_positive_int, default=20, help="items per page, 1-100 (default 20)"
    )


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text!r}")
    return int(text)


# -- the requests ------------------------------------------------------------------------


def remote(options: argparse.Namespace) -> MindzieClient:
    """A client for the project named by --url, --token, --tenant and --project."""
    from jupyter_mindzie.client import MindzieClient

    if not (options.tenant and options.project):
        raise UsageError("give --tenant and --project (or set MINDZIE_TENANT and MINDZIE_PROJECT)")
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
            raise CommandFailed(f"{error} (HTTP {error.status})") from None
        except requests.ConnectionError:
            raise CommandFailed(
                f"cannot reach a server at {options.url}: is `{PROG}` running there?"
            ) from None
        except requests.Timeout:
            raise CommandFailed(f"the server at {options.url} did not answer in time") from None
        except requests.RequestException as error:
            raise CommandFailed(f"request to {options.url} failed: {error}") from None


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
        lambda a: page_lines(
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
    if options.action != "list":
        if not options.dataset_id:
            raise UsageError(f"datasets {options.action}: give the DATASET_ID")
        return _dataset_preview(options) if options.action == "preview" else _dataset_download(options)
    if options.dataset_id:
        raise UsageError(
            f"datasets list takes no DATASET_ID (did you mean: datasets preview {options.dataset_id}?)"
        )
    answer = call(options, lambda c: c.list_datasets(options.page, options.page_size))
    return show(
        options,
        answer,
        lambda a: page_lines(
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


def _dataset_preview(options: argparse.Namespace) -> int:
    answer = call(options, lambda c: c.preview_dataset(options.dataset_id, options.rows))
    return show(options, answer, _preview_lines)


def _preview_lines(preview: dict[str, Any]) -> Iterator[str]:
    shown = len(preview["rows"])
    yield f"dataset {preview['datasetId']}  {preview['name']} ({preview['format']})"
    yield from table([f"{c['name']} ({c['type']})" for c in preview["columns"]], preview["rows"])
    yield f"{shown} of {preview['recordCount']} rows" + ("; more with --rows" if preview["truncated"] else "")


def _dataset_download(options: argparse.Namespace) -> int:
    destination = Path(options.output).expanduser()
    if not destination.is_dir() and not destination.parent.is_dir():
        raise UsageError(f"--output: folder {destination.parent} does not exist")
    target = call(options, lambda c: c.download_dataset(options.dataset_id, destination, options.format))
    print(f"wrote {target} ({target.stat().st_size} bytes)")
    return OK


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
    sections: list[tuple[str, list[str], Callable[[dict[str, Any]], list[Any]]]] = [
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

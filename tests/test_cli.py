"""`jupyter mindzie` as users run it: real subprocesses, real kernels, a live server for the remote commands."""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
import unicodedata
import uuid
from datetime import timedelta
from pathlib import Path

import nbformat
import psutil
import pytest
import sqlite_utils
from papermill.cli import _resolve_type

from jupyter_mindzie.cli.parameters import resolve_type
from jupyter_mindzie.client import MindzieClient
from jupyter_mindzie.clock import stamp, utcnow
from jupyter_mindzie.notebooks.cells import TemplateCell
from jupyter_mindzie.notebooks.documents import build_notebook
from jupyter_mindzie.notebooks.templates import template_cells
from jupyter_mindzie.storage.migrations import MIGRATIONS, SCHEMA_VERSION
from jupyter_mindzie.storage.sqlite import MindzieStore

from .support import PROJECT, TENANT

CLI = [sys.executable, "-m", "jupyter_mindzie.cli"]
PYTHON3 = {"name": "python3", "display_name": "Python 3", "language": "python"}


def cli(*args: str | Path, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False
    )


async def acli(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The command in a subprocess without blocking the loop the test server runs on."""
    process = await asyncio.create_subprocess_exec(
        *CLI,
        *map(str, args),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def write_notebook(path: Path, cells: list[TemplateCell]) -> Path:
    nbformat.write(build_notebook(PYTHON3, cells), path)
    return path


def code(source: str, *tags: str) -> TemplateCell:
    return TemplateCell("code", source, tags)


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    return done.stderr.strip()


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    return write_notebook(
        tmp_path / "starter.ipynb", template_cells("process_mining_starter", "python", None)
    )


# -- run ------------------------------------------------------------------------------------


def test_run_writes_the_executed_notebook_and_its_artifacts(starter, tmp_path):
    before = starter.read_bytes()
    done = cli("run", starter, "-p", "top_n_bottlenecks", "2", "--report", "--progress")
    assert done.returncode == 0, done.stderr
    code_cells = sum(cell.cell_type == "code" for cell in nbformat.read(starter, as_version=4).cells)
    summary = done.stdout.splitlines()
    assert summary[0].startswith("Completed in") and f"{code_cells} cells ok, 0 failed" in summary[0]
    folder = tmp_path / "starter-run"
    lines = [line.split() for line in done.stdout.splitlines()]
    assert ["executed", "notebook:", str(folder / "executed.ipynb")] in lines, done.stdout  # labels align
    assert f"{code_cells}/{code_cells}" in done.stderr  # the progress bar reached the end

    assert starter.read_bytes() == before
    executed = nbformat.read(folder / "executed.ipynb", as_version=4)
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "top_n_bottlenecks = 2" in injected.source
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code")
    manifest = json.loads((folder / "run.json").read_text())
    assert manifest["status"] == "Completed" and manifest["parameters"] == {"top_n_bottlenecks": 2}
    kinds = {a["kind"] for a in manifest["artifacts"]}
    assert {"output", "enriched", "notebook", "report"} <= kinds
    assert all((folder / a["name"]).is_file() for a in manifest["artifacts"])
    metrics = next(a for a in manifest["artifacts"] if a["contentType"] == "application/json")
    assert len(json.loads((folder / metrics["name"]).read_text())["bottleneckActivities"]) == 2
    enriched = next(a for a in manifest["artifacts"] if a["kind"] == "enriched")
    assert "is_bottleneck" in (folder / enriched["name"]).read_text().splitlines()[0]
    assert "outputs" in summary[1] and "+ report.html" in summary[1]
    assert not list(tmp_path.glob("kernel-*.json"))  # connection files stay in Jupyter's runtime dir


def test_a_failing_cell_fails_the_command(tmp_path):
    notebook = write_notebook(
        tmp_path / "fails.ipynb", [code("x = 1", "parameters"), code("1 / 0"), code("print('after')")]
    )
    done = cli("run", notebook)
    assert done.returncode == 1
    assert done.stdout.startswith("Completed") and "cell-002 failed: ZeroDivisionError" in done.stdout
    cells = json.loads((tmp_path / "fails-run" / "run.json").read_text())["cells"]
    assert [c["status"] for c in cells] == ["Success", "Error", "Success"]

    stopped = cli("run", notebook, "--stop-on-error")
    assert stopped.returncode == 1 and stopped.stdout.startswith("Error") and "1 skipped" in stopped.stdout
    cells = json.loads((tmp_path / "fails-run" / "run.json").read_text())["cells"]
    assert [c["status"] for c in cells] == ["Success", "Error", "Skipped"]


def test_parameters_merge_like_papermill_and_cells_bound_the_run(tmp_path):
    notebook = write_notebook(
        tmp_path / "params.ipynb",
        [
            code("a = 0\nb = 'x'\nc = None\nd = None", "parameters"),
            code("print(repr((a, b, c, d)), get_ipython().history_manager.hist_file)"),
            code("raise RuntimeError('outside the range')"),
        ],
    )
    (tmp_path / "params.yaml").write_text("a: 1\nd: 2024-01-02\n")
    done = cli(
        "run",
        notebook,
        "-f",
        tmp_path / "params.yaml",
        "-y",
        "b: from yaml",
        "-p",
        "a",
        "3",
        "-r",
        "c",
        "007",
        "--cells",
        "cell-001:2",
        "-o",
        tmp_path / "out",
    )
    assert done.returncode == 0, done.stderr
    assert "1 skipped" in done.stdout
    executed = nbformat.read(tmp_path / "out" / "executed.ipynb", as_version=4)
    printed = next(c for c in executed.cells if c.get("id") == "cell-002").outputs[0]["text"]
    # -p wins; dates stay text, as papermill; the kernel keeps no history on disk, as the server's
    assert printed.strip() == "(3, 'from yaml', '007', '2024-01-02') :memory:"


@pytest.mark.parametrize(
    "raw",
    [
        "True",
        "False",
        "None",
        "true",
        "1",
        "-3",
        "1_000",
        " 7 ",
        "1.5",
        "1e3",
        "nan",
        "inf",
        "0x1f",
        "[1, 2]",
        "2024-01-02",
        "",
        "text",
    ],
)
def test_p_values_are_typed_exactly_as_papermill_types_them(raw):
    ours, theirs = resolve_type(raw), _resolve_type(raw)
    assert type(ours) is type(theirs)
    assert ours == theirs or (math.isnan(ours) and math.isnan(theirs))


def test_rerunning_replaces_the_earlier_run_and_foreign_folders_are_refused(tmp_path):
    notebook = write_notebook(
        tmp_path / "twice.ipynb", [code("x = 1", "parameters"), code("if x == 1:\n    print('first')")]
    )
    assert cli("run", notebook).returncode == 0
    folder = tmp_path / "twice-run"
    assert (folder / "cell-002-1.txt").is_file()
    (folder / "notes.md").write_text("mine")  # not the run's: kept
    assert cli("run", notebook, "-p", "x", "2").returncode == 0
    assert not (folder / "cell-002-1.txt").exists() and (folder / "notes.md").read_text() == "mine"

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "data.csv").write_text("a\n1\n")
    assert "not empty and holds no earlier run" in one_line_error(cli("run", notebook, "-o", foreign))
    assert (foreign / "data.csv").read_text() == "a\n1\n"


# What the user got wrong, and the command; {dir} is the test's folder with ok.ipynb, notes.txt, bad.yaml.
MISTAKES = {
    "does not exist": ["run", "{dir}/missing.ipynb"],
    "is not a JSON notebook": ["run", "{dir}/notes.txt"],
    "is not a valid variable name": ["run", "{dir}/ok.ipynb", "-p", "1x", "2"],
    "expected 2 arguments": ["run", "{dir}/ok.ipynb", "-p", "x"],
    "is not valid YAML": ["run", "{dir}/ok.ipynb", "-f", "{dir}/bad.yaml"],
    "unknown kernel 'nope'; installed kernels: ": ["run", "{dir}/ok.ipynb", "--kernel", "nope"],
    "'cell-999' is not a cell of this notebook": ["run", "{dir}/ok.ipynb", "--cells", "cell-999:"],
    "cell number 7 is out of range": ["run", "{dir}/ok.ipynb", "--cells", ":7"],
    "--output names a folder": ["run", "{dir}/ok.ipynb", "--output", "{dir}/out.ipynb"],
    "holds the input notebook": ["run", "{dir}/ok.ipynb", "--output", "{dir}"],
}


@pytest.mark.parametrize("expected", list(MISTAKES))
def test_user_mistakes_are_one_line_and_exit_code_2(expected, tmp_path):
    write_notebook(tmp_path / "ok.ipynb", [code("x = 1", "parameters")])
    (tmp_path / "notes.txt").write_text("not a notebook")
    (tmp_path / "bad.yaml").write_text("a: [1,\n")
    line = one_line_error(cli(*(arg.format(dir=tmp_path) for arg in MISTAKES[expected])))
    assert line.startswith("jupyter mindzie run: error: ") and expected in line
    assert (tmp_path / "ok.ipynb").is_file() and not (tmp_path / "ok-run").exists()


def test_ctrl_c_cancels_the_run_and_shuts_the_kernel_down(tmp_path):
    marker = tmp_path / "kernel.pid"
    notebook = write_notebook(
        tmp_path / "slow.ipynb",
        [
            code("import os, pathlib, time"),
            code(f"pathlib.Path({str(marker)!r}).write_text(str(os.getpid()))\ntime.sleep(300)"),
            code("print('never')"),
        ],
    )
    process = subprocess.Popen(
        [*CLI, "run", str(notebook)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while not marker.exists() or not marker.read_text():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    kernel = psutil.Process(int(marker.read_text()))
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert out.startswith("Cancelled") and "Traceback" not in err
    assert not kernel.is_running() or kernel.status() == psutil.STATUS_ZOMBIE
    cells = json.loads((tmp_path / "slow-run" / "run.json").read_text())["cells"]
    assert [c["status"] for c in cells] == ["Success", "Error", "Skipped"]


# -- help and the server fallback --------------------------------------------------------------

COMMANDS = [
    [],
    ["run"],
    ["list"],
    ["executions"],
    ["status"],
    ["results"],
    ["datasets"],
    ["db"],
    ["db", "check"],
    ["db", "upgrade"],
    ["db", "prune"],
    ["demo"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "jupyter-mindzie")
def test_every_command_has_help(command):
    done = cli(*command, "--help", timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {' '.join(['jupyter mindzie', *command])}")


def test_jupyter_finds_the_console_script_and_a_mistyped_command_is_caught():
    jupyter = Path(sys.executable).with_name("jupyter")
    done = subprocess.run(
        [str(jupyter), "mindzie", "run", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and done.stdout.startswith("usage: jupyter mindzie run"), done.stderr
    typo = cli("lsit")
    assert typo.returncode == 2 and typo.stderr.strip() == (
        "jupyter mindzie: error: unknown command 'lsit'; did you mean 'list'? (see jupyter mindzie --help)"
    )


def test_without_a_subcommand_it_is_the_server_extension_app():
    done = cli("--help-all", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "MindzieApp" in done.stdout and "--ServerApp" in done.stdout


# -- commands against a live server -----------------------------------------------------------


def finished_execution(client: MindzieClient) -> tuple[str, str]:
    notebook = client.create_notebook("Listed ノート", "for the CLI", template="blank")
    client.update_notebook(notebook["notebookId"], cells=[{"cellType": "code", "content": "print('hello')"}])
    execution = client.execute_notebook(
        notebook["notebookId"], generate_report=False, save_intermediate_results=False
    )
    final = client.wait_for_completion(
        notebook["notebookId"], execution["executionId"], poll_interval=0.1, timeout=120
    )
    assert final["status"] == "Completed", final
    return notebook["notebookId"], execution["executionId"]


async def test_list_status_and_results_against_a_live_server(server_url, jp_serverapp, tmp_path):
    token = jp_serverapp.identity_provider.token
    with MindzieClient(server_url, TENANT, PROJECT, token) as client:
        notebook_id, execution_id = await asyncio.to_thread(finished_execution, client)
    where = ["--url", server_url, "--token", token, "--tenant", TENANT, "--project", PROJECT]

    code, out, err = await acli("list", *where)
    assert code == 0, err
    header, row, footer = out.splitlines()
    assert header.split() == ["NOTEBOOK", "ID", "NAME", "STATUS", "KERNEL", "CELLS", "VERSION", "LAST", "RUN"]
    assert row.startswith(notebook_id) and "Listed ノート" in row and "Ready" in row
    # columns line up on a terminal, where each wide character takes two cells
    assert display_width(row[: row.index("Ready")]) == display_width(header[: header.index("STATUS")])
    assert footer == "1 of 1 notebooks (page 1)"

    env = {"MINDZIE_TOKEN": token, "MINDZIE_TENANT": TENANT, "MINDZIE_PROJECT": PROJECT}
    code, out, err = await acli("list", "--url", server_url, "--json", env=env)
    assert code == 0, err
    assert [n["notebookId"] for n in json.loads(out)["notebooks"]] == [notebook_id]

    code, out, _ = await acli("executions", notebook_id, *where)
    assert code == 0 and execution_id in out and "1 ok, 0 failed of 1" in out
    code, out, _ = await acli("status", notebook_id, execution_id, *where)
    assert code == 0 and "status     Completed, 100%" in out and "cell-001  Success" in out
    code, out, _ = await acli("status", notebook_id, execution_id, *where, "--json")
    assert code == 0 and json.loads(out)["status"] == "Completed"
    code, out, _ = await acli("results", notebook_id, execution_id, *where)
    assert code == 0 and "stream" in out and "executed notebook: http" in out
    code, out, _ = await acli("results", notebook_id, execution_id, *where, "--download", tmp_path)
    assert code == 0 and (tmp_path / f"execution-{execution_id}.zip").is_file()
    code, out, _ = await acli("datasets", *where)
    assert code == 0 and out.strip() == "no datasets"

    code, out, err = await acli("status", notebook_id, str(uuid.uuid4()), *where)
    assert code == 1 and len(err.splitlines()) == 1 and "was not found" in err and "(HTTP 404)" in err
    code, out, err = await acli("list", *where[:2], "--token", "wrong", *where[4:])
    assert code == 1 and len(err.splitlines()) == 1 and "(HTTP 403)" in err
    code, out, err = await acli("list", "--url", "http://127.0.0.1:9", *where[2:])
    assert code == 1 and err.strip() == (
        "jupyter mindzie list: error: cannot reach a server at "
        "http://127.0.0.1:9: is `jupyter mindzie` running there?"
    )


# -- db and demo --------------------------------------------------------------------------------


def old_store(path: Path) -> None:
    """A store as the first release left it: schema 1."""
    path.parent.mkdir(parents=True)
    db = sqlite_utils.Database(sqlite3.connect(path))
    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    db.close()


def ended_execution(store: MindzieStore, ended_days_ago: int) -> str:
    execution_id = str(uuid.uuid4())
    end = stamp(utcnow() - timedelta(days=ended_days_ago))
    store.insert_execution(
        {
            "execution_id": execution_id,
            "notebook_id": str(uuid.uuid4()),
            "tenant_id": TENANT,
            "project_id": PROJECT,
            "status": "Completed",
            "phase": "Completed",
            "date_queued": end,
            "start_time": end,
            "end_time": end,
        },
        [],
    )
    return execution_id


def test_db_check_upgrade_and_prune(tmp_path):
    db = tmp_path / ".mindzie" / "mindzie.db"
    old_store(db)
    check = cli("db", "check", "--root", tmp_path)
    assert (
        check.returncode == 1
        and f"schema     1 (this jupyter-mindzie: {SCHEMA_VERSION}); run" in check.stdout
    )
    upgrade = cli("db", "upgrade", "--db", db)
    assert upgrade.returncode == 0 and upgrade.stdout.strip() == f"{db}: schema 1 -> {SCHEMA_VERSION}"
    report = json.loads(cli("db", "check", "--root", tmp_path, "--json").stdout)
    assert report["healthy"] and report["integrity"] == ["ok"] and report["schemaVersion"] == SCHEMA_VERSION

    store = MindzieStore(db_path=str(db))
    old, recent = ended_execution(store, 40), ended_execution(store, 2)
    store.close()
    for execution_id in (old, recent):
        (tmp_path / ".mindzie" / "executions" / execution_id).mkdir(parents=True)
        (tmp_path / ".mindzie" / "executions" / execution_id / "executed.ipynb").write_text("{}")
    dry = cli("db", "prune", "--root", tmp_path, "--older-than", "30d", "--dry-run")
    assert (
        dry.returncode == 0 and dry.stdout.splitlines()[0] == old and "would prune 1 executions" in dry.stdout
    )
    assert (tmp_path / ".mindzie" / "executions" / old).is_dir()
    pruned = cli("db", "prune", "--root", tmp_path, "--older-than", "30d")
    assert (
        pruned.returncode == 0
        and "pruned 1 executions" in pruned.stdout
        and "removed 1 artifact folders" in pruned.stdout
    )
    assert not (tmp_path / ".mindzie" / "executions" / old).exists()
    assert (tmp_path / ".mindzie" / "executions" / recent).is_dir()
    store = MindzieStore(db_path=str(db))
    assert store.get_execution(old) is None and store.get_execution(recent) is not None
    store.close()
    assert "no store at" in one_line_error(cli("db", "check", "--root", tmp_path / "elsewhere")).replace(
        "jupyter mindzie db check: error: ", ""
    )


def test_db_commands_take_a_postgresql_url(tmp_path, pg_url):
    from jupyter_mindzie.storage import pg_migrations
    from jupyter_mindzie.storage.postgres import MindziePostgresStore

    fresh = json.loads(cli("db", "check", "--db-url", pg_url, "--json").stdout)
    assert not fresh["healthy"] and fresh["schemaVersion"] == 0 and fresh["counts"] == {}
    upgrade = cli("db", "upgrade", "--db-url", pg_url)
    assert upgrade.returncode == 0, upgrade.stderr
    assert upgrade.stdout.strip().endswith(f"schema 0 -> {pg_migrations.SCHEMA_VERSION}")
    store = MindziePostgresStore(url=pg_url, data_path=str(tmp_path / ".mindzie"))
    old, recent = ended_execution(store, 40), ended_execution(store, 2)
    store.close()
    (tmp_path / ".mindzie" / "executions" / old).mkdir(parents=True)
    report = json.loads(cli("db", "check", "--db-url", pg_url, "--json").stdout)
    assert report["healthy"] and report["counts"]["executions"] == 2 and report["runningExecutions"] == 0
    pruned = cli("db", "prune", "--db-url", pg_url, "--root", tmp_path, "--older-than", "30d")
    assert pruned.returncode == 0 and "pruned 1 executions" in pruned.stdout, pruned.stderr
    assert (
        "removed 1 artifact folders" in pruned.stdout
        and not (tmp_path / ".mindzie" / "executions" / old).exists()
    )
    store = MindziePostgresStore(url=pg_url, data_path=str(tmp_path / ".mindzie"))
    assert store.get_execution(old) is None and store.get_execution(recent) is not None
    store.close()
    unreachable = cli("db", "check", "--db-url", "postgresql://nobody@127.0.0.1:1/none")
    assert unreachable.returncode != 0 and "Traceback" not in unreachable.stderr
    assert "not a reachable PostgreSQL store" in unreachable.stderr


def test_demo_seeds_a_project_and_remembers_the_notebook(tmp_path):
    done = cli("demo", tmp_path / "demo")
    assert done.returncode == 0, done.stderr
    path = (tmp_path / "demo" / ".mindzie" / "demo-notebook-path").read_text()
    assert (tmp_path / "demo" / path).is_file() and "starter notebook at" in done.stdout

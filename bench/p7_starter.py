"""P7: the job users run — the process-mining starter on an event log — through REST, against papermill.

Ours: the notebook made from the `process_mining_starter` template through the API (so the
template is read from the code under test at run time, whichever it is), run with the report
on (`outputOptions.generateReport`), the client waiting as `MindzieClient.wait_for_completion`
does. The pool has its defaults (one kernel per slot, preloaded with what the templates import).
A think time passes before each run, as between two clicks.
The alternative: papermill's Python API in this process on the same `.ipynb` file, with the same
parameters (the same event-log file as `dataset_path`). Runs are interleaved.

Event logs: the 1,000-case demo log and a 100,000-case log, both from the demo generator
(`jupyter_mindzie.demo.demo_event_log_rows`), written as CSV before the clock starts.

The floor is the kernel's own compute for the cells: the sum of the cells' execution times as
our runner measured them in the same runs (imports already done by the pool). The aim is a
wall time within 1.2 × that floor + 0.3 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import time
from pathlib import Path

from common import Row, Server, banner, median, stray_kernels, table


def event_log(folder: Path, cases: int) -> Path:
    """The demo generator's event log of `cases` cases as a CSV file."""
    from jupyter_mindzie.demo import demo_event_log_rows  # the process-mining issue's generator

    rows = demo_event_log_rows(cases=cases)
    path = folder / f"event-log-{cases}.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_ours(server: Server, notebook_id: str, parameters: dict[str, str]) -> tuple[float, float]:
    """(seconds from POST to the terminal state seen by the client, sum of the cells' execution times)."""
    body = {"parameters": parameters, "outputOptions": {"generateReport": True}}
    started = time.perf_counter()
    execution_id = server.submit(notebook_id, body)
    state = server.follow(notebook_id, execution_id, timeout=1800)
    elapsed = time.perf_counter() - started
    if state["status"] != "Completed":
        raise RuntimeError(f"the starter ended {state['status']}: {state.get('errorMessage')}")
    cells = server.status(notebook_id, execution_id)["cellResults"]
    failed = [c["cellId"] for c in cells if c["status"] == "Error"]
    if failed:
        raise RuntimeError(f"cells {failed} of the starter failed: {cells}")
    return elapsed, sum(c.get("executionTimeSeconds") or 0.0 for c in cells)


def run_papermill(source: Path, out: Path, parameters: dict[str, str]) -> float:
    import papermill

    started = time.perf_counter()
    papermill.execute_notebook(
        str(source),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
        cwd=str(source.parent),
    )
    return time.perf_counter() - started


def measure(
    server: Server, label: str, log: Path, reps: int, think: float, warm_up: bool = True
) -> list[Row]:
    created = server.call(
        "POST", "notebook", json={"notebookName": f"starter {label}", "template": "process_mining_starter"}
    ).json()
    notebook_id = created["notebookId"]
    source = server.root / created["path"]
    work = server.scratch / f"alt-{label}"
    work.mkdir()
    copy = Path(shutil.copy(source, work / "starter.ipynb"))
    out = work / "out.ipynb"
    parameters = {"dataset_path": str(log)}
    if warm_up:  # not timed: the OS file cache, the server's lazy imports, papermill's
        time.sleep(think)
        run_ours(server, notebook_id, parameters)
        run_papermill(copy, out, parameters)
    ours: list[float] = []
    floors: list[float] = []
    theirs: list[float] = []
    for rep in range(reps):
        time.sleep(think)
        wall, floor = run_ours(server, notebook_id, parameters)
        ours.append(wall)
        floors.append(floor)
        theirs.append(run_papermill(copy, out, parameters))
        print(
            f"  {label} run {rep + 1}/{reps}: ours {wall:.2f} s (cells {floor:.2f} s), papermill {theirs[-1]:.2f} s",
            flush=True,
        )
    papermill_cells = sum(
        (cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0)
        for cell in json.loads(out.read_text())["cells"]
    )
    m_ours, m_floor, m_pm = median(ours), median(floors), median(theirs)
    aim = 1.2 * m_floor + 0.3
    return [
        Row(
            "P7",
            f"the starter via REST on the {label}, report on, waiting as the client does",
            m_ours,
            m_pm,
            "papermill in-process",
            target="≤ 0.30×",
            met=m_ours / m_pm <= 0.30,
            samples={"ours": ours, "alt": theirs},
        ),
        Row(
            "P7",
            f"the same against its floor: the kernel's compute for the cells ({label})",
            m_ours,
            m_floor,
            "sum of cell times, imports preloaded",
            target=f"≤ 1.2 × floor + 0.3 s = {aim:.2f} s",
            met=m_ours <= aim,
            samples={"ours": ours, "alt": floors},
        ),
        Row(
            "P7",
            f"papermill's own cell times on the {label} (imports included, information)",
            papermill_cells,
            m_pm,
            "papermill wall time",
        ),
    ]


def main(args: argparse.Namespace) -> list[Row]:
    reps = args.reps or (2 if args.quick else 4)
    big_reps = args.big_reps or 1  # each side takes about half a minute there, bound by the cells
    big_cases = args.cases or (10_000 if args.quick else 100_000)
    banner(f"P7: the process-mining starter, {reps} runs on the demo log, {big_reps} on {big_cases} cases")
    import papermill  # noqa: F401  (imported before timing, as a long-lived process has it)

    rows: list[Row] = []
    with Server("p7", pool_size=None) as server:
        logs = server.scratch / "logs"
        logs.mkdir()
        demo = event_log(logs, 1000)
        big = event_log(logs, big_cases)
        rows += measure(server, "1,000-case demo log", demo, reps, args.think)
        # No second warm-up: the demo log's runs did it, and each big run costs tens of seconds.
        rows += measure(server, f"{big_cases:,}-case log", big, big_reps, args.think, warm_up=False)
        leaked = stray_kernels(server)
    rows.append(
        Row(
            "P7",
            "kernel processes left running by the server after the runs",
            float(leaked),
            0.0,
            "none expected",
            unit="",
            target="0",
            met=leaked == 0,
        )
    )
    return rows


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a smoke run: 10,000 cases, fewer repetitions")
    p.add_argument("--reps", type=int, default=0, help="runs of each side on the demo log (default 4)")
    p.add_argument("--big-reps", type=int, default=0, help="runs of each side on the big log (default 1)")
    p.add_argument("--cases", type=int, default=0, help="cases of the big log (default 100,000)")
    p.add_argument("--think", type=float, default=4.0, help="seconds before each of our runs (default 4)")
    return p


if __name__ == "__main__":
    print(table(main(parser().parse_args())))

"""The demo event log: a loan-application process with a real bottleneck, made deterministically.

The starter notebook falls back to it when no dataset is given, and `make demo` writes it as a
CSV into the demo project so there is something to analyse on a fresh machine.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

DEMO_TENANT_ID = "5a4d1e2f-0000-4000-8000-00000000de40"
DEMO_PROJECT_ID = "5a4d1e2f-0000-4000-8000-0000000000a1"
DEMO_NOTEBOOK_NAME = "Process mining starter"
DEMO_DATASET_NAME = "Loan applications (demo event log)"
COLUMNS = ("case_id", "activity", "timestamp", "resource", "amount")

# Mean hours of waiting before each activity; Manager Approval is the planted bottleneck.
_WAIT_HOURS = {
    "Submit Application": 0.0,
    "Review Application": 6.0,
    "Request Documents": 4.0,
    "Receive Documents": 30.0,
    "Credit Check": 3.0,
    "Manager Approval": 40.0,
    "Send Offer": 5.0,
    "Offer Accepted": 20.0,
    "Offer Declined": 26.0,
    "Reject Application": 8.0,
}
_RESOURCES = {
    "Submit Application": ["portal"],
    "Review Application": ["anna", "ben", "chloe"],
    "Request Documents": ["anna", "ben", "chloe"],
    "Receive Documents": ["portal"],
    "Credit Check": ["credit-bot"],
    "Manager Approval": ["dana"],
    "Send Offer": ["anna", "ben"],
    "Offer Accepted": ["portal"],
    "Offer Declined": ["portal"],
    "Reject Application": ["ben", "chloe"],
}


def _trace(rng: random.Random, amount: int) -> list[str]:
    trace = ["Submit Application", "Review Application"]
    if rng.random() < 0.35:
        trace += ["Request Documents", "Receive Documents"]
    trace.append("Credit Check")
    if rng.random() < 0.12:
        return [*trace, "Reject Application"]
    if amount > 20_000 or rng.random() < 0.3:
        trace.append("Manager Approval")
    trace.append("Send Offer")
    trace.append("Offer Accepted" if rng.random() < 0.75 else "Offer Declined")
    return trace


def demo_event_log_rows(cases: int = 1000, seed: int = 7) -> list[dict[str, Any]]:
    """Events of `cases` loan applications, the same every time for the same arguments."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 2, 8, 0, 0)
    rows: list[dict[str, Any]] = []
    for number in range(1, cases + 1):
        amount = rng.choice([2_500, 5_000, 8_000, 12_000, 15_000, 25_000, 40_000])
        moment = start + timedelta(hours=rng.uniform(0, 24 * 60))
        for activity in _trace(rng, amount):
            moment += timedelta(
                hours=rng.expovariate(1 / _WAIT_HOURS[activity]) if _WAIT_HOURS[activity] else 0
            )
            rows.append(
                {
                    "case_id": f"LA-{number:05d}",
                    "activity": activity,
                    "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S"),
                    "resource": rng.choice(_RESOURCES[activity]),
                    "amount": amount,
                }
            )
    return rows


def demo_event_log() -> Any:
    """The demo event log as a pandas DataFrame (imported lazily: the server never needs pandas)."""
    import pandas as pd

    return pd.DataFrame(demo_event_log_rows(), columns=list(COLUMNS))


def write_demo_event_log(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(demo_event_log_rows())
    return path


async def seed_demo(root: Path) -> str:
    """Give `root` the demo project: the event log as a dataset, and the starter notebook bound to it.

    Runs without a server, through the same libraries the API uses. Seeding twice keeps what
    the first time made. Returns the notebook's path relative to `root`.
    """
    import getpass

    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_server.services.contents.filemanager import FileContentsManager

    from jupyter_mindzie.access import Scope
    from jupyter_mindzie.execution.catalog import MindzieKernelCatalog
    from jupyter_mindzie.notebooks.library import MindzieNotebookLibrary
    from jupyter_mindzie.storage.datasets import MindzieDatasetLibrary
    from jupyter_mindzie.storage.sqlite import MindzieStore

    root.mkdir(parents=True, exist_ok=True)
    store = MindzieStore(db_path=str(root / ".mindzie" / "mindzie.db"))
    library = MindzieNotebookLibrary(
        store=store,
        kernels=MindzieKernelCatalog(kernel_spec_manager=KernelSpecManager()),
        contents_manager=FileContentsManager(root_dir=str(root)),
    )
    datasets = MindzieDatasetLibrary(store=store)
    scope = Scope(DEMO_TENANT_ID, DEMO_PROJECT_ID, getpass.getuser())
    log = write_demo_event_log(root / library.folder(scope) / "demo_event_log.csv")
    existing_sets, _ = datasets.list_datasets(scope, page_size=100)
    dataset = next((row for row in existing_sets if row["name"] == DEMO_DATASET_NAME), None)
    if dataset is None:
        dataset = await datasets.upload(scope, log.read_bytes(), log.name, DEMO_DATASET_NAME)
    dataset_id = dataset["dataset_id"]
    existing, _ = library.list_notebooks(scope, page_size=100)
    starter = next((row for row in existing if row["name"] == DEMO_NOTEBOOK_NAME), None)
    if starter is None:
        (starter, _), _ = await library.create(
            scope,
            {
                "notebookName": DEMO_NOTEBOOK_NAME,
                "notebookDescription": "Cycle times and bottlenecks of the demo loan-application process.",
                "template": "process_mining_starter",
                "integration": {
                    "enrichmentMode": True,
                    "outputFormat": "enriched_dataframe",
                    "datasetBinding": dataset_id,
                },
                "environment": {"packages": ["pandas", "matplotlib", "scikit-learn"]},
            },
        )
    store.close()
    return str(starter["path"])


def main(argv: list[str] | None = None) -> None:
    """`python -m jupyter_mindzie.demo ROOT`: seed ROOT and remember the notebook for `make demo`."""
    import asyncio
    import sys

    root = Path((argv if argv is not None else sys.argv[1:] or ["demo"])[0]).resolve()
    path = asyncio.run(seed_demo(root))
    (root / ".mindzie" / "demo-notebook-path").write_text(path, encoding="utf-8")
    print(f"mindzie demo: tenant {DEMO_TENANT_ID}, project {DEMO_PROJECT_ID}")
    print(f"mindzie demo: starter notebook at {root / path}")


if __name__ == "__main__":
    main()

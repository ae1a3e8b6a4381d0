"""The demo project: a loan-application event log of 5,000 cases and the starter notebook.

The log comes from the seeded generator in `mindzie_sdk.synthetic` (rework loops, a planted
bottleneck, clerks of different speeds, weekend gaps, a few anomalous cases). The starter falls
back to it when no dataset is given, and `make demo` writes it as a CSV into the demo project
so there is something to analyse on a fresh machine.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from jupyter_mindzie.cli.texts import _
from mindzie_sdk.synthetic import COLUMNS, generate_loan_log

DEMO_TENANT_ID = "5a4d1e2f-0000-4000-8000-00000000de40"
DEMO_PROJECT_ID = "5a4d1e2f-0000-4000-8000-0000000000a1"
DEMO_TENANT_NAME = "Demo company"
DEMO_PROJECT_NAME = "Loan applications"
DEMO_NOTEBOOK_NAME = "Process mining starter"
DEMO_DATASET_NAME = "Loan applications (demo event log)"
DEMO_CASES = 5000
FAST_CASES = 1000  # the smaller log the slower tests use


def demo_event_log_rows(cases: int = DEMO_CASES, seed: int = 7) -> list[dict[str, Any]]:
    """Events of `cases` loan applications, the same every time for the same arguments."""
    return generate_loan_log(cases=cases, seed=seed).rows


def demo_event_log(cases: int = DEMO_CASES) -> Any:
    """The demo event log as a pandas DataFrame (imported lazily: the server never needs pandas)."""
    return generate_loan_log(cases=cases).frame()


def write_demo_event_log(path: Path, cases: int = DEMO_CASES) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(demo_event_log_rows(cases))
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
    from jupyter_mindzie.notebooks.projects import ProjectDirectory
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
    ProjectDirectory(store).rename(scope, {"tenantName": DEMO_TENANT_NAME, "projectName": DEMO_PROJECT_NAME})
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
                "notebookDescription": "Process map, variants, bottlenecks, rework and an early outcome model of the demo loan-application process.",
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
    print(
        _(
            "mindzie demo: tenant {tenant_id}, project {project_id}",
            tenant_id=DEMO_TENANT_ID,
            project_id=DEMO_PROJECT_ID,
        )
    )
    print(_("mindzie demo: starter notebook at {path}", path=root / path))


if __name__ == "__main__":
    main()

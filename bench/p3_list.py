"""P3: listing a project of 10,000 notebooks, against Jupyter's `/api/contents` listing of the same folder.

Before the server starts, 10,000 small but real .ipynb files are written into the project's
folder and 10,000 rows (with their first version) are put into the store through
`jupyter_mindzie.storage.sqlite.MindzieStore`, as the API would have left them. Then ~200 `GET …/notebooks`
requests go across pages (page size 20 and 100) and filters (status, kernelType,
enrichmentMode), and a few `GET /api/contents/<folder>` requests list the same folder.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import PROJECT, TENANT, Row, Server, banner, median, percentile, table


def seed(root: Path, count: int) -> str:
    """`count` notebooks: files on disk and rows in the store. Returns the folder (API path)."""
    from jupyter_mindzie.storage.sqlite import MindzieStore

    folder = f"mindzie/{TENANT}/{PROJECT}"
    (root / folder).mkdir(parents=True)
    store = MindzieStore(db_path=str(root / ".mindzie" / "mindzie.db"))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    statuses = ["Ready"] * 8 + ["Error", "Running"]
    with store.atomic():
        for n in range(count):
            notebook_id = f"00000000-0000-4000-8000-{n:012d}"
            name = f"Analysis {n:05d}"
            path = f"{folder}/analysis-{n:05d}.ipynb"
            when = (start + timedelta(minutes=n)).isoformat(timespec="microseconds")
            settings = {
                "notebookId": notebook_id,
                "tenantId": TENANT,
                "projectId": PROJECT,
                "notebookName": name,
                "notebookDescription": None,
                "kernelType": "python3",
                "integration": {
                    "enrichmentMode": n % 3 == 0,
                    "datasetBinding": None,
                    "outputFormat": "enriched_dataframe",
                    "autoExecution": False,
                    "scheduleExecution": None,
                },
                "environment": {"packages": [], "customLibraries": []},
            }
            nb = {
                "cells": [
                    {
                        "cell_type": "code",
                        "id": "cell-001",
                        "metadata": {"tags": ["parameters"]},
                        "execution_count": None,
                        "outputs": [],
                        "source": "dataset_id = None",
                    },
                    {
                        "cell_type": "code",
                        "id": "cell-002",
                        "metadata": {},
                        "execution_count": None,
                        "outputs": [],
                        "source": f"print('analysis {n}')",
                    },
                ],
                "metadata": {
                    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                    "mindzie": settings,
                },
                "nbformat": 4,
                "nbformat_minor": 5,
            }
            content = json.dumps(nb, ensure_ascii=False)
            (root / path).write_text(content)
            row = {
                "notebook_id": notebook_id,
                "tenant_id": TENANT,
                "project_id": PROJECT,
                "name": name,
                "description": None,
                "kernel_type": "python3" if n % 5 else "ir",
                "status": statuses[n % len(statuses)],
                "version": "1.0.0",
                "path": path,
                "enrichment_mode": int(n % 3 == 0),
                "integration": settings["integration"],
                "environment": settings["environment"],
                "created_by": "bench",
                "date_created": when,
                "date_modified": when,
                "execution_count": 0,
                "cell_count": 2,
                "cells_hash": f"{n:040x}",
                "file_modified": None,
                "cell_times": {"cell-001": when, "cell-002": when},
            }
            version = {
                "notebook_id": notebook_id,
                "version": "1.0.0",
                "major": 1,
                "minor": 0,
                "patch": 0,
                "change": "created",
                "created_by": "bench",
                "date_created": when,
                "settings": settings,
                "content": content,
            }
            store.insert_notebook(row, version)
    store.close()
    return folder


def main(args: argparse.Namespace) -> list[Row]:
    count = args.notebooks or (1000 if args.quick else 10_000)
    requests_ = args.requests or (60 if args.quick else 200)
    contents_reps = args.contents or (3 if args.quick else 5)
    banner(f"P3: list {count} notebooks: {requests_} list requests, {contents_reps} contents listings")
    server = Server("p3", pool_size=0)
    started = time.perf_counter()
    folder = seed(server.root, count)
    print(f"  seeded {count} notebooks in {time.perf_counter() - started:.1f} s", flush=True)
    rng = random.Random(7)
    ours: list[float] = []
    contents: list[float] = []
    with server:
        pages = max(1, count // 20)
        queries = []
        for i in range(requests_):
            kind = i % 5
            if kind == 0:
                queries.append(f"notebooks?page={rng.randint(1, pages)}")
            elif kind == 1:
                queries.append(f"notebooks?page={rng.randint(1, max(1, count // 100))}&pageSize=100")
            elif kind == 2:
                queries.append(f"notebooks?status=Ready&page={rng.randint(1, max(1, pages * 8 // 10))}")
            elif kind == 3:
                queries.append(
                    f"notebooks?kernelType=python3&enrichmentMode=true&page={rng.randint(1, max(1, pages // 4))}"
                )
            else:
                queries.append("notebooks?status=Error")
        for query in queries[:5]:  # warm-up
            server.call("GET", query)
        server.call("GET", f"{server.url}/api/contents/{folder}")
        # Interleaved: a contents listing after every len(queries)/contents_reps list requests.
        every = max(1, len(queries) // contents_reps)
        for i, query in enumerate(queries):
            t = time.perf_counter()
            body = server.call("GET", query).json()
            ours.append(time.perf_counter() - t)
            assert "notebooks" in body and body["totalCount"] >= 0
            if i % every == 0 and len(contents) < contents_reps:
                t = time.perf_counter()
                listing = server.call("GET", f"{server.url}/api/contents/{folder}", timeout=300).json()
                contents.append(time.perf_counter() - t)
                assert len(listing["content"]) == count
        first = server.call("GET", "notebooks").json()
        assert first["totalCount"] == count, first["totalCount"]

    p50, p95 = median(ours), percentile(ours, 95)
    c50, c95 = median(contents), percentile(contents, 95)
    return [
        Row(
            "P3",
            f"list p95, {count} notebooks (pages, filters)",
            p95 * 1000,
            c95 * 1000,
            "/api/contents of the folder",
            unit="ms",
            target="≤ 20 ms",
            met=p95 * 1000 <= 20,
            samples={"ours": ours, "alt": contents},
        ),
        Row(
            "P3",
            f"list p50, {count} notebooks (pages, filters)",
            p50 * 1000,
            c50 * 1000,
            "/api/contents of the folder",
            unit="ms",
            target="≤ 0.10× (≥ 10× faster)",
            met=p50 / c50 <= 0.10,
        ),
    ]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a smoke run: 1,000 notebooks, 60 requests")
    p.add_argument("--notebooks", type=int, default=0, help="notebooks in the project (default 10,000)")
    p.add_argument("--requests", type=int, default=0, help="list requests (default 200)")
    p.add_argument("--contents", type=int, default=0, help="contents listings (default 5)")
    return p


if __name__ == "__main__":
    print(table(main(parser().parse_args())))

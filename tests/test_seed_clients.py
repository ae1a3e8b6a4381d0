"""Clients copied from the vendor documentation work against the server unchanged."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import nbformat

from .seed_clients.notebook_manager import NotebookManager
from .support import DATASET, PROJECT, TENANT

HERE = Path(__file__).parent


async def test_the_python_notebook_manager(server_url, jp_serverapp, tmp_path):
    manager = NotebookManager(server_url, TENANT, PROJECT, jp_serverapp.identity_provider.token)
    created = await asyncio.to_thread(
        manager.create_notebook,
        "Advanced Process Analytics",
        "異常検知を含む機械学習ベースのプロセス分析",
        "python3",
        "process_mining_starter",
        {
            "enrichmentMode": True,
            "datasetBinding": DATASET,
            "outputFormat": "enriched_dataframe",
            "autoExecution": False,
        },
    )
    assert created["notebookId"] and created["notebookVersion"] == "1.0.0"
    defaulted = await asyncio.to_thread(manager.create_notebook, "Defaults", "no template given")
    assert defaulted["integration"]["enrichmentMode"] is True and len(defaulted["cells"]) == 1

    path = tmp_path / "analysis.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), path)
    uploaded = await asyncio.to_thread(manager.upload_notebook, str(path), "カスタマージャーニー分析")
    assert uploaded["notebookName"] == "カスタマージャーニー分析"
    assert uploaded["integration"] == {
        **uploaded["integration"],
        "enrichmentMode": True,
        "datasetBinding": None,
    }
    assert "no-parameters-cell" in {w["code"] for w in uploaded["validation"]["warnings"]}

    listed = await asyncio.to_thread(
        manager.list_notebooks, status="Ready", enrichment_mode=True, page_size=2
    )
    assert listed["totalCount"] == 3 and listed["hasNextPage"] and len(listed["notebooks"]) == 2
    # the document's own example binds 'dataset-guid': a clear 400 naming the field
    broken = await asyncio.to_thread(
        manager.create_notebook,
        "x",
        "y",
        "python3",
        "process_mining_starter",
        {"datasetBinding": "dataset-guid"},
    )
    assert broken["status"] == 400 and broken["errors"][0]["field"] == "integration.datasetBinding"


async def test_the_javascript_fetch_calls(server_url, jp_serverapp):
    process = await asyncio.create_subprocess_exec(
        "node",
        str(HERE / "seed_clients" / "workflow.mjs"),
        server_url,
        TENANT,
        PROJECT,
        jp_serverapp.identity_provider.token,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    seen = json.loads(out)
    assert seen["created"]["status"] == 201
    assert seen["created"]["body"]["cells"][0]["cellId"] == "cell-001"
    assert (
        seen["fetched"]["status"] == 200
        and seen["fetched"]["body"]["notebookName"] == "Process Mining Analysis"
    )
    assert seen["listed"]["body"]["totalCount"] == 1
    assert seen["updated"]["status"] == 200 and seen["updated"]["body"]["notebookVersion"] == "1.0.1"
    assert seen["stale"]["status"] == 412
    assert seen["bad"]["status"] == 400 and seen["bad"]["type"].startswith("application/problem+json")
    assert seen["deleted"] == 204

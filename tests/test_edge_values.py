"""Values Python's json reads but nothing can keep: infinity, lone surrogates, deep nesting."""

from __future__ import annotations

import json
from typing import Any

import nbformat
import pytest

from .support import assert_problem, create, execute, project_path, wait_for
from .support import upload_notebook as upload


async def post_execute(api: Any, notebook_id: str, raw: str) -> Any:
    return await api("POST", project_path("notebook", notebook_id, "execute"), raw=raw)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"parameters": {"threshold": 1e400}}', "parameters.threshold"),
        ('{"parameters": {"limits": [1, -1e999]}}', "parameters.limits[1]"),
        ('{"parameters": {"name": "\\ud800"}}', "parameters.name"),
        ('{"parameters": {"\\udfff": 1}}', "parameters"),
        ('{"parameters": {"deep": ' + "[" * 80 + "]" * 80 + "}}", "parameters.deep" + "[0]" * 63),
        ('{"parameters": {"deeper": ' + "[" * 20000 + "]" * 20000 + "}}", "body"),
    ],
)
async def test_values_no_store_can_keep_are_400_naming_the_field(api, raw, field):
    notebook = await create(api)
    assert_problem(await post_execute(api, notebook["notebookId"], raw), 400, field=field)
    # nothing was queued, and the notebook's status is still valid JSON
    listed = await api("GET", project_path("notebook", notebook["notebookId"], "executions"))
    assert listed.status == 200 and listed.json["totalCount"] == 0


async def test_deep_settings_and_surrogate_names_are_400(api):
    notebook = await create(api)
    url = project_path("notebook", notebook["notebookId"])
    deep = {"integration": {"datasetBinding": None}}
    for _ in range(100):
        deep = {"integration": deep}
    assert_problem(await api("PUT", url, deep), 400)
    assert_problem(await api("PUT", url, raw='{"notebookName": "a\\ud800b"}'), 400, field="notebookName")
    assert_problem(await api("POST", project_path("notebook"), raw='{"notebookName": "\\udc00"}'), 400)


async def test_uploads_with_surrogates_or_deep_nesting_are_400(api):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("s = '\ud800'", id="c1")]
    surrogate = json.dumps(nb).encode()  # ensure_ascii: the escape as JSON.stringify writes it
    assert_problem(await upload(api, surrogate), 400, field="file")
    nb.cells[0].source = "x = 1"
    nb.metadata["deep"] = json.loads("[" * 300 + "]" * 300)
    assert_problem(await upload(api, json.dumps(nb).encode()), 400, field="file")
    nb.metadata["deep"] = "x"
    nb.metadata["deeper"] = "@"
    raw = json.dumps(nb).replace('"@"', "[" * 100000 + "]" * 100000).encode()
    reply = await upload(api, raw)
    assert reply.status in (400, 413), reply.body
    assert reply.content_type.startswith("application/problem+json")


async def test_a_file_holding_a_lone_surrogate_stays_readable_and_runnable(api, jp_root_dir):
    notebook = await create(api, {"notebookName": "Edited"})
    path = jp_root_dir / notebook["path"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["cells"].append(
        {
            "cell_type": "code",
            "id": "sur",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "s = '\ud800'\nprint(len(s), hex(ord(s)))",
        }
    )
    path.write_text(json.dumps(doc), encoding="utf-8")  # escaped, as JupyterLab sends it
    url = project_path("notebook", notebook["notebookId"])
    got = await api("GET", url, params={"includeContent": "true"})
    assert got.status == 200, got.body
    assert (await api("GET", f"{url}/versions")).status == 200
    assert (await api("GET", f"{url}/parameters")).status == 200
    accepted = await execute(api, notebook)
    final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
    assert final["status"] == "Completed", final
    results = await api(
        "GET",
        f"{url}/execution/{accepted['executionId']}/results",
        params={"format": "detailed", "cellId": "sur"},
    )
    # the escape means the same character inside a Python string literal
    assert results.json["outputs"][0]["content"].strip() == "1 0xd800"


async def test_a_file_nbformat_rejects_gets_a_problem_naming_the_cell(api, jp_root_dir):
    notebook = await create(api)
    path = jp_root_dir / notebook["path"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    (cell,) = [c for c in doc["cells"] if "parameters" in c["metadata"].get("tags", [])]
    cell["metadata"]["tags"] = "parameters"
    path.write_text(json.dumps(doc), encoding="utf-8")
    reply = await post_execute(api, notebook["notebookId"], '{"parameters": {"x": 2}}')
    problem = assert_problem(reply, 409, problem_type="notebook-invalid")
    assert cell["id"] in problem["detail"] and "tags" in problem["detail"]

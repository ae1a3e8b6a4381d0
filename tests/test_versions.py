"""Versions: semver rules, every version retrievable, and edits made in JupyterLab."""

from __future__ import annotations

import json
from typing import Any

import nbformat
import pytest
from jupyter_server.auth.identity import IdentityProvider, User

from jupyter_mindzie.notebooks import versions as semver

from .support import assert_problem, create, execute, notebook_with, project_path, upload, wait_for


@pytest.mark.parametrize(
    ("current", "cells_changed", "expected"),
    [
        ("1.0.0", True, "1.1.0"),
        ("1.3.2", True, "1.4.0"),
        ("1.3.2", False, "1.3.3"),
        ("1.9.9", False, "1.9.10"),
    ],
)
def test_semver_rules(current, cells_changed, expected):
    assert str(semver.bump(current, cells_changed=cells_changed)) == expected


@pytest.mark.parametrize("text", ["1.0", "01.0.0", "1.0.0-rc1", "v1.0.0", "", "1..0"])
def test_semver_rejects_what_is_not_a_version(text):
    assert semver.parse(text) is None


async def lab_save(api: Any, path: str, nb: nbformat.NotebookNode) -> None:
    """Save the way JupyterLab does: PUT /api/contents/<path> with the notebook model."""
    reply = await api("PUT", f"api/contents/{path}", {"type": "notebook", "format": "json", "content": nb})
    assert reply.status == 200, reply.body


async def lab_open(api: Any, path: str) -> nbformat.NotebookNode:
    reply = await api("GET", f"api/contents/{path}", params={"content": "1", "type": "notebook"})
    assert reply.status == 200, reply.body
    return nbformat.from_dict(reply.json["content"])


async def test_every_version_is_listed_and_retrievable(api):
    notebook = await create(api, {"notebookName": "v1"})
    url = project_path("notebook", notebook["notebookId"])
    await api("PUT", url, {"notebookName": "v1.0.1"})
    await api("PUT", url, {"cells": [{"cellType": "code", "content": "print('v1.1.0')"}]})
    await api("PUT", url, {"notebookDescription": "patched"})
    listing = (await api("GET", f"{url}/versions")).json
    assert listing["totalCount"] == 4 and not listing["hasNextPage"]
    assert [v["version"] for v in listing["versions"]] == ["1.1.1", "1.1.0", "1.0.1", "1.0.0"]
    assert [v["change"] for v in listing["versions"]] == ["settings", "cells", "settings", "created"]
    assert all(v["dateCreated"].endswith("Z") and v["createdBy"] for v in listing["versions"])
    paged = (await api("GET", f"{url}/versions", params={"pageSize": "3", "page": "2"})).json
    assert [v["version"] for v in paged["versions"]] == ["1.0.0"]

    first = await api("GET", url, params={"version": "1.0.0", "includeContent": "true"})
    assert first.status == 200 and first.headers["ETag"] == '"1.0.0"'
    assert first.json["notebookVersion"] == "1.0.0" and first.json["notebookName"] == "v1"
    assert "dataset_id = None" in first.json["cells"][0]["content"]
    middle = (await api("GET", url, params={"version": "1.1.0", "includeContent": "true"})).json
    assert middle["notebookName"] == "v1.0.1" and middle["notebookDescription"] is None
    assert [c["content"] for c in middle["cells"]] == ["print('v1.1.0')"]
    current = (await api("GET", url)).json
    assert current["notebookVersion"] == "1.1.1" and current["notebookDescription"] == "patched"


async def test_unknown_or_malformed_versions(api):
    notebook = await create(api)
    url = project_path("notebook", notebook["notebookId"])
    assert_problem(await api("GET", url, params={"version": "2.0.0"}), 404, problem_type="version-not-found")
    assert_problem(await api("GET", url, params={"version": "latest"}), 400, field="version")
    assert_problem(await api("GET", f"{url}/versions", params={"pageSize": "1000"}), 400, field="pageSize")


async def test_an_edit_in_jupyterlab_is_a_new_minor_version(api, jp_root_dir):
    notebook = await create(
        api, {"notebookName": "edited", "initialCells": [{"cellType": "markdown", "content": "# Old"}]}
    )
    url = project_path("notebook", notebook["notebookId"])
    nb = await lab_open(api, notebook["path"])
    nb.cells[0].source = "# New title"
    nb.cells.append(nbformat.v4.new_code_cell("x = 1", id="lab-added"))
    await lab_save(api, notebook["path"], nb)

    reply = await api("GET", url, params={"includeContent": "true"})
    assert reply.status == 200
    seen = reply.json
    assert seen["notebookVersion"] == "1.1.0" and reply.headers["ETag"] == '"1.1.0"'
    assert [c["content"] for c in seen["cells"]] == ["# New title", seen["cells"][1]["content"], "x = 1"]
    assert seen["cells"][2]["cellId"] == "lab-added"
    assert seen["cells"][0]["lastModified"] >= notebook["cells"][0]["lastModified"]
    versions = (await api("GET", f"{url}/versions")).json["versions"]
    assert [(v["version"], v["change"]) for v in versions] == [("1.1.0", "file-edit"), ("1.0.0", "created")]
    # the edit is recorded once, and the old version still has the old cells
    assert (await api("GET", url)).json["notebookVersion"] == "1.1.0"
    old = (await api("GET", url, params={"version": "1.0.0", "includeContent": "true"})).json
    assert old["cells"][0]["content"] == "# Old"
    listed = (await api("GET", project_path("notebooks"))).json["notebooks"][0]
    assert listed["cellCount"] == 3


async def test_running_cells_in_jupyterlab_is_not_a_new_version(api):
    notebook = await create(api)
    nb = await lab_open(api, notebook["path"])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    nb.cells[0].execution_count = 1
    await lab_save(api, notebook["path"], nb)
    seen = (await api("GET", project_path("notebook", notebook["notebookId"]))).json
    assert seen["notebookVersion"] == "1.0.0"
    assert seen["cells"][0]["executionCount"] == 1 and seen["cells"][0]["hasOutput"] is True
    assert seen["cells"][0]["executionStatus"] == "Success"


async def test_if_match_sees_a_jupyterlab_edit(api):
    notebook = await create(api)
    nb = await lab_open(api, notebook["path"])
    nb.cells[0].source += "\nrate = 2"
    await lab_save(api, notebook["path"], nb)
    stale = await api(
        "PUT",
        project_path("notebook", notebook["notebookId"]),
        {"notebookDescription": "x"},
        headers={"If-Match": '"1.0.0"'},
    )
    assert_problem(stale, 412)


async def test_put_keeps_a_jupyterlab_edit_it_did_not_touch(api):
    notebook = await create(api)
    nb = await lab_open(api, notebook["path"])
    nb.cells[0].source += "\nrate = 2"
    await lab_save(api, notebook["path"], nb)
    reply = await api("PUT", project_path("notebook", notebook["notebookId"]), {"notebookDescription": "x"})
    assert reply.json["notebookVersion"] == "1.1.1"
    content = (
        await api("GET", project_path("notebook", notebook["notebookId"]), params={"includeContent": "true"})
    ).json
    assert content["cells"][0]["content"].endswith("rate = 2")
    assert json.dumps(content).count("rate = 2") == 1


class NamedUser(IdentityProvider):
    """Token auth as the server does it (an opaque hex id per user), with a name to show."""

    def generate_anonymous_user(self, handler: Any) -> User:
        return User(username="9c95edf5122f4e489d246ca455875acf", name="Ada Lovelace", display_name="Ada")


class TestWhoAndFromWhere:
    @pytest.fixture
    def mindzie_config(self):
        return {"ServerApp": {"identity_provider_class": NamedUser}}

    async def test_versions_datasets_and_runs_record_the_user_s_name_not_the_id(self, api):
        notebook = await notebook_with(api, "print('hello')")
        versions = (await api("GET", project_path("notebook", notebook["notebookId"], "versions"))).json
        assert notebook["createdBy"] == "Ada"
        assert [v["createdBy"] for v in versions["versions"]] == ["Ada", "Ada"]
        dataset = await upload(api, b"case_id,activity,timestamp\n1,a,2024-01-01\n")
        assert dataset.status == 201 and dataset.json["createdBy"] == "Ada"
        accepted = await execute(api, notebook)
        final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
        assert final["source"] == "api", "a run asked for without a source is the API's"

    async def test_the_panel_s_runs_are_labelled_panel_and_schedule_is_the_server_s(self, api):
        notebook = await notebook_with(api, "print('hello')")
        accepted = await execute(api, notebook, {"source": "panel"})
        final = await wait_for(api, notebook["notebookId"], accepted["executionId"])
        assert final["source"] == "panel"
        history = (await api("GET", project_path("notebook", notebook["notebookId"], "executions"))).json
        assert [e["source"] for e in history["executions"]] == ["panel"]
        reply = await api(
            "POST", project_path("notebook", notebook["notebookId"], "execute"), {"source": "schedule"}
        )
        assert_problem(reply, 400, "source")

"""JupyterLab's own file actions (through the contents API): rename, move, save and delete."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from .support import create, project_path


async def contents(api: Any, method: str, path: str, body: Any = None) -> Any:
    reply = await api(method, f"api/contents/{path}", body)
    assert reply.status < 300, reply.body
    return reply.json


async def eventually(check: Any, deadline: float = 10) -> None:
    """Poll `check()` (a coroutine function) until it is true: the event listener runs on its own."""
    end = time.monotonic() + deadline
    while not await check():
        assert time.monotonic() < end, "gave up waiting"
        await asyncio.sleep(0.05)


async def test_a_rename_in_the_file_browser_keeps_the_id_and_follows_the_file(api, jp_root_dir):
    notebook = await create(api, {"notebookName": "Demo"})
    old = notebook["path"]
    new = old.rsplit("/", 1)[0] + "/renamed.ipynb"
    await contents(api, "PATCH", old, {"path": new})
    url = project_path("notebook", notebook["notebookId"])

    async def followed() -> bool:
        return (await api("GET", url)).json["path"] == new

    await eventually(followed)
    assert not (jp_root_dir / old).exists()  # never restored beside the renamed file
    listed = (await api("GET", project_path("notebooks"))).json
    assert listed["totalCount"] == 1

    # an edit of the renamed file reaches the API as a new version
    model = await contents(api, "GET", new)
    model["content"]["cells"].append(
        {
            "cell_type": "code",
            "id": "added",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "x = 2",
        }
    )
    await contents(api, "PUT", new, {"type": "notebook", "format": "json", "content": model["content"]})
    got = (await api("GET", url, params={"includeContent": "true"})).json
    assert got["notebookVersion"] == "1.1.0" and "added" in [c["cellId"] for c in got["cells"]]
    assert not (jp_root_dir / old).exists()


async def test_a_moved_folder_takes_its_notebooks_along(api, jp_root_dir):
    first = await create(api, {"notebookName": "One"})
    second = await create(api, {"notebookName": "Two"})
    folder = first["path"].rsplit("/", 1)[0]
    await contents(api, "PATCH", folder, {"path": "archive"})

    async def moved() -> bool:
        paths = [
            (await api("GET", project_path("notebook", n["notebookId"]))).json["path"]
            for n in (first, second)
        ]
        return paths == ["archive/One.ipynb", "archive/Two.ipynb"]

    await eventually(moved)
    assert not (jp_root_dir / first["path"]).exists()


async def test_a_stale_save_never_reverts_the_settings_and_the_file_comes_back_in_line(api, jp_root_dir):
    notebook = await create(api, {"notebookName": "Scheduled"})
    path = notebook["path"]
    stale = (await contents(api, "GET", path))["content"]  # as the open editor holds it
    schedule = {"integration": {"autoExecution": True, "scheduleExecution": "0 6 * * *"}}
    url = project_path("notebook", notebook["notebookId"])
    assert (await api("PUT", url, schedule)).status == 200
    # JupyterLab's "Overwrite": the editor's copy, with the old metadata.mindzie, saved over the file
    stale["cells"][0]["source"] = "# edited in JupyterLab"
    await contents(api, "PUT", path, {"type": "notebook", "format": "json", "content": stale})

    def on_disk() -> dict[str, Any]:
        return json.loads((jp_root_dir / path).read_text(encoding="utf-8"))["metadata"]["mindzie"]

    async def in_line() -> bool:
        return on_disk()["integration"]["autoExecution"] is True

    await eventually(in_line)
    assert on_disk()["integration"]["scheduleExecution"] == "0 6 * * *"
    got = (await api("GET", url, params={"includeContent": "true"})).json
    assert (
        got["integration"]["autoExecution"] is True and got["integration"]["scheduleExecution"] == "0 6 * * *"
    )
    assert got["cells"][0]["content"] == "# edited in JupyterLab"  # the edit itself is kept
    assert on_disk()["integration"]["autoExecution"] is True


async def test_a_delete_in_the_file_browser_leaves_the_api_notebook_and_its_file_returns(api, jp_root_dir):
    notebook = await create(api, {"notebookName": "Keep"})
    await api("DELETE", f"api/contents/{notebook['path']}")
    assert not (jp_root_dir / notebook["path"]).exists()
    got = await api("GET", project_path("notebook", notebook["notebookId"]))
    assert got.status == 200 and (jp_root_dir / notebook["path"]).exists()
